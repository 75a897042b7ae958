//! Drives orders to their end the way their parties would: whoever's turn
//! it is takes the next step. Shared by the recovery, concurrency and
//! property tests.

use courier_core::order::{Assignment, OrderStatus, StatusKind};
use courier_core::ports::Store;
use courier_core::*;
use courier_platform::PlatformError;

use crate::world::*;

/// Takes the next step of an order as the party whose turn it is; false if
/// it is nobody's turn (waiting for payment, dispatch or the capture).
pub(crate) async fn step<S: Store>(w: &World<S>, id: OrderId) -> Result<bool, PlatformError> {
    let p = &w.platform;
    let Some(o) = w.store().load_order(id).await? else {
        return Err(PlatformError::OrderNotFound(id));
    };
    if let Assignment::Offered { courier, .. } = o.assignment() {
        p.answer_offer(courier, id, true).await?;
        return Ok(true);
    }
    let courier = o.assignment().assigned_courier();
    match (o.status(), courier) {
        (OrderStatus::Placed, _) => p
            .accept_order(RESTAURANT, id, Duration::from_mins(10))
            .await
            .map(|_| true),
        (OrderStatus::Confirmed, _) => p.start_preparing(RESTAURANT, id).await.map(|_| true),
        (OrderStatus::Preparing, _) => p.mark_ready(RESTAURANT, id).await.map(|_| true),
        (OrderStatus::ReadyForPickup, Some(c)) => {
            // The courier's app reports the restaurant, then picks up.
            p.update_location(c, o.pickup()).await?;
            p.pick_up(c, id).await.map(|_| true)
        }
        (OrderStatus::PickedUp, Some(c)) => {
            p.update_location(c, o.dropoff()).await?;
            p.deliver(c, id).await.map(|_| true)
        }
        _ => Ok(false),
    }
}

/// Ticks, steps every order and moves the clock until all are closed.
pub(crate) async fn drive_to_end<S: Store>(w: &World<S>, ids: &[OrderId]) {
    for _ in 0..400 {
        w.platform.tick().await.unwrap();
        let mut open = 0;
        for &id in ids {
            if !w.load(id).await.status().is_terminal() {
                open += 1;
                // A refusal here is a lost race with dispatch or a deadline:
                // the next round retries from the stored state.
                let _ = step(w, id).await;
            }
        }
        if open == 0 {
            return;
        }
        w.advance(30);
    }
    let left: Vec<_> = still_open(w, ids).await;
    panic!("orders still open after the drive: {left:?}");
}

async fn still_open<S: Store>(w: &World<S>, ids: &[OrderId]) -> Vec<(OrderId, &'static str)> {
    let mut out = Vec::new();
    for &id in ids {
        let o = w.load(id).await;
        if !o.status().is_terminal() {
            out.push((id, o.status().name()));
        }
    }
    out
}

/// Every order the store holds, by id (each status listed once).
pub(crate) async fn all_orders<S: Store>(store: &S) -> Vec<courier_core::order::Order> {
    let mut all = Vec::new();
    for kind in StatusKind::ALL {
        all.extend(store.list_by_status(kind, 100_000).await.unwrap().orders);
    }
    all.sort_by_key(|o| o.id());
    all
}

/// Each ended order's ledger balances and charges the customer the charge
/// less the refund; returns how many were checked.
pub(crate) async fn check_money<S: Store>(w: &World<S>, orders: &[courier_core::order::Order]) -> usize {
    let mut checked = 0;
    for o in orders {
        if let Some(s) = w.platform.settlement_of(o).await.unwrap() {
            assert!(s.ledger.is_balanced(), "{}: ledger unbalanced", o.id());
            let refund = s.refund.map_or(0, |d| d.refund.minor());
            let paid = if o.times().placed_at.is_some() {
                o.charge().minor()
            } else {
                0
            };
            assert_eq!(s.ledger.customer_net_charge().minor(), paid - refund, "{}", o.id());
            checked += 1;
        }
    }
    checked
}
