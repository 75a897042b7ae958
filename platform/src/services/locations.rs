//! Courier locations: each fix validated (by the [`GeoPoint`] type), rate
//! limited per courier (seed 000: 60 a minute), stored, then handed to
//! dispatch, which indexes it and checks the geofences of the courier's
//! stops; whoever waits at a stop entered is told.

use courier_core::ports::{CourierLocation, Store};
use courier_core::{CourierId, GeoPoint};

use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway};
use crate::parts::Parts;
use crate::rate_limits::{Endpoint, RateGuard, Tier};
use crate::services::dispatch::{Arrival, Dispatch, Stop};
use crate::services::promises::Promises;
use crate::telemetry;

/// The locations service: the rate limit and the geofence radius; fixes
/// live in the store, positions in dispatch's index.
pub(crate) struct Locations {
    rates: RateGuard,
    /// A courier within this many metres of a stop has arrived.
    geofence_m: f64,
}

impl Locations {
    pub(crate) fn new(rates: RateGuard, geofence_m: f64) -> Locations {
        Locations { rates, geofence_m }
    }

    /// A courier's position: stored, indexed, and checked against the
    /// geofences of the courier's stops. Returns the stops entered now.
    pub(crate) async fn update(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        dispatch: &Dispatch,
        promises: &Promises,
        courier: CourierId,
        point: GeoPoint,
    ) -> Result<Vec<Arrival>, PlatformError> {
        self.rates
            .check(
                parts,
                Endpoint::LocationUpdate,
                Tier::Authenticated,
                &courier.get().to_string(),
            )
            .await?;
        let now = parts.now();
        parts
            .store
            .upsert_location(CourierLocation {
                courier,
                point,
                at: now,
            })
            .await?;
        telemetry::location_update();
        let entered = dispatch.courier_moved(promises, courier, point, self.geofence_m, now);
        let mut arrivals = Vec::with_capacity(entered.len());
        for (arrival, to) in entered {
            let kind = match arrival.stop {
                Stop::Restaurant => NotificationKind::CourierAtRestaurant,
                Stop::Door => NotificationKind::CourierAtDoor,
            };
            parts.notify(to, kind, arrival.order).await;
            arrivals.push(arrival);
        }
        Ok(arrivals)
    }
}
