//! The wall clock, for production: the platform reads time only through
//! its `Clock` port, and this is the one place the server reads the system.

use courier_core::Timestamp;
use courier_platform::external::Clock;

/// Milliseconds since the Unix epoch from the system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods, reason = "the server's clock is the system's")]
    fn now(&self) -> Timestamp {
        let since_epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp::from_millis(i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX))
    }
}
