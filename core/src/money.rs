//! Money in integer minor units with a currency, basis-point rates and the one rounding rule.
//!
//! # Rounding
//! Every percentage in Courier (commission, service fee, tax, refund share,
//! discount) is computed with [`Money::mul_bps`]: the exact product
//! `amount * bps / 10_000` is formed in 128-bit integers and rounded **half
//! away from zero** to the nearest minor unit. Nothing is rounded twice and no
//! float is ever involved. When an amount must be divided into parts that
//! sum back exactly (payout splits, pro-rata captures), use
//! [`allocate_largest_remainder`], which hands the leftover minor units to the
//! parts with the largest remainders, ties to the earlier part.

use std::fmt;
use std::str::FromStr;

/// An ISO 4217 currency Courier knows, with its number of minor-unit digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Currency {
    /// US dollar (2 digits).
    Usd,
    /// Euro (2 digits).
    Eur,
    /// Pound sterling (2 digits).
    Gbp,
    /// Canadian dollar (2 digits).
    Cad,
    /// Australian dollar (2 digits).
    Aud,
    /// Swiss franc (2 digits).
    Chf,
    /// Indian rupee (2 digits).
    Inr,
    /// Brazilian real (2 digits).
    Brl,
    /// Mexican peso (2 digits).
    Mxn,
    /// Japanese yen (0 digits).
    Jpy,
}

impl Currency {
    /// Every supported currency.
    pub const ALL: [Currency; 10] = [
        Currency::Usd,
        Currency::Eur,
        Currency::Gbp,
        Currency::Cad,
        Currency::Aud,
        Currency::Chf,
        Currency::Inr,
        Currency::Brl,
        Currency::Mxn,
        Currency::Jpy,
    ];

    /// The ISO 4217 code, e.g. `"USD"`.
    pub const fn code(self) -> &'static str {
        match self {
            Currency::Usd => "USD",
            Currency::Eur => "EUR",
            Currency::Gbp => "GBP",
            Currency::Cad => "CAD",
            Currency::Aud => "AUD",
            Currency::Chf => "CHF",
            Currency::Inr => "INR",
            Currency::Brl => "BRL",
            Currency::Mxn => "MXN",
            Currency::Jpy => "JPY",
        }
    }

    /// Number of digits after the decimal point (2 for USD, 0 for JPY).
    pub const fn minor_digits(self) -> u32 {
        match self {
            Currency::Jpy => 0,
            _ => 2,
        }
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A currency code Courier does not support.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown currency {code:?}")]
pub struct UnknownCurrency {
    /// The code that was given.
    pub code: String,
}

impl FromStr for Currency {
    type Err = UnknownCurrency;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::ALL
            .into_iter()
            .find(|c| c.code() == s)
            .ok_or_else(|| UnknownCurrency { code: s.to_owned() })
    }
}

/// Why a money operation was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// Two amounts in different currencies were combined.
    #[error("currency mismatch: {left} and {right}")]
    CurrencyMismatch {
        /// Currency of the left operand.
        left: Currency,
        /// Currency of the right operand.
        right: Currency,
    },
    /// The result does not fit in an `i64` of minor units.
    #[error("amount overflow")]
    Overflow,
    /// An amount was to be split over parts that are all zero.
    #[error("cannot split {0} over parts that are all zero")]
    NothingToSplitOver(Money),
    /// A negative amount was given where only zero or more is meaningful.
    #[error("amount {0} is negative")]
    Negative(Money),
}

