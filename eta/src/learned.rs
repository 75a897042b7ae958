//! An exponentially weighted estimate that starts from a prior.

use crate::{EtaError, Factor};

/// How a learned value moves toward observations.
///
/// The first observations are averaged with the prior as if the prior were
/// `prior_weight` observations; once enough have arrived the weight of a new
/// observation settles at `min_alpha`, so the value keeps tracking change.
///
/// ```
/// use courier_eta::LearningRate;
/// let rate = LearningRate::new(5.0, 0.05)?;
/// assert_eq!(rate, LearningRate::default());
/// assert!(LearningRate::new(5.0, 1.5).is_err());
/// # Ok::<(), courier_eta::EtaError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LearningRate {
    prior_weight: f64,
    min_alpha: f64,
}

impl LearningRate {
    /// A prior worth `prior_weight` observations (`0..=10_000`) and a floor
    /// `min_alpha` (`0.0001..=1`) on the weight of each new observation.
    pub fn new(prior_weight: f64, min_alpha: f64) -> Result<LearningRate, EtaError> {
        let prior_weight = Factor::new("prior weight", prior_weight, 0.0, 10_000.0)?.get();
        let min_alpha = Factor::new("minimum learning rate", min_alpha, 0.0001, 1.0)?.get();
        Ok(LearningRate {
            prior_weight,
            min_alpha,
        })
    }

    /// How many observations the prior is worth.
    pub fn prior_weight(&self) -> f64 {
        self.prior_weight
    }

    /// The smallest weight of a new observation (the EWMA's alpha).
    pub fn min_alpha(&self) -> f64 {
        self.min_alpha
    }
}

impl Default for LearningRate {
    fn default() -> Self {
        LearningRate {
            prior_weight: 5.0,
            min_alpha: 0.05,
        }
    }
}

/// A value learned from observations, starting from a prior.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Learned {
    value: f64,
    seen: u32,
}

impl Learned {
    pub(crate) fn from_prior(prior: f64) -> Learned {
        Learned { value: prior, seen: 0 }
    }

    pub(crate) fn value(&self) -> f64 {
        self.value
    }

    #[cfg(test)]
    pub(crate) fn seen(&self) -> u32 {
        self.seen
    }

    pub(crate) fn observe(&mut self, observation: f64, rate: LearningRate) {
        self.seen = self.seen.saturating_add(1);
        let alpha = (1.0 / (rate.prior_weight + f64::from(self.seen))).max(rate.min_alpha);
        self.value += alpha * (observation - self.value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_observation_is_weighed_against_the_prior() {
        let mut l = Learned::from_prior(1.0);
        l.observe(2.0, LearningRate::new(3.0, 0.05).unwrap());
        assert!((l.value() - 1.25).abs() < 1e-12, "{}", l.value());
        assert_eq!(l.seen(), 1);
    }

    #[test]
    fn converges_to_a_steady_observation() {
        let mut l = Learned::from_prior(1.0);
        for _ in 0..500 {
            l.observe(0.6, LearningRate::default());
        }
        assert!((l.value() - 0.6).abs() < 1e-6, "{}", l.value());
    }
}
