//! How the store is doing, measured call by call: the latency of its calls
//! and the share that failed, over a window the reader empties. A server
//! wraps its store in one so the degradation ladder can read storage
//! latency and errors as signals of their own.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use courier_core::Duration;
use courier_core::ports::StorageError;

use crate::layered::{CallLayer, Layered};

/// A store whose calls a [`StorageMeter`] measures.
pub type MeteredStore<S> = Layered<S, Arc<StorageMeter>>;

/// Latencies kept per window at most: enough for a p99, bounded in memory.
const KEPT: usize = 50_000;

/// Fewer calls than this in a window say nothing of latency or errors.
pub const FEWEST_CALLS: u64 = 20;

/// A window of samples (latencies, say), at most `KEPT` of them (enough
/// for a p99, bounded in memory), read and emptied as a 99th percentile.
/// The store's meter keeps its call latencies in one; the server's edge
/// its API and search latencies.
///
/// ```
/// use courier_storage::metered::Samples;
/// let window = Samples::<1_000>::default();
/// for ms in 1..=100 {
///     window.push(ms);
/// }
/// assert_eq!(window.take_p99(20), Some(99));
/// assert_eq!(window.take_p99(0), None, "taken: the next window starts empty");
/// ```
#[derive(Debug, Default)]
pub struct Samples<const KEPT: usize> {
    kept: Mutex<Vec<u64>>,
}

impl<const KEPT: usize> Samples<KEPT> {
    /// Adds one sample (past `KEPT` of them, it is left out).
    pub fn push(&self, sample: u64) {
        let mut kept = self.kept.lock().unwrap_or_else(PoisonError::into_inner);
        if kept.len() < KEPT {
            kept.push(sample);
        }
    }

    /// The 99th percentile of the window, emptying it; `None` when it is
    /// empty or holds fewer than `fewest` samples (too few to tell).
    pub fn take_p99(&self, fewest: usize) -> Option<u64> {
        let mut samples = std::mem::take(&mut *self.kept.lock().unwrap_or_else(PoisonError::into_inner));
        if samples.is_empty() || samples.len() < fewest {
            return None;
        }
        samples.sort_unstable();
        let rank = (samples.len() * 99).div_ceil(100).saturating_sub(1);
        samples.get(rank).copied()
    }
}

/// The store's calls since the meter was last read.
///
/// ```
/// use std::sync::Arc;
/// use courier_core::RestaurantId;
/// use courier_core::ports::CatalogStore;
/// use courier_storage::layered::Layered;
/// use courier_storage::memory::MemoryStore;
/// use courier_storage::metered::StorageMeter;
/// let meter = Arc::new(StorageMeter::default());
/// let store = Layered::wrap(MemoryStore::default(), meter.clone());
/// # let mut f = std::pin::pin!(store.restaurant(RestaurantId::new(1)));
/// # let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// # while f.as_mut().poll(&mut cx).is_pending() {}
/// let reading = meter.take();
/// assert_eq!((reading.calls, reading.failures), (1, 0));
/// assert_eq!(meter.take().calls, 0, "each reading starts a new window");
/// ```
#[derive(Debug, Default)]
pub struct StorageMeter {
    micros: Samples<KEPT>,
    calls: AtomicU64,
    failures: AtomicU64,
}

/// One window of a [`StorageMeter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StorageReading {
    /// Calls made.
    pub calls: u64,
    /// Calls that failed for the store's sake (unreachable, timed out,
    /// refused, corrupt), not for the caller's (a lost compare-and-set, a
    /// full courier, a stale lease).
    pub failures: u64,
    /// The 99th percentile of call latency (zero for fewer than
    /// [`FEWEST_CALLS`] calls).
    pub p99: Duration,
}

impl StorageReading {
    /// The share of calls that failed, 0 to 1 (zero for fewer than
    /// [`FEWEST_CALLS`] calls: a few failures among few calls are noise).
    pub fn error_rate(&self) -> f64 {
        if self.calls < FEWEST_CALLS {
            return 0.0;
        }
        // Counts far below 2^52: exact as floats.
        self.failures as f64 / self.calls as f64
    }
}

/// Whether `e` says the store itself is failing.
fn store_failed(e: &StorageError) -> bool {
    matches!(
        e,
        StorageError::Unavailable { .. }
            | StorageError::Timeout { .. }
            | StorageError::Corrupt(_)
            | StorageError::Backend(_)
    )
}

impl StorageMeter {
    /// Records one call that took `micros` and failed or not.
    pub fn record(&self, micros: u64, failed: bool) {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if failed {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        self.micros.push(micros);
    }

    /// The window so far; the next one starts empty.
    pub fn take(&self) -> StorageReading {
        let p99 = self.micros.take_p99(0);
        let calls = self.calls.swap(0, Ordering::Relaxed);
        let failures = self.failures.swap(0, Ordering::Relaxed);
        let p99 = match p99 {
            Some(us) if calls >= FEWEST_CALLS => Duration::from_millis(us.div_ceil(1_000)),
            _ => Duration::ZERO,
        };
        StorageReading { calls, failures, p99 }
    }
}

impl CallLayer for StorageMeter {
    async fn around<T: Send>(
        &self,
        call: impl Future<Output = Result<T, StorageError>> + Send,
    ) -> Result<T, StorageError> {
        // The wall clock on purpose: this measures the real store, at the
        // edge; the simulator does not meter its store.
        #[allow(clippy::disallowed_methods)]
        let started = std::time::Instant::now();
        let result = call.await;
        let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.record(micros, result.as_ref().is_err_and(store_failed));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_gives_its_p99_and_error_rate_then_starts_again() {
        let meter = StorageMeter::default();
        for ms in 1..=100u64 {
            meter.record(ms * 1_000, ms > 90);
        }
        let r = meter.take();
        assert_eq!((r.calls, r.failures, r.p99), (100, 10, Duration::from_millis(99)));
        assert!((r.error_rate() - 0.1).abs() < 1e-12);
        assert_eq!(meter.take(), StorageReading::default());
    }

    #[test]
    fn a_few_calls_say_nothing() {
        let meter = StorageMeter::default();
        for _ in 0..FEWEST_CALLS - 1 {
            meter.record(5_000_000, true);
        }
        let r = meter.take();
        assert_eq!((r.p99, r.error_rate()), (Duration::ZERO, 0.0));
    }

    #[test]
    fn only_the_stores_own_failures_count() {
        assert!(store_failed(&StorageError::Timeout { millis: 5 }));
        assert!(store_failed(&StorageError::Backend("x".into())));
        assert!(!store_failed(&StorageError::Fenced {
            lease: "work".into(),
            token: 1
        }));
        assert!(!store_failed(&StorageError::VersionConflict {
            order: courier_core::OrderId::new(1),
            expected: 1,
            actual: 2
        }));
    }
}
