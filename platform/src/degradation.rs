//! The degradation ladder of seed 000: what to switch off, in order, as
//! the platform comes under stress. Pure: callers feed it signals.

use courier_core::Duration;

/// A rung of the ladder; each includes the ones below it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum DegradationLevel {
    /// Everything on.
    #[default]
    Normal,
    /// 1: no search recommendations (search latency over 2 s).
    NoRecommendations,
    /// 2: tracking updates every 30 s instead of 5 s (tracking overloaded).
    SlowTracking,
    /// 3: no promotions (main API slow).
    NoPromotions,
    /// 4: no new restaurant onboarding (database at capacity).
    NoOnboarding,
    /// 5: order-only mode: existing customers and saved addresses only
    /// (several critical failures at once).
    OrderOnly,
}

/// What the platform observes about its own health.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct HealthSignals {
    /// Search backend latency (p99).
    pub search_latency: Duration,
    /// The tracking fan-out cannot keep up.
    pub tracking_overloaded: bool,
    /// Main API latency (p99).
    pub api_latency: Duration,
    /// The database is at capacity: a tick's step failed in the store.
    pub database_at_capacity: bool,
    /// Store call latency (p99), as the edge measured it.
    pub storage_latency: Duration,
    /// Share of store calls failing (0 to 1), as the edge measured it.
    pub storage_error_rate: f64,
    /// Critical dependencies failing now (circuit breakers open).
    pub critical_failures: u32,
    /// The outbox relay's last batch was full: events wait to go out, so
    /// what follows them (tracking, notifications) is behind.
    pub outbox_behind: bool,
    /// Orders waiting for a courier far outnumber couriers online.
    pub dispatch_overloaded: bool,
}

/// The ladder's thresholds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DegradationLadder {
    /// Search latency that drops recommendations (seed: 2 s).
    pub search_latency_limit: Duration,
    /// API latency that drops promotions.
    pub api_latency_limit: Duration,
    /// Store latency at which the database counts as at capacity.
    pub storage_latency_limit: Duration,
    /// Share of failing store calls at which the database counts as at
    /// capacity...
    pub storage_error_rate_limit: f64,
    /// ... and at which the store counts as a critical failure (down).
    pub storage_outage_rate: f64,
    /// Simultaneous critical failures that switch to order-only mode.
    pub critical_failures_limit: u32,
    /// Dispatch is overloaded when more orders than this per courier
    /// online wait for one...
    pub waiting_per_courier: u32,
    /// ... and at least this many wait.
    pub waiting_floor: u32,
}

impl Default for DegradationLadder {
    fn default() -> Self {
        DegradationLadder {
            search_latency_limit: Duration::from_secs(2),
            api_latency_limit: Duration::from_secs(1),
            storage_latency_limit: Duration::from_millis(500),
            storage_error_rate_limit: 0.05,
            storage_outage_rate: 0.5,
            critical_failures_limit: 2,
            waiting_per_courier: 3,
            waiting_floor: 50,
        }
    }
}

impl DegradationLadder {
    /// Whether `waiting` orders for `online` couriers overload dispatch.
    ///
    /// ```
    /// use courier_platform::degradation::DegradationLadder;
    /// let ladder = DegradationLadder::default();
    /// assert!(!ladder.dispatch_overloaded(40, 0), "too few to say");
    /// assert!(ladder.dispatch_overloaded(400, 100));
    /// assert!(!ladder.dispatch_overloaded(250, 100));
    /// ```
    pub fn dispatch_overloaded(&self, waiting: usize, online: usize) -> bool {
        let floor = usize::try_from(self.waiting_floor).unwrap_or(usize::MAX);
        let per = usize::try_from(self.waiting_per_courier).unwrap_or(usize::MAX);
        waiting >= floor && waiting > per.saturating_mul(online)
    }

