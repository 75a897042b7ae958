//! `IdempotencyStore` on PostgreSQL: one row per key with its expiry.

use courier_core::ports::{IdempotencyStore, StorageError};
use courier_core::{Duration, Timestamp};

use super::PgStore;

impl IdempotencyStore for PgStore {
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        // Insert, or take over an expired record; a live one is left alone.
        let stored = sqlx::query(
            "INSERT INTO idempotency (key, value, expires_at_ms) VALUES ($1, $2, $3) \
             ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at_ms = EXCLUDED.expires_at_ms \
             WHERE idempotency.expires_at_ms <= $4",
        )
        .bind(key)
        .bind(value)
        .bind(now.plus(ttl).as_millis())
        .bind(now.as_millis())
        .execute(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        if stored.rows_affected() == 1 {
            return Ok(None);
        }
        let existing: Option<Vec<u8>> = sqlx::query_scalar("SELECT value FROM idempotency WHERE key = $1")
            .bind(key)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        existing
            .map(Some)
            .ok_or_else(|| StorageError::Backend(format!("idempotency record {key:?} vanished")))
    }

    async fn get(&self, key: &str, now: Timestamp) -> Result<Option<Vec<u8>>, StorageError> {
        sqlx::query_scalar("SELECT value FROM idempotency WHERE key = $1 AND expires_at_ms > $2")
            .bind(key)
            .bind(now.as_millis())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))
    }
}
