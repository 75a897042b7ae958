//! Storage ports: the traits adapters implement and the platform is written against.
//!
//! Ports speak domain types only; each adapter maps its own errors into
//! [`StorageError`]. Methods return `Send` futures so services can run them
//! on any executor; the domain itself never awaits anything.

mod catalog;
mod couriers;
mod idempotency;
mod lease;
mod locations;
mod orders;
mod promotions;
mod rate_limit;
mod ratings;
mod shared;

pub use catalog::{CatalogStore, Menu, MenuItem, Restaurant, StockChange, StockOutcome, apply_stock_changes};
pub use couriers::{CourierChange, CourierLoad, CourierRefusal, Transition, courier_changes};
pub use idempotency::{DEFAULT_IDEMPOTENCY_TTL, IdempotencyStore};
pub use lease::{Fence, Lease, LeaseStore, WORK_LEASE, decide_lease};
pub use locations::{CourierLocation, DEFAULT_LOCATION_TTL, LocationStore, NearbyCourier};
pub use orders::{
    AuditEntry, ChangeFeed, CreateOutcome, EventId, FeedCursor, Listed, OrderChange, OrderStore, OutboxEntry,
    Unreadable,
};
pub use promotions::{ClaimOutcome, PromoClaim, PromotionStore};
pub use rate_limit::{RateDecision, RateLimit, RateLimitStore};
pub use ratings::{RatingOutcome, RatingStore};

use crate::ids::{CourierId, OrderId};

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
    /// The transition would give a courier more orders than the batch
    /// limit. Nothing was written: the courier is taken (by another writer,
    /// perhaps on another instance); choose another.
    #[error("{courier} already carries {limit} orders, the batch limit")]
    CourierFull {
        /// The courier.
        courier: CourierId,
        /// The limit.
        limit: usize,
    },
    /// The transition would offer a courier a second order while another
    /// offer to them is open. Nothing was written.
    #[error("{courier} has an open offer of {order}")]
    CourierOffered {
        /// The courier.
        courier: CourierId,
        /// The order offered to them.
        order: OrderId,
    },
    /// A write under a lease whose token is no longer the lease's: another
    /// instance has taken the lease over. Nothing was written; the writer
    /// should stop the work the lease covered.
    #[error("the lease {lease} has moved on from token {token}")]
    Fenced {
        /// Which lease.
        lease: String,
        /// The stale token.
        token: u64,
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
pub trait Store:
    OrderStore
    + ChangeFeed
    + LocationStore
    + IdempotencyStore
    + RateLimitStore
    + CatalogStore
    + RatingStore
    + LeaseStore
    + PromotionStore
{
}

impl<T> Store for T where
    T: OrderStore
        + ChangeFeed
        + LocationStore
        + IdempotencyStore
        + RateLimitStore
        + CatalogStore
        + RatingStore
        + LeaseStore
        + PromotionStore
{
}

impl StorageError {
    /// The error for a courier change refused under `batch_limit`.
    pub fn refused(courier: CourierId, refusal: CourierRefusal, batch_limit: usize) -> StorageError {
        match refusal {
            CourierRefusal::Full => StorageError::CourierFull {
                courier,
                limit: batch_limit,
            },
            CourierRefusal::Offered { order } => StorageError::CourierOffered { courier, order },
        }
    }
}
