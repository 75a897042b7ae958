//! Leases: one holder at a time, take-over once the holder stops renewing,
//! a new token with every change of hands, and fencing: a write under a
//! token the lease has moved on from is refused and writes nothing.

use courier_core::order::*;
use courier_core::ports::{LeaseStore, OrderStore, StorageError, Transition};
use courier_core::*;

use super::orders::placed;

/// Time as a test sees it: the memory store takes the caller's clock, a
/// shared store its own, so a test waits through whichever it has.
pub(crate) trait Waits {
    /// The caller's clock now.
    fn now(&self) -> Timestamp;
    /// Lets `d` pass.
    fn wait(&self, d: Duration) -> impl Future<Output = ()>;
}

const TTL: Duration = Duration::from_millis(400);

/// A paid order's payment authorized under `fence` of `lease` (or none).
async fn write_under(
    store: &impl OrderStore,
    order: &Order,
    at: Timestamp,
    fence: Option<courier_core::ports::Fence<'_>>,
) -> Result<(), StorageError> {
    let mut after = order.clone();
    let event = after
        .execute(&Command {
            actor: Actor::System,
            at,
            expected_version: order.version(),
            action: OrderAction::AuthorizePayment,
        })
        .unwrap();
    let transition = Transition {
        fence,
        ..Transition::between(order, &after, std::slice::from_ref(&event), 2)
    };
    store.save_transition(&transition).await
}

pub(crate) async fn take_over_and_fencing<S: OrderStore + LeaseStore>(store: &S, base: u64, time: &impl Waits) {
    let name = format!("conformance.lease.{base}");
    let a = store.acquire_lease(&name, "a", time.now(), TTL).await.unwrap().unwrap();
    assert_eq!(a.holder, "a");
    assert!(
        store
            .acquire_lease(&name, "b", time.now(), TTL)
            .await
            .unwrap()
            .is_none(),
        "held by a"
    );
    let renewed = store.acquire_lease(&name, "a", time.now(), TTL).await.unwrap().unwrap();
    assert_eq!(renewed.token, a.token, "a renewal keeps the token");
    // a stops renewing; once the lease lapses b takes it, with a new token.
    time.wait(Duration::from_millis(600)).await;
    let b = store.acquire_lease(&name, "b", time.now(), TTL).await.unwrap().unwrap();
    assert_eq!((b.holder.as_str(), b.token), ("b", a.token + 1));
    assert!(
        store
            .acquire_lease(&name, "a", time.now(), TTL)
            .await
            .unwrap()
            .is_none(),
        "held by b"
    );

    // a wakes up and writes as if it still held the lease: refused, nothing written.
    let (order, created) = placed(base, &format!("lease-{base}"), time.now());
    store.create_order(&order, &created).await.unwrap();
    let stale = write_under(store, &order, time.now(), Some(a.fence())).await;
    assert_eq!(
        stale,
        Err(StorageError::Fenced {
            lease: name.clone(),
            token: a.token
        })
    );
    let stored = store.load_order(order.id()).await.unwrap().unwrap();
    assert_eq!(stored.version(), 1, "a fenced write writes nothing");
    assert_eq!(store.audit_trail(order.id()).await.unwrap().len(), 1);
    // The holder's write goes through.
    write_under(store, &order, time.now(), Some(b.fence())).await.unwrap();

    // Only the holder can give the lease up; then it is free at once.
    assert!(!store.release_lease(&a).await.unwrap());
    assert!(store.release_lease(&b).await.unwrap());
    let again = store.acquire_lease(&name, "a", time.now(), TTL).await.unwrap().unwrap();
    assert_eq!(again.token, b.token + 1);
}
