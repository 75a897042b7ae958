//! Global batch assignment: every few seconds, all open orders against all
//! free couriers at once, at the minimum total cost.
//!
//! 1. An order whose food will not be ready until well after its quickest
//!    nearby courier could get there is deferred (seed 002), so couriers do
//!    not wait at restaurants; the rest are released to this round.
//! 2. Released orders from the same or nearby restaurants are bundled (two
//!    or three to a courier) when one route beats separate trips and no
//!    order ends up later than its promise (or than it would alone).
//! 3. Each unit (an order or a bundle) lists its nearest candidates with
//!    room for it and the marginal cost of adding it to their route (travel,
//!    food waiting, courier idling, lateness), and [`assign`] picks the
//!    exact minimum-cost assignment. A courier listed by more units than
//!    [`BatchConfig::units_per_courier`] (a rush short of couriers) is
//!    priced only for the nearest of them and for those it is the nearest
//!    candidate of.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use courier_core::{CourierId, Duration, OrderId, Place, Timestamp};
use h3o::Resolution;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::geo_index::{QueryScratch, Unlisted};
use crate::round_couriers::RoundCouriers;
use crate::route::{MAX_ROUTE_ORDERS, Sequence, best_route, best_route_within, cheapest_sequence_within};
use crate::shortlist::Shortlist;
use crate::{
    CandidateGraph, CostWeights, GeoIndex, Job, MAX_COST, Nearby, ReleaseMemo, RoutePlan, TravelTimes, assign, price,
};

/// How a batch is planned.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchConfig {
    /// Candidates considered per unit (nearest first).
    pub candidates_per_order: usize,
    /// How far to look for candidates.
    pub search_radius_m: f64,
    /// Most units one courier is priced for in a round, nearest first: when
    /// more units than this list a courier (orders far outnumber couriers
    /// with room), the further ones are not priced for it, unless it is
    /// their nearest candidate. 0 counts as 1.
    pub units_per_courier: usize,
    /// Route pricing.
    pub weights: CostWeights,
    /// Most orders a courier carries at once.
    pub batch_limit: usize,
    /// Hold an order back while its food will be ready more than this after
    /// its quickest candidate could arrive (unless it rides in a bundle with
    /// an order that goes).
    pub defer_slack: Duration,
    /// The cost of leaving a unit for the next round, in weighted seconds:
    /// no courier is given a unit at a higher marginal cost than this.
    pub unassigned_cost: f64,
    /// Orders are bundled only if their restaurants share an H3 cell at this
    /// resolution (resolution 8: about 900 m across).
    pub bundle_resolution: Resolution,
    /// Most waiting orders of one `bundle_resolution` cell tried in pairs,
    /// earliest placed first (fewer than two: no bundles). The pairs tried,
    /// each a route search, grow with its square: at a rush short of
    /// couriers thousands of orders wait in a few dozen cells.
    pub bundle_orders_per_cell: usize,
    /// A bundle must save at least this share of its orders' separate cost.
    pub bundle_min_saving: f64,
    /// The courier approach a bundle saves, valued at the travel weight.
    pub typical_approach: Duration,
    /// Orders whose food is ready further apart than this do not share a
    /// bundle: the courier would stand at the counter for the later one
    /// longer than an order is let wait for its food before it is released
    /// (the same five minutes as `defer_slack` by default).
    pub bundle_ready_window: Duration,
}

impl Default for BatchConfig {
    fn default() -> Self {
        BatchConfig {
            candidates_per_order: 30,
            search_radius_m: 5_000.0,
            units_per_courier: 30,
            weights: CostWeights::default(),
            batch_limit: 2,
            defer_slack: Duration::from_mins(5),
            unassigned_cost: 7_200.0,
            bundle_resolution: Resolution::Eight,
            bundle_orders_per_cell: 32,
            bundle_min_saving: 0.15,
            typical_approach: Duration::from_mins(6),
            bundle_ready_window: Duration::from_mins(5),
        }
    }
}

