//! Integration tests of courier-platform.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

/// Runs each `journey(store) -> store` on memory and on PostgreSQL+Redis.
macro_rules! on_both {
    ($($name:ident: $journey:path;)*) => {
        mod memory {
            $(
                #[tokio::test]
                async fn $name() {
                    $journey(courier_storage::memory::MemoryStore::default()).await;
                }
            )*
        }
        mod pg_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let store = crate::world::fresh_pg_redis().await;
                    let store = $journey(store).await;
                    crate::world::cleanup(store).await;
                }
            )*
        }
    };
}

mod concurrency;
mod degradation;
mod driver;
mod instances;
mod instances_props;
mod inventory;
mod journeys;
mod outbox;
mod props;
mod recovery;
mod resilience;
mod routes;
mod set_aside;
mod surge;
mod validation;
mod world;
