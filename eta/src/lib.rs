//! courier-eta: delivery time estimates (being built out).
//!
//! Today: the seed 004 composition of stage durations.

use courier_core::Duration;

/// Seed 004: `max(courier -> restaurant, prep remaining) + pickup service +
/// restaurant -> customer + drop-off service`.
///
/// ```
/// use courier_core::Duration;
/// let m = Duration::from_mins;
/// assert_eq!(courier_eta::compose(m(5), m(12), m(2), m(10), m(2)), m(26));
/// ```
pub fn compose(
    to_restaurant: Duration,
    prep_remaining: Duration,
    pickup_service: Duration,
    to_customer: Duration,
    dropoff_service: Duration,
) -> Duration {
    to_restaurant
        .max(prep_remaining)
        .saturating_add(pickup_service)
        .saturating_add(to_customer)
        .saturating_add(dropoff_service)
}
