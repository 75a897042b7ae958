//! Who carries what, decided by the store in the same operation as the
//! order transition: writers racing for a courier's last slots, one open
//! offer per courier, and every way an order leaves its courier.

use courier_core::order::*;
use courier_core::ports::{CourierLoad, OrderStore, StorageError, Transition};
use courier_core::*;
use futures::future::join_all;

use super::orders::placed;

const LIMIT: usize = 2;

fn at(secs: i64) -> Timestamp {
    Timestamp::from_millis(secs * 1_000)
}

/// An order stored and paid, so dispatch may offer or assign it.
async fn paid(store: &impl OrderStore, id: u64) -> Order {
    let (mut order, created) = placed(id, &format!("courier-{id}"), at(0));
    store.create_order(&order, &created).await.unwrap();
    step(store, &mut order, Actor::System, at(1), OrderAction::AuthorizePayment)
        .await
        .unwrap();
    order
}

/// Runs `action` on `order` and saves it under the batch limit; on a
/// refusal `order` is left as the store still has it.
async fn step(
    store: &impl OrderStore,
    order: &mut Order,
    actor: Actor,
    when: Timestamp,
    action: OrderAction,
) -> Result<(), StorageError> {
    let before = order.clone();
    let event = order
        .execute(&Command {
            actor,
            at: when,
            expected_version: before.version(),
            action,
        })
        .unwrap_or_else(|e| panic!("{action:?} refused by the order: {e}"));
    let saved = store
        .save_transition(&Transition::between(
            &before,
            order,
            std::slice::from_ref(&event),
            LIMIT,
        ))
        .await;
    if saved.is_err() {
        *order = before;
    }
    saved
}

/// Saves `action` on a copy of `order` (for writers racing from one read).
async fn attempt(
    store: &impl OrderStore,
    order: &Order,
    when: Timestamp,
    action: OrderAction,
) -> Result<(), StorageError> {
    let mut copy = order.clone();
    step(store, &mut copy, Actor::System, when, action).await
}

/// Eight writers assign eight orders to one courier at once: exactly the
/// batch limit of them win, the rest are refused as `CourierFull` and
/// write nothing; once one order leaves, exactly one more wins.
pub(crate) async fn racing_writers_split_the_last_slots(store: &impl OrderStore, base: u64) {
    let courier = CourierId::new(base);
    let mut orders = Vec::new();
    for i in 0..8 {
        orders.push(paid(store, base + i).await);
    }
    let assign = OrderAction::Assign { courier };
    let results = join_all(orders.iter().map(|o| attempt(store, o, at(10), assign))).await;
    let won: Vec<usize> = (0..8).filter(|&i| results[i].is_ok()).collect();
    assert_eq!(won.len(), LIMIT, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(r, &Err(StorageError::CourierFull { courier, limit: LIMIT }));
    }
    assert_eq!(store.courier_load(courier).await.unwrap().carrying, 2);
    let mut assigned = 0;
    for o in &orders {
        let stored = store.load_order(o.id()).await.unwrap().unwrap();
        assigned += usize::from(stored.assignment() == Assignment::Assigned { courier });
        // A refused writer wrote nothing: not the order, not its events.
        let trail = store.audit_trail(o.id()).await.unwrap();
        assert_eq!(trail.len() as u64, stored.version());
    }
    assert_eq!(assigned, LIMIT);
    // One order goes back to the pool: one slot frees, and one writer of six gets it.
    let mut back = store.load_order(orders[won[0]].id()).await.unwrap().unwrap();
    let unassign = OrderAction::Unassign {
        reason: UnassignReason::CourierDropped,
    };
    step(store, &mut back, Actor::System, at(20), unassign).await.unwrap();
    assert_eq!(store.courier_load(courier).await.unwrap().carrying, 1);
    let losers: Vec<&Order> = (0..8).filter(|i| !won.contains(i)).map(|i| &orders[i]).collect();
    let second = join_all(losers.iter().map(|o| attempt(store, o, at(30), assign))).await;
    assert_eq!(second.iter().filter(|r| r.is_ok()).count(), 1, "{second:?}");
    assert_eq!(store.courier_load(courier).await.unwrap().carrying, 2);
}

