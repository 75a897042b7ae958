//! Retries with exponential backoff and full jitter (seed 000). How long one
//! attempt may take is the adapter's business (the PostgreSQL pool's acquire
//! timeout, the Redis client's, a payment provider's client), not a
//! setting here that nothing would read.

use courier_core::Duration;
use rand::Rng;

/// How many retries, and how to back off between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first.
    pub retries: u32,
    /// Backoff before retry n (from 1) is up to `base x 2^(n-1)`; zero means
    /// retry at once.
    pub base_backoff: Duration,
    /// No backoff is longer than this.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// A policy with backoff capped at 30 s.
    pub const fn new(retries: u32, base_backoff: Duration) -> RetryPolicy {
        RetryPolicy {
            retries,
            base_backoff,
            max_backoff: Duration::from_secs(30),
        }
    }

    /// The longest backoff before retry `n` (1 for the first retry), or None
    /// once retries are spent: `base x 2^(n-1)`, capped.
    pub fn ceiling(&self, n: u32) -> Option<Duration> {
        if n == 0 || n > self.retries {
            return None;
        }
        let factor = 1u64.checked_shl(n - 1).unwrap_or(u64::MAX);
        Some(self.base_backoff.saturating_mul(factor).min(self.max_backoff))
    }

    /// The backoff before retry `n`, drawn uniformly from zero to its ceiling
    /// ("full jitter"), so retries from many callers spread out instead of
    /// arriving together. None once retries are spent.
    ///
    /// ```
    /// use courier_core::Duration;
    /// use courier_platform::resilience::RetryPolicy;
    /// use rand::SeedableRng;
    /// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    /// // Seed 000's payment authorization: 2 retries, 1 s exponential.
    /// let p = RetryPolicy::new(2, Duration::from_secs(1));
    /// assert!(p.backoff(1, &mut rng).unwrap() <= Duration::from_secs(1));
    /// assert!(p.backoff(2, &mut rng).unwrap() <= Duration::from_secs(2));
    /// assert_eq!(p.backoff(3, &mut rng), None);
    /// ```
    pub fn backoff(&self, n: u32, rng: &mut impl Rng) -> Option<Duration> {
        let ceiling = self.ceiling(n)?;
        Some(Duration::from_millis(rng.random_range(0..=ceiling.as_millis())))
    }
}
