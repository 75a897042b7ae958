//! The customer's side: search, menus, quotes, placing an order and getting
//! it paid, with the payment gateway behind a circuit breaker and a retry
//! queue (seed 000's outage timeline).

use courier_core::order::{Actor, Order, OrderAction, OrderLine, OrderStatus, PlaceOrder};
use courier_core::ports::CreateOutcome;
use courier_core::ports::{Menu, Restaurant, StorageError, Store};
use courier_core::{CustomerId, GeoPoint, IdempotencyKey, MenuItemId, Money, OrderId, RestaurantId, Timestamp};
use courier_pricing::{Cart, CartItem, CustomerHistory, Quote, QuoteRequest, quote, split_quote};

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::platform::Platform;
use crate::rate_limits::{Endpoint, Tier};
use crate::runtime::QueuedPayment;
use crate::settlement::encode_split;
use crate::telemetry;

/// The widest search radius accepted, metres.
pub const MAX_SEARCH_RADIUS_M: f64 = 50_000.0;

/// A restaurant search (seed 000 journey 1).
#[derive(Debug, Clone, PartialEq)]
pub struct SearchQuery {
    /// Search around here.
    pub near: GeoPoint,
    /// Within this many metres (0 < r <= 50 km).
    pub radius_m: f64,
    /// Words in the name or cuisine, case-insensitive.
    pub text: Option<String>,
    /// This cuisine only.
    pub cuisine: Option<String>,
    /// At least this rating, in hundredths of a star.
    pub min_rating_centi: u16,
    /// Only restaurants open and taking orders now.
    pub open_now: bool,
    /// At most this many results (1..=100).
    pub limit: usize,
}

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

/// Where an order's payment stands after placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    /// Authorized: the restaurant has the order.
    Authorized,
    /// The gateway is unavailable: the order waits in `PendingPayment` and
    /// is retried from `retry_at`.
    Queued {
        /// The next attempt.
        retry_at: Timestamp,
    },
    /// Declined: the order is cancelled.
    Failed,
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

/// A request priced and checked.
struct Priced {
    restaurant: Restaurant,
    lines: Vec<OrderLine>,
    quote: Quote,
    /// Some line is a prepared dish whose stock is counted.
    counts_stock: bool,
}

