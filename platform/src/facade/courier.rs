//! What couriers call: shifts, positions, answers to offers, pickup and
//! delivery.

use courier_core::ports::Store;
use courier_core::{CourierId, GeoPoint, OrderId};

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::services::delivery::{Delivered, Handover};
use crate::services::dispatch::{Arrival, CourierOffer, NextStop};

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// A courier starts a shift at `point`.
    pub async fn courier_online(&self, courier: CourierId, point: GeoPoint) -> Result<(), PlatformError> {
        self.dispatch.courier_online(&self.parts(), courier, point).await
    }

    /// A courier goes offline (end of shift, app lost): orders not yet picked
    /// up go back to dispatch; returns them.
    ///
    /// # Errors
    /// The store could not record a return: the courier is offline and the
    /// tick records the return later, but the app is not told the order
    /// went back (should this process stop first, the store still gives it
    /// to the courier) and asks again.
    pub async fn courier_offline(&self, courier: CourierId) -> Result<Vec<OrderId>, PlatformError> {
        self.dispatch.courier_offline(&self.parts(), courier).await
    }

    /// A courier's position: validated (by the [`GeoPoint`] type), rate
    /// limited per courier (seed 000: 60 a minute), stored, indexed, and
    /// checked against the geofences of the courier's stops.
    pub async fn update_location(&self, courier: CourierId, point: GeoPoint) -> Result<Vec<Arrival>, PlatformError> {
        self.locations
            .update(&self.parts(), &self.dispatch, &self.promises, courier, point)
            .await
    }

    /// A courier answers an offer. Accepting takes one of the courier's
    /// slots (refused when the courier already carries the batch limit).
    pub async fn answer_offer(&self, courier: CourierId, order: OrderId, accept: bool) -> Result<(), PlatformError> {
        self.dispatch.answer_offer(&self.parts(), courier, order, accept).await
    }

    /// The offers open to `courier`, as the store holds them (so whichever
    /// instance made them): at most one at a time, by the store's rule.
    pub async fn offers_for(&self, courier: CourierId) -> Result<Vec<CourierOffer>, PlatformError> {
        let parts = self.parts();
        let now = parts.now();
        let Some((id, expires_at)) = self.store.courier_load(courier).await?.offer else {
            return Ok(Vec::new());
        };
        if expires_at <= now {
            return Ok(Vec::new());
        }
        let Some(order) = self.store.load_order(id).await? else {
            return Ok(Vec::new());
        };
        // The courier's record and the order agree unless a change raced
        // this read; the order is the truth.
        if order.assignment().offered_courier() != Some(courier) {
            return Ok(Vec::new());
        }
        let pay = self.books.courier_pay(&parts, id).await?;
        Ok(vec![CourierOffer { order, pay, expires_at }])
    }

    /// The offers open to `courier`, for a stream of the courier's events,
    /// after counting the stream against `caller`'s limit for its `tier`
    /// (as [`Platform::open_tracking`] does).
    pub async fn open_courier_stream(
        &self,
        courier: CourierId,
        tier: crate::rate_limits::Tier,
        caller: &str,
    ) -> Result<Vec<CourierOffer>, PlatformError> {
        self.catalog.open_stream(&self.parts(), tier, caller).await?;
        self.offers_for(courier).await
    }

    /// Where `courier` goes next: the first stop of the cheapest route
    /// through every order it holds, from where it last reported, by the
    /// cost model dispatch plans with (none when it holds nothing). A
    /// courier given two orders of one restaurant collects both before the
    /// first door when that is what dispatch priced.
    pub fn next_stop(&self, courier: CourierId) -> Option<NextStop> {
        self.dispatch.next_stop(courier, self.parts().now(), &self.promises)
    }

    /// The courier holding the order picks it up, at the restaurant: its
    /// last fix must be within [`PlatformConfig::handover_radius_m`] of it
    /// and no older than [`PlatformConfig::handover_fix_max_age`]
    /// ([`PlatformError::NotAtStop`] otherwise).
    ///
    /// [`PlatformConfig::handover_radius_m`]: crate::PlatformConfig::handover_radius_m
    /// [`PlatformConfig::handover_fix_max_age`]: crate::PlatformConfig::handover_fix_max_age
    pub async fn pick_up(
        &self,
        courier: CourierId,
        order: OrderId,
    ) -> Result<courier_core::order::Order, PlatformError> {
        self.handed_over_at_restaurant(Handover::Courier(courier), order).await
    }

    /// A pickup as [`Platform::pick_up`], by the courier or, overriding the
    /// check, by an admin for the assigned courier (the admin is recorded
    /// as the actor in the order's audit trail).
    pub async fn handed_over_at_restaurant(
        &self,
        by: Handover,
        order: OrderId,
    ) -> Result<courier_core::order::Order, PlatformError> {
        self.delivery.pick_up(&self.parts(), &self.dispatch, by, order).await
    }

    /// The courier hands the food over at the door (checked as a pickup
    /// is): the courier's slot frees, the ETA learns, and the payment is
    /// captured and paid out.
    pub async fn deliver(&self, courier: CourierId, order: OrderId) -> Result<Delivered, PlatformError> {
        self.handed_over_at_door(Handover::Courier(courier), order).await
    }

    /// A delivery as [`Platform::deliver`], by the courier or, overriding
    /// the check, by an admin for the assigned courier.
    pub async fn handed_over_at_door(&self, by: Handover, order: OrderId) -> Result<Delivered, PlatformError> {
        self.delivery.deliver(&self.parts(), &self.ending(), by, order).await
    }
}
