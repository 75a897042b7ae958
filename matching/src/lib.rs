//! courier-matching: the dispatch brain (geo index, scoring, offer cascade, batch assignment).
//!
//! This crate is being built out; today it holds the order-to-courier
//! distance primitive the other parts will share.

use courier_core::GeoPoint;

/// Straight-line distance in metres from a courier to a pickup point.
///
/// ```
/// use courier_core::GeoPoint;
/// let a = GeoPoint::new(0.0, 0.0)?;
/// assert_eq!(courier_matching::pickup_distance_m(a, a), 0.0);
/// # Ok::<(), courier_core::GeoError>(())
/// ```
pub fn pickup_distance_m(courier: GeoPoint, pickup: GeoPoint) -> f64 {
    courier.distance_m(pickup)
}
