//! A point with its H3 cell and trigonometry resolved once, so estimates and
//! geo queries never pay for `to_cell` or `cos` again.

use h3o::{CellIndex, LatLng, Resolution};

use crate::geo::EARTH_RADIUS_M;
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
    // Radians and cos(latitude), computed once: they are most of haversine's cost.
    lat_rad: f64,
    lng_rad: f64,
    cos_lat: f64,
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
    /// courier). The cell is only a learning key: a wrong one skews what is
    /// learned, never the distance.
    pub fn with_cell(point: GeoPoint, cell: CellIndex) -> Place {
        let lat_rad = point.lat().to_radians();
        Place {
            point,
            cell,
            lat_rad,
            lng_rad: point.lng().to_radians(),
            cos_lat: lat_rad.cos(),
        }
    }

    /// Great-circle distance in metres: the same haversine as
    /// [`GeoPoint::distance_m`], with the per-point trigonometry done once.
    #[inline]
    pub fn distance_m(&self, other: &Place) -> f64 {
        let half_dlat = 0.5 * (other.lat_rad - self.lat_rad);
        let half_dlng = 0.5 * (other.lng_rad - self.lng_rad);
        let (s_lat, s_lng) = (half_dlat.sin(), half_dlng.sin());
        let h = s_lat * s_lat + self.cos_lat * other.cos_lat * s_lng * s_lng;
        2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
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
