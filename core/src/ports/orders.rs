//! The order store port: idempotent creation, versioned compare-and-set, outbox and audit.

use crate::ids::{CourierId, CustomerId, IdempotencyKey, OrderId};
use crate::order::{Actor, Order, OrderEvent, StatusKind};
use crate::time::Timestamp;

use super::{CourierLoad, StorageError, Transition};

/// A store-assigned, strictly increasing id of an event in the outbox (for deduplication).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId(pub u64);

/// An event waiting in (or published from) the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEntry {
    /// Unique id; consumers deduplicate on it (delivery is at-least-once).
    pub event_id: EventId,
    /// The event.
    pub event: OrderEvent,
}

/// One line of an order's audit trail: who did what, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    /// The order.
    pub order_id: OrderId,
    /// The version the action produced.
    pub version: u64,
    /// When.
    pub at: Timestamp,
    /// Who.
    pub actor: Actor,
    /// What (the event's name, e.g. `"accepted"`).
    pub action: &'static str,
}

impl AuditEntry {
    /// The audit line of an event.
    pub fn of(event: &OrderEvent) -> AuditEntry {
        AuditEntry {
            order_id: event.order_id,
            version: event.version,
            at: event.at,
            actor: event.actor,
            action: event.kind.name(),
        }
    }
}

/// Where a reader of the change feed has got to: changes after it are the
/// ones still to read. Opaque: compare and keep it, build it only from
/// [`ChangeFeed::feed_head`] and [`ChangeFeed::changes_after`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct FeedCursor {
    /// The adapter's first ordering key (PostgreSQL: the writing transaction).
    pub major: u64,
    /// Its second (the event's position).
    pub minor: u64,
}

/// One order changed (an event stored for it), as the feed reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderChange {
    /// The order.
    pub order: OrderId,
    /// The version the change produced.
    pub version: u64,
}

/// Order changes in the order they were committed, whichever process made
/// them: what lets several instances over one store keep their caches in
/// line with it.
pub trait ChangeFeed: Send + Sync {
    /// Where the feed ends now: [`ChangeFeed::changes_after`] it returns
    /// only what is committed from here on (and possibly a little before:
    /// a reader must treat a change as "reload this order").
    fn feed_head(&self) -> impl Future<Output = Result<FeedCursor, StorageError>> + Send;

    /// Up to `limit` changes committed after `cursor`, oldest first, and the
    /// cursor after the last one returned. A change is never skipped: one
    /// still being committed is returned once it is, and none before it
    /// goes past it.
    fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> impl Future<Output = Result<(Vec<OrderChange>, FeedCursor), StorageError>> + Send;
}

/// Orders listed by status.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Listed {
    /// The orders read back, oldest first.
    pub orders: Vec<Order>,
    /// Orders the store holds in that status but could not read back.
    pub unreadable: Vec<Unreadable>,
}

/// A stored order that could not be read back: set aside for an operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    /// The order.
    pub order: OrderId,
    /// What is wrong with its record.
    pub reason: String,
}

/// What `create_order` did.
#[derive(Debug, Clone, PartialEq)]
pub enum CreateOutcome {
    /// The order is new and was stored with its creation event.
    Created(Order),
    /// An order with the same customer and idempotency key already existed
    /// (within the idempotency window): it is returned and nothing was written.
    Existing(Order),
}

impl CreateOutcome {
    /// The order, new or existing.
    pub fn into_order(self) -> Order {
        match self {
            CreateOutcome::Created(o) | CreateOutcome::Existing(o) => o,
        }
    }
}

/// Durable orders with their events.
///
/// Every mutation writes the order and appends its events to the outbox and
/// audit trail atomically: either all of it happens or none of it.
pub trait OrderStore: Send + Sync {
    /// Stores a new order and its `Created` event unless the customer already
    /// placed one with the same idempotency key, in which case that one is returned.
    fn create_order(
        &self,
        order: &Order,
        created: &OrderEvent,
    ) -> impl Future<Output = Result<CreateOutcome, StorageError>> + Send;

    /// The order with this id, if any.
    fn load_order(&self, id: OrderId) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send;

    /// The order a customer placed with this idempotency key, if any.
    fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> impl Future<Output = Result<Option<Order>, StorageError>> + Send;

    /// Compare-and-set: stores `transition.order` (after its events were
    /// applied) only if the stored version is still its expected version,
    /// appending the events to the outbox and audit trail and applying its
    /// [`Transition::courier_changes`] in the same transaction. A stale
    /// version is [`StorageError::VersionConflict`]; a courier over the
    /// batch limit [`StorageError::CourierFull`]; a second open offer to a
    /// courier [`StorageError::CourierOffered`]: each writes nothing.
    fn save_transition(&self, transition: &Transition<'_>) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// True when `customer` has a completed order: order-only mode (the
    /// degradation ladder's last rung) lets only such customers order.
    fn has_completed_order(&self, customer: CustomerId) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// A courier's load and open offer as the store holds them (zero and none
    /// for a courier it never saw).
    fn courier_load(&self, courier: CourierId) -> impl Future<Output = Result<CourierLoad, StorageError>> + Send;

    /// Up to `limit` orders in `status`, oldest first; an order whose stored
    /// record cannot be read back is listed apart, with why, instead of
    /// failing the whole list.
    fn list_by_status(
        &self,
        status: StatusKind,
        limit: usize,
    ) -> impl Future<Output = Result<Listed, StorageError>> + Send;

    /// Up to `limit` unpublished outbox entries, oldest first.
    fn read_outbox(&self, limit: usize) -> impl Future<Output = Result<Vec<OutboxEntry>, StorageError>> + Send;

    /// Marks entries as published; unknown or already published ids are ignored.
    fn mark_published(&self, ids: &[EventId]) -> impl Future<Output = Result<(), StorageError>> + Send;

    /// Who did what to an order, oldest first.
    fn audit_trail(&self, id: OrderId) -> impl Future<Output = Result<Vec<AuditEntry>, StorageError>> + Send;
}
