//! courier-matching: the dispatch brain.
//!
//! - [`GeoIndex`]: courier positions on H3 cells; the k nearest available
//!   couriers within a radius, exact and nearest first.
//! - [`ScoringPolicy`]: candidate scores from the seed 001 weights and the
//!   seed 004 terms, as data.
//! - [`OfferCascade`]: offer, wait, next best, widen the radius.
//! - [`assign`]: exact minimum-cost assignment on a sparse candidate graph,
//!   behind [`BatchDispatcher`]'s cost model, readiness-aware deferral and
//!   multi-order bundles.
//! - [`DispatchBook`]: who carries what, enforcing the batch limit and "one
//!   courier per order".
//!
//! Everything is pure and deterministic: time and randomness are parameters.

mod assignment;
mod cell_geometry;
mod geo_index;

pub use assignment::{Assignment, AssignmentError, CandidateGraph, MAX_COST, assign};
pub use geo_index::{GeoIndex, Nearby};
