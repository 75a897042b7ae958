//! Surge from dispatch: orders piling up where no courier has room raise
//! the delivery fee there; once couriers arrive and the queue clears, it
//! falls back.

use courier_core::ports::Store;
use courier_core::*;
use courier_platform::rate_limits::Tier;
use courier_storage::memory::MemoryStore;

use crate::world::*;

async fn quoted_fee<S: Store>(w: &World<S>) -> (Money, Option<u32>) {
    let (_, _, quote) = w.platform.quote(&two_pizzas("quote")).await.unwrap();
    (quote.delivery_fee, quote.surge.map(|s| s.multiplier.get()))
}

#[tokio::test]
async fn a_queue_without_couriers_surges_and_clears() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(
        store,
        // The example fee table charges a delivery fee (seed 000's does not).
        courier_platform::PlatformConfig {
            rate_limits: false,
            ..courier_platform::PlatformConfig::default()
        },
    );
    let p = &w.platform;
    let (calm_fee, calm) = quoted_fee(&w).await;
    assert!(calm.is_none_or(|m| m == 10_000), "no surge before any demand: {calm:?}");
    let mut ids = Vec::new();
    for k in 0..12 {
        let req = courier_platform::OrderRequest {
            tier: Tier::Premium,
            ..two_pizzas(&format!("surge-{k}"))
        };
        let id = p.place_order(&req).await.unwrap().order.id();
        p.accept_order(RESTAURANT, id, Duration::from_mins(5)).await.unwrap();
        ids.push(id);
    }
    // Twelve orders wait and no courier is online: demand/supply is 12.
    for _ in 0..4 {
        p.tick().await.unwrap();
        w.advance(60);
    }
    let snapshot = p.surge_snapshot();
    assert!(snapshot.max_bp > 10_000 && snapshot.cells_surging >= 1, "{snapshot:?}");
    let (surged_fee, multiplier) = quoted_fee(&w).await;
    assert!(multiplier.is_some_and(|m| m > 10_000), "{multiplier:?}");
    assert!(surged_fee.minor() > calm_fee.minor(), "{surged_fee} vs {calm_fee}");
    // Couriers come and the orders are delivered: the queue clears and the
    // smoothed ratio decays back under the threshold.
    for c in 0..12u64 {
        p.courier_online(CourierId::new(c), near_restaurant(100.0 + 10.0 * c as f64))
            .await
            .unwrap();
    }
    crate::driver::drive_to_end(&w, &ids).await;
    for _ in 0..15 {
        p.tick().await.unwrap();
        w.advance(60);
    }
    let (after_fee, _) = quoted_fee(&w).await;
    assert_eq!(after_fee, calm_fee);
    assert_eq!(p.surge_snapshot().cells_surging, 0);
}
