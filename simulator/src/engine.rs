//! The discrete-event engine: simulated time, a priority queue of events,
//! and the agents (customers, kitchens, couriers) driving the real platform
//! services through their public calls.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use courier_core::order::{Actor, CancelReason, OrderStatus};
use courier_core::ports::{OrderStore, Store};
use courier_core::{CourierId, CustomerId, Duration, GeoPoint, IdempotencyKey, Money, OrderId, Timestamp};
use courier_matching::{BatchConfig, CascadeConfig};
use courier_platform::external::{FakeGateway, ManualClock, RecordingNotifier};
use courier_platform::rate_limits::Tier;
use courier_platform::settlement::Books;
use courier_platform::{DispatchPolicy, OrderRequest, PaymentStatus, Platform, PlatformConfig, PlatformError};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, Normal};

use crate::city::{SimRestaurant, point_in_disc, restaurants};
use crate::event_queue::EventQueue;
use crate::exec::Exec;
use crate::history::History;
use crate::idle_wait::IdleWait;
use crate::report::{MinuteRow, OrderTrack};
use crate::scenario::Scenario;
use crate::tracks::Tracks;
use courier_storage::faults::{FaultClock, FaultPlan, FaultStats, FaultyStore, FlakyWindow, Outage};

mod audit;
mod crash;

/// The services the simulation drives.
pub type SimPlatform<S> = Platform<SimStore<S>, Arc<FakeGateway>, Arc<RecordingNotifier>, Arc<ManualClock>>;

/// The store as the simulated platform reaches it: through the fault
/// injector, and shared with the simulator, so that the platform built
/// after a crash finds what the one before it wrote.
pub type SimStore<S> = Arc<FaultyStore<S, SimFaultClock>>;

/// The storage fault injector's view of simulated time. Injected latency is
/// not charged (an event happens at one simulated instant); outages and
/// error windows follow the simulated clock.
#[derive(Debug, Clone)]
pub struct SimFaultClock(Arc<ManualClock>);

impl FaultClock for SimFaultClock {
    fn now(&self) -> Timestamp {
        use courier_platform::external::Clock;
        self.0.now()
    }

    async fn wait(&self, _: Duration) {}
}

/// How long an agent waits before trying again a call that failed for a
/// transient reason (storage down, a breaker open).
const RETRY_MS: i64 = 15_000;

/// Times a customer tries to place an order before giving up.
const PLACEMENT_ATTEMPTS: u8 = 3;

/// A placement a customer is making: tried again with the same request.
#[derive(Debug, Clone)]
struct Placing {
    restaurant: usize,
    request: OrderRequest,
    attempts: u8,
}

/// Circuity of the simulated streets over straight lines (as courier-eta assumes).
const CIRCUITY: f64 = 1.3;
/// The simulated day starts at this instant (2026-11-26 00:00, read as the
/// city's local wall time: see [`crate::clock`]), in ms.
pub const DAY_START_MS: i64 = 1_795_651_200_000;

/// An invariant the run broke: the run stops with it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invariant violated at simulated {at} (seed {seed}){}: {what}", order.map(|o| format!(", {o}")).unwrap_or_default())]
pub struct Violation {
    /// The run's seed.
    pub seed: u64,
    /// Simulated time.
    pub at: Timestamp,
    /// The order involved, if one.
    pub order: Option<OrderId>,
    /// What broke.
    pub what: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ev {
    Arrival,
    /// The history's order at this index is placed.
    Replay(u32),
    KitchenAccept(OrderId),
    KitchenReady(OrderId),
    Answer(u32, OrderId, bool),
    AtRestaurant(u32, u64, OrderId),
    AtDoor(u32, u64, OrderId),
    CustomerCancel(OrderId),
    Dispatch,
    Sample,
    DropOut(u32),
    BackOnline(u32),
    ShiftStart(u32),
    ShiftEnd(u32),
    TabletsOffline(usize),
    TabletsBack(usize),
    /// The platform crashes (the scenario's failure at this index).
    Crash(usize),
    /// The crashed platform's successor starts.
    Restart,
    /// A customer places the order an outage kept them from placing.
    PlaceOne,
    /// A courier's app, online through a restart, reconnects.
    Reconnect(u32),
    /// A customer whose placement failed for a transient reason tries
    /// again, with the same idempotency key (the customer's id).
    RetryPlace(u64),
}

#[derive(Debug, Clone)]
struct SimCourier {
    id: CourierId,
    pos: GeoPoint,
    online: bool,
    /// The shift, in simulated ms: online from the first, logged off at the second.
    shift: (i64, i64),
    /// Orders to carry, in order.
    work: VecDeque<OrderId>,
    /// Bumped whenever the current leg is abandoned, so stale arrivals are ignored.
    leg: u64,
    /// Travelling or waiting on a leg now.
    on_leg: bool,
    /// Waiting at the restaurant for this order's food.
    waiting_for: Option<OrderId>,
    /// The order the current leg is for (collect or hand over).
    heading_to: Option<OrderId>,
    /// Metres of the current leg, counted once it is ridden to its end.
    leg_m: f64,
    busy_ms: i64,
    online_ms: i64,
    state_since: i64,
}

/// Everything one run produced.
#[derive(Debug, Clone, Default)]
pub struct RunOutput {
    /// The scenario's name.
    pub scenario: String,
    /// The run's seed.
    pub seed: u64,
    /// The scale it ran at.
    pub scale: f64,
    /// The city's time zone (IANA name).
    pub timezone: String,
    /// When the run started, simulated ms (minute rows count from here).
    pub start_ms: i64,
    /// Each restaurant's id and place, by the tracks' restaurant index.
    pub restaurants: Vec<(courier_core::RestaurantId, GeoPoint)>,
    /// One row per order.
    pub orders: Vec<OrderTrack>,
    /// One row per simulated minute.
    pub minutes: Vec<MinuteRow>,
    /// Events handled.
    pub events: u64,
    /// Courier busy milliseconds (carrying or heading to work).
    pub courier_busy_ms: i64,
    /// Courier online milliseconds.
    pub courier_online_ms: i64,
    /// Each courier's online milliseconds, by courier.
    pub courier_online_ms_each: Vec<(CourierId, i64)>,
    /// The hourly guarantee couriers were paid up to, cents.
    pub guaranteed_cents_per_hour: i64,
    /// Simulated minutes of demand (the drain after them is not counted).
    pub demand_minutes: u64,
    /// Courier pay, refunds and captures from the platform's books.
    pub books: courier_platform::settlement::Books,
    /// Invariant violations found (the run stops at the first).
    pub violation: Option<Violation>,
    /// What the storage fault injector did.
    pub storage_faults: FaultStats,
    /// Agent calls retried after a transient failure.
    pub retries: u64,
    /// Times the platform was rebuilt from the store after a crash.
    pub restarts: u64,
    /// Orders the store holds that no customer was told of (each customer
    /// was told the placement failed, and gave up): none was charged.
    pub untold_orders: u64,
    /// Order events the outbox relay published.
    pub events_published: u64,
    /// Order-minutes orders waited for a courier, past their first minute,
    /// while an idle courier within the search radius could have taken them
    /// (see `idle_wait`).
    pub order_minutes_waiting_while_couriers_idle: f64,
    /// Metres couriers rode on the legs they finished.
    pub distance_ridden_m: f64,
}

/// One deterministic run of `scenario` with `seed` over `store`.
pub struct Sim<S> {
    scenario: Scenario,
    seed: u64,
    platform: SimPlatform<S>,
    /// What outlives a crash of the platform.
    survivors: crash::Survivors<S>,
    /// What crashes have done so far.
    crashes: crash::Crashes,
    clock: Arc<ManualClock>,
    exec: Exec,
    /// The run's own threads for the batch planner's parallel searches (see
    /// [`Sim::run_observed`]).
    pool: Arc<rayon::ThreadPool>,
    queue: EventQueue<Ev>,
    demand_rng: ChaCha8Rng,
    kitchen_rng: ChaCha8Rng,
    courier_rng: ChaCha8Rng,
    customer_rng: ChaCha8Rng,
    /// Which promotions a customer names: a stream of its own, so a
    /// scenario without promotions draws exactly what it drew before.
    promo_rng: ChaCha8Rng,
    restaurants: Vec<SimRestaurant>,
    tablets_off: Vec<bool>,
    couriers: Vec<SimCourier>,
    tracks: Tracks,
    /// Placements that failed for a transient reason, by customer, until
    /// the customer tries again.
    placing: HashMap<u64, Placing>,
    /// Orders placed and not yet closed (kept as a count: it is read every tick).
    open: usize,
    pending_payment: Vec<OrderId>,
    minutes: Vec<MinuteRow>,
    minute: MinuteRow,
    end_ms: i64,
    max_rate: f64,
    events: u64,
    /// Calls retried after a transient failure.
    retries: u64,
    /// Order events the outbox relay published.
    events_published: u64,
    center: GeoPoint,
    next_customer: u64,
    violation: Option<Violation>,
    /// Orders waiting for a courier while one sat idle near them.
    idle_wait: IdleWait,
    /// The orders and shifts replayed instead of generated ones.
    history: Option<Arc<History>>,
    /// When a replayed order's food was ready, as recorded.
    past_prep: HashMap<OrderId, PastPrep>,
    /// Metres couriers rode on legs they finished.
    distance_ridden_m: f64,
}

/// A replayed order's kitchen time as its history gives it.
#[derive(Debug, Clone, Copy)]
enum PastPrep {
    /// Ready at this simulated time (or as soon as accepted, if later).
    ReadyAt(i64),
    /// Ready this many minutes after the kitchen starts.
    Minutes(f64),
}

/// A pool of `threads` threads (0: rayon's default).
fn thread_pool(threads: usize) -> Result<Arc<rayon::ThreadPool>, String> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("courier-sim-{i}"))
        .build()
        .map(Arc::new)
        .map_err(|e| format!("cannot start the planner's threads: {e}"))
}

