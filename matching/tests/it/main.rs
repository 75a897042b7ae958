//! Integration tests of courier-matching.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

mod assignment;
mod batch;
mod book;
mod cascade;
mod geo_index;
mod route;
mod scoring;
