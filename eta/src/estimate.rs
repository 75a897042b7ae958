//! The delivery ETA of seed 004 at every stage of an order, with P50 and P90.

use courier_core::{Duration, RestaurantId, Timestamp};

use crate::residuals::{ResidualConfig, Residuals};
use crate::travel::secs_to_duration;
use crate::{Food, Place, PrepConfig, PrepModel, ReadyObservation, TravelConfig, TravelModel, Trip};

/// Where the courier of an order stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Courier {
    /// No courier yet: the approach is the configured typical one.
    Unassigned,
    /// Assigned and heading to the restaurant, last seen at `at`.
    EnRoute {
        /// The courier's latest position.
        at: Place,
    },
    /// At the restaurant, waiting for the food.
    AtRestaurant,
    /// Carrying the food, last seen at `at`.
    PickedUp {
        /// The courier's latest position.
        at: Place,
    },
}

/// The stage an estimate was made at; each stage learns its own residuals,
/// since an estimate made before assignment is less certain than one made
/// with the food on the bike.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stage {
    /// Before a courier is assigned.
    Unassigned,
    /// Courier heading to the restaurant.
    EnRoute,
    /// Courier waiting at the restaurant.
    AtRestaurant,
    /// Food on its way to the customer.
    PickedUp,
}

impl Stage {
    /// All stages, in order-life order.
    pub const ALL: [Stage; 4] = [Stage::Unassigned, Stage::EnRoute, Stage::AtRestaurant, Stage::PickedUp];

    fn index(self) -> usize {
        self as usize
    }
}

impl From<&Courier> for Stage {
    fn from(c: &Courier) -> Stage {
        match c {
            Courier::Unassigned => Stage::Unassigned,
            Courier::EnRoute { .. } => Stage::EnRoute,
            Courier::AtRestaurant => Stage::AtRestaurant,
            Courier::PickedUp { .. } => Stage::PickedUp,
        }
    }
}

/// Everything an estimate needs about one order, now.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EtaRequest {
    /// Now.
    pub at: Timestamp,
    /// The restaurant (for its learned preparation bias).
    pub restaurant: RestaurantId,
    /// The restaurant's location.
    pub pickup: Place,
    /// The customer's location.
    pub dropoff: Place,
    /// Where the food stands.
    pub food: Food,
    /// Where the courier stands.
    pub courier: Courier,
}

/// The stages of the remaining time, as estimated (before quantiles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Breakdown {
    /// Courier to restaurant (zero once there).
    pub to_restaurant: Duration,
    /// Preparation still to go (zero once ready).
    pub prep_remaining: Duration,
    /// Handing the food over at the restaurant (zero once picked up).
    pub pickup_service: Duration,
    /// Restaurant (or the courier's position, once picked up) to customer.
    pub to_customer: Duration,
    /// Parking, walking up and handing over at the door.
    pub dropoff_service: Duration,
}

impl Breakdown {
    /// Seed 004: `max(to restaurant, prep remaining) + pickup service + to
    /// customer + drop-off service`.
    ///
    /// ```
    /// use courier_core::Duration;
    /// use courier_eta::Breakdown;
    /// let m = Duration::from_mins;
    /// let b = Breakdown { to_restaurant: m(5), prep_remaining: m(12), pickup_service: m(2), to_customer: m(10), dropoff_service: m(2) };
    /// assert_eq!(b.total(), m(26));
    /// ```
    pub fn total(&self) -> Duration {
        self.to_restaurant
            .max(self.prep_remaining)
            .saturating_add(self.pickup_service)
            .saturating_add(self.to_customer)
            .saturating_add(self.dropoff_service)
    }
}

/// A delivery estimate: when the food should be at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eta {
    /// When it was computed.
    pub computed_at: Timestamp,
    /// The stage it was computed at.
    pub stage: Stage,
    /// The stages, before quantiles.
    pub breakdown: Breakdown,
    /// Median remaining time.
    pub p50: Duration,
    /// 90th-percentile remaining time (never below the P50).
    pub p90: Duration,
}

impl Eta {
    /// Median arrival time.
    pub fn arrival_p50(&self) -> Timestamp {
        self.computed_at.plus(self.p50)
    }

    /// Arrival time the order beats nine times out of ten.
    pub fn arrival_p90(&self) -> Timestamp {
        self.computed_at.plus(self.p90)
    }

