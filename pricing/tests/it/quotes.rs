//! Quotes line by line, splits, and bad input.

use courier_core::ledger::PayoutSplit;
use courier_core::*;
use courier_pricing::*;

use crate::fixture::*;

fn plain(cart: &Cart) -> Quote {
    price(
        cart,
        &[],
        &PromoBook::new(),
        &SurgeBook::new(SurgeConfig::default()),
        &CustomerHistory::default(),
    )
    .unwrap()
}

#[test]
fn seed_000_commission_on_25_dollars_is_6_25() {
    assert_eq!(commission(usd(2500), DEFAULT_COMMISSION), usd(625));
    let q = plain(&cart(&[(2500, 1)]));
    let policy = SplitPolicy {
        commission: DEFAULT_COMMISSION,
        courier: CourierPay {
            per_delivery: usd(300),
            per_km: usd(0),
        },
    };
    let split = split_quote(&q, &policy).unwrap();
    assert_eq!(split.restaurant, usd(2500 - 625));
}

#[test]
fn every_line_is_named_and_sums_to_the_total() {
    let q = plain(&cart(&[(1250, 2), (399, 1)])); // $28.99
    assert_eq!(q.subtotal, usd(2899));
    assert_eq!(q.distance_m, 1_417);
    assert_eq!(q.delivery_fee_base, usd(199 + 71)); // 1.417 km x $0.50 = 70.85 -> 71
    assert_eq!(q.small_order_fee, usd(0));
    assert_eq!(q.service_fee, usd(435)); // 15% of 28.99 = 4.3485 -> 4.35
    // 8.63% of (28.99 + 2.70 + 4.35) = 3.110252 -> 3.11
    assert_eq!(q.tax, usd(311));
    let names: Vec<_> = q.lines().iter().map(|l| l.name.clone()).collect();
    assert_eq!(
        names,
        [
            "subtotal",
            "delivery_fee",
            "small_order_fee",
            "service_fee",
            "tax",
            "tip"
        ]
    );
    assert_eq!(q.total, usd(2899 + 270 + 435 + 311 + 300));
    assert_eq!(q.config_version, 1);
    assert_eq!(&*q.tax_jurisdiction, "San Francisco, CA");
}

#[test]
fn small_orders_pay_the_fee_and_the_service_fee_floor() {
    let q = plain(&cart(&[(550, 1)]));
    assert_eq!(q.small_order_fee, usd(200));
    assert_eq!(q.service_fee, usd(100)); // 15% of 5.50 = 0.83, floor $1.00
    let big = plain(&cart(&[(10_000, 1)]));
    assert_eq!(big.service_fee, usd(800)); // 15% of 100.00 = 15.00, ceiling $8.00
}

#[test]
fn price_lock_holds_for_the_ttl() {
    let q = plain(&cart(&[(1500, 1)]));
    assert!(q.is_valid_at(T0));
    assert!(q.is_valid_at(T0.plus(Duration::from_millis(599_999))));
    assert!(!q.is_valid_at(T0.plus(Duration::from_mins(10))));
}

#[test]
fn splits_sum_to_what_the_customer_pays_with_discounts_charged_to_their_funder() {
    let mut book = PromoBook::new();
    book.insert(Promotion {
        funded_by: FundedBy::Restaurant,
        stackable: true,
        ..promo("REST5", PromoKind::Flat(usd(500)))
    });
    book.insert(Promotion {
        stackable: true,
        ..promo("PLAT3", PromoKind::Flat(usd(300)))
    });
    let c = cart(&[(2500, 1)]);
    let surge = SurgeBook::new(SurgeConfig::default());
    let q = price(&c, &["REST5", "PLAT3"], &book, &surge, &CustomerHistory::default()).unwrap();
    let policy = SplitPolicy {
        commission: DEFAULT_COMMISSION,
        courier: CourierPay {
            per_delivery: usd(350),
            per_km: usd(40),
        },
    };
    let split: PayoutSplit = split_quote(&q, &policy).unwrap();
    assert_eq!(split.total().unwrap(), q.total);
    assert_eq!(split.restaurant, usd(2000 - 500)); // (25.00 - 5.00) less 25%
    assert_eq!(split.courier, usd(350 + 57 + 300)); // 1.417 km x 0.40 = 0.5668 -> 0.57, plus tip
    assert_eq!(split.tax, q.tax);
}

