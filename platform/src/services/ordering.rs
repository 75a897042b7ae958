//! Ordering: placing an order once per idempotency key, priced against
//! the catalog's rules, with its prepared dishes' stock reserved and its
//! payout split stored beside it. Paying for it is the payments service's.

use std::sync::{Mutex, PoisonError};

use courier_core::ledger::PayoutSplit;
use courier_core::order::{Actor, Order, OrderStatus, PlaceOrder};
use courier_core::ports::{ClaimOutcome, CreateOutcome, PromoClaim, StorageError, Store};
use courier_core::{
    CustomerId, Duration, GeoPoint, IdempotencyKey, MenuItemId, Money, OrderId, RestaurantId, Timestamp,
};
use courier_pricing::{NotApplied, Quote, SplitPolicy, split_quote};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::rate_limits::{Endpoint, RateGuard, Tier};
use crate::services::catalog::{Catalog, Priced};
use crate::services::payments::{PaymentStatus, Payments};
use crate::services::pricing::Pricing;
use crate::settlement::{encode_split, split_key};
use crate::telemetry;

/// What a customer wants to order.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderRequest {
    /// Who orders.
    pub customer: CustomerId,
    /// Their rate-limit tier.
    pub tier: Tier,
    /// From where.
    pub restaurant: RestaurantId,
    /// Dishes and quantities.
    pub items: Vec<(MenuItemId, u32)>,
    /// Where to deliver.
    pub dropoff: GeoPoint,
    /// The tip.
    pub tip: Money,
    /// Promotion codes.
    pub promo_codes: Vec<String>,
    /// The client's key: the same key places the order once.
    pub idempotency_key: IdempotencyKey,
}

/// The result of placing an order.
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The order as stored.
    pub order: Order,
    /// The quote it was priced with (`None` when the key was seen before).
    pub quote: Option<Quote>,
    /// Where its payment stands.
    pub payment: PaymentStatus,
}

/// What [`Ordering::place`] did.
#[allow(
    clippy::large_enum_variant,
    reason = "returned once per placement and taken apart at once: boxing would only add an allocation"
)]
pub(crate) enum Placed {
    /// A new order, stored and waiting for its payment.
    New {
        /// The order as stored.
        order: Order,
        /// Its price.
        quote: Quote,
    },
    /// The customer's key named an order placed before: nothing was written.
    Replayed(Order),
}

/// The ordering service: where the next order id comes from.
pub(crate) struct Ordering {
    last_id: Mutex<u64>,
    rates: RateGuard,
    split: SplitPolicy,
    split_retention: Duration,
    /// Order-only mode (the degradation ladder's last rung): only customers
    /// with a completed order may place one.
    order_only: std::sync::atomic::AtomicBool,
}

