//! Travel time: haversine distance x circuity over a speed set by the hour
//! (traffic profile) and the place (a pace learned per H3 cell).

use courier_core::{Duration, Timestamp};
use h3o::{CellIndex, Resolution};
use rustc_hash::FxHashMap;

use crate::learned::Learned;
use crate::{Factor, LearningRate, Place, Speed, TrafficProfile};

/// Trips shorter than this say more about GPS noise and parking than about
/// the speed of a street, so they are not learned from.
const MIN_LEARNABLE_DISTANCE_M: f64 = 100.0;

/// How travel time is estimated and learned.
#[derive(Debug, Clone, PartialEq)]
pub struct TravelConfig {
    /// Speed on a free street at a traffic factor of 1.
    pub base_speed: Speed,
    /// Road distance over straight-line distance, at least 1.
    pub circuity: Factor,
    /// Speed multipliers by hour of day.
    pub traffic: TrafficProfile,
    /// The H3 resolution paces are learned at (coarser: more trips per cell).
    pub resolution: Resolution,
    /// How fast a cell's pace follows its trips.
    pub learning: LearningRate,
    /// A trip's observed pace ratio is clamped to `[1/ratio_limit, ratio_limit]`,
    /// so one courier stopping for coffee cannot rewrite a cell.
    pub ratio_limit: Factor,
}

impl Default for TravelConfig {
    /// 20 km/h (a mixed bike and scooter fleet in a city), circuity 1.3 (a
    /// typical street grid), the default traffic profile, paces learned at
    /// resolution 7 (about 5 km² per cell).
    fn default() -> Self {
        TravelConfig {
            base_speed: Speed::from_kmh(20.0).unwrap_or_else(|_| unreachable!("20 km/h is a valid speed")),
            circuity: Factor::new("circuity", 1.3, 1.0, 5.0).unwrap_or(Factor::ONE),
            traffic: TrafficProfile::default(),
            resolution: Resolution::Seven,
            learning: LearningRate::default(),
            ratio_limit: Factor::new("pace ratio limit", 4.0, 1.0, 100.0).unwrap_or(Factor::ONE),
        }
    }
}

/// One leg a courier actually travelled, to learn from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Trip {
    /// Where the leg started.
    pub from: Place,
    /// Where it ended.
    pub to: Place,
    /// When it started (sets the hour's traffic factor).
    pub started: Timestamp,
    /// How long it took.
    pub took: Duration,
}

/// Point-to-point travel time with learned per-cell paces.
///
/// A cell's pace is the ratio of observed to expected travel time for trips
/// touching it (1.0 for a cell never seen: the prior). A trip's pace is the
/// mean of its two end cells.
///
/// ```
/// use courier_core::{Duration, GeoPoint, Timestamp};
/// use courier_eta::{Place, TravelConfig, TravelModel};
/// let model = TravelModel::new(TravelConfig::default());
/// let a = Place::resolve(GeoPoint::new(40.75, -73.99)?, 9)?;
/// let b = Place::resolve(GeoPoint::new(40.76, -73.98)?, 9)?;
/// let three_am = Timestamp::from_millis(3 * 3_600_000);
/// let six_pm = Timestamp::from_millis(18 * 3_600_000);
/// assert!(model.travel_time(&a, &b, six_pm) > model.travel_time(&a, &b, three_am));
/// assert_eq!(model.travel_time(&a, &a, six_pm), Duration::ZERO);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct TravelModel {
    config: TravelConfig,
    /// circuity / (base speed x traffic factor) per hour: one multiply per estimate.
    secs_per_metre: [f64; 24],
    paces: FxHashMap<CellIndex, Learned>,
}

