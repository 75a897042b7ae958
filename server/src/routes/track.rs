//! `GET /v1/orders/{id}/track`: server-sent events with the order's status
//! changes and its courier's position, until the order is delivered or ends.

use std::convert::Infallible;

use axum::response::sse::{Event, KeepAlive, Sse};
use courier_core::order::{Order, OrderStatus};
use courier_core::ports::Store;
use courier_platform::external::NotificationKind;
use futures::Stream;
use futures::stream::{self, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::wrappers::WatchStream;

use super::{json_event, order_id};
use crate::app::AppStateRef;
use crate::auth::Principal;
use crate::dto::{OrderView, Point};
use crate::error::ApiError;
use crate::extract::ApiPath;
use crate::tracking::TrackEvent;

/// Tracking ends at delivery (completion is the payment's business) or
/// when the order ends otherwise.
fn tracking_ends(order: &Order) -> bool {
    order.status() == OrderStatus::Delivered || order.status().is_terminal()
}

fn status_event(order: &Order) -> Event {
    json_event("status", &OrderView::from(order))
}

#[utoipa::path(get, path = "/v1/orders/{id}/track", tag = "orders", params(("id" = String, Path)),
    responses((status = 200, description = "text/event-stream: `status` events (the order) and `position` events ({lat, lng})"),
        (status = 403, body = crate::error::ErrorBody), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn track<S: Store + 'static>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(id): ApiPath<String>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let id = order_id(&id)?;
    // Subscribe before reading, so nothing between the read and the stream is missed.
    let events = state.hub.subscribe();
    let first = state
        .platform
        .open_tracking(who.actor, who.tier, &who.caller_key(), id)
        .await?;
    let done = tracking_ends(&first);
    let closing = WatchStream::new(state.hub.closing()).filter(|closed| futures::future::ready(*closed));
    let state = state.0.clone();
    let seen = first.version();
    let updates = stream::unfold((events, done, seen), move |(mut events, done, mut seen)| {
        let state = state.clone();
        async move {
            if done {
                return None;
            }
            loop {
                match events.recv().await {
                    Ok(TrackEvent::Notified(n)) if n.order == id => {
                        // Several notifications may follow one change, and a
                        // read may already see later ones: send each version once.
                        // The stream ends on the notification that ends the
                        // order's journey, so every event before it is sent
                        // even when this stream reads late.
                        let ended = matches!(
                            n.kind,
                            NotificationKind::Delivered | NotificationKind::Rejected | NotificationKind::Cancelled
                        );
                        let order = state.platform.order(who.actor, id).await.ok()?;
                        if order.version() == seen {
                            if ended {
                                return None;
                            }
                            continue;
                        }
                        seen = order.version();
                        return Some((status_event(&order), (events, ended, seen)));
                    }
                    Ok(TrackEvent::Position { order, at, .. }) if order == id => {
                        let event = json_event("position", &Point::from(at));
                        return Some((event, (events, false, seen)));
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        state.hub.note_dropped(missed);
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((event, (events, false, seen)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    let stream = stream::once(futures::future::ready(status_event(&first)))
        .chain(updates)
        .take_until(closing.into_future())
        .map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
