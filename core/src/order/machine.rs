//! The order aggregate: validates commands, emits events, and applies them.
//!
//! `execute` checks, in this order: permission (seed 000 table), expected
//! version, then whether the action fits the status, assignment and deadlines.
//! Only when every check passes is an event produced and applied, so a refused
//! command leaves the order untouched. State changes happen only in `apply`,
//! which is also how [`Order::replay`] rebuilds an order from its events.

use std::sync::Arc;

use crate::geo::GeoPoint;
use crate::ids::{CourierId, CustomerId, IdempotencyKey, OrderId, RestaurantId};
use crate::money::Money;
use crate::time::{Duration, Timestamp};

use super::actor::{Actor, ActorKind};
use super::assignment::{Assignment, AssignmentOutcome, AssignmentRecord};
use super::command::{Command, OrderAction, OrderLine, PlaceOrder};
use super::error::OrderError;
use super::event::{OrderEvent, OrderEventKind};
use super::permission;
use super::status::{CancelReason, OrderStatus, RejectReason};

/// How long a restaurant has to accept a placed order (seed 000).
pub const ACCEPTANCE_WINDOW: Duration = Duration::from_mins(5);

/// When each milestone of an order happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OrderTimes {
    /// Created (click).
    pub created_at: Timestamp,
    /// Payment authorized.
    pub placed_at: Option<Timestamp>,
    /// Restaurant accepted.
    pub confirmed_at: Option<Timestamp>,
    /// Kitchen started.
    pub preparing_at: Option<Timestamp>,
    /// Food ready.
    pub ready_at: Option<Timestamp>,
    /// Courier picked up.
    pub picked_up_at: Option<Timestamp>,
    /// Delivered (door).
    pub delivered_at: Option<Timestamp>,
    /// Completed, rejected or cancelled.
    pub closed_at: Option<Timestamp>,
}

/// An order and everything that happened to it.
///
/// ```
/// use courier_core::order::*;
/// use courier_core::*;
///
/// let customer = CustomerId::new(1);
/// let place = PlaceOrder {
///     order_id: OrderId::new(10),
///     customer,
///     restaurant: RestaurantId::new(2),
///     pickup: GeoPoint::new(37.77, -122.42)?,
///     dropoff: GeoPoint::new(37.78, -122.41)?,
///     lines: vec![OrderLine { item: MenuItemId::new(5), quantity: 2, unit_price: Money::new(1250, Currency::Usd) }],
///     charge: Money::new(2500, Currency::Usd),
///     idempotency_key: IdempotencyKey::parse("k1")?,
/// };
/// let (mut order, created) = Order::place(Actor::Customer(customer), Timestamp::EPOCH, place)?;
/// assert_eq!(created.version, 1);
/// let paid = Command { actor: Actor::System, at: Timestamp::from_millis(1_000), expected_version: 1, action: OrderAction::AuthorizePayment };
/// order.execute(&paid)?;
/// assert_eq!(order.status(), OrderStatus::Placed);
/// // A stale version is a conflict and changes nothing.
/// let stale = Command { expected_version: 1, ..paid };
/// assert!(matches!(order.execute(&stale), Err(OrderError::VersionConflict { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Order {
    // What the customer placed never changes after creation, so it is shared
    // with the `Created` event and with every copy of the order: cloning an
    // order or its creation event never copies the lines or the key.
    placed: Arc<PlaceOrder>,
    status: OrderStatus,
    version: u64,
    assignment: Assignment,
    history: Vec<AssignmentRecord>,
    times: OrderTimes,
    acceptance_deadline: Option<Timestamp>,
    prep_estimate: Option<Duration>,
    delivered_by: Option<CourierId>,
}

impl Order {
    /// Creates an order in `PendingPayment`, with its `Created` event (version 1).
    pub fn place(actor: Actor, at: Timestamp, place: PlaceOrder) -> Result<(Order, OrderEvent), OrderError> {
        permission::may_place(actor, &place)?;
        validate_lines(&place)?;
        let event = OrderEvent {
            order_id: place.order_id,
            version: 1,
            at,
            actor,
            kind: OrderEventKind::Created(Arc::new(place)),
        };
        let order = Order::from_created(&event).ok_or_else(|| OrderError::InvalidOrder("not a creation".into()))?;
        Ok((order, event))
    }

    fn from_created(event: &OrderEvent) -> Option<Order> {
        let OrderEventKind::Created(place) = &event.kind else {
            return None;
        };
        Some(Order {
            placed: Arc::clone(place),
            status: OrderStatus::PendingPayment,
            version: event.version,
            assignment: Assignment::Unassigned,
            history: Vec::new(),
            times: OrderTimes {
                created_at: event.at,
                ..OrderTimes::default()
            },
            acceptance_deadline: None,
            prep_estimate: None,
            delivered_by: None,
        })
    }

