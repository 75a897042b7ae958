//! Dispatch policies replayed on an instance minute by minute, and the
//! courier bookkeeping they share.

use courier_matching::{CandidateGraph, assign};

use super::instance::{Instance, Point};
use super::solution::{Assignment, Movement, OrderOutcome, Place, Solution};

/// How orders are given to couriers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Each order, as soon as it is placed, to the idle courier that reaches
    /// the restaurant first; one order per trip.
    Greedy,
    /// Every minute: bundle orders of the same restaurant when couriers are
    /// short, assign bundles to couriers at the exact minimum total
    /// click-to-door (couriers about to finish count, so a far idle one is
    /// not sent when a near one frees up), and commit only when the courier
    /// would not wait long for the food.
    Batch,
}

/// Tuning of [`Policy::Batch`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchTuning {
    /// Most orders in a bundle.
    pub max_bundle: usize,
    /// Orders whose ready times differ by more than this do not share a bundle.
    pub bundle_window: i64,
    /// Couriers finishing within this many minutes are candidates.
    pub lookahead: i64,
    /// Commit when the courier would reach the food no more than this many
    /// minutes before it is ready.
    pub commit_slack: i64,
    /// Candidate couriers kept per bundle.
    pub candidates: usize,
}

impl Default for BatchTuning {
    fn default() -> Self {
        Self {
            max_bundle: 3,
            bundle_window: 10,
            lookahead: 10,
            commit_slack: 5,
            candidates: 20,
        }
    }
}

/// A courier's state between trips.
#[derive(Debug, Clone, Copy)]
struct CourierState {
    place: Place,
    at: Point,
    /// Minute it can leave for the next trip.
    free_at: i64,
}

/// A trip planned from a courier's state.
#[derive(Debug, Clone)]
struct Trip {
    depart: i64,
    arrive: i64,
    pickup: i64,
    drops: Vec<i64>,
    free_at: i64,
}

struct Replay<'a> {
    instance: &'a Instance,
    couriers: Vec<CourierState>,
    solution: Solution,
    courier_moves: Vec<Vec<Movement>>,
    /// Orders placed and not assigned, by index.
    pending: Vec<usize>,
    next_order: usize,
    by_placement: Vec<usize>,
}

impl<'a> Replay<'a> {
    fn new(instance: &'a Instance) -> Self {
        let mut by_placement: Vec<usize> = (0..instance.orders.len()).collect();
        by_placement.sort_by_key(|&o| (instance.orders[o].placed, o));
        Self {
            instance,
            couriers: instance
                .couriers
                .iter()
                .map(|c| CourierState {
                    place: Place::Start,
                    at: c.start,
                    free_at: c.on,
                })
                .collect(),
            solution: Solution {
                orders: vec![OrderOutcome::default(); instance.orders.len()],
                ..Solution::default()
            },
            courier_moves: vec![Vec::new(); instance.couriers.len()],
            pending: Vec::new(),
            next_order: 0,
            by_placement,
        }
    }

    /// Moves orders placed by `now` into the pending list.
    fn admit(&mut self, now: i64) {
        while let Some(&o) = self.by_placement.get(self.next_order) {
            if self.instance.orders[o].placed > now {
                break;
            }
            self.pending.push(o);
            self.next_order += 1;
        }
    }

    fn done(&self, now: i64, last_off: i64) -> bool {
        (self.next_order == self.by_placement.len() && self.pending.is_empty()) || now > last_off
    }

    /// The trip of courier `c` leaving at `max(now, free)` for `orders`
    /// (same restaurant) in that drop-off sequence.
    fn plan(&self, c: usize, now: i64, orders: &[usize]) -> Option<Trip> {
        let inst = self.instance;
        let p = inst.params;
        let state = self.couriers.get(c)?;
        let first = inst.orders.get(*orders.first()?)?;
        let restaurant = inst.restaurants.get(first.restaurant)?;
        let depart = now.max(state.free_at);
        let arrive = depart + inst.travel(state.at, restaurant.at);
        let ready = orders.iter().map(|&o| inst.orders[o].ready).max()?;
        let pickup = (arrive + p.pickup_service / 2).max(ready);
        let mut leave = pickup + (p.pickup_service - p.pickup_service / 2);
        let mut here = restaurant.at;
        let mut drops = Vec::with_capacity(orders.len());
        for &o in orders {
            let to = inst.orders[o].drop_off;
            let drop = leave + inst.travel(here, to) + p.dropoff_service / 2;
            drops.push(drop);
            leave = drop + (p.dropoff_service - p.dropoff_service / 2);
            here = to;
        }
        Some(Trip {
            depart,
            arrive,
            pickup,
            drops,
            free_at: leave,
        })
    }

