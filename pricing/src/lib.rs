//! courier-pricing: quotes, fees and splits (being built out).
//!
//! Today: the seed 000 commission on a subtotal.

use courier_core::{BasisPoints, Money};

/// The default platform commission: 25% of the food subtotal (seed 000).
pub const DEFAULT_COMMISSION: BasisPoints = BasisPoints::new(2_500);

/// The platform's commission on `subtotal` at `rate`, rounded by core's rule.
///
/// ```
/// use courier_core::{Money, Currency};
/// let c = courier_pricing::commission(Money::new(2500, Currency::Usd), courier_pricing::DEFAULT_COMMISSION);
/// assert_eq!(c, Money::new(625, Currency::Usd));
/// ```
pub fn commission(subtotal: Money, rate: BasisPoints) -> Money {
    subtotal.mul_bps(rate)
}