fn stream(seed: u64, kind: u64) -> ChaCha8Rng {
    // One stream per agent kind: changing how couriers behave does not
    // reshuffle the demand, and the other way round.
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(kind);
    rng
}

impl<S: Store> Sim<S> {
    /// Prepares a run: the city in the store, couriers online, failures scheduled.
    pub fn new(scenario: Scenario, seed: u64, store: S) -> Result<Sim<S>, String> {
        let exec = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the async runtime: {e}"))?;
        Sim::new_on(exec, scenario, seed, store)
    }

    /// As [`Sim::new`], on a runtime the caller made (the one a networked
    /// store was connected on, whose connections live there).
    pub fn new_on(exec: tokio::runtime::Runtime, scenario: Scenario, seed: u64, store: S) -> Result<Sim<S>, String> {
        let [lat, lng] = scenario.city.center;
        let center = GeoPoint::new(lat, lng).map_err(|e| e.to_string())?;
        let mut city_rng = stream(seed, 1);
        let history = scenario.replay.clone();
        if history.is_some() && scenario.scale != 1.0 {
            return Err(format!(
                "--scale {}: a [history] replays every order as recorded, at scale 1",
                scenario.scale
            ));
        }
        let (restaurants, day_ms) = match &history {
            Some(h) => (
                crate::city::past_restaurants(&scenario, &h.restaurants, &mut city_rng),
                h.first_day_ms(),
            ),
            None => (restaurants(&scenario, center, &mut city_rng), DAY_START_MS),
        };
        let mut restaurants = restaurants;
        if let Some(streets) = &scenario.city.streets {
            // Kitchens open onto a street.
            for r in &mut restaurants {
                r.record.location = streets.place(r.record.location);
            }
        }
        let start_ms = day_ms + (scenario.start_hour * 3_600_000.0) as i64;
        let clock = Arc::new(ManualClock::new(Timestamp::from_millis(start_ms)));
        let gateway = Arc::new(FakeGateway::unrecorded());
        for f in scenario.failures.iter().filter(|f| f.kind == "payment_outage") {
            let from = Timestamp::from_millis(minute_ms(start_ms, f.start_minute));
            gateway.add_outage(from, from.plus(minutes(f.duration_minutes)));
        }
        let dispatch = match scenario.policy.dispatch.as_str() {
            "cascade" => DispatchPolicy::Cascade(CascadeConfig::default()),
            _ => DispatchPolicy::Batch(BatchConfig {
                batch_limit: scenario.policy.batch_limit,
                ..BatchConfig::default()
            }),
        };
        let bp = |share: f64| courier_core::BasisPoints::new((share * 10_000.0).round() as u32);
        let defaults = PlatformConfig::default();
        let config = PlatformConfig {
            surge: courier_pricing::SurgeConfig {
                cap: bp(scenario.policy.surge_cap),
                ..defaults.surge
            },
            refund: courier_core::refund::RefundPolicy {
                early_after_acceptance: bp(scenario.policy.refund_early_share),
                early_window: minutes(scenario.policy.refund_early_minutes),
                late_after_acceptance: bp(scenario.policy.refund_late_share),
                ..defaults.refund
            },
            dispatch,
            batch_limit: scenario.policy.batch_limit,
            index_resolution: scenario.city.h3_resolution,
            rate_limits: false,
            ..PlatformConfig::default()
        };
        let store = Arc::new(FaultyStore::new(
            store,
            SimFaultClock(clock.clone()),
            fault_plan(&scenario, start_ms),
            stream(seed, 7).random(),
        ));
        let survivors = crash::Survivors {
            store,
            gateway,
            notifier: Arc::new(RecordingNotifier::counting()),
            config,
        };
        let platform = survivors.platform(&clock, stream(seed, 6))?;
        let end_ms = start_ms + (scenario.hours * 3_600_000.0) as i64;
        // The demand curve's peak, and its orders with a margin for
        // Poisson's spread, read off one pass over its minutes.
        let (peak, per_minute_sum) = scenario.demand_curve();
        let max_rate = peak * scenario.scale;
        let expected_orders = match &history {
            Some(h) => h.orders.len() as f64,
            None => per_minute_sum * scenario.scale * 1.05,
        };
        let mut sim = Sim {
            seed,
            platform,
            survivors,
            crashes: crash::Crashes::default(),
            clock,
            exec: Exec::new(exec),
            pool: thread_pool(0)?,
            queue: EventQueue::default(),
            demand_rng: stream(seed, 2),
            kitchen_rng: stream(seed, 3),
            courier_rng: stream(seed, 4),
            customer_rng: stream(seed, 5),
            promo_rng: stream(seed, 8),
            tablets_off: vec![false; restaurants.len()],
            restaurants,
            couriers: Vec::new(),
            tracks: Tracks::with_room_for(expected_orders as usize),
            open: 0,
            placing: HashMap::new(),
            pending_payment: Vec::new(),
            minutes: Vec::new(),
            minute: MinuteRow::default(),
            end_ms,
            max_rate,
            events: 0,
            retries: 0,
            events_published: 0,
            center,
            next_customer: 1,
            violation: None,
            idle_wait: IdleWait::default(),
            history,
            past_prep: HashMap::new(),
            distance_ridden_m: 0.0,
            scenario,
        };
        sim.setup(start_ms)?;
        Ok(sim)
    }