    /// Courier `c` is on shift at `now`.
    fn on_shift(&self, c: usize, now: i64) -> bool {
        let shift = &self.instance.couriers[c];
        shift.on <= now && now < shift.off
    }

    /// The trip is allowed: the courier is on shift and picks up by its off time.
    fn allowed(&self, c: usize, now: i64, trip: &Trip) -> bool {
        self.on_shift(c, now) && trip.pickup <= self.instance.couriers[c].off
    }

    fn commit(&mut self, c: usize, now: i64, orders: Vec<usize>, trip: &Trip) {
        let inst = self.instance;
        let p = inst.params;
        let restaurant = inst.orders[orders[0]].restaurant;
        let moves = &mut self.courier_moves[c];
        let state = &mut self.couriers[c];
        moves.push(Movement {
            courier: c,
            depart: trip.depart,
            from: state.place,
            to: Place::Restaurant(restaurant),
        });
        let mut from = Place::Restaurant(restaurant);
        let mut leave = trip.pickup + (p.pickup_service - p.pickup_service / 2);
        for (&o, &drop) in orders.iter().zip(&trip.drops) {
            moves.push(Movement {
                courier: c,
                depart: leave,
                from,
                to: Place::DropOff(o),
            });
            self.solution.orders[o] = OrderOutcome {
                pickup: Some(trip.pickup),
                dropoff: Some(drop),
                courier: Some(c),
            };
            from = Place::DropOff(o);
            leave = drop + (p.dropoff_service - p.dropoff_service / 2);
        }
        let last = orders[orders.len() - 1];
        *state = CourierState {
            place: Place::DropOff(last),
            at: inst.orders[last].drop_off,
            free_at: trip.free_at,
        };
        self.pending.retain(|o| !orders.contains(o));
        self.solution.assignments.push(Assignment {
            assigned: now,
            pickup: trip.pickup,
            courier: c,
            orders,
        });
    }

    fn finish(mut self) -> Solution {
        self.solution.movements = self.courier_moves.into_iter().flatten().collect();
        self.solution
    }
}

/// Replays `instance` under `policy` and returns its decisions.
pub fn replay(instance: &Instance, policy: Policy, tuning: BatchTuning) -> Solution {
    let first = instance.orders.iter().map(|o| o.placed).min().unwrap_or(0);
    let last_off = instance.couriers.iter().map(|c| c.off).max().unwrap_or(first);
    let mut replay = Replay::new(instance);
    let mut now = first;
    while !replay.done(now, last_off) {
        replay.admit(now);
        match policy {
            Policy::Greedy => greedy_minute(&mut replay, now),
            Policy::Batch => batch_minute(&mut replay, now, tuning),
        }
        now += 1;
    }
    replay.finish()
}

fn greedy_minute(replay: &mut Replay<'_>, now: i64) {
    let inst = replay.instance;
    let mut idle: Vec<usize> = (0..replay.couriers.len())
        .filter(|&c| replay.on_shift(c, now) && replay.couriers[c].free_at <= now)
        .collect();
    let pending = replay.pending.clone();
    for o in pending {
        if idle.is_empty() {
            return;
        }
        let order = &inst.orders[o];
        let restaurant = inst.restaurants[order.restaurant].at;
        // The idle courier reaching the restaurant first that can still
        // pick up before its shift ends.
        let best = idle
            .iter()
            .enumerate()
            .map(|(k, &c)| (k, c, now + inst.travel(replay.couriers[c].at, restaurant)))
            .filter(|&(_, c, arrive)| {
                (arrive + inst.params.pickup_service / 2).max(order.ready) <= inst.couriers[c].off
            })
            .min_by_key(|&(_, c, arrive)| (arrive, c));
        if let Some((k, c, _)) = best
            && let Some(trip) = replay.plan(c, now, &[o])
        {
            replay.commit(c, now, vec![o], &trip);
            idle.swap_remove(k);
        }
    }
}

/// The pending orders grouped into bundles: by restaurant, in ready order,
/// up to `size` orders whose ready times lie within the window, each
/// bundle's drop-offs in the sequence that delivers them soonest.
fn bundles(replay: &Replay<'_>, size: usize, window: i64) -> Vec<Vec<usize>> {
    let inst = replay.instance;
    let mut orders = replay.pending.clone();
    orders.sort_by_key(|&o| (inst.orders[o].restaurant, inst.orders[o].ready, o));
    let mut out: Vec<Vec<usize>> = Vec::new();
    for o in orders {
        let order = &inst.orders[o];
        match out.last_mut() {
            Some(b)
                if b.len() < size
                    && inst.orders[b[0]].restaurant == order.restaurant
                    && order.ready - inst.orders[b[0]].ready <= window =>
            {
                b.push(o);
            }
            _ => out.push(vec![o]),
        }
    }
    for b in &mut out {
        *b = best_sequence(inst, b);
    }
    out
}