/// One courier's new work.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchAssignment {
    /// The courier.
    pub courier: CourierId,
    /// The orders given (one, or a bundle).
    pub orders: Vec<OrderId>,
    /// The courier's whole route, existing orders included.
    pub route: RoutePlan,
    /// What the unit added to the courier's route, in weighted seconds.
    pub marginal_cost: f64,
}

/// The outcome of one round.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct BatchPlan {
    /// Units given to couriers, in order of their first order's id.
    pub assignments: Vec<BatchAssignment>,
    /// Orders held back until their food is closer to ready.
    pub deferred: Vec<OrderId>,
    /// Orders no courier could take at an acceptable cost this round.
    pub unassigned: Vec<OrderId>,
    /// Orders bundled with others this round.
    pub bundled: usize,
}

/// What couriers already hold, as a batch round looks it up: only for the
/// couriers its searches find, so a caller may keep it however suits it
/// (a map gathered per round, or a view over its own books).
pub trait Carrying {
    /// How many jobs `courier` holds (0: none).
    fn load(&self, courier: CourierId) -> usize;
    /// Appends the jobs `courier` holds to `out`, in order id order.
    fn jobs_of(&self, courier: CourierId, out: &mut Vec<Job>);
    /// Whether the index's room levels (see [`GeoIndex::set_room`]) already
    /// equal the batch limit less [`Carrying::load`] for every courier in
    /// it, because the caller keeps them so: then a search's room test
    /// settles who has room, and `load` is not asked per courier found.
    /// False unless a caller says otherwise.
    fn rooms_kept(&self) -> bool {
        false
    }
}

impl Carrying for BTreeMap<CourierId, Vec<Job>> {
    fn load(&self, courier: CourierId) -> usize {
        self.get(&courier).map_or(0, Vec::len)
    }

    fn jobs_of(&self, courier: CourierId, out: &mut Vec<Job>) {
        out.extend(self.get(&courier).into_iter().flatten());
    }
}

/// Plans one round. `open` are the unassigned orders; `index` holds the
/// couriers that may take work (position and availability); `carrying` is
/// what couriers already hold.
///
/// An order is held back while its food will be ready more than
/// [`BatchConfig::defer_slack`] after a courier with room within the search
/// radius could get to it: its nearest courier, its quickest candidate, or
/// (see [`plan_batch_remembering`]) the courier that held it back last round.
///
/// The release checks, the pairs tried as bundles, the bundles' candidate
/// searches, what candidates hold and each unit's route searches run on
/// rayon's thread pool: the caller's, inside `ThreadPool::install`, the
/// global one otherwise. The plan is the same on any number of threads. A
/// caller outside any pool waits at each round for a sleeping worker to take
/// the work up; one planning round after round does better to plan from a
/// worker of the pool (the simulator runs there).
pub fn plan_batch(
    now: Timestamp,
    open: &[Job],
    index: &mut GeoIndex,
    carrying: &(impl Carrying + Sync),
    travel: &(impl TravelTimes + Sync),
    config: &BatchConfig,
) -> BatchPlan {
    plan_batch_remembering(now, open, index, carrying, travel, config, &mut ReleaseMemo::default())
}