    fn setup(&mut self, start_ms: i64) -> Result<(), String> {
        for p in &self.scenario.promotions {
            let promotion = p.promotion(courier_core::Currency::Usd, Timestamp::from_millis(start_ms))?;
            self.exec
                .block_on(self.platform.create_promotion(Actor::System, &promotion))
                .map_err(|e| format!("cannot create promotion {}: {e}", p.code))?;
        }
        for r in &self.restaurants {
            self.exec
                .block_on(async {
                    self.platform.store().inner().put_restaurant(&r.record).await?;
                    self.platform.store().inner().put_menu(&r.menu()).await
                })
                .map_err(|e| format!("cannot store the catalog: {e}"))?;
        }
        let plan = self.courier_plan(start_ms);
        let fleet = plan.len() as u32;
        let radius_m = self.scenario.scaled_radius_km() * 1_000.0;
        for (i, (pos, shift)) in (0..fleet).zip(plan) {
            let pos = pos.unwrap_or_else(|| point_in_disc(&mut self.courier_rng, self.center, radius_m * 0.8));
            let pos = self.on_street(pos);
            let id = CourierId::new(u64::from(i) + 1);
            let on_now = shift.0 <= start_ms;
            if on_now {
                self.exec
                    .block_on(self.platform.courier_online(id, pos))
                    .map_err(|e| format!("cannot bring courier {id} online: {e}"))?;
            } else {
                self.push(shift.0, Ev::ShiftStart(i));
            }
            if shift.1 < i64::MAX {
                self.push(shift.1, Ev::ShiftEnd(i));
            }
            self.couriers.push(SimCourier {
                id,
                pos,
                online: on_now,
                shift,
                work: VecDeque::new(),
                leg: 0,
                on_leg: false,
                waiting_for: None,
                heading_to: None,
                leg_m: 0.0,
                busy_ms: 0,
                online_ms: 0,
                state_since: start_ms,
            });
            if on_now {
                self.schedule_dropout(i, start_ms);
                self.idle_wait.courier_idle(id, pos, start_ms);
            }
        }
        for (i, f) in self.scenario.failures.clone().iter().enumerate() {
            let at = minute_ms(start_ms, f.start_minute);
            let until = minute_ms(at, f.duration_minutes);
            match f.kind.as_str() {
                "restaurant_tablet_offline" => {
                    self.push(at, Ev::TabletsOffline(i));
                    self.push(until, Ev::TabletsBack(i));
                }
                "platform_crash" => self.push(at, Ev::Crash(i)),
                "courier_app_offline" => {
                    let n = (f64::from(fleet) * f.share).round() as u32;
                    for c in 0..n.min(fleet) {
                        self.push(at, Ev::DropOut(c));
                        self.push(until, Ev::BackOnline(c));
                    }
                }
                _ => {}
            }
        }
        match self.history.clone() {
            Some(h) => {
                let window = start_ms..self.end_ms;
                for (i, o) in h.orders.iter().enumerate() {
                    if window.contains(&o.placed_ms) {
                        self.push(o.placed_ms, Ev::Replay(i as u32));
                    }
                }
            }
            None => self.schedule_arrival(start_ms),
        }
        self.push(start_ms, Ev::Dispatch);
        self.push(start_ms + 60_000, Ev::Sample);
        Ok(())
    }

    /// Each courier's shift and, from a history, starting place: the
    /// history's shifts that overlap the run, or the scenario's fleet and
    /// shifts (placed at random as they are set up).
    fn courier_plan(&self, start_ms: i64) -> Vec<(Option<GeoPoint>, (i64, i64))> {
        if let Some(h) = self.history.as_ref().filter(|h| !h.shifts.is_empty()) {
            return h
                .shifts
                .iter()
                .filter(|s| s.off_ms > start_ms && s.on_ms < self.end_ms)
                .map(|s| (Some(s.start), (s.on_ms, s.off_ms)))
                .collect();
        }
        let fleet = self.scenario.scaled_fleet();
        self.shift_windows(fleet, start_ms)
            .into_iter()
            .map(|shift| (None, shift))
            .collect()
    }

    /// Each courier's shift in simulated ms: the scenario's shifts dealt
    /// out in fleet order by share (the last takes any rounding left), or
    /// the whole run with no end when none are given.
    fn shift_windows(&self, fleet: u32, start_ms: i64) -> Vec<(i64, i64)> {
        let shifts = &self.scenario.couriers.shifts;
        if shifts.is_empty() {
            return vec![(start_ms, i64::MAX); fleet as usize];
        }
        let mut out = Vec::with_capacity(fleet as usize);
        let mut cumulative = 0.0;
        for (k, s) in shifts.iter().enumerate() {
            cumulative += s.share;
            let until = if k + 1 == shifts.len() {
                fleet as usize
            } else {
                ((f64::from(fleet) * cumulative).round() as usize).min(fleet as usize)
            };
            let from = minute_ms(start_ms, s.start_minute);
            let to = minute_ms(from, s.duration_minutes);
            while out.len() < until {
                out.push((from, to));
            }
        }
        out
    }

