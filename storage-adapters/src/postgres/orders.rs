//! `OrderStore` on PostgreSQL: orders rebuilt from their events, the events
//! table doubling as the outbox, an audit log, placement keys.

use courier_core::order::{Order, OrderEvent, StatusKind};
use courier_core::ports::{
    AuditEntry, CourierChange, CourierLoad, CourierRefusal, CreateOutcome, EventId, Listed, OrderStore, OutboxEntry,
    StorageError, Transition, Unreadable,
};
use courier_core::{CourierId, CustomerId, IdempotencyKey, OrderId, Timestamp};
use std::sync::LazyLock;

use sqlx::{PgConnection, Row};

use super::{PgStore, to_i64, to_u64};
use crate::codec;

const EVENT_COLUMNS: &str = "event_id, order_id, version, at_ms, actor_kind, actor_id, body";

/// The CTEs that append an `EventBatch` (bound from `$first` on) to the
/// event log and the audit log, once per row of `source`.
fn append_events_ctes(source: &str, first: usize) -> String {
    let p: Vec<String> = (first..first + 6).map(|n| format!("${n}")).collect();
    format!(
        "e AS (INSERT INTO order_events (order_id, version, at_ms, actor_kind, actor_id, kind, body) \
           SELECT {source}.id, t.version, t.at_ms, t.actor_kind, t.actor_id, t.kind, t.body FROM {source}, \
           UNNEST({}::bigint[], {}::bigint[], {}::text[], {}::bigint[], {}::text[], {}::jsonb[]) \
           AS t(version, at_ms, actor_kind, actor_id, kind, body)), \
         a AS (INSERT INTO audit_log (order_id, version, at_ms, actor_kind, actor_id, action) \
           SELECT {source}.id, t.version, t.at_ms, t.actor_kind, t.actor_id, t.kind FROM {source}, \
           UNNEST({}::bigint[], {}::bigint[], {}::text[], {}::bigint[], {}::text[]) \
           AS t(version, at_ms, actor_kind, actor_id, kind))",
        p[0], p[1], p[2], p[3], p[4], p[5], p[0], p[1], p[2], p[3], p[4]
    )
}

/// A placement in one statement, so one round trip and atomic without a
/// transaction: claim the key (unless a live claim exists) and, only if
/// claimed, write the order, its lines, its event and its audit line. A
/// duplicate order id fails the whole statement.
static PLACE_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH k AS (INSERT INTO order_keys (customer_id, idempotency_key, order_id, created_at_ms) \
           VALUES ($1, $2, $3, $4) \
           ON CONFLICT (customer_id, idempotency_key) DO UPDATE \
             SET order_id = EXCLUDED.order_id, created_at_ms = EXCLUDED.created_at_ms \
             WHERE order_keys.created_at_ms <= $5 \
           RETURNING order_id), \
         o AS (INSERT INTO orders (id, customer_id, restaurant_id, status, version, charge_minor, currency, \
           created_at_ms, updated_at_ms) \
           SELECT k.order_id, $1, $6, $7, $8, $9, $10, $4, $4 FROM k RETURNING id), \
         i AS (INSERT INTO order_items (order_id, line_no, item_id, quantity, unit_price_minor) \
           SELECT o.id, t.line_no, t.item_id, t.quantity, t.price FROM o, \
           UNNEST($11::int[], $12::bigint[], $13::int[], $14::bigint[]) AS t(line_no, item_id, quantity, price)), \
         {} \
         SELECT count(*) FROM o",
        append_events_ctes("o", 15)
    )
});