    /// The move from `previous` to `self` if the median arrival moved by more
    /// than `threshold` (either way): the customer should hear about it.
    ///
    /// ```
    /// use courier_core::{Duration, Timestamp};
    /// use courier_eta::{Breakdown, Eta, Stage};
    /// let eta = |p50_mins| Eta {
    ///     computed_at: Timestamp::EPOCH,
    ///     stage: Stage::EnRoute,
    ///     breakdown: Breakdown::default(),
    ///     p50: Duration::from_mins(p50_mins),
    ///     p90: Duration::from_mins(p50_mins + 5),
    /// };
    /// let five = Duration::from_mins(5);
    /// assert_eq!(eta(34).shift_from(&eta(30), five), None);
    /// let shift = eta(37).shift_from(&eta(30), five).unwrap();
    /// assert!(shift.is_later());
    /// assert_eq!(shift.by(), Duration::from_mins(7));
    /// ```
    pub fn shift_from(&self, previous: &Eta, threshold: Duration) -> Option<EtaShift> {
        let shift = EtaShift {
            from: previous.arrival_p50(),
            to: self.arrival_p50(),
        };
        (shift.by() > threshold).then_some(shift)
    }
}

/// A move of the median arrival time worth telling the customer about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EtaShift {
    /// The previous median arrival.
    pub from: Timestamp,
    /// The new median arrival.
    pub to: Timestamp,
}

impl EtaShift {
    /// True if the food will arrive later than said before.
    pub fn is_later(&self) -> bool {
        self.to > self.from
    }

    /// How far the arrival moved.
    pub fn by(&self) -> Duration {
        if self.is_later() {
            self.to.since(self.from)
        } else {
            self.from.since(self.to)
        }
    }
}

/// Everything the ETA model is configured with.
#[derive(Debug, Clone, PartialEq)]
pub struct EtaConfig {
    /// Travel time.
    pub travel: TravelConfig,
    /// Preparation time.
    pub prep: PrepConfig,
    /// Residuals and quantiles.
    pub residuals: ResidualConfig,
    /// Time at the restaurant from arrival with the food ready to leaving.
    pub pickup_service: Duration,
    /// Time at the customer's door (seed 004's 3-minute handoff buffer).
    pub dropoff_service: Duration,
    /// Expected time from acceptance to a courier at the restaurant, used
    /// before anyone is assigned: the prior, which
    /// [`EtaModel::observe_approach`] then learns from arrivals.
    pub unassigned_approach: Duration,
    /// A median arrival moving by more than this is news for the customer.
    pub notify_threshold: Duration,
}

impl Default for EtaConfig {
    fn default() -> Self {
        EtaConfig {
            travel: TravelConfig::default(),
            prep: PrepConfig::default(),
            residuals: ResidualConfig::default(),
            pickup_service: Duration::from_mins(2),
            dropoff_service: Duration::from_mins(3),
            unassigned_approach: Duration::from_mins(8),
            notify_threshold: Duration::from_mins(5),
        }
    }
}

/// The ETA model: travel, preparation and residuals, each learned online.
///
/// ```
/// use courier_core::{Duration, GeoPoint, RestaurantId, Timestamp};
/// use courier_eta::{Courier, EtaConfig, EtaModel, EtaRequest, Food, Place};
/// let mut model = EtaModel::new(EtaConfig::default());
/// let place = |lat, lng| Place::resolve(GeoPoint::new(lat, lng)?, 9);
/// let request = EtaRequest {
///     at: Timestamp::from_millis(18 * 3_600_000),
///     restaurant: RestaurantId::new(1),
///     pickup: place(40.750, -73.990)?,
///     dropoff: place(40.765, -73.975)?,
///     food: Food::NotStarted { estimate: Duration::from_mins(15), orders_in_progress: 2 },
///     courier: Courier::Unassigned,
/// };
/// let eta = model.estimate(&request);
/// assert!(eta.p50 < eta.p90);
/// assert_eq!(eta.breakdown.prep_remaining, Duration::from_mins(15));
/// // The food arrived later than the median said: the model learns from it.
/// model.observe_delivery(&eta, eta.arrival_p90());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct EtaModel {
    travel: TravelModel,
    prep: PrepModel,
    residuals: [Residuals; 4],
    pickup_service: Duration,
    dropoff_service: Duration,
    /// Learned seconds from acceptance to a courier at the restaurant
    /// (starts at the configured `unassigned_approach`).
    approach_s: f64,
    /// The configured approach, before any learning.
    prior_approach: Duration,
    notify_threshold: Duration,
}

/// Weight of each new approach observation: about the last 50 count, so
/// the estimate follows a dinner rush's growing queue within minutes.
const APPROACH_WEIGHT: f64 = 0.02;

impl EtaModel {
    /// A model that knows only its priors.
    pub fn new(config: EtaConfig) -> EtaModel {
        let residuals = Residuals::new(config.residuals);
        EtaModel {
            travel: TravelModel::new(config.travel),
            prep: PrepModel::new(config.prep),
            residuals: [residuals.clone(), residuals.clone(), residuals.clone(), residuals],
            pickup_service: config.pickup_service,
            dropoff_service: config.dropoff_service,
            approach_s: config.unassigned_approach.as_secs_f64(),
            prior_approach: config.unassigned_approach,
            notify_threshold: config.notify_threshold,
        }
    }

