//! In-memory `IdempotencyStore`: first response per key, until its TTL.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use courier_core::Timestamp;
use courier_core::ports::{IdempotencyStore, StorageError};

/// Each key is allocated once and shared by both tables (a placement writes one).
#[derive(Debug, Default)]
struct Records {
    live: HashMap<Arc<str>, (Vec<u8>, Timestamp)>,
    /// (expires at, key): purging reads only what has expired.
    by_expiry: BTreeSet<(Timestamp, Arc<str>)>,
}

impl Records {
    fn purge(&mut self, now: Timestamp) {
        while self.by_expiry.first().is_some_and(|(expires, _)| *expires <= now) {
            let Some((expires, key)) = self.by_expiry.pop_first() else {
                break;
            };
            if self.live.get(&key).is_some_and(|r| r.1 == expires) {
                self.live.remove(&key);
            }
        }
    }
}

/// Idempotency records in process memory.
#[derive(Debug, Default)]
pub struct MemoryIdempotencyStore {
    records: Mutex<Records>,
}

impl MemoryIdempotencyStore {
    fn lock(&self) -> MutexGuard<'_, Records> {
        self.records.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl IdempotencyStore for MemoryIdempotencyStore {
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: courier_core::Duration,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        let mut r = self.lock();
        r.purge(now);
        if let Some((existing, _)) = r.live.get(key) {
            return Ok(Some(existing.clone()));
        }
        let expires = now.plus(ttl);
        let key: Arc<str> = Arc::from(key);
        r.live.insert(Arc::clone(&key), (value.to_vec(), expires));
        r.by_expiry.insert((expires, key));
        Ok(None)
    }

    async fn get(&self, key: &str, now: Timestamp) -> Result<Option<Vec<u8>>, StorageError> {
        let r = self.lock();
        Ok(r.live
            .get(key)
            .filter(|(_, expires)| *expires > now)
            .map(|(v, _)| v.clone()))
    }
}
