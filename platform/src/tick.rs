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
    /// The dispatch round.
    pub dispatch: DispatchRound,
    /// Queued captures that completed.
    pub captures_completed: usize,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Runs what is due at the clock's time: payment retries, acceptance
    /// deadlines, a dispatch round, capture retries. A server calls it every
    /// few seconds; the simulator at every dispatch interval.
    pub async fn tick(&self) -> Result<TickReport, PlatformError> {
        Ok(TickReport {
            payments_authorized: self.retry_payments().await?,
            acceptances_expired: self.expire_acceptances().await?,
            dispatch: self.dispatch().await?,
            captures_completed: self.retry_captures().await?,
        })
    }
}
