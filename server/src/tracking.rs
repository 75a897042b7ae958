//! Live tracking: the platform's notifications and courier positions fanned
//! out to the order streams (`GET /v1/orders/{id}/track`).
//!
//! The hub is the platform's [`Notifier`]: every notification becomes a
//! status event for its order. A subscriber that falls behind loses the
//! oldest events and is told so; the order's current state can always be
//! read again. When several instances share the store, events go through a
//! Redis channel ([`TrackingHub::shared`]), so a stream on one instance sees
//! what happened through another.

use std::time::Duration as StdDuration;

use courier_core::{CourierId, CustomerId, GeoPoint, OrderId, RestaurantId, Timestamp};
use courier_platform::external::{Notification, NotificationKind, Notifier, NotifyError, Recipient};
use courier_storage::redis::RedisStore;
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use tokio::sync::{broadcast, mpsc, watch};

/// The Redis channel (under the store's prefix) tracking events cross.
const CHANNEL: &str = "track";

/// Events waiting to go out to Redis before new ones are dropped.
const OUTGOING: usize = 16_384;

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
    /// Where events go first when instances share them (through Redis).
    outgoing: Option<mpsc::Sender<TrackEvent>>,
    /// Events dropped on the way out (the fan-out could not keep up).
    dropped: std::sync::atomic::AtomicU64,
    /// When each courier's position last went out to its orders' streams.
    positions_sent: std::sync::Mutex<std::collections::HashMap<CourierId, Timestamp>>,
}

impl Default for TrackingHub {
    fn default() -> Self {
        TrackingHub {
            events: broadcast::channel(BACKLOG).0,
            closing: watch::channel(false).0,
            outgoing: None,
            dropped: Default::default(),
            positions_sent: Default::default(),
        }
    }
}

impl TrackingHub {
    /// A hub whose events cross every instance subscribed to `redis`'s
    /// tracking channel: published there, and fanned out here from there
    /// (this instance's own included), on two background tasks. Delivery
    /// is at most once, as within one instance.
    pub fn shared(redis: RedisStore) -> TrackingHub {
        let hub = TrackingHub::default();
        let (outgoing, mut queue) = mpsc::channel::<TrackEvent>(OUTGOING);
        let publisher = redis.clone();
        tokio::spawn(async move {
            while let Some(event) = queue.recv().await {
                let Ok(payload) = serde_json::to_vec(&WireEvent::from(event)) else {
                    continue;
                };
                if let Err(e) = publisher.publish(CHANNEL, &payload).await {
                    tracing::warn!(error = %e, "tracking event not published");
                }
            }
        });
        let events = hub.events.clone();
        tokio::spawn(async move {
            loop {
                match redis.subscribe(CHANNEL).await {
                    Ok(mut stream) => {
                        while let Some(payload) = stream.next().await {
                            if let Some(event) = serde_json::from_slice::<WireEvent>(&payload)
                                .ok()
                                .and_then(WireEvent::into_event)
                            {
                                let _ = events.send(event);
                            }
                        }
                        tracing::warn!("tracking channel closed; subscribing again");
                    }
                    Err(e) => tracing::warn!(error = %e, "tracking channel unavailable"),
                }
                tokio::time::sleep(StdDuration::from_millis(500)).await;
            }
        });
        TrackingHub {
            outgoing: Some(outgoing),
            ..hub
        }
    }

    /// Publishes an event (dropped when nobody listens, or, shared, when
    /// the way out is full).
    pub fn publish(&self, event: TrackEvent) {
        match &self.outgoing {
            Some(outgoing) => {
                if outgoing.try_send(event).is_err() {
                    self.note_dropped(1);
                }
            }
            None => {
                let _ = self.events.send(event);
            }
        }
    }

