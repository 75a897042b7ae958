//! Why a quote was refused. Every variant names the offending item, code or value.

use courier_core::{Currency, MenuItemId, Money, MoneyError, Timestamp};

/// A refused quote. Nothing is priced from bad input.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PricingError {
    /// The cart has no items.
    #[error("the cart is empty")]
    EmptyCart,
    /// An item's quantity was zero or negative.
    #[error("{item}: quantity {quantity} must be at least 1")]
    BadQuantity {
        /// The item.
        item: MenuItemId,
        /// The quantity given.
        quantity: i64,
    },
    /// An item's unit price was negative.
    #[error("{item}: unit price {price} is negative")]
    NegativePrice {
        /// The item.
        item: MenuItemId,
        /// The price given.
        price: Money,
    },
    /// An item is priced in another currency than the cart.
    #[error("{item}: priced in {item_currency}, the cart is in {cart_currency}")]
    MixedCurrency {
        /// The item.
        item: MenuItemId,
        /// Its currency.
        item_currency: Currency,
        /// The cart's currency.
        cart_currency: Currency,
    },
    /// The cart is in another currency than the market prices in.
    #[error("the cart is in {cart_currency}, this market prices in {market_currency}")]
    WrongMarketCurrency {
        /// The cart's currency.
        cart_currency: Currency,
        /// The market's.
        market_currency: Currency,
    },
    /// A currency code was not recognised.
    #[error("unknown currency {code:?}")]
    UnknownCurrency {
        /// The code given.
        code: String,
    },
    /// The tip was negative or in another currency.
    #[error("tip {0} is invalid: it must be zero or more, in the cart's currency")]
    BadTip(Money),
    /// A promotion code does not exist.
    #[error("unknown promotion code {code:?}")]
    UnknownPromotion {
        /// The code given.
        code: String,
    },
    /// A promotion code exists but is outside its validity window.
    #[error("promotion code {code:?} is valid from {valid_from} until {valid_until}, not at {now}")]
    PromotionNotValidNow {
        /// The code.
        code: String,
        /// Start of validity.
        valid_from: Timestamp,
        /// End of validity (exclusive).
        valid_until: Timestamp,
        /// The quote time.
        now: Timestamp,
    },
    /// Amounts overflowed or mixed currencies in configuration.
    #[error("amount error: {0}")]
    Money(#[from] MoneyError),
}