fn split_key(order: OrderId) -> String {
    format!("split:{}", order.get())
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// Restaurants near a point matching the query, nearest first.
    pub async fn search(
        &self,
        query: &SearchQuery,
        tier: Tier,
        caller: &str,
    ) -> Result<Vec<Restaurant>, PlatformError> {
        if !(query.radius_m > 0.0 && query.radius_m <= MAX_SEARCH_RADIUS_M) {
            return Err(PlatformError::invalid(
                "radius_m",
                format!("{} is not in (0, {MAX_SEARCH_RADIUS_M}]", query.radius_m),
            ));
        }
        if !(1..=100).contains(&query.limit) {
            return Err(PlatformError::invalid(
                "limit",
                format!("{} is not in 1..=100", query.limit),
            ));
        }
        self.check_rate(Endpoint::Search, tier, caller).await?;
        // Filters apply after the geo search, so fetch a wider set first.
        let fetched = self
            .store
            .restaurants_near(query.near, query.radius_m, (query.limit * 20).min(2_000))
            .await?;
        let text = query.text.as_deref().map(str::to_lowercase);
        let cuisine = query.cuisine.as_deref().map(str::to_lowercase);
        Ok(fetched
            .into_iter()
            .filter(|r| !query.open_now || (r.is_open && r.accepting_orders))
            .filter(|r| r.rating_centi >= query.min_rating_centi)
            .filter(|r| cuisine.as_deref().is_none_or(|c| r.cuisine.to_lowercase() == c))
            .filter(|r| {
                text.as_deref()
                    .is_none_or(|t| r.name.to_lowercase().contains(t) || r.cuisine.to_lowercase().contains(t))
            })
            .take(query.limit)
            .collect())
    }

    /// A restaurant's menu (through the cache where the store has one).
    pub async fn menu(&self, restaurant: RestaurantId, tier: Tier, caller: &str) -> Result<Menu, PlatformError> {
        self.check_rate(Endpoint::MenuView, tier, caller).await?;
        self.store
            .menu(restaurant)
            .await?
            .ok_or(PlatformError::RestaurantNotFound(restaurant))
    }

    /// Prices a request after checking every placement rule: the restaurant
    /// is open and taking orders, every dish is available (and in stock),
    /// the minimum order is met and the address is within the delivery radius.
    pub async fn quote(&self, req: &OrderRequest) -> Result<(Restaurant, Vec<OrderLine>, Quote), PlatformError> {
        let priced = self.price(req).await?;
        Ok((priced.restaurant, priced.lines, priced.quote))
    }

    /// [`Platform::quote`], also telling whether a line is a counted
    /// (prepared) dish, from the same menu read.
    async fn price(&self, req: &OrderRequest) -> Result<Priced, PlatformError> {
        let restaurant = self
            .store
            .restaurant(req.restaurant)
            .await?
            .ok_or(PlatformError::RestaurantNotFound(req.restaurant))?;
        let unavailable = |why| PlatformError::RestaurantUnavailable {
            restaurant: restaurant.id,
            why,
        };
        if !restaurant.is_open {
            return Err(unavailable("closed"));
        }
        if !restaurant.accepting_orders {
            return Err(unavailable("not accepting orders"));
        }
        if req.items.is_empty() {
            return Err(PlatformError::invalid("items", "the cart is empty"));
        }
        let menu = self
            .store
            .menu(req.restaurant)
            .await?
            .ok_or(PlatformError::RestaurantNotFound(req.restaurant))?;
        let mut lines = Vec::with_capacity(req.items.len());
        let mut counts_stock = false;
        let mut cart_items = Vec::with_capacity(req.items.len());
        for &(item, quantity) in &req.items {
            let dish = menu
                .items
                .iter()
                .find(|d| d.id == item)
                .ok_or(PlatformError::ItemUnavailable {
                    item,
                    why: "not on the menu",
                })?;
            if !dish.available {
                return Err(PlatformError::ItemUnavailable {
                    item,
                    why: "not available now",
                });
            }
            counts_stock |= dish.stock.is_some();
            if dish.stock.is_some_and(|left| left < quantity) {
                return Err(PlatformError::ItemUnavailable { item, why: "sold out" });
            }
            if quantity == 0 {
                return Err(PlatformError::invalid("items", format!("{item} has quantity 0")));
            }
            lines.push(OrderLine {
                item,
                quantity,
                unit_price: dish.price,
            });
            cart_items.push(CartItem {
                item,
                unit_price: dish.price,
                quantity: i64::from(quantity),
            });
        }
        let cart = Cart::new(self.config.pricing.currency, cart_items)?;
        if cart.subtotal().minor() < restaurant.minimum_order.minor() {
            return Err(PlatformError::BelowMinimum {
                subtotal: cart.subtotal(),
                minimum: restaurant.minimum_order,
            });
        }
        let distance_m = restaurant.location.distance_m(req.dropoff);
        if distance_m > f64::from(restaurant.delivery_radius_m) {
            return Err(PlatformError::OutsideDeliveryRadius {
                restaurant: restaurant.id,
                distance_m: distance_m.round() as u32,
                radius_m: restaurant.delivery_radius_m,
            });
        }
        let codes: Vec<&str> = if self.config.degradation.promotions_on() {
            req.promo_codes.iter().map(String::as_str).collect()
        } else {
            Vec::new()
        };
        let history = CustomerHistory::default();
        let rt = self.rt();
        let priced = quote(
            &self.config.pricing,
            &rt.promos,
            &rt.surge,
            &QuoteRequest {
                customer: req.customer,
                pickup: restaurant.location,
                pickup_cell: None,
                dropoff: req.dropoff,
                cart: &cart,
                tip: req.tip,
                promo_codes: &codes,
                history: &history,
                now: self.now(),
            },
        )?;
        drop(rt);
        Ok(Priced {
            restaurant,
            lines,
            quote: priced,
            counts_stock,
        })
    }

    /// Places an order: validated and priced ([`Platform::quote`]), stored
    /// once per idempotency key, then paid. A gateway outage does not fail
    /// the placement: the order waits in `PendingPayment` and is retried.
    pub async fn place_order(&self, req: &OrderRequest) -> Result<Placement, PlatformError> {
        self.check_rate(Endpoint::PlaceOrder, req.tier, &req.customer.get().to_string())
            .await?;
        if let Some(existing) = self
            .store
            .find_by_idempotency_key(req.customer, &req.idempotency_key)
            .await?
        {
            return Ok(self.replayed(existing));
        }
        let Priced {
            restaurant,
            lines,
            quote: priced,
            counts_stock,
        } = self.price(req).await?;
        let split = split_quote(&priced, &self.config.split)?;
        let now = self.now();
        // Prepared dishes are taken before the order exists, so two customers
        // never both get the last portion; any way out below gives them back.
        if counts_stock {
            self.reserve_stock(restaurant.id, &lines).await?;
        }
        let stored = self
            .store_new_order(req, &restaurant, &lines, &priced, &split, now)
            .await;
        if counts_stock && !matches!(stored, Ok(CreateOutcome::Created(_))) {
            self.release_stock(restaurant.id, &lines).await;
        }
        let order = match stored? {
            CreateOutcome::Created(order) => order,
            CreateOutcome::Existing(existing) => return Ok(self.replayed(existing)),
        };
        let payment = self.authorize(&order).await?;
        let order = self.store.load_order(order.id()).await?.unwrap_or(order);
        Ok(Placement {
            order,
            quote: Some(priced),
            payment,
        })
    }

    /// Stores a new order with its split; the order stored first when a
    /// concurrent request with the same key won.
    async fn store_new_order(
        &self,
        req: &OrderRequest,
        restaurant: &Restaurant,
        lines: &[OrderLine],
        priced: &Quote,
        split: &courier_core::ledger::PayoutSplit,
        now: Timestamp,
    ) -> Result<CreateOutcome, PlatformError> {
        let mut attempts = 0;
        loop {
            attempts += 1;
            let id = self.rt().next_order_id(now);
            let (order, created) = Order::place(
                Actor::Customer(req.customer),
                now,
                PlaceOrder {
                    order_id: id,
                    customer: req.customer,
                    restaurant: restaurant.id,
                    pickup: restaurant.location,
                    dropoff: req.dropoff,
                    lines: lines.to_vec(),
                    charge: priced.total,
                    idempotency_key: req.idempotency_key.clone(),
                },
            )?;
            // The split is written first: an order is never stored without
            // the numbers it settles with (an orphan split is harmless).
            self.store
                .put_if_absent(&split_key(id), &encode_split(split), now, self.config.split_retention)
                .await?;
            match self.store.create_order(&order, &created).await {
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

    fn replayed(&self, existing: Order) -> Placement {
        let payment = match existing.status() {
            OrderStatus::PendingPayment => PaymentStatus::Queued {
                retry_at: self
                    .rt()
                    .payments
                    .get(&existing.id())
                    .map_or_else(|| self.now(), |q| q.due),
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

    /// Tries to authorize a pending order's payment through the breaker.
    pub(crate) async fn authorize(&self, order: &Order) -> Result<PaymentStatus, PlatformError> {
        let now = self.now();
        let id = order.id();
        let allowed = self.rt().breaker.allow(now);
        if let Err(rejected) = allowed {
            telemetry::payment_attempt("breaker_open");
            return Ok(self.queue_payment(order, Some(rejected.retry_at)).await);
        }
        match self.payments.authorize(id, order.charge(), now).await {
            Ok(()) => {
                telemetry::payment_attempt("authorized");
                {
                    let mut rt = self.rt();
                    rt.breaker.record_success(now);
                    rt.payments.remove(&id);
                }
                match self.apply(id, Actor::System, OrderAction::AuthorizePayment).await {
                    Ok((paid, _)) => {
                        if let Some(deadline) = paid.acceptance_deadline() {
                            self.rt().deadlines.set(id, deadline);
                        }
                        self.notify(Recipient::Restaurant(paid.restaurant()), NotificationKind::NewOrder, id)
                            .await;
                        self.notify(
                            Recipient::Customer(paid.customer()),
                            NotificationKind::PaymentConfirmed,
                            id,
                        )
                        .await;
                        Ok(PaymentStatus::Authorized)
                    }
                    // The store could not record it: authorize again later
                    // (authorizations are keyed by order, so a repeat holds
                    // nothing twice).
                    Err(e) if e.is_transient() => Ok(self.queue_payment(order, None).await),
                    Err(e) => {
                        // The order moved on meanwhile (cancelled): give the hold back.
                        let _ = self.payments.release(id, now).await;
                        Err(e)
                    }
                }
            }
            Err(e) if e.is_transient() => {
                telemetry::payment_attempt("unavailable");
                self.rt().breaker.record_failure(now);
                Ok(self.queue_payment(order, None).await)
            }
            Err(_declined) => {
                telemetry::payment_attempt("declined");
                self.rt().breaker.record_success(now);
                let failed = match self.apply(id, Actor::System, OrderAction::FailPayment).await {
                    Ok((failed, _)) => failed,
                    // Not recorded: the order stays queued and is tried again.
                    Err(e) if e.is_transient() => return Ok(self.queue_payment(order, None).await),
                    Err(e) => {
                        self.rt().payments.remove(&id);
                        return Err(e);
                    }
                };
                self.rt().payments.remove(&id);
                self.settle_or_defer(&failed).await?;
                self.notify(Recipient::Customer(failed.customer()), NotificationKind::Cancelled, id)
                    .await;
                Ok(PaymentStatus::Failed)
            }
        }
    }

    async fn queue_payment(&self, order: &Order, not_before: Option<Timestamp>) -> PaymentStatus {
        let now = self.now();
        let (due, first) = {
            let mut rt = self.rt();
            let attempts = rt.payments.get(&order.id()).map_or(0, |q| q.attempts) + 1;
            let policy = self.config.payment_retry;
            let backoff = policy.backoff(attempts, &mut rt.rng).unwrap_or(policy.base_backoff);
            let due = not_before.map_or(now.plus(backoff), |t| t.max(now).plus(backoff));
            let first = rt
                .payments
                .insert(order.id(), QueuedPayment { attempts, due })
                .is_none();
            (due, first)
        };
        if first {
            self.notify(
                Recipient::Customer(order.customer()),
                NotificationKind::PaymentDelayed,
                order.id(),
            )
            .await;
        }
        PaymentStatus::Queued { retry_at: due }
    }

    /// Retries queued payments that are due; gives up (cancelling the
    /// order) on those older than the configured limit. Returns how many
    /// were authorized.
    pub async fn retry_payments(&self) -> Result<usize, PlatformError> {
        let now = self.now();
        let due: Vec<OrderId> = self
            .rt()
            .payments
            .iter()
            .filter(|(_, q)| q.due <= now)
            .map(|(&id, _)| id)
            .collect();
        let mut authorized = 0;
        for id in due {
            let Some(order) = self.store.load_order(id).await? else {
                self.rt().payments.remove(&id);
                continue;
            };
            if order.status() != OrderStatus::PendingPayment {
                self.rt().payments.remove(&id);
                continue;
            }
            if now.since(order.times().created_at) >= self.config.payment_give_up {
                // Dequeued only once the store has the cancellation.
                let (failed, _) = self.apply(id, Actor::System, OrderAction::FailPayment).await?;
                self.rt().payments.remove(&id);
                self.settle_or_defer(&failed).await?;
                self.notify(Recipient::Customer(failed.customer()), NotificationKind::Cancelled, id)
                    .await;
                continue;
            }
            if self.authorize(&order).await? == PaymentStatus::Authorized {
                authorized += 1;
            }
        }
        Ok(authorized)
    }

    /// Orders waiting for the payment gateway.
    pub fn payments_queued(&self) -> usize {
        self.rt().payments.len()
    }

    /// The payment gateway's breaker state.
    pub fn payment_breaker(&self) -> crate::resilience::BreakerState {
        self.rt().breaker.state()
    }

    pub(crate) async fn load_split(&self, id: OrderId) -> Result<courier_core::ledger::PayoutSplit, PlatformError> {
        let key = split_key(id);
        let bytes = self
            .store
            .get(&key, self.now())
            .await?
            .ok_or_else(|| PlatformError::Corrupt {
                key: key.clone(),
                reason: "the payout split is missing".into(),
            })?;
        crate::settlement::decode_split(&bytes, self.config.pricing.currency)
            .map_err(|reason| PlatformError::Corrupt { key, reason })
    }
}
