//! A circuit breaker: closed, open, half-open, on the caller's clock.

use std::collections::VecDeque;

use courier_core::{Duration, Timestamp};

/// When a breaker opens and how it recovers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BreakerConfig {
    /// Calls remembered for the failure rate.
    pub window: usize,
    /// Failure rate (0 to 1) over a full window that opens the breaker.
    pub failure_rate: f64,
    /// Consecutive failures that open the breaker at once.
    pub consecutive_failures: u32,
    /// How long an open breaker refuses calls before letting probes through.
    pub open_wait: Duration,
    /// Successful probes in a row that close a half-open breaker.
    pub probes_to_close: u32,
}

impl BreakerConfig {
    /// The payment gateway (seed 000): a 20-call window opening at 30%
    /// failures, or after 5 consecutive failures; 3 successful probes close
    /// it. The wait is 20 s, so that the seed's outage timeline holds
    /// (open at T+10 s, gateway back at T+30 s, closed by T+35 s); the
    /// Resilience4j block's 120 s would keep orders waiting 100 s longer.
    pub fn payment() -> BreakerConfig {
        BreakerConfig {
            window: 20,
            failure_rate: 0.30,
            consecutive_failures: 5,
            open_wait: Duration::from_secs(20),
            probes_to_close: 3,
        }
    }

    /// PostgreSQL (seed 000): a 50-call window at 50%, 60 s open.
    pub fn postgresql() -> BreakerConfig {
        BreakerConfig {
            window: 50,
            failure_rate: 0.50,
            consecutive_failures: 10,
            open_wait: Duration::from_secs(60),
            probes_to_close: 3,
        }
    }
}

/// Where a breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    /// Calls go through.
    Closed,
    /// Calls are refused until `until`.
    Open {
        /// When probes may start.
        until: Timestamp,
    },
    /// Probes go through; `successes` so far.
    HalfOpen {
        /// Successful probes in a row.
        successes: u32,
    },
}

/// A call the breaker refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("circuit open until {retry_at}")]
pub struct Rejected {
    /// When the breaker will let a probe through.
    pub retry_at: Timestamp,
}

/// A circuit breaker driven by the caller's clock.
///
/// ```
/// use courier_core::{Duration, Timestamp};
/// use courier_platform::resilience::{BreakerConfig, BreakerState, CircuitBreaker};
/// let mut b = CircuitBreaker::new(BreakerConfig::payment());
/// let t = |s: i64| Timestamp::from_millis(s * 1_000);
/// for s in 0..5 {
///     b.allow(t(s)).unwrap();
///     b.record_failure(t(s));
/// }
/// assert!(b.allow(t(6)).is_err(), "five failures in a row open it");
/// assert!(matches!(b.state(), BreakerState::Open { .. }));
/// ```
#[derive(Debug, Clone)]
pub struct CircuitBreaker {
    config: BreakerConfig,
    state: BreakerState,
    outcomes: VecDeque<bool>,
    consecutive_failures: u32,
}

impl CircuitBreaker {
    /// A closed breaker.
    pub fn new(config: BreakerConfig) -> CircuitBreaker {
        CircuitBreaker {
            config,
            state: BreakerState::Closed,
            outcomes: VecDeque::with_capacity(config.window),
            consecutive_failures: 0,
        }
    }

    /// Where it stands (as of the last call).
    pub fn state(&self) -> BreakerState {
        self.state
    }

    /// May a call go out at `now`? An open breaker whose wait is over turns
    /// half-open and lets the call through as a probe.
    pub fn allow(&mut self, now: Timestamp) -> Result<(), Rejected> {
        match self.state {
            BreakerState::Open { until } if now < until => Err(Rejected { retry_at: until }),
            BreakerState::Open { .. } => {
                self.state = BreakerState::HalfOpen { successes: 0 };
                Ok(())
            }
            _ => Ok(()),
        }
    }

    /// The call succeeded.
    pub fn record_success(&mut self, _now: Timestamp) {
        self.consecutive_failures = 0;
        match self.state {
            BreakerState::HalfOpen { successes } if successes + 1 >= self.config.probes_to_close => self.close(),
            BreakerState::HalfOpen { successes } => {
                self.state = BreakerState::HalfOpen {
                    successes: successes + 1,
                }
            }
            _ => self.remember(true),
        }
    }

    /// The call failed (error or timeout).
    pub fn record_failure(&mut self, now: Timestamp) {
        self.consecutive_failures = self.consecutive_failures.saturating_add(1);
        match self.state {
            BreakerState::HalfOpen { .. } => self.open(now),
            BreakerState::Open { .. } => {}
            BreakerState::Closed => {
                self.remember(false);
                let full = self.outcomes.len() >= self.config.window;
                let failures = self.outcomes.iter().filter(|ok| !**ok).count();
                let rate = failures as f64 / self.outcomes.len().max(1) as f64;
                if self.consecutive_failures >= self.config.consecutive_failures
                    || (full && rate >= self.config.failure_rate)
                {
                    self.open(now);
                }
            }
        }
    }

    fn remember(&mut self, ok: bool) {
        if self.outcomes.len() >= self.config.window.max(1) {
            self.outcomes.pop_front();
        }
        self.outcomes.push_back(ok);
    }

    fn open(&mut self, now: Timestamp) {
        self.state = BreakerState::Open {
            until: now.plus(self.config.open_wait),
        };
        self.outcomes.clear();
    }

    fn close(&mut self) {
        self.state = BreakerState::Closed;
        self.outcomes.clear();
        self.consecutive_failures = 0;
    }
}
