//! In-memory `CatalogStore`: restaurants and menus held directly (there is
//! nothing slower behind them to cache).

use std::sync::{Mutex, MutexGuard};

use courier_core::ports::{
    CatalogStore, Menu, Restaurant, StockChange, StockOutcome, StorageError, apply_stock_changes,
};
use courier_core::{GeoPoint, RestaurantId};
use rustc_hash::FxHashMap;

/// Hashed: read by id at every order, and the one walk (restaurants near a
/// point) ranks its answer by distance and id whatever order it walks in.
#[derive(Debug, Default)]
struct Catalog {
    restaurants: FxHashMap<RestaurantId, Restaurant>,
    menus: FxHashMap<RestaurantId, Menu>,
}

/// Restaurants and menus in process memory.
#[derive(Debug, Default)]
pub struct MemoryCatalogStore {
    catalog: Mutex<Catalog>,
}

impl MemoryCatalogStore {
    fn lock(&self) -> MutexGuard<'_, Catalog> {
        self.catalog.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl CatalogStore for MemoryCatalogStore {
    async fn put_restaurant(&self, restaurant: &Restaurant) -> Result<(), StorageError> {
        self.lock().restaurants.insert(restaurant.id, restaurant.clone());
        Ok(())
    }

    async fn put_menu(&self, menu: &Menu) -> Result<(), StorageError> {
        self.lock().menus.insert(menu.restaurant, menu.clone());
        Ok(())
    }

    async fn restaurant(&self, id: RestaurantId) -> Result<Option<Restaurant>, StorageError> {
        Ok(self.lock().restaurants.get(&id).cloned())
    }

    async fn menu(&self, id: RestaurantId) -> Result<Option<Menu>, StorageError> {
        Ok(self.lock().menus.get(&id).cloned())
    }

    async fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> Result<StockOutcome, StorageError> {
        let mut catalog = self.lock();
        let Some(menu) = catalog.menus.get_mut(&restaurant) else {
            return Ok(StockOutcome::NoMenu);
        };
        if menu.version != expected_version {
            return Err(StorageError::MenuConflict {
                restaurant,
                expected: expected_version,
                actual: menu.version,
            });
        }
        let outcome = apply_stock_changes(menu, changes);
        if let StockOutcome::Applied(next) = &outcome {
            menu.clone_from(next);
        }
        Ok(outcome)
    }

    async fn invalidate(&self, _id: RestaurantId) -> Result<(), StorageError> {
        // Nothing is cached: reads always see the latest write.
        Ok(())
    }

    async fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Restaurant>, StorageError> {
        Ok(crate::nearest::nearest_restaurants(
            center,
            self.lock().restaurants.values(),
            radius_m,
            limit,
        ))
    }
}