    /// Rebuilds an order from its events; `None` if they do not start with `Created`
    /// or their versions are not consecutive.
    pub fn replay<'a, I: IntoIterator<Item = &'a OrderEvent>>(events: I) -> Option<Order> {
        let mut iter = events.into_iter();
        let mut order = Order::from_created(iter.next()?)?;
        for event in iter {
            if event.version != order.version + 1 {
                return None;
            }
            order.apply(event);
        }
        Some(order)
    }

    /// Checks `cmd` and, if it is allowed, applies it and returns its event.
    /// On error the order is unchanged.
    pub fn execute(&mut self, cmd: &Command) -> Result<OrderEvent, OrderError> {
        permission::may_act(cmd.actor, self, cmd.action)?;
        if cmd.expected_version != self.version {
            return Err(OrderError::VersionConflict {
                expected: cmd.expected_version,
                actual: self.version,
            });
        }
        let kind = self.decide(cmd)?;
        let event = OrderEvent {
            order_id: self.id(),
            version: self.version + 1,
            at: cmd.at,
            actor: cmd.actor,
            kind,
        };
        self.apply(&event);
        Ok(event)
    }

    /// The event `cmd` would produce, without permission or version checks.
    fn decide(&self, cmd: &Command) -> Result<OrderEventKind, OrderError> {
        use OrderStatus as S;
        let invalid = || OrderError::InvalidTransition {
            action: cmd.action,
            status: self.status,
        };
        let assignment_conflict = || OrderError::AssignmentConflict {
            action: cmd.action,
            assignment: self.assignment,
        };
        let dispatchable = matches!(self.status, S::Placed | S::Confirmed | S::Preparing | S::ReadyForPickup);
        match cmd.action {
            OrderAction::AuthorizePayment => match self.status {
                S::PendingPayment => Ok(OrderEventKind::PaymentAuthorized {
                    acceptance_deadline: cmd.at.plus(ACCEPTANCE_WINDOW),
                }),
                _ => Err(invalid()),
            },
            OrderAction::FailPayment => match self.status {
                S::PendingPayment => Ok(OrderEventKind::Cancelled {
                    by: cmd.actor.kind(),
                    reason: CancelReason::PaymentFailed,
                }),
                _ => Err(invalid()),
            },
            OrderAction::Accept { prep_estimate } => {
                if self.status != S::Placed {
                    return Err(invalid());
                }
                let deadline = self.acceptance_deadline.unwrap_or(cmd.at);
                if cmd.at >= deadline {
                    return Err(OrderError::AcceptanceDeadlinePassed { deadline });
                }
                Ok(OrderEventKind::Accepted { prep_estimate })
            }
            OrderAction::Reject => match self.status {
                S::Placed => Ok(OrderEventKind::Rejected {
                    reason: RejectReason::RestaurantDeclined,
                }),
                _ => Err(invalid()),
            },
            OrderAction::ExpireAcceptance => {
                if self.status != S::Placed {
                    return Err(invalid());
                }
                let due = self.acceptance_deadline.unwrap_or(cmd.at);
                if cmd.at < due {
                    return Err(OrderError::NotYetDue {
                        action: cmd.action,
                        due,
                    });
                }
                Ok(OrderEventKind::Rejected {
                    reason: RejectReason::AcceptanceTimeout,
                })
            }
            OrderAction::StartPreparing => match self.status {
                S::Confirmed => Ok(OrderEventKind::PreparationStarted),
                _ => Err(invalid()),
            },
            OrderAction::MarkReady => match self.status {
                S::Preparing => Ok(OrderEventKind::MarkedReady),
                _ => Err(invalid()),
            },
            OrderAction::PickUp => {
                if self.status != S::ReadyForPickup {
                    return Err(invalid());
                }
                let courier = self.assignment.assigned_courier().ok_or_else(assignment_conflict)?;
                Ok(OrderEventKind::PickedUp { courier })
            }
            OrderAction::Deliver => {
                if self.status != S::PickedUp {
                    return Err(invalid());
                }
                let courier = self.assignment.assigned_courier().ok_or_else(assignment_conflict)?;
                Ok(OrderEventKind::Delivered { courier })
            }
            OrderAction::Complete => match self.status {
                S::Delivered => Ok(OrderEventKind::Completed),
                _ => Err(invalid()),
            },
            OrderAction::Cancel { reason } => {
                if !self.may_cancel_in_status(cmd.actor.kind(), reason) {
                    return Err(invalid());
                }
                Ok(OrderEventKind::Cancelled {
                    by: cmd.actor.kind(),
                    reason,
                })
            }
            OrderAction::Offer { courier, expires_at } => {
                if !dispatchable {
                    return Err(invalid());
                }
                if self.assignment != Assignment::Unassigned {
                    return Err(assignment_conflict());
                }
                Ok(OrderEventKind::CourierOffered { courier, expires_at })
            }
            OrderAction::AcceptOffer | OrderAction::DeclineOffer | OrderAction::ExpireOffer => {
                if !dispatchable {
                    return Err(invalid());
                }
                let Assignment::Offered { courier, expires_at } = self.assignment else {
                    return Err(assignment_conflict());
                };
                match cmd.action {
                    OrderAction::AcceptOffer if cmd.at >= expires_at => Err(OrderError::OfferLapsed { expires_at }),
                    OrderAction::AcceptOffer => Ok(OrderEventKind::OfferAccepted { courier }),
                    OrderAction::DeclineOffer => Ok(OrderEventKind::OfferDeclined { courier }),
                    _ if cmd.at < expires_at => Err(OrderError::NotYetDue {
                        action: cmd.action,
                        due: expires_at,
                    }),
                    _ => Ok(OrderEventKind::OfferExpired { courier }),
                }
            }
            OrderAction::Assign { courier } => {
                if !dispatchable {
                    return Err(invalid());
                }
                if self.assignment != Assignment::Unassigned {
                    return Err(assignment_conflict());
                }
                Ok(OrderEventKind::CourierAssigned { courier })
            }
            OrderAction::Unassign { reason } => {
                if !dispatchable {
                    return Err(invalid());
                }
                let courier = self.assignment.assigned_courier().ok_or_else(assignment_conflict)?;
                Ok(OrderEventKind::CourierUnassigned { courier, reason })
            }
        }
    }