/// As [`plan_batch`], for a caller that plans round after round: `memo`
/// holds who held each order back in the last round (checked first, before
/// a nearest search) and is replaced with this round's.
pub fn plan_batch_remembering(
    now: Timestamp,
    open: &[Job],
    index: &mut GeoIndex,
    carrying: &(impl Carrying + Sync),
    travel: &(impl TravelTimes + Sync),
    config: &BatchConfig,
    memo: &mut ReleaseMemo,
) -> BatchPlan {
    let limit = config.batch_limit.clamp(1, MAX_ROUTE_ORDERS);
    let mut jobs: Vec<Job> = open.to_vec();
    jobs.sort_by_key(|j| j.order);
    jobs.dedup_by_key(|j| j.order);
    let mut plan = BatchPlan::default();

    // Most rounds find most orders' food far from ready. Each order's own
    // nearest couriers decide whether it goes this round; a bundle needs at
    // least one order that does (a pair of held-back orders would only be
    // held back together), so pairs are priced around the released orders.
    let check = |job| ReleaseCheck {
        now,
        job,
        carrying,
        travel,
        config,
        limit,
    };
    // The checks read the index side by side, on every core; the few that
    // meet cells it has not listed yet list them and run again, one by one.
    let shared: &GeoIndex = index;
    let remembered: &ReleaseMemo = memo;
    let checked: Vec<Result<Release, Unlisted>> = jobs
        .par_iter()
        .map_init(QueryScratch::default, |scratch, job| {
            check(job).run(shared, scratch, remembered.held_by(job.order))
        })
        .collect();
    let mut held_by = FxHashMap::with_capacity_and_hasher(jobs.len(), Default::default());
    let mut scratch = QueryScratch::default();
    let mut solo_candidates: Vec<Option<Vec<Nearby>>> = Vec::with_capacity(jobs.len());
    for (job, result) in jobs.iter().zip(checked) {
        let release = index.once_listed(result, |index| {
            check(job).run(index, &mut scratch, memo.held_by(job.order))
        });
        solo_candidates.push(match release {
            Released(candidates) => Some(candidates),
            HeldBackBy(courier) => {
                held_by.insert(job.order, courier);
                None
            }
        });
    }
    memo.replace(held_by);
    let released: Vec<bool> = solo_candidates.iter().map(Option::is_some).collect();
    let units = bundle(now, &jobs, &released, limit, travel, config);

    let w = &config.weights;
    let mut graph_rows: Vec<(Vec<Job>, Vec<Edge>)> = Vec::new();

    // The units that go this round: those with an order released.
    let mut going: Vec<(Vec<usize>, Vec<Job>)> = Vec::new();
    for members in units {
        let unit: Vec<Job> = members.iter().filter_map(|&i| jobs.get(i).copied()).collect();
        if !members.iter().any(|&i| released.get(i).copied().unwrap_or(false)) {
            plan.deferred.extend(unit.iter().map(|j| j.order));
            continue;
        }
        if unit.len() > 1 {
            plan.bundled += unit.len();
        }
        going.push((members, unit));
    }
    // A bundle needs couriers with room for all of it: searched for on the
    // shared index on every core, as the release checks were (a single
    // order's candidates were gathered when it was released).
    let bundle_search = BundleSearch {
        carrying,
        config,
        limit,
    };
    let shared: &GeoIndex = index;
    // No bundle this round (most rounds off the peak): nothing to search, and
    // every unit below is a single order.
    let bundle_searches: Vec<Option<Result<Vec<Nearby>, Unlisted>>> = if plan.bundled == 0 {
        Vec::new()
    } else {
        going
            .par_iter()
            .map_init(QueryScratch::default, |scratch, (members, unit)| {
                (members.len() > 1).then(|| bundle_search.run(shared, scratch, unit))
            })
            .collect()
    };
    let mut bundle_searches = bundle_searches.into_iter();
    // Each unit to price, with its candidates.
    let mut to_price: Vec<Vec<Job>> = Vec::with_capacity(going.len());
    let mut lists: Vec<Vec<Nearby>> = Vec::with_capacity(going.len());
    for (members, unit) in going {
        let searched = bundle_searches.next().flatten();
        let candidates = match (members.as_slice(), searched) {
            (&[i], _) => solo_candidates.get_mut(i).and_then(Option::take).unwrap_or_default(),
            (_, Some(result)) => index.once_listed(result, |index| bundle_search.run(index, &mut scratch, &unit)),
            (_, None) => Vec::new(),
        };
        to_price.push(unit);
        lists.push(candidates);
    }
    let couriers = RoundCouriers::number(&lists);
    // At a rush short of couriers, one courier is listed by hundreds of units.
    let shortlist = Shortlist::new(&lists, &couriers, config.units_per_courier);
    // Slot to the courier's column in the assignment, numbered as first given an edge.
    let mut columns: Vec<Option<u32>> = vec![None; couriers.len()];
    let mut column_slots: Vec<u32> = Vec::new();

    // Each row's admitted candidates (slot, place in the row's list).
    let admitted: Vec<Vec<(u32, usize)>> = lists
        .iter()
        .enumerate()
        .map(|(row, candidates)| {
            candidates
                .iter()
                .zip(couriers.slots(row))
                .enumerate()
                .filter(|&(place, (n, &slot))| shortlist.admits(n, slot, row, place))
                .map(|(place, (_, &slot))| (slot, place))
                .collect()
        })
        .collect();
    // What each admitted courier holds and what its route costs without
    // the unit, read once a round: a courier is a candidate for many
    // units, and asking `carrying` means several hashed lookups in large maps.
    let mut met = vec![false; couriers.len()];
    let mut first_met: Vec<(u32, &Nearby)> = Vec::new();
    for (candidates, row_admitted) in lists.iter().zip(&admitted) {
        for &(slot, place) in row_admitted {
            if let (Some(seen @ false), Some(n)) = (met.get_mut(slot as usize), candidates.get(place)) {
                *seen = true;
                first_met.push((slot, n));
            }
        }
    }
    let holdings = Holdings::gather(couriers.len(), &first_met, now, carrying, travel, w);
    // The route searches, the bulk of a round, on every core: each row's
    // prices depend on nothing another row computes, and the rows come
    // back in order, so the plan is the same on any number of threads.
    let priced: Vec<Vec<(u32, f64, Sequence, Place)>> = to_price
        .par_iter()
        .zip(&lists)
        .zip(&admitted)
        .map_init(Vec::new, |all, ((unit, candidates), admitted)| {
            admitted
                .iter()
                .filter_map(|&(slot, place)| {
                    let n = candidates.get(place)?;
                    let (held, base) = holdings.gathered(slot)?;
                    all.clear();
                    all.extend_from_slice(held);
                    all.extend(unit.iter().copied());
                    // Routes dearer than the unassigned cost are dropped
                    // below: the search need not finish them.
                    let cap = loose(base + config.unassigned_cost, base.abs() + config.unassigned_cost.abs());
                    let sequence = cheapest_sequence_within(&n.at, now, all, travel, w, cap)?;
                    let marginal = (sequence.cost - base).max(0.0);
                    (marginal <= config.unassigned_cost).then_some((slot, marginal, sequence, n.at))
                })
                .collect()
        })
        .collect();
    for (unit, row) in to_price.into_iter().zip(priced) {
        let mut edges = Vec::with_capacity(row.len());
        for (slot, marginal, sequence, at) in row {
            let Some(column) = columns.get_mut(slot as usize) else {
                continue;
            };
            let col = *column.get_or_insert_with(|| {
                column_slots.push(slot);
                (column_slots.len() - 1) as u32
            });
            edges.push((col, to_units(marginal), sequence, marginal, at));
        }
        graph_rows.push((unit, edges));
    }

    let mut graph = CandidateGraph::new(column_slots.len() as u32);
    for (_, edges) in &graph_rows {
        // Costs are rounded, non-negative and below MAX_COST, so no row is refused.
        if graph.add_row(edges.iter().map(|e| (e.0, e.1))).is_err() {
            let _ = graph.add_row(std::iter::empty());
        }
    }
    let solved = assign(&graph, to_units(config.unassigned_cost));
    let row_to_col = solved
        .map(|a| a.row_to_col)
        .unwrap_or_else(|_| vec![None; graph_rows.len()]);
    // A given courier's jobs with its unit added, refilled per assignment.
    let mut all: Vec<Job> = Vec::new();
    for ((unit, edges), col) in graph_rows.into_iter().zip(row_to_col) {
        let orders: Vec<OrderId> = unit.iter().map(|j| j.order).collect();
        let chosen = col.and_then(|c| edges.into_iter().find(|e| e.0 == c));
        let given = chosen.and_then(|e| {
            let slot = *column_slots.get(e.0 as usize)?;
            Some((slot, couriers.id(slot)?, e))
        });
        match given {
            Some((slot, courier, (_, _, sequence, marginal, at))) => {
                // The same jobs, in the same order, as when the stops were found.
                all.clear();
                all.extend_from_slice(holdings.jobs(slot));
                all.extend(unit.iter().copied());
                plan.assignments.push(BatchAssignment {
                    courier,
                    orders,
                    route: price(&at, now, &all, sequence.stops(), travel, &config.weights),
                    marginal_cost: marginal,
                });
            }
            None => plan.unassigned.extend(orders),
        }
    }
    plan
}

