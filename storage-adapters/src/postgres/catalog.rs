//! `CatalogStore` on PostgreSQL: restaurants and menus in tables. There is
//! no cache here; a Redis cache goes in front of it.

use courier_core::ports::{
    CatalogStore, Menu, MenuItem, Restaurant, StockChange, StockOutcome, StorageError, apply_stock_changes,
};
use courier_core::{Currency, Duration, GeoPoint, MenuItemId, Money, RestaurantId};
use sqlx::PgConnection;
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{PgStore, to_i64, to_u64};

const RESTAURANT_COLUMNS: &str = "id, name, cuisine, lat, lng, rating_centi, is_open, accepting_orders, \
                                  delivery_radius_m, minimum_order, currency, prep_time_ms";

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn restaurant_of(r: &PgRow) -> Result<Restaurant, StorageError> {
    let currency: Currency = r
        .try_get::<String, _>("currency")
        .map_err(corrupt)?
        .parse()
        .map_err(corrupt)?;
    Ok(Restaurant {
        id: RestaurantId::new(to_u64(r.try_get("id").map_err(corrupt)?, "restaurant id")?),
        name: r.try_get("name").map_err(corrupt)?,
        cuisine: r.try_get("cuisine").map_err(corrupt)?,
        location: GeoPoint::new(r.try_get("lat").map_err(corrupt)?, r.try_get("lng").map_err(corrupt)?)
            .map_err(corrupt)?,
        rating_centi: u16::try_from(r.try_get::<i32, _>("rating_centi").map_err(corrupt)?).map_err(corrupt)?,
        is_open: r.try_get("is_open").map_err(corrupt)?,
        accepting_orders: r.try_get("accepting_orders").map_err(corrupt)?,
        delivery_radius_m: u32::try_from(r.try_get::<i32, _>("delivery_radius_m").map_err(corrupt)?)
            .map_err(corrupt)?,
        minimum_order: Money::new(r.try_get("minimum_order").map_err(corrupt)?, currency),
        prep_time: Duration::from_millis(to_u64(r.try_get("prep_time_ms").map_err(corrupt)?, "prep time")?),
    })
}

