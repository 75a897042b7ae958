//! `LeaseStore` on PostgreSQL: one row per lease, taken, renewed and given
//! up in single statements on the database's clock, so instances whose
//! clocks disagree still agree on who holds it.

use courier_core::ports::{Lease, LeaseStore, StorageError};
use courier_core::{Duration, Timestamp};

use super::{PgStore, to_i64, to_u64};

/// Takes the lease when free or lapsed (a new token), renews it for its
/// holder (the same token); returns a row only when granted.
const ACQUIRE_SQL: &str = "WITH clock AS (SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint AS ms) \
     INSERT INTO leases AS l (name, holder, token, expires_at_ms) \
     SELECT $1, $2, 1, clock.ms + $3 FROM clock \
     ON CONFLICT (name) DO UPDATE SET \
       token = CASE WHEN l.holder = EXCLUDED.holder THEN l.token ELSE l.token + 1 END, \
       holder = EXCLUDED.holder, \
       expires_at_ms = EXCLUDED.expires_at_ms \
     WHERE l.holder = EXCLUDED.holder OR l.expires_at_ms <= EXCLUDED.expires_at_ms - $3 \
     RETURNING holder, token, expires_at_ms";

impl LeaseStore for PgStore {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        _now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let row: Option<(String, i64, i64)> = sqlx::query_as(ACQUIRE_SQL)
            .bind(name)
            .bind(holder)
            .bind(to_i64(ttl.as_millis()))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        row.map(|(holder, token, expires_at_ms)| {
            Ok(Lease {
                name: name.to_owned(),
                holder,
                token: to_u64(token, "lease token")?,
                expires_at: Timestamp::from_millis(expires_at_ms),
            })
        })
        .transpose()
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StorageError> {
        let done = sqlx::query("UPDATE leases SET expires_at_ms = 0 WHERE name = $1 AND holder = $2 AND token = $3")
            .bind(&lease.name)
            .bind(&lease.holder)
            .bind(to_i64(lease.token))
            .execute(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        Ok(done.rows_affected() == 1)
    }
}
