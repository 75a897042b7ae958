//! courier-core: the pure domain of Courier.
//!
//! Ids, [`Money`], [`GeoPoint`], [`Timestamp`]; the order state machine
//! ([`order`]), the refund policy ([`refund`]), the double-entry payments
//! ledger ([`ledger`]) and the storage ports ([`ports`]).
//!
//! Nothing here performs I/O, reads a clock or draws randomness: time is a
//! parameter of every command, which makes every run reproducible.
//!
//! ```
//! use courier_core::{Money, Currency, BasisPoints};
//! // Seed 000 economics: a 25% commission on a $25.00 order is $6.25.
//! let commission = Money::new(2500, Currency::Usd).mul_bps(BasisPoints::new(2500));
//! assert_eq!(commission, Money::new(625, Currency::Usd));
//! ```

pub mod bounds;
pub mod geo;
pub mod ids;
pub mod ledger;
pub mod money;
pub mod order;
pub mod place;
pub mod ports;
pub mod promotion;
pub mod rating;
pub mod refund;
pub mod time;

pub use geo::{GeoError, GeoPoint};
pub use ids::{AdminId, CourierId, CustomerId, IdempotencyKey, IdempotencyKeyError, MenuItemId, OrderId, RestaurantId};
pub use money::{BasisPoints, Currency, Money, MoneyError, UnknownCurrency};
pub use place::{Place, PlaceError};
pub use time::{Duration, DurationError, Timestamp};
