//! The idempotency port: remember the first response to a request key for a while.

use crate::time::{Duration, Timestamp};

use super::StorageError;

/// How long an idempotency record lives (seed 004: 24 hours).
pub const DEFAULT_IDEMPOTENCY_TTL: Duration = Duration::from_hours(24);

/// Records keyed by a scoped client key (e.g. `"place:customer_7:k-123"`).
pub trait IdempotencyStore: Send + Sync {
    /// Stores `value` under `key` until `now + ttl` unless a live record exists;
    /// returns `None` when this call stored it, or the existing value otherwise.
    fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send;

    /// The live value under `key`, if any.
    fn get(&self, key: &str, now: Timestamp) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send;
}
