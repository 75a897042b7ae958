//! Crash recovery on PostgreSQL + Redis: the services are stopped at random
//! points of three journeys (between calls, and inside a call by dropping
//! its future at a random await), new services start on the same database,
//! the clients retry, and every journey finishes: no order lost, none
//! duplicated, every ledger balanced.

use std::time::Duration as StdDuration;

use courier_core::order::OrderStatus;
use courier_core::*;
use courier_platform::rate_limits::Tier;
use rand::{Rng, SeedableRng};

use crate::driver::*;
use crate::world::*;

fn requests() -> Vec<courier_platform::OrderRequest> {
    (0..3)
        .map(|i| courier_platform::OrderRequest {
            customer: CustomerId::new(100 + i),
            tier: Tier::Premium,
            ..two_pizzas(&format!("crash-{i}"))
        })
        .collect()
}

async fn bring_couriers_online<S: courier_core::ports::Store>(w: &World<S>) {
    for c in 1..=2 {
        w.platform
            .courier_online(CourierId::new(c), near_restaurant(200.0 * c as f64))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn journeys_survive_crashes_at_random_points() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2026);
    let mut recovered_in_flight = 0;
    let mut cuts = Vec::new();
    for round in 0..6 {
        let store = fresh_pg_redis().await;
        seed_catalog(&store).await;
        let first = World::new(store.clone(), config());
        bring_couriers_online(&first).await;
        let cut = rng.random_range(0..24usize);
        let mut done = 0usize;
        let mut ids = Vec::new();
        // The first life: place, then step the journeys, until the cut.
        'life: for req in requests() {
            if done == cut {
                break 'life;
            }
            if let Ok(p) = first.platform.place_order(&req).await {
                ids.push(p.order.id());
            }
            done += 1;
        }
        while done < cut {
            first.platform.tick().await.unwrap();
            for &id in &ids {
                if done == cut {
                    break;
                }
                // The last call may be cut mid-way: its future is dropped at
                // whatever await it reached, as a crash would.
                if done + 1 == cut {
                    let budget = StdDuration::from_micros(rng.random_range(50..3_000));
                    let _ = tokio::time::timeout(budget, step(&first, id)).await;
                } else {
                    let _ = step(&first, id).await;
                }
                done += 1;
            }
            first.advance(60);
        }
        let (clock, gateway) = (first.clock.clone(), first.gateway.clone());
        drop(first);

        // The second life: same database, same clock and gateway.
        let second = World::with_parts(store.clone(), config(), clock, gateway);
        recovered_in_flight += second.platform.recover().await.unwrap().total();
        cuts.push(cut);
        bring_couriers_online(&second).await;
        let mut ids = Vec::new();
        for req in requests() {
            // Clients whose call never returned retry with the same key.
            ids.push(second.platform.place_order(&req).await.unwrap().order.id());
        }
        drive_to_end(&second, &ids).await;

        let all = all_orders(second.store()).await;
        assert_eq!(all.len(), 3, "round {round} (cut {cut}): {} orders stored", all.len());
        for o in &all {
            assert_eq!(
                o.status(),
                OrderStatus::Completed,
                "round {round} (cut {cut}): {}",
                o.id()
            );
        }
        assert_eq!(check_money(&second, &all).await, 3);
        second.platform.check_dispatch().unwrap();
        drop(second);
        cleanup(store).await;
    }
    assert!(
        recovered_in_flight > 0,
        "no crash left work in flight (cuts {cuts:?}): the test proves nothing"
    );
    eprintln!("cuts {cuts:?}: {recovered_in_flight} orders recovered in flight");
}
