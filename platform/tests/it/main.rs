//! Integration tests of courier-platform.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod resilience;
