//! The degradation ladder, live: the signals move the level, and each level
//! switches off what it names while the rest goes on.

use std::sync::Arc;

use courier_core::order::Actor;
use courier_core::ports::{CatalogStore, Restaurant};
use courier_core::promotion::{FundedBy, PromoKind, Promotion};
use courier_core::*;
use courier_platform::degradation::DegradationLevel;
use courier_platform::rate_limits::Tier;
use courier_platform::{EdgeSignals, PlatformError};
use courier_storage::memory::MemoryStore;

use crate::world::*;

fn ten_off() -> Promotion {
    Promotion {
        code: Arc::from("TEN"),
        kind: PromoKind::Flat(usd(1_000)),
        min_subtotal: usd(0),
        max_discount: None,
        first_order_only: false,
        valid_from: secs(0),
        valid_until: secs(48 * 3600),
        per_customer_limit: None,
        stackable: true,
        funded_by: FundedBy::Platform,
    }
}

fn new_restaurant() -> Restaurant {
    Restaurant {
        id: RestaurantId::new(999),
        name: "Late Noodles".into(),
        cuisine: "noodles".into(),
        location: restaurant_point(),
        rating_centi: 450,
        is_open: true,
        accepting_orders: true,
        delivery_radius_m: 5_000,
        minimum_order: usd(0),
        prep_time: Duration::from_mins(10),
    }
}

#[tokio::test]
async fn each_rung_switches_off_its_feature_and_the_ladder_comes_back() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let admin = Actor::Admin(AdminId::new(1));
    p.create_promotion(admin, &ten_off()).await.unwrap();
    let mut with_code = two_pizzas("ladder-1");
    with_code.promo_codes = vec!["TEN".into()];
    let discount = |q: &courier_pricing::Quote| q.discounts.iter().map(|d| d.amount.minor()).sum::<i64>();

    assert_eq!(p.degradation().0, DegradationLevel::Normal);
    let (_, _, quote) = p.quote(&with_code).await.unwrap();
    assert_eq!(discount(&quote), 1_000);

    // A slow API: promotions off; quotes price without them, nothing else changes.
    let slow = EdgeSignals {
        api_latency: Duration::from_secs(3),
        ..EdgeSignals::default()
    };
    assert_eq!(p.observe_edge(slow), DegradationLevel::NoPromotions);
    let (_, _, quote) = p.quote(&with_code).await.unwrap();
    assert_eq!(discount(&quote), 0);
    assert!(
        p.put_restaurant(admin, &new_restaurant()).await.is_ok(),
        "onboarding is still on"
    );

    // Fast again: promotions back.
    assert_eq!(p.observe_edge(EdgeSignals::default()), DegradationLevel::Normal);
    let (_, _, quote) = p.quote(&with_code).await.unwrap();
    assert_eq!(discount(&quote), 1_000);
}

#[tokio::test]
async fn a_configured_floor_stops_onboarding_but_not_upkeep() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let config = courier_platform::PlatformConfig {
        degradation: DegradationLevel::NoOnboarding,
        ..config()
    };
    // A floor set by an operator holds whatever the signals say.
    let w = World::new(store, config);
    let admin = Actor::Admin(AdminId::new(1));
    assert_eq!(w.platform.degradation().0, DegradationLevel::NoOnboarding);
    let refused = w.platform.put_restaurant(admin, &new_restaurant()).await;
    assert!(matches!(refused, Err(PlatformError::Degraded { .. })), "{refused:?}");
    // Existing restaurants may still change.
    let mut known = w.store().restaurant(RESTAURANT).await.unwrap().unwrap();
    known.is_open = false;
    w.platform.put_restaurant(admin, &known).await.unwrap();
    assert!(w.store().restaurant(RestaurantId::new(999)).await.unwrap().is_none());
}

#[tokio::test]
async fn order_only_mode_serves_customers_who_have_ordered_before() {
    let store = Arc::new(MemoryStore::default());
    seed_catalog(&*store).await;
    // A normal evening: customer 7 orders and is served.
    let before = World::new(store.clone(), config());
    before
        .platform
        .courier_online(CourierId::new(1), restaurant_point())
        .await
        .unwrap();
    let first = before.platform.place_order(&two_pizzas("before")).await.unwrap();
    crate::driver::drive_to_end(&before, &[first.order.id()]).await;
    assert_eq!(
        before.load(first.order.id()).await.status(),
        courier_core::order::OrderStatus::Completed
    );

    // Order-only: customer 7 may order again, a new customer may not, and
    // the refusal stores nothing.
    let config = courier_platform::PlatformConfig {
        degradation: DegradationLevel::OrderOnly,
        ..config()
    };
    let w = World::new(store, config);
    assert!(w.platform.place_order(&two_pizzas("again")).await.is_ok());
    let newcomer = courier_platform::OrderRequest {
        customer: CustomerId::new(8),
        ..two_pizzas("first-time")
    };
    let refused = w.platform.place_order(&newcomer).await;
    assert!(matches!(refused, Err(PlatformError::Degraded { .. })), "{refused:?}");
    assert_eq!(crate::driver::all_orders(w.store()).await.len(), 2);
}

#[tokio::test]
async fn recommendations_are_the_first_to_go_and_come_back() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let best = Restaurant {
        rating_centi: 500,
        ..new_restaurant()
    };
    p.put_restaurant(Actor::Admin(AdminId::new(1)), &best).await.unwrap();
    let recommend = || p.recommend(home(), 5, Tier::Premium, "customer-7");
    let ids = |found: Vec<Restaurant>| found.iter().map(|r| r.id).collect::<Vec<_>>();
    // Both deliver home; the better rated first.
    let seeded = w.store().restaurant(RESTAURANT).await.unwrap().unwrap();
    assert!(seeded.rating_centi < best.rating_centi);
    assert_eq!(
        ids(recommend().await.unwrap()),
        vec![RestaurantId::new(999), RESTAURANT]
    );

    // Search slow: no recommendations, search itself goes on.
    let slow_search = EdgeSignals {
        search_latency: Duration::from_secs(3),
        ..EdgeSignals::default()
    };
    assert_eq!(p.observe_edge(slow_search), DegradationLevel::NoRecommendations);
    let refused = recommend().await;
    assert!(matches!(refused, Err(PlatformError::Degraded { .. })), "{refused:?}");
    let query = courier_platform::SearchQuery {
        near: home(),
        radius_m: 5_000.0,
        text: None,
        cuisine: None,
        min_rating_centi: 0,
        open_now: true,
        limit: 10,
    };
    assert_eq!(p.search(&query, Tier::Premium, "customer-7").await.unwrap().len(), 2);

    assert_eq!(p.observe_edge(EdgeSignals::default()), DegradationLevel::Normal);
    assert_eq!(recommend().await.unwrap().len(), 2);
    let too_many = p.recommend(home(), 21, Tier::Premium, "customer-7").await;
    assert!(matches!(too_many, Err(PlatformError::Invalid { .. })), "{too_many:?}");
}
