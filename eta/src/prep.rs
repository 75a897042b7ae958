//! Preparation time: the restaurant's estimate, corrected by a learned
//! per-restaurant bias and by how busy the kitchen is.

use courier_core::{Duration, RestaurantId, Timestamp};
use rustc_hash::FxHashMap;

use crate::learned::Learned;
use crate::travel::secs_to_duration;
use crate::{Factor, LearningRate};

/// How preparation time is estimated and learned.
#[derive(Debug, Clone, PartialEq)]
pub struct PrepConfig {
    /// Orders a kitchen cooks in parallel without slowing down.
    pub free_slots: u32,
    /// Extra time per order in progress beyond the free slots, as a share of
    /// the estimate (0.1: each extra order adds 10%).
    pub load_per_extra_order: Factor,
    /// Food not ready past its expected time is still expected to take at
    /// least this long: "late" never means "zero".
    pub overdue_floor: Duration,
    /// How fast a restaurant's bias follows its ready events.
    pub learning: LearningRate,
    /// An observed bias ratio is clamped to `[1/ratio_limit, ratio_limit]`.
    pub ratio_limit: Factor,
}

impl Default for PrepConfig {
    fn default() -> Self {
        PrepConfig {
            free_slots: 4,
            load_per_extra_order: Factor::new("load per extra order", 0.1, 0.0, 5.0).unwrap_or(Factor::ONE),
            overdue_floor: Duration::from_mins(1),
            learning: LearningRate::default(),
            ratio_limit: Factor::new("prep ratio limit", 4.0, 1.0, 100.0).unwrap_or(Factor::ONE),
        }
    }
}

/// Where the food of an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Food {
    /// Not started yet (the restaurant has not confirmed): preparation is
    /// assumed to start at the time of the estimate.
    NotStarted {
        /// The restaurant's preparation estimate.
        estimate: Duration,
        /// Orders the kitchen has in progress now.
        orders_in_progress: u32,
    },
    /// Being prepared since `started`.
    Preparing {
        /// When preparation started.
        started: Timestamp,
        /// The restaurant's preparation estimate.
        estimate: Duration,
        /// Orders the kitchen had in progress when it started.
        orders_in_progress: u32,
    },
    /// Ready for pickup.
    Ready,
}

/// A ready event, to learn a restaurant's bias from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadyObservation {
    /// The restaurant.
    pub restaurant: RestaurantId,
    /// Its preparation estimate for this order.
    pub estimate: Duration,
    /// Orders the kitchen had in progress when this one started.
    pub orders_in_progress: u32,
    /// How long preparation actually took.
    pub took: Duration,
}

/// Preparation time with a learned bias per restaurant.
///
/// ```
/// use courier_core::{Duration, RestaurantId, Timestamp};
/// use courier_eta::{Food, PrepConfig, PrepModel, ReadyObservation};
/// let mut prep = PrepModel::new(PrepConfig::default());
/// let slow = RestaurantId::new(7);
/// let estimate = Duration::from_mins(15);
/// for _ in 0..50 {
///     prep.observe(&ReadyObservation { restaurant: slow, estimate, orders_in_progress: 0, took: Duration::from_mins(21) });
/// }
/// let expected = prep.expected(slow, estimate, 0);
/// assert!(expected > Duration::from_mins(20) && expected < Duration::from_mins(22));
/// # let _ = Food::Ready; let _ = Timestamp::EPOCH;
/// ```
#[derive(Debug, Clone)]
pub struct PrepModel {
    config: PrepConfig,
    biases: FxHashMap<RestaurantId, Learned>,
}

impl PrepModel {
    /// A model that knows only its priors (every restaurant's estimate is right).
    pub fn new(config: PrepConfig) -> PrepModel {
        PrepModel {
            config,
            biases: FxHashMap::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PrepConfig {
        &self.config
    }

    /// The learned ratio of actual to estimated preparation time (1.0 for a
    /// restaurant never seen).
    #[inline]
    pub fn bias(&self, restaurant: RestaurantId) -> f64 {
        self.biases.get(&restaurant).map_or(1.0, Learned::value)
    }

    /// The multiplier a kitchen's load puts on preparation time.
    #[inline]
    pub fn load_multiplier(&self, orders_in_progress: u32) -> f64 {
        let extra = orders_in_progress.saturating_sub(self.config.free_slots);
        1.0 + f64::from(extra) * self.config.load_per_extra_order.get()
    }

    /// Expected total preparation time of an order.
    #[inline]
    pub fn expected(&self, restaurant: RestaurantId, estimate: Duration, orders_in_progress: u32) -> Duration {
        secs_to_duration(self.expected_secs(restaurant, estimate, orders_in_progress))
    }

    fn expected_secs(&self, restaurant: RestaurantId, estimate: Duration, orders_in_progress: u32) -> f64 {
        estimate.as_secs_f64() * self.bias(restaurant) * self.load_multiplier(orders_in_progress)
    }

    /// Expected preparation time still to go at `at`.
    #[inline]
    pub fn remaining(&self, restaurant: RestaurantId, food: Food, at: Timestamp) -> Duration {
        match food {
            Food::Ready => Duration::ZERO,
            Food::NotStarted {
                estimate,
                orders_in_progress,
            } => self.expected(restaurant, estimate, orders_in_progress),
            Food::Preparing {
                started,
                estimate,
                orders_in_progress,
            } => {
                let total = self.expected(restaurant, estimate, orders_in_progress);
                total.saturating_sub(at.since(started)).max(self.config.overdue_floor)
            }
        }
    }

    /// How many restaurants have a learned bias.
    pub fn learned_restaurants(&self) -> usize {
        self.biases.len()
    }

    /// Learns from a ready event. Returns false (learning nothing) when the
    /// estimate or the actual time is zero.
    pub fn observe(&mut self, ready: &ReadyObservation) -> bool {
        let base = ready.estimate.as_secs_f64() * self.load_multiplier(ready.orders_in_progress);
        let took = ready.took.as_secs_f64();
        if base <= 0.0 || took <= 0.0 {
            return false;
        }
        let limit = self.config.ratio_limit.get();
        let ratio = (took / base).clamp(1.0 / limit, limit);
        let rate = self.config.learning;
        self.biases
            .entry(ready.restaurant)
            .or_insert(Learned::from_prior(1.0))
            .observe(ratio, rate);
        true
    }
}