/// Each admitted candidate courier's jobs and base cost, gathered once a
/// round.
struct Holdings {
    /// Slot (see [`RoundCouriers`]) to (its jobs' start in `jobs`, their
    /// count, the cost of its route without any new unit), once gathered.
    index: Vec<Option<(usize, usize, f64)>>,
    /// Every gathered courier's jobs, one run after another.
    jobs: Vec<Job>,
}

impl Holdings {
    /// For each of `met` (a slot and where its courier is), in order, the
    /// jobs its courier holds and the cost of its route from there, read on
    /// every core; `couriers` slots in all.
    fn gather(
        couriers: usize,
        met: &[(u32, &Nearby)],
        now: Timestamp,
        carrying: &(impl Carrying + Sync),
        travel: &(impl TravelTimes + Sync),
        w: &CostWeights,
    ) -> Self {
        let gathered: Vec<(Vec<Job>, f64)> = met
            .par_iter()
            .map(|&(_, n)| {
                let mut held = Vec::new();
                carrying.jobs_of(n.courier, &mut held);
                // A courier carrying nothing (most candidates, off the peak)
                // has no route to extend; for the others the cost is all
                // that is needed, not the route priced in full.
                let base = if held.is_empty() {
                    0.0
                } else {
                    cheapest_sequence_within(&n.at, now, &held, travel, w, f64::INFINITY).map_or(0.0, |s| s.cost)
                };
                (held, base)
            })
            .collect();
        let mut holdings = Holdings {
            index: vec![None; couriers],
            jobs: Vec::new(),
        };
        for (&(slot, _), (held, base)) in met.iter().zip(gathered) {
            if let Some(entry) = holdings.index.get_mut(slot as usize) {
                *entry = Some((holdings.jobs.len(), held.len(), base));
                holdings.jobs.extend(held);
            }
        }
        holdings
    }

