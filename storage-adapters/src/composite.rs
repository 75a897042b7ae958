//! One [`Store`](courier_core::ports::Store) from three parts, the seed's
//! production layout: orders, idempotency records and ratings in the durable store
//! (PostgreSQL), the catalog behind a cache, and courier locations and rate
//! limits in the fast store (Redis).

use courier_core::geo::GeoPoint;
use courier_core::ids::{CourierId, CustomerId, IdempotencyKey, OrderId, RestaurantId};
use courier_core::order::{Order, OrderEvent, StatusKind};
use courier_core::ports::{
    AuditEntry, CatalogStore, ChangeFeed, CourierLoad, CourierLocation, CreateOutcome, EventId, FeedCursor,
    IdempotencyStore, Lease, LeaseStore, Listed, LocationStore, Menu, NearbyCourier, OrderChange, OrderStore,
    OutboxEntry, RateDecision, RateLimit, RateLimitStore, RatingOutcome, RatingStore, Restaurant, StockChange,
    StockOutcome, StorageError, Transition,
};
use courier_core::ports::{ClaimOutcome, PromoClaim, PromotionStore};
use courier_core::promotion::Promotion;
use courier_core::rating::{Rating, RatingSubject, RatingSummary};
use courier_core::time::{Duration, Timestamp};

/// Orders and idempotency from `durable`, the catalog from `catalog`,
/// locations and rate limits from `fast`.
///
/// ```no_run
/// use courier_storage::composite::Composite;
/// use courier_storage::postgres::{PgConfig, PgStore};
/// use courier_storage::redis::{CachedCatalog, RedisStore};
/// # async fn run() -> Result<(), courier_core::ports::StorageError> {
/// let pg = PgStore::connect(PgConfig::new("postgres://postgres@127.0.0.1:5432/test")).await?;
/// let redis = RedisStore::connect("redis://127.0.0.1:6379", "courier").await?;
/// let catalog = CachedCatalog::new(pg.clone(), redis.clone(), courier_core::Duration::from_mins(5));
/// let store = Composite::new(pg, catalog, redis);
/// # let _ = store; Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Composite<D, C, F> {
    durable: D,
    catalog: C,
    fast: F,
}

impl<D, C, F> Composite<D, C, F> {
    /// Puts the parts together.
    pub fn new(durable: D, catalog: C, fast: F) -> Self {
        Composite { durable, catalog, fast }
    }

    /// The durable part.
    pub fn durable(&self) -> &D {
        &self.durable
    }

    /// The catalog part.
    pub fn catalog(&self) -> &C {
        &self.catalog
    }

    /// The fast part.
    pub fn fast(&self) -> &F {
        &self.fast
    }

    /// The parts back.
    pub fn into_parts(self) -> (D, C, F) {
        (self.durable, self.catalog, self.fast)
    }
}

impl<D: OrderStore, C: Send + Sync, F: Send + Sync> OrderStore for Composite<D, C, F> {
    fn create_order(
        &self,
        order: &Order,
        created: &OrderEvent,
    ) -> impl Future<Output = Result<CreateOutcome, StorageError>> + Send {
        self.durable.create_order(order, created)
    }

    fn load_order(&self, id: OrderId) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send {
        self.durable.load_order(id)
    }

    fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send {
        self.durable.find_by_idempotency_key(customer, key)
    }

    fn save_transition(&self, transition: &Transition<'_>) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.durable.save_transition(transition)
    }

    fn has_completed_order(&self, customer: CustomerId) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.durable.has_completed_order(customer)
    }
    fn courier_load(&self, courier: CourierId) -> impl Future<Output = Result<CourierLoad, StorageError>> + Send {
        self.durable.courier_load(courier)
    }

    fn list_by_status(
        &self,
        status: StatusKind,
        limit: usize,
    ) -> impl Future<Output = Result<Listed, StorageError>> + Send {
        self.durable.list_by_status(status, limit)
    }

    fn read_outbox(&self, limit: usize) -> impl Future<Output = Result<Vec<OutboxEntry>, StorageError>> + Send {
        self.durable.read_outbox(limit)
    }

    fn mark_published(&self, ids: &[EventId]) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.durable.mark_published(ids)
    }

    fn audit_trail(&self, id: OrderId) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send {
        self.durable.audit_trail(id)
    }
}

impl<D: LeaseStore, C: Send + Sync, F: Send + Sync> LeaseStore for Composite<D, C, F> {
    fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Lease>, StorageError>> + Send {
        self.durable.acquire_lease(name, holder, now, ttl)
    }

    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.durable.release_lease(lease)
    }
}

