//! How a courier's app learns what dispatch decided for it: the open offers
//! (`GET /v1/couriers/me/offers`) and a stream of the courier's events
//! (`GET /v1/couriers/me/events`).
//!
//! Both read the store's record of the courier, and the stream is fed by
//! the platform's notifications, which cross instances when they share a
//! Redis channel: an offer made by the instance running dispatch reaches a
//! courier whose stream is held open by another.

use std::convert::Infallible;

use axum::Json;
use axum::response::sse::{Event, KeepAlive, Sse};
use courier_core::ports::Store;
use courier_core::{CourierId, OrderId};
use courier_platform::external::{Notification, NotificationKind, Recipient};
use futures::Stream;
use futures::stream::{self, StreamExt};
use tokio::sync::broadcast::error::RecvError;
use tokio_stream::wrappers::WatchStream;

use super::json_event;
use crate::app::{AppState, AppStateRef};
use crate::auth::Principal;
use crate::dto::{OfferView, OrderRef, OrderView};
use crate::error::ApiError;
use crate::tracking::TrackEvent;

#[utoipa::path(get, path = "/v1/couriers/me/offers", tag = "courier",
    responses((status = 200, body = [OfferView], description = "The offers open to the courier (at most one at a time)"),
        (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn offers<S: Store>(state: AppStateRef<S>, who: Principal) -> Result<Json<Vec<OfferView>>, ApiError> {
    let offers = state.platform.offers_for(who.courier()?).await?;
    Ok(Json(offers.iter().map(OfferView::from).collect()))
}

#[utoipa::path(get, path = "/v1/couriers/me/events", tag = "courier",
    responses((status = 200, description = "text/event-stream: `offer` (an OfferView; the open offers are sent first), \
        `offer_closed` (an OrderRef: declined elsewhere, lapsed or withdrawn), `assigned` (the order, an OrderView), \
        `unassigned` and `cancelled` (an OrderRef: an order the courier carried), `lagged` (events were missed: \
        read the offers again)"), (status = 403, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn events<S: Store + 'static>(
    state: AppStateRef<S>,
    who: Principal,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let courier = who.courier()?;
    // Subscribe before reading, so nothing between the read and the stream is missed.
    let events = state.hub.subscribe();
    let open = state
        .platform
        .open_courier_stream(courier, who.tier, &who.caller_key())
        .await?;
    let first: Vec<Event> = open.iter().map(|o| json_event("offer", &OfferView::from(o))).collect();
    let closing = WatchStream::new(state.hub.closing()).filter(|closed| futures::future::ready(*closed));
    let state = state.0.clone();
    let updates = stream::unfold(events, move |mut events| {
        let state = state.clone();
        async move {
            loop {
                match events.recv().await {
                    Ok(TrackEvent::Notified(n)) if n.to == Recipient::Courier(courier) => {
                        if let Some(event) = courier_event(&state, courier, n).await {
                            return Some((event, events));
                        }
                    }
                    Ok(_) => {}
                    Err(RecvError::Lagged(missed)) => {
                        state.hub.note_dropped(missed);
                        let event = Event::default().event("lagged").data(missed.to_string());
                        return Some((event, events));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        }
    });
    let stream = stream::iter(first)
        .chain(updates)
        .take_until(closing.into_future())
        .map(Ok);
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

/// The stream's event for a notification to the courier, read afresh from
/// the store; none when what it announced is already over (an offer that
/// lapsed before the read) or the kind is not the courier's business.
async fn courier_event<S: Store>(state: &AppState<S>, courier: CourierId, n: Notification) -> Option<Event> {
    let by_ref = |name: &str| json_event(name, &order_ref(n.order));
    match n.kind {
        NotificationKind::Offer => {
            let offers = state.platform.offers_for(courier).await.ok()?;
            let offer = offers.iter().find(|o| o.order.id() == n.order)?;
            Some(json_event("offer", &OfferView::from(offer)))
        }
        NotificationKind::CourierAssigned => {
            let order = state
                .platform
                .order(courier_core::order::Actor::Courier(courier), n.order)
                .await
                .ok()?;
            Some(json_event("assigned", &OrderView::from(&order)))
        }
        NotificationKind::OfferClosed => Some(by_ref("offer_closed")),
        NotificationKind::Unassigned => Some(by_ref("unassigned")),
        NotificationKind::Cancelled => Some(by_ref("cancelled")),
        _ => None,
    }
}

fn order_ref(order: OrderId) -> OrderRef {
    OrderRef {
        order_id: order.get().to_string(),
    }
}
