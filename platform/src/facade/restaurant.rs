//! What restaurants call: the kitchen's answers and progress, and the
//! upkeep of their own catalog record and menu (admins may do it too).

use courier_core::order::{Actor, Order};
use courier_core::ports::{Menu, Restaurant, Store};
use courier_core::{Duration, OrderId, RestaurantId};

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// The restaurant accepts, with its preparation estimate; the order
    /// enters dispatch.
    pub async fn accept_order(
        &self,
        restaurant: RestaurantId,
        order: OrderId,
        prep_estimate: Duration,
    ) -> Result<Order, PlatformError> {
        self.kitchen
            .accept(
                &self.parts(),
                &self.dispatch,
                &self.promises,
                restaurant,
                order,
                prep_estimate,
            )
            .await
    }

    /// The restaurant rejects: the customer gets everything back.
    pub async fn reject_order(&self, restaurant: RestaurantId, order: OrderId) -> Result<Order, PlatformError> {
        self.kitchen
            .reject(&self.parts(), &self.ending(), restaurant, order)
            .await
    }

    /// The kitchen starts on the order.
    pub async fn start_preparing(&self, restaurant: RestaurantId, order: OrderId) -> Result<Order, PlatformError> {
        self.kitchen.start_preparing(&self.parts(), restaurant, order).await
    }

    /// The food is ready: dispatch now knows, and preparation learns.
    pub async fn mark_ready(&self, restaurant: RestaurantId, order: OrderId) -> Result<Order, PlatformError> {
        self.kitchen
            .mark_ready(&self.parts(), &self.dispatch, &self.promises, restaurant, order)
            .await
    }

    /// Creates or replaces a restaurant (admins; a restaurant itself).
    pub async fn put_restaurant(&self, actor: Actor, restaurant: &Restaurant) -> Result<(), PlatformError> {
        self.catalog.put_restaurant(&self.parts(), actor, restaurant).await
    }

    /// Replaces a restaurant's menu (admins; the restaurant itself). The
    /// version must move forward, so caches and stock reservations see it.
    pub async fn put_menu(&self, actor: Actor, menu: &Menu) -> Result<(), PlatformError> {
        self.catalog.put_menu(&self.parts(), actor, menu).await
    }
}
