//! Retries with exponential backoff and full jitter (seed 000's table).

use courier_core::Duration;
use rand::Rng;

/// How long to wait for one attempt, how many retries, and how to back off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Longest wait for one attempt.
    pub timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    /// Backoff before retry n (from 1) is up to `base x 2^(n-1)`; zero means
    /// retry at once.
    pub base_backoff: Duration,
    /// No backoff is longer than this.
    pub max_backoff: Duration,
}

impl RetryPolicy {
    /// Redis GET: 50 ms, 1 retry, no backoff.
    pub const REDIS_GET: RetryPolicy = RetryPolicy::new(Duration::from_millis(50), 1, Duration::ZERO);
    /// PostgreSQL query: 500 ms, 2 retries, 100 ms exponential.
    pub const POSTGRES_QUERY: RetryPolicy = RetryPolicy::new(Duration::from_millis(500), 2, Duration::from_millis(100));
    /// Kafka (event) produce: 100 ms, 3 retries, 100 ms exponential.
    pub const EVENT_PRODUCE: RetryPolicy = RetryPolicy::new(Duration::from_millis(100), 3, Duration::from_millis(100));
    /// Payment authorization: 10 s, 2 retries, 1 s exponential.
    pub const PAYMENT_AUTH: RetryPolicy = RetryPolicy::new(Duration::from_secs(10), 2, Duration::from_secs(1));
    /// Push notification: 5 s, 3 retries, 1 s exponential.
    pub const PUSH_NOTIFICATION: RetryPolicy = RetryPolicy::new(Duration::from_secs(5), 3, Duration::from_secs(1));

    /// A policy with backoff capped at 30 s.
    pub const fn new(timeout: Duration, retries: u32, base_backoff: Duration) -> RetryPolicy {
        RetryPolicy {
            timeout,
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
    /// let p = RetryPolicy::PAYMENT_AUTH;
    /// assert!(p.backoff(1, &mut rng).unwrap() <= Duration::from_secs(1));
    /// assert!(p.backoff(2, &mut rng).unwrap() <= Duration::from_secs(2));
    /// assert_eq!(p.backoff(3, &mut rng), None);
    /// ```
    pub fn backoff(&self, n: u32, rng: &mut impl Rng) -> Option<Duration> {
        let ceiling = self.ceiling(n)?;
        Some(Duration::from_millis(rng.random_range(0..=ceiling.as_millis())))
    }
}