    fn push(&mut self, at_ms: i64, ev: Ev) {
        self.queue.push(at_ms, ev);
    }

    fn now_ms(&self) -> i64 {
        use courier_platform::external::Clock;
        self.clock.now().as_millis()
    }

    fn schedule_arrival(&mut self, from_ms: i64) {
        // Thinning: candidates at the peak rate, kept with probability rate(t)/peak.
        let Ok(gap) = Exp::new(self.max_rate / 60_000.0) else {
            return;
        };
        let mut t = from_ms as f64;
        loop {
            t += gap.sample(&mut self.demand_rng);
            if t as i64 >= self.end_ms {
                return;
            }
            let minute = (t - (self.end_ms as f64 - self.scenario.hours * 3_600_000.0)) / 60_000.0;
            let rate = self.scenario.rate_per_minute(minute) * self.scenario.scale;
            if self.demand_rng.random::<f64>() * self.max_rate <= rate {
                self.push(t as i64, Ev::Arrival);
                return;
            }
        }
    }

    fn schedule_dropout(&mut self, courier: u32, from_ms: i64) {
        let rate = self.scenario.couriers.dropouts_per_hour;
        if let Ok(gap) = Exp::new(rate / 3_600_000.0)
            && rate > 0.0
        {
            let at = from_ms + gap.sample(&mut self.courier_rng) as i64;
            if at < self.end_ms {
                self.push(at, Ev::DropOut(courier));
                let off = minutes(self.scenario.couriers.offline_minutes).as_millis() as i64;
                self.push(at + off, Ev::BackOnline(courier));
            }
        }
    }

    /// The same run on `threads` threads (0: one per core, or as
    /// `RAYON_NUM_THREADS` says): the outputs do not change, only how long
    /// the batch rounds take. A sweep running several scenarios at once
    /// gives each fewer.
    pub fn on_threads(mut self, threads: usize) -> Result<Sim<S>, String> {
        self.pool = thread_pool(threads)?;
        Ok(self)
    }

    /// Runs to the end: demand for the scenario's hours, then the drain.
    pub fn run(self) -> RunOutput {
        self.run_observed(&mut |_| {})
    }

    /// Simulated minutes of demand (the drain after them is not counted).
    pub fn demand_minutes(&self) -> u64 {
        (self.scenario.hours * 60.0).ceil() as u64
    }

    /// Like [`Sim::run`], calling `on_minute` with each simulated minute's
    /// row as it closes (for a progress display; it cannot change the run).
    pub fn run_observed(self, on_minute: &mut (dyn FnMut(&MinuteRow) + Send)) -> RunOutput {
        // On a worker of the run's own pool, where the batch planner's
        // parallel loops start at once (from any other thread each would wait
        // for a sleeping worker to wake, and then for its answer). Its own:
        // a worker waiting for a loop may take up any job of its pool, and
        // in a shared one that could be another run, nested in this one's
        // async call.
        let pool = Arc::clone(&self.pool);
        pool.install(|| self.run_here(on_minute))
    }

    fn run_here(mut self, on_minute: &mut dyn FnMut(&MinuteRow)) -> RunOutput {
        let drain_limit = self.end_ms + 4 * 3_600_000;
        while let Some((at, ev)) = self.queue.pop() {
            if at > drain_limit {
                break;
            }
            self.clock.set(Timestamp::from_millis(at));
            self.events += 1;
            let sample = matches!(ev, Ev::Sample);
            self.handle(ev);
            if sample && let Some(row) = self.minutes.last() {
                on_minute(row);
            }
            if self.violation.is_some() {
                break;
            }
        }
        self.finish()
    }

    fn handle(&mut self, ev: Ev) {
        let now = self.now_ms();
        if let Some(until) = self.crashes.down_until
            && self.while_down(ev, until)
        {
            return;
        }
        match ev {
            Ev::Arrival => {
                self.place_order();
                self.schedule_arrival(now);
            }
            Ev::Replay(i) => self.replay_order(i as usize),
            Ev::KitchenAccept(order) => self.kitchen_accept(order),
            Ev::KitchenReady(order) => self.kitchen_ready(order),
            Ev::Answer(c, order, accept) => self.answer(c, order, accept),
            Ev::AtRestaurant(c, leg, order) => {
                if self.couriers[c as usize].leg == leg {
                    self.at_restaurant(c, order);
                }
            }
            Ev::AtDoor(c, leg, order) => {
                if self.couriers[c as usize].leg == leg {
                    self.at_door(c, order);
                }
            }
            Ev::CustomerCancel(order) => self.customer_cancel(order),
            Ev::Dispatch => {
                self.dispatch_round();
                if now < self.end_ms || self.open > 0 {
                    let step = i64::from(self.scenario.policy.dispatch_interval_seconds) * 1_000;
                    self.push(now + step, Ev::Dispatch);
                }
            }
            Ev::Sample => {
                let mut row = std::mem::take(&mut self.minute);
                row.minute = self.minutes.len() as u32 + 1;
                row.open = self.open as u64;
                // One pass over the fleet for both counts: at a full day's
                // 60,000 couriers each pass reads megabytes, every minute.
                let (online, free) = self
                    .couriers
                    .iter()
                    .filter(|c| c.online)
                    .fold((0u64, 0u64), |(online, free), c| {
                        (online + 1, free + u64::from(c.work.is_empty()))
                    });
                row.online_couriers = online;
                row.free_couriers = free;
                let up = self.crashes.down_until.is_none();
                row.waiting_for_courier = if up {
                    self.platform.waiting_for_courier() as u64
                } else {
                    0
                };
                let speed_mps = self.scenario.couriers.speed_kmh / 3.6;
                let travel_ms = |a: GeoPoint, b: GeoPoint| (a.distance_m(b) * CIRCUITY / speed_mps * 1_000.0) as i64;
                self.idle_wait
                    .sample(now, BatchConfig::default().search_radius_m, travel_ms);
                // The outbox relay publishes the minute's events (here to a
                // count); a failing store leaves them for the next minute.
                // A platform that is down publishes nothing and reports nothing.
                if up {
                    let mut published = 0u64;
                    let _ = self
                        .exec
                        .block_on(self.platform.relay_outbox(usize::MAX, |_| published += 1));
                    self.events_published += published;
                    let surge = self.platform.surge_snapshot();
                    row.surge = f64::from(surge.demand_weighted_bp) / 10_000.0;
                    row.surging_cells = surge.cells_surging;
                    row.degradation_level = self.platform.degradation().0.rung();
                }
                self.minutes.push(row);
                if now < self.end_ms || self.open > 0 {
                    self.push(now + 60_000, Ev::Sample);
                }
            }
            Ev::DropOut(c) => self.drop_out(c),
            Ev::BackOnline(c) => self.back_online(c),
            Ev::ShiftStart(c) => self.back_online(c),
            Ev::ShiftEnd(c) => self.drop_out(c),
            Ev::TabletsOffline(i) => {
                let share = self.scenario.failures[i].share;
                let n = (self.tablets_off.len() as f64 * share).round() as usize;
                for t in self.tablets_off.iter_mut().take(n) {
                    *t = true;
                }
            }
            Ev::TabletsBack(_) => self.tablets_off.iter_mut().for_each(|t| *t = false),
            Ev::Crash(i) => self.crash(i),
            Ev::Restart => self.restart(),
            Ev::PlaceOne => self.place_order(),
            Ev::Reconnect(c) => self.reconnect(c),
            Ev::RetryPlace(customer) => {
                if let Some(attempt) = self.placing.remove(&customer) {
                    self.submit(attempt);
                }
            }
        }
    }

