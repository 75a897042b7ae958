//! The degradation ladder, live: after every tick the platform reads its
//! own health (the payment breaker, whether the store answered the tick's
//! steps) with what the edge measured (API and search latency, the tracking
//! fan-out), and sets the level the other services follow: promotions off,
//! no new restaurants, tracking slower (the server's business).

use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::Duration;

use crate::degradation::{DegradationLadder, DegradationLevel, HealthSignals};

/// What the edge (the HTTP server) measured since it last said.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct EdgeSignals {
    /// Search latency (p99 over the window).
    pub search_latency: Duration,
    /// API latency (p99 over the window).
    pub api_latency: Duration,
    /// The tracking fan-out dropped events.
    pub tracking_overloaded: bool,
}

#[derive(Debug, Default)]
struct State {
    signals: HealthSignals,
    level: DegradationLevel,
}

/// The health service: the current signals and level.
pub(crate) struct Health {
    ladder: DegradationLadder,
    /// A level set by configuration: the ladder never goes below it.
    floor: DegradationLevel,
    state: Mutex<State>,
}

impl Health {
    pub(crate) fn new(ladder: DegradationLadder, floor: DegradationLevel) -> Health {
        Health {
            ladder,
            floor,
            state: Mutex::new(State {
                signals: HealthSignals::default(),
                level: floor,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Two plain values: a cut-short update leaves them usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The level the signals put the ladder at, never below the floor.
    fn settle(&self, s: &mut State) -> DegradationLevel {
        s.level = self.ladder.level(&s.signals).max(self.floor);
        s.level
    }

    /// The level now.
    pub(crate) fn level(&self) -> DegradationLevel {
        self.state().level
    }

    /// The signals the level was set from.
    pub(crate) fn signals(&self) -> HealthSignals {
        self.state().signals
    }

    /// After a tick: the store failed a step (`storage_failing`: the
    /// database cannot take the load, and a critical dependency is down),
    /// the payment breaker is open (another critical dependency). Returns
    /// the new level.
    pub(crate) fn after_tick(
        &self,
        storage_failing: bool,
        payment_breaker_open: bool,
        waiting_for_courier: usize,
        couriers_online: usize,
    ) -> DegradationLevel {
        let mut s = self.state();
        s.signals.dispatch_overloaded = self.ladder.dispatch_overloaded(waiting_for_courier, couriers_online);
        s.signals.database_at_capacity = storage_failing;
        s.signals.critical_failures = u32::from(storage_failing) + u32::from(payment_breaker_open);
        self.settle(&mut s)
    }

    /// After an outbox relay: `full` when it took as many events as it
    /// could, so more wait. Returns the new level.
    pub(crate) fn after_relay(&self, full: bool) -> DegradationLevel {
        let mut s = self.state();
        s.signals.outbox_behind = full;
        self.settle(&mut s)
    }

    /// What the edge measured; returns the new level.
    pub(crate) fn observe_edge(&self, edge: EdgeSignals) -> DegradationLevel {
        let mut s = self.state();
        s.signals.search_latency = edge.search_latency;
        s.signals.api_latency = edge.api_latency;
        s.signals.tracking_overloaded = edge.tracking_overloaded;
        self.settle(&mut s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_goes_down_the_ladder_and_back_up() {
        let health = Health::new(DegradationLadder::default(), DegradationLevel::Normal);
        assert_eq!(health.level(), DegradationLevel::Normal);
        // The store fails a tick: no new restaurants.
        assert_eq!(health.after_tick(true, false, 0, 10), DegradationLevel::NoOnboarding);
        // And the payment breaker opens too: two critical failures.
        assert_eq!(health.after_tick(true, true, 0, 10), DegradationLevel::OrderOnly);
        // The store answers again; the breaker alone is one failure.
        assert_eq!(health.after_tick(false, true, 0, 10), DegradationLevel::Normal);
        // A slow API drops promotions until it is fast again.
        let slow = EdgeSignals {
            api_latency: Duration::from_secs(3),
            ..EdgeSignals::default()
        };
        assert_eq!(health.observe_edge(slow), DegradationLevel::NoPromotions);
        assert_eq!(health.observe_edge(EdgeSignals::default()), DegradationLevel::Normal);
        // Orders piling up for too few couriers: promotions off too.
        assert_eq!(
            health.after_tick(false, false, 400, 100),
            DegradationLevel::NoPromotions
        );
        assert_eq!(health.after_tick(false, false, 10, 100), DegradationLevel::Normal);
        // Events waiting in the outbox: tracking slows.
        assert_eq!(health.after_relay(true), DegradationLevel::SlowTracking);
        assert_eq!(health.after_relay(false), DegradationLevel::Normal);
    }

    #[test]
    fn a_configured_level_is_a_floor() {
        let health = Health::new(DegradationLadder::default(), DegradationLevel::NoPromotions);
        assert_eq!(health.level(), DegradationLevel::NoPromotions);
        assert_eq!(health.after_tick(false, false, 0, 10), DegradationLevel::NoPromotions);
        assert_eq!(health.after_tick(true, true, 0, 10), DegradationLevel::OrderOnly);
    }
}
