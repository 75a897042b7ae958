//! How long orders wait for a courier while one sits idle near enough to
//! take them: the dispatcher's own delay, not the fleet's, which a good
//! dispatcher keeps near zero.
//!
//! Each simulated minute, the waiting orders past their first minute
//! without a courier are taken oldest first, and each is matched to the
//! nearest idle courier (online, carrying nothing, idle for a minute or
//! more, not matched to another order this minute) within the search
//! radius of its restaurant whose arrival would find its food ready: every
//! order so matched counts a minute. A courier counts for one order only,
//! so a rush with a handful of couriers coming free between rounds counts
//! a handful of orders, not the whole queue.

use std::collections::BTreeMap;

use courier_core::{CourierId, GeoPoint, OrderId, Place};
use courier_matching::GeoIndex;
use rustc_hash::{FxHashMap, FxHashSet};

/// H3 resolution of a waiting order's restaurant (as fine as the index's).
const PLACE_RESOLUTION: u8 = 9;

/// A courier counts once idle this long (a dispatch round has had its
/// chance).
const IDLE_AT_LEAST_MS: i64 = 60_000;

/// An order in dispatch without a courier.
#[derive(Debug, Clone, Copy)]
struct Waiting {
    pickup: Place,
    /// When its food is (or will be) ready, simulated ms.
    ready_at: i64,
    /// Minutes sampled so far without a courier.
    minutes: u32,
}

/// The observer: idle couriers where they are, waiting orders, and the
/// order-minutes counted so far.
#[derive(Debug, Default)]
pub(crate) struct IdleWait {
    idle: GeoIndex,
    /// When each idle courier became idle, simulated ms.
    idle_since: FxHashMap<CourierId, i64>,
    waiting: BTreeMap<OrderId, Waiting>,
    order_minutes: f64,
}

impl IdleWait {
    /// `courier` is online and carries nothing, at `at`, since `now`.
    pub(crate) fn courier_idle(&mut self, courier: CourierId, at: GeoPoint, now: i64) {
        self.idle.upsert(courier, at);
        self.idle_since.entry(courier).or_insert(now);
    }

    /// `courier` has work, or went offline.
    pub(crate) fn courier_busy(&mut self, courier: CourierId) {
        self.idle.remove(courier);
        self.idle_since.remove(&courier);
    }

    /// `order` entered dispatch (or came back to it) without a courier; its
    /// food is ready at `ready_at`.
    pub(crate) fn order_waits(&mut self, order: OrderId, pickup: GeoPoint, ready_at: i64) {
        let Ok(pickup) = Place::resolve(pickup, PLACE_RESOLUTION) else {
            return;
        };
        self.waiting.entry(order).or_insert(Waiting {
            pickup,
            ready_at,
            minutes: 0,
        });
    }

    /// `order` has a courier, or ended.
    pub(crate) fn order_served(&mut self, order: OrderId) {
        self.waiting.remove(&order);
    }

    /// One simulated minute at `now`: every order past its first minute
    /// that an idle courier within `radius_m` could take counts a minute.
    /// `travel_ms` is how long a courier takes between two points.
    pub(crate) fn sample(&mut self, now: i64, radius_m: f64, travel_ms: impl Fn(GeoPoint, GeoPoint) -> i64) {
        let IdleWait {
            idle,
            idle_since,
            waiting,
            order_minutes,
        } = self;
        let mut used: FxHashSet<CourierId> = FxHashSet::default();
        // Orders are numbered as they come: id order is oldest first.
        for w in waiting.values_mut() {
            w.minutes += 1;
            if w.minutes < 2 || used.len() >= idle.len() {
                continue;
            }
            let keep =
                |c: CourierId| !used.contains(&c) && idle_since.get(&c).is_some_and(|&t| now - t >= IDLE_AT_LEAST_MS);
            let found = idle.nearest_from(&w.pickup, radius_m, 1, keep);
            if let Some(n) = found.first()
                && w.ready_at <= now + travel_ms(n.at.point(), w.pickup.point())
            {
                used.insert(n.courier);
                *order_minutes += 1.0;
            }
        }
    }

    /// Order-minutes counted so far.
    pub(crate) fn order_minutes(&self) -> f64 {
        self.order_minutes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(north_m: f64) -> GeoPoint {
        GeoPoint::new(52.37, 4.90).unwrap().offset_m(north_m, 0.0).unwrap()
    }

    #[test]
    fn an_order_counts_from_its_second_minute_while_an_idle_courier_could_take_it() {
        let mut w = IdleWait::default();
        let travel = |a: GeoPoint, b: GeoPoint| (a.distance_m(b) / 5.0 * 1_000.0) as i64;
        w.order_waits(OrderId::new(1), at(0.0), 0);
        // Far from ready: a courier 1 km (200 s) away would be early.
        w.order_waits(OrderId::new(2), at(0.0), 3_600_000);
        w.courier_idle(CourierId::new(1), at(1_000.0), 0);
        for minute in 0..3 {
            w.sample(minute * 60_000, 5_000.0, travel);
        }
        // Minutes 2 and 3 of order 1; order 2's food is an hour off.
        assert_eq!(w.order_minutes(), 2.0);
        // One idle courier counts for one order: order 3 waits uncounted.
        w.order_waits(OrderId::new(3), at(50.0), 0);
        for minute in 3..5 {
            w.sample(minute * 60_000, 5_000.0, travel);
        }
        assert_eq!(w.order_minutes(), 4.0);
        // Busy couriers, couriers idle for less than a minute and couriers
        // beyond the radius do not count.
        w.courier_busy(CourierId::new(1));
        w.courier_idle(CourierId::new(2), at(9_000.0), 0);
        w.courier_idle(CourierId::new(3), at(100.0), 290_000);
        w.sample(300_000, 5_000.0, travel);
        assert_eq!(w.order_minutes(), 4.0);
        // A minute on, courier 3 counts, for the oldest order; served, an
        // order stops counting.
        w.sample(360_000, 5_000.0, travel);
        assert_eq!(w.order_minutes(), 5.0);
        w.order_served(OrderId::new(1));
        w.order_served(OrderId::new(3));
        w.sample(420_000, 5_000.0, travel);
        assert_eq!(w.order_minutes(), 5.0);
    }
}
