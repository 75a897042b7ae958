//! The customer's endpoints: search, recommendations, menu, quote, order,
//! status, cancel, rate. Anonymous callers may search, be recommended
//! restaurants and read menus.

use std::net::SocketAddr;

use axum::Json;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use courier_core::order::{Actor, CancelReason};
use courier_core::ports::Store;
use courier_core::rating::RatingSubject;
use courier_core::{CustomerId, IdempotencyKey, MenuItemId, Money, RestaurantId};
use courier_platform::rate_limits::Tier;
use courier_platform::{OrderRequest, SearchQuery};
use serde::Deserialize;

use super::order_id;
use crate::app::AppStateRef;
use crate::auth::{MaybePrincipal, Principal};
use crate::dto::*;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, ApiQuery};

/// Replayed placements answer what the first one did for this long.
const PLACEMENT_REPLAY_WINDOW: courier_core::Duration = courier_core::ports::DEFAULT_IDEMPOTENCY_TTL;

fn caller(who: Option<Principal>, addr: SocketAddr) -> (Tier, String) {
    match who {
        Some(p) => (p.tier, p.caller_key()),
        None => (Tier::Anonymous, format!("ip-{}", addr.ip())),
    }
}

#[utoipa::path(get, path = "/v1/restaurants", tag = "customer", params(SearchParams),
    responses((status = 200, body = [RestaurantView]), (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)))]
pub(crate) async fn search<S: Store>(
    state: AppStateRef<S>,
    MaybePrincipal(who): MaybePrincipal,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> Result<Json<Vec<RestaurantView>>, ApiError> {
    let (tier, key) = caller(who, addr);
    let query = SearchQuery {
        near: Point { lat: p.lat, lng: p.lng }.geo()?,
        radius_m: p.radius_m.unwrap_or(5_000.0),
        text: p.q,
        cuisine: p.cuisine,
        min_rating_centi: p.min_rating.unwrap_or(0),
        open_now: p.open_now.unwrap_or(true),
        limit: p.limit.unwrap_or(20),
    };
    let found = state.platform.search(&query, tier, &key).await?;
    Ok(Json(found.iter().map(RestaurantView::from).collect()))
}

#[utoipa::path(get, path = "/v1/restaurants/recommended", tag = "customer", params(RecommendParams),
    responses((status = 200, description = "Best rated first", body = [RestaurantView]),
        (status = 400, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody),
        (status = 503, description = "Recommendations are off (the degradation ladder)", body = crate::error::ErrorBody)))]
pub(crate) async fn recommended<S: Store>(
    state: AppStateRef<S>,
    MaybePrincipal(who): MaybePrincipal,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiQuery(p): ApiQuery<RecommendParams>,
) -> Result<Json<Vec<RestaurantView>>, ApiError> {
    let (tier, key) = caller(who, addr);
    let near = Point { lat: p.lat, lng: p.lng }.geo()?;
    let found = state.platform.recommend(near, p.limit.unwrap_or(5), tier, &key).await?;
    Ok(Json(found.iter().map(RestaurantView::from).collect()))
}

#[utoipa::path(get, path = "/v1/restaurants/{id}/menu", tag = "customer", params(("id" = u64, Path)),
    responses((status = 200, body = MenuView), (status = 404, body = crate::error::ErrorBody)))]
pub(crate) async fn menu<S: Store>(
    state: AppStateRef<S>,
    MaybePrincipal(who): MaybePrincipal,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    ApiPath(id): ApiPath<u64>,
) -> Result<Json<MenuView>, ApiError> {
    let (tier, key) = caller(who, addr);
    let menu = state.platform.menu(super::restaurant_id(id)?, tier, &key).await?;
    Ok(Json(MenuView::from(&menu)))
}

