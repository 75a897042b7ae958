//! Where a courier goes next: the route dispatch priced, not the order the
//! orders were given in.

use courier_core::*;
use courier_matching::BatchConfig;
use courier_platform::{DispatchPolicy, NextStop, OrderRequest, PlatformConfig, Stop};
use courier_storage::memory::MemoryStore;

use crate::world::*;

/// Two orders of one kitchen, ready together, going the same way, and one
/// courier at the kitchen: it collects both before the first door, then
/// hands them over nearest first. With nothing held, there is no next stop.
#[tokio::test]
async fn a_courier_collects_both_orders_of_a_kitchen_before_the_first_door() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(
        store,
        PlatformConfig {
            dispatch: DispatchPolicy::Batch(BatchConfig::default()),
            batch_limit: 2,
            ..config()
        },
    );
    let p = &w.platform;
    let courier = CourierId::new(1);
    p.courier_online(courier, near_restaurant(20.0)).await.unwrap();
    assert_eq!(p.next_stop(courier), None);
    let near = OrderRequest {
        dropoff: restaurant_point().offset_m(800.0, 0.0).unwrap(),
        ..two_pizzas("route-near-1")
    };
    let far = OrderRequest {
        dropoff: restaurant_point().offset_m(1_200.0, 50.0).unwrap(),
        ..two_pizzas("route-far-1")
    };
    let mut ids = Vec::new();
    for req in [&near, &far] {
        let id = p.place_order(req).await.unwrap().order.id();
        p.accept_order(RESTAURANT, id, Duration::from_mins(10)).await.unwrap();
        p.start_preparing(RESTAURANT, id).await.unwrap();
        p.mark_ready(RESTAURANT, id).await.unwrap();
        ids.push(id);
    }
    p.dispatch().await.unwrap();
    for &id in &ids {
        assert_eq!(w.load(id).await.assignment().assigned_courier(), Some(courier));
    }
    let next = |order, stop| Some(NextStop { order, stop });
    assert_eq!(p.next_stop(courier).map(|n| n.stop), Some(Stop::Restaurant));
    let first = p.next_stop(courier).unwrap().order;
    p.pick_up(courier, first).await.unwrap();
    let second = if first == ids[0] { ids[1] } else { ids[0] };
    assert_eq!(p.next_stop(courier), next(second, Stop::Restaurant));
    p.pick_up(courier, second).await.unwrap();
    assert_eq!(p.next_stop(courier), next(ids[0], Stop::Door));
    p.update_location(courier, near.dropoff).await.unwrap();
    p.deliver(courier, ids[0]).await.unwrap();
    assert_eq!(p.next_stop(courier), next(ids[1], Stop::Door));
}
