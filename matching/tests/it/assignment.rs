//! The assignment solver against exhaustive search, and its refusals.

use courier_matching::{AssignmentError, CandidateGraph, assign};
use proptest::prelude::*;

/// The cheapest total over every way of giving each row one of its
/// candidates or nothing, columns used at most once.
fn brute_force(rows: &[Vec<(u32, i64)>], unassigned: i64) -> i64 {
    fn go(rows: &[Vec<(u32, i64)>], i: usize, used: &mut Vec<u32>, unassigned: i64) -> i64 {
        let Some(row) = rows.get(i) else { return 0 };
        let mut best = unassigned + go(rows, i + 1, used, unassigned);
        for &(c, cost) in row {
            if !used.contains(&c) {
                used.push(c);
                best = best.min(cost + go(rows, i + 1, used, unassigned));
                used.pop();
            }
        }
        best
    }
    go(rows, 0, &mut Vec::new(), unassigned)
}

fn instance() -> impl Strategy<Value = (u32, Vec<Vec<(u32, i64)>>, i64)> {
    (1u32..7).prop_flat_map(|cols| {
        let row = prop::collection::vec((0..cols, 0i64..100), 0..5);
        (Just(cols), prop::collection::vec(row, 0..7), 0i64..160)
    })
}

proptest! {
    #![proptest_config(crate::cases(1_000))]

    /// On small random instances (duplicates, empty rows, more rows than
    /// columns, costs above the unassigned cost) the solver's total is the
    /// exhaustive optimum, and its assignment is valid and costs what it says.
    #[test]
    fn matches_the_brute_force_optimum((cols, rows, unassigned) in instance()) {
        let mut g = CandidateGraph::new(cols);
        for r in &rows {
            g.add_row(r.iter().copied()).unwrap();
        }
        let a = assign(&g, unassigned).unwrap();
        prop_assert_eq!(a.total_cost, brute_force(&rows, unassigned));
        let mut used = std::collections::BTreeSet::new();
        let mut recomputed = 0;
        for (r, c) in a.row_to_col.iter().enumerate() {
            match c {
                Some(c) => {
                    prop_assert!(used.insert(*c), "column {} used twice", c);
                    let cost = rows[r].iter().filter(|e| e.0 == *c).map(|e| e.1).min();
                    prop_assert!(cost.is_some(), "row {} given a column it does not list", r);
                    recomputed += cost.unwrap_or(0);
                }
                None => recomputed += unassigned,
            }
        }
        prop_assert_eq!(recomputed, a.total_cost);
        prop_assert_eq!(a.unassigned, a.row_to_col.iter().filter(|c| c.is_none()).count());
    }
}

#[test]
fn bad_edges_are_refused_and_change_nothing() {
    let mut g = CandidateGraph::new(2);
    g.add_row([(0, 5)]).unwrap();
    assert_eq!(
        g.add_row([(1, 3), (0, -1)]),
        Err(AssignmentError::NegativeCost {
            row: 1,
            col: 0,
            cost: -1
        })
    );
    assert_eq!(
        g.add_row([(2, 3)]),
        Err(AssignmentError::ColumnOutOfRange {
            row: 1,
            col: 2,
            cols: 2
        })
    );
    assert!(matches!(
        g.add_row([(1, 1 << 50)]),
        Err(AssignmentError::CostTooLarge { .. })
    ));
    assert_eq!((g.rows(), g.edges()), (1, 1));
    assert_eq!(assign(&g, 10).unwrap().row_to_col, vec![Some(0)]);
    assert!(assign(&g, -1).is_err());
}

#[test]
fn leaving_an_order_is_chosen_when_cheaper() {
    let mut g = CandidateGraph::new(1);
    g.add_row([(0, 50)]).unwrap();
    g.add_row([(0, 10)]).unwrap();
    let a = assign(&g, 30).unwrap();
    assert_eq!(a.row_to_col, vec![None, Some(0)]);
    assert_eq!((a.total_cost, a.unassigned), (40, 1));
}
