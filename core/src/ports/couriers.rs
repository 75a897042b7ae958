//! Who carries what, decided by the store: each courier's load (orders
//! assigned and not yet delivered or taken back) and open offer, changed
//! only in the same operation as the order transition that changes them.
//!
//! A transition names the order's assignment before it and the batch limit;
//! [`Transition::courier_changes`] reads off what it does to couriers, and
//! every adapter applies exactly that, refusing the whole transition when a
//! courier would carry more than the limit or hold two open offers. So two
//! writers racing for a courier's last slot cannot both win, whichever
//! process they run in.

use crate::ids::{CourierId, OrderId};
use crate::order::{Assignment, Order, OrderEvent};
use crate::time::Timestamp;

use super::Fence;

/// One order transition as the store applies it: a compare-and-set on the
/// order's version, its events appended to the outbox and audit trail, and
/// the couriers it touches changed, all or nothing.
#[derive(Debug, Clone, Copy)]
pub struct Transition<'a> {
    /// The order after `events`.
    pub order: &'a Order,
    /// The version the writer read (the compare-and-set's expectation).
    pub expected_version: u64,
    /// The order's assignment at that version.
    pub assignment_before: Assignment,
    /// The events, in order.
    pub events: &'a [OrderEvent],
    /// The most orders one courier may carry at once.
    pub batch_limit: usize,
    /// The lease the write is made under, if any: refused, writing nothing,
    /// once the lease has moved on ([`super::StorageError::Fenced`]).
    pub fence: Option<Fence<'a>>,
}

impl<'a> Transition<'a> {
    /// The transition from `before` (as read) to `order` through `events`.
    ///
    /// ```
    /// # use courier_core::{*, order::*, ports::*};
    /// # let usd = |c| Money::new(c, Currency::Usd);
    /// # let place = PlaceOrder { order_id: OrderId::new(1), customer: CustomerId::new(1), restaurant: RestaurantId::new(1),
    /// #     pickup: GeoPoint::new(40.0, -74.0)?, dropoff: GeoPoint::new(40.01, -74.0)?,
    /// #     lines: vec![OrderLine { item: MenuItemId::new(1), quantity: 1, unit_price: usd(2000) }],
    /// #     charge: usd(2000), idempotency_key: IdempotencyKey::parse("k")? };
    /// let (mut paid, _) = Order::place(Actor::Customer(CustomerId::new(1)), Timestamp::EPOCH, place)?;
    /// paid.execute(&Command { actor: Actor::System, at: Timestamp::EPOCH,
    ///     expected_version: 1, action: OrderAction::AuthorizePayment })?;
    /// let mut assigned = paid.clone();
    /// let courier = CourierId::new(9);
    /// let event = assigned.execute(&Command { actor: Actor::System, at: Timestamp::EPOCH,
    ///     expected_version: 2, action: OrderAction::Assign { courier } })?;
    /// let t = Transition::between(&paid, &assigned, std::slice::from_ref(&event), 2);
    /// assert_eq!(t.courier_changes(), [None, Some(CourierChange::Take { courier })]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn between(before: &Order, after: &'a Order, events: &'a [OrderEvent], batch_limit: usize) -> Self {
        Transition {
            order: after,
            expected_version: before.version(),
            assignment_before: before.assignment(),
            events,
            batch_limit,
            fence: None,
        }
    }

    /// When the transition happens (its last event's time).
    pub fn at(&self) -> Timestamp {
        self.events.last().map_or(Timestamp::EPOCH, |e| e.at)
    }

    /// What the transition does to couriers: first what the courier the
    /// order leaves loses, then what the courier it goes to gains.
    pub fn courier_changes(&self) -> [Option<CourierChange>; 2] {
        courier_changes(self.assignment_before, self.order.assignment())
    }
}

/// A change to one courier's record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourierChange {
    /// An offer to the courier, open until `expires_at`: refused while the
    /// courier holds another open offer or carries the batch limit.
    Offer {
        /// Who.
        courier: CourierId,
        /// Until when.
        expires_at: Timestamp,
    },
    /// The courier accepted the offer: the order becomes one of theirs
    /// (refused at the batch limit) and the offer closes.
    TakeOffer {
        /// Who.
        courier: CourierId,
    },
    /// The courier's offer ended unaccepted (declined, lapsed, withdrawn).
    CloseOffer {
        /// Who.
        courier: CourierId,
    },
    /// The order was given to the courier directly (refused at the batch limit).
    Take {
        /// Who.
        courier: CourierId,
    },
    /// The courier no longer carries the order (delivered, cancelled, taken back).
    Release {
        /// Who.
        courier: CourierId,
    },
}