    /// Statuses in which each kind of actor may cancel. Nobody cancels a delivered
    /// order; customers may cancel until delivery (refund by the policy), restaurants
    /// only after accepting (before, they reject), the system before pickup.
    fn may_cancel_in_status(&self, by: ActorKind, reason: CancelReason) -> bool {
        use OrderStatus as S;
        if reason == CancelReason::PaymentFailed {
            return self.status == S::PendingPayment;
        }
        match by {
            ActorKind::Customer | ActorKind::Admin => self.status.is_before_pickup() || self.status == S::PickedUp,
            ActorKind::Restaurant => matches!(self.status, S::Confirmed | S::Preparing | S::ReadyForPickup),
            ActorKind::System => self.status.is_before_pickup(),
            ActorKind::Courier => false,
        }
    }

    /// Applies an event produced by `execute` (or read back from storage).
    fn apply(&mut self, event: &OrderEvent) {
        let at = event.at;
        match &event.kind {
            OrderEventKind::Created(_) => {}
            OrderEventKind::PaymentAuthorized { acceptance_deadline } => {
                self.status = OrderStatus::Placed;
                self.times.placed_at = Some(at);
                self.acceptance_deadline = Some(*acceptance_deadline);
            }
            OrderEventKind::Accepted { prep_estimate } => {
                self.status = OrderStatus::Confirmed;
                self.times.confirmed_at = Some(at);
                self.prep_estimate = Some(*prep_estimate);
            }
            OrderEventKind::Rejected { reason } => {
                self.status = OrderStatus::Rejected { reason: *reason };
                self.close_assignment(at, AssignmentOutcome::OrderCancelled);
                self.times.closed_at = Some(at);
            }
            OrderEventKind::PreparationStarted => {
                self.status = OrderStatus::Preparing;
                self.times.preparing_at = Some(at);
            }
            OrderEventKind::MarkedReady => {
                self.status = OrderStatus::ReadyForPickup;
                self.times.ready_at = Some(at);
            }
            OrderEventKind::PickedUp { .. } => {
                self.status = OrderStatus::PickedUp;
                self.times.picked_up_at = Some(at);
            }
            OrderEventKind::Delivered { courier } => {
                self.status = OrderStatus::Delivered;
                self.times.delivered_at = Some(at);
                self.delivered_by = Some(*courier);
                self.close_assignment(at, AssignmentOutcome::Delivered);
            }
            OrderEventKind::Completed => {
                self.status = OrderStatus::Completed;
                self.times.closed_at = Some(at);
            }
            OrderEventKind::Cancelled { by, reason } => {
                self.status = OrderStatus::Cancelled {
                    by: *by,
                    reason: *reason,
                };
                self.close_assignment(at, AssignmentOutcome::OrderCancelled);
                self.times.closed_at = Some(at);
            }
            OrderEventKind::CourierOffered { courier, expires_at } => {
                self.assignment = Assignment::Offered {
                    courier: *courier,
                    expires_at: *expires_at,
                };
                self.open_record(*courier, at, false);
            }
            OrderEventKind::OfferAccepted { courier } => {
                self.assignment = Assignment::Assigned { courier: *courier };
                if let Some(rec) = self.history.last_mut() {
                    rec.assigned = true;
                }
            }
            OrderEventKind::OfferDeclined { .. } => self.close_assignment(at, AssignmentOutcome::Declined),
            OrderEventKind::OfferExpired { .. } => self.close_assignment(at, AssignmentOutcome::TimedOut),
            OrderEventKind::CourierAssigned { courier } => {
                self.assignment = Assignment::Assigned { courier: *courier };
                self.open_record(*courier, at, true);
            }
            OrderEventKind::CourierUnassigned { reason, .. } => {
                self.close_assignment(at, AssignmentOutcome::Unassigned(*reason));
            }
        }
        self.version = event.version;
    }

