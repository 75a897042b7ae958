//! Prepared dishes' stock (seed 002): taken when an order is placed, with
//! optimistic concurrency on the menu version, and given back when the
//! order ends before the kitchen started on it.
//!
//! A reservation that loses a race re-reads the menu and decides again, so
//! the last portion goes to exactly one customer and the others are told it
//! is sold out. Made-to-order dishes (`stock: None`) are never counted.

use courier_core::RestaurantId;
use courier_core::order::{Order, OrderLine, OrderStatus};
use courier_core::ports::{StockChange, StockOutcome, StorageError, Store};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::services::catalog::Catalog;
use crate::telemetry;

/// How many times a stock change re-reads the menu after losing a race.
const STOCK_ATTEMPTS: usize = 16;

fn changes(lines: &[OrderLine], sign: i64) -> Vec<StockChange> {
    lines
        .iter()
        .map(|line| StockChange {
            item: line.item,
            delta: sign * i64::from(line.quantity),
        })
        .collect()
}

/// An order that ended without the kitchen starting on it: what it held
/// can be sold again.
fn ended_unprepared(order: &Order) -> bool {
    matches!(
        order.status(),
        OrderStatus::Rejected { .. } | OrderStatus::Cancelled { .. }
    ) && order.times().preparing_at.is_none()
        && order.times().ready_at.is_none()
}

impl Catalog {
    /// Takes the lines' prepared dishes out of stock. Refuses, changing
    /// nothing, when one is sold out.
    pub(crate) async fn reserve_stock(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        restaurant: RestaurantId,
        lines: &[OrderLine],
    ) -> Result<(), PlatformError> {
        match self.change_stock(parts, restaurant, &changes(lines, -1)).await? {
            StockOutcome::Applied(_) => Ok(()),
            StockOutcome::Short { item, .. } => Err(PlatformError::ItemUnavailable { item, why: "sold out" }),
            StockOutcome::UnknownItem(item) => Err(PlatformError::ItemUnavailable {
                item,
                why: "not on the menu",
            }),
            StockOutcome::NoMenu => Err(PlatformError::RestaurantNotFound(restaurant)),
        }
    }

    /// Gives a reservation back (the order was not stored, or ended
    /// unprepared). Best effort: a failure leaves stock counted low, which
    /// can undersell but never oversell.
    pub(crate) async fn release_stock(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        restaurant: RestaurantId,
        lines: &[OrderLine],
    ) {
        if !matches!(
            self.change_stock(parts, restaurant, &changes(lines, 1)).await,
            Ok(StockOutcome::Applied(_))
        ) {
            telemetry::stock_release_failed();
        }
    }

    /// Gives back what an ended order held, if it ended before preparation.
    pub(crate) async fn release_if_unprepared(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: &Order,
    ) {
        if ended_unprepared(order) {
            self.release_stock(parts, order.restaurant(), order.lines()).await;
        }
    }

    async fn change_stock(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        restaurant: RestaurantId,
        changes: &[StockChange],
    ) -> Result<StockOutcome, PlatformError> {
        let mut last = None;
        for _ in 0..STOCK_ATTEMPTS {
            let Some(menu) = parts.store.menu(restaurant).await? else {
                return Ok(StockOutcome::NoMenu);
            };
            match parts.store.adjust_stock(restaurant, menu.version, changes).await {
                Ok(outcome) => return Ok(outcome),
                Err(conflict @ StorageError::MenuConflict { .. }) => {
                    // The copy read may be a cached one: read the source next.
                    parts.store.invalidate(restaurant).await?;
                    last = Some(conflict);
                }
                Err(other) => return Err(other.into()),
            }
        }
        Err(last
            .unwrap_or(StorageError::Backend("stock retries exhausted".into()))
            .into())
    }
}
