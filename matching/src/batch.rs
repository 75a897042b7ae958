//! Global batch assignment: every few seconds, all open orders against all
//! couriers with room at once, at the minimum total cost.
//!
//! 1. In a busy round, an order whose food will not be ready until well
//!    after its quickest free courier could get there is deferred (seed
//!    002): it is not priced this round. A courier carrying orders holds
//!    nothing back (it has stops of its own first), and a round of few
//!    orders defers none.
//! 2. Released orders from the same or nearby restaurants are bundled (two
//!    or three to a courier) when one route beats separate trips and no
//!    order ends up later than its promise (or than it would alone). When
//!    released orders outnumber the couriers able to take them, a saved
//!    approach is worth as much more as couriers are short.
//! 3. Each unit (an order or a bundle) lists its nearest candidates with
//!    room for it and the marginal cost of adding it to their route (travel,
//!    food waiting, courier idling, lateness, the customer's wait beyond the
//!    kitchen), each courier starting when and where it is free and
//!    collecting nothing after its last pickup ([`Availability`]), and
//!    [`crate::assign_leaving`] picks the exact minimum-cost assignment. Leaving a
//!    unit for a later round costs its own amount: a base per order, what
//!    its orders will cost whoever takes them, and more for every second
//!    their food has waited, so the oldest go first when couriers are short.
//!    A courier listed by more units than [`BatchConfig::units_per_courier`]
//!    is priced only for the nearest of them and for those it is the
//!    nearest candidate of.
//! 4. A matched unit is given only if its courier is free now and would not
//!    reach the restaurant long before the food ([`BatchConfig::commit_slack`]);
//!    otherwise the courier is kept for it ([`BatchPlan::held`]) and the next
//!    round decides again.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use courier_core::{CourierId, Duration, OrderId, Place, Timestamp};
use h3o::Resolution;
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};
use smallvec::SmallVec;

use crate::geo_index::{QueryScratch, Unlisted};
use crate::round_couriers::RoundCouriers;
use crate::route::{
    MAX_ROUTE_ORDERS, Sequence, Start, best_route, best_route_within, cheapest_sequence_within, sure_cost,
};
use crate::shortlist::Shortlist;
use crate::{
    CandidateGraph, CostWeights, GeoIndex, Job, MAX_COST, Nearby, ReleaseMemo, RoutePlan, TravelTimes, assign_leaving,
    price,
};

/// How a batch is planned.
#[derive(Debug, Clone, PartialEq)]
pub struct BatchConfig {
    /// Candidates considered per unit (nearest first). 60 by default, as
    /// `units_per_courier`: with 30 of each, a rush in a city wider than
    /// the search radius never priced the courier that should have gone
    /// for many orders, the nearest 30 being wanted by too many others
    /// (the dinner rush's P90 click-to-door 41.5 min at full scale with
    /// 30, 38.8 with 60), so the answer moved with the city's size.
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
    /// an order that goes): it is not priced this round. A bound on the
    /// work of a round; `commit_slack` decides when a courier sets off.
    pub defer_slack: Duration,
    /// A round with at most this many waiting orders holds none back: its
    /// few route searches are cheap, and an order due later still keeps
    /// its courier from being given away (see `commit_slack`).
    pub defer_above: usize,
    /// A unit is given to its courier only once the courier is free to set
    /// off now and would reach the restaurant no more than this before the
    /// food is ready; until then the round keeps the courier for it
    /// ([`BatchPlan::held`]) and the next round decides again, with what it
    /// knows then. A courier whose last pickup is within four times this
    /// is given its unit at once (waiting could lose it).
    pub commit_slack: Duration,
    /// The cost of leaving an order for the next round, in weighted seconds
    /// (a unit's is this for each of its orders), beyond what its orders
    /// will cost whoever takes them (food already
    /// waiting, lateness already certain: see [`plan_batch`]) and what
    /// `waiting_weight` adds: no courier is given a unit at a higher
    /// marginal cost than its leaving cost.
    pub unassigned_cost: f64,
    /// Weighted seconds added to a unit's leaving cost per second each of
    /// its orders' food has been ready: when couriers are short, orders that
    /// have waited longest go first.
    pub waiting_weight: f64,
    /// Which orders may share a bundle: those whose restaurants share an H3
    /// cell (at resolution 8, about 900 m across), or only orders of the
    /// same restaurant.
    pub bundle_scope: BundleScope,
    /// Most waiting orders of one `bundle_scope` cell tried in pairs,
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
            candidates_per_order: 60,
            search_radius_m: 5_000.0,
            units_per_courier: 60,
            weights: CostWeights::default(),
            batch_limit: 2,
            defer_slack: Duration::from_mins(5),
            defer_above: 256,
            commit_slack: Duration::from_mins(5),
            unassigned_cost: 14_400.0,
            waiting_weight: 2.0,
            bundle_scope: BundleScope::Cell(Resolution::Eight),
            bundle_orders_per_cell: 32,
            bundle_min_saving: 0.15,
            typical_approach: Duration::from_mins(6),
            bundle_ready_window: Duration::from_mins(5),
        }
    }
}