    fn open_record(&mut self, courier: CourierId, at: Timestamp, assigned: bool) {
        self.history.push(AssignmentRecord {
            courier,
            started_at: at,
            assigned,
            outcome: AssignmentOutcome::Open,
            ended_at: None,
        });
    }

    fn close_assignment(&mut self, at: Timestamp, outcome: AssignmentOutcome) {
        if self.assignment == Assignment::Unassigned {
            return;
        }
        self.assignment = Assignment::Unassigned;
        if let Some(rec) = self.history.last_mut().filter(|r| r.outcome == AssignmentOutcome::Open) {
            rec.outcome = outcome;
            rec.ended_at = Some(at);
        }
    }

    /// The order id.
    pub fn id(&self) -> OrderId {
        self.placed.order_id
    }
    /// Who ordered.
    pub fn customer(&self) -> CustomerId {
        self.placed.customer
    }
    /// From where.
    pub fn restaurant(&self) -> RestaurantId {
        self.placed.restaurant
    }
    /// Pickup point (the restaurant).
    pub fn pickup(&self) -> GeoPoint {
        self.placed.pickup
    }
    /// Drop-off point (the customer).
    pub fn dropoff(&self) -> GeoPoint {
        self.placed.dropoff
    }
    /// What was ordered.
    pub fn lines(&self) -> &[OrderLine] {
        &self.placed.lines
    }
    /// The total authorized from the customer.
    pub fn charge(&self) -> Money {
        self.placed.charge
    }
    /// The placement idempotency key.
    pub fn idempotency_key(&self) -> &IdempotencyKey {
        &self.placed.idempotency_key
    }
    /// Current status.
    pub fn status(&self) -> OrderStatus {
        self.status
    }
    /// Current version: 1 after creation, +1 per accepted command.
    pub fn version(&self) -> u64 {
        self.version
    }
    /// Current courier assignment.
    pub fn assignment(&self) -> Assignment {
        self.assignment
    }
    /// Every offer and assignment so far, oldest first.
    pub fn assignment_history(&self) -> &[AssignmentRecord] {
        &self.history
    }
    /// Milestone times.
    pub fn times(&self) -> &OrderTimes {
        &self.times
    }
    /// When the restaurant must have accepted by (once placed).
    pub fn acceptance_deadline(&self) -> Option<Timestamp> {
        self.acceptance_deadline
    }
    /// The kitchen's estimate given on acceptance.
    pub fn prep_estimate(&self) -> Option<Duration> {
        self.prep_estimate
    }
    /// The courier who delivered it.
    pub fn delivered_by(&self) -> Option<CourierId> {
        self.delivered_by
    }
}

fn validate_lines(place: &PlaceOrder) -> Result<(), OrderError> {
    if place.lines.is_empty() {
        return Err(OrderError::InvalidOrder("an order needs at least one line".into()));
    }
    crate::bounds::line_count("lines", place.lines.len()).map_err(|e| OrderError::InvalidOrder(e.to_string()))?;
    let currency = place.charge.currency();
    for line in &place.lines {
        if line.quantity == 0 {
            return Err(OrderError::InvalidOrder(format!(
                "{}: quantity must be at least 1",
                line.item
            )));
        }

        if line.unit_price.is_negative() {
            return Err(OrderError::InvalidOrder(format!(
                "{}: unit price {} is negative",
                line.item, line.unit_price
            )));
        }
        if line.unit_price.currency() != currency {
            return Err(OrderError::InvalidOrder(format!(
                "{}: priced in {}, the order is charged in {currency}",
                line.item,
                line.unit_price.currency()
            )));
        }
        crate::bounds::quantity(&format!("{}: quantity", line.item), line.quantity)
            .map_err(|e| OrderError::InvalidOrder(e.to_string()))?;
        crate::bounds::price(&format!("{}: unit price", line.item), line.unit_price)
            .map_err(|e| OrderError::InvalidOrder(e.to_string()))?;
        line.unit_price.checked_mul(i64::from(line.quantity))?;
    }
    if place.charge.minor() <= 0 {
        return Err(OrderError::InvalidOrder(format!(
            "charge {} must be positive",
            place.charge
        )));
    }
    Ok(())
}
