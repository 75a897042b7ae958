//! Travel times and paths on a road graph: a contraction hierarchy
//! (`fast_paths`) for one-to-one queries between any two snapped points,
//! and a plain Dijkstra for one-to-many and many-to-one (a batch round's
//! candidates), which settles each node once for all the targets.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::Path;

use courier_core::GeoPoint;
use fast_paths::{FastGraph, InputGraph, PathCalculator};
use thread_local::ThreadLocal;

use crate::error::RoadError;
use crate::graph::{RawMap, RoadGraph};
use crate::mode::Mode;
use crate::snap::{Snap, SnapIndex};

/// A street path between two snapped points.
#[derive(Debug, Clone, PartialEq)]
pub struct RoadPath {
    /// Travel time, milliseconds.
    pub time_ms: u64,
    /// Length, metres.
    pub length_m: f64,
    /// The points along it, from the start's snap to the end's.
    pub points: Vec<GeoPoint>,
}

/// A road network ready for queries (see the module's documentation).
pub struct Router {
    graph: RoadGraph,
    snaps: SnapIndex,
    fast: FastGraph,
    calculators: ThreadLocal<RefCell<PathCalculator>>,
    scratch: ThreadLocal<RefCell<Scratch>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Router")
            .field("mode", &self.graph.mode())
            .field("nodes", &self.graph.node_count())
            .field("edges", &self.graph.edges().len())
            .finish_non_exhaustive()
    }
}

/// Where a snapped point leaves to, or is entered from: a node and the
/// time between it and the point along the segment.
type Hop = (u32, u64);

impl Router {
    /// Reads the OpenStreetMap extract at `file` and builds its network
    /// for `mode`.
    ///
    /// # Errors
    /// The file is unreadable or has no street for the mode.
    pub fn from_pbf(file: &Path, mode: Mode) -> Result<Router, RoadError> {
        let map = crate::osm::read(file)?;
        Router::new(RoadGraph::build(&map, mode, &file.display().to_string())?)
    }

    /// Builds the network of an in-memory map for `mode`.
    ///
    /// # Errors
    /// The map has no street for the mode.
    pub fn from_map(map: &RawMap, mode: Mode) -> Result<Router, RoadError> {
        Router::new(RoadGraph::build(map, mode, "the map")?)
    }

    /// Prepares the queries of `graph`: the snapping index and the
    /// contraction hierarchy.
    ///
    /// # Errors
    /// None today; kept for graphs that cannot be prepared.
    pub fn new(graph: RoadGraph) -> Result<Router, RoadError> {
        let mut input = InputGraph::new();
        for e in graph.edges() {
            input.add_edge(e.from as usize, e.to as usize, e.time_ms as usize);
        }
        input.freeze();
        let fast = fast_paths::prepare(&input);
        Ok(Router {
            snaps: SnapIndex::new(&graph),
            graph,
            fast,
            calculators: ThreadLocal::new(),
            scratch: ThreadLocal::new(),
        })
    }

    /// The graph.
    pub fn graph(&self) -> &RoadGraph {
        &self.graph
    }

    /// `p` on its nearest street, refused beyond `limit_m`.
    ///
    /// # Errors
    /// The nearest street is farther than `limit_m`.
    pub fn snap(&self, p: GeoPoint, limit_m: f64) -> Result<Snap, RoadError> {
        let far = |distance_m| RoadError::FarFromStreets {
            lat: p.lat(),
            lng: p.lng(),
            distance_m,
            limit_m,
        };
        let s = self.snaps.snap(&self.graph, p).ok_or_else(|| far(f64::INFINITY))?;
        if s.distance_m > limit_m {
            return Err(far(s.distance_m));
        }
        Ok(s)
    }

    /// `p` on its nearest street, however far.
    pub fn snap_anywhere(&self, p: GeoPoint) -> Option<Snap> {
        self.snaps.snap(&self.graph, p)
    }