/// A transition in one statement: the version check (and, for a write
/// under lease `$14`, its token `$15`, whose row is share-locked so no
/// take-over commits in between) is the UPDATE's own condition, and the
/// events and what the order's departure does to a courier (`$12` no
/// longer carries it, `$13`'s offer of it closes) are written only through
/// its row.
static TRANSITION_SQL: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH f AS (SELECT 1 FROM leases WHERE name = $14 AND token = $15 FOR SHARE), \
         u AS (UPDATE orders SET version = $1, status = $2, updated_at_ms = $3 \
           WHERE id = $4 AND version = $5 AND ($14::text IS NULL OR EXISTS (SELECT 1 FROM f)) RETURNING id), \
         {}, \
         r AS (UPDATE courier_loads SET carrying = carrying - 1 FROM u \
           WHERE courier_id = $12 AND carrying > 0), \
         x AS (UPDATE courier_loads SET offer_order = NULL, offer_expires_ms = NULL FROM u \
           WHERE courier_id = $13 AND offer_order = u.id) \
         SELECT count(*) FROM u",
        append_events_ctes("u", 6)
    )
});

/// A courier takes an order (`$3`), offered to them or not, unless they
/// carry the limit (`$2`) already; returns a row only if it was taken.
const TAKE_SQL: &str = "INSERT INTO courier_loads AS c (courier_id, carrying) VALUES ($1, 1) \
     ON CONFLICT (courier_id) DO UPDATE SET carrying = c.carrying + 1, \
       offer_order = CASE WHEN c.offer_order = $3 THEN NULL ELSE c.offer_order END, \
       offer_expires_ms = CASE WHEN c.offer_order = $3 THEN NULL ELSE c.offer_expires_ms END \
     WHERE c.carrying < $2 \
     RETURNING c.carrying";

/// A courier is offered an order (`$3`, open until `$4`) unless they carry
/// the limit (`$2`) or hold another offer still open at `$5`; returns a row
/// only if the offer was recorded.
const OFFER_SQL: &str = "INSERT INTO courier_loads AS c (courier_id, carrying, offer_order, offer_expires_ms) \
     VALUES ($1, 0, $3, $4) \
     ON CONFLICT (courier_id) DO UPDATE SET offer_order = $3, offer_expires_ms = $4 \
     WHERE c.carrying < $2 AND (c.offer_order IS NULL OR c.offer_order = $3 OR c.offer_expires_ms <= $5) \
     RETURNING c.carrying";

