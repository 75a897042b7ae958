//! The payment gateway port and a fake one with scheduled outages.
//!
//! Calls are keyed by order: a gateway must treat a repeated call for the
//! same order as the same request (the order id is the provider's
//! idempotency key), so a retry after a timeout never charges twice.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;

use courier_core::{Money, OrderId, Timestamp};

/// Why a gateway call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The provider is down or timed out: retry later.
    #[error("payment provider unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the card: do not retry.
    #[error("payment declined for {order}: {reason}")]
    Declined {
        /// The order.
        order: OrderId,
        /// The provider's reason.
        reason: String,
    },
}

impl PaymentError {
    /// True if a later retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, PaymentError::Unavailable(_))
    }
}

/// A card payment provider (authorize, capture, release).
pub trait PaymentGateway: Send + Sync {
    /// Holds `amount` on the customer's card for `order`.
    fn authorize(
        &self,
        order: OrderId,
        amount: Money,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), PaymentError>> + Send;

    /// Takes `amount` of the order's hold.
    fn capture(
        &self,
        order: OrderId,
        amount: Money,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), PaymentError>> + Send;

    /// Gives back whatever of the order's hold was not captured.
    fn release(&self, order: OrderId, at: Timestamp) -> impl Future<Output = Result<(), PaymentError>> + Send;
}

/// One call the fake gateway answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GatewayCall {
    /// An authorization, and whether it succeeded.
    Authorize(OrderId, Money, Timestamp, bool),
    /// A capture.
    Capture(OrderId, Money, Timestamp, bool),
    /// A release.
    Release(OrderId, Timestamp, bool),
}

/// What the fake gateway holds for one order, as a provider's own records
/// show it: what a platform's books are reconciled with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GatewayAccount {
    /// Held on the customer's card.
    pub authorized: Money,
    /// Taken of the hold (a capture repeated for the same order is the same
    /// capture, not a second one).
    pub captured: Money,
    /// Whatever was not captured was given back.
    pub released: bool,
}

impl GatewayAccount {
    /// Nothing stays held: the hold was captured in full, or the rest
    /// released.
    pub fn closed(&self) -> bool {
        self.released || self.captured == self.authorized
    }
}

#[derive(Debug, Default)]
struct FakeState {
    outages: Vec<(Timestamp, Timestamp)>,
    declined: BTreeSet<OrderId>,
    calls: Vec<GatewayCall>,
    record: bool,
    accounts: BTreeMap<OrderId, GatewayAccount>,
}

/// A gateway that succeeds except during scheduled outages (every call
/// fails as unavailable) and for orders marked as declined.
///
/// ```
/// use courier_core::{Currency, Money, OrderId, Timestamp};
/// use courier_platform::external::{FakeGateway, PaymentGateway};
/// let gateway = FakeGateway::new();
/// gateway.add_outage(Timestamp::from_millis(0), Timestamp::from_millis(300_000));
/// let usd = Money::new(2500, Currency::Usd);
/// let during = futures::executor::block_on(gateway.authorize(OrderId::new(1), usd, Timestamp::from_millis(1_000)));
/// assert!(during.is_err_and(|e| e.is_transient()));
/// let after = futures::executor::block_on(gateway.authorize(OrderId::new(1), usd, Timestamp::from_millis(300_000)));
/// assert!(after.is_ok());
/// ```
#[derive(Debug, Default)]
pub struct FakeGateway {
    state: Mutex<FakeState>,
}

impl FakeGateway {
    /// A gateway that records every call.
    pub fn new() -> FakeGateway {
        FakeGateway {
            state: Mutex::new(FakeState {
                record: true,
                ..FakeState::default()
            }),
        }
    }

    /// A gateway that keeps no call log (long simulations).
    pub fn unrecorded() -> FakeGateway {
        FakeGateway::default()
    }

    /// Every call in `[from, until)` fails as unavailable.
    pub fn add_outage(&self, from: Timestamp, until: Timestamp) {
        self.lock().outages.push((from, until));
    }

    /// Authorizations for `order` are declined.
    pub fn decline(&self, order: OrderId) {
        self.lock().declined.insert(order);
    }

