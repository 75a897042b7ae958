//! Orders: idempotent creation under concurrent duplicates, one CAS winner
//! per version, an outbox that loses nothing, the audit trail.

use std::collections::BTreeSet;

use courier_core::order::*;
use courier_core::ports::{CreateOutcome, OrderStore, StorageError, Transition};
use courier_core::*;
use futures::future::join_all;

const CUSTOMER: CustomerId = CustomerId::new(1);

/// A placed order `id` under client key `key`; `base` keeps runs apart.
pub(crate) fn placed(id: u64, key: &str, at: Timestamp) -> (Order, OrderEvent) {
    placed_by(CUSTOMER, id, key, at)
}

/// A placed order `id` of `customer` under client key `key`.
pub(crate) fn placed_by(customer: CustomerId, id: u64, key: &str, at: Timestamp) -> (Order, OrderEvent) {
    let place = PlaceOrder {
        order_id: OrderId::new(id),
        customer,
        restaurant: RestaurantId::new(1),
        pickup: GeoPoint::new(37.77, -122.42).unwrap(),
        dropoff: GeoPoint::new(37.78, -122.41).unwrap(),
        lines: vec![OrderLine {
            item: MenuItemId::new(1),
            quantity: 1,
            unit_price: Money::new(2500, Currency::Usd),
        }],
        charge: Money::new(2500, Currency::Usd),
        idempotency_key: IdempotencyKey::parse(key).unwrap(),
    };
    Order::place(Actor::Customer(customer), at, place).unwrap()
}

/// A transition of an order no courier is involved with.
pub(crate) fn plain<'a>(order: &'a Order, expected_version: u64, events: &'a [OrderEvent]) -> Transition<'a> {
    Transition {
        order,
        expected_version,
        assignment_before: Assignment::Unassigned,
        events,
        batch_limit: 2,
        fence: None,
    }
}

/// Eight requests with the same client key at once: exactly one order.
pub(crate) async fn concurrent_duplicates_create_one_order(store: &impl OrderStore, base: u64) {
    let key = format!("dup-{base}");
    let attempts: Vec<(Order, OrderEvent)> = (0..8)
        .map(|i| placed(base + i, &key, Timestamp::from_millis(i as i64)))
        .collect();
    let outcomes = join_all(attempts.iter().map(|(o, e)| store.create_order(o, e))).await;
    let created: Vec<&Order> = outcomes
        .iter()
        .filter_map(|r| match r {
            Ok(CreateOutcome::Created(o)) => Some(o),
            _ => None,
        })
        .collect();
    assert_eq!(created.len(), 1, "{outcomes:?}");
    for r in &outcomes {
        assert_eq!(
            r.as_ref().map(|o| o.clone().into_order().id()).ok(),
            Some(created[0].id()),
            "{r:?}"
        );
    }
    let mut stored = 0;
    for i in 0..8 {
        stored += usize::from(store.load_order(OrderId::new(base + i)).await.unwrap().is_some());
    }
    assert_eq!(stored, 1);
}

/// Eight writers race from the same version: one wins, the rest get a
/// conflict naming the stored version and write nothing.
pub(crate) async fn cas_has_one_winner_per_version(store: &impl OrderStore, base: u64) {
    let (order, created) = placed(base, &format!("cas-{base}"), Timestamp::EPOCH);
    store.create_order(&order, &created).await.unwrap();
    let pay = Command {
        actor: Actor::System,
        at: Timestamp::from_millis(1_000),
        expected_version: 1,
        action: OrderAction::AuthorizePayment,
    };
    let writers: Vec<(Order, OrderEvent)> = (0..8)
        .map(|_| {
            let mut o = order.clone();
            let e = o.execute(&pay).unwrap();
            (o, e)
        })
        .collect();
    let results = join_all(
        writers
            .iter()
            .map(|(o, e)| async move { store.save_transition(&plain(o, 1, std::slice::from_ref(e))).await }),
    )
    .await;
    assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
    for r in results.iter().filter(|r| r.is_err()) {
        assert_eq!(
            r,
            &Err(StorageError::VersionConflict {
                order: OrderId::new(base),
                expected: 1,
                actual: 2
            })
        );
    }
    let trail = store.audit_trail(OrderId::new(base)).await.unwrap();
    assert_eq!(
        trail.iter().map(|a| (a.version, a.action)).collect::<Vec<_>>(),
        vec![(1, "created"), (2, "payment_authorized")]
    );
    // Writing a stale version later is refused too, and so is a missing order.
    let stale = store
        .save_transition(&plain(&writers[0].0, 1, std::slice::from_ref(&writers[0].1)))
        .await;
    assert!(matches!(stale, Err(StorageError::VersionConflict { actual: 2, .. })));
}

