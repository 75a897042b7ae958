//! Replays of the public Grubhub MDRP instances (Reyes et al., "The Meal
//! Delivery Routing Problem", 2018) under their own rules: planar metres,
//! integer minutes, `ceil(distance / speed)` travel, split service times,
//! per-order pay with an hourly guarantee.
//!
//! [`Instance::load`] reads an instance folder, [`replay`] runs a
//! [`Policy`] over it minute by minute, [`Solution::write`] writes the
//! three solution files of the public scoring format,
//! [`feasibility::violations`] checks a solution against every rule, and
//! [`Metrics::of`] computes the paper's metrics.

pub mod avoidable;
pub mod classes;
pub mod dispatch;
pub mod feasibility;
pub mod instance;
pub mod metrics;
pub mod planner;
pub mod solution;
pub mod table;

use std::path::Path;

use serde::Serialize;

pub use dispatch::{Policy, replay};
pub use instance::Instance;
pub use metrics::{Metrics, Stats};
pub use solution::Solution;
pub use table::TableError;

/// One replay's report (`summary.json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// The instance's folder name.
    pub instance: String,
    /// The policy replayed.
    pub policy: Policy,
    /// The metrics.
    #[serde(flatten)]
    pub metrics: Metrics,
    /// Rules the written solution files break (empty when feasible).
    pub violations: Vec<String>,
    /// Wall-clock seconds of the replay (load, dispatch, write, check).
    pub wall_seconds: f64,
}

/// Why a replay could not be reported.
#[derive(Debug, thiserror::Error)]
pub enum MdrpError {
    /// The instance or the written solution could not be read.
    #[error(transparent)]
    Input(#[from] TableError),
    /// The output could not be written.
    #[error("cannot write to {dir}: {source}")]
    Write {
        /// The folder.
        dir: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Loads the instance in `dir`, replays it under `policy`, writes the
/// solution files and `summary.json` into `out`, reads the files back and
/// checks them against every rule.
///
/// `elapsed` gives the wall seconds since the caller started timing (the
/// replay itself never reads a clock).
///
/// # Errors
/// The instance is malformed, or `out` cannot be written.
pub fn replay_dir(dir: &Path, policy: Policy, out: &Path, elapsed: impl Fn() -> f64) -> Result<Report, MdrpError> {
    let instance = Instance::load(dir)?;
    replay_instance(&instance, policy, out, elapsed)
}

/// As [`replay_dir`], for an instance already loaded (or made harder, see
/// [`Instance::without_couriers`]).
///
/// # Errors
/// `out` cannot be written, or what was written cannot be read back.
pub fn replay_instance(
    instance: &Instance,
    policy: Policy,
    out: &Path,
    elapsed: impl Fn() -> f64,
) -> Result<Report, MdrpError> {
    let instance = instance.clone();
    let solution = replay(&instance, policy);
    let write_err = |source| MdrpError::Write {
        dir: out.display().to_string(),
        source,
    };
    solution.write(&instance, out).map_err(write_err)?;
    let written = Solution::read(&instance, out)?;
    let mut report = Report {
        instance: instance.name.clone(),
        policy,
        metrics: Metrics::of(&instance, &written),
        violations: feasibility::violations(&instance, &written),
        wall_seconds: 0.0,
    };
    report.wall_seconds = elapsed();
    let json = serde_json::to_string_pretty(&report).map_err(|e| write_err(e.into()))?;
    std::fs::write(out.join("summary.json"), json + "\n").map_err(write_err)?;
    Ok(report)
}
