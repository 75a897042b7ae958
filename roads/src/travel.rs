//! The road network as matching's [`TravelTimes`]: dispatch and route
//! searches price legs on the streets.
//!
//! A place's figure ([`TravelTimes::place_figure`]) is its snap, packed as
//! the segment's index plus the fraction along it, so a route search
//! snaps each of its few places once. A point off the streets is first
//! walked (pushed) to its snap at [`OFF_STREET_MPS`].

use std::sync::Arc;

use courier_core::{Duration, Place, Timestamp};
use courier_matching::TravelTimes;

use crate::router::Router;
use crate::snap::Snap;

/// Speed between a point and its street (a courier walking a bike or a
/// scooter into a yard), metres per second: 5 km/h.
pub const OFF_STREET_MPS: f64 = 5.0 / 3.6;

/// Travel times on a road network.
#[derive(Debug, Clone)]
pub struct RoadTravel {
    router: Arc<Router>,
}

impl RoadTravel {
    /// Travel on `router`'s streets.
    pub fn new(router: Arc<Router>) -> RoadTravel {
        RoadTravel { router }
    }

    /// The network.
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// `place`'s snap, packed into a figure.
    fn pack(snap: &Snap) -> f64 {
        // The fraction stays below 1 so the integer part is the segment.
        f64::from(snap.segment) + snap.t.min(0.999_999)
    }

    /// The snap of `place`, given its packed figure.
    fn unpack(&self, place: &Place, figure: f64) -> Option<Snap> {
        let segment = figure.floor();
        if !(segment >= 0.0 && (segment as usize) < self.router.graph().segments().len()) {
            return self.router.snap_anywhere(place.point());
        }
        let t = figure - segment;
        let point = self.router.graph().point_along(segment as u32, t);
        Some(Snap {
            segment: segment as u32,
            t,
            point,
            distance_m: place.point().distance_m(point),
        })
    }

    fn seconds(&self, from: &Snap, to: &Snap) -> f64 {
        let walk = (from.distance_m + to.distance_m) / OFF_STREET_MPS;
        let ride = self.router.time_ms(from, to).map_or_else(
            // Unreachable only off this graph: fall back to the straight line.
            || from.point.distance_m(to.point) / OFF_STREET_MPS,
            |ms| ms as f64 / 1_000.0,
        );
        walk + ride
    }
}

impl TravelTimes for RoadTravel {
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        self.travel_between(from, self.place_figure(from), to, self.place_figure(to), at)
    }

    fn place_figure(&self, place: &Place) -> f64 {
        self.router
            .snap_anywhere(place.point())
            .map_or(-1.0, |s| Self::pack(&s))
    }

    fn travel_between(&self, from: &Place, from_figure: f64, to: &Place, to_figure: f64, _at: Timestamp) -> Duration {
        let (Some(a), Some(b)) = (self.unpack(from, from_figure), self.unpack(to, to_figure)) else {
            return Duration::ZERO;
        };
        Duration::try_from_secs_f64(self.seconds(&a, &b)).unwrap_or(Duration::ZERO)
    }
}
