//! In-memory `RateLimitStore`: an exact sliding-window log per key.

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};

use courier_core::Timestamp;
use courier_core::ports::{RateDecision, RateLimit, RateLimitStore, StorageError};

/// Sliding-window rate limits in process memory: each key keeps the times of
/// its counted hits within the window, so the count is exact.
#[derive(Debug, Default)]
pub struct MemoryRateLimitStore {
    hits: Mutex<HashMap<String, VecDeque<Timestamp>>>,
}

impl MemoryRateLimitStore {
    fn lock(&self) -> MutexGuard<'_, HashMap<String, VecDeque<Timestamp>>> {
        self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// The sliding-window decision over a log of counted hits (oldest first).
fn decide(log: &mut VecDeque<Timestamp>, limit: RateLimit, now: Timestamp) -> RateDecision {
    let window_start = now.minus(limit.window);
    // The window is (now - window, now]: hits at or before its start have left.
    while log.front().is_some_and(|&t| t <= window_start) {
        log.pop_front();
    }
    let used = u32::try_from(log.len()).unwrap_or(u32::MAX);
    if used < limit.limit {
        log.push_back(now);
        RateDecision {
            allowed: true,
            remaining: limit.limit - used - 1,
            retry_after: courier_core::Duration::ZERO,
        }
    } else {
        // The oldest counted hit leaves the window `window` after it happened.
        let retry_after = log.front().map_or(courier_core::Duration::ZERO, |&oldest| {
            oldest.plus(limit.window).since(now)
        });
        RateDecision {
            allowed: false,
            remaining: 0,
            retry_after,
        }
    }
}

impl RateLimitStore for MemoryRateLimitStore {
    async fn hit(&self, key: &str, limit: RateLimit, now: Timestamp) -> Result<RateDecision, StorageError> {
        let mut hits = self.lock();
        let log = hits.entry(key.to_owned()).or_default();
        let decision = decide(log, limit, now);
        if log.is_empty() {
            hits.remove(key);
        }
        Ok(decision)
    }
}
