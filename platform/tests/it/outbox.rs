//! The outbox relay publishes each stored event once and empties the outbox.

use courier_core::ports::OrderStore;
use courier_core::*;
use courier_storage::memory::MemoryStore;

use crate::world::*;

#[tokio::test]
async fn the_relay_publishes_every_event_once_in_order() {
    let store = MemoryStore::default();
    seed_catalog(&store).await;
    let w = World::new(store, config());
    let p = &w.platform;
    let id = p.place_order(&two_pizzas("outbox")).await.unwrap().order.id();
    p.accept_order(RESTAURANT, id, Duration::from_mins(10)).await.unwrap();
    let stored = w.store().audit_trail(id).await.unwrap().len();
    assert!(stored >= 3, "placed, paid, accepted: {stored}");
    let mut seen = Vec::new();
    let n = p
        .relay_outbox(1_000, |e| seen.push((e.event_id, e.event.order_id)))
        .await
        .unwrap();
    assert_eq!(n, stored);
    assert!(seen.windows(2).all(|w| w[0].0 < w[1].0), "oldest first: {seen:?}");
    assert!(seen.iter().all(|(_, order)| *order == id));
    // Published events are gone; new ones go out next time, once.
    assert_eq!(p.relay_outbox(1_000, |_| {}).await.unwrap(), 0);
    assert!(w.store().read_outbox(10).await.unwrap().is_empty());
    p.start_preparing(RESTAURANT, id).await.unwrap();
    assert_eq!(p.relay_outbox(1_000, |_| {}).await.unwrap(), 1);
    // The audit trail keeps the whole history.
    assert_eq!(w.store().audit_trail(id).await.unwrap().len(), stored + 1);
}