    /// What the gateway holds for `order`: none if it never authorized,
    /// captured or released anything for it. Kept whether or not calls are
    /// recorded.
    ///
    /// ```
    /// use courier_core::{Currency, Money, OrderId, Timestamp};
    /// use courier_platform::external::{FakeGateway, PaymentGateway};
    /// use futures::executor::block_on;
    /// let (gateway, order, t) = (FakeGateway::unrecorded(), OrderId::new(7), Timestamp::from_millis(0));
    /// let usd = |c| Money::new(c, Currency::Usd);
    /// block_on(gateway.authorize(order, usd(2_500), t))?;
    /// block_on(gateway.capture(order, usd(1_000), t))?;
    /// block_on(gateway.capture(order, usd(1_000), t))?; // the same capture, repeated
    /// let held = gateway.account(order).ok_or("no account")?;
    /// assert_eq!((held.captured, held.closed()), (usd(1_000), false));
    /// block_on(gateway.release(order, t))?;
    /// assert!(gateway.account(order).ok_or("no account")?.closed());
    /// assert_eq!(gateway.account(OrderId::new(8)), None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn account(&self, order: OrderId) -> Option<GatewayAccount> {
        self.lock().accounts.get(&order).copied()
    }

    /// The calls answered so far, oldest first.
    pub fn calls(&self) -> Vec<GatewayCall> {
        self.lock().calls.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic while holding the lock cannot leave the state half-written
        // (every update is one push or insert), so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Answers a call: unavailable during an outage; otherwise `book` the
    /// call into the order's account.
    fn answer(
        &self,
        at: Timestamp,
        call: impl Fn(bool) -> GatewayCall,
        book: impl FnOnce(&mut BTreeMap<OrderId, GatewayAccount>),
    ) -> Result<(), PaymentError> {
        let mut state = self.lock();
        let down = state.outages.iter().any(|&(from, until)| from <= at && at < until);
        if state.record {
            state.calls.push(call(!down));
        }
        if down {
            Err(PaymentError::Unavailable("503 from the payment provider".into()))
        } else {
            book(&mut state.accounts);
            Ok(())
        }
    }
}

impl PaymentGateway for FakeGateway {
    async fn authorize(&self, order: OrderId, amount: Money, at: Timestamp) -> Result<(), PaymentError> {
        if self.lock().declined.contains(&order) {
            return Err(PaymentError::Declined {
                order,
                reason: "card declined".into(),
            });
        }
        // A repeated authorization is the same request: the first hold stands.
        let book = |accounts: &mut BTreeMap<OrderId, GatewayAccount>| {
            accounts.entry(order).or_insert(GatewayAccount {
                authorized: amount,
                captured: Money::zero(amount.currency()),
                released: false,
            });
        };
        self.answer(at, |ok| GatewayCall::Authorize(order, amount, at, ok), book)
    }

    async fn capture(&self, order: OrderId, amount: Money, at: Timestamp) -> Result<(), PaymentError> {
        // Keyed by order: a capture repeated is the same capture. One with
        // no hold shows as captured beyond what was authorized.
        let book = |accounts: &mut BTreeMap<OrderId, GatewayAccount>| {
            let zero = Money::zero(amount.currency());
            accounts
                .entry(order)
                .or_insert(GatewayAccount {
                    authorized: zero,
                    captured: zero,
                    released: false,
                })
                .captured = amount;
        };
        self.answer(at, |ok| GatewayCall::Capture(order, amount, at, ok), book)
    }

    async fn release(&self, order: OrderId, at: Timestamp) -> Result<(), PaymentError> {
        let book = |accounts: &mut BTreeMap<OrderId, GatewayAccount>| {
            if let Some(account) = accounts.get_mut(&order) {
                account.released = true;
            }
        };
        self.answer(at, |ok| GatewayCall::Release(order, at, ok), book)
    }
}

impl<G: PaymentGateway> PaymentGateway for std::sync::Arc<G> {
    fn authorize(
        &self,
        order: OrderId,
        amount: Money,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), PaymentError>> + Send {
        (**self).authorize(order, amount, at)
    }

    fn capture(
        &self,
        order: OrderId,
        amount: Money,
        at: Timestamp,
    ) -> impl Future<Output = Result<(), PaymentError>> + Send {
        (**self).capture(order, amount, at)
    }

    fn release(&self, order: OrderId, at: Timestamp) -> impl Future<Output = Result<(), PaymentError>> + Send {
        (**self).release(order, at)
    }
}
