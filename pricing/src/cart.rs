//! The cart: what the customer wants, validated before anything is priced.

use courier_core::{Currency, MenuItemId, Money};

use crate::error::PricingError;

/// One cart line as the caller sends it; validated by [`Cart::new`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CartItem {
    /// The menu item.
    pub item: MenuItemId,
    /// Price of one.
    pub unit_price: Money,
    /// How many (must be at least 1).
    pub quantity: i64,
}

impl CartItem {
    /// A line from raw parts, parsing the currency code.
    ///
    /// ```
    /// use courier_pricing::CartItem;
    /// use courier_core::MenuItemId;
    /// assert!(CartItem::parse(MenuItemId::new(1), 1250, "USD", 2).is_ok());
    /// assert!(CartItem::parse(MenuItemId::new(1), 1250, "XXX", 2).is_err());
    /// ```
    pub fn parse(
        item: MenuItemId,
        unit_price_minor: i64,
        currency: &str,
        quantity: i64,
    ) -> Result<CartItem, PricingError> {
        let currency: Currency = currency.parse().map_err(|_| PricingError::UnknownCurrency {
            code: currency.to_owned(),
        })?;
        Ok(CartItem {
            item,
            unit_price: Money::new(unit_price_minor, currency),
            quantity,
        })
    }
}

/// A validated cart: non-empty, positive quantities, non-negative prices, one currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    items: Vec<CartItem>,
    subtotal: Money,
}

impl Cart {
    /// Validates the lines and computes the subtotal.
    pub fn new(currency: Currency, items: Vec<CartItem>) -> Result<Cart, PricingError> {
        if items.is_empty() {
            return Err(PricingError::EmptyCart);
        }
        let mut subtotal = Money::zero(currency);
        for line in &items {
            if line.quantity < 1 {
                return Err(PricingError::BadQuantity {
                    item: line.item,
                    quantity: line.quantity,
                });
            }
            if line.unit_price.currency() != currency {
                return Err(PricingError::MixedCurrency {
                    item: line.item,
                    item_currency: line.unit_price.currency(),
                    cart_currency: currency,
                });
            }
            if line.unit_price.is_negative() {
                return Err(PricingError::NegativePrice {
                    item: line.item,
                    price: line.unit_price,
                });
            }
            subtotal = subtotal.checked_add(line.unit_price.checked_mul(line.quantity)?)?;
        }
        Ok(Cart { items, subtotal })
    }

    /// The lines.
    pub fn items(&self) -> &[CartItem] {
        &self.items
    }

    /// Sum of unit price times quantity.
    pub fn subtotal(&self) -> Money {
        self.subtotal
    }

    /// The cart's currency.
    pub fn currency(&self) -> Currency {
        self.subtotal.currency()
    }
}
