//! Storage ports: the traits adapters implement and the platform is written against.
//!
//! Ports speak domain types only; each adapter maps its own errors into
//! [`StorageError`]. Methods return `Send` futures so services can run them
//! on any executor; the domain itself never awaits anything.

mod catalog;
mod idempotency;
mod locations;
mod orders;
mod rate_limit;
mod ratings;

pub use catalog::{CatalogStore, Menu, MenuItem, Restaurant, StockChange, StockOutcome, apply_stock_changes};
pub use idempotency::{DEFAULT_IDEMPOTENCY_TTL, IdempotencyStore};
pub use locations::{CourierLocation, DEFAULT_LOCATION_TTL, LocationStore, NearbyCourier};
pub use orders::{AuditEntry, CreateOutcome, EventId, OrderStore, OutboxEntry};
pub use rate_limit::{RateDecision, RateLimit, RateLimitStore};
pub use ratings::{RatingOutcome, RatingStore};

use crate::ids::OrderId;

/// Why a storage operation failed. Adapters map their own errors into these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StorageError {
    /// Compare-and-set lost: the stored order is not at the expected version.
    /// Nothing was written; reload and retry the command.
    #[error("{order}: stored version is {actual}, expected {expected}")]
    VersionConflict {
        /// The order.
        order: OrderId,
        /// The version the writer expected.
        expected: u64,
        /// The stored version (0 if the order does not exist).
        actual: u64,
    },
    /// Compare-and-set on a menu lost: it is not at the expected version.
    /// Nothing was written; re-read the menu and decide again.
    #[error("the menu of {restaurant} is at version {actual}, expected {expected}")]
    MenuConflict {
        /// Whose menu.
        restaurant: crate::ids::RestaurantId,
        /// The version the writer expected.
        expected: u64,
        /// The stored version.
        actual: u64,
    },
    /// The backend could not be reached or is refusing work (an outage).
    /// Nothing is known to be written; the caller may retry with backoff.
    #[error("storage unavailable ({backend}): {message}")]
    Unavailable {
        /// Which backend, e.g. a URL without credentials.
        backend: String,
        /// What went wrong.
        message: String,
    },
    /// The operation took longer than allowed; it may or may not have been applied.
    #[error("storage timed out after {millis} ms")]
    Timeout {
        /// How long was waited.
        millis: u64,
    },
    /// Stored data could not be read back into domain types.
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// The backend refused the request for another reason (constraint, syntax...).
    #[error("storage backend error: {0}")]
    Backend(String),
}

/// Everything the platform needs from storage, in one bound.
pub trait Store: OrderStore + LocationStore + IdempotencyStore + RateLimitStore + CatalogStore + RatingStore {}

impl<T> Store for T where T: OrderStore + LocationStore + IdempotencyStore + RateLimitStore + CatalogStore + RatingStore {}
