//! `RateLimitStore` on Redis: a sorted set of counted hits per key, trimmed
//! and counted atomically by a Lua script.

use std::sync::LazyLock;

use courier_core::ports::{RateDecision, RateLimit, RateLimitStore, StorageError};
use courier_core::{Duration, Timestamp};
use redis::Script;

use super::RedisStore;

/// KEYS: hits, sequence. ARGV: now, window, limit. Hits at or before
/// now - window have left the window (now - window, now]. Returns
/// {allowed, remaining, retry_after_ms}.
const HIT: &str = r"
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local used = redis.call('ZCARD', KEYS[1])
if used < limit then
  local seq = redis.call('INCR', KEYS[2])
  redis.call('ZADD', KEYS[1], now, now .. '-' .. seq)
  redis.call('PEXPIRE', KEYS[1], window + 60000)
  redis.call('PEXPIRE', KEYS[2], window + 60000)
  return {1, limit - used - 1, 0}
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local retry = tonumber(oldest[2]) + window - now
if retry < 0 then retry = 0 end
return {0, 0, retry}
";

impl RateLimitStore for RedisStore {
    async fn hit(&self, key: &str, limit: RateLimit, now: Timestamp) -> Result<RateDecision, StorageError> {
        static SCRIPT: LazyLock<Script> = LazyLock::new(|| Script::new(HIT));
        let (allowed, remaining, retry_ms): (i64, i64, i64) = SCRIPT
            .key(self.key(&format!("rl:{key}")))
            .key(self.key(&format!("rl-seq:{key}")))
            .arg(now.as_millis())
            .arg(limit.window.as_millis())
            .arg(limit.limit)
            .invoke_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))?;
        Ok(RateDecision {
            allowed: allowed == 1,
            remaining: u32::try_from(remaining).unwrap_or(0),
            retry_after: Duration::from_millis(u64::try_from(retry_ms).unwrap_or(0)),
        })
    }
}
