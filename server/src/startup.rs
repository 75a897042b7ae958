//! Wiring: the store chosen by configuration, the platform over it, and the
//! server running until Ctrl-C or SIGTERM.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use courier_core::Duration;
use courier_core::ports::Store;
use courier_platform::external::FakeGateway;
use courier_platform::{Platform, PlatformConfig};

use crate::edge::EdgeWindow;
use courier_storage::composite::Composite;
use courier_storage::layered::Layered;
use courier_storage::memory::MemoryStore;
use courier_storage::metered::StorageMeter;
use courier_storage::postgres::{PgConfig, PgStore};
use courier_storage::redis::{CachedCatalog, RedisStore};
use rand::SeedableRng;

use crate::app::{AppState, Limits, serve};
use crate::auth::Keys;
use crate::clock::SystemClock;
use crate::config::ServerConfig;
use crate::sharing::Sharing;
use crate::tracking::TrackingHub;

/// How long a cached restaurant or menu lives in Redis.
const CATALOG_CACHE_TTL: Duration = Duration::from_mins(5);

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A setting is unusable.
    #[error("configuration: {0}")]
    Config(String),
    /// Storage could not be reached or migrated.
    #[error("storage: {0}")]
    Storage(#[from] courier_core::ports::StorageError),
    /// The platform refused its configuration or could not recover.
    #[error("platform: {0}")]
    Platform(#[from] courier_platform::PlatformError),
    /// The listener could not be bound or failed.
    #[error("listen: {0}")]
    Io(#[from] std::io::Error),
}

/// How long the work lease lasts unless renewed, by default.
pub const DEFAULT_LEASE_TTL: Duration = Duration::from_secs(5);

/// Platform settings for the server: the defaults, rate limits as
/// configured; the store is shared when both PostgreSQL and Redis are given.
pub fn platform_config(config: &ServerConfig) -> PlatformConfig {
    PlatformConfig {
        rate_limits: !config.no_rate_limits,
        shared_store: config.database_url.is_some() && config.redis_url.is_some(),
        ..PlatformConfig::default()
    }
}

/// The shared state over `store`, with pending work recovered from it.
/// When `config.shared_store` is set, the instance shares the store with
/// others under a generated name (see [`state_as`]).
pub async fn state<S: Store + 'static>(
    store: S,
    keys: Keys,
    dev_tokens: bool,
    config: PlatformConfig,
) -> Result<Arc<AppState<S>>, StartError> {
    state_as(store, keys, dev_tokens, config, Joining::default()).await
}

/// How an instance joins the others sharing its store.
#[derive(Debug, Clone)]
pub struct Joining {
    /// Its name (generated when `None`).
    pub instance: Option<String>,
    /// How long its work lease lasts unless renewed.
    pub lease_ttl: Duration,
    /// Where tracking events cross instances (`None`: this instance's
    /// streams see only what happens through it).
    pub tracking: Option<RedisStore>,
    /// What measures the calls to the store (see
    /// [`courier_storage::metered`]; `None`: the degradation ladder does
    /// not read storage latency and errors).
    pub storage_meter: Option<Arc<StorageMeter>>,
}

impl Default for Joining {
    fn default() -> Self {
        Joining {
            instance: None,
            lease_ttl: DEFAULT_LEASE_TTL,
            tracking: None,
            storage_meter: None,
        }
    }
}

/// [`state`] for an instance joining others as `joining` says (when
/// `config.shared_store` is set; otherwise `joining` is not used).
pub async fn state_as<S: Store + 'static>(
    store: S,
    keys: Keys,
    dev_tokens: bool,
    config: PlatformConfig,
    joining: Joining,
) -> Result<Arc<AppState<S>>, StartError> {
    let shared = config.shared_store;
    let hub = Arc::new(match joining.tracking.clone() {
        Some(redis) if shared => TrackingHub::shared(redis),
        _ => TrackingHub::default(),
    });
    // Randomness only jitters retry backoff; seeded from the clock so
    // instances do not retry in lockstep.
    let seed = u64::try_from(courier_platform::external::Clock::now(&SystemClock).as_millis()).unwrap_or(0);
    let platform = Platform::new(
        store,
        FakeGateway::new(),
        hub.clone(),
        SystemClock,
        rand_chacha::ChaCha8Rng::seed_from_u64(seed),
        config,
    )?;
    // Where the change feed ends, read before recovery: whatever commits
    // while recovering is followed afterwards, never missed.
    let sharing = if shared {
        let head = platform.feed_head().await?;
        let instance = joining.instance.unwrap_or_else(Sharing::generated_name);
        tracing::info!(%instance, "sharing the store with other instances");
        Some(Sharing::new(instance, joining.lease_ttl, head))
    } else {
        None
    };
    let recovered = platform.recover().await?;
    for record in &recovered.set_aside {
        // Serving goes on without it; an operator repairs it.
        tracing::error!(record = %record.key, reason = %record.reason, "stored record set aside");
    }
    tracing::info!(
        recovered = recovered.total(),
        set_aside = recovered.set_aside.len(),
        "platform recovered pending work"
    );
    Ok(Arc::new(AppState {
        platform,
        keys,
        hub,
        dev_tokens,
        set_aside: recovered.set_aside,
        sharing,
        edge: joining
            .storage_meter
            .map_or_else(EdgeWindow::default, EdgeWindow::metering),
    }))
}

