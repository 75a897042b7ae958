//! The distribution of actual-over-predicted delivery time, from which P50 and
//! P90 are read.
//!
//! Residuals are kept as log ratios in a fixed histogram whose old mass decays,
//! so the quantiles follow a changing city. The prior is pseudo-mass shaped
//! like a log-normal, which the first real residuals soon outweigh.

use crate::{EtaError, Factor};

const BINS: usize = 128;
/// The histogram spans log ratios in [-LOG_SPAN, LOG_SPAN]: x0.22 to x4.5.
const LOG_SPAN: f64 = 1.5;
const BIN_WIDTH: f64 = 2.0 * LOG_SPAN / BINS as f64;

/// How the residual distribution starts and how long it remembers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ResidualConfig {
    prior_log_sigma: f64,
    prior_weight: f64,
    memory: f64,
}

impl ResidualConfig {
    /// A prior log-normal spread `prior_log_sigma` (`0.01..=1`, 0.2 means the
    /// P90 sits about 29% above the P50) worth `prior_weight` observations
    /// (`0..=100_000`), and a memory of about `memory` observations
    /// (`10..=1_000_000`) before old residuals fade.
    pub fn new(prior_log_sigma: f64, prior_weight: f64, memory: f64) -> Result<ResidualConfig, EtaError> {
        Ok(ResidualConfig {
            prior_log_sigma: Factor::new("prior log sigma", prior_log_sigma, 0.01, 1.0)?.get(),
            prior_weight: Factor::new("residual prior weight", prior_weight, 0.0, 100_000.0)?.get(),
            memory: Factor::new("residual memory", memory, 10.0, 1_000_000.0)?.get(),
        })
    }
}

impl Default for ResidualConfig {
    fn default() -> Self {
        ResidualConfig {
            prior_log_sigma: 0.2,
            prior_weight: 30.0,
            memory: 2_000.0,
        }
    }
}

/// A decaying histogram of log(actual / predicted) with its P50 and P90 cached.
#[derive(Debug, Clone)]
pub(crate) struct Residuals {
    mass: Box<[f64; BINS]>,
    total: f64,
    decay: f64,
    p50: f64,
    p90: f64,
    observed: u64,
}

impl Residuals {
    pub(crate) fn new(config: ResidualConfig) -> Residuals {
        let mut mass = Box::new([0.0; BINS]);
        if config.prior_weight > 0.0 {
            let sigma = config.prior_log_sigma;
            let mut sum = 0.0;
            for (i, m) in mass.iter_mut().enumerate() {
                let z = bin_centre(i) / sigma;
                *m = (-0.5 * z * z).exp();
                sum += *m;
            }
            for m in mass.iter_mut() {
                *m *= config.prior_weight / sum;
            }
        }
        let mut r = Residuals {
            total: mass.iter().sum(),
            mass,
            decay: 1.0 - 1.0 / config.memory,
            p50: 0.0,
            p90: 0.0,
            observed: 0,
        };
        r.refresh();
        r
    }

    /// Multiplier from the raw estimate to its P50.
    #[inline]
    pub(crate) fn p50_factor(&self) -> f64 {
        self.p50.exp()
    }

    /// Multiplier from the raw estimate to its P90.
    #[inline]
    pub(crate) fn p90_factor(&self) -> f64 {
        self.p90.exp()
    }

    pub(crate) fn observed(&self) -> u64 {
        self.observed
    }

    /// Records one actual/predicted ratio (positive, finite).
    pub(crate) fn observe(&mut self, ratio: f64) {
        if !(ratio.is_finite() && ratio > 0.0) {
            return;
        }
        let log = ratio.ln().clamp(-LOG_SPAN, LOG_SPAN - 1e-9);
        let bin = (((log + LOG_SPAN) / BIN_WIDTH) as usize).min(BINS - 1);
        for m in self.mass.iter_mut() {
            *m *= self.decay;
        }
        self.mass[bin] += 1.0;
        self.total = self.total * self.decay + 1.0;
        self.observed += 1;
        self.refresh();
    }

    fn refresh(&mut self) {
        if self.total <= 0.0 {
            // No prior and nothing seen: the raw estimate is the best guess.
            self.p50 = 0.0;
            self.p90 = 0.0;
            return;
        }
        self.p50 = self.quantile(0.5);
        self.p90 = self.quantile(0.9).max(self.p50);
    }

    /// The `q` quantile of the log ratio, interpolated inside its bin.
    fn quantile(&self, q: f64) -> f64 {
        let target = q * self.total;
        let mut below = 0.0;
        for (i, &m) in self.mass.iter().enumerate() {
            if below + m >= target && m > 0.0 {
                let within = (target - below) / m;
                return -LOG_SPAN + (i as f64 + within) * BIN_WIDTH;
            }
            below += m;
        }
        LOG_SPAN
    }
}

fn bin_centre(i: usize) -> f64 {
    -LOG_SPAN + (i as f64 + 0.5) * BIN_WIDTH
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prior_alone_gives_lognormal_quantiles() {
        let r = Residuals::new(ResidualConfig::default());
        assert!((r.p50_factor() - 1.0).abs() < 0.02, "{}", r.p50_factor());
        // exp(1.2816 * 0.2) = 1.292
        assert!((r.p90_factor() - 1.292).abs() < 0.03, "{}", r.p90_factor());
    }

    #[test]
    fn data_outweighs_the_prior() {
        let mut r = Residuals::new(ResidualConfig::default());
        for i in 0..2_000 {
            // ratios spread evenly over [1.0, 2.0]
            r.observe(1.0 + f64::from(i % 100) / 100.0);
        }
        assert!((r.p50_factor() - 1.5).abs() < 0.05, "{}", r.p50_factor());
        assert!((r.p90_factor() - 1.9).abs() < 0.05, "{}", r.p90_factor());
        assert_eq!(r.observed(), 2_000);
    }

    #[test]
    fn no_prior_and_no_data_means_the_raw_estimate() {
        let r = Residuals::new(ResidualConfig::new(0.2, 0.0, 100.0).unwrap());
        assert_eq!((r.p50_factor(), r.p90_factor()), (1.0, 1.0));
    }
}
