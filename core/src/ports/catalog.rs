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

/// A change to one prepared item's stock: negative takes, positive gives back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StockChange {
    /// Which dish.
    pub item: MenuItemId,
    /// How many to add (give back) or, when negative, take.
    pub delta: i64,
}

/// What [`CatalogStore::adjust_stock`] did.
#[derive(Debug, Clone, PartialEq)]
pub enum StockOutcome {
    /// Every change was applied and the menu's version bumped by one: the
    /// menu as now stored.
    Applied(Menu),
    /// A dish has fewer left than the change takes. Nothing was written.
    Short {
        /// The dish.
        item: MenuItemId,
        /// How many are left.
        left: u32,
    },
    /// A dish is not on the menu. Nothing was written.
    UnknownItem(MenuItemId),
    /// The restaurant has no menu. Nothing was written.
    NoMenu,
}

/// Applies stock changes to a menu in memory, the rule every adapter
/// follows: made-to-order dishes (`stock: None`) are left alone, a dish may
/// not go below zero, and the version goes up by one. `menu` is changed
/// only when the outcome is [`StockOutcome::Applied`].
pub fn apply_stock_changes(menu: &Menu, changes: &[StockChange]) -> StockOutcome {
    let mut next = menu.clone();
    for change in changes {
        let Some(dish) = next.items.iter_mut().find(|d| d.id == change.item) else {
            return StockOutcome::UnknownItem(change.item);
        };
        let Some(left) = dish.stock else { continue };
        let after = i64::from(left).saturating_add(change.delta);
        if after < 0 {
            return StockOutcome::Short {
                item: change.item,
                left,
            };
        }
        dish.stock = Some(u32::try_from(after).unwrap_or(u32::MAX));
    }
    next.version = menu.version.saturating_add(1);
    StockOutcome::Applied(next)
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

    /// Takes (or gives back) prepared dishes, with optimistic concurrency
    /// (seed 002): the changes apply only while the stored menu is still at
    /// `expected_version`, all of them or none, and bump the version by one.
    /// A menu at another version is [`StorageError::MenuConflict`]: re-read
    /// it and decide again. Cached copies are invalidated.
    fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> impl Future<Output = Result<StockOutcome, StorageError>> + Send;

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
