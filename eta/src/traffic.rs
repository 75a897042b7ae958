//! The traffic profile: how fast the city moves at each hour of the day (seed 002).

use courier_core::Timestamp;

use crate::{EtaError, Factor};

const HOUR_MS: i64 = 3_600_000;
const MINUTE_MS: i64 = 60_000;

/// Speed multipliers for each local hour of the day, and the offset from the
/// timestamps' epoch to local time.
///
/// A factor of `0.75` means traffic moves at three quarters of the base speed.
///
/// ```
/// use courier_core::Timestamp;
/// use courier_eta::TrafficProfile;
/// let profile = TrafficProfile::default();
/// let six_pm = Timestamp::from_millis(18 * 3_600_000);
/// let three_am = Timestamp::from_millis(3 * 3_600_000);
/// assert!(profile.factor_at(six_pm) < profile.factor_at(three_am));
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct TrafficProfile {
    hourly: [Factor; 24],
    utc_offset_mins: i32,
}

impl TrafficProfile {
    /// A profile from 24 speed factors (local hour 0 first), each in `[0.05, 5]`,
    /// and the local time's offset from the timestamps' epoch in minutes
    /// (`-720..=840`).
    pub fn new(hourly: [f64; 24], utc_offset_mins: i32) -> Result<TrafficProfile, EtaError> {
        const NAMES: [&str; 24] = [
            "traffic factor for hour 0",
            "traffic factor for hour 1",
            "traffic factor for hour 2",
            "traffic factor for hour 3",
            "traffic factor for hour 4",
            "traffic factor for hour 5",
            "traffic factor for hour 6",
            "traffic factor for hour 7",
            "traffic factor for hour 8",
            "traffic factor for hour 9",
            "traffic factor for hour 10",
            "traffic factor for hour 11",
            "traffic factor for hour 12",
            "traffic factor for hour 13",
            "traffic factor for hour 14",
            "traffic factor for hour 15",
            "traffic factor for hour 16",
            "traffic factor for hour 17",
            "traffic factor for hour 18",
            "traffic factor for hour 19",
            "traffic factor for hour 20",
            "traffic factor for hour 21",
            "traffic factor for hour 22",
            "traffic factor for hour 23",
        ];
        if !(-720..=840).contains(&utc_offset_mins) {
            return Err(EtaError::InvalidFactor {
                name: "UTC offset in minutes",
                value: f64::from(utc_offset_mins),
                min: -720.0,
                max: 840.0,
            });
        }
        let mut factors = [Factor::ONE; 24];
        for (hour, (slot, value)) in factors.iter_mut().zip(hourly).enumerate() {
            *slot = Factor::new(NAMES[hour], value, 0.05, 5.0)?;
        }
        Ok(TrafficProfile {
            hourly: factors,
            utc_offset_mins,
        })
    }

    /// The same speed at every hour.
    pub fn flat() -> TrafficProfile {
        TrafficProfile {
            hourly: [Factor::ONE; 24],
            utc_offset_mins: 0,
        }
    }

    /// Local hour of day (0..24) at `at`.
    pub fn hour_at(&self, at: Timestamp) -> usize {
        let local = at
            .as_millis()
            .saturating_add(i64::from(self.utc_offset_mins) * MINUTE_MS);
        // rem_euclid keeps instants before the epoch in 0..24.
        local.div_euclid(HOUR_MS).rem_euclid(24) as usize
    }

    /// The speed multiplier at `at`.
    pub fn factor_at(&self, at: Timestamp) -> f64 {
        self.hourly[self.hour_at(at)].get()
    }

    /// The 24 multipliers, local hour 0 first.
    pub fn hourly(&self) -> [f64; 24] {
        self.hourly.map(Factor::get)
    }
}

impl Default for TrafficProfile {
    /// A weekday city: free-flowing at night, slow in the morning commute, at
    /// lunch and slowest in the evening rush that overlaps the dinner peak.
    fn default() -> Self {
        const HOURLY: [f64; 24] = [
            1.15, 1.15, 1.15, 1.15, 1.15, 1.10, // 00-05: empty streets
            1.00, 0.85, 0.80, 0.90, 0.95, 0.90, // 06-11: morning commute
            0.85, 0.90, 0.95, 0.90, 0.85, 0.75, // 12-17: lunch, school run
            0.75, 0.80, 0.90, 1.00, 1.05, 1.10, // 18-23: evening rush, then clearing
        ];
        TrafficProfile::new(HOURLY, 0).unwrap_or_else(|_| TrafficProfile::flat())
    }
}
