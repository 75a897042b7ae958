//! Dispatch policies replayed on an instance minute by minute, and the
//! courier bookkeeping they share.

use super::instance::{Instance, Point};
use super::solution::{Assignment, Movement, OrderOutcome, Place, Solution};

/// How orders are given to couriers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Each order, as soon as it is placed, to the idle courier that reaches
    /// the restaurant first; one order per trip.
    Greedy,
    /// Every minute, courier-matching's batch planner (the platform's own
    /// dispatcher) over every pending order and every courier on shift free
    /// within ten minutes, under the instance's rules (see
    /// [`super::planner`]).
    Batch,
}

impl Policy {
    /// The policy's name on the command line and in reports.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Greedy => "greedy",
            Policy::Batch => "batch",
        }
    }
}

/// A courier's state between trips.
#[derive(Debug, Clone, Copy)]
pub(super) struct CourierState {
    pub(super) place: Place,
    /// Where the courier is, or will be when its trip ends.
    pub(super) at: Point,
    /// Minute it can leave for the next trip.
    pub(super) free_at: i64,
}

/// A trip planned from a courier's state.
#[derive(Debug, Clone)]
pub(super) struct Trip {
    depart: i64,
    pickup: i64,
    drops: Vec<i64>,
    free_at: i64,
}

pub(super) struct Replay<'a> {
    pub(super) instance: &'a Instance,
    pub(super) couriers: Vec<CourierState>,
    solution: Solution,
    courier_moves: Vec<Vec<Movement>>,
    /// Orders placed and not assigned, by index.
    pub(super) pending: Vec<usize>,
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
    pub(super) fn plan(&self, c: usize, now: i64, orders: &[usize]) -> Option<Trip> {
        let inst = self.instance;
        let p = inst.params;
        let state = self.couriers.get(c)?;
        let first = inst.orders.get(*orders.first()?)?;
        let restaurant = inst.restaurants.get(first.restaurant)?;
        let depart = now.max(state.free_at);
        // A courier already at the restaurant walked in when it arrived.
        let arrive = if state.place == Place::Restaurant(first.restaurant) {
            state.free_at
        } else {
            depart + inst.travel(state.at, restaurant.at)
        };
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
            pickup,
            drops,
            free_at: leave,
        })
    }

    /// Courier `c` is on shift at `now`.
    pub(super) fn on_shift(&self, c: usize, now: i64) -> bool {
        let shift = &self.instance.couriers[c];
        shift.on <= now && now < shift.off
    }

    /// The trip is allowed: the courier is on shift and picks up by its off time.
    pub(super) fn allowed(&self, c: usize, now: i64, trip: &Trip) -> bool {
        self.on_shift(c, now) && trip.pickup <= self.instance.couriers[c].off
    }

    pub(super) fn commit(&mut self, c: usize, now: i64, orders: Vec<usize>, trip: &Trip) {
        let inst = self.instance;
        let p = inst.params;
        let restaurant = inst.orders[orders[0]].restaurant;
        let moves = &mut self.courier_moves[c];
        let state = &mut self.couriers[c];
        if state.place != Place::Restaurant(restaurant) {
            moves.push(Movement {
                courier: c,
                depart: trip.depart,
                from: state.place,
                to: Place::Restaurant(restaurant),
            });
        }
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
pub fn replay(instance: &Instance, policy: Policy) -> Solution {
    let first = instance.orders.iter().map(|o| o.placed).min().unwrap_or(0);
    let last_off = instance.couriers.iter().map(|c| c.off).max().unwrap_or(first);
    let mut replay = Replay::new(instance);
    let mut planner = match policy {
        Policy::Batch => super::planner::Planner::new(instance),
        Policy::Greedy => None,
    };
    let mut now = first;
    while !replay.done(now, last_off) {
        replay.admit(now);
        match policy {
            Policy::Greedy => greedy_minute(&mut replay, now),
            Policy::Batch => {
                if let Some(planner) = planner.as_mut() {
                    planner.round(&mut replay, now);
                }
            }
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
