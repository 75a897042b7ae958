//! The routes: `/v1` for the API, the rest for operations.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};
use courier_core::ports::Store;

use crate::app::AppState;

mod catalog;
mod courier;
mod customer;
mod offers;
pub(crate) mod openapi;
mod ops;
mod promotions;
mod restaurant;
mod track;

/// `/v1`: customers, restaurants, couriers and the tracking stream.
pub(crate) fn api<S: Store + 'static>() -> Router<Arc<AppState<S>>> {
    Router::new()
        .route("/v1/restaurants", get(customer::search::<S>))
        .route("/v1/restaurants/recommended", get(customer::recommended::<S>))
        .route("/v1/restaurants/{id}", axum::routing::put(catalog::put_restaurant::<S>))
        .route(
            "/v1/restaurants/{id}/menu",
            get(customer::menu::<S>).put(catalog::put_menu::<S>),
        )
        .route("/v1/quotes", post(customer::quote::<S>))
        .route("/v1/orders", post(customer::place::<S>))
        .route("/v1/orders/{id}", get(customer::order::<S>))
        .route("/v1/orders/{id}/cancel", post(customer::cancel::<S>))
        .route("/v1/orders/{id}/ratings", post(customer::rate::<S>))
        .route("/v1/orders/{id}/track", get(track::track::<S>))
        .route("/v1/orders/{id}/accept", post(restaurant::accept::<S>))
        .route("/v1/orders/{id}/reject", post(restaurant::reject::<S>))
        .route("/v1/orders/{id}/preparing", post(restaurant::preparing::<S>))
        .route("/v1/orders/{id}/ready", post(restaurant::ready::<S>))
        .route("/v1/orders/{id}/offer/accept", post(courier::accept_offer::<S>))
        .route("/v1/orders/{id}/offer/decline", post(courier::decline_offer::<S>))
        .route("/v1/orders/{id}/pickup", post(courier::pick_up::<S>))
        .route("/v1/orders/{id}/deliver", post(courier::deliver::<S>))
        .route("/v1/couriers/me/online", post(courier::online::<S>))
        .route("/v1/couriers/me/offline", post(courier::offline::<S>))
        .route("/v1/couriers/me/location", post(courier::location::<S>))
        .route("/v1/couriers/me/offers", get(offers::offers::<S>))
        .route("/v1/couriers/me/events", get(offers::events::<S>))
        .route(
            "/v1/promotions",
            post(promotions::create::<S>).get(promotions::list::<S>),
        )
        .route("/v1/promotions/{code}/expire", post(promotions::expire::<S>))
        .route("/v1/dev/token", post(ops::dev_token::<S>))
}

/// Health, metrics and the API description.
pub(crate) fn ops<S: Store + 'static>() -> Router<Arc<AppState<S>>> {
    Router::new()
        .route("/health/live", get(ops::live))
        .route("/health/ready", get(ops::ready::<S>))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(ops::openapi))
}

/// An order id from the path: digits only.
pub(crate) fn order_id(raw: &str) -> Result<courier_core::OrderId, crate::error::ApiError> {
    raw.parse::<u64>()
        .map(courier_core::OrderId::new)
        .map_err(|_| crate::error::ApiError::bad_request("invalid_path", format!("order id {raw:?} is not a number")))
}

/// A restaurant id from the path: ids are stored as signed 64-bit numbers,
/// so one above `i64::MAX` names nothing that can exist.
pub(crate) fn restaurant_id(raw: u64) -> Result<courier_core::RestaurantId, crate::error::ApiError> {
    if i64::try_from(raw).is_err() {
        return Err(crate::error::ApiError::bad_request(
            "invalid_path",
            format!("restaurant id {raw} is above {}", i64::MAX),
        ));
    }
    Ok(courier_core::RestaurantId::new(raw))
}

/// A server-sent event named `name` carrying `body` as JSON (named, empty,
/// should the body not serialize).
pub(crate) fn json_event(name: &str, body: &impl serde::Serialize) -> axum::response::sse::Event {
    axum::response::sse::Event::default()
        .event(name)
        .json_data(body)
        .unwrap_or_else(|_| axum::response::sse::Event::default().event(name))
}
