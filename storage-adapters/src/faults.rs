//! A fault-injecting wrapper around any adapter, for failure scenarios:
//! added latency, random errors and scheduled outages, all driven by a
//! seeded RNG and the caller's clock, so a failure run replays exactly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use courier_core::ports::StorageError;
use courier_core::{Duration, Timestamp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::layered::{CallLayer, Layered};

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
pub type FaultyStore<S, C> = Layered<S, Faults<C>>;

/// The faults of a [`FaultyStore`]: its plan, its random draws and what
/// it did so far.
#[derive(Debug)]
pub struct Faults<C> {
    clock: C,
    plan: FaultPlan,
    rng: Mutex<ChaCha8Rng>,
    passed: AtomicU64,
    outage: AtomicU64,
    errors: AtomicU64,
    timeouts: AtomicU64,
    latency_ms: AtomicU64,
}

impl<S, C: FaultClock> Layered<S, Faults<C>> {
    /// Wraps `inner`; `seed` fixes every random draw.
    pub fn new(inner: S, clock: C, plan: FaultPlan, seed: u64) -> Self {
        Layered::wrap(
            inner,
            Faults {
                clock,
                plan,
                rng: Mutex::new(ChaCha8Rng::seed_from_u64(seed)),
                passed: AtomicU64::new(0),
                outage: AtomicU64::new(0),
                errors: AtomicU64::new(0),
                timeouts: AtomicU64::new(0),
                latency_ms: AtomicU64::new(0),
            },
        )
    }

    /// The clock.
    pub fn clock(&self) -> &C {
        &self.layer.clock
    }

    /// Counts so far.
    pub fn stats(&self) -> FaultStats {
        let f = &self.layer;
        FaultStats {
            passed: f.passed.load(Ordering::Relaxed),
            outage: f.outage.load(Ordering::Relaxed),
            errors: f.errors.load(Ordering::Relaxed),
            timeouts: f.timeouts.load(Ordering::Relaxed),
            latency_ms: f.latency_ms.load(Ordering::Relaxed),
        }
    }
}

impl<C: FaultClock> Faults<C> {
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
}

impl<C: FaultClock> CallLayer for Faults<C> {
    async fn around<T: Send>(
        &self,
        call: impl Future<Output = Result<T, StorageError>> + Send,
    ) -> Result<T, StorageError> {
        let latency = self.admit()?;
        self.clock.wait(latency).await;
        call.await
    }
}
