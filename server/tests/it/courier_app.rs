//! The courier's app over HTTP, knowing only what the app would know: it
//! goes online, reports positions, learns of an offer from its event
//! stream, accepts, picks up at the restaurant and delivers at the door.
//! Fixes a kilometre off are refused; another courier's order is, to a
//! courier, an order that does not exist; withdrawn offers, cancelled
//! orders and orders given back reach the stream.

use std::time::Duration as StdDuration;

use courier_core::ports::Store;
use courier_core::{Duration, GeoPoint};
use courier_platform::{CascadeConfig, DispatchPolicy, PlatformConfig};
use courier_server::app::Limits;
use courier_server::auth::Role;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::harness::*;

/// How long a test waits for the tick loop (every 50 ms) to do something.
const WAIT: StdDuration = StdDuration::from_secs(10);

const RIDER: u64 = 42;

fn point(p: GeoPoint) -> Value {
    json!({"lat": p.lat(), "lng": p.lng()})
}

/// A kilometre north of `p`.
fn km_off(p: GeoPoint) -> GeoPoint {
    p.offset_m(1_000.0, 0.0).unwrap()
}

/// A courier online 700 m from the restaurant with its event stream open.
async fn courier_with_stream<S: Store + 'static>(s: &TestServer<S>, rider: &str) -> EventReader {
    let start = restaurant_point().offset_m(700.0, 0.0).unwrap();
    let (status, body) = s
        .call(Method::POST, "/v1/couriers/me/online", Some(rider), Some(point(start)))
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let stream = s
        .request(Method::GET, "/v1/couriers/me/events", Some(rider))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    EventReader::new(stream)
}

/// An order placed, accepted, prepared and ready: dispatch offers it.
async fn ready_order<S: Store + 'static>(s: &TestServer<S>, key: &str) -> String {
    let customer = token(Role::Customer, 7);
    let kitchen = token(Role::Restaurant, RESTAURANT);
    let id = place(s, &customer, key).await;
    let accept = Some(json!({"prep_minutes": 10}));
    for (step, body) in [("accept", accept), ("preparing", None), ("ready", None)] {
        let (status, answer) = s
            .call(Method::POST, &format!("/v1/orders/{id}/{step}"), Some(&kitchen), body)
            .await;
        assert_eq!(status, StatusCode::OK, "{step}: {answer}");
    }
    id
}

/// Reports a fix at `at`.
async fn fix<S: Store + 'static>(s: &TestServer<S>, rider: &str, at: GeoPoint) {
    let (status, body) = s
        .call(Method::POST, "/v1/couriers/me/location", Some(rider), Some(point(at)))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// Takes the offer announced on the stream, checking the offer list agrees.
async fn take_offer<S: Store + 'static>(s: &TestServer<S>, rider: &str, events: &mut EventReader) -> String {
    let offer = events.expect("offer", WAIT).await;
    let id = offer["order_id"].as_str().unwrap().to_owned();
    assert_eq!(offer["restaurant_id"], RESTAURANT);
    assert_eq!(offer["pickup"], point(restaurant_point()));
    assert_eq!(offer["dropoff"], point(home()));
    assert!(offer["pay_minor"].as_i64().unwrap() > 0, "{offer}");
    let (status, listed) = s.call(Method::GET, "/v1/couriers/me/offers", Some(rider), None).await;
    assert_eq!((status, &listed[0]), (StatusCode::OK, &offer));
    let (status, taken) = s
        .call(
            Method::POST,
            &format!("/v1/orders/{id}/offer/accept"),
            Some(rider),
            None,
        )
        .await;
    assert_eq!(
        (status, taken["courier_id"].as_u64()),
        (StatusCode::OK, Some(RIDER)),
        "{taken}"
    );
    id
}

pub(crate) async fn a_courier_delivers_from_its_stream<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let rider = token(Role::Courier, RIDER);
    let mut events = courier_with_stream(&s, &rider).await;
    let (status, none) = s.call(Method::GET, "/v1/couriers/me/offers", Some(&rider), None).await;
    assert_eq!((status, none), (StatusCode::OK, json!([])));
    let placed = ready_order(&s, "app-1").await;

    let id = take_offer(&s, &rider, &mut events).await;
    assert_eq!(id, placed, "the stream named the order the courier did not know");
    fix(&s, &rider, restaurant_point()).await;
    let (status, picked) = s
        .call(Method::POST, &format!("/v1/orders/{id}/pickup"), Some(&rider), None)
        .await;
    assert_eq!((status, picked["status"].as_str()), (StatusCode::OK, Some("picked_up")));
    fix(&s, &rider, home()).await;
    let (status, done) = s
        .call(Method::POST, &format!("/v1/orders/{id}/deliver"), Some(&rider), None)
        .await;
    assert_eq!((status, done["status"].as_str()), (StatusCode::OK, Some("completed")));
    let (status, none) = s.call(Method::GET, "/v1/couriers/me/offers", Some(&rider), None).await;
    assert_eq!((status, none), (StatusCode::OK, json!([])));
    s
}

