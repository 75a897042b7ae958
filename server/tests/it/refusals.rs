//! The permission table over HTTP (allowed and refused), idempotent replay,
//! rate limits, and bad input answered with a 4xx naming the problem.

use courier_core::ports::Store;
use courier_server::auth::{Role, TierName};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::*;

pub(crate) async fn the_permission_table_holds<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let owner = token(Role::Customer, 7);
    let other = token(Role::Customer, 8);
    let kitchen = token(Role::Restaurant, RESTAURANT);
    let other_kitchen = token(Role::Restaurant, 999);
    let rider = token(Role::Courier, 42);
    let admin = token(Role::Admin, 1);
    let id = place(&s, &owner, "perm-1").await;
    let view = format!("/v1/orders/{id}");

    // view: own, own restaurant, offered/assigned courier, admin; to anyone
    // else the order does not exist.
    for (who, want) in [
        (&owner, StatusCode::OK),
        (&kitchen, StatusCode::OK),
        (&admin, StatusCode::OK),
        (&other, StatusCode::NOT_FOUND),
        (&other_kitchen, StatusCode::NOT_FOUND),
        (&rider, StatusCode::NOT_FOUND),
    ] {
        let (status, body) = s.call(Method::GET, &view, Some(who), None).await;
        assert_eq!(status, want, "{body}");
    }
    // place: customers only.
    let (status, body) = s
        .request(Method::POST, "/v1/orders", Some(&kitchen))
        .header("Idempotency-Key", "perm-2")
        .json(&two_pizzas())
        .send()
        .await
        .map(|r| async { read(r).await })
        .unwrap()
        .await;
    assert_eq!((status, code(&body)), (StatusCode::FORBIDDEN, "forbidden"));
    // accept, reject, preparing, ready: own restaurant only.
    for action in ["accept", "reject", "preparing", "ready"] {
        let path = format!("/v1/orders/{id}/{action}");
        let body = (action == "accept").then(|| json!({"prep_minutes": 10}));
        for (who, want) in [
            (&other_kitchen, StatusCode::NOT_FOUND),
            // The wrong kind of token is refused before any order is read.
            (&rider, StatusCode::FORBIDDEN),
            (&owner, StatusCode::FORBIDDEN),
        ] {
            let (status, answer) = s.call(Method::POST, &path, Some(who), body.clone()).await;
            assert_eq!(status, want, "{action}: {answer}");
        }
    }
    let (status, _) = s
        .call(
            Method::POST,
            &format!("{view}/accept"),
            Some(&kitchen),
            Some(json!({"prep_minutes": 10})),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // pick up, deliver, offer answers: only the courier offered or assigned.
    for action in ["pickup", "deliver", "offer/accept", "offer/decline"] {
        let (status, answer) = s
            .call(Method::POST, &format!("{view}/{action}"), Some(&rider), None)
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "{action} by a courier with no offer: {answer}"
        );
        let (status, _) = s
            .call(Method::POST, &format!("{view}/{action}"), Some(&owner), None)
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action} by a customer");
    }
    // cancel: not by another customer (to whom the order does not exist),
    // never by a courier; the owner may.
    for (who, want) in [(&other, StatusCode::NOT_FOUND), (&rider, StatusCode::FORBIDDEN)] {
        let (status, body) = s.call(Method::POST, &format!("{view}/cancel"), Some(who), None).await;
        assert_eq!(status, want, "{body}");
    }
    let (status, body) = s
        .call(
            Method::POST,
            &format!("{view}/cancel?reason=platform_failure"),
            Some(&owner),
            None,
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "only admins name reasons"
    );
    let (status, body) = s
        .call(Method::POST, &format!("{view}/cancel"), Some(&owner), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    // Admin cancels any order with any reason.
    let second = place(&s, &owner, "perm-3").await;
    let (status, body) = s
        .call(
            Method::POST,
            &format!("/v1/orders/{second}/cancel?reason=no_courier_found"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        (status, body["refund_minor"].as_i64()),
        (StatusCode::OK, body["order"]["charge_minor"].as_i64())
    );
    s.state.platform.check_dispatch().unwrap();
    s
}

pub(crate) async fn a_replayed_key_answers_the_first_response<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let customer = token(Role::Customer, 7);
    let send = |key: Option<&'static str>, body: Value| {
        let mut req = s.request(Method::POST, "/v1/orders", Some(&customer)).json(&body);
        if let Some(k) = key {
            req = req.header("Idempotency-Key", k);
        }
        async move { read(req.send().await.unwrap()).await }
    };
    let first = send(Some("replay-1"), two_pizzas()).await;
    let again = send(Some("replay-1"), two_pizzas()).await;
    assert_eq!(first.0, StatusCode::CREATED);
    assert_eq!(again, first, "the same answer, byte for byte");
    let mut other_cart = two_pizzas();
    other_cart["items"][0]["quantity"] = json!(3);
    let reused = send(Some("replay-1"), other_cart).await;
    assert_eq!(
        (reused.0, code(&reused.1)),
        (StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused")
    );
    let missing = send(None, two_pizzas()).await;
    assert_eq!(
        (missing.0, code(&missing.1)),
        (StatusCode::BAD_REQUEST, "missing_idempotency_key")
    );
    let orders = count_orders(s.state.platform.store()).await;
    assert_eq!(orders, 1, "one order for all of that");
    s
}

