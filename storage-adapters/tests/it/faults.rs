//! The fault wrapper: outages on the caller's clock, seeded errors, timeouts.

use std::sync::atomic::{AtomicI64, Ordering};

use courier_core::ports::{IdempotencyStore, StorageError};
use courier_core::{Duration, Timestamp};
use courier_storage::faults::{FaultClock, FaultPlan, FaultyStore, FlakyWindow, Outage};
use courier_storage::memory::MemoryStore;

use crate::block_on;

/// A clock the test moves, charging waits to itself like the simulator does.
#[derive(Default)]
struct SimClock(AtomicI64);

impl SimClock {
    fn set(&self, ms: i64) {
        self.0.store(ms, Ordering::SeqCst);
    }
}

impl FaultClock for SimClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(self.0.load(Ordering::SeqCst))
    }
    async fn wait(&self, d: Duration) {
        self.0.fetch_add(d.as_millis() as i64, Ordering::SeqCst);
    }
}

fn put(store: &FaultyStore<MemoryStore, SimClock>, key: &str) -> Result<Option<Vec<u8>>, StorageError> {
    block_on(store.put_if_absent(key, b"v", Timestamp::EPOCH, Duration::from_hours(1)))
}

#[test]
fn an_outage_refuses_every_call_for_its_window_and_writes_nothing() {
    let plan = FaultPlan {
        outages: vec![Outage {
            start: Timestamp::from_millis(10_000),
            duration: Duration::from_secs(5),
        }],
        ..FaultPlan::default()
    };
    let store = FaultyStore::new(MemoryStore::default(), SimClock::default(), plan, 1);
    store.clock().set(9_999);
    assert_eq!(put(&store, "a"), Ok(None));
    store.clock().set(10_000);
    assert!(matches!(put(&store, "b"), Err(StorageError::Unavailable { .. })));
    store.clock().set(14_999);
    assert!(matches!(put(&store, "b"), Err(StorageError::Unavailable { .. })));
    store.clock().set(15_000);
    assert_eq!(put(&store, "b"), Ok(None), "the refused writes left nothing behind");
    assert_eq!(store.stats().outage, 2);
}

#[test]
fn errors_follow_the_seed_and_the_rate() {
    let run = |seed| {
        let plan = FaultPlan {
            error_rate: 0.3,
            ..FaultPlan::default()
        };
        let store = FaultyStore::new(MemoryStore::default(), SimClock::default(), plan, seed);
        let outcomes: Vec<bool> = (0..2_000).map(|i| put(&store, &format!("k{i}")).is_ok()).collect();
        (outcomes, store.stats())
    };
    let (a, stats) = run(42);
    assert_eq!(a, run(42).0, "same seed, same faults");
    assert_ne!(a, run(43).0, "another seed, other faults");
    let share = stats.errors as f64 / 2_000.0;
    assert!((0.26..0.34).contains(&share), "error share {share}");
    assert_eq!(stats.passed + stats.errors, 2_000);
}

#[test]
fn latency_is_charged_to_the_clock_and_long_calls_time_out() {
    let plan = FaultPlan {
        latency: Duration::from_millis(40),
        jitter: Duration::from_millis(20),
        timeout: Some(Duration::from_millis(55)),
        ..FaultPlan::default()
    };
    let store = FaultyStore::new(MemoryStore::default(), SimClock::default(), plan, 9);
    let mut timeouts = 0;
    for i in 0..500 {
        let before = store.clock().now();
        match put(&store, &format!("k{i}")) {
            Ok(_) => {
                let spent = store.clock().now().since(before);
                assert!(
                    spent >= Duration::from_millis(40) && spent <= Duration::from_millis(55),
                    "{spent}"
                );
            }
            Err(StorageError::Timeout { millis }) => {
                assert_eq!(millis, 55);
                timeouts += 1;
                assert_eq!(store.clock().now(), before, "a timed-out call was not applied");
            }
            Err(e) => panic!("unexpected {e}"),
        }
    }
    // Jitter is uniform on 0..=20 ms; above 15 ms is 5 values in 21.
    assert!((80..160).contains(&timeouts), "{timeouts} timeouts");
    assert_eq!(store.stats().timeouts, timeouts);
}

#[test]
fn a_flaky_window_fails_a_share_of_calls_only_while_it_lasts() {
    let plan = FaultPlan {
        flaky: vec![FlakyWindow {
            start: Timestamp::from_millis(1_000),
            duration: Duration::from_secs(1),
            error_rate: 0.5,
        }],
        ..FaultPlan::default()
    };
    let store = FaultyStore::new(MemoryStore::default(), SimClock::default(), plan, 3);
    let failures = |store: &FaultyStore<MemoryStore, SimClock>, tag: &str| {
        (0..1_000)
            .filter(|i| matches!(put(store, &format!("{tag}{i}")), Err(StorageError::Unavailable { .. })))
            .count()
    };
    store.clock().set(999);
    assert_eq!(failures(&store, "before"), 0);
    store.clock().set(1_500);
    let during = failures(&store, "during");
    assert!((430..570).contains(&during), "{during} of 1,000 failed in the window");
    store.clock().set(2_000);
    assert_eq!(failures(&store, "after"), 0);
}