    /// Whether the database is at capacity: a tick's step failed in the
    /// store, or the store's calls are slow or failing.
    ///
    /// ```
    /// use courier_core::Duration;
    /// use courier_platform::degradation::{DegradationLadder, HealthSignals};
    /// let ladder = DegradationLadder::default();
    /// let slow = HealthSignals { storage_latency: Duration::from_millis(800), ..HealthSignals::default() };
    /// assert!(ladder.database_at_capacity(&slow));
    /// let failing = HealthSignals { storage_error_rate: 0.1, ..HealthSignals::default() };
    /// assert!(ladder.database_at_capacity(&failing));
    /// assert!(!ladder.database_at_capacity(&HealthSignals::default()));
    /// ```
    pub fn database_at_capacity(&self, s: &HealthSignals) -> bool {
        s.database_at_capacity
            || s.storage_latency > self.storage_latency_limit
            || s.storage_error_rate > self.storage_error_rate_limit
    }

    /// Whether the store's calls fail so often that it counts as down (a
    /// critical failure), as the edge sees it.
    pub fn storage_down(&self, s: &HealthSignals) -> bool {
        s.storage_error_rate >= self.storage_outage_rate
    }

    /// The highest rung whose trigger holds.
    ///
    /// ```
    /// use courier_core::Duration;
    /// use courier_platform::degradation::{DegradationLadder, DegradationLevel, HealthSignals};
    /// let ladder = DegradationLadder::default();
    /// let slow_search = HealthSignals { search_latency: Duration::from_secs(3), ..HealthSignals::default() };
    /// assert_eq!(ladder.level(&slow_search), DegradationLevel::NoRecommendations);
    /// let outage = HealthSignals { critical_failures: 2, ..slow_search };
    /// assert_eq!(ladder.level(&outage), DegradationLevel::OrderOnly);
    /// ```
    pub fn level(&self, s: &HealthSignals) -> DegradationLevel {
        if s.critical_failures >= self.critical_failures_limit {
            DegradationLevel::OrderOnly
        } else if self.database_at_capacity(s) {
            DegradationLevel::NoOnboarding
        } else if s.api_latency > self.api_latency_limit || s.dispatch_overloaded {
            // Promotions bring demand the couriers cannot carry.
            DegradationLevel::NoPromotions
        } else if s.tracking_overloaded || s.outbox_behind {
            DegradationLevel::SlowTracking
        } else if s.search_latency > self.search_latency_limit {
            DegradationLevel::NoRecommendations
        } else {
            DegradationLevel::Normal
        }
    }
}

impl DegradationLevel {
    /// Every level, lowest first.
    pub const ALL: [DegradationLevel; 6] = [
        DegradationLevel::Normal,
        DegradationLevel::NoRecommendations,
        DegradationLevel::SlowTracking,
        DegradationLevel::NoPromotions,
        DegradationLevel::NoOnboarding,
        DegradationLevel::OrderOnly,
    ];

    /// The rung: 0 (normal) to 5 (order-only).
    ///
    /// ```
    /// use courier_platform::degradation::DegradationLevel;
    /// for (rung, level) in DegradationLevel::ALL.into_iter().enumerate() {
    ///     assert_eq!(usize::from(level.rung()), rung);
    /// }
    /// ```
    pub const fn rung(self) -> u8 {
        self as u8
    }

    /// A stable name for reports and `/health/ready`.
    pub const fn name(self) -> &'static str {
        match self {
            DegradationLevel::Normal => "normal",
            DegradationLevel::NoRecommendations => "no_recommendations",
            DegradationLevel::SlowTracking => "slow_tracking",
            DegradationLevel::NoPromotions => "no_promotions",
            DegradationLevel::NoOnboarding => "no_onboarding",
            DegradationLevel::OrderOnly => "order_only",
        }
    }

    /// Restaurants are recommended.
    pub fn recommendations_on(self) -> bool {
        self < DegradationLevel::NoRecommendations
    }

    /// Promotions are applied to quotes.
    pub fn promotions_on(self) -> bool {
        self < DegradationLevel::NoPromotions
    }

    /// How often couriers' positions are pushed to customers.
    pub fn tracking_interval(self) -> Duration {
        if self >= DegradationLevel::SlowTracking {
            Duration::from_secs(30)
        } else {
            Duration::from_secs(5)
        }
    }

    /// New restaurants may be added to the catalog.
    pub fn onboarding_on(self) -> bool {
        self < DegradationLevel::NoOnboarding
    }

    /// Only customers with a completed order may place orders.
    pub fn order_only(self) -> bool {
        self >= DegradationLevel::OrderOnly
    }
}
