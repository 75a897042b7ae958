//! How good the estimates were: predicted against actual.

use courier_core::Timestamp;

use crate::Eta;

/// Predicted-vs-actual pairs, accumulated as deliveries complete.
///
/// ```
/// use courier_core::Timestamp;
/// use courier_eta::AccuracyTracker;
/// let min = |m: i64| Timestamp::from_millis(m * 60_000);
/// let mut acc = AccuracyTracker::default();
/// acc.record(min(30), min(40), min(33)); // 3 min late, under the P90
/// acc.record(min(30), min(40), min(28)); // 2 min early
/// let r = acc.report().unwrap();
/// assert_eq!(r.count, 2);
/// assert_eq!(r.mae_min, 2.5);
/// assert_eq!(r.bias_min, 0.5);
/// assert_eq!(r.p90_coverage, 1.0);
/// ```
#[derive(Debug, Clone, Default)]
pub struct AccuracyTracker {
    /// actual - predicted median, minutes (positive: late).
    errors_min: Vec<f64>,
    under_p90: u64,
}

/// Accuracy figures over a set of deliveries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AccuracyReport {
    /// Deliveries counted.
    pub count: usize,
    /// Mean absolute error of the median, minutes.
    pub mae_min: f64,
    /// Mean of actual minus predicted, minutes (positive: late).
    pub bias_min: f64,
    /// 90th percentile of the absolute error, minutes.
    pub p90_abs_min: f64,
    /// Share of deliveries within five minutes of the median.
    pub within_5_min: f64,
    /// Share of deliveries at or before the P90: near 0.9 when calibrated.
    pub p90_coverage: f64,
}

impl AccuracyTracker {
    /// Records one delivery: predicted median and P90 arrival, actual arrival.
    pub fn record(&mut self, predicted_p50: Timestamp, predicted_p90: Timestamp, actual: Timestamp) {
        let error_ms = actual.as_millis().saturating_sub(predicted_p50.as_millis());
        self.errors_min.push(error_ms as f64 / 60_000.0);
        if actual <= predicted_p90 {
            self.under_p90 += 1;
        }
    }

    /// Records one delivery against its estimate.
    pub fn record_eta(&mut self, eta: &Eta, actual: Timestamp) {
        self.record(eta.arrival_p50(), eta.arrival_p90(), actual);
    }

    /// Deliveries recorded so far.
    pub fn len(&self) -> usize {
        self.errors_min.len()
    }

    /// True before the first delivery.
    pub fn is_empty(&self) -> bool {
        self.errors_min.is_empty()
    }

    /// The figures, or None before the first delivery.
    pub fn report(&self) -> Option<AccuracyReport> {
        let n = self.errors_min.len();
        if n == 0 {
            return None;
        }
        let nf = n as f64;
        let mut abs: Vec<f64> = self.errors_min.iter().map(|e| e.abs()).collect();
        abs.sort_by(f64::total_cmp);
        // Nearest rank: the smallest error at least 90% of deliveries stay within.
        let rank = ((0.9 * nf).ceil() as usize).clamp(1, n) - 1;
        Some(AccuracyReport {
            count: n,
            mae_min: abs.iter().sum::<f64>() / nf,
            bias_min: self.errors_min.iter().sum::<f64>() / nf,
            p90_abs_min: abs[rank],
            within_5_min: abs.iter().filter(|&&e| e <= 5.0).count() as f64 / nf,
            p90_coverage: self.under_p90 as f64 / nf,
        })
    }
}
