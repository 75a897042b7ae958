//! In-memory `OrderStore`: idempotent creation, versioned compare-and-set, outbox and audit.
//!
//! One mutex guards all of it, so each operation is atomic exactly like a
//! database transaction: an order, its events, its outbox entries and its
//! audit lines are written together or not at all.
//!
//! Orders live in one append-only list of rows, kept in chunks that never
//! move once filled; the two lookups (by id, by idempotency key) are hash
//! tables of row numbers, not of orders. Placing an order therefore writes one
//! row, one audit line and one outbox slot, and a table that grows moves
//! 16-byte slots instead of whole orders and never reads the rows again:
//! fresh memory per order, not hashing, is what bounds placement throughput.

use std::hash::BuildHasher;
use std::sync::{Mutex, MutexGuard};

use hashbrown::HashTable;
use hashbrown::hash_table::Entry as KeySlot;
use rustc_hash::{FxBuildHasher, FxHashMap};

use courier_core::order::{Order, OrderEvent, StatusKind};
use courier_core::ports::{
    AuditEntry, ChangeFeed, CourierLoad, CreateOutcome, DEFAULT_IDEMPOTENCY_TTL, EventId, FeedCursor, Lease,
    LeaseStore, Listed, OrderChange, OrderStore, OutboxEntry, StorageError, Transition, decide_lease,
};
use courier_core::{CourierId, CustomerId, Duration, IdempotencyKey, OrderId, Timestamp};

use super::audit_log::{AuditLog, LineNo};
use super::chunked::Chunked;
use super::outbox::Outbox;

/// An order and where its audit trail ends.
#[derive(Debug)]
struct OrderRow {
    order: Order,
    newest_audit: Option<LineNo>,
}

#[derive(Debug, Default)]
struct Tables {
    rows: Chunked<OrderRow>,
    /// Row numbers by order id.
    by_id: FxHashMap<OrderId, usize>,
    /// Row numbers by (customer, idempotency key), beside the key's hash so that
    /// growing the table never reads the rows: the newest order placed with each key.
    by_key: HashTable<(u64, usize)>,
    outbox: Outbox,
    audit: AuditLog,
    /// Couriers carrying an order or holding an offer (the rest are at zero).
    couriers: FxHashMap<CourierId, CourierLoad>,
    /// Customers with a completed order.
    completed_customers: rustc_hash::FxHashSet<CustomerId>,
    /// Leases by name, beside the orders so a fenced write checks its
    /// lease under the same lock.
    leases: FxHashMap<String, Lease>,
    /// The change feed, kept once a reader has asked where it ends: a store
    /// nobody follows (the simulator's) records nothing for it.
    feed: Option<Vec<OrderChange>>,
}

impl Tables {
    fn record(&mut self, event: &OrderEvent) {
        if let Some(feed) = &mut self.feed {
            feed.push(OrderChange {
                order: event.order_id,
                version: event.version,
            });
        }
    }
}

fn key_hash(customer: CustomerId, key: &IdempotencyKey) -> u64 {
    FxBuildHasher.hash_one((customer, key.as_str()))
}

impl Tables {
    fn row_of(&self, id: OrderId) -> Option<usize> {
        self.by_id.get(&id).copied()
    }

    fn order(&self, id: OrderId) -> Option<&Order> {
        self.row_of(id).map(|row| &self.rows[row].order)
    }

    fn row_by_key(&self, customer: CustomerId, key: &IdempotencyKey) -> Option<usize> {
        let rows = &self.rows;
        let hash = key_hash(customer, key);
        self.by_key
            .find(hash, |&(h, row)| h == hash && same_key(&rows[row].order, customer, key))
            .map(|&(_, row)| row)
    }
}