/// An amount of money: signed integer minor units (cents) and a currency.
///
/// ```
/// use courier_core::{Money, Currency, BasisPoints};
/// let order = Money::new(2500, Currency::Usd);
/// assert_eq!(order.to_string(), "USD 25.00");
/// assert_eq!(order.mul_bps(BasisPoints::new(2500)), Money::new(625, Currency::Usd));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount of `minor` units (cents for USD) in `currency`.
    pub const fn new(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Zero in `currency`.
    pub const fn zero(currency: Currency) -> Self {
        Self::new(0, currency)
    }

    /// A non-negative amount, or [`MoneyError::Negative`].
    pub fn non_negative(minor: i64, currency: Currency) -> Result<Self, MoneyError> {
        let m = Self::new(minor, currency);
        if minor < 0 { Err(MoneyError::Negative(m)) } else { Ok(m) }
    }

    /// The amount in minor units.
    pub const fn minor(self) -> i64 {
        self.minor
    }

    /// The currency.
    pub const fn currency(self) -> Currency {
        self.currency
    }

    /// True when the amount is zero.
    pub const fn is_zero(self) -> bool {
        self.minor == 0
    }

    /// True when the amount is below zero.
    pub const fn is_negative(self) -> bool {
        self.minor < 0
    }

    fn same_currency(self, other: Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`, refusing mixed currencies and overflow.
    pub fn checked_add(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_add(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self - other`, refusing mixed currencies and overflow.
    pub fn checked_sub(self, other: Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self.minor.checked_sub(other.minor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `self * factor` (e.g. a unit price times a quantity), refusing overflow.
    pub fn checked_mul(self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// `-self`, refusing overflow.
    pub fn checked_neg(self) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_neg().ok_or(MoneyError::Overflow)?;
        Ok(Money::new(minor, self.currency))
    }

    /// The smaller of two amounts of the same currency (the first on mismatch).
    pub fn min(self, other: Money) -> Money {
        if self.currency == other.currency && other.minor < self.minor {
            other
        } else {
            self
        }
    }

    /// `self * bps / 10_000`, rounded half away from zero (the module's rule).
    ///
    /// Never overflows: the product is formed in `i128` and the result of a
    /// rate up to 100% always fits; larger rates saturate at `i64` bounds.
    pub fn mul_bps(self, bps: BasisPoints) -> Money {
        Money::new(
            mul_div_round_half_away(self.minor, i64::from(bps.get()), 10_000),
            self.currency,
        )
    }

    /// `self * num / den` (e.g. a per-km fee times metres over 1,000), rounded half
    /// away from zero like every percentage. `den` must be positive; saturates.
    ///
    /// ```
    /// use courier_core::{Money, Currency};
    /// // 0.80 per km over 2,345 m = 1.876 -> 1.88
    /// assert_eq!(Money::new(80, Currency::Usd).mul_div(2_345, 1_000), Money::new(188, Currency::Usd));
    /// ```
    pub fn mul_div(self, num: i64, den: i64) -> Money {
        Money::new(mul_div_round_half_away(self.minor, num, den.max(1)), self.currency)
    }

    /// Sums amounts, all in `currency`.
    pub fn sum<I: IntoIterator<Item = Money>>(currency: Currency, items: I) -> Result<Money, MoneyError> {
        items.into_iter().try_fold(Money::zero(currency), Money::checked_add)
    }
}

/// `value * num / den` in `i128`, rounded half away from zero, saturating to `i64`.
pub(crate) fn mul_div_round_half_away(value: i64, num: i64, den: i64) -> i64 {
    debug_assert!(den > 0);
    let p = i128::from(value) * i128::from(num);
    let d = i128::from(den);
    let q = p / d;
    let r = p % d;
    let rounded = if 2 * r.abs() >= d { q + p.signum() } else { q };
    i64::try_from(rounded).unwrap_or(if rounded < 0 { i64::MIN } else { i64::MAX })
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.currency.minor_digits();
        let sign = if self.minor < 0 { "-" } else { "" };
        let abs = self.minor.unsigned_abs();
        if digits == 0 {
            return write!(f, "{} {sign}{abs}", self.currency);
        }
        let scale = 10u64.pow(digits);
        write!(
            f,
            "{} {sign}{}.{:0width$}",
            self.currency,
            abs / scale,
            abs % scale,
            width = digits as usize
        )
    }
}

/// A rate in basis points: 1 bp = 0.01%, 10,000 bp = 100%.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct BasisPoints(u32);

impl BasisPoints {
    /// 0%.
    pub const ZERO: BasisPoints = BasisPoints(0);
    /// 100%.
    pub const FULL: BasisPoints = BasisPoints(10_000);

    /// A rate of `bps` basis points.
    pub const fn new(bps: u32) -> Self {
        Self(bps)
    }

    /// The rate in basis points.
    pub const fn get(self) -> u32 {
        self.0
    }

    /// True when the rate is at most 100%.
    pub const fn is_at_most_full(self) -> bool {
        self.0 <= 10_000
    }
}

impl fmt::Display for BasisPoints {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:02}%", self.0 / 100, self.0 % 100)
    }
}

