//! Integration tests of courier-platform.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod concurrency;
mod driver;
mod journeys;
mod props;
mod recovery;
mod resilience;
mod validation;
mod world;
