//! Criterion benches of the storage adapters.
//!
//! Run with `cargo bench -p courier-storage`. The PostgreSQL and Redis benches
//! use `DATABASE_URL` / `REDIS_URL` (defaults: the local test services), each in
//! a schema or key prefix of their own, removed afterwards.

#![allow(
    clippy::disallowed_methods,
    reason = "iter_custom benches time themselves with the wall clock"
)]

use std::hint::black_box;
use std::time::{Duration as StdDuration, Instant};

use courier_core::order::{Actor, Command, Order, OrderAction, OrderEvent, OrderLine, PlaceOrder};
use courier_core::ports::{CourierLocation, LocationStore, OrderStore, Transition};
use courier_core::*;
use courier_storage::memory::{MemoryLocationStore, MemoryOrderStore};
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::RedisStore;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use futures::future::join_all;

const COURIERS: u64 = 100_000;
const CLIENTS: usize = 8;

fn placed(id: u64) -> (Order, OrderEvent) {
    let customer = CustomerId::new(id % 10_000);
    let place = PlaceOrder {
        order_id: OrderId::new(id),
        customer,
        restaurant: RestaurantId::new(id % 500),
        pickup: GeoPoint::new(52.37, 4.90).expect("valid"),
        dropoff: GeoPoint::new(52.38, 4.91).expect("valid"),
        lines: vec![
            OrderLine {
                item: MenuItemId::new(1),
                quantity: 2,
                unit_price: Money::new(1_250, Currency::Eur),
            },
            OrderLine {
                item: MenuItemId::new(7),
                quantity: 1,
                unit_price: Money::new(450, Currency::Eur),
            },
        ],
        charge: Money::new(2_950, Currency::Eur),
        idempotency_key: IdempotencyKey::parse(&format!("bench-{id}")).expect("valid key"),
    };
    Order::place(Actor::Customer(customer), Timestamp::from_millis(id as i64), place).expect("valid order")
}

