//! The contraction hierarchy against a plain Dijkstra, and one-to-many
//! against one-to-one, on random street grids.

use courier_core::GeoPoint;
use courier_roads::{Mode, RawMap, RawWay, Router};
use proptest::prelude::*;

/// A `n` x `n` grid where each block is a street of a random kind, one-way
/// either way or two-way, or missing.
fn random_map(n: usize, kinds: &[u8]) -> RawMap {
    let mut map = RawMap::default();
    let id = |r: usize, c: usize| (r * 100 + c) as i64;
    for r in 0..n {
        for c in 0..n {
            map.nodes.insert(id(r, c), super::grid::at(r, c));
        }
    }
    let mut k = kinds.iter().cycle();
    let mut add = |a: i64, b: i64, kind: u8| {
        let (highway, oneway) = match kind % 6 {
            0 => return,
            1 => ("residential", "no"),
            2 => ("residential", "yes"),
            3 => ("primary", "-1"),
            4 => ("tertiary", "no"),
            _ => ("secondary", "yes"),
        };
        map.ways.push(RawWay {
            nodes: vec![a, b],
            tags: [("highway", highway), ("oneway", oneway)]
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        });
    };
    for r in 0..n {
        for c in 0..n {
            if c + 1 < n {
                add(id(r, c), id(r, c + 1), *k.next().unwrap_or(&1));
            }
            if r + 1 < n {
                add(id(r, c), id(r + 1, c), *k.next().unwrap_or(&1));
            }
        }
    }
    map
}

fn point(n: usize, x: f64, y: f64) -> GeoPoint {
    let corner = super::grid::at(0, 0);
    let far = super::grid::at(n - 1, n - 1);
    GeoPoint::new(
        corner.lat() + (far.lat() - corner.lat()) * x,
        corner.lng() + (far.lng() - corner.lng()) * y,
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn the_hierarchy_agrees_with_dijkstra(
        kinds in prop::collection::vec(0u8..6, 40..80),
        pairs in prop::collection::vec((0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64, 0.0..1.0f64), 1..12),
    ) {
        let n = 6;
        let Ok(router) = Router::from_map(&random_map(n, &kinds), Mode::Car) else {
            return Ok(());
        };
        let to: Vec<_> = pairs
            .iter()
            .map(|&(_, _, x, y)| router.snap_anywhere(point(n, x, y)).unwrap())
            .collect();
        for &(x, y, _, _) in &pairs {
            let from = router.snap_anywhere(point(n, x, y)).unwrap();
            let many = router.times_from(&from, &to);
            for (t, dijkstra) in to.iter().zip(&many) {
                let ch = router.time_ms(&from, t);
                prop_assert!(ch.is_some() && dijkstra.is_some(), "strongly connected: every pair reaches");
                // Rounding of the partial edges may differ by a millisecond.
                prop_assert!(ch.unwrap().abs_diff(dijkstra.unwrap()) <= 1, "{ch:?} vs {dijkstra:?}");
                let path = router.path(&from, t).unwrap();
                prop_assert_eq!(Some(path.time_ms), ch);
            }
            let back = router.times_to(&to, &from);
            for (t, b) in to.iter().zip(&back) {
                prop_assert!(router.time_ms(t, &from).unwrap().abs_diff(b.unwrap()) <= 1);
            }
        }
    }
}
