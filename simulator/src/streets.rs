//! A scenario's road network (`city.road_network`): couriers ride the
//! shortest paths on the streets of an OpenStreetMap extract, and every
//! restaurant, drop-off and courier stands on a street.

use std::path::Path;
use std::sync::Arc;

use courier_core::GeoPoint;
use courier_roads::{Mode, OFF_STREET_MPS, RoadError, Router};

/// The streets couriers ride (compared by identity: one loaded network is
/// shared by the runs of a sweep).
#[derive(Clone)]
pub struct Streets {
    router: Arc<Router>,
}

impl std::fmt::Debug for Streets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.router.fmt(f)
    }
}

impl PartialEq for Streets {
    fn eq(&self, other: &Streets) -> bool {
        Arc::ptr_eq(&self.router, &other.router)
    }
}

impl Streets {
    /// Reads the extract at `file` for `mode`.
    ///
    /// # Errors
    /// The file is unreadable or has no street for the mode.
    pub fn load(file: &Path, mode: Mode) -> Result<Streets, RoadError> {
        Ok(Streets {
            router: Arc::new(Router::from_pbf(file, mode)?),
        })
    }

    /// The network.
    pub fn router(&self) -> &Arc<Router> {
        &self.router
    }

    /// The nearest point on a street to `p` (`p` itself on a graph with no
    /// street, which loading refuses).
    pub fn place(&self, p: GeoPoint) -> GeoPoint {
        self.router.snap_anywhere(p).map_or(p, |s| s.point)
    }

    /// The ride from `from` to `to`: milliseconds and metres along the
    /// fastest path (and on foot to and from the street, if off it).
    pub fn ride(&self, from: GeoPoint, to: GeoPoint) -> (i64, f64) {
        let (Some(a), Some(b)) = (self.router.snap_anywhere(from), self.router.snap_anywhere(to)) else {
            return (0, 0.0);
        };
        let walk_m = a.distance_m + b.distance_m;
        let walk_ms = walk_m / OFF_STREET_MPS * 1_000.0;
        match self.router.path(&a, &b) {
            Some(path) => ((path.time_ms as f64 + walk_ms) as i64, path.length_m + walk_m),
            None => (walk_ms as i64, walk_m),
        }
    }
}
