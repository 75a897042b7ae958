//! Operations: graceful shutdown with requests in flight, health, metrics,
//! the OpenAPI document matching the routes, and dev tokens.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use courier_core::ports::Store;
use courier_core::{Duration, Timestamp};
use courier_platform::PlatformConfig;
use courier_platform::external::Clock;
use courier_server::app::Limits;
use courier_server::auth::Role;
use courier_server::clock::SystemClock;
use courier_server::startup::Joining;
use courier_storage::faults::{FaultClock, FaultPlan, FaultyStore};
use courier_storage::layered::Layered;
use courier_storage::memory::MemoryStore;
use courier_storage::metered::StorageMeter;
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::harness::*;

/// Injected storage latency really sleeps, so requests stay in flight.
pub(crate) struct Sleeping;

impl FaultClock for Sleeping {
    fn now(&self) -> Timestamp {
        SystemClock.now()
    }
    async fn wait(&self, d: Duration) {
        tokio::time::sleep(StdDuration::from_millis(d.as_millis())).await;
    }
}

/// 16 placements behind 20 ms of injected storage latency are in flight
/// when shutdown is asked: all answer 201 and are stored.
async fn shutdown_lets_requests_in_flight_finish<S: Store + 'static>(store: S) -> TestServer<FaultyStore<S, Sleeping>> {
    let slow = FaultyStore::new(
        store,
        Sleeping,
        FaultPlan {
            latency: Duration::from_millis(20),
            ..FaultPlan::default()
        },
        1,
    );
    let mut s = TestServer::start_with(slow, PlatformConfig::default(), Limits::default()).await;
    let tokens: Vec<String> = (0..16).map(|c| token(Role::Customer, 100 + c)).collect();
    let requests = tokens.iter().enumerate().map(|(n, t)| {
        s.request(Method::POST, "/v1/orders", Some(t))
            .header("Idempotency-Key", format!("flight-{n}"))
            .json(&two_pizzas())
            .send()
    });
    let in_flight = tokio::spawn(join_all(requests.collect::<Vec<_>>()));
    tokio::time::sleep(StdDuration::from_millis(60)).await;
    assert!(
        !in_flight.is_finished(),
        "the requests must still be running at shutdown"
    );
    s.stop().await;
    let answers = in_flight.await.unwrap();
    for answer in answers {
        assert_eq!(answer.unwrap().status(), StatusCode::CREATED);
    }
    assert_eq!(
        count_orders(s.state.platform.store()).await,
        16,
        "every accepted order is stored"
    );
    let refused = s.client.get(format!("{}/health/live", s.base)).send().await;
    assert!(refused.is_err(), "a stopped server takes no new requests");
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_on_memory() {
    shutdown_lets_requests_in_flight_finish(MemoryStore::default()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_on_pg_redis() {
    let s = shutdown_lets_requests_in_flight_finish(fresh_pg_redis().await).await;
    let store = s.state.platform.store().inner();
    store.fast().clear().await.unwrap();
    store.durable().clone().drop_schema().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_metrics_and_dev_tokens() {
    let s = TestServer::start(MemoryStore::default()).await;
    assert_eq!(s.call(Method::GET, "/health/live", None, None).await.0, StatusCode::OK);
    let (status, ready) = s.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!((status, ready["status"].as_str()), (StatusCode::OK, Some("ready")));
    assert_eq!(
        (
            ready["degradation"]["level"].as_str(),
            ready["degradation"]["rung"].as_u64()
        ),
        (Some("normal"), Some(0)),
        "{ready}"
    );
    courier_server::telemetry::prometheus().expect("the first recorder in this process");
    place(&s, &token(Role::Customer, 7), "metrics-1").await;
    // A tick (every 50 ms here) sets the ladder's gauge.
    tokio::time::sleep(StdDuration::from_millis(150)).await;
    let text = s
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for metric in [
        "courier_http_requests_total",
        "courier_orders_total",
        "courier_degradation_level",
        "route=\"/v1/orders\"",
    ] {
        assert!(text.contains(metric), "{metric} missing from /metrics");
    }
    let (status, issued) = s
        .call(
            Method::POST,
            "/v1/dev/token",
            None,
            Some(json!({"sub": 7, "role": "customer"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = s
        .call(Method::GET, "/v1/restaurants/123/menu", issued["token"].as_str(), None)
        .await;
    assert_eq!(status, StatusCode::OK, "a dev token works");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dev_tokens_are_off_unless_enabled() {
    let store = MemoryStore::default();
    let keys = courier_server::auth::Keys::new(SECRET).unwrap();
    let state = courier_server::startup::state(store, keys, false, PlatformConfig::default())
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(courier_server::app::serve(
        state,
        listener,
        Limits::default(),
        None,
        async {
            tokio::time::sleep(StdDuration::from_secs(5)).await;
        },
    ));
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/v1/dev/token"))
        .json(&json!({"sub": 1, "role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), StatusCode::NOT_FOUND);
    server.abort();
}

/// Every operation in `/openapi.json` is routed: asked with placeholder
/// ids, none answers the router's own 404 or 405.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openapi_document_matches_the_routes() {
    let s = TestServer::start(MemoryStore::default()).await;
    let (status, doc) = s.call(Method::GET, "/openapi.json", None, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(doc, serde_json::to_value(courier_server::openapi()).unwrap());
    let paths = doc["paths"].as_object().unwrap();
    let mut operations = 0;
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let concrete = path.replace("{id}", "123");
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let response = s
                .request(method.clone(), &concrete, Some(&token(Role::Admin, 1)))
                .timeout(StdDuration::from_secs(2))
                .send()
                .await;
            if let Ok(response) = response {
                let (status, body) = read_lossy(response).await;
                let code = body.get("error").and_then(|e| e["message"].as_str()).unwrap_or("");
                assert!(
                    !(status == StatusCode::METHOD_NOT_ALLOWED || code == "no such endpoint"),
                    "{method} {path} is documented but not routed"
                );
            }
            operations += 1;
        }
    }
    assert_eq!(operations, 32, "every route is documented");
}

async fn read_lossy(response: reqwest::Response) -> (StatusCode, serde_json::Value) {
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    (status, serde_json::from_str(&body).unwrap_or(serde_json::Value::Null))
}

#[tokio::test]
async fn request_ids_are_unique_across_instances_and_a_clients_own_is_kept() {
    // Two servers stand for two instances behind a balancer (a counter
    // per process would give both the same first id).
    let a = TestServer::start(MemoryStore::default()).await;
    let b = TestServer::start(MemoryStore::default()).await;
    let mut seen = std::collections::HashSet::new();
    for s in [&a, &b, &a, &b] {
        let response = s.request(Method::GET, "/health/live", None).send().await.unwrap();
        let id = response.headers()["x-request-id"].to_str().unwrap().to_owned();
        assert_eq!(id.len(), 36, "a UUID: {id}");
        assert!(seen.insert(id.clone()), "{id} given twice");
    }
    let response = a
        .request(Method::GET, "/health/live", None)
        .header("x-request-id", "client-chosen-1")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "client-chosen-1");
}

/// Query parameters are documented in the query and optional where
/// optional; every operation documents the statuses it can answer.
#[test]
fn the_openapi_document_says_where_parameters_are_and_what_can_come_back() {
    let doc = serde_json::to_value(courier_server::openapi()).unwrap();
    let params = |path: &str, method: &str| doc["paths"][path][method]["parameters"].as_array().unwrap().clone();
    let param = |list: &[serde_json::Value], name: &str| {
        list.iter()
            .find(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} documented"))
            .clone()
    };
    let search = params("/v1/restaurants", "get");
    for (name, required) in [("lat", true), ("lng", true), ("radius_m", false), ("q", false)] {
        let p = param(&search, name);
        assert_eq!(p["in"], "query", "{name}");
        assert_eq!(p["required"].as_bool().unwrap_or(false), required, "{name}");
    }
    let reason = param(&params("/v1/orders/{id}/cancel", "post"), "reason");
    assert_eq!(
        (reason["in"].as_str(), reason["required"].as_bool().unwrap_or(false)),
        (Some("query"), false)
    );
    let answers = |path: &str, method: &str| {
        doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    let place = answers("/v1/orders", "post");
    for status in ["201", "400", "401", "413", "415", "422", "429", "503"] {
        assert!(
            place.contains(&status.to_owned()),
            "POST /v1/orders documents {status}: {place:?}"
        );
    }
    let search = answers("/v1/restaurants", "get");
    assert!(
        search.contains(&"429".to_owned()) && !search.contains(&"415".to_owned()),
        "{search:?}"
    );
    assert_eq!(
        doc["paths"]["/v1/orders"]["post"]["responses"]["422"]["content"]["application/json"]["schema"]["$ref"],
        "#/components/schemas/ErrorBody"
    );
}

/// A slow store is a signal of its own: the metered calls' p99 puts the
/// ladder at no-onboarding although every tick succeeds, `/health/ready`
/// says why, and a window of fast calls brings it back to normal.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_store_stops_onboarding_until_it_is_fast_again() {
    let meter = Arc::new(StorageMeter::default());
    let slow = FaultyStore::new(
        MemoryStore::default(),
        Sleeping,
        FaultPlan {
            latency: Duration::from_millis(600),
            ..FaultPlan::default()
        },
        1,
    );
    let joining = Joining {
        storage_meter: Some(meter.clone()),
        ..Joining::default()
    };
    let mut s = TestServer::start_joining(
        Layered::wrap(slow, meter.clone()),
        PlatformConfig::default(),
        Limits::default(),
        joining,
    )
    .await;
    let menus = (0..12).map(|_| {
        s.request(Method::GET, &format!("/v1/restaurants/{RESTAURANT}/menu"), None)
            .send()
    });
    for answer in join_all(menus.collect::<Vec<_>>()).await {
        assert_eq!(answer.unwrap().status(), StatusCode::OK);
    }
    // What the tick loop does every ten seconds, done now.
    let window = s.state.edge.take(0);
    assert!(window.storage_latency >= Duration::from_millis(600), "{window:?}");
    assert_eq!(window.storage_error_rate, 0.0);
    s.state.platform.observe_edge(window);
    let (status, ready) = s.call(Method::GET, "/health/ready", None, None).await;
    assert_eq!(status, StatusCode::OK);
    let ladder = &ready["degradation"];
    assert_eq!(ladder["level"].as_str(), Some("no_onboarding"), "{ready}");
    assert_eq!(ladder["critical_failures"].as_u64(), Some(0), "{ready}");
    assert!(ladder["storage_latency_ms"].as_u64() >= Some(600), "{ready}");

    // A window with no slow calls: back to normal.
    meter.take();
    s.state.platform.observe_edge(s.state.edge.take(0));
    assert_eq!(s.state.platform.degradation().0.name(), "normal");
    s.stop().await;
}

/// Recommendations answer until search is slow, then 503 `degraded` while
/// search itself goes on, and come back with it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recommendations_go_first_when_search_is_slow() {
    let mut s = TestServer::start(MemoryStore::default()).await;
    let (lat, lng) = (home().lat(), home().lng());
    let path = format!("/v1/restaurants/recommended?lat={lat}&lng={lng}&limit=3");
    let (status, found) = s.call(Method::GET, &path, None, None).await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found[0]["id"].as_u64(), Some(RESTAURANT), "{found}");

    s.state.platform.observe_edge(courier_platform::EdgeSignals {
        search_latency: Duration::from_secs(3),
        ..courier_platform::EdgeSignals::default()
    });
    let (status, refused) = s.call(Method::GET, &path, None, None).await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::SERVICE_UNAVAILABLE, "degraded"),
        "{refused}"
    );
    let search = format!("/v1/restaurants?lat={lat}&lng={lng}");
    assert_eq!(s.call(Method::GET, &search, None, None).await.0, StatusCode::OK);

    s.state.platform.observe_edge(courier_platform::EdgeSignals::default());
    assert_eq!(s.call(Method::GET, &path, None, None).await.0, StatusCode::OK);
    let (status, bad) = s
        .call(
            Method::GET,
            &format!("/v1/restaurants/recommended?lat={lat}&lng={lng}&limit=21"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}");
    s.stop().await;
}
