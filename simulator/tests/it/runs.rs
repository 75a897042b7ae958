//! Whole runs: determinism, invariants under every shipped scenario, and
//! the same business results on the memory and PostgreSQL adapters.

use std::path::{Path, PathBuf};

use courier_sim::report::{Summary, write};
use courier_sim::{RunOutput, Scenario, Sim};
use courier_storage::composite::Composite;
use courier_storage::memory::MemoryStore;
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::{CachedCatalog, RedisStore};

fn scenario(name: &str, scale: f64) -> Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(format!("{name}.toml"));
    let mut s = Scenario::load(&path).unwrap();
    s.scale = scale;
    s
}

/// The business outcome of a run: every order's final state and times.
fn outcome(out: &RunOutput) -> Vec<String> {
    out.orders
        .iter()
        .map(|o| {
            format!(
                "{} {} {:?} {:?} {} {}",
                o.id, o.status, o.courier, o.times, o.charge, o.refund
            )
        })
        .collect()
}

fn files(dir: &Path) -> Vec<(String, String)> {
    ["summary.json", "orders.csv", "timeseries.csv"]
        .iter()
        .map(|f| {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            // Wall-clock fields are the only ones allowed to differ.
            let text = text
                .lines()
                .filter(|l| !l.contains("wall_seconds") && !l.contains("events_per_second"))
                .collect::<Vec<_>>()
                .join("\n");
            (f.to_string(), text)
        })
        .collect()
}

/// A runtime for an adapter's connections (each run owns one).
fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// A run with orders and the catalog in PostgreSQL (fixes in memory), in a
/// schema of its own named by `tag`, dropped after the run.
fn on_postgres(tag: &str, s: Scenario, seed: u64) -> RunOutput {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let config = PgConfig {
        schema: Some(format!("courier_sim_{tag}_test_{}", std::process::id())),
        ..PgConfig::new(url.clone())
    };
    let connect = |rt: &tokio::runtime::Runtime| {
        rt.block_on(PgStore::connect(config.clone()))
            .unwrap_or_else(|e| panic!("PostgreSQL is required for this test and {url} could not be used: {e}"))
    };
    let rt = runtime();
    let pg = connect(&rt);
    let store = Composite::new(pg.clone(), pg, MemoryStore::default());
    let out = Sim::new_on(rt, s, seed, store).unwrap().run();
    // The run's runtime is gone with it: a fresh one drops the schema.
    let rt = runtime();
    rt.block_on(connect(&rt).drop_schema()).unwrap();
    out
}

fn out_dir(tag: &str) -> PathBuf {
    std::env::temp_dir().join(format!("courier-sim-test-{}-{tag}", std::process::id()))
}

/// Every order of the run ended completed, cancelled or rejected.
fn assert_every_order_ended(name: &str, out: &RunOutput) {
    for o in &out.orders {
        assert!(
            ["completed", "cancelled", "rejected"].contains(&o.status),
            "{name}: {} ended {}",
            o.id,
            o.status
        );
    }
}

#[test]
fn the_same_seed_gives_byte_identical_reports() {
    let mut reports = Vec::new();
    for run in 0..2 {
        let s = scenario("steady", 0.1);
        let out = Sim::new(s.clone(), 42, MemoryStore::default()).unwrap().run();
        let summary = Summary::of(&s.name, 42, &s.policy.dispatch, &out, 1.0);
        let dir = out_dir(&format!("det-{run}"));
        write(&dir, &summary, &out).unwrap();
        reports.push(files(&dir));
        std::fs::remove_dir_all(&dir).unwrap();
    }
    assert!(reports[0][1].1.lines().count() > 100, "a real run has orders");
    assert_eq!(reports[0], reports[1]);
    // And a different seed gives a different day.
    let s = scenario("steady", 0.1);
    let other = Sim::new(s.clone(), 43, MemoryStore::default()).unwrap().run();
    let first = Sim::new(s, 42, MemoryStore::default()).unwrap().run();
    assert_ne!(outcome(&first), outcome(&other));
}

