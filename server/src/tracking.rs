//! Live tracking: the platform's notifications and courier positions fanned
//! out to the order streams (`GET /v1/orders/{id}/track`).
//!
//! The hub is the platform's [`Notifier`]: every notification becomes a
//! status event for its order. A subscriber that falls behind loses the
//! oldest events and is told so; the order's current state can always be
//! read again.

use courier_core::{CourierId, GeoPoint, OrderId, Timestamp};
use courier_platform::external::{Notification, Notifier, NotifyError};
use tokio::sync::{broadcast, watch};

/// How many events a slow subscriber may lag before losing some.
const BACKLOG: usize = 4_096;

/// Something that happened to an order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TrackEvent {
    /// A notification about the order (its status likely changed).
    Notified(Notification),
    /// The courier carrying the order moved.
    Position {
        /// The order.
        order: OrderId,
        /// Its courier.
        courier: CourierId,
        /// Where they are.
        at: GeoPoint,
        /// When.
        time: Timestamp,
    },
}

impl TrackEvent {
    /// The order it concerns.
    pub fn order(&self) -> OrderId {
        match self {
            TrackEvent::Notified(n) => n.order,
            TrackEvent::Position { order, .. } => *order,
        }
    }
}

/// Fans events out to subscribers; closes every stream on shutdown.
#[derive(Debug)]
pub struct TrackingHub {
    events: broadcast::Sender<TrackEvent>,
    closing: watch::Sender<bool>,
}

impl Default for TrackingHub {
    fn default() -> Self {
        TrackingHub {
            events: broadcast::channel(BACKLOG).0,
            closing: watch::channel(false).0,
        }
    }
}

impl TrackingHub {
    /// Publishes an event (dropped when nobody listens).
    pub fn publish(&self, event: TrackEvent) {
        let _ = self.events.send(event);
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<TrackEvent> {
        self.events.subscribe()
    }

    /// A receiver that turns true when the server shuts down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Ends every stream, so a graceful shutdown is not held open by them.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

impl Notifier for TrackingHub {
    async fn send(&self, notification: Notification) -> Result<(), NotifyError> {
        self.publish(TrackEvent::Notified(notification));
        Ok(())
    }
}
