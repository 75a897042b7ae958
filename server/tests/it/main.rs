//! courier-server over real HTTP on loopback.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod fuzz;
/// Runs each `test(store) -> server` on memory and on PostgreSQL+Redis.
macro_rules! on_both {
    ($($name:ident: $journey:path;)*) => {
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let mut server = $journey(courier_storage::memory::MemoryStore::default()).await;
                    server.stop().await;
                }
            )*
        }
        mod pg_redis {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let mut server = $journey(crate::harness::fresh_pg_redis().await).await;
                    server.stop().await;
                    crate::harness::cleanup(server).await;
                }
            )*
        }
    };
}

mod courier_app;
mod harness;
mod instances;
mod journeys;
mod ops;
mod promotions;
mod refusals;
