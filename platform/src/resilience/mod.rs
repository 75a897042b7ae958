//! Resilience as pure, clock-driven parts: a circuit breaker and retry
//! policies with exponential backoff and jitter, configured from seed 000.
//! Nothing here sleeps or reads a clock: callers pass `now` and an RNG.

mod breaker;
mod retry;

pub use breaker::{BreakerConfig, BreakerState, CircuitBreaker, Rejected};
pub use retry::RetryPolicy;
