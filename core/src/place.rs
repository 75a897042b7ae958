//! A point with its H3 cell and trigonometry resolved once, so estimates and
//! geo queries never pay for `to_cell` or `cos` again.

use h3o::{CellIndex, LatLng, Resolution};

use crate::{GeoError, GeoPoint};

/// Why a [`Place`] could not be resolved.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum PlaceError {
    /// An H3 resolution outside 0..=15.
    #[error("H3 resolution must be in 0..=15, got {value}")]
    InvalidResolution {
        /// The value that was given.
        value: u8,
    },
    /// A coordinate H3 refused.
    #[error(transparent)]
    Coordinate(#[from] GeoError),
}

/// A location, the H3 cell containing it, and its trigonometry, computed once.
///
/// Resolving a cell costs far more than an estimate, so it is done once per
/// location (a restaurant, a drop-off address, a courier's latest fix) and
/// carried along. The cell may be finer than the model's learning
/// resolution; the model takes its parent.
///
/// ```
/// use courier_core::{GeoPoint, Place};
/// let p = Place::resolve(GeoPoint::new(40.7484, -73.9857)?, 9)?;
/// assert_eq!(u8::from(p.cell().resolution()), 9);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Place {
    point: GeoPoint,
    cell: CellIndex,
    // Unit vector from the Earth's centre, computed once: the trigonometry is
    // most of a distance's cost.
    xyz: [f64; 3],
}

impl Place {
    /// `point` with its cell at `resolution` (0..=15).
    pub fn resolve(point: GeoPoint, resolution: u8) -> Result<Place, PlaceError> {
        let res = Resolution::try_from(resolution).map_err(|_| PlaceError::InvalidResolution { value: resolution })?;
        // LatLng only refuses non-finite values, which a GeoPoint cannot hold;
        // the arm is kept rather than unwrapped.
        let ll = LatLng::new(point.lat(), point.lng())
            .map_err(|_| PlaceError::Coordinate(GeoError::LatitudeNotFinite(point.lat())))?;
        Ok(Place::with_cell(point, ll.to_cell(res)))
    }

    /// `point` in a cell the caller already resolved (a geo index keeps one per
    /// courier). The cell must contain the point: geo queries search outward
    /// from it and ETA learns by it. Distances never depend on it.
    pub fn with_cell(point: GeoPoint, cell: CellIndex) -> Place {
        let (sin_lat, cos_lat) = point.lat().to_radians().sin_cos();
        let (sin_lng, cos_lng) = point.lng().to_radians().sin_cos();
        Place {
            point,
            cell,
            xyz: [cos_lat * cos_lng, cos_lat * sin_lng, sin_lat],
        }
    }

    /// The same point filed in another cell, without computing its unit
    /// vector again (a geo index that finds a courier crossed into a
    /// neighbouring cell). As for [`Place::with_cell`], the cell must contain
    /// the point.
    pub fn in_cell(self, cell: CellIndex) -> Place {
        Place { cell, ..self }
    }

    /// Great-circle distance in metres, the arc [`GeoPoint::distance_m`]
    /// measures (haversine), computed from the chord between the two unit
    /// vectors: `2R asin(chord / 2)`, one square root and one arcsine.
    ///
    /// ```
    /// use courier_core::{GeoPoint, Place};
    /// let (a, b) = (GeoPoint::new(52.37, 4.90)?, GeoPoint::new(52.38, 4.92)?);
    /// let (pa, pb) = (Place::resolve(a, 9)?, Place::resolve(b, 9)?);
    /// assert!((pa.distance_m(&pb) - a.distance_m(b)).abs() < 1e-6);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[inline]
    pub fn distance_m(&self, other: &Place) -> f64 {
        let (dx, dy, dz) = (
            self.xyz[0] - other.xyz[0],
            self.xyz[1] - other.xyz[1],
            self.xyz[2] - other.xyz[2],
        );
        crate::geo::arc_of_chord_m((dx * dx + dy * dy + dz * dz).sqrt())
    }

    /// The point as a unit vector from the Earth's centre (x towards 0°N 0°E,
    /// z towards the North Pole).
    #[inline]
    pub fn unit_vector(&self) -> [f64; 3] {
        self.xyz
    }

    /// The location.
    pub fn point(&self) -> GeoPoint {
        self.point
    }

    /// The H3 cell containing it.
    pub fn cell(&self) -> CellIndex {
        self.cell
    }
}
