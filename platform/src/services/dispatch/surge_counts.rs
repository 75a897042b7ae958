//! What surge pricing reads off dispatch: per surge cell, orders waiting
//! for a courier (demand) and couriers online with room for one more
//! (supply).

use std::collections::BTreeMap;

use courier_core::CourierId;
use courier_pricing::SurgeBook;
use h3o::CellIndex;
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Dispatch, DispatchState};

impl Dispatch {
    /// (waiting orders, couriers with room) per cell of `surge`, in cell order.
    pub(crate) fn surge_counts(&self, surge: &SurgeBook) -> BTreeMap<CellIndex, (u32, u32)> {
        count_cells(&self.state(), surge, self.rules.batch_limit)
    }

    /// Orders waiting for a courier per cell of `surge` (every cell it has
    /// observed listed, at zero if none waits there).
    pub(crate) fn waiting_by_cell(&self, surge: &SurgeBook) -> FxHashMap<CellIndex, u32> {
        count_waiting(&self.state(), surge)
    }
}

/// (waiting orders, couriers with room) per surge cell; every cell the
/// book has observed before is listed too, so a cell whose queue cleared
/// is observed at zero demand and its surge decays. In cell order, so the
/// book observes them in the same order on every run.
fn count_cells(d: &DispatchState, surge: &SurgeBook, limit: usize) -> BTreeMap<CellIndex, (u32, u32)> {
    let resolution = surge.config().resolution;
    let mut counts: FxHashMap<CellIndex, (u32, u32)> = count_waiting(d, surge)
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
        if let Some(cell) = parent.or_else(|| surge.cell_of(place.point())) {
            counts.entry(cell).or_default().1 += 1;
        }
    }
    counts.into_iter().collect()
}

/// Orders waiting for a courier per surge cell, with every cell the book
/// has observed before listed (at zero if none waits there). Hashed: counted
/// into once per waiting order, and its callers either sum it (in any order)
/// or sort it.
fn count_waiting(d: &DispatchState, surge: &SurgeBook) -> FxHashMap<CellIndex, u32> {
    let resolution = surge.config().resolution;
    let mut counts: FxHashMap<CellIndex, u32> = surge.cells().map(|c| (c, 0)).collect();
    for order in d.pool.keys() {
        let Some(pickup) = d.open.get(order).map(|o| &o.job.pickup) else {
            continue;
        };
        let cell = pickup
            .cell()
            .parent(resolution)
            .or_else(|| surge.cell_of(pickup.point()));
        if let Some(cell) = cell {
            *counts.entry(cell).or_default() += 1;
        }
    }
    counts
}
