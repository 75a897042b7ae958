//! Fee and tax schedules: the data a market configures, versioned.

use std::sync::Arc;

use courier_core::{BasisPoints, Currency, Duration, Money};

/// Delivery fee: a base plus a rate per kilometre of restaurant-to-customer distance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryFee {
    /// Charged on every order.
    pub base: Money,
    /// Charged per kilometre (pro rata per metre, rounded once).
    pub per_km: Money,
}

/// `per_km` over `distance_m` metres, rounded once by core's rule. Every
/// per-distance amount (delivery fee, courier distance pay) goes through here.
///
/// ```
/// use courier_core::{Money, Currency};
/// // 1.417 km at $0.50/km = $0.7085 -> $0.71
/// assert_eq!(courier_pricing::per_km_amount(Money::new(50, Currency::Usd), 1_417), Money::new(71, Currency::Usd));
/// ```
pub fn per_km_amount(per_km: Money, distance_m: u32) -> Money {
    per_km.mul_div(i64::from(distance_m), 1_000)
}

/// A fee added when the food subtotal is under a minimum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SmallOrderFee {
    /// Subtotals strictly below this pay the fee.
    pub below: Money,
    /// The fee.
    pub fee: Money,
}

/// A percentage service fee, clamped to `[min, max]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceFee {
    /// Rate on the food subtotal after discounts.
    pub rate: BasisPoints,
    /// Floor.
    pub min: Money,
    /// Ceiling.
    pub max: Money,
}

/// A jurisdiction's sales tax: a rate and which lines it applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxRule {
    /// Name of the jurisdiction, shown on the quote (e.g. `"San Francisco, CA"`).
    pub jurisdiction: Arc<str>,
    /// The rate.
    pub rate: BasisPoints,
    /// Food (after discounts) is taxable.
    pub food: bool,
    /// The delivery fee (after surge) is taxable.
    pub delivery_fee: bool,
    /// Service and small-order fees are taxable.
    pub service_fees: bool,
}

/// Everything a quote is priced with. Bump `version` on every change: quotes carry it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PricingConfig {
    /// Version of this configuration, carried by every quote (price lock).
    pub version: u64,
    /// The market's currency.
    pub currency: Currency,
    /// Delivery fee schedule.
    pub delivery: DeliveryFee,
    /// Small-order fee.
    pub small_order: SmallOrderFee,
    /// Service fee.
    pub service: ServiceFee,
    /// Tax.
    pub tax: TaxRule,
    /// How long a quote's prices are locked.
    pub quote_ttl: Duration,
}

impl PricingConfig {
    /// A typical US market: $1.99 + $0.50/km delivery, $2.00 under $10.00,
    /// 15% service fee in [$1.00, $8.00], 8.625% tax on food and fees, quotes locked 10 min.
    pub fn example_usd() -> PricingConfig {
        let usd = |c| Money::new(c, Currency::Usd);
        PricingConfig {
            version: 1,
            currency: Currency::Usd,
            delivery: DeliveryFee {
                base: usd(199),
                per_km: usd(50),
            },
            small_order: SmallOrderFee {
                below: usd(1000),
                fee: usd(200),
            },
            service: ServiceFee {
                rate: BasisPoints::new(1_500),
                min: usd(100),
                max: usd(800),
            },
            tax: TaxRule {
                jurisdiction: "San Francisco, CA".into(),
                rate: BasisPoints::new(863),
                food: true,
                delivery_fee: true,
                service_fees: true,
            },
            quote_ttl: Duration::from_mins(10),
        }
    }
}
