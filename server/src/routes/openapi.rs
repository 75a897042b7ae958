//! The OpenAPI document, generated from the handlers' annotations; a test
//! checks that every documented operation is routed and every route documented.

use utoipa::openapi::path::ParameterIn;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{catalog, courier, customer, offers, ops, promotions, restaurant, track};

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
/// or query (400), on a path naming one order or restaurant none the caller
/// may see (404), the rate limiter (429), the request timeout or a
/// degraded platform (503); with a bearer token, a missing or bad one
/// (401); with a body, one too large (413), not JSON (415) or not the
/// schema (422); with a token, one whose role or owner may not (403).
/// Each with the error body, so a generated client knows them. Path ids
/// are documented as what parses.
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
            let names_one = path.contains("{id}");
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
                if names_one {
                    add("404", "No such thing, or not one the caller may see");
                }
                if op.security.as_ref().is_some_and(|s| !s.is_empty()) {
                    add("401", "No valid bearer token");
                    add("403", "The token's role or owner may not do this");
                }
                for parameter in op.parameters.iter_mut().flatten() {
                    if parameter.name == "id" && parameter.parameter_in == ParameterIn::Path {
                        parameter.schema = Some(id_schema(parameter.schema.take()));
                    }
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

/// Unsigned fields: utoipa writes a `u64` as `format: int64` with
/// `minimum: 0`, which tells a client that numbers above `i64::MAX` are
/// refused when serde takes them (likewise `u32` and `int32`). So the
/// format goes and the true maximum is written instead.
struct UnsignedRanges;

impl Modify for UnsignedRanges {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::Schema;
        fn walk(schema: &mut RefOr<Schema>) {
            use utoipa::Number;
            use utoipa::openapi::schema::ArrayItems;
            use utoipa::openapi::schema::{KnownFormat, SchemaFormat};
            let RefOr::T(schema) = schema else { return };
            match schema {
                Schema::Object(o) => {
                    let unsigned_max = match o.format {
                        Some(SchemaFormat::KnownFormat(KnownFormat::Int64)) => Some(u64::MAX),
                        Some(SchemaFormat::KnownFormat(KnownFormat::Int32)) => Some(u64::from(u32::MAX)),
                        _ => None,
                    };
                    let from_zero = match o.minimum {
                        Some(Number::Int(0) | Number::UInt(0)) => true,
                        Some(Number::Float(f)) => f == 0.0,
                        _ => false,
                    };
                    if let (Some(max), true, None) = (unsigned_max, from_zero, &o.maximum) {
                        o.format = None;
                        o.maximum = usize::try_from(max).ok().map(Number::UInt);
                    }
                    o.properties.values_mut().for_each(walk);
                }
                Schema::Array(a) => {
                    if let ArrayItems::RefOrSchema(items) = &mut a.items {
                        walk(items);
                    }
                }
                Schema::OneOf(one) => one.items.iter_mut().for_each(walk),
                Schema::AllOf(all) => all.items.iter_mut().for_each(walk),
                Schema::AnyOf(any) => any.items.iter_mut().for_each(walk),
                _ => {}
            }
        }
        if let Some(components) = openapi.components.as_mut() {
            components.schemas.values_mut().for_each(walk);
        }
    }
}

/// Ids are whole numbers; an order id travels as a string (it exceeds
/// JavaScript's exact integers), which this pattern keeps to what parses.
fn id_schema(
    documented: Option<utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>>,
) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
    use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
    use utoipa::openapi::{RefOr, schema::SchemaType};
    match documented {
        Some(RefOr::T(Schema::Object(o))) if o.schema_type == SchemaType::new(Type::String) => {
            RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .pattern(Some("^[0-9]{1,18}$"))
                    .build(),
            ))
        }
        Some(RefOr::T(Schema::Object(o))) if o.schema_type == SchemaType::new(Type::Integer) => {
            RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0))
                    .maximum(Some(i64::MAX))
                    .build(),
            ))
        }
        Some(other) => other,
        None => RefOr::T(Schema::Object(ObjectBuilder::new().schema_type(Type::String).build())),
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "Courier API", description = "Food delivery: search, order, cook, dispatch, deliver, track."),
    paths(
        catalog::put_restaurant, catalog::put_menu,
        customer::search, customer::recommended, customer::menu, customer::quote, customer::place, customer::order,
        customer::cancel, customer::rate, track::track,
        restaurant::accept, restaurant::reject, restaurant::preparing, restaurant::ready,
        courier::online, courier::offline, courier::location, courier::accept_offer,
        courier::decline_offer, courier::pick_up, courier::deliver, offers::offers, offers::events,
        promotions::create, promotions::list, promotions::expire,
        ops::live, ops::ready, ops::metrics, ops::openapi, ops::dev_token,
    ),
    modifiers(&BearerAuth, &CommonAnswers, &UnsignedRanges)
)]
struct ApiDoc;

/// The document served at `/openapi.json`.
pub(crate) fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
