//! Ratings after delivery (seed 003): the customer rates the restaurant and
//! the courier, the courier and the restaurant rate the customer, once each
//! per order. A restaurant's published rating follows its summary.

use courier_core::OrderId;
use courier_core::order::Actor;
use courier_core::ports::{RatingOutcome, Store};
use courier_core::rating::{Rating, RatingSubject, RatingSummary, Stars, check_rating};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;

/// The ratings service: no state of its own, the store keeps ratings and
/// their summaries.
pub(crate) struct Ratings;

impl Ratings {
    /// `by` rates `subject` for a delivered `order` with 1 to 5 stars.
    /// Returns the subject's summary including this rating. A second rating
    /// of the same subject by the same party for the same order is refused
    /// and changes nothing.
    pub(crate) async fn rate(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        by: Actor,
        order: OrderId,
        subject: RatingSubject,
        stars: u8,
    ) -> Result<RatingSummary, PlatformError> {
        let stars = Stars::new(stars)?;
        let stored = parts
            .store
            .load_order(order)
            .await?
            .ok_or(PlatformError::OrderNotFound(order))?;
        check_rating(&stored, by, subject)?;
        let rating = Rating {
            order,
            by,
            subject,
            stars,
            at: parts.now(),
        };
        match parts.store.record_rating(&rating).await? {
            RatingOutcome::Recorded(summary) => {
                if let RatingSubject::Restaurant(id) = subject {
                    self.publish_restaurant_rating(parts, id, summary).await?;
                }
                Ok(summary)
            }
            RatingOutcome::AlreadyRated(first) => Err(PlatformError::AlreadyRated {
                order,
                subject: subject.kind(),
                stars: first.stars.get(),
            }),
        }
    }

    /// What a restaurant, courier or customer has been rated so far.
    pub(crate) async fn summary(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        subject: RatingSubject,
    ) -> Result<RatingSummary, PlatformError> {
        Ok(parts.store.rating_summary(subject).await?)
    }

    /// Writes the restaurant's average, from the summary the store returned
    /// with the rating, into its catalog record, which search filters on.
    /// Two ratings racing may publish the older average last; the summary
    /// itself is exact and the next rating republishes it.
    async fn publish_restaurant_rating(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        id: courier_core::RestaurantId,
        summary: RatingSummary,
    ) -> Result<(), PlatformError> {
        let (Some(average), Some(mut restaurant)) = (summary.average_centi(), parts.store.restaurant(id).await?) else {
            return Ok(());
        };
        if restaurant.rating_centi != average {
            restaurant.rating_centi = average;
            parts.store.put_restaurant(&restaurant).await?;
        }
        Ok(())
    }
}