impl Ordering {
    pub(crate) fn new(rates: RateGuard, split: SplitPolicy, split_retention: Duration) -> Ordering {
        Ordering {
            last_id: Mutex::new(0),
            rates,
            split,
            split_retention,
            order_only: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// Turns order-only mode on or off (the degradation ladder).
    pub(crate) fn set_order_only(&self, on: bool) {
        self.order_only.store(on, std::sync::atomic::Ordering::Relaxed);
    }

    /// A fresh order id: the clock's milliseconds above a 16-bit counter, so
    /// ids grow with time and a restarted platform does not reuse them
    /// (a clash, e.g. two instances in the same millisecond, is caught by
    /// the store and retried with the next id).
    fn next_order_id(&self, now: Timestamp) -> OrderId {
        let mut last = self.last_id.lock().unwrap_or_else(PoisonError::into_inner);
        let base = u64::try_from(now.as_millis()).unwrap_or(0) << 16;
        let candidate = base.max(*last + 1);
        *last = candidate;
        OrderId::new(candidate)
    }

    /// Places an order: validated and priced, with its prepared dishes
    /// taken from stock, stored once per idempotency key (paying for it
    /// comes next).
    pub(crate) async fn place(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        catalog: &Catalog,
        pricing: &Pricing,
        req: &OrderRequest,
    ) -> Result<Placed, PlatformError> {
        self.rates
            .check(parts, Endpoint::PlaceOrder, req.tier, &req.customer.get().to_string())
            .await?;
        if let Some(existing) = parts
            .store
            .find_by_idempotency_key(req.customer, &req.idempotency_key)
            .await?
        {
            return Ok(Placed::Replayed(existing));
        }
        if self.order_only.load(std::sync::atomic::Ordering::Relaxed)
            && !parts.store.has_completed_order(req.customer).await?
        {
            return Err(PlatformError::Degraded {
                feature: "ordering for customers without a completed order",
            });
        }
        let priced = catalog.price(parts, pricing, req).await?;
        // A quote shows a used-up code as giving nothing; a placement that
        // names one is refused rather than charged without the discount.
        if let Some((code, limit)) = priced.quote.not_applied.iter().find_map(|(code, why)| match why {
            NotApplied::UseLimitReached { limit } => Some((code.to_string(), *limit)),
            _ => None,
        }) {
            return Err(PlatformError::PromotionUsedUp { code, limit });
        }
        let split = split_quote(&priced.quote, &self.split)?;
        let now = parts.now();
        let (restaurant, lines) = (priced.restaurant.id, &priced.lines);
        // Prepared dishes are taken before the order exists, so two customers
        // never both get the last portion; any way out below gives them back.
        if priced.counts_stock {
            catalog.reserve_stock(parts, restaurant, lines).await?;
        }
        // Likewise each promotion use, counted against the customer's limit
        // before the order exists, so two placements cannot both take the last.
        let claims = priced.promotions.claims(&priced.quote);
        let claimed = claim_uses(parts, req, &claims).await;
        if claimed.is_err() && priced.counts_stock {
            catalog.release_stock(parts, restaurant, lines).await;
        }
        claimed?;
        let stored = self.store_new_order(parts, req, &priced, &split, now).await;
        if !matches!(stored, Ok(CreateOutcome::Created(_))) {
            if priced.counts_stock {
                catalog.release_stock(parts, restaurant, lines).await;
            }
            release_uses(parts, req, &claims).await;
        }
        let order = match stored? {
            CreateOutcome::Created(order) => order,
            CreateOutcome::Existing(existing) => return Ok(Placed::Replayed(existing)),
        };
        Ok(Placed::New {
            order,
            quote: priced.quote,
        })
    }

    /// Stores a new order with its split; the order stored first when a
    /// concurrent request with the same key won.
    async fn store_new_order(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        req: &OrderRequest,
        priced: &Priced,
        split: &PayoutSplit,
        now: Timestamp,
    ) -> Result<CreateOutcome, PlatformError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let id = self.next_order_id(now);
            let (order, created) = Order::place(
                Actor::Customer(req.customer),
                now,
                PlaceOrder {
                    order_id: id,
                    customer: req.customer,
                    restaurant: priced.restaurant.id,
                    pickup: priced.restaurant.location,
                    dropoff: req.dropoff,
                    lines: priced.lines.clone(),
                    charge: priced.quote.total,
                    idempotency_key: req.idempotency_key.clone(),
                },
            )?;
            // The split is written first: an order is never stored without
            // the numbers it settles with (an orphan split is harmless).
            parts
                .store
                .put_if_absent(&split_key(id), &encode_split(split), now, self.split_retention)
                .await?;
            match parts.store.create_order(&order, &created).await {
                Ok(CreateOutcome::Created(order)) => {
                    telemetry::order_event(&order, &created);
                    return Ok(CreateOutcome::Created(order));
                }
                Ok(existing @ CreateOutcome::Existing(_)) => return Ok(existing),
                // Another instance took this id in the same millisecond.
                Err(StorageError::VersionConflict { .. }) if attempts < 8 => continue,
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The answer to a placement whose key named `existing`.
    pub(crate) fn replayed(&self, payments: &Payments, existing: Order, now: Timestamp) -> Placement {
        let payment = match existing.status() {
            OrderStatus::PendingPayment => PaymentStatus::Queued {
                retry_at: payments.authorization_due(existing.id()).unwrap_or(now),
            },
            OrderStatus::Cancelled { .. } if existing.times().placed_at.is_none() => PaymentStatus::Failed,
            _ => PaymentStatus::Authorized,
        };
        Placement {
            order: existing,
            quote: None,
            payment,
        }
    }
}

/// Counts the uses `claims` make of the customer's promotions, all or none.
async fn claim_uses(
    parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    req: &OrderRequest,
    claims: &[PromoClaim<'_>],
) -> Result<(), PlatformError> {
    if claims.is_empty() {
        return Ok(());
    }
    match parts.store.claim_promotion_uses(req.customer, claims).await? {
        ClaimOutcome::Claimed => Ok(()),
        ClaimOutcome::LimitReached { code, limit } => Err(PlatformError::PromotionUsedUp { code, limit }),
    }
}

/// Gives back what [`claim_uses`] counted, for a placement that stored no
/// order; a failure is counted (the customer loses a use, never gains one).
async fn release_uses(
    parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    req: &OrderRequest,
    claims: &[PromoClaim<'_>],
) {
    if claims.is_empty() {
        return;
    }
    let codes: Vec<&str> = claims.iter().map(|c| c.code).collect();
    if parts.store.release_promotion_uses(req.customer, &codes).await.is_err() {
        telemetry::promotion_uses_kept();
    }
}
