//! Property tests on the memory adapter: random interleavings of every
//! party's actions, courier drop-outs and the clock keep the invariants:
//! no order lost, no courier over the batch limit, valid transitions only
//! (every stored order is what its events replay to), money conserved;
//! also while the store fails at random for a while.

use std::sync::Arc;

use courier_core::order::{Actor, CancelReason, Order};
use courier_core::ports::OrderStore;
use courier_core::*;
use courier_platform::external::{Clock, ManualClock};
use courier_platform::rate_limits::Tier;
use courier_storage::faults::{FaultClock, FaultPlan, FaultyStore, FlakyWindow};
use courier_storage::memory::MemoryStore;
use proptest::prelude::*;

use crate::driver::*;
use crate::world::*;

#[derive(Debug, Clone)]
enum Op {
    Place(u8),
    Step(u8),
    Cancel(u8),
    Tick,
    Advance(u16),
    Offline(u8),
    Online(u8),
    Decline(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Place),
        6 => any::<u8>().prop_map(Op::Step),
        1 => any::<u8>().prop_map(Op::Cancel),
        3 => Just(Op::Tick),
        3 => (1u16..600).prop_map(Op::Advance),
        1 => (0u8..4).prop_map(Op::Offline),
        1 => (0u8..4).prop_map(Op::Online),
        1 => any::<u8>().prop_map(Op::Decline),
    ]
}

/// The fault injector on the world's clock.
struct WorldClock(Arc<ManualClock>);

impl FaultClock for WorldClock {
    fn now(&self) -> Timestamp {
        self.0.now()
    }

    async fn wait(&self, _: Duration) {}
}

/// Runs `ops`; with `flaky`, the store fails that share of calls during
/// the window (seconds after the start, its length): every call may fail
/// then, and the parties retry later as they would.
async fn run(ops: Vec<Op>, flaky: Option<(u64, u64, f64)>) {
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(18 * 3_600_000)));
    let start = clock.now();
    let plan = FaultPlan {
        flaky: flaky
            .map(|(from, len, rate)| FlakyWindow {
                start: start.plus(Duration::from_secs(from)),
                duration: Duration::from_secs(len),
                error_rate: rate,
            })
            .into_iter()
            .collect(),
        ..FaultPlan::default()
    };
    let store = FaultyStore::new(MemoryStore::default(), WorldClock(clock.clone()), plan, 5);
    seed_catalog(store.inner()).await;
    let w = World::with_parts(
        store,
        courier_platform::PlatformConfig {
            rate_limits: false,
            ..config()
        },
        clock,
        Arc::new(courier_platform::external::FakeGateway::new()),
    );
    let p = &w.platform;
    for c in 0..4u64 {
        p.courier_online(CourierId::new(c), near_restaurant(150.0 * c as f64))
            .await
            .unwrap();
    }
    let mut ids: Vec<OrderId> = Vec::new();
    let pick = |ids: &[OrderId], i: u8| (!ids.is_empty()).then(|| ids[usize::from(i) % ids.len()]);
    for op in ops {
        match op {
            Op::Place(k) => {
                let req = courier_platform::OrderRequest {
                    tier: Tier::Premium,
                    ..two_pizzas(&format!("prop-{}", k % 16))
                };
                // Refused only while the store fails.
                if let Ok(placed) = p.place_order(&req).await
                    && !ids.contains(&placed.order.id())
                {
                    ids.push(placed.order.id());
                }
            }
            Op::Step(i) => {
                if let Some(id) = pick(&ids, i) {
                    let _ = step(&w, id).await;
                }
            }
            Op::Cancel(i) => {
                if let Some(id) = pick(&ids, i) {
                    let _ = p
                        .cancel(Actor::Customer(CUSTOMER), id, CancelReason::CustomerRequest)
                        .await;
                }
            }
            Op::Tick => {
                let _ = p.tick().await;
            }
            Op::Advance(s) => w.advance(u64::from(s)),
            Op::Offline(c) => {
                let _ = p.courier_offline(CourierId::new(u64::from(c))).await;
            }
            Op::Online(c) => {
                let _ = p
                    .courier_online(CourierId::new(u64::from(c)), near_restaurant(100.0))
                    .await;
            }
            Op::Decline(i) => {
                if let Some(id) = pick(&ids, i)
                    && let Ok(Some(order)) = w.store().load_order(id).await
                    && let Some(courier) = courier_of_offer(&order)
                {
                    let _ = p.answer_offer(courier, id, false).await;
                }
            }
        }
        p.check_dispatch().unwrap();
        for c in 0..4u64 {
            assert!(
                p.carried_by(CourierId::new(c)).len() <= 2,
                "courier {c} over the batch limit"
            );
        }
    }
    // The store recovers, everyone comes back online, and the rest of
    // every journey is played out.
    if let Some((from, len, _)) = flaky {
        let now = w.clock.now();
        let end = start.plus(Duration::from_secs(from + len));
        if now < end {
            w.clock.advance(end.since(now));
        }
    }
    for c in 0..4u64 {
        p.courier_online(CourierId::new(c), near_restaurant(100.0))
            .await
            .unwrap();
    }
    // An order may be stored though its placement answered an error (a
    // later step failed): it must be finished like the rest.
    let stored: Vec<OrderId> = all_orders(w.store()).await.iter().map(Order::id).collect();
    for id in &ids {
        assert!(stored.contains(id), "{id} was placed and is not stored");
    }
    if flaky.is_none() {
        assert_eq!(stored, ids_sorted(&ids), "no order lost or duplicated");
    }
    drive_to_end(&w, &stored).await;
    let all = all_orders(w.store()).await;
    for o in &all {
        let events: Vec<_> = w.store().audit_trail(o.id()).await.unwrap();
        let versions: Vec<u64> = events.iter().map(|e| e.version).collect();
        assert_eq!(
            versions,
            (1..=o.version()).collect::<Vec<_>>(),
            "{}: gapless history",
            o.id()
        );
    }
    assert_eq!(check_money(&w, &all).await, all.len());
    let books = p.books();
    assert!(books.is_balanced());
}

fn ids_sorted(ids: &[OrderId]) -> Vec<OrderId> {
    let mut v = ids.to_vec();
    v.sort();
    v
}

fn courier_of_offer(o: &Order) -> Option<CourierId> {
    match o.assignment() {
        courier_core::order::Assignment::Offered { courier, .. } => Some(courier),
        _ => None,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn random_interleavings_keep_the_invariants(ops in proptest::collection::vec(op(), 1..80)) {
        futures::executor::block_on(run(ops, None));
    }

    #[test]
    fn a_failing_store_loses_nothing_and_breaks_no_invariant(
        ops in proptest::collection::vec(op(), 1..80),
        from in 1u64..600,
        len in 60u64..1_800,
        rate in 0.2f64..=1.0,
    ) {
        futures::executor::block_on(run(ops, Some((from, len, rate))));
    }
}
