//! The nearby-restaurant answer every catalog gives: within the radius,
//! nearest first, ties by id, at most `limit`.

use courier_core::GeoPoint;
use courier_core::ports::Restaurant;

/// Ranks `candidates` (any superset of the answer) around `center`.
pub(crate) fn nearest_restaurants<'a>(
    center: GeoPoint,
    candidates: impl IntoIterator<Item = &'a Restaurant>,
    radius_m: f64,
    limit: usize,
) -> Vec<Restaurant> {
    let mut near: Vec<(f64, &Restaurant)> = candidates
        .into_iter()
        .map(|r| (center.distance_m(r.location), r))
        .filter(|(d, _)| *d <= radius_m)
        .collect();
    near.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.id.cmp(&b.1.id)));
    near.into_iter().take(limit).map(|(_, r)| r.clone()).collect()
}