    /// The jobs and base cost of the courier in `slot`, if gathered.
    fn gathered(&self, slot: u32) -> Option<(&[Job], f64)> {
        let (start, len, base) = self.index.get(slot as usize).copied().flatten()?;
        Some((self.jobs.get(start..start + len)?, base))
    }

    /// The jobs of the courier in `slot`, if gathered (none otherwise).
    fn jobs(&self, slot: u32) -> &[Job] {
        self.gathered(slot).map_or(&[], |(jobs, _)| jobs)
    }
}

/// A candidate for a unit: column, solver cost, the stops of the courier's
/// route with the unit, the marginal cost in weighted seconds, and where the
/// courier is (the route is priced in full only if the unit is given).
type Edge = (u32, i64, Sequence, f64, Place);

/// Weighted seconds to the solver's integer units (tenths of a second).
fn to_units(cost: f64) -> i64 {
    ((cost * 10.0).round() as i64).clamp(0, MAX_COST)
}

/// The search for a bundle's candidates: the nearest
/// [`BatchConfig::candidates_per_order`] couriers to its first order's
/// restaurant with room for all of its orders. Cells without such a courier
/// are skipped unread (the index's room levels are kept by the caller);
/// `carrying` has the last word unless it says the room levels are exact.
struct BundleSearch<'a, C> {
    carrying: &'a C,
    config: &'a BatchConfig,
    limit: usize,
}

