//! The Redis adapter: courier locations (GEOADD/GEOSEARCH), idempotency
//! records, sliding-window rate limits (a sorted set per key, updated by a Lua
//! script), and a read-through cache for restaurants and menus in front of
//! any other catalog.
//!
//! Every key starts with the configured prefix, so tenants and test runs
//! share a server without colliding. Times come from the caller (the
//! simulator's clock or the wall clock at the edge), never from Redis's own,
//! which keeps runs reproducible; real key expiry only cleans up.

mod cache;
mod idempotency;
mod locations;
mod rate_limit;

pub use cache::CachedCatalog;

use courier_core::ports::StorageError;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// How long a command may wait for Redis's answer.
const RESPONSE_TIMEOUT_MS: u64 = 5_000;

/// A connection to Redis under a key prefix.
#[derive(Clone)]
pub struct RedisStore {
    client: redis::Client,
    conn: ConnectionManager,
    prefix: String,
    backend: String,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("backend", &self.backend)
            .field("prefix", &self.prefix)
            .finish()
    }
}

impl RedisStore {
    /// Connects to `url` (`redis://host:port`); every key starts with `prefix:`.
    pub async fn connect(url: &str, prefix: &str) -> Result<RedisStore, StorageError> {
        let backend = url.split('@').next_back().unwrap_or(url).to_owned();
        let unavailable = |e: redis::RedisError| StorageError::Unavailable {
            backend: backend.clone(),
            message: e.to_string(),
        };
        let client = redis::Client::open(url).map_err(unavailable)?;
        // Bounded reconnects: an outage surfaces as an error the caller can
        // retry or degrade on, not as a call that hangs.
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(2)
            .set_max_delay(500)
            .set_connection_timeout(std::time::Duration::from_secs(2))
            .set_response_timeout(std::time::Duration::from_millis(RESPONSE_TIMEOUT_MS));
        let mut conn = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(unavailable)?;
        // Fail now, naming the server, rather than on the first real call.
        redis::cmd("PING")
            .query_async::<String>(&mut conn)
            .await
            .map_err(unavailable)?;
        Ok(RedisStore {
            client,
            conn,
            prefix: prefix.to_owned(),
            backend,
        })
    }

    /// The key `name` under this store's prefix.
    fn key(&self, name: &str) -> String {
        format!("{}:{name}", self.prefix)
    }

    fn conn(&self) -> ConnectionManager {
        self.conn.clone()
    }

    fn error(&self, e: redis::RedisError) -> StorageError {
        if e.is_io_error() || e.is_connection_dropped() || e.is_connection_refusal() {
            StorageError::Unavailable {
                backend: self.backend.clone(),
                message: e.to_string(),
            }
        } else if e.is_timeout() {
            StorageError::Timeout {
                millis: RESPONSE_TIMEOUT_MS,
            }
        } else {
            StorageError::Backend(e.to_string())
        }
    }

    /// Publishes `payload` on the channel `name` (under this store's prefix)
    /// to whoever subscribes now; returns how many did.
    pub async fn publish(&self, name: &str, payload: &[u8]) -> Result<u64, StorageError> {
        redis::cmd("PUBLISH")
            .arg(self.key(name))
            .arg(payload)
            .query_async(&mut self.conn())
            .await
            .map_err(|e| self.error(e))
    }

    /// The payloads published on the channel `name` (under this store's
    /// prefix) from now on, on a connection of their own. Delivery is at
    /// most once: the stream ends when that connection drops, and what is
    /// published until the caller subscribes again is not seen.
    pub async fn subscribe(
        &self,
        name: &str,
    ) -> Result<impl futures::Stream<Item = Vec<u8>> + Send + use<>, StorageError> {
        use futures::StreamExt as _;
        let mut pubsub = self.client.get_async_pubsub().await.map_err(|e| self.error(e))?;
        pubsub.subscribe(self.key(name)).await.map_err(|e| self.error(e))?;
        Ok(pubsub
            .into_on_message()
            .map(|message| message.get_payload_bytes().to_vec()))
    }

    /// Deletes every key under this store's prefix (tests clean up with this).
    pub async fn clear(&self) -> Result<(), StorageError> {
        let mut conn = self.conn();
        let pattern = format!("{}:*", self.prefix);
        let mut cursor: u64 = 0;
        loop {
            let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
                .arg(cursor)
                .arg("MATCH")
                .arg(&pattern)
                .arg("COUNT")
                .arg(500)
                .query_async(&mut conn)
                .await
                .map_err(|e| self.error(e))?;
            if !keys.is_empty() {
                redis::cmd("DEL")
                    .arg(&keys)
                    .query_async::<i64>(&mut conn)
                    .await
                    .map_err(|e| self.error(e))?;
            }
            if next == 0 {
                return Ok(());
            }
            cursor = next;
        }
    }
}
