//! Surge from what dispatch sees: per surge cell, orders waiting for a
//! courier (demand) against couriers online with room for one more
//! (supply), observed into the surge book at a fixed interval so that
//! quotes price the delivery fee where couriers are short.

use std::collections::BTreeMap;

use courier_core::ports::Store;
use courier_core::{CourierId, Timestamp};
use h3o::CellIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use crate::external::{Clock, Notifier, PaymentGateway};
use crate::platform::Platform;
use crate::runtime::Runtime;

/// The surge across the city at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SurgeSnapshot {
    /// Cells priced above 1.0x.
    pub cells_surging: u32,
    /// The highest multiplier, in basis points (10,000 = 1.0x).
    pub max_bp: u32,
    /// The multiplier weighted by the orders waiting in each cell, in basis
    /// points (10,000 when nothing waits).
    pub demand_weighted_bp: u32,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Observes demand and supply per surge cell if the interval has passed.
    pub(crate) fn watch_surge(&self, now: Timestamp) {
        let mut rt = self.rt();
        if rt.last_surge.is_some_and(|t| now.since(t) < self.config.surge_every) {
            return;
        }
        rt.last_surge = Some(now);
        let limit = self.config.batch_limit;
        let counts = count_cells(&rt, limit);
        for (cell, (demand, supply)) in counts {
            rt.surge.observe(cell, demand, supply, now);
        }
    }

    /// The surge published now.
    pub fn surge_snapshot(&self) -> SurgeSnapshot {
        let rt = self.rt();
        // Supply does not enter the snapshot, and a cell never observed is
        // priced at 1.0x, so the orders waiting per cell are all it needs.
        let waiting = count_waiting(&rt);
        let (mut weighted, mut demand) = (0u64, 0u64);
        for (cell, d) in &waiting {
            weighted += u64::from(rt.surge.multiplier(*cell).get()) * u64::from(*d);
            demand += u64::from(*d);
        }
        let mut snapshot = SurgeSnapshot {
            demand_weighted_bp: weighted.checked_div(demand).map_or(10_000, |bp| bp as u32),
            max_bp: 10_000,
            ..SurgeSnapshot::default()
        };
        for (cell, _) in waiting {
            let m = rt.surge.multiplier(cell).get();
            snapshot.max_bp = snapshot.max_bp.max(m);
            snapshot.cells_surging += u32::from(m > 10_000);
        }
        snapshot
    }
}

/// (waiting orders, couriers with room) per surge cell; every cell the
/// book has observed before is listed too, so a cell whose queue cleared
/// is observed at zero demand and its surge decays. In cell order, so the
/// book observes them in the same order on every run.
fn count_cells(rt: &Runtime, limit: usize) -> BTreeMap<CellIndex, (u32, u32)> {
    let resolution = rt.surge.config().resolution;
    let d = &rt.dispatch;
    let mut counts: FxHashMap<CellIndex, (u32, u32)> = count_waiting(rt)
        .into_iter()
        .map(|(cell, waiting)| (cell, (waiting, 0)))
        .collect();
    // The index holds exactly the online couriers (they join it going online
    // and leave it going offline), so its entries are walked in place rather
    // than looking each online courier up; the few at the limit are set apart
    // first. A bucket's entries share a cell, so its surge cell is found once.
    let full: FxHashSet<CourierId> = d
        .book
        .holding()
        .filter(|(_, held)| held.len() >= limit)
        .map(|(courier, _)| courier)
        .collect();
    let mut last: Option<(CellIndex, Option<CellIndex>)> = None;
    for (courier, place, _) in d.index.iter() {
        if full.contains(&courier) {
            continue;
        }
        let parent = match last {
            Some((seen, parent)) if seen == place.cell() => parent,
            _ => {
                let parent = place.cell().parent(resolution);
                last = Some((place.cell(), parent));
                parent
            }
        };
        if let Some(cell) = parent.or_else(|| rt.surge.cell_of(place.point())) {
            counts.entry(cell).or_default().1 += 1;
        }
    }
    counts.into_iter().collect()
}

/// Orders waiting for a courier per surge cell, with every cell the book
/// has observed before listed (at zero if none waits there). Hashed: counted
/// into once per waiting order, and its callers either sum it (in any order)
/// or sort it.
fn count_waiting(rt: &Runtime) -> FxHashMap<CellIndex, u32> {
    let resolution = rt.surge.config().resolution;
    let d = &rt.dispatch;
    let mut counts: FxHashMap<CellIndex, u32> = rt.surge.cells().map(|c| (c, 0)).collect();
    for order in d.pool.keys() {
        let Some(pickup) = d.open.get(order).map(|o| &o.job.pickup) else {
            continue;
        };
        let cell = pickup
            .cell()
            .parent(resolution)
            .or_else(|| rt.surge.cell_of(pickup.point()));
        if let Some(cell) = cell {
            *counts.entry(cell).or_default() += 1;
        }
    }
    counts
}