/// Divides `total` into parts proportional to `weights`, summing exactly to `total`.
///
/// Each part gets `floor(total * w / sum(w))`; the leftover minor units go one
/// each to the parts with the largest remainders (ties: earlier part first).
/// Returns `None` when every weight is zero or `total` is negative.
///
/// ```
/// use courier_core::money::allocate_largest_remainder;
/// assert_eq!(allocate_largest_remainder(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
/// ```
pub fn allocate_largest_remainder(total: i64, weights: &[u64]) -> Option<Vec<i64>> {
    let weight_sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if weight_sum == 0 || total < 0 {
        return None;
    }
    let total_u = total.unsigned_abs() as u128;
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: u128 = 0;
    for (idx, &w) in weights.iter().enumerate() {
        let exact = total_u * u128::from(w);
        let part = exact / weight_sum;
        given += part;
        parts.push(part);
        remainders.push((exact % weight_sum, idx));
    }
    // Largest remainder first; ties resolved by position so the result is deterministic.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let leftover = total_u - given;
    for &(_, idx) in remainders.iter().take(leftover as usize) {
        parts[idx] += 1;
    }
    parts.into_iter().map(|p| i64::try_from(p).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn usd(minor: i64) -> Money {
        Money::new(minor, Currency::Usd)
    }

    #[test]
    fn mul_bps_rounds_half_away_from_zero() {
        let half = BasisPoints::new(5_000);
        assert_eq!(usd(1).mul_bps(half), usd(1)); // 0.5 -> 1
        assert_eq!(usd(-1).mul_bps(half), usd(-1)); // -0.5 -> -1
        assert_eq!(usd(3).mul_bps(BasisPoints::new(3_333)), usd(1)); // 0.9999 -> 1
        assert_eq!(usd(2500).mul_bps(BasisPoints::new(2_500)), usd(625)); // seed 000: 25% of $25
        assert_eq!(usd(i64::MAX).mul_bps(BasisPoints::FULL), usd(i64::MAX));
    }

    #[test]
    fn mixed_currencies_are_refused() {
        let err = usd(1).checked_add(Money::new(1, Currency::Eur));
        assert_eq!(
            err,
            Err(MoneyError::CurrencyMismatch {
                left: Currency::Usd,
                right: Currency::Eur
            })
        );
    }

    #[test]
    fn overflow_is_refused() {
        assert_eq!(usd(i64::MAX).checked_add(usd(1)), Err(MoneyError::Overflow));
        assert_eq!(usd(i64::MIN).checked_neg(), Err(MoneyError::Overflow));
    }

    #[test]
    fn display_uses_minor_digits() {
        assert_eq!(usd(-105).to_string(), "USD -1.05");
        assert_eq!(Money::new(500, Currency::Jpy).to_string(), "JPY 500");
    }

    #[test]
    fn currency_parse_names_unknown_code() {
        assert_eq!("EUR".parse::<Currency>(), Ok(Currency::Eur));
        let err = "XYZ".parse::<Currency>().map_err(|e| e.to_string());
        assert_eq!(err, Err("unknown currency \"XYZ\"".to_owned()));
    }

    #[test]
    fn allocation_sums_exactly() {
        assert_eq!(allocate_largest_remainder(10, &[1, 2]), Some(vec![3, 7]));
        assert_eq!(allocate_largest_remainder(5, &[0, 0]), None);
        assert_eq!(allocate_largest_remainder(0, &[3, 4]), Some(vec![0, 0]));
    }
}
