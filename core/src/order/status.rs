//! Order statuses and the reasons an order ends early.

use std::fmt;

use super::actor::ActorKind;

/// Where an order is in its life. `Rejected`, `Cancelled` and `Completed` are terminal.
///
/// The happy path is `PendingPayment -> Placed -> Confirmed -> Preparing ->
/// ReadyForPickup -> PickedUp -> Delivered -> Completed`. Courier assignment
/// is a separate dimension ([`super::Assignment`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    /// Created; waiting for the payment authorization.
    PendingPayment,
    /// Paid (authorized); waiting for the restaurant to accept within the deadline.
    Placed,
    /// The restaurant accepted.
    Confirmed,
    /// The kitchen is cooking.
    Preparing,
    /// Food is ready at the restaurant.
    ReadyForPickup,
    /// The courier has the food.
    PickedUp,
    /// Handed to the customer.
    Delivered,
    /// Settled and closed (terminal).
    Completed,
    /// The restaurant declined or did not answer in time (terminal).
    Rejected {
        /// Why.
        reason: RejectReason,
    },
    /// Cancelled before delivery (terminal).
    Cancelled {
        /// Who cancelled.
        by: ActorKind,
        /// Why.
        reason: CancelReason,
    },
}

impl OrderStatus {
    /// True for `Completed`, `Rejected` and `Cancelled`: nothing changes an order after that.
    pub const fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Completed | OrderStatus::Rejected { .. } | OrderStatus::Cancelled { .. }
        )
    }

    /// A stable lower-case name (`"ready_for_pickup"`), for storage and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            OrderStatus::PendingPayment => "pending_payment",
            OrderStatus::Placed => "placed",
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::Preparing => "preparing",
            OrderStatus::ReadyForPickup => "ready_for_pickup",
            OrderStatus::PickedUp => "picked_up",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Completed => "completed",
            OrderStatus::Rejected { .. } => "rejected",
            OrderStatus::Cancelled { .. } => "cancelled",
        }
    }

    /// The status without its payload, for indexes and filters.
    pub const fn kind(self) -> StatusKind {
        match self {
            OrderStatus::PendingPayment => StatusKind::PendingPayment,
            OrderStatus::Placed => StatusKind::Placed,
            OrderStatus::Confirmed => StatusKind::Confirmed,
            OrderStatus::Preparing => StatusKind::Preparing,
            OrderStatus::ReadyForPickup => StatusKind::ReadyForPickup,
            OrderStatus::PickedUp => StatusKind::PickedUp,
            OrderStatus::Delivered => StatusKind::Delivered,
            OrderStatus::Completed => StatusKind::Completed,
            OrderStatus::Rejected { .. } => StatusKind::Rejected,
            OrderStatus::Cancelled { .. } => StatusKind::Cancelled,
        }
    }

    /// True in every status before pickup that is not terminal.
    pub const fn is_before_pickup(self) -> bool {
        matches!(
            self,
            OrderStatus::PendingPayment
                | OrderStatus::Placed
                | OrderStatus::Confirmed
                | OrderStatus::Preparing
                | OrderStatus::ReadyForPickup
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An [`OrderStatus`] without its payload: what storage indexes and lists filter on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StatusKind {
    /// See [`OrderStatus::PendingPayment`].
    PendingPayment,
    /// See [`OrderStatus::Placed`].
    Placed,
    /// See [`OrderStatus::Confirmed`].
    Confirmed,
    /// See [`OrderStatus::Preparing`].
    Preparing,
    /// See [`OrderStatus::ReadyForPickup`].
    ReadyForPickup,
    /// See [`OrderStatus::PickedUp`].
    PickedUp,
    /// See [`OrderStatus::Delivered`].
    Delivered,
    /// See [`OrderStatus::Completed`].
    Completed,
    /// See [`OrderStatus::Rejected`].
    Rejected,
    /// See [`OrderStatus::Cancelled`].
    Cancelled,
}

impl StatusKind {
    /// The same stable name as [`OrderStatus::name`].
    ///
    /// ```
    /// use courier_core::order::{OrderStatus, StatusKind};
    /// assert_eq!(StatusKind::ReadyForPickup.name(), OrderStatus::ReadyForPickup.name());
    /// ```
    pub const fn name(self) -> &'static str {
        match self {
            StatusKind::PendingPayment => "pending_payment",
            StatusKind::Placed => "placed",
            StatusKind::Confirmed => "confirmed",
            StatusKind::Preparing => "preparing",
            StatusKind::ReadyForPickup => "ready_for_pickup",
            StatusKind::PickedUp => "picked_up",
            StatusKind::Delivered => "delivered",
            StatusKind::Completed => "completed",
            StatusKind::Rejected => "rejected",
            StatusKind::Cancelled => "cancelled",
        }
    }

    /// Every kind, in lifecycle order.
    pub const ALL: [StatusKind; 10] = [
        StatusKind::PendingPayment,
        StatusKind::Placed,
        StatusKind::Confirmed,
        StatusKind::Preparing,
        StatusKind::ReadyForPickup,
        StatusKind::PickedUp,
        StatusKind::Delivered,
        StatusKind::Completed,
        StatusKind::Rejected,
        StatusKind::Cancelled,
    ];
}

/// Why an order was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RejectReason {
    /// The restaurant declined the order.
    RestaurantDeclined,
    /// The restaurant did not answer within the acceptance window (5 minutes).
    AcceptanceTimeout,
}