    /// Sends a courier's position to the streams of the orders it carries,
    /// unless one went out less than `interval` ago (the degradation ladder
    /// slows tracking from every fix to every 30 s). True when sent.
    pub fn publish_position(
        &self,
        courier: CourierId,
        orders: &[OrderId],
        at: GeoPoint,
        time: Timestamp,
        interval: courier_core::Duration,
    ) -> bool {
        {
            let mut sent = self
                .positions_sent
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if sent.get(&courier).is_some_and(|last| time.since(*last) < interval) {
                return false;
            }
            if orders.is_empty() {
                sent.remove(&courier);
                return false;
            }
            sent.insert(courier, time);
        }
        for &order in orders {
            self.publish(TrackEvent::Position {
                order,
                courier,
                at,
                time,
            });
        }
        true
    }

    /// Counts events a subscriber or the way out lost.
    pub fn note_dropped(&self, events: u64) {
        self.dropped.fetch_add(events, std::sync::atomic::Ordering::Relaxed);
        metrics::counter!("courier_tracking_events_dropped_total").increment(events);
    }

    /// Events dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
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

/// A tracking event as it crosses instances.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WireEvent {
    Notified {
        to: String,
        to_id: u64,
        kind: String,
        order: u64,
        at_ms: i64,
    },
    Position {
        order: u64,
        courier: u64,
        lat: f64,
        lng: f64,
        at_ms: i64,
    },
}

impl From<TrackEvent> for WireEvent {
    fn from(event: TrackEvent) -> WireEvent {
        match event {
            TrackEvent::Notified(n) => {
                let (to, to_id) = match n.to {
                    Recipient::Customer(c) => ("customer", c.get()),
                    Recipient::Restaurant(r) => ("restaurant", r.get()),
                    Recipient::Courier(c) => ("courier", c.get()),
                };
                WireEvent::Notified {
                    to: to.to_owned(),
                    to_id,
                    kind: n.kind.name().to_owned(),
                    order: n.order.get(),
                    at_ms: n.at.as_millis(),
                }
            }
            TrackEvent::Position {
                order,
                courier,
                at,
                time,
            } => WireEvent::Position {
                order: order.get(),
                courier: courier.get(),
                lat: at.lat(),
                lng: at.lng(),
                at_ms: time.as_millis(),
            },
        }
    }
}

impl WireEvent {
    /// The event, or `None` for one this version cannot read.
    fn into_event(self) -> Option<TrackEvent> {
        match self {
            WireEvent::Notified {
                to,
                to_id,
                kind,
                order,
                at_ms,
            } => {
                let to = match to.as_str() {
                    "customer" => Recipient::Customer(CustomerId::new(to_id)),
                    "restaurant" => Recipient::Restaurant(RestaurantId::new(to_id)),
                    "courier" => Recipient::Courier(CourierId::new(to_id)),
                    _ => return None,
                };
                Some(TrackEvent::Notified(Notification {
                    to,
                    kind: NotificationKind::from_name(&kind)?,
                    order: OrderId::new(order),
                    at: Timestamp::from_millis(at_ms),
                }))
            }
            WireEvent::Position {
                order,
                courier,
                lat,
                lng,
                at_ms,
            } => Some(TrackEvent::Position {
                order: OrderId::new(order),
                courier: CourierId::new(courier),
                at: GeoPoint::new(lat, lng).ok()?,
                time: Timestamp::from_millis(at_ms),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_cross_instances_unchanged() {
        let events = [
            TrackEvent::Notified(Notification {
                to: Recipient::Courier(CourierId::new(4)),
                kind: NotificationKind::Offer,
                order: OrderId::new(9),
                at: Timestamp::from_millis(1_234),
            }),
            TrackEvent::Position {
                order: OrderId::new(9),
                courier: CourierId::new(4),
                at: GeoPoint::new(60.17, 24.94).unwrap(),
                time: Timestamp::from_millis(5_678),
            },
        ];
        for event in events {
            let bytes = serde_json::to_vec(&WireEvent::from(event)).unwrap();
            let back = serde_json::from_slice::<WireEvent>(&bytes).unwrap().into_event();
            assert_eq!(back, Some(event));
        }
        let unknown = WireEvent::Notified {
            to: "someone".into(),
            to_id: 1,
            kind: "offer".into(),
            order: 1,
            at_ms: 0,
        };
        assert_eq!(unknown.into_event(), None);
    }
}
