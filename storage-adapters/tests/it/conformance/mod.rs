//! The conformance suite: behaviour every adapter must show, written once
//! against the ports and run for each adapter (see `memory.rs`).

pub(crate) mod catalog;
pub(crate) mod couriers;
pub(crate) mod feed;
pub(crate) mod idempotency;
pub(crate) mod leases;
pub(crate) mod locations;
pub(crate) mod orders;
pub(crate) mod rate_limits;
pub(crate) mod ratings;
