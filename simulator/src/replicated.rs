//! The report of one scenario run on several seeds: every figure's mean
//! with its 95% interval (`summary.json`), one row per seed
//! (`replications.csv`), and a table to read.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use crate::report::{Inputs, Summary};
use crate::stats::{Interval, replicated};

/// Replicated runs of one scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replicated {
    /// The scenario's name.
    pub scenario: String,
    /// What the runs were given.
    pub inputs: Inputs,
    /// The seeds run, in order.
    pub seeds: Vec<u64>,
    /// Every numeric figure of the runs' summaries over the seeds.
    pub figures: BTreeMap<String, Interval>,
}

impl Replicated {
    /// The replications of `runs` (one summary per seed, in seed order).
    pub fn of(inputs: Inputs, runs: &[Summary]) -> Replicated {
        Replicated {
            scenario: runs.first().map_or_else(String::new, |s| s.scenario.clone()),
            inputs,
            seeds: runs.iter().map(|s| s.seed).collect(),
            figures: replicated(runs),
        }
    }

    /// The interval of the figure at dotted `path`.
    pub fn figure(&self, path: &str) -> Option<Interval> {
        self.figures.get(path).copied()
    }
}

/// The figures `replications.csv` gives per seed.
const PER_SEED: [&str; 10] = [
    "orders_placed",
    "orders_delivered",
    "orders_cancelled",
    "click_to_door_min.mean",
    "click_to_door_min.p90",
    "ready_to_pickup_min.mean",
    "order_minutes_waiting_while_couriers_idle",
    "courier_utilization",
    "courier_pay_cents",
    "invariant_violations",
];

/// Writes `summary.json` (the replications) and `replications.csv` (one
/// row per seed) into `dir`.
///
/// # Errors
/// The folder or a file cannot be written.
pub fn write(dir: &Path, replicated: &Replicated, runs: &[Summary]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let json = serde_json::to_string_pretty(replicated).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("summary.json"), json + "\n")?;
    let mut w = csv::Writer::from_path(dir.join("replications.csv"))?;
    let mut header = vec!["seed".to_owned()];
    header.extend(PER_SEED.iter().map(|f| (*f).to_owned()));
    w.write_record(&header)?;
    for run in runs {
        let figures = crate::stats::figures(run);
        let mut row = vec![run.seed.to_string()];
        row.extend(
            PER_SEED
                .iter()
                .map(|f| figures.get(*f).map_or(String::new(), |x| format!("{x:.4}"))),
        );
        w.write_record(&row)?;
    }
    w.flush()
}

/// Prints the replications as a table: each figure's mean with the
/// half-width of its 95% interval.
///
/// # Errors
/// The writer fails.
pub fn print_table(w: &mut impl Write, r: &Replicated) -> std::io::Result<()> {
    let pm = |path: &str| match r.figure(path) {
        Some(i) => format!("{:.2} ± {:.2}", i.mean, (i.high - i.low) / 2.0),
        None => "-".to_owned(),
    };
    let seeds = match (r.seeds.first(), r.seeds.last()) {
        (Some(a), Some(b)) => format!("{} seeds, {a}..{b}", r.seeds.len()),
        _ => "no seeds".to_owned(),
    };
    let rows = [
        ("scenario", format!("{} ({seeds}, 95% intervals)", r.scenario)),
        ("orders placed", pm("orders_placed")),
        ("delivered", pm("orders_delivered")),
        ("cancelled", pm("orders_cancelled")),
        ("click-to-door mean", pm("click_to_door_min.mean")),
        ("click-to-door p90", pm("click_to_door_min.p90")),
        ("ready-to-pickup mean", pm("ready_to_pickup_min.mean")),
        ("courier utilization", pm("courier_utilization")),
        ("courier pay cents", pm("courier_pay_cents")),
        ("invariant violations", pm("invariant_violations")),
    ];
    for (k, v) in rows {
        writeln!(w, "  {k:<22} {v}")?;
    }
    Ok(())
}