impl PgStore {
    /// Runs a transition's compare-and-set, events and departure on
    /// `executor`; returns the order rows updated (1, or 0 when stale).
    async fn transition_on<'e>(
        &self,
        executor: impl sqlx::PgExecutor<'e>,
        transition: &Transition<'_>,
        leaves: Option<CourierChange>,
    ) -> Result<i64, StorageError> {
        let order = transition.order;
        let batch = EventBatch::of(transition.events);
        let released =
            leaves.and_then(|c| matches!(c, CourierChange::Release { .. }).then(|| to_i64(c.courier().get())));
        let offer_closed =
            leaves.and_then(|c| matches!(c, CourierChange::CloseOffer { .. }).then(|| to_i64(c.courier().get())));
        // Of concurrent writers from one version exactly one row matches.
        sqlx::query_scalar(&TRANSITION_SQL)
            .bind(to_i64(order.version()))
            .bind(order.status().name())
            .bind(transition.at().as_millis())
            .bind(to_i64(order.id().get()))
            .bind(to_i64(transition.expected_version))
            .bind(&batch.versions)
            .bind(&batch.at)
            .bind(&batch.actor_kinds)
            .bind(&batch.actor_ids)
            .bind(&batch.kinds)
            .bind(&batch.bodies)
            .bind(released)
            .bind(offer_closed)
            .bind(transition.fence.map(|f| f.lease))
            .bind(transition.fence.map(|f| i64::try_from(f.token).unwrap_or(i64::MAX)))
            .fetch_one(executor)
            .await
            .map_err(|e| self.error(e))
    }

    /// Ok when one row was updated, else why not: the conflict naming the
    /// stored version, or a stale fence when the version was right.
    async fn settled(&self, transition: &Transition<'_>, updated: i64) -> Result<(), StorageError> {
        if updated == 1 {
            return Ok(());
        }
        let order = transition.order.id();
        let actual: Option<i64> = sqlx::query_scalar("SELECT version FROM orders WHERE id = $1")
            .bind(to_i64(order.get()))
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        let actual = actual.map(|v| to_u64(v, "version")).transpose()?.unwrap_or(0);
        match transition.fence {
            Some(fence) if actual == transition.expected_version => Err(StorageError::Fenced {
                lease: fence.lease.to_owned(),
                token: fence.token,
            }),
            _ => Err(StorageError::VersionConflict {
                order,
                expected: transition.expected_version,
                actual,
            }),
        }
    }

    /// Claims the courier for `transition`'s order inside `tx`: the refusal,
    /// if the courier carries the limit or holds another open offer.
    async fn claim(
        &self,
        tx: &mut PgConnection,
        transition: &Transition<'_>,
        claim: CourierChange,
    ) -> Result<Option<StorageError>, StorageError> {
        let (courier, limit) = (claim.courier(), transition.batch_limit);
        let order = transition.order.id();
        let at = transition.at();
        let refused = |mut load: CourierLoad| {
            // The store's row says why; the decision itself is courier-core's.
            let refusal = load
                .apply(claim, order, at, limit)
                .err()
                .unwrap_or(CourierRefusal::Full);
            StorageError::refused(courier, refusal, limit)
        };
        if limit == 0 {
            return Ok(Some(refused(CourierLoad::default())));
        }
        let limit_i32 = i32::try_from(limit).unwrap_or(i32::MAX);
        let query = match claim {
            CourierChange::Offer { expires_at, .. } => sqlx::query(OFFER_SQL)
                .bind(to_i64(courier.get()))
                .bind(limit_i32)
                .bind(to_i64(order.get()))
                .bind(expires_at.as_millis())
                .bind(at.as_millis()),
            _ => sqlx::query(TAKE_SQL)
                .bind(to_i64(courier.get()))
                .bind(limit_i32)
                .bind(to_i64(order.get())),
        };
        let taken = query.fetch_optional(&mut *tx).await.map_err(|e| self.error(e))?;
        if taken.is_some() {
            return Ok(None);
        }
        let load = self.courier_load_on(tx, courier).await?;
        Ok(Some(refused(load)))
    }

    async fn courier_load_on(&self, conn: &mut PgConnection, courier: CourierId) -> Result<CourierLoad, StorageError> {
        let row: Option<(i32, Option<i64>, Option<i64>)> =
            sqlx::query_as("SELECT carrying, offer_order, offer_expires_ms FROM courier_loads WHERE courier_id = $1")
                .bind(to_i64(courier.get()))
                .fetch_optional(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
        let Some((carrying, offer_order, offer_expires_ms)) = row else {
            return Ok(CourierLoad::default());
        };
        let carrying = u32::try_from(carrying)
            .map_err(|_| StorageError::Corrupt(format!("{courier} carries {carrying} orders")))?;
        let offer = match (offer_order, offer_expires_ms) {
            (Some(order), Some(until)) => {
                Some((OrderId::new(to_u64(order, "order id")?), Timestamp::from_millis(until)))
            }
            _ => None,
        };
        Ok(CourierLoad { carrying, offer })
    }

    /// Loads an order by replaying its events, on `conn`.
    async fn load_on(&self, conn: &mut PgConnection, id: OrderId) -> Result<Option<Order>, StorageError> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM order_events WHERE order_id = $1 ORDER BY version"
        ))
        .bind(to_i64(id.get()))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| self.error(e))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let events = rows
            .iter()
            .map(|r| event_of(r).map(|(_, e)| e))
            .collect::<Result<Vec<_>, _>>()?;
        Order::replay(&events)
            .map(Some)
            .ok_or_else(|| StorageError::Corrupt(format!("{id}: its events do not replay into an order")))
    }
}

/// True if `e` is the orders table refusing an id it already holds.
fn is_duplicate_order(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation() && d.constraint() == Some("orders_pkey"))
}

