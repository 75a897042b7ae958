//! The rate-limit port: sliding-window counters (seed 000).

use crate::time::{Duration, Timestamp};

use super::StorageError;

/// At most `limit` hits per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Hits allowed in any window.
    pub limit: u32,
    /// The window length.
    pub window: Duration,
}

/// The answer to one hit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateDecision {
    /// True if the hit is allowed (and was counted).
    pub allowed: bool,
    /// Hits left in the current window after this one.
    pub remaining: u32,
    /// When refused: how long until a hit would be allowed.
    pub retry_after: Duration,
}

/// Sliding-window counters: a hit at `now` counts the hits in `(now - window, now]`.
/// Refused hits are not counted, so a client that backs off recovers.
pub trait RateLimitStore: Send + Sync {
    /// Counts a hit on `key` if it is within `limit`.
    fn hit(
        &self,
        key: &str,
        limit: RateLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<RateDecision, StorageError>> + Send;
}
