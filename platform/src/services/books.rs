//! Bookkeeping: every ended order leaves the services that held work for
//! it, gives back its unprepared stock, settles at the gateway, and its
//! ledger (derived from the stored order, [`crate::settlement::settle`])
//! joins the books. A settlement the store could not complete is retried.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::ledger::PayoutSplit;
use courier_core::order::{Actor, CancelReason, Order, OrderAction, OrderStatus};
use courier_core::ports::Store;
use courier_core::refund::{RefundDecision, RefundPolicy};
use courier_core::{Currency, Duration, Money, OrderId};

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::services::catalog::Catalog;
use crate::services::dispatch::Dispatch;
use crate::services::kitchen::Kitchen;
use crate::services::payments::Payments;
use crate::services::promises::Promises;
use crate::settlement::{Books, Settlement, decode_split, settle, split_key};

/// What an order's settlement receipt holds: its presence is what counts.
const RECEIPT: &[u8] = b"settled";

/// How long a settlement's or a conclusion's receipt is kept: far longer
/// than a process stays down, so a recovery never repeats either.
pub(crate) const RECEIPT_TTL: Duration = Duration::from_hours(24 * 90);

/// The key of an order's settlement receipt, written once by whichever
/// process settles the order first.
pub(crate) fn receipt_key(order: OrderId) -> String {
    format!("settled:{}", order.get())
}

/// What of an ended order's hold the gateway keeps when the order is
/// concluded (the rest released), or `None` for a completed order, whose
/// capture completed it. A cancelled or rejected order keeps what its
/// refund decision retains; one that ended unpaid keeps nothing, and its
/// release gives back any hold the gateway granted while the store could
/// not record it (a release with nothing held changes nothing).
pub(crate) fn kept_at_the_gateway(order: &Order, settlement: Option<&Settlement>) -> Option<Money> {
    if matches!(order.status(), OrderStatus::Completed | OrderStatus::Delivered) {
        return None;
    }
    let refund = settlement.and_then(|s| s.refund.as_ref());
    Some(refund.map_or(Money::zero(order.charge().currency()), |d| d.retained))
}

/// A cancelled order and what the customer gets back.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancellation {
    /// The order, cancelled.
    pub order: Order,
    /// The refund (`None` when nothing had been paid).
    pub refund: Option<RefundDecision>,
}

/// The books service: totals over every order settled by this instance,
/// and the orders whose settlement waits for the store.
pub(crate) struct Bookkeeping {
    books: Mutex<Books>,
    unsettled: Mutex<BTreeSet<OrderId>>,
    refund: RefundPolicy,
    currency: Currency,
}

impl Bookkeeping {
    pub(crate) fn new(refund: RefundPolicy, currency: Currency) -> Bookkeeping {
        Bookkeeping {
            books: Mutex::new(Books::default()),
            unsettled: Mutex::new(BTreeSet::new()),
            refund,
            currency,
        }
    }

    fn unsettled(&self) -> MutexGuard<'_, BTreeSet<OrderId>> {
        self.unsettled.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The totals so far.
    pub(crate) fn books(&self) -> Books {
        self.books.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Orders whose bookkeeping waits for the store.
    pub(crate) fn queued(&self) -> usize {
        self.unsettled().len()
    }

    /// Takes an ended order back at start-up unless the store holds its
    /// receipt: a settlement that waited for the store when the process
    /// stopped. Returns whether it was queued.
    pub(crate) async fn recover_settlement(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: OrderId,
    ) -> Result<bool, PlatformError> {
        if parts.store.get(&receipt_key(order), parts.now()).await?.is_some() {
            return Ok(false);
        }
        Ok(self.unsettled().insert(order))
    }

    /// The ledger of an order in a final money state, rebuilt from the store.
    pub(crate) async fn settlement_of(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: &Order,
    ) -> Result<Option<Settlement>, PlatformError> {
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
            self.load_split(parts, order.id()).await?
        };
        settle(order, &split, &self.refund).map_err(|e| PlatformError::Corrupt {
            key: format!("order:{}", order.id().get()),
            reason: e.to_string(),
        })
    }

