//! What a platform call can refuse, with enough said to act on it.

use courier_core::order::OrderError;
use courier_core::ports::StorageError;
use courier_core::rating::RatingError;
use courier_core::{Duration, GeoError, MenuItemId, Money, OrderId, RestaurantId};

/// Why a platform call did nothing (or, for [`PlatformError::Storage`],
/// may not have finished: the store's compare-and-set makes a retry safe).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum PlatformError {
    /// A field of the request is invalid; names the field and why.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The request field.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A value is outside its bounds (quantity, lines, prices, total, tip,
    /// names): names the field and the bound.
    #[error("{0}")]
    OutOfBounds(#[from] courier_core::bounds::OutOfBounds),
    /// A courier tried to pick up or deliver away from the stop: the last
    /// fix was too far, too old, or missing.
    #[error("{stop}: {why}")]
    NotAtStop {
        /// `restaurant` or `door`.
        stop: &'static str,
        /// The fix's distance and age against the rule, in words.
        why: String,
    },
    /// A write named a version not above the stored one: someone wrote a
    /// newer one since it was read.
    #[error("{what} is at version {stored}; a write must name a version above it, not {given}")]
    StaleVersion {
        /// What was written.
        what: String,
        /// The version the write named.
        given: u64,
        /// The stored version.
        stored: u64,
    },
    /// The customer used a promotion as often as it allows: the placement
    /// is refused and nothing is stored (quote again without the code).
    #[error("promotion {code} may be used {limit} times per customer, and this customer has used it up")]
    PromotionUsedUp {
        /// The code.
        code: String,
        /// Its per-customer limit.
        limit: u32,
    },
    /// A promotion with this code exists already.
    #[error("promotion {code} exists")]
    PromotionExists {
        /// The code.
        code: String,
    },
    /// No promotion has this code.
    #[error("promotion {code} not found")]
    PromotionNotFound {
        /// The code.
        code: String,
    },
    /// A coordinate was out of range.
    #[error("invalid location: {0}")]
    Location(#[from] GeoError),
    /// No such order.
    #[error("{0} not found")]
    OrderNotFound(OrderId),
    /// No such restaurant.
    #[error("{0} not found")]
    RestaurantNotFound(RestaurantId),
    /// The restaurant cannot take the order now.
    #[error("{restaurant} is not taking orders ({why})")]
    RestaurantUnavailable {
        /// The restaurant.
        restaurant: RestaurantId,
        /// Closed, paused, or offline.
        why: &'static str,
    },
    /// A dish is unknown, unavailable or sold out.
    #[error("{item} is unavailable: {why}")]
    ItemUnavailable {
        /// The dish.
        item: MenuItemId,
        /// Why.
        why: &'static str,
    },
    /// The cart is below the restaurant's minimum.
    #[error("subtotal {subtotal} is below the minimum order {minimum}")]
    BelowMinimum {
        /// The cart's subtotal.
        subtotal: Money,
        /// The restaurant's minimum.
        minimum: Money,
    },
    /// The address is outside the restaurant's delivery radius.
    #[error("the address is {distance_m} m away; {restaurant} delivers within {radius_m} m")]
    OutsideDeliveryRadius {
        /// The restaurant.
        restaurant: RestaurantId,
        /// Restaurant to address, metres.
        distance_m: u32,
        /// The restaurant's radius, metres.
        radius_m: u32,
    },
    /// Too many requests: try again after `retry_after`.
    #[error("rate limited on {endpoint}: retry after {retry_after}")]
    RateLimited {
        /// The endpoint.
        endpoint: &'static str,
        /// How long to wait.
        retry_after: Duration,
    },
    /// The platform is shedding this feature (degradation ladder).
    #[error("{feature} is switched off while the platform is degraded")]
    Degraded {
        /// What is off.
        feature: &'static str,
    },
    /// The order refused the command (permission, status, version, deadline).
    #[error(transparent)]
    Order(#[from] OrderError),
    /// The rating was refused (stars out of range, order not delivered,
    /// or this party may not rate that one).
    #[error(transparent)]
    Rating(#[from] RatingError),
    /// This party already rated this subject for this order; the first
    /// rating stands.
    #[error("{order}: the {subject} was already rated ({stars} stars)")]
    AlreadyRated {
        /// The order.
        order: OrderId,
        /// What was rated.
        subject: &'static str,
        /// The stars of the rating that stands.
        stars: u8,
    },
    /// Pricing refused the cart.
    #[error("pricing: {0}")]
    Pricing(String),
    /// The store refused to give a courier the order: they carry the batch
    /// limit already, or hold another open offer ([`StorageError::CourierFull`],
    /// [`StorageError::CourierOffered`]). Decided by the store, so it holds
    /// across every instance; nothing was written.
    #[error(transparent)]
    CourierUnavailable(StorageError),
    /// The store failed.
    #[error(transparent)]
    Storage(StorageError),
    /// A service's circuit breaker is open: fail fast.
    #[error("{service} is unavailable; retry after {retry_after}")]
    Unavailable {
        /// The dependency.
        service: &'static str,
        /// How long until it is tried again.
        retry_after: Duration,
    },
    /// A stored value could not be read back.
    #[error("corrupt record {key}: {reason}")]
    Corrupt {
        /// The record.
        key: String,
        /// What is wrong.
        reason: String,
    },
}

impl PlatformError {
    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> PlatformError {
        PlatformError::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// True for failures that may pass if the same call is made again later:
    /// storage unavailable or timed out, a dependency's breaker open, or work
    /// under a lease another instance has taken over (which it redoes).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            PlatformError::Storage(
                StorageError::Unavailable { .. } | StorageError::Timeout { .. } | StorageError::Fenced { .. }
            ) | PlatformError::Unavailable { .. }
        )
    }

    /// True for refusals caused by the request (a client error, a 4xx).
    pub fn is_client_error(&self) -> bool {
        !matches!(
            self,
            PlatformError::Storage(_) | PlatformError::Unavailable { .. } | PlatformError::Corrupt { .. }
        )
    }
}

impl From<StorageError> for PlatformError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::CourierFull { .. } | StorageError::CourierOffered { .. } => {
                PlatformError::CourierUnavailable(e)
            }
            other => PlatformError::Storage(other),
        }
    }
}

impl From<courier_pricing::PricingError> for PlatformError {
    fn from(e: courier_pricing::PricingError) -> Self {
        PlatformError::Pricing(e.to_string())
    }
}
