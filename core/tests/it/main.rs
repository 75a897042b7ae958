//! courier-core integration tests: one binary, a module per area.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failure to build one is a test failure"
)]

mod fixture;
mod lifecycle;
mod money_rules;
mod permissions;
mod props;
mod stock;
