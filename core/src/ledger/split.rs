//! How captured money is divided among restaurant, courier, platform and tax.

use crate::money::{BasisPoints, Currency, Money, MoneyError, allocate_largest_remainder};

/// Who gets what of a captured amount. Always sums exactly to that amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PayoutSplit {
    /// Restaurant payout (subtotal minus commission).
    pub restaurant: Money,
    /// Courier earnings (delivery pay plus tip).
    pub courier: Money,
    /// Platform revenue (commission plus fees, minus what it pays the courier).
    /// May be negative when the platform subsidises an order.
    pub platform: Money,
    /// Tax collected for the authority.
    pub tax: Money,
}

/// The parts of a customer's charge, as a pricing quote lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChargeBreakdown {
    /// Food subtotal (after restaurant-funded discounts).
    pub subtotal: Money,
    /// Everything the platform charges on top: delivery, service, small-order fees,
    /// net of platform-funded discounts.
    pub platform_fees: Money,
    /// Tax.
    pub tax: Money,
    /// Tip, all of it for the courier.
    pub tip: Money,
}

impl ChargeBreakdown {
    /// What the customer pays in total.
    pub fn total(&self) -> Result<Money, MoneyError> {
        Money::sum(
            self.subtotal.currency(),
            [self.subtotal, self.platform_fees, self.tax, self.tip],
        )
    }
}

/// The default split rule: commission on the subtotal, a fixed courier pay per delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SplitRule {
    /// Platform commission on the food subtotal (25% by default, seed 000).
    pub commission: BasisPoints,
    /// What the platform pays the courier for the delivery, before the tip.
    pub courier_delivery_pay: Money,
}

impl PayoutSplit {
    /// The sum of the four parts.
    pub fn total(&self) -> Result<Money, MoneyError> {
        Money::sum(
            self.restaurant.currency(),
            [self.restaurant, self.courier, self.platform, self.tax],
        )
    }

    /// Applies `rule` to a charge: restaurant = subtotal - commission, courier =
    /// pay + tip, tax = tax, platform = the rest. Sums exactly to `charge.total()`.
    ///
    /// ```
    /// use courier_core::ledger::{PayoutSplit, SplitRule, ChargeBreakdown};
    /// use courier_core::{Money, Currency, BasisPoints};
    /// let usd = |c| Money::new(c, Currency::Usd);
    /// let charge = ChargeBreakdown { subtotal: usd(2500), platform_fees: usd(499), tax: usd(219), tip: usd(300) };
    /// let rule = SplitRule { commission: BasisPoints::new(2500), courier_delivery_pay: usd(450) };
    /// let split = PayoutSplit::from_rule(&rule, &charge)?;
    /// assert_eq!(split.restaurant, usd(1875)); // $25.00 - 25% ($6.25)
    /// assert_eq!(split.courier, usd(750));
    /// assert_eq!(split.total()?, charge.total()?);
    /// # Ok::<(), courier_core::MoneyError>(())
    /// ```
    pub fn from_rule(rule: &SplitRule, charge: &ChargeBreakdown) -> Result<PayoutSplit, MoneyError> {
        let total = charge.total()?;
        let commission = charge.subtotal.mul_bps(rule.commission);
        let restaurant = charge.subtotal.checked_sub(commission)?;
        let courier = rule.courier_delivery_pay.checked_add(charge.tip)?;
        let platform = total
            .checked_sub(restaurant)?
            .checked_sub(courier)?
            .checked_sub(charge.tax)?;
        Ok(PayoutSplit {
            restaurant,
            courier,
            platform,
            tax: charge.tax,
        })
    }

    /// Scales the split to `amount` (e.g. the non-refunded part of a cancelled
    /// order), keeping the proportions and summing exactly to `amount`.
    ///
    /// Fails if any part is negative (a subsidised split cannot be scaled
    /// proportionally) or the full split sums to zero.
    pub fn pro_rata(&self, amount: Money) -> Result<PayoutSplit, MoneyError> {
        let currency: Currency = amount.currency();
        let parts = [self.restaurant, self.courier, self.platform, self.tax];
        let mut weights = [0u64; 4];
        for (w, part) in weights.iter_mut().zip(parts) {
            if part.currency() != currency {
                return Err(MoneyError::CurrencyMismatch {
                    left: currency,
                    right: part.currency(),
                });
            }
            *w = u64::try_from(part.minor()).map_err(|_| MoneyError::Negative(part))?;
        }
        if amount.is_negative() {
            return Err(MoneyError::Negative(amount));
        }
        let shares = if weights.iter().all(|&w| w == 0) {
            if amount.is_zero() {
                vec![0; 4]
            } else {
                return Err(MoneyError::NothingToSplitOver(amount));
            }
        } else {
            allocate_largest_remainder(amount.minor(), &weights).ok_or(MoneyError::Overflow)?
        };
        Ok(PayoutSplit {
            restaurant: Money::new(shares[0], currency),
            courier: Money::new(shares[1], currency),
            platform: Money::new(shares[2], currency),
            tax: Money::new(shares[3], currency),
        })
    }
}
