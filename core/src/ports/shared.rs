//! Every port behind an `Arc`: one store shared by several owners in one
//! process (two platforms over one memory store stand for two instances
//! over one database in tests and simulations).

use std::sync::Arc;

use crate::geo::GeoPoint;
use crate::ids::{CourierId, CustomerId, IdempotencyKey, OrderId, RestaurantId};
use crate::order::{Order, OrderEvent, StatusKind};
use crate::promotion::Promotion;
use crate::rating::{Rating, RatingSubject, RatingSummary};
use crate::time::{Duration, Timestamp};

use super::*;

impl<T: OrderStore> OrderStore for Arc<T> {
    fn create_order(
        &self,
        order: &Order,
        created: &OrderEvent,
    ) -> impl Future<Output = Result<CreateOutcome, StorageError>> + Send {
        (**self).create_order(order, created)
    }
    fn load_order(&self, id: OrderId) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send {
        (**self).load_order(id)
    }
    fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send {
        (**self).find_by_idempotency_key(customer, key)
    }
    fn save_transition(&self, transition: &Transition<'_>) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).save_transition(transition)
    }
    fn has_completed_order(&self, customer: CustomerId) -> impl Future<Output = Result<bool, StorageError>> + Send {
        (**self).has_completed_order(customer)
    }
    fn courier_load(&self, courier: CourierId) -> impl Future<Output = Result<CourierLoad, StorageError>> + Send {
        (**self).courier_load(courier)
    }
    fn list_by_status(
        &self,
        status: StatusKind,
        limit: usize,
    ) -> impl Future<Output = Result<Listed, StorageError>> + Send {
        (**self).list_by_status(status, limit)
    }
    fn read_outbox(&self, limit: usize) -> impl Future<Output = Result<Vec<OutboxEntry>, StorageError>> + Send {
        (**self).read_outbox(limit)
    }
    fn mark_published(&self, ids: &[EventId]) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).mark_published(ids)
    }
    fn audit_trail(&self, id: OrderId) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send {
        (**self).audit_trail(id)
    }
}

impl<T: ChangeFeed> ChangeFeed for Arc<T> {
    fn feed_head(&self) -> impl Future<Output = Result<FeedCursor, StorageError>> + Send {
        (**self).feed_head()
    }
    fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<OrderChange>, FeedCursor), StorageError>> + Send {
        (**self).changes_after(cursor, limit)
    }
}

impl<T: LocationStore> LocationStore for Arc<T> {
    fn upsert_location(&self, location: CourierLocation) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).upsert_location(location)
    }
    fn upsert_locations(&self, fixes: &[CourierLocation]) -> impl Future<Output = Result<u64, StorageError>> + Send {
        (**self).upsert_locations(fixes)
    }
    fn location(
        &self,
        courier: CourierId,
    ) -> impl Future<Output = Result<Option<CourierLocation>, StorageError>> + Send {
        (**self).location(courier)
    }
    fn nearby(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<NearbyCourier>, StorageError>> + Send {
        (**self).nearby(center, radius_m, limit)
    }
    fn fixes_since(&self, since: Timestamp) -> impl Future<Output = Result<Vec<CourierLocation>, StorageError>> + Send {
        (**self).fixes_since(since)
    }
    fn remove_location(&self, courier: CourierId) -> impl Future<Output = Result<bool, StorageError>> + Send {
        (**self).remove_location(courier)
    }
    fn expire_silent(
        &self,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Vec<CourierId>, StorageError>> + Send {
        (**self).expire_silent(now, ttl)
    }
}

impl<T: IdempotencyStore> IdempotencyStore for Arc<T> {
    fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send {
        (**self).put_if_absent(key, value, now, ttl)
    }
    fn get(&self, key: &str, now: Timestamp) -> impl Future<Output = Result<Option<Vec<u8>>, StorageError>> + Send {
        (**self).get(key, now)
    }
}

impl<T: RateLimitStore> RateLimitStore for Arc<T> {
    fn hit(
        &self,
        key: &str,
        limit: RateLimit,
        now: Timestamp,
    ) -> impl Future<Output = Result<RateDecision, StorageError>> + Send {
        (**self).hit(key, limit, now)
    }
}

impl<T: CatalogStore> CatalogStore for Arc<T> {
    fn put_restaurant(&self, restaurant: &Restaurant) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).put_restaurant(restaurant)
    }
    fn put_menu(&self, menu: &Menu) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).put_menu(menu)
    }
    fn restaurant(&self, id: RestaurantId) -> impl Future<Output = Result<Option<Restaurant>, StorageError>> + Send {
        (**self).restaurant(id)
    }
    fn menu(&self, id: RestaurantId) -> impl Future<Output = Result<Option<Menu>, StorageError>> + Send {
        (**self).menu(id)
    }
    fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> impl Future<Output = Result<StockOutcome, StorageError>> + Send {
        (**self).adjust_stock(restaurant, expected_version, changes)
    }
    fn invalidate(&self, id: RestaurantId) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).invalidate(id)
    }
    fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<Restaurant>, StorageError>> + Send {
        (**self).restaurants_near(center, radius_m, limit)
    }
}

impl<T: RatingStore> RatingStore for Arc<T> {
    fn record_rating(&self, rating: &Rating) -> impl Future<Output = Result<RatingOutcome, StorageError>> + Send {
        (**self).record_rating(rating)
    }
    fn rating_summary(
        &self,
        subject: RatingSubject,
    ) -> impl Future<Output = Result<RatingSummary, StorageError>> + Send {
        (**self).rating_summary(subject)
    }
}

impl<T: LeaseStore> LeaseStore for Arc<T> {
    fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Lease>, StorageError>> + Send {
        (**self).acquire_lease(name, holder, now, ttl)
    }
    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<bool, StorageError>> + Send {
        (**self).release_lease(lease)
    }
}

impl<T: PromotionStore> PromotionStore for Arc<T> {
    fn create_promotion(&self, promotion: &Promotion) -> impl Future<Output = Result<bool, StorageError>> + Send {
        (**self).create_promotion(promotion)
    }
    fn list_promotions(&self) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send {
        (**self).list_promotions()
    }
    fn promotions(&self, codes: &[&str]) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send {
        (**self).promotions(codes)
    }
    fn expire_promotion(
        &self,
        code: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Promotion>, StorageError>> + Send {
        (**self).expire_promotion(code, at)
    }
    fn promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<Vec<u32>, StorageError>> + Send {
        (**self).promotion_uses(customer, codes)
    }
    fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> impl Future<Output = Result<ClaimOutcome, StorageError>> + Send {
        (**self).claim_promotion_uses(customer, claims)
    }
    fn release_promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<(), StorageError>> + Send {
        (**self).release_promotion_uses(customer, codes)
    }
}