/// Which orders may share a bundle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleScope {
    /// Orders whose restaurants lie in the same H3 cell at this resolution.
    Cell(Resolution),
    /// Orders of the same restaurant (the same pickup point) only.
    SameRestaurant,
}

impl BundleScope {
    /// The cell that groups `place`'s orders: only orders grouped together
    /// are tried as bundles.
    fn group(self, place: &Place) -> u64 {
        let cell = place.cell();
        match self {
            BundleScope::Cell(resolution) => u64::from(cell.parent(resolution).unwrap_or(cell)),
            BundleScope::SameRestaurant => u64::from(cell),
        }
    }

    /// Whether orders from these two pickups may share a bundle.
    fn admits(self, a: &Place, b: &Place) -> bool {
        match self {
            BundleScope::Cell(_) => self.group(a) == self.group(b),
            BundleScope::SameRestaurant => a.point() == b.point(),
        }
    }
}

/// When a courier can take new work, as a round sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Availability {
    /// When the courier can start on new work, from the place the index
    /// holds for it (none: now). A courier finishing a trip can be indexed
    /// where the trip ends, free when it ends.
    pub free_at: Option<Timestamp>,
    /// The latest it may collect food (the end of its shift; none: no limit).
    pub last_pickup: Option<Timestamp>,
}

