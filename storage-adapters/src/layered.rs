//! One store wrapped in something done around every call (faults
//! injected, calls measured): the ports are delegated here once, and a
//! wrapper only says what it does around a call.

use std::sync::Arc;

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

/// What is done around each call of a [`Layered`] store.
pub trait CallLayer: Send + Sync {
    /// Runs `call` (one call of the inner store) with whatever the layer
    /// adds: it may fail the call without running it, delay it, or
    /// observe how it went.
    fn around<T: Send>(
        &self,
        call: impl Future<Output = Result<T, StorageError>> + Send,
    ) -> impl Future<Output = Result<T, StorageError>> + Send;
}

impl<L: CallLayer> CallLayer for Arc<L> {
    fn around<T: Send>(
        &self,
        call: impl Future<Output = Result<T, StorageError>> + Send,
    ) -> impl Future<Output = Result<T, StorageError>> + Send {
        (**self).around(call)
    }
}

/// `inner`, every call of which goes through `layer`.
#[derive(Debug)]
pub struct Layered<S, L> {
    pub(crate) inner: S,
    pub(crate) layer: L,
}

impl<S, L: CallLayer> Layered<S, L> {
    /// `inner` with `layer` around its calls.
    pub fn wrap(inner: S, layer: L) -> Self {
        Layered { inner, layer }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// What is done around each call.
    pub fn layer(&self) -> &L {
        &self.layer
    }
}

impl<S: OrderStore, L: CallLayer> OrderStore for Layered<S, L> {
    async fn create_order(&self, order: &Order, created: &OrderEvent) -> Result<CreateOutcome, StorageError> {
        self.layer.around(self.inner.create_order(order, created)).await
    }
    async fn load_order(&self, id: OrderId) -> Result<Option<Order>, StorageError> {
        self.layer.around(self.inner.load_order(id)).await
    }
    async fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<Order>, StorageError> {
        self.layer
            .around(self.inner.find_by_idempotency_key(customer, key))
            .await
    }
    async fn save_transition(&self, transition: &Transition<'_>) -> Result<(), StorageError> {
        self.layer.around(self.inner.save_transition(transition)).await
    }
    async fn has_completed_order(&self, customer: CustomerId) -> Result<bool, StorageError> {
        self.layer.around(self.inner.has_completed_order(customer)).await
    }
    async fn courier_load(&self, courier: CourierId) -> Result<CourierLoad, StorageError> {
        self.layer.around(self.inner.courier_load(courier)).await
    }
    async fn list_by_status(&self, status: StatusKind, limit: usize) -> Result<Listed, StorageError> {
        self.layer.around(self.inner.list_by_status(status, limit)).await
    }
    async fn read_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StorageError> {
        self.layer.around(self.inner.read_outbox(limit)).await
    }
    async fn mark_published(&self, ids: &[EventId]) -> Result<(), StorageError> {
        self.layer.around(self.inner.mark_published(ids)).await
    }
    async fn audit_trail(&self, id: OrderId) -> Result<Vec<AuditEntry>, StorageError> {
        self.layer.around(self.inner.audit_trail(id)).await
    }
}

impl<S: LocationStore, L: CallLayer> LocationStore for Layered<S, L> {
    async fn upsert_location(&self, location: CourierLocation) -> Result<(), StorageError> {
        self.layer.around(self.inner.upsert_location(location)).await
    }
    async fn upsert_locations(&self, fixes: &[CourierLocation]) -> Result<u64, StorageError> {
        self.layer.around(self.inner.upsert_locations(fixes)).await
    }
    async fn location(&self, courier: CourierId) -> Result<Option<CourierLocation>, StorageError> {
        self.layer.around(self.inner.location(courier)).await
    }
    async fn nearby(&self, center: GeoPoint, radius_m: f64, limit: usize) -> Result<Vec<NearbyCourier>, StorageError> {
        self.layer.around(self.inner.nearby(center, radius_m, limit)).await
    }
    async fn expire_silent(&self, now: Timestamp, ttl: Duration) -> Result<Vec<CourierId>, StorageError> {
        self.layer.around(self.inner.expire_silent(now, ttl)).await
    }
    async fn fixes_since(&self, since: Timestamp) -> Result<Vec<CourierLocation>, StorageError> {
        self.layer.around(self.inner.fixes_since(since)).await
    }
    async fn remove_location(&self, courier: CourierId) -> Result<bool, StorageError> {
        self.layer.around(self.inner.remove_location(courier)).await
    }
}

impl<S: ChangeFeed, L: CallLayer> ChangeFeed for Layered<S, L> {
    async fn feed_head(&self) -> Result<FeedCursor, StorageError> {
        self.layer.around(self.inner.feed_head()).await
    }
    async fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> Result<(Vec<OrderChange>, FeedCursor), StorageError> {
        self.layer.around(self.inner.changes_after(cursor, limit)).await
    }
}

impl<S: LeaseStore, L: CallLayer> LeaseStore for Layered<S, L> {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        self.layer
            .around(self.inner.acquire_lease(name, holder, now, ttl))
            .await
    }
    async fn release_lease(&self, lease: &Lease) -> Result<bool, StorageError> {
        self.layer.around(self.inner.release_lease(lease)).await
    }
}

