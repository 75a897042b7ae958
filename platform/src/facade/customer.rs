//! What customers call: search, recommendations, menus, quotes, placing and cancelling
//! orders, and rating what was delivered.

use courier_core::order::{Actor, CancelReason, OrderLine};
use courier_core::ports::{Menu, Restaurant, Store};
use courier_core::rating::{RatingSubject, RatingSummary};
use courier_core::{GeoPoint, OrderId, RestaurantId};
use courier_pricing::Quote;

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::rate_limits::Tier;
use crate::services::books::Cancellation;
use crate::services::catalog::SearchQuery;
use crate::services::ordering::{OrderRequest, Placed, Placement};

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Restaurants near a point matching the query, nearest first.
    pub async fn search(
        &self,
        query: &SearchQuery,
        tier: Tier,
        caller: &str,
    ) -> Result<Vec<Restaurant>, PlatformError> {
        self.catalog.search(&self.parts(), query, tier, caller).await
    }

    /// Up to `limit` (1 to [`crate::MAX_RECOMMENDATIONS`]) restaurants
    /// recommended at `near`: the best rated of those open, taking orders
    /// and delivering there, a kilometre away costing a tenth of a star.
    /// Counts against the caller's search budget.
    ///
    /// # Errors
    /// [`PlatformError::Degraded`] while the degradation ladder is at
    /// [`crate::degradation::DegradationLevel::NoRecommendations`] or
    /// above; an invalid limit; the caller over its budget; the store.
    pub async fn recommend(
        &self,
        near: GeoPoint,
        limit: usize,
        tier: Tier,
        caller: &str,
    ) -> Result<Vec<Restaurant>, PlatformError> {
        self.recommendations
            .recommend(&self.parts(), near, limit, tier, caller)
            .await
    }

    /// A restaurant's menu (through the cache where the store has one).
    pub async fn menu(&self, restaurant: RestaurantId, tier: Tier, caller: &str) -> Result<Menu, PlatformError> {
        self.catalog.menu(&self.parts(), restaurant, tier, caller).await
    }

    /// Prices a request after checking every placement rule: the restaurant
    /// is open and taking orders, every dish is available (and in stock),
    /// the minimum order is met and the address is within the delivery radius.
    pub async fn quote(&self, req: &OrderRequest) -> Result<(Restaurant, Vec<OrderLine>, Quote), PlatformError> {
        let priced = self.catalog.quote(&self.parts(), &self.pricing, req).await?;
        Ok((priced.restaurant, priced.lines, priced.quote))
    }

    /// Places an order: validated and priced ([`Platform::quote`]), stored
    /// once per idempotency key, then paid. A gateway outage does not fail
    /// the placement: the order waits in `PendingPayment` and is retried.
    pub async fn place_order(&self, req: &OrderRequest) -> Result<Placement, PlatformError> {
        match self
            .ordering
            .place(&self.parts(), &self.catalog, &self.pricing, req)
            .await?
        {
            Placed::Replayed(existing) => Ok(self.ordering.replayed(&self.payments, existing, self.clock.now())),
            Placed::New { order, quote } => {
                let payment = self
                    .payments
                    .authorize(&self.parts(), &self.kitchen, &self.ending(), &order)
                    .await?;
                let order = self.store.load_order(order.id()).await?.unwrap_or(order);
                Ok(Placement {
                    order,
                    quote: Some(quote),
                    payment,
                })
            }
        }
    }

    /// Cancels an order as `actor` (permissions and statuses per seed 000);
    /// the refund follows the policy: e.g. 50% back within 5 minutes of the
    /// restaurant's acceptance when the customer cancels.
    pub async fn cancel(
        &self,
        actor: Actor,
        order: OrderId,
        reason: CancelReason,
    ) -> Result<Cancellation, PlatformError> {
        self.ending().cancel(&self.parts(), actor, order, reason).await
    }

    /// `by` rates `subject` for a delivered `order` with 1 to 5 stars.
    /// Returns the subject's summary including this rating. A second rating
    /// of the same subject by the same party for the same order is refused
    /// and changes nothing.
    pub async fn rate(
        &self,
        by: Actor,
        order: OrderId,
        subject: RatingSubject,
        stars: u8,
    ) -> Result<RatingSummary, PlatformError> {
        self.ratings.rate(&self.parts(), by, order, subject, stars).await
    }

    /// What a restaurant, courier or customer has been rated so far.
    pub async fn rating_summary(&self, subject: RatingSubject) -> Result<RatingSummary, PlatformError> {
        self.ratings.summary(&self.parts(), subject).await
    }
}
