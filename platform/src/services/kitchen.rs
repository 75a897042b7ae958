//! The restaurant's side: accept (within the 5-minute deadline) or reject,
//! start preparing, mark ready; the deadlines of orders waiting for their
//! restaurant.

use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::order::{Actor, Order, OrderAction, OrderStatus};
use courier_core::ports::Store;
use courier_core::{Duration, OrderId, RestaurantId, Timestamp};
use courier_eta::ReadyObservation;

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::services::books::Ending;
use crate::services::deadlines::Deadlines;
use crate::services::dispatch::Dispatch;
use crate::services::promises::Promises;

/// The kitchen service: the acceptance deadline of every order waiting
/// for its restaurant.
#[derive(Default)]
pub(crate) struct Kitchen {
    deadlines: Mutex<Deadlines>,
}

impl Kitchen {
    fn deadlines(&self) -> MutexGuard<'_, Deadlines> {
        // One insert or removal at a time: a panic leaves the set whole.
        self.deadlines.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Watches `order`'s acceptance deadline.
    pub(crate) fn await_acceptance(&self, order: OrderId, deadline: Timestamp) {
        self.deadlines().set(order, deadline);
    }

    /// Watches `order`'s deadline while it waits for its restaurant, and
    /// forgets it once the order moved on (as the store has it).
    pub(crate) fn follow(&self, order: &Order) {
        match (order.status(), order.acceptance_deadline()) {
            (OrderStatus::Placed, Some(deadline)) => self.await_acceptance(order.id(), deadline),
            _ => self.forget(order.id()),
        }
    }

    /// Forgets an ended order's deadline.
    pub(crate) fn forget(&self, order: OrderId) {
        self.deadlines().clear(order);
    }

    /// The restaurant accepts, with its preparation estimate; the order
    /// enters dispatch.
    pub(crate) async fn accept(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        dispatch: &Dispatch,
        promises: &Promises,
        restaurant: RestaurantId,
        order: OrderId,
        prep_estimate: Duration,
    ) -> Result<Order, PlatformError> {
        let (accepted, _) = parts
            .apply(
                order,
                Actor::Restaurant(restaurant),
                OrderAction::Accept { prep_estimate },
            )
            .await?;
        let now = parts.now();
        self.deadlines().clear(order);
        dispatch.admit(promises, &accepted, now)?;
        dispatch.enter_pool(order, now);
        parts
            .notify(
                Recipient::Customer(accepted.customer()),
                NotificationKind::Accepted,
                order,
            )
            .await;
        Ok(accepted)
    }

    /// The restaurant rejects: the customer gets everything back.
    pub(crate) async fn reject(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        ending: &Ending<'_>,
        restaurant: RestaurantId,
        order: OrderId,
    ) -> Result<Order, PlatformError> {
        let (rejected, _) = parts
            .apply(order, Actor::Restaurant(restaurant), OrderAction::Reject)
            .await?;
        conclude_rejection(parts, ending, &rejected).await?;
        Ok(rejected)
    }

    /// The kitchen starts on the order.
    pub(crate) async fn start_preparing(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        restaurant: RestaurantId,
        order: OrderId,
    ) -> Result<Order, PlatformError> {
        let (o, _) = parts
            .apply(order, Actor::Restaurant(restaurant), OrderAction::StartPreparing)
            .await?;
        Ok(o)
    }

    /// The food is ready: dispatch now knows, and preparation learns.
    pub(crate) async fn mark_ready(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        dispatch: &Dispatch,
        promises: &Promises,
        restaurant: RestaurantId,
        order: OrderId,
    ) -> Result<Order, PlatformError> {
        let (o, _) = parts
            .apply(order, Actor::Restaurant(restaurant), OrderAction::MarkReady)
            .await?;
        let now = parts.now();
        let in_progress = dispatch.food_ready(restaurant, order, now);
        if let (Some(estimate), Some(started)) = (o.prep_estimate(), o.times().confirmed_at) {
            promises.observe_ready(&ReadyObservation {
                restaurant,
                estimate,
                orders_in_progress: in_progress,
                took: now.since(started),
            });
        }
        Ok(o)
    }

    /// Rejects every placed order whose 5-minute acceptance deadline has
    /// passed (the customer gets everything back), into `expired`, which
    /// keeps the orders rejected before a failure. A deadline whose rejection the
    /// store failed to record stays due for the next call.
    pub(crate) async fn expire_acceptances_into(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        ending: &Ending<'_>,
        expired: &mut Vec<OrderId>,
    ) -> Result<(), PlatformError> {
        let now = parts.now();
        let due: Vec<OrderId> = {
            let mut deadlines = self.deadlines();
            std::iter::from_fn(|| deadlines.pop_due(now)).collect()
        };
        let mut failure = None;
        for order in due {
            match parts.apply(order, Actor::System, OrderAction::ExpireAcceptance).await {
                Ok((rejected, _)) => {
                    conclude_rejection(parts, ending, &rejected).await?;
                    expired.push(order);
                }
                Err(e) if e.is_transient() => {
                    self.deadlines().set(order, now);
                    failure.get_or_insert(e);
                }
                // Accepted or cancelled meanwhile: the deadline no longer applies.
                Err(_) => {}
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

/// A rejected order: its money settles and the customer hears of it.
async fn conclude_rejection(
    parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    ending: &Ending<'_>,
    rejected: &Order,
) -> Result<(), PlatformError> {
    ending.settle_or_defer(parts, rejected).await?;
    parts
        .notify(
            Recipient::Customer(rejected.customer()),
            NotificationKind::Rejected,
            rejected.id(),
        )
        .await;
    Ok(())
}