    fn violation(&mut self, order: Option<OrderId>, what: String) {
        if self.violation.is_none() {
            self.violation = Some(Violation {
                seed: self.seed,
                at: Timestamp::from_millis(self.now_ms()),
                order,
                what,
            });
        }
    }

    fn place_order(&mut self) {
        let r = self.customer_rng.random_range(0..self.restaurants.len());
        let reach_m = self.scenario.customers.reach_km * 1_000.0;
        let dropoff = point_in_disc(&mut self.customer_rng, self.restaurants[r].record.location, reach_m);
        let dropoff = self.on_street(dropoff);
        self.place(r, dropoff);
    }

    /// Places the history's order `i` as recorded: its restaurant, its
    /// drop-off and, once the kitchen starts, its preparation time.
    fn replay_order(&mut self, i: usize) {
        let Some(o) = self.history.as_ref().and_then(|h| h.orders.get(i)).copied() else {
            return;
        };
        let dropoff = self.on_street(o.dropoff);
        if let Some(id) = self.place(o.restaurant, dropoff) {
            let prep = match (o.ready_ms, o.prep_minutes) {
                (Some(at), _) => Some(PastPrep::ReadyAt(at)),
                (None, Some(m)) => Some(PastPrep::Minutes(m)),
                (None, None) => None,
            };
            if let Some(prep) = prep {
                self.past_prep.insert(id, prep);
            }
        }
    }

    /// A customer orders from restaurant `r` to `dropoff`: the basket is
    /// drawn from its menu. The order's id, if the platform took it.
    fn place(&mut self, r: usize, dropoff: GeoPoint) -> Option<OrderId> {
        let restaurant = &self.restaurants[r];
        let mut items = Vec::new();
        let mut subtotal = 0;
        while subtotal < 1_000 || items.is_empty() {
            let (dish, price) = restaurant.dishes[self.customer_rng.random_range(0..restaurant.dishes.len())];
            let qty = self.customer_rng.random_range(1..=2u32);
            subtotal += price * i64::from(qty);
            items.push((dish, qty));
        }
        let customer = CustomerId::new(self.next_customer);
        self.next_customer += 1;
        let Ok(key) = IdempotencyKey::parse(&format!("sim-{}", customer.get())) else {
            return None;
        };
        let req = OrderRequest {
            customer,
            tier: Tier::Authenticated,
            restaurant: restaurant.record.id,
            items,
            dropoff,
            tip: Money::new(self.customer_rng.random_range(0..4) * 100, courier_core::Currency::Usd),
            promo_codes: self.promo_codes(),
            idempotency_key: key,
        };
        self.minute.placed += 1;
        self.submit(Placing {
            restaurant: r,
            request: req,
            attempts: 1,
        })
    }

    /// Sends a placement; on a transient failure the customer tries again,
    /// with the same idempotency key, up to [`PLACEMENT_ATTEMPTS`] times (an
    /// order stored before the failure is then found, not made twice).
    fn submit(&mut self, attempt: Placing) -> Option<OrderId> {
        let r = attempt.restaurant;
        let placed = self.exec.block_on(self.platform.place_order(&attempt.request));
        let now = self.now_ms();
        match placed {
            Err(e) if e.is_transient() && attempt.attempts < PLACEMENT_ATTEMPTS => {
                let customer = attempt.request.customer.get();
                self.placing.insert(
                    customer,
                    Placing {
                        attempts: attempt.attempts + 1,
                        ..attempt
                    },
                );
                self.retry(Ev::RetryPlace(customer));
                None
            }
            Ok(p) => {
                let id = p.order.id();
                let mut track = OrderTrack::new(id, r, &p);
                track.closed = p.order.status().is_terminal();
                self.open += usize::from(!track.closed);
                self.tracks.insert(track);
                match p.payment {
                    PaymentStatus::Authorized => self.schedule_kitchen(id, r, now),
                    PaymentStatus::Queued { .. } => self.pending_payment.push(id),
                    PaymentStatus::Failed => {}
                }
                if self.customer_rng.random::<f64>() < self.scenario.customers.cancel_probability
                    && let Ok(after) = Exp::new(1.0 / (self.scenario.customers.cancel_after_minutes * 60_000.0))
                {
                    let at = now + after.sample(&mut self.customer_rng) as i64;
                    self.push(at, Ev::CustomerCancel(id));
                }
                Some(id)
            }
            Err(_) => {
                self.minute.refused += 1;
                None
            }
        }
    }

    /// The promotion codes the next customer names, each by its share.
    fn promo_codes(&mut self) -> Vec<String> {
        let mut codes = Vec::new();
        for p in &self.scenario.promotions {
            if self.promo_rng.random::<f64>() < p.share {
                codes.push(p.code.clone());
            }
        }
        codes
    }

    fn schedule_kitchen(&mut self, order: OrderId, r: usize, now: i64) {
        if self.tablets_off[r] {
            // An offline tablet never sees the order: the platform's
            // 5-minute deadline rejects it.
            return;
        }
        let mean = self.scenario.restaurants.accept_minutes_mean * 60_000.0;
        let delay = Exp::new(1.0 / mean).map_or(60_000.0, |e| e.sample(&mut self.kitchen_rng));
        // A kitchen answers within its deadline (4.5 min at most).
        self.push(now + (delay as i64).min(270_000), Ev::KitchenAccept(order));
    }

