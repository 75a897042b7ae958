//! Property: the memory store's batched upsert leaves exactly what the same
//! fixes leave one by one, and counts the fixes that single upserts would apply.

use std::collections::BTreeMap;

use courier_core::ports::{CourierLocation, LocationStore};
use courier_core::{CourierId, GeoPoint, Timestamp};
use courier_storage::memory::MemoryLocationStore;
use proptest::prelude::*;

use crate::block_on;

/// Few couriers and few distinct times, so late and equal-time fixes are common.
fn fixes() -> impl Strategy<Value = Vec<CourierLocation>> {
    let fix = (0..6u64, 0..8i64, -500.0..500.0f64, -500.0..500.0f64).prop_map(|(id, at, east, north)| {
        let centre = GeoPoint::new(52.37, 4.90).unwrap();
        CourierLocation {
            courier: CourierId::new(id),
            point: centre.offset_m(east, north).unwrap(),
            at: Timestamp::from_millis(at),
        }
    });
    proptest::collection::vec(fix, 0..40)
}

/// The model of the newer-fix rule: applies `f` to the report times held
/// unless a later one is held; true if applied.
fn model_applies(newest: &mut BTreeMap<CourierId, Timestamp>, f: &CourierLocation) -> bool {
    let held = newest.entry(f.courier).or_insert(f.at);
    let applies = *held <= f.at;
    if applies {
        *held = f.at;
    }
    applies
}

proptest! {
    #[test]
    fn a_batch_equals_its_fixes_one_by_one(before in fixes(), batch in fixes()) {
        let (batched, single) = (MemoryLocationStore::default(), MemoryLocationStore::default());
        block_on(batched.upsert_locations(&before)).unwrap();
        let mut newest = BTreeMap::new();
        for f in &before {
            block_on(single.upsert_location(*f)).unwrap();
            model_applies(&mut newest, f);
        }
        let applied = block_on(batched.upsert_locations(&batch)).unwrap();
        let mut expected = 0;
        for f in &batch {
            block_on(single.upsert_location(*f)).unwrap();
            expected += u64::from(model_applies(&mut newest, f));
        }
        prop_assert_eq!(applied, expected);
        for id in 0..6 {
            let id = CourierId::new(id);
            prop_assert_eq!(block_on(batched.location(id)).unwrap(), block_on(single.location(id)).unwrap());
        }
        let centre = GeoPoint::new(52.37, 4.90).unwrap();
        prop_assert_eq!(
            block_on(batched.nearby(centre, 1_000.0, 10)).unwrap(),
            block_on(single.nearby(centre, 1_000.0, 10)).unwrap()
        );
    }
}