/// Every accepted event is in the outbox, once, until marked published;
/// none is lost across interleaved writes and partial publishing.
pub(crate) async fn outbox_loses_nothing(store: &impl OrderStore, base: u64) {
    let mut accepted = BTreeSet::new();
    for i in 0..5 {
        let (mut o, e) = placed(base + i, &format!("ob-{base}-{i}"), Timestamp::from_millis(i as i64));
        store.create_order(&o, &e).await.unwrap();
        accepted.insert((o.id(), 1));
        if i % 2 == 0 {
            let cmd = Command {
                actor: Actor::System,
                at: Timestamp::from_millis(100),
                expected_version: 1,
                action: OrderAction::AuthorizePayment,
            };
            let ev = o.execute(&cmd).unwrap();
            store.save_transition(&plain(&o, 1, &[ev])).await.unwrap();
            accepted.insert((o.id(), 2));
        }
    }
    let mut seen = BTreeSet::new();
    let mut ids = BTreeSet::new();
    // Publish in small pages; mark only half of each page at first.
    loop {
        let page = store.read_outbox(3).await.unwrap();
        let page: Vec<_> = page
            .into_iter()
            .filter(|p| p.event.order_id.get() >= base && p.event.order_id.get() < base + 5)
            .collect();
        if page.is_empty() {
            break;
        }
        for p in &page {
            assert!(
                ids.insert(p.event_id) || seen.contains(&(p.event.order_id, p.event.version)),
                "an event id was reused"
            );
            seen.insert((p.event.order_id, p.event.version));
        }
        let (first, _) = page.split_at(page.len().div_ceil(2));
        store
            .mark_published(&first.iter().map(|p| p.event_id).collect::<Vec<_>>())
            .await
            .unwrap();
    }
    assert_eq!(seen, accepted);
}

/// Orders listed by status, oldest first, limited.
pub(crate) async fn list_by_status_is_ordered(store: &impl OrderStore, base: u64) {
    for i in 0..3 {
        let (o, e) = placed(
            base + i,
            &format!("ls-{base}-{i}"),
            Timestamp::from_millis(10 * i as i64),
        );
        store.create_order(&o, &e).await.unwrap();
    }
    let listed = store
        .list_by_status(StatusKind::PendingPayment, 1_000)
        .await
        .unwrap()
        .orders;
    let mine: Vec<u64> = listed
        .iter()
        .map(|o| o.id().get())
        .filter(|id| (base..base + 3).contains(id))
        .collect();
    assert_eq!(mine, vec![base, base + 1, base + 2]);
}

