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

/// Statuses every operation can answer besides its own: a malformed path
/// or query (400), the rate limiter (429), the request timeout or a
/// degraded platform (503); with a bearer token, a missing or bad one
/// (401); with a body, one too large (413), not JSON (415) or not the
/// schema (422). Each with the error body, so a generated client knows them.
struct CommonAnswers;

impl Modify for CommonAnswers {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
        let answer = |description: &str| {
            RefOr::T(
                ResponseBuilder::new()
                    .description(description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            )
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let api = path.starts_with("/v1/");
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let mut add = |status: &str, description: &str| {
                    op.responses
                        .responses
                        .entry(status.to_owned())
                        .or_insert_with(|| answer(description));
                };
                if api {
                    add("400", "A malformed path or query parameter");
                    add("429", "Rate limited: retry after the Retry-After header");
                    add("503", "Timed out or degraded: retry later");
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add("401", "No valid bearer token");
                }
                if op.request_body.is_some() {
                    add("413", "The body is too large");
                    add("415", "The body is not JSON");
                    add("422", "The body does not match the schema or a value is out of bounds");
                }
            }
        }
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
    modifiers(&BearerAuth, &CommonAnswers)
)]
struct ApiDoc;

/// The document served at `/openapi.json`.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