#[test]
fn runs_side_by_side_and_on_any_threads_give_the_same_day() {
    let s = scenario("courier-shortage", 0.2);
    let alone = Sim::new(s.clone(), 11, MemoryStore::default())
        .and_then(|sim| sim.on_threads(1))
        .unwrap()
        .run();
    assert!(alone.orders.len() > 50, "a real run has orders");
    // Two runs at once, each planning on three threads.
    let together: Vec<RunOutput> = std::thread::scope(|scope| {
        let runs: Vec<_> = (0..2)
            .map(|_| {
                let s = s.clone();
                scope.spawn(move || {
                    let sim = Sim::new(s, 11, MemoryStore::default()).and_then(|sim| sim.on_threads(3));
                    sim.unwrap().run()
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    });
    for out in &together {
        assert_eq!(outcome(out), outcome(&alone));
    }
}

#[test]
fn every_shipped_scenario_keeps_the_invariants() {
    for (name, scale) in [
        ("steady", 0.2),
        ("payment-outage", 0.2),
        ("courier-shortage", 0.2),
        ("storage-outage", 0.2),
        ("promotions", 0.2),
        ("crashes", 0.2),
        ("dinner-rush", 0.002),
    ] {
        let s = scenario(name, scale);
        let out = Sim::new(s.clone(), 7, MemoryStore::default()).unwrap().run();
        assert!(out.violation.is_none(), "{name}: {:?}", out.violation);
        assert!(out.orders.len() > 50, "{name}: only {} orders", out.orders.len());
        for o in &out.orders {
            assert!(!o.lost, "{name}: {} lost", o.id);
        }
        assert_every_order_ended(name, &out);
        assert!(out.books.is_balanced(), "{name}");
        let summary = Summary::of(name, 7, &s.policy.dispatch, &out, 1.0);
        assert!(
            summary.orders_delivered * 10 > summary.orders_placed * 6,
            "{name}: {summary:?}"
        );
    }
}

#[test]
fn a_storage_outage_refuses_placements_then_finishes_every_order() {
    let s = scenario("storage-outage", 0.3);
    let start = courier_sim::engine::DAY_START_MS + (s.start_hour * 3_600_000.0) as i64;
    let out = Sim::new(s, 4, MemoryStore::default()).unwrap().run();
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert!(out.storage_faults.outage > 100, "{:?}", out.storage_faults);
    assert!(out.storage_faults.errors > 100, "{:?}", out.storage_faults);
    assert!(out.retries > 0, "agents retried what failed");
    // Minutes 60-70: the store refuses everything, so no order is stored.
    let stored_during = out
        .orders
        .iter()
        .filter(|o| o.times[0].is_some_and(|t| t >= start + 60 * 60_000 && t < start + 70 * 60_000))
        .count();
    assert_eq!(stored_during, 0);
    let refused: u64 = out.minutes[60..70].iter().map(|m| m.refused).sum();
    assert!(refused > 0);
    // The degradation ladder goes down while the store fails (no new
    // restaurants: the database cannot take them) and back up after.
    let rungs: Vec<u8> = out.minutes.iter().map(|m| m.degradation_level).collect();
    assert!(rungs[..60].iter().all(|&r| r == 0), "{rungs:?}");
    assert!(rungs[60..70].iter().all(|&r| r >= 4), "{rungs:?}");
    assert!(rungs[90..].iter().all(|&r| r == 0), "{rungs:?}");
    assert_every_order_ended("storage-outage", &out);
}

/// The platform's process dies five times (once while the store fails one
/// call in five, once inside another crash's downtime, once while the
/// payment provider is down) and is rebuilt from the store each time: every
/// order ends, the books kept across the processes are the store's to the
/// cent and the gateway's record agrees with them (the run checks both, and
/// stops at a difference), and the same seed gives the same day, crashes
/// and all.
#[test]
fn crashes_lose_no_order_and_settle_each_once() {
    let s = scenario("crashes", 0.1);
    let once = Sim::new(s.clone(), 2, MemoryStore::default()).unwrap().run();
    assert!(once.violation.is_none(), "{:?}", once.violation);
    assert_eq!(once.restarts, 4, "the crash inside another's downtime restarts once");
    assert!(once.orders.len() > 200, "{}", once.orders.len());
    assert_every_order_ended("crashes", &once);
    assert!(once.books.is_balanced());
    assert_eq!(once.books.orders, once.orders.len() as u64 + once.untold_orders);
    let again = Sim::new(s, 2, MemoryStore::default()).unwrap().run();
    assert_eq!(
        outcome(&again),
        outcome(&once),
        "the same seed, the same crashes, the same day"
    );
}

/// The same crashes over PostgreSQL: what a new process recovers is what
/// the database holds.
#[test]
fn crashes_on_postgres_lose_no_order() {
    let out = on_postgres("crash", scenario("crashes", 0.05), 3);
    assert!(out.violation.is_none(), "{:?}", out.violation);
    assert_eq!(out.restarts, 4);
    assert!(out.orders.len() > 50, "{}", out.orders.len());
    assert_every_order_ended("crashes on PostgreSQL", &out);
}

#[test]
fn the_payment_outage_delays_orders_without_losing_any() {
    let s = scenario("payment-outage", 0.3);
    let start = courier_sim::engine::DAY_START_MS + (s.start_hour * 3_600_000.0) as i64;
    let out = Sim::new(s, 3, MemoryStore::default()).unwrap().run();
    let outage = (start + 60 * 60_000, start + 65 * 60_000);
    let during: Vec<_> = out
        .orders
        .iter()
        .filter(|o| o.times[0].is_some_and(|t| t >= outage.0 && t < outage.1))
        .collect();
    assert!(!during.is_empty());
    let mut paid = 0;
    for o in &during {
        match o.times[1] {
            Some(placed) => {
                assert!(placed >= outage.1, "{} authorized during the outage", o.id);
                paid += 1;
            }
            // A customer may give up while the gateway is down; the order
            // still ends, it is not lost.
            None => assert_eq!(o.end_reason, "customer_request", "{} neither paid nor cancelled", o.id),
        }
    }
    assert!(paid * 2 > during.len(), "most orders are paid once the gateway is back");
    assert!(out.violation.is_none());
}

#[test]
fn promotions_discount_orders_the_same_on_memory_and_postgres() {
    let s = scenario("promotions", 0.05);
    let once = Sim::new(s.clone(), 9, MemoryStore::default()).unwrap().run();
    let again = Sim::new(s.clone(), 9, MemoryStore::default()).unwrap().run();
    let summary = Summary::of("promotions", 9, &s.policy.dispatch, &once, 1.0);
    assert!(summary.discounts_cents > 0, "{summary:?}");
    assert_eq!(outcome(&once), outcome(&again), "the same seed, the same discounts");
    assert!(once.books.is_balanced());
    // The same run without its promotions charges more for the same orders.
    let plain = Sim::new(
        Scenario {
            promotions: Vec::new(),
            ..s.clone()
        },
        9,
        MemoryStore::default(),
    )
    .unwrap()
    .run();
    let gmv = |out: &RunOutput| Summary::of("x", 9, "batch", out, 1.0).gmv_cents;
    assert!(gmv(&plain) > gmv(&once), "{} vs {}", gmv(&plain), gmv(&once));
    let on_pg = on_postgres("promo", s, 9);
    assert_eq!(
        outcome(&on_pg),
        outcome(&once),
        "promotion uses are counted alike in both stores"
    );
}

#[test]
fn memory_and_postgres_give_the_same_business_results() {
    let s = scenario("steady", 0.03);
    let on_pg = on_postgres("steady", s.clone(), 5);
    let on_memory = Sim::new(s, 5, MemoryStore::default()).unwrap().run();
    assert!(on_memory.orders.len() > 20);
    assert_eq!(outcome(&on_pg), outcome(&on_memory));
}

#[test]
fn memory_and_redis_give_the_same_business_results() {
    let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("courier-sim-test-{}", std::process::id());
    let rt = runtime();
    let redis = rt
        .block_on(RedisStore::connect(&url, &prefix))
        .unwrap_or_else(|e| panic!("Redis is required for this test and {url} could not be used: {e}"));
    let catalog = CachedCatalog::new(
        MemoryStore::default(),
        redis.clone(),
        courier_core::Duration::from_mins(5),
    );
    let store = Composite::new(MemoryStore::default(), catalog, redis);
    let s = scenario("steady", 0.03);
    let on_redis = Sim::new_on(rt, s.clone(), 5, store).unwrap().run();
    let on_memory = Sim::new(s, 5, MemoryStore::default()).unwrap().run();
    let rt = runtime();
    rt.block_on(async { RedisStore::connect(&url, &prefix).await?.clear().await })
        .unwrap();
    assert!(on_memory.orders.len() > 20);
    assert_eq!(outcome(&on_redis), outcome(&on_memory));
}

#[test]
fn couriers_work_their_shifts() {
    let mut s = scenario("steady", 0.2);
    s.couriers.shifts = vec![
        courier_sim::scenario::Shift {
            start_minute: 0.0,
            duration_minutes: 100.0,
            share: 0.5,
        },
        courier_sim::scenario::Shift {
            start_minute: 80.0,
            duration_minutes: 200.0,
            share: 0.5,
        },
    ];
    s.couriers.dropouts_per_hour = 0.0;
    let fleet = (f64::from(s.couriers.fleet) * s.scale).round() as u64;
    let out = Sim::new(s, 9, MemoryStore::default()).unwrap().run();
    assert!(out.violation.is_none(), "{:?}", out.violation);
    let online = |minute: usize| out.minutes[minute - 1].online_couriers;
    // First half only, both halves while they overlap, then the second half.
    assert_eq!(online(30), fleet / 2);
    assert_eq!(online(90), fleet);
    assert_eq!(online(150), fleet - fleet / 2);
    assert_every_order_ended("steady with two shifts", &out);
}

#[test]
fn the_scenario_policies_reach_the_platform() {
    let run = |early_share: f64, surge_cap: f64| {
        let mut s = scenario("courier-shortage", 0.2);
        s.customers.cancel_probability = 0.3;
        s.customers.cancel_after_minutes = 3.0;
        s.policy.refund_early_share = early_share;
        s.policy.surge_cap = surge_cap;
        let out = Sim::new(s.clone(), 11, MemoryStore::default()).unwrap().run();
        assert!(out.violation.is_none(), "{:?}", out.violation);
        let max_surge = out.minutes.iter().map(|m| m.surge).fold(1.0, f64::max);
        (Summary::of(&s.name, 11, "batch", &out, 1.0).refunds_cents, max_surge)
    };
    let (half_refunds, surged) = run(0.5, 2.0);
    let (full_refunds, flat) = run(1.0, 1.0);
    assert!(full_refunds > half_refunds, "{full_refunds} vs {half_refunds}");
    assert!(surged > 1.0, "a courier shortage surges: {surged}");
    assert_eq!(flat, 1.0, "a 1.0x cap means no surge");
}

/// The dispatcher keeps food from waiting while couriers idle: in the
/// steady evening (plenty of couriers), orders wait for a courier with one
/// idle near them for well under a tenth of a minute an order, and food
/// waits for its courier less than three minutes on average, with two
/// orders a courier allowed.
#[test]
fn orders_do_not_wait_while_couriers_idle() {
    let s = scenario("steady", 0.5);
    assert_eq!(s.policy.batch_limit, 2);
    let out = Sim::new(s.clone(), 3, MemoryStore::default()).unwrap().run();
    let summary = Summary::of("steady", 3, &s.policy.dispatch, &out, 1.0);
    let per_order = summary.order_minutes_waiting_while_couriers_idle / summary.orders_placed as f64;
    assert!(per_order < 0.1, "{per_order} order-minutes an order: {summary:?}");
    assert!(summary.ready_to_pickup_min.mean < 3.0, "{summary:?}");
}
