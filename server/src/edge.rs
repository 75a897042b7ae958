//! What this instance measures of its own API, for the degradation ladder:
//! the latency of API requests and of searches over the last window, and
//! whether the tracking fan-out dropped events. The tick loop hands each
//! window to `Platform::observe_edge` and starts a new one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration as StdDuration;

use courier_core::Duration;
use courier_platform::EdgeSignals;
use courier_storage::metered::{Samples, StorageMeter};

/// Latencies kept per window at most: enough for a p99, bounded in memory.
const KEPT: usize = 20_000;

/// How long a window lasts: one slow request is not a slow API.
pub const WINDOW: StdDuration = StdDuration::from_secs(10);

/// Fewer requests than this in a window say nothing of latency.
const FEWEST: usize = 20;

/// One window of measurements.
#[derive(Debug, Default)]
pub struct EdgeWindow {
    api_ms: Samples<KEPT>,
    search_ms: Samples<KEPT>,
    /// Tracking events dropped, as last read.
    drops_seen: AtomicU64,
    /// When the window opened (`None`: not yet).
    opened: Mutex<Option<tokio::time::Instant>>,
    /// What measures the store's calls (`None`: the store is not metered,
    /// and its latency and errors are not signals).
    storage: Option<Arc<StorageMeter>>,
}

/// The 99th percentile of `ms` (zero for too few to tell), emptying it.
fn p99(ms: &Samples<KEPT>) -> Duration {
    ms.take_p99(FEWEST).map_or(Duration::ZERO, Duration::from_millis)
}

impl EdgeWindow {
    /// A window that also reads `meter`'s store calls.
    pub fn metering(meter: Arc<StorageMeter>) -> EdgeWindow {
        EdgeWindow {
            storage: Some(meter),
            ..EdgeWindow::default()
        }
    }

    /// Records a request to `route` that took `took`. Streams are left out:
    /// they last as long as the client listens.
    pub fn record(&self, route: &str, took: StdDuration) {
        if !route.starts_with("/v1/") || route.ends_with("/track") || route.ends_with("/events") {
            return;
        }
        let ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
        self.api_ms.push(ms);
        if route == "/v1/restaurants" {
            self.search_ms.push(ms);
        }
    }

    /// The window's signals once it has lasted [`WINDOW`] at `now` (the
    /// next one starts empty), or `None` while it is younger.
    pub fn take_if_due(&self, now: tokio::time::Instant, tracking_drops: u64) -> Option<EdgeSignals> {
        {
            let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
            match *opened {
                Some(at) if now.duration_since(at) >= WINDOW => *opened = Some(now),
                Some(_) => return None,
                None => {
                    *opened = Some(now);
                    return None;
                }
            }
        }
        Some(self.take(tracking_drops))
    }

    /// The window's signals, given the tracking hub's drops so far; the
    /// next window starts empty.
    pub fn take(&self, tracking_drops: u64) -> EdgeSignals {
        let before = self.drops_seen.swap(tracking_drops, Ordering::Relaxed);
        let storage = self.storage.as_ref().map(|m| m.take()).unwrap_or_default();
        EdgeSignals {
            search_latency: p99(&self.search_ms),
            api_latency: p99(&self.api_ms),
            tracking_overloaded: tracking_drops > before,
            storage_latency: storage.p99,
            storage_error_rate: storage.error_rate(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_gives_its_p99_and_starts_again() {
        let w = EdgeWindow::default();
        for ms in 1..=100 {
            w.record("/v1/orders", StdDuration::from_millis(ms));
        }
        for _ in 0..FEWEST {
            w.record("/v1/restaurants", StdDuration::from_millis(2_500));
        }
        w.record("/v1/orders/{id}/track", StdDuration::from_secs(600));
        w.record("/metrics", StdDuration::from_secs(9));
        let first = w.take(0);
        assert_eq!(
            first.api_latency,
            Duration::from_millis(2_500),
            "the searches are the slowest API requests"
        );
        assert_eq!(first.search_latency, Duration::from_millis(2_500));
        assert!(!first.tracking_overloaded);
        let second = w.take(3);
        assert_eq!(
            (second.api_latency, second.search_latency),
            (Duration::ZERO, Duration::ZERO)
        );
        assert!(second.tracking_overloaded, "three events dropped since the last window");
        assert!(!w.take(3).tracking_overloaded, "none since");
        // A lone slow request says nothing.
        w.record("/v1/orders", StdDuration::from_secs(5));
        assert_eq!(w.take(3).api_latency, Duration::ZERO);
    }

    #[test]
    fn a_window_closes_only_once_it_has_lasted() {
        let w = EdgeWindow::default();
        let start = tokio::time::Instant::now();
        assert!(w.take_if_due(start, 0).is_none(), "the first call opens it");
        assert!(w.take_if_due(start + StdDuration::from_secs(9), 0).is_none());
        assert!(w.take_if_due(start + WINDOW, 0).is_some());
        assert!(w.take_if_due(start + WINDOW + StdDuration::from_secs(1), 0).is_none());
    }
}
