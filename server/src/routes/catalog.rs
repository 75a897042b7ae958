//! Catalog upkeep: a restaurant (or an admin) writes its record and menu.

use axum::http::StatusCode;
use courier_core::ports::{Menu, MenuItem, Restaurant, Store};
use courier_core::{Duration, MenuItemId, Money};

use crate::app::AppStateRef;
use crate::auth::Principal;
use crate::dto::{MenuInput, RestaurantInput};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};

#[utoipa::path(put, path = "/v1/restaurants/{id}", tag = "catalog", params(("id" = u64, Path)), request_body = RestaurantInput,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put_restaurant<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<u64>,
    ApiJson(body): ApiJson<RestaurantInput>,
) -> Result<StatusCode, ApiError> {
    let currency = state.platform.config().pricing.currency;
    let restaurant = Restaurant {
        id: super::restaurant_id(id)?,
        name: body.name,
        cuisine: body.cuisine,
        location: body.location.geo()?,
        rating_centi: body.rating_centi,
        is_open: body.is_open,
        accepting_orders: body.accepting_orders,
        delivery_radius_m: body.delivery_radius_m,
        minimum_order: Money::new(body.minimum_order_minor, currency),
        prep_time: Duration::from_mins(u64::from(body.prep_minutes)),
    };
    state.platform.put_restaurant(who.actor, &restaurant).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/v1/restaurants/{id}/menu", tag = "catalog", params(("id" = u64, Path)), request_body = MenuInput,
    responses((status = 204), (status = 400, body = crate::error::ErrorBody), (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody),
        (status = 409, description = "The version is not above the stored one", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn put_menu<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<u64>,
    ApiJson(body): ApiJson<MenuInput>,
) -> Result<StatusCode, ApiError> {
    let currency = state.platform.config().pricing.currency;
    let menu = Menu {
        restaurant: super::restaurant_id(id)?,
        version: body.version,
        items: body
            .items
            .into_iter()
            .map(|i| MenuItem {
                id: MenuItemId::new(i.id),
                name: i.name,
                price: Money::new(i.price_minor, currency),
                available: i.available,
                stock: i.stock,
            })
            .collect(),
    };
    state.platform.put_menu(who.actor, &menu).await?;
    Ok(StatusCode::NO_CONTENT)
}