    /// The nodes a point on a segment can drive to, with the time to each.
    fn exits(&self, s: &Snap) -> Vec<Hop> {
        let seg = self.graph.segments()[s.segment as usize];
        let edges = self.graph.edges();
        let mut hops = Vec::with_capacity(2);
        if let Some(e) = seg.forward {
            hops.push((seg.b, part(edges[e as usize].time_ms, 1.0 - s.t)));
        }
        if let Some(e) = seg.backward {
            hops.push((seg.a, part(edges[e as usize].time_ms, s.t)));
        }
        hops
    }

    /// The nodes a point on a segment can be driven to from, with the time from each.
    fn entries(&self, s: &Snap) -> Vec<Hop> {
        let seg = self.graph.segments()[s.segment as usize];
        let edges = self.graph.edges();
        let mut hops = Vec::with_capacity(2);
        if let Some(e) = seg.forward {
            hops.push((seg.a, part(edges[e as usize].time_ms, s.t)));
        }
        if let Some(e) = seg.backward {
            hops.push((seg.b, part(edges[e as usize].time_ms, 1.0 - s.t)));
        }
        hops
    }

    /// Time along the segment itself when both points are on it and the
    /// street runs from one to the other.
    fn along(&self, from: &Snap, to: &Snap) -> Option<u64> {
        if from.segment != to.segment {
            return None;
        }
        let seg = self.graph.segments()[from.segment as usize];
        let edges = self.graph.edges();
        let fwd = seg
            .forward
            .filter(|_| to.t >= from.t)
            .map(|e| part(edges[e as usize].time_ms, to.t - from.t));
        let bwd = seg
            .backward
            .filter(|_| to.t <= from.t)
            .map(|e| part(edges[e as usize].time_ms, from.t - to.t));
        fwd.into_iter().chain(bwd).min()
    }

    /// The fastest time from one snapped point to another, milliseconds.
    /// Every pair is connected (the graph is strongly connected), so none
    /// only for a point on no segment of this graph.
    pub fn time_ms(&self, from: &Snap, to: &Snap) -> Option<u64> {
        self.query(from, to).map(|(t, _)| t)
    }

    /// The contraction-hierarchy query, with its node path.
    fn query(&self, from: &Snap, to: &Snap) -> Option<(u64, Vec<usize>)> {
        let direct = self.along(from, to);
        let starts: Vec<(usize, usize)> = self
            .exits(from)
            .iter()
            .map(|&(n, w)| (n as usize, w as usize))
            .collect();
        let ends: Vec<(usize, usize)> = self
            .entries(to)
            .iter()
            .map(|&(n, w)| (n as usize, w as usize))
            .collect();
        if starts.is_empty() || ends.is_empty() {
            return direct.map(|t| (t, Vec::new()));
        }
        let cell = self
            .calculators
            .get_or(|| RefCell::new(fast_paths::create_calculator(&self.fast)));
        let found = cell
            .borrow_mut()
            .calc_path_multiple_sources_and_targets(&self.fast, starts, ends);
        let via = found.map(|p| (p.get_weight() as u64, p.get_nodes().clone()));
        match (direct, via) {
            (Some(d), Some((v, nodes))) if v < d => Some((v, nodes)),
            (Some(d), _) => Some((d, Vec::new())),
            (None, via) => via,
        }
    }

    /// The fastest path from one snapped point to another.
    pub fn path(&self, from: &Snap, to: &Snap) -> Option<RoadPath> {
        let (time_ms, nodes) = self.query(from, to)?;
        let mut points = Vec::with_capacity(nodes.len() + 2);
        points.push(from.point);
        points.extend(nodes.iter().map(|&n| self.graph.point(n as u32)));
        points.push(to.point);
        let length_m = points.windows(2).map(|w| w[0].distance_m(w[1])).sum();
        Some(RoadPath {
            time_ms,
            length_m,
            points,
        })
    }

    /// The fastest times from `from` to each of `to` (one Dijkstra,
    /// stopped once every target is settled).
    pub fn times_from(&self, from: &Snap, to: &[Snap]) -> Vec<Option<u64>> {
        let targets: Vec<Vec<Hop>> = to.iter().map(|t| self.entries(t)).collect();
        let via = self.search(&self.exits(from), &targets, true);
        to.iter()
            .zip(via)
            .map(|(t, via)| via.into_iter().chain(self.along(from, t)).min())
            .collect()
    }

