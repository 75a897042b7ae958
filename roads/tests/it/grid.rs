//! Small synthetic networks whose right answers are known by hand: a grid
//! of 100 m blocks with a one-way street, and a river crossed by one bridge.

use courier_core::GeoPoint;
use courier_roads::{Mode, RawMap, RawWay, RoadError, Router};

/// Degrees of latitude and longitude for 100 m at 60.17 N.
const DLAT: f64 = 100.0 / 111_195.08;
fn dlng() -> f64 {
    DLAT / 60.17_f64.to_radians().cos()
}

pub(crate) fn at(r: usize, c: usize) -> GeoPoint {
    GeoPoint::new(60.17 + r as f64 * DLAT, 24.94 + c as f64 * dlng()).unwrap()
}

fn id(r: usize, c: usize) -> i64 {
    (r * 100 + c) as i64
}

fn way(nodes: Vec<i64>, tags: &[(&str, &str)]) -> RawWay {
    RawWay {
        nodes,
        tags: tags.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
    }
}

/// A `rows` x `cols` grid of residential streets; `cut(r)` leaves out the
/// vertical streets between rows `r` and `r + 1` but at the columns
/// `bridges`; row 0 may be one-way eastward with extra tags.
pub(crate) fn grid(rows: usize, cols: usize, river: Option<(usize, &[usize])>, row0: &[(&str, &str)]) -> RawMap {
    let mut map = RawMap::default();
    for r in 0..rows {
        for c in 0..cols {
            map.nodes.insert(id(r, c), at(r, c));
        }
    }
    for r in 0..rows {
        let tags: Vec<(&str, &str)> = if r == 0 {
            [("highway", "residential")].iter().chain(row0).copied().collect()
        } else {
            vec![("highway", "residential")]
        };
        map.ways.push(way((0..cols).map(|c| id(r, c)).collect(), &tags));
    }
    for c in 0..cols {
        for r in 0..rows - 1 {
            if let Some((cut, bridges)) = river
                && r == cut
                && !bridges.contains(&c)
            {
                continue;
            }
            map.ways
                .push(way(vec![id(r, c), id(r + 1, c)], &[("highway", "residential")]));
        }
    }
    map
}

fn seconds(router: &Router, from: GeoPoint, to: GeoPoint) -> f64 {
    let (a, b) = (router.snap(from, 10.0).unwrap(), router.snap(to, 10.0).unwrap());
    router.time_ms(&a, &b).unwrap() as f64 / 1_000.0
}

#[test]
fn the_river_is_crossed_only_at_its_bridge() {
    // Rows 0-1 north of the river, 2-3 south; one bridge at column 3.
    let map = grid(4, 4, Some((1, &[3])), &[]);
    let router = Router::from_map(&map, Mode::Bicycle).unwrap();
    // (1,0) -> (2,0): east 3 blocks, over the bridge, west 3: 700 m at 5 m/s.
    assert!((seconds(&router, at(1, 0), at(2, 0)) - 140.0).abs() < 0.5);
    let path = router
        .path(
            &router.snap(at(1, 0), 10.0).unwrap(),
            &router.snap(at(2, 0), 10.0).unwrap(),
        )
        .unwrap();
    assert!((path.length_m - 700.0).abs() < 1.0, "{}", path.length_m);
    assert!(
        path.points.iter().any(|p| p.distance_m(at(1, 3)) < 1.0),
        "over the bridge"
    );
    // A second bridge at column 0 makes it one block.
    let router = Router::from_map(&grid(4, 4, Some((1, &[0, 3])), &[]), Mode::Bicycle).unwrap();
    assert!((seconds(&router, at(1, 0), at(2, 0)) - 20.0).abs() < 0.5);
}

#[test]
fn a_one_way_street_is_driven_one_way_and_cycled_both_with_contraflow() {
    let oneway = grid(2, 4, None, &[("oneway", "yes")]);
    let car = Router::from_map(&oneway, Mode::Car).unwrap();
    // With the street: 300 m at 30 km/h.
    assert!((seconds(&car, at(0, 0), at(0, 3)) - 36.0).abs() < 0.5);
    // Against it: round the block, 500 m.
    assert!((seconds(&car, at(0, 3), at(0, 0)) - 60.0).abs() < 0.5);
    let contraflow = grid(2, 4, None, &[("oneway", "yes"), ("oneway:bicycle", "no")]);
    let bike = Router::from_map(&contraflow, Mode::Bicycle).unwrap();
    assert!(
        (seconds(&bike, at(0, 3), at(0, 0)) - 60.0).abs() < 0.5,
        "300 m at 18 km/h"
    );
    let bike_no_contraflow = Router::from_map(&oneway, Mode::Bicycle).unwrap();
    assert!((seconds(&bike_no_contraflow, at(0, 3), at(0, 0)) - 100.0).abs() < 0.5);
}

#[test]
fn points_snap_to_the_nearest_street_and_far_ones_are_refused() {
    let router = Router::from_map(&grid(3, 3, None, &[]), Mode::Car).unwrap();
    // 20 m north of the middle of the block (0,0)-(0,1): inside the grid,
    // 20 m from row 0 and 80 m from row 1.
    let p = GeoPoint::new(60.17 + 0.2 * DLAT, 24.94 + 0.5 * dlng()).unwrap();
    let s = router.snap(p, 50.0).unwrap();
    assert!((s.distance_m - 20.0).abs() < 0.5, "{}", s.distance_m);
    assert!((s.t - 0.5).abs() < 0.01 && s.point.distance_m(at(0, 0)) > 49.0);
    let far = GeoPoint::new(60.20, 24.94).unwrap();
    let e = router.snap(far, 500.0).unwrap_err();
    assert!(matches!(e, RoadError::FarFromStreets { .. }));
    assert!(e.to_string().contains("from the nearest street (at most 500 m)"), "{e}");
    // Between two points of one block, along it.
    let a = router.snap(at(0, 0), 1.0).unwrap();
    let b = router.snap(p, 50.0).unwrap();
    assert!(
        (router.time_ms(&a, &b).unwrap() as f64 / 1000.0 - 6.0).abs() < 0.1,
        "50 m at 30 km/h"
    );
}

#[test]
fn a_map_without_streets_or_a_bad_file_is_named() {
    let mut map = grid(2, 2, None, &[]);
    for w in &mut map.ways {
        w.tags.insert("highway".into(), "footway".into());
    }
    let e = Router::from_map(&map, Mode::Car).unwrap_err();
    assert_eq!(e.to_string(), "the map: no street a car may use");
    let dir = std::env::temp_dir().join(format!("courier-roads-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("streets.osm.pbf");
    std::fs::write(&text, "<osm>not a pbf</osm>").unwrap();
    let empty = dir.join("empty.osm.pbf");
    std::fs::write(&empty, "").unwrap();
    for (file, needle) in [
        (text.clone(), "not a readable OpenStreetMap PBF extract"),
        (empty.clone(), "the file is empty"),
        (dir.join("missing.osm.pbf"), "not a readable"),
    ] {
        let e = Router::from_pbf(&file, Mode::Bicycle).unwrap_err();
        assert!(e.to_string().contains(needle), "{e}");
        assert!(e.to_string().contains(&file.display().to_string()), "{e}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
