//! Sane bounds on what customers and restaurants may ask for: an order of
//! 4,294,967,295 portions or a dish priced at `i64::MAX` is a mistake or an
//! attack, never business. A value out of bounds is refused naming the
//! field and the bound, before anything is stored or authorized.

use crate::money::Money;

/// Most portions of one dish on an order line.
pub const MAX_QUANTITY: u32 = 99;
/// Most lines on one order.
pub const MAX_LINES: usize = 50;
/// Highest price of a dish, minor units ($10,000).
pub const MAX_PRICE_MINOR: i64 = 1_000_000;
/// Highest minimum order a restaurant may set, minor units ($1,000).
pub const MAX_MINIMUM_ORDER_MINOR: i64 = 100_000;
/// Highest tip, minor units ($500).
pub const MAX_TIP_MINOR: i64 = 50_000;
/// Longest name (restaurant, dish, cuisine), in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Default highest order total, minor units ($5,000); platforms may set
/// their own.
pub const DEFAULT_MAX_ORDER_TOTAL_MINOR: i64 = 500_000;
/// The longest preparation a kitchen may state or be given, minutes.
pub const MAX_PREP_MINUTES: u64 = 240;

/// A value outside its bounds.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {value} is outside {bound}")]
pub struct OutOfBounds {
    /// The field, as the caller named it (`items[2].quantity`).
    pub field: String,
    /// The value given.
    pub value: String,
    /// The bounds, in words (`1..=99`).
    pub bound: String,
}

impl OutOfBounds {
    fn new(field: impl Into<String>, value: impl ToString, bound: impl Into<String>) -> OutOfBounds {
        OutOfBounds {
            field: field.into(),
            value: value.to_string(),
            bound: bound.into(),
        }
    }
}

/// A line's quantity: 1 to [`MAX_QUANTITY`].
///
/// ```
/// use courier_core::bounds::quantity;
/// assert!(quantity("items[0].quantity", 2).is_ok());
/// let e = quantity("items[0].quantity", 4_294_967_295).unwrap_err();
/// assert_eq!(e.to_string(), "items[0].quantity: 4294967295 is outside 1..=99");
/// ```
///
/// # Errors
/// 0 or more than [`MAX_QUANTITY`].
pub fn quantity(field: &str, q: u32) -> Result<u32, OutOfBounds> {
    if (1..=MAX_QUANTITY).contains(&q) {
        Ok(q)
    } else {
        Err(OutOfBounds::new(field, q, format!("1..={MAX_QUANTITY}")))
    }
}

/// How many lines an order has: 1 to [`MAX_LINES`].
///
/// # Errors
/// None, or more than [`MAX_LINES`].
pub fn line_count(field: &str, n: usize) -> Result<usize, OutOfBounds> {
    if (1..=MAX_LINES).contains(&n) {
        Ok(n)
    } else {
        Err(OutOfBounds::new(field, n, format!("1..={MAX_LINES} lines")))
    }
}

/// An amount from 0 to `max_minor`, in words in the error.
///
/// # Errors
/// Negative, or above `max_minor`.
pub fn amount(field: &str, m: Money, max_minor: i64) -> Result<Money, OutOfBounds> {
    if (0..=max_minor).contains(&m.minor()) {
        Ok(m)
    } else {
        Err(OutOfBounds::new(
            field,
            m,
            format!("0..={}", Money::new(max_minor, m.currency())),
        ))
    }
}

/// A dish's price: 0 to [`MAX_PRICE_MINOR`].
///
/// # Errors
/// Negative or above the bound.
pub fn price(field: &str, m: Money) -> Result<Money, OutOfBounds> {
    amount(field, m, MAX_PRICE_MINOR)
}

/// A preparation time in whole minutes: 1 to [`MAX_PREP_MINUTES`].
///
/// ```
/// use courier_core::bounds::prep_minutes;
/// assert!(prep_minutes("prep_minutes", 15).is_ok());
/// assert!(prep_minutes("prep_minutes", 0).is_err());
/// assert!(prep_minutes("prep_minutes", 241).is_err());
/// ```
pub fn prep_minutes(field: &str, minutes: u64) -> Result<u64, OutOfBounds> {
    if (1..=MAX_PREP_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(OutOfBounds::new(
            field,
            minutes,
            format!("1..={MAX_PREP_MINUTES} minutes"),
        ))
    }
}

/// A name: not empty once trimmed, at most [`MAX_NAME_CHARS`] characters.
///
/// # Errors
/// Empty or too long.
pub fn name<'a>(field: &str, text: &'a str) -> Result<&'a str, OutOfBounds> {
    let chars = text.chars().count();
    if text.trim().is_empty() || chars > MAX_NAME_CHARS {
        return Err(OutOfBounds::new(
            field,
            format!("{chars} characters"),
            format!("1..={MAX_NAME_CHARS} characters"),
        ));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    #[test]
    fn each_bound_holds_at_its_edges() {
        assert!(quantity("q", 0).is_err());
        assert_eq!(quantity("q", 99), Ok(99));
        assert!(quantity("q", 100).is_err());
        assert!(line_count("items", 0).is_err());
        assert_eq!(line_count("items", 50), Ok(50));
        assert!(line_count("items", 51).is_err());
        let usd = |m| Money::new(m, Currency::Usd);
        assert!(price("price", usd(-1)).is_err());
        assert!(price("price", usd(1_000_000)).is_ok());
        let e = price("price", usd(i64::MAX)).unwrap_err();
        assert_eq!(e.field, "price");
        assert!(e.bound.ends_with("10000.00"), "{e}");
        assert!(amount("tip", usd(50_001), MAX_TIP_MINOR).is_err());
        assert!(name("name", &"x".repeat(200)).is_ok());
        assert_eq!(name("name", &"é".repeat(201)).unwrap_err().value, "201 characters");
        assert!(name("name", "   ").is_err());
    }
}
