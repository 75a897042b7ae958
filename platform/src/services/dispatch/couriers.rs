//! Couriers on shift: going online, moving (with the geofences of their
//! stops), and going offline, which gives back what they had not picked up.

use std::sync::PoisonError;

use courier_core::order::{Actor, OrderAction, UnassignReason};
use courier_core::ports::{CourierLocation, Store};
use courier_core::{CourierId, GeoPoint, OrderId, Timestamp};

use super::{Arrival, Dispatch, Stop};
use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::services::promises::Promises;
use crate::telemetry;

impl Dispatch {
    /// A courier starts a shift at `point`.
    pub(crate) async fn courier_online(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        courier: CourierId,
        point: GeoPoint,
    ) -> Result<(), PlatformError> {
        let now = parts.now();
        let place = self.state().place(point)?;
        parts
            .store
            .upsert_location(CourierLocation {
                courier,
                point,
                at: now,
            })
            .await?;
        let mut d = self.state();
        d.index.upsert(courier, place.point());
        d.online.insert(courier);
        telemetry::active_couriers(d.online.len());
        Ok(())
    }

    /// A courier's new position, already stored: indexed if the courier is
    /// online, and checked against the geofences (`geofence_m` around each
    /// stop) of the orders the courier carries. Returns the stops entered
    /// now, each with whom to tell.
    pub(crate) fn courier_moved(
        &self,
        promises: &Promises,
        courier: CourierId,
        point: GeoPoint,
        geofence_m: f64,
        now: Timestamp,
    ) -> Vec<(Arrival, Recipient)> {
        let mut d = self.state();
        let d = &mut *d;
        if d.online.contains(&courier) {
            d.index.upsert(courier, point);
        }
        let mut arrivals = Vec::new();
        for order in d.book.orders_of(courier) {
            let Some(open) = d.open.get(&order) else { continue };
            let (stop, target, to) = if open.job.picked_up {
                (Stop::Door, open.job.dropoff.point(), Recipient::Customer(open.customer))
            } else {
                (
                    Stop::Restaurant,
                    open.job.pickup.point(),
                    Recipient::Restaurant(open.restaurant),
                )
            };
            if point.distance_m(target) <= geofence_m && d.arrived.insert((order, stop)) {
                if stop == Stop::Restaurant {
                    // How long it takes, as things are now, from acceptance
                    // to a courier at the restaurant: the ETA promises the
                    // next orders with it.
                    promises.observe_approach(now.since(open.entered));
                }
                arrivals.push((Arrival { order, stop }, to));
            }
        }
        arrivals
    }

    /// A courier goes offline (end of shift, app lost): orders not yet picked
    /// up go back to dispatch; returns them.
    pub(crate) async fn courier_offline(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        courier: CourierId,
    ) -> Result<Vec<OrderId>, PlatformError> {
        let now = parts.now();
        if self.rules.shared_store {
            // Off shift for every instance: the one dispatching learns of
            // it from the store.
            parts.store.remove_location(courier).await?;
        }
        let returned = {
            let mut d = self.state();
            d.index.remove(courier);
            d.online.remove(&courier);
            telemetry::active_couriers(d.online.len());
            d.book.courier_offline(courier, now)
        };
        // A return the store could not record is retried by the tick, and
        // the call fails: the app is not told an order went back while the
        // store still gives it to this courier (a process that stopped
        // before the tick's retry would recover it so), and asks again.
        let mut failure = None;
        for &order in &returned {
            if let Err(e) = self.return_to_pool(parts, order, now).await {
                failure.get_or_insert(e);
            }
        }
        failure.map_or(Ok(returned), Err)
    }

    /// Records that `order` no longer has a courier and puts it back in the
    /// pool (true), or finds it left dispatch meanwhile (false). When the
    /// store fails for a transient reason the order is kept for
    /// [`Dispatch::retry_returns`] and the error returned.
    async fn return_to_pool(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        order: OrderId,
        now: Timestamp,
    ) -> Result<bool, PlatformError> {
        let unassign = OrderAction::Unassign {
            reason: UnassignReason::CourierOffline,
        };
        match parts.apply(order, Actor::System, unassign).await {
            Ok(_) => {
                self.unreturned().remove(&order);
                let mut d = self.state();
                d.enter_pool(order, now);
                d.arrived.remove(&(order, Stop::Restaurant));
                Ok(true)
            }
            Err(e) if e.is_transient() => {
                self.unreturned().insert(order);
                Err(e)
            }
            // Cancelled or delivered meanwhile: it has left dispatch.
            Err(_) => {
                self.unreturned().remove(&order);
                Ok(false)
            }
        }
    }

    /// Expects the couriers holding orders after a recovery to reconnect by
    /// `by` (see [`Dispatch::reclaim_absent`]).
    pub(crate) fn expect_reconnects(&self, by: Timestamp) {
        *self.reconnect_by.lock().unwrap_or_else(PoisonError::into_inner) = Some(by);
    }

    /// Once the couriers recovered with orders have had their time to
    /// reconnect ([`RECONNECT_GRACE`] after a recovery): each that has not
    /// come back online gives back the orders it has not collected, as going
    /// offline would. A courier who went offline while the process was
    /// down, or whose return was waiting for the store when it stopped, no
    /// longer holds orders nobody will collect. Returns how many went back.
    ///
    /// # Errors
    /// The store fails to record a return (it is retried by the tick).
    pub(crate) async fn reclaim_absent(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    ) -> Result<usize, PlatformError> {
        let now = parts.now();
        {
            let mut by = self.reconnect_by.lock().unwrap_or_else(PoisonError::into_inner);
            match *by {
                Some(deadline) if now >= deadline => *by = None,
                _ => return Ok(0),
            }
        }
        let absent: Vec<CourierId> = {
            let d = self.state();
            d.book
                .holding()
                .map(|(courier, _)| courier)
                .filter(|courier| !d.online.contains(courier))
                .collect()
        };
        let mut back = 0;
        for courier in absent {
            back += self.courier_offline(parts, courier).await?.len();
        }
        Ok(back)
    }

    /// Returns to the pool the orders whose return the store failed to
    /// record; returns how many are back.
    ///
    /// # Errors
    /// The store still fails (those orders stay queued).
    pub(crate) async fn retry_returns(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    ) -> Result<usize, PlatformError> {
        let now = parts.now();
        let due: Vec<OrderId> = self.unreturned().iter().copied().collect();
        let (mut back, mut failure) = (0, None);
        for order in due {
            match self.return_to_pool(parts, order, now).await {
                Ok(returned) => back += usize::from(returned),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        failure.map_or(Ok(back), Err)
    }
}
