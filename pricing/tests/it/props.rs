//! Property tests for pricing (1,000 cases each unless `PROPTEST_CASES` asks for more).

use courier_core::*;
use courier_pricing::*;
use proptest::prelude::*;

use crate::fixture::*;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000u32)
        .max(1_000);
    ProptestConfig::with_cases(cases)
}

fn promotion(idx: usize) -> impl Strategy<Value = Promotion> {
    (
        prop_oneof![
            (0u32..=10_000).prop_map(|b| PromoKind::Percent(BasisPoints::new(b))),
            (0i64..5_000).prop_map(|c| PromoKind::Flat(usd(c))),
        ],
        0i64..3_000,
        prop::option::of(0i64..2_000),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(move |(kind, min, cap, stackable, restaurant)| Promotion {
            min_subtotal: usd(min),
            max_discount: cap.map(usd),
            stackable,
            funded_by: if restaurant {
                FundedBy::Restaurant
            } else {
                FundedBy::Platform
            },
            ..promo(&format!("P{idx}"), kind)
        })
}

/// Cart lines (price, qty), three promotions, a drop-off offset (deg), demand and supply.
type Market = (Vec<(i64, i64)>, Vec<Promotion>, (f64, f64), u32, u32);

fn market() -> impl Strategy<Value = Market> {
    (
        prop::collection::vec((0i64..5_000, 1i64..5), 1..8),
        (promotion(0), promotion(1), promotion(2)).prop_map(|(a, b, c)| vec![a, b, c]),
        (-0.05f64..0.05, -0.05f64..0.05),
        0u32..60,
        0u32..30,
    )
}

proptest! {
    #![proptest_config(config())]

    /// Totals equal the sum of lines; splits sum exactly to the charge; discounts
    /// are never negative, never above their cap, never more than the subtotal;
    /// quoting is deterministic.
    #[test]
    fn quotes_add_up_and_split_exactly((items, promos, (dlat, dlng), demand, supply) in market(), tip in 0i64..2_000) {
        let c = cart(&items);
        let mut book = PromoBook::new();
        let caps: Vec<_> = promos.iter().map(|p| (p.code.clone(), p.max_discount)).collect();
        promos.into_iter().for_each(|p| book.insert(p));
        let mut surge = SurgeBook::new(SurgeConfig::default());
        let cell = surge.cell_of(pickup()).unwrap();
        surge.observe(cell, demand, supply, T0);
        let dropoff = GeoPoint::new(37.7749 + dlat, -122.4194 + dlng).unwrap();
        let history = CustomerHistory::default();
        let req = QuoteRequest {
            customer: CustomerId::new(1), pickup: pickup(), pickup_cell: None, dropoff, cart: &c, tip: usd(tip),
            promo_codes: &["P0", "P1", "P2"], history: &history, now: T0,
        };
        let cfg = PricingConfig::example_usd();
        let q = quote(&cfg, &book, &surge, &req).unwrap();
        prop_assert_eq!(q.lines().iter().map(|l| l.amount.minor()).sum::<i64>(), q.total.minor());
        prop_assert_eq!(&quote(&cfg, &book, &surge, &req).unwrap(), &q);
        let known_cell = QuoteRequest { pickup_cell: Some(cell), ..req };
        prop_assert_eq!(&quote(&cfg, &book, &surge, &known_cell).unwrap(), &q, "a precomputed cell prices the same");
        let mut discounted = 0;
        for d in &q.discounts {
            prop_assert!(d.amount.minor() >= 0);
            let cap = caps.iter().find(|(c, _)| c == &d.code).and_then(|(_, cap)| *cap);
            if let Some(cap) = cap {
                prop_assert!(d.amount.minor() <= cap.minor());
            }
            discounted += d.amount.minor();
        }
        prop_assert!(discounted <= q.subtotal.minor());
        prop_assert!(q.lines().iter().filter(|l| !l.name.starts_with("discount:")).all(|l| l.amount.minor() >= 0));
        let policy = SplitPolicy { commission: DEFAULT_COMMISSION, courier: CourierPay { per_delivery: usd(350), per_km: usd(40) } };
        let split = split_quote(&q, &policy).unwrap();
        prop_assert_eq!(split.total().unwrap(), q.total);
        prop_assert!(split.restaurant.minor() >= 0 && split.courier.minor() >= 0 && split.tax.minor() >= 0);
    }

    /// With the same history, more demand never lowers the multiplier, and it stays in [1.0x, cap].
    #[test]
    fn surge_is_monotone_in_demand_and_bounded(
        history in prop::collection::vec((0u32..200, 0u32..100), 0..10),
        d1 in 0u32..500, d2 in 0u32..500, supply in 0u32..100,
        smoothing in 1u32..=10_000, hysteresis in 0u32..3_000, cap in 10_000u32..40_000,
    ) {
        let cfg = SurgeConfig { smoothing: BasisPoints::new(smoothing), hysteresis: BasisPoints::new(hysteresis), cap: BasisPoints::new(cap), ..SurgeConfig::default() };
        let mut a = SurgeBook::new(cfg);
        let cell = a.cell_of(pickup()).unwrap();
        for (i, &(d, s)) in history.iter().enumerate() {
            a.observe(cell, d, s, T0.plus(Duration::from_secs(i as u64)));
        }
        let mut b = a.clone();
        let (lo, hi) = (d1.min(d2), d1.max(d2));
        let m_lo = a.observe(cell, lo, supply, T0);
        let m_hi = b.observe(cell, hi, supply, T0);
        prop_assert!(m_lo <= m_hi, "{:?} > {:?}", m_lo, m_hi);
        for m in [m_lo, m_hi] {
            prop_assert!(m >= NO_SURGE && m.get() <= cap);
        }
    }
}