fn order_request<S: Store>(
    state: &AppStateRef<S>,
    customer: CustomerId,
    tier: Tier,
    cart: CartRequest,
    key: IdempotencyKey,
) -> Result<OrderRequest, ApiError> {
    if cart.tip_minor < 0 {
        return Err(ApiError::bad_request(
            "invalid_request",
            format!("tip_minor must be 0 or more, got {}", cart.tip_minor),
        ));
    }
    Ok(OrderRequest {
        customer,
        tier,
        restaurant: RestaurantId::new(cart.restaurant_id),
        items: cart
            .items
            .iter()
            .map(|l| (MenuItemId::new(l.item_id), l.quantity))
            .collect(),
        dropoff: cart.dropoff.geo()?,
        tip: Money::new(cart.tip_minor, state.platform.config().pricing.currency),
        promo_codes: cart.promo_codes,
        idempotency_key: key,
    })
}

#[utoipa::path(post, path = "/v1/quotes", tag = "customer", request_body = CartRequest,
    responses((status = 200, body = QuoteView), (status = 404, description = "No such restaurant", body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody)), security(("bearer" = [])))]
pub(crate) async fn quote<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiJson(cart): ApiJson<CartRequest>,
) -> Result<Json<QuoteView>, ApiError> {
    let customer = who.customer()?;
    let key = IdempotencyKey::parse("quote").map_err(|e| ApiError::bad_request("invalid_request", e.to_string()))?;
    let req = order_request(&state, customer, who.tier, cart, key)?;
    let (_, _, quote) = state.platform.quote(&req).await?;
    Ok(Json(QuoteView::from(&quote)))
}

/// What the first placement with a key answered, kept for replays.
#[derive(serde::Serialize, Deserialize)]
struct StoredPlacement {
    request: serde_json::Value,
    status: u16,
    body: serde_json::Value,
}

#[utoipa::path(post, path = "/v1/orders", tag = "customer", request_body = CartRequest,
    params(("Idempotency-Key" = String, Header, description = "The client's key: the same key places the order once",
        min_length = 1, max_length = 128, pattern = "^[!-~]+$")),
    responses((status = 201, body = PlacementView), (status = 200, description = "A replayed key: the first answer", body = PlacementView),
        (status = 400, body = crate::error::ErrorBody), (status = 404, description = "No such restaurant", body = crate::error::ErrorBody),
        (status = 422, body = crate::error::ErrorBody), (status = 429, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn place<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    headers: HeaderMap,
    ApiJson(cart): ApiJson<CartRequest>,
) -> Result<Response, ApiError> {
    let customer = who.customer()?;
    let raw_key = headers
        .get("idempotency-key")
        .ok_or_else(|| ApiError::bad_request("missing_idempotency_key", "the Idempotency-Key header is required"))?
        .to_str()
        .map_err(|_| ApiError::bad_request("invalid_idempotency_key", "the Idempotency-Key header is not text"))?;
    let key =
        IdempotencyKey::parse(raw_key).map_err(|e| ApiError::bad_request("invalid_idempotency_key", e.to_string()))?;
    let request_json = serde_json::to_value(&cart).map_err(|e| ApiError::bad_request("invalid_body", e.to_string()))?;
    let store = state.platform.store();
    let replay_key = format!("http:place:{}:{}", customer.get(), key);
    let now = courier_platform::external::Clock::now(state.platform.clock());
    if let Some(bytes) = store.get(&replay_key, now).await? {
        return replay(&bytes, &request_json);
    }
    let req = order_request(&state, customer, who.tier, cart, key)?;
    let placement = state.platform.place_order(&req).await?;
    let view = PlacementView::from(&placement);
    if placement.quote.is_none() {
        // The key was used before but its answer was not kept (a crash in
        // between): answer with the order as it stands.
        return Ok((StatusCode::OK, Json(view)).into_response());
    }
    let body = serde_json::to_value(&view).map_err(|e| ApiError::bad_request("internal", e.to_string()))?;
    let stored = StoredPlacement {
        request: request_json.clone(),
        status: StatusCode::CREATED.as_u16(),
        body: body.clone(),
    };
    if let Ok(bytes) = serde_json::to_vec(&stored) {
        let earlier = store
            .put_if_absent(&replay_key, &bytes, now, PLACEMENT_REPLAY_WINDOW)
            .await?;
        if let Some(first) = earlier {
            return replay(&first, &request_json);
        }
    }
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

fn replay(bytes: &[u8], request: &serde_json::Value) -> Result<Response, ApiError> {
    let stored: StoredPlacement = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            format!("stored answer: {e}"),
        )
    })?;
    if &stored.request != request {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "idempotency_key_reused",
            "this Idempotency-Key was used with a different request",
        ));
    }
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    Ok((status, Json(stored.body)).into_response())
}

