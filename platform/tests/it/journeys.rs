//! Seed 000's two journeys and two edge cases, end to end through the
//! services, on the memory adapter and on PostgreSQL + Redis.

use courier_core::ledger::Account;
use courier_core::order::{Actor, CancelReason, OrderStatus, RejectReason};
use courier_core::ports::Store;
use courier_core::rating::RatingSubject;
use courier_core::refund::RefundRule;
use courier_core::*;
use courier_platform::external::{NotificationKind, Recipient};
use courier_platform::rate_limits::Tier;
use courier_platform::resilience::BreakerState;
use courier_platform::{PaymentStatus, PlatformError, SearchQuery, Stop};

use courier_platform::external::Clock;

use crate::world::*;

/// Journey 1: search, menu, order, the restaurant cooks, a courier is
/// offered the order, picks it up and delivers; payment captured and paid out.
pub(crate) async fn customer_orders_food<S: Store>(store: S) -> S {
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let query = SearchQuery {
        near: home(),
        radius_m: 3_000.0,
        text: Some("pizza".into()),
        cuisine: None,
        min_rating_centi: 400,
        open_now: true,
        limit: 10,
    };
    let found = p.search(&query, Tier::Authenticated, "customer-7").await.unwrap();
    assert_eq!(found.iter().map(|r| r.id).collect::<Vec<_>>(), vec![RESTAURANT]);
    let menu = p.menu(RESTAURANT, Tier::Authenticated, "customer-7").await.unwrap();
    assert_eq!(menu.items.len(), 3);

    let placed = p.place_order(&two_pizzas("journey-1")).await.unwrap();
    assert_eq!(placed.payment, PaymentStatus::Authorized);
    assert_eq!(placed.order.status(), OrderStatus::Placed);
    assert_eq!(placed.order.charge(), usd(2500));
    let id = placed.order.id();
    let courier = CourierId::new(42);
    p.courier_online(courier, near_restaurant(800.0)).await.unwrap();

    w.advance(30);
    p.accept_order(RESTAURANT, id, Duration::from_mins(15)).await.unwrap();
    p.start_preparing(RESTAURANT, id).await.unwrap();
    // Dispatch waits until the food is due within the lead time (10 min).
    let early = p.tick().await.unwrap();
    assert!(early.dispatch.offers.is_empty(), "offered too early: {early:?}");
    w.advance(6 * 60);
    let round = p.tick().await.unwrap();
    assert_eq!(round.dispatch.offers.len(), 1, "{round:?}");
    assert_eq!(round.dispatch.offers[0].courier, courier);
    w.advance(10);
    p.answer_offer(courier, id, true).await.unwrap();
    assert_eq!(p.carried_by(courier), vec![id]);

    let at_restaurant = p.update_location(courier, near_restaurant(40.0)).await.unwrap();
    assert_eq!(at_restaurant.len(), 1);
    assert_eq!(at_restaurant[0].stop, Stop::Restaurant);
    w.advance(8 * 60);
    p.mark_ready(RESTAURANT, id).await.unwrap();
    // An eight-minute-old fix does not show the courier is still there.
    let stale = p.pick_up(courier, id).await.unwrap_err();
    assert!(
        matches!(stale, PlatformError::NotAtStop { stop: "restaurant", .. }),
        "{stale}"
    );
    assert!(stale.to_string().contains("480 s old"), "{stale}");
    p.update_location(courier, near_restaurant(40.0)).await.unwrap();
    p.pick_up(courier, id).await.unwrap();
    w.advance(7 * 60);
    // A kilometre from the door is not at the door.
    let street_away = home().offset_m(1_000.0, 0.0).unwrap();
    p.update_location(courier, street_away).await.unwrap();
    let far = p.deliver(courier, id).await.unwrap_err();
    assert!(far.to_string().contains("1000 m away"), "{far}");
    assert_eq!(w.load(id).await.status(), OrderStatus::PickedUp, "nothing changed");
    w.advance(60);
    let at_door = p.update_location(courier, home()).await.unwrap();
    assert_eq!(at_door[0].stop, Stop::Door);
    let delivered = p.deliver(courier, id).await.unwrap();
    assert_eq!(delivered.order.status(), OrderStatus::Completed);
    assert!(delivered.promise.is_some());
    assert!(p.carried_by(courier).is_empty());

    let settlement = p.settlement_of(&delivered.order).await.unwrap().unwrap();
    let ledger = &settlement.ledger;
    assert!(ledger.is_balanced());
    assert_eq!(ledger.customer_net_charge(), usd(2500));
    // Seed 000: 25% commission on $25.00 food; the courier is paid per delivery and km.
    assert_eq!(ledger.balance(Account::RestaurantPayable), usd(1875));
    let books = p.books();
    assert!(books.is_balanced());
    assert_eq!(books.captured_minor, 2500);
    let kinds: Vec<_> = w.notes.sent().iter().map(|n| (n.to, n.kind)).collect();
    for expected in [
        (Recipient::Restaurant(RESTAURANT), NotificationKind::NewOrder),
        (Recipient::Courier(courier), NotificationKind::Offer),
        (Recipient::Customer(CUSTOMER), NotificationKind::CourierAssigned),
        (Recipient::Restaurant(RESTAURANT), NotificationKind::CourierAtRestaurant),
        (Recipient::Customer(CUSTOMER), NotificationKind::CourierAtDoor),
        (Recipient::Customer(CUSTOMER), NotificationKind::Delivered),
    ] {
        assert!(kinds.contains(&expected), "missing {expected:?} in {kinds:?}");
    }
    let trail = w.store().audit_trail(id).await.unwrap();
    let actions: Vec<_> = trail.iter().map(|a| a.action).collect();
    assert_eq!(
        actions,
        [
            "created",
            "payment_authorized",
            "accepted",
            "preparation_started",
            "courier_offered",
            "offer_accepted",
            "marked_ready",
            "picked_up",
            "delivered",
            "completed"
        ]
    );
    w.platform.check_dispatch().unwrap();
    rate_after_delivery(&w, id, courier).await;
    into_store(w)
}

