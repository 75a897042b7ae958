//! Payout splits of a quote, and the courier's guaranteed minimum per shift.

use courier_core::ledger::{PayoutSplit, SplitRule};
use courier_core::{BasisPoints, Duration, Money};

use crate::error::PricingError;
use crate::fees::per_km_amount;
use crate::quote::Quote;

/// The default platform commission: 25% of the food subtotal (seed 000).
pub const DEFAULT_COMMISSION: BasisPoints = BasisPoints::new(2_500);

/// What the platform pays a courier per delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CourierPay {
    /// Paid per delivery.
    pub per_delivery: Money,
    /// Paid per kilometre from restaurant to customer.
    pub per_km: Money,
}

/// How a quote's money is divided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitPolicy {
    /// Commission on the food the restaurant sells (after its own promotions).
    pub commission: BasisPoints,
    /// Courier pay, before the tip (all of which goes to the courier).
    pub courier: CourierPay,
}

/// The platform's commission on `subtotal` at `rate`, rounded by core's rule.
///
/// ```
/// use courier_core::{Money, Currency};
/// let c = courier_pricing::commission(Money::new(2500, Currency::Usd), courier_pricing::DEFAULT_COMMISSION);
/// assert_eq!(c, Money::new(625, Currency::Usd)); // seed 000: 25% of $25.00
/// ```
pub fn commission(subtotal: Money, rate: BasisPoints) -> Money {
    subtotal.mul_bps(rate)
}

/// Splits what the customer pays for `quote`: restaurant = food after its own
/// promotions minus commission; courier = per-delivery + distance pay + tip;
/// tax = tax; platform = the rest (it absorbs platform-funded discounts).
/// The four parts always sum to `quote.total`.
pub fn split_quote(quote: &Quote, policy: &SplitPolicy) -> Result<PayoutSplit, PricingError> {
    let distance_pay = per_km_amount(policy.courier.per_km, quote.distance_m);
    let rule = SplitRule {
        commission: policy.commission,
        courier_delivery_pay: policy.courier.per_delivery.checked_add(distance_pay)?,
    };
    Ok(PayoutSplit::from_rule(&rule, &quote.charge_breakdown()?)?)
}

/// What the platform owes a courier on top of `earned` to meet a guaranteed
/// minimum of `per_hour` over a shift of `shift` (zero if earnings already meet it).
///
/// ```
/// use courier_core::{Money, Currency, Duration};
/// let usd = |c| Money::new(c, Currency::Usd);
/// // 4 hours at $15.00/h guaranteed, $42.00 earned: $18.00 top-up.
/// assert_eq!(courier_pricing::guarantee_top_up(usd(4200), Duration::from_hours(4), usd(1500)), usd(1800));
/// ```
pub fn guarantee_top_up(earned: Money, shift: Duration, per_hour: Money) -> Money {
    let ms = i64::try_from(shift.as_millis()).unwrap_or(i64::MAX);
    let owed = per_hour.mul_div(ms, 3_600_000);
    Money::new((owed.minor() - earned.minor()).max(0), earned.currency())
}
