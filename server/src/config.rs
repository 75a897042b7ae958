//! The server's configuration: flags, or the same names in the environment.

use std::net::SocketAddr;

/// How to run the server.
#[derive(Debug, Clone, clap::Parser)]
#[command(name = "courier-server", about = "Courier's HTTP API over the platform services")]
pub struct ServerConfig {
    /// Address to listen on.
    #[arg(long, env = "COURIER_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,
    /// PostgreSQL for orders, idempotency, the catalog and ratings
    /// (in memory when absent).
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Keep everything in this PostgreSQL schema (created if missing), so
    /// several deployments or test runs share one database.
    #[arg(long, env = "COURIER_DATABASE_SCHEMA")]
    pub database_schema: Option<String>,
    /// Redis for locations, rate limits and the catalog cache (needs a
    /// database; in process when absent). With both, any number of
    /// instances can serve the same orders.
    #[arg(long, env = "REDIS_URL")]
    pub redis_url: Option<String>,
    /// What every Redis key and channel starts with.
    #[arg(long, env = "COURIER_REDIS_PREFIX", default_value = "courier")]
    pub redis_prefix: String,
    /// This instance's name among those sharing the database (who holds
    /// the work lease); generated when absent.
    #[arg(long, env = "COURIER_INSTANCE")]
    pub instance: Option<String>,
    /// How long the work lease lasts unless renewed, milliseconds: another
    /// instance takes the clock-driven work over this long after its holder
    /// stops.
    #[arg(long, default_value_t = 5_000)]
    pub lease_ttl_ms: u64,
    /// The HS256 key tokens are signed with (32 bytes or more).
    #[arg(long, env = "COURIER_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: String,
    /// Serve `POST /v1/dev/token`, which signs any claims: development only.
    #[arg(long, env = "COURIER_DEV_TOKENS", default_value_t = false)]
    pub dev_tokens: bool,
    /// How often the clock-driven work runs (payment retries, deadlines,
    /// dispatch), milliseconds.
    #[arg(long, default_value_t = 1_000)]
    pub tick_ms: u64,
    /// The largest request body accepted, bytes.
    #[arg(long, default_value_t = 64 * 1024)]
    pub max_body_bytes: usize,
    /// How long a request may take before a 503, milliseconds.
    #[arg(long, default_value_t = 10_000)]
    pub request_timeout_ms: u64,
    /// Turn off the per-endpoint rate limits (for load tests).
    #[arg(long, default_value_t = false)]
    pub no_rate_limits: bool,
}
