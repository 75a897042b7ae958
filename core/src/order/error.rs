//! Why a command was refused. A refused command changes nothing.

use crate::money::MoneyError;
use crate::time::Timestamp;

use super::actor::Actor;
use super::assignment::Assignment;
use super::command::OrderAction;
use super::status::{CancelReason, OrderStatus};

/// A refused command or placement. The order is left exactly as it was.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderError {
    /// The actor may not perform this action on this order (seed 000 permission table).
    #[error("{actor} may not {action} this order")]
    Forbidden {
        /// Who asked.
        actor: Actor,
        /// What they asked.
        action: &'static str,
    },
    /// The actor based the command on an old version: reload and retry.
    #[error("version conflict: expected {expected}, order is at {actual}")]
    VersionConflict {
        /// The version the command carried.
        expected: u64,
        /// The order's current version.
        actual: u64,
    },
    /// The action is not allowed in the order's current status.
    #[error("cannot {action} an order that is {status}")]
    InvalidTransition {
        /// What was asked.
        action: OrderAction,
        /// The status it is in.
        status: OrderStatus,
    },
    /// The action does not fit the order's courier assignment.
    #[error("cannot {action} while the order is {assignment:?}")]
    AssignmentConflict {
        /// What was asked.
        action: OrderAction,
        /// The assignment it has.
        assignment: Assignment,
    },
    /// The restaurant answered after its acceptance deadline.
    #[error("the acceptance deadline {deadline} has passed")]
    AcceptanceDeadlinePassed {
        /// The deadline.
        deadline: Timestamp,
    },
    /// The courier answered an offer after it lapsed.
    #[error("the offer lapsed at {expires_at}")]
    OfferLapsed {
        /// When it lapsed.
        expires_at: Timestamp,
    },
    /// A timeout was asked for before it was due.
    #[error("{action} is not due before {due}")]
    NotYetDue {
        /// What was asked.
        action: OrderAction,
        /// When it becomes due.
        due: Timestamp,
    },
    /// This actor may not cancel for this reason (e.g. a customer claiming a platform failure).
    #[error("{actor} may not cancel with reason {}", reason.name())]
    ReasonNotAllowed {
        /// Who asked.
        actor: Actor,
        /// The reason given.
        reason: CancelReason,
    },
    /// The order to place is malformed.
    #[error("invalid order: {0}")]
    InvalidOrder(String),
    /// Money in the order does not add up (currency mismatch, overflow).
    #[error("invalid order amount: {0}")]
    Money(#[from] MoneyError),
}
