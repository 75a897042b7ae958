//! Promises: the learned ETA model and the delivery time promised to each
//! order in flight. It learns from kitchens (food ready), couriers
//! (reaching restaurants) and deliveries; dispatch borrows its travel times.

use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::{Duration, OrderId, Timestamp};
use courier_eta::{Eta, EtaConfig, EtaModel, EtaRequest, ReadyObservation, TravelModel};
use rustc_hash::FxHashMap;

use crate::telemetry;

/// What a promise tells dispatch about an order entering it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Admission {
    /// How long until the food is expected ready.
    pub(crate) prep_remaining: Duration,
    /// The delivery dispatch aims at.
    pub(crate) promised_by: Timestamp,
}

struct State {
    model: EtaModel,
    promised: FxHashMap<OrderId, Eta>,
}

/// The ETA model and the promises made with it. Its lock is taken after
/// dispatch's when both are held (a batch round reads travel times while
/// holding the dispatch state), never before.
pub(crate) struct Promises {
    state: Mutex<State>,
}

impl Promises {
    pub(crate) fn new(config: EtaConfig) -> Promises {
        Promises {
            state: Mutex::new(State {
                model: EtaModel::new(config),
                promised: FxHashMap::default(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Updates are small and leave the model usable if one is cut short:
        // the model only learns, and a lost observation is harmless.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Promises `order` a delivery (an order keeps the promise first made to
    /// it; a recovered order gets a new one) and says what dispatch should
    /// aim at: the delivery the city could make with no queue, so a rush
    /// never makes an order less urgent.
    pub(crate) fn admit(&self, order: OrderId, request: &EtaRequest) -> Admission {
        let mut state = self.state();
        let state = &mut *state;
        let eta = state.model.estimate(request);
        let promised = state.promised.entry(order).or_insert(eta).arrival_p90();
        let promised_by = state.model.estimate_unqueued(request).arrival_p90().min(promised);
        Admission {
            prep_remaining: eta.breakdown.prep_remaining,
            promised_by,
        }
    }

    /// The promise made to an order still in flight.
    pub(crate) fn promise(&self, order: OrderId) -> Option<Eta> {
        self.state().promised.get(&order).copied()
    }

    /// A kitchen finished an order: preparation learns.
    pub(crate) fn observe_ready(&self, observation: &ReadyObservation) {
        self.state().model.observe_ready(observation);
    }

    /// A courier reached a restaurant this long after its order was
    /// accepted: the next promises use it.
    pub(crate) fn observe_approach(&self, took: Duration) {
        self.state().model.observe_approach(took);
    }

    /// An order was delivered at `now`: its promise is settled against the
    /// actual time and returned.
    pub(crate) fn delivered(&self, order: OrderId, now: Timestamp) -> Option<Eta> {
        let mut state = self.state();
        let promise = state.promised.remove(&order);
        if let Some(eta) = &promise {
            state.model.observe_delivery(eta, now);
            telemetry::eta_error(eta.arrival_p50(), now);
        }
        promise
    }

    /// Forgets an ended order's promise.
    pub(crate) fn forget(&self, order: OrderId) {
        self.state().promised.remove(&order);
    }

    /// Runs `f` on the learned travel times (a batch round's cost model).
    pub(crate) fn with_travel<T>(&self, f: impl FnOnce(&TravelModel) -> T) -> T {
        f(self.state().model.travel())
    }
}
