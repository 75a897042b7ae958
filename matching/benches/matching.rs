//! Criterion benches for the dispatch brain.
//!
//! Run with `cargo bench -p courier-matching`. The geo index holds 100,000
//! couriers in a 30 km box (about 111 per km², one dense city: the same set-up
//! as the Redis GEOSEARCH peer in `../shared/peers/redis_geo.sh`).

use std::hint::black_box;

use courier_core::{CourierId, GeoPoint, Place};
use courier_matching::GeoIndex;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const COURIERS: u64 = 100_000;
const BATCH: usize = 1_024;

fn hash(i: u64) -> u64 {
    i.wrapping_add(0x1234_5678).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A deterministic point in a 30 km box around Amsterdam.
fn point_in_box(i: u64) -> GeoPoint {
    let h = hash(i);
    let centre = GeoPoint::new(52.37, 4.90).expect("valid centre");
    let north = ((h >> 8) % 30_000) as f64 - 15_000.0;
    let east = ((h >> 32) % 30_000) as f64 - 15_000.0;
    centre.offset_m(north, east).expect("within range")
}

fn city() -> GeoIndex {
    let mut index = GeoIndex::default();
    for i in 0..COURIERS {
        index.upsert(CourierId::new(i), point_in_box(i));
    }
    index
}

fn bench_geo_index(c: &mut Criterion) {
    let mut index = city();
    let mut group = c.benchmark_group("geo_index");
    group.throughput(Throughput::Elements(BATCH as u64));

    // A courier app pings every few seconds: successive fixes are tens of
    // metres apart. Each iteration moves 1,024 couriers by about 30 m.
    let steps: Vec<(f64, f64)> = (0..BATCH as u64)
        .map(|i| (((hash(i) % 61) as f64) - 30.0, ((hash(i + 7) % 61) as f64) - 30.0))
        .collect();
    let mut positions: Vec<GeoPoint> = (0..COURIERS).map(point_in_box).collect();
    let mut next = 0usize;
    group.bench_function("update_30m_step", |b| {
        b.iter(|| {
            for (n, e) in &steps {
                let i = next % COURIERS as usize;
                next += 7_919; // a prime stride: every courier in turn
                let moved = positions[i].offset_m(*n, *e).unwrap_or(positions[i]);
                positions[i] = moved;
                index.upsert(CourierId::new(i as u64), black_box(moved));
            }
        })
    });
    group.bench_function("update_random_jump", |b| {
        b.iter(|| {
            for j in 0..BATCH as u64 {
                let i = (next as u64 + j * 7_919) % COURIERS;
                index.upsert(CourierId::new(i), black_box(point_in_box(i + next as u64)));
            }
            next += 1;
        })
    });

    // Queries come from restaurants, whose cells are resolved once.
    let restaurants: Vec<Place> = (0..BATCH as u64)
        .map(|i| Place::resolve(point_in_box(i + 5_000_000), 9).expect("valid resolution"))
        .collect();
    group.bench_function("nearest_20_within_3km", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for r in &restaurants {
                found += index.nearest_from(black_box(r), 3_000.0, 20, |_| true).len();
            }
            found
        })
    });
    group.finish();
}

criterion_group!(benches, bench_geo_index);
criterion_main!(benches);
