//! Many tasks placing, accepting, dispatching and cancelling the same
//! orders at once on PostgreSQL: every core invariant holds at the end.

use std::sync::Arc;

use courier_core::order::{Actor, CancelReason, Order};
use courier_core::ports::OrderStore;
use courier_core::*;
use courier_platform::rate_limits::Tier;

use crate::driver::*;
use crate::world::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_tasks_keep_every_invariant() {
    let store = fresh_pg_redis().await;
    seed_catalog(&store).await;
    let w = Arc::new(World::new(store.clone(), config()));
    for c in 1..=3 {
        w.platform
            .courier_online(CourierId::new(c), near_restaurant(100.0 * c as f64))
            .await
            .unwrap();
    }
    // 12 orders, each placed by two racing tasks with the same key.
    let mut placing = Vec::new();
    for i in 0..24u64 {
        let w = w.clone();
        placing.push(tokio::spawn(async move {
            let req = courier_platform::OrderRequest {
                customer: CustomerId::new(1_000 + i % 12),
                tier: Tier::Premium,
                ..two_pizzas(&format!("race-{}", i % 12))
            };
            w.platform.place_order(&req).await.unwrap().order.id()
        }));
    }
    let mut ids = Vec::new();
    for t in placing {
        ids.push(t.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12, "one order per idempotency key");

    // Accept, cancel, step and dispatch the same orders from racing tasks.
    for _ in 0..6 {
        let mut tasks = Vec::new();
        for (n, &id) in ids.iter().enumerate() {
            let w1 = w.clone();
            tasks.push(tokio::spawn(async move {
                let _ = step(&w1, id).await;
            }));
            let w2 = w.clone();
            tasks.push(tokio::spawn(async move {
                if n % 3 == 0 {
                    let _ = w2
                        .platform
                        .cancel(
                            Actor::Customer(CustomerId::new(1_000 + n as u64 % 12)),
                            id,
                            CancelReason::CustomerRequest,
                        )
                        .await;
                } else {
                    let _ = step(&w2, id).await;
                }
            }));
        }
        let w3 = w.clone();
        tasks.push(tokio::spawn(async move {
            let _ = w3.platform.tick().await;
        }));
        for t in tasks {
            t.await.unwrap();
        }
        w.platform.check_dispatch().unwrap();
        w.advance(60);
    }
    drive_to_end(&w, &ids).await;

    let all = all_orders(w.store()).await;
    assert_eq!(
        all.iter().map(Order::id).collect::<Vec<_>>(),
        ids,
        "no order lost or duplicated"
    );
    for o in &all {
        // The stored order is exactly what its events replay to.
        let events: Vec<_> = w.store().audit_trail(o.id()).await.unwrap();
        assert_eq!(events.last().map(|e| e.version), Some(o.version()), "{}", o.id());
        assert!(o.status().is_terminal(), "{} is {}", o.id(), o.status());
    }
    assert_eq!(check_money(&w, &all).await, 12);
    w.platform.check_dispatch().unwrap();
    let w = Arc::try_unwrap(w).ok().unwrap();
    drop(w);
    cleanup(store).await;
}
