//! Generated bad requests at every endpoint: whatever the method, path,
//! token and body, the answer is never a 5xx, and always JSON.

use std::sync::OnceLock;

use courier_server::auth::Role;
use courier_storage::memory::MemoryStore;
use proptest::prelude::*;
use reqwest::{Method, StatusCode};

use crate::harness::*;

const PATHS: &[&str] = &[
    "/v1/restaurants",
    "/v1/restaurants/{id}/menu",
    "/v1/restaurants/{id}",
    "/v1/quotes",
    "/v1/orders",
    "/v1/orders/{id}",
    "/v1/orders/{id}/cancel",
    "/v1/orders/{id}/ratings",
    "/v1/orders/{id}/accept",
    "/v1/orders/{id}/reject",
    "/v1/orders/{id}/preparing",
    "/v1/orders/{id}/ready",
    "/v1/orders/{id}/offer/accept",
    "/v1/orders/{id}/offer/decline",
    "/v1/orders/{id}/pickup",
    "/v1/orders/{id}/deliver",
    "/v1/couriers/me/online",
    "/v1/couriers/me/offline",
    "/v1/couriers/me/location",
    "/v1/dev/token",
    "/health/ready",
];

/// One server for all cases, on a runtime of its own.
fn server() -> &'static (tokio::runtime::Runtime, TestServer<MemoryStore>, Vec<String>) {
    static SERVER: OnceLock<(tokio::runtime::Runtime, TestServer<MemoryStore>, Vec<String>)> = OnceLock::new();
    SERVER.get_or_init(|| {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let config = courier_platform::PlatformConfig {
            rate_limits: false,
            ..courier_platform::PlatformConfig::default()
        };
        let server = rt.block_on(TestServer::start_with(
            MemoryStore::default(),
            config,
            Default::default(),
        ));
        let mut tokens: Vec<String> = [Role::Customer, Role::Restaurant, Role::Courier, Role::Admin]
            .into_iter()
            .map(|r| token(r, if r == Role::Restaurant { RESTAURANT } else { 7 }))
            .collect();
        let real_order = rt.block_on(place(&server, &tokens[0], "fuzz-seed"));
        tokens.push(real_order);
        (rt, server, tokens)
    })
}

fn json_value() -> impl Strategy<Value = serde_json::Value> {
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>().prop_map(|f| serde_json::json!(f)),
        "[a-z_]{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(
                prop_oneof![
                    Just("restaurant_id".to_owned()),
                    Just("items".to_owned()),
                    Just("dropoff".to_owned()),
                    Just("lat".to_owned()),
                    Just("lng".to_owned()),
                    Just("quantity".to_owned()),
                    Just("item_id".to_owned()),
                    Just("prep_minutes".to_owned()),
                    Just("stars".to_owned()),
                    Just("subject".to_owned()),
                    Just("role".to_owned()),
                    Just("sub".to_owned()),
                    "[a-z]{1,6}",
                ],
                inner,
                0..5
            )
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}

#[derive(Debug, Clone)]
enum Body {
    None,
    Json(serde_json::Value),
    Raw(Vec<u8>),
}

fn body() -> impl Strategy<Value = Body> {
    prop_oneof![
        Just(Body::None),
        json_value().prop_map(Body::Json),
        prop::collection::vec(any::<u8>(), 0..200).prop_map(Body::Raw),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512)
    ))]

    #[test]
    fn no_request_gets_a_5xx(
        path in prop::sample::select(PATHS),
        method in prop::sample::select(vec![Method::GET, Method::POST, Method::PUT, Method::DELETE, Method::PUT]),
        id in prop_oneof![Just("real".to_owned()), "[0-9]{1,20}", "[a-z%.]{1,8}", Just("-1".to_owned())],
        who in 0usize..6,
        query in prop_oneof![Just(String::new()), "\\?[a-z_]{1,8}=[a-z0-9.-]{0,8}", Just("?lat=91&lng=0".to_owned())],
        key in prop::option::of("[ -~]{0,300}"),
        payload in body(),
    ) {
        let (rt, server, tokens) = server();
        let id = if id == "real" { tokens[4].clone() } else { id };
        let path = format!("{}{query}", path.replace("{id}", &id));
        let token = match who {
            0..4 => Some(tokens[who].as_str()),
            4 => Some("garbage.token.here"),
            _ => None,
        };
        let (status, text) = rt.block_on(async {
            let mut req = server.request(method.clone(), &path, token);
            if let Some(k) = &key {
                req = req.header("Idempotency-Key", k.as_str());
            }
            req = match &payload {
                Body::None => req,
                Body::Json(v) => req.json(v),
                Body::Raw(bytes) => req.header("content-type", "application/json").body(bytes.clone()),
            };
            match req.send().await {
                Ok(r) => (r.status(), r.text().await.unwrap_or_default()),
                // reqwest refuses some generated headers before sending: nothing reached the server.
                Err(e) if e.is_builder() => (StatusCode::BAD_REQUEST, "{}".to_owned()),
                Err(e) => panic!("{method} {path}: {e}"),
            }
        });
        prop_assert!(!status.is_server_error(), "{} {} -> {}: {}", method, path, status, text);
        if !text.is_empty() {
            prop_assert!(serde_json::from_str::<serde_json::Value>(&text).is_ok(), "not JSON: {}", text);
        }
    }
}
