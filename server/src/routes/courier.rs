//! The courier's app: online, offline, location, offers, pickup, delivery.

use axum::Json;
use axum::http::StatusCode;
use courier_core::ports::Store;
use courier_platform::Stop;
use courier_platform::external::Clock;

use super::order_id;
use crate::app::AppStateRef;
use crate::auth::Principal;
use crate::dto::{ArrivalView, LocationView, OfflineView, OrderView, Point};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};

#[utoipa::path(post, path = "/v1/couriers/me/online", tag = "courier", request_body = Point,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn online<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiJson(at): ApiJson<Point>,
) -> Result<StatusCode, ApiError> {
    let point = at.geo()?;
    state.platform.courier_online(who.courier()?, point).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/couriers/me/offline", tag = "courier",
    responses((status = 200, body = OfflineView)), security(("bearer" = [])))]
pub(crate) async fn offline<S: Store>(state: AppStateRef<S>, who: Principal) -> Result<Json<OfflineView>, ApiError> {
    let released = state.platform.courier_offline(who.courier()?).await?;
    Ok(Json(OfflineView {
        released: released.iter().map(|o| o.get().to_string()).collect(),
    }))
}

#[utoipa::path(post, path = "/v1/couriers/me/location", tag = "courier", request_body = Point,
    responses((status = 200, body = LocationView), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn location<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiJson(at): ApiJson<Point>,
) -> Result<Json<LocationView>, ApiError> {
    let courier = who.courier()?;
    let point = at.geo()?;
    let arrivals = state.platform.update_location(courier, point).await?;
    let time = state.platform.clock().now();
    let interval = state.platform.degradation().0.tracking_interval();
    state
        .hub
        .publish_position(courier, &state.platform.carried_by(courier), point, time, interval);
    Ok(Json(LocationView {
        arrivals: arrivals
            .iter()
            .map(|a| ArrivalView {
                order_id: a.order.get().to_string(),
                stop: match a.stop {
                    Stop::Restaurant => "restaurant",
                    Stop::Door => "door",
                }
                .to_owned(),
            })
            .collect(),
    }))
}

#[utoipa::path(post, path = "/v1/orders/{id}/offer/accept", tag = "courier", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn accept_offer<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = order_id(&id)?;
    state.platform.answer_offer(who.courier()?, order, true).await?;
    Ok(Json(OrderView::from(&state.platform.order(who.actor, order).await?)))
}

#[utoipa::path(post, path = "/v1/orders/{id}/offer/decline", tag = "courier", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn decline_offer<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<StatusCode, ApiError> {
    state
        .platform
        .answer_offer(who.courier()?, order_id(&id)?, false)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/orders/{id}/pickup", tag = "courier", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn pick_up<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = state
        .platform
        .handed_over_at_restaurant(handover(&who)?, order_id(&id)?)
        .await?;
    Ok(Json(OrderView::from(&order)))
}

#[utoipa::path(post, path = "/v1/orders/{id}/deliver", tag = "courier", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn deliver<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let delivered = state
        .platform
        .handed_over_at_door(handover(&who)?, order_id(&id)?)
        .await?;
    Ok(Json(OrderView::from(&delivered.order)))
}

/// The courier at the stop, or an admin overriding the stop's check for
/// the order's assigned courier (the admin is the audited actor).
fn handover(who: &Principal) -> Result<courier_platform::Handover, ApiError> {
    match who.actor {
        courier_core::order::Actor::Admin(admin) => Ok(courier_platform::Handover::Override(admin)),
        _ => Ok(courier_platform::Handover::Courier(who.courier()?)),
    }
}