/// Every event kind is stored and read back exactly: three orders driven
/// through offers, lapses, declines, assignment, unassignment, the kitchen,
/// delivery, rejection and cancellation, compared after every step.
pub(crate) async fn every_event_kind_round_trips(store: &impl OrderStore, base: u64) {
    let s = |secs: i64| Timestamp::from_millis(secs * 1_000);
    let (c1, c2) = (CourierId::new(71), CourierId::new(72));
    let restaurant = Actor::Restaurant(RestaurantId::new(1));
    let offer = |courier, at: Timestamp| OrderAction::Offer {
        courier,
        expires_at: at.plus(Duration::from_secs(30)),
    };
    let journeys: Vec<Vec<(Actor, Timestamp, OrderAction)>> = vec![
        vec![
            (Actor::System, s(1), OrderAction::AuthorizePayment),
            (Actor::System, s(2), offer(c1, s(2))),
            (Actor::System, s(32), OrderAction::ExpireOffer),
            (Actor::System, s(40), offer(c2, s(40))),
            (Actor::Courier(c2), s(45), OrderAction::DeclineOffer),
            (Actor::System, s(50), OrderAction::Assign { courier: c1 }),
            (
                Actor::System,
                s(60),
                OrderAction::Unassign {
                    reason: UnassignReason::CourierDropped,
                },
            ),
            (Actor::System, s(70), offer(c2, s(70))),
            (Actor::Courier(c2), s(75), OrderAction::AcceptOffer),
            (
                restaurant,
                s(80),
                OrderAction::Accept {
                    prep_estimate: Duration::from_mins(15),
                },
            ),
            (restaurant, s(90), OrderAction::StartPreparing),
            (restaurant, s(900), OrderAction::MarkReady),
            (Actor::Courier(c2), s(960), OrderAction::PickUp),
            (Actor::Courier(c2), s(1_800), OrderAction::Deliver),
            (Actor::System, s(1_860), OrderAction::Complete),
        ],
        vec![
            (Actor::System, s(1), OrderAction::AuthorizePayment),
            (restaurant, s(30), OrderAction::Reject),
        ],
        vec![
            (Actor::System, s(1), OrderAction::AuthorizePayment),
            (
                Actor::Customer(CUSTOMER),
                s(20),
                OrderAction::Cancel {
                    reason: CancelReason::CustomerRequest,
                },
            ),
        ],
    ];
    for (n, steps) in journeys.into_iter().enumerate() {
        let id = base + n as u64;
        let (mut order, created) = placed(id, &format!("rt-{base}-{n}"), Timestamp::EPOCH);
        store.create_order(&order, &created).await.unwrap();
        assert_eq!(store.load_order(order.id()).await.unwrap().as_ref(), Some(&order));
        for (actor, at, action) in steps {
            let (expected_version, assignment_before) = (order.version(), order.assignment());
            let event = order
                .execute(&Command {
                    actor,
                    at,
                    expected_version,
                    action,
                })
                .unwrap_or_else(|e| panic!("order {id}: {action:?} refused: {e}"));
            let transition = Transition {
                order: &order,
                expected_version,
                assignment_before,
                events: &[event],
                batch_limit: 2,
                fence: None,
            };
            store.save_transition(&transition).await.unwrap();
            let loaded = store.load_order(order.id()).await.unwrap();
            assert_eq!(loaded.as_ref(), Some(&order), "after {action:?}");
        }
        let trail = store.audit_trail(order.id()).await.unwrap();
        assert_eq!(trail.len() as u64, order.version());
        assert!(trail.windows(2).all(|w| w[0].version + 1 == w[1].version));
    }
    // The first journey completed: its customer has ordered before; a
    // customer the store never saw has not.
    assert!(store.has_completed_order(CUSTOMER).await.unwrap());
    assert!(!store.has_completed_order(CustomerId::new(424_242)).await.unwrap());
}

/// A second order under a taken id is a conflict, and its key is not claimed.
pub(crate) async fn a_taken_order_id_is_a_conflict(store: &impl OrderStore, base: u64) {
    let (first, created) = placed(base, &format!("id-{base}-a"), Timestamp::EPOCH);
    store.create_order(&first, &created).await.unwrap();
    let (second, second_created) = placed(base, &format!("id-{base}-b"), Timestamp::from_millis(5));
    let r = store.create_order(&second, &second_created).await;
    assert_eq!(
        r,
        Err(StorageError::VersionConflict {
            order: OrderId::new(base),
            expected: 0,
            actual: 1
        })
    );
    let key = IdempotencyKey::parse(&format!("id-{base}-b")).unwrap();
    assert_eq!(store.find_by_idempotency_key(CUSTOMER, &key).await.unwrap(), None);
    assert_eq!(store.audit_trail(OrderId::new(base)).await.unwrap().len(), 1);
}
