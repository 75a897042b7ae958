//! A directed street graph for one mode: nodes where ways meet or bend,
//! an edge per direction a segment may be travelled, kept to its largest
//! strongly connected part so that every place reaches every other.

use std::collections::HashMap;

use courier_core::GeoPoint;

use crate::error::RoadError;
use crate::mode::{Mode, usage};
use crate::scc::largest_component;

/// A way as a map gives it: its node ids in order and its tags.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawWay {
    /// Node ids along the way.
    pub nodes: Vec<i64>,
    /// Its tags (`highway`, `oneway`, `maxspeed`, ...).
    pub tags: HashMap<String, String>,
}

/// A map before routing: node positions and ways.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RawMap {
    /// Node id to position.
    pub nodes: HashMap<i64, GeoPoint>,
    /// The ways.
    pub ways: Vec<RawWay>,
}

/// A directed edge.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// From node.
    pub from: u32,
    /// To node.
    pub to: u32,
    /// Length, metres.
    pub length_m: f64,
    /// Travel time, milliseconds (at least 1).
    pub time_ms: u32,
}

/// A straight piece of street between two nodes, with the edges that
/// travel it (along `a -> b`, and back).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// One end.
    pub a: u32,
    /// The other.
    pub b: u32,
    /// The edge `a -> b`, if the street may be travelled that way.
    pub forward: Option<u32>,
    /// The edge `b -> a`, if it may.
    pub backward: Option<u32>,
}

/// A routable street graph (see the module's documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct RoadGraph {
    mode: Mode,
    points: Vec<GeoPoint>,
    edges: Vec<Edge>,
    /// Edges leaving node `i`: `out[first_out[i]..first_out[i + 1]]`.
    first_out: Vec<u32>,
    out: Vec<u32>,
    first_in: Vec<u32>,
    into: Vec<u32>,
    segments: Vec<Segment>,
    dropped_nodes: usize,
}

impl RoadGraph {
    /// Builds the graph of `map` for `mode`; `what` names the map in errors.
    ///
    /// # Errors
    /// No way the mode may use.
    pub fn build(map: &RawMap, mode: Mode, what: &str) -> Result<RoadGraph, RoadError> {
        let mut index: HashMap<i64, u32> = HashMap::new();
        let mut points: Vec<GeoPoint> = Vec::new();
        let mut node = |id: i64, at: GeoPoint, points: &mut Vec<GeoPoint>| {
            *index.entry(id).or_insert_with(|| {
                points.push(at);
                (points.len() - 1) as u32
            })
        };
        let mut edges = Vec::new();
        let mut pieces: Vec<(u32, u32, Option<u32>, Option<u32>)> = Vec::new();
        for way in &map.ways {
            let Some(use_) = usage(mode, &way.tags) else { continue };
            for pair in way.nodes.windows(2) {
                let (Some(&pa), Some(&pb)) = (map.nodes.get(&pair[0]), map.nodes.get(&pair[1])) else {
                    continue;
                };
                if pair[0] == pair[1] {
                    continue;
                }
                let (a, b) = (node(pair[0], pa, &mut points), node(pair[1], pb, &mut points));
                let length_m = pa.distance_m(pb);
                let time_ms = ((length_m / use_.speed_mps) * 1_000.0).ceil().max(1.0) as u32;
                let mut add = |from, to| {
                    edges.push(Edge {
                        from,
                        to,
                        length_m,
                        time_ms,
                    });
                    (edges.len() - 1) as u32
                };
                let forward = use_.forward.then(|| add(a, b));
                let backward = use_.backward.then(|| add(b, a));
                pieces.push((a, b, forward, backward));
            }
        }
        if edges.is_empty() {
            return Err(RoadError::NoStreets {
                what: what.to_owned(),
                mode: format!("{mode:?}").to_lowercase(),
            });
        }
        let keep = largest_component(points.len(), &edges);
        Ok(RoadGraph::keep_only(mode, &points, &edges, &pieces, &keep))
    }