/// Events as parallel arrays, for one `UNNEST` insert.
struct EventBatch {
    versions: Vec<i64>,
    at: Vec<i64>,
    actor_kinds: Vec<&'static str>,
    actor_ids: Vec<Option<i64>>,
    kinds: Vec<&'static str>,
    bodies: Vec<serde_json::Value>,
}

impl EventBatch {
    fn of(events: &[OrderEvent]) -> EventBatch {
        let mut b = EventBatch {
            versions: Vec::with_capacity(events.len()),
            at: Vec::with_capacity(events.len()),
            actor_kinds: Vec::with_capacity(events.len()),
            actor_ids: Vec::with_capacity(events.len()),
            kinds: Vec::with_capacity(events.len()),
            bodies: Vec::with_capacity(events.len()),
        };
        for e in events {
            let (kind, id) = codec::actor_parts(e.actor);
            b.versions.push(to_i64(e.version));
            b.at.push(e.at.as_millis());
            b.actor_kinds.push(kind);
            b.actor_ids.push(id.map(to_i64));
            b.kinds.push(e.kind.name());
            b.bodies.push(codec::event_body(e));
        }
        b
    }
}

/// An event row back into (outbox id, event).
fn event_of(row: &sqlx::postgres::PgRow) -> Result<(EventId, OrderEvent), StorageError> {
    let get_i64 = |name: &str| {
        row.try_get::<i64, _>(name)
            .map_err(|e| StorageError::Corrupt(e.to_string()))
    };
    let event_id = EventId(to_u64(get_i64("event_id")?, "event id")?);
    let order_id = OrderId::new(to_u64(get_i64("order_id")?, "order id")?);
    let version = to_u64(get_i64("version")?, "version")?;
    let at = Timestamp::from_millis(get_i64("at_ms")?);
    let kind: String = row
        .try_get("actor_kind")
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let actor_id: Option<i64> = row
        .try_get("actor_id")
        .map_err(|e| StorageError::Corrupt(e.to_string()))?;
    let actor = codec::actor_from(&kind, actor_id.map(|v| to_u64(v, "actor id")).transpose()?)?;
    let body: serde_json::Value = row.try_get("body").map_err(|e| StorageError::Corrupt(e.to_string()))?;
    Ok((event_id, codec::event_from(order_id, version, at, actor, body)?))
}

