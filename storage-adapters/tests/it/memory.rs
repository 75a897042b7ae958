//! The conformance suite against the in-memory adapter, bare and behind a
//! fault wrapper that injects nothing.

use courier_core::{Duration, Timestamp};
use courier_storage::faults::{FaultClock, FaultPlan, FaultyStore};
use courier_storage::memory::MemoryStore;

use crate::block_on;
use crate::conformance::*;

struct Still;

impl FaultClock for Still {
    fn now(&self) -> Timestamp {
        Timestamp::EPOCH
    }
    async fn wait(&self, _: Duration) {}
}

macro_rules! conformance {
    ($($name:ident: $check:path;)*) => {
        mod bare {
            use super::*;
            $(#[test] fn $name() { block_on($check(&MemoryStore::default(), 1_000)); })*
        }
        mod behind_a_quiet_fault_wrapper {
            use super::*;
            $(#[test] fn $name() {
                let store = FaultyStore::new(MemoryStore::default(), Still, FaultPlan::default(), 1);
                block_on($check(&store, 1_000));
                assert_eq!(store.stats().errors + store.stats().outage + store.stats().timeouts, 0);
            })*
        }
    };
}

conformance! {
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
    locations_nearby: locations::nearby_equals_brute_force;
    locations_nearby_dense: locations::nearby_in_a_dense_city_equals_brute_force;
    locations_newer_wins: locations::newer_fixes_win;
    locations_expiry: locations::silent_couriers_expire;
    locations_batches: locations::batches_apply_fix_by_fix;
    locations_on_shift: locations::fresh_fixes_list_who_is_on_shift;
    idempotency_first_wins: idempotency::first_value_wins;
    idempotency_expiry: idempotency::records_expire;
    rate_limit_edges: rate_limits::window_edges;
    catalog_invalidation: catalog::writes_invalidate_the_cache;
    catalog_nearby: catalog::restaurants_near_are_sorted;
    catalog_stock_atomic: catalog::stock_changes_are_checked_and_atomic;
    catalog_stock_race: catalog::racing_buyers_never_oversell;
    ratings_once_each: ratings::one_rating_per_order_rater_and_subject;
}

/// The caller's clock, moved by hand.
struct Manual(std::cell::Cell<Timestamp>);

impl leases::Waits for Manual {
    fn now(&self) -> Timestamp {
        self.0.get()
    }
    async fn wait(&self, d: Duration) {
        self.0.set(self.0.get().plus(d));
    }
}

#[test]
fn leases_take_over_and_fence() {
    let time = Manual(std::cell::Cell::new(Timestamp::from_millis(1_000_000)));
    block_on(leases::take_over_and_fencing(&MemoryStore::default(), 1_000, &time));
}
