//! `courier-server --listen 127.0.0.1:8080 [--database-url ...] [--redis-url ...]`:
//! the HTTP API over the platform. Logs are JSON lines on stderr.

use clap::Parser;
use courier_server::config::ServerConfig;
use tracing_subscriber::EnvFilter;

/// Every request allocates and frees short-lived buffers (bodies, JSON,
/// orders, headers) across tokio's worker threads: mimalloc's per-thread
/// pages serve them faster than the system allocator.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let config = ServerConfig::parse();
    tracing_subscriber::fmt()
        .json()
        .with_current_span(true)
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")))
        .init();
    let _ = courier_server::telemetry::prometheus();
    if let Err(e) = courier_server::startup::run(config).await {
        tracing::error!(error = %e, "courier-server could not run");
        eprintln!("courier-server: {e}");
        std::process::exit(1);
    }
}
