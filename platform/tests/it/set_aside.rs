//! Start-up never refuses over one bad record: a courier stored over the
//! batch limit (as two instances double-booking once left it), or an order
//! whose events no longer read back, is set aside and reported; everything
//! else recovers and finishes.

use courier_core::order::{Actor, Command, OrderAction, OrderStatus};
use courier_core::ports::{Store, Transition};
use courier_core::*;
use courier_platform::rate_limits::Tier;

use crate::driver::*;
use crate::world::*;

const COURIER: CourierId = CourierId::new(5);

/// Three accepted orders, all stored as carried by one courier under a
/// limit of 3: over the limit of 2 the platform runs with.
async fn overloaded_courier<S: Store>(store: S) -> (World<S>, Vec<OrderId>) {
    seed_catalog(&store).await;
    let first = World::new(store, config());
    let mut ids = Vec::new();
    for i in 0..3 {
        let req = courier_platform::OrderRequest {
            customer: CustomerId::new(200 + i),
            tier: Tier::Premium,
            ..two_pizzas(&format!("over-{i}"))
        };
        let id = first.platform.place_order(&req).await.unwrap().order.id();
        first
            .platform
            .accept_order(RESTAURANT, id, Duration::from_mins(10))
            .await
            .unwrap();
        let before = first.load(id).await;
        let mut after = before.clone();
        let event = after
            .execute(&Command {
                actor: Actor::System,
                at: before.times().created_at,
                expected_version: before.version(),
                action: OrderAction::Assign { courier: COURIER },
            })
            .unwrap();
        let written = Transition::between(&before, &after, std::slice::from_ref(&event), 3);
        first.store().save_transition(&written).await.unwrap();
        ids.push(id);
    }
    (first, ids)
}

/// The platform of `first` stopped and a new one started over its store,
/// sharing its clock and gateway (a restart).
fn restarted<S: Store>(first: World<S>) -> World<S> {
    let World {
        platform,
        clock,
        gateway,
        ..
    } = first;
    World::with_parts(platform.into_store(), config(), clock, gateway)
}

pub(crate) async fn a_courier_over_the_limit_is_set_aside<S: Store>(store: S) -> S {
    let (first, ids) = overloaded_courier(store).await;
    let second = restarted(first);
    {
        let recovered = second.platform.recover().await.unwrap();
        assert_eq!(recovered.with_courier, 2, "{recovered:?}");
        assert_eq!(recovered.set_aside.len(), 1, "{recovered:?}");
        let aside = &recovered.set_aside[0];
        assert_eq!(aside.key, format!("order:{}", ids[2].get()));
        assert!(aside.reason.contains("batch limit"), "{}", aside.reason);
        second.platform.check_dispatch().unwrap();
        // The two within the limit go on to the end; the third waits,
        // untouched, for an operator.
        second
            .platform
            .courier_online(COURIER, near_restaurant(50.0))
            .await
            .unwrap();
        drive_to_end(&second, &ids[..2]).await;
        for &id in &ids[..2] {
            assert_eq!(second.load(id).await.status(), OrderStatus::Completed);
        }
        assert_eq!(second.load(ids[2]).await.status(), OrderStatus::Confirmed);
    }
    second.platform.into_store()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_order_is_set_aside_on_postgres() {
    let store = fresh_pg_redis().await;
    seed_catalog(&store).await;
    let first = World::new(store.clone(), config());
    let mut ids = Vec::new();
    for i in 0..3 {
        let req = courier_platform::OrderRequest {
            customer: CustomerId::new(300 + i),
            tier: Tier::Premium,
            ..two_pizzas(&format!("unreadable-{i}"))
        };
        ids.push(first.platform.place_order(&req).await.unwrap().order.id());
    }
    let (clock, gateway) = (first.clock.clone(), first.gateway.clone());
    drop(first);
    // A bad write by hand: one order's payment event no longer decodes.
    let (pg, _, _) = store.clone().into_parts();
    let damaged = sqlx::query("UPDATE order_events SET body = '\"garbage\"' WHERE order_id = $1 AND version = 2")
        .bind(i64::try_from(ids[1].get()).unwrap())
        .execute(pg.pool())
        .await
        .unwrap();
    assert_eq!(damaged.rows_affected(), 1);
    let second = World::with_parts(store.clone(), config(), clock, gateway);
    let recovered = second.platform.recover().await.unwrap();
    assert_eq!(recovered.awaiting_acceptance, 2, "{recovered:?}");
    assert_eq!(
        recovered.set_aside.iter().map(|r| r.key.clone()).collect::<Vec<_>>(),
        vec![format!("order:{}", ids[1].get())]
    );
    drive_to_end(&second, &[ids[0], ids[2]]).await;
    drop(second);
    cleanup(store).await;
}

/// A recovery that failed partway (the store went down mid-listing) is
/// simply run again: what the first run took back is not taken twice, a
/// courier's orders are not "already assigned", and the same bad record is
/// set aside again, alone.
pub(crate) async fn a_second_recovery_takes_nothing_twice<S: Store>(store: S) -> S {
    let (first, ids) = overloaded_courier(store).await;
    let second = restarted(first);
    {
        let once = second.platform.recover().await.unwrap();
        let again = second.platform.recover().await.unwrap();
        assert_eq!(again.with_courier, 2, "{again:?}");
        assert_eq!(again.set_aside, once.set_aside, "{again:?}");
        assert_eq!(again.set_aside.len(), 1, "{again:?}");
        second.platform.check_dispatch().unwrap();
        second
            .platform
            .courier_online(COURIER, near_restaurant(50.0))
            .await
            .unwrap();
        drive_to_end(&second, &ids[..2]).await;
        for &id in &ids[..2] {
            assert_eq!(second.load(id).await.status(), OrderStatus::Completed);
        }
    }
    second.platform.into_store()
}

/// After a recovery a courier holding orders has two minutes to
/// reconnect; one that does not (it went offline while the process was
/// down, or its going offline never reached the store) gives back what it
/// has not collected, and the orders go on with another courier.
pub(crate) async fn orders_of_a_courier_who_never_reconnects_go_back<S: Store>(store: S) -> S {
    let (first, ids) = overloaded_courier(store).await;
    let second = restarted(first);
    {
        second.platform.recover().await.unwrap();
        second.advance(60);
        let early = second.platform.tick().await.unwrap();
        assert_eq!(early.orders_returned, 0, "within the grace: {early:?}");
        second.advance(61);
        let report = second.platform.tick().await.unwrap();
        assert_eq!(report.orders_returned, 2, "{report:?}");
        for &id in &ids[..2] {
            let order = second.load(id).await;
            assert!(
                !matches!(order.assignment(), courier_core::order::Assignment::Assigned { .. }),
                "{id} still with the absent courier: {:?}",
                order.assignment()
            );
        }
        second.platform.check_dispatch().unwrap();
        second
            .platform
            .courier_online(CourierId::new(6), near_restaurant(50.0))
            .await
            .unwrap();
        drive_to_end(&second, &ids[..2]).await;
        for &id in &ids[..2] {
            assert_eq!(second.load(id).await.status(), OrderStatus::Completed);
        }
    }
    second.platform.into_store()
}

on_both! {
    a_courier_over_the_limit: super::a_courier_over_the_limit_is_set_aside;
    a_second_recovery: super::a_second_recovery_takes_nothing_twice;
    a_courier_who_never_reconnects: super::orders_of_a_courier_who_never_reconnects_go_back;
}
