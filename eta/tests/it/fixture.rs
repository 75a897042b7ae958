//! Places and requests shared by the tests.

use courier_core::{Duration, GeoPoint, RestaurantId, Timestamp};
use courier_eta::{Courier, EtaRequest, Food, Place};

pub(crate) const CENTRE: (f64, f64) = (40.7500, -73.9900);

/// A place `north_m`/`east_m` metres from the centre, its cell at resolution 9.
pub(crate) fn place(north_m: f64, east_m: f64) -> Place {
    let centre = GeoPoint::new(CENTRE.0, CENTRE.1).unwrap();
    Place::resolve(centre.offset_m(north_m, east_m).unwrap(), 9).unwrap()
}

/// 18:00 on day zero: the evening rush.
pub(crate) fn six_pm() -> Timestamp {
    Timestamp::from_millis(18 * 3_600_000)
}

pub(crate) fn mins(m: u64) -> Duration {
    Duration::from_mins(m)
}

/// An order 3 km north-east of its restaurant, food just started (15 min).
pub(crate) fn request(courier: Courier) -> EtaRequest {
    EtaRequest {
        at: six_pm(),
        restaurant: RestaurantId::new(1),
        pickup: place(0.0, 0.0),
        dropoff: place(2_000.0, 2_000.0),
        food: Food::Preparing {
            started: six_pm(),
            estimate: mins(15),
            orders_in_progress: 0,
        },
        courier,
    }
}
