//! What the geo index needs to know about an H3 cell's shape: its centre, the
//! largest circle around the centre inside the cell, and the smallest circle
//! around the centre containing it.

use courier_core::geo::EARTH_RADIUS_M;
use courier_core::{GeoPoint, Place};
use h3o::{CellIndex, LatLng};

/// Safety margins for floating-point error and for the tiny difference
/// between H3's edges and great-circle arcs: shrink the inner circle, grow
/// the outer one. A wrong "inside" would misfile a courier, so err inward.
const INNER_MARGIN: f64 = 0.99;
const OUTER_MARGIN: f64 = 1.01;

/// Centre and bounding circles of one cell, computed once and cached.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct CellGeometry {
    pub(crate) centre: Place,
    /// `centre` as a unit vector.
    pub(crate) centre_xyz: [f64; 3],
    /// Every point within this distance of the centre lies in the cell.
    pub(crate) inradius_m: f64,
    /// Every point of the cell lies within this distance of the centre.
    pub(crate) circumradius_m: f64,
    /// Inward normals of the planes through the centre of the Earth and each
    /// edge (H3 edges are great-circle arcs): a point is inside when it lies
    /// on the inner side of every one.
    edges: [[f64; 3]; MAX_EDGES],
    edge_count: usize,
}

/// Hexagons have 6 edges, pentagons 5; cells cut by an icosahedron face
/// edge gain a vertex per crossing, 10 at most.
const MAX_EDGES: usize = 10;

/// Points closer than this to an edge plane (about 6 micrometres on Earth)
/// are left for H3 to decide.
const EDGE_EPSILON: f64 = 1e-12;

impl CellGeometry {
    /// The geometry of `cell`, or None should H3 hand back a centre outside
    /// the valid coordinate range (it does not; callers then stay conservative).
    pub(crate) fn of(cell: CellIndex) -> Option<CellGeometry> {
        let ll = LatLng::from(cell);
        let centre = Place::with_cell(GeoPoint::new(ll.lat(), ll.lng()).ok()?, cell);
        let vertices: Vec<[f64; 3]> = cell
            .boundary()
            .iter()
            .map(|v| unit_vector(v.lat_radians(), v.lng_radians()))
            .collect();
        let c = unit_vector(ll.lat_radians(), ll.lng_radians());
        let mut inradius = f64::INFINITY;
        let mut circumradius: f64 = 0.0;
        let mut edges = [[0.0; 3]; MAX_EDGES];
        let mut edge_count = 0;
        for (i, a) in vertices.iter().enumerate() {
            let b = &vertices[(i + 1) % vertices.len()];
            // Distance from the centre to the great circle through the edge:
            // a lower bound on its distance to the edge itself.
            let mut n = normalise(cross(a, b));
            if dot(&c, &n) < 0.0 {
                n = [-n[0], -n[1], -n[2]];
            }
            if let Some(slot) = edges.get_mut(i) {
                *slot = n;
                edge_count = i + 1;
            }
            let cross_track = EARTH_RADIUS_M * dot(&c, &n).abs().min(1.0).asin();
            inradius = inradius.min(cross_track);
            circumradius = circumradius.max(EARTH_RADIUS_M * dot(&c, a).clamp(-1.0, 1.0).acos());
        }
        if vertices.is_empty() {
            inradius = 0.0;
        }
        Some(CellGeometry {
            centre,
            centre_xyz: c,
            inradius_m: inradius * INNER_MARGIN,
            circumradius_m: circumradius * OUTER_MARGIN,
            // Only plain hexagons and pentagons are surely convex; a cell cut
            // by an icosahedron edge carries extra vertices and is left to H3.
            edges,
            edge_count: if (5..=6).contains(&vertices.len()) {
                edge_count
            } else {
                0
            },
        })
    }

    /// Whether the unit vector `p` lies in the cell: `Some(true)` or
    /// `Some(false)` when certain, `None` when too close to an edge to say.
    #[inline]
    pub(crate) fn contains(&self, p: &[f64; 3]) -> Option<bool> {
        if self.edge_count == 0 {
            return None;
        }
        let mut certain = true;
        for n in self.edges.iter().take(self.edge_count) {
            let side = dot(p, n);
            if side < -EDGE_EPSILON {
                return Some(false);
            }
            certain &= side > EDGE_EPSILON;
        }
        certain.then_some(true)
    }
}

impl CellGeometry {
    /// True when `q` lies beyond one of the cell's edges by more than the
    /// arc whose sine is `sin_reach`: then every point of the cell is
    /// farther than that arc from `q`, because the cell lies on the inner
    /// side of that edge's great circle. A much tighter bound than the
    /// circumscribed circle for the cells beside the query's. Cells of
    /// unknown shape (no edges kept) are never ruled out.
    #[inline]
    pub(crate) fn beyond(&self, q: &[f64; 3], sin_reach: f64) -> bool {
        self.edges.iter().take(self.edge_count).any(|n| -dot(q, n) > sin_reach)
    }
}

