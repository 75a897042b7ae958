//! `ChangeFeed` on PostgreSQL: events in the order of the transactions
//! that wrote them, read only below the oldest transaction still running,
//! so an event committed late is never skipped by a reader that went past
//! its id. The cursor is (transaction, event id).
//!
//! A transaction left open anywhere on the server (an idle session in a
//! transaction, a long report) holds the feed back until it ends: readers
//! see nothing newer meanwhile, and miss nothing.

use courier_core::OrderId;
use courier_core::ports::{ChangeFeed, FeedCursor, OrderChange, StorageError};

use super::{PgStore, to_i64, to_u64};

/// Events after the cursor and below the oldest running transaction.
const CHANGES_SQL: &str = "SELECT tx::text, event_id, order_id, version FROM order_events \
     WHERE (tx, event_id) > ($1::text::xid8, $2) AND tx < pg_snapshot_xmin(pg_current_snapshot()) \
     ORDER BY tx, event_id LIMIT $3";

fn xid(text: &str) -> Result<u64, StorageError> {
    text.parse()
        .map_err(|_| StorageError::Corrupt(format!("transaction id {text:?}")))
}

impl ChangeFeed for PgStore {
    async fn feed_head(&self) -> Result<FeedCursor, StorageError> {
        let xmin: String = sqlx::query_scalar("SELECT pg_snapshot_xmin(pg_current_snapshot())::text")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        // Everything written by transactions below xmin is committed and
        // behind the head; xmin's own events and later are ahead of it.
        Ok(FeedCursor {
            major: xid(&xmin)?.saturating_sub(1),
            minor: u64::MAX,
        })
    }

    async fn changes_after(
        &self,
        cursor: FeedCursor,
        limit: usize,
    ) -> Result<(Vec<OrderChange>, FeedCursor), StorageError> {
        let rows: Vec<(String, i64, i64, i64)> = sqlx::query_as(CHANGES_SQL)
            .bind(cursor.major.to_string())
            .bind(to_i64(cursor.minor))
            .bind(i64::try_from(limit).unwrap_or(i64::MAX))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        let mut next = cursor;
        let mut changes = Vec::with_capacity(rows.len());
        for (tx, event_id, order, version) in rows {
            next = FeedCursor {
                major: xid(&tx)?,
                minor: to_u64(event_id, "event id")?,
            };
            changes.push(OrderChange {
                order: OrderId::new(to_u64(order, "order id")?),
                version: to_u64(version, "version")?,
            });
        }
        Ok((changes, next))
    }
}
