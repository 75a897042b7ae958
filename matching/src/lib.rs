//! courier-matching: the dispatch brain.
//!
//! - [`GeoIndex`]: courier positions on H3 cells; the k nearest available
//!   couriers within a radius, exact and nearest first.
//! - [`ScoringPolicy`]: candidate scores from the seed 001 weights and the
//!   seed 004 terms, as data.
//! - [`OfferCascade`]: offer, wait, next best, widen the radius.
//! - [`assign`]: exact minimum-cost assignment on a sparse candidate graph,
//!   behind [`plan_batch`]'s cost model, readiness-aware deferral and
//!   multi-order bundles routed by [`best_route`].
//! - [`DispatchBook`]: who carries what, enforcing the batch limit and "one
//!   courier per order".
//!
//! Everything is pure and deterministic: time and randomness are parameters.

mod assignment;
mod batch;
mod book;
mod cascade;
mod cell_geometry;
mod geo_index;
mod k_nearest;
mod release_memo;
mod room_lists;
mod round_couriers;
mod route;
mod scoring;
mod shortlist;
mod square_grid;

pub use assignment::{Assignment, AssignmentError, CandidateGraph, MAX_COST, assign, assign_leaving};
pub use batch::{
    Availability, BatchAssignment, BatchConfig, BatchPlan, BundleScope, Carrying, plan_batch, plan_batch_remembering,
};
pub use book::{DispatchBook, DispatchError, DispatchNote, ReturnReason};
pub use cascade::{CascadeConfig, CascadeError, CascadeStep, OfferCascade, OfferOutcome};
pub use geo_index::{GeoIndex, MAX_ROOM, Nearby};
pub use release_memo::ReleaseMemo;
pub use route::{
    CostWeights, Job, MAX_ROUTE_ORDERS, RoutePlan, Stop, StraightLine, TravelTimes, best_route, best_route_within,
    price,
};
pub use scoring::{CandidateFacts, ScoringPolicy};
