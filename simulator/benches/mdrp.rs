//! MDRP replays on a generated instance the size of the largest public one
//! (about 1,000 orders, 220 couriers, 120 restaurants over 15 hours).

#![allow(missing_docs, clippy::unwrap_used)]

use std::fmt::Write as _;

use courier_sim::mdrp::{Instance, Policy, replay};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn generated(dir: &std::path::Path) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut text = String::from("restaurant\tx\ty\n");
    for r in 0..120 {
        writeln!(
            text,
            "r{r}\t{}\t{}",
            rng.random_range(0..15_000),
            rng.random_range(0..15_000)
        )
        .unwrap();
    }
    std::fs::write(dir.join("restaurants.txt"), text).unwrap();
    let mut text = String::from("order\tx\ty\tplacement_time\trestaurant\tready_time\n");
    for o in 0..1_000 {
        let placed = rng.random_range(0..840);
        let ready = placed + rng.random_range(5..35);
        let (x, y) = (rng.random_range(0..15_000), rng.random_range(0..15_000));
        writeln!(text, "o{o}\t{x}\t{y}\t{placed}\tr{}\t{ready}", rng.random_range(0..120)).unwrap();
    }
    std::fs::write(dir.join("orders.txt"), text).unwrap();
    let mut text = String::from("courier\tx\ty\ton_time\toff_time\n");
    for c in 0..220 {
        let on = rng.random_range(0..780);
        let (x, y) = (rng.random_range(0..15_000), rng.random_range(0..15_000));
        writeln!(text, "c{c}\t{x}\t{y}\t{on}\t{}", on + rng.random_range(60..240)).unwrap();
    }
    std::fs::write(dir.join("couriers.txt"), text).unwrap();
    std::fs::write(
        dir.join("instance_parameters.txt"),
        "meters_per_minute\tpickup service minutes\tdropoff service minutes\ttarget click-to-door\tmaximum click-to-door\tpay per order\tguaranteed pay per hour\n320\t4\t4\t40\t90\t10\t15\n",
    )
    .unwrap();
    Instance::load(dir).unwrap()
}

fn mdrp(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let instance = generated(tmp.path());
    let mut group = c.benchmark_group("mdrp_replay");
    group.throughput(Throughput::Elements(instance.orders.len() as u64));
    for (name, policy) in [("greedy", Policy::Greedy), ("batch", Policy::Batch)] {
        group.bench_function(name, |b| b.iter(|| replay(&instance, policy)));
    }
    group.finish();
}

criterion_group!(benches, mdrp);
criterion_main!(benches);
