//! The geo index against a brute-force scan, on cities, across pentagons and
//! the antimeridian, through random update sequences.

use courier_core::{CourierId, GeoPoint, Place};
use courier_matching::{GeoIndex, MAX_ROOM, Nearby};
use geo::{Distance, Haversine, Point};
use h3o::{CellIndex, LatLng, Resolution};
use proptest::prelude::*;

/// The reference: every available courier, distances from `geo`'s haversine,
/// sorted by (distance, id), within the radius, first k.
fn brute_force(couriers: &[(CourierId, GeoPoint, bool)], from: GeoPoint, radius_m: f64, k: usize) -> Vec<(u64, f64)> {
    let origin = Point::new(from.lng(), from.lat());
    let mut all: Vec<(u64, f64)> = couriers
        .iter()
        .filter(|c| c.2)
        .map(|(id, p, _)| (id.get(), Haversine.distance(origin, Point::new(p.lng(), p.lat()))))
        .filter(|(_, d)| *d <= radius_m)
        .collect();
    all.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
    all.truncate(k);
    all
}

fn same(found: &[Nearby], reference: &[(u64, f64)]) -> Result<(), TestCaseError> {
    let ids: Vec<u64> = found.iter().map(|n| n.courier.get()).collect();
    let ref_ids: Vec<u64> = reference.iter().map(|r| r.0).collect();
    // Distances agree to the millimetre; ids may differ only between couriers
    // at the same distance (to within rounding of the two formulas).
    prop_assert_eq!(found.len(), reference.len(), "ids {:?} vs {:?}", ids, ref_ids);
    for (n, r) in found.iter().zip(reference) {
        prop_assert!(
            (n.distance_m - r.1).abs() < 1e-3,
            "{} vs {}: {:?} vs {:?}",
            n.distance_m,
            r.1,
            ids,
            ref_ids
        );
    }
    Ok(())
}

/// Points scattered within `spread_m` of `centre`.
fn scatter(centre: GeoPoint, spread_m: f64, n: std::ops::Range<usize>) -> impl Strategy<Value = Vec<(GeoPoint, bool)>> {
    prop::collection::vec((-spread_m..spread_m, -spread_m..spread_m, prop::bool::weighted(0.8)), n).prop_map(move |v| {
        v.into_iter()
            .map(|(n, e, a)| (centre.offset_m(n, e).unwrap(), a))
            .collect()
    })
}

fn pentagon_centre() -> GeoPoint {
    // A resolution-9 pentagon: the index must see round its five neighbours.
    let base = CellIndex::base_cells().find(|c| c.is_pentagon()).unwrap();
    let ll = LatLng::from(base.center_child(Resolution::Nine).unwrap());
    GeoPoint::new(ll.lat(), ll.lng()).unwrap()
}

fn check(
    centre: GeoPoint,
    points: &[(GeoPoint, bool)],
    query: (f64, f64),
    radius_m: f64,
    k: usize,
) -> Result<(), TestCaseError> {
    let mut index = GeoIndex::default();
    let mut couriers = Vec::new();
    for (i, &(p, available)) in points.iter().enumerate() {
        let id = CourierId::new(i as u64);
        index.upsert(id, p);
        index.set_available(id, available);
        couriers.push((id, p, available));
    }
    let from = centre.offset_m(query.0, query.1).unwrap();
    same(
        &index.nearest(from, radius_m, k),
        &brute_force(&couriers, from, radius_m, k),
    )
}

