//! Three `courier-server` processes over one PostgreSQL schema and one
//! Redis prefix, every request going to whichever is next (round-robin):
//! 200 journeys at once, couriers learning of offers from their event
//! streams and answering through any instance,
//! the holder of the work lease killed (`SIGKILL`) mid-run, then all of
//! them stopped and started again. Afterwards the store is checked: no
//! courier ever over the batch limit, no order with two couriers, every
//! order finished, every ledger balanced.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use courier_core::ledger::PayoutSplit;
use courier_core::order::{AssignmentOutcome, Order, StatusKind};
use courier_core::ports::{IdempotencyStore, OrderStore};
use courier_core::*;
use courier_server::auth::Role;
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::RedisStore;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use tokio::time::Instant;

use crate::harness::{EventReader, RESTAURANT, home, read, restaurant_point, seed_catalog, token, two_pizzas};

const INSTANCES: usize = 3;
const ORDERS: u64 = 200;
const COURIERS: u64 = 40;
/// The servers' batch limit (the platform's default).
const BATCH_LIMIT: usize = 2;
/// The servers' work lease: a dead holder's work moves within this (and a tick).
const LEASE_TTL_MS: u64 = 2_000;
/// Every journey ends within this, or the test fails.
const DEADLINE: StdDuration = StdDuration::from_secs(150);

fn url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.into())
}

fn database_url() -> String {
    url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
}

fn redis_url() -> String {
    url("REDIS_URL", "redis://127.0.0.1:6379")
}

/// One server process.
struct Instance {
    name: String,
    port: u16,
    log: PathBuf,
    child: Mutex<Option<Child>>,
}

/// The three servers, their namespace, and a round-robin client over the
/// live ones.
struct Fleet {
    schema: String,
    prefix: String,
    instances: Vec<Instance>,
    alive: Vec<AtomicBool>,
    next: AtomicUsize,
    client: Client,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap()
}

impl Fleet {
    fn new(schema: String, prefix: String) -> Fleet {
        let instances = (0..INSTANCES)
            .map(|i| Instance {
                name: format!("s{i}"),
                port: free_port(),
                log: std::env::temp_dir().join(format!("{prefix}-s{i}.log")),
                child: Mutex::new(None),
            })
            .collect();
        Fleet {
            schema,
            prefix,
            instances,
            alive: (0..INSTANCES).map(|_| AtomicBool::new(false)).collect(),
            next: AtomicUsize::new(0),
            client: Client::builder().timeout(StdDuration::from_secs(10)).build().unwrap(),
        }
    }

