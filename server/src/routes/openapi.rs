//! The OpenAPI document, generated from the handlers' annotations; a test
//! checks that every documented operation is routed and every route documented.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{catalog, courier, customer, ops, restaurant, track};

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Courier API", description = "Food delivery: search, order, cook, dispatch, deliver, track."),
    paths(
        catalog::put_restaurant, catalog::put_menu,
        customer::search, customer::menu, customer::quote, customer::place, customer::order,
        customer::cancel, customer::rate, track::track,
        restaurant::accept, restaurant::reject, restaurant::preparing, restaurant::ready,
        courier::online, courier::offline, courier::location, courier::accept_offer,
        courier::decline_offer, courier::pick_up, courier::deliver,
        ops::live, ops::ready, ops::metrics, ops::openapi, ops::dev_token,
    ),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The document served at `/openapi.json`.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
