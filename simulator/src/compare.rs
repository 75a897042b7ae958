//! Two runs side by side: each figure of two run folders (one seed or
//! several), their difference and, when both were replicated, whether the
//! difference is more than the seeds' noise (Welch's t-test).

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::stats::{Interval, figures_of, welch_p};

/// The figures compared unless all are asked for: what a planner weighs.
pub const HEADLINE: [&str; 16] = [
    "orders_placed",
    "orders_delivered",
    "orders_cancelled",
    "orders_rejected",
    "click_to_door_min.mean",
    "click_to_door_min.p90",
    "ready_to_pickup_min.mean",
    "service.within_promise",
    "service.within_45_min",
    "service.click_to_door_p90_min",
    "courier_utilization",
    "courier_utilization_peak_hour",
    "courier_hours",
    "cost_per_order",
    "platform_margin_cents",
    "order_minutes_waiting_while_couriers_idle",
];

/// Below this probability a difference is called significant.
pub const SIGNIFICANCE: f64 = 0.05;

/// A run folder that cannot be compared.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A summary could not be read.
    #[error("{file}: {message}")]
    Read {
        /// The file.
        file: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// The folder holds no run.
    #[error("{0}: no summary.json (nor seed-N/summary.json) here: give a folder `courier-sim run` wrote")]
    NoRun(PathBuf),
}

/// The runs of one folder: one figure map per seed.
#[derive(Debug, Clone, PartialEq)]
pub struct Runs {
    /// The folder.
    pub dir: PathBuf,
    /// The scenario's name as the summary gives it.
    pub scenario: String,
    /// Each seed's figures (one entry for a single run).
    pub seeds: Vec<BTreeMap<String, f64>>,
}

impl Runs {
    /// Reads a folder `courier-sim run` wrote: its `seed-N/summary.json`
    /// files when it ran several seeds, else its `summary.json`.
    ///
    /// # Errors
    /// No summary in the folder, or one that is not JSON.
    pub fn load(dir: &Path) -> Result<Runs, CompareError> {
        let mut files: Vec<(u64, PathBuf)> = std::fs::read_dir(dir)
            .map_err(|e| CompareError::Read {
                file: dir.to_path_buf(),
                message: e.to_string(),
            })?
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                let seed = path.file_name()?.to_str()?.strip_prefix("seed-")?.parse().ok()?;
                let summary = path.join("summary.json");
                summary.is_file().then_some((seed, summary))
            })
            .collect();
        files.sort();
        if files.is_empty() {
            let single = dir.join("summary.json");
            if !single.is_file() {
                return Err(CompareError::NoRun(dir.to_path_buf()));
            }
            files.push((0, single));
        }
        let mut scenario = String::new();
        let mut seeds = Vec::with_capacity(files.len());
        for (_, file) in files {
            let text = std::fs::read_to_string(&file).map_err(|e| CompareError::Read {
                file: file.clone(),
                message: e.to_string(),
            })?;
            let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| CompareError::Read {
                file: file.clone(),
                message: format!("not a summary: {e}"),
            })?;
            if let Some(name) = json.get("scenario").and_then(|v| v.as_str()) {
                name.clone_into(&mut scenario);
            }
            seeds.push(figures_of(&json));
        }
        Ok(Runs {
            dir: dir.to_path_buf(),
            scenario,
            seeds,
        })
    }

    /// The values of figure `path` over the seeds (none if a seed lacks it).
    pub fn values(&self, path: &str) -> Option<Vec<f64>> {
        self.seeds.iter().map(|f| f.get(path).copied()).collect()
    }
}

/// One figure of the two runs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Row<'a> {
    /// Dotted path in summary.json.
    pub figure: &'a str,
    /// The first run's figure.
    pub a: Interval,
    /// The second run's.
    pub b: Interval,
    /// `b - a` (means).
    pub difference: f64,
    /// The difference relative to `a`, percent (none when `a` is 0).
    pub change_percent: Option<f64>,
    /// Welch's p-value (none unless both ran two seeds or more).
    pub p_value: Option<f64>,
}

impl Row<'_> {
    /// Whether the difference is beyond the seeds' noise; none when it
    /// cannot be told (a single run on either side).
    pub fn significant(&self) -> Option<bool> {
        self.p_value.map(|p| p < SIGNIFICANCE)
    }
}

/// The rows comparing `a` with `b` on `figures` (those both runs have).
pub fn compare<'f>(a: &Runs, b: &Runs, figures: &[&'f str]) -> Vec<Row<'f>> {
    figures
        .iter()
        .filter_map(|&figure| {
            let (xa, xb) = (a.values(figure)?, b.values(figure)?);
            let (ia, ib) = (Interval::of(&xa)?, Interval::of(&xb)?);
            let difference = ib.mean - ia.mean;
            Some(Row {
                figure,
                a: ia,
                b: ib,
                difference,
                change_percent: (ia.mean != 0.0).then(|| 100.0 * difference / ia.mean.abs()),
                p_value: welch_p(&xa, &xb),
            })
        })
        .collect()
}