/// A courier holds one open offer at a time: a second is refused until the
/// first lapses or closes; accepting takes a slot, refused at the limit.
pub(crate) async fn one_open_offer_per_courier(store: &impl OrderStore, base: u64) {
    let courier = CourierId::new(base);
    let (mut a, mut b, mut c) = (
        paid(store, base).await,
        paid(store, base + 1).await,
        paid(store, base + 2).await,
    );
    let offer = |expires_at| OrderAction::Offer { courier, expires_at };
    step(store, &mut a, Actor::System, at(10), offer(at(40))).await.unwrap();
    let second = step(store, &mut b, Actor::System, at(20), offer(at(50))).await;
    assert_eq!(second, Err(StorageError::CourierOffered { courier, order: a.id() }));
    assert_eq!(b.assignment(), Assignment::Unassigned);
    assert_eq!(
        store.courier_load(courier).await.unwrap(),
        CourierLoad {
            carrying: 0,
            offer: Some((a.id(), at(40)))
        }
    );
    // Declined: the courier is free for the next offer.
    step(
        store,
        &mut a,
        Actor::Courier(courier),
        at(25),
        OrderAction::DeclineOffer,
    )
    .await
    .unwrap();
    step(store, &mut b, Actor::System, at(30), offer(at(60))).await.unwrap();
    // A lapsed offer does not block the next one, even before it is expired.
    step(store, &mut c, Actor::System, at(61), offer(at(91))).await.unwrap();
    step(store, &mut b, Actor::System, at(62), OrderAction::ExpireOffer)
        .await
        .unwrap();
    assert_eq!(store.courier_load(courier).await.unwrap().offer, Some((c.id(), at(91))));
    step(store, &mut c, Actor::Courier(courier), at(70), OrderAction::AcceptOffer)
        .await
        .unwrap();
    assert_eq!(
        store.courier_load(courier).await.unwrap(),
        CourierLoad {
            carrying: 1,
            offer: None
        }
    );
    // At the limit: no more offers, and no accepting one made before.
    step(store, &mut a, Actor::System, at(80), OrderAction::Assign { courier })
        .await
        .unwrap();
    let full = Err(StorageError::CourierFull { courier, limit: LIMIT });
    assert_eq!(step(store, &mut b, Actor::System, at(90), offer(at(120))).await, full);
    let mut d = paid(store, base + 3).await;
    let other = CourierId::new(base + 1);
    step(
        store,
        &mut d,
        Actor::System,
        at(90),
        OrderAction::Offer {
            courier: other,
            expires_at: at(120),
        },
    )
    .await
    .unwrap();
    assert_eq!(store.courier_load(other).await.unwrap().carrying, 0);
}

/// Every way an order leaves its courier gives the slot back: delivery,
/// cancellation while assigned, unassignment; picking up keeps it.
pub(crate) async fn every_way_out_frees_the_slot(store: &impl OrderStore, base: u64) {
    let courier = CourierId::new(base);
    let restaurant = Actor::Restaurant(RestaurantId::new(1));
    let load = || async { store.courier_load(courier).await.unwrap().carrying };
    let mut delivered = paid(store, base).await;
    step(
        store,
        &mut delivered,
        Actor::System,
        at(5),
        OrderAction::Assign { courier },
    )
    .await
    .unwrap();
    let kitchen = [
        OrderAction::Accept {
            prep_estimate: Duration::from_mins(10),
        },
        OrderAction::StartPreparing,
        OrderAction::MarkReady,
    ];
    for (n, action) in kitchen.into_iter().enumerate() {
        step(store, &mut delivered, restaurant, at(10 + n as i64), action)
            .await
            .unwrap();
    }
    step(
        store,
        &mut delivered,
        Actor::Courier(courier),
        at(20),
        OrderAction::PickUp,
    )
    .await
    .unwrap();
    assert_eq!(load().await, 1, "a pickup keeps the slot");
    step(
        store,
        &mut delivered,
        Actor::Courier(courier),
        at(30),
        OrderAction::Deliver,
    )
    .await
    .unwrap();
    assert_eq!(load().await, 0, "a delivery frees it");
    let mut cancelled = paid(store, base + 1).await;
    step(
        store,
        &mut cancelled,
        Actor::System,
        at(40),
        OrderAction::Assign { courier },
    )
    .await
    .unwrap();
    let cancel = OrderAction::Cancel {
        reason: CancelReason::CustomerRequest,
    };
    let customer = Actor::Customer(cancelled.customer());
    step(store, &mut cancelled, customer, at(41), cancel).await.unwrap();
    assert_eq!(load().await, 0, "a cancellation frees it");
    let mut returned = paid(store, base + 2).await;
    step(
        store,
        &mut returned,
        Actor::System,
        at(50),
        OrderAction::Assign { courier },
    )
    .await
    .unwrap();
    let unassign = OrderAction::Unassign {
        reason: UnassignReason::CourierOffline,
    };
    step(store, &mut returned, Actor::System, at(51), unassign)
        .await
        .unwrap();
    assert_eq!(load().await, 0, "taking the order back frees it");
}
