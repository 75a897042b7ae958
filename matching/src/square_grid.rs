//! A memo of which bucket small latitude/longitude squares fell in, so that
//! a courier jumping across the city is filed without asking H3 (whose
//! `to_cell` is most of such a move's cost).

use courier_core::GeoPoint;
use h3o::Resolution;
use rustc_hash::FxHashMap;

/// Squares remembered at most: a city at resolution 8 needs tens of
/// thousands; past this the memo stops growing and H3 answers the rest.
const MAX_SQUARES: usize = 1 << 20;

/// Metres in a degree of latitude (and of longitude at the equator).
const METRES_PER_DEGREE: f64 = 111_320.0;

/// Squares of half a cell's average edge: most lie inside one cell, and a
/// square that straddles an edge points at a cell next to the right one.
#[derive(Debug, Clone, Default)]
pub(crate) struct SquareGrid {
    /// Degrees per square side (both axes; squares narrow towards the poles,
    /// which only makes them likelier to lie in one cell).
    step_deg: f64,
    squares: FxHashMap<(i32, i32), u32>,
}

impl SquareGrid {
    /// A grid sized for cells at `resolution`.
    pub(crate) fn new(resolution: Resolution) -> SquareGrid {
        SquareGrid {
            step_deg: resolution.edge_length_m() / 2.0 / METRES_PER_DEGREE,
            squares: FxHashMap::default(),
        }
    }

    /// The bucket last found for `point`'s square, if any.
    pub(crate) fn get(&self, point: GeoPoint) -> Option<u32> {
        self.squares.get(&self.key(point)).copied()
    }

    /// Remembers that `point` lies in `bucket`.
    pub(crate) fn remember(&mut self, point: GeoPoint, bucket: u32) {
        let key = self.key(point);
        if self.squares.len() < MAX_SQUARES || self.squares.contains_key(&key) {
            self.squares.insert(key, bucket);
        }
    }

    fn key(&self, point: GeoPoint) -> (i32, i32) {
        // Latitudes and longitudes are within ±180 and the step is at least
        // a fraction of a metre, so the floors fit an i32 (and saturate, as
        // `as` does, if a step were ever smaller).
        (
            (point.lat() / self.step_deg).floor() as i32,
            (point.lng() / self.step_deg).floor() as i32,
        )
    }
}
