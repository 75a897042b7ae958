//! Integration tests of courier-matching.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod assignment;
mod geo_index;
