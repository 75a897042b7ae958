//! Payments: everything said to the payment gateway. Authorization at
//! placement behind a circuit breaker, with a retry queue while the gateway
//! is down (seed 000's outage timeline); capture at delivery, retried the
//! same way; and what an ended order keeps or gives back.

use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::order::{Actor, Order, OrderAction, OrderStatus};
use courier_core::ports::Store;
use courier_core::{Duration, Money, OrderId, Timestamp};
use rand::RngCore;

use crate::config::PlatformConfig;
use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentError, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::resilience::{BreakerState, CircuitBreaker, RetryPolicy};
use crate::services::books::{Ending, RECEIPT_TTL};
use crate::services::kitchen::Kitchen;
use crate::telemetry;

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

/// How long the instance that began an order's payment step (placement's
/// authorization, delivery's capture) has to finish it before another
/// instance following the store retries it.
const HANDOFF: Duration = Duration::from_secs(30);

/// A payment waiting for the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QueuedPayment {
    /// Attempts made so far.
    attempts: u32,
    /// When to try next.
    due: Timestamp,
}

/// An ended order's capture of what it keeps and release of the rest,
/// waiting for the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct QueuedConclusion {
    /// Attempts and when to try next.
    queued: QueuedPayment,
    /// The part of the hold kept (captured); the rest is released.
    retained: Money,
}

/// The retry queues, and the randomness that jitters their backoff.
struct Queues {
    authorizations: BTreeMap<OrderId, QueuedPayment>,
    captures: BTreeMap<OrderId, QueuedPayment>,
    conclusions: BTreeMap<OrderId, QueuedConclusion>,
    rng: Box<dyn RngCore + Send>,
}

impl Queues {
    /// The next try after `attempts` failed ones, backed off from `after`.
    fn next_try(&mut self, attempts: u32, policy: RetryPolicy, after: Timestamp) -> QueuedPayment {
        let attempts = attempts + 1;
        let backoff = policy.backoff(attempts, &mut self.rng).unwrap_or(policy.base_backoff);
        QueuedPayment {
            attempts,
            due: after.plus(backoff),
        }
    }

    /// Queues (again) `order` in `queue` with the next backoff; returns when
    /// it is due and whether it was not queued before.
    fn requeue(&mut self, capture: bool, order: OrderId, policy: RetryPolicy, after: Timestamp) -> (Timestamp, bool) {
        let queue = if capture { &self.captures } else { &self.authorizations };
        let attempts = queue.get(&order).map_or(0, |q| q.attempts);
        let next = self.next_try(attempts, policy, after);
        let queue = if capture {
            &mut self.captures
        } else {
            &mut self.authorizations
        };
        let first = queue.insert(order, next).is_none();
        (next.due, first)
    }

    /// Queues (again) `order`'s conclusion with the next backoff.
    fn requeue_conclusion(&mut self, order: OrderId, retained: Money, policy: RetryPolicy, after: Timestamp) {
        let attempts = self.conclusions.get(&order).map_or(0, |q| q.queued.attempts);
        let queued = self.next_try(attempts, policy, after);
        self.conclusions.insert(order, QueuedConclusion { queued, retained });
    }
}

/// The key of an ended order's conclusion receipt: its hold captured as
/// kept and the rest released.
pub(crate) fn conclusion_key(order: OrderId) -> String {
    format!("concluded:{}", order.get())
}

/// The payments service.
pub(crate) struct Payments {
    breaker: Mutex<CircuitBreaker>,
    queues: Mutex<Queues>,
    retry: RetryPolicy,
    /// A payment still failing this long after the order was created is
    /// given up.
    give_up: Duration,
}

impl Payments {
    pub(crate) fn new(config: &PlatformConfig, rng: Box<dyn RngCore + Send>) -> Payments {
        Payments {
            breaker: Mutex::new(CircuitBreaker::new(config.payment_breaker)),
            queues: Mutex::new(Queues {
                authorizations: BTreeMap::new(),
                captures: BTreeMap::new(),
                conclusions: BTreeMap::new(),
                rng,
            }),
            retry: config.payment_retry,
            give_up: config.payment_give_up,
        }
    }

