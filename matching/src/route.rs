//! Routes for one courier with up to a few orders: every pickup before its
//! drop-off, the best sequence found by trying them all.

use courier_core::{Duration, OrderId, Place, Timestamp};

/// Travel time between two places, leaving at a given time. The platform
/// plugs in courier-eta's learned model; [`StraightLine`] serves tests and
/// benches.
pub trait TravelTimes {
    /// How long from `from` to `to`, leaving at `at`.
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration;

    /// A figure of `place` alone that [`TravelTimes::travel`] depends on
    /// (the learned model's pace of its cell): a route search travels
    /// between the same few places many times, so it asks once per place
    /// and hands the figures to [`TravelTimes::travel_between`]. A model
    /// without such a figure keeps the default.
    fn place_figure(&self, place: &Place) -> f64 {
        let _ = place;
        0.0
    }

    /// Exactly [`TravelTimes::travel`], given [`TravelTimes::place_figure`]
    /// of both places.
    fn travel_between(&self, from: &Place, from_figure: f64, to: &Place, to_figure: f64, at: Timestamp) -> Duration {
        let _ = (from_figure, to_figure);
        self.travel(from, to, at)
    }
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
    /// Per second from an order's food being ready to its handover at the
    /// door: what a customer waits beyond the kitchen, late or not, so a
    /// bundle that holds an order back pays for it.
    pub ready_to_door: f64,
    /// Time at a restaurant to collect an order.
    pub pickup_service: Duration,
    /// Time at a door to hand an order over.
    pub dropoff_service: Duration,
    /// Of `pickup_service`, the part spent on arrival before the food can
    /// be handed over (parking, walking in); the rest follows the handover.
    /// At most `pickup_service`.
    pub pickup_lead: Duration,
    /// Of `dropoff_service`, the part after the handover at the door (back
    /// to the vehicle): an order counts as delivered at its handover. At
    /// most `dropoff_service`.
    pub dropoff_trail: Duration,
}

impl Default for CostWeights {
    /// A second of food going cold or of an order past its promise costs
    /// four seconds of courier travel, and a courier waiting for food half
    /// of one: the customer comes first, and a courier waiting at the
    /// counter is ready to go the moment the food is. The food is handed
    /// over as soon as the courier walks in, and an order is delivered when
    /// the whole drop-off service is done.
    fn default() -> Self {
        CostWeights {
            travel: 1.0,
            food_wait: 4.0,
            courier_idle: 0.5,
            lateness: 4.0,
            ready_to_door: 1.0,
            pickup_service: Duration::from_mins(2),
            dropoff_service: Duration::from_mins(3),
            pickup_lead: Duration::ZERO,
            dropoff_trail: Duration::ZERO,
        }
    }
}

impl CostWeights {
    /// The pickup service in milliseconds: before the handover, after it.
    fn pickup_split(&self) -> (u64, u64) {
        let total = self.pickup_service.as_millis();
        let lead = self.pickup_lead.as_millis().min(total);
        (lead, total - lead)
    }

    /// The drop-off service in milliseconds: before the handover, after it.
    fn dropoff_split(&self) -> (u64, u64) {
        let total = self.dropoff_service.as_millis();
        let trail = self.dropoff_trail.as_millis().min(total);
        (total - trail, trail)
    }
}

/// Where and when a courier's route starts, and the latest it may collect
/// food: what a round knows of a courier beyond its jobs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Start<'p> {
    /// Where the courier is (or will be, when free).
    pub(crate) at: &'p Place,
    /// When the route starts: now, or when the courier is free.
    pub(crate) time: Timestamp,
    /// No pickup after this (the end of a shift).
    pub(crate) last_pickup: Timestamp,
}

