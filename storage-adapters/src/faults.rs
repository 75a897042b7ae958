//! A fault-injecting wrapper around any adapter, for failure scenarios:
//! added latency, random errors and scheduled outages, all driven by a
//! seeded RNG and the caller's clock, so a failure run replays exactly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

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
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// The caller's time: the simulator's clock, or the wall clock at the edge.
pub trait FaultClock: Send + Sync {
    /// Now.
    fn now(&self) -> Timestamp;

    /// Waits `d` (the injected latency). A simulator charges it to simulated
    /// time and returns at once; a server sleeps.
    fn wait(&self, d: Duration) -> impl Future<Output = ()> + Send;
}

/// A window during which every call fails as unavailable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outage {
    /// When it starts.
    pub start: Timestamp,
    /// How long it lasts.
    pub duration: Duration,
}

impl Outage {
    fn covers(&self, now: Timestamp) -> bool {
        now >= self.start && now < self.start.plus(self.duration)
    }
}

/// A window during which a share of calls fails (on top of the plan's
/// own error rate).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlakyWindow {
    /// When it starts.
    pub start: Timestamp,
    /// How long it lasts.
    pub duration: Duration,
    /// Share of calls failing as unavailable meanwhile (0 to 1).
    pub error_rate: f64,
}

/// What goes wrong, and how often.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FaultPlan {
    /// Added to every call.
    pub latency: Duration,
    /// Plus a uniform random extra of up to this much.
    pub jitter: Duration,
    /// Share of calls failing as unavailable (0 to 1; outside is clamped).
    pub error_rate: f64,
    /// Calls whose latency would exceed this fail as timed out, unapplied.
    pub timeout: Option<Duration>,
    /// Scheduled outages.
    pub outages: Vec<Outage>,
    /// Scheduled windows of extra errors.
    pub flaky: Vec<FlakyWindow>,
}

/// What the wrapper did so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FaultStats {
    /// Calls passed to the inner store.
    pub passed: u64,
    /// Calls refused by an outage.
    pub outage: u64,
    /// Calls failed at random.
    pub errors: u64,
    /// Calls timed out.
    pub timeouts: u64,
    /// Latency injected, in milliseconds, over all passed calls.
    pub latency_ms: u64,
}

/// `inner` with the faults of `plan`.
///
/// ```
/// use courier_core::{Duration, Timestamp, RestaurantId};
/// use courier_core::ports::{CatalogStore, StorageError};
/// use courier_storage::faults::{FaultClock, FaultPlan, FaultyStore, Outage};
/// use courier_storage::memory::MemoryStore;
/// struct At(Timestamp);
/// impl FaultClock for At {
///     fn now(&self) -> Timestamp { self.0 }
///     async fn wait(&self, _: Duration) {}
/// }
/// let plan = FaultPlan { outages: vec![Outage { start: Timestamp::EPOCH, duration: Duration::from_mins(5) }], ..FaultPlan::default() };
/// let store = FaultyStore::new(MemoryStore::default(), At(Timestamp::from_millis(1_000)), plan, 7);
/// let read = futures_lite_block_on(store.restaurant(RestaurantId::new(1)));
/// assert!(matches!(read, Err(StorageError::Unavailable { .. })));
/// # fn futures_lite_block_on<F: std::future::Future>(f: F) -> F::Output {
/// #     let mut f = std::pin::pin!(f);
/// #     let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
/// #     loop { if let std::task::Poll::Ready(v) = f.as_mut().poll(&mut cx) { return v; } }
/// # }
/// ```
#[derive(Debug)]
pub struct FaultyStore<S, C> {
    inner: S,
    clock: C,
    plan: FaultPlan,
    rng: Mutex<ChaCha8Rng>,
    passed: AtomicU64,
    outage: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    latency_ms: AtomicU64,
}

impl<S, C: FaultClock> FaultyStore<S, C> {
    /// Wraps `inner`; `seed` fixes every random draw.
    pub fn new(inner: S, clock: C, plan: FaultPlan, seed: u64) -> Self {
        FaultyStore {
            inner,
            clock,
            plan,
            rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
            passed: AtomicU64::new(0),
            outage: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            timeouts: AtomicU64::new(0),
            latency_ms: AtomicU64::new(0),
        }
    }