pub(crate) async fn fixes_a_kilometre_off_are_refused<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let rider = token(Role::Courier, RIDER);
    let mut events = courier_with_stream(&s, &rider).await;
    ready_order(&s, "app-far").await;
    let id = take_offer(&s, &rider, &mut events).await;
    let order = format!("/v1/orders/{id}");

    fix(&s, &rider, km_off(restaurant_point())).await;
    let (status, refused) = s
        .call(Method::POST, &format!("{order}/pickup"), Some(&rider), None)
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::CONFLICT, "not_at_stop"),
        "{refused}"
    );
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(message.contains("1000 m away"), "names the distance: {message}");
    let (_, unchanged) = s.call(Method::GET, &order, Some(&rider), None).await;
    assert_eq!(
        unchanged["status"], "ready_for_pickup",
        "a refused pickup changes nothing"
    );

    fix(&s, &rider, restaurant_point()).await;
    let (status, _) = s
        .call(Method::POST, &format!("{order}/pickup"), Some(&rider), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    fix(&s, &rider, km_off(home())).await;
    let (status, refused) = s
        .call(Method::POST, &format!("{order}/deliver"), Some(&rider), None)
        .await;
    assert_eq!(
        (status, code(&refused)),
        (StatusCode::CONFLICT, "not_at_stop"),
        "{refused}"
    );
    let (_, unchanged) = s.call(Method::GET, &order, Some(&rider), None).await;
    assert_eq!(unchanged["status"], "picked_up", "a refused delivery changes nothing");
    s
}

pub(crate) async fn another_couriers_order_is_not_found<S: Store + 'static>(store: S) -> TestServer<S> {
    let s = TestServer::start(store).await;
    let rider = token(Role::Courier, RIDER);
    let stranger = token(Role::Courier, RIDER + 1);
    let mut events = courier_with_stream(&s, &rider).await;
    ready_order(&s, "app-hidden").await;
    let offered = events.expect("offer", WAIT).await;
    let id = offered["order_id"].as_str().unwrap().to_owned();

    // Offered to someone else, or not existing at all: the same answer.
    for order in [id.as_str(), "424242"] {
        let path = format!("/v1/orders/{order}");
        let (status, body) = s.call(Method::GET, &path, Some(&stranger), None).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, "not_found"),
            "view {order}"
        );
        for action in ["offer/accept", "offer/decline", "pickup", "deliver"] {
            let (status, body) = s
                .call(Method::POST, &format!("{path}/{action}"), Some(&stranger), None)
                .await;
            assert_eq!(
                (status, code(&body)),
                (StatusCode::NOT_FOUND, "not_found"),
                "{action} on {order}: {body}"
            );
        }
    }
    let (status, body) = s
        .call(Method::GET, "/v1/couriers/me/offers", Some(&stranger), None)
        .await;
    assert_eq!((status, body), (StatusCode::OK, json!([])));
    // The offered courier still sees it, so nothing above changed it.
    let (status, body) = s
        .call(Method::GET, &format!("/v1/orders/{id}"), Some(&rider), None)
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    s
}

pub(crate) async fn lapsed_offers_and_cancellations_reach_the_stream<S: Store + 'static>(store: S) -> TestServer<S> {
    let quick = PlatformConfig {
        dispatch: DispatchPolicy::Cascade(CascadeConfig {
            offer_timeout: Duration::from_secs(1),
            ..CascadeConfig::default()
        }),
        ..PlatformConfig::default()
    };
    let s = TestServer::start_with(store, quick, Limits::default()).await;
    let rider = token(Role::Courier, RIDER);
    let mut events = courier_with_stream(&s, &rider).await;
    let first = ready_order(&s, "app-lapse").await;
    let offer = events.expect("offer", WAIT).await;
    assert_eq!(offer["order_id"], first.as_str());
    // Unanswered, the offer lapses after a second and the stream says so.
    let closed = events.expect("offer_closed", WAIT).await;
    assert_eq!(closed["order_id"], first.as_str());
    let (status, none) = s.call(Method::GET, "/v1/couriers/me/offers", Some(&rider), None).await;
    assert_eq!((status, none), (StatusCode::OK, json!([])));

    // An order the courier carries, cancelled by an admin, is taken off it.
    let second = ready_order(&s, "app-cancel").await;
    let id = take_offer(&s, &rider, &mut events).await;
    assert_eq!(id, second);
    let admin = token(Role::Admin, 1);
    let (status, body) = s
        .call(
            Method::POST,
            &format!("/v1/orders/{id}/cancel?reason=platform_failure"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let cancelled = events.expect("cancelled", WAIT).await;
    assert_eq!(cancelled["order_id"], id.as_str());

    // An order given back (the courier's app lost, the courier offline)
    // goes back to dispatch, and the stream says the courier no longer has it.
    let third = ready_order(&s, "app-offline").await;
    let id = take_offer(&s, &rider, &mut events).await;
    assert_eq!(id, third);
    let (status, body) = s
        .call(Method::POST, "/v1/couriers/me/offline", Some(&rider), None)
        .await;
    assert_eq!((status, &body["released"][0]), (StatusCode::OK, &json!(id)), "{body}");
    let given_back = events.expect("unassigned", WAIT).await;
    assert_eq!(given_back["order_id"], id.as_str());
    s
}

on_both! {
    courier_app_delivers: super::a_courier_delivers_from_its_stream;
    courier_app_far_fixes: super::fixes_a_kilometre_off_are_refused;
    courier_app_hidden_orders: super::another_couriers_order_is_not_found;
    courier_app_lapses_and_cancels: super::lapsed_offers_and_cancellations_reach_the_stream;
}
