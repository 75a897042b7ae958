//! The batch policy on MDRP: courier-matching's batch planner, the one the
//! platform runs, under the instance's rules. The instance's planar metres
//! are laid on the globe around a reference point, travel follows the
//! instance's own `ceil(metres / speed)` rule, and each round sees every
//! courier on shift at the place and minute its current trip ends.

use courier_core::{CourierId, Duration, GeoPoint, OrderId, Place, Timestamp};
use courier_matching::{
    Availability, BatchConfig, BundleScope, Carrying, CostWeights, GeoIndex, Job, ReleaseMemo, Stop, TravelTimes,
    plan_batch_remembering,
};

use super::dispatch::Replay;
use super::instance::{Instance, Point, travel_minutes};
use super::solution::Place as SolutionPlace;

/// H3 resolution of the planner's places (as the platform resolves them).
const PLACE_RESOLUTION: u8 = 9;

/// The instance's planar metres laid on the globe: a local flat projection
/// around a reference point, exact both ways for integer metres within a
/// city's extent.
#[derive(Debug, Clone, Copy)]
pub struct Planar {
    origin: GeoPoint,
    /// Metres per degree of latitude, and of longitude at the origin.
    metres_per_degree: (f64, f64),
}

impl Default for Planar {
    /// Around 40° N, 74° W: any point away from the poles and the
    /// antimeridian serves.
    fn default() -> Self {
        let origin = GeoPoint::new(40.0, -74.0).unwrap_or_else(|_| unreachable!("a valid literal point"));
        let per_degree = 1f64.to_radians() * courier_core::geo::EARTH_RADIUS_M;
        Planar {
            origin,
            metres_per_degree: (per_degree, per_degree * origin.lat().to_radians().cos().max(1e-9)),
        }
    }
}

impl Planar {
    /// Where `p` (metres east and north of the origin) lies.
    pub fn place(&self, p: Point) -> Option<Place> {
        let point = self.origin.offset_m(p.y as f64, p.x as f64).ok()?;
        Place::resolve(point, PLACE_RESOLUTION).ok()
    }

    /// The planar point of `place`, to the metre: the inverse of
    /// [`Planar::place`] ([`GeoPoint::offset_m`]'s flat approximation).
    pub fn point(&self, place: &Place) -> Point {
        let p = place.point();
        let (north, east) = self.metres_per_degree;
        Point {
            x: ((p.lng() - self.origin.lng()) * east).round() as i64,
            y: ((p.lat() - self.origin.lat()) * north).round() as i64,
        }
    }
}

/// Half the range of each coordinate a packed figure holds: a city's
/// extent is far within ±33,554 km.
const PACK_OFFSET: i64 = 1 << 25;

/// A planar point packed into one `f64` exactly (two 26-bit fields), the
/// figure a route search asks of each place once and hands back with every
/// leg: the leg then needs no projection at all.
fn pack(p: Point) -> f64 {
    let field = |v: i64| (v + PACK_OFFSET).clamp(0, 2 * PACK_OFFSET - 1);
    (field(p.x) * (2 * PACK_OFFSET) + field(p.y)) as f64
}

/// The point [`pack`] packed.
fn unpack(figure: f64) -> Point {
    let packed = figure as i64;
    Point {
        x: packed / (2 * PACK_OFFSET) - PACK_OFFSET,
        y: packed % (2 * PACK_OFFSET) - PACK_OFFSET,
    }
}

/// The instance's travel rule in the planner's terms: whole minutes of
/// `ceil(euclidean metres / speed)`, whatever the hour.
#[derive(Debug, Clone, Copy)]
pub struct PlanarTravel {
    planar: Planar,
    meters_per_minute: i64,
}

impl PlanarTravel {
    /// The rule of `instance`, on `planar`'s projection.
    pub fn new(planar: Planar, instance: &Instance) -> Self {
        PlanarTravel {
            planar,
            meters_per_minute: instance.params.meters_per_minute,
        }
    }
}

impl PlanarTravel {
    fn minutes(&self, from: Point, to: Point) -> Duration {
        Duration::from_mins(travel_minutes(from, to, self.meters_per_minute).max(0) as u64)
    }
}

