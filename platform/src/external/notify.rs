//! The notifier port (push, SMS, email) and a recording fake.

use std::collections::BTreeMap;
use std::sync::Mutex;

use courier_core::{CourierId, CustomerId, OrderId, RestaurantId, Timestamp};

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Recipient {
    /// A customer.
    Customer(CustomerId),
    /// A restaurant's tablet.
    Restaurant(RestaurantId),
    /// A courier's app.
    Courier(CourierId),
}

/// How they are told.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Channel {
    /// An app push notification.
    Push,
    /// A text message (for what must not be missed: the courier is at the door).
    Sms,
    /// An email (receipts, refunds).
    Email,
}

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NotificationKind {
    /// A new order for the restaurant to accept.
    NewOrder,
    /// The payment provider is down: the order waits ("Payment temporarily unavailable").
    PaymentDelayed,
    /// The payment went through.
    PaymentConfirmed,
    /// The restaurant accepted.
    Accepted,
    /// The restaurant rejected it or let the deadline pass.
    Rejected,
    /// A delivery offer for a courier.
    Offer,
    /// The courier's offer ended unaccepted: declined, lapsed or withdrawn.
    OfferClosed,
    /// The order is no longer the courier's: taken back or reassigned
    /// (a cancellation is told as [`NotificationKind::Cancelled`]).
    Unassigned,
    /// A courier is on the way to the restaurant.
    CourierAssigned,
    /// The courier reached the restaurant.
    CourierAtRestaurant,
    /// The food is on its way.
    PickedUp,
    /// The courier reached the customer's address.
    CourierAtDoor,
    /// Delivered.
    Delivered,
    /// Cancelled, with the refund if any.
    Cancelled,
}

impl NotificationKind {
    /// Every kind, in declaration order.
    pub const ALL: [NotificationKind; 14] = [
        NotificationKind::NewOrder,
        NotificationKind::PaymentDelayed,
        NotificationKind::PaymentConfirmed,
        NotificationKind::Accepted,
        NotificationKind::Rejected,
        NotificationKind::Offer,
        NotificationKind::OfferClosed,
        NotificationKind::Unassigned,
        NotificationKind::CourierAssigned,
        NotificationKind::CourierAtRestaurant,
        NotificationKind::PickedUp,
        NotificationKind::CourierAtDoor,
        NotificationKind::Delivered,
        NotificationKind::Cancelled,
    ];

    /// The kind named `name` (as [`NotificationKind::name`] writes it).
    ///
    /// ```
    /// use courier_platform::external::NotificationKind;
    /// for kind in NotificationKind::ALL {
    ///     assert_eq!(NotificationKind::from_name(kind.name()), Some(kind));
    /// }
    /// assert_eq!(NotificationKind::from_name("nonsense"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<NotificationKind> {
        NotificationKind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// A stable name for logs and metrics.
    pub const fn name(self) -> &'static str {
        match self {
            NotificationKind::NewOrder => "new_order",
            NotificationKind::PaymentDelayed => "payment_delayed",
            NotificationKind::PaymentConfirmed => "payment_confirmed",
            NotificationKind::Accepted => "accepted",
            NotificationKind::Rejected => "rejected",
            NotificationKind::Offer => "offer",
            NotificationKind::OfferClosed => "offer_closed",
            NotificationKind::Unassigned => "unassigned",
            NotificationKind::CourierAssigned => "courier_assigned",
            NotificationKind::CourierAtRestaurant => "courier_at_restaurant",
            NotificationKind::PickedUp => "picked_up",
            NotificationKind::CourierAtDoor => "courier_at_door",
            NotificationKind::Delivered => "delivered",
            NotificationKind::Cancelled => "cancelled",
        }
    }

    /// The channel this kind goes out on.
    pub const fn channel(self) -> Channel {
        match self {
            NotificationKind::CourierAtDoor => Channel::Sms,
            NotificationKind::Cancelled => Channel::Email,
            _ => Channel::Push,
        }
    }
}

/// One message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Notification {
    /// To whom.
    pub to: Recipient,
    /// What about.
    pub kind: NotificationKind,
    /// The order concerned.
    pub order: OrderId,
    /// When it was sent.
    pub at: Timestamp,
}

/// A notifier refused or failed a message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("notification failed: {0}")]
pub struct NotifyError(pub String);

/// Sends notifications. Delivery is best effort: the platform counts a
/// failure and goes on, since no order state depends on a message.
pub trait Notifier: Send + Sync {
    /// Sends one message.
    fn send(&self, notification: Notification) -> impl Future<Output = Result<(), NotifyError>> + Send;
}

/// Keeps what was sent: every message, or only counts per kind for long runs.
#[derive(Debug, Default)]
pub struct RecordingNotifier {
    keep_messages: bool,
    sent: Mutex<(Vec<Notification>, BTreeMap<NotificationKind, u64>)>,
}

impl RecordingNotifier {
    /// Keeps every message.
    pub fn new() -> RecordingNotifier {
        RecordingNotifier {
            keep_messages: true,
            ..RecordingNotifier::default()
        }
    }

    /// Keeps counts only.
    pub fn counting() -> RecordingNotifier {
        RecordingNotifier::default()
    }

    /// Messages sent so far (empty when counting only).
    pub fn sent(&self) -> Vec<Notification> {
        self.lock().0.clone()
    }

    /// Messages sent so far, by kind.
    pub fn counts(&self) -> BTreeMap<NotificationKind, u64> {
        self.lock().1.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Vec<Notification>, BTreeMap<NotificationKind, u64>)> {
        // Each update is one push and one increment: a poisoned lock holds nothing half-done.
        self.sent.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Notifier for RecordingNotifier {
    async fn send(&self, notification: Notification) -> Result<(), NotifyError> {
        let mut sent = self.lock();
        if self.keep_messages {
            sent.0.push(notification);
        }
        *sent.1.entry(notification.kind).or_default() += 1;
        Ok(())
    }
}

impl<N: Notifier> Notifier for std::sync::Arc<N> {
    fn send(&self, notification: Notification) -> impl Future<Output = Result<(), NotifyError>> + Send {
        (**self).send(notification)
    }
}
