//! The order lifecycle: statuses, actors, commands, events, assignment and permissions.

mod actor;
mod assignment;
mod command;
mod error;
mod event;
mod machine;
pub mod permission;
mod status;

pub use actor::{Actor, ActorKind};
pub use assignment::{Assignment, AssignmentOutcome, AssignmentRecord};
pub use command::{Command, OrderAction, OrderLine, PlaceOrder, UnassignReason};
pub use error::OrderError;
pub use event::{OrderEvent, OrderEventKind};
pub use machine::{ACCEPTANCE_WINDOW, Order, OrderTimes};
pub use status::{CancelReason, Fault, OrderStatus, RejectReason, StatusKind};
