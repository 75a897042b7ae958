//! The conformance suite against Redis (locations, idempotency, rate limits)
//! and against the Redis catalog cache in front of memory and PostgreSQL.
//! Each test works under a key prefix of its own and deletes it afterwards.
//!
//! `REDIS_URL` picks the server (default: the local one). A test that cannot
//! reach it fails, naming the URL it tried.

use std::sync::atomic::{AtomicU32, Ordering};

use courier_core::ports::{CatalogStore, Menu, MenuItem};
use courier_core::{Currency, Duration, MenuItemId, Money, RestaurantId};
use courier_storage::memory::MemoryCatalogStore;
use courier_storage::redis::{CachedCatalog, RedisStore};

use crate::conformance::*;

fn url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn fresh_store() -> RedisStore {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let prefix = format!(
        "courier-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    match RedisStore::connect(&url(), &prefix).await {
        Ok(store) => store,
        Err(e) => panic!("Redis is required for this test and {} could not be used: {e}", url()),
    }
}

macro_rules! on_redis {
    ($($name:ident: $check:path;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = fresh_store().await;
                $check(&store, 1_000).await;
                store.clear().await.unwrap();
            }
        )*
    };
}

on_redis! {
    locations_nearby: locations::nearby_equals_brute_force;
    locations_nearby_dense: locations::nearby_in_a_dense_city_equals_brute_force;
    locations_newer_wins: locations::newer_fixes_win;
    locations_expiry: locations::silent_couriers_expire;
    locations_batches: locations::batches_apply_fix_by_fix;
    locations_on_shift: locations::fresh_fixes_list_who_is_on_shift;
    idempotency_first_wins: idempotency::first_value_wins;
    idempotency_expiry: idempotency::records_expire;
    rate_limit_edges: rate_limits::window_edges;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_in_front_of_memory_conforms() {
    let redis = fresh_store().await;
    let cached = CachedCatalog::new(MemoryCatalogStore::default(), redis.clone(), Duration::from_mins(5));
    catalog::writes_invalidate_the_cache(&cached, 1_000).await;
    catalog::restaurants_near_are_sorted(&cached, 2_000).await;
    catalog::stock_changes_are_checked_and_atomic(&cached, 3_000).await;
    catalog::racing_buyers_never_oversell(&cached, 4_000).await;
    redis.clear().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cache_in_front_of_postgres_conforms() {
    let redis = fresh_store().await;
    let pg = crate::postgres::fresh_store().await;
    let cached = CachedCatalog::new(pg.clone(), redis.clone(), Duration::from_mins(5));
    catalog::writes_invalidate_the_cache(&cached, 1_000).await;
    catalog::restaurants_near_are_sorted(&cached, 2_000).await;
    catalog::stock_changes_are_checked_and_atomic(&cached, 3_000).await;
    catalog::racing_buyers_never_oversell(&cached, 4_000).await;
    redis.clear().await.unwrap();
    pg.drop_schema().await.unwrap();
}

/// The cache really caches: a change made behind its back stays invisible
/// until the restaurant is invalidated.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_come_from_the_cache_until_invalidated() {
    let redis = fresh_store().await;
    let cached = CachedCatalog::new(MemoryCatalogStore::default(), redis.clone(), Duration::from_mins(5));
    let id = RestaurantId::new(5);
    let menu = |version, price| Menu {
        restaurant: id,
        version,
        items: vec![MenuItem {
            id: MenuItemId::new(1),
            name: "Pho".into(),
            price: Money::new(price, Currency::Eur),
            available: true,
            stock: None,
        }],
    };
    cached.put_menu(&menu(1, 900)).await.unwrap();
    assert_eq!(cached.menu(id).await.unwrap().unwrap().version, 1);
    cached.inner().put_menu(&menu(2, 950)).await.unwrap();
    assert_eq!(
        cached.menu(id).await.unwrap().unwrap().version,
        1,
        "served from the cache"
    );
    cached.invalidate(id).await.unwrap();
    let fresh = cached.menu(id).await.unwrap().unwrap();
    assert_eq!(
        (fresh.version, fresh.items[0].price),
        (2, Money::new(950, Currency::Eur))
    );
    redis.clear().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let err = RedisStore::connect("redis://127.0.0.1:1", "x")
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("127.0.0.1:1"), "{err}");
}
