//! Exact minimum-cost assignment on a sparse candidate graph.
//!
//! Rows are orders, columns couriers; each row lists its candidate columns
//! with an integer cost. Every row is either matched to one of its candidates
//! (each column at most once) or left unassigned at a fixed cost, and the
//! total is the minimum possible: not greedy, not approximate.
//!
//! The solver is successive shortest augmenting paths (the sparse
//! Jonker-Volgenant family): one Dijkstra search per row over reduced costs,
//! stopped at the first free column, with dual potentials keeping every
//! reduced cost non-negative. When couriers outnumber orders most searches
//! end after a step or two, which is what makes 5,000 x 20,000 cheap.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// A cost the graph cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AssignmentError {
    /// Costs are non-negative integers.
    #[error("row {row}: cost {cost} for column {col} is negative")]
    NegativeCost {
        /// The row being added.
        row: usize,
        /// The column.
        col: u32,
        /// The cost given.
        cost: i64,
    },
    /// A candidate column outside the graph.
    #[error("row {row}: column {col} is outside the graph's {cols} columns")]
    ColumnOutOfRange {
        /// The row being added.
        row: usize,
        /// The column given.
        col: u32,
        /// Columns in the graph.
        cols: u32,
    },
    /// Costs so large that sums along a path could overflow.
    #[error("row {row}: cost {cost} exceeds the maximum {max}")]
    CostTooLarge {
        /// The row being added.
        row: usize,
        /// The cost given.
        cost: i64,
        /// The largest accepted cost.
        max: i64,
    },
}

/// The largest cost an edge or the unassigned option may have: paths sum a
/// few thousand costs at most, far from overflowing `i64`.
pub const MAX_COST: i64 = 1 << 40;

/// Rows with their candidate columns and costs, in compressed rows.
///
/// ```
/// use courier_matching::{CandidateGraph, assign};
/// let mut g = CandidateGraph::new(3);
/// g.add_row([(0, 10), (1, 3)])?;   // order 0: courier 1 is cheaper
/// g.add_row([(1, 4), (2, 20)])?;   // order 1 would like courier 1 too
/// let a = assign(&g, 1_000)?;
/// // Giving courier 1 to order 0 would cost 3 + 20; to order 1, 10 + 4.
/// assert_eq!(a.row_to_col, vec![Some(0), Some(1)]);
/// assert_eq!(a.total_cost, 14);
/// # Ok::<(), courier_matching::AssignmentError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct CandidateGraph {
    cols: u32,
    starts: Vec<usize>,
    edges: Vec<(u32, i64)>,
}

impl CandidateGraph {
    /// An empty graph over `cols` columns.
    pub fn new(cols: u32) -> CandidateGraph {
        CandidateGraph {
            cols,
            starts: vec![0],
            edges: Vec::new(),
        }
    }

    /// Columns in the graph.
    pub fn cols(&self) -> u32 {
        self.cols
    }

    /// Rows added so far.
    pub fn rows(&self) -> usize {
        self.starts.len() - 1
    }

    /// Candidate edges in all.
    pub fn edges(&self) -> usize {
        self.edges.len()
    }

    /// Adds a row with its candidates; returns its index. A refused row adds nothing.
    pub fn add_row(&mut self, candidates: impl IntoIterator<Item = (u32, i64)>) -> Result<usize, AssignmentError> {
        let row = self.rows();
        let before = self.edges.len();
        for (col, cost) in candidates {
            let err = if cost < 0 {
                Some(AssignmentError::NegativeCost { row, col, cost })
            } else if cost > MAX_COST {
                Some(AssignmentError::CostTooLarge {
                    row,
                    cost,
                    max: MAX_COST,
                })
            } else if col >= self.cols {
                Some(AssignmentError::ColumnOutOfRange {
                    row,
                    col,
                    cols: self.cols,
                })
            } else {
                None
            };
            if let Some(e) = err {
                self.edges.truncate(before);
                return Err(e);
            }
            self.edges.push((col, cost));
        }
        self.starts.push(self.edges.len());
        Ok(row)
    }

    /// The candidates of `row`.
    pub fn row(&self, row: usize) -> &[(u32, i64)] {
        match (self.starts.get(row), self.starts.get(row + 1)) {
            (Some(&a), Some(&b)) => self.edges.get(a..b).unwrap_or_default(),
            _ => &[],
        }
    }
}

/// The solver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// Each row's column, or None if it is left unassigned.
    pub row_to_col: Vec<Option<u32>>,
    /// Sum of the chosen edges' costs plus the unassigned cost per unassigned row.
    pub total_cost: i64,
    /// Rows left unassigned.
    pub unassigned: usize,
}

const FREE: u32 = u32::MAX;

/// The minimum-cost assignment of `graph`, leaving a row unassigned at
/// `unassigned_cost` (a row is never matched at a higher cost than that).
pub fn assign(graph: &CandidateGraph, unassigned_cost: i64) -> Result<Assignment, AssignmentError> {
    if !(0..=MAX_COST).contains(&unassigned_cost) {
        return Err(AssignmentError::CostTooLarge {
            row: 0,
            cost: unassigned_cost,
            max: MAX_COST,
        });
    }
    solve(graph, |_| unassigned_cost)
}

