//! courier-storage: adapters implementing courier-core's storage ports.
//!
//! - [`memory`]: every port in process memory, the embedded default,
//!   deterministic and needing no service.
//! - [`faults`]: a wrapper adding latency, random errors and scheduled
//!   outages to any adapter, driven by a seed and the caller's clock.
//!
//! - [`postgres`]: orders (event-sourced, outbox, audit), idempotency,
//!   restaurants and menus in PostgreSQL tables, migrations embedded.
//!
//! The conformance suite in `tests/it/conformance/` is written once against
//! the ports and run against each adapter for the ports it implements.

mod codec;
pub mod faults;
pub mod memory;
pub mod postgres;

pub use courier_core::ports::StorageError;
