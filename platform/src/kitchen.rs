//! The restaurant's side: accept (within the 5-minute deadline) or reject,
//! start preparing, mark ready; and orders entering dispatch once accepted.

use courier_core::order::{Actor, Order, OrderAction, OrderStatus};
use courier_core::ports::Store;
use courier_core::{Duration, OrderId, RestaurantId, Timestamp};
use courier_eta::{Courier, EtaRequest, Food, ReadyObservation};
use courier_matching::Job;

use crate::dispatch::OpenOrder;
use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::platform::Platform;
use crate::runtime::Runtime;

/// Puts an accepted order into dispatch with its promise: food ready at
/// the learned preparation estimate, delivery promised at the ETA's P90.
pub(crate) fn admit(rt: &mut Runtime, order: &Order, now: Timestamp) -> Result<(), PlatformError> {
    let id = order.id();
    let pickup = rt.dispatch.place(order.pickup())?;
    let dropoff = rt.dispatch.place(order.dropoff())?;
    let estimate = order.prep_estimate().unwrap_or(Duration::from_mins(15));
    let in_progress = rt.dispatch.kitchen_load(order.restaurant());
    let food = match (order.status(), order.times().preparing_at) {
        (OrderStatus::ReadyForPickup, _) => Food::Ready,
        (_, Some(started)) => Food::Preparing {
            started,
            estimate,
            orders_in_progress: in_progress,
        },
        _ => Food::NotStarted {
            estimate,
            orders_in_progress: in_progress,
        },
    };
    let request = EtaRequest {
        at: now,
        restaurant: order.restaurant(),
        pickup,
        dropoff,
        food,
        courier: Courier::Unassigned,
    };
    let eta = rt.eta.estimate(&request);
    // An order keeps the promise first made to it (a recovered order gets a
    // new one). Dispatch aims at the delivery the city could make with no
    // queue, so a rush never makes it less urgent.
    let promised = rt.promises.entry(id).or_insert(eta).arrival_p90();
    let promised_by = rt.eta.estimate_unqueued(&request).arrival_p90().min(promised);
    let job = Job {
        order: id,
        pickup,
        dropoff,
        ready_at: now.plus(eta.breakdown.prep_remaining),
        promised_by,
        picked_up: order.status() == OrderStatus::PickedUp,
    };
    rt.dispatch.open_order(
        id,
        OpenOrder {
            job,
            customer: order.customer(),
            restaurant: order.restaurant(),
            entered: now,
        },
    );
    rt.dispatch.book.open(id);
    Ok(())
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// The restaurant accepts, with its preparation estimate; the order
    /// enters dispatch.
    pub async fn accept_order(
        &self,
        restaurant: RestaurantId,
        order: OrderId,
        prep_estimate: Duration,
    ) -> Result<Order, PlatformError> {
        let (accepted, _) = self
            .apply(
                order,
                Actor::Restaurant(restaurant),
                OrderAction::Accept { prep_estimate },
            )
            .await?;
        let now = self.now();
        {
            let mut rt = self.rt();
            rt.deadlines.clear(order);
            admit(&mut rt, &accepted, now)?;
            rt.dispatch.enter_pool(order, now);
        }
        self.notify(
            Recipient::Customer(accepted.customer()),
            NotificationKind::Accepted,
            order,
        )
        .await;
        Ok(accepted)
    }

    /// The restaurant rejects: the customer gets everything back.
    pub async fn reject_order(&self, restaurant: RestaurantId, order: OrderId) -> Result<Order, PlatformError> {
        let (rejected, _) = self
            .apply(order, Actor::Restaurant(restaurant), OrderAction::Reject)
            .await?;
        self.conclude_rejection(&rejected).await?;
        Ok(rejected)
    }

    /// A rejected order: its money settles and the customer hears of it.
    async fn conclude_rejection(&self, rejected: &Order) -> Result<(), PlatformError> {
        self.settle_or_defer(rejected).await?;
        self.notify(
            Recipient::Customer(rejected.customer()),
            NotificationKind::Rejected,
            rejected.id(),
        )
        .await;
        Ok(())
    }

    /// The kitchen starts on the order.
    pub async fn start_preparing(&self, restaurant: RestaurantId, order: OrderId) -> Result<Order, PlatformError> {
        let (o, _) = self
            .apply(order, Actor::Restaurant(restaurant), OrderAction::StartPreparing)
            .await?;
        Ok(o)
    }

    /// The food is ready: dispatch now knows, and preparation learns.
    pub async fn mark_ready(&self, restaurant: RestaurantId, order: OrderId) -> Result<Order, PlatformError> {
        let (o, _) = self
            .apply(order, Actor::Restaurant(restaurant), OrderAction::MarkReady)
            .await?;
        let now = self.now();
        let mut rt = self.rt();
        let in_progress = rt.dispatch.kitchen_load(restaurant).saturating_sub(1);
        if let Some(open) = rt.dispatch.open.get_mut(&order) {
            open.job.ready_at = now;
        }
        if let (Some(estimate), Some(started)) = (o.prep_estimate(), o.times().confirmed_at) {
            rt.eta.observe_ready(&ReadyObservation {
                restaurant,
                estimate,
                orders_in_progress: in_progress,
                took: now.since(started),
            });
        }
        Ok(o)
    }

    /// Rejects every placed order whose 5-minute acceptance deadline has
    /// passed (the customer gets everything back). Returns them.
    pub async fn expire_acceptances(&self) -> Result<Vec<OrderId>, PlatformError> {
        let mut expired = Vec::new();
        self.expire_acceptances_into(&mut expired).await?;
        Ok(expired)
    }

    /// [`Platform::expire_acceptances`] into `expired`, which keeps the
    /// orders rejected before a failure. A deadline whose rejection the
    /// store failed to record stays due for the next call.
    pub(crate) async fn expire_acceptances_into(&self, expired: &mut Vec<OrderId>) -> Result<(), PlatformError> {
        let now = self.now();
        let due: Vec<OrderId> = {
            let mut rt = self.rt();
            std::iter::from_fn(|| rt.deadlines.pop_due(now)).collect()
        };
        let mut failure = None;
        for order in due {
            match self.apply(order, Actor::System, OrderAction::ExpireAcceptance).await {
                Ok((rejected, _)) => {
                    self.conclude_rejection(&rejected).await?;
                    expired.push(order);
                }
                Err(e) if e.is_transient() => {
                    self.rt().deadlines.set(order, now);
                    failure.get_or_insert(e);
                }
                // Accepted or cancelled meanwhile: the deadline no longer applies.
                Err(_) => {}
            }
        }
        failure.map_or(Ok(()), Err)
    }
}
