//! The conformance suite against PostgreSQL, each test in a schema of its
//! own (dropped afterwards), so parallel runs never collide.
//!
//! `DATABASE_URL` picks the server (default: the local test database). A test
//! that cannot reach it fails, naming the URL it tried.

use std::sync::atomic::{AtomicU32, Ordering};

use courier_storage::postgres::{PgConfig, PgStore};

use crate::conformance::*;

fn url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

/// A store in a fresh schema named after this process and a counter.
pub(crate) async fn fresh_store() -> PgStore {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let schema = format!(
        "courier_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let config = PgConfig {
        schema: Some(schema),
        ..PgConfig::new(url())
    };
    match PgStore::connect(config).await {
        Ok(store) => store,
        Err(e) => panic!(
            "PostgreSQL is required for this test and {} could not be used: {e}",
            url()
        ),
    }
}

macro_rules! on_postgres {
    ($($name:ident: $check:path;)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() {
                let store = fresh_store().await;
                $check(&store, 1_000).await;
                store.drop_schema().await.unwrap();
            }
        )*
    };
}

on_postgres! {
    orders_concurrent_duplicates: orders::concurrent_duplicates_create_one_order;
    orders_cas_one_winner: orders::cas_has_one_winner_per_version;
    orders_outbox_loses_nothing: orders::outbox_loses_nothing;
    orders_list_by_status: orders::list_by_status_is_ordered;
    orders_every_event_round_trips: orders::every_event_kind_round_trips;
    orders_taken_id_conflicts: orders::a_taken_order_id_is_a_conflict;
    couriers_racing_for_the_last_slots: couriers::racing_writers_split_the_last_slots;
    couriers_one_open_offer: couriers::one_open_offer_per_courier;
    couriers_every_way_out: couriers::every_way_out_frees_the_slot;
    feed_changes_once_in_order: feed::changes_come_once_in_order;
    idempotency_first_wins: idempotency::first_value_wins;
    idempotency_expiry: idempotency::records_expire;
    catalog_invalidation: catalog::writes_invalidate_the_cache;
    catalog_nearby: catalog::restaurants_near_are_sorted;
    catalog_stock_atomic: catalog::stock_changes_are_checked_and_atomic;
    catalog_stock_race: catalog::racing_buyers_never_oversell;
    ratings_once_each: ratings::one_rating_per_order_rater_and_subject;
}

/// Real time: PostgreSQL keeps leases on its own clock.
struct Real;

impl leases::Waits for Real {
    fn now(&self) -> courier_core::Timestamp {
        courier_core::Timestamp::EPOCH
    }
    async fn wait(&self, d: courier_core::Duration) {
        tokio::time::sleep(std::time::Duration::from_millis(d.as_millis())).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leases_take_over_and_fence() {
    let store = fresh_store().await;
    leases::take_over_and_fencing(&store, 1_000, &Real).await;
    store.drop_schema().await.unwrap();
}

/// A transaction still running holds the feed back: a change committed
/// after it started is not read until it ends, so a reader that moved past
/// it could never skip what it writes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_feed_waits_for_transactions_still_running() {
    use courier_core::ports::ChangeFeed;
    let store = fresh_store().await;
    let head = store.feed_head().await.unwrap();
    let mut open = store.pool().begin().await.unwrap();
    sqlx::query("SELECT pg_current_xact_id()")
        .execute(&mut *open)
        .await
        .unwrap();
    feed::place_and_pay(&store, 7_000).await;
    let (held, cursor) = store.changes_after(head, 100).await.unwrap();
    assert!(held.is_empty(), "read past a transaction still running: {held:?}");
    open.commit().await.unwrap();
    let (seen, _) = store.changes_after(cursor, 100).await.unwrap();
    assert_eq!(seen.len(), 2, "{seen:?}");
    store.drop_schema().await.unwrap();
}

#[tokio::test]
async fn an_unreachable_server_is_a_clear_error() {
    let config = PgConfig {
        acquire_timeout: courier_core::Duration::from_millis(500),
        ..PgConfig::new("postgres://postgres@127.0.0.1:1/test")
    };
    let err = PgStore::connect(config).await.unwrap_err().to_string();
    assert!(err.contains("127.0.0.1:1"), "{err}");
}

#[tokio::test]
async fn a_bad_schema_name_is_refused() {
    let config = PgConfig {
        schema: Some("x; DROP TABLE orders".into()),
        ..PgConfig::new(url())
    };
    assert!(PgStore::connect(config).await.is_err());
}
