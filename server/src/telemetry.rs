//! Prometheus metrics: the platform's (through the `metrics` facade) and
//! the server's own request counts and latencies.

use std::sync::OnceLock;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use metrics::{counter, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the Prometheus recorder (once per process) and returns its
/// handle; `None` when another recorder was installed first.
pub fn prometheus() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            metrics::set_global_recorder(recorder).ok().map(|()| handle)
        })
        .as_ref()
}

/// Counts one request and records its latency.
pub(crate) fn http_request(method: &Method, route: String, status: StatusCode, took: Duration) {
    let status = status.as_u16().to_string();
    counter!("courier_http_requests_total", "method" => method.to_string(), "route" => route.clone(), "status" => status)
        .increment(1);
    histogram!("courier_http_request_duration_seconds", "route" => route).record(took.as_secs_f64());
}