/// Step 5 of the journey: the customer rates the restaurant and the courier,
/// the courier rates the customer; once each, and only the parties of the order.
async fn rate_after_delivery<S: Store>(w: &World<S>, id: OrderId, courier: CourierId) {
    let p = &w.platform;
    let me = Actor::Customer(CUSTOMER);
    let kitchen = RatingSubject::Restaurant(RESTAURANT);
    let summary = p.rate(me, id, kitchen, 5).await.unwrap();
    assert_eq!((summary.count, summary.average_centi()), (1, Some(500)));
    let published = w.store().restaurant(RESTAURANT).await.unwrap().unwrap();
    assert_eq!(published.rating_centi, 500, "search sees the new average");
    p.rate(me, id, RatingSubject::Courier(courier), 4).await.unwrap();
    p.rate(Actor::Courier(courier), id, RatingSubject::Customer(CUSTOMER), 5)
        .await
        .unwrap();
    let again = p.rate(me, id, kitchen, 1).await.unwrap_err();
    assert_eq!(
        again.to_string(),
        format!("{id}: the restaurant was already rated (5 stars)")
    );
    let stranger = p
        .rate(Actor::Customer(CustomerId::new(8)), id, kitchen, 1)
        .await
        .unwrap_err();
    assert!(
        stranger.to_string().contains("may not rate the restaurant"),
        "{stranger}"
    );
    let wrong_way = p.rate(Actor::Courier(courier), id, kitchen, 1).await.unwrap_err();
    assert!(wrong_way.to_string().contains("may not rate"), "{wrong_way}");
    let zero = p.rate(me, id, RatingSubject::Courier(courier), 0).await.unwrap_err();
    assert_eq!(zero.to_string(), "stars must be 1 to 5, got 0");
    assert_eq!(
        p.rating_summary(kitchen).await.unwrap().count,
        1,
        "refusals changed nothing"
    );
    assert_eq!(
        p.rating_summary(RatingSubject::Courier(courier))
            .await
            .unwrap()
            .total_stars,
        4
    );
}

/// Journey 2: the restaurant's tablet: one order accepted and handed over,
/// one rejected (full refund), one left past the 5-minute deadline
/// (rejected by the platform, full refund).
pub(crate) async fn restaurant_manages_orders<S: Store>(store: S) -> S {
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let a = p.place_order(&two_pizzas("tablet-a")).await.unwrap().order.id();
    let b = p.place_order(&two_pizzas("tablet-b")).await.unwrap().order.id();
    let c = p.place_order(&two_pizzas("tablet-c")).await.unwrap().order.id();
    w.advance(60);
    p.accept_order(RESTAURANT, a, Duration::from_mins(12)).await.unwrap();
    let rejected = p.reject_order(RESTAURANT, b).await.unwrap();
    assert_eq!(
        rejected.status(),
        OrderStatus::Rejected {
            reason: RejectReason::RestaurantDeclined
        }
    );
    w.advance(3 * 60 + 59);
    assert!(
        p.tick().await.unwrap().acceptances_expired.is_empty(),
        "deadline not reached yet"
    );
    w.advance(1);
    assert_eq!(p.tick().await.unwrap().acceptances_expired, vec![c]);
    let late = p.accept_order(RESTAURANT, c, Duration::from_mins(12)).await;
    assert!(late.is_err(), "accepting after the deadline is refused");
    for id in [b, c] {
        let o = w.load(id).await;
        let s = p.settlement_of(&o).await.unwrap().unwrap();
        assert_eq!(s.refund.unwrap().refund, usd(2500), "{id}: full refund");
        assert_eq!(s.ledger.customer_net_charge(), usd(0));
    }
    let undelivered = p
        .rate(Actor::Customer(CUSTOMER), b, RatingSubject::Restaurant(RESTAURANT), 1)
        .await
        .unwrap_err();
    assert!(
        undelivered.to_string().contains("only delivered orders can be rated"),
        "{undelivered}"
    );
    // The accepted one goes on: preparing, ready, handed over to a courier.
    p.start_preparing(RESTAURANT, a).await.unwrap();
    let courier = CourierId::new(5);
    p.courier_online(courier, near_restaurant(300.0)).await.unwrap();
    p.mark_ready(RESTAURANT, a).await.unwrap();
    let round = p.tick().await.unwrap();
    assert_eq!(round.dispatch.offers.len(), 1);
    p.answer_offer(courier, a, true).await.unwrap();
    p.update_location(courier, near_restaurant(30.0)).await.unwrap();
    assert_eq!(p.pick_up(courier, a).await.unwrap().status(), OrderStatus::PickedUp);
    assert!(p.books().is_balanced());
    into_store(w)
}

