//! The platform: services over a store, a payment gateway, a notifier and a
//! clock. Durable state lives in the store; what is kept here in memory
//! (queues, the courier index, offer cascades) is rebuilt from the store by
//! [`Platform::recover`].

use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::order::{Actor, Command, Order, OrderAction, OrderEvent};
use courier_core::ports::{StorageError, Store};
use courier_core::{OrderId, Timestamp};
use rand::RngCore;

use crate::config::PlatformConfig;
use crate::error::PlatformError;
use crate::external::{Clock, Notification, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::rate_limits::{Endpoint, Tier, limit};
use crate::runtime::Runtime;
use crate::telemetry;

/// How many times a command is retried on a lost compare-and-set before the
/// conflict is reported: each retry reloads the order and re-checks the
/// command, so a retry never applies a stale decision.
const CAS_ATTEMPTS: usize = 8;

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
    pub(crate) store: S,
    pub(crate) payments: G,
    pub(crate) notifier: N,
    pub(crate) clock: C,
    pub(crate) config: PlatformConfig,
    pub(crate) runtime: Mutex<Runtime>,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Services over these parts. Call [`Platform::recover`] before serving
    /// when the store may hold earlier work.
    pub fn new(
        store: S,
        payments: G,
        notifier: N,
        clock: C,
        rng: impl RngCore + Send + 'static,
        config: PlatformConfig,
    ) -> Result<Self, PlatformError> {
        let runtime = Runtime::new(&config, Box::new(rng))?;
        Ok(Platform {
            store,
            payments,
            notifier,
            clock,
            config,
            runtime: Mutex::new(runtime),
        })
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
        &self.payments
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

    /// An order as `actor` may see it (seed 000: a customer their own, a
    /// restaurant its own, a courier those offered or assigned to them or
    /// delivered by them, admin and system all).
    pub async fn order(&self, actor: Actor, id: OrderId) -> Result<Order, PlatformError> {
        let order = self
            .store
            .load_order(id)
            .await?
            .ok_or(PlatformError::OrderNotFound(id))?;
        if courier_core::order::permission::may_view(actor, &order) {
            Ok(order)
        } else {
            Err(courier_core::order::OrderError::Forbidden { actor, action: "view" }.into())
        }
    }

    /// The in-memory state. Never held across an `await`.
    pub(crate) fn rt(&self) -> MutexGuard<'_, Runtime> {
        // Runtime updates are small and made after the awaited storage call
        // succeeded; a panic mid-update loses at most that update, which
        // `recover` rebuilds from the store. So a poisoned lock is usable.
        self.runtime.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Runs `action` on the stored order as `actor`, through the store's
    /// compare-and-set, retrying on a lost race with a fresh copy.
    pub(crate) async fn apply(
        &self,
        id: OrderId,
        actor: Actor,
        action: OrderAction,
    ) -> Result<(Order, OrderEvent), PlatformError> {
        let mut last_conflict = None;
        for _ in 0..CAS_ATTEMPTS {
            let mut order = self
                .store
                .load_order(id)
                .await?
                .ok_or(PlatformError::OrderNotFound(id))?;
            let expected = order.version();
            let event = order.execute(&Command {
                actor,
                at: self.clock.now(),
                expected_version: expected,
                action,
            })?;
            match self
                .store
                .save_transition(&order, expected, std::slice::from_ref(&event))
                .await
            {
                Ok(()) => {
                    telemetry::order_event(&order, &event);
                    return Ok((order, event));
                }
                Err(conflict @ StorageError::VersionConflict { .. }) => last_conflict = Some(conflict),
                Err(other) => return Err(other.into()),
            }
        }
        Err(last_conflict
            .unwrap_or(StorageError::Backend("compare-and-set retries exhausted".into()))
            .into())
    }

    /// Counts a hit on `endpoint` for `who`; refuses over the tier's limit.
    pub(crate) async fn check_rate(&self, endpoint: Endpoint, tier: Tier, who: &str) -> Result<(), PlatformError> {
        if !self.config.rate_limits {
            return Ok(());
        }
        let Some(rule) = limit(endpoint, tier) else {
            return Err(PlatformError::invalid(
                "tier",
                format!("{tier:?} callers may not use {}", endpoint.name()),
            ));
        };
        let key = format!("rl:{}:{who}", endpoint.name());
        let decision = self.store.hit(&key, rule, self.clock.now()).await?;
        if decision.allowed {
            Ok(())
        } else {
            Err(PlatformError::RateLimited {
                endpoint: endpoint.name(),
                retry_after: decision.retry_after,
            })
        }
    }

    /// Sends a notification; a failure is counted, never fatal.
    pub(crate) async fn notify(&self, to: Recipient, kind: NotificationKind, order: OrderId) {
        let note = Notification {
            to,
            kind,
            order,
            at: self.clock.now(),
        };
        if self.notifier.send(note).await.is_err() {
            telemetry::notification_failed(kind);
        }
    }

    /// Now.
    pub(crate) fn now(&self) -> Timestamp {
        self.clock.now()
    }
}