impl<D: IdempotencyStore, C: Send + Sync, F: Send + Sync> IdempotencyStore for Composite<D, C, F> {
    fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send {
        self.durable.put_if_absent(key, value, now, ttl)
    }

    fn get(&self, key: &str, now: Timestamp) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send {
        self.durable.get(key, now)
    }
}

impl<D: Send + Sync, C: CatalogStore, F: Send + Sync> CatalogStore for Composite<D, C, F> {
    fn put_restaurant(&self, restaurant: &Restaurant) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.catalog.put_restaurant(restaurant)
    }

    fn put_menu(&self, menu: &Menu) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.catalog.put_menu(menu)
    }

    fn restaurant(&self, id: RestaurantId) -> impl Future<Output = Result<Option<Restaurant>, StorageError>> + Send {
        self.catalog.restaurant(id)
    }

    fn menu(&self, id: RestaurantId) -> impl Future<Output = Result<Option<Menu>, StorageError>> + Send {
        self.catalog.menu(id)
    }

    fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> impl Future<Output = Result<StockOutcome, StorageError>> + Send {
        self.catalog.adjust_stock(restaurant, expected_version, changes)
    }
    fn invalidate(&self, id: RestaurantId) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.catalog.invalidate(id)
    }

    fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Restaurant>, StorageError>> + Send {
        self.catalog.restaurants_near(center, radius_m, limit)
    }
}

impl<D: Send + Sync, C: Send + Sync, F: LocationStore> LocationStore for Composite<D, C, F> {
    fn upsert_location(&self, location: CourierLocation) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.fast.upsert_location(location)
    }

    fn upsert_locations(&self, fixes: &[CourierLocation]) -> impl Future<Output = Result<u64, StorageError>> + Send {
        self.fast.upsert_locations(fixes)
    }

    fn location(
        &self,
        courier: CourierId,
    ) -> impl Future<Output = Result<Option<CourierLocation>, StorageError>> + Send {
        self.fast.location(courier)
    }

    fn nearby(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NearbyCourier>, StorageError>> + Send {
        self.fast.nearby(center, radius_m, limit)
    }

    fn expire_silent(
        &self,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Vec<CourierId>, StorageError>> + Send {
        self.fast.expire_silent(now, ttl)
    }

    fn fixes_since(&self, since: Timestamp) -> impl Future<Output = Result<Vec<CourierLocation>, StorageError>> + Send {
        self.fast.fixes_since(since)
    }

    fn remove_location(&self, courier: CourierId) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.fast.remove_location(courier)
    }
}

impl<D: ChangeFeed, C: Send + Sync, F: Send + Sync> ChangeFeed for Composite<D, C, F> {
    fn feed_head(&self) -> impl Future<Output = Result<FeedCursor, StorageError>> + Send {
        self.durable.feed_head()
    }

    fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<OrderChange>, FeedCursor), StorageError>> + Send {
        self.durable.changes_after(cursor, limit)
    }
}

impl<D: Send + Sync, C: Send + Sync, F: RateLimitStore> RateLimitStore for Composite<D, C, F> {
    fn hit(
        &self,
        key: &str,
        limit: RateLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<RateDecision, StorageError>> + Send {
        self.fast.hit(key, limit, now)
    }
}

impl<D: RatingStore, C: Send + Sync, F: Send + Sync> RatingStore for Composite<D, C, F> {
    fn record_rating(&self, rating: &Rating) -> impl Future<Output = Result<RatingOutcome, StorageError>> + Send {
        self.durable.record_rating(rating)
    }

    fn rating_summary(
        &self,
        subject: RatingSubject,
    ) -> impl Future<Output = Result<RatingSummary, StorageError>> + Send {
        self.durable.rating_summary(subject)
    }
}

/// Promotions and their uses are durable: the database holds them.
impl<D: PromotionStore, C: Send + Sync, F: Send + Sync> PromotionStore for Composite<D, C, F> {
    fn create_promotion(&self, promotion: &Promotion) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.durable.create_promotion(promotion)
    }
    fn list_promotions(&self) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send {
        self.durable.list_promotions()
    }
    fn promotions(&self, codes: &[&str]) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send {
        self.durable.promotions(codes)
    }
    fn expire_promotion(
        &self,
        code: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Promotion>, StorageError>> + Send {
        self.durable.expire_promotion(code, at)
    }
    fn promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<Vec<u32>, StorageError>> + Send {
        self.durable.promotion_uses(customer, codes)
    }
    fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> impl Future<Output = Result<ClaimOutcome, StorageError>> + Send {
        self.durable.claim_promotion_uses(customer, claims)
    }
    fn release_promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.durable.release_promotion_uses(customer, codes)
    }
}
