//! Shared test fixtures: a standard order and helpers to drive it to any status.

use courier_core::order::*;
use courier_core::*;

pub(crate) const CUSTOMER: CustomerId = CustomerId::new(1);
pub(crate) const OTHER_CUSTOMER: CustomerId = CustomerId::new(2);
pub(crate) const RESTAURANT: RestaurantId = RestaurantId::new(1);
pub(crate) const OTHER_RESTAURANT: RestaurantId = RestaurantId::new(2);
pub(crate) const COURIER: CourierId = CourierId::new(1);
pub(crate) const OTHER_COURIER: CourierId = CourierId::new(2);
pub(crate) const ADMIN: Actor = Actor::Admin(AdminId::new(1));

pub(crate) fn usd(cents: i64) -> Money {
    Money::new(cents, Currency::Usd)
}

pub(crate) fn mins(m: i64) -> Timestamp {
    Timestamp::from_millis(m * 60_000)
}

pub(crate) fn place_order(charge_cents: i64) -> PlaceOrder {
    PlaceOrder {
        order_id: OrderId::new(100),
        customer: CUSTOMER,
        restaurant: RESTAURANT,
        pickup: GeoPoint::new(37.7749, -122.4194).unwrap(),
        dropoff: GeoPoint::new(37.7849, -122.4094).unwrap(),
        lines: vec![OrderLine {
            item: MenuItemId::new(1),
            quantity: 1,
            unit_price: usd(charge_cents),
        }],
        charge: usd(charge_cents),
        idempotency_key: IdempotencyKey::parse("fixture-key").unwrap(),
    }
}

/// A new order (PendingPayment, version 1) for a $25.00 charge, created at t=0.
pub(crate) fn new_order() -> Order {
    Order::place(Actor::Customer(CUSTOMER), Timestamp::EPOCH, place_order(2500))
        .unwrap()
        .0
}

/// Runs `action` as `actor` at `at` against the current version; panics if refused.
pub(crate) fn run(order: &mut Order, actor: Actor, at: Timestamp, action: OrderAction) -> OrderEvent {
    try_run(order, actor, at, action).unwrap_or_else(|e| panic!("{action} by {actor} refused: {e}"))
}

/// Runs `action` as `actor` at `at` against the current version.
pub(crate) fn try_run(
    order: &mut Order,
    actor: Actor,
    at: Timestamp,
    action: OrderAction,
) -> Result<OrderEvent, OrderError> {
    let cmd = Command {
        actor,
        at,
        expected_version: order.version(),
        action,
    };
    order.execute(&cmd)
}

/// Drives a new order to `status` along the happy path, with `COURIER` assigned
/// from Confirmed on. Times: placed 0:01, accepted 0:02, preparing 0:03, ready 0:15,
/// picked up 0:20, delivered 0:35.
pub(crate) fn order_in(status: StatusKind) -> Order {
    let mut o = new_order();
    let restaurant = Actor::Restaurant(RESTAURANT);
    let courier = Actor::Courier(COURIER);
    let steps: [(StatusKind, Actor, i64, OrderAction); 7] = [
        (StatusKind::Placed, Actor::System, 1, OrderAction::AuthorizePayment),
        (
            StatusKind::Confirmed,
            restaurant,
            2,
            OrderAction::Accept {
                prep_estimate: Duration::from_mins(15),
            },
        ),
        (StatusKind::Preparing, restaurant, 3, OrderAction::StartPreparing),
        (StatusKind::ReadyForPickup, restaurant, 15, OrderAction::MarkReady),
        (StatusKind::PickedUp, courier, 20, OrderAction::PickUp),
        (StatusKind::Delivered, courier, 35, OrderAction::Deliver),
        (StatusKind::Completed, Actor::System, 36, OrderAction::Complete),
    ];
    for (reached, actor, at, action) in steps {
        if o.status().kind() == status {
            break;
        }
        run(&mut o, actor, mins(at), action);
        if reached == StatusKind::Confirmed {
            run(
                &mut o,
                Actor::System,
                mins(at),
                OrderAction::Assign { courier: COURIER },
            );
        }
    }
    assert_eq!(o.status().kind(), status, "fixture could not reach {status:?}");
    o
}