impl<'p> Start<'p> {
    /// At `at` now, with no limit on pickups.
    pub(crate) fn now(at: &'p Place, now: Timestamp) -> Start<'p> {
        Start {
            at,
            time: now,
            last_pickup: Timestamp::from_millis(i64::MAX),
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
    /// When the courier reaches each order's restaurant, for the orders it
    /// still has to collect.
    pub arrivals: Vec<(OrderId, Timestamp)>,
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
    best_route_within(start, now, jobs, travel, w, f64::INFINITY)
}

/// As [`best_route`], but only if the cheapest route costs at most `cap`.
///
/// With non-negative weights a route's cost only grows stop by stop, so a
/// sequence is abandoned as soon as its first stops cost more than `cap` or
/// no less than the best found: callers who drop dear routes anyway (a
/// bundle that saves too little, a courier past the unassigned cost) pay
/// for the few sequences that can still matter.
///
/// ```
/// use courier_core::{GeoPoint, OrderId, Place, Timestamp};
/// use courier_matching::{CostWeights, Job, StraightLine, best_route, best_route_within};
/// let place = |north_m: f64| -> Result<Place, Box<dyn std::error::Error>> {
///     Ok(Place::resolve(GeoPoint::new(40.75, -73.99)?.offset_m(north_m, 0.0)?, 9)?)
/// };
/// let now = Timestamp::from_millis(0);
/// let job = Job {
///     order: OrderId::new(1),
///     pickup: place(1_000.0)?,
///     dropoff: place(3_000.0)?,
///     ready_at: now,
///     promised_by: now.plus(courier_core::Duration::from_mins(45)),
///     picked_up: false,
/// };
/// let (travel, w) = (StraightLine::default(), CostWeights::default());
/// let best = best_route(&place(0.0)?, now, &[job], &travel, &w).ok_or("no route")?;
/// assert_eq!(best_route_within(&place(0.0)?, now, &[job], &travel, &w, best.cost), Some(best.clone()));
/// assert_eq!(best_route_within(&place(0.0)?, now, &[job], &travel, &w, best.cost - 1.0), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn best_route_within(
    start: &Place,
    now: Timestamp,
    jobs: &[Job],
    travel: &impl TravelTimes,
    w: &CostWeights,
    cap: f64,
) -> Option<RoutePlan> {
    let best = cheapest_sequence_within(Start::now(start, now), jobs, travel, w, cap)?;
    Some(price(start, now, jobs, best.stops(), travel, w))
}

/// The stops of the cheapest route through some jobs and its cost: what
/// [`best_route_within`] finds before it prices the route in full. A round
/// that weighs dozens of couriers per order keeps these and prices only the
/// routes it gives out.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sequence {
    stops: [Stop; 2 * MAX_ROUTE_ORDERS],
    len: usize,
    /// The cost [`price`] gives these stops (the same walk computes both).
    pub(crate) cost: f64,
}

impl Sequence {
    /// The stops in order.
    pub(crate) fn stops(&self) -> &[Stop] {
        self.stops.get(..self.len).unwrap_or_default()
    }
}

/// As [`best_route_within`], without pricing the route in full.
pub(crate) fn cheapest_sequence_within(
    start: Start<'_>,
    jobs: &[Job],
    travel: &impl TravelTimes,
    w: &CostWeights,
    cap: f64,
) -> Option<Sequence> {
    if jobs.is_empty() || jobs.len() > MAX_ROUTE_ORDERS || cap.is_nan() {
        return None;
    }
    let mut search = Search {
        jobs,
        travel,
        w,
        prune: [w.travel, w.food_wait, w.courier_idle, w.lateness, w.ready_to_door]
            .iter()
            .all(|&x| x >= 0.0),
        first_of: [0; MAX_ROUTE_ORDERS],
        figures: [(0.0, 0.0); MAX_ROUTE_ORDERS],
        picked: [false; MAX_ROUTE_ORDERS],
        dropped: [false; MAX_ROUTE_ORDERS],
        stops: [Stop::Pickup(OrderId::new(0)); 2 * MAX_ROUTE_ORDERS],
        best: None,
        best_cost: f64::INFINITY,
        cap,
        last_pickup: start.last_pickup.as_millis(),
    };
    for (i, job) in jobs.iter().enumerate() {
        search.picked[i] = job.picked_up;
        search.first_of[i] = jobs.iter().position(|j| j.order == job.order).unwrap_or(i);
    }
    for i in 0..jobs.len() {
        // The places the walk goes to: those of each job's first namesake.
        if let Some(job) = jobs.get(search.first_of[i]) {
            // A job already on the bike is never picked up in this walk.
            let pickup = if search.picked[i] {
                0.0
            } else {
                travel.place_figure(&job.pickup)
            };
            search.figures[i] = (pickup, travel.place_figure(&job.dropoff));
        }
    }
    let remaining = jobs.iter().map(|j| if j.picked_up { 1 } else { 2 }).sum();
    search.extend(
        Leg::start(start.at, travel.place_figure(start.at), start.time),
        0,
        remaining,
    );
    let (stops, len) = search.best?;
    let cost = search.best_cost;
    // Not `cost <= cap`: a NaN cost (NaN weights) is no reason to say "none".
    match cost.partial_cmp(&cap) {
        Some(std::cmp::Ordering::Greater) => None,
        _ => Some(Sequence { stops, len, cost }),
    }
}

/// What `jobs` cost on any route starting at `now`, whatever the courier and
/// the travel: food left waiting at least until a courier could walk in,
/// and lateness past the service times alone. No courier can save a unit
/// this part of its cost, so a round weighs it apart (see
/// [`crate::plan_batch`]).
pub(crate) fn sure_cost(now: Timestamp, jobs: &[Job], w: &CostWeights) -> f64 {
    let t = now.as_millis();
    let (lead, rest) = w.pickup_split();
    let (before, _) = w.dropoff_split();
    let (mut food_wait, mut late, mut to_door) = (0u64, 0u64, 0u64);
    for job in jobs {
        let mut handed_over = t;
        if !job.picked_up {
            let walked_in = plus(t, lead);
            food_wait = food_wait.saturating_add(since(walked_in, job.ready_at.as_millis()));
            handed_over = plus(walked_in, rest);
        }
        handed_over = plus(handed_over, before);
        late = late.saturating_add(since(handed_over, job.promised_by.as_millis()));
        to_door = to_door.saturating_add(since(handed_over, job.ready_at.as_millis()));
    }
    w.food_wait * secs(food_wait) + w.lateness * secs(late) + w.ready_to_door * secs(to_door)
}

/// Where a partial sequence has got to, with its running totals: the search
/// extends one per prefix, and [`price`] walks one over a whole sequence, so
/// the two cannot price a route differently.
///
/// The clock and totals are plain milliseconds with the saturating
/// arithmetic of [`Timestamp`] and [`Duration`], which a search would
/// otherwise convert in and out of at every step.
#[derive(Clone, Copy)]
struct Leg<'p> {
    /// Borrowed from the start or a job: a leg is copied at every step of a
    /// search, and a place is larger than the rest of it.
    at: &'p Place,
    /// The travel model's figure of `at`.
    figure: f64,
    /// [`Timestamp::as_millis`] of the clock.
    t: i64,
    /// When the last stop's food changed hands (milliseconds).
    handed: i64,
    /// When the courier reached the last stop (milliseconds).
    arrived: i64,
    moving: u64,
    food_wait: u64,
    idle: u64,
    late: u64,
    /// Summed from each handed-over order's ready time to its handover.
    to_door: u64,
}

