//! A small city for the platform tests: one pizzeria (seed 000's restaurant
//! 123), its menu, a customer, couriers, fake gateway, notifier and clock,
//! over any store.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use courier_core::order::Order;
use courier_core::ports::{CatalogStore, Menu, MenuItem, Restaurant, Store};

use courier_core::*;
use courier_platform::external::{FakeGateway, ManualClock, RecordingNotifier};
use courier_platform::rate_limits::Tier;
use courier_platform::{OrderRequest, Platform, PlatformConfig};
use courier_pricing::{PricingConfig, ServiceFee, SmallOrderFee, TaxRule};
use courier_storage::composite::Composite;
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::{CachedCatalog, RedisStore};
use rand::SeedableRng;

pub(crate) type Services<S> = Platform<S, Arc<FakeGateway>, Arc<RecordingNotifier>, Arc<ManualClock>>;
pub(crate) type PgRedis = Composite<PgStore, CachedCatalog<PgStore>, RedisStore>;

pub(crate) const RESTAURANT: RestaurantId = RestaurantId::new(123);
pub(crate) const MARGHERITA: MenuItemId = MenuItemId::new(1);
pub(crate) const GARLIC_BREAD: MenuItemId = MenuItemId::new(2);
pub(crate) const TIRAMISU: MenuItemId = MenuItemId::new(3);
pub(crate) const CUSTOMER: CustomerId = CustomerId::new(7);

pub(crate) fn usd(cents: i64) -> Money {
    Money::new(cents, Currency::Usd)
}

pub(crate) fn secs(s: i64) -> Timestamp {
    Timestamp::from_millis(s * 1_000)
}

pub(crate) fn restaurant_point() -> GeoPoint {
    GeoPoint::new(37.7749, -122.4194).unwrap()
}

pub(crate) fn home() -> GeoPoint {
    GeoPoint::new(37.7849, -122.4094).unwrap()
}

/// Pricing without fees or tax, so a $25.00 cart is charged $25.00 as in the seed.
pub(crate) fn seed_pricing() -> PricingConfig {
    let zero = usd(0);
    let mut p = PricingConfig::example_usd();
    p.delivery.base = zero;
    p.delivery.per_km = zero;
    p.small_order = SmallOrderFee { below: zero, fee: zero };
    p.service = ServiceFee {
        rate: BasisPoints::new(0),
        min: zero,
        max: zero,
    };
    p.tax = TaxRule {
        rate: BasisPoints::new(0),
        ..p.tax
    };
    p
}

pub(crate) struct World<S> {
    pub(crate) platform: Services<S>,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) gateway: Arc<FakeGateway>,
    pub(crate) notes: Arc<RecordingNotifier>,
}

impl<S: Store> World<S> {
    pub(crate) fn new(store: S, config: PlatformConfig) -> World<S> {
        World::with_parts(
            store,
            config,
            Arc::new(ManualClock::new(secs(18 * 3600))),
            Arc::new(FakeGateway::new()),
        )
    }

    /// A platform sharing a clock and gateway with an earlier one (a restart).
    pub(crate) fn with_parts(
        store: S,
        config: PlatformConfig,
        clock: Arc<ManualClock>,
        gateway: Arc<FakeGateway>,
    ) -> World<S> {
        let notes = Arc::new(RecordingNotifier::new());
        let platform = Platform::new(
            store,
            gateway.clone(),
            notes.clone(),
            clock.clone(),
            rand_chacha::ChaCha8Rng::seed_from_u64(11),
            config,
        )
        .unwrap();
        World {
            platform,
            clock,
            gateway,
            notes,
        }
    }

    pub(crate) fn store(&self) -> &S {
        self.platform.store()
    }

    pub(crate) fn clock_now_ms(&self) -> i64 {
        use courier_platform::external::Clock;
        self.clock.now().as_millis()
    }

    pub(crate) fn advance(&self, s: u64) {
        self.clock.advance(Duration::from_secs(s));
    }

    pub(crate) async fn load(&self, id: OrderId) -> Order {
        self.store().load_order(id).await.unwrap().unwrap()
    }
}

pub(crate) fn config() -> PlatformConfig {
    PlatformConfig {
        pricing: seed_pricing(),
        ..PlatformConfig::default()
    }
}

pub(crate) async fn seed_catalog<S: CatalogStore>(store: &S) {
    store
        .put_restaurant(&Restaurant {
            id: RESTAURANT,
            name: "Golden Gate Pizza".into(),
            cuisine: "pizza".into(),
            location: restaurant_point(),
            rating_centi: 460,
            is_open: true,
            accepting_orders: true,
            delivery_radius_m: 5_000,
            minimum_order: usd(1000),
            prep_time: Duration::from_mins(15),
        })
        .await
        .unwrap();
    let item = |id, name: &str, price, available, stock| MenuItem {
        id,
        name: name.into(),
        price: usd(price),
        available,
        stock,
    };
    store
        .put_menu(&Menu {
            restaurant: RESTAURANT,
            version: 1,
            items: vec![
                item(MARGHERITA, "Margherita", 1250, true, None),
                item(GARLIC_BREAD, "Garlic bread", 500, true, Some(3)),
                item(TIRAMISU, "Tiramisu", 700, false, None),
            ],
        })
        .await
        .unwrap();
}

/// Two margheritas: $25.00.
pub(crate) fn two_pizzas(key: &str) -> OrderRequest {
    OrderRequest {
        customer: CUSTOMER,
        tier: Tier::Authenticated,
        restaurant: RESTAURANT,
        items: vec![(MARGHERITA, 2)],
        dropoff: home(),
        tip: usd(0),
        promo_codes: Vec::new(),
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
    }
}

/// A courier's position `m` metres north of the restaurant.
pub(crate) fn near_restaurant(m: f64) -> GeoPoint {
    restaurant_point().offset_m(m, 0.0).unwrap()
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn redis_url() -> String {
    std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// PostgreSQL in a fresh schema; fails naming the URL if the server is unreachable.
pub(crate) async fn fresh_pg() -> PgStore {
    let schema = format!(
        "courier_platform_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let config = PgConfig {
        schema: Some(schema),
        ..PgConfig::new(database_url())
    };
    PgStore::connect(config).await.unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for this test and {} could not be used: {e}",
            database_url()
        )
    })
}

/// PostgreSQL for orders and the catalog, Redis for locations, rate limits
/// and the catalog cache, each in a namespace of its own.
pub(crate) async fn fresh_pg_redis() -> PgRedis {
    let pg = fresh_pg().await;
    let prefix = format!(
        "courier-platform-test-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let redis = RedisStore::connect(&redis_url(), &prefix).await.unwrap_or_else(|e| {
        panic!(
            "Redis is required for this test and {} could not be used: {e}",
            redis_url()
        )
    });
    let catalog = CachedCatalog::new(pg.clone(), redis.clone(), Duration::from_mins(5));
    Composite::new(pg, catalog, redis)
}

/// Drops what [`fresh_pg_redis`] created.
pub(crate) async fn cleanup(store: PgRedis) {
    let (pg, _, redis) = store.into_parts();
    redis.clear().await.unwrap();
    pg.drop_schema().await.unwrap();
}
