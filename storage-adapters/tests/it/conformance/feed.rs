//! The change feed: every order change after the head comes back once, in
//! the order committed, a page at a time; nothing before the head does.

use courier_core::order::*;
use courier_core::ports::{ChangeFeed, OrderChange, OrderStore};
use courier_core::*;

use super::orders::{placed, plain};

/// Stores order `id` and authorizes its payment.
pub(crate) async fn place_and_pay(store: &impl OrderStore, id: u64) {
    let (order, created) = placed(id, &format!("feed-{id}"), Timestamp::from_millis(1_000));
    store.create_order(&order, &created).await.unwrap();
    let mut paid = order.clone();
    let event = paid
        .execute(&Command {
            actor: Actor::System,
            at: Timestamp::from_millis(2_000),
            expected_version: 1,
            action: OrderAction::AuthorizePayment,
        })
        .unwrap();
    store.save_transition(&plain(&paid, 1, &[event])).await.unwrap();
}

pub(crate) async fn changes_come_once_in_order<S: OrderStore + ChangeFeed>(store: &S, base: u64) {
    let head = store.feed_head().await.unwrap();
    for i in 1..=3 {
        place_and_pay(store, base + i).await;
    }
    let expected: Vec<OrderChange> = (1..=3)
        .flat_map(|i| {
            let order = OrderId::new(base + i);
            [OrderChange { order, version: 1 }, OrderChange { order, version: 2 }]
        })
        .collect();
    let mine = |changes: &[OrderChange]| -> Vec<OrderChange> {
        let ours = (base + 1..=base + 3).map(OrderId::new).collect::<Vec<_>>();
        changes.iter().copied().filter(|c| ours.contains(&c.order)).collect()
    };
    // Pages of four until all six are in. A shared store holds back changes
    // while an older transaction anywhere on it still runs (other tests'),
    // so it may take a few reads; it may also return a change from just
    // before the head (the feed promises not to skip, not to start exactly).
    let (mut seen, mut cursor) = (Vec::new(), head);
    for _ in 0..500 {
        let (page, next) = store.changes_after(cursor, 4).await.unwrap();
        assert!(page.len() <= 4);
        if page.is_empty() {
            if mine(&seen).len() >= expected.len() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(next >= cursor, "the cursor went back");
        seen.extend(page);
        cursor = next;
    }
    assert_eq!(mine(&seen), expected, "every change once, in order");
    let (rest, end) = store.changes_after(cursor, 4).await.unwrap();
    assert!(mine(&rest).is_empty(), "{rest:?}");
    assert!(end >= cursor);
}
