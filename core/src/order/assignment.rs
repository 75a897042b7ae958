//! The courier-assignment dimension of an order, with its history.

use crate::ids::CourierId;
use crate::time::Timestamp;

use super::command::UnassignReason;

/// Which courier, if any, an order is with right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Assignment {
    /// Nobody: dispatch may offer or assign it.
    #[default]
    Unassigned,
    /// Offered to `courier`, who has until `expires_at` to answer.
    Offered {
        /// Who.
        courier: CourierId,
        /// Deadline for the answer.
        expires_at: Timestamp,
    },
    /// `courier` carries (or will carry) the order.
    Assigned {
        /// Who.
        courier: CourierId,
    },
}

impl Assignment {
    /// The courier an order is assigned to, if any (an offer is not an assignment).
    pub const fn assigned_courier(self) -> Option<CourierId> {
        match self {
            Assignment::Assigned { courier } => Some(courier),
            _ => None,
        }
    }

    /// The courier an order is offered to, if any.
    pub const fn offered_courier(self) -> Option<CourierId> {
        match self {
            Assignment::Offered { courier, .. } => Some(courier),
            _ => None,
        }
    }
}

/// How one courier's involvement with an order ended (or `Open` while it lasts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AssignmentOutcome {
    /// Still offered or assigned.
    Open,
    /// The courier declined the offer.
    Declined,
    /// The offer lapsed.
    TimedOut,
    /// Assigned, then taken off the order.
    Unassigned(UnassignReason),
    /// Delivered.
    Delivered,
    /// The order was cancelled while with the courier.
    OrderCancelled,
}

/// One entry of the assignment history: an offer or assignment and how it ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AssignmentRecord {
    /// The courier.
    pub courier: CourierId,
    /// When the offer or assignment started.
    pub started_at: Timestamp,
    /// True once the courier held the order (accepted offer or direct assignment).
    pub assigned: bool,
    /// How it ended.
    pub outcome: AssignmentOutcome,
    /// When it ended.
    pub ended_at: Option<Timestamp>,
}
