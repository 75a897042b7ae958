//! Cancellation with the refund policy, and the bookkeeping every ended
//! order goes through.

use courier_core::ledger::PayoutSplit;
use courier_core::order::{Actor, CancelReason, Order, OrderAction};
use courier_core::ports::Store;
use courier_core::refund::RefundDecision;
use courier_core::{Money, OrderId};

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::platform::Platform;
use crate::settlement::{Books, Settlement, settle};

/// A cancelled order and what the customer gets back.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancellation {
    /// The order, cancelled.
    pub order: Order,
    /// The refund (`None` when nothing had been paid).
    pub refund: Option<RefundDecision>,
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Cancels an order as `actor` (permissions and statuses per seed 000);
    /// the refund follows the policy: e.g. 50% back within 5 minutes of the
    /// restaurant's acceptance when the customer cancels.
    pub async fn cancel(
        &self,
        actor: Actor,
        order: OrderId,
        reason: CancelReason,
    ) -> Result<Cancellation, PlatformError> {
        let (cancelled, _) = self.apply(order, actor, OrderAction::Cancel { reason }).await?;
        let settlement = self.settle_or_defer(&cancelled).await?;
        self.notify(
            Recipient::Customer(cancelled.customer()),
            NotificationKind::Cancelled,
            order,
        )
        .await;
        // The kitchen stops cooking what nobody will collect.
        self.notify(
            Recipient::Restaurant(cancelled.restaurant()),
            NotificationKind::Cancelled,
            order,
        )
        .await;
        Ok(Cancellation {
            order: cancelled,
            refund: settlement.and_then(|s| s.refund),
        })
    }

    /// [`Platform::finish`], or, when the store fails for a transient
    /// reason, the order is kept for [`Platform::retry_settlements`]: the
    /// state change already stored stands, and the caller is not told it
    /// failed.
    pub(crate) async fn settle_or_defer(&self, order: &Order) -> Result<Option<Settlement>, PlatformError> {
        match self.finish(order).await {
            Ok(settlement) => Ok(settlement),
            Err(e) if e.is_transient() => {
                self.rt().unsettled.insert(order.id());
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Settles again the orders whose bookkeeping failed; returns how many
    /// are settled now.
    pub async fn retry_settlements(&self) -> Result<usize, PlatformError> {
        let due: Vec<OrderId> = self.rt().unsettled.iter().copied().collect();
        let mut settled = 0;
        for id in due {
            if let Some(order) = self.store.load_order(id).await? {
                self.finish(&order).await?;
                settled += 1;
            }
            self.rt().unsettled.remove(&id);
        }
        Ok(settled)
    }

    /// Orders whose bookkeeping waits for the store.
    pub fn settlements_queued(&self) -> usize {
        self.rt().unsettled.len()
    }

    /// An order reached a final money state: it leaves every queue, the
    /// gateway captures what is kept and releases the rest, and the books
    /// take its ledger.
    pub(crate) async fn finish(&self, order: &Order) -> Result<Option<Settlement>, PlatformError> {
        let id = order.id();
        {
            let mut rt = self.rt();
            rt.dispatch.close(id);
            rt.payments.remove(&id);
            rt.captures.remove(&id);
            rt.promises.remove(&id);
            rt.deadlines.clear(id);
        }
        self.release_if_unprepared(order).await;
        let settlement = self.settlement_of(order).await?;
        if let Some(s) = &settlement {
            if let Some(decision) = &s.refund {
                let now = self.now();
                // Gateway calls are keyed by order, so a repeat after a crash
                // is harmless. A failure here leaves the hold to lapse at the
                // provider; the ledger (derived from the order) is unaffected.
                if decision.retained.minor() > 0 {
                    let _ = self.payments.capture(id, decision.retained, now).await;
                }
                let _ = self.payments.release(id, now).await;
            }
            self.rt().books.add(&s.ledger, s.refund.as_ref());
        }
        Ok(settlement)
    }

    /// The ledger of an order in a final money state, rebuilt from the store.
    pub async fn settlement_of(&self, order: &Order) -> Result<Option<Settlement>, PlatformError> {
        let split = if order.times().placed_at.is_none() {
            // Never paid: no money moved, so no split is needed.
            let zero = Money::zero(order.charge().currency());
            PayoutSplit {
                restaurant: zero,
                courier: zero,
                platform: zero,
                tax: zero,
            }
        } else {
            self.load_split(order.id()).await?
        };
        settle(order, &split, &self.config.refund).map_err(|e| PlatformError::Corrupt {
            key: format!("order:{}", order.id().get()),
            reason: e.to_string(),
        })
    }

    /// Totals over every order settled by this instance.
    pub fn books(&self) -> Books {
        self.rt().books.clone()
    }
}