fn same_key(order: &Order, customer: CustomerId, key: &IdempotencyKey) -> bool {
    order.customer() == customer && order.idempotency_key() == key
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
        let t = &mut *t;
        let (customer, key) = (order.customer(), order.idempotency_key());
        let hash = key_hash(customer, key);
        // One probe finds the key's order or the slot a new one will take.
        let rows = &t.rows;
        let key_slot = t.by_key.entry(
            hash,
            |&(h, row)| h == hash && same_key(&rows[row].order, customer, key),
            |&(h, _)| h,
        );
        if let KeySlot::Occupied(slot) = &key_slot {
            let existing = &rows[slot.get().1].order;
            if created.at.since(existing.times().created_at) < self.idempotency_ttl {
                return Ok(CreateOutcome::Existing(existing.clone()));
            }
        }
        if let Some(&existing) = t.by_id.get(&order.id()) {
            return Err(StorageError::VersionConflict {
                order: order.id(),
                expected: 0,
                actual: rows[existing].order.version(),
            });
        }
        let row = t.rows.len();
        match key_slot {
            // The key's earlier order has expired: the key now names this one.
            KeySlot::Occupied(mut slot) => slot.get_mut().1 = row,
            KeySlot::Vacant(slot) => {
                slot.insert((hash, row));
            }
        }
        let newest_audit = Some(t.audit.append(created, None));
        t.rows.push(OrderRow {
            order: order.clone(),
            newest_audit,
        });
        t.outbox.push(created.clone());
        t.record(created);
        t.by_id.insert(order.id(), row);
        Ok(CreateOutcome::Created(order.clone()))
    }

    async fn load_order(&self, id: OrderId) -> Result<Option<Order>, StorageError> {
        Ok(self.lock().order(id).cloned())
    }

    async fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<Order>, StorageError> {
        let t = self.lock();
        Ok(t.row_by_key(customer, key).map(|row| t.rows[row].order.clone()))
    }

    async fn save_transition(&self, transition: &Transition<'_>) -> Result<(), StorageError> {
        let (order, expected_version) = (transition.order, transition.expected_version);
        let mut t = self.lock();
        let t = &mut *t;
        let row = t.row_of(order.id());
        let actual = row.map_or(0, |row| t.rows[row].order.version());
        let Some(row) = row.filter(|_| actual == expected_version) else {
            return Err(StorageError::VersionConflict {
                order: order.id(),
                expected: expected_version,
                actual,
            });
        };
        if let Some(fence) = transition.fence
            && t.leases.get(fence.lease).map(|l| l.token) != Some(fence.token)
        {
            return Err(StorageError::Fenced {
                lease: fence.lease.to_owned(),
                token: fence.token,
            });
        }
        change_couriers(&mut t.couriers, transition)?;
        if order.status() == courier_core::order::OrderStatus::Completed {
            t.completed_customers.insert(order.customer());
        }
        let row = &mut t.rows[row];
        row.order = order.clone();
        for event in transition.events {
            row.newest_audit = Some(t.audit.append(event, row.newest_audit));
            t.outbox.push(event.clone());
        }
        for event in transition.events {
            t.record(event);
        }
        Ok(())
    }

    async fn has_completed_order(&self, customer: CustomerId) -> Result<bool, StorageError> {
        Ok(self.lock().completed_customers.contains(&customer))
    }

    async fn courier_load(&self, courier: CourierId) -> Result<CourierLoad, StorageError> {
        Ok(self.lock().couriers.get(&courier).copied().unwrap_or_default())
    }

    async fn list_by_status(&self, status: StatusKind, limit: usize) -> Result<Listed, StorageError> {
        let t = self.lock();
        let mut found: Vec<&Order> = t
            .rows
            .iter()
            .map(|row| &row.order)
            .filter(|o| o.status().kind() == status)
            .collect();
        found.sort_by_key(|o| (o.times().created_at, o.id()));
        // Orders are kept as values, never re-read from bytes: all readable.
        Ok(Listed {
            orders: found.into_iter().take(limit).cloned().collect(),
            unreadable: Vec::new(),
        })
    }

    async fn read_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StorageError> {
        Ok(self.lock().outbox.unpublished(limit))
    }

    async fn mark_published(&self, ids: &[EventId]) -> Result<(), StorageError> {
        // A published event has done its job; the audit trail keeps the record.
        let mut t = self.lock();
        for &id in ids {
            t.outbox.mark_published(id);
        }
        Ok(())
    }

    async fn audit_trail(&self, id: OrderId) -> Result<Vec<AuditEntry>, StorageError> {
        let t = self.lock();
        Ok(t.row_of(id)
            .map(|row| t.audit.trail(id, t.rows[row].newest_audit))
            .unwrap_or_default())
    }
}

impl ChangeFeed for MemoryOrderStore {
    async fn feed_head(&self) -> Result<FeedCursor, StorageError> {
        let mut t = self.lock();
        let feed = t.feed.get_or_insert_with(Vec::new);
        Ok(FeedCursor {
            major: 0,
            minor: feed.len() as u64,
        })
    }

    async fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> Result<(Vec<OrderChange>, FeedCursor), StorageError> {
        let mut t = self.lock();
        let feed = t.feed.get_or_insert_with(Vec::new);
        let from = usize::try_from(cursor.minor).unwrap_or(usize::MAX).min(feed.len());
        let to = from.saturating_add(limit).min(feed.len());
        let next = FeedCursor {
            major: 0,
            minor: to as u64,
        };
        Ok((feed[from..to].to_vec(), next))
    }
}

impl LeaseStore for MemoryOrderStore {
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> Result<Option<Lease>, StorageError> {
        let mut t = self.lock();
        let granted = decide_lease(t.leases.get(name), name, holder, now, ttl);
        if let Some(lease) = &granted {
            t.leases.insert(name.to_owned(), lease.clone());
        }
        Ok(granted)
    }

    async fn release_lease(&self, lease: &Lease) -> Result<bool, StorageError> {
        let mut t = self.lock();
        match t.leases.get_mut(&lease.name) {
            Some(held) if held.holder == lease.holder && held.token == lease.token => {
                // Free at once; the token stays, so the next holder's is higher.
                held.expires_at = Timestamp::EPOCH;
                Ok(true)
            }
            _ => Ok(false),
        }
    }
}

/// Applies what `transition` does to couriers, or refuses it changing
/// nothing: every change is decided on a copy before any is written.
fn change_couriers(
    couriers: &mut FxHashMap<CourierId, CourierLoad>,
    transition: &Transition<'_>,
) -> Result<(), StorageError> {
    let changes = transition.courier_changes();
    if changes.iter().all(Option::is_none) {
        return Ok(());
    }
    let (order, at, limit) = (transition.order.id(), transition.at(), transition.batch_limit);
    let mut decided: [Option<(CourierId, CourierLoad)>; 2] = [None, None];
    for (slot, change) in decided.iter_mut().zip(changes) {
        let Some(change) = change else { continue };
        let courier = change.courier();
        let mut load = couriers.get(&courier).copied().unwrap_or_default();
        load.apply(change, order, at, limit)
            .map_err(|refusal| StorageError::refused(courier, refusal, limit))?;
        *slot = Some((courier, load));
    }
    for (courier, load) in decided.into_iter().flatten() {
        if load == CourierLoad::default() {
            couriers.remove(&courier);
        } else {
            couriers.insert(courier, load);
        }
    }
    Ok(())
}