    /// The fastest times from each of `from` to `to` (one Dijkstra
    /// backwards from `to`).
    pub fn times_to(&self, from: &[Snap], to: &Snap) -> Vec<Option<u64>> {
        let sources: Vec<Vec<Hop>> = from.iter().map(|f| self.exits(f)).collect();
        let via = self.search(&self.entries(to), &sources, false);
        from.iter()
            .zip(via)
            .map(|(f, via)| via.into_iter().chain(self.along(f, to)).min())
            .collect()
    }

    /// A Dijkstra from the `starts` over the graph (forward) or its
    /// reverse, until every node of `wanted` is settled; for each entry of
    /// `wanted`, its best node's time plus the hop's.
    fn search(&self, starts: &[Hop], wanted: &[Vec<Hop>], forward: bool) -> Vec<Option<u64>> {
        let cell = self
            .scratch
            .get_or(|| RefCell::new(Scratch::new(self.graph.node_count())));
        let mut scratch = cell.borrow_mut();
        let Scratch {
            dist,
            state,
            touched,
            heap,
        } = &mut *scratch;
        let mut remaining = 0usize;
        let touch = |v: u32, touched: &mut Vec<u32>, state: &mut [u8]| {
            if state[v as usize] == 0 {
                touched.push(v);
            }
        };
        for &(node, _) in wanted.iter().flatten() {
            touch(node, touched, state);
            if state[node as usize] & WANTED == 0 {
                state[node as usize] |= WANTED;
                remaining += 1;
            }
        }
        for &(node, w) in starts {
            touch(node, touched, state);
            if w < dist[node as usize] {
                dist[node as usize] = w;
                state[node as usize] |= REACHED;
                heap.push(Reverse((w, node)));
            }
        }
        while remaining > 0
            && let Some(Reverse((d, v))) = heap.pop()
        {
            if state[v as usize] & DONE != 0 {
                continue;
            }
            state[v as usize] |= DONE;
            if state[v as usize] & WANTED != 0 {
                remaining -= 1;
            }
            let mut relax = |w: u32, cost: u32| {
                let nd = d + u64::from(cost);
                if nd < dist[w as usize] {
                    if state[w as usize] == 0 {
                        touched.push(w);
                    }
                    dist[w as usize] = nd;
                    state[w as usize] |= REACHED;
                    heap.push(Reverse((nd, w)));
                }
            };
            if forward {
                for e in self.graph.out_edges(v) {
                    relax(e.to, e.time_ms);
                }
            } else {
                for e in self.graph.in_edges(v) {
                    relax(e.from, e.time_ms);
                }
            }
        }
        let answers = wanted
            .iter()
            .map(|hops| {
                hops.iter()
                    .filter(|&&(n, _)| state[n as usize] & DONE != 0)
                    .map(|&(n, w)| dist[n as usize] + w)
                    .min()
            })
            .collect();
        // Leave the buffers clean for the next search, touching only what
        // this one touched.
        for &v in touched.iter() {
            dist[v as usize] = u64::MAX;
            state[v as usize] = 0;
        }
        touched.clear();
        heap.clear();
        answers
    }
}

/// A node is wanted by the search, has a tentative time, or is settled.
const WANTED: u8 = 1;
const REACHED: u8 = 2;
const DONE: u8 = 4;

/// One thread's buffers for [`Router::search`], sized to the graph once.
struct Scratch {
    dist: Vec<u64>,
    state: Vec<u8>,
    touched: Vec<u32>,
    heap: BinaryHeap<Reverse<(u64, u32)>>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            dist: vec![u64::MAX; n],
            state: vec![0; n],
            touched: Vec::new(),
            heap: BinaryHeap::new(),
        }
    }
}

/// `share` of an edge's time, rounded to the millisecond.
fn part(time_ms: u32, share: f64) -> u64 {
    (f64::from(time_ms) * share.clamp(0.0, 1.0)).round() as u64
}
