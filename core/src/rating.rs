//! Ratings (seed 003's multi-party ratings): after delivery the customer
//! rates the restaurant and the courier, and the courier and the restaurant
//! rate the customer, once each per order.
//!
//! ```
//! use courier_core::rating::{RatingSubject, Stars};
//! use courier_core::RestaurantId;
//!
//! assert!(Stars::new(6).is_err());
//! let five = Stars::new(5)?;
//! assert_eq!(five.get(), 5);
//! assert_eq!(RatingSubject::Restaurant(RestaurantId::new(3)).kind(), "restaurant");
//! # Ok::<(), courier_core::rating::RatingError>(())
//! ```

use crate::ids::{CourierId, CustomerId, OrderId, RestaurantId};
use crate::order::{Actor, Order, OrderStatus};
use crate::time::Timestamp;

/// One to five stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stars(u8);

impl Stars {
    /// Stars from a number, refused outside 1..=5.
    pub fn new(stars: u8) -> Result<Stars, RatingError> {
        if (1..=5).contains(&stars) {
            Ok(Stars(stars))
        } else {
            Err(RatingError::StarsOutOfRange(stars))
        }
    }

    /// The number of stars.
    pub const fn get(self) -> u8 {
        self.0
    }
}

/// Who is rated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RatingSubject {
    /// A restaurant, by its customers.
    Restaurant(RestaurantId),
    /// A courier, by the customers they delivered to.
    Courier(CourierId),
    /// A customer, by their courier or restaurant.
    Customer(CustomerId),
}

impl RatingSubject {
    /// `"restaurant"`, `"courier"` or `"customer"`.
    pub const fn kind(self) -> &'static str {
        match self {
            RatingSubject::Restaurant(_) => "restaurant",
            RatingSubject::Courier(_) => "courier",
            RatingSubject::Customer(_) => "customer",
        }
    }

    /// The subject's id number.
    pub const fn id(self) -> u64 {
        match self {
            RatingSubject::Restaurant(id) => id.get(),
            RatingSubject::Courier(id) => id.get(),
            RatingSubject::Customer(id) => id.get(),
        }
    }
}

/// One party's rating of another for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    /// The order it is about.
    pub order: OrderId,
    /// Who rates.
    pub by: Actor,
    /// Who is rated.
    pub subject: RatingSubject,
    /// How many stars.
    pub stars: Stars,
    /// When.
    pub at: Timestamp,
}

/// The ratings a subject has received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RatingSummary {
    /// How many ratings.
    pub count: u64,
    /// Their stars added up.
    pub total_stars: u64,
}

impl RatingSummary {
    /// The average in hundredths of a star, rounded half up; `None` before
    /// the first rating.
    pub fn average_centi(self) -> Option<u16> {
        if self.count == 0 {
            return None;
        }
        let centi = (self.total_stars * 200 + self.count) / (2 * self.count);
        u16::try_from(centi).ok()
    }

    /// The summary with one more rating.
    pub fn with(self, stars: Stars) -> RatingSummary {
        RatingSummary {
            count: self.count + 1,
            total_stars: self.total_stars + u64::from(stars.get()),
        }
    }
}

/// Why a rating is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RatingError {
    /// Stars are 1 to 5.
    #[error("stars must be 1 to 5, got {0}")]
    StarsOutOfRange(u8),
    /// Only a delivered order can be rated.
    #[error("{order} is {status}: only delivered orders can be rated")]
    NotDelivered {
        /// The order.
        order: OrderId,
        /// Its status name.
        status: &'static str,
    },
    /// This party may not rate this subject for this order.
    #[error("{by:?} may not rate the {subject} of {order}")]
    NotAllowed {
        /// The order.
        order: OrderId,
        /// Who tried.
        by: Actor,
        /// What they tried to rate.
        subject: &'static str,
    },
}

/// Checks that `by` may rate `subject` for `order`: the order was delivered;
/// its customer rates its restaurant and the courier who delivered it; that
/// courier and that restaurant rate its customer.
pub fn check_rating(order: &Order, by: Actor, subject: RatingSubject) -> Result<(), RatingError> {
    if !matches!(order.status(), OrderStatus::Delivered | OrderStatus::Completed) {
        return Err(RatingError::NotDelivered {
            order: order.id(),
            status: order.status().name(),
        });
    }
    let allowed = match (by, subject) {
        (Actor::Customer(c), RatingSubject::Restaurant(r)) => c == order.customer() && r == order.restaurant(),
        (Actor::Customer(c), RatingSubject::Courier(k)) => c == order.customer() && Some(k) == order.delivered_by(),
        (Actor::Courier(k), RatingSubject::Customer(c)) => Some(k) == order.delivered_by() && c == order.customer(),
        (Actor::Restaurant(r), RatingSubject::Customer(c)) => r == order.restaurant() && c == order.customer(),
        _ => false,
    };
    if allowed {
        Ok(())
    } else {
        Err(RatingError::NotAllowed {
            order: order.id(),
            by,
            subject: subject.kind(),
        })
    }
}
