//! Simulated-or-real time: `Timestamp` and `Duration` in milliseconds, always passed in.
//!
//! Nothing in the domain reads a clock. The simulator hands in simulated
//! time, the server hands in the wall clock read at its edge; the domain
//! cannot tell the difference, which is what makes runs reproducible.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::num::NonZeroU64;

/// A duration given as a real number of seconds that no `Duration` can hold.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum DurationError {
    /// NaN or an infinity.
    #[error("duration must be a finite number of seconds, got {value}")]
    NotFinite {
        /// The value that was given.
        value: f64,
    },
    /// Below zero: time does not run backwards.
    #[error("duration cannot be negative, got {value} s")]
    Negative {
        /// The value that was given.
        value: f64,
    },
}

/// A span of time in whole milliseconds. Never negative by construction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Duration(u64);

impl Duration {
    /// No time at all.
    pub const ZERO: Duration = Duration(0);

    /// `ms` milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Self(ms)
    }

    /// `s` seconds.
    pub const fn from_secs(s: u64) -> Self {
        Self(s.saturating_mul(1_000))
    }

    /// `m` minutes.
    pub const fn from_mins(m: u64) -> Self {
        Self(m.saturating_mul(60_000))
    }

    /// `h` hours.
    pub const fn from_hours(h: u64) -> Self {
        Self(h.saturating_mul(3_600_000))
    }

    /// `secs` seconds, rounded to the nearest millisecond (values beyond
    /// `u64::MAX` ms saturate).
    ///
    /// ```
    /// use courier_core::{Duration, DurationError};
    /// assert_eq!(Duration::try_from_secs_f64(1.5), Ok(Duration::from_millis(1_500)));
    /// assert_eq!(Duration::try_from_secs_f64(-2.0), Err(DurationError::Negative { value: -2.0 }));
    /// assert!(Duration::try_from_secs_f64(f64::NAN).is_err());
    /// ```
    pub fn try_from_secs_f64(secs: f64) -> Result<Duration, DurationError> {
        if !secs.is_finite() {
            return Err(DurationError::NotFinite { value: secs });
        }
        if secs < 0.0 {
            return Err(DurationError::Negative { value: secs });
        }
        Ok(Duration(round_half_up_millis(secs * 1_000.0)))
    }

    /// Length in milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }

    /// Length in (fractional) minutes, for reports.
    pub fn as_mins_f64(self) -> f64 {
        self.0 as f64 / 60_000.0
    }

    /// Length in (fractional) seconds.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1_000.0
    }

    /// `self + other`, saturating at the maximum.
    pub const fn saturating_add(self, other: Duration) -> Duration {
        Duration(self.0.saturating_add(other.0))
    }

    /// `self - other`, or zero if `other` is longer.
    pub const fn saturating_sub(self, other: Duration) -> Duration {
        Duration(self.0.saturating_sub(other.0))
    }

    /// `self * factor`, saturating at the maximum.
    pub const fn saturating_mul(self, factor: u64) -> Duration {
        Duration(self.0.saturating_mul(factor))
    }
}

impl fmt::Display for Duration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0 / 1_000;
        let ms = self.0 % 1_000;
        if ms == 0 {
            write!(f, "{}m{:02}s", s / 60, s % 60)
        } else {
            write!(f, "{}m{:02}.{:03}s", s / 60, s % 60, ms)
        }
    }
}

/// An instant, in milliseconds since an epoch chosen by whoever supplies time
/// (the Unix epoch for the server, the start of a run for the simulator).
///
/// Any `i64` but `i64::MIN` (292 million years before the epoch), which
/// [`Timestamp::from_millis`] raises by one: that spare value lets an
/// `Option<Timestamp>` take 8 bytes instead of 16, and an order carries
/// eight of them.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Timestamp(NonZeroU64);

/// Flipping the sign bit maps `i64` onto `u64` in the same order, and
/// `i64::MIN` alone onto zero.
const SIGN: u64 = 1 << 63;

impl Timestamp {
    /// The epoch itself.
    pub const EPOCH: Timestamp = Timestamp::from_millis(0);

    /// `ms` milliseconds after the epoch (negative: before it; `i64::MIN`
    /// is taken as `i64::MIN + 1`).
    pub const fn from_millis(ms: i64) -> Self {
        match NonZeroU64::new(ms as u64 ^ SIGN) {
            Some(bits) => Self(bits),
            None => Self(NonZeroU64::MIN),
        }
    }

    /// Milliseconds since the epoch.
    pub const fn as_millis(self) -> i64 {
        (self.0.get() ^ SIGN) as i64
    }

    /// `self + d`, saturating.
    pub const fn plus(self, d: Duration) -> Timestamp {
        let add = if d.0 > i64::MAX as u64 { i64::MAX } else { d.0 as i64 };
        Timestamp::from_millis(self.as_millis().saturating_add(add))
    }

    /// `self - d`, saturating.
    pub const fn minus(self, d: Duration) -> Timestamp {
        let sub = if d.0 > i64::MAX as u64 { i64::MAX } else { d.0 as i64 };
        Timestamp::from_millis(self.as_millis().saturating_sub(sub))
    }

