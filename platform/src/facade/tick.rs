//! The clock-driven work: one call runs every service's due steps, in a
//! fixed order.

use courier_core::OrderId;
use courier_core::ports::Store;

use courier_core::ports::Lease;

use super::Platform;
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::services::dispatch::DispatchRound;

/// What one [`Platform::tick`] did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TickReport {
    /// Queued payments that went through.
    pub payments_authorized: usize,
    /// Orders rejected for a missed acceptance deadline.
    pub acceptances_expired: Vec<OrderId>,
    /// Orders of couriers gone offline put back in the pool on a retry, or
    /// taken back from couriers who did not reconnect after a recovery.
    pub orders_returned: usize,
    /// The dispatch round.
    pub dispatch: DispatchRound,
    /// Queued captures that completed.
    pub captures_completed: usize,
    /// Orders whose deferred bookkeeping was done.
    pub settlements_retried: usize,
    /// Ended orders whose queued capture and release went through.
    pub conclusions_completed: usize,
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
    /// Runs what is due at the clock's time, in this order: payments
    /// retries its queued authorizations; the kitchen rejects orders past
    /// their acceptance deadline; dispatch returns orders of couriers gone
    /// offline whose return failed, then runs a round (and surge observes
    /// it); payments retries queued captures; the books settle what the
    /// store failed to; payments retries the captures and releases of
    /// ended orders the gateway failed. A server calls it every few seconds; the simulator
    /// at every dispatch interval.
    ///
    /// # Errors
    /// A step failed (the store is down, say): the first error, with the
    /// report of what the steps did.
    pub async fn tick(&self) -> Result<TickReport, TickFailure> {
        self.tick_with(&self.parts()).await
    }

    /// [`Platform::tick`] as the holder of `lease` (see
    /// [`courier_core::ports::LeaseStore`]): every order change the steps
    /// make carries the lease's fence, so once another instance has taken
    /// the lease over the store refuses them and the steps stop.
    ///
    /// # Errors
    /// As [`Platform::tick`]; a stale lease is a transient
    /// [`courier_core::ports::StorageError::Fenced`].
    pub async fn tick_under(&self, lease: &Lease) -> Result<TickReport, TickFailure> {
        self.tick_with(&self.fenced(lease.fence())).await
    }

    async fn tick_with(&self, parts: &Parts<'_, S, G, N, C>) -> Result<TickReport, TickFailure> {
        let mut report = TickReport::default();
        let mut first: Option<PlatformError> = None;
        let mut keep = |result: Result<(), PlatformError>| {
            if let Err(e) = result {
                first.get_or_insert(e);
            }
        };
        let ending = self.ending();
        keep(
            self.payments
                .retry_authorizations(parts, &self.kitchen, &ending)
                .await
                .map(|n| report.payments_authorized = n),
        );
        keep(
            self.kitchen
                .expire_acceptances_into(parts, &ending, &mut report.acceptances_expired)
                .await,
        );
        keep(
            self.dispatch
                .retry_returns(parts)
                .await
                .map(|n| report.orders_returned = n),
        );
        keep(
            self.dispatch
                .reclaim_absent(parts)
                .await
                .map(|n| report.orders_returned += n),
        );
        keep(self.dispatch_with(parts, &mut report.dispatch).await);
        keep(
            self.payments
                .retry_captures(parts, &ending)
                .await
                .map(|n| report.captures_completed = n),
        );
        keep(ending.retry(parts).await.map(|n| report.settlements_retried = n));
        report.conclusions_completed = self.payments.retry_conclusions(parts).await;
        let storage_failing = matches!(first, Some(PlatformError::Storage(_)));
        let breaker_open = matches!(
            self.payments.breaker_state(),
            crate::resilience::BreakerState::Open { .. }
        );
        let level = self.health.after_tick(
            storage_failing,
            breaker_open,
            self.dispatch.waiting(),
            self.dispatch.couriers_online(),
        );
        self.follow_the_ladder(level);
        match first {
            None => Ok(report),
            Some(error) => Err(TickFailure { error, report }),
        }
    }
}
