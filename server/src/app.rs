//! The application: shared state, the router with its layers, and serving
//! with a graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration as StdDuration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use courier_core::ports::Store;
use courier_platform::Platform;
use courier_platform::external::FakeGateway;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::auth::{HasKeys, Keys};
use crate::clock::SystemClock;
use crate::error::ApiError;
use crate::sharing::Sharing;
use crate::tracking::TrackingHub;
use crate::{routes, telemetry};

/// The platform as the server runs it: a payment gateway fake until a real
/// provider is wired, the tracking hub as notifier, the system clock.
pub type ServerPlatform<S> = Platform<S, FakeGateway, Arc<TrackingHub>, SystemClock>;

/// What every handler shares.
pub struct AppState<S> {
    /// The services.
    pub platform: ServerPlatform<S>,
    /// Token keys.
    pub keys: Keys,
    /// Live tracking.
    pub hub: Arc<TrackingHub>,
    /// Whether `/v1/dev/token` signs tokens.
    pub dev_tokens: bool,
    /// Stored records recovery set aside for an operator (shown by
    /// `/health/ready`).
    pub set_aside: Vec<courier_platform::SetAside>,
    /// How this instance shares its store with others (`None`: it is the
    /// only one, and runs the clock-driven work itself).
    pub sharing: Option<Sharing>,
    /// This instance's API latency and tracking drops since the last tick.
    pub edge: crate::edge::EdgeWindow,
}

impl<S> HasKeys for AppState<S> {
    fn keys(&self) -> &Keys {
        &self.keys
    }
}

/// Limits applied by the router's layers.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest body, bytes.
    pub max_body_bytes: usize,
    /// Longest request.
    pub request_timeout: StdDuration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 * 1024,
            request_timeout: StdDuration::from_secs(10),
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole API over `state`.
pub fn router<S: Store + 'static>(state: Arc<AppState<S>>, limits: Limits) -> Router {
    let trace = TraceLayer::new_for_http().make_span_with(|req: &Request| {
        let id = req
            .headers()
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("-");
        tracing::info_span!("request", method = %req.method(), uri = %req.uri(), request_id = %id)
    });
    routes::api::<S>()
        .merge(routes::ops::<S>())
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(state.clone())
        .layer(middleware::from_fn_with_state(state, count_requests::<S>))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.request_timeout,
        ))
        // Enforced by the body extractors, so an oversized body is a JSON 413.
        .layer(DefaultBodyLimit::max(limits.max_body_bytes))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error").into_response()
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        // Random (UUID v4) ids: unique across every instance behind a
        // balancer, where a per-process counter repeats. A client's own
        // `x-request-id` is kept.
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
}

async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed here",
    )
}

/// Counts requests by route and status, and their latency (also into the
/// window the degradation ladder reads).
async fn count_requests<S: Store>(State(state): State<Arc<AppState<S>>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().clone();
    let started = tokio::time::Instant::now();
    let response = next.run(req).await;
    let took = started.elapsed();
    state.edge.record(&route, took);
    telemetry::http_request(&method, route, response.status(), took);
    response
}

/// Serves `app` on `listener` until `shutdown` resolves; then stops taking
/// connections, ends tracking streams, lets requests in flight finish, and
/// stops the tick loop.
pub async fn serve<S: Store + 'static>(
    state: Arc<AppState<S>>,
    listener: tokio::net::TcpListener,
    limits: Limits,
    tick: Option<StdDuration>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone(), limits);
    let ticking = tick.map(|every| tokio::spawn(tick_loop(state.clone(), every)));
    let hub = state.hub.clone();
    let result = axum::serve(listener, app.into_make_service_with_connect_info::<SocketAddr>())
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: finishing requests in flight");
            hub.close();
        })
        .await;
    if let Some(task) = ticking {
        task.abort();
        // The loop is stopped between two awaits; whatever it held is given up.
        let _ = task.await;
    }
    if let Some(sharing) = &state.sharing {
        sharing.release(&state.platform).await;
    }
    result
}

/// Events published per tick at most (the rest go on the next tick).
const OUTBOX_BATCH: usize = 1_000;

/// Runs the platform's clock-driven work every `every`: alone, or, when the
/// store is shared, following it and working only while holding the lease.
async fn tick_loop<S: Store + 'static>(state: Arc<AppState<S>>, every: StdDuration) {
    let every = state.sharing.as_ref().map_or(every, |s| s.interval(every));
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        // Every instance reads its own edge, whoever holds the work lease.
        if let Some(edge) = state.edge.take_if_due(tokio::time::Instant::now(), state.hub.dropped()) {
            state.platform.observe_edge(edge);
        }
        if let Some(sharing) = &state.sharing {
            sharing.tick(&state.platform, OUTBOX_BATCH).await;
            continue;
        }
        if let Err(e) = state.platform.tick().await {
            tracing::warn!(error = %e, "tick failed");
        }
        relay(&state.platform, OUTBOX_BATCH).await;
    }
}

/// Stored order events go out (here: counted and logged at debug), so the
/// outbox holds only what has not been published yet.
pub(crate) async fn relay<S: Store>(platform: &ServerPlatform<S>, batch: usize) {
    let relayed = platform.relay_outbox(batch, |entry| {
        tracing::debug!(event_id = entry.event_id.0, order = %entry.event.order_id, "order event published");
    });
    match relayed.await {
        Ok(n) => metrics::counter!("courier_outbox_events_published_total").increment(n as u64),
        Err(e) => tracing::warn!(error = %e, "outbox relay failed"),
    }
}

/// `State` for handlers.
pub(crate) type AppStateRef<S> = State<Arc<AppState<S>>>;
