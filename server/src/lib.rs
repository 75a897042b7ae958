//! courier-server: a thin HTTP API over courier-platform.
//!
//! Every business rule lives in the platform and core; this crate maps
//! HTTP to platform calls and back: JWT roles ([`auth`]), JSON bodies
//! ([`dto`]) and errors ([`error::ApiError`]: a 4xx naming the problem),
//! the seed 000 rate limits answered with 429 and `Retry-After`, live
//! tracking over server-sent events ([`tracking`]), health, Prometheus
//! metrics and an OpenAPI document, and a graceful shutdown
//! ([`app::serve`]).

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod dto;
pub mod edge;
pub mod error;
pub mod extract;
mod routes;
pub mod sharing;
pub mod startup;
pub mod telemetry;
pub mod tracking;

/// The OpenAPI document the server serves at `/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    routes::openapi::document()
}