    fn kitchen_accept(&mut self, order: OrderId) {
        let Some(track) = self.tracks.get(&order) else { return };
        let (r, decided, accepted) = (track.restaurant_index, track.kitchen_rejects, track.kitchen_accepted);
        let restaurant = self.restaurants[r].record.id;
        // The kitchen decides once; a retried call repeats the decision.
        let rejects =
            decided.unwrap_or_else(|| self.kitchen_rng.random::<f64>() < self.scenario.restaurants.reject_probability);
        if let Some(t) = self.tracks.get_mut(&order) {
            t.kitchen_rejects = Some(rejects);
        }
        if rejects {
            match self.exec.block_on(self.platform.reject_order(restaurant, order)) {
                Ok(_) => self.close(order),
                Err(e) if e.is_transient() => self.retry(Ev::KitchenAccept(order)),
                Err(_) => {}
            }
            return;
        }
        let mean = self.restaurants[r].prep_mean_min;
        if !accepted {
            let estimate = minutes(mean.round());
            match self
                .exec
                .block_on(self.platform.accept_order(restaurant, order, estimate))
            {
                Ok(_) => {
                    if let Some(t) = self.tracks.get_mut(&order) {
                        t.kitchen_accepted = true;
                    }
                }
                Err(e) if e.is_transient() => return self.retry(Ev::KitchenAccept(order)),
                Err(_) => return,
            }
        }
        match self.exec.block_on(self.platform.start_preparing(restaurant, order)) {
            Ok(_) => {}
            Err(e) if e.is_transient() => return self.retry(Ev::KitchenAccept(order)),
            Err(_) => return,
        }
        if let Some(t) = self.tracks.get_mut(&order) {
            t.eta = self.platform.promise(order);
        }
        let now = self.now_ms();
        let ready_at = match self.past_prep.get(&order) {
            Some(PastPrep::ReadyAt(at)) => (*at).max(now),
            Some(PastPrep::Minutes(m)) => now + (m * 60_000.0) as i64,
            None => {
                let sd = self.scenario.restaurants.prep_minutes_sd;
                let took = Normal::new(mean, sd.max(0.01))
                    .map_or(mean, |n| n.sample(&mut self.kitchen_rng))
                    .max(2.0);
                now + (took * 60_000.0) as i64
            }
        };
        self.push(ready_at, Ev::KitchenReady(order));
        let pickup = self.restaurants[r].record.location;
        self.idle_wait.order_waits(order, pickup, ready_at);
    }

    /// Schedules `ev` again after the retry delay.
    fn retry(&mut self, ev: Ev) {
        let now = self.now_ms();
        self.retries += 1;
        self.push(now + RETRY_MS, ev);
    }

    fn kitchen_ready(&mut self, order: OrderId) {
        let Some(track) = self.tracks.get(&order) else { return };
        let restaurant = self.restaurants[track.restaurant_index].record.id;
        match self.exec.block_on(self.platform.mark_ready(restaurant, order)) {
            Ok(_) => {}
            Err(e) if e.is_transient() => return self.retry(Ev::KitchenReady(order)),
            Err(_) => return,
        }
        if let Some(t) = self.tracks.get_mut(&order) {
            t.ready = true;
        }
        // Only the order's courier can be waiting for it.
        let waiting = self
            .tracks
            .get(&order)
            .and_then(|t| t.courier)
            .and_then(|id| self.courier_index(id))
            .filter(|&c| self.couriers[c as usize].waiting_for == Some(order));
        if let Some(c) = waiting {
            self.pick_up(c, order);
        }
    }

    fn dispatch_round(&mut self) {
        // A failed step (storage down) still reports what the others did.
        let report = match self.exec.block_on(self.platform.tick()) {
            Ok(r) => r,
            Err(failure) => failure.report,
        };
        if let Err(e) = self.platform.check_dispatch() {
            self.violation(None, e);
            return;
        }
        // Orders the platform gave up on (no courier in time) are over.
        for order in report.acceptances_expired.into_iter().chain(report.dispatch.cancelled) {
            self.close(order);
        }
        if !self.pending_payment.is_empty() {
            let pending = std::mem::take(&mut self.pending_payment);
            for id in pending {
                let status = self
                    .exec
                    .block_on(async { self.platform.store().load_order(id).await })
                    .map(|o| o.map(|o| o.status()));
                match status {
                    // A failed read says nothing: ask again next round.
                    Err(_) | Ok(Some(OrderStatus::PendingPayment)) => self.pending_payment.push(id),
                    Ok(Some(OrderStatus::Placed)) => {
                        let r = self.tracks.get(&id).map_or(0, |t| t.restaurant_index);
                        self.schedule_kitchen(id, r, self.now_ms());
                    }
                    _ => self.close(id),
                }
            }
        }
        let now = self.now_ms();
        for offer in report.dispatch.offers {
            let Some(c) = self.courier_index(offer.courier) else {
                continue;
            };
            let accept = self.courier_rng.random::<f64>() < self.scenario.couriers.accept_probability;
            let mean = self.scenario.couriers.answer_seconds * 1_000.0;
            let delay = Exp::new(1.0 / mean).map_or(mean, |e| e.sample(&mut self.courier_rng));
            // Answers come before the 30 s timeout; a courier who would be
            // slower lets it lapse instead.
            if delay < 29_000.0 {
                self.push(now + delay as i64, Ev::Answer(c, offer.order, accept));
            }
        }
        for (order, courier) in report.dispatch.assigned {
            if let Some(c) = self.courier_index(courier) {
                self.give(c, order);
            }
        }
    }

    fn courier_index(&self, id: CourierId) -> Option<u32> {
        u32::try_from(id.get().checked_sub(1)?)
            .ok()
            .filter(|&i| (i as usize) < self.couriers.len())
    }

    fn answer(&mut self, c: u32, order: OrderId, accept: bool) {
        let courier = self.couriers[c as usize].id;
        match self.exec.block_on(self.platform.answer_offer(courier, order, accept)) {
            Ok(_) if accept => self.give(c, order),
            Ok(_) => {}
            Err(e) if e.is_transient() => self.retry(Ev::Answer(c, order, accept)),
            Err(_) => {}
        }
    }

    fn give(&mut self, c: u32, order: OrderId) {
        // Given to another courier than the one the run last knew of (its
        // going offline was not recorded at first, and dispatch took the
        // order back meanwhile): that courier's app is told it is gone.
        let before = self
            .tracks
            .get(&order)
            .and_then(|t| t.courier)
            .and_then(|id| self.courier_index(id))
            .filter(|&b| b != c);
        if let Some(b) = before {
            self.take_back(b, order);
        }
        if let Some(t) = self.tracks.get_mut(&order) {
            t.courier = Some(self.couriers[c as usize].id);
        }
        self.idle_wait.order_served(order);
        self.idle_wait.courier_busy(self.couriers[c as usize].id);
        let now = self.now_ms();
        let courier = &mut self.couriers[c as usize];
        courier.work.push_back(order);
        if !courier.on_leg {
            self.account(c, now);
            self.next_leg(c);
        }
    }

