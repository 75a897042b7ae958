//! A courier's answer to an offer: accepting takes one of the courier's
//! slots, declining tells the cascade to move on.

use courier_core::order::{Actor, Order, OrderAction};
use courier_core::ports::Store;
use courier_core::{CourierId, Money, OrderId, Timestamp};

use super::Dispatch;
use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::telemetry;

/// An offer open to a courier, as the courier's app shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct CourierOffer {
    /// The order offered (its restaurant, pickup and drop-off points).
    pub order: Order,
    /// What the courier earns for it: delivery pay and the tip.
    pub pay: Money,
    /// When the offer lapses.
    pub expires_at: Timestamp,
}

impl Dispatch {
    /// A courier answers an offer. Accepting takes one of the courier's
    /// slots: the store refuses it when the courier already carries the
    /// batch limit or the offer is no longer open.
    pub(crate) async fn answer_offer(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        courier: CourierId,
        order: OrderId,
        accept: bool,
    ) -> Result<(), PlatformError> {
        let now = parts.now();
        if accept {
            // The store decides: the offer must be open and the courier below
            // the batch limit, whichever instance made the offer.
            let (o, _) = parts
                .apply(order, Actor::Courier(courier), OrderAction::AcceptOffer)
                .await?;
            let since = {
                let mut d = self.state();
                // This instance's cache follows when it holds the order (it
                // may not: the offer can have come from another instance).
                let _ = d.book.assign(order, courier, now);
                d.offers.remove(&courier);
                d.pool.remove(&order).map_or(now, |e| e.since)
            };
            telemetry::match_duration(now.since(since));
            parts
                .notify(
                    Recipient::Customer(o.customer()),
                    NotificationKind::CourierAssigned,
                    order,
                )
                .await;
            Ok(())
        } else {
            let result = parts
                .apply(order, Actor::Courier(courier), OrderAction::DeclineOffer)
                .await;
            if result.is_ok() {
                let mut d = self.state();
                d.offers.remove(&courier);
                if let Some(entry) = d.pool.get_mut(&order) {
                    entry.offer = None;
                    if let Some(c) = entry.cascade.as_mut() {
                        let _ = c.decline(courier, now);
                    }
                }
            }
            result.map(|_| ())
        }
    }
}