#[utoipa::path(get, path = "/v1/orders/{id}", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, body = OrderView), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn order<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<OrderView>, ApiError> {
    let order = state.platform.order(who.actor, order_id(&id)?).await?;
    Ok(Json(OrderView::from(&order)))
}

/// `?reason=` for admins.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct CancelParams {
    /// Admins only: `customer_request`, `restaurant_unavailable`,
    /// `no_courier_found`, `payment_failed` or `platform_failure`.
    #[param(pattern = "^(customer_request|restaurant_unavailable|no_courier_found|payment_failed|platform_failure)$")]
    reason: Option<String>,
}

fn cancel_reason(who: &Principal, asked: Option<&str>) -> Result<CancelReason, ApiError> {
    let named = |s: &str| match s {
        "customer_request" => Ok(CancelReason::CustomerRequest),
        "restaurant_unavailable" => Ok(CancelReason::RestaurantUnavailable),
        "no_courier_found" => Ok(CancelReason::NoCourierFound),
        "payment_failed" => Ok(CancelReason::PaymentFailed),
        "platform_failure" => Ok(CancelReason::PlatformFailure),
        other => Err(ApiError::bad_request(
            "invalid_query",
            format!("unknown cancel reason {other:?}"),
        )),
    };
    match (who.actor, asked) {
        (Actor::Admin(_), Some(reason)) => named(reason),
        (Actor::Admin(_), None) => Ok(CancelReason::PlatformFailure),
        (_, Some(_)) => Err(ApiError::forbidden("only an admin names a cancel reason")),
        (Actor::Customer(_), None) => Ok(CancelReason::CustomerRequest),
        (Actor::Restaurant(_), None) => Ok(CancelReason::RestaurantUnavailable),
        _ => Err(ApiError::forbidden("couriers cannot cancel orders")),
    }
}

#[utoipa::path(post, path = "/v1/orders/{id}/cancel", tag = "orders", params(("id" = String, Path), CancelParams),
    responses((status = 200, body = CancellationView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn cancel<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiQuery(params): ApiQuery<CancelParams>,
) -> Result<Json<CancellationView>, ApiError> {
    let reason = cancel_reason(&who, params.reason.as_deref())?;
    let cancelled = state.platform.cancel(who.actor, order_id(&id)?, reason).await?;
    Ok(Json(CancellationView::from(&cancelled)))
}

#[utoipa::path(post, path = "/v1/orders/{id}/ratings", tag = "orders", params(("id" = String, Path)), request_body = RatingBody,
    responses((status = 200, body = RatingSummaryView), (status = 403, body = crate::error::ErrorBody), (status = 409, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn rate<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
    ApiJson(body): ApiJson<RatingBody>,
) -> Result<Json<RatingSummaryView>, ApiError> {
    let order = state.platform.order(who.actor, order_id(&id)?).await?;
    let subject = match body.subject.as_str() {
        "restaurant" => RatingSubject::Restaurant(order.restaurant()),
        "customer" => RatingSubject::Customer(order.customer()),
        "courier" => RatingSubject::Courier(order.delivered_by().ok_or_else(|| {
            ApiError::new(
                StatusCode::CONFLICT,
                "invalid_state",
                "no courier has delivered this order",
            )
        })?),
        other => {
            return Err(ApiError::bad_request(
                "invalid_body",
                format!("subject must be restaurant, courier or customer, got {other:?}"),
            ));
        }
    };
    let summary = state.platform.rate(who.actor, order.id(), subject, body.stars).await?;
    Ok(Json(RatingSummaryView {
        count: summary.count,
        average_centi: summary.average_centi(),
    }))
}
