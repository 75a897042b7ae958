//! Courier: a food-delivery library and simulator.
//!
//! This facade re-exports the member crates so one dependency brings them all:
//!
//! - [`core`]: money, geo, time, the order state machine, refunds, the ledger, storage ports.
//! - [`matching`], [`eta`], [`pricing`]: the pure dispatch, estimation and pricing crates.
//! - [`platform`]: the application services the simulator and the server share.
//! - [`storage`]: the storage adapters.

pub use courier_core as core;
pub use courier_eta as eta;
pub use courier_matching as matching;
pub use courier_platform as platform;
pub use courier_pricing as pricing;
pub use courier_storage as storage;

/// The README's code blocks, compiled as doctests so they stay true.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
