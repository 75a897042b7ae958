//! Everything the services are configured with, defaulting to the seeds' numbers.

use courier_core::Duration;
use courier_core::refund::RefundPolicy;
use courier_eta::EtaConfig;
use courier_matching::{BatchConfig, CascadeConfig};
use courier_pricing::{CourierPay, DEFAULT_COMMISSION, PricingConfig, SplitPolicy, SurgeConfig};

use crate::degradation::{DegradationLadder, DegradationLevel};
use crate::resilience::{BreakerConfig, RetryPolicy};

/// How orders find couriers.
#[derive(Debug, Clone, PartialEq)]
pub enum DispatchPolicy {
    /// Seed 001: offer to the best courier nearby, wait, next best, widen.
    Cascade(CascadeConfig),
    /// Seed 002: every round, all open orders against all free couriers at
    /// the minimum total cost, with bundles and readiness-aware deferral.
    Batch(BatchConfig),
}

impl DispatchPolicy {
    /// A stable name for reports.
    pub fn name(&self) -> &'static str {
        match self {
            DispatchPolicy::Cascade(_) => "cascade",
            DispatchPolicy::Batch(_) => "batch",
        }
    }
}

/// The platform's configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct PlatformConfig {
    /// Fees, tax and the price lock.
    pub pricing: PricingConfig,
    /// Surge pricing.
    pub surge: SurgeConfig,
    /// Demand and supply are observed into surge this often.
    pub surge_every: Duration,
    /// Who gets what of a delivered order's money.
    pub split: SplitPolicy,
    /// Refunds on cancellation (seed 000 table).
    pub refund: RefundPolicy,
    /// Cascade or batch.
    pub dispatch: DispatchPolicy,
    /// Most orders a courier carries at once (seed 000: 2).
    pub batch_limit: usize,
    /// H3 resolution of the courier index (8: cells about 0.7 km^2).
    pub index_resolution: u8,
    /// An order enters dispatch once its food is due within this.
    pub dispatch_lead: Duration,
    /// Batch dispatch searches wider for orders waiting longer than this.
    pub widen_after: Duration,
    /// An order no courier took within this is cancelled (full refund).
    pub no_courier_timeout: Duration,
    /// The payment gateway's circuit breaker.
    pub payment_breaker: BreakerConfig,
    /// Backoff between attempts at a queued payment.
    pub payment_retry: RetryPolicy,
    /// A payment still failing this long after the order was created is
    /// given up and the order cancelled.
    pub payment_give_up: Duration,
    /// A courier within this many metres of a stop has arrived.
    pub geofence_m: f64,
    /// ETA model settings.
    pub eta: EtaConfig,
    /// Rate limits are enforced (the simulator's agents may switch them off).
    pub rate_limits: bool,
    /// The lowest rung of the degradation ladder (an operator's forced
    /// level): the ladder moves above it with the platform's health.
    pub degradation: DegradationLevel,
    /// What moves the ladder: the thresholds on the health signals.
    pub degradation_ladder: DegradationLadder,
    /// How long an order's payout split is kept for settlement.
    pub split_retention: Duration,
    /// A courier picks up or delivers only with a fix this close to the
    /// restaurant or the door, metres (infinite: not checked).
    pub handover_radius_m: f64,
    /// ... and no older than this.
    pub handover_fix_max_age: Duration,
    /// The highest order total a customer may be charged, minor units of
    /// the pricing currency (default $5,000); a larger cart is refused
    /// before anything is stored or authorized.
    pub max_order_total_minor: i64,
    /// Several instances share the store: a courier going off shift also
    /// removes their fix, which is how the others learn of it
    /// ([`crate::Platform::follow_couriers`]).
    pub shared_store: bool,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        let pricing = PricingConfig::example_usd();
        let usd = |c| courier_core::Money::new(c, pricing.currency);
        PlatformConfig {
            split: SplitPolicy {
                commission: DEFAULT_COMMISSION,
                courier: CourierPay {
                    per_delivery: usd(350),
                    per_km: usd(60),
                },
            },
            pricing,
            surge: SurgeConfig::default(),
            surge_every: Duration::from_mins(1),
            refund: RefundPolicy::default(),
            dispatch: DispatchPolicy::Cascade(CascadeConfig::default()),
            batch_limit: 2,
            index_resolution: 8,
            dispatch_lead: Duration::from_mins(10),
            widen_after: Duration::from_mins(5),
            no_courier_timeout: Duration::from_mins(60),
            payment_breaker: BreakerConfig::payment(),
            payment_retry: RetryPolicy::new(u32::MAX, Duration::from_secs(1)),
            payment_give_up: Duration::from_mins(30),
            geofence_m: 100.0,
            eta: EtaConfig::default(),
            rate_limits: true,
            degradation: DegradationLevel::Normal,
            degradation_ladder: DegradationLadder::default(),
            split_retention: Duration::from_hours(24 * 30),
            max_order_total_minor: courier_core::bounds::DEFAULT_MAX_ORDER_TOTAL_MINOR,
            handover_radius_m: 150.0,
            handover_fix_max_age: Duration::from_secs(60),
            shared_store: false,
        }
    }
}