#[test]
fn guaranteed_minimum_is_settled_per_shift() {
    assert_eq!(
        guarantee_top_up(usd(4200), Duration::from_hours(4), usd(1500)),
        usd(1800)
    );
    assert_eq!(guarantee_top_up(usd(9000), Duration::from_hours(4), usd(1500)), usd(0));
    assert_eq!(guarantee_top_up(usd(0), Duration::from_mins(90), usd(1500)), usd(2250));
}

#[test]
fn bad_input_is_refused_naming_the_item_or_code() {
    let item = MenuItemId::new(9);
    let neg = Cart::new(
        Currency::Usd,
        vec![CartItem {
            item,
            unit_price: usd(-1),
            quantity: 1,
        }],
    );
    assert_eq!(neg.unwrap_err().to_string(), "item_9: unit price USD -0.01 is negative");
    let zero = Cart::new(
        Currency::Usd,
        vec![CartItem {
            item,
            unit_price: usd(100),
            quantity: 0,
        }],
    );
    assert_eq!(zero.unwrap_err().to_string(), "item_9: quantity 0 must be at least 1");
    let negq = Cart::new(
        Currency::Usd,
        vec![CartItem {
            item,
            unit_price: usd(100),
            quantity: -3,
        }],
    );
    assert!(matches!(negq, Err(PricingError::BadQuantity { quantity: -3, .. })));
    let mixed = Cart::new(
        Currency::Usd,
        vec![
            CartItem {
                item: MenuItemId::new(1),
                unit_price: usd(100),
                quantity: 1,
            },
            CartItem {
                item,
                unit_price: Money::new(100, Currency::Eur),
                quantity: 1,
            },
        ],
    );
    assert_eq!(
        mixed.unwrap_err().to_string(),
        "item_9: priced in EUR, the cart is in USD"
    );
    let unknown = CartItem::parse(item, 100, "ZZZ", 1);
    assert_eq!(unknown.unwrap_err().to_string(), "unknown currency \"ZZZ\"");
    assert_eq!(Cart::new(Currency::Usd, vec![]), Err(PricingError::EmptyCart));

    let mut book = PromoBook::new();
    book.insert(Promotion {
        valid_until: T0,
        ..promo("OLD", PromoKind::Flat(usd(100)))
    });
    let c = cart(&[(1500, 1)]);
    let surge = SurgeBook::new(SurgeConfig::default());
    let h = CustomerHistory::default();
    let expired = price(&c, &["OLD"], &book, &surge, &h).unwrap_err();
    assert!(
        matches!(&expired, PricingError::PromotionNotValidNow { code, .. } if code == "OLD"),
        "{expired}"
    );
    let nope = price(&c, &["NOPE"], &book, &surge, &h).unwrap_err();
    assert_eq!(nope.to_string(), "unknown promotion code \"NOPE\"");
}

#[test]
fn a_cart_in_another_currency_than_the_market_is_refused() {
    let eur = Cart::new(
        Currency::Eur,
        vec![CartItem {
            item: MenuItemId::new(1),
            unit_price: Money::new(1000, Currency::Eur),
            quantity: 1,
        }],
    )
    .unwrap();
    let err = price(
        &eur,
        &[],
        &PromoBook::new(),
        &SurgeBook::new(SurgeConfig::default()),
        &CustomerHistory::default(),
    );
    assert_eq!(
        err.unwrap_err().to_string(),
        "the cart is in EUR, this market prices in USD"
    );
}
