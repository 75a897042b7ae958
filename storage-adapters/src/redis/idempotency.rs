//! `IdempotencyStore` on Redis: the first value under a key, until its
//! expiry on the caller's clock.

use std::sync::LazyLock;

use courier_core::ports::{IdempotencyStore, StorageError};
use courier_core::{Duration, Timestamp};
use redis::Script;

use super::RedisStore;

/// Stores ARGV[2] under KEYS[1] unless a record live at ARGV[1] (now) is
/// there; returns the live record's value, or nil when this call stored.
/// Records are "expires_ms:value"; PX cleans up what the caller's clock has
/// long let go (ARGV[4], in real milliseconds).
const PUT_IF_ABSENT: &str = r"
local current = redis.call('GET', KEYS[1])
if current then
  local sep = string.find(current, ':', 1, true)
  if tonumber(string.sub(current, 1, sep - 1)) > tonumber(ARGV[1]) then
    return string.sub(current, sep + 1)
  end
end
redis.call('SET', KEYS[1], ARGV[3] .. ':' .. ARGV[2], 'PX', ARGV[4])
return false
";

/// Real time a record is kept in Redis beyond its TTL: generous, since the
/// caller's clock (a simulation) may run far ahead of or behind Redis's.
const CLEANUP_MS: u64 = 7 * 24 * 3_600_000;

fn split(record: &[u8]) -> Option<(i64, &[u8])> {
    let sep = record.iter().position(|&b| b == b':')?;
    let expires = std::str::from_utf8(&record[..sep]).ok()?.parse().ok()?;
    Some((expires, &record[sep + 1..]))
}

impl IdempotencyStore for RedisStore {
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(PUT_IF_ABSENT));
        SCRIPT
            .key(self.key(&format!("idem:{key}")))
            .arg(now.as_millis())
            .arg(value)
            .arg(now.plus(ttl).as_millis())
            .arg(ttl.as_millis().saturating_add(CLEANUP_MS))
            .invoke_async::<Option<Vec<u8>>>(&mut self.conn())
            .await
            .map_err(|e| self.error(e))
    }

    async fn get(&self, key: &str, now: Timestamp) -> Result<Option<Vec<u8>>, StorageError> {
        let record: Option<Vec<u8>> = redis::cmd("GET")
            .arg(self.key(&format!("idem:{key}")))
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        let Some(record) = record else { return Ok(None) };
        let (expires, value) =
            split(&record).ok_or_else(|| StorageError::Corrupt(format!("idempotency record {key:?}")))?;
        Ok((expires > now.as_millis()).then(|| value.to_vec()))
    }
}
