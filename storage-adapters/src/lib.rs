//! courier-storage: adapters implementing courier-core's storage ports.
//!
//! - [`memory`]: every port in process memory, the embedded default,
//!   deterministic and needing no service.
//! - [`faults`]: a wrapper adding latency, random errors and scheduled
//!   outages to any adapter, driven by a seed and the caller's clock.
//!
//! The PostgreSQL and Redis adapters are not here yet; the conformance suite
//! in `tests/it/conformance/` is written against the ports so that they run
//! the same checks when they land.

pub mod faults;
pub mod memory;

pub use courier_core::ports::StorageError;
