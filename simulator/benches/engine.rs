//! The engine alone on the SimPy peer's delivery model
//! (`../shared/peers/simpy_delivery.py`): 125,000 orders, 200 couriers.

#![allow(missing_docs, clippy::unwrap_used)]

use courier_sim::delivery_model::{ModelParams, run};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn engine(c: &mut Criterion) {
    let params = ModelParams::default();
    let events = run(params, 42).unwrap().events;
    let mut group = c.benchmark_group("delivery_model");
    group.sample_size(20);
    group.throughput(Throughput::Elements(events));
    group.bench_function("125k_orders_200_couriers", |b| b.iter(|| run(params, 42).unwrap()));
    group.finish();
}

criterion_group!(benches, engine);
criterion_main!(benches);