pub(crate) async fn rate_limits_answer_429_with_retry_after<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let (lat, lng) = (home().lat(), home().lng());
    // Seed 000: anonymous search 30 a minute.
    for n in 0..30 {
        let (status, _) = s
            .call(Method::GET, &format!("/v1/restaurants?lat={lat}&lng={lng}"), None, None)
            .await;
        assert_eq!(status, StatusCode::OK, "search {n}");
    }
    let response = s
        .request(Method::GET, &format!("/v1/restaurants?lat={lat}&lng={lng}"), None)
        .send()
        .await
        .unwrap();
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    let (status, body) = read(response).await;
    assert_eq!((status, code(&body)), (StatusCode::TOO_MANY_REQUESTS, "rate_limited"));
    // A signed-in caller has their own, larger window.
    let signed_in = token(Role::Customer, 7);
    let (status, _) = s
        .call(
            Method::GET,
            &format!("/v1/restaurants?lat={lat}&lng={lng}"),
            Some(&signed_in),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Placement: 10 a minute for the authenticated tier, 30 for premium.
    for n in 0..10 {
        place(&s, &signed_in, &format!("rl-{n}")).await;
    }
    let (status, body) = read(
        s.request(Method::POST, "/v1/orders", Some(&signed_in))
            .header("Idempotency-Key", "rl-10")
            .json(&two_pizzas())
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{body}"
    );
    let premium = token_with(Role::Customer, 9, TierName::Premium, 600);
    for n in 0..11 {
        place(&s, &premium, &format!("premium-{n}")).await;
    }
    // Quotes: 60 a minute for a signed-in customer.
    let quoter = token(Role::Customer, 10);
    for n in 0..60 {
        let (status, body) = s
            .call(Method::POST, "/v1/quotes", Some(&quoter), Some(two_pizzas()))
            .await;
        assert_eq!(status, StatusCode::OK, "quote {n}: {body}");
    }
    let (status, body) = s
        .call(Method::POST, "/v1/quotes", Some(&quoter), Some(two_pizzas()))
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{body}"
    );
    assert!(body["error"]["message"].as_str().unwrap().contains("quote"), "{body}");
    // Tracking streams: 20 openings a minute (each holds a connection).
    let follower = token(Role::Customer, 11);
    let id = place(&s, &follower, "track-rl").await;
    let track = format!("/v1/orders/{id}/track");
    for n in 0..20 {
        let response = s.request(Method::GET, &track, Some(&follower)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "stream {n}");
        drop(response);
    }
    let (status, body) = read(s.request(Method::GET, &track, Some(&follower)).send().await.unwrap()).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
        "{body}"
    );
    assert!(
        body["error"]["message"].as_str().unwrap().contains("track_stream"),
        "{body}"
    );
    s
}

