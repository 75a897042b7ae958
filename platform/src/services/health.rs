//! The degradation ladder, live: after every tick the platform reads its
//! own health (the payment breaker, whether the store answered the tick's
//! steps) with what the edge measured (API, search and store latency, the
//! share of store calls failing, the tracking fan-out), and sets the level
//! the other services follow: promotions off, no new restaurants, tracking
//! slower (the server's business).

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
    /// Store call latency (p99 over the window).
    pub storage_latency: Duration,
    /// Share of store calls that failed over the window (0 to 1).
    pub storage_error_rate: f64,
}

#[derive(Debug, Default)]
struct State {
    signals: HealthSignals,
    level: DegradationLevel,
    /// The payment breaker was open at the last tick.
    payment_breaker_open: bool,
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
                payment_breaker_open: false,
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Two plain values: a cut-short update leaves them usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The level the signals put the ladder at, never below the floor.
    /// Critical failures are counted here: the store (down at the last
    /// tick, or failing most calls the edge made) and the payment breaker.
    fn settle(&self, s: &mut State) -> DegradationLevel {
        let store_down = s.signals.database_at_capacity || self.ladder.storage_down(&s.signals);
        s.signals.critical_failures = u32::from(store_down) + u32::from(s.payment_breaker_open);
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
        s.payment_breaker_open = payment_breaker_open;
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
        s.signals.storage_latency = edge.storage_latency;
        s.signals.storage_error_rate = edge.storage_error_rate;
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
    fn the_edge_sees_the_store_slow_or_failing() {
        let health = Health::new(DegradationLadder::default(), DegradationLevel::Normal);
        let edge = |ms, rate| EdgeSignals {
            storage_latency: Duration::from_millis(ms),
            storage_error_rate: rate,
            ..EdgeSignals::default()
        };
        // Slow calls, or one in ten failing: no new restaurants.
        assert_eq!(health.observe_edge(edge(900, 0.0)), DegradationLevel::NoOnboarding);
        assert_eq!(health.observe_edge(edge(20, 0.1)), DegradationLevel::NoOnboarding);
        assert_eq!(health.signals().critical_failures, 0);
        // Most calls failing: the store is down, one critical failure; with
        // the payment breaker open, two: order-only.
        assert_eq!(health.observe_edge(edge(20, 0.6)), DegradationLevel::NoOnboarding);
        assert_eq!(health.signals().critical_failures, 1);
        assert_eq!(health.after_tick(false, true, 0, 10), DegradationLevel::OrderOnly);
        // The store recovers: the breaker alone is one failure.
        assert_eq!(health.observe_edge(edge(20, 0.0)), DegradationLevel::Normal);
        assert_eq!(health.signals().critical_failures, 1);
        // A store down at a tick and failing at the edge is one failure, not two.
        health.after_tick(true, false, 0, 10);
        assert_eq!(health.observe_edge(edge(20, 0.9)), DegradationLevel::NoOnboarding);
        assert_eq!(health.signals().critical_failures, 1);
    }

    #[test]
    fn a_configured_level_is_a_floor() {
        let health = Health::new(DegradationLadder::default(), DegradationLevel::NoPromotions);
        assert_eq!(health.level(), DegradationLevel::NoPromotions);
        assert_eq!(health.after_tick(false, false, 0, 10), DegradationLevel::NoPromotions);
        assert_eq!(health.after_tick(true, true, 0, 10), DegradationLevel::OrderOnly);
    }
}