    /// The wrapped store.
    pub fn inner(&self) -> &S {
        &self.inner
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// Counts so far.
    pub fn stats(&self) -> FaultStats {
        FaultStats {
            passed: self.passed.load(Ordering::Relaxed),
            outage: self.outage.load(Ordering::Relaxed),
            errors: self.errors.load(Ordering::Relaxed),
            timeouts: self.timeouts.load(Ordering::Relaxed),
            latency_ms: self.latency_ms.load(Ordering::Relaxed),
        }
    }

    fn rng(&self) -> MutexGuard<'_, ChaCha8Rng> {
        self.rng.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Decides the fate of one call: its latency, or the error it fails with.
    fn admit(&self) -> Result<Duration, StorageError> {
        let now = self.clock.now();
        if let Some(o) = self.plan.outages.iter().find(|o| o.covers(now)) {
            self.outage.fetch_add(1, Ordering::Relaxed);
            return Err(StorageError::Unavailable {
                backend: "fault-injector".into(),
                message: format!("scheduled outage until {}", o.start.plus(o.duration)),
            });
        }
        // Both draws happen on every call, so one plan change does not shift
        // the rest of the random sequence.
        let (jitter, roll) = {
            let mut rng = self.rng();
            (rng.random_range(0..=self.plan.jitter.as_millis()), rng.random::<f64>())
        };
        let latency = self.plan.latency.saturating_add(Duration::from_millis(jitter));
        if let Some(limit) = self.plan.timeout.filter(|&t| latency > t) {
            self.timeouts.fetch_add(1, Ordering::Relaxed);
            return Err(StorageError::Timeout {
                millis: limit.as_millis(),
            });
        }
        let window_rate = self
            .plan
            .flaky
            .iter()
            .filter(|w| now >= w.start && now < w.start.plus(w.duration))
            .map(|w| w.error_rate)
            .fold(0.0, f64::max);
        if roll < self.plan.error_rate.max(window_rate).clamp(0.0, 1.0) {
            self.errors.fetch_add(1, Ordering::Relaxed);
            return Err(StorageError::Unavailable {
                backend: "fault-injector".into(),
                message: "injected error".into(),
            });
        }
        self.passed.fetch_add(1, Ordering::Relaxed);
        self.latency_ms.fetch_add(latency.as_millis(), Ordering::Relaxed);
        Ok(latency)
    }

    async fn guarded<T>(&self, call: impl Future<Output = Result<T, StorageError>>) -> Result<T, StorageError> {
        let latency = self.admit()?;
        self.clock.wait(latency).await;
        call.await
    }
}

impl<S: OrderStore, C: FaultClock> OrderStore for FaultyStore<S, C> {
    async fn create_order(&self, order: &Order, created: &OrderEvent) -> Result<CreateOutcome, StorageError> {
        self.guarded(self.inner.create_order(order, created)).await
    }
    async fn load_order(&self, id: OrderId) -> Result<Option<Order>, StorageError> {
        self.guarded(self.inner.load_order(id)).await
    }
    async fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<Order>, StorageError> {
        self.guarded(self.inner.find_by_idempotency_key(customer, key)).await
    }
    async fn save_transition(&self, transition: &Transition<'_>) -> Result<(), StorageError> {
        self.guarded(self.inner.save_transition(transition)).await
    }
    async fn has_completed_order(&self, customer: CustomerId) -> Result<bool, StorageError> {
        self.guarded(self.inner.has_completed_order(customer)).await
    }
    async fn courier_load(&self, courier: CourierId) -> Result<CourierLoad, StorageError> {
        self.guarded(self.inner.courier_load(courier)).await
    }
    async fn list_by_status(&self, status: StatusKind, limit: usize) -> Result<Listed, StorageError> {
        self.guarded(self.inner.list_by_status(status, limit)).await
    }
    async fn read_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StorageError> {
        self.guarded(self.inner.read_outbox(limit)).await
    }
    async fn mark_published(&self, ids: &[EventId]) -> Result<(), StorageError> {
        self.guarded(self.inner.mark_published(ids)).await
    }
    async fn audit_trail(&self, id: OrderId) -> Result<Vec<AuditEntry>, StorageError> {
        self.guarded(self.inner.audit_trail(id)).await
    }
}

impl<S: LocationStore, C: FaultClock> LocationStore for FaultyStore<S, C> {
    async fn upsert_location(&self, location: CourierLocation) -> Result<(), StorageError> {
        self.guarded(self.inner.upsert_location(location)).await
    }
    async fn upsert_locations(&self, fixes: &[CourierLocation]) -> Result<u64, StorageError> {
        self.guarded(self.inner.upsert_locations(fixes)).await
    }
    async fn location(&self, courier: CourierId) -> Result<Option<CourierLocation>, StorageError> {
        self.guarded(self.inner.location(courier)).await
    }
    async fn nearby(&self, center: GeoPoint, radius_m: f64, limit: usize) -> Result<Vec<NearbyCourier>, StorageError> {
        self.guarded(self.inner.nearby(center, radius_m, limit)).await
    }
    async fn expire_silent(&self, now: Timestamp, ttl: Duration) -> Result<Vec<CourierId>, StorageError> {
        self.guarded(self.inner.expire_silent(now, ttl)).await
    }
    async fn fixes_since(&self, since: Timestamp) -> Result<Vec<CourierLocation>, StorageError> {
        self.guarded(self.inner.fixes_since(since)).await
    }
    async fn remove_location(&self, courier: CourierId) -> Result<bool, StorageError> {
        self.guarded(self.inner.remove_location(courier)).await
    }
}

impl<S: ChangeFeed, C: FaultClock> ChangeFeed for FaultyStore<S, C> {
    async fn feed_head(&self) -> Result<FeedCursor, StorageError> {
        self.guarded(self.inner.feed_head()).await
    }
    async fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> Result<(Vec<OrderChange>, FeedCursor), StorageError> {
        self.guarded(self.inner.changes_after(cursor, limit)).await
    }
}

impl<S: LeaseStore, C: FaultClock> LeaseStore for FaultyStore<S, C> {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        self.guarded(self.inner.acquire_lease(name, holder, now, ttl)).await
    }
    async fn release_lease(&self, lease: &Lease) -> Result<bool, StorageError> {
        self.guarded(self.inner.release_lease(lease)).await
    }
}