impl Availability {
    /// Where and when a route of the courier at `at` starts.
    fn start<'p>(&self, at: &'p Place, now: Timestamp) -> Start<'p> {
        Start {
            at,
            time: self.free_at.map_or(now, |t| t.max(now)),
            last_pickup: self.last_pickup.unwrap_or(Timestamp::from_millis(i64::MAX)),
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
    /// Units given to couriers, in order of their first order's id: each
    /// courier is free to set off now and would not wait long for the food.
    pub assignments: Vec<BatchAssignment>,
    /// Units the round matched to a courier that is not free yet, or that
    /// would reach the restaurant well before the food is ready (see
    /// [`BatchConfig::commit_slack`]): not given, decided again next round.
    pub held: Vec<BatchAssignment>,
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
    /// When `courier` can start on new work and the latest it may collect
    /// food: free now with no limit unless a caller says otherwise.
    fn availability(&self, courier: CourierId) -> Availability {
        let _ = courier;
        Availability::default()
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
    let slack = if jobs.len() > config.defer_above {
        config.defer_slack
    } else {
        Duration::from_millis(u64::MAX)
    };
    let check = |job| ReleaseCheck {
        now,
        job,
        carrying,
        travel,
        config,
        limit,
        slack,
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
    let n_released = released.iter().filter(|&&r| r).count();
    // Released orders per courier able to take one of them, rounded up:
    // above one, couriers are short, and a courier who takes two orders at
    // once frees another for an order that would otherwise wait.
    // Counted only as far as the released orders go: with as many couriers
    // as orders, the target is one.
    let mut able: FxHashSet<CourierId> = FxHashSet::default();
    if limit > 1 {
        for n in solo_candidates.iter().flatten().flatten() {
            if able.len() >= n_released {
                break;
            }
            able.insert(n.courier);
        }
    }
    let target = n_released.div_ceil(able.len().max(1)).clamp(1, limit);
    let units = bundle(now, &jobs, &released, limit, target, travel, config);

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
    // Each unit to price, with its candidates and what leaving it costs.
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
    let leaving: Vec<f64> = to_price.iter().map(|unit| leaving_cost(now, unit, config)).collect();
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
        .zip(&leaving)
        .map_init(Vec::new, |all, (((unit, candidates), admitted), &leave)| {
            admitted
                .iter()
                .filter_map(|&(slot, place)| {
                    let n = candidates.get(place)?;
                    let (held, base, availability) = holdings.gathered(slot)?;
                    all.clear();
                    all.extend_from_slice(held);
                    all.extend(unit.iter().copied());
                    // Routes dearer than leaving the unit are dropped
                    // below: the search need not finish them.
                    let cap = loose(base + leave, base.abs() + leave.abs());
                    let start = availability.start(&n.at, now);
                    let sequence = cheapest_sequence_within(start, all, travel, w, cap)?;
                    let marginal = (sequence.cost - base).max(0.0);
                    (marginal <= leave).then_some((slot, marginal, sequence, n.at))
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
    let leaving_units: Vec<i64> = leaving.iter().map(|&c| to_units(c)).collect();
    let solved = assign_leaving(&graph, &leaving_units);
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
                let start = holdings.availability(slot).start(&at, now);
                let assignment = BatchAssignment {
                    courier,
                    orders,
                    route: price(&at, start.time, &all, sequence.stops(), travel, &config.weights),
                    marginal_cost: marginal,
                };
                if due(now, &start, &unit, &assignment.route, config.commit_slack) {
                    plan.assignments.push(assignment);
                } else {
                    plan.held.push(assignment);
                }
            }
            None => plan.unassigned.extend(orders),
        }
    }
    plan
}

/// Whether a courier starting at `start` should set off for `unit` now on
/// `route` (see [`BatchConfig::commit_slack`]).
fn due(now: Timestamp, start: &Start<'_>, unit: &[Job], route: &RoutePlan, slack: Duration) -> bool {
    if start.time > now {
        return false;
    }
    let ending = start.last_pickup.since(now) <= slack.saturating_mul(4);
    ending
        || unit.iter().all(|job| {
            route
                .arrivals
                .iter()
                .find(|a| a.0 == job.order)
                .is_none_or(|a| a.1.plus(slack) >= job.ready_at)
        })
}

/// What leaving `unit` for a later round costs, in weighted seconds: the
/// configured cost for each of its orders, plus what its orders cost whoever takes them (so a unit
/// is not left for being late already), plus `waiting_weight` for every
/// second each order's food has been ready.
fn leaving_cost(now: Timestamp, unit: &[Job], config: &BatchConfig) -> f64 {
    let waited: f64 = unit.iter().map(|j| now.since(j.ready_at).as_secs_f64()).sum();
    config.unassigned_cost * unit.len() as f64 + sure_cost(now, unit, &config.weights) + config.waiting_weight * waited
}

/// Each admitted candidate courier's jobs, base cost and availability,
/// gathered once a round.
struct Holdings {
    /// Slot (see [`RoundCouriers`]) to (its jobs' start in `jobs`, their
    /// count, the cost of its route without any new unit, when and until
    /// when it can work), once gathered.
    index: Vec<Option<(usize, usize, f64, Availability)>>,
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
        let gathered: Vec<(Vec<Job>, f64, Availability)> = met
            .par_iter()
            .map(|&(_, n)| {
                let mut held = Vec::new();
                carrying.jobs_of(n.courier, &mut held);
                let availability = carrying.availability(n.courier);
                // A courier carrying nothing (most candidates, off the peak)
                // has no route to extend; for the others the cost is all
                // that is needed, not the route priced in full.
                let base = if held.is_empty() {
                    0.0
                } else {
                    let start = availability.start(&n.at, now);
                    cheapest_sequence_within(start, &held, travel, w, f64::INFINITY).map_or(0.0, |s| s.cost)
                };
                (held, base, availability)
            })
            .collect();
        let mut holdings = Holdings {
            index: vec![None; couriers],
            jobs: Vec::new(),
        };
        for (&(slot, _), (held, base, availability)) in met.iter().zip(gathered) {
            if let Some(entry) = holdings.index.get_mut(slot as usize) {
                *entry = Some((holdings.jobs.len(), held.len(), base, availability));
                holdings.jobs.extend(held);
            }
        }
        holdings
    }

    /// The jobs, base cost and availability of the courier in `slot`, if
    /// gathered.
    fn gathered(&self, slot: u32) -> Option<(&[Job], f64, Availability)> {
        let (start, len, base, availability) = self.index.get(slot as usize).copied().flatten()?;
        Some((self.jobs.get(start..start + len)?, base, availability))
    }

    /// The jobs of the courier in `slot`, if gathered (none otherwise).
    fn jobs(&self, slot: u32) -> &[Job] {
        self.gathered(slot).map_or(&[], |(jobs, _, _)| jobs)
    }

    /// The availability of the courier in `slot` (free now if not gathered).
    fn availability(&self, slot: u32) -> Availability {
        self.gathered(slot).map_or_else(Availability::default, |(_, _, a)| a)
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
    /// This round's deferral slack (see [`BatchConfig::defer_above`]).
    slack: Duration,
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
        self.job.ready_at.since(self.now) > travel.saturating_add(self.slack)
    }

    /// The quickest free courier of `found` to reach the restaurant (the
    /// first of equals) that could still collect the food, if it holds the
    /// order back. A courier carrying orders holds nothing back: it has
    /// stops of its own to make first, so a straight ride from where it is
    /// says nothing of when it would get there. Loads are asked only of the
    /// quickest, in order, until one is free or one no longer holds back.
    fn quickest_holding_back(&self, found: &[Nearby]) -> Option<CourierId> {
        let mut by_time: SmallVec<[(Duration, usize); 32]> = found
            .iter()
            .enumerate()
            .filter_map(|(i, n)| Some((self.approach(n.courier, &n.at)?, i)))
            .collect();
        by_time.sort_unstable();
        for (time, i) in by_time {
            if !self.holds_back(time) {
                return None;
            }
            let courier = found.get(i)?.courier;
            if self.carrying.load(courier) == 0 {
                return Some(courier);
            }
        }
        None
    }

    /// How long from now until `courier`, at `at`, could reach the
    /// restaurant (waiting to be free first), unless it could not collect
    /// the food before its last pickup.
    fn approach(&self, courier: CourierId, at: &Place) -> Option<Duration> {
        let availability = self.carrying.availability(courier);
        let start = availability.start(at, self.now);
        let arrival = start.time.plus(self.travel.travel(at, &self.job.pickup, start.time));
        (arrival.max(self.job.ready_at) <= start.last_pickup).then(|| arrival.since(self.now))
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
            && self.carrying.load(courier) == 0
            && self.approach(courier, &at).is_some_and(|t| self.holds_back(t))
    }
}

/// Groups orders into units, as indices into `jobs`: bundles where they
/// pay, single orders otherwise, in order of each unit's first order id.
/// Every bundle holds at least one `released` order.
#[allow(
    clippy::too_many_arguments,
    reason = "one stage of a round, given what the round knows"
)]
fn bundle(
    now: Timestamp,
    jobs: &[Job],
    released: &[bool],
    limit: usize,
    target: usize,
    travel: &(impl TravelTimes + Sync),
    config: &BatchConfig,
) -> Vec<Vec<usize>> {
    if limit < 2 {
        return (0..jobs.len()).map(|i| vec![i]).collect();
    }
    let w = &config.weights;
    // A courier's approach saved is worth more the shorter couriers are: an
    // order left alone waits for one to come free.
    let shortage = target as f64;
    let approach = config.typical_approach.as_secs_f64() * w.travel * shortage;
    let waits_alone = Duration::from_millis(
        config
            .typical_approach
            .as_millis()
            .saturating_mul(target.saturating_sub(1) as u64),
    );
    // Most waiting orders are never tried in a bundle: their solo routes
    // are priced when first asked for.
    let solo = SoloRoutes::new(now, jobs, travel, w);
    // Orders by restaurant cell, in index order within a cell: one sorted
    // list rather than a list per cell (the pairs are sorted in full below,
    // so the order cells come in does not matter).
    let mut by_cell: Vec<(u64, usize)> = jobs
        .iter()
        .enumerate()
        .map(|(i, j)| (config.bundle_scope.group(&j.pickup), i))
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
                if (is_released(a) || is_released(b))
                    && close_in_readiness(a, b)
                    && config.bundle_scope.admits(&jobs[a].pickup, &jobs[b].pickup)
                {
                    tries.push((a, b));
                }
            }
        }
    }
    // Pairs worth bundling, best saving first.
    let mut pairs: Vec<(f64, usize, usize)> = tries
        .par_iter()
        .filter_map(|&(a, b)| {
            bundle_saving(now, jobs, &solo, &[a, b], (approach, waits_alone), travel, config).map(|s| (s, a, b))
        })
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
            let best = (0..jobs.len())
                .filter(|&c| !taken[c] && config.bundle_scope.admits(&jobs[c].pickup, &jobs[unit[0]].pickup))
                .filter(|&c| unit.iter().all(|&m| close_in_readiness(m, c)))
                .filter_map(|c| {
                    let trio = [unit[0], unit[1], c];
                    bundle_saving(now, jobs, &solo, &trio, (approach, waits_alone), travel, config).map(|s| (s, c))
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
/// its own solo delivery (delayed by `waits_alone`, the wait for a courier
/// of its own when couriers are short). `approach` is what a courier's
/// approach saved is worth.
fn bundle_saving(
    now: Timestamp,
    jobs: &[Job],
    solo: &SoloRoutes<'_, impl TravelTimes>,
    members: &[usize],
    (approach, waits_alone): (f64, Duration),
    travel: &impl TravelTimes,
    config: &BatchConfig,
) -> Option<f64> {
    // Apart, all but one of the orders wait `waits_alone` for a courier of
    // their own, their food waiting and their lateness growing meanwhile:
    // the one whose wait would cost most goes first.
    let w = &config.weights;
    let wait = waits_alone.as_secs_f64();
    let (mut separate, mut dearest_wait) = (0.0, 0.0_f64);
    for &i in members {
        let alone = solo.get(i)?;
        let job = &jobs[i];
        let late = alone.delivered.plus(waits_alone) > job.promised_by;
        let delayed = wait * (w.food_wait + if late { w.lateness } else { 0.0 });
        separate += alone.cost + approach + delayed;
        dearest_wait = dearest_wait.max(delayed);
    }
    separate -= dearest_wait;
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
        if when > job.promised_by && when > alone.delivered.plus(waits_alone) {
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
