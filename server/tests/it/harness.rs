//! A server on a loopback port over a chosen store, a client, tokens, and a
//! small city (seed 000's pizzeria 123).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration as StdDuration;

use courier_core::ports::{CatalogStore, Menu, MenuItem, Restaurant, Store};
use courier_core::*;
use courier_platform::PlatformConfig;
use courier_server::app::{AppState, Limits, serve};
use courier_server::auth::{Claims, Keys, Role, TierName};
use courier_server::startup::Joining;
use courier_storage::composite::Composite;
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::{CachedCatalog, RedisStore};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode};
use serde_json::Value;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub(crate) const SECRET: &[u8] = b"courier-test-secret-at-least-32-bytes!";
pub(crate) const RESTAURANT: u64 = 123;
pub(crate) const MARGHERITA: u64 = 1;
pub(crate) const GARLIC_BREAD: u64 = 2;

pub(crate) type PgRedis = Composite<PgStore, CachedCatalog<PgStore>, RedisStore>;

pub(crate) struct TestServer<S> {
    pub(crate) base: String,
    pub(crate) client: Client,
    pub(crate) state: Arc<AppState<S>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

pub(crate) fn restaurant_point() -> GeoPoint {
    GeoPoint::new(37.7749, -122.4194).unwrap()
}

pub(crate) fn home() -> GeoPoint {
    GeoPoint::new(37.7849, -122.4094).unwrap()
}

pub(crate) async fn seed_catalog<S: CatalogStore>(store: &S) {
    let usd = |c| Money::new(c, Currency::Usd);
    store
        .put_restaurant(&Restaurant {
            id: RestaurantId::new(RESTAURANT),
            name: "Golden Gate Pizza".into(),
            cuisine: "pizza".into(),
            location: restaurant_point(),
            rating_centi: 460,
            is_open: true,
            accepting_orders: true,
            delivery_radius_m: 5_000,
            minimum_order: usd(1000),
            prep_time: Duration::from_mins(15),
        })
        .await
        .unwrap();
    let item = |id, name: &str, price, stock| MenuItem {
        id: MenuItemId::new(id),
        name: name.into(),
        price: usd(price),
        available: true,
        stock,
    };
    store
        .put_menu(&Menu {
            restaurant: RestaurantId::new(RESTAURANT),
            version: 1,
            items: vec![
                item(MARGHERITA, "Margherita", 1250, None),
                item(GARLIC_BREAD, "Garlic bread", 500, Some(50)),
            ],
        })
        .await
        .unwrap();
}

impl<S: Store + 'static> TestServer<S> {
    /// Starts a server over `store` (catalog seeded) with the given settings.
    pub(crate) async fn start_with(store: S, config: PlatformConfig, limits: Limits) -> TestServer<S> {
        TestServer::start_joining(store, config, limits, Joining::default()).await
    }

    /// [`TestServer::start_with`], joining as `joining` says.
    pub(crate) async fn start_joining(
        store: S,
        config: PlatformConfig,
        limits: Limits,
        joining: Joining,
    ) -> TestServer<S> {
        seed_catalog(&store).await;
        let state = courier_server::startup::state_as(store, Keys::new(SECRET).unwrap(), true, config, joining)
            .await
            .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(serve(
            state.clone(),
            listener,
            limits,
            Some(StdDuration::from_millis(50)),
            async move {
                let _ = stopped.await;
            },
        ));
        TestServer {
            base: format!("http://{addr}"),
            client: Client::new(),
            state,
            stop: Some(stop),
            task: Some(task),
        }
    }

    pub(crate) async fn start(store: S) -> TestServer<S> {
        TestServer::start_with(store, PlatformConfig::default(), Limits::default()).await
    }

    /// Asks for a graceful shutdown and waits for it.
    pub(crate) async fn stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }

    pub(crate) fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let req = self.client.request(method, format!("{}{path}", self.base));
        match token {
            Some(t) => req.bearer_auth(t),
            None => req,
        }
    }

    pub(crate) async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.request(method, path, token);
        if let Some(body) = body {
            req = req.json(&body);
        }
        read(req.send().await.unwrap()).await
    }
}

pub(crate) async fn read(response: Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON ({status}): {text}"))
    };
    (status, value)
}

pub(crate) fn token(role: Role, sub: u64) -> String {
    token_with(role, sub, TierName::Authenticated, 3_600)
}

#[allow(clippy::disallowed_methods, reason = "tokens expire on the wall clock")]
pub(crate) fn token_with(role: Role, sub: u64, tier: TierName, ttl_secs: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    Keys::new(SECRET)
        .unwrap()
        .sign(&Claims {
            exp: (now + ttl_secs).max(0) as u64,
            ..Claims::new(sub.to_string(), role, tier, now.max(0) as u64, 0)
        })
        .unwrap()
}