impl<S: IdempotencyStore, C: FaultClock> IdempotencyStore for FaultyStore<S, C> {
    async fn put_if_absent(
        &self,
        key: &str,
        value: &[u8],
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Vec<u8>>, StorageError> {
        self.guarded(self.inner.put_if_absent(key, value, now, ttl)).await
    }
    async fn get(&self, key: &str, now: Timestamp) -> Result<Option<Vec<u8>>, StorageError> {
        self.guarded(self.inner.get(key, now)).await
    }
}

impl<S: RateLimitStore, C: FaultClock> RateLimitStore for FaultyStore<S, C> {
    async fn hit(&self, key: &str, limit: RateLimit, now: Timestamp) -> Result<RateDecision, StorageError> {
        self.guarded(self.inner.hit(key, limit, now)).await
    }
}

impl<S: CatalogStore, C: FaultClock> CatalogStore for FaultyStore<S, C> {
    async fn put_restaurant(&self, restaurant: &Restaurant) -> Result<(), StorageError> {
        self.guarded(self.inner.put_restaurant(restaurant)).await
    }
    async fn put_menu(&self, menu: &Menu) -> Result<(), StorageError> {
        self.guarded(self.inner.put_menu(menu)).await
    }
    async fn restaurant(&self, id: RestaurantId) -> Result<Option<Restaurant>, StorageError> {
        self.guarded(self.inner.restaurant(id)).await
    }
    async fn menu(&self, id: RestaurantId) -> Result<Option<Menu>, StorageError> {
        self.guarded(self.inner.menu(id)).await
    }
    async fn adjust_stock(
        &self,
        restaurant: RestaurantId,
        expected_version: u64,
        changes: &[StockChange],
    ) -> Result<StockOutcome, StorageError> {
        self.guarded(self.inner.adjust_stock(restaurant, expected_version, changes))
            .await
    }
    async fn invalidate(&self, id: RestaurantId) -> Result<(), StorageError> {
        self.guarded(self.inner.invalidate(id)).await
    }
    async fn restaurants_near(
        &self,
        center: GeoPoint,
        radius_m: f64,
        limit: usize,
    ) -> Result<Vec<Restaurant>, StorageError> {
        self.guarded(self.inner.restaurants_near(center, radius_m, limit)).await
    }
}

impl<S: RatingStore, C: FaultClock> RatingStore for FaultyStore<S, C> {
    async fn record_rating(&self, rating: &Rating) -> Result<RatingOutcome, StorageError> {
        self.guarded(self.inner.record_rating(rating)).await
    }
    async fn rating_summary(&self, subject: RatingSubject) -> Result<RatingSummary, StorageError> {
        self.guarded(self.inner.rating_summary(subject)).await
    }
}

impl<S: PromotionStore, C: FaultClock> PromotionStore for FaultyStore<S, C> {
    async fn create_promotion(&self, promotion: &Promotion) -> Result<bool, StorageError> {
        self.guarded(self.inner.create_promotion(promotion)).await
    }
    async fn list_promotions(&self) -> Result<Vec<Promotion>, StorageError> {
        self.guarded(self.inner.list_promotions()).await
    }
    async fn promotions(&self, codes: &[&str]) -> Result<Vec<Promotion>, StorageError> {
        self.guarded(self.inner.promotions(codes)).await
    }
    async fn expire_promotion(&self, code: &str, at: Timestamp) -> Result<Option<Promotion>, StorageError> {
        self.guarded(self.inner.expire_promotion(code, at)).await
    }
    async fn promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<Vec<u32>, StorageError> {
        self.guarded(self.inner.promotion_uses(customer, codes)).await
    }
    async fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> Result<ClaimOutcome, StorageError> {
        self.guarded(self.inner.claim_promotion_uses(customer, claims)).await
    }
    async fn release_promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<(), StorageError> {
        self.guarded(self.inner.release_promotion_uses(customer, codes)).await
    }
}