/// As [`assign`], with each row's own cost of being left unassigned
/// (`unassigned[r]` for row `r`; a row without one is left at
/// [`MAX_COST`]): rows that matter more are served first when columns are
/// short.
///
/// ```
/// use courier_matching::{CandidateGraph, assign_leaving};
/// let mut g = CandidateGraph::new(1);
/// g.add_row([(0, 10)])?;   // a fresh order, near the one courier
/// g.add_row([(0, 30)])?;   // an old one, further away
/// // Leaving the old order costs more than the extra 20 of serving it.
/// let a = assign_leaving(&g, &[100, 200])?;
/// assert_eq!(a.row_to_col, vec![None, Some(0)]);
/// assert_eq!(a.total_cost, 130);
/// # Ok::<(), courier_matching::AssignmentError>(())
/// ```
///
/// # Errors
/// An unassigned cost that is negative or above [`MAX_COST`].
pub fn assign_leaving(graph: &CandidateGraph, unassigned: &[i64]) -> Result<Assignment, AssignmentError> {
    if let Some((row, &cost)) = unassigned
        .iter()
        .enumerate()
        .find(|(_, c)| !(0..=MAX_COST).contains(*c))
    {
        return Err(AssignmentError::CostTooLarge {
            row,
            cost,
            max: MAX_COST,
        });
    }
    solve(graph, |r| unassigned.get(r).copied().unwrap_or(MAX_COST))
}

fn solve(graph: &CandidateGraph, unassigned_cost: impl Fn(usize) -> i64) -> Result<Assignment, AssignmentError> {
    let rows = graph.rows();
    let real = graph.cols as usize;
    // Column `real + r` is row r's private "unassigned" column.
    let cols = real + rows;
    let mut solver = Solver {
        graph,
        unassigned: (0..rows).map(&unassigned_cost).collect(),
        real,
        u: vec![0; rows],
        v: vec![0; cols],
        col_owner: vec![FREE; cols],
        row_col: vec![FREE; rows],
        dist: vec![0; cols],
        pred: vec![0; cols],
        seen: vec![u32::MAX; cols],
        done: vec![u32::MAX; cols],
        finalized: Vec::new(),
        heap: BinaryHeap::new(),
    };
    for r in 0..rows {
        solver.augment_from(r as u32);
    }
    let mut total = 0i64;
    let mut unassigned = 0;
    let row_to_col = (0..rows)
        .map(|r| {
            let c = solver.row_col[r];
            if (c as usize) < real {
                total += graph.row(r).iter().filter(|e| e.0 == c).map(|e| e.1).min().unwrap_or(0);
                Some(c)
            } else {
                total += unassigned_cost(r);
                unassigned += 1;
                None
            }
        })
        .collect();
    Ok(Assignment {
        row_to_col,
        total_cost: total,
        unassigned,
    })
}

struct Solver<'g> {
    graph: &'g CandidateGraph,
    /// Each row's cost of being left unassigned.
    unassigned: Vec<i64>,
    real: usize,
    /// Row and column potentials: every reduced cost c - u - v stays >= 0,
    /// and is 0 on matched edges.
    u: Vec<i64>,
    v: Vec<i64>,
    col_owner: Vec<u32>,
    row_col: Vec<u32>,
    /// Per search: tentative distance and the row a column was reached from,
    /// valid where `seen` holds the search's stamp (no clearing between searches).
    dist: Vec<i64>,
    pred: Vec<u32>,
    seen: Vec<u32>,
    done: Vec<u32>,
    finalized: Vec<(u32, i64)>,
    heap: BinaryHeap<Reverse<(i64, u32)>>,
}

impl Solver<'_> {
    /// Relaxes every edge of `row` from a search distance of `base`.
    fn relax_row(&mut self, stamp: u32, row: u32, base: i64) {
        let dummy = (
            self.real + row as usize,
            self.unassigned.get(row as usize).copied().unwrap_or(MAX_COST),
        );
        let ur = self.u[row as usize];
        for &(c, cost) in self
            .graph
            .row(row as usize)
            .iter()
            .chain(std::iter::once(&(dummy.0 as u32, dummy.1)))
        {
            let c = c as usize;
            if self.done[c] == stamp {
                continue;
            }
            let d = base + cost - ur - self.v[c];
            if self.seen[c] != stamp || d < self.dist[c] {
                self.seen[c] = stamp;
                self.dist[c] = d;
                self.pred[c] = row;
                self.heap.push(Reverse((d, c as u32)));
            }
        }
    }

    fn augment_from(&mut self, root: u32) {
        let stamp = root;
        self.heap.clear();
        self.finalized.clear();
        self.relax_row(stamp, root, 0);
        let (sink, total) = loop {
            let Some(Reverse((d, c))) = self.heap.pop() else {
                // Unreachable: the root's own unassigned column is always free.
                return;
            };
            let ci = c as usize;
            if self.done[ci] == stamp || d > self.dist[ci] {
                continue;
            }
            self.done[ci] = stamp;
            let owner = self.col_owner[ci];
            if owner == FREE {
                break (c, d);
            }
            self.finalized.push((c, d));
            self.relax_row(stamp, owner, d);
        };
        // Dual update: shift potentials so the path found becomes tight and
        // every reduced cost stays non-negative.
        for &(c, d) in &self.finalized {
            let shift = total - d;
            self.v[c as usize] -= shift;
            let owner = self.col_owner[c as usize] as usize;
            self.u[owner] += shift;
        }
        self.u[root as usize] += total;
        // Flip the path: each row on it takes the column it reached.
        let mut c = sink;
        loop {
            let r = self.pred[c as usize];
            let previous = self.row_col[r as usize];
            self.row_col[r as usize] = c;
            self.col_owner[c as usize] = r;
            if r == root {
                break;
            }
            c = previous;
        }
    }
}
