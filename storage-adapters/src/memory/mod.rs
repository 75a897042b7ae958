//! The in-memory adapter: the embedded default, deterministic, no external service.

mod orders;

pub use orders::MemoryOrderStore;
