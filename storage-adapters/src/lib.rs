//! courier-storage: adapters implementing courier-core's storage ports.
//!
//! Today: the in-memory [`memory::MemoryOrderStore`]. The PostgreSQL and Redis
//! adapters, the other memory ports and the fault-injecting wrapper follow.

pub mod memory;

pub use courier_core::ports::StorageError;