impl TravelTimes for PlanarTravel {
    fn travel(&self, from: &Place, to: &Place, _at: Timestamp) -> Duration {
        self.minutes(self.planar.point(from), self.planar.point(to))
    }

    /// The place's planar point, packed.
    fn place_figure(&self, place: &Place) -> f64 {
        pack(self.planar.point(place))
    }

    fn travel_between(&self, _: &Place, from: f64, _: &Place, to: f64, _at: Timestamp) -> Duration {
        self.minutes(unpack(from), unpack(to))
    }
}

/// Milliseconds of instance minute `m` (minute 0 at the epoch).
fn at_minute(m: i64) -> Timestamp {
    Timestamp::from_millis(m.saturating_mul(60_000))
}

/// The planner's settings for an instance: the platform's defaults with
/// the instance's service times, its one-restaurant bundles, couriers that
/// carry one bundle at a time, and candidates searched across the whole
/// city (couriers are few, and the platform's wider second pass for orders
/// that have waited long has no counterpart here).
pub fn config_for(instance: &Instance) -> BatchConfig {
    let p = instance.params;
    let mins = |m: i64| Duration::from_mins(m.max(0) as u64);
    BatchConfig {
        weights: CostWeights {
            pickup_service: mins(p.pickup_service),
            pickup_lead: mins(p.pickup_service / 2),
            dropoff_service: mins(p.dropoff_service),
            dropoff_trail: mins(p.dropoff_service - p.dropoff_service / 2),
            ..CostWeights::default()
        },
        batch_limit: courier_matching::MAX_ROUTE_ORDERS,
        bundle_scope: BundleScope::SameRestaurant,
        search_radius_m: 20_000.0,
        ..BatchConfig::default()
    }
}

/// What the planner sees of the instance's couriers: none carries anything
/// it could add to (a trip, once begun, runs to its end), each is free
/// where and when its trip ends, and none collects food after its shift.
struct Shifts<'a> {
    replay: &'a Replay<'a>,
}

impl Carrying for Shifts<'_> {
    fn load(&self, _: CourierId) -> usize {
        0
    }

    fn jobs_of(&self, _: CourierId, _: &mut Vec<Job>) {}

    fn availability(&self, courier: CourierId) -> Availability {
        let c = courier_index(courier);
        Availability {
            free_at: self.replay.couriers.get(c).map(|s| at_minute(s.free_at)),
            last_pickup: self.replay.instance.couriers.get(c).map(|s| at_minute(s.off)),
        }
    }
}

fn courier_index(courier: CourierId) -> usize {
    courier.get().saturating_sub(1) as usize
}

/// The planner over one instance, round after round.
pub(super) struct Planner {
    travel: PlanarTravel,
    config: BatchConfig,
    restaurants: Vec<Place>,
    drop_offs: Vec<Place>,
    /// Where each courier's shift starts.
    starts: Vec<Place>,
    /// Couriers where their current trip ends, with room for a bundle when
    /// on shift and free within the lookahead, none otherwise: kept from
    /// round to round, each courier moved only when its trip changes.
    index: GeoIndex,
    /// Where and with what room each courier was last indexed.
    indexed: Vec<Option<(SolutionPlace, u8)>>,
    memo: ReleaseMemo,
    /// The planner's threads: one, so that each minute's small round starts
    /// at once instead of waking a pool's sleeping workers.
    pool: Option<rayon::ThreadPool>,
    /// Couriers finishing within this many minutes are candidates.
    lookahead: i64,
}

impl Planner {
    pub(super) fn new(instance: &Instance) -> Option<Planner> {
        let planar = Planar::default();
        let restaurants = instance
            .restaurants
            .iter()
            .map(|r| planar.place(r.at))
            .collect::<Option<Vec<_>>>()?;
        let drop_offs = instance
            .orders
            .iter()
            .map(|o| planar.place(o.drop_off))
            .collect::<Option<Vec<_>>>()?;
        let starts = instance
            .couriers
            .iter()
            .map(|c| planar.place(c.start))
            .collect::<Option<Vec<_>>>()?;
        Some(Planner {
            travel: PlanarTravel::new(planar, instance),
            config: config_for(instance),
            restaurants,
            drop_offs,
            starts,
            index: GeoIndex::default(),
            indexed: vec![None; instance.couriers.len()],
            memo: ReleaseMemo::default(),
            pool: rayon::ThreadPoolBuilder::new().num_threads(1).build().ok(),
            lookahead: 10,
        })
    }

