//! courier-storage: adapters implementing courier-core's storage ports (being built out).

pub use courier_core::ports::StorageError;
