//! Cross-crate integration tests of the `courier` facade: one binary, a module per area.

#![allow(
    clippy::unwrap_used,
    reason = "test fixtures: a failure to build one is a test failure"
)]

mod economics;
