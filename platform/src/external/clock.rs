//! Time as a dependency: services ask a [`Clock`], never the system.

use std::sync::atomic::{AtomicI64, Ordering};

use courier_core::{Duration, Timestamp};

/// Where the services read "now".
pub trait Clock: Send + Sync {
    /// The current time.
    fn now(&self) -> Timestamp;
}

/// A clock that moves only when told: tests and the simulator drive it.
///
/// ```
/// use courier_core::{Duration, Timestamp};
/// use courier_platform::external::{Clock, ManualClock};
/// let clock = ManualClock::new(Timestamp::EPOCH);
/// clock.advance(Duration::from_secs(30));
/// assert_eq!(clock.now(), Timestamp::from_millis(30_000));
/// ```
#[derive(Debug, Default)]
pub struct ManualClock {
    millis: AtomicI64,
}

impl ManualClock {
    /// A clock reading `start`.
    pub fn new(start: Timestamp) -> ManualClock {
        ManualClock {
            millis: AtomicI64::new(start.as_millis()),
        }
    }

    /// Sets the time (it may go backwards: the caller owns the timeline).
    pub fn set(&self, at: Timestamp) {
        self.millis.store(at.as_millis(), Ordering::Release);
    }

    /// Moves the time forward by `by`.
    pub fn advance(&self, by: Duration) {
        let by = i64::try_from(by.as_millis()).unwrap_or(i64::MAX);
        self.millis.fetch_add(by, Ordering::AcqRel);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.millis.load(Ordering::Acquire))
    }
}

impl<C: Clock + ?Sized> Clock for std::sync::Arc<C> {
    fn now(&self) -> Timestamp {
        (**self).now()
    }
}
