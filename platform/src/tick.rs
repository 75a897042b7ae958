//! The clock-driven work: one call runs everything that is due.

use courier_core::OrderId;
use courier_core::ports::Store;

use crate::dispatch::DispatchRound;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::platform::Platform;

/// What one [`Platform::tick`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TickReport {
    /// Queued payments that went through.
    pub payments_authorized: usize,
    /// Orders rejected for a missed acceptance deadline.
    pub acceptances_expired: Vec<OrderId>,
    /// Orders of couriers gone offline put back in the pool on a retry.
    pub orders_returned: usize,
    /// The dispatch round.
    pub dispatch: DispatchRound,
    /// Queued captures that completed.
    pub captures_completed: usize,
    /// Orders whose deferred bookkeeping was done.
    pub settlements_retried: usize,
}

/// A [`Platform::tick`] in which a step failed: the first error, and what
/// the tick did nonetheless (every step runs; work already stored is
/// reported, so a caller acting on assignments misses none).
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct TickFailure {
    /// The first step's error.
    pub error: PlatformError,
    /// What was done.
    pub report: TickReport,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Runs what is due at the clock's time: payment retries, acceptance
    /// deadlines, a dispatch round, capture and settlement retries. A
    /// server calls it every few seconds; the simulator at every dispatch
    /// interval.
    ///
    /// # Errors
    /// A step failed (the store is down, say): the first error, with the
    /// report of what the steps did.
    pub async fn tick(&self) -> Result<TickReport, TickFailure> {
        let mut report = TickReport::default();
        let mut first: Option<PlatformError> = None;
        let mut keep = |result: Result<(), PlatformError>| {
            if let Err(e) = result {
                first.get_or_insert(e);
            }
        };
        keep(self.retry_payments().await.map(|n| report.payments_authorized = n));
        keep(self.expire_acceptances_into(&mut report.acceptances_expired).await);
        keep(self.retry_returns().await.map(|n| report.orders_returned = n));
        keep(self.dispatch_into(&mut report.dispatch).await);
        keep(self.retry_captures().await.map(|n| report.captures_completed = n));
        keep(self.retry_settlements().await.map(|n| report.settlements_retried = n));
        match first {
            None => Ok(report),
            Some(error) => Err(TickFailure { error, report }),
        }
    }
}
