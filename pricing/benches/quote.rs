//! Criterion bench: a full quote for a 5-item cart with one promotion and surge.
//!
//! Run with `cargo bench -p courier-pricing`.

use std::hint::black_box;

use courier_core::*;
use courier_pricing::*;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn usd(c: i64) -> Money {
    Money::new(c, Currency::Usd)
}

fn bench_quote(c: &mut Criterion) {
    let config = PricingConfig::example_usd();
    let items = (1..=5u64)
        .map(|i| CartItem {
            item: MenuItemId::new(i),
            unit_price: usd(399 + 250 * i as i64),
            quantity: 1 + (i as i64 % 2),
        })
        .collect();
    let cart = Cart::new(Currency::Usd, items).expect("valid cart");
    let mut promos = PromoBook::new();
    promos.insert(Promotion {
        code: "DINNER20".into(),
        kind: PromoKind::Percent(BasisPoints::new(2_000)),
        min_subtotal: usd(1_500),
        max_discount: Some(usd(800)),
        first_order_only: false,
        valid_from: Timestamp::EPOCH,
        valid_until: Timestamp::from_millis(i64::MAX),
        per_customer_limit: Some(3),
        stackable: false,
        funded_by: FundedBy::Platform,
    });
    let pickup = GeoPoint::new(37.7749, -122.4194).expect("valid");
    let dropoff = GeoPoint::new(37.7849, -122.4094).expect("valid");
    let mut surge = SurgeBook::new(SurgeConfig::default());
    if let Some(cell) = surge.cell_of(pickup) {
        surge.observe(cell, 25, 10, Timestamp::EPOCH);
    }
    let history = CustomerHistory {
        completed_orders: 4,
        promo_uses: vec![("DINNER20".into(), 1)],
    };
    let pickup_cell = surge.cell_of(pickup);
    let codes = ["DINNER20"];
    let request = |pickup_cell: Option<CellIndex>| QuoteRequest {
        customer: CustomerId::new(7),
        pickup,
        pickup_cell,
        dropoff,
        cart: &cart,
        tip: usd(300),
        promo_codes: &codes,
        history: &history,
        now: Timestamp::from_millis(1_000),
    };
    let policy = SplitPolicy {
        commission: DEFAULT_COMMISSION,
        courier: CourierPay {
            per_delivery: usd(350),
            per_km: usd(40),
        },
    };
    let mut g = c.benchmark_group("pricing");
    g.throughput(Throughput::Elements(1));
    g.bench_function("quote_5_items_1_promo_surge", |b| {
        b.iter(|| black_box(quote(&config, &promos, &surge, &black_box(request(None))).expect("priced")))
    });
    g.bench_function("quote_5_items_1_promo_surge_cell_known", |b| {
        b.iter(|| black_box(quote(&config, &promos, &surge, &black_box(request(pickup_cell))).expect("priced")))
    });
    g.bench_function("quote_and_split", |b| {
        b.iter(|| {
            let q = quote(&config, &promos, &surge, &black_box(request(pickup_cell))).expect("priced");
            black_box(split_quote(&q, &policy).expect("split"))
        })
    });
    g.finish();
}

criterion_group!(benches, bench_quote);
criterion_main!(benches);
