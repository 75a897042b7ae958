//! The payment gateway port and a fake one with scheduled outages.
//!
//! Calls are keyed by order: a gateway must treat a repeated call for the
//! same order as the same request (the order id is the provider's
//! idempotency key), so a retry after a timeout never charges twice.

use std::collections::BTreeSet;
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

#[derive(Debug, Default)]
struct FakeState {
    outages: Vec<(Timestamp, Timestamp)>,
    declined: BTreeSet<OrderId>,
    calls: Vec<GatewayCall>,
    record: bool,
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

    /// The calls answered so far, oldest first.
    pub fn calls(&self) -> Vec<GatewayCall> {
        self.lock().calls.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, FakeState> {
        // A panic while holding the lock cannot leave the state half-written
        // (every update is one push or insert), so a poisoned lock is usable.
        self.state.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn answer(&self, at: Timestamp, call: impl Fn(bool) -> GatewayCall) -> Result<(), PaymentError> {
        let mut state = self.lock();
        let down = state.outages.iter().any(|&(from, until)| from <= at && at < until);
        if state.record {
            state.calls.push(call(!down));
        }
        if down {
            Err(PaymentError::Unavailable("503 from the payment provider".into()))
        } else {
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
        self.answer(at, |ok| GatewayCall::Authorize(order, amount, at, ok))
    }

    async fn capture(&self, order: OrderId, amount: Money, at: Timestamp) -> Result<(), PaymentError> {
        self.answer(at, |ok| GatewayCall::Capture(order, amount, at, ok))
    }

    async fn release(&self, order: OrderId, at: Timestamp) -> Result<(), PaymentError> {
        self.answer(at, |ok| GatewayCall::Release(order, at, ok))
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
