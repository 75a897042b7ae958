//! courier-platform: application services over the storage ports (being built out).
//!
//! Both the simulator and the server drive this crate. Today: the storage
//! ports it is written against, and its resilience parts ([`resilience`]).

pub mod resilience;

pub use courier_core::ports;
