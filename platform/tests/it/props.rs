//! Property tests on the memory adapter: random interleavings of every
//! party's actions, courier drop-outs and the clock keep the invariants:
//! no order lost, no courier over the batch limit, valid transitions only
//! (every stored order is what its events replay to), money conserved.

use courier_core::order::{Actor, CancelReason, Order};
use courier_core::ports::OrderStore;
use courier_core::*;
use courier_platform::rate_limits::Tier;
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

async fn run(ops: Vec<Op>) {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(
        store,
        courier_platform::PlatformConfig {
            rate_limits: false,
            ..config()
        },
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
                let id = p.place_order(&req).await.unwrap().order.id();
                if !ids.contains(&id) {
                    ids.push(id);
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
                p.tick().await.unwrap();
            }
            Op::Advance(s) => w.advance(u64::from(s)),
            Op::Offline(c) => {
                p.courier_offline(CourierId::new(u64::from(c))).await.unwrap();
            }
            Op::Online(c) => {
                p.courier_online(CourierId::new(u64::from(c)), near_restaurant(100.0))
                    .await
                    .unwrap();
            }
            Op::Decline(i) => {
                if let Some(id) = pick(&ids, i)
                    && let Some(courier) = courier_of_offer(&w.load(id).await)
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
    // Everyone back online, and the rest of every journey played out.
    for c in 0..4u64 {
        p.courier_online(CourierId::new(c), near_restaurant(100.0))
            .await
            .unwrap();
    }
    drive_to_end(&w, &ids).await;
    let all = all_orders(w.store()).await;
    assert_eq!(
        all.iter().map(Order::id).collect::<Vec<_>>(),
        ids_sorted(&ids),
        "no order lost or duplicated"
    );
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
        futures::executor::block_on(run(ops));
    }
}
