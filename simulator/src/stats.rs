//! Replicated runs in figures: each numeric summary figure's mean over the
//! seeds with a 95% confidence interval (Student's t), and Welch's test of
//! whether two sets of runs differ.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, StudentsT};

use crate::report::Summary;

/// Confidence of the intervals.
pub const CONFIDENCE: f64 = 0.95;

/// A figure over replications: mean, spread and a 95% confidence interval
/// of the mean.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Mean over the runs.
    pub mean: f64,
    /// Sample standard deviation (0 for one run).
    pub sd: f64,
    /// Lower end of the 95% confidence interval of the mean.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Runs.
    pub n: usize,
}

impl Interval {
    /// The interval of `xs`; none when empty or when a value is not finite.
    /// One run gives a point (no spread is known).
    ///
    /// ```
    /// use courier_sim::stats::Interval;
    /// let i = Interval::of(&[10.0, 12.0, 11.0, 13.0, 9.0]).unwrap();
    /// assert_eq!(i.mean, 11.0);
    /// // t(0.975, 4) = 2.776; sd = 1.581; half-width 2.776 * 1.581 / sqrt(5).
    /// assert!((i.high - 12.963).abs() < 1e-3 && (i.low - 9.037).abs() < 1e-3);
    /// ```
    pub fn of(xs: &[f64]) -> Option<Interval> {
        if xs.is_empty() || xs.iter().any(|x| !x.is_finite()) {
            return None;
        }
        let n = xs.len();
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n == 1 {
            return Some(Interval {
                mean,
                sd: 0.0,
                low: mean,
                high: mean,
                n,
            });
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        let sd = var.sqrt();
        let half = t_quantile(n - 1) * sd / (n as f64).sqrt();
        Some(Interval {
            mean,
            sd,
            low: mean - half,
            high: mean + half,
            n,
        })
    }
}

/// Student's t quantile at (1 + confidence) / 2 for `df` degrees of freedom.
fn t_quantile(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df.max(1) as f64).map_or(1.96, |t| t.inverse_cdf((1.0 + CONFIDENCE) / 2.0))
}

/// Every numeric figure of `summary`, by dotted path
/// (`click_to_door_min.p90`).
pub fn figures(summary: &Summary) -> BTreeMap<String, f64> {
    serde_json::to_value(summary).map_or_else(|_| BTreeMap::new(), |json| figures_of(&json))
}

/// Every number in a `summary.json` document, by dotted path (as
/// [`figures`], for a summary read back from a file).
pub fn figures_of(json: &serde_json::Value) -> BTreeMap<String, f64> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, f64>) {
        match v {
            serde_json::Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    out.insert(prefix.to_owned(), x);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let path = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&path, v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk("", json, &mut out);
    out
}

/// Each figure's interval over `runs` (figures some run lacks are left out).
pub fn replicated(runs: &[Summary]) -> BTreeMap<String, Interval> {
    let all: Vec<BTreeMap<String, f64>> = runs.iter().map(figures).collect();
    let Some(first) = all.first() else {
        return BTreeMap::new();
    };
    first
        .keys()
        .filter_map(|k| {
            let xs: Option<Vec<f64>> = all.iter().map(|f| f.get(k).copied()).collect();
            Some((k.clone(), Interval::of(&xs?)?))
        })
        .collect()
}

/// Welch's two-sided t-test: the probability of a difference at least this
/// large between the means of `a` and `b` if they did not differ; none with
/// fewer than two runs on a side or no spread at all.
pub fn welch_p(a: &[f64], b: &[f64]) -> Option<f64> {
    let (ia, ib) = (Interval::of(a)?, Interval::of(b)?);
    if ia.n < 2 || ib.n < 2 {
        return None;
    }
    let (va, vb) = (ia.sd.powi(2) / ia.n as f64, ib.sd.powi(2) / ib.n as f64);
    if va + vb <= 0.0 {
        return None;
    }
    let t = (ia.mean - ib.mean) / (va + vb).sqrt();
    let df = (va + vb).powi(2) / (va.powi(2) / (ia.n - 1) as f64 + vb.powi(2) / (ib.n - 1) as f64);
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    Some(2.0 * (1.0 - dist.cdf(t.abs())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_narrow_with_more_runs_and_one_run_is_a_point() {
        let one = Interval::of(&[5.0]).unwrap();
        assert_eq!((one.low, one.high, one.sd), (5.0, 5.0, 0.0));
        let few = Interval::of(&[4.0, 6.0, 5.0]).unwrap();
        let many = Interval::of(&[4.0, 6.0, 5.0, 4.0, 6.0, 5.0, 4.0, 6.0, 5.0]).unwrap();
        assert!(many.high - many.low < few.high - few.low);
        assert!(Interval::of(&[]).is_none());
        assert!(Interval::of(&[1.0, f64::NAN]).is_none());
    }

    #[test]
    fn welch_tells_apart_what_differs_and_not_what_does_not() {
        let a = [10.0, 10.5, 9.5, 10.2, 9.8, 10.1];
        let same = [10.1, 9.9, 10.4, 9.6, 10.0, 10.2];
        let higher = [12.0, 12.5, 11.5, 12.2, 11.8, 12.1];
        assert!(welch_p(&a, &same).unwrap() > 0.05);
        assert!(welch_p(&a, &higher).unwrap() < 0.001);
        assert!(welch_p(&a, &[3.0]).is_none());
    }
}
