//! The PostgreSQL adapter: orders (event-sourced, with outbox and audit),
//! idempotency records, restaurants and menus, in real tables created by
//! embedded migrations on connect. Writes are transactions; a stale write
//! loses through the version check in the `UPDATE`, never by luck.

mod catalog;
mod feed;
mod idempotency;
mod leases;
mod orders;
mod promotions;
mod ratings;

use std::time::Duration as StdDuration;

use courier_core::Duration;
use courier_core::ports::{DEFAULT_IDEMPOTENCY_TTL, StorageError};
use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::{Executor, PgConnection};

/// Everything the PostgreSQL adapter stores, over one connection pool.
///
/// Implements [`courier_core::ports::OrderStore`],
/// [`courier_core::ports::IdempotencyStore`] and
/// [`courier_core::ports::CatalogStore`].
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    backend: String,
    schema: Option<String>,
    idempotency_ttl: Duration,
    acquire_timeout: Duration,
}

/// How to connect.
#[derive(Debug, Clone)]
pub struct PgConfig {
    /// `postgres://user@host:port/database`.
    pub url: String,
    /// Connections in the pool.
    pub max_connections: u32,
    /// Longest wait for a free connection before a call fails as timed out.
    pub acquire_timeout: Duration,
    /// Keep everything in this schema (created if missing) instead of the
    /// default one: lets tests and tenants share a database.
    pub schema: Option<String>,
    /// How long a placement key stays live (24 h by default).
    pub idempotency_ttl: Duration,
}

impl PgConfig {
    /// Defaults for `url`: 8 connections, 5 s acquire timeout, default schema.
    pub fn new(url: impl Into<String>) -> PgConfig {
        PgConfig {
            url: url.into(),
            max_connections: 8,
            acquire_timeout: Duration::from_secs(5),
            schema: None,
            idempotency_ttl: DEFAULT_IDEMPOTENCY_TTL,
        }
    }
}

impl PgStore {
    /// Connects, creates the schema if asked, and runs the embedded migrations.
    pub async fn connect(config: PgConfig) -> Result<PgStore, StorageError> {
        let backend = redact(&config.url);
        if let Some(schema) = config
            .schema
            .as_ref()
            .filter(|s| s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        {
            return Err(StorageError::Backend(format!(
                "schema name {schema:?} must be [A-Za-z0-9_]+"
            )));
        }
        let schema = config.schema.clone();
        let search_path = schema.clone();
        let pool = PgPoolOptions::new()
            .max_connections(config.max_connections.max(1))
            .acquire_timeout(StdDuration::from_millis(config.acquire_timeout.as_millis()))
            .after_connect(move |conn: &mut PgConnection, _meta| {
                let search_path = search_path.clone();
                Box::pin(async move {
                    if let Some(s) = search_path {
                        conn.execute(format!("CREATE SCHEMA IF NOT EXISTS {s}; SET search_path TO {s}").as_str())
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(&config.url)
            .await
            .map_err(|e| unavailable(&backend, e))?;
        sqlx::migrate!("./migrations")
            .run(&pool)
            .await
            .map_err(|e| StorageError::Backend(format!("migrations on {backend}: {e}")))?;
        Ok(PgStore {
            pool,
            backend,
            schema,
            idempotency_ttl: config.idempotency_ttl,
            acquire_timeout: config.acquire_timeout,
        })
    }

    /// The pool, for callers that need their own queries.
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// Drops this store's schema and everything in it (tests clean up with
    /// this). Refuses when the store uses the default schema.
    pub async fn drop_schema(self) -> Result<(), StorageError> {
        let Some(schema) = &self.schema else {
            return Err(StorageError::Backend("refusing to drop the default schema".into()));
        };
        sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
            .execute(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        self.pool.close().await;
        Ok(())
    }

    fn error(&self, e: sqlx::Error) -> StorageError {
        match e {
            sqlx::Error::PoolTimedOut => StorageError::Timeout {
                millis: self.acquire_timeout.as_millis(),
            },
            other => map_error(&self.backend, other),
        }
    }
}

/// The URL without its password, for error messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or_default();
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

fn unavailable(backend: &str, e: sqlx::Error) -> StorageError {
    StorageError::Unavailable {
        backend: backend.to_owned(),
        message: e.to_string(),
    }
}

fn map_error(backend: &str, e: sqlx::Error) -> StorageError {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolClosed
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => unavailable(backend, e),
        sqlx::Error::ColumnDecode { .. } | sqlx::Error::Decode(_) | sqlx::Error::ColumnNotFound(_) => {
            StorageError::Corrupt(e.to_string())
        }
        other => StorageError::Backend(other.to_string()),
    }
}

/// u64 ids and versions are stored as BIGINT.
fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn to_u64(v: i64, what: &str) -> Result<u64, StorageError> {
    u64::try_from(v).map_err(|_| StorageError::Corrupt(format!("negative {what}: {v}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            super::redact("postgres://app:s3cret@db:5432/x"),
            "postgres://app@db:5432/x"
        );
        assert_eq!(super::redact("postgres://127.0.0.1/test"), "postgres://127.0.0.1/test");
    }
}
