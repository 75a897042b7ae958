//! Two platforms over one memory store, as two instances over one
//! database: random interleavings of placements, kitchen steps, couriers
//! coming and going, pickups and deliveries through either, dispatch
//! rounds run by either or both (a lease take-over overlapping a stale
//! holder), and following the store at random moments. After every step
//! the store holds no courier over the batch limit and counts each
//! courier's load exactly; once both have followed, each one's cache
//! agrees with the store.

use std::sync::Arc;

use courier_core::order::{Assignment, Order, StatusKind};
use courier_core::ports::{FeedCursor, Store};
use courier_core::*;
use courier_matching::BatchConfig;
use courier_platform::rate_limits::Tier;
use courier_platform::{DispatchPolicy, PlatformConfig};
use courier_storage::memory::MemoryStore;
use proptest::prelude::*;

use crate::world::*;

const COURIERS: u64 = 3;
const LIMIT: usize = 2;

#[derive(Debug, Clone)]
enum Op {
    /// Through instance `.0` (0 or 1), order `.1`'s next step.
    Step(u8, u8),
    Place(u8),
    Online(u8, u8),
    Offline(u8, u8),
    Dispatch(u8),
    Follow(u8),
    Advance(u16),
}

fn op() -> impl Strategy<Value = Op> {
    let via = 0u8..2;
    prop_oneof![
        5 => (via.clone(), any::<u8>()).prop_map(|(v, n)| Op::Step(v, n)),
        2 => via.clone().prop_map(Op::Place),
        2 => (via.clone(), 0u8..COURIERS as u8).prop_map(|(v, c)| Op::Online(v, c)),
        1 => (via.clone(), 0u8..COURIERS as u8).prop_map(|(v, c)| Op::Offline(v, c)),
        3 => via.clone().prop_map(Op::Dispatch),
        3 => via.prop_map(Op::Follow),
        2 => (1u16..120).prop_map(Op::Advance),
    ]
}

fn shared() -> PlatformConfig {
    PlatformConfig {
        dispatch: DispatchPolicy::Batch(BatchConfig::default()),
        rate_limits: false,
        shared_store: true,
        ..config()
    }
}

async fn every_order<S: Store>(store: &S) -> Vec<Order> {
    let mut all = Vec::new();
    for kind in StatusKind::ALL {
        all.extend(store.list_by_status(kind, 10_000).await.unwrap().orders);
    }
    all
}

/// The next step of `id` as whoever's turn it is, through `w`.
async fn step<S: Store>(w: &World<S>, id: OrderId) {
    use courier_core::order::OrderStatus::*;
    let o = w.load(id).await;
    let courier = o.assignment().assigned_courier();
    let p = &w.platform;
    let _ = match (o.status(), courier) {
        (Placed, _) => p.accept_order(RESTAURANT, id, Duration::from_mins(5)).await.map(|_| ()),
        (Confirmed, _) => p.start_preparing(RESTAURANT, id).await.map(|_| ()),
        (Preparing, _) => p.mark_ready(RESTAURANT, id).await.map(|_| ()),
        (ReadyForPickup, Some(c)) => match p.update_location(c, o.pickup()).await {
            Ok(_) => p.pick_up(c, id).await.map(|_| ()),
            Err(e) => Err(e),
        },
        (PickedUp, Some(c)) => match p.update_location(c, o.dropoff()).await {
            Ok(_) => p.deliver(c, id).await.map(|_| ()),
            Err(e) => Err(e),
        },
        _ => Ok(()),
    };
}

/// The store's own account: each courier's load equals the orders it
/// holds, none over the limit, and nothing but an open order has one.
async fn store_is_sound<S: Store>(store: &S) -> Result<(), TestCaseError> {
    let orders = every_order(store).await;
    for c in 1..=COURIERS {
        let courier = CourierId::new(c);
        let held = orders
            .iter()
            .filter(|o| o.assignment() == Assignment::Assigned { courier })
            .count();
        let load = store.courier_load(courier).await.unwrap();
        prop_assert_eq!(load.carrying as usize, held, "courier {}", c);
        prop_assert!(held <= LIMIT, "courier {} holds {}", c, held);
    }
    for o in &orders {
        if o.status().is_terminal() {
            prop_assert_eq!(o.assignment(), Assignment::Unassigned, "{}", o.id());
        }
    }
    Ok(())
}

async fn follow<S: Store>(w: &World<S>, cursor: &mut FeedCursor) {
    for _ in 0..20 {
        let next = w.platform.follow(*cursor).await.unwrap();
        if next == *cursor {
            break;
        }
        *cursor = next;
    }
    w.platform.follow_couriers().await.unwrap();
}

async fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let store = Arc::new(MemoryStore::default());
    seed_catalog(&store).await;
    let a = World::new(store.clone(), shared());
    let b = World::with_parts(store.clone(), shared(), a.clock.clone(), a.gateway.clone());
    let worlds = [&a, &b];
    let mut cursors = [
        a.platform.feed_head().await.unwrap(),
        b.platform.feed_head().await.unwrap(),
    ];
    let mut placed: Vec<OrderId> = Vec::new();
    for op in ops {
        match op {
            Op::Place(v) => {
                let n = placed.len() as u64;
                let req = courier_platform::OrderRequest {
                    customer: CustomerId::new(700 + n),
                    tier: Tier::Premium,
                    ..two_pizzas(&format!("props-{n}"))
                };
                if let Ok(p) = worlds[v as usize].platform.place_order(&req).await {
                    placed.push(p.order.id());
                }
            }
            Op::Step(v, n) if !placed.is_empty() => {
                step(worlds[v as usize], placed[n as usize % placed.len()]).await;
            }
            Op::Step(..) => {}
            Op::Online(v, c) => {
                let at = near_restaurant(100.0 * f64::from(c));
                let _ = worlds[v as usize]
                    .platform
                    .courier_online(CourierId::new(u64::from(c) + 1), at)
                    .await;
            }
            Op::Offline(v, c) => {
                let _ = worlds[v as usize]
                    .platform
                    .courier_offline(CourierId::new(u64::from(c) + 1))
                    .await;
            }
            Op::Dispatch(v) => {
                let _ = worlds[v as usize].platform.dispatch().await;
            }
            Op::Follow(v) => follow(worlds[v as usize], &mut cursors[v as usize]).await,
            Op::Advance(s) => a.advance(u64::from(s)),
        }
        store_is_sound(&*store).await?;
    }
    // Caught up, both caches agree with the store and with each other.
    for (w, cursor) in worlds.iter().zip(cursors.iter_mut()) {
        follow(w, cursor).await;
        w.platform.check_dispatch().map_err(TestCaseError::fail)?;
    }
    let orders = every_order(&*store).await;
    prop_assert_eq!(orders.len(), placed.len(), "no order lost");
    for c in 1..=COURIERS {
        let courier = CourierId::new(c);
        let mut stored: Vec<OrderId> = orders
            .iter()
            .filter(|o| o.assignment() == Assignment::Assigned { courier })
            .map(Order::id)
            .collect();
        stored.sort_unstable();
        for (i, w) in worlds.iter().enumerate() {
            prop_assert_eq!(
                &w.platform.carried_by(courier),
                &stored,
                "instance {}, courier {}",
                i,
                c
            );
        }
    }
    prop_assert_eq!(a.platform.waiting_for_courier(), b.platform.waiting_for_courier());
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn two_instances_keep_the_store_sound(ops in prop::collection::vec(op(), 1..80)) {
        futures::executor::block_on(run(ops))?;
    }
}
