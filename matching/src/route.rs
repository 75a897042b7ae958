//! Routes for one courier with up to a few orders: every pickup before its
//! drop-off, the best sequence found by trying them all.

use courier_core::{Duration, OrderId, Place, Timestamp};

/// Travel time between two places, leaving at a given time. The platform
/// plugs in courier-eta's learned model; [`StraightLine`] serves tests and
/// benches.
pub trait TravelTimes {
    /// How long from `from` to `to`, leaving at `at`.
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration;
}

/// Great-circle distance times a circuity factor at a constant speed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StraightLine {
    /// Metres per second (clamped to at least 0.1).
    pub speed_mps: f64,
    /// Road over straight-line distance.
    pub circuity: f64,
}

impl Default for StraightLine {
    /// 20 km/h, circuity 1.3.
    fn default() -> Self {
        StraightLine {
            speed_mps: 20.0 / 3.6,
            circuity: 1.3,
        }
    }
}

impl TravelTimes for StraightLine {
    fn travel(&self, from: &Place, to: &Place, _at: Timestamp) -> Duration {
        let secs = from.distance_m(to) * self.circuity / self.speed_mps.max(0.1);
        // Finite and non-negative here; core's conversion does the rounding.
        Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
    }
}

/// An order to route: where and when its food is ready, where it goes, and
/// when it is promised.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Job {
    /// The order.
    pub order: OrderId,
    /// The restaurant.
    pub pickup: Place,
    /// The customer.
    pub dropoff: Place,
    /// When the food is expected to be ready.
    pub ready_at: Timestamp,
    /// The latest delivery the customer was promised.
    pub promised_by: Timestamp,
    /// Already on the bike: only its drop-off remains.
    pub picked_up: bool,
}

/// How a route's time is priced, per second, and the service times at stops.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CostWeights {
    /// Per second of courier travel.
    pub travel: f64,
    /// Per second food waits at the restaurant after it is ready.
    pub food_wait: f64,
    /// Per second a courier idles at a restaurant before the food is ready.
    pub courier_idle: f64,
    /// Per second of delivery past the promised time.
    pub lateness: f64,
    /// Time at a restaurant to collect an order.
    pub pickup_service: Duration,
    /// Time at a door to hand an order over.
    pub dropoff_service: Duration,
}

impl Default for CostWeights {
    /// Travel and idling cost the same (a courier's time), food going cold
    /// half that, lateness five times: a late order costs the customer.
    fn default() -> Self {
        CostWeights {
            travel: 1.0,
            food_wait: 0.5,
            courier_idle: 1.0,
            lateness: 5.0,
            pickup_service: Duration::from_mins(2),
            dropoff_service: Duration::from_mins(3),
        }
    }
}

/// A stop of a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// Collect the order at its restaurant.
    Pickup(OrderId),
    /// Hand the order over at its door.
    Dropoff(OrderId),
}

/// A priced route.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutePlan {
    /// Stops in order.
    pub stops: Vec<Stop>,
    /// When each order is handed over.
    pub deliveries: Vec<(OrderId, Timestamp)>,
    /// Seconds travelling.
    pub travel: Duration,
    /// Seconds food waited, summed over pickups.
    pub food_wait: Duration,
    /// Seconds the courier idled at restaurants.
    pub courier_idle: Duration,
    /// Seconds late, summed over orders.
    pub lateness: Duration,
    /// The weighted cost.
    pub cost: f64,
}

impl RoutePlan {
    /// When the last order is handed over.
    pub fn finish(&self) -> Option<Timestamp> {
        self.deliveries.iter().map(|d| d.1).max()
    }
}

/// Most orders one route considers: 3 orders have 90 pickup-before-drop-off
/// sequences; 4 would have 2,520.
pub const MAX_ROUTE_ORDERS: usize = 3;

