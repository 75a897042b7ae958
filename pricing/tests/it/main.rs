//! courier-pricing integration tests: one binary, a module per area.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failure to build one is a test failure"
)]

mod fixture;
mod promos;
mod props;
mod quotes;
mod surge;
