//! Orders' whole journeys through the platform's services on the memory
//! store, as the simulator drives them: placement (price, split, store,
//! authorize), the kitchen's acceptance, preparation and ready, a batch
//! round assigning them, the courier reporting each stop, pickup, delivery, capture and settlement. Once
//! with a batch round per order (the worst case), once with 16 orders per
//! round (a round at a rush serves hundreds); criterion reports the time
//! per order.
//!
//! Run with `cargo bench -p courier-platform --bench journey`.

use std::sync::Arc;

use courier_core::ports::{CatalogStore, Menu, MenuItem, Restaurant};
use courier_core::*;
use courier_matching::BatchConfig;
use courier_platform::external::{FakeGateway, ManualClock, RecordingNotifier};
use courier_platform::rate_limits::Tier;
use courier_platform::{DispatchPolicy, OrderRequest, Platform, PlatformConfig};
use courier_storage::memory::MemoryStore;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;

type Bench = Platform<MemoryStore, Arc<FakeGateway>, Arc<RecordingNotifier>, Arc<ManualClock>>;

const RESTAURANTS: u64 = 8;
const DISH: MenuItemId = MenuItemId::new(1);
const COURIERS: u64 = 200;

/// Restaurant `r`'s place: a ring 1.5 km around the centre.
fn restaurant_at(r: u64) -> GeoPoint {
    let angle = std::f64::consts::TAU * r as f64 / RESTAURANTS as f64;
    centre()
        .offset_m(1_500.0 * angle.cos(), 1_500.0 * angle.sin())
        .expect("valid")
}

/// Drives a future of the memory store, which never waits, to its end.
fn run<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    loop {
        if let std::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}

fn centre() -> GeoPoint {
    GeoPoint::new(60.17, 24.94).expect("valid")
}

fn platform() -> (Bench, Arc<ManualClock>) {
    let store = MemoryStore::default();
    let usd = |c| Money::new(c, Currency::Usd);
    run(async {
        for r in 0..RESTAURANTS {
            store
                .put_restaurant(&Restaurant {
                    id: RestaurantId::new(r + 1),
                    name: format!("Bench Kitchen {r}"),
                    cuisine: "pizza".into(),
                    location: restaurant_at(r),
                    rating_centi: 450,
                    is_open: true,
                    accepting_orders: true,
                    delivery_radius_m: 8_000,
                    minimum_order: usd(500),
                    prep_time: Duration::from_mins(10),
                })
                .await?;
            store
                .put_menu(&Menu {
                    restaurant: RestaurantId::new(r + 1),
                    version: 1,
                    items: vec![MenuItem {
                        id: DISH,
                        name: "Margherita".into(),
                        price: usd(1250),
                        available: true,
                        stock: None,
                    }],
                })
                .await?;
        }
        Ok::<(), courier_core::ports::StorageError>(())
    })
    .expect("catalog stored");
    let clock = Arc::new(ManualClock::new(Timestamp::from_millis(1_795_651_200_000)));
    let config = PlatformConfig {
        dispatch: DispatchPolicy::Batch(BatchConfig::default()),
        rate_limits: false,
        ..PlatformConfig::default()
    };
    let platform = Platform::new(
        store,
        Arc::new(FakeGateway::unrecorded()),
        Arc::new(RecordingNotifier::counting()),
        clock.clone(),
        rand_chacha::ChaCha8Rng::seed_from_u64(1),
        config,
    )
    .expect("valid configuration");
    for c in 0..COURIERS {
        let at = centre()
            .offset_m(300.0 * (c % 20) as f64 - 3_000.0, 300.0 * (c / 20) as f64 - 1_500.0)
            .expect("valid");
        run(platform.courier_online(CourierId::new(c + 1), at)).expect("online");
    }
    (platform, clock)
}

/// Orders `first..first + k` from placement to settlement, their
/// assignment in one batch round (as the simulator's rounds see many
/// orders at once); returns how many completed.
fn journeys(platform: &Bench, clock: &ManualClock, first: u64, k: u64) -> usize {
    let mut ids = Vec::with_capacity(k as usize);
    // Each order's restaurant and door, where its courier reports from.
    let mut stops = std::collections::HashMap::with_capacity(k as usize);
    for n in first..first + k {
        let r = n % RESTAURANTS;
        let restaurant = RestaurantId::new(r + 1);
        let request = OrderRequest {
            customer: CustomerId::new(n + 1),
            tier: Tier::Authenticated,
            restaurant,
            items: vec![(DISH, 2)],
            dropoff: restaurant_at(r).offset_m(1_200.0, 800.0).expect("valid"),
            tip: Money::new(200, Currency::Usd),
            promo_codes: Vec::new(),
            idempotency_key: IdempotencyKey::parse(&format!("bench-{n}")).expect("valid"),
        };
        let id = run(platform.place_order(&request)).expect("placed").order.id();
        run(platform.accept_order(restaurant, id, Duration::from_mins(10))).expect("accepted");
        run(platform.start_preparing(restaurant, id)).expect("preparing");
        run(platform.mark_ready(restaurant, id)).expect("ready");
        ids.push(id);
        stops.insert(id, (restaurant_at(r), request.dropoff));
    }
    let round = run(platform.dispatch()).expect("dispatched");
    assert_eq!(round.assigned.len(), ids.len(), "a courier was free for each");
    for &(id, courier) in &round.assigned {
        run(platform.update_location(courier, stops[&id].0)).expect("at the restaurant");
        run(platform.pick_up(courier, id)).expect("picked up");
    }
    clock.advance(Duration::from_secs(1));
    let mut completed = 0;
    for &(id, courier) in &round.assigned {
        run(platform.update_location(courier, stops[&id].1)).expect("at the door");
        let delivered = run(platform.deliver(courier, id)).expect("delivered");
        completed += usize::from(delivered.order.status() == courier_core::order::OrderStatus::Completed);
    }
    completed
}

fn bench(c: &mut Criterion) {
    // On a worker of a pool of its own, as the simulator runs: the batch
    // round's parallel searches start at once instead of waking a worker.
    let pool = rayon::ThreadPoolBuilder::new().build().expect("a thread pool");
    let mut group = c.benchmark_group("journey");
    for k in [1u64, 16] {
        let (platform, clock) = platform();
        let mut first = 0;
        let name = if k == 1 {
            "one order, its own batch round".to_owned()
        } else {
            format!("{k} orders sharing a batch round")
        };
        group.throughput(Throughput::Elements(k));
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                pool.install(|| {
                    #[allow(
                        clippy::disallowed_methods,
                        reason = "the bench times whole batches of journeys itself"
                    )]
                    let started = std::time::Instant::now();
                    for _ in 0..iters {
                        std::hint::black_box(journeys(&platform, &clock, first, k));
                        first += k;
                    }
                    started.elapsed()
                })
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
