//! Placing any point on the nearest street: an R-tree of the graph's
//! segments in a local plane (metres east and north of the graph's first
//! node), exact enough at a city's scale to find the nearest one.

use courier_core::GeoPoint;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::graph::RoadGraph;

/// A point placed on a street.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Snap {
    /// The segment (see [`RoadGraph::segments`]).
    pub segment: u32,
    /// Where along it, from its end `a` (0) to `b` (1).
    pub t: f64,
    /// The point on the street.
    pub point: GeoPoint,
    /// How far the given point was from it, metres.
    pub distance_m: f64,
}

/// Metres east and north of an origin, on a plane tangent there.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Plane {
    lat0: f64,
    lng0: f64,
    m_per_deg_lat: f64,
    m_per_deg_lng: f64,
}

impl Plane {
    fn at(lat0: f64, lng0: f64) -> Plane {
        let m_per_deg_lat = courier_core::geo::EARTH_RADIUS_M.to_radians();
        Plane {
            lat0,
            lng0,
            m_per_deg_lat,
            m_per_deg_lng: m_per_deg_lat * lat0.to_radians().cos(),
        }
    }

    fn xy(&self, p: GeoPoint) -> [f64; 2] {
        [
            (p.lng() - self.lng0) * self.m_per_deg_lng,
            (p.lat() - self.lat0) * self.m_per_deg_lat,
        ]
    }
}

/// The segments of a graph, searchable by position.
#[derive(Debug, Clone)]
pub(crate) struct SnapIndex {
    plane: Plane,
    tree: RTree<GeomWithData<Line<[f64; 2]>, u32>>,
}

impl SnapIndex {
    /// Indexes every segment of `graph` (which has at least one node).
    pub(crate) fn new(graph: &RoadGraph) -> SnapIndex {
        let plane = graph.segments().first().map_or(Plane::at(0.0, 0.0), |s| {
            Plane::at(graph.point(s.a).lat(), graph.point(s.a).lng())
        });
        let lines = graph
            .segments()
            .iter()
            .enumerate()
            .map(|(i, s)| {
                GeomWithData::new(
                    Line::new(plane.xy(graph.point(s.a)), plane.xy(graph.point(s.b))),
                    i as u32,
                )
            })
            .collect();
        SnapIndex {
            plane,
            tree: RTree::bulk_load(lines),
        }
    }

    /// The nearest street to `p`; none only for a graph without segments.
    pub(crate) fn snap(&self, graph: &RoadGraph, p: GeoPoint) -> Option<Snap> {
        let q = self.plane.xy(p);
        let nearest = self.tree.nearest_neighbor(&q)?;
        let segment = nearest.data;
        let (a, b) = (nearest.geom().from, nearest.geom().to);
        let (dx, dy) = (b[0] - a[0], b[1] - a[1]);
        let len2 = dx * dx + dy * dy;
        let t = if len2 > 0.0 {
            (((q[0] - a[0]) * dx + (q[1] - a[1]) * dy) / len2).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let point = graph.point_along(segment, t);
        Some(Snap {
            segment,
            t,
            point,
            distance_m: p.distance_m(point),
        })
    }
}