    fn breaker(&self) -> MutexGuard<'_, CircuitBreaker> {
        self.breaker.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn queues(&self) -> MutexGuard<'_, Queues> {
        // Queue updates are single inserts and removals: a panic between two
        // leaves each queue whole, and recovery rebuilds them from the store.
        self.queues.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Tries to authorize a pending order's payment through the breaker. On
    /// success the kitchen's acceptance clock starts; a decline ends the order.
    pub(crate) async fn authorize(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        kitchen: &Kitchen,
        ending: &Ending<'_>,
        order: &Order,
    ) -> Result<PaymentStatus, PlatformError> {
        let now = parts.now();
        let id = order.id();
        let allowed = self.breaker().allow(now);
        if let Err(rejected) = allowed {
            telemetry::payment_attempt("breaker_open");
            return Ok(self.queue_authorization(parts, order, Some(rejected.retry_at)).await);
        }
        match parts.gateway.authorize(id, order.charge(), now).await {
            Ok(()) => {
                telemetry::payment_attempt("authorized");
                self.breaker().record_success(now);
                self.queues().authorizations.remove(&id);
                match parts.apply(id, Actor::System, OrderAction::AuthorizePayment).await {
                    Ok((paid, _)) => {
                        if let Some(deadline) = paid.acceptance_deadline() {
                            kitchen.await_acceptance(id, deadline);
                        }
                        parts
                            .notify(Recipient::Restaurant(paid.restaurant()), NotificationKind::NewOrder, id)
                            .await;
                        parts
                            .notify(
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
                    Err(e) if e.is_transient() => Ok(self.queue_authorization(parts, order, None).await),
                    Err(e) => {
                        // The order moved on meanwhile. Recorded as authorized
                        // (by another instance retrying it): the hold is that
                        // authorization. Ended unpaid (cancelled): give it back.
                        match parts.store.load_order(id).await {
                            Ok(Some(stored)) if stored.times().placed_at.is_some() => Ok(PaymentStatus::Authorized),
                            _ => {
                                let _ = parts.gateway.release(id, now).await;
                                Err(e)
                            }
                        }
                    }
                }
            }
            Err(e) if e.is_transient() => {
                telemetry::payment_attempt("unavailable");
                self.breaker().record_failure(now);
                Ok(self.queue_authorization(parts, order, None).await)
            }
            Err(_declined) => {
                telemetry::payment_attempt("declined");
                self.breaker().record_success(now);
                let failed = match parts.apply(id, Actor::System, OrderAction::FailPayment).await {
                    Ok((failed, _)) => failed,
                    // Not recorded: the order stays queued and is tried again.
                    Err(e) if e.is_transient() => return Ok(self.queue_authorization(parts, order, None).await),
                    Err(e) => {
                        self.queues().authorizations.remove(&id);
                        return Err(e);
                    }
                };
                self.queues().authorizations.remove(&id);
                ending.settle_or_defer(parts, &failed).await?;
                parts
                    .notify(Recipient::Customer(failed.customer()), NotificationKind::Cancelled, id)
                    .await;
                Ok(PaymentStatus::Failed)
            }
        }
    }

    async fn queue_authorization(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: &Order,
        not_before: Option<Timestamp>,
    ) -> PaymentStatus {
        let now = parts.now();
        let after = not_before.map_or(now, |t| t.max(now));
        let (due, first) = self.queues().requeue(false, order.id(), self.retry, after);
        if first {
            parts
                .notify(
                    Recipient::Customer(order.customer()),
                    NotificationKind::PaymentDelayed,
                    order.id(),
                )
                .await;
        }
        PaymentStatus::Queued { retry_at: due }
    }

    /// Retries queued authorizations that are due; gives up (cancelling the
    /// order) on those older than the configured limit. Returns how many
    /// were authorized.
    pub(crate) async fn retry_authorizations(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        kitchen: &Kitchen,
        ending: &Ending<'_>,
    ) -> Result<usize, PlatformError> {
        let now = parts.now();
        let due: Vec<OrderId> = self
            .queues()
            .authorizations
            .iter()
            .filter(|(_, q)| q.due <= now)
            .map(|(&id, _)| id)
            .collect();
        let mut authorized = 0;
        for id in due {
            let Some(order) = parts.store.load_order(id).await? else {
                self.queues().authorizations.remove(&id);
                continue;
            };
            if order.status() != OrderStatus::PendingPayment {
                self.queues().authorizations.remove(&id);
                continue;
            }
            if now.since(order.times().created_at) >= self.give_up {
                // Dequeued only once the store has the cancellation.
                let (failed, _) = parts.apply(id, Actor::System, OrderAction::FailPayment).await?;
                self.queues().authorizations.remove(&id);
                ending.settle_or_defer(parts, &failed).await?;
                parts
                    .notify(Recipient::Customer(failed.customer()), NotificationKind::Cancelled, id)
                    .await;
                continue;
            }
            if self.authorize(parts, kitchen, ending, &order).await? == PaymentStatus::Authorized {
                authorized += 1;
            }
        }
        Ok(authorized)
    }

    /// Captures a delivered order's charge; on success completes and settles
    /// it, otherwise queues a retry.
    pub(crate) async fn capture(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        ending: &Ending<'_>,
        order: &Order,
    ) -> Result<Order, PlatformError> {
        let now = parts.now();
        let id = order.id();
        match parts.gateway.capture(id, order.charge(), now).await {
            Ok(()) => match parts.apply(id, Actor::System, OrderAction::Complete).await {
                Ok((completed, _)) => {
                    self.queues().captures.remove(&id);
                    ending.settle_or_defer(parts, &completed).await?;
                    Ok(completed)
                }
                // Storage failed after the gateway captured: capture again
                // later (captures are keyed by order, so a repeat is harmless)
                // and complete then.
                Err(e) if e.is_transient() => Ok(self.queue_capture(order, now)),
                Err(e) => Err(e),
            },
            Err(_) => Ok(self.queue_capture(order, now)),
        }
    }

    /// Puts a delivered order's capture back in the queue with backoff.
    fn queue_capture(&self, order: &Order, now: Timestamp) -> Order {
        self.queues().requeue(true, order.id(), self.retry, now);
        order.clone()
    }

    /// Retries captures that are due. Returns how many completed.
    pub(crate) async fn retry_captures(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        ending: &Ending<'_>,
    ) -> Result<usize, PlatformError> {
        let now = parts.now();
        let due: Vec<OrderId> = self
            .queues()
            .captures
            .iter()
            .filter(|(_, q)| q.due <= now)
            .map(|(&id, _)| id)
            .collect();
        let mut completed = 0;
        for id in due {
            match parts.store.load_order(id).await? {
                Some(o) if o.status() == OrderStatus::Delivered => {
                    if self.capture(parts, ending, &o).await?.status() == OrderStatus::Completed {
                        completed += 1;
                    }
                }
                // Completed by an earlier attempt whose answer was lost: the
                // bookkeeping did not run after it.
                Some(o) if o.status() == OrderStatus::Completed => {
                    self.queues().captures.remove(&id);
                    ending.settle_or_defer(parts, &o).await?;
                }
                _ => {
                    self.queues().captures.remove(&id);
                }
            }
        }
        Ok(completed)
    }

    /// What an ended order does at the gateway: `retained` (see
    /// [`crate::services::books::kept_at_the_gateway`]) is captured and the
    /// rest of the hold released. When the gateway fails
    /// either, the conclusion is queued and retried with backoff
    /// ([`Payments::retry_conclusions`]) rather than left for the hold to
    /// lapse: gateway calls are keyed by order, so repeating the capture
    /// after a failed release is harmless. The ledger (derived from the
    /// order) does not wait for it.
    pub(crate) async fn conclude(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: OrderId,
        retained: Money,
    ) {
        let now = parts.now();
        if Self::try_conclude(parts, order, retained, now).await.is_err() {
            telemetry::payment_attempt("conclusion_queued");
            self.queues().requeue_conclusion(order, retained, self.retry, now);
        }
    }

    /// Captures `retained` of `order`'s hold (when there is any) and
    /// releases the rest.
    ///
    /// Once both went through, the order's conclusion receipt is written
    /// ([`conclusion_key`]): a recovery queues again the conclusion of an
    /// ended order without one. A receipt the store could not take only
    /// means the conclusion is repeated after a crash, which changes
    /// nothing at the gateway.
    async fn try_conclude(
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: OrderId,
        retained: Money,
        now: Timestamp,
    ) -> Result<(), PaymentError> {
        if retained.minor() > 0 {
            parts.gateway.capture(order, retained, now).await?;
        }
        parts.gateway.release(order, now).await?;
        let _ = parts
            .store
            .put_if_absent(&conclusion_key(order), b"concluded", now, RECEIPT_TTL)
            .await;
        Ok(())
    }

    /// Whether the store holds `order`'s conclusion receipt.
    pub(crate) async fn concluded(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: OrderId,
    ) -> Result<bool, PlatformError> {
        Ok(parts.store.get(&conclusion_key(order), parts.now()).await?.is_some())
    }

    /// Queues a recovered order's conclusion, keeping `retained`, due at
    /// `now`. Returns whether it was not queued already.
    pub(crate) fn recover_conclusion(&self, order: OrderId, retained: Money, now: Timestamp) -> bool {
        let queued = QueuedConclusion {
            queued: QueuedPayment { attempts: 0, due: now },
            retained,
        };
        self.queues().conclusions.insert(order, queued).is_none()
    }

    /// Retries the conclusions that are due. Returns how many went through.
    pub(crate) async fn retry_conclusions(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    ) -> usize {
        let now = parts.now();
        let due: Vec<(OrderId, Money)> = self
            .queues()
            .conclusions
            .iter()
            .filter(|(_, q)| q.queued.due <= now)
            .map(|(&id, q)| (id, q.retained))
            .collect();
        let mut done = 0;
        for (id, retained) in due {
            if Self::try_conclude(parts, id, retained, now).await.is_ok() {
                self.queues().conclusions.remove(&id);
                done += 1;
            } else {
                self.queues().requeue_conclusion(id, retained, self.retry, now);
            }
        }
        done
    }

    /// Ended orders whose capture or release is waiting for the gateway.
    pub(crate) fn conclusions_queued(&self) -> usize {
        self.queues().conclusions.len()
    }

    /// Queues a recovered order's authorization, due at `now`.
    pub(crate) fn recover_authorization(&self, order: OrderId, now: Timestamp) {
        let queued = QueuedPayment { attempts: 0, due: now };
        self.queues().authorizations.insert(order, queued);
    }

    /// Queues a recovered order's capture, due at `now`.
    pub(crate) fn recover_capture(&self, order: OrderId, now: Timestamp) {
        let queued = QueuedPayment { attempts: 0, due: now };
        self.queues().captures.insert(order, queued);
    }

    /// Makes the queues hold `order` as the store does (several instances
    /// over one store): a pending payment or an uncaptured delivery queued,
    /// if it was not queued here, due [`HANDOFF`] after its step began (the
    /// instance that began it normally finishes first, and its change then
    /// takes the order out of the queue); nothing else.
    pub(crate) fn follow(&self, order: &Order) {
        let id = order.id();
        let mut queues = self.queues();
        let times = order.times();
        let after = |began: Option<Timestamp>| QueuedPayment {
            attempts: 0,
            due: began.unwrap_or(times.created_at).plus(HANDOFF),
        };
        match order.status() {
            OrderStatus::PendingPayment => {
                queues.authorizations.entry(id).or_insert(after(Some(times.created_at)));
                queues.captures.remove(&id);
            }
            OrderStatus::Delivered => {
                queues.captures.entry(id).or_insert(after(times.delivered_at));
                queues.authorizations.remove(&id);
            }
            _ => {
                queues.authorizations.remove(&id);
                queues.captures.remove(&id);
            }
        }
    }

    /// Forgets an ended order's queued attempts.
    pub(crate) fn forget(&self, order: OrderId) {
        let mut queues = self.queues();
        queues.authorizations.remove(&order);
        queues.captures.remove(&order);
    }

    /// When a queued authorization is tried next.
    pub(crate) fn authorization_due(&self, order: OrderId) -> Option<Timestamp> {
        self.queues().authorizations.get(&order).map(|q| q.due)
    }

    /// Orders waiting for the gateway to authorize.
    pub(crate) fn authorizations_queued(&self) -> usize {
        self.queues().authorizations.len()
    }

    /// Delivered orders whose capture is waiting for the gateway.
    pub(crate) fn captures_queued(&self) -> usize {
        self.queues().captures.len()
    }

    /// The breaker's state.
    pub(crate) fn breaker_state(&self) -> BreakerState {
        self.breaker().state()
    }
}
