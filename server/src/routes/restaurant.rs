//! The restaurant's tablet: accept (within 5 minutes), reject, preparing, ready.

use axum::Json;
use courier_core::Duration;
use courier_core::ports::Store;

use super::order_id;
use crate::app::AppStateRef;
use crate::auth::Principal;
use crate::dto::{AcceptBody, OrderView};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};

#[utoipa::path(post, path = "/v1/orders/{id}/accept", tag = "restaurant", params(("id" = String, Path)), request_body = AcceptBody,
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn accept<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<AcceptBody>,
) -> Result<Json<OrderView>, ApiError> {
    let restaurant = who.restaurant()?;
    if !(1..=240).contains(&body.prep_minutes) {
        return Err(ApiError::bad_request(
            "invalid_body",
            format!("prep_minutes must be 1 to 240, got {}", body.prep_minutes),
        ));
    }
    let prep = Duration::from_mins(u64::from(body.prep_minutes));
    let order = state.platform.accept_order(restaurant, order_id(&id)?, prep).await?;
    Ok(Json(OrderView::from(&order)))
}

#[utoipa::path(post, path = "/v1/orders/{id}/reject", tag = "restaurant", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn reject<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = state.platform.reject_order(who.restaurant()?, order_id(&id)?).await?;
    Ok(Json(OrderView::from(&order)))
}

#[utoipa::path(post, path = "/v1/orders/{id}/preparing", tag = "restaurant", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn preparing<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = state
        .platform
        .start_preparing(who.restaurant()?, order_id(&id)?)
        .await?;
    Ok(Json(OrderView::from(&order)))
}

#[utoipa::path(post, path = "/v1/orders/{id}/ready", tag = "restaurant", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn ready<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = state.platform.mark_ready(who.restaurant()?, order_id(&id)?).await?;
    Ok(Json(OrderView::from(&order)))
}