    /// Time elapsed from `earlier` to `self`, or zero if `earlier` is later.
    pub const fn since(self, earlier: Timestamp) -> Duration {
        let (to, from) = (self.as_millis(), earlier.as_millis());
        if to <= from {
            Duration::ZERO
        } else {
            Duration(to.abs_diff(from))
        }
    }
}

impl Default for Timestamp {
    /// The epoch.
    fn default() -> Self {
        Timestamp::EPOCH
    }
}

impl Hash for Timestamp {
    // Hashes the milliseconds, as the plain `i64` it once was did: hash
    // tables keyed by time keep their order.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_millis().hash(state);
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Timestamp").field(&self.as_millis()).finish()
    }
}

/// `millis.round() as u64` for finite, non-negative `millis`, without the
/// C library's `round` (not inlined on baseline x86-64, and travel estimates
/// convert seconds to a `Duration` millions of times a simulated hour).
/// Exact: below 2^52 the fraction `millis - trunc(millis)` is computed
/// without rounding, and from 2^52 every double is already whole; `as`
/// saturates beyond u64, which is the documented behaviour.
#[inline]
fn round_half_up_millis(millis: f64) -> u64 {
    const WHOLE_FROM: f64 = 4_503_599_627_370_496.0; // 2^52
    if millis >= WHOLE_FROM {
        return millis as u64;
    }
    let whole = millis as u64;
    let fraction = millis - whole as f64;
    whole + u64::from(fraction >= 0.5)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "t={}ms", self.as_millis())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::Strategy;

    #[test]
    fn timestamps_keep_their_millis_and_order_and_an_option_costs_nothing() {
        let samples = [i64::MIN + 1, -1_000, -1, 0, 1, 999, i64::MAX - 1, i64::MAX];
        for (i, &a) in samples.iter().enumerate() {
            assert_eq!(Timestamp::from_millis(a).as_millis(), a);
            for &b in &samples[i + 1..] {
                assert!(Timestamp::from_millis(a) < Timestamp::from_millis(b), "{a} < {b}");
            }
        }
        assert_eq!(Timestamp::from_millis(i64::MIN).as_millis(), i64::MIN + 1);
        assert_eq!(Timestamp::default(), Timestamp::EPOCH);
        assert_eq!(Timestamp::EPOCH.as_millis(), 0);
        assert_eq!(format!("{:?}", Timestamp::from_millis(-7)), "Timestamp(-7)");
        assert_eq!(Timestamp::from_millis(-7).to_string(), "t=-7ms");
        assert_eq!(size_of::<Option<Timestamp>>(), 8);
    }

    /// The C library's rounding, which the hand-written one replaces.
    fn libm_millis(secs: f64) -> u64 {
        (secs * 1_000.0).round() as u64
    }

    #[test]
    fn seconds_round_to_the_nearest_millisecond_halves_up() {
        for (secs, millis) in [
            (0.0, 0),
            (0.000_4, 0),
            (0.000_5, 1),
            (0.001_499, 1),
            (1.5, 1_500),
            (2.000_5, 2_001),
            (4_503_599_627_370.495, 4_503_599_627_370_495),
            (1e300, u64::MAX),
        ] {
            assert_eq!(
                Duration::try_from_secs_f64(secs),
                Ok(Duration::from_millis(millis)),
                "{secs}"
            );
            assert_eq!(libm_millis(secs), millis, "{secs}");
        }
    }

    proptest::proptest! {
        #[test]
        fn rounding_matches_the_c_library(
            secs in proptest::prop_oneof![
                0.0..10_000.0f64,
                0.0..1e19f64,
                (0u64..1 << 40).prop_map(|half_millis| half_millis as f64 / 2_000.0),
                proptest::num::f64::POSITIVE | proptest::num::f64::ZERO,
            ]
        ) {
            proptest::prop_assert_eq!(Duration::try_from_secs_f64(secs), Ok(Duration(libm_millis(secs))));
        }
    }

    #[test]
    fn since_never_goes_negative() {
        let a = Timestamp::from_millis(1_000);
        let b = Timestamp::from_millis(4_000);
        assert_eq!(b.since(a), Duration::from_secs(3));
        assert_eq!(a.since(b), Duration::ZERO);
    }

    #[test]
    fn arithmetic_saturates() {
        assert_eq!(
            Timestamp::from_millis(i64::MAX)
                .plus(Duration::from_secs(1))
                .as_millis(),
            i64::MAX
        );
        assert_eq!(
            Timestamp::from_millis(i64::MIN + 5)
                .minus(Duration::from_secs(1))
                .as_millis(),
            i64::MIN + 1
        );
        assert_eq!(
            Duration::from_secs(1).saturating_sub(Duration::from_secs(2)),
            Duration::ZERO
        );
        assert_eq!(Duration::from_mins(5).to_string(), "5m00s");
        assert_eq!(Duration::from_millis(61_500).to_string(), "1m01.500s");
    }
}