/// The cheapest route for a courier at `start` at `now` through `jobs`
/// (each pickup before its drop-off; picked-up jobs only drop off), or None
/// for no jobs or more than [`MAX_ROUTE_ORDERS`]. Ties keep the first
/// sequence found, so the answer is deterministic.
pub fn best_route(
    start: &Place,
    now: Timestamp,
    jobs: &[Job],
    travel: &impl TravelTimes,
    w: &CostWeights,
) -> Option<RoutePlan> {
    if jobs.is_empty() || jobs.len() > MAX_ROUTE_ORDERS {
        return None;
    }
    let mut stops = Vec::with_capacity(jobs.len() * 2);
    let mut best: Option<RoutePlan> = None;
    let mut picked: Vec<bool> = jobs.iter().map(|j| j.picked_up).collect();
    let mut dropped = vec![false; jobs.len()];
    search(
        start,
        now,
        jobs,
        travel,
        w,
        &mut stops,
        &mut picked,
        &mut dropped,
        &mut best,
    );
    best
}

#[allow(clippy::too_many_arguments, reason = "a private recursion carrying its state")]
fn search(
    start: &Place,
    now: Timestamp,
    jobs: &[Job],
    travel: &impl TravelTimes,
    w: &CostWeights,
    stops: &mut Vec<Stop>,
    picked: &mut [bool],
    dropped: &mut [bool],
    best: &mut Option<RoutePlan>,
) {
    if dropped.iter().all(|&d| d) {
        let plan = price(start, now, jobs, stops, travel, w);
        if best.as_ref().is_none_or(|b| plan.cost < b.cost) {
            *best = Some(plan);
        }
        return;
    }
    for i in 0..jobs.len() {
        if !picked[i] {
            picked[i] = true;
            stops.push(Stop::Pickup(jobs[i].order));
            search(start, now, jobs, travel, w, stops, picked, dropped, best);
            stops.pop();
            picked[i] = false;
        } else if !dropped[i] {
            dropped[i] = true;
            stops.push(Stop::Dropoff(jobs[i].order));
            search(start, now, jobs, travel, w, stops, picked, dropped, best);
            stops.pop();
            dropped[i] = false;
        }
    }
}

/// Prices one stop sequence.
pub fn price(
    start: &Place,
    now: Timestamp,
    jobs: &[Job],
    stops: &[Stop],
    travel: &impl TravelTimes,
    w: &CostWeights,
) -> RoutePlan {
    let mut t = now;
    let mut at = *start;
    let (mut moving, mut food_wait, mut idle, mut late) =
        (Duration::ZERO, Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut deliveries = Vec::with_capacity(jobs.len());
    for stop in stops {
        let (order, pickup) = match *stop {
            Stop::Pickup(o) => (o, true),
            Stop::Dropoff(o) => (o, false),
        };
        let Some(job) = jobs.iter().find(|j| j.order == order) else {
            continue;
        };
        let to = if pickup { job.pickup } else { job.dropoff };
        let leg = travel.travel(&at, &to, t);
        moving = moving.saturating_add(leg);
        t = t.plus(leg);
        at = to;
        if pickup {
            if t < job.ready_at {
                idle = idle.saturating_add(job.ready_at.since(t));
                t = job.ready_at;
            } else {
                food_wait = food_wait.saturating_add(t.since(job.ready_at));
            }
            t = t.plus(w.pickup_service);
        } else {
            t = t.plus(w.dropoff_service);
            late = late.saturating_add(t.since(job.promised_by));
            deliveries.push((order, t));
        }
    }
    let cost = w.travel * moving.as_secs_f64()
        + w.food_wait * food_wait.as_secs_f64()
        + w.courier_idle * idle.as_secs_f64()
        + w.lateness * late.as_secs_f64();
    RoutePlan {
        stops: stops.to_vec(),
        deliveries,
        travel: moving,
        food_wait,
        courier_idle: idle,
        lateness: late,
        cost,
    }
}
