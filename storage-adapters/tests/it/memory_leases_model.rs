//! The memory store's leases against a model: random holders asking,
//! renewing, giving up and writing under the tokens they were granted, with
//! time moving on. At every step at most one holder's grant is live, a new
//! holder always gets a higher token, and a write carries through exactly
//! when its token is the lease's current one.

use std::collections::BTreeMap;

use proptest::prelude::*;

use courier_core::order::*;
use courier_core::ports::{Fence, Lease, LeaseStore, OrderStore, StorageError, Transition};
use courier_core::*;
use courier_storage::memory::MemoryStore;

use crate::block_on;
use crate::conformance::orders::placed;

const NAME: &str = "model.lease";
const TTL: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
enum Op {
    /// Holder asks for (or renews) the lease after `wait_ms` have passed.
    Acquire { holder: u8, wait_ms: u32 },
    /// Holder gives up what it was last granted.
    Release { holder: u8 },
    /// Holder writes under what it was last granted.
    Write { holder: u8 },
}

fn ops() -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        4 => (0u8..3, 0u32..15_000).prop_map(|(holder, wait_ms)| Op::Acquire { holder, wait_ms }),
        1 => (0u8..3).prop_map(|holder| Op::Release { holder }),
        3 => (0u8..3).prop_map(|holder| Op::Write { holder }),
    ];
    prop::collection::vec(op, 1..60)
}

/// The lease as the model keeps it: holder, token, expiry.
#[derive(Debug, Default)]
struct Model {
    current: Option<(u8, u64, Timestamp)>,
    /// What each holder was last granted.
    granted: BTreeMap<u8, Lease>,
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]

    #[test]
    fn leases_follow_the_model(ops in ops()) {
        let store = MemoryStore::default();
        let mut now = Timestamp::from_millis(1_000_000);
        let mut model = Model::default();
        let mut writes = 0u64;
        for op in ops {
            match op {
                Op::Acquire { holder, wait_ms } => {
                    now = now.plus(Duration::from_millis(u64::from(wait_ms)));
                    let got = block_on(store.acquire_lease(NAME, &holder.to_string(), now, TTL)).unwrap();
                    let expected = match model.current {
                        None => Some(1),
                        Some((h, token, _)) if h == holder => Some(token),
                        Some((_, token, until)) if until <= now => Some(token + 1),
                        Some(_) => None,
                    };
                    prop_assert_eq!(got.as_ref().map(|l| l.token), expected, "{:?} at {:?}", model.current, now);
                    if let Some(lease) = got {
                        prop_assert_eq!(lease.expires_at, now.plus(TTL));
                        model.current = Some((holder, lease.token, lease.expires_at));
                        model.granted.insert(holder, lease);
                    }
                }
                Op::Release { holder } => {
                    let Some(lease) = model.granted.get(&holder) else { continue };
                    let released = block_on(store.release_lease(lease)).unwrap();
                    let holds = model.current.is_some_and(|(h, t, _)| h == holder && t == lease.token);
                    prop_assert_eq!(released, holds);
                    if holds {
                        model.current = Some((holder, lease.token, Timestamp::EPOCH));
                    }
                }
                Op::Write { holder } => {
                    let Some(lease) = model.granted.get(&holder) else { continue };
                    writes += 1;
                    let fence = lease.fence();
                    let saved = write_once(&store, writes, now, fence);
                    let current = model.current.is_some_and(|(_, t, _)| t == lease.token);
                    if current {
                        prop_assert_eq!(saved, Ok(()));
                    } else {
                        prop_assert_eq!(saved, Err(StorageError::Fenced { lease: NAME.to_owned(), token: lease.token }));
                        let stored = block_on(store.load_order(OrderId::new(writes))).unwrap().unwrap();
                        prop_assert_eq!(stored.version(), 1, "a fenced write wrote");
                    }
                }
            }
        }
    }
}

/// Places order `id` and authorizes its payment under `fence`.
fn write_once(store: &MemoryStore, id: u64, now: Timestamp, fence: Fence<'_>) -> Result<(), StorageError> {
    let (order, created) = placed(id, &format!("model-{id}"), now);
    block_on(store.create_order(&order, &created)).unwrap();
    let mut after = order.clone();
    let event = after
        .execute(&Command {
            actor: Actor::System,
            at: now,
            expected_version: 1,
            action: OrderAction::AuthorizePayment,
        })
        .unwrap();
    let transition = Transition {
        fence: Some(fence),
        ..Transition::between(&order, &after, std::slice::from_ref(&event), 2)
    };
    block_on(store.save_transition(&transition))
}