/// The drop-off sequence with the least summed travel from the restaurant
/// to each drop-off (bundles hold at most a handful, so all are tried).
fn best_sequence(inst: &Instance, bundle: &[usize]) -> Vec<usize> {
    let Some(&first) = bundle.first() else {
        return Vec::new();
    };
    let start = inst.restaurants[inst.orders[first].restaurant].at;
    let cost = |seq: &[usize]| {
        let (mut here, mut clock, mut sum) = (start, 0, 0);
        for &o in seq {
            clock += inst.travel(here, inst.orders[o].drop_off) + inst.params.dropoff_service;
            sum += clock;
            here = inst.orders[o].drop_off;
        }
        sum
    };
    let mut best = bundle.to_vec();
    let mut best_cost = cost(&best);
    let mut seq = bundle.to_vec();
    permute(&mut seq, 0, &mut |s| {
        let c = cost(s);
        if c < best_cost {
            best_cost = c;
            best = s.to_vec();
        }
    });
    best
}

fn permute(seq: &mut [usize], k: usize, visit: &mut impl FnMut(&[usize])) {
    if k == seq.len() {
        visit(seq);
        return;
    }
    for i in k..seq.len() {
        seq.swap(k, i);
        permute(seq, k + 1, visit);
        seq.swap(k, i);
    }
}

fn batch_minute(replay: &mut Replay<'_>, now: i64, tuning: BatchTuning) {
    if replay.pending.is_empty() {
        return;
    }
    let inst = replay.instance;
    let candidates: Vec<usize> = (0..replay.couriers.len())
        .filter(|&c| replay.on_shift(c, now) && replay.couriers[c].free_at <= now + tuning.lookahead)
        .collect();
    if candidates.is_empty() {
        return;
    }
    let idle = candidates
        .iter()
        .filter(|&&c| replay.couriers[c].free_at <= now)
        .count();
    // Bundle only as much as the shortage asks: one order per courier while
    // couriers are plentiful.
    let size = replay
        .pending
        .len()
        .div_ceil(idle.max(1))
        .clamp(1, tuning.max_bundle.max(1));
    let bundles = bundles(replay, size, tuning.bundle_window);
    let mut graph = CandidateGraph::new(candidates.len() as u32);
    let mut trips = Vec::with_capacity(bundles.len());
    for b in &bundles {
        let mut row: Vec<(u32, i64, Trip)> = candidates
            .iter()
            .enumerate()
            .filter_map(|(col, &c)| {
                let trip = replay.plan(c, now, b)?;
                let shift = &inst.couriers[c];
                (trip.pickup <= shift.off).then(|| {
                    let click_to_door: i64 = b.iter().zip(&trip.drops).map(|(&o, d)| d - inst.orders[o].placed).sum();
                    (col as u32, click_to_door, trip)
                })
            })
            .collect();
        row.sort_by_key(|(col, cost, _)| (*cost, *col));
        row.truncate(tuning.candidates);
        // Costs are non-negative minutes; an invalid row is left out.
        if graph
            .add_row(row.iter().map(|(col, cost, _)| (*col, (*cost).max(0))))
            .is_err()
        {
            return;
        }
        trips.push(row);
    }
    let Ok(solved) = assign(&graph, courier_matching::MAX_COST / 2) else {
        return;
    };
    for ((bundle, row), col) in bundles.into_iter().zip(trips).zip(solved.row_to_col) {
        let Some(col) = col else { continue };
        let Some((_, _, trip)) = row.into_iter().find(|(c, _, _)| *c == col) else {
            continue;
        };
        let c = candidates[col as usize];
        let ready = bundle.iter().map(|&o| inst.orders[o].ready).max().unwrap_or(now);
        // Commit now only a courier free now that would not wait long for
        // the food; the rest is decided again next minute.
        // A courier near the end of the shift takes the food it can still
        // reach rather than none.
        let ending = inst.couriers[c].off - now <= 2 * tuning.lookahead;
        if replay.couriers[c].free_at <= now
            && (trip.arrive + tuning.commit_slack >= ready || ending)
            && replay.allowed(c, now, &trip)
        {
            replay.commit(c, now, bundle, &trip);
        }
    }
}
