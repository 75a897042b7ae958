//! Criterion bench for one batch round as a busy city's dispatcher runs it
//! every 30 s: 2,000 orders waiting across 40 restaurant hotspots, most of
//! them for food still being cooked, against 20,000 couriers of whom a fifth
//! already carry an order.
//!
//! Run with `cargo bench -p courier-matching --bench batch_round`.

use std::collections::BTreeMap;
use std::hint::black_box;

use courier_core::{CourierId, Duration, GeoPoint, OrderId, Place, Timestamp};
use courier_matching::{BatchConfig, GeoIndex, Job, StraightLine, plan_batch};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const COURIERS: u64 = 20_000;
const OPEN_ORDERS: u64 = 2_000;
const HOTSPOTS: usize = 40;

/// A point `north` and `east` metres from the centre of a 30 km city.
fn place(north_m: f64, east_m: f64) -> Place {
    let centre = GeoPoint::new(52.37, 4.90).expect("valid centre");
    let point = centre.offset_m(north_m, east_m).expect("within range");
    Place::resolve(point, 9).expect("valid point")
}

/// An order from near a hotspot to a door within 4 km, its food ready
/// within the next 20 minutes, promised half an hour after that.
fn order(id: u64, hotspots: &[(f64, f64)], now: Timestamp, rng: &mut ChaCha8Rng) -> Job {
    let (north, east) = hotspots[rng.random_range(0..hotspots.len())];
    let (pn, pe) = (
        north + rng.random_range(-1_200.0..1_200.0),
        east + rng.random_range(-1_200.0..1_200.0),
    );
    let ready_at = now.plus(Duration::from_secs(rng.random_range(0..1_200)));
    Job {
        order: OrderId::new(id),
        pickup: place(pn, pe),
        dropoff: place(
            pn + rng.random_range(-4_000.0..4_000.0),
            pe + rng.random_range(-4_000.0..4_000.0),
        ),
        ready_at,
        promised_by: ready_at.plus(Duration::from_mins(30)),
        picked_up: false,
    }
}

fn bench_batch_round(c: &mut Criterion) {
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let now = Timestamp::from_millis(19 * 3_600_000);
    let hotspots: Vec<(f64, f64)> = (0..HOTSPOTS)
        .map(|_| {
            (
                rng.random_range(-10_000.0..10_000.0),
                rng.random_range(-10_000.0..10_000.0),
            )
        })
        .collect();
    let config = BatchConfig::default();
    let mut index = GeoIndex::default();
    let mut carrying: BTreeMap<CourierId, Vec<Job>> = BTreeMap::new();
    for i in 0..COURIERS {
        let at = place(
            rng.random_range(-15_000.0..15_000.0),
            rng.random_range(-15_000.0..15_000.0),
        );
        let courier = CourierId::new(i);
        index.upsert(courier, at.point());
        if i % 5 == 0 {
            let held = order(1_000_000 + i, &hotspots, now, &mut rng);
            carrying.insert(
                courier,
                vec![Job {
                    picked_up: true,
                    ..held
                }],
            );
            index.set_room(courier, 1);
        }
    }
    let open: Vec<Job> = (0..OPEN_ORDERS).map(|id| order(id, &hotspots, now, &mut rng)).collect();

    let mut group = c.benchmark_group("batch_round");
    group.sample_size(10);
    group.throughput(Throughput::Elements(OPEN_ORDERS));
    group.bench_function("open_2000_couriers_20000", |b| {
        b.iter(|| {
            plan_batch(
                now,
                black_box(&open),
                &mut index,
                &carrying,
                &StraightLine::default(),
                &config,
            )
        })
    });
    group.finish();
}

criterion_group!(benches, bench_batch_round);
criterion_main!(benches);
