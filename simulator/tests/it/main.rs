//! courier-sim integration tests.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod runs;
mod scenarios;