impl TravelModel {
    /// A model that knows only its priors.
    pub fn new(config: TravelConfig) -> TravelModel {
        let base = config.base_speed.as_mps();
        let circuity = config.circuity.get();
        let secs_per_metre = config.traffic.hourly().map(|factor| circuity / (base * factor));
        TravelModel {
            config,
            secs_per_metre,
            paces: FxHashMap::default(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &TravelConfig {
        &self.config
    }

    /// Expected travel time from `from` to `to` leaving at `at`.
    #[inline]
    pub fn travel_time(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        secs_to_duration(self.travel_secs(from, to, at))
    }

    /// [`TravelModel::travel_time`] in seconds, unrounded.
    #[inline]
    pub fn travel_secs(&self, from: &Place, to: &Place, at: Timestamp) -> f64 {
        self.travel_secs_paced(from, self.pace(from.cell()), to, self.pace(to.cell()), at)
    }

    /// [`TravelModel::travel_time`] given the paces of both places' cells
    /// (as [`TravelModel::pace`] gives them): for a caller that travels
    /// between the same few places many times, such as a route search, and
    /// looks each pace up once. The same arithmetic, so the same answer.
    #[inline]
    pub fn travel_time_paced(&self, from: &Place, from_pace: f64, to: &Place, to_pace: f64, at: Timestamp) -> Duration {
        secs_to_duration(self.travel_secs_paced(from, from_pace, to, to_pace, at))
    }

    #[inline]
    fn travel_secs_paced(&self, from: &Place, from_pace: f64, to: &Place, to_pace: f64, at: Timestamp) -> f64 {
        let pace = 0.5 * (from_pace + to_pace);
        self.static_secs(from, to, at) * pace
    }

    /// Travel time in seconds from the priors alone (no learned pace): what
    /// the model would say had it never seen a trip.
    #[inline]
    pub fn static_secs(&self, from: &Place, to: &Place, at: Timestamp) -> f64 {
        let metres = from.distance_m(to);
        metres * self.secs_per_metre[self.config.traffic.hour_at(at)]
    }

    /// The learned pace of the cell containing `cell` (1.0 if never seen;
    /// above 1 is slower than the prior).
    #[inline]
    pub fn pace(&self, cell: CellIndex) -> f64 {
        match self.learning_cell(cell) {
            Some(c) => self.paces.get(&c).map_or(1.0, Learned::value),
            None => 1.0,
        }
    }

    /// The speed a courier is expected to make in `cell` at `at`, along the street.
    pub fn cell_speed(&self, cell: CellIndex, at: Timestamp) -> Speed {
        let mps = self.config.base_speed.as_mps() * self.config.traffic.factor_at(at) / self.pace(cell);
        // Paces are clamped positive and finite, so this cannot fail; the
        // base speed is the safe answer if it ever did.
        Speed::from_mps(mps).unwrap_or(self.config.base_speed)
    }

    /// How many cells have learned a pace.
    pub fn learned_cells(&self) -> usize {
        self.paces.len()
    }

    /// Learns from a completed leg. Returns false (and learns nothing) for a
    /// leg too short to say anything about speed or one that took no time.
    pub fn observe(&mut self, trip: &Trip) -> bool {
        let expected = self.static_secs(&trip.from, &trip.to, trip.started);
        let metres = trip.from.distance_m(&trip.to);
        let took = trip.took.as_secs_f64();
        if metres < MIN_LEARNABLE_DISTANCE_M || took <= 0.0 || expected <= 0.0 {
            return false;
        }
        let limit = self.config.ratio_limit.get();
        let ratio = (took / expected).clamp(1.0 / limit, limit);
        let rate = self.config.learning;
        for cell in [trip.from.cell(), trip.to.cell()] {
            if let Some(c) = self.learning_cell(cell) {
                self.paces
                    .entry(c)
                    .or_insert(Learned::from_prior(1.0))
                    .observe(ratio, rate);
            }
        }
        true
    }

    /// `cell` at the learning resolution, or None if it is coarser.
    #[inline]
    fn learning_cell(&self, cell: CellIndex) -> Option<CellIndex> {
        if cell.resolution() == self.config.resolution {
            Some(cell)
        } else {
            cell.parent(self.config.resolution)
        }
    }
}

/// Seconds (finite, non-negative by construction of the model) to a
/// Duration, through core's checked conversion; a value it refuses (which
/// the model cannot produce) counts as no time rather than a panic.
#[inline]
pub(crate) fn secs_to_duration(secs: f64) -> Duration {
    Duration::try_from_secs_f64(secs).unwrap_or(Duration::ZERO)
}