/// The unit vector of a point given in radians.
pub(crate) fn unit_vector(lat: f64, lng: f64) -> [f64; 3] {
    [lat.cos() * lng.cos(), lat.cos() * lng.sin(), lat.sin()]
}

/// Straight-line distance between two unit vectors (radius 1).
#[inline]
pub(crate) fn chord(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    let (dx, dy, dz) = (a[0] - b[0], a[1] - b[1], a[2] - b[2]);
    (dx * dx + dy * dy + dz * dz).sqrt()
}

/// The chord (radius 1) of an arc of `metres`.
#[inline]
pub(crate) fn chord_of_arc(metres: f64) -> f64 {
    2.0 * sin_small((metres / (2.0 * EARTH_RADIUS_M)).min(std::f64::consts::FRAC_PI_2))
}

/// The sine of the angle an arc of `metres` subtends at the Earth's centre.
#[inline]
pub(crate) fn sin_of_arc(metres: f64) -> f64 {
    sin_small((metres / EARTH_RADIUS_M).min(std::f64::consts::FRAC_PI_2))
}

/// Below this argument the Taylor series of `sin` to the 7th
/// power are exact in double precision (the next term is under 1e-25 of the
/// result): everything within about 12 km.
const SMALL: f64 = 1e-3;

/// `y.sin()`, with the series for the small angles of city distances (a few
/// multiplications instead of a libm call).
#[inline]
pub(crate) fn sin_small(y: f64) -> f64 {
    if y.abs() < SMALL {
        let y2 = y * y;
        y * (1.0 - y2 * (1.0 / 6.0 - y2 * (1.0 / 120.0 - y2 / 5_040.0)))
    } else {
        y.sin()
    }
}

fn cross(a: &[f64; 3], b: &[f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn normalise(v: [f64; 3]) -> [f64; 3] {
    let len = dot(&v, &v).sqrt();
    if len == 0.0 {
        v
    } else {
        [v[0] / len, v[1] / len, v[2] / len]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use h3o::Resolution;

    #[test]
    fn the_small_angle_sine_matches_libm() {
        for i in 0..=2_000 {
            let x = f64::from(i) * 1.1e-3 / 2_000.0;
            assert!(
                (sin_small(x) - x.sin()).abs() <= 2.0 * f64::EPSILON * x.max(f64::MIN_POSITIVE),
                "sin {x}"
            );
        }
    }

    #[test]
    fn containment_agrees_with_h3_whenever_it_answers() {
        let hex = LatLng::new(40.75, -73.99).unwrap().to_cell(Resolution::Nine);
        let pentagon = CellIndex::base_cells()
            .find(|c| c.is_pentagon())
            .unwrap()
            .center_child(Resolution::Eight)
            .unwrap();
        let mut answered = 0;
        for cell in [hex, pentagon] {
            let g = CellGeometry::of(cell).unwrap();
            for i in 0..4_000u64 {
                // Points scattered to twice the circumradius, on a deterministic spiral.
                let r = g.circumradius_m * 2.0 * (i as f64 / 4_000.0).sqrt();
                let bearing = i as f64 * 2.399_963;
                let p = g.centre.point().offset_m(r * bearing.cos(), r * bearing.sin()).unwrap();
                let ll = LatLng::new(p.lat(), p.lng()).unwrap();
                let xyz = unit_vector(ll.lat_radians(), ll.lng_radians());
                if let Some(inside) = g.contains(&xyz) {
                    answered += 1;
                    assert_eq!(
                        inside,
                        ll.to_cell(cell.resolution()) == cell,
                        "point {p:?} vs cell {cell}"
                    );
                }
            }
        }
        assert!(
            answered > 7_900,
            "the fast test should almost always answer: {answered}"
        );
    }

    #[test]
    fn circles_bracket_the_cell_for_hexagons_and_pentagons() {
        let hex = LatLng::new(40.75, -73.99).unwrap().to_cell(Resolution::Nine);
        let pentagon = CellIndex::base_cells().find(|c| c.is_pentagon()).unwrap();
        for cell in [hex, pentagon.center_child(Resolution::Nine).unwrap()] {
            let g = CellGeometry::of(cell).unwrap();
            assert!(g.inradius_m > 0.0 && g.inradius_m < g.circumradius_m, "{g:?}");
            // Points on a circle just inside the inradius are all in the cell.
            for i in 0..36 {
                let bearing = f64::from(i) * 10f64.to_radians();
                let r = g.inradius_m * 0.999;
                let p = g.centre.point().offset_m(r * bearing.cos(), r * bearing.sin()).unwrap();
                let ll = LatLng::new(p.lat(), p.lng()).unwrap();
                assert_eq!(ll.to_cell(cell.resolution()), cell, "bearing {i}0");
            }
            assert_ne!(g.contains(&g.centre_xyz), Some(false));
            for v in cell.boundary().iter() {
                let p = Place::with_cell(GeoPoint::new(v.lat(), v.lng()).unwrap(), cell);
                assert!(g.centre.distance_m(&p) <= g.circumradius_m);
            }
        }
    }
}