impl CourierChange {
    /// The courier changed.
    pub fn courier(self) -> CourierId {
        match self {
            CourierChange::Offer { courier, .. }
            | CourierChange::TakeOffer { courier }
            | CourierChange::CloseOffer { courier }
            | CourierChange::Take { courier }
            | CourierChange::Release { courier } => courier,
        }
    }

    /// True when the store may refuse it (it adds to what the courier holds).
    pub fn may_be_refused(self) -> bool {
        matches!(
            self,
            CourierChange::Offer { .. } | CourierChange::TakeOffer { .. } | CourierChange::Take { .. }
        )
    }
}

/// What an order's assignment moving from `before` to `after` does to
/// couriers: [what the courier left loses, what the courier reached gains].
///
/// ```
/// use courier_core::{CourierId, Timestamp};
/// use courier_core::order::Assignment;
/// use courier_core::ports::{CourierChange, courier_changes};
/// let courier = CourierId::new(3);
/// let offered = Assignment::Offered { courier, expires_at: Timestamp::EPOCH };
/// let assigned = Assignment::Assigned { courier };
/// assert_eq!(courier_changes(offered, assigned), [None, Some(CourierChange::TakeOffer { courier })]);
/// assert_eq!(courier_changes(assigned, Assignment::Unassigned), [Some(CourierChange::Release { courier }), None]);
/// assert_eq!(courier_changes(assigned, assigned), [None, None]);
/// ```
pub fn courier_changes(before: Assignment, after: Assignment) -> [Option<CourierChange>; 2] {
    use Assignment::{Assigned, Offered, Unassigned};
    match (before, after) {
        (Offered { courier: was, .. }, Assigned { courier }) if was == courier => {
            [None, Some(CourierChange::TakeOffer { courier })]
        }
        (a, b) if a == b => [None, None],
        (before, after) => {
            let leaves = match before {
                Unassigned => None,
                Offered { courier, .. } => Some(CourierChange::CloseOffer { courier }),
                Assigned { courier } => Some(CourierChange::Release { courier }),
            };
            let reaches = match after {
                Unassigned => None,
                Offered { courier, expires_at } => Some(CourierChange::Offer { courier, expires_at }),
                Assigned { courier } => Some(CourierChange::Take { courier }),
            };
            [leaves, reaches]
        }
    }
}

/// A courier's record in the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CourierLoad {
    /// Orders assigned to the courier and not yet delivered or taken back.
    pub carrying: u32,
    /// The courier's open offer, if any: the order and when it lapses.
    pub offer: Option<(OrderId, Timestamp)>,
}

impl CourierLoad {
    /// Applies `change` for `order` at `at` under `batch_limit`, or says why
    /// it is refused (changing nothing). Every adapter decides through this,
    /// so they agree to the case.
    pub fn apply(
        &mut self,
        change: CourierChange,
        order: OrderId,
        at: Timestamp,
        batch_limit: usize,
    ) -> Result<(), CourierRefusal> {
        let full = usize::try_from(self.carrying).unwrap_or(usize::MAX) >= batch_limit;
        match change {
            CourierChange::Offer { expires_at, .. } => {
                if full {
                    return Err(CourierRefusal::Full);
                }
                if let Some((other, until)) = self.offer
                    && other != order
                    && until > at
                {
                    return Err(CourierRefusal::Offered { order: other });
                }
                self.offer = Some((order, expires_at));
            }
            CourierChange::TakeOffer { .. } | CourierChange::Take { .. } => {
                if full {
                    return Err(CourierRefusal::Full);
                }
                self.carrying += 1;
                self.close_offer(order);
            }
            CourierChange::CloseOffer { .. } => self.close_offer(order),
            CourierChange::Release { .. } => self.carrying = self.carrying.saturating_sub(1),
        }
        Ok(())
    }

    fn close_offer(&mut self, order: OrderId) {
        if self.offer.is_some_and(|(o, _)| o == order) {
            self.offer = None;
        }
    }
}

/// Why the store refused a courier change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CourierRefusal {
    /// The courier carries the batch limit already.
    Full,
    /// The courier holds another open offer.
    Offered {
        /// The order offered.
        order: OrderId,
    },
}
