-- The change feed: each event remembers the transaction that wrote it, so
-- a reader can take events in transaction order and stop below the oldest
-- transaction still running (pg_snapshot_xmin), past which nothing new can
-- appear. Reading by event id alone would skip an event whose transaction
-- commits after a later id's.
ALTER TABLE order_events ADD COLUMN tx xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX order_events_by_tx ON order_events (tx, event_id);
