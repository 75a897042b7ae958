//! The in-memory order store: idempotent placement, CAS, outbox, audit.

use courier_core::order::*;
use courier_core::ports::{CreateOutcome, OrderStore, StorageError};
use courier_core::*;
use courier_storage::memory::MemoryOrderStore;

use crate::block_on;
use crate::conformance::orders::{placed, plain};

const CUSTOMER: CustomerId = CustomerId::new(1);

#[test]
fn a_replayed_placement_returns_the_first_order_and_writes_nothing() {
    let store = MemoryOrderStore::default();
    let (first, created) = placed(1, "k-1", Timestamp::EPOCH);
    assert!(matches!(
        block_on(store.create_order(&first, &created)),
        Ok(CreateOutcome::Created(_))
    ));
    let (retry, retry_created) = placed(2, "k-1", Timestamp::from_millis(5_000));
    let outcome = block_on(store.create_order(&retry, &retry_created)).unwrap();
    assert_eq!(outcome, CreateOutcome::Existing(first.clone()));
    assert_eq!(block_on(store.load_order(OrderId::new(2))).unwrap(), None);
    assert_eq!(block_on(store.read_outbox(10)).unwrap().len(), 1);
    let key = IdempotencyKey::parse("k-1").unwrap();
    assert_eq!(
        block_on(store.find_by_idempotency_key(CUSTOMER, &key)).unwrap(),
        Some(first)
    );
}

#[test]
fn a_key_is_forgotten_after_the_window() {
    let store = MemoryOrderStore::new(Duration::from_hours(24));
    let (first, created) = placed(1, "k-1", Timestamp::EPOCH);
    block_on(store.create_order(&first, &created)).unwrap();
    let day_later = Timestamp::EPOCH.plus(Duration::from_hours(24));
    let (again, again_created) = placed(2, "k-1", day_later);
    assert!(matches!(
        block_on(store.create_order(&again, &again_created)),
        Ok(CreateOutcome::Created(_))
    ));
}

#[test]
fn concurrent_duplicate_placements_create_exactly_one_order() {
    let store = MemoryOrderStore::default();
    let created: Vec<bool> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let store = &store;
                s.spawn(move || {
                    let (o, e) = placed(100 + i, "same-key", Timestamp::from_millis(i as i64));
                    matches!(block_on(store.create_order(&o, &e)), Ok(CreateOutcome::Created(_)))
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(created.iter().filter(|&&c| c).count(), 1);
    assert_eq!(block_on(store.read_outbox(100)).unwrap().len(), 1);
}

#[test]
fn compare_and_set_has_one_winner_per_version_and_losers_write_nothing() {
    let store = MemoryOrderStore::default();
    let (order, created) = placed(1, "k-1", Timestamp::EPOCH);
    block_on(store.create_order(&order, &created)).unwrap();
    let pay = |o: &Order| Command {
        actor: Actor::System,
        at: Timestamp::from_millis(1_000),
        expected_version: o.version(),
        action: OrderAction::AuthorizePayment,
    };
    let mut a = block_on(store.load_order(OrderId::new(1))).unwrap().unwrap();
    let mut b = a.clone();
    let ea = a.execute(&pay(&a)).unwrap();
    let eb = b.execute(&pay(&b)).unwrap();
    block_on(store.save_transition(&plain(&a, 1, &[ea]))).unwrap();
    let lost = block_on(store.save_transition(&plain(&b, 1, &[eb])));
    assert_eq!(
        lost,
        Err(StorageError::VersionConflict {
            order: OrderId::new(1),
            expected: 1,
            actual: 2
        })
    );
    assert_eq!(
        block_on(store.read_outbox(10)).unwrap().len(),
        2,
        "created + the winner's event only"
    );
    let trail: Vec<_> = block_on(store.audit_trail(OrderId::new(1)))
        .unwrap()
        .iter()
        .map(|e| (e.version, e.actor, e.action))
        .collect();
    assert_eq!(
        trail,
        vec![
            (1, Actor::Customer(CUSTOMER), "created"),
            (2, Actor::System, "payment_authorized")
        ]
    );
    let placed_now = block_on(store.list_by_status(StatusKind::Placed, 10)).unwrap().orders;
    assert_eq!(placed_now.len(), 1);
}

#[test]
fn published_events_leave_the_outbox() {
    let store = MemoryOrderStore::default();
    for i in 1..=3 {
        let (o, e) = placed(i, &format!("k-{i}"), Timestamp::from_millis(i as i64));
        block_on(store.create_order(&o, &e)).unwrap();
    }
    let pending = block_on(store.read_outbox(2)).unwrap();
    assert_eq!(
        pending.iter().map(|p| p.event.order_id.get()).collect::<Vec<_>>(),
        vec![1, 2]
    );
    block_on(store.mark_published(&[pending[0].event_id])).unwrap();
    let rest: Vec<_> = block_on(store.read_outbox(10))
        .unwrap()
        .iter()
        .map(|p| p.event.order_id.get())
        .collect();
    assert_eq!(rest, vec![2, 3]);
}