    /// Learns how long orders now take from acceptance to a courier at the
    /// restaurant (dispatch waits included), which estimates before any
    /// courier is assigned use.
    pub fn observe_approach(&mut self, since_acceptance: Duration) {
        self.approach_s += APPROACH_WEIGHT * (since_acceptance.as_secs_f64() - self.approach_s);
    }

    /// The learned time from acceptance to a courier at the restaurant.
    pub fn approach(&self) -> Duration {
        secs_to_duration(self.approach_s)
    }

    /// The travel-time part.
    pub fn travel(&self) -> &TravelModel {
        &self.travel
    }

    /// The preparation-time part.
    pub fn prep(&self) -> &PrepModel {
        &self.prep
    }

    /// The stage breakdown of the remaining time, before quantiles.
    pub fn breakdown(&self, req: &EtaRequest) -> Breakdown {
        self.breakdown_with(req, self.approach())
    }

    fn breakdown_with(&self, req: &EtaRequest, approach: Duration) -> Breakdown {
        let prep_remaining = |model: &EtaModel| model.prep.remaining(req.restaurant, req.food, req.at);
        match req.courier {
            Courier::PickedUp { at } => Breakdown {
                to_customer: self.travel.travel_time(&at, &req.dropoff, req.at),
                dropoff_service: self.dropoff_service,
                ..Breakdown::default()
            },
            Courier::AtRestaurant => self.via_restaurant(req, Duration::ZERO, prep_remaining(self)),
            Courier::EnRoute { at } => {
                let to_restaurant = self.travel.travel_time(&at, &req.pickup, req.at);
                self.via_restaurant(req, to_restaurant, prep_remaining(self))
            }
            Courier::Unassigned => self.via_restaurant(req, approach, prep_remaining(self)),
        }
    }

    fn via_restaurant(&self, req: &EtaRequest, to_restaurant: Duration, prep_remaining: Duration) -> Breakdown {
        // The last leg leaves after the pickup: its traffic is that hour's.
        let departs = req
            .at
            .plus(to_restaurant.max(prep_remaining).saturating_add(self.pickup_service));
        Breakdown {
            to_restaurant,
            prep_remaining,
            pickup_service: self.pickup_service,
            to_customer: self.travel.travel_time(&req.pickup, &req.dropoff, departs),
            dropoff_service: self.dropoff_service,
        }
    }

    /// The ETA for `req`: breakdown, P50 and P90.
    pub fn estimate(&self, req: &EtaRequest) -> Eta {
        self.estimate_from(req, self.breakdown(req))
    }

    /// The estimate as if no queue delayed the courier: before assignment
    /// it uses the configured approach, not the learned one. Dispatch aims
    /// at this (the delivery the city can make), while the customer is
    /// promised [`EtaModel::estimate`] (the delivery the queue allows).
    pub fn estimate_unqueued(&self, req: &EtaRequest) -> Eta {
        self.estimate_from(req, self.breakdown_with(req, self.prior_approach))
    }

    fn estimate_from(&self, req: &EtaRequest, breakdown: Breakdown) -> Eta {
        let stage = Stage::from(&req.courier);
        let raw = breakdown.total().as_secs_f64();
        let residuals = &self.residuals[stage.index()];
        Eta {
            computed_at: req.at,
            stage,
            breakdown,
            p50: secs_to_duration(raw * residuals.p50_factor()),
            p90: secs_to_duration(raw * residuals.p90_factor()),
        }
    }

    /// `current`'s move from `previous`, if larger than the configured
    /// notification threshold (5 minutes by default).
    pub fn shift(&self, previous: &Eta, current: &Eta) -> Option<EtaShift> {
        current.shift_from(previous, self.notify_threshold)
    }

    /// Learns travel speeds from a completed leg.
    pub fn observe_trip(&mut self, trip: &Trip) -> bool {
        self.travel.observe(trip)
    }

    /// Learns a restaurant's preparation bias from a ready event.
    pub fn observe_ready(&mut self, ready: &ReadyObservation) -> bool {
        self.prep.observe(ready)
    }

    /// Learns the residual distribution of `eta`'s stage from the actual
    /// delivery time. Returns false (learning nothing) for an estimate of zero
    /// remaining time.
    pub fn observe_delivery(&mut self, eta: &Eta, delivered_at: Timestamp) -> bool {
        let raw = eta.breakdown.total().as_secs_f64();
        if raw <= 0.0 {
            return false;
        }
        // A delivery at the instant of the estimate still took a moment.
        let actual = delivered_at.since(eta.computed_at).as_secs_f64().max(1.0);
        self.residuals[eta.stage.index()].observe(actual / raw);
        true
    }

    /// How many deliveries the residuals of `stage` have learned from.
    pub fn residuals_observed(&self, stage: Stage) -> u64 {
        self.residuals[stage.index()].observed()
    }
}