impl RejectReason {
    /// A stable lower-case name (`"acceptance_timeout"`), for storage and reports.
    pub const fn name(self) -> &'static str {
        match self {
            RejectReason::RestaurantDeclined => "restaurant_declined",
            RejectReason::AcceptanceTimeout => "acceptance_timeout",
        }
    }
}

/// Why an order was cancelled. The reason decides whose fault it is, and so the refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelReason {
    /// The customer asked (refund by elapsed time since acceptance).
    CustomerRequest,
    /// The restaurant cannot fulfil an order it accepted (full refund).
    RestaurantUnavailable,
    /// No courier could be found in time (platform failure: full refund).
    NoCourierFound,
    /// Payment could not be authorized (nothing was charged).
    PaymentFailed,
    /// Any other platform-side failure (full refund).
    PlatformFailure,
}

impl CancelReason {
    /// Whose fault the cancellation is, for the refund policy.
    pub const fn fault(self) -> Fault {
        match self {
            CancelReason::CustomerRequest => Fault::Customer,
            CancelReason::RestaurantUnavailable => Fault::Restaurant,
            CancelReason::NoCourierFound | CancelReason::PaymentFailed | CancelReason::PlatformFailure => {
                Fault::Platform
            }
        }
    }

    /// A stable lower-case name, for storage.
    pub const fn name(self) -> &'static str {
        match self {
            CancelReason::CustomerRequest => "customer_request",
            CancelReason::RestaurantUnavailable => "restaurant_unavailable",
            CancelReason::NoCourierFound => "no_courier_found",
            CancelReason::PaymentFailed => "payment_failed",
            CancelReason::PlatformFailure => "platform_failure",
        }
    }
}

/// The party responsible for an order ending early.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The customer changed their mind.
    Customer,
    /// The restaurant declined, timed out or cancelled.
    Restaurant,
    /// The platform failed (payments, dispatch, outage).
    Platform,
}

#[cfg(test)]
mod tests {
    use super::StatusKind;

    /// A new kind does not compile here until it is placed in the journey,
    /// and the test fails until [`StatusKind::ALL`] lists it there.
    fn place_in_journey(kind: StatusKind) -> usize {
        match kind {
            StatusKind::PendingPayment => 0,
            StatusKind::Placed => 1,
            StatusKind::Confirmed => 2,
            StatusKind::Preparing => 3,
            StatusKind::ReadyForPickup => 4,
            StatusKind::PickedUp => 5,
            StatusKind::Delivered => 6,
            StatusKind::Completed => 7,
            StatusKind::Rejected => 8,
            StatusKind::Cancelled => 9,
        }
    }

    #[test]
    fn all_lists_every_kind_once_in_journey_order() {
        for (i, kind) in StatusKind::ALL.iter().enumerate() {
            assert_eq!(place_in_journey(*kind), i, "{kind:?}");
        }
        let mut names: Vec<&str> = StatusKind::ALL.iter().map(|k| k.name()).collect();
        names.dedup();
        assert_eq!(names.len(), 10);
    }
}
