//! In-memory `OrderStore`: idempotent creation, versioned compare-and-set, outbox and audit.
//!
//! One mutex guards all of it, so each operation is atomic exactly like a
//! database transaction: an order, its events, its outbox entries and its
//! audit lines are written together or not at all.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

use rustc_hash::FxHashMap;

use courier_core::order::{Order, OrderEvent, StatusKind};
use courier_core::ports::{
    AuditEntry, CreateOutcome, DEFAULT_IDEMPOTENCY_TTL, EventId, OrderStore, OutboxEntry, StorageError,
};
use courier_core::{CustomerId, Duration, IdempotencyKey, OrderId, Timestamp};

#[derive(Debug, Default)]
struct Tables {
    orders: FxHashMap<OrderId, Order>,
    by_key: FxHashMap<(CustomerId, IdempotencyKey), (OrderId, Timestamp)>,
    outbox: BTreeMap<EventId, (OrderEvent, bool)>,
    audit: FxHashMap<OrderId, Vec<AuditEntry>>,
    next_event_id: u64,
}

impl Tables {
    fn append(&mut self, events: &[OrderEvent]) {
        for event in events {
            self.next_event_id += 1;
            self.outbox.insert(EventId(self.next_event_id), (event.clone(), false));
            self.audit
                .entry(event.order_id)
                .or_default()
                .push(AuditEntry::of(event));
        }
    }
}

/// Orders kept in process memory: the embedded default, deterministic, no service needed.
#[derive(Debug)]
pub struct MemoryOrderStore {
    tables: Mutex<Tables>,
    idempotency_ttl: Duration,
}

impl Default for MemoryOrderStore {
    fn default() -> Self {
        Self::new(DEFAULT_IDEMPOTENCY_TTL)
    }
}

impl MemoryOrderStore {
    /// A store whose placement keys are remembered for `idempotency_ttl` (24 h by default).
    pub fn new(idempotency_ttl: Duration) -> Self {
        Self {
            tables: Mutex::new(Tables::default()),
            idempotency_ttl,
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tables> {
        // A panic while holding the lock cannot leave a half-written operation:
        // every operation validates before it mutates. So a poisoned lock is safe to reuse.
        self.tables.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl OrderStore for MemoryOrderStore {
    async fn create_order(&self, order: &Order, created: &OrderEvent) -> Result<CreateOutcome, StorageError> {
        let mut t = self.lock();
        let key = (order.customer(), order.idempotency_key().clone());
        let now = created.at;
        if let Some(&(existing, at)) = t.by_key.get(&key)
            && now.since(at) < self.idempotency_ttl
            && let Some(o) = t.orders.get(&existing)
        {
            return Ok(CreateOutcome::Existing(o.clone()));
        }
        if let Some(existing) = t.orders.get(&order.id()) {
            return Err(StorageError::VersionConflict {
                order: order.id(),
                expected: 0,
                actual: existing.version(),
            });
        }
        t.by_key.insert(key, (order.id(), now));
        t.orders.insert(order.id(), order.clone());
        t.append(std::slice::from_ref(created));
        Ok(CreateOutcome::Created(order.clone()))
    }

    async fn load_order(&self, id: OrderId) -> Result<Option<Order>, StorageError> {
        Ok(self.lock().orders.get(&id).cloned())
    }

    async fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<Order>, StorageError> {
        let t = self.lock();
        Ok(t.by_key
            .get(&(customer, key.clone()))
            .and_then(|(id, _)| t.orders.get(id).cloned()))
    }

    async fn save_transition(
        &self,
        order: &Order,
        expected_version: u64,
        events: &[OrderEvent],
    ) -> Result<(), StorageError> {
        let mut t = self.lock();
        let actual = t.orders.get(&order.id()).map_or(0, Order::version);
        if actual != expected_version || actual == 0 {
            return Err(StorageError::VersionConflict {
                order: order.id(),
                expected: expected_version,
                actual,
            });
        }
        t.orders.insert(order.id(), order.clone());
        t.append(events);
        Ok(())
    }

    async fn list_by_status(&self, status: StatusKind, limit: usize) -> Result<Vec<Order>, StorageError> {
        let t = self.lock();
        let mut found: Vec<&Order> = t.orders.values().filter(|o| o.status().kind() == status).collect();
        found.sort_by_key(|o| (o.times().created_at, o.id()));
        Ok(found.into_iter().take(limit).cloned().collect())
    }

    async fn read_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StorageError> {
        let t = self.lock();
        Ok(t.outbox
            .iter()
            .filter(|(_, (_, published))| !published)
            .take(limit)
            .map(|(&event_id, (event, _))| OutboxEntry {
                event_id,
                event: event.clone(),
            })
            .collect())
    }

    async fn mark_published(&self, ids: &[EventId]) -> Result<(), StorageError> {
        // A published event has done its job; the audit trail keeps the record.
        let mut t = self.lock();
        for id in ids {
            t.outbox.remove(id);
        }
        Ok(())
    }

    async fn audit_trail(&self, id: OrderId) -> Result<Vec<AuditEntry>, StorageError> {
        Ok(self.lock().audit.get(&id).cloned().unwrap_or_default())
    }
}
