//! The catalog port: restaurants and menus, read far more often than written.

use crate::geo::GeoPoint;
use crate::ids::{MenuItemId, RestaurantId};
use crate::money::Money;
use crate::time::Duration;

use super::StorageError;

/// A restaurant as customers see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Restaurant {
    /// Id.
    pub id: RestaurantId,
    /// Display name.
    pub name: String,
    /// Cuisine tag, e.g. `"pizza"`.
    pub cuisine: String,
    /// Pickup point.
    pub location: GeoPoint,
    /// Average rating in hundredths of a star (0..=500).
    pub rating_centi: u16,
    /// Open now.
    pub is_open: bool,
    /// Taking orders now (an open kitchen may pause).
    pub accepting_orders: bool,
    /// Delivers to addresses within this many metres.
    pub delivery_radius_m: u32,
    /// Smallest subtotal accepted.
    pub minimum_order: Money,
    /// The kitchen's usual preparation time.
    pub prep_time: Duration,
}

/// One dish.
#[derive(Debug, Clone, PartialEq)]
pub struct MenuItem {
    /// Id.
    pub id: MenuItemId,
    /// Display name.
    pub name: String,
    /// Unit price.
    pub price: Money,
    /// Orderable now.
    pub available: bool,
    /// For prepared items: how many are left (`None`: made to order).
    pub stock: Option<u32>,
}

/// A restaurant's menu at a version.
#[derive(Debug, Clone, PartialEq)]
pub struct Menu {
    /// Whose menu.
    pub restaurant: RestaurantId,
    /// Bumped on every change; caches compare it.
    pub version: u64,
    /// The dishes.
    pub items: Vec<MenuItem>,
}

/// Restaurants and menus, with a read-through cache in adapters that have one.
pub trait CatalogStore: Send + Sync {
    /// Creates or replaces a restaurant, invalidating any cached copy.
    fn put_restaurant(&self, restaurant: &Restaurant) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Creates or replaces a menu, invalidating any cached copy.
    fn put_menu(&self, menu: &Menu) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// A restaurant by id.
    fn restaurant(&self, id: RestaurantId) -> impl Future<Output = Result<Option<Restaurant>, StorageError>> + Send;

    /// A restaurant's menu (through the cache where there is one).
    fn menu(&self, id: RestaurantId) -> impl Future<Output = Result<Option<Menu>, StorageError>> + Send;

    /// Drops cached copies of a restaurant and its menu.
    fn invalidate(&self, id: RestaurantId) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Restaurants within `radius_m` of `center`, nearest first, at most `limit`.
    fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Restaurant>, StorageError>> + Send;
}
