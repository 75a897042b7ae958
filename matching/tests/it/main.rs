//! Integration tests of courier-matching.
#![allow(clippy::unwrap_used, reason = "tests unwrap known-good fixtures")]

use proptest::test_runner::Config;

mod assignment;
mod batch;
mod book;
mod cascade;
mod geo_index;
mod route;
mod scoring;

/// Proptest settings: `default` cases, or as many as `PROPTEST_CASES` says
/// (for a longer run by hand).
fn cases(default: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default);
    Config::with_cases(cases)
}
