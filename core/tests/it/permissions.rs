//! One test per row of the seed 000 permission table: who may, who may not.

use courier_core::order::permission::{may_place, may_view};
use courier_core::order::*;
use courier_core::*;

use crate::fixture::*;

/// Runs `action` by `actor` on an order in `status` and checks whether it was
/// allowed; a refusal must be `Forbidden` (or `ReasonNotAllowed`) and change nothing.
fn check(status: StatusKind, actor: Actor, action: OrderAction, allowed: bool) {
    let mut order = order_in(status);
    let before = order.clone();
    let at = order.times().ready_at.unwrap_or(mins(4));
    let result = try_run(&mut order, actor, at, action);
    if allowed {
        assert!(
            result.is_ok(),
            "{actor} should be allowed to {action} in {status:?}: {result:?}"
        );
    } else {
        assert!(
            matches!(
                result,
                Err(OrderError::Forbidden { .. } | OrderError::ReasonNotAllowed { .. })
            ),
            "{actor} should be refused {action} in {status:?}, got {result:?}"
        );
        assert_eq!(order, before, "a refused command changed the order");
    }
}

const CUSTOMER_CANCEL: OrderAction = OrderAction::Cancel {
    reason: CancelReason::CustomerRequest,
};
const RESTAURANT_CANCEL: OrderAction = OrderAction::Cancel {
    reason: CancelReason::RestaurantUnavailable,
};
const PLATFORM_CANCEL: OrderAction = OrderAction::Cancel {
    reason: CancelReason::NoCourierFound,
};

#[test]
fn place_order_own_only_or_admin() {
    let p = place_order(2500);
    assert!(may_place(Actor::Customer(CUSTOMER), &p).is_ok());
    assert!(may_place(ADMIN, &p).is_ok());
    for actor in [
        Actor::Customer(OTHER_CUSTOMER),
        Actor::Restaurant(RESTAURANT),
        Actor::Courier(COURIER),
        Actor::System,
    ] {
        let err = Order::place(actor, Timestamp::EPOCH, p.clone()).err();
        assert!(
            matches!(err, Some(OrderError::Forbidden { action: "place", .. })),
            "{actor}: {err:?}"
        );
    }
}

#[test]
fn view_order_own_own_restaurant_assigned_all() {
    let order = order_in(StatusKind::Preparing);
    assert!(may_view(Actor::Customer(CUSTOMER), &order));
    assert!(!may_view(Actor::Customer(OTHER_CUSTOMER), &order));
    assert!(may_view(Actor::Restaurant(RESTAURANT), &order));
    assert!(!may_view(Actor::Restaurant(OTHER_RESTAURANT), &order));
    assert!(may_view(Actor::Courier(COURIER), &order));
    assert!(!may_view(Actor::Courier(OTHER_COURIER), &order));
    assert!(may_view(ADMIN, &order));
    assert!(may_view(Actor::System, &order));
    let delivered = order_in(StatusKind::Delivered);
    assert!(
        may_view(Actor::Courier(COURIER), &delivered),
        "the delivering courier keeps sight"
    );
}

#[test]
fn customer_cancels_own_only_and_only_as_customer_request() {
    check(StatusKind::Confirmed, Actor::Customer(CUSTOMER), CUSTOMER_CANCEL, true);
    check(
        StatusKind::Confirmed,
        Actor::Customer(OTHER_CUSTOMER),
        CUSTOMER_CANCEL,
        false,
    );
    check(StatusKind::Confirmed, Actor::Customer(CUSTOMER), PLATFORM_CANCEL, false);
    check(
        StatusKind::Placed,
        Actor::Customer(CUSTOMER),
        OrderAction::Reject,
        false,
    );
    check(
        StatusKind::ReadyForPickup,
        Actor::Customer(CUSTOMER),
        OrderAction::PickUp,
        false,
    );
}

