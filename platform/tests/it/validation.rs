//! Placement rules and bad input: each refusal names what was wrong and
//! changes nothing.

use courier_core::order::OrderStatus;
use courier_core::ports::{CatalogStore, OrderStore};
use courier_core::*;
use courier_platform::rate_limits::Tier;
use courier_platform::{PaymentStatus, PlatformError, SearchQuery};
use courier_storage::memory::MemoryStore;

use crate::driver::all_orders;
use crate::world::*;

async fn world() -> World<MemoryStore> {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    World::new(store, config())
}

#[tokio::test]
async fn refusals_name_the_problem_and_store_nothing() {
    let w = world().await;
    let p = &w.platform;
    let cases: Vec<(courier_platform::OrderRequest, &str)> = vec![
        (
            courier_platform::OrderRequest {
                items: vec![(GARLIC_BREAD, 4)],
                ..two_pizzas("sold-out")
            },
            "sold out",
        ),
        (
            courier_platform::OrderRequest {
                items: vec![(TIRAMISU, 2), (MARGHERITA, 1)],
                ..two_pizzas("unavailable")
            },
            "not available now",
        ),
        (
            courier_platform::OrderRequest {
                items: vec![(MenuItemId::new(99), 1)],
                ..two_pizzas("unknown")
            },
            "not on the menu",
        ),
        (
            courier_platform::OrderRequest {
                items: vec![(GARLIC_BREAD, 1)],
                ..two_pizzas("small")
            },
            "below the minimum order",
        ),
        (
            courier_platform::OrderRequest {
                dropoff: restaurant_point().offset_m(9_000.0, 0.0).unwrap(),
                ..two_pizzas("far")
            },
            "delivers within 5000 m",
        ),
        (
            courier_platform::OrderRequest {
                items: Vec::new(),
                ..two_pizzas("empty")
            },
            "invalid items: the cart is empty",
        ),
        (
            courier_platform::OrderRequest {
                restaurant: RestaurantId::new(404),
                ..two_pizzas("nowhere")
            },
            "not found",
        ),
    ];
    for (req, expected) in cases {
        let err = p.place_order(&req).await.unwrap_err();
        assert!(err.is_client_error(), "{err}");
        assert!(err.to_string().contains(expected), "{:?}: {err}", req.idempotency_key);
    }
    assert!(
        all_orders(w.store()).await.is_empty(),
        "a refused order is never stored"
    );
    assert!(w.gateway.calls().is_empty(), "nor charged");
}

#[tokio::test]
async fn a_closed_or_paused_restaurant_refuses_orders() {
    let w = world().await;
    let mut r = w.store().restaurant(RESTAURANT).await.unwrap().unwrap();
    r.accepting_orders = false;
    w.store().put_restaurant(&r).await.unwrap();
    let err = w.platform.place_order(&two_pizzas("paused")).await.unwrap_err();
    assert!(err.to_string().contains("not accepting orders"), "{err}");
    r.is_open = false;
    w.store().put_restaurant(&r).await.unwrap();
    let err = w.platform.place_order(&two_pizzas("closed")).await.unwrap_err();
    assert!(err.to_string().contains("closed"), "{err}");
}

#[tokio::test]
async fn the_same_key_places_one_order_and_charges_once() {
    let w = world().await;
    let first = w.platform.place_order(&two_pizzas("once")).await.unwrap();
    let again = w.platform.place_order(&two_pizzas("once")).await.unwrap();
    assert_eq!(first.order.id(), again.order.id());
    assert!(again.quote.is_none(), "a replay is not re-priced");
    assert_eq!(again.payment, PaymentStatus::Authorized);
    let authorizations = w
        .gateway
        .calls()
        .iter()
        .filter(|c| matches!(c, courier_platform::external::GatewayCall::Authorize(..)))
        .count();
    assert_eq!(authorizations, 1);
    assert_eq!(all_orders(w.store()).await.len(), 1);
}

#[tokio::test]
async fn placement_is_rate_limited_per_tier() {
    let w = world().await;
    let anonymous = |k: &str| courier_platform::OrderRequest {
        tier: Tier::Anonymous,
        ..two_pizzas(k)
    };
    for k in 0..3 {
        w.platform.place_order(&anonymous(&format!("rl-{k}"))).await.unwrap();
    }
    let err = w.platform.place_order(&anonymous("rl-3")).await.unwrap_err();
    assert!(
        matches!(
            err,
            PlatformError::RateLimited {
                endpoint: "place_order",
                ..
            }
        ),
        "{err}"
    );
    w.advance(61);
    w.platform.place_order(&anonymous("rl-4")).await.unwrap();
}

#[tokio::test]
async fn a_declined_card_cancels_the_order_without_money_moving() {
    let w = world().await;
    // Order ids are the clock's milliseconds over a counter: predict the next.
    let next = OrderId::new((u64::try_from(w.clock_now_ms()).unwrap() << 16).max(1));
    w.gateway.decline(next);
    let placed = w.platform.place_order(&two_pizzas("declined")).await.unwrap();
    assert_eq!(placed.order.id(), next);
    assert_eq!(placed.payment, PaymentStatus::Failed);
    assert!(matches!(placed.order.status(), OrderStatus::Cancelled { .. }));
    let s = w.platform.settlement_of(&placed.order).await.unwrap().unwrap();
    assert_eq!(s.ledger.customer_net_charge(), usd(0));
    assert!(w.store().load_order(next).await.unwrap().is_some());
}

#[tokio::test]
async fn bad_search_and_location_input_is_refused() {
    let w = world().await;
    let query = SearchQuery {
        near: home(),
        radius_m: f64::NAN,
        text: None,
        cuisine: None,
        min_rating_centi: 0,
        open_now: false,
        limit: 10,
    };
    let err = w.platform.search(&query, Tier::Anonymous, "x").await.unwrap_err();
    assert!(err.to_string().contains("radius_m"), "{err}");
    let err = w
        .platform
        .search(
            &SearchQuery {
                radius_m: 1_000.0,
                limit: 0,
                ..query
            },
            Tier::Anonymous,
            "x",
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("limit"), "{err}");
    // A coordinate out of range never becomes a GeoPoint.
    assert!(GeoPoint::new(91.0, 0.0).is_err());
    // Location updates are per courier and rate limited (seed 000: 60 a minute).
    let courier = CourierId::new(9);
    w.platform.courier_online(courier, home()).await.unwrap();
    for _ in 0..60 {
        w.platform.update_location(courier, home()).await.unwrap();
    }
    let err = w.platform.update_location(courier, home()).await.unwrap_err();
    assert!(
        matches!(
            err,
            PlatformError::RateLimited {
                endpoint: "location_update",
                ..
            }
        ),
        "{err}"
    );
}
