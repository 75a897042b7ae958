//! The in-memory order store against a plain model, over random sequences of
//! placements (with repeated keys and ids), transitions (current and stale),
//! outbox reads and out-of-order publishing: no order is lost or doubled, every
//! accepted event reaches the outbox exactly once, and audit trails are whole.

use std::collections::BTreeMap;

use proptest::prelude::*;

use courier_core::order::*;
use courier_core::ports::{CreateOutcome, EventId, OrderStore, StorageError, Transition};
use courier_core::*;
use courier_storage::memory::MemoryOrderStore;

use crate::block_on;
use crate::conformance::orders::placed_by;

const TTL: Duration = Duration::from_mins(10);

/// The two system steps every order may take, in order.
const STEPS: [OrderAction; 2] = [
    OrderAction::AuthorizePayment,
    OrderAction::Cancel {
        reason: CancelReason::PlatformFailure,
    },
];

#[derive(Debug, Clone)]
enum Op {
    Place {
        id: u64,
        customer: u64,
        key: u8,
        after_min: u8,
    },
    Step {
        id: u64,
        stale: bool,
    },
    Publish {
        limit: usize,
        every: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (0..12u64, 0..3u64, 0..4u8, 0..6u8).prop_map(|(id, customer, key, after_min)| Op::Place { id, customer, key, after_min }),
        3 => (0..12u64, proptest::bool::weighted(0.3)).prop_map(|(id, stale)| Op::Step { id, stale }),
        1 => (1..6usize, 1..3usize).prop_map(|(limit, every)| Op::Publish { limit, every }),
    ]
}

fn placed(id: u64, customer: u64, key: u8, at: Timestamp) -> (Order, OrderEvent) {
    placed_by(CustomerId::new(customer), id, &format!("key-{key}"), at)
}

#[derive(Default)]
struct Model {
    /// Order id -> version.
    versions: BTreeMap<u64, u64>,
    /// (customer, key) -> (order id, placed at).
    keys: BTreeMap<(u64, u8), (u64, Timestamp)>,
    /// Unpublished events as (event id, order id, version), oldest first.
    outbox: Vec<(u64, u64, u64)>,
    next_event: u64,
}

impl Model {
    fn record(&mut self, id: u64, version: u64) {
        self.next_event += 1;
        self.outbox.push((self.next_event, id, version));
        self.versions.insert(id, version);
    }
}

fn run(ops: &[Op]) -> Result<(), TestCaseError> {
    let store = MemoryOrderStore::new(TTL);
    let mut model = Model::default();
    let mut now = Timestamp::EPOCH;
    for op in ops {
        match *op {
            Op::Place {
                id,
                customer,
                key,
                after_min,
            } => {
                now = now.plus(Duration::from_mins(u64::from(after_min)));
                let (order, created) = placed(id, customer, key, now);
                let outcome = block_on(store.create_order(&order, &created));
                match model.keys.get(&(customer, key)) {
                    Some(&(first, at)) if now.since(at) < TTL => {
                        let Ok(CreateOutcome::Existing(existing)) = outcome else {
                            return Err(TestCaseError::fail(format!("replay of a fresh key: {outcome:?}")));
                        };
                        prop_assert_eq!(existing.id().get(), first);
                        prop_assert_eq!(existing.version(), model.versions[&first]);
                    }
                    _ if model.versions.contains_key(&id) => {
                        let conflict = matches!(outcome, Err(StorageError::VersionConflict { expected: 0, .. }));
                        prop_assert!(conflict, "a taken id must conflict: {:?}", outcome);
                    }
                    _ => {
                        prop_assert_eq!(outcome, Ok(CreateOutcome::Created(order)));
                        model.keys.insert((customer, key), (id, now));
                        model.record(id, 1);
                    }
                }
            }
            Op::Step { id, stale } => {
                let Some(mut order) = block_on(store.load_order(OrderId::new(id))).unwrap() else {
                    prop_assert!(!model.versions.contains_key(&id));
                    continue;
                };
                let version = order.version();
                prop_assert_eq!(Some(&version), model.versions.get(&id));
                let Some(&action) = STEPS.get((version - 1) as usize) else {
                    continue;
                };
                let cmd = Command {
                    actor: Actor::System,
                    at: now,
                    expected_version: version,
                    action,
                };
                let before = order.assignment();
                let event = order.execute(&cmd).unwrap();
                let expected = if stale { version - 1 } else { version };
                let transition = Transition {
                    order: &order,
                    expected_version: expected,
                    assignment_before: before,
                    events: std::slice::from_ref(&event),
                    batch_limit: 2,
                    fence: None,
                };
                let saved = block_on(store.save_transition(&transition));
                if stale {
                    let conflict =
                        matches!(saved, Err(StorageError::VersionConflict { actual, .. }) if actual == version);
                    prop_assert!(conflict, "a stale write must lose: {:?}", saved);
                } else {
                    prop_assert_eq!(saved, Ok(()));
                    model.record(id, version + 1);
                }
            }
            Op::Publish { limit, every } => {
                let read = block_on(store.read_outbox(limit)).unwrap();
                let seen: Vec<(u64, u64, u64)> = read
                    .iter()
                    .map(|e| (e.event_id.0, e.event.order_id.get(), e.event.version))
                    .collect();
                let expected: Vec<_> = model.outbox.iter().copied().take(limit).collect();
                prop_assert_eq!(&seen, &expected);
                // Publish every `every`-th one: later events go before older ones.
                let chosen: Vec<EventId> = read.iter().step_by(every).map(|e| e.event_id).collect();
                block_on(store.mark_published(&chosen)).unwrap();
                model.outbox.retain(|(event, ..)| !chosen.contains(&EventId(*event)));
            }
        }
    }
    let everything: Vec<(u64, u64, u64)> = block_on(store.read_outbox(usize::MAX))
        .unwrap()
        .iter()
        .map(|e| (e.event_id.0, e.event.order_id.get(), e.event.version))
        .collect();
    prop_assert_eq!(everything, model.outbox.clone());
    for (&id, &version) in &model.versions {
        let order = block_on(store.load_order(OrderId::new(id))).unwrap();
        prop_assert_eq!(order.map(|o| o.version()), Some(version));
        let trail: Vec<u64> = block_on(store.audit_trail(OrderId::new(id)))
            .unwrap()
            .iter()
            .map(|a| a.version)
            .collect();
        prop_assert_eq!(trail, (1..=version).collect::<Vec<_>>());
    }
    for (&(customer, key), &(id, _)) in &model.keys {
        let key = IdempotencyKey::parse(&format!("key-{key}")).unwrap();
        let found = block_on(store.find_by_idempotency_key(CustomerId::new(customer), &key)).unwrap();
        prop_assert_eq!(found.map(|o| o.id().get()), Some(id));
    }
    Ok(())
}

proptest! {
    #[test]
    fn the_memory_order_store_behaves_like_its_model(ops in proptest::collection::vec(op(), 1..60)) {
        run(&ops)?;
    }
}
