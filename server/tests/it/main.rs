//! courier-server over real HTTP on loopback.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod fuzz;
mod harness;
mod journeys;
mod ops;
mod refusals;