/// Seed 000 edge case: $25.00, accepted at T+30 s, cancelled by the
/// customer at T+2 min: 50% back ($12.50), the rest split without a courier.
pub(crate) async fn cancellation_after_acceptance<S: Store>(store: S) -> S {
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let id = p.place_order(&two_pizzas("order_789")).await.unwrap().order.id();
    w.advance(30);
    p.accept_order(RESTAURANT, id, Duration::from_mins(20)).await.unwrap();
    w.advance(90);
    let cancelled = p
        .cancel(Actor::Customer(CUSTOMER), id, CancelReason::CustomerRequest)
        .await
        .unwrap();
    let refund = cancelled.refund.unwrap();
    assert_eq!(refund.rule, RefundRule::EarlyAfterAcceptance);
    assert_eq!(refund.refund, usd(1250));
    assert_eq!(refund.retained, usd(1250));
    let s = p.settlement_of(&cancelled.order).await.unwrap().unwrap();
    assert!(s.ledger.is_balanced());
    assert_eq!(s.ledger.customer_net_charge(), usd(1250));
    assert_eq!(s.ledger.balance(Account::CourierPayable), usd(0));
    assert_eq!(p.waiting_for_courier(), 0, "a cancelled order leaves dispatch");
    assert!(p.books().is_balanced());
    assert_eq!(p.books().refunded_minor, 1250);
    into_store(w)
}

/// Seed 000's payment outage: the gateway answers 503 for 5 minutes from
/// T+0 while orders keep coming (one every 2 s). The breaker opens within
/// the first 30 s, orders wait in `PendingPayment` with customers told, and
/// once the gateway is back every queued payment goes through: none lost,
/// none cancelled, and the breaker closes again.
pub(crate) async fn payment_outage_timeline<S: Store>(store: S) -> S {
    seed_catalog(&store).await;
    let config = courier_platform::PlatformConfig {
        rate_limits: false,
        ..config()
    };
    let w = World::new(store, config);
    let p = &w.platform;
    let t0 = w.clock.now();
    w.gateway.add_outage(t0, t0.plus(Duration::from_mins(5)));
    let mut ids = Vec::new();
    let mut opened_at = None;
    let mut closed_at = None;
    for step in 0..(10 * 30) {
        if step < 8 * 30 {
            let placed = p.place_order(&two_pizzas(&format!("outage-{step}"))).await.unwrap();
            ids.push(placed.order.id());
        }
        p.tick().await.unwrap();
        let state = p.payment_breaker();
        if opened_at.is_none() && matches!(state, BreakerState::Open { .. }) {
            opened_at = Some(w.clock.now().since(t0));
        }
        if opened_at.is_some() && closed_at.is_none() && state == BreakerState::Closed {
            closed_at = Some(w.clock.now().since(t0));
        }
        w.advance(2);
    }
    let opened_at = opened_at.expect("the breaker opened");
    assert!(opened_at <= Duration::from_secs(30), "opened at {opened_at}");
    let closed_at = closed_at.expect("the breaker closed again");
    assert!(
        closed_at >= Duration::from_mins(5) && closed_at <= Duration::from_mins(6),
        "closed at {closed_at}"
    );
    assert_eq!(p.payments_queued(), 0, "every queued payment was processed");
    for id in &ids {
        let o = w.load(*id).await;
        assert_eq!(
            o.status(),
            OrderStatus::Placed,
            "{id} should be paid and waiting for the restaurant"
        );
    }
    let delayed = w
        .notes
        .counts()
        .get(&NotificationKind::PaymentDelayed)
        .copied()
        .unwrap_or(0);
    assert!(
        delayed >= 100,
        "customers were told their payment is delayed ({delayed})"
    );
    into_store(w)
}

fn into_store<S: Store>(w: World<S>) -> S {
    let World { platform, .. } = w;
    platform.into_store()
}

on_both! {
    journey_customer_orders_food: super::customer_orders_food;
    journey_restaurant_manages_orders: super::restaurant_manages_orders;
    edge_cancellation_after_acceptance: super::cancellation_after_acceptance;
    edge_payment_outage: super::payment_outage_timeline;
}