proptest! {
    #![proptest_config(crate::cases(256))]

    #[test]
    fn nearest_equals_a_linear_scan_in_a_city(
        points in scatter(GeoPoint::new(40.75, -73.99).unwrap(), 6_000.0, 0..300),
        query in (-6_000.0f64..6_000.0, -6_000.0f64..6_000.0),
        radius_m in 0.0f64..5_000.0,
        k in 0usize..30,
    ) {
        check(GeoPoint::new(40.75, -73.99).unwrap(), &points, query, radius_m, k)?;
    }

    /// Dense enough that a query first searches only as far as its k
    /// nearest likely are, and sometimes finds too few there.
    #[test]
    fn nearest_equals_a_linear_scan_in_a_dense_cluster(
        points in scatter(GeoPoint::new(40.75, -73.99).unwrap(), 700.0, 100..500),
        query in (-1_500.0f64..1_500.0, -1_500.0f64..1_500.0),
        radius_m in 0.0f64..3_000.0,
        k in 1usize..60,
    ) {
        check(GeoPoint::new(40.75, -73.99).unwrap(), &points, query, radius_m, k)?;
    }

    #[test]
    fn nearest_equals_a_linear_scan_around_a_pentagon(
        points in scatter(pentagon_centre(), 2_000.0, 0..200),
        query in (-1_000.0f64..1_000.0, -1_000.0f64..1_000.0),
        radius_m in 0.0f64..3_000.0,
        k in 1usize..25,
    ) {
        check(pentagon_centre(), &points, query, radius_m, k)?;
    }

    #[test]
    fn nearest_equals_a_linear_scan_across_the_antimeridian(
        points in scatter(GeoPoint::new(-16.5, 179.99).unwrap(), 3_000.0, 0..200),
        query in (-2_000.0f64..2_000.0, -2_000.0f64..2_000.0),
        radius_m in 0.0f64..4_000.0,
        k in 1usize..25,
    ) {
        check(GeoPoint::new(-16.5, 179.99).unwrap(), &points, query, radius_m, k)?;
    }

    /// Random moves (small and large), removals and availability changes: the
    /// index always answers like a scan of the couriers' latest state.
    #[test]
    fn updates_keep_the_index_exact(
        ops in prop::collection::vec((0u64..40, 0u8..10, -3_000.0f64..3_000.0, -3_000.0f64..3_000.0), 1..300),
        query in (-2_000.0f64..2_000.0, -2_000.0f64..2_000.0),
    ) {
        let centre = GeoPoint::new(51.5, -0.12).unwrap();
        let mut index = GeoIndex::default();
        let mut truth: std::collections::BTreeMap<u64, (GeoPoint, bool)> = Default::default();
        for (id, op, n, e) in ops {
            let courier = CourierId::new(id);
            match op {
                0 => { prop_assert_eq!(index.remove(courier), truth.remove(&id).is_some()); }
                1 => {
                    let known = truth.get_mut(&id).map(|t| { t.1 = !t.1; t.1 });
                    if let Some(a) = known { prop_assert!(index.set_available(courier, a)); }
                    else { prop_assert!(!index.set_available(courier, true)); }
                }
                2..=5 => {
                    // a small step from where the courier is
                    let from = truth.get(&id).map_or(centre, |t| t.0);
                    let p = from.offset_m(n / 100.0, e / 100.0).unwrap();
                    index.upsert(courier, p);
                    truth.entry(id).and_modify(|t| t.0 = p).or_insert((p, true));
                }
                _ => {
                    let p = centre.offset_m(n, e).unwrap();
                    index.upsert(courier, p);
                    truth.entry(id).and_modify(|t| t.0 = p).or_insert((p, true));
                }
            }
        }
        prop_assert_eq!(index.len(), truth.len());
        for (id, (p, a)) in &truth {
            let (at, available) = index.get(CourierId::new(*id)).unwrap();
            prop_assert_eq!(at.point(), *p);
            prop_assert_eq!(available, *a);
            let ll = LatLng::new(p.lat(), p.lng()).unwrap();
            prop_assert_eq!(at.cell(), ll.to_cell(index.resolution()), "courier {} filed in the wrong cell", id);
        }
        let couriers: Vec<_> = truth.iter().map(|(id, (p, a))| (CourierId::new(*id), *p, *a)).collect();
        let from = centre.offset_m(query.0, query.1).unwrap();
        same(&index.nearest(from, 2_500.0, 10), &brute_force(&couriers, from, 2_500.0, 10))?;
    }

    /// Room levels through moves, removals and changes: a query for room
    /// for n orders answers like a scan of the couriers with at least n.
    #[test]
    fn room_queries_equal_a_linear_scan(
        ops in prop::collection::vec((0u64..60, 0u8..8, -3_000.0f64..3_000.0, -3_000.0f64..3_000.0, 0u8..5), 1..300),
        query in (-2_000.0f64..2_000.0, -2_000.0f64..2_000.0),
        k in 1usize..20,
    ) {
        let centre = GeoPoint::new(48.85, 2.35).unwrap();
        let mut index = GeoIndex::default();
        let mut truth: std::collections::BTreeMap<u64, (GeoPoint, u8)> = Default::default();
        for (id, op, n, e, room) in ops {
            let courier = CourierId::new(id);
            match op {
                0 => { prop_assert_eq!(index.remove(courier), truth.remove(&id).is_some()); }
                1..=3 => {
                    let known = truth.get_mut(&id).map(|t| t.1 = room.min(MAX_ROOM)).is_some();
                    prop_assert_eq!(index.set_room(courier, room), known);
                }
                _ => {
                    let p = centre.offset_m(n, e).unwrap();
                    index.upsert(courier, p);
                    truth.entry(id).and_modify(|t| t.0 = p).or_insert((p, MAX_ROOM));
                }
            }
        }
        let from = centre.offset_m(query.0, query.1).unwrap();
        let place = Place::resolve(from, 9).unwrap();
        // 2.5 km walks the cells around the query; 20 km covers far more
        // cells than there are buckets with room, so the query visits
        // those buckets instead: both must answer as the scan does.
        for min_room in 1..=MAX_ROOM {
            let couriers: Vec<_> = truth
                .iter()
                .map(|(id, (p, room))| (CourierId::new(*id), *p, *room >= min_room))
                .collect();
            for radius_m in [2_500.0, 20_000.0] {
                same(
                    &index.nearest_with_room(&place, radius_m, k, min_room, |_| true),
                    &brute_force(&couriers, from, radius_m, k),
                )?;
            }
        }
    }
}

