//! Typed identifiers: an order id can never be passed where a courier id is expected.

use std::fmt;
use std::sync::Arc;

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(u64);

        impl $name {
            /// Wraps a raw numeric id.
            pub const fn new(raw: u64) -> Self {
                Self(raw)
            }

            /// The raw numeric id, for storage keys and indexes.
            pub const fn get(self) -> u64 {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!($prefix, "_{}"), self.0)
            }
        }

        impl From<u64> for $name {
            fn from(raw: u64) -> Self {
                Self(raw)
            }
        }
    };
}

typed_id!(
    /// Identifies an order. Displays as `order_<n>`.
    OrderId,
    "order"
);
typed_id!(
    /// Identifies a customer. Displays as `customer_<n>`.
    CustomerId,
    "customer"
);
typed_id!(
    /// Identifies a restaurant. Displays as `restaurant_<n>`.
    RestaurantId,
    "restaurant"
);
typed_id!(
    /// Identifies a courier (delivery partner). Displays as `courier_<n>`.
    CourierId,
    "courier"
);
typed_id!(
    /// Identifies a menu item of a restaurant. Displays as `item_<n>`.
    MenuItemId,
    "item"
);
typed_id!(
    /// Identifies an admin operator. Displays as `admin_<n>`.
    AdminId,
    "admin"
);

/// A client-chosen key that makes order placement idempotent (24 h window).
///
/// Keys are 1 to 128 printable ASCII characters; anything else is rejected so
/// that a key is always safe to log and to store in any adapter. The text is
/// shared, not copied, when a key is cloned (stores keep it beside the order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IdempotencyKey(Arc<str>);

/// Why a string is not a valid [`IdempotencyKey`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdempotencyKeyError {
    /// The key was empty.
    #[error("idempotency key is empty")]
    Empty,
    /// The key was longer than [`IdempotencyKey::MAX_LEN`] bytes.
    #[error("idempotency key is {len} bytes long, the maximum is 128")]
    TooLong {
        /// The length that was given.
        len: usize,
    },
    /// The key held a character outside printable ASCII.
    #[error("idempotency key holds a character outside printable ASCII at byte {at}")]
    BadCharacter {
        /// Byte offset of the first bad character.
        at: usize,
    },
}

impl IdempotencyKey {
    /// The longest key accepted, in bytes.
    pub const MAX_LEN: usize = 128;

    /// Validates and wraps a key.
    ///
    /// ```
    /// use courier_core::IdempotencyKey;
    /// assert!(IdempotencyKey::parse("c1-7f3a").is_ok());
    /// assert!(IdempotencyKey::parse("").is_err());
    /// ```
    pub fn parse(raw: &str) -> Result<Self, IdempotencyKeyError> {
        if raw.is_empty() {
            return Err(IdempotencyKeyError::Empty);
        }
        if raw.len() > Self::MAX_LEN {
            return Err(IdempotencyKeyError::TooLong { len: raw.len() });
        }
        if let Some(at) = raw.bytes().position(|b| !(0x21..=0x7e).contains(&b)) {
            return Err(IdempotencyKeyError::BadCharacter { at });
        }
        Ok(Self(Arc::from(raw)))
    }

    /// The key as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_display_with_their_kind() {
        assert_eq!(OrderId::new(7).to_string(), "order_7");
        assert_eq!(CourierId::new(3).to_string(), "courier_3");
    }

    #[test]
    fn idempotency_key_rejects_spaces_and_length() {
        assert_eq!(
            IdempotencyKey::parse("a b"),
            Err(IdempotencyKeyError::BadCharacter { at: 1 })
        );
        let long = "k".repeat(129);
        assert_eq!(
            IdempotencyKey::parse(&long),
            Err(IdempotencyKeyError::TooLong { len: 129 })
        );
        assert_eq!(
            IdempotencyKey::parse("k".repeat(128).as_str()).map(|k| k.as_str().len()),
            Ok(128)
        );
    }
}