    /// Starts instance `i` and waits until it answers ready.
    async fn start(&self, i: usize) {
        let instance = &self.instances[i];
        let log = std::fs::File::create(&instance.log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_courier-server"))
            .args(["--listen", &format!("127.0.0.1:{}", instance.port)])
            .args(["--database-url", &database_url(), "--database-schema", &self.schema])
            .args(["--redis-url", &redis_url(), "--redis-prefix", &self.prefix])
            .args(["--instance", &instance.name, "--tick-ms", "200"])
            .args(["--lease-ttl-ms", &LEASE_TTL_MS.to_string()])
            .env(
                "COURIER_JWT_SECRET",
                std::str::from_utf8(crate::harness::SECRET).unwrap(),
            )
            .env("RUST_LOG", "warn,courier_server=info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        *instance.child.lock().unwrap() = Some(child);
        let ready = format!("http://127.0.0.1:{}/health/ready", instance.port);
        for _ in 0..300 {
            if let Ok(r) = self.client.get(&ready).send().await
                && r.status() == StatusCode::OK
            {
                let body: Value = r.json().await.unwrap();
                assert_eq!(
                    body["set_aside"],
                    json!([]),
                    "{} recovered with records set aside",
                    instance.name
                );
                self.alive[i].store(true, Ordering::SeqCst);
                return;
            }
            tokio::time::sleep(StdDuration::from_millis(100)).await;
        }
        panic!("{} never became ready: see {}", instance.name, instance.log.display());
    }

    /// `kill -9`: no shutdown, no lease given up.
    fn kill(&self, i: usize) {
        self.alive[i].store(false, Ordering::SeqCst);
        if let Some(mut child) = self.instances[i].child.lock().unwrap().take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// `SIGTERM`, and waits for the graceful exit.
    async fn stop(&self, i: usize) {
        self.alive[i].store(false, Ordering::SeqCst);
        let Some(mut child) = self.instances[i].child.lock().unwrap().take() else {
            return;
        };
        let pid = child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        assert!(sent.success());
        for _ in 0..200 {
            if let Some(status) = child.try_wait().unwrap() {
                assert!(status.success(), "{} exited with {status}", self.instances[i].name);
                return;
            }
            tokio::time::sleep(StdDuration::from_millis(50)).await;
        }
        child.kill().unwrap();
        panic!("{} did not stop on SIGTERM", self.instances[i].name);
    }

    fn index_of(&self, name: &str) -> usize {
        self.instances.iter().position(|i| i.name == name).unwrap()
    }

    /// Sends to the next live instance, moving on to another when one does
    /// not answer (it may have just been killed).
    async fn call(&self, method: Method, path: &str, token: &str, body: Option<Value>) -> (StatusCode, Value) {
        self.call_keyed(method, path, token, body, None).await
    }

    /// One request to instance `i` itself.
    async fn call_on(
        &self,
        i: usize,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let url = format!("http://127.0.0.1:{}{path}", self.instances[i].port);
        let mut req = self.client.request(method, url).bearer_auth(token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        read(req.send().await.unwrap()).await
    }

    /// [`Fleet::call`] with an `Idempotency-Key`.
    async fn call_keyed(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        for _ in 0..(INSTANCES * 8) {
            let i = self.next.fetch_add(1, Ordering::Relaxed) % INSTANCES;
            if !self.alive[i].load(Ordering::SeqCst) {
                continue;
            }
            let url = format!("http://127.0.0.1:{}{path}", self.instances[i].port);
            let mut req = self.client.request(method.clone(), url).bearer_auth(token);
            if let Some(body) = &body {
                req = req.json(body);
            }
            if let Some(key) = key {
                req = req.header("Idempotency-Key", key);
            }
            match req.send().await {
                Ok(response) => return read(response).await,
                Err(_) => tokio::time::sleep(StdDuration::from_millis(50)).await,
            }
        }
        panic!("no instance answered {method} {path}");
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        for instance in &self.instances {
            if let Some(mut child) = instance
                .child
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take()
            {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// Drives order `n` from placement to its end, each step through the next
/// instance, as its customer, its restaurant and its courier would.
async fn journey(fleet: &Fleet, n: u64, completed: &AtomicU64) {
    let customer = token(Role::Customer, 10_000 + n);
    let kitchen = token(Role::Restaurant, RESTAURANT);
    let key = format!("multi-{n}");
    let (status, placed) = fleet
        .call_keyed(Method::POST, "/v1/orders", &customer, Some(two_pizzas()), Some(&key))
        .await;
    assert!(status.is_success(), "placing {n}: {status} {placed}");
    let id = placed["order"]["id"].as_str().unwrap().to_owned();
    let path = |what: &str| format!("/v1/orders/{id}/{what}");
    let started = Instant::now();
    while started.elapsed() < DEADLINE {
        let (status, o) = fleet
            .call(Method::GET, &format!("/v1/orders/{id}"), &customer, None)
            .await;
        assert_eq!(status, StatusCode::OK, "{o}");
        let rider = o["courier_id"].as_u64().map(|c| token(Role::Courier, c));
        // A refusal (409) is a lost race with another step or a retry of a
        // step whose answer was lost: the next read says where it stands.
        match (o["status"].as_str().unwrap(), rider) {
            ("placed", _) => {
                let _ = fleet
                    .call(
                        Method::POST,
                        &path("accept"),
                        &kitchen,
                        Some(json!({"prep_minutes": 1})),
                    )
                    .await;
            }
            ("confirmed", _) => {
                let _ = fleet.call(Method::POST, &path("preparing"), &kitchen, None).await;
            }
            ("preparing", _) => {
                let _ = fleet.call(Method::POST, &path("ready"), &kitchen, None).await;
            }
            // The app reports the stop, then hands over (a fix from the
            // courier's background loop in between is a refusal, retried).
            ("ready_for_pickup", Some(rider)) => {
                let here = json!({"lat": restaurant_point().lat(), "lng": restaurant_point().lng()});
                let _ = fleet
                    .call(Method::POST, "/v1/couriers/me/location", &rider, Some(here))
                    .await;
                let _ = fleet.call(Method::POST, &path("pickup"), &rider, None).await;
            }
            ("picked_up", Some(rider)) => {
                let here = json!({"lat": home().lat(), "lng": home().lng()});
                let _ = fleet
                    .call(Method::POST, "/v1/couriers/me/location", &rider, Some(here))
                    .await;
                let _ = fleet.call(Method::POST, &path("deliver"), &rider, None).await;
            }
            ("completed", _) => {
                completed.fetch_add(1, Ordering::SeqCst);
                return;
            }
            (end @ ("cancelled" | "rejected"), _) => panic!("order {id} ended {end}: {o}"),
            // Waiting for the payment, a courier, or the capture.
            _ => tokio::time::sleep(StdDuration::from_millis(150)).await,
        }
    }
    panic!("order {id} did not finish in {DEADLINE:?}");
}

/// Couriers' apps: online through some instance, then a fix every two
/// seconds through whichever is next, until `done`.
async fn couriers_on_shift(fleet: &Fleet, done: &AtomicBool) {
    let spot = |c: u64| {
        let north = 150.0 * (c % 8) as f64;
        let at = restaurant_point().offset_m(north, 40.0 * (c / 8) as f64).unwrap();
        json!({"lat": at.lat(), "lng": at.lng()})
    };
    for c in 1..=COURIERS {
        let (status, body) = fleet
            .call(
                Method::POST,
                "/v1/couriers/me/online",
                &token(Role::Courier, c),
                Some(spot(c)),
            )
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    }
    while !done.load(Ordering::SeqCst) {
        for c in 1..=COURIERS {
            let _ = fleet
                .call(
                    Method::POST,
                    "/v1/couriers/me/location",
                    &token(Role::Courier, c),
                    Some(spot(c)),
                )
                .await;
        }
        tokio::time::sleep(StdDuration::from_secs(2)).await;
    }
}

/// Couriers' apps accept what they are offered: each learns of its offers
/// from its event stream, held open on one instance (another once that one
/// dies), and answers through whichever instance is next, so the offer, the
/// stream and the answer are mostly on three different instances.
async fn answer_offers(fleet: &Fleet, done: &AtomicBool, answered: &AtomicU64) {
    futures::future::join_all((1..=COURIERS).map(|c| courier_app(fleet, c, done, answered))).await;
}

async fn courier_app(fleet: &Fleet, c: u64, done: &AtomicBool, answered: &AtomicU64) {
    let rider = token(Role::Courier, c);
    let mut attempt = 0;
    while !done.load(Ordering::SeqCst) {
        let i = (c as usize + attempt) % INSTANCES;
        attempt += 1;
        if !fleet.alive[i].load(Ordering::SeqCst) {
            tokio::time::sleep(StdDuration::from_millis(50)).await;
            continue;
        }
        let url = format!("http://127.0.0.1:{}/v1/couriers/me/events", fleet.instances[i].port);
        let stream = match fleet.client.get(url).bearer_auth(&rider).send().await {
            Ok(r) if r.status() == StatusCode::OK => r,
            _ => {
                tokio::time::sleep(StdDuration::from_millis(200)).await;
                continue;
            }
        };
        let mut events = EventReader::new(stream);
        // Until the instance goes away (or events were lost: reconnecting
        // sends the open offers first).
        while !done.load(Ordering::SeqCst) && !events.ended() {
            match events.next(StdDuration::from_millis(500)).await {
                Some((name, offer)) if name == "offer" => {
                    let order = offer["order_id"].as_str().unwrap_or_default();
                    let (status, _) = fleet
                        .call(Method::POST, &format!("/v1/orders/{order}/offer/accept"), &rider, None)
                        .await;
                    answered.fetch_add(u64::from(status == StatusCode::OK), Ordering::SeqCst);
                }
                Some((name, _)) if name == "lagged" => break,
                _ => {}
            }
        }
    }
}

async fn lease_holder(pg: &PgStore) -> Option<(String, i64)> {
    sqlx::query_as("SELECT holder, token FROM leases WHERE name = 'courier.work'")
        .fetch_optional(pg.pool())
        .await
        .unwrap()
}

/// The most orders any courier held at once over the run, read from every
/// order's assignment history (a record counts from its offer, so this
/// can only overstate), and the orders that had two couriers at once.
fn most_held_and_doubled(orders: &[Order]) -> (usize, Vec<OrderId>) {
    let mut moves: Vec<(CourierId, Timestamp, i32)> = Vec::new();
    let mut doubled = Vec::new();
    for order in orders {
        let held: Vec<_> = order.assignment_history().iter().filter(|r| r.assigned).collect();
        for pair in held.windows(2) {
            if pair[0].ended_at.is_none_or(|end| end > pair[1].started_at) {
                doubled.push(order.id());
            }
        }
        for record in held {
            moves.push((record.courier, record.started_at, 1));
            moves.push((
                record.courier,
                record.ended_at.unwrap_or(Timestamp::from_millis(i64::MAX)),
                -1,
            ));
        }
    }
    // At the same instant a slot frees before it is taken again.
    moves.sort_by_key(|&(courier, at, delta)| (courier, at, delta));
    let (mut most, mut holding, mut current) = (0, 0i32, None);
    for (courier, _, delta) in moves {
        if current != Some(courier) {
            (current, holding) = (Some(courier), 0);
        }
        holding += delta;
        most = most.max(usize::try_from(holding).unwrap_or(0));
    }
    (most, doubled)
}

fn split_of(bytes: &[u8]) -> PayoutSplit {
    let parts: Vec<i64> = std::str::from_utf8(bytes)
        .unwrap()
        .split(',')
        .map(|p| p.parse().unwrap())
        .collect();
    let usd = |minor| Money::new(minor, Currency::Usd);
    PayoutSplit {
        restaurant: usd(parts[0]),
        courier: usd(parts[1]),
        platform: usd(parts[2]),
        tax: usd(parts[3]),
    }
}

/// A tracking stream on one instance receives the status changes made
/// through another.
async fn a_stream_sees_another_instance(fleet: &Fleet) {
    let customer = token(Role::Customer, 99_999);
    let kitchen = token(Role::Restaurant, RESTAURANT);
    let order = fleet
        .client
        .post(format!("http://127.0.0.1:{}/v1/orders", fleet.instances[1].port))
        .bearer_auth(&customer)
        .header("Idempotency-Key", "tracked")
        .json(&two_pizzas())
        .send()
        .await
        .unwrap();
    let (status, placed) = read(order).await;
    assert_eq!(status, StatusCode::CREATED, "{placed}");
    let id = placed["order"]["id"].as_str().unwrap().to_owned();
    let stream = fleet
        .client
        .get(format!(
            "http://127.0.0.1:{}/v1/orders/{id}/track",
            fleet.instances[0].port
        ))
        .bearer_auth(&customer)
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    let seen = tokio::spawn(statuses_until(stream, "cancelled"));
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    // Accepted, then (once s0 has had time to hear of it) cancelled, both through s1.
    let accept = json!({"prep_minutes": 5});
    let (status, answer) = fleet
        .call_on(
            1,
            Method::POST,
            &format!("/v1/orders/{id}/accept"),
            &kitchen,
            Some(accept),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    tokio::time::sleep(StdDuration::from_secs(1)).await;
    let cancel = format!("/v1/orders/{id}/cancel");
    let (status, answer) = fleet.call_on(1, Method::POST, &cancel, &customer, None).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let statuses = tokio::time::timeout(StdDuration::from_secs(15), seen)
        .await
        .expect("the stream on s0 never saw the order cancelled")
        .unwrap();
    // Each version once: an offer made meanwhile is a new version, still confirmed.
    let mut changes = statuses.clone();
    changes.dedup();
    assert_eq!(
        changes,
        ["placed", "confirmed", "cancelled"],
        "s0's stream saw {statuses:?}"
    );
}

/// The `status` events' statuses of a tracking stream, up to `last`.
async fn statuses_until(response: reqwest::Response, last: &'static str) -> Vec<String> {
    let mut reader = EventReader::new(response);
    let mut statuses = Vec::new();
    while let Some((name, order)) = reader.next(StdDuration::from_secs(60)).await {
        if name != "status" {
            continue;
        }
        let status = order["status"].as_str().unwrap_or_default().to_owned();
        let done = status == last;
        statuses.push(status);
        if done {
            break;
        }
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn three_instances_share_the_work_and_survive_a_kill() {
    let schema = format!("courier_instances_{}", std::process::id());
    let prefix = format!("courier-instances-{}", std::process::id());
    let pg = PgStore::connect(PgConfig {
        schema: Some(schema.clone()),
        ..PgConfig::new(database_url())
    })
    .await
    .unwrap_or_else(|e| {
        panic!(
            "PostgreSQL is required for this test and {} could not be used: {e}",
            database_url()
        )
    });
    let redis = RedisStore::connect(&redis_url(), &prefix).await.unwrap_or_else(|e| {
        panic!(
            "Redis is required for this test and {} could not be used: {e}",
            redis_url()
        )
    });
    seed_catalog(&pg).await;
    let fleet = Arc::new(Fleet::new(schema, prefix));
    for i in 0..INSTANCES {
        fleet.start(i).await;
    }
    let (done, completed, answered) = (
        Arc::new(AtomicBool::new(false)),
        Arc::new(AtomicU64::new(0)),
        Arc::new(AtomicU64::new(0)),
    );
    let shift = tokio::spawn({
        let (fleet, done) = (fleet.clone(), done.clone());
        async move { couriers_on_shift(&fleet, &done).await }
    });
    let offers = tokio::spawn({
        let (fleet, done, answered) = (fleet.clone(), done.clone(), answered.clone());
        async move { answer_offers(&fleet, &done, &answered).await }
    });
    let journeys: Vec<_> = (0..ORDERS)
        .map(|n| {
            let (fleet, completed) = (fleet.clone(), completed.clone());
            tokio::spawn(async move { journey(&fleet, n, &completed).await })
        })
        .collect();

    // A quarter of the way in, the lease holder dies without a word.
    let until = Instant::now() + DEADLINE;
    while completed.load(Ordering::SeqCst) < ORDERS / 4 && Instant::now() < until {
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    let (holder, token_before) = lease_holder(&pg).await.expect("somebody holds the lease");
    fleet.kill(fleet.index_of(&holder));
    let killed_at = Instant::now();
    let taken_over = loop {
        match lease_holder(&pg).await {
            Some((now_holding, token)) if now_holding != holder => {
                assert!(token > token_before, "a new holder gets a new token");
                break killed_at.elapsed();
            }
            _ if killed_at.elapsed() > StdDuration::from_secs(10) => {
                panic!("nobody took the work over within 10 s of killing {holder}")
            }
            _ => tokio::time::sleep(StdDuration::from_millis(50)).await,
        }
    };
    let completed_at_kill = completed.load(Ordering::SeqCst);
    for j in journeys {
        j.await.unwrap();
    }
    done.store(true, Ordering::SeqCst);
    shift.await.unwrap();
    offers.await.unwrap();
    eprintln!(
        "{ORDERS} journeys over {INSTANCES} instances: {holder} killed after {completed_at_kill} completed, \
         work taken over in {taken_over:?}; {} offers seen on streams and accepted through round-robin",
        answered.load(Ordering::SeqCst)
    );

    // The store's verdict.
    let mut orders = Vec::new();
    for kind in StatusKind::ALL {
        orders.extend(pg.list_by_status(kind, 100_000).await.unwrap().orders);
    }
    assert_eq!(orders.len() as u64, ORDERS);
    assert!(
        orders
            .iter()
            .all(|o| o.status() == courier_core::order::OrderStatus::Completed)
    );
    let (most, doubled) = most_held_and_doubled(&orders);
    assert!(most <= BATCH_LIMIT, "a courier held {most} orders at once");
    assert!(doubled.is_empty(), "orders with two couriers at once: {doubled:?}");
    for order in &orders {
        let delivered_by = order
            .assignment_history()
            .iter()
            .filter(|r| r.outcome == AssignmentOutcome::Delivered)
            .count();
        assert_eq!(delivered_by, 1, "{}", order.id());
        let split = pg
            .get(&format!("split:{}", order.id().get()), order.times().created_at)
            .await
            .unwrap()
            .unwrap();
        let settled = courier_platform::settlement::settle(order, &split_of(&split), &Default::default())
            .unwrap()
            .unwrap();
        assert!(settled.ledger.is_balanced(), "{}", order.id());
        assert_eq!(settled.ledger.customer_net_charge(), order.charge(), "{}", order.id());
    }
    for c in 1..=COURIERS {
        let load = pg.courier_load(CourierId::new(c)).await.unwrap();
        assert_eq!((load.carrying, load.offer), (0, None), "courier {c}");
    }

    // Every instance stops, and every one starts again over the same store.
    for i in 0..INSTANCES {
        fleet.stop(i).await;
    }
    for i in 0..INSTANCES {
        fleet.start(i).await;
    }
    a_stream_sees_another_instance(&fleet).await;
    for i in 0..INSTANCES {
        fleet.stop(i).await;
    }
    drop(fleet);
    redis.clear().await.unwrap();
    pg.drop_schema().await.unwrap();
}