impl<S: IdempotencyStore, L: CallLayer> IdempotencyStore for Layered<S, L> {
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        self.layer.around(self.inner.put_if_absent(key, value, now, ttl)).await
    }
    async fn get(&self, key: &str, now: Timestamp) -> Result<Option<Vec<u8>>, StorageError> {
        self.layer.around(self.inner.get(key, now)).await
    }
}

impl<S: RateLimitStore, L: CallLayer> RateLimitStore for Layered<S, L> {
    async fn hit(&self, key: &str, limit: RateLimit, now: Timestamp) -> Result<RateDecision, StorageError> {
        self.layer.around(self.inner.hit(key, limit, now)).await
    }
}

impl<S: CatalogStore, L: CallLayer> CatalogStore for Layered<S, L> {
    async fn put_restaurant(&self, restaurant: &Restaurant) -> Result<(), StorageError> {
        self.layer.around(self.inner.put_restaurant(restaurant)).await
    }
    async fn put_menu(&self, menu: &Menu) -> Result<(), StorageError> {
        self.layer.around(self.inner.put_menu(menu)).await
    }
    async fn restaurant(&self, id: RestaurantId) -> Result<Option<Restaurant>, StorageError> {
        self.layer.around(self.inner.restaurant(id)).await
    }
    async fn menu(&self, id: RestaurantId) -> Result<Option<Menu>, StorageError> {
        self.layer.around(self.inner.menu(id)).await
    }
    async fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> Result<StockOutcome, StorageError> {
        self.layer
            .around(self.inner.adjust_stock(restaurant, expected_version, changes))
            .await
    }
    async fn invalidate(&self, id: RestaurantId) -> Result<(), StorageError> {
        self.layer.around(self.inner.invalidate(id)).await
    }
    async fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Restaurant>, StorageError> {
        self.layer
            .around(self.inner.restaurants_near(center, radius_m, limit))
            .await
    }
}

impl<S: RatingStore, L: CallLayer> RatingStore for Layered<S, L> {
    async fn record_rating(&self, rating: &Rating) -> Result<RatingOutcome, StorageError> {
        self.layer.around(self.inner.record_rating(rating)).await
    }
    async fn rating_summary(&self, subject: RatingSubject) -> Result<RatingSummary, StorageError> {
        self.layer.around(self.inner.rating_summary(subject)).await
    }
}

impl<S: PromotionStore, L: CallLayer> PromotionStore for Layered<S, L> {
    async fn create_promotion(&self, promotion: &Promotion) -> Result<bool, StorageError> {
        self.layer.around(self.inner.create_promotion(promotion)).await
    }
    async fn list_promotions(&self) -> Result<Vec<Promotion>, StorageError> {
        self.layer.around(self.inner.list_promotions()).await
    }
    async fn promotions(&self, codes: &[&str]) -> Result<Vec<Promotion>, StorageError> {
        self.layer.around(self.inner.promotions(codes)).await
    }
    async fn expire_promotion(&self, code: &str, at: Timestamp) -> Result<Option<Promotion>, StorageError> {
        self.layer.around(self.inner.expire_promotion(code, at)).await
    }
    async fn promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<Vec<u32>, StorageError> {
        self.layer.around(self.inner.promotion_uses(customer, codes)).await
    }
    async fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> Result<ClaimOutcome, StorageError> {
        self.layer
            .around(self.inner.claim_promotion_uses(customer, claims))
            .await
    }
    async fn release_promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<(), StorageError> {
        self.layer
            .around(self.inner.release_promotion_uses(customer, codes))
            .await
    }
}
