//! Shared fixtures: a market, a cart, a request.

use courier_core::*;
use courier_pricing::*;

pub(crate) fn usd(c: i64) -> Money {
    Money::new(c, Currency::Usd)
}

pub(crate) const T0: Timestamp = Timestamp::from_millis(1_000_000);

pub(crate) fn pickup() -> GeoPoint {
    GeoPoint::new(37.7749, -122.4194).unwrap()
}

/// 1,417 m from `pickup`.
pub(crate) fn dropoff() -> GeoPoint {
    GeoPoint::new(37.7849, -122.4094).unwrap()
}

pub(crate) fn cart(prices_qty: &[(i64, i64)]) -> Cart {
    let items = prices_qty
        .iter()
        .enumerate()
        .map(|(i, &(p, q))| CartItem {
            item: MenuItemId::new(i as u64 + 1),
            unit_price: usd(p),
            quantity: q,
        })
        .collect();
    Cart::new(Currency::Usd, items).unwrap()
}

pub(crate) fn promo(code: &str, kind: PromoKind) -> Promotion {
    Promotion {
        code: code.into(),
        kind,
        min_subtotal: usd(0),
        max_discount: None,
        first_order_only: false,
        valid_from: Timestamp::EPOCH,
        valid_until: Timestamp::from_millis(i64::MAX),
        per_customer_limit: None,
        stackable: false,
        funded_by: FundedBy::Platform,
    }
}

/// Prices `cart` with `codes` under the example market and `surge`.
pub(crate) fn price(
    cart: &Cart,
    codes: &[&str],
    book: &PromoBook,
    surge: &SurgeBook,
    history: &CustomerHistory,
) -> Result<Quote, PricingError> {
    let req = QuoteRequest {
        customer: CustomerId::new(7),
        pickup: pickup(),
        pickup_cell: None,
        dropoff: dropoff(),
        cart,
        tip: usd(300),
        promo_codes: codes,
        history,
        now: T0,
    };
    quote(&PricingConfig::example_usd(), book, surge, &req)
}