/// [`Timestamp::plus`] in milliseconds.
#[inline]
fn plus(t: i64, d: u64) -> i64 {
    t.saturating_add(i64::try_from(d).unwrap_or(i64::MAX))
}

/// [`Timestamp::since`] in milliseconds.
#[inline]
fn since(t: i64, earlier: i64) -> u64 {
    if t <= earlier { 0 } else { t.abs_diff(earlier) }
}

impl<'p> Leg<'p> {
    fn start(at: &'p Place, figure: f64, now: Timestamp) -> Leg<'p> {
        Leg {
            at,
            figure,
            t: now.as_millis(),
            handed: now.as_millis(),
            arrived: now.as_millis(),
            moving: 0,
            food_wait: 0,
            idle: 0,
            late: 0,
            to_door: 0,
        }
    }

    /// The clock as a timestamp.
    fn time(&self) -> Timestamp {
        Timestamp::from_millis(self.t)
    }

    /// When the last stop's food changed hands.
    fn handed_over(&self) -> Timestamp {
        Timestamp::from_millis(self.handed)
    }

    /// Goes on to the pickup (or drop-off) of `job`, whose travel figure
    /// is `figure`.
    fn then(mut self, job: &'p Job, pickup: bool, figure: f64, travel: &impl TravelTimes, w: &CostWeights) -> Leg<'p> {
        let to = if pickup { &job.pickup } else { &job.dropoff };
        let leg = travel
            .travel_between(self.at, self.figure, to, figure, self.time())
            .as_millis();
        self.moving = self.moving.saturating_add(leg);
        self.t = plus(self.t, leg);
        self.arrived = self.t;
        self.at = to;
        self.figure = figure;
        if pickup {
            let (lead, rest) = w.pickup_split();
            let ready = job.ready_at.as_millis();
            let walked_in = plus(self.t, lead);
            if walked_in < ready {
                self.idle = self.idle.saturating_add(since(ready, walked_in));
                self.handed = ready;
            } else {
                self.food_wait = self.food_wait.saturating_add(since(walked_in, ready));
                self.handed = walked_in;
            }
            self.t = plus(self.handed, rest);
        } else {
            let (before, trail) = w.dropoff_split();
            self.handed = plus(self.t, before);
            self.late = self
                .late
                .saturating_add(since(self.handed, job.promised_by.as_millis()));
            self.to_door = self
                .to_door
                .saturating_add(since(self.handed, job.ready_at.as_millis()));
            self.t = plus(self.handed, trail);
        }
        self
    }

    fn cost(&self, w: &CostWeights) -> f64 {
        w.travel * secs(self.moving)
            + w.food_wait * secs(self.food_wait)
            + w.courier_idle * secs(self.idle)
            + w.lateness * secs(self.late)
            + w.ready_to_door * secs(self.to_door)
    }
}

/// [`Duration::as_secs_f64`] of milliseconds.
#[inline]
fn secs(millis: u64) -> f64 {
    Duration::from_millis(millis).as_secs_f64()
}

/// A depth-first walk over every pickup-before-drop-off sequence, carrying
/// the running totals so that each prefix is travelled once, not once per
/// sequence that starts with it.
struct Search<'a, T> {
    jobs: &'a [Job],
    travel: &'a T,
    w: &'a CostWeights,
    /// Costs never fall as stops are added (all weights non-negative), so a
    /// prefix's cost bounds every sequence it starts.
    prune: bool,
    /// For each job, the first job with its order id, as `price` looks a
    /// stop up: found once here rather than at every step of the walk.
    first_of: [usize; MAX_ROUTE_ORDERS],
    /// Each job's pickup and drop-off travel figures, asked once per search.
    figures: [(f64, f64); MAX_ROUTE_ORDERS],
    picked: [bool; MAX_ROUTE_ORDERS],
    dropped: [bool; MAX_ROUTE_ORDERS],
    stops: [Stop; 2 * MAX_ROUTE_ORDERS],
    best: Option<([Stop; 2 * MAX_ROUTE_ORDERS], usize)>,
    best_cost: f64,
    cap: f64,
    /// No food is collected after this (milliseconds).
    last_pickup: i64,
}

impl<'a, T: TravelTimes> Search<'a, T> {
    /// `leg` with what every completion of it must still add, whatever the
    /// travel: food left waiting until at least now at each pickup to come,
    /// and lateness at each drop-off to come, which cannot happen before its
    /// own service times have passed. Each figure is at most the one a
    /// completed sequence reaches, so its cost is at most that sequence's.
    fn at_least(&self, leg: &Leg<'a>) -> Leg<'a> {
        let mut floor = *leg;
        for i in 0..self.jobs.len() {
            if self.dropped[i] {
                continue;
            }
            let Some(job) = self.jobs.get(self.first_of[i]) else {
                continue;
            };
            let mut handed_over = leg.t;
            if !self.picked[i] {
                let (lead, rest) = self.w.pickup_split();
                let walked_in = plus(leg.t, lead);
                floor.food_wait = floor
                    .food_wait
                    .saturating_add(since(walked_in, job.ready_at.as_millis()));
                handed_over = plus(walked_in, rest);
            }
            handed_over = plus(handed_over, self.w.dropoff_split().0);
            floor.late = floor
                .late
                .saturating_add(since(handed_over, job.promised_by.as_millis()));
            floor.to_door = floor
                .to_door
                .saturating_add(since(handed_over, job.ready_at.as_millis()));
        }
        floor
    }

    fn extend(&mut self, leg: Leg<'a>, depth: usize, remaining: usize) {
        if remaining == 0 {
            let cost = leg.cost(self.w);
            // Ties keep the first sequence found.
            if self.best.is_none() || cost < self.best_cost {
                self.best = Some((self.stops, depth));
                self.best_cost = cost;
            }
            return;
        }
        if self.prune {
            // Costs only grow, and by at least what the orders left already
            // owe: a completion no cheaper than the best (or the cap) is not
            // worth its travel estimates.
            let floor = self.at_least(&leg).cost(self.w);
            if floor > self.cap || floor >= self.best_cost {
                return;
            }
        }
        for i in 0..self.jobs.len() {
            let (pickup, order) = match (self.picked[i], self.dropped[i]) {
                (false, _) => (true, self.jobs[i].order),
                (true, false) => (false, self.jobs[i].order),
                (true, true) => continue,
            };
            // Through the slice itself, so the leg may borrow the job for
            // as long as the search runs, not just while `self` is borrowed.
            let jobs = self.jobs;
            let Some(job) = jobs.get(self.first_of[i]) else {
                continue;
            };
            let figure = if pickup { self.figures[i].0 } else { self.figures[i].1 };
            let next = leg.then(job, pickup, figure, self.travel, self.w);
            if pickup && next.handed > self.last_pickup {
                continue;
            }
            if pickup {
                self.picked[i] = true;
                self.stops[depth] = Stop::Pickup(order);
            } else {
                self.dropped[i] = true;
                self.stops[depth] = Stop::Dropoff(order);
            }
            self.extend(next, depth + 1, remaining - 1);
            if pickup {
                self.picked[i] = false;
            } else {
                self.dropped[i] = false;
            }
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
    let mut leg = Leg::start(start, travel.place_figure(start), now);
    let mut deliveries = Vec::with_capacity(jobs.len());
    let mut arrivals = Vec::with_capacity(jobs.len());
    for stop in stops {
        let (order, pickup) = match *stop {
            Stop::Pickup(o) => (o, true),
            Stop::Dropoff(o) => (o, false),
        };
        let Some(job) = jobs.iter().find(|j| j.order == order) else {
            continue;
        };
        let figure = travel.place_figure(if pickup { &job.pickup } else { &job.dropoff });
        leg = leg.then(job, pickup, figure, travel, w);
        if pickup {
            arrivals.push((order, Timestamp::from_millis(leg.arrived)));
        } else {
            deliveries.push((order, leg.handed_over()));
        }
    }
    RoutePlan {
        stops: stops.to_vec(),
        deliveries,
        arrivals,
        travel: Duration::from_millis(leg.moving),
        food_wait: Duration::from_millis(leg.food_wait),
        courier_idle: Duration::from_millis(leg.idle),
        lateness: Duration::from_millis(leg.late),
        cost: leg.cost(w),
    }
}

#[cfg(test)]
mod tests {
    use super::{plus, since};
    use courier_core::{Duration, Timestamp};
    use proptest::prelude::*;

    /// `plus` and `since` against the `Timestamp` arithmetic they stand in
    /// for. A leg's clock starts from a timestamp and only grows, so it
    /// never holds `i64::MIN`, the one value a timestamp cannot.
    fn agree(t: i64, d: u64, earlier: i64) -> Result<(), TestCaseError> {
        let at = Timestamp::from_millis(t);
        prop_assert_eq!(plus(t, d), at.plus(Duration::from_millis(d)).as_millis());
        prop_assert_eq!(since(t, earlier), at.since(Timestamp::from_millis(earlier)).as_millis());
        Ok(())
    }

    #[test]
    fn millisecond_arithmetic_agrees_with_timestamps_at_the_extremes() {
        let clocks = [i64::MIN + 1, -1, 0, 1, i64::MAX - 1, i64::MAX];
        let lengths = [
            0,
            1,
            i64::MAX as u64 - 1,
            i64::MAX as u64,
            i64::MAX as u64 + 1,
            u64::MAX,
        ];
        for &t in &clocks {
            for &d in &lengths {
                for &earlier in &clocks {
                    if let Err(e) = agree(t, d, earlier) {
                        panic!("t={t} d={d} earlier={earlier}: {e}");
                    }
                }
            }
        }
    }

    proptest! {
        #[test]
        fn millisecond_arithmetic_agrees_with_timestamps(
            t in (i64::MIN + 1)..=i64::MAX,
            d in any::<u64>(),
            earlier in (i64::MIN + 1)..=i64::MAX,
        ) {
            agree(t, d, earlier)?;
        }
    }
}