impl<C: Carrying> BundleSearch<'_, C> {
    /// `unit`'s candidates, nearest first, unless the search meets cells the
    /// index has not listed yet (see [`GeoIndex::list`]).
    fn run(&self, index: &GeoIndex, scratch: &mut QueryScratch, unit: &[Job]) -> Result<Vec<Nearby>, Unlisted> {
        let Some(first) = unit.first() else {
            return Ok(Vec::new());
        };
        let size = unit.len();
        let room = u8::try_from(size).unwrap_or(u8::MAX);
        let config = self.config;
        index.listed_nearest(
            scratch,
            &first.pickup,
            config.search_radius_m,
            config.candidates_per_order,
            room,
            &mut |c| carries_room_for(self.carrying, c, size, self.limit),
        )
    }
}

/// Whether what `courier` carries leaves room for `size` more orders under
/// `limit`: settled by the index's room levels when the caller keeps them
/// exact, by its load otherwise.
fn carries_room_for(carrying: &impl Carrying, courier: CourierId, size: usize, limit: usize) -> bool {
    carrying.rooms_kept() || carrying.load(courier) + size <= limit
}

/// What a release check decides for one order.
enum Release {
    /// The order goes this round, with its candidates.
    Released(Vec<Nearby>),
    /// The order is held back: this courier could be there well before
    /// its food is ready.
    HeldBackBy(CourierId),
}
use Release::{HeldBackBy, Released};

/// Whether an order goes this round (seed 002: an order whose food will not
/// be ready until well after a courier could get there is held back, so
/// couriers do not wait at restaurants).
struct ReleaseCheck<'a, C, T> {
    now: Timestamp,
    job: &'a Job,
    carrying: &'a C,
    travel: &'a T,
    config: &'a BatchConfig,
    limit: usize,
}

impl<C: Carrying, T: TravelTimes> ReleaseCheck<'_, C, T> {
    /// What the check decides, unless a search meets cells the index has
    /// not listed yet.
    fn run(
        &self,
        index: &GeoIndex,
        scratch: &mut QueryScratch,
        last_held_by: Option<CourierId>,
    ) -> Result<Release, Unlisted> {
        // Food due within the slack (at a rush short of couriers, most
        // waiting orders' food is long ready) is held back by no courier,
        // however close: the candidates are all that is wanted.
        let all = self.config.candidates_per_order;
        if !self.holds_back(Duration::ZERO) {
            return Ok(Released(self.nearest(index, scratch, all)?));
        }
        // The courier that held the order back last round usually still
        // does: one estimate settles it without a search.
        if let Some(courier) = last_held_by.filter(|&c| self.still_holds_back(index, c)) {
            return Ok(HeldBackBy(courier));
        }
        // The nearest courier by distance is one of the candidates, so its
        // travel bounds the quickest candidate's from above: if even that
        // says "hold back", every candidate would, and they need not be
        // gathered.
        let nearest = self.nearest(index, scratch, all.min(1))?;
        if let Some(courier) = self.quickest_holding_back(&nearest) {
            return Ok(HeldBackBy(courier));
        }
        let candidates = self.nearest(index, scratch, all)?;
        Ok(match self.quickest_holding_back(&candidates) {
            Some(courier) => HeldBackBy(courier),
            None => Released(candidates),
        })
    }

    /// The order's `k` nearest couriers with room for it, nearest first
    /// (as [`search`] finds them, on a shared index).
    fn nearest(&self, index: &GeoIndex, scratch: &mut QueryScratch, k: usize) -> Result<Vec<Nearby>, Unlisted> {
        let radius = self.config.search_radius_m;
        index.listed_nearest(scratch, &self.job.pickup, radius, k, 1, &mut |c| {
            carries_room_for(self.carrying, c, 1, self.limit)
        })
    }

    /// Whether the food will be ready more than the slack after `travel`.
    fn holds_back(&self, travel: Duration) -> bool {
        self.job.ready_at.since(self.now) > travel.saturating_add(self.config.defer_slack)
    }

    /// The quickest of `found` (the first of equals), if it holds the order back.
    fn quickest_holding_back(&self, found: &[Nearby]) -> Option<CourierId> {
        let (courier, quickest) = found
            .iter()
            .map(|n| (n.courier, self.travel.travel(&n.at, &self.job.pickup, self.now)))
            .min_by_key(|&(_, t)| t)?;
        self.holds_back(quickest).then_some(courier)
    }

    /// Whether `courier` could still take the order (indexed, with room, as
    /// a search would find it) and would be there soon enough to hold it back.
    fn still_holds_back(&self, index: &GeoIndex, courier: CourierId) -> bool {
        let Some((at, room)) = index.room_of(courier) else {
            return false;
        };
        room >= 1
            && carries_room_for(self.carrying, courier, 1, self.limit)
            && at.distance_m(&self.job.pickup) <= self.config.search_radius_m
            && self.holds_back(self.travel.travel(&at, &self.job.pickup, self.now))
    }
}