impl CatalogStore for PgStore {
    async fn put_restaurant(&self, r: &Restaurant) -> Result<(), StorageError> {
        sqlx::query(&format!(
            "INSERT INTO restaurants ({RESTAURANT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (id) DO UPDATE SET name = $2, cuisine = $3, lat = $4, lng = $5, rating_centi = $6, \
             is_open = $7, accepting_orders = $8, delivery_radius_m = $9, minimum_order = $10, currency = $11, prep_time_ms = $12"
        ))
        .bind(to_i64(r.id.get()))
        .bind(&r.name)
        .bind(&r.cuisine)
        .bind(r.location.lat())
        .bind(r.location.lng())
        .bind(i32::from(r.rating_centi))
        .bind(r.is_open)
        .bind(r.accepting_orders)
        .bind(i32::try_from(r.delivery_radius_m).unwrap_or(i32::MAX))
        .bind(r.minimum_order.minor())
        .bind(r.minimum_order.currency().code())
        .bind(to_i64(r.prep_time.as_millis()))
        .execute(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        Ok(())
    }

    async fn put_menu(&self, menu: &Menu) -> Result<(), StorageError> {
        let mut tx = self.pool.begin().await.map_err(|e| self.error(e))?;
        let rid = to_i64(menu.restaurant.get());
        sqlx::query("INSERT INTO menus (restaurant_id, version) VALUES ($1, $2) ON CONFLICT (restaurant_id) DO UPDATE SET version = $2")
            .bind(rid)
            .bind(to_i64(menu.version))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.error(e))?;
        sqlx::query("DELETE FROM menu_items WHERE restaurant_id = $1")
            .bind(rid)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.error(e))?;
        for (n, item) in menu.items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO menu_items (restaurant_id, position, item_id, name, price_minor, currency, available, stock) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
            )
            .bind(rid)
            .bind(i32::try_from(n).unwrap_or(i32::MAX))
            .bind(to_i64(item.id.get()))
            .bind(&item.name)
            .bind(item.price.minor())
            .bind(item.price.currency().code())
            .bind(item.available)
            .bind(item.stock.map(|s| i32::try_from(s).unwrap_or(i32::MAX)))
            .execute(&mut *tx)
            .await
            .map_err(|e| self.error(e))?;
        }
        tx.commit().await.map_err(|e| self.error(e))
    }

    async fn restaurant(&self, id: RestaurantId) -> Result<Option<Restaurant>, StorageError> {
        let row = sqlx::query(&format!("SELECT {RESTAURANT_COLUMNS} FROM restaurants WHERE id = $1"))
            .bind(to_i64(id.get()))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        row.as_ref().map(restaurant_of).transpose()
    }

    async fn menu(&self, id: RestaurantId) -> Result<Option<Menu>, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.error(e))?;
        self.load_menu(&mut conn, id).await
    }

    async fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> Result<StockOutcome, StorageError> {
        let rid = to_i64(restaurant.get());
        let mut tx = self.pool.begin().await.map_err(|e| self.error(e))?;
        // The version row is the lock: every stock writer bumps it first, so
        // writers of one menu queue here and a stale one matches no row.
        let bumped: Option<i64> = sqlx::query_scalar(
            "UPDATE menus SET version = version + 1 WHERE restaurant_id = $1 AND version = $2 RETURNING version",
        )
        .bind(rid)
        .bind(to_i64(expected_version))
        .fetch_optional(&mut *tx)
        .await
        .map_err(|e| self.error(e))?;
        if bumped.is_none() {
            let actual: Option<i64> = sqlx::query_scalar("SELECT version FROM menus WHERE restaurant_id = $1")
                .bind(rid)
                .fetch_optional(&mut *tx)
                .await
                .map_err(|e| self.error(e))?;
            return match actual {
                None => Ok(StockOutcome::NoMenu),
                Some(actual) => Err(StorageError::MenuConflict {
                    restaurant,
                    expected: expected_version,
                    actual: to_u64(actual, "menu version")?,
                }),
            };
        }
        let Some(mut menu) = self.load_menu(&mut tx, restaurant).await? else {
            return Ok(StockOutcome::NoMenu);
        };
        // Decide on the version the caller read, as every adapter does.
        menu.version = expected_version;
        let outcome = apply_stock_changes(&menu, changes);
        let StockOutcome::Applied(next) = &outcome else {
            // Dropping the transaction rolls the version bump back.
            return Ok(outcome);
        };
        let (ids, stocks): (Vec<i64>, Vec<Option<i32>>) = next
            .items
            .iter()
            .filter(|item| changes.iter().any(|c| c.item == item.id))
            .map(|item| {
                (
                    to_i64(item.id.get()),
                    item.stock.map(|s| i32::try_from(s).unwrap_or(i32::MAX)),
                )
            })
            .unzip();
        sqlx::query(
            "UPDATE menu_items m SET stock = x.stock FROM UNNEST($2::bigint[], $3::int[]) AS x(item_id, stock) \
             WHERE m.restaurant_id = $1 AND m.item_id = x.item_id",
        )
        .bind(rid)
        .bind(&ids)
        .bind(&stocks)
        .execute(&mut *tx)
        .await
        .map_err(|e| self.error(e))?;
        tx.commit().await.map_err(|e| self.error(e))?;
        Ok(outcome)
    }

    async fn invalidate(&self, _id: RestaurantId) -> Result<(), StorageError> {
        // The tables are the source of truth: nothing here is cached.
        Ok(())
    }

    async fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Restaurant>, StorageError> {
        if radius_m.is_nan() || radius_m < 0.0 {
            return Ok(Vec::new());
        }
        // A latitude band from the index, then the exact distance here.
        let band = (radius_m / 111_195.0).min(180.0);
        let rows = sqlx::query(&format!(
            "SELECT {RESTAURANT_COLUMNS} FROM restaurants WHERE lat BETWEEN $1 AND $2"
        ))
        .bind(center.lat() - band)
        .bind(center.lat() + band)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        let candidates = rows.iter().map(restaurant_of).collect::<Result<Vec<_>, _>>()?;
        Ok(crate::nearest::nearest_restaurants(
            center,
            &candidates,
            radius_m,
            limit,
        ))
    }
}

impl PgStore {
    /// A menu read on one connection (inside a transaction when given one).
    async fn load_menu(&self, conn: &mut PgConnection, id: RestaurantId) -> Result<Option<Menu>, StorageError> {
        let version: Option<i64> = sqlx::query_scalar("SELECT version FROM menus WHERE restaurant_id = $1")
            .bind(to_i64(id.get()))
            .fetch_optional(&mut *conn)
            .await
            .map_err(|e| self.error(e))?;
        let Some(version) = version else { return Ok(None) };
        let rows = sqlx::query(
            "SELECT item_id, name, price_minor, currency, available, stock FROM menu_items WHERE restaurant_id = $1 ORDER BY position",
        )
        .bind(to_i64(id.get()))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| self.error(e))?;
        let items = rows
            .iter()
            .map(|r| {
                let currency: Currency = r
                    .try_get::<String, _>("currency")
                    .map_err(corrupt)?
                    .parse()
                    .map_err(corrupt)?;
                Ok(MenuItem {
                    id: MenuItemId::new(to_u64(r.try_get("item_id").map_err(corrupt)?, "item id")?),
                    name: r.try_get("name").map_err(corrupt)?,
                    price: Money::new(r.try_get("price_minor").map_err(corrupt)?, currency),
                    available: r.try_get("available").map_err(corrupt)?,
                    stock: r
                        .try_get::<Option<i32>, _>("stock")
                        .map_err(corrupt)?
                        .map(|s| u32::try_from(s).unwrap_or(0)),
                })
            })
            .collect::<Result<Vec<_>, StorageError>>()?;
        Ok(Some(Menu {
            restaurant: id,
            version: to_u64(version, "menu version")?,
            items,
        }))
    }
}
