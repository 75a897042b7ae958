//! The seed journeys over real HTTP: search to delivery with live tracking,
//! and the restaurant's side with a cancellation refund.

use courier_core::ports::Store;
use courier_server::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::*;

/// Reads a tracking stream to its end: (event, data) pairs.
async fn collect_stream(response: reqwest::Response) -> Vec<(String, Value)> {
    let mut reader = EventReader::new(response);
    let mut events = Vec::new();
    while let Some(event) = reader.next(std::time::Duration::from_secs(60)).await {
        events.push(event);
    }
    events
}

pub(crate) async fn customer_orders_food<S: Store + 'static>(store: S) -> TestServer<S> {
    let server = TestServer::start(store).await;
    let customer = token(Role::Customer, 7);
    let kitchen = token(Role::Restaurant, RESTAURANT);
    let rider = token(Role::Courier, 42);
    let (lat, lng) = (home().lat(), home().lng());

    let (status, found) = server
        .call(
            Method::GET,
            &format!("/v1/restaurants?lat={lat}&lng={lng}&radius_m=3000&q=pizza"),
            None,
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    assert_eq!(found[0]["id"], RESTAURANT);
    let (status, menu) = server
        .call(Method::GET, "/v1/restaurants/123/menu", Some(&customer), None)
        .await;
    assert_eq!((status, menu["items"].as_array().unwrap().len()), (StatusCode::OK, 2));
    let (status, quote) = server
        .call(Method::POST, "/v1/quotes", Some(&customer), Some(two_pizzas()))
        .await;
    assert_eq!(status, StatusCode::OK, "{quote}");
    assert_eq!(quote["lines"][0], json!({"name": "subtotal", "amount_minor": 2500}));

    let id = place(&server, &customer, "journey-1").await;
    let track = server
        .request(Method::GET, &format!("/v1/orders/{id}/track"), Some(&customer))
        .send()
        .await
        .unwrap();
    assert_eq!(track.status(), StatusCode::OK);
    let stream = tokio::spawn(collect_stream(track));

    let start = json!({"lat": restaurant_point().lat() + 0.007, "lng": restaurant_point().lng()});
    assert_eq!(
        server
            .call(Method::POST, "/v1/couriers/me/online", Some(&rider), Some(start))
            .await
            .0,
        StatusCode::NO_CONTENT
    );
    let path = |what: &str| format!("/v1/orders/{id}/{what}");
    let (status, accepted) = server
        .call(
            Method::POST,
            &path("accept"),
            Some(&kitchen),
            Some(json!({"prep_minutes": 15})),
        )
        .await;
    assert_eq!(
        (status, accepted["status"].as_str()),
        (StatusCode::OK, Some("confirmed"))
    );
    assert_eq!(
        server
            .call(Method::POST, &path("preparing"), Some(&kitchen), None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        server.call(Method::POST, &path("ready"), Some(&kitchen), None).await.0,
        StatusCode::OK
    );
    // The tick loop's next dispatch round offers the order to the only courier.
    let offer = path("offer/accept");
    let taken = eventually(StatusCode::OK, || server.call(Method::POST, &offer, Some(&rider), None)).await;
    assert_eq!(taken["courier_id"], 42);
    let at_restaurant = json!({"lat": restaurant_point().lat(), "lng": restaurant_point().lng()});
    let (_, arrived) = server
        .call(
            Method::POST,
            "/v1/couriers/me/location",
            Some(&rider),
            Some(at_restaurant),
        )
        .await;
    assert_eq!(arrived["arrivals"][0]["stop"], "restaurant");
    assert_eq!(
        server.call(Method::POST, &path("pickup"), Some(&rider), None).await.0,
        StatusCode::OK
    );
    let (_, at_door) = server
        .call(
            Method::POST,
            "/v1/couriers/me/location",
            Some(&rider),
            Some(json!({"lat": lat, "lng": lng})),
        )
        .await;
    assert_eq!(at_door["arrivals"][0]["stop"], "door");
    let (status, delivered) = server.call(Method::POST, &path("deliver"), Some(&rider), None).await;
    assert_eq!(
        (status, delivered["status"].as_str()),
        (StatusCode::OK, Some("completed"))
    );

    let (status, rated) = server
        .call(
            Method::POST,
            &path("ratings"),
            Some(&customer),
            Some(json!({"subject": "courier", "stars": 5})),
        )
        .await;
    assert_eq!((status, rated["count"].as_u64()), (StatusCode::OK, Some(1)));
    let (status, again) = server
        .call(
            Method::POST,
            &path("ratings"),
            Some(&customer),
            Some(json!({"subject": "courier", "stars": 1})),
        )
        .await;
    assert_eq!(
        (status, again["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_rated"))
    );

    let events = stream.await.unwrap();
    let statuses: Vec<&str> = events
        .iter()
        .filter(|(name, _)| name == "status")
        .filter_map(|(_, order)| order["status"].as_str())
        .collect();
    assert_eq!(statuses.first(), Some(&"placed"), "{events:?}");
    assert!(
        matches!(statuses.last(), Some(&"delivered" | &"completed")),
        "the stream ends at delivery: {events:?}"
    );
    // A stream sends the order as it is when it looks: every version once,
    // in lifecycle order (a quick succession may show only the later one).
    let lifecycle = [
        "placed",
        "confirmed",
        "preparing",
        "ready_for_pickup",
        "picked_up",
        "delivered",
        "completed",
    ];
    let ranks: Vec<usize> = statuses
        .iter()
        .map(|s| lifecycle.iter().position(|l| l == s).unwrap())
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "out of order: {statuses:?}");
    assert!(statuses.len() >= 4, "too few updates: {statuses:?}");
    assert!(
        events
            .iter()
            .any(|(name, at)| name == "position" && at["lat"].as_f64().is_some()),
        "no courier position: {events:?}"
    );
    server
}

pub(crate) async fn restaurant_side_and_refunds<S: Store + 'static>(store: S) -> TestServer<S> {
    let server = TestServer::start(store).await;
    let customer = token(Role::Customer, 7);
    let kitchen = token(Role::Restaurant, RESTAURANT);
    let rejected = place(&server, &customer, "tablet-b").await;
    let (status, body) = server
        .call(
            Method::POST,
            &format!("/v1/orders/{rejected}/reject"),
            Some(&kitchen),
            None,
        )
        .await;
    assert_eq!((status, body["status"].as_str()), (StatusCode::OK, Some("rejected")));

    // Seed 000 edge case: cancelled within 5 minutes of acceptance, so half
    // of the charge comes back.
    let id = place(&server, &customer, "order_789").await;
    server
        .call(
            Method::POST,
            &format!("/v1/orders/{id}/accept"),
            Some(&kitchen),
            Some(json!({"prep_minutes": 20})),
        )
        .await;
    let (status, cancelled) = server
        .call(Method::POST, &format!("/v1/orders/{id}/cancel"), Some(&customer), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{cancelled}");
    let charge = cancelled["order"]["charge_minor"].as_i64().unwrap();
    let (refund, kept) = (
        cancelled["refund_minor"].as_i64().unwrap(),
        cancelled["retained_minor"].as_i64().unwrap(),
    );
    assert_eq!((refund, refund + kept), ((charge + 1) / 2, charge), "{cancelled}");
    assert_eq!(cancelled["order"]["status"], "cancelled");
    server
}

on_both! {
    journey_customer_orders_food: super::customer_orders_food;
    journey_restaurant_side_and_refunds: super::restaurant_side_and_refunds;
}