#[test]
fn restaurant_updates_own_orders_only() {
    let accept = OrderAction::Accept {
        prep_estimate: Duration::from_mins(10),
    };
    check(StatusKind::Placed, Actor::Restaurant(RESTAURANT), accept, true);
    check(StatusKind::Placed, Actor::Restaurant(OTHER_RESTAURANT), accept, false);
    check(
        StatusKind::Placed,
        Actor::Restaurant(RESTAURANT),
        OrderAction::Reject,
        true,
    );
    check(
        StatusKind::Placed,
        Actor::Restaurant(OTHER_RESTAURANT),
        OrderAction::Reject,
        false,
    );
    check(
        StatusKind::Confirmed,
        Actor::Restaurant(RESTAURANT),
        OrderAction::StartPreparing,
        true,
    );
    check(
        StatusKind::Preparing,
        Actor::Restaurant(RESTAURANT),
        OrderAction::MarkReady,
        true,
    );
    check(
        StatusKind::Preparing,
        Actor::Restaurant(OTHER_RESTAURANT),
        OrderAction::MarkReady,
        false,
    );
    check(
        StatusKind::Preparing,
        Actor::Restaurant(RESTAURANT),
        RESTAURANT_CANCEL,
        true,
    );
    check(
        StatusKind::Preparing,
        Actor::Restaurant(RESTAURANT),
        CUSTOMER_CANCEL,
        false,
    );
    check(
        StatusKind::ReadyForPickup,
        Actor::Restaurant(RESTAURANT),
        OrderAction::PickUp,
        false,
    );
}

#[test]
fn courier_acts_on_assigned_orders_only() {
    check(
        StatusKind::ReadyForPickup,
        Actor::Courier(COURIER),
        OrderAction::PickUp,
        true,
    );
    check(
        StatusKind::ReadyForPickup,
        Actor::Courier(OTHER_COURIER),
        OrderAction::PickUp,
        false,
    );
    check(
        StatusKind::PickedUp,
        Actor::Courier(COURIER),
        OrderAction::Deliver,
        true,
    );
    check(
        StatusKind::PickedUp,
        Actor::Courier(OTHER_COURIER),
        OrderAction::Deliver,
        false,
    );
    check(
        StatusKind::Preparing,
        Actor::Courier(COURIER),
        OrderAction::MarkReady,
        false,
    );
    check(StatusKind::Preparing, Actor::Courier(COURIER), CUSTOMER_CANCEL, false);
    let drop = OrderAction::Unassign {
        reason: UnassignReason::CourierDropped,
    };
    check(StatusKind::Preparing, Actor::Courier(COURIER), drop, true);
    check(StatusKind::Preparing, Actor::Courier(OTHER_COURIER), drop, false);
    let offline = OrderAction::Unassign {
        reason: UnassignReason::CourierOffline,
    };
    check(StatusKind::Preparing, Actor::Courier(COURIER), offline, false);
}

#[test]
fn courier_answers_only_offers_made_to_them() {
    let mut order = order_in(StatusKind::Placed);
    let offer = OrderAction::Offer {
        courier: OTHER_COURIER,
        expires_at: mins(2),
    };
    run(&mut order, Actor::System, mins(1), offer);
    let before = order.clone();
    let r = try_run(&mut order, Actor::Courier(COURIER), mins(1), OrderAction::AcceptOffer);
    assert!(matches!(r, Err(OrderError::Forbidden { .. })), "{r:?}");
    assert_eq!(order, before);
    run(
        &mut order,
        Actor::Courier(OTHER_COURIER),
        mins(1),
        OrderAction::AcceptOffer,
    );
    assert_eq!(order.assignment().assigned_courier(), Some(OTHER_COURIER));
}

#[test]
fn admin_may_do_everything() {
    check(StatusKind::Placed, ADMIN, OrderAction::Reject, true);
    check(StatusKind::ReadyForPickup, ADMIN, OrderAction::PickUp, true);
    check(StatusKind::PickedUp, ADMIN, PLATFORM_CANCEL, true);
    check(StatusKind::Delivered, ADMIN, OrderAction::Complete, true);
    check(StatusKind::Preparing, ADMIN, CUSTOMER_CANCEL, true);
}

#[test]
fn system_does_timeouts_payments_dispatch_and_platform_cancels() {
    check(
        StatusKind::PendingPayment,
        Actor::System,
        OrderAction::AuthorizePayment,
        true,
    );
    check(
        StatusKind::PendingPayment,
        Actor::Customer(CUSTOMER),
        OrderAction::AuthorizePayment,
        false,
    );
    check(StatusKind::Delivered, Actor::System, OrderAction::Complete, true);
    check(
        StatusKind::Delivered,
        Actor::Courier(COURIER),
        OrderAction::Complete,
        false,
    );
    check(StatusKind::Preparing, Actor::System, PLATFORM_CANCEL, true);
    check(StatusKind::Preparing, Actor::System, CUSTOMER_CANCEL, false);
    check(StatusKind::Placed, Actor::System, OrderAction::Reject, false);
    let assign = OrderAction::Assign { courier: COURIER };
    check(StatusKind::Placed, Actor::System, assign, true);
    check(StatusKind::Placed, Actor::Restaurant(RESTAURANT), assign, false);
    check(StatusKind::Placed, Actor::Courier(COURIER), assign, false);
}