    /// The graph on the nodes `keep` marks, renumbered.
    fn keep_only(
        mode: Mode,
        points: &[GeoPoint],
        edges: &[Edge],
        pieces: &[(u32, u32, Option<u32>, Option<u32>)],
        keep: &[bool],
    ) -> RoadGraph {
        let mut new_id = vec![u32::MAX; points.len()];
        let mut kept_points = Vec::new();
        for (i, &k) in keep.iter().enumerate() {
            if k {
                new_id[i] = kept_points.len() as u32;
                kept_points.push(points[i]);
            }
        }
        let mut kept_edges = Vec::new();
        let mut segments = Vec::new();
        for &(a, b, fwd, bwd) in pieces {
            if !(keep[a as usize] && keep[b as usize]) {
                continue;
            }
            let mut carry = |e: Option<u32>| {
                e.map(|e| {
                    let old = edges[e as usize];
                    kept_edges.push(Edge {
                        from: new_id[old.from as usize],
                        to: new_id[old.to as usize],
                        ..old
                    });
                    (kept_edges.len() - 1) as u32
                })
            };
            let (forward, backward) = (carry(fwd), carry(bwd));
            segments.push(Segment {
                a: new_id[a as usize],
                b: new_id[b as usize],
                forward,
                backward,
            });
        }
        let n = kept_points.len();
        let (first_out, out) = adjacency(n, &kept_edges, |e| e.from);
        let (first_in, into) = adjacency(n, &kept_edges, |e| e.to);
        RoadGraph {
            mode,
            dropped_nodes: points.len() - n,
            points: kept_points,
            edges: kept_edges,
            first_out,
            out,
            first_in,
            into,
            segments,
        }
    }

    /// The mode the graph is for.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// Nodes.
    pub fn node_count(&self) -> usize {
        self.points.len()
    }

    /// A node's position.
    pub fn point(&self, node: u32) -> GeoPoint {
        self.points[node as usize]
    }

    /// The point a fraction `t` (0 at `a`, 1 at `b`) along `segment`.
    pub fn point_along(&self, segment: u32, t: f64) -> GeoPoint {
        let s = self.segments[segment as usize];
        let (pa, pb) = (self.point(s.a), self.point(s.b));
        GeoPoint::new(
            pa.lat() + (pb.lat() - pa.lat()) * t,
            pa.lng() + (pb.lng() - pa.lng()) * t,
        )
        .unwrap_or(pa)
    }

    /// Every directed edge.
    pub fn edges(&self) -> &[Edge] {
        &self.edges
    }

    /// Every segment.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Nodes left out for not being in the largest strongly connected part.
    pub fn dropped_nodes(&self) -> usize {
        self.dropped_nodes
    }

    /// The edges leaving `node`.
    pub fn out_edges(&self, node: u32) -> impl Iterator<Item = &Edge> {
        let (a, b) = (self.first_out[node as usize], self.first_out[node as usize + 1]);
        self.out[a as usize..b as usize]
            .iter()
            .map(|&e| &self.edges[e as usize])
    }

    /// The edges entering `node`.
    pub fn in_edges(&self, node: u32) -> impl Iterator<Item = &Edge> {
        let (a, b) = (self.first_in[node as usize], self.first_in[node as usize + 1]);
        self.into[a as usize..b as usize]
            .iter()
            .map(|&e| &self.edges[e as usize])
    }
}

/// Compressed adjacency: for each node, the edges whose `key` is it.
fn adjacency(n: usize, edges: &[Edge], key: impl Fn(&Edge) -> u32) -> (Vec<u32>, Vec<u32>) {
    let mut first = vec![0u32; n + 1];
    for e in edges {
        first[key(e) as usize + 1] += 1;
    }
    for i in 0..n {
        first[i + 1] += first[i];
    }
    let mut fill = first.clone();
    let mut list = vec![0u32; edges.len()];
    for (i, e) in edges.iter().enumerate() {
        let slot = &mut fill[key(e) as usize];
        list[*slot as usize] = i as u32;
        *slot += 1;
    }
    (first, list)
}
