//! The order lifecycle, case by case: happy path, deadlines, versions, offers, bad input.

use courier_core::ledger::{PaymentLedger, PayoutSplit};
use courier_core::order::*;
use courier_core::refund::{RefundPolicy, RefundRule};
use courier_core::*;
use expect_test::{Expect, expect};

use crate::fixture::*;

/// Renders an order's events, one line each, for snapshot comparison.
fn trace(events: &[OrderEvent]) -> String {
    events
        .iter()
        .map(|e| format!("v{} {} {} {:?}\n", e.version, e.at, e.actor, e.kind))
        .collect::<String>()
        .replace("Created(PlaceOrder", "Created(")
}

fn check_trace(events: &[OrderEvent], expect: Expect) {
    let text = trace(&events[1..]);
    expect.assert_eq(&text);
}

#[test]
fn seed_journey_happy_path_trace() {
    let (mut order, created) = Order::place(Actor::Customer(CUSTOMER), Timestamp::EPOCH, place_order(2500)).unwrap();
    let mut events = vec![created];
    let r = Actor::Restaurant(RESTAURANT);
    let c = Actor::Courier(COURIER);
    let prep = OrderAction::Accept {
        prep_estimate: Duration::from_mins(15),
    };
    let offer = OrderAction::Offer {
        courier: COURIER,
        expires_at: mins(3).plus(Duration::from_secs(30)),
    };
    for (actor, at, action) in [
        (Actor::System, mins(0), OrderAction::AuthorizePayment),
        (r, mins(1), prep),
        (r, mins(2), OrderAction::StartPreparing),
        (Actor::System, mins(3), offer),
        (c, mins(3), OrderAction::AcceptOffer),
        (r, mins(17), OrderAction::MarkReady),
        (c, mins(18), OrderAction::PickUp),
        (c, mins(30), OrderAction::Deliver),
        (Actor::System, mins(31), OrderAction::Complete),
    ] {
        events.push(run(&mut order, actor, at, action));
    }
    check_trace(
        &events,
        expect![[r#"
            v2 t=0ms system PaymentAuthorized { acceptance_deadline: Timestamp(300000) }
            v3 t=60000ms restaurant_1 Accepted { prep_estimate: Duration(900000) }
            v4 t=120000ms restaurant_1 PreparationStarted
            v5 t=180000ms system CourierOffered { courier: CourierId(1), expires_at: Timestamp(210000) }
            v6 t=180000ms courier_1 OfferAccepted { courier: CourierId(1) }
            v7 t=1020000ms restaurant_1 MarkedReady
            v8 t=1080000ms courier_1 PickedUp { courier: CourierId(1) }
            v9 t=1800000ms courier_1 Delivered { courier: CourierId(1) }
            v10 t=1860000ms system Completed
        "#]],
    );
    assert_eq!(order.status(), OrderStatus::Completed);
    assert_eq!(order.delivered_by(), Some(COURIER));
    assert_eq!(
        Order::replay(&events).as_ref(),
        Some(&order),
        "events rebuild the order"
    );
    let rec = order.assignment_history()[0];
    assert_eq!((rec.assigned, rec.outcome), (true, AssignmentOutcome::Delivered));
}

#[test]
fn restaurant_must_accept_within_five_minutes() {
    let mut order = order_in(StatusKind::Placed); // placed at 0:01, deadline 0:06
    assert_eq!(order.acceptance_deadline(), Some(mins(6)));
    let before = order.clone();
    let accept = OrderAction::Accept {
        prep_estimate: Duration::from_mins(10),
    };
    let late = try_run(&mut order, Actor::Restaurant(RESTAURANT), mins(6), accept);
    assert_eq!(late, Err(OrderError::AcceptanceDeadlinePassed { deadline: mins(6) }));
    assert_eq!(order, before);
    let early_expiry = try_run(
        &mut order,
        Actor::System,
        mins(6).minus(Duration::from_millis(1)),
        OrderAction::ExpireAcceptance,
    );
    assert!(
        matches!(early_expiry, Err(OrderError::NotYetDue { .. })),
        "{early_expiry:?}"
    );
    run(&mut order, Actor::System, mins(6), OrderAction::ExpireAcceptance);
    assert_eq!(
        order.status(),
        OrderStatus::Rejected {
            reason: RejectReason::AcceptanceTimeout
        }
    );
    let refund = RefundPolicy::default().for_ended_order(&order).unwrap();
    assert_eq!((refund.rule, refund.refund), (RefundRule::NotCustomersFault, usd(2500)));
}

#[test]
fn accept_just_before_deadline_succeeds() {
    let mut order = order_in(StatusKind::Placed);
    let accept = OrderAction::Accept {
        prep_estimate: Duration::from_mins(10),
    };
    run(
        &mut order,
        Actor::Restaurant(RESTAURANT),
        mins(6).minus(Duration::from_millis(1)),
        accept,
    );
    assert_eq!(order.status(), OrderStatus::Confirmed);
}

#[test]
fn stale_version_is_a_conflict_and_changes_nothing() {
    let mut order = order_in(StatusKind::Confirmed);
    let before = order.clone();
    let cmd = Command {
        actor: Actor::Restaurant(RESTAURANT),
        at: mins(3),
        expected_version: order.version() - 1,
        action: OrderAction::StartPreparing,
    };
    assert_eq!(
        order.execute(&cmd),
        Err(OrderError::VersionConflict {
            expected: before.version() - 1,
            actual: before.version()
        })
    );
    assert_eq!(order, before);
}

#[test]
fn invalid_transitions_are_typed_errors() {
    let mut order = order_in(StatusKind::Placed);
    let r = try_run(
        &mut order,
        Actor::Restaurant(RESTAURANT),
        mins(2),
        OrderAction::MarkReady,
    );
    assert_eq!(
        r,
        Err(OrderError::InvalidTransition {
            action: OrderAction::MarkReady,
            status: OrderStatus::Placed
        })
    );
    let mut done = order_in(StatusKind::Completed);
    let r = try_run(
        &mut done,
        ADMIN,
        mins(50),
        OrderAction::Cancel {
            reason: CancelReason::PlatformFailure,
        },
    );
    assert!(matches!(r, Err(OrderError::InvalidTransition { .. })), "{r:?}");
    let mut delivered = order_in(StatusKind::Delivered);
    let r = try_run(
        &mut delivered,
        Actor::Customer(CUSTOMER),
        mins(40),
        OrderAction::Cancel {
            reason: CancelReason::CustomerRequest,
        },
    );
    assert!(
        matches!(r, Err(OrderError::InvalidTransition { .. })),
        "nobody cancels a delivered order: {r:?}"
    );
}

#[test]
fn offer_cascade_records_declines_and_timeouts() {
    let mut order = order_in(StatusKind::Placed);
    let offer = |courier, at: Timestamp| OrderAction::Offer {
        courier,
        expires_at: at.plus(Duration::from_secs(30)),
    };
    run(&mut order, Actor::System, mins(2), offer(COURIER, mins(2)));
    let double = try_run(&mut order, Actor::System, mins(2), offer(OTHER_COURIER, mins(2)));
    assert!(
        matches!(double, Err(OrderError::AssignmentConflict { .. })),
        "{double:?}"
    );
    let early = try_run(
        &mut order,
        Actor::System,
        mins(2).plus(Duration::from_secs(29)),
        OrderAction::ExpireOffer,
    );
    assert!(matches!(early, Err(OrderError::NotYetDue { .. })));
    run(
        &mut order,
        Actor::System,
        mins(2).plus(Duration::from_secs(30)),
        OrderAction::ExpireOffer,
    );
    run(&mut order, Actor::System, mins(3), offer(OTHER_COURIER, mins(3)));
    let lapsed = try_run(
        &mut order,
        Actor::Courier(OTHER_COURIER),
        mins(4),
        OrderAction::AcceptOffer,
    );
    assert!(matches!(lapsed, Err(OrderError::OfferLapsed { .. })), "{lapsed:?}");
    run(
        &mut order,
        Actor::Courier(OTHER_COURIER),
        mins(3),
        OrderAction::DeclineOffer,
    );
    let outcomes: Vec<_> = order
        .assignment_history()
        .iter()
        .map(|r| (r.courier, r.outcome))
        .collect();
    assert_eq!(
        outcomes,
        vec![
            (COURIER, AssignmentOutcome::TimedOut),
            (OTHER_COURIER, AssignmentOutcome::Declined)
        ]
    );
    assert_eq!(order.assignment(), Assignment::Unassigned);
}

#[test]
fn reassignment_keeps_history() {
    let mut order = order_in(StatusKind::Preparing);
    run(
        &mut order,
        Actor::System,
        mins(5),
        OrderAction::Unassign {
            reason: UnassignReason::CourierOffline,
        },
    );
    run(
        &mut order,
        Actor::System,
        mins(5),
        OrderAction::Assign { courier: OTHER_COURIER },
    );
    let h = order.assignment_history();
    assert_eq!(h.len(), 2);
    assert_eq!(
        h[0].outcome,
        AssignmentOutcome::Unassigned(UnassignReason::CourierOffline)
    );
    assert_eq!(h[1].courier, OTHER_COURIER);
    let after_pickup = {
        let mut o = order_in(StatusKind::PickedUp);
        try_run(
            &mut o,
            ADMIN,
            mins(25),
            OrderAction::Unassign {
                reason: UnassignReason::Reassigned,
            },
        )
    };
    assert!(matches!(after_pickup, Err(OrderError::InvalidTransition { .. })));
}

#[test]
fn malformed_orders_are_refused_with_the_reason() {
    let customer = Actor::Customer(CUSTOMER);
    let mut p = place_order(2500);
    p.lines.clear();
    assert_eq!(
        Order::place(customer, Timestamp::EPOCH, p).err().map(|e| e.to_string()),
        Some("invalid order: an order needs at least one line".into())
    );
    let mut p = place_order(2500);
    p.lines[0].quantity = 0;
    assert_eq!(
        Order::place(customer, Timestamp::EPOCH, p).err().map(|e| e.to_string()),
        Some("invalid order: item_1: quantity must be at least 1".into())
    );
    let mut p = place_order(2500);
    p.lines[0].unit_price = Money::new(100, Currency::Eur);
    assert!(Order::place(customer, Timestamp::EPOCH, p).is_err());
    let mut p = place_order(2500);
    p.lines[0].unit_price = usd(-1);
    assert!(Order::place(customer, Timestamp::EPOCH, p).is_err());
    assert!(Order::place(customer, Timestamp::EPOCH, place_order(0)).is_err());
}

/// Seed 000 edge case end to end: $25.00, accepted at T+30s, cancelled by the
/// customer at T+2min -> $12.50 refunded, $12.50 captured and paid out pro rata.
#[test]
fn seed_000_cancellation_after_acceptance_refunds_half() {
    let t = |s: i64| Timestamp::from_millis(s * 1_000);
    let (mut order, _) = Order::place(Actor::Customer(CUSTOMER), t(0), place_order(2500)).unwrap();
    let mut ledger = PaymentLedger::new(Currency::Usd);
    run(&mut order, Actor::System, t(0), OrderAction::AuthorizePayment);
    ledger.authorize(order.charge(), t(0)).unwrap();
    run(
        &mut order,
        Actor::Restaurant(RESTAURANT),
        t(30),
        OrderAction::Accept {
            prep_estimate: Duration::from_mins(20),
        },
    );
    run(
        &mut order,
        Actor::Customer(CUSTOMER),
        t(120),
        OrderAction::Cancel {
            reason: CancelReason::CustomerRequest,
        },
    );
    let decision = RefundPolicy::default().for_ended_order(&order).unwrap();
    assert_eq!(decision.refund, usd(1250));
    ledger.capture(decision.retained, t(120)).unwrap();
    ledger.release_remaining(t(120)).unwrap();
    let full = PayoutSplit {
        restaurant: usd(1875),
        courier: usd(0),
        platform: usd(625),
        tax: usd(0),
    };
    ledger
        .settle(&full.pro_rata(decision.retained).unwrap(), t(120))
        .unwrap();
    assert_eq!(ledger.customer_net_charge(), usd(1250));
    assert!(ledger.is_balanced());
}

#[test]
fn an_order_out_of_bounds_is_never_created() {
    let refuse = |place: PlaceOrder| {
        let e = Order::place(Actor::Customer(CUSTOMER), Timestamp::EPOCH, place).unwrap_err();
        assert!(matches!(e, OrderError::InvalidOrder(_)), "{e}");
        e.to_string()
    };
    let mut huge = place_order(2500);
    huge.lines[0].quantity = u32::MAX;
    assert!(refuse(huge).contains("4294967295 is outside 1..=99"));
    let mut pricey = place_order(2500);
    pricey.lines[0].unit_price = usd(i64::MAX);
    assert!(refuse(pricey).contains("unit price"));
    let mut long = place_order(2500);
    long.lines = vec![long.lines[0].clone(); 51];
    assert!(refuse(long).contains("51 is outside 1..=50 lines"));
    let mut most = place_order(2500);
    most.lines = vec![most.lines[0].clone(); 50];
    most.lines[0].quantity = 99;
    assert!(
        Order::place(Actor::Customer(CUSTOMER), Timestamp::EPOCH, most).is_ok(),
        "the bounds themselves are allowed"
    );
}
