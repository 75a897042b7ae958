//! courier-roads integration tests.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod grid;
mod helsinki;
mod properties;