pub(crate) async fn bad_input_is_a_4xx_naming_the_problem<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let customer = token(Role::Customer, 7);
    let raw = |path: &str, body: &str| {
        s.request(Method::POST, path, Some(&customer))
            .header("content-type", "application/json")
            .header("Idempotency-Key", "bad-1")
            .body(body.to_owned())
    };
    let cases: Vec<(reqwest::RequestBuilder, StatusCode, &str, &str)> = vec![
        (raw("/v1/orders", "{not json"), StatusCode::BAD_REQUEST, "malformed_json", ""),
        (raw("/v1/orders", r#"{"restaurant_id": "abc"}"#), StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", "restaurant_id"),
        (
            raw("/v1/quotes", &two_pizzas().to_string().replace('{', r#"{"surprise": 1, "#)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "unknown field `surprise`",
        ),
        (
            raw("/v1/quotes", &two_pizzas().to_string().replace(r#""quantity":2"#, r#""quantity":-2"#)),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "quantity",
        ),
        (
            raw("/v1/quotes", &json!({"restaurant_id": RESTAURANT, "items": [{"item_id": 1, "quantity": 1}], "dropoff": {"lat": 91.0, "lng": 0.0}}).to_string()),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "lat",
        ),
        (
            raw("/v1/quotes", &two_pizzas().to_string().replace('}', r#", "tip_minor": -5}"#).replacen(r#", "tip_minor": -5}"#, "}", 2)),
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "tip_minor",
        ),
        (raw("/v1/orders", &"x".repeat(70_000)), StatusCode::PAYLOAD_TOO_LARGE, "unreadable_body", ""),
        (
            s.request(Method::GET, "/v1/orders/123", Some("not.a.token")),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "invalid",
        ),
        (
            s.request(Method::GET, "/v1/orders/123", Some(&token_with(Role::Customer, 7, TierName::Authenticated, -600))),
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "expired",
        ),
        (s.request(Method::GET, "/v1/orders/123", None), StatusCode::UNAUTHORIZED, "unauthorized", "required"),
        (
            s.request(Method::POST, "/v1/couriers/me/location", Some(&customer)).json(&json!({"lat": 1.0, "lng": 1.0})),
            StatusCode::FORBIDDEN,
            "forbidden",
            "courier",
        ),
        (s.request(Method::GET, "/v1/orders/abc", Some(&customer)), StatusCode::BAD_REQUEST, "invalid_path", "abc"),
        (s.request(Method::GET, "/v1/orders/424242", Some(&customer)), StatusCode::NOT_FOUND, "not_found", ""),
        (s.request(Method::GET, "/v1/nowhere", None), StatusCode::NOT_FOUND, "not_found", ""),
        (s.request(Method::DELETE, "/v1/orders", None), StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed", ""),
        (
            s.request(Method::GET, "/v1/restaurants?lat=1&lng=2&colour=red", None),
            StatusCode::BAD_REQUEST,
            "invalid_query",
            "colour",
        ),
    ];
    for (n, (req, status, want_code, mentions)) in cases.into_iter().enumerate() {
        let (got, body) = read(req.send().await.unwrap()).await;
        assert_eq!((got, code(&body)), (status, want_code), "case {n}: {body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(
            message.contains(mentions),
            "case {n}: {message:?} should mention {mentions:?}"
        );
    }
    assert_eq!(count_orders(s.state.platform.store()).await, 0, "nothing was stored");
    s
}

pub(crate) async fn owners_and_admins_keep_the_catalog<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let kitchen = token(Role::Restaurant, 77);
    let restaurant = json!({
        "name": "Dumpling House", "cuisine": "chinese", "location": {"lat": 37.78, "lng": -122.41},
        "is_open": true, "accepting_orders": true, "delivery_radius_m": 4000,
        "minimum_order_minor": 800, "prep_minutes": 12
    });
    let (status, _) = s
        .call(
            Method::PUT,
            "/v1/restaurants/77",
            Some(&kitchen),
            Some(restaurant.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s
        .call(
            Method::PUT,
            "/v1/restaurants/78",
            Some(&kitchen),
            Some(restaurant.clone()),
        )
        .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::FORBIDDEN, "forbidden"),
        "not its own"
    );
    let menu = json!({"version": 1, "items": [{"id": 1, "name": "Har gow", "price_minor": 650, "available": true, "stock": 40}]});
    let (status, _) = s
        .call(
            Method::PUT,
            "/v1/restaurants/77/menu",
            Some(&kitchen),
            Some(menu.clone()),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = s
        .call(Method::PUT, "/v1/restaurants/77/menu", Some(&kitchen), Some(menu))
        .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("stale_version")),
        "the version must move forward: {body}"
    );
    let (status, body) = s.call(Method::GET, "/v1/restaurants/77/menu", None, None).await;
    assert_eq!((status, body["items"][0]["stock"].as_u64()), (StatusCode::OK, Some(40)));
    let admin = token(Role::Admin, 1);
    let mut far = restaurant;
    far["location"]["lat"] = json!(123.0);
    let (status, body) = s.call(Method::PUT, "/v1/restaurants/79", Some(&admin), Some(far)).await;
    assert_eq!((status, code(&body)), (StatusCode::BAD_REQUEST, "invalid_request"));
    s
}

pub(crate) async fn out_of_bounds_values_are_422_and_nothing_is_stored<S: Store + 'static>(store: S) -> TestServer<S> {
    let config = courier_platform::PlatformConfig {
        max_order_total_minor: 10_000,
        ..courier_platform::PlatformConfig::default()
    };
    let s = TestServer::start_with(store, config, courier_server::app::Limits::default()).await;
    let customer = token(Role::Customer, 7);
    let order = |items: Value, key: &str| {
        let mut body = two_pizzas();
        body["items"] = items;
        s.request(Method::POST, "/v1/orders", Some(&customer))
            .header("Idempotency-Key", key)
            .json(&body)
    };
    let line = |quantity: u64| json!({"item_id": MARGHERITA, "quantity": quantity});
    let many: Vec<Value> = (0..51).map(|_| line(1)).collect();
    for (req, mentions) in [
        (
            order(json!([line(4_294_967_295)]), "big-1"),
            "items[0].quantity: 4294967295 is outside 1..=99",
        ),
        (
            order(json!([line(1), line(100)]), "big-2"),
            "items[1].quantity: 100 is outside 1..=99",
        ),
        (order(Value::Array(many), "big-3"), "items: 51 is outside 1..=50 lines"),
        // 9 pizzas at $12.50 are above this platform's $100 maximum.
        (order(json!([line(9)]), "big-4"), "total: USD "),
    ] {
        let (status, body) = read(req.send().await.unwrap()).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::UNPROCESSABLE_ENTITY, "out_of_bounds"),
            "{body}"
        );
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(mentions), "{message:?} should say {mentions:?}");
    }
    // Orders are stored before they are authorized: none stored, none charged.
    assert_eq!(count_orders(s.state.platform.store()).await, 0, "nothing was stored");
    let (status, _) = read(order(json!([line(2)]), "big-1").send().await.unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "the refused key was never used");

    let admin = token(Role::Admin, 1);
    let restaurant = json!({
        "name": "Dumpling House", "cuisine": "chinese", "location": {"lat": 37.78, "lng": -122.41},
        "is_open": true, "accepting_orders": true, "delivery_radius_m": 4000,
        "minimum_order_minor": 800, "prep_minutes": 12
    });
    let mut negative = restaurant.clone();
    negative["minimum_order_minor"] = json!(-100);
    let mut long = restaurant.clone();
    long["name"] = json!("n".repeat(20_000));
    for (body, mentions) in [
        (negative, "minimum_order"),
        (long, "name: 20000 characters is outside 1..=200"),
    ] {
        let (status, answer) = s
            .call(Method::PUT, "/v1/restaurants/77", Some(&admin), Some(body))
            .await;
        assert_eq!(
            (status, code(&answer)),
            (StatusCode::UNPROCESSABLE_ENTITY, "out_of_bounds"),
            "{answer}"
        );
        assert!(
            answer["error"]["message"].as_str().unwrap().contains(mentions),
            "{answer}"
        );
    }
    let (status, _) = s
        .call(Method::PUT, "/v1/restaurants/77", Some(&admin), Some(restaurant))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let menu =
        json!({"version": 1, "items": [{"id": 1, "name": "Har gow", "price_minor": i64::MAX, "available": true}]});
    let (status, answer) = s
        .call(Method::PUT, "/v1/restaurants/77/menu", Some(&admin), Some(menu))
        .await;
    assert_eq!(
        (status, code(&answer)),
        (StatusCode::UNPROCESSABLE_ENTITY, "out_of_bounds"),
        "{answer}"
    );
    assert!(
        answer["error"]["message"].as_str().unwrap().contains("items[0].price"),
        "{answer}"
    );
    let (status, _) = s.call(Method::GET, "/v1/restaurants/77/menu", None, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the refused menu was not stored");
    s
}

pub(crate) async fn handovers_need_the_courier_at_the_stop<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let (customer, kitchen) = (token(Role::Customer, 7), token(Role::Restaurant, RESTAURANT));
    let (rider, admin) = (token(Role::Courier, 42), token(Role::Admin, 1));
    let at = |p: courier_core::GeoPoint| json!({"lat": p.lat(), "lng": p.lng()});
    let id = place(&s, &customer, "handover-1").await;
    let path = |what: &str| format!("/v1/orders/{id}/{what}");
    let (status, _) = s
        .call(
            Method::POST,
            "/v1/couriers/me/online",
            Some(&rider),
            Some(at(restaurant_point())),
        )
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    for (step, body) in [
        ("accept", Some(json!({"prep_minutes": 10}))),
        ("preparing", None),
        ("ready", None),
    ] {
        let (status, answer) = s.call(Method::POST, &path(step), Some(&kitchen), body).await;
        assert_eq!(status, StatusCode::OK, "{step}: {answer}");
    }
    let offer = path("offer/accept");
    eventually(StatusCode::OK, || s.call(Method::POST, &offer, Some(&rider), None)).await;
    // A kilometre away: refused with the distance, nothing changes.
    let away = restaurant_point().offset_m(1_000.0, 0.0).unwrap();
    s.call(Method::POST, "/v1/couriers/me/location", Some(&rider), Some(at(away)))
        .await;
    let (status, body) = s.call(Method::POST, &path("pickup"), Some(&rider), None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "not_at_stop"), "{body}");
    assert!(
        body["error"]["message"].as_str().unwrap().contains("1000 m away"),
        "{body}"
    );
    let (_, order) = s
        .call(Method::GET, &format!("/v1/orders/{id}"), Some(&customer), None)
        .await;
    assert_eq!(order["status"], "ready_for_pickup");
    // An admin may override for the assigned courier; the customer may not.
    let (status, _) = s.call(Method::POST, &path("pickup"), Some(&customer), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, body) = s.call(Method::POST, &path("pickup"), Some(&admin), None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("picked_up")),
        "{body}"
    );
    // At the door the courier's own fix counts.
    let (status, body) = s.call(Method::POST, &path("deliver"), Some(&rider), None).await;
    assert_eq!((status, code(&body)), (StatusCode::CONFLICT, "not_at_stop"), "{body}");
    s.call(Method::POST, "/v1/couriers/me/location", Some(&rider), Some(at(home())))
        .await;
    let (status, body) = s.call(Method::POST, &path("deliver"), Some(&rider), None).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (StatusCode::OK, Some("completed")),
        "{body}"
    );
    s
}

on_both! {
    permission_table: super::the_permission_table_holds;
    replayed_key: super::a_replayed_key_answers_the_first_response;
    rate_limits: super::rate_limits_answer_429_with_retry_after;
    bad_input: super::bad_input_is_a_4xx_naming_the_problem;
    catalog_upkeep: super::owners_and_admins_keep_the_catalog;
    out_of_bounds: super::out_of_bounds_values_are_422_and_nothing_is_stored;
    handovers: super::handovers_need_the_courier_at_the_stop;
}
