//! Criterion benches for courier-core's hot paths: the order lifecycle, money and the ledger.
//!
//! Run with `cargo bench --bench core`.

use std::hint::black_box;

use courier::core::ledger::{PaymentLedger, PayoutSplit};
use courier::core::order::*;
use courier::core::refund::{RefundContext, RefundPolicy};
use courier::core::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn usd(c: i64) -> Money {
    Money::new(c, Currency::Usd)
}

fn place(id: u64) -> PlaceOrder {
    PlaceOrder {
        order_id: OrderId::new(id),
        customer: CustomerId::new(1),
        restaurant: RestaurantId::new(1),
        pickup: GeoPoint::new(37.77, -122.42).expect("valid"),
        dropoff: GeoPoint::new(37.78, -122.41).expect("valid"),
        lines: vec![OrderLine {
            item: MenuItemId::new(1),
            quantity: 2,
            unit_price: usd(1250),
        }],
        charge: usd(2500),
        idempotency_key: IdempotencyKey::parse("bench").expect("valid"),
    }
}

/// Place an order and drive it through all ten lifecycle commands to Completed.
fn full_lifecycle(id: u64) -> Order {
    let (mut o, _) = Order::place(Actor::Customer(CustomerId::new(1)), Timestamp::EPOCH, place(id)).expect("placed");
    let r = Actor::Restaurant(RestaurantId::new(1));
    let c = Actor::Courier(CourierId::new(9));
    let steps = [
        (Actor::System, OrderAction::AuthorizePayment),
        (
            r,
            OrderAction::Accept {
                prep_estimate: Duration::from_mins(10),
            },
        ),
        (r, OrderAction::StartPreparing),
        (
            Actor::System,
            OrderAction::Assign {
                courier: CourierId::new(9),
            },
        ),
        (r, OrderAction::MarkReady),
        (c, OrderAction::PickUp),
        (c, OrderAction::Deliver),
        (Actor::System, OrderAction::Complete),
    ];
    for (i, (actor, action)) in steps.into_iter().enumerate() {
        let cmd = Command {
            actor,
            at: Timestamp::from_millis(i as i64 * 1_000),
            expected_version: o.version(),
            action,
        };
        o.execute(&cmd).expect("legal step");
    }
    o
}

fn lifecycle(c: &mut Criterion) {
    let mut g = c.benchmark_group("core/order");
    g.throughput(Throughput::Elements(1));
    g.bench_function("place_and_complete", |b| {
        let mut id = 0;
        b.iter(|| {
            id += 1;
            black_box(full_lifecycle(id))
        })
    });
    g.finish();
}

fn money(c: &mut Criterion) {
    let mut g = c.benchmark_group("core/money");
    g.throughput(Throughput::Elements(1));
    g.bench_function("mul_bps", |b| {
        b.iter(|| black_box(usd(black_box(2599))).mul_bps(black_box(BasisPoints::new(2_500))))
    });
    let policy = RefundPolicy::default();
    let ctx = RefundContext {
        charge: usd(2500),
        confirmed_at: Some(Timestamp::from_millis(30_000)),
        picked_up: false,
    };
    g.bench_function("refund_decide", |b| {
        b.iter(|| {
            policy.decide(
                black_box(ctx),
                Fault::Customer,
                black_box(Timestamp::from_millis(150_000)),
            )
        })
    });
    let split = PayoutSplit {
        restaurant: usd(1875),
        courier: usd(750),
        platform: usd(674),
        tax: usd(219),
    };
    g.bench_function("ledger_authorize_capture_settle", |b| {
        b.iter(|| {
            let mut l = PaymentLedger::new(Currency::Usd);
            l.authorize(usd(3518), Timestamp::EPOCH).expect("authorize");
            l.capture(usd(3518), Timestamp::EPOCH).expect("capture");
            l.settle(black_box(&split), Timestamp::EPOCH).expect("settle");
            black_box(l)
        })
    });
    g.finish();
}

criterion_group!(benches, lifecycle, money);
criterion_main!(benches);
