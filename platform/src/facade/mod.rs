//! The platform: one facade over the services (catalog, pricing, ordering,
//! payments, kitchen, dispatch, locations, promises, delivery, books,
//! ratings, recommendations). It holds no state and no rules of its own: each public call is
//! the services' steps in order, and the clock-driven work is an ordered
//! list of their steps ([`Platform::tick`]).

mod courier;
mod customer;
mod follow;
mod operations;
mod promotions;
mod recovery;
mod restaurant;
mod tick;

use courier_core::OrderId;
use courier_core::order::{Actor, Order};
use courier_core::ports::{Fence, Store};
use rand::RngCore;

use crate::config::PlatformConfig;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::rate_limits::RateGuard;
use crate::services::books::{Bookkeeping, Ending};
use crate::services::catalog::Catalog;
use crate::services::delivery::Delivery;
use crate::services::dispatch::Dispatch;
use crate::services::health::Health;
use crate::services::kitchen::Kitchen;
use crate::services::locations::Locations;
use crate::services::ordering::Ordering;
use crate::services::payments::Payments;
use crate::services::pricing::Pricing;
use crate::services::promises::Promises;
use crate::services::ratings::Ratings;
use crate::services::recommendations::Recommendations;

pub use recovery::{Recovered, SetAside};
pub use tick::{TickFailure, TickReport};

/// The application services. Cheap to share behind an `Arc`; every method
/// takes `&self`.
///
/// ```
/// use std::sync::Arc;
/// use courier_core::Timestamp;
/// use courier_platform::external::{FakeGateway, ManualClock, RecordingNotifier};
/// use courier_platform::{Platform, PlatformConfig};
/// use courier_storage::memory::MemoryStore;
/// use rand::SeedableRng;
///
/// let clock = Arc::new(ManualClock::new(Timestamp::EPOCH));
/// let platform = Platform::new(
///     MemoryStore::default(),
///     FakeGateway::new(),
///     RecordingNotifier::new(),
///     clock.clone(),
///     rand_chacha::ChaCha8Rng::seed_from_u64(7),
///     PlatformConfig::default(),
/// )?;
/// let recovered = futures::executor::block_on(platform.recover())?;
/// assert_eq!(recovered.total(), 0);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Platform<S, G, N, C> {
    store: S,
    gateway: G,
    notifier: N,
    clock: C,
    config: PlatformConfig,
    catalog: Catalog,
    pricing: Pricing,
    ordering: Ordering,
    payments: Payments,
    kitchen: Kitchen,
    dispatch: Dispatch,
    locations: Locations,
    promises: Promises,
    delivery: Delivery,
    books: Bookkeeping,
    ratings: Ratings,
    recommendations: Recommendations,
    health: Health,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Services over these parts. Call [`Platform::recover`] before serving
    /// when the store may hold earlier work. `rng` jitters retry backoff.
    pub fn new(
        store: S,
        payments: G,
        notifier: N,
        clock: C,
        rng: impl RngCore + Send + 'static,
        config: PlatformConfig,
    ) -> Result<Self, PlatformError> {
        let rates = RateGuard::new(config.rate_limits);
        let currency = config.pricing.currency;
        let platform = Platform {
            store,
            gateway: payments,
            notifier,
            clock,
            catalog: Catalog::new(currency, rates, config.max_order_total_minor),
            recommendations: Recommendations::new(rates),
            pricing: Pricing::new(&config),
            ordering: Ordering::new(rates, config.split, config.split_retention),
            payments: Payments::new(&config, Box::new(rng)),
            kitchen: Kitchen::default(),
            dispatch: Dispatch::new(&config)?,
            locations: Locations::new(rates, config.geofence_m),
            promises: Promises::new(config.eta.clone()),
            delivery: Delivery::new(config.handover_radius_m, config.handover_fix_max_age),
            books: Bookkeeping::new(config.refund, currency),
            ratings: Ratings,
            health: Health::new(config.degradation_ladder, config.degradation),
            config,
        };
        // Every service starts where the configured floor puts it.
        platform.follow_the_ladder(platform.health.level());
        Ok(platform)
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Stops the services, handing the store back (pending work stays in it).
    pub fn into_store(self) -> S {
        self.store
    }

    /// The payment gateway.
    pub fn payments(&self) -> &G {
        &self.gateway
    }

    /// The notifier.
    pub fn notifier(&self) -> &N {
        &self.notifier
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.clock
    }

    /// The configuration.
    pub fn config(&self) -> &PlatformConfig {
        &self.config
    }

    /// An order to follow on a tracking stream: as [`Platform::order`],
    /// after counting the stream against `caller`'s limit for its `tier`
    /// (each open stream holds a connection).
    pub async fn open_tracking(
        &self,
        actor: Actor,
        tier: crate::rate_limits::Tier,
        caller: &str,
        id: OrderId,
    ) -> Result<Order, PlatformError> {
        self.catalog.open_stream(&self.parts(), tier, caller).await?;
        self.order(actor, id).await
    }

    /// An order as `actor` may see it (seed 000: a customer their own, a
    /// restaurant its own, a courier those offered or assigned to them or
    /// delivered by them, admin and system all). An order the actor may not
    /// see is [`PlatformError::OrderNotFound`], as one that does not exist.
    pub async fn order(&self, actor: Actor, id: OrderId) -> Result<Order, PlatformError> {
        let order = self
            .store
            .load_order(id)
            .await?
            .ok_or(PlatformError::OrderNotFound(id))?;
        crate::parts::visible_to(actor, &order)?;
        Ok(order)
    }

    /// The outside world as a call sees it.
    fn parts(&self) -> Parts<'_, S, G, N, C> {
        Parts {
            store: &self.store,
            gateway: &self.gateway,
            notifier: &self.notifier,
            clock: &self.clock,
            batch_limit: self.config.batch_limit,
            fence: None,
        }
    }

    /// The outside world for work under a lease: its transitions carry `fence`.
    fn fenced<'a>(&'a self, fence: Fence<'a>) -> Parts<'a, S, G, N, C> {
        Parts {
            fence: Some(fence),
            ..self.parts()
        }
    }

    /// The services an ended order leaves, for the calls that end one.
    fn ending(&self) -> Ending<'_> {
        Ending {
            books: &self.books,
            catalog: &self.catalog,
            dispatch: &self.dispatch,
            payments: &self.payments,
            promises: &self.promises,
            kitchen: &self.kitchen,
        }
    }
}
