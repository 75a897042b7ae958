//! Criterion benches for the dispatch brain.
//!
//! Run with `cargo bench -p courier-matching`. The geo index holds 100,000
//! couriers in a 30 km box (about 111 per km², one dense city: the same set-up
//! as the Redis GEOSEARCH peer in `../shared/peers/redis_geo.sh`).

use std::hint::black_box;

use courier_core::{CourierId, GeoPoint, Place};
use courier_matching::{CandidateGraph, GeoIndex, MAX_COST, assign};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

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

    // A rush with far too few couriers: one in a thousand has room, and an
    // order that has waited searches 15 km for its 30 candidates.
    for i in 0..COURIERS {
        if i % 1_000 != 0 {
            index.set_room(CourierId::new(i), 0);
        }
    }
    group.bench_function("nearest_30_within_15km_one_in_1000_free", |b| {
        b.iter(|| {
            let mut found = 0usize;
            for r in &restaurants {
                found += index.nearest_with_room(black_box(r), 15_000.0, 30, 1, |_| true).len();
            }
            found
        })
    });
    group.finish();
}

/// The batch of the issue: 5,000 open orders, 20,000 free couriers in a
/// 30 km city, each order's 30 nearest couriers as candidates, cost = travel
/// seconds at 20 km/h plus a per-courier penalty (load, fairness) of up to 2 min.
fn city_batch(orders: usize, couriers: u64, k: usize, seed: u64) -> CandidateGraph {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut index = GeoIndex::default();
    for i in 0..couriers {
        index.upsert(CourierId::new(i), point_in_box(i + seed * 1_000_003));
    }
    let penalty: Vec<i64> = (0..couriers).map(|_| rng.random_range(0..120)).collect();
    let mut graph = CandidateGraph::new(couriers as u32);
    for o in 0..orders as u64 {
        let at = point_in_box(o + 7_000_000 + seed);
        let found = index.nearest(at, 10_000.0, k);
        graph
            .add_row(found.iter().map(|n| {
                (
                    n.courier.get() as u32,
                    (n.distance_m / 5.55) as i64 + penalty[n.courier.get() as usize],
                )
            }))
            .expect("valid costs");
    }
    graph
}

/// The SciPy peer's sparse instance: `k` distinct random columns per row,
/// costs uniform in [1, 1000).
fn uniform_sparse(rows: usize, cols: u32, k: usize, seed: u64) -> CandidateGraph {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut graph = CandidateGraph::new(cols);
    for _ in 0..rows {
        let mut picked: Vec<u32> = Vec::with_capacity(k);
        while picked.len() < k {
            let c = rng.random_range(0..cols);
            if !picked.contains(&c) {
                picked.push(c);
            }
        }
        graph
            .add_row(picked.into_iter().map(|c| (c, rng.random_range(1..1_000))))
            .expect("valid costs");
    }
    graph
}

fn bench_assignment(c: &mut Criterion) {
    let mut group = c.benchmark_group("assignment");
    group.sample_size(10);
    let batch = city_batch(5_000, 20_000, 30, 1);
    group.bench_function("city_5000x20000_k30", |b| {
        b.iter(|| assign(black_box(&batch), MAX_COST))
    });
    for (rows, cols) in [(1_000usize, 5_000u32), (10_000, 40_000)] {
        let g = uniform_sparse(rows, cols, 20, 2);
        group.bench_with_input(BenchmarkId::new("uniform_k20", format!("{rows}x{cols}")), &g, |b, g| {
            b.iter(|| assign(black_box(g), MAX_COST))
        });
    }
    // Dense 500 x 500: our solver on the full graph against the pathfinding
    // crate's Kuhn-Munkres, the assignment solver Rust users reach for.
    let n = 500usize;
    let mut rng = ChaCha8Rng::seed_from_u64(3);
    let costs: Vec<Vec<i64>> = (0..n)
        .map(|_| (0..n).map(|_| rng.random_range(1..1_000)).collect())
        .collect();
    let mut dense = CandidateGraph::new(n as u32);
    for row in &costs {
        dense
            .add_row(row.iter().enumerate().map(|(c, &w)| (c as u32, w)))
            .expect("valid costs");
    }
    group.bench_function("dense_500x500/courier", |b| {
        b.iter(|| assign(black_box(&dense), MAX_COST))
    });
    let weights =
        pathfinding::matrix::Matrix::from_rows(costs.iter().map(|r| r.iter().map(|w| -w).collect::<Vec<i64>>()))
            .expect("rectangular");
    group.bench_function("dense_500x500/pathfinding_kuhn_munkres", |b| {
        b.iter(|| pathfinding::kuhn_munkres::kuhn_munkres(black_box(&weights)))
    });
    group.finish();
}

criterion_group!(benches, bench_geo_index, bench_assignment);
criterion_main!(benches);