/// Runs the server as configured until Ctrl-C or SIGTERM.
pub async fn run(config: ServerConfig) -> Result<(), StartError> {
    let keys = Keys::new(config.jwt_secret.as_bytes()).map_err(StartError::Config)?;
    match (&config.database_url, &config.redis_url) {
        (None, None) => {
            tracing::info!("storage: in memory");
            run_on(MemoryStore::default(), keys, &config, None).await
        }
        (Some(db), Some(redis)) => {
            let pg = PgStore::connect(pg_config(db, &config)).await?;
            let fast = RedisStore::connect(redis, &config.redis_prefix).await?;
            let catalog = CachedCatalog::new(pg.clone(), fast.clone(), CATALOG_CACHE_TTL);
            tracing::info!("storage: PostgreSQL with Redis");
            let tracking = Some(fast.clone());
            run_on(Composite::new(pg, catalog, fast), keys, &config, tracking).await
        }
        (Some(db), None) => {
            let pg = PgStore::connect(pg_config(db, &config)).await?;
            tracing::warn!("storage: PostgreSQL; locations and rate limits in process (one instance only)");
            run_on(
                Composite::new(pg.clone(), pg, MemoryStore::default()),
                keys,
                &config,
                None,
            )
            .await
        }
        (None, Some(_)) => Err(StartError::Config(
            "--redis-url needs --database-url: orders are kept in PostgreSQL".into(),
        )),
    }
}

fn pg_config(url: &str, config: &ServerConfig) -> PgConfig {
    PgConfig {
        schema: config.database_schema.clone(),
        ..PgConfig::new(url)
    }
}

async fn run_on<S: Store + 'static>(
    store: S,
    keys: Keys,
    config: &ServerConfig,
    tracking: Option<RedisStore>,
) -> Result<(), StartError> {
    let meter = Arc::new(StorageMeter::default());
    let joining = Joining {
        instance: config.instance.clone(),
        lease_ttl: Duration::from_millis(config.lease_ttl_ms.max(100)),
        tracking,
        storage_meter: Some(meter.clone()),
    };
    let store = Layered::wrap(store, meter);
    let state = state_as(store, keys, config.dev_tokens, platform_config(config), joining).await?;
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(addr = %listener.local_addr()?, "listening");
    let limits = Limits {
        max_body_bytes: config.max_body_bytes,
        request_timeout: StdDuration::from_millis(config.request_timeout_ms),
    };
    serve(
        state,
        listener,
        limits,
        Some(StdDuration::from_millis(config.tick_ms.max(10))),
        shutdown_signal(),
    )
    .await?;
    tracing::info!("stopped");
    Ok(())
}

/// Ctrl-C, or SIGTERM on Unix.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