    /// `order` is no longer courier `c`'s: off its list, and off its
    /// current leg if it was riding to it or waiting for its food.
    fn take_back(&mut self, c: u32, order: OrderId) {
        let Some(courier) = self.couriers.get_mut(c as usize) else {
            return;
        };
        courier.work.retain(|&o| o != order);
        if courier.heading_to == Some(order) || courier.waiting_for == Some(order) {
            courier.leg += 1;
            courier.waiting_for = None;
            courier.on_leg = false;
            self.next_leg(c);
        }
    }

    /// The ride from `from` to `to`: milliseconds and metres, on the
    /// streets when the scenario has them.
    fn ride(&self, from: GeoPoint, to: GeoPoint) -> (i64, f64) {
        match &self.scenario.city.streets {
            Some(streets) => streets.ride(from, to),
            None => {
                let speed_mps = self.scenario.couriers.speed_kmh / 3.6;
                let metres = from.distance_m(to) * CIRCUITY;
                ((metres / speed_mps * 1_000.0) as i64, metres)
            }
        }
    }

    /// `p` on its nearest street, when the scenario has streets.
    fn on_street(&self, p: GeoPoint) -> GeoPoint {
        self.scenario.city.streets.as_ref().map_or(p, |s| s.place(p))
    }

    fn next_leg(&mut self, c: u32) {
        let now = self.now_ms();
        let courier = &self.couriers[c as usize];
        let Some(&front) = courier.work.front() else {
            self.account(c, now);
            let courier = &mut self.couriers[c as usize];
            courier.on_leg = false;
            courier.heading_to = None;
            if courier.online {
                self.idle_wait.courier_idle(courier.id, courier.pos, now);
            }
            return;
        };
        // The route dispatch planned, as the courier app shows it; the
        // first order given when dispatch has none for this courier.
        let order = match self.platform.next_stop(courier.id) {
            Some(next) if courier.work.contains(&next.order) => next.order,
            _ => front,
        };
        let Some(track) = self.tracks.get(&order) else {
            self.couriers[c as usize].work.retain(|&o| o != order);
            return self.next_leg(c);
        };
        let pickup = self.restaurants[track.restaurant_index].record.location;
        let (picked, dropoff) = (track.picked_up, track.dropoff);
        let from = courier.pos;
        let leg = courier.leg;
        let metres = if picked {
            let (t, metres) = self.ride(from, dropoff);
            self.push(now + t, Ev::AtDoor(c, leg, order));
            metres
        } else {
            let (t, metres) = self.ride(from, pickup);
            self.push(now + t, Ev::AtRestaurant(c, leg, order));
            metres
        };
        let courier = &mut self.couriers[c as usize];
        courier.leg_m = metres;
        courier.on_leg = true;
        courier.heading_to = Some(order);
    }

    fn at_restaurant(&mut self, c: u32, order: OrderId) {
        let Some(track) = self.tracks.get(&order) else { return };
        self.distance_ridden_m += std::mem::take(&mut self.couriers[c as usize].leg_m);
        let point = self.restaurants[track.restaurant_index].record.location;
        let id = self.couriers[c as usize].id;
        self.couriers[c as usize].pos = point;
        let _ = self.exec.block_on(self.platform.update_location(id, point));
        if track.ready {
            self.pick_up(c, order);
        } else {
            self.couriers[c as usize].waiting_for = Some(order);
        }
    }

    fn pick_up(&mut self, c: u32, order: OrderId) {
        let id = self.couriers[c as usize].id;
        self.couriers[c as usize].waiting_for = None;
        // The app reports where the courier stands as the food is handed
        // over (a courier may have waited minutes since arriving).
        let here = self.couriers[c as usize].pos;
        let _ = self.exec.block_on(self.platform.update_location(id, here));
        match self.exec.block_on(self.platform.pick_up(id, order)) {
            Ok(_) => {
                if let Some(t) = self.tracks.get_mut(&order) {
                    t.picked_up = true;
                }
            }
            // A fix the store could not take leaves the last one standing:
            // the app reports again and retries.
            Err(e) if e.is_transient() || matches!(e, PlatformError::NotAtStop { .. }) => {
                // The app could not record it: the courier stays and tries again.
                let leg = self.couriers[c as usize].leg;
                return self.retry(Ev::AtRestaurant(c, leg, order));
            }
            // Cancelled or taken away meanwhile: drop it and move on.
            Err(_) => self.couriers[c as usize].work.retain(|&o| o != order),
        }
        self.next_leg(c);
    }

    fn at_door(&mut self, c: u32, order: OrderId) {
        let Some(track) = self.tracks.get(&order) else { return };
        self.distance_ridden_m += std::mem::take(&mut self.couriers[c as usize].leg_m);
        let point = track.dropoff;
        let id = self.couriers[c as usize].id;
        self.couriers[c as usize].pos = point;
        let _ = self.exec.block_on(self.platform.update_location(id, point));
        match self.exec.block_on(self.platform.deliver(id, order)) {
            Ok(_) => {
                self.minute.delivered += 1;
                self.close(order);
            }
            Err(e) if e.is_transient() || matches!(e, PlatformError::NotAtStop { .. }) => {
                // The hand-over could not be recorded: try again at the door.
                let leg = self.couriers[c as usize].leg;
                return self.retry(Ev::AtDoor(c, leg, order));
            }
            Err(e) => self.violation(Some(order), format!("a picked-up order could not be delivered: {e}")),
        }
        self.couriers[c as usize].work.retain(|&o| o != order);
        self.next_leg(c);
    }

    fn customer_cancel(&mut self, order: OrderId) {
        let Some(track) = self.tracks.get(&order) else { return };
        if track.closed {
            return;
        }
        let customer = Actor::Customer(track.customer);
        // Only the order's courier (if any) holds it in its work.
        let holder = track.courier.and_then(|id| self.courier_index(id));
        let cancelled = self
            .exec
            .block_on(self.platform.cancel(customer, order, CancelReason::CustomerRequest));
        if let Err(e) = &cancelled
            && e.is_transient()
        {
            return self.retry(Ev::CustomerCancel(order));
        }
        if cancelled.is_ok() {
            self.close(order);
            self.pending_payment.retain(|&o| o != order);
            if let Some(c) = holder {
                let courier = &mut self.couriers[c as usize];
                courier.work.retain(|&o| o != order);
                if courier.heading_to == Some(order) {
                    courier.leg += 1;
                    courier.waiting_for = None;
                    courier.on_leg = false;
                    self.next_leg(c);
                }
            }
        }
    }

