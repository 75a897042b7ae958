//! Criterion benches: point-to-point travel times and full delivery ETAs on a
//! model that has learned a city's cells and restaurants.
//!
//! Run with `cargo bench -p courier-eta`.

use std::hint::black_box;

use courier_core::{Duration, GeoPoint, RestaurantId, Timestamp};
use courier_eta::{Courier, EtaConfig, EtaModel, EtaRequest, Food, Place, ReadyObservation, Trip};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const BATCH: usize = 1_024;

/// A deterministic scatter of places within ~8 km of midtown Manhattan.
fn places(n: usize, salt: u64) -> Vec<Place> {
    let centre = GeoPoint::new(40.75, -73.99).expect("valid centre");
    (0..n as u64)
        .map(|i| {
            let h = (i.wrapping_add(salt)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
            let north = ((h >> 8) % 16_000) as f64 - 8_000.0;
            let east = ((h >> 32) % 16_000) as f64 - 8_000.0;
            let p = centre.offset_m(north, east).expect("within range");
            Place::resolve(p, 9).expect("valid resolution")
        })
        .collect()
}

/// A model trained on 20,000 trips and ready events, so lookups hit learned cells.
fn trained_model(from: &[Place], to: &[Place]) -> EtaModel {
    let mut model = EtaModel::new(EtaConfig::default());
    for i in 0..20_000 {
        let (a, b) = (&from[i % from.len()], &to[(i * 7) % to.len()]);
        let at = Timestamp::from_millis((i as i64 % 24) * 3_600_000);
        let took = Duration::from_millis((model.travel().static_secs(a, b, at) * 1_100.0) as u64);
        model.observe_trip(&Trip {
            from: *a,
            to: *b,
            started: at,
            took,
        });
        model.observe_ready(&ReadyObservation {
            restaurant: RestaurantId::new(i as u64 % 500),
            estimate: Duration::from_mins(15),
            orders_in_progress: 3,
            took: Duration::from_mins(17),
        });
    }
    model
}

fn bench_eta(c: &mut Criterion) {
    let from = places(BATCH, 1);
    let to = places(BATCH, 99_991);
    let model = trained_model(&from, &to);
    let at = Timestamp::from_millis(18 * 3_600_000);

    let mut group = c.benchmark_group("eta");
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("travel_time", |b| {
        b.iter(|| {
            let mut sum = Duration::ZERO;
            for (a, z) in from.iter().zip(&to) {
                sum = sum.saturating_add(model.travel().travel_time(black_box(a), black_box(z), at));
            }
            sum
        })
    });

    let requests: Vec<EtaRequest> = (0..BATCH)
        .map(|i| EtaRequest {
            at,
            restaurant: RestaurantId::new(i as u64 % 500),
            pickup: from[i],
            dropoff: to[i],
            food: Food::Preparing {
                started: at.minus(Duration::from_mins(i as u64 % 10)),
                estimate: Duration::from_mins(15),
                orders_in_progress: (i % 8) as u32,
            },
            courier: match i % 4 {
                0 => Courier::Unassigned,
                1 => Courier::EnRoute {
                    at: to[(i + 1) % BATCH],
                },
                2 => Courier::AtRestaurant,
                _ => Courier::PickedUp {
                    at: from[(i + 3) % BATCH],
                },
            },
        })
        .collect();
    group.bench_function("delivery_eta", |b| {
        b.iter(|| {
            let mut sum = Duration::ZERO;
            for req in &requests {
                sum = sum.saturating_add(model.estimate(black_box(req)).p90);
            }
            sum
        })
    });
    group.finish();
}

criterion_group!(benches, bench_eta);
criterion_main!(benches);