/// Groups orders into units, as indices into `jobs`: bundles where they
/// pay, single orders otherwise, in order of each unit's first order id.
/// Every bundle holds at least one `released` order.
fn bundle(
    now: Timestamp,
    jobs: &[Job],
    released: &[bool],
    limit: usize,
    travel: &(impl TravelTimes + Sync),
    config: &BatchConfig,
) -> Vec<Vec<usize>> {
    if limit < 2 {
        return (0..jobs.len()).map(|i| vec![i]).collect();
    }
    let w = &config.weights;
    let approach = config.typical_approach.as_secs_f64() * w.travel;
    // Most waiting orders are never tried in a bundle: their solo routes
    // are priced when first asked for.
    let solo = SoloRoutes::new(now, jobs, travel, w);
    // Orders by restaurant cell, in index order within a cell: one sorted
    // list rather than a list per cell (the pairs are sorted in full below,
    // so the order cells come in does not matter).
    let mut by_cell: Vec<(u64, usize)> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| {
            let cell = j
                .pickup
                .cell()
                .parent(config.bundle_resolution)
                .unwrap_or(j.pickup.cell());
            (u64::from(cell), i)
        })
        .collect();
    by_cell.sort_unstable();
    let is_released = |i: usize| released.get(i).copied().unwrap_or(false);
    let close_in_readiness = |a: usize, b: usize| {
        let (x, y) = (jobs[a].ready_at, jobs[b].ready_at);
        x.max(y).since(x.min(y)) <= config.bundle_ready_window
    };
    // The pairs worth trying, in cell order: found here, priced below on
    // every core and gathered back in the same order.
    let mut tries: Vec<(usize, usize)> = Vec::new();
    for cell in by_cell.chunk_by(|x, y| x.0 == y.0) {
        // Bounded work per cell: the earliest orders matter most.
        let members = &cell[..cell.len().min(config.bundle_orders_per_cell)];
        for (a_pos, &(_, a)) in members.iter().enumerate() {
            for &(_, b) in &members[a_pos + 1..] {
                if (is_released(a) || is_released(b)) && close_in_readiness(a, b) {
                    tries.push((a, b));
                }
            }
        }
    }
    // Pairs worth bundling, best saving first.
    let mut pairs: Vec<(f64, usize, usize)> = tries
        .par_iter()
        .filter_map(|&(a, b)| bundle_saving(now, jobs, &solo, &[a, b], approach, travel, config).map(|s| (s, a, b)))
        .collect();
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
    let mut taken = vec![false; jobs.len()];
    let mut units: Vec<Vec<usize>> = Vec::new();
    for (_, a, b) in pairs {
        if !taken[a] && !taken[b] {
            taken[a] = true;
            taken[b] = true;
            units.push(vec![a, b]);
        }
    }
    if limit >= 3 {
        for unit in &mut units {
            let cell = |i: usize| jobs[i].pickup.cell().parent(config.bundle_resolution);
            let best = (0..jobs.len())
                .filter(|&c| !taken[c] && cell(c) == cell(unit[0]))
                .filter(|&c| unit.iter().all(|&m| close_in_readiness(m, c)))
                .filter_map(|c| {
                    let trio = [unit[0], unit[1], c];
                    bundle_saving(now, jobs, &solo, &trio, approach, travel, config).map(|s| (s, c))
                })
                .max_by(|x, y| x.0.total_cmp(&y.0).then(y.1.cmp(&x.1)));
            if let Some((_, c)) = best {
                taken[c] = true;
                unit.push(c);
            }
        }
    }
    units.extend((0..jobs.len()).filter(|&i| !taken[i]).map(|i| vec![i]));
    units.sort_by_key(|u| u.iter().map(|&i| jobs[i].order).min());
    units
}

