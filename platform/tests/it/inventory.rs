//! Prepared dishes (seed 002): a reservation that loses the race for the
//! last portions fails cleanly and stores nothing; orders that end before
//! the kitchen starts give their portions back.

use courier_core::order::{Actor, CancelReason, OrderStatus};
use courier_core::ports::{CatalogStore, Store};
use courier_core::*;
use courier_platform::rate_limits::Tier;
use courier_platform::{OrderRequest, PaymentStatus, PlatformError};
use futures::future::join_all;

use crate::driver::all_orders;
use crate::world::*;

fn bread_order(customer: u64, key: &str, breads: u32) -> OrderRequest {
    OrderRequest {
        customer: CustomerId::new(customer),
        tier: Tier::Authenticated,
        items: vec![(MARGHERITA, 1), (GARLIC_BREAD, breads)],
        ..two_pizzas(key)
    }
}

async fn breads_left<S: CatalogStore>(store: &S) -> Option<u32> {
    let menu = store.menu(RESTAURANT).await.unwrap().unwrap();
    menu.items.iter().find(|d| d.id == GARLIC_BREAD).unwrap().stock
}

/// Eight customers race for three garlic breads: three orders, five clean
/// "sold out" refusals, no order stored for the losers, none left.
pub(crate) async fn racing_customers_never_oversell<S: Store>(store: S) -> S {
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let requests: Vec<OrderRequest> = (0..8u64)
        .map(|i| bread_order(100 + i, &format!("race-{i}"), 1))
        .collect();
    let results = join_all(requests.iter().map(|r| w.platform.place_order(r))).await;
    let placed = results.iter().filter(|r| r.is_ok()).count();
    for r in &results {
        match r {
            Ok(p) => assert_eq!(p.payment, PaymentStatus::Authorized),
            Err(PlatformError::ItemUnavailable { item, why }) => {
                assert_eq!((*item, *why), (GARLIC_BREAD, "sold out"));
            }
            Err(other) => panic!("unexpected refusal: {other}"),
        }
    }
    assert_eq!(placed, 3);
    assert_eq!(all_orders(w.store()).await.len(), 3, "losers stored nothing");
    assert_eq!(breads_left(w.store()).await, Some(0));
    w.platform.into_store()
}

/// A rejected order and one cancelled before cooking give their portions
/// back; one cancelled while cooking does not; a replayed key takes nothing.
pub(crate) async fn unprepared_orders_give_portions_back<S: Store>(store: S) -> S {
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let first = p.place_order(&bread_order(100, "give-back-1", 2)).await.unwrap().order;
    assert_eq!(breads_left(w.store()).await, Some(1));
    let replay = p.place_order(&bread_order(100, "give-back-1", 2)).await.unwrap();
    assert_eq!(replay.order.id(), first.id());
    assert_eq!(breads_left(w.store()).await, Some(1), "a replay takes nothing");
    p.reject_order(RESTAURANT, first.id()).await.unwrap();
    assert_eq!(breads_left(w.store()).await, Some(3));

    let second = p.place_order(&bread_order(101, "give-back-2", 1)).await.unwrap().order;
    p.cancel(
        Actor::Customer(CustomerId::new(101)),
        second.id(),
        CancelReason::CustomerRequest,
    )
    .await
    .unwrap();
    assert_eq!(breads_left(w.store()).await, Some(3));

    let third = p.place_order(&bread_order(102, "give-back-3", 3)).await.unwrap().order;
    p.accept_order(RESTAURANT, third.id(), Duration::from_mins(10))
        .await
        .unwrap();
    p.start_preparing(RESTAURANT, third.id()).await.unwrap();
    let cancelled = p
        .cancel(
            Actor::Customer(CustomerId::new(102)),
            third.id(),
            CancelReason::CustomerRequest,
        )
        .await
        .unwrap();
    assert!(matches!(cancelled.order.status(), OrderStatus::Cancelled { .. }));
    assert_eq!(breads_left(w.store()).await, Some(0), "cooked food is not resold");
    let refused = p.place_order(&bread_order(103, "give-back-4", 1)).await.unwrap_err();
    assert!(refused.to_string().contains("sold out"), "{refused}");
    w.platform.into_store()
}

on_both! {
    racing_customers: super::racing_customers_never_oversell;
    unprepared_orders: super::unprepared_orders_give_portions_back;
}