#[test]
fn a_query_from_a_known_place_skips_unwanted_couriers() {
    let centre = GeoPoint::new(40.75, -73.99).unwrap();
    let mut index = GeoIndex::default();
    for i in 0..10u64 {
        index.upsert(CourierId::new(i), centre.offset_m(100.0 * i as f64, 0.0).unwrap());
    }
    let from = Place::resolve(centre, 10).unwrap();
    let found = index.nearest_from(&from, 10_000.0, 3, |c| c.get() % 2 == 1);
    assert_eq!(found.iter().map(|n| n.courier.get()).collect::<Vec<_>>(), vec![1, 3, 5]);
    assert!((found[0].distance_m - 100.0).abs() < 0.5);
    assert!(index.nearest(centre, 10_000.0, 0).is_empty());
    assert!(index.nearest(centre, -1.0, 5).is_empty());
}

/// Couriers jumping about a small area, so that most jumps land in a square
/// the index has seen (and filed from memory), at a cell-rich resolution and
/// around a pentagon: every courier is filed in the cell H3 gives.
#[test]
fn jumps_are_filed_in_the_cell_h3_gives() {
    for (centre, resolution) in [
        (GeoPoint::new(52.37, 4.90).unwrap(), Resolution::Eight),
        (GeoPoint::new(52.37, 4.90).unwrap(), Resolution::Ten),
        (pentagon_centre(), Resolution::Nine),
    ] {
        let mut index = GeoIndex::new(resolution);
        let mut h = 0x9E37_79B9_7F4A_7C15u64;
        for round in 0..20u64 {
            for id in 0..500u64 {
                h = h
                    .rotate_left(17)
                    .wrapping_mul(0xBF58_476D_1CE4_E5B9)
                    .wrapping_add(round);
                let n = ((h >> 8) % 2_000) as f64 - 1_000.0;
                let e = ((h >> 32) % 2_000) as f64 - 1_000.0;
                let p = centre.offset_m(n, e).unwrap();
                index.upsert(CourierId::new(id), p);
                let (at, _) = index.get(CourierId::new(id)).unwrap();
                let want = LatLng::new(p.lat(), p.lng()).unwrap().to_cell(resolution);
                assert_eq!(at.cell(), want, "courier {id} at {p:?}, resolution {resolution}");
            }
        }
    }
}
