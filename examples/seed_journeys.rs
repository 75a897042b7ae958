//! The seed 000 journeys on the pure domain: an order placed, cooked, carried and
//! settled, and the cancellation edge case ($25.00, cancelled 2 minutes after
//! acceptance, $12.50 back). Prints each order's event trail and its books.
//!
//! Run with `cargo run --release --example seed_journeys`.

#![allow(clippy::print_stdout, reason = "an example reports what it did on stdout")]

use courier::core::ledger::{Account, ChargeBreakdown, PaymentLedger, PayoutSplit, SplitRule};
use courier::core::order::*;
use courier::core::refund::RefundPolicy;
use courier::core::*;

fn usd(cents: i64) -> Money {
    Money::new(cents, Currency::Usd)
}

fn at_secs(s: i64) -> Timestamp {
    Timestamp::from_millis(s * 1_000)
}

fn new_order(id: u64, key: &str) -> Result<(Order, OrderEvent), Box<dyn std::error::Error>> {
    let place = PlaceOrder {
        order_id: OrderId::new(id),
        customer: CustomerId::new(7),
        restaurant: RestaurantId::new(123),
        pickup: GeoPoint::new(37.7749, -122.4194)?,
        dropoff: GeoPoint::new(37.7849, -122.4094)?,
        lines: vec![OrderLine {
            item: MenuItemId::new(1),
            quantity: 2,
            unit_price: usd(1250),
        }],
        charge: usd(2500),
        idempotency_key: IdempotencyKey::parse(key)?,
    };
    Ok(Order::place(Actor::Customer(CustomerId::new(7)), at_secs(0), place)?)
}

fn step(order: &mut Order, actor: Actor, secs: i64, action: OrderAction) -> Result<OrderEvent, OrderError> {
    let event = order.execute(&Command {
        actor,
        at: at_secs(secs),
        expected_version: order.version(),
        action,
    })?;
    println!(
        "  v{:<2} {:>6}  {:<14} {}",
        event.version,
        Duration::from_millis(event.at.as_millis().unsigned_abs()).to_string(),
        event.actor.to_string(),
        event.kind.name()
    );
    Ok(event)
}

fn print_books(ledger: &PaymentLedger) {
    for account in Account::ALL {
        println!("  {:<18} {}", format!("{account:?}"), ledger.balance(account));
    }
    println!(
        "  customer net charge {} (balanced: {})",
        ledger.customer_net_charge(),
        ledger.is_balanced()
    );
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let restaurant = Actor::Restaurant(RestaurantId::new(123));
    let courier = Actor::Courier(CourierId::new(42));
    let cooking = OrderAction::Accept {
        prep_estimate: Duration::from_mins(15),
    };

    println!("Journey 1: customer orders, restaurant cooks, courier delivers");
    let (mut order, _) = new_order(1, "journey-1")?;
    let mut ledger = PaymentLedger::new(Currency::Usd);
    step(&mut order, Actor::System, 1, OrderAction::AuthorizePayment)?;
    ledger.authorize(order.charge(), at_secs(1))?;
    step(&mut order, restaurant, 30, cooking)?;
    step(&mut order, restaurant, 60, OrderAction::StartPreparing)?;
    let offer = OrderAction::Offer {
        courier: CourierId::new(42),
        expires_at: at_secs(630),
    };
    step(&mut order, Actor::System, 600, offer)?;
    step(&mut order, courier, 610, OrderAction::AcceptOffer)?;
    step(&mut order, restaurant, 930, OrderAction::MarkReady)?;
    step(&mut order, courier, 1_230, OrderAction::PickUp)?;
    step(&mut order, courier, 1_830, OrderAction::Deliver)?;
    ledger.capture(order.charge(), at_secs(1_830))?;
    let charge = ChargeBreakdown {
        subtotal: usd(2000),
        platform_fees: usd(300),
        tax: usd(200),
        tip: usd(0),
    };
    let rule = SplitRule {
        commission: BasisPoints::new(2_500),
        courier_delivery_pay: usd(450),
    };
    ledger.settle(&PayoutSplit::from_rule(&rule, &charge)?, at_secs(1_830))?;
    step(&mut order, Actor::System, 1_840, OrderAction::Complete)?;
    print_books(&ledger);

    println!("\nEdge case: cancelled by the customer 2 minutes after acceptance");
    let (mut order, _) = new_order(2, "edge-1")?;
    let mut ledger = PaymentLedger::new(Currency::Usd);
    step(&mut order, Actor::System, 0, OrderAction::AuthorizePayment)?;
    ledger.authorize(order.charge(), at_secs(0))?;
    step(&mut order, restaurant, 30, cooking)?;
    let cancel = OrderAction::Cancel {
        reason: CancelReason::CustomerRequest,
    };
    step(&mut order, Actor::Customer(CustomerId::new(7)), 150, cancel)?;
    let decision = RefundPolicy::default()
        .for_ended_order(&order)
        .ok_or("a cancelled order has a refund decision")?;
    ledger.capture(decision.retained, at_secs(150))?;
    ledger.release_remaining(at_secs(150))?;
    // No courier ever carried it: the retained part splits between restaurant, platform and tax.
    let no_delivery = SplitRule {
        courier_delivery_pay: usd(0),
        ..rule
    };
    let full = PayoutSplit::from_rule(&no_delivery, &charge)?;
    ledger.settle(&full.pro_rata(decision.retained)?, at_secs(150))?;
    println!(
        "  refund: {} ({:?}, {})",
        decision.refund, decision.rule, decision.share
    );
    print_books(&ledger);
    Ok(())
}
