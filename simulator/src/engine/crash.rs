//! Crashes of the platform's process: at a scenario's `platform_crash` the
//! simulator drops the whole platform (every service's memory: pools,
//! offers, who carries what, payment queues, learned travel times) and,
//! once the downtime has passed, builds a new one over the same store and
//! lets it [`Platform::recover`]. Meanwhile the city goes on: customers,
//! kitchens and couriers whose calls find the platform down make them again
//! when it is back, as their apps would.

use std::sync::Arc;

use courier_core::ports::Store;
use courier_platform::external::{FakeGateway, ManualClock, RecordingNotifier};
use courier_platform::settlement::Books;
use courier_platform::{Platform, PlatformConfig};
use rand_chacha::ChaCha8Rng;

use super::{Ev, RETRY_MS, Sim, SimPlatform, SimStore, minute_ms, stream};

/// What outlives the platform's process: the store, the payment gateway
/// and the notifier (services of their own), and its configuration.
pub(super) struct Survivors<S> {
    pub(super) store: SimStore<S>,
    pub(super) gateway: Arc<FakeGateway>,
    pub(super) notifier: Arc<RecordingNotifier>,
    pub(super) config: PlatformConfig,
}

impl<S: Store> Survivors<S> {
    /// A platform over the survivors, with nothing in its memory.
    pub(super) fn platform(&self, clock: &Arc<ManualClock>, rng: ChaCha8Rng) -> Result<SimPlatform<S>, String> {
        Platform::new(
            Arc::clone(&self.store),
            Arc::clone(&self.gateway),
            Arc::clone(&self.notifier),
            Arc::clone(clock),
            rng,
            self.config.clone(),
        )
        .map_err(|e| e.to_string())
    }
}

/// What crashes have done so far in a run.
#[derive(Debug, Default)]
pub(super) struct Crashes {
    /// While the platform is down: when its successor starts (ms).
    pub(super) down_until: Option<i64>,
    /// Platforms built again from the store.
    pub(super) restarts: u64,
    /// The totals the crashed platforms had kept, read off each before it
    /// went (the books are a running sum in memory; the orders they sum
    /// are in the store, where the end-of-run audit reads them).
    pub(super) books_before: Books,
}

/// The stream of the platform built after crash `n` (its retry jitter):
/// apart from the first platform's, so a run with crashes draws the same
/// demand and the same couriers as one without.
const RESTART_STREAMS: u64 = 100;

impl<S: Store> Sim<S> {
    /// Handles `ev` while the platform is down (until `until`), unless it is
    /// an event that goes on regardless; returns whether it handled it.
    pub(super) fn while_down(&mut self, ev: Ev, until: i64) -> bool {
        match ev {
            Ev::Restart => {
                self.restart();
                true
            }
            // Demand goes on; each customer who finds the app down orders
            // when it is back.
            Ev::Arrival => {
                self.schedule_arrival(self.now_ms());
                self.push(until, Ev::PlaceOne);
                true
            }
            // The minute's figures (the platform's part left out), the
            // city's own failures, and a second crash.
            Ev::Sample | Ev::TabletsOffline(_) | Ev::TabletsBack(_) | Ev::Crash(_) => false,
            // Everything else calls the platform: kitchens, couriers and
            // customers call again once it is back, and the next dispatch
            // round waits for it.
            other => {
                self.push(until, other);
                true
            }
        }
    }

    /// The platform's process dies: everything it held in memory is gone.
    /// Its successor starts after the failure's duration.
    pub(super) fn crash(&mut self, failure: usize) {
        let now = self.now_ms();
        let downtime = self.scenario.failures.get(failure).map_or(0.0, |f| f.duration_minutes);
        let until = minute_ms(now, downtime)
            .max(now)
            .max(self.crashes.down_until.unwrap_or(now));
        self.crashes.books_before.absorb(&self.platform.books());
        let rng = stream(self.seed, RESTART_STREAMS + self.crashes.restarts + 1);
        match self.survivors.platform(&self.clock, rng) {
            // The old platform is dropped here, with every service in it.
            Ok(fresh) => self.platform = fresh,
            Err(e) => {
                self.violation(None, format!("cannot build a platform after a crash: {e}"));
                return;
            }
        }
        self.crashes.down_until = Some(until);
        self.push(until, Ev::Restart);
    }

    /// The new platform takes back the pending work from the store; the
    /// apps of couriers still online reconnect.
    pub(super) fn restart(&mut self) {
        let now = self.now_ms();
        // A second crash during the downtime moved the restart later.
        if self.crashes.down_until.is_some_and(|until| now < until) {
            return;
        }
        let recovered = match self.exec.block_on(self.platform.recover()) {
            Ok(recovered) => recovered,
            // The store cannot list orders (an outage): try again shortly.
            Err(_) => {
                self.retries += 1;
                self.crashes.down_until = Some(now + RETRY_MS);
                self.push(now + RETRY_MS, Ev::Restart);
                return;
            }
        };
        if let Some(first) = recovered.set_aside.first() {
            let what = format!(
                "recovery set {} records aside, the first {}: {}",
                recovered.set_aside.len(),
                first.key,
                first.reason
            );
            self.violation(None, what);
        }
        self.crashes.down_until = None;
        self.crashes.restarts += 1;
        for c in 0..self.couriers.len() as u32 {
            self.reconnect(c);
        }
    }

    /// A courier online through a restart tells the new platform where it is.
    pub(super) fn reconnect(&mut self, c: u32) {
        let Some(courier) = self.couriers.get(c as usize) else {
            return;
        };
        if !courier.online {
            return;
        }
        let (id, pos) = (courier.id, courier.pos);
        match self.exec.block_on(self.platform.courier_online(id, pos)) {
            Ok(()) => {}
            Err(e) if e.is_transient() => self.retry(Ev::Reconnect(c)),
            Err(e) => self.violation(None, format!("{id} cannot reconnect after a restart: {e}")),
        }
    }
}
