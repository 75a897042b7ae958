//! courier-sim integration tests.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod compare;
mod mdrp;
mod runs;
mod scenarios;
mod sweeps;
