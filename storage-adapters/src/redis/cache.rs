//! A read-through Redis cache for restaurants and menus in front of any
//! `CatalogStore` (PostgreSQL in production): reads hit Redis first, misses
//! fill it for a TTL (seed 004: 5 minutes), and every write through the cache
//! invalidates the cached copies.

use courier_core::ports::{CatalogStore, Menu, Restaurant, StockChange, StockOutcome, StorageError};
use courier_core::{Duration, GeoPoint, RestaurantId};

use super::RedisStore;
use crate::codec;

/// `inner` with restaurants and menus cached in Redis.
#[derive(Debug, Clone)]
pub struct CachedCatalog<S> {
    inner: S,
    cache: RedisStore,
    ttl: Duration,
}

impl<S: CatalogStore> CachedCatalog<S> {
    /// Caches `inner`'s restaurants and menus in `cache` for `ttl`.
    pub fn new(inner: S, cache: RedisStore, ttl: Duration) -> Self {
        CachedCatalog { inner, cache, ttl }
    }

    /// The store behind the cache.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    fn restaurant_key(&self, id: RestaurantId) -> String {
        self.cache.key(&format!("cat:restaurant:{}", id.get()))
    }

    fn menu_key(&self, id: RestaurantId) -> String {
        self.cache.key(&format!("cat:menu:{}", id.get()))
    }

    async fn cached(&self, key: &str) -> Result<Option<String>, StorageError> {
        redis::cmd("GET")
            .arg(key)
            .query_async(&mut self.cache.conn())
            .await
            .map_err(|e| self.cache.error(e))
    }

    async fn fill(&self, key: &str, json: String) -> Result<(), StorageError> {
        redis::cmd("SET")
            .arg(key)
            .arg(json)
            .arg("PX")
            .arg(self.ttl.as_millis().max(1))
            .query_async::<()>(&mut self.cache.conn())
            .await
            .map_err(|e| self.cache.error(e))
    }

    async fn forget(&self, id: RestaurantId) -> Result<(), StorageError> {
        redis::cmd("DEL")
            .arg(self.restaurant_key(id))
            .arg(self.menu_key(id))
            .query_async::<i64>(&mut self.cache.conn())
            .await
            .map_err(|e| self.cache.error(e))?;
        Ok(())
    }
}

impl<S: CatalogStore> CatalogStore for CachedCatalog<S> {
    async fn put_restaurant(&self, restaurant: &Restaurant) -> Result<(), StorageError> {
        self.inner.put_restaurant(restaurant).await?;
        self.forget(restaurant.id).await
    }

    async fn put_menu(&self, menu: &Menu) -> Result<(), StorageError> {
        self.inner.put_menu(menu).await?;
        self.forget(menu.restaurant).await
    }

    async fn restaurant(&self, id: RestaurantId) -> Result<Option<Restaurant>, StorageError> {
        let key = self.restaurant_key(id);
        if let Some(json) = self.cached(&key).await? {
            return codec::restaurant_from_json(&json).map(Some);
        }
        let found = self.inner.restaurant(id).await?;
        if let Some(r) = &found {
            self.fill(&key, codec::restaurant_json(r)).await?;
        }
        Ok(found)
    }

    async fn menu(&self, id: RestaurantId) -> Result<Option<Menu>, StorageError> {
        let key = self.menu_key(id);
        if let Some(json) = self.cached(&key).await? {
            return codec::menu_from_json(&json).map(Some);
        }
        let found = self.inner.menu(id).await?;
        if let Some(m) = &found {
            self.fill(&key, codec::menu_json(m)).await?;
        }
        Ok(found)
    }

    async fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> Result<StockOutcome, StorageError> {
        let outcome = self.inner.adjust_stock(restaurant, expected_version, changes).await;
        // A conflict means the cached copy may be the stale one the caller
        // read: drop it either way so the next read sees the source.
        self.forget(restaurant).await?;
        outcome
    }

    async fn invalidate(&self, id: RestaurantId) -> Result<(), StorageError> {
        self.inner.invalidate(id).await?;
        self.forget(id).await
    }

    async fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Restaurant>, StorageError> {
        self.inner.restaurants_near(center, radius_m, limit).await
    }
}
