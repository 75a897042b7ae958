//! courier-eta: delivery time estimates with quantiles, learned online.
//!
//! The delivery ETA of seed 004 is
//! `max(courier -> restaurant, prep remaining) + pickup service +
//! restaurant -> customer + drop-off service`, where
//!
//! - travel time is haversine distance x circuity over a speed set by the
//!   hour of day ([`TrafficProfile`]) and by the place (a pace learned per
//!   H3 cell, [`TravelModel`]);
//! - preparation time is the restaurant's estimate corrected by a learned
//!   per-restaurant bias and the kitchen's load ([`PrepModel`]);
//! - the P50 and P90 come from the learned distribution of actual over
//!   estimated time, per order stage ([`EtaModel`]).
//!
//! Everything is pure and deterministic: time comes in as [`Timestamp`]s,
//! learning happens only through the `observe_*` methods, and the same
//! observations in the same order give the same model.
//!
//! [`Timestamp`]: courier_core::Timestamp

mod accuracy;
mod error;
mod estimate;
mod learned;
mod prep;
mod residuals;
mod traffic;
mod travel;
mod units;

pub use accuracy::{AccuracyReport, AccuracyTracker};
pub use courier_core::Place;
pub use error::EtaError;
pub use estimate::{Breakdown, Courier, Eta, EtaConfig, EtaModel, EtaRequest, EtaShift, Stage};
pub use learned::LearningRate;
pub use prep::{Food, PrepConfig, PrepModel, ReadyObservation};
pub use residuals::ResidualConfig;
pub use traffic::TrafficProfile;
pub use travel::{TravelConfig, TravelModel, Trip};
pub use units::{Factor, Speed};
