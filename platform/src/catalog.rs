//! Catalog upkeep: restaurants and menus written by their owners or admins.

use courier_core::order::{Actor, OrderError};
use courier_core::ports::{Menu, Restaurant, Store};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::platform::Platform;

fn may_edit(actor: Actor, restaurant: courier_core::RestaurantId, what: &'static str) -> Result<(), PlatformError> {
    match actor {
        Actor::Admin(_) => Ok(()),
        Actor::Restaurant(r) if r == restaurant => Ok(()),
        _ => Err(OrderError::Forbidden { actor, action: what }.into()),
    }
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Creates or replaces a restaurant (admins; a restaurant itself).
    pub async fn put_restaurant(&self, actor: Actor, restaurant: &Restaurant) -> Result<(), PlatformError> {
        may_edit(actor, restaurant.id, "edit restaurant")?;
        if restaurant.rating_centi > 500 {
            return Err(PlatformError::invalid(
                "rating_centi",
                format!("{} is above 500", restaurant.rating_centi),
            ));
        }
        Ok(self.store.put_restaurant(restaurant).await?)
    }

    /// Replaces a restaurant's menu (admins; the restaurant itself). The
    /// version must move forward, so caches and stock reservations see it.
    pub async fn put_menu(&self, actor: Actor, menu: &Menu) -> Result<(), PlatformError> {
        may_edit(actor, menu.restaurant, "edit menu")?;
        if self.store.restaurant(menu.restaurant).await?.is_none() {
            return Err(PlatformError::RestaurantNotFound(menu.restaurant));
        }
        if let Some(current) = self.store.menu(menu.restaurant).await?
            && menu.version <= current.version
        {
            return Err(PlatformError::invalid(
                "version",
                format!("{} is not above the stored version {}", menu.version, current.version),
            ));
        }
        let currency = self.config.pricing.currency;
        if let Some(item) = menu
            .items
            .iter()
            .find(|i| i.price.currency() != currency || i.price.minor() < 0)
        {
            return Err(PlatformError::invalid(
                "items",
                format!("{} must have a non-negative {} price", item.id, currency.code()),
            ));
        }
        Ok(self.store.put_menu(menu).await?)
    }
}
