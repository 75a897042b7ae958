//! `GeoPoint`: a WGS84 coordinate that cannot be NaN, infinite or out of range.

use std::fmt;

/// Mean Earth radius in metres (IUGG), the one used by every distance in Courier.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Great-circle metres between two points whose unit vectors (from the
/// Earth's centre) are `chord` apart.
///
/// City distances are tiny angles: below about 12 km the arcsine comes from
/// its series (within two ulps of the C library's, and the same on every
/// machine), beyond from the C library.
///
/// ```
/// use courier_core::geo::{EARTH_RADIUS_M, arc_of_chord_m};
/// let quarter = std::f64::consts::SQRT_2; // the chord of a right angle
/// assert!((arc_of_chord_m(quarter) - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
/// assert_eq!(arc_of_chord_m(0.0), 0.0);
/// ```
#[inline]
pub fn arc_of_chord_m(chord: f64) -> f64 {
    2.0 * EARTH_RADIUS_M * asin_of_half_chord((0.5 * chord).min(1.0))
}

/// Below this the series needs four terms for full precision.
const SMALL: f64 = 1e-3;

/// `x.asin()` for x in [0, 1], with the series for small arguments.
#[inline]
fn asin_of_half_chord(x: f64) -> f64 {
    if x.abs() < SMALL {
        let x2 = x * x;
        x * (1.0 + x2 * (1.0 / 6.0 + x2 * (3.0 / 40.0 + x2 * (5.0 / 112.0))))
    } else {
        x.asin()
    }
}

/// Why a coordinate pair is not a valid [`GeoPoint`].
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum GeoError {
    /// Latitude was NaN or infinite.
    #[error("latitude {0} is not a finite number")]
    LatitudeNotFinite(f64),
    /// Longitude was NaN or infinite.
    #[error("longitude {0} is not a finite number")]
    LongitudeNotFinite(f64),
    /// Latitude outside [-90, 90].
    #[error("latitude {0} is outside [-90, 90]")]
    LatitudeOutOfRange(f64),
    /// Longitude outside [-180, 180].
    #[error("longitude {0} is outside [-180, 180]")]
    LongitudeOutOfRange(f64),
}

/// A point on Earth in decimal degrees, always finite and in range.
///
/// ```
/// use courier_core::GeoPoint;
/// let sf = GeoPoint::new(37.7749, -122.4194)?;
/// assert!(GeoPoint::new(f64::NAN, 0.0).is_err());
/// assert!(GeoPoint::new(91.0, 0.0).is_err());
/// # Ok::<(), courier_core::GeoError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GeoPoint {
    lat: f64,
    lng: f64,
}

impl GeoPoint {
    /// Validates a latitude and longitude in degrees.
    pub fn new(lat: f64, lng: f64) -> Result<Self, GeoError> {
        if !lat.is_finite() {
            return Err(GeoError::LatitudeNotFinite(lat));
        }
        if !lng.is_finite() {
            return Err(GeoError::LongitudeNotFinite(lng));
        }
        if !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::LatitudeOutOfRange(lat));
        }
        if !(-180.0..=180.0).contains(&lng) {
            return Err(GeoError::LongitudeOutOfRange(lng));
        }
        Ok(Self { lat, lng })
    }

    /// Latitude in degrees, in [-90, 90].
    pub const fn lat(self) -> f64 {
        self.lat
    }

    /// Longitude in degrees, in [-180, 180].
    pub const fn lng(self) -> f64 {
        self.lng
    }

    /// Great-circle distance in metres (haversine on a sphere of [`EARTH_RADIUS_M`]).
    ///
    /// ```
    /// use courier_core::GeoPoint;
    /// let a = GeoPoint::new(0.0, 0.0)?;
    /// let b = GeoPoint::new(0.0, 1.0)?;
    /// assert!((a.distance_m(b) - 111_195.0).abs() < 1.0);
    /// # Ok::<(), courier_core::GeoError>(())
    /// ```
    pub fn distance_m(self, other: GeoPoint) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let dlat = lat2 - lat1;
        let dlng = (other.lng - self.lng).to_radians();
        let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlng / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
    }

    /// The point `north_m` metres north and `east_m` metres east of `self`,
    /// on a local flat approximation (accurate to well under 1% within 50 km).
    ///
    /// Fails when the result leaves the valid range (e.g. past a pole).
    pub fn offset_m(self, north_m: f64, east_m: f64) -> Result<GeoPoint, GeoError> {
        let dlat = (north_m / EARTH_RADIUS_M).to_degrees();
        let cos_lat = self.lat.to_radians().cos().max(1e-9);
        let dlng = (east_m / (EARTH_RADIUS_M * cos_lat)).to_degrees();
        let mut lng = self.lng + dlng;
        if lng > 180.0 {
            lng -= 360.0;
        } else if lng < -180.0 {
            lng += 360.0;
        }
        GeoPoint::new(self.lat + dlat, lng)
    }
}

impl fmt::Display for GeoPoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({:.6}, {:.6})", self.lat, self.lng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_small_angle_series_matches_libm() {
        for i in 0..=2_000 {
            let x = f64::from(i) * 1.1e-3 / 2_000.0;
            assert!(
                (asin_of_half_chord(x) - x.asin()).abs() <= 2.0 * f64::EPSILON * x.max(f64::MIN_POSITIVE),
                "asin {x}"
            );
        }
    }

    #[test]
    fn rejects_each_kind_of_bad_coordinate() {
        assert_eq!(
            GeoPoint::new(f64::NAN, 0.0).err().map(|e| e.to_string()),
            Some("latitude NaN is not a finite number".into())
        );
        assert!(matches!(
            GeoPoint::new(0.0, f64::INFINITY),
            Err(GeoError::LongitudeNotFinite(_))
        ));
        assert_eq!(GeoPoint::new(-90.5, 0.0), Err(GeoError::LatitudeOutOfRange(-90.5)));
        assert_eq!(GeoPoint::new(0.0, 180.01), Err(GeoError::LongitudeOutOfRange(180.01)));
        assert!(GeoPoint::new(90.0, -180.0).is_ok());
    }

    #[test]
    fn offset_round_trips_distance() -> Result<(), GeoError> {
        let c = GeoPoint::new(52.37, 4.90)?;
        let p = c.offset_m(3_000.0, 4_000.0)?;
        assert!((c.distance_m(p) - 5_000.0).abs() < 10.0);
        Ok(())
    }

    #[test]
    fn distance_is_symmetric_and_zero_on_self() -> Result<(), GeoError> {
        let a = GeoPoint::new(37.7749, -122.4194)?;
        let b = GeoPoint::new(37.8044, -122.2712)?;
        assert_eq!(a.distance_m(a), 0.0);
        assert!((a.distance_m(b) - b.distance_m(a)).abs() < 1e-6);
        Ok(())
    }
}
