//! Simulated time as the city's clock: the simulation counts milliseconds
//! from a local midnight, and reports read them in the scenario's time zone
//! (RFC 3339 with that zone's offset), so a row says 19:05 where the city
//! said 19:05.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

/// The city's clock: a time zone from the IANA database (bundled).
#[derive(Debug, Clone)]
pub struct CityClock {
    tz: TimeZone,
}

impl CityClock {
    /// The clock of the IANA zone `name` (`Europe/Helsinki`).
    ///
    /// # Errors
    /// The zone is not in the database.
    pub fn new(name: &str) -> Result<CityClock, String> {
        TimeZone::get(name)
            .map(|tz| CityClock { tz })
            .map_err(|_| format!("{name:?} is not an IANA time zone (e.g. \"America/New_York\")"))
    }

    /// The civil time `ms` milliseconds after the simulation's epoch (local
    /// wall time: the epoch is a local midnight).
    fn civil(ms: i64) -> Option<DateTime> {
        let ts = jiff::Timestamp::from_millisecond(ms).ok()?;
        Some(TimeZone::UTC.to_datetime(ts))
    }

    /// `ms` as RFC 3339 in the city's zone (`2026-11-20T19:05:00-05:00`);
    /// empty if out of range.
    ///
    /// ```
    /// use courier_sim::clock::CityClock;
    /// let nyc = CityClock::new("America/New_York")?;
    /// // 19:05 local on 26 November 2026 (standard time, UTC-5).
    /// let ms = courier_sim::engine::DAY_START_MS + (19 * 60 + 5) * 60_000;
    /// assert_eq!(nyc.rfc3339(ms), "2026-11-26T19:05:00-05:00");
    /// # Ok::<(), String>(())
    /// ```
    pub fn rfc3339(&self, ms: i64) -> String {
        Self::civil(ms)
            .and_then(|dt| dt.to_zoned_datetime(self.tz.clone()).ok())
            .map_or_else(String::new, |z| z.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string())
    }

    /// The simulated time of an RFC 3339 instant (`2026-11-27T19:05:00-05:00`
    /// or `...Z`): the city's wall clock at that instant.
    ///
    /// ```
    /// use courier_sim::clock::CityClock;
    /// let nyc = CityClock::new("America/New_York")?;
    /// let ms = nyc.sim_ms("2026-11-27T00:05:00Z")?;
    /// assert_eq!(nyc.rfc3339(ms), "2026-11-26T19:05:00-05:00");
    /// # Ok::<(), String>(())
    /// ```
    ///
    /// # Errors
    /// The text is not an RFC 3339 instant with an offset.
    pub fn sim_ms(&self, rfc3339: &str) -> Result<i64, String> {
        let ts: jiff::Timestamp = rfc3339
            .trim()
            .parse()
            .map_err(|_| format!("{rfc3339:?} is not an RFC 3339 time with an offset (2026-11-27T19:05:00-05:00)"))?;
        let wall = self.tz.to_datetime(ts);
        wall.to_zoned_datetime(TimeZone::UTC)
            .map(|z| z.timestamp().as_millisecond())
            .map_err(|e| format!("{rfc3339:?}: {e}"))
    }

    /// `ms` as the wall clock's `HH:MM`.
    pub fn hhmm(ms: i64) -> String {
        Self::civil(ms).map_or_else(String::new, |dt| format!("{:02}:{:02}", dt.hour(), dt.minute()))
    }
}