    fn drop_out(&mut self, c: u32) {
        let courier = &self.couriers[c as usize];
        if !courier.online {
            return;
        }
        let id = courier.id;
        let returned = match self.exec.block_on(self.platform.courier_offline(id)) {
            Ok(returned) => returned,
            // Not recorded: the app asks again, still carrying what it had.
            Err(e) if e.is_transient() => return self.retry(Ev::DropOut(c)),
            Err(_) => return,
        };
        let now = self.now_ms();
        self.set_online(c, now, false);
        let courier = &mut self.couriers[c as usize];
        let front_returned = courier.heading_to.is_some_and(|o| returned.contains(&o));
        courier.work.retain(|o| !returned.contains(o));
        for o in &returned {
            if let Some(t) = self.tracks.get_mut(o) {
                t.courier = None;
                let pickup = self.restaurants[t.restaurant_index].record.location;
                self.idle_wait.order_waits(*o, pickup, now);
            }
        }
        if front_returned {
            let courier = &mut self.couriers[c as usize];
            courier.leg += 1;
            courier.waiting_for = None;
            courier.on_leg = false;
            // Food already on the bike is still delivered.
            self.next_leg(c);
        }
    }

    fn back_online(&mut self, c: u32) {
        let courier = &self.couriers[c as usize];
        let now = self.now_ms();
        // Off shift, a courier stays logged off.
        if courier.online || now < courier.shift.0 || now >= courier.shift.1 {
            return;
        }
        let (id, pos) = (courier.id, courier.pos);
        match self.exec.block_on(self.platform.courier_online(id, pos)) {
            Ok(_) => {
                let now = self.now_ms();
                self.set_online(c, now, true);
                self.schedule_dropout(c, now);
            }
            Err(e) if e.is_transient() => self.retry(Ev::BackOnline(c)),
            Err(_) => {}
        }
    }

    /// Adds the time since the courier's last change to its online and busy totals.
    fn account(&mut self, c: u32, now: i64) {
        let courier = &mut self.couriers[c as usize];
        let elapsed = now - courier.state_since;
        if courier.online {
            courier.online_ms += elapsed;
            if courier.on_leg {
                courier.busy_ms += elapsed;
            }
        }
        courier.state_since = now;
    }

    fn set_online(&mut self, c: u32, now: i64, online: bool) {
        self.account(c, now);
        let courier = &mut self.couriers[c as usize];
        courier.online = online;
        if online && courier.work.is_empty() {
            self.idle_wait.courier_idle(courier.id, courier.pos, now);
        } else {
            self.idle_wait.courier_busy(courier.id);
        }
    }

    fn close(&mut self, order: OrderId) {
        self.idle_wait.order_served(order);
        if let Some(t) = self.tracks.get_mut(&order)
            && !t.closed
        {
            t.closed = true;
            self.open -= 1;
            self.minute.closed += 1;
        }
    }

    fn finish(mut self) -> RunOutput {
        let demand_minutes = self.demand_minutes();
        let now = self.now_ms();
        for c in 0..self.couriers.len() {
            self.account(c as u32, now);
        }
        let mut tracks = std::mem::take(&mut self.tracks).into_rows();
        // The books as the store has them: every ended order's ledger, read
        // back. The platform's running books (summed over every process a
        // crash ended) must be exactly these: an order settled twice, or
        // never, shows here.
        let mut audited = Books::default();
        for track in &mut tracks {
            let id = track.id;
            // The final audit reads past the fault injector: it checks the
            // store, not the failure scenario.
            let stored = self
                .exec
                .block_on(async { self.platform.store().inner().load_order(id).await });
            match stored {
                Ok(Some(order)) => {
                    if !order.status().is_terminal() && self.violation.is_none() {
                        self.violation(Some(id), format!("still {} after the drain", order.status()));
                    }
                    let settlement = self.exec.block_on(self.platform.settlement_of(&order)).ok().flatten();
                    if let Some(s) = &settlement {
                        audited.add(&s.ledger, s.refund.as_ref());
                    }
                    self.reconcile(&order, settlement.as_ref());
                    track.record(&order, settlement.as_ref());
                }
                _ => {
                    track.lost = true;
                    self.violation(Some(id), "the store no longer has this order".into());
                }
            }
        }
        let untold = self.audit_untracked(&tracks, &mut audited);
        let mut books = self.crashes.books_before.clone();
        books.absorb(&self.platform.books());
        if !books.is_balanced() {
            self.violation(None, "the books do not balance".into());
        }
        if books != audited {
            let what = format!(
                "the books kept ({} orders, {} captured, {} refunded) are not the store's ({} orders, {} captured, {} refunded)",
                books.orders,
                books.captured_minor,
                books.refunded_minor,
                audited.orders,
                audited.captured_minor,
                audited.refunded_minor
            );
            self.violation(None, what);
        }
        RunOutput {
            scenario: self.scenario.name.clone(),
            seed: self.seed,
            scale: self.scenario.scale,
            timezone: self.scenario.city.timezone.clone(),
            start_ms: self.end_ms - (self.scenario.hours * 3_600_000.0) as i64,
            restaurants: self
                .restaurants
                .iter()
                .map(|r| (r.record.id, r.record.location))
                .collect(),
            orders: tracks,
            minutes: self.minutes,
            events: self.events,
            courier_busy_ms: self.couriers.iter().map(|c| c.busy_ms).sum(),
            courier_online_ms: self.couriers.iter().map(|c| c.online_ms).sum(),
            courier_online_ms_each: self.couriers.iter().map(|c| (c.id, c.online_ms)).collect(),
            guaranteed_cents_per_hour: self.scenario.couriers.guaranteed_cents_per_hour,
            demand_minutes,
            books,
            violation: self.violation,
            storage_faults: self.platform.store().stats(),
            retries: self.retries,
            restarts: self.crashes.restarts,
            untold_orders: untold,
            events_published: self.events_published,
            order_minutes_waiting_while_couriers_idle: self.idle_wait.order_minutes(),
            distance_ridden_m: self.distance_ridden_m,
        }
    }
}

/// The scenario's storage failures as a fault plan on simulated time.
fn fault_plan(scenario: &Scenario, start_ms: i64) -> FaultPlan {
    let mut plan = FaultPlan::default();
    for f in &scenario.failures {
        let start = Timestamp::from_millis(minute_ms(start_ms, f.start_minute));
        let duration = minutes(f.duration_minutes);
        match f.kind.as_str() {
            "storage_outage" => plan.outages.push(Outage { start, duration }),
            "storage_errors" => plan.flaky.push(FlakyWindow {
                start,
                duration,
                error_rate: f.share,
            }),
            _ => {}
        }
    }
    plan
}

/// `minutes` (scenario minutes, possibly fractional) after `from_ms`, in ms.
fn minute_ms(from_ms: i64, minutes: f64) -> i64 {
    from_ms + (minutes * 60_000.0) as i64
}

fn minutes(m: f64) -> Duration {
    Duration::try_from_secs_f64(m * 60.0).unwrap_or(Duration::ZERO)
}
