//! Operations: liveness, readiness (storage answers), Prometheus metrics,
//! the OpenAPI document, and development tokens.

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use courier_core::CourierId;
use courier_core::ports::Store;
use courier_platform::external::Clock;

use crate::app::AppStateRef;
use crate::auth::Claims;
use crate::dto::{TokenRequest, TokenView};
use crate::error::ApiError;
use crate::extract::ApiJson;

#[utoipa::path(get, path = "/health/live", tag = "ops", responses((status = 200, description = "The process is up")))]
pub(crate) async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "live" }))
}

#[utoipa::path(get, path = "/health/ready", tag = "ops",
    responses((status = 200, description = "Storage answers; `set_aside` lists stored records recovery left for an operator; \
        `degradation` gives the ladder's level (`normal` .. `order_only`, rung 0-5) and what set it"),
        (status = 503, body = crate::error::ErrorBody)))]
pub(crate) async fn ready<S: Store>(state: AppStateRef<S>) -> Result<Json<serde_json::Value>, ApiError> {
    let store = state.platform.store();
    let now = state.platform.clock().now();
    // One read from the durable part and one from the fast part.
    let durable = store.get("health:ready", now).await;
    let fast = store.location(CourierId::new(0)).await;
    match (durable, fast) {
        (Ok(_), Ok(_)) => {
            let set_aside: Vec<serde_json::Value> = state
                .set_aside
                .iter()
                .map(|r| serde_json::json!({ "record": r.key, "reason": r.reason }))
                .collect();
            let (level, signals) = state.platform.degradation();
            Ok(Json(serde_json::json!({
                "status": "ready",
                "set_aside": set_aside,
                "degradation": {
                    "level": level.name(),
                    "rung": level.rung(),
                    "critical_failures": signals.critical_failures,
                    "database_at_capacity": signals.database_at_capacity,
                    "storage_latency_ms": signals.storage_latency.as_millis(),
                    "storage_error_rate": signals.storage_error_rate,
                },
            })))
        }
        (Err(e), _) | (_, Err(e)) => Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "not_ready",
            format!("storage does not answer: {e}"),
        )),
    }
}

#[utoipa::path(get, path = "/metrics", tag = "ops", responses((status = 200, description = "Prometheus text format")))]
pub(crate) async fn metrics() -> Response {
    match crate::telemetry::prometheus() {
        Some(handle) => ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], handle.render()).into_response(),
        None => ApiError::new(StatusCode::NOT_FOUND, "not_found", "metrics are recorded elsewhere").into_response(),
    }
}

#[utoipa::path(get, path = "/openapi.json", tag = "ops", responses((status = 200, description = "This document")))]
pub(crate) async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(super::openapi::document())
}

#[utoipa::path(post, path = "/v1/dev/token", tag = "ops", request_body = TokenRequest,
    responses((status = 200, body = TokenView), (status = 404, description = "Development tokens are off", body = crate::error::ErrorBody)))]
pub(crate) async fn dev_token<S: Store>(
    state: AppStateRef<S>,
    ApiJson(req): ApiJson<TokenRequest>,
) -> Result<Json<TokenView>, ApiError> {
    if !state.dev_tokens {
        return Err(ApiError::not_found("no such endpoint"));
    }
    let ttl_secs = req.ttl_secs.unwrap_or(3_600);
    if !(1..=crate::auth::MAX_TOKEN_LIFETIME_SECS).contains(&ttl_secs) {
        return Err(ApiError::new(
            axum::http::StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_bounds",
            format!(
                "ttl_secs: {ttl_secs} is outside 1..={}",
                crate::auth::MAX_TOKEN_LIFETIME_SECS
            ),
        ));
    }
    let now_secs = u64::try_from(state.platform.clock().now().as_millis() / 1_000).unwrap_or(0);
    let claims = Claims::new(req.sub.to_string(), req.role, req.tier, now_secs, ttl_secs);
    let token = state.keys.sign(&claims)?;
    Ok(Json(TokenView {
        token,
        expires_at: claims.exp,
    }))
}