fn hash(i: u64) -> u64 {
    i.wrapping_add(0x1234_5678).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// A point in a 30 km box around Amsterdam (the Redis peer's dense set-up).
fn point_in_box(i: u64) -> GeoPoint {
    let h = hash(i);
    let centre = GeoPoint::new(52.37, 4.90).expect("valid centre");
    centre
        .offset_m(
            ((h >> 8) % 30_000) as f64 - 15_000.0,
            ((h >> 32) % 30_000) as f64 - 15_000.0,
        )
        .expect("in range")
}

fn fix(courier: u64, point: GeoPoint, at: i64) -> CourierLocation {
    CourierLocation {
        courier: CourierId::new(courier),
        point,
        at: Timestamp::from_millis(at),
    }
}

/// `n` fixes of random couriers to new places, reported at `t`.
fn moving_fixes(n: u64, t: i64) -> Vec<CourierLocation> {
    (0..n)
        .map(|i| fix(hash(i + t as u64) % COURIERS, point_in_box(i + 77 * t as u64), t))
        .collect()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// Orders a million-orders-a-day city holds by the end of the day: the
/// placement bench writes into a store this full, never an empty one.
const DAY_OF_ORDERS: u64 = 1_000_000;

/// A store holding `DAY_OF_ORDERS` orders, and the next order id.
fn store_of_a_day() -> (MemoryOrderStore, u64) {
    let store = MemoryOrderStore::default();
    for id in 0..DAY_OF_ORDERS {
        let (order, created) = placed(id);
        futures::executor::block_on(store.create_order(&order, &created)).expect("memory never fails");
    }
    (store, DAY_OF_ORDERS)
}

/// `n` fixes, each moving a random courier a few tens of metres from where
/// `positions` has it (and recording the move), reported a millisecond apart
/// after `t` (which ends at the last).
fn walking_fixes(positions: &mut [GeoPoint], n: u64, t: &mut i64) -> Vec<CourierLocation> {
    (0..n)
        .map(|_| {
            *t += 1;
            let i = (hash(*t as u64) % positions.len() as u64) as usize;
            let moved = positions[i]
                .offset_m(((*t % 61) - 30) as f64, ((*t % 37) - 18) as f64)
                .unwrap_or(positions[i]);
            positions[i] = moved;
            fix(i as u64, moved, *t)
        })
        .collect()
}

fn bench_memory(c: &mut Criterion) {
    let mut group = c.benchmark_group("memory");
    group.throughput(Throughput::Elements(1));
    // Between one and two days of orders: left to grow for the whole run,
    // the store would reach tens of millions of orders, a size no deployment
    // keeps in process memory, and the figure would measure that instead.
    let mut day = store_of_a_day();
    group.bench_function("place_order_into_a_day", |b| {
        b.iter_custom(|iters| {
            if day.1 >= 2 * DAY_OF_ORDERS {
                day = store_of_a_day();
            }
            let (store, next) = &mut day;
            let orders: Vec<(Order, OrderEvent)> = (0..iters).map(|i| placed(*next + i)).collect();
            *next += iters;
            let start = Instant::now();
            for (o, e) in &orders {
                black_box(futures::executor::block_on(store.create_order(o, e)).ok());
            }
            start.elapsed()
        })
    });

    let locations = MemoryLocationStore::default();
    let mut positions: Vec<GeoPoint> = (0..COURIERS).map(point_in_box).collect();
    let everyone: Vec<CourierLocation> = positions
        .iter()
        .enumerate()
        .map(|(i, p)| fix(i as u64, *p, 0))
        .collect();
    futures::executor::block_on(locations.upsert_locations(&everyone)).expect("memory never fails");
    let mut t = 1i64;
    group.bench_function("location_upsert_30m_step", |b| {
        b.iter_custom(|iters| {
            let fixes = walking_fixes(&mut positions, iters, &mut t);
            let start = Instant::now();
            for f in &fixes {
                black_box(futures::executor::block_on(locations.upsert_location(*f)).ok());
            }
            start.elapsed()
        })
    });
    // A tick's fixes in one call, as the Redis bench sends them.
    group.bench_function("location_upsert_30m_step_batched_256", |b| {
        b.iter_custom(|iters| {
            let fixes = walking_fixes(&mut positions, iters, &mut t);
            let start = Instant::now();
            for chunk in fixes.chunks(256) {
                black_box(futures::executor::block_on(locations.upsert_locations(chunk)).ok());
            }
            start.elapsed()
        })
    });
    // A tick's fixes, then someone asks who is near: what indexing every
    // fix as it comes costs a caller that queries after each tick.
    let mut query = 0u64;
    group.bench_function("location_tick_of_256_then_nearby_20_within_3km", |b| {
        b.iter_custom(|iters| {
            let ticks: Vec<Vec<CourierLocation>> =
                (0..iters).map(|_| walking_fixes(&mut positions, 256, &mut t)).collect();
            let start = Instant::now();
            for tick in &ticks {
                query += 1;
                black_box(futures::executor::block_on(locations.upsert_locations(tick)).ok());
                let centre = point_in_box(query.wrapping_mul(7_919));
                black_box(futures::executor::block_on(locations.nearby(centre, 3_000.0, 20)).ok());
            }
            start.elapsed()
        })
    });
    group.finish();
}

fn bench_postgres(c: &mut Criterion) {
    let rt = runtime();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let config = PgConfig {
        schema: Some(format!("courier_bench_{}", std::process::id())),
        max_connections: 16,
        ..PgConfig::new(&url)
    };
    let store = rt
        .block_on(PgStore::connect(config))
        .unwrap_or_else(|e| panic!("PostgreSQL at {url}: {e}"));
    let mut group = c.benchmark_group("postgres");
    group.sample_size(10).measurement_time(StdDuration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    let mut next = 1_000_000u64;
    group.bench_function("place_order_8_clients", |b| {
        b.iter_custom(|iters| {
            let orders: Vec<(Order, OrderEvent)> = (0..iters).map(|i| placed(next + i)).collect();
            next += iters;
            rt.block_on(async {
                let start = Instant::now();
                let chunks = orders.chunks(orders.len().div_ceil(CLIENTS).max(1));
                join_all(chunks.map(|chunk| {
                    let store = &store;
                    async move {
                        for (o, e) in chunk {
                            store.create_order(o, e).await.expect("placement");
                        }
                    }
                }))
                .await;
                start.elapsed()
            })
        })
    });
    group.bench_function("cas_transition_8_clients", |b| {
        b.iter_custom(|iters| {
            let orders: Vec<(Order, OrderEvent)> = (0..iters).map(|i| placed(next + i)).collect();
            next += iters;
            rt.block_on(async {
                for (o, e) in &orders {
                    store.create_order(o, e).await.expect("placement");
                }
                let pay = Command {
                    actor: Actor::System,
                    at: Timestamp::from_millis(1),
                    expected_version: 1,
                    action: OrderAction::AuthorizePayment,
                };
                let paid: Vec<(Order, OrderEvent)> = orders
                    .into_iter()
                    .map(|(mut o, _)| {
                        let e = o.execute(&pay).expect("valid transition");
                        (o, e)
                    })
                    .collect();
                let start = Instant::now();
                let chunks = paid.chunks(paid.len().div_ceil(CLIENTS).max(1));
                join_all(chunks.map(|chunk| {
                    let store = &store;
                    async move {
                        for (o, e) in chunk {
                            let transition = Transition {
                                order: o,
                                expected_version: 1,
                                assignment_before: o.assignment(),
                                events: std::slice::from_ref(e),
                                batch_limit: 2,
                                fence: None,
                            };
                            store.save_transition(&transition).await.expect("transition");
                        }
                    }
                }))
                .await;
                start.elapsed()
            })
        })
    });
    group.finish();
    rt.block_on(store.drop_schema()).expect("cleanup");
}

fn bench_redis(c: &mut Criterion) {
    let rt = runtime();
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let store = rt
        .block_on(RedisStore::connect(
            &url,
            &format!("courier-bench-{}", std::process::id()),
        ))
        .unwrap_or_else(|e| panic!("Redis at {url}: {e}"));
    rt.block_on(async {
        for chunk in (0..COURIERS).collect::<Vec<_>>().chunks(1_000) {
            join_all(chunk.iter().map(|&i| store.upsert_location(fix(i, point_in_box(i), 0)))).await;
        }
    });
    let mut group = c.benchmark_group("redis");
    group.sample_size(10).measurement_time(StdDuration::from_secs(10));
    group.throughput(Throughput::Elements(1));
    // A tick's fixes in one script run, as a location ingest sends them, on
    // the memory bench's stream: couriers walking tens of metres, each fix a
    // millisecond after the last.
    let mut positions: Vec<GeoPoint> = (0..COURIERS).map(point_in_box).collect();
    let mut t = 0i64;
    group.bench_function("location_upsert_30m_step_batched_256", |b| {
        b.iter_custom(|iters| {
            let fixes = walking_fixes(&mut positions, iters, &mut t);
            rt.block_on(upsert_in_ticks(&store, &fixes))
        })
    });
    // The worst case for the geo set: every fix jumps its courier anywhere
    // in the city, far along the sorted set (times go on from the walk's).
    group.bench_function("location_upsert_batched_256", |b| {
        b.iter_custom(|iters| {
            t += 1;
            let fixes = moving_fixes(iters, t);
            rt.block_on(upsert_in_ticks(&store, &fixes))
        })
    });
    // Single upserts, many in flight on one multiplexed connection: the
    // client pipelines them on the wire.
    group.bench_function("location_upsert_pipelined", |b| {
        b.iter_custom(|iters| {
            t += 1;
            let fixes = moving_fixes(iters, t);
            rt.block_on(async {
                let start = Instant::now();
                for chunk in fixes.chunks(256) {
                    join_all(chunk.iter().map(|f| store.upsert_location(*f))).await;
                }
                start.elapsed()
            })
        })
    });
    // The same random centres through the adapter and as raw GEOSEARCH on
    // the same key, one at a time: the ratio is the adapter's overhead (a
    // wider search, reading the exact fixes, exact re-ranking). The adapter's
    // bench runs a raw query beside each of its own, so the ratio it prints
    // compares the two under the same load: on a shared machine two benches
    // run seconds apart can differ by more than the overhead itself.
    let centres: Vec<GeoPoint> = (0..4_096).map(|i| point_in_box(9_000_000 + i)).collect();
    let client = redis::Client::open(url.as_str()).expect("a Redis URL");
    let mut raw = rt
        .block_on(client.get_multiplexed_async_connection())
        .expect("a raw connection");
    let key = store.location_geo_key();
    let mut q = 0usize;
    let (mut adapter_total, mut raw_total) = (StdDuration::ZERO, StdDuration::ZERO);
    group.bench_function("nearby_20_within_3km", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut adapter = StdDuration::ZERO;
                for _ in 0..iters {
                    let p = centres[q % centres.len()];
                    q += 1;
                    // Each goes first every other time: the second query on
                    // a centre finds its part of the set in the cache.
                    let raw_first = q.is_multiple_of(2);
                    if raw_first {
                        let start = Instant::now();
                        black_box(raw_geosearch(&mut raw, &key, p).await);
                        raw_total += start.elapsed();
                    }
                    let start = Instant::now();
                    black_box(store.nearby(p, 3_000.0, 20).await.expect("nearby"));
                    adapter += start.elapsed();
                    if !raw_first {
                        let start = Instant::now();
                        black_box(raw_geosearch(&mut raw, &key, p).await);
                        raw_total += start.elapsed();
                    }
                }
                adapter_total += adapter;
                adapter
            })
        })
    });
    // Only when the adapter's bench ran (a filter may have skipped it).
    if !adapter_total.is_zero() {
        eprintln!(
            "redis nearby_20_within_3km: the adapter at {:.2}x the throughput of raw GEOSEARCH, \
             interleaved on the same centres",
            raw_total.as_secs_f64() / adapter_total.as_secs_f64()
        );
    }
    group.bench_function("raw_geosearch_20_within_3km", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let p = centres[q % centres.len()];
                    q += 1;
                    black_box(raw_geosearch(&mut raw, &key, p).await);
                }
                start.elapsed()
            })
        })
    });
    group.finish();
    rt.block_on(store.clear()).expect("cleanup");
}

/// Writes `fixes` a tick's 256 per script run, timed. Every fix must be
/// applied: a fix refused as late would count as throughput without a write.
async fn upsert_in_ticks(store: &RedisStore, fixes: &[CourierLocation]) -> StdDuration {
    let start = Instant::now();
    for chunk in fixes.chunks(256) {
        let applied = store.upsert_locations(chunk).await.expect("upserts");
        assert_eq!(applied, chunk.len() as u64, "a fix was refused as late");
    }
    start.elapsed()
}

/// The nearest 20 couriers within 3 km of `p`, as Redis itself answers.
async fn raw_geosearch(raw: &mut redis::aio::MultiplexedConnection, key: &str, p: GeoPoint) -> Vec<String> {
    redis::cmd("GEOSEARCH")
        .arg(key)
        .arg("FROMLONLAT")
        .arg(p.lng())
        .arg(p.lat())
        .arg("BYRADIUS")
        .arg(3)
        .arg("km")
        .arg("COUNT")
        .arg(20)
        .arg("ASC")
        .query_async(raw)
        .await
        .expect("GEOSEARCH")
}

criterion_group!(benches, bench_memory, bench_postgres, bench_redis);
criterion_main!(benches);
