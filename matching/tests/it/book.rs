//! The dispatch book's invariants under random event sequences.

use std::collections::BTreeSet;

use courier_core::{CourierId, OrderId, Timestamp};
use courier_matching::{DispatchBook, DispatchError, DispatchNote, ReturnReason};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Event {
    Open(u64),
    Assign(u64, u64),
    PickUp(u64, u64),
    Drop(u64, u64),
    Offline(u64),
    Close(u64),
}

fn event() -> impl Strategy<Value = Event> {
    let o = 0u64..12;
    let c = 0u64..4;
    prop_oneof![
        o.clone().prop_map(Event::Open),
        (o.clone(), c.clone()).prop_map(|(o, c)| Event::Assign(o, c)),
        (o.clone(), c.clone()).prop_map(|(o, c)| Event::PickUp(o, c)),
        (o.clone(), c.clone()).prop_map(|(o, c)| Event::Drop(o, c)),
        c.prop_map(Event::Offline),
        o.prop_map(Event::Close),
    ]
}

proptest! {
    #![proptest_config(crate::cases(1_000))]

    /// Whatever happens, in whatever order: no courier over the limit, no
    /// order held twice, and every opened order is either open (pooled or
    /// held) or closed: none lost.
    #[test]
    fn invariants_hold_across_random_events(events in prop::collection::vec(event(), 0..120), limit in 1usize..4) {
        let mut book = DispatchBook::new(limit);
        let mut opened = BTreeSet::new();
        let mut closed = BTreeSet::new();
        for (t, e) in events.into_iter().enumerate() {
            let at = Timestamp::from_millis(t as i64);
            match e {
                Event::Open(o) => {
                    if !closed.contains(&o) {
                        book.open(OrderId::new(o));
                        opened.insert(o);
                    }
                }
                Event::Assign(o, c) => {
                    let before = book.load(CourierId::new(c));
                    match book.assign(OrderId::new(o), CourierId::new(c), at) {
                        Ok(()) => prop_assert_eq!(book.load(CourierId::new(c)), before + 1),
                        Err(DispatchError::CourierFull { .. }) => prop_assert_eq!(before, limit),
                        Err(_) => prop_assert_eq!(book.load(CourierId::new(c)), before),
                    }
                }
                Event::PickUp(o, c) => { let _ = book.picked_up(OrderId::new(o), CourierId::new(c), at); }
                Event::Drop(o, c) => {
                    if book.drop_order(OrderId::new(o), CourierId::new(c), at).is_ok() {
                        prop_assert_eq!(book.courier_of(OrderId::new(o)), None);
                        prop_assert!(matches!(book.history(OrderId::new(o)).last(), Some(DispatchNote::Returned(_, ReturnReason::Dropped, _))));
                    }
                }
                Event::Offline(c) => {
                    for o in book.courier_offline(CourierId::new(c), at) {
                        prop_assert_eq!(book.courier_of(o), None);
                    }
                }
                Event::Close(o) => {
                    if opened.contains(&o) {
                        book.close(OrderId::new(o));
                        closed.insert(o);
                        opened.remove(&o);
                    }
                }
            }
            prop_assert_eq!(book.check(), Ok(()));
        }
        // None lost: each open order is pooled or held by exactly one courier.
        let pooled: BTreeSet<u64> = book.pool().map(|o| o.get()).collect();
        for o in &opened {
            let held = book.courier_of(OrderId::new(*o)).is_some();
            prop_assert!(pooled.contains(o) != held, "order {} is neither pooled nor held, or both", o);
        }
        for c in 0..4 {
            prop_assert!(book.load(CourierId::new(c)) <= limit);
        }
    }
}

#[test]
fn orders_on_the_bike_stay_when_the_courier_goes_offline() {
    let mut book = DispatchBook::new(3);
    let c = CourierId::new(1);
    let t = Timestamp::EPOCH;
    for o in 1..=3 {
        book.open(OrderId::new(o));
        book.assign(OrderId::new(o), c, t).unwrap();
    }
    book.picked_up(OrderId::new(2), c, t).unwrap();
    assert_eq!(book.courier_offline(c, t), vec![OrderId::new(1), OrderId::new(3)]);
    assert_eq!(book.orders_of(c), vec![OrderId::new(2)]);
    assert_eq!(
        book.drop_order(OrderId::new(2), c, t),
        Err(DispatchError::NotHolder {
            order: OrderId::new(2),
            courier: c
        })
    );
    assert_eq!(
        book.history(OrderId::new(1)),
        &[
            DispatchNote::Assigned(c, t),
            DispatchNote::Returned(c, ReturnReason::CourierOffline, t)
        ]
    );
    assert_eq!(
        book.assign(OrderId::new(2), CourierId::new(5), t),
        Err(DispatchError::AlreadyAssigned {
            order: OrderId::new(2),
            courier: c
        })
    );
    assert_eq!(book.close(OrderId::new(2)), Some(c));
    assert_eq!(book.load(c), 0);
}
