//! Integration tests of courier-eta: each stage, learning, properties, bad input.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod bad_input;
mod fixture;
mod learning;
mod props;
mod stages;
