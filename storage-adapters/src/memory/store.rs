//! All the in-memory ports in one value: the platform's embedded default.

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
use courier_core::{CourierId, CustomerId, Duration, GeoPoint, IdempotencyKey, OrderId, RestaurantId, Timestamp};

use super::{
    MemoryCatalogStore, MemoryIdempotencyStore, MemoryLocationStore, MemoryOrderStore, MemoryPromotionStore,
    MemoryRateLimitStore, MemoryRatingStore,
};

/// Every port, in process memory: implements [`courier_core::ports::Store`].
///
/// ```
/// use courier_core::ports::Store;
/// fn wants_a_store(_: &impl Store) {}
/// wants_a_store(&courier_storage::memory::MemoryStore::default());
/// ```
#[derive(Debug, Default)]
pub struct MemoryStore {
    /// Orders, outbox and audit.
    pub orders: MemoryOrderStore,
    /// Courier locations.
    pub locations: MemoryLocationStore,
    /// Idempotency records.
    pub idempotency: MemoryIdempotencyStore,
    /// Rate-limit counters.
    pub rate_limits: MemoryRateLimitStore,
    /// Restaurants and menus.
    pub catalog: MemoryCatalogStore,
    /// Ratings.
    pub ratings: MemoryRatingStore,
    /// Promotions and their uses.
    pub promotions: MemoryPromotionStore,
}

impl OrderStore for MemoryStore {
    fn create_order(
        &self,
        order: &Order,
        created: &OrderEvent,
    ) -> impl Future<Output = Result<CreateOutcome, StorageError>> + Send {
        self.orders.create_order(order, created)
    }
    fn load_order(&self, id: OrderId) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send {
        self.orders.load_order(id)
    }
    fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send {
        self.orders.find_by_idempotency_key(customer, key)
    }
    fn save_transition(&self, transition: &Transition<'_>) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.orders.save_transition(transition)
    }
    fn has_completed_order(&self, customer: CustomerId) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.orders.has_completed_order(customer)
    }
    fn courier_load(&self, courier: CourierId) -> impl Future<Output = Result<CourierLoad, StorageError>> + Send {
        self.orders.courier_load(courier)
    }
    fn list_by_status(
        &self,
        status: StatusKind,
        limit: usize,
    ) -> impl Future<Output = Result<Listed, StorageError>> + Send {
        self.orders.list_by_status(status, limit)
    }
    fn read_outbox(&self, limit: usize) -> impl Future<Output = Result<Vec<OutboxEntry>, StorageError>> + Send {
        self.orders.read_outbox(limit)
    }
    fn mark_published(&self, ids: &[EventId]) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.orders.mark_published(ids)
    }
    fn audit_trail(&self, id: OrderId) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send {
        self.orders.audit_trail(id)
    }
}

impl LeaseStore for MemoryStore {
    fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Lease>, StorageError>> + Send {
        self.orders.acquire_lease(name, holder, now, ttl)
    }
    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.orders.release_lease(lease)
    }
}

impl LocationStore for MemoryStore {
    fn upsert_location(&self, location: CourierLocation) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.locations.upsert_location(location)
    }
    fn upsert_locations(&self, fixes: &[CourierLocation]) -> impl Future<Output = Result<u64, StorageError>> + Send {
        self.locations.upsert_locations(fixes)
    }
    fn location(
        &self,
        courier: CourierId,
    ) -> impl Future<Output = Result<Option<CourierLocation>, StorageError>> + Send {
        self.locations.location(courier)
    }
    fn nearby(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NearbyCourier>, StorageError>> + Send {
        self.locations.nearby(center, radius_m, limit)
    }
    fn expire_silent(
        &self,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Vec<CourierId>, StorageError>> + Send {
        self.locations.expire_silent(now, ttl)
    }
    fn fixes_since(&self, since: Timestamp) -> impl Future<Output = Result<Vec<CourierLocation>, StorageError>> + Send {
        self.locations.fixes_since(since)
    }
    fn remove_location(&self, courier: CourierId) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.locations.remove_location(courier)
    }
}

impl ChangeFeed for MemoryStore {
    fn feed_head(&self) -> impl Future<Output = Result<FeedCursor, StorageError>> + Send {
        self.orders.feed_head()
    }
    fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<OrderChange>, FeedCursor), StorageError>> + Send {
        self.orders.changes_after(cursor, limit)
    }
}

impl IdempotencyStore for MemoryStore {
    fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send {
        self.idempotency.put_if_absent(key, value, now, ttl)
    }
    fn get(&self, key: &str, now: Timestamp) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send {
        self.idempotency.get(key, now)
    }
}

impl RateLimitStore for MemoryStore {
    fn hit(
        &self,
        key: &str,
        limit: RateLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<RateDecision, StorageError>> + Send {
        self.rate_limits.hit(key, limit, now)
    }
}

impl CatalogStore for MemoryStore {
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

impl RatingStore for MemoryStore {
    fn record_rating(&self, rating: &Rating) -> impl Future<Output = Result<RatingOutcome, StorageError>> + Send {
        self.ratings.record_rating(rating)
    }
    fn rating_summary(
        &self,
        subject: RatingSubject,
    ) -> impl Future<Output = Result<RatingSummary, StorageError>> + Send {
        self.ratings.rating_summary(subject)
    }
}

impl PromotionStore for MemoryStore {
    fn create_promotion(&self, promotion: &Promotion) -> impl Future<Output = Result<bool, StorageError>> + Send {
        self.promotions.create_promotion(promotion)
    }
    fn list_promotions(&self) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send {
        self.promotions.list_promotions()
    }
    fn promotions(&self, codes: &[&str]) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send {
        self.promotions.promotions(codes)
    }
    fn expire_promotion(
        &self,
        code: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Promotion>, StorageError>> + Send {
        self.promotions.expire_promotion(code, at)
    }
    fn promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<Vec<u32>, StorageError>> + Send {
        self.promotions.promotion_uses(customer, codes)
    }
    fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> impl Future<Output = Result<ClaimOutcome, StorageError>> + Send {
        self.promotions.claim_promotion_uses(customer, claims)
    }
    fn release_promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<(), StorageError>> + Send {
        self.promotions.release_promotion_uses(customer, codes)
    }
}
