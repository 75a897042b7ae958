//! Surge: a delivery-fee multiplier per H3 cell from demand over supply,
//! smoothed over time, with hysteresis and a cap.
//!
//! All arithmetic is integer (ratios in thousandths, multipliers in basis
//! points), so the same observations give the same multipliers on any machine.
//!
//! For each cell, `observe` takes open orders (demand) and free couriers
//! (supply): the ratio `demand / max(supply, 1)` is smoothed exponentially;
//! above `threshold` the target multiplier rises by `slope` per unit of ratio,
//! rounded down to a `step` and capped. The published multiplier moves to the
//! target only when they differ by at least `hysteresis`, so prices do not
//! flicker on every observation.

use std::collections::HashMap;

use courier_core::{BasisPoints, GeoPoint, Timestamp};
use h3o::{CellIndex, LatLng, Resolution};

/// 1.0x, in basis points.
pub const NO_SURGE: BasisPoints = BasisPoints::FULL;

/// Surge policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurgeConfig {
    /// H3 resolution of surge cells (7 is about 5 km^2).
    pub resolution: Resolution,
    /// Highest multiplier (e.g. 2.0x = 20,000 bp).
    pub cap: BasisPoints,
    /// Demand/supply ratio, in thousandths, above which surge starts (1,000 = 1.0).
    pub threshold_milli: u32,
    /// Multiplier added per 1.0 of ratio above the threshold.
    pub slope: BasisPoints,
    /// Weight of a new observation in the smoothed ratio (10,000 = no smoothing).
    pub smoothing: BasisPoints,
    /// The published multiplier moves only for a change at least this large.
    pub hysteresis: BasisPoints,
    /// Multipliers are multiples of this above 1.0x.
    pub step: BasisPoints,
}

impl Default for SurgeConfig {
    fn default() -> Self {
        SurgeConfig {
            resolution: Resolution::Seven,
            cap: BasisPoints::new(20_000),
            threshold_milli: 1_000,
            slope: BasisPoints::new(5_000),
            smoothing: BasisPoints::new(3_000),
            hysteresis: BasisPoints::new(1_000),
            step: BasisPoints::new(500),
        }
    }
}

/// The surge state of one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellSurge {
    /// Last demand observed.
    pub demand: u32,
    /// Last supply observed.
    pub supply: u32,
    /// Smoothed demand/supply ratio, thousandths.
    pub smoothed_ratio_milli: u64,
    /// The published multiplier.
    pub multiplier: BasisPoints,
    /// When last observed.
    pub observed_at: Timestamp,
}

/// Why a quote's delivery fee is what it is: shown on the quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurgeExplanation {
    /// The cell priced.
    pub cell: CellIndex,
    /// The multiplier applied to the delivery fee.
    pub multiplier: BasisPoints,
    /// Demand and supply last seen in the cell (0, 0 if never observed).
    pub demand: u32,
    /// See `demand`.
    pub supply: u32,
}

/// Surge multipliers for every observed cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurgeBook {
    config: SurgeConfig,
    cells: HashMap<CellIndex, CellSurge>,
}

impl SurgeBook {
    /// An empty book: every cell at 1.0x until observed.
    pub fn new(config: SurgeConfig) -> SurgeBook {
        SurgeBook {
            config,
            cells: HashMap::new(),
        }
    }

    /// The policy.
    pub fn config(&self) -> &SurgeConfig {
        &self.config
    }

    /// The surge cell containing `point`. Always `Some` for a valid `GeoPoint`
    /// (h3o only refuses non-finite coordinates, which `GeoPoint` cannot hold).
    pub fn cell_of(&self, point: GeoPoint) -> Option<CellIndex> {
        LatLng::new(point.lat(), point.lng())
            .ok()
            .map(|ll| ll.to_cell(self.config.resolution))
    }

    /// Records demand and supply in `cell` at `now`; returns the published multiplier.
    pub fn observe(&mut self, cell: CellIndex, demand: u32, supply: u32, now: Timestamp) -> BasisPoints {
        let cfg = self.config;
        let ratio = u64::from(demand) * 1_000 / u64::from(supply.max(1));
        let state = self.cells.entry(cell).or_insert(CellSurge {
            demand,
            supply,
            smoothed_ratio_milli: ratio,
            multiplier: NO_SURGE,
            observed_at: now,
        });
        let alpha = u64::from(cfg.smoothing.get().min(10_000));
        state.smoothed_ratio_milli = (state.smoothed_ratio_milli * (10_000 - alpha) + ratio * alpha) / 10_000;
        let target = target_multiplier(&cfg, state.smoothed_ratio_milli);
        if target.get().abs_diff(state.multiplier.get()) >= cfg.hysteresis.get() {
            state.multiplier = target;
        }
        state.demand = demand;
        state.supply = supply;
        state.observed_at = now;
        state.multiplier
    }

    /// Every cell observed so far, in no particular order.
    pub fn cells(&self) -> impl Iterator<Item = CellIndex> + '_ {
        self.cells.keys().copied()
    }

    /// The multiplier published for `cell` (1.0x if never observed).
    pub fn multiplier(&self, cell: CellIndex) -> BasisPoints {
        self.cells.get(&cell).map_or(NO_SURGE, |c| c.multiplier)
    }

    /// The state of `cell`, if observed.
    pub fn cell(&self, cell: CellIndex) -> Option<&CellSurge> {
        self.cells.get(&cell)
    }

    /// What a quote shows about surge in `cell`.
    pub fn explain(&self, cell: CellIndex) -> SurgeExplanation {
        let state = self.cells.get(&cell);
        SurgeExplanation {
            cell,
            multiplier: state.map_or(NO_SURGE, |c| c.multiplier),
            demand: state.map_or(0, |c| c.demand),
            supply: state.map_or(0, |c| c.supply),
        }
    }
}

/// The multiplier a smoothed ratio calls for: 1.0x up to the threshold, then
/// `slope` per unit of ratio, rounded down to a step, capped.
pub fn target_multiplier(cfg: &SurgeConfig, smoothed_ratio_milli: u64) -> BasisPoints {
    let excess = smoothed_ratio_milli.saturating_sub(u64::from(cfg.threshold_milli));
    let raw = 10_000 + excess.saturating_mul(u64::from(cfg.slope.get())) / 1_000;
    let step = u64::from(cfg.step.get().max(1));
    let stepped = 10_000 + (raw - 10_000) / step * step;
    let capped = stepped.min(u64::from(cfg.cap.get().max(10_000)));
    BasisPoints::new(u32::try_from(capped).unwrap_or(u32::MAX))
}