    /// The planner's place of a courier's place.
    fn place_of(&self, courier: usize, place: SolutionPlace) -> Option<Place> {
        match place {
            SolutionPlace::Start => self.starts.get(courier).copied(),
            SolutionPlace::Restaurant(r) => self.restaurants.get(r).copied(),
            SolutionPlace::DropOff(o) => self.drop_offs.get(o).copied(),
        }
    }

    /// Brings the index in line with the couriers at minute `now`; returns
    /// how many can take work.
    fn index_couriers(&mut self, replay: &Replay<'_>, now: i64) -> usize {
        let room = self.config.batch_limit.min(usize::from(u8::MAX)) as u8;
        let mut able = 0;
        for (c, state) in replay.couriers.iter().enumerate() {
            let want = if replay.on_shift(c, now) && state.free_at <= now + self.lookahead {
                able += 1;
                room
            } else {
                0
            };
            let id = CourierId::new(c as u64 + 1);
            match self.indexed.get(c).copied().flatten() {
                Some((place, had)) if place == state.place => {
                    if had != want {
                        self.index.set_room(id, want);
                    }
                }
                _ => {
                    let Some(at) = self.place_of(c, state.place) else {
                        continue;
                    };
                    self.index.upsert(id, at.point());
                    self.index.set_room(id, want);
                }
            }
            if let Some(slot) = self.indexed.get_mut(c) {
                *slot = Some((state.place, want));
            }
        }
        able
    }

    /// One round at minute `now`: plans every pending order against every
    /// courier on shift and free within the lookahead, and commits the
    /// trips of couriers free now that would not wait long for the food.
    pub(super) fn round(&mut self, replay: &mut Replay<'_>, now: i64) {
        if replay.pending.is_empty() {
            return;
        }
        let inst = replay.instance;
        if self.index_couriers(replay, now) == 0 {
            return;
        }
        let jobs: Vec<Job> = replay
            .pending
            .iter()
            .filter_map(|&o| {
                let order = inst.orders.get(o)?;
                Some(Job {
                    order: OrderId::new(o as u64 + 1),
                    pickup: *self.restaurants.get(order.restaurant)?,
                    dropoff: *self.drop_offs.get(o)?,
                    ready_at: at_minute(order.ready),
                    promised_by: at_minute(order.placed + inst.params.target_click_to_door),
                    picked_up: false,
                })
            })
            .collect();
        let plan = {
            let shifts = Shifts { replay };
            let Planner {
                travel,
                config,
                index,
                memo,
                pool,
                ..
            } = self;
            let mut plan = || plan_batch_remembering(at_minute(now), &jobs, index, &shifts, &*travel, config, memo);
            match pool {
                Some(pool) => pool.install(plan),
                None => plan(),
            }
        };
        for unit in plan.assignments {
            let c = courier_index(unit.courier);
            let sequence: Vec<usize> = unit
                .route
                .stops
                .iter()
                .filter_map(|s| match s {
                    Stop::Dropoff(o) => Some(o.get().saturating_sub(1) as usize),
                    Stop::Pickup(_) => None,
                })
                .collect();
            if let Some(trip) = replay.plan(c, now, &sequence)
                && replay.allowed(c, now, &trip)
            {
                replay.commit(c, now, sequence, &trip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The projection gives back every integer point of a city's extent.
        #[test]
        fn the_projection_round_trips_to_the_metre(x in -60_000i64..60_000, y in -60_000i64..60_000) {
            let planar = Planar::default();
            let place = planar.place(Point { x, y }).unwrap();
            prop_assert_eq!(planar.point(&place), Point { x, y });
            prop_assert_eq!(unpack(pack(Point { x, y })), Point { x, y });
        }
    }
}