/// Every figure both runs have, in name order.
pub fn common_figures(a: &Runs, b: &Runs) -> Vec<String> {
    let in_b = |k: &String| b.seeds.iter().all(|f| f.contains_key(k));
    a.seeds
        .first()
        .map(|f| {
            f.keys()
                .filter(|k| a.seeds.iter().all(|g| g.contains_key(*k)) && in_b(k))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// A figure with its interval when replicated.
fn shown(i: &Interval) -> String {
    if i.n > 1 {
        format!("{:.2}±{:.2}", i.mean, (i.high - i.low) / 2.0)
    } else {
        format!("{:.2}", i.mean)
    }
}

/// Prints the rows as a table.
///
/// # Errors
/// The writer fails.
pub fn print_table(w: &mut impl Write, a: &Runs, b: &Runs, rows: &[Row<'_>]) -> std::io::Result<()> {
    for (name, runs) in [("A", a), ("B", b)] {
        writeln!(
            w,
            "  {name}: {} ({}, {} seed{})",
            runs.dir.display(),
            runs.scenario,
            runs.seeds.len(),
            if runs.seeds.len() == 1 { "" } else { "s" }
        )?;
    }
    writeln!(
        w,
        "  {:<42} {:>16} {:>16} {:>12} {:>8}  significant (p)",
        "figure", "A", "B", "B - A", "change"
    )?;
    for r in rows {
        let change = r.change_percent.map_or("-".to_owned(), |c| format!("{c:+.1}%"));
        let verdict = match (r.significant(), r.p_value) {
            (Some(true), Some(p)) => format!("yes ({p:.3})"),
            (Some(false), Some(p)) => format!("no ({p:.3})"),
            _ => "- (one seed)".to_owned(),
        };
        writeln!(
            w,
            "  {:<42} {:>16} {:>16} {:>+12.2} {:>8}  {verdict}",
            r.figure,
            shown(&r.a),
            shown(&r.b),
            r.difference,
            change
        )?;
    }
    Ok(())
}

/// Writes the rows as `compare.csv` into `dir`.
///
/// # Errors
/// The folder or file cannot be written.
pub fn write_csv(dir: &Path, rows: &[Row<'_>]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut w = csv::Writer::from_path(dir.join("compare.csv"))?;
    w.write_record([
        "figure",
        "a_mean",
        "a_low",
        "a_high",
        "a_seeds",
        "b_mean",
        "b_low",
        "b_high",
        "b_seeds",
        "difference",
        "change_percent",
        "p_value",
        "significant",
    ])?;
    let opt = |x: Option<f64>| x.map_or(String::new(), |x| format!("{x:.6}"));
    for r in rows {
        w.write_record([
            r.figure.to_owned(),
            format!("{:.6}", r.a.mean),
            format!("{:.6}", r.a.low),
            format!("{:.6}", r.a.high),
            r.a.n.to_string(),
            format!("{:.6}", r.b.mean),
            format!("{:.6}", r.b.low),
            format!("{:.6}", r.b.high),
            r.b.n.to_string(),
            format!("{:.6}", r.difference),
            opt(r.change_percent),
            opt(r.p_value),
            r.significant().map_or(String::new(), |s| s.to_string()),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(values: &[f64]) -> Runs {
        Runs {
            dir: PathBuf::from("x"),
            scenario: "s".into(),
            seeds: values
                .iter()
                .map(|&v| BTreeMap::from([("click_to_door_min.p90".to_owned(), v)]))
                .collect(),
        }
    }

    #[test]
    fn a_real_difference_is_significant_and_noise_is_not() {
        let a = runs(&[40.0, 41.0, 39.5, 40.5, 40.2]);
        let b = runs(&[36.0, 36.5, 35.5, 36.2, 35.8]);
        let same = runs(&[40.1, 40.9, 39.7, 40.3, 40.4]);
        let rows = compare(&a, &b, &["click_to_door_min.p90", "cost_per_order"]);
        assert_eq!(rows.len(), 1, "a figure neither run has is left out");
        assert!((rows[0].difference - (-4.24)).abs() < 1e-9);
        assert_eq!(rows[0].significant(), Some(true));
        assert_eq!(compare(&a, &same, &HEADLINE)[0].significant(), Some(false));
        let single = compare(&runs(&[40.0]), &runs(&[36.0]), &HEADLINE);
        assert_eq!(single[0].significant(), None, "one seed cannot tell noise from change");
        assert_eq!(single[0].change_percent, Some(-10.0));
    }
}