    /// What the courier delivering `id` earns (delivery pay and tip), as
    /// the order's stored payout split says.
    pub(crate) async fn courier_pay(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        id: OrderId,
    ) -> Result<Money, PlatformError> {
        Ok(self.load_split(parts, id).await?.courier)
    }

    async fn load_split(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        id: OrderId,
    ) -> Result<PayoutSplit, PlatformError> {
        let key = split_key(id);
        let bytes = parts
            .store
            .get(&key, parts.now())
            .await?
            .ok_or_else(|| PlatformError::Corrupt {
                key: key.clone(),
                reason: "the payout split is missing".into(),
            })?;
        decode_split(&bytes, self.currency).map_err(|reason| PlatformError::Corrupt { key, reason })
    }
}

/// The services an ended order leaves, and the books it joins: what every
/// path that ends an order (cancellation, rejection, a failed payment, a
/// completed delivery, a give-up) goes through.
pub(crate) struct Ending<'a> {
    pub(crate) books: &'a Bookkeeping,
    pub(crate) catalog: &'a Catalog,
    pub(crate) dispatch: &'a Dispatch,
    pub(crate) payments: &'a Payments,
    pub(crate) promises: &'a Promises,
    pub(crate) kitchen: &'a Kitchen,
}

impl Ending<'_> {
    /// Cancels an order as `actor` (permissions and statuses per seed 000);
    /// the refund follows the policy.
    pub(crate) async fn cancel(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        actor: Actor,
        order: OrderId,
        reason: CancelReason,
    ) -> Result<Cancellation, PlatformError> {
        let (cancelled, _) = parts.apply(order, actor, OrderAction::Cancel { reason }).await?;
        let settlement = self.settle_or_defer(parts, &cancelled).await?;
        parts
            .notify(
                Recipient::Customer(cancelled.customer()),
                NotificationKind::Cancelled,
                order,
            )
            .await;
        // The kitchen stops cooking what nobody will collect.
        parts
            .notify(
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

    /// [`Ending::finish`], or, when the store fails for a transient reason,
    /// the order is kept for [`Ending::retry`]: the state change already
    /// stored stands, and the caller is not told it failed.
    pub(crate) async fn settle_or_defer(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: &Order,
    ) -> Result<Option<Settlement>, PlatformError> {
        match self.finish(parts, order).await {
            Ok(settlement) => Ok(settlement),
            Err(e) if e.is_transient() => {
                self.books.unsettled().insert(order.id());
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// Settles again the orders whose bookkeeping failed; returns how many
    /// are settled now.
    pub(crate) async fn retry(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    ) -> Result<usize, PlatformError> {
        let due: Vec<OrderId> = self.books.unsettled().iter().copied().collect();
        let mut settled = 0;
        for id in due {
            if let Some(order) = parts.store.load_order(id).await? {
                self.finish(parts, &order).await?;
                settled += 1;
            }
            self.books.unsettled().remove(&id);
        }
        Ok(settled)
    }

    /// An order reached a final money state: it leaves every service, the
    /// gateway captures what is kept and releases the rest, and the books
    /// take its ledger. Once per order, whoever gets there: the settlement
    /// writes the order's receipt ([`receipt_key`]) before it moves stock
    /// or money, and finds one already written (a retry after a crash, a
    /// capture completed by an earlier attempt, another instance) as
    /// settled, leaving the books alone.
    async fn finish(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: &Order,
    ) -> Result<Option<Settlement>, PlatformError> {
        let id = order.id();
        self.dispatch.close(id);
        self.payments.forget(id);
        self.promises.forget(id);
        self.kitchen.forget(id);
        let settlement = self.books.settlement_of(parts, order).await?;
        let first = parts
            .store
            .put_if_absent(&receipt_key(id), RECEIPT, parts.now(), RECEIPT_TTL)
            .await?
            .is_none();
        if !first {
            return Ok(settlement);
        }
        self.catalog.release_if_unprepared(parts, order).await;
        if let Some(retained) = kept_at_the_gateway(order, settlement.as_ref()) {
            self.payments.conclude(parts, id, retained).await;
        }
        if let Some(s) = &settlement {
            self.books
                .books
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .add(&s.ledger, s.refund.as_ref());
        }
        Ok(settlement)
    }
}
