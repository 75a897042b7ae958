//! courier-storage: adapters implementing courier-core's storage ports.
//!
//! - [`memory`]: every port in process memory, the embedded default,
//!   deterministic and needing no service.
//! - [`faults`]: a wrapper adding latency, random errors and scheduled
//!   outages to any adapter, driven by a seed and the caller's clock.
//! - [`metered`]: a wrapper measuring the latency and failures of every
//!   call, for the degradation ladder.
//! - [`layered`]: what both wrappers are built on: the ports delegated
//!   once, around a [`layered::CallLayer`].
//!
//! - [`postgres`]: orders (event-sourced, outbox, audit), idempotency,
//!   restaurants and menus in PostgreSQL tables, migrations embedded.
//! - [`redis`]: courier locations, idempotency records and rate limits in
//!   Redis, and a read-through cache for restaurants and menus in front of
//!   any catalog.
//! - [`composite`]: one store from a durable part, a catalog and a fast
//!   part (PostgreSQL, cached catalog, Redis: the production layout).
//!
//! The conformance suite in `tests/it/conformance/` is written once against
//! the ports and run against each adapter for the ports it implements.

mod codec;
pub mod composite;
pub mod faults;
pub mod layered;
pub mod memory;
pub mod metered;
mod nearest;
pub mod postgres;
pub mod redis;

pub use courier_core::ports::StorageError;