/// The seed's cart: two margheritas ($25.00) to the customer's home.
pub(crate) fn two_pizzas() -> Value {
    serde_json::json!({
        "restaurant_id": RESTAURANT,
        "items": [{"item_id": MARGHERITA, "quantity": 2}],
        "dropoff": {"lat": home().lat(), "lng": home().lng()},
    })
}

/// Places an order as customer `sub` with `key`; returns the order id.
pub(crate) async fn place<S: Store + 'static>(server: &TestServer<S>, customer: &str, key: &str) -> String {
    let response = server
        .request(Method::POST, "/v1/orders", Some(customer))
        .header("Idempotency-Key", key)
        .json(&two_pizzas())
        .send()
        .await
        .unwrap();
    let (status, body) = read(response).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    body["order"]["id"].as_str().unwrap().to_owned()
}

/// The `error.code` of an error body ("" when there is none).
pub(crate) fn code(body: &Value) -> &str {
    body["error"]["code"].as_str().unwrap_or("")
}

/// Retries `f` until it answers `want` (the tick loop runs every 50 ms).
pub(crate) async fn eventually<F, Fut>(want: StatusCode, mut f: F) -> Value
where
    F: FnMut() -> Fut,
    Fut: Future<Output = (StatusCode, Value)>,
{
    let mut last = (StatusCode::IM_A_TEAPOT, Value::Null);
    for _ in 0..100 {
        last = f().await;
        if last.0 == want {
            return last.1;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("never answered {want}; last {} {}", last.0, last.1);
}

fn url(var: &str, default: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| default.into())
}

static NEXT: AtomicU32 = AtomicU32::new(0);

/// PostgreSQL and Redis in a fresh schema and key prefix; fails naming the
/// URL when a service cannot be reached.
pub(crate) async fn fresh_pg_redis() -> PgRedis {
    let n = NEXT.fetch_add(1, Ordering::SeqCst);
    let db = url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test");
    let redis_url = url("REDIS_URL", "redis://127.0.0.1:6379");
    let pg = PgStore::connect(PgConfig {
        schema: Some(format!("courier_server_test_{}_{n}", std::process::id())),
        ..PgConfig::new(db.clone())
    })
    .await
    .unwrap_or_else(|e| panic!("PostgreSQL is required for this test and {db} could not be used: {e}"));
    let redis = RedisStore::connect(&redis_url, &format!("courier-server-test-{}-{n}", std::process::id()))
        .await
        .unwrap_or_else(|e| panic!("Redis is required for this test and {redis_url} could not be used: {e}"));
    let catalog = CachedCatalog::new(pg.clone(), redis.clone(), Duration::from_mins(5));
    Composite::new(pg, catalog, redis)
}

/// Drops what [`fresh_pg_redis`] made.
pub(crate) async fn cleanup(server: TestServer<PgRedis>) {
    let store = server.state.platform.store();
    store.fast().clear().await.unwrap();
    store.durable().clone().drop_schema().await.unwrap();
}

/// Every stored order, whatever its status.
pub(crate) async fn count_orders<S: Store>(store: &S) -> usize {
    let mut n = 0;
    for kind in courier_core::order::StatusKind::ALL {
        n += store.list_by_status(kind, 1_000_000).await.unwrap().orders.len();
    }
    n
}

/// A server-sent event stream read one event at a time.
pub(crate) struct EventReader {
    response: Response,
    buffer: String,
    ended: bool,
}

impl EventReader {
    pub(crate) fn new(response: Response) -> EventReader {
        EventReader {
            response,
            buffer: String::new(),
            ended: false,
        }
    }

    /// The next named event (comments and keep-alives skipped), or `None`
    /// when the stream ends or nothing comes within `wait`.
    pub(crate) async fn next(&mut self, wait: StdDuration) -> Option<(String, Value)> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let mut name = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        name = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim());
                    }
                }
                if !name.is_empty() {
                    return Some((name, serde_json::from_str(&data).unwrap_or(Value::Null)));
                }
            }
            match tokio::time::timeout_at(deadline, self.response.chunk()).await.ok()? {
                Ok(Some(chunk)) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(None) | Err(_) => {
                    self.ended = true;
                    return None;
                }
            }
        }
    }

    /// True once the stream has ended (closed by the server, or broken).
    pub(crate) fn ended(&self) -> bool {
        self.ended
    }

    /// The next event named `name`, skipping others; panics naming what
    /// came instead when none comes within `wait`.
    pub(crate) async fn expect(&mut self, name: &str, wait: StdDuration) -> Value {
        let mut seen = Vec::new();
        while let Some((event, data)) = self.next(wait).await {
            if event == name {
                return data;
            }
            seen.push(event);
        }
        panic!("no {name:?} event within {wait:?}; saw {seen:?}");
    }
}
