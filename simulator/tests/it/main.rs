//! courier-sim integration tests.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod compare;
mod history;
mod mdrp;
mod runs;
mod scenario_doc;
mod scenario_fuzz;
mod scenarios;
mod streets;
mod sweeps;