/// The saving of routing `members` together over separately, if the bundle
/// saves enough and no order is delivered later than both its promise and
/// its own solo delivery.
fn bundle_saving(
    now: Timestamp,
    jobs: &[Job],
    solo: &SoloRoutes<'_, impl TravelTimes>,
    members: &[usize],
    approach: f64,
    travel: &impl TravelTimes,
    config: &BatchConfig,
) -> Option<f64> {
    let mut separate = 0.0;
    for &i in members {
        separate += solo.get(i)?.cost + approach;
    }
    // The saving test below, solved for the route's cost: no dearer route
    // can pass it, so the search drops them early.
    let cap = loose(
        separate - approach - config.bundle_min_saving * separate,
        separate.abs() + approach.abs(),
    );
    let together: Vec<Job> = members.iter().map(|&i| jobs[i]).collect();
    let route = best_route_within(&together.first()?.pickup, now, &together, travel, &config.weights, cap)?;
    for &i in members {
        let alone = solo.get(i)?;
        let job = &jobs[i];
        let when = route.deliveries.iter().find(|d| d.0 == job.order)?.1;
        if when > job.promised_by && when > alone.delivered {
            return None;
        }
    }
    // The bundle still needs one approach.
    let saving = separate - (route.cost + approach);
    (saving >= config.bundle_min_saving * separate).then_some(saving)
}

/// Each job's route alone from its pickup, priced on first use.
struct SoloRoutes<'a, T> {
    now: Timestamp,
    jobs: &'a [Job],
    travel: &'a T,
    w: &'a CostWeights,
    /// One slot per waiting order, most never filled: kept to the two
    /// numbers a bundle is judged by, not the whole route, so a round with
    /// thousands waiting clears little memory.
    routes: Vec<OnceLock<Option<Solo>>>,
}

/// What a bundle is judged against: an order's route alone.
#[derive(Debug, Clone, Copy)]
struct Solo {
    /// Its cost.
    cost: f64,
    /// When it hands the order over.
    delivered: Timestamp,
}

impl<'a, T: TravelTimes> SoloRoutes<'a, T> {
    fn new(now: Timestamp, jobs: &'a [Job], travel: &'a T, w: &'a CostWeights) -> Self {
        SoloRoutes {
            now,
            jobs,
            travel,
            w,
            routes: vec![OnceLock::new(); jobs.len()],
        }
    }

    /// Job `i`'s solo route, if it has one.
    fn get(&self, i: usize) -> Option<Solo> {
        let job = self.jobs.get(i)?;
        *self.routes.get(i)?.get_or_init(|| {
            let route = best_route(&job.pickup, self.now, &[*job], self.travel, self.w)?;
            Some(Solo {
                cost: route.cost,
                delivered: route.deliveries.first()?.1,
            })
        })
    }
}

/// `bound` widened by far more than the rounding of sums of magnitude
/// `scale`: a search capped there keeps every route the exact test after it
/// could accept.
fn loose(bound: f64, scale: f64) -> f64 {
    bound + (scale + 1.0) * 1e-9
}
