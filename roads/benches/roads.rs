//! Road network speed: building a network's index and answering queries,
//! on the Helsinki extract and on a synthetic city of 100,000 nodes.

use std::hint::black_box;
use std::path::Path;

use courier_core::GeoPoint;
use courier_roads::{Mode, RawMap, RawWay, Router, Snap};
use criterion::{Criterion, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A `side` x `side` grid of 100 m blocks, every third street one-way
/// and every fifth a faster tertiary road.
fn city(side: usize) -> RawMap {
    let dlat = 100.0 / 111_195.0;
    let dlng = dlat / 60.0_f64.to_radians().cos();
    let id = |r: usize, c: usize| (r * side + c) as i64;
    let mut map = RawMap::default();
    for r in 0..side {
        for c in 0..side {
            if let Ok(p) = GeoPoint::new(60.0 + r as f64 * dlat, 24.0 + c as f64 * dlng) {
                map.nodes.insert(id(r, c), p);
            }
        }
    }
    let street = |nodes: Vec<i64>, k: usize| RawWay {
        nodes,
        tags: [
            ("highway", if k.is_multiple_of(5) { "tertiary" } else { "residential" }),
            ("oneway", if k % 3 == 1 { "yes" } else { "no" }),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect(),
    };
    for r in 0..side {
        map.ways.push(street((0..side).map(|c| id(r, c)).collect(), r));
    }
    for c in 0..side {
        map.ways.push(street((0..side).map(|r| id(r, c)).collect(), c));
    }
    map
}

fn random_snaps(router: &Router, n: usize, seed: u64) -> Vec<Snap> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let count = router.graph().node_count() as u32;
    (0..n)
        .filter_map(|_| router.snap_anywhere(router.graph().point(rng.random_range(0..count))))
        .collect()
}

fn queries(c: &mut Criterion, name: &str, router: &Router) {
    let from = random_snaps(router, 256, 1);
    let to = random_snaps(router, 256, 2);
    let mut i = 0;
    c.bench_function(&format!("{name}: one-to-one"), |b| {
        b.iter(|| {
            i = (i + 1) % from.len();
            black_box(router.time_ms(&from[i], &to[i]))
        });
    });
    // A batch round's candidates: the 30 couriers within 2 km of a restaurant.
    let mut rng = ChaCha8Rng::seed_from_u64(4);
    let near: Vec<Vec<Snap>> = to
        .iter()
        .map(|t| {
            (0..30)
                .filter_map(|_| {
                    let p = t
                        .point
                        .offset_m(rng.random_range(-1_400.0..1_400.0), rng.random_range(-1_400.0..1_400.0))
                        .ok()?;
                    router.snap_anywhere(p)
                })
                .collect()
        })
        .collect();
    c.bench_function(
        &format!("{name}: 30 couriers within 2 km to a restaurant, one search"),
        |b| {
            b.iter(|| {
                i = (i + 1) % to.len();
                black_box(router.times_to(&near[i], &to[i]))
            });
        },
    );
    c.bench_function(
        &format!("{name}: 30 couriers within 2 km to a restaurant, 30 one-to-one"),
        |b| {
            b.iter(|| {
                i = (i + 1) % to.len();
                black_box(near[i].iter().map(|s| router.time_ms(s, &to[i])).collect::<Vec<_>>())
            });
        },
    );
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let points: Vec<GeoPoint> = (0..256)
        .map(|_| {
            router
                .graph()
                .point(rng.random_range(0..router.graph().node_count() as u32))
        })
        .collect();
    c.bench_function(&format!("{name}: snap"), |b| {
        b.iter(|| {
            i = (i + 1) % points.len();
            black_box(router.snap_anywhere(points[i]))
        });
    });
}

fn helsinki(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/osm/helsinki.osm.pbf");
    let mut group = c.benchmark_group("build");
    group.sample_size(10);
    group.bench_function("helsinki: read, build and contract (bicycle)", |b| {
        b.iter(|| black_box(Router::from_pbf(&file, Mode::Bicycle)))
    });
    let map = city(317);
    group.bench_function("100,000-node city: build and contract (car)", |b| {
        b.iter(|| black_box(Router::from_map(&map, Mode::Car)))
    });
    group.finish();
    if let Ok(router) = Router::from_pbf(&file, Mode::Bicycle) {
        queries(c, "helsinki", &router);
    }
    if let Ok(router) = Router::from_map(&map, Mode::Car) {
        queries(c, "100,000-node city", &router);
    }
}

criterion_group!(benches, helsinki);
criterion_main!(benches);