impl OrderStore for PgStore {
    async fn create_order(&self, order: &Order, created: &OrderEvent) -> Result<CreateOutcome, StorageError> {
        let customer = to_i64(order.customer().get());
        let key = order.idempotency_key().as_str();
        let batch = EventBatch::of(std::slice::from_ref(created));
        let lines = order.lines();
        let line_no: Vec<i32> = (0..lines.len()).map(|n| i32::try_from(n).unwrap_or(i32::MAX)).collect();
        let items: Vec<i64> = lines.iter().map(|l| to_i64(l.item.get())).collect();
        let quantities: Vec<i32> = lines
            .iter()
            .map(|l| i32::try_from(l.quantity).unwrap_or(i32::MAX))
            .collect();
        let prices: Vec<i64> = lines.iter().map(|l| l.unit_price.minor()).collect();
        let created_rows: Result<i64, sqlx::Error> = sqlx::query_scalar(&PLACE_SQL)
            .bind(customer)
            .bind(key)
            .bind(to_i64(order.id().get()))
            .bind(created.at.as_millis())
            .bind(created.at.minus(self.idempotency_ttl).as_millis())
            .bind(to_i64(order.restaurant().get()))
            .bind(order.status().name())
            .bind(to_i64(order.version()))
            .bind(order.charge().minor())
            .bind(order.charge().currency().code())
            .bind(&line_no)
            .bind(&items)
            .bind(&quantities)
            .bind(&prices)
            .bind(&batch.versions)
            .bind(&batch.at)
            .bind(&batch.actor_kinds)
            .bind(&batch.actor_ids)
            .bind(&batch.kinds)
            .bind(&batch.bodies)
            .fetch_one(&self.pool)
            .await;
        let created_rows = match created_rows {
            Ok(n) => n,
            Err(e) if is_duplicate_order(&e) => {
                // The id is taken by another order: nothing was written.
                let actual: i64 = sqlx::query_scalar("SELECT version FROM orders WHERE id = $1")
                    .bind(to_i64(order.id().get()))
                    .fetch_one(&self.pool)
                    .await
                    .map_err(|e| self.error(e))?;
                return Err(StorageError::VersionConflict {
                    order: order.id(),
                    expected: 0,
                    actual: to_u64(actual, "version")?,
                });
            }
            Err(e) => return Err(self.error(e)),
        };
        if created_rows == 1 {
            return Ok(CreateOutcome::Created(order.clone()));
        }
        // A live claim exists: hand back the order it points at.
        let mut conn = self.pool.acquire().await.map_err(|e| self.error(e))?;
        let existing: i64 =
            sqlx::query_scalar("SELECT order_id FROM order_keys WHERE customer_id = $1 AND idempotency_key = $2")
                .bind(customer)
                .bind(key)
                .fetch_one(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
        self.load_on(&mut conn, OrderId::new(to_u64(existing, "order id")?))
            .await?
            .map(CreateOutcome::Existing)
            .ok_or_else(|| StorageError::Corrupt(format!("placement key {key:?} points at a missing order")))
    }

    async fn load_order(&self, id: OrderId) -> Result<Option<Order>, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.error(e))?;
        self.load_on(&mut conn, id).await
    }

    async fn find_by_idempotency_key(
        &self,
        customer: CustomerId,
        key: &IdempotencyKey,
    ) -> Result<Option<Order>, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.error(e))?;
        let id: Option<i64> =
            sqlx::query_scalar("SELECT order_id FROM order_keys WHERE customer_id = $1 AND idempotency_key = $2")
                .bind(to_i64(customer.get()))
                .bind(key.as_str())
                .fetch_optional(&mut *conn)
                .await
                .map_err(|e| self.error(e))?;
        match id {
            Some(id) => self.load_on(&mut conn, OrderId::new(to_u64(id, "order id")?)).await,
            None => Ok(None),
        }
    }

    async fn save_transition(&self, transition: &Transition<'_>) -> Result<(), StorageError> {
        let [leaves, reaches] = transition.courier_changes();
        let Some(claim) = reaches.filter(|c| c.may_be_refused()) else {
            // Nothing to refuse: one statement, atomic on its own.
            let updated = self.transition_on(&self.pool, transition, leaves).await?;
            return self.settled(transition, updated).await;
        };
        // A claim on a courier is decided after the order's compare-and-set,
        // in the same transaction, so a refusal rolls both back. Each
        // transaction locks one order row, then one courier row: no cycle.
        let mut tx = self.pool.begin().await.map_err(|e| self.error(e))?;
        let updated = self.transition_on(&mut *tx, transition, leaves).await?;
        if updated != 1 {
            tx.rollback().await.map_err(|e| self.error(e))?;
            return self.settled(transition, updated).await;
        }
        if let Some(refused) = self.claim(&mut tx, transition, claim).await? {
            tx.rollback().await.map_err(|e| self.error(e))?;
            return Err(refused);
        }
        tx.commit().await.map_err(|e| self.error(e))
    }

    async fn has_completed_order(&self, customer: CustomerId) -> Result<bool, StorageError> {
        // orders_by_customer finds the customer's orders; few are open at once.
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orders WHERE customer_id = $1 AND status = $2)")
            .bind(to_i64(customer.get()))
            .bind(StatusKind::Completed.name())
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.error(e))
    }

    async fn courier_load(&self, courier: CourierId) -> Result<CourierLoad, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.error(e))?;
        self.courier_load_on(&mut conn, courier).await
    }

    async fn list_by_status(&self, status: StatusKind, limit: usize) -> Result<Listed, StorageError> {
        let mut conn = self.pool.acquire().await.map_err(|e| self.error(e))?;
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM order_events e \
             JOIN (SELECT id, created_at_ms FROM orders WHERE status = $1 ORDER BY created_at_ms, id LIMIT $2) o \
               ON e.order_id = o.id \
             ORDER BY o.created_at_ms, o.id, e.version"
        ))
        .bind(status.name())
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| self.error(e))?;
        let mut listed = Listed::default();
        // Rows come grouped by order; each group replays alone, so one
        // unreadable order is listed apart and the rest still come back.
        let mut run: Vec<OrderEvent> = Vec::new();
        let mut broken: Option<(OrderId, String)> = None;
        let mut current: Option<OrderId> = None;
        for row in &rows {
            let order_id = row
                .try_get::<i64, _>("order_id")
                .map_err(|e| StorageError::Corrupt(e.to_string()))
                .and_then(|v| to_u64(v, "order id"))
                .map(OrderId::new)?;
            if current.is_some_and(|c| c != order_id) {
                finish_run(&mut listed, &mut run, broken.take(), current);
            }
            current = Some(order_id);
            match event_of(row) {
                Ok((_, event)) => run.push(event),
                Err(e) => {
                    broken.get_or_insert((order_id, e.to_string()));
                }
            }
        }
        finish_run(&mut listed, &mut run, broken.take(), current);
        Ok(listed)
    }

    async fn read_outbox(&self, limit: usize) -> Result<Vec<OutboxEntry>, StorageError> {
        let rows = sqlx::query(&format!(
            "SELECT {EVENT_COLUMNS} FROM order_events WHERE NOT published ORDER BY event_id LIMIT $1"
        ))
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| event_of(r).map(|(event_id, event)| OutboxEntry { event_id, event }))
            .collect()
    }

    async fn mark_published(&self, ids: &[EventId]) -> Result<(), StorageError> {
        let ids: Vec<i64> = ids.iter().map(|id| to_i64(id.0)).collect();
        sqlx::query("UPDATE order_events SET published = TRUE WHERE event_id = ANY($1)")
            .bind(&ids)
            .execute(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    async fn audit_trail(&self, id: OrderId) -> Result<Vec<AuditEntry>, StorageError> {
        let rows = sqlx::query("SELECT version, at_ms, actor_kind, actor_id, action FROM audit_log WHERE order_id = $1 ORDER BY version, id")
            .bind(to_i64(id.get()))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter()
            .map(|r| {
                let corrupt = |e: sqlx::Error| StorageError::Corrupt(e.to_string());
                let version = to_u64(r.try_get("version").map_err(corrupt)?, "version")?;
                let at = Timestamp::from_millis(r.try_get("at_ms").map_err(corrupt)?);
                let kind: String = r.try_get("actor_kind").map_err(corrupt)?;
                let actor_id: Option<i64> = r.try_get("actor_id").map_err(corrupt)?;
                let actor = codec::actor_from(&kind, actor_id.map(|v| to_u64(v, "actor id")).transpose()?)?;
                let action: String = r.try_get("action").map_err(corrupt)?;
                let action = codec::event_name(&action)?;
                Ok(AuditEntry {
                    order_id: id,
                    version,
                    at,
                    actor,
                    action,
                })
            })
            .collect()
    }
}

/// Adds one order's rows to `listed`: replayed, or set apart with why.
fn finish_run(
    listed: &mut Listed,
    run: &mut Vec<OrderEvent>,
    broken: Option<(OrderId, String)>,
    current: Option<OrderId>,
) {
    let Some(order) = current else { return };
    match broken.map_or_else(|| replayed(run).map_err(|e| e.to_string()), |(_, why)| Err(why)) {
        Ok(replayed) => listed.orders.push(replayed),
        Err(reason) => listed.unreadable.push(Unreadable { order, reason }),
    }
    run.clear();
}

fn replayed(events: &[OrderEvent]) -> Result<Order, StorageError> {
    Order::replay(events).ok_or_else(|| {
        StorageError::Corrupt(format!(
            "{}: its events do not replay into an order",
            events.first().map_or(OrderId::new(0), |e| e.order_id)
        ))
    })
}
