//! Where a courier goes next: the first stop of the cheapest route through
//! everything it holds, by the same cost model the batch rounds plan with,
//! so a courier given two orders collects both before the first door when
//! that is what the round priced.

use courier_core::{CourierId, OrderId, Timestamp};
use courier_matching::{CostWeights, Job, Stop as RouteStop, best_route};

use super::{Dispatch, Stop};
use crate::config::DispatchPolicy;
use crate::services::dispatch::rounds::LearnedTravel;
use crate::services::promises::Promises;

/// A courier's next stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextStop {
    /// The order to collect or hand over there.
    pub order: OrderId,
    /// The restaurant (collect) or the customer's door (hand over).
    pub stop: Stop,
}

impl Dispatch {
    /// The first stop of the cheapest route from where `courier` is through
    /// every order it holds, at `now`; none when it holds nothing (or is not
    /// known to this instance).
    pub(crate) fn next_stop(&self, courier: CourierId, now: Timestamp, promises: &Promises) -> Option<NextStop> {
        let weights = match &self.rules.policy {
            DispatchPolicy::Batch(config) => config.weights,
            DispatchPolicy::Cascade(_) => CostWeights::default(),
        };
        let d = self.state();
        let jobs: Vec<Job> = d
            .book
            .held_by(courier)
            .filter_map(|order| d.open.get(&order).map(|open| open.job))
            .collect();
        let (at, _) = d.index.get(courier)?;
        let route = promises.with_travel(|travel| best_route(&at, now, &jobs, &LearnedTravel(travel), &weights))?;
        route.stops.first().map(|stop| match *stop {
            RouteStop::Pickup(order) => NextStop {
                order,
                stop: Stop::Restaurant,
            },
            RouteStop::Dropoff(order) => NextStop {
                order,
                stop: Stop::Door,
            },
        })
    }
}
