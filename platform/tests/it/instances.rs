//! Two platforms over one PostgreSQL + Redis store, as two server
//! instances would be: whatever happens through one reaches the other by
//! following the store, the store alone decides who carries what, and the
//! clock-driven work runs under a fenced lease.

use courier_core::order::{Assignment, OrderStatus};
use courier_core::ports::{LeaseStore, OrderStore, StorageError, Store, WORK_LEASE};
use courier_core::*;
use courier_matching::BatchConfig;
use courier_platform::external::Clock;
use courier_platform::rate_limits::Tier;
use courier_platform::{DispatchPolicy, PlatformConfig, PlatformError};

use crate::world::*;

fn shared() -> PlatformConfig {
    PlatformConfig {
        shared_store: true,
        ..config()
    }
}

fn request(n: u64) -> courier_platform::OrderRequest {
    courier_platform::OrderRequest {
        customer: CustomerId::new(500 + n),
        tier: Tier::Premium,
        ..two_pizzas(&format!("instances-{n}"))
    }
}

/// Follows the store's changes until `seen` holds. A change is readable
/// once every transaction older than it has ended, other tests' included,
/// so it may take a few reads: at most five seconds.
async fn follow_until<S: Store>(
    w: &World<S>,
    cursor: &mut courier_core::ports::FeedCursor,
    seen: impl Fn(&World<S>) -> bool,
) {
    for _ in 0..250 {
        *cursor = w.platform.follow(*cursor).await.unwrap();
        if seen(w) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the change never reached this instance");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_crosses_instances_and_the_store_decides() {
    let store = fresh_pg_redis().await;
    seed_catalog(&store).await;
    let a = World::new(store.clone(), shared());
    let b = World::with_parts(store.clone(), shared(), a.clock.clone(), a.gateway.clone());
    let (mut at_a, mut at_b) = (
        a.platform.feed_head().await.unwrap(),
        b.platform.feed_head().await.unwrap(),
    );
    let courier = CourierId::new(9);

    // Placed and accepted through b; a courier online through b.
    let id = b.platform.place_order(&request(1)).await.unwrap().order.id();
    b.platform
        .accept_order(RESTAURANT, id, Duration::from_mins(5))
        .await
        .unwrap();
    b.platform
        .courier_online(courier, near_restaurant(100.0))
        .await
        .unwrap();
    assert_eq!(a.platform.waiting_for_courier(), 0, "a has not followed yet");
    follow_until(&a, &mut at_a, |a| a.platform.waiting_for_courier() == 1).await;
    a.platform.follow_couriers().await.unwrap();
    assert_eq!(a.platform.couriers_online(), 1);

    // a dispatches (it holds the lease); the offer is answered through b.
    let lease = store
        .acquire_lease(WORK_LEASE, "a", a.clock.now(), Duration::from_secs(10))
        .await
        .unwrap()
        .unwrap();
    let report = a.platform.tick_under(&lease).await.unwrap();
    assert_eq!(report.dispatch.offers.len(), 1, "{report:?}");
    b.platform.answer_offer(courier, id, true).await.unwrap();
    assert_eq!(a.load(id).await.assignment(), Assignment::Assigned { courier });
    follow_until(&a, &mut at_a, |a| a.platform.carried_by(courier) == vec![id]).await;
    assert_eq!(a.platform.waiting_for_courier(), 0);
    a.platform.check_dispatch().unwrap();

    // b takes the lease over; a's work under the old token is refused.
    store.release_lease(&lease).await.unwrap();
    let taken = store
        .acquire_lease(WORK_LEASE, "b", b.clock.now(), Duration::from_secs(10))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(taken.token, lease.token + 1);
    let second = b.platform.place_order(&request(2)).await.unwrap().order.id();
    b.platform
        .accept_order(RESTAURANT, second, Duration::from_mins(5))
        .await
        .unwrap();
    follow_until(&a, &mut at_a, |a| a.platform.waiting_for_courier() == 1).await;
    let stale = a.platform.tick_under(&lease).await.unwrap_err();
    assert!(
        matches!(stale.error, PlatformError::Storage(StorageError::Fenced { .. })),
        "{stale:?}"
    );
    assert!(stale.report.dispatch.offers.is_empty(), "{stale:?}");
    assert_eq!(a.load(second).await.assignment(), Assignment::Unassigned);
    // The courier carries one order, with room for another: b, now the
    // holder, offers it the second.
    follow_until(&b, &mut at_b, |b| b.platform.carried_by(courier) == vec![id]).await;
    b.platform.follow_couriers().await.unwrap();
    let fresh = b.platform.tick_under(&taken).await.unwrap();
    assert_eq!(
        fresh.dispatch.offers.iter().map(|o| o.order).collect::<Vec<_>>(),
        vec![second]
    );

    // Delivered through a: every instance's book lets the order go.
    let stored = a.load(id).await;
    for step in [
        b.platform.start_preparing(RESTAURANT, id).await.map(|_| ()),
        b.platform.mark_ready(RESTAURANT, id).await.map(|_| ()),
        a.platform.update_location(courier, stored.pickup()).await.map(|_| ()),
        a.platform.pick_up(courier, id).await.map(|_| ()),
        a.platform.update_location(courier, stored.dropoff()).await.map(|_| ()),
        a.platform.deliver(courier, id).await.map(|_| ()),
    ] {
        step.unwrap();
    }
    follow_until(&b, &mut at_b, |b| b.platform.carried_by(courier).is_empty()).await;
    assert_eq!(b.load(id).await.status(), OrderStatus::Completed);
    assert_eq!(store.courier_load(courier).await.unwrap().carrying, 0);
    drop((a, b));
    cleanup(store).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_dispatching_at_once_never_pass_the_limit() {
    let store = fresh_pg_redis().await;
    seed_catalog(&store).await;
    let batch = PlatformConfig {
        dispatch: DispatchPolicy::Batch(BatchConfig::default()),
        ..shared()
    };
    let a = World::new(store.clone(), batch.clone());
    let b = World::with_parts(store.clone(), batch, a.clock.clone(), a.gateway.clone());
    let (mut at_a, mut at_b) = (
        a.platform.feed_head().await.unwrap(),
        b.platform.feed_head().await.unwrap(),
    );
    let courier = CourierId::new(4);
    a.platform.courier_online(courier, near_restaurant(50.0)).await.unwrap();
    b.platform.follow_couriers().await.unwrap();
    // Two orders come in through each instance, and neither has followed
    // the other's yet: each plans the courier's two slots for its own pair.
    let mut ids = Vec::new();
    for n in 0..4 {
        let w = if n < 2 { &a } else { &b };
        let id = w.platform.place_order(&request(10 + n)).await.unwrap().order.id();
        w.platform
            .accept_order(RESTAURANT, id, Duration::from_mins(5))
            .await
            .unwrap();
        ids.push(id);
    }
    assert_eq!(
        (a.platform.waiting_for_courier(), b.platform.waiting_for_courier()),
        (2, 2)
    );
    // Both plan with the courier empty; only the store sees both.
    let (from_a, from_b) = tokio::join!(a.platform.dispatch(), b.platform.dispatch());
    let (from_a, from_b) = (from_a.unwrap().assigned, from_b.unwrap().assigned);
    assert_eq!(
        from_a.len() + from_b.len(),
        2,
        "the store let {from_a:?} and {from_b:?} through"
    );
    assert_eq!(store.courier_load(courier).await.unwrap().carrying, 2);
    let mut carried = 0;
    for &id in &ids {
        carried += usize::from(a.load(id).await.assignment() == Assignment::Assigned { courier });
    }
    assert_eq!(carried, 2);
    // Each cache, once it follows, agrees with the store.
    follow_until(&a, &mut at_a, |a| a.platform.carried_by(courier).len() == 2).await;
    follow_until(&b, &mut at_b, |b| b.platform.carried_by(courier).len() == 2).await;
    a.platform.check_dispatch().unwrap();
    b.platform.check_dispatch().unwrap();
    drop((a, b));
    cleanup(store).await;
}
