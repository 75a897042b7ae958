//! courier-platform: application services over the storage ports (being built out).
//!
//! Both the simulator and the server drive this crate. Today it re-exports
//! the ports it will be written against.

pub use courier_core::ports;
