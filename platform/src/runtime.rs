//! What the services keep in memory between calls: queues of pending work,
//! the courier index and the learned models. All of it can be rebuilt from
//! the store ([`crate::Platform::recover`]); none of it is the record.

use std::collections::{BTreeMap, BTreeSet};

use courier_core::{OrderId, Timestamp};
use courier_eta::{Eta, EtaModel};
use courier_pricing::{PromoBook, SurgeBook};
use rand::RngCore;
use rustc_hash::FxHashMap;

use crate::config::PlatformConfig;
use crate::deadlines::Deadlines;
use crate::dispatch::DispatchState;
use crate::error::PlatformError;
use crate::resilience::CircuitBreaker;
use crate::settlement::Books;

/// A payment waiting for the gateway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueuedPayment {
    /// Attempts made so far.
    pub attempts: u32,
    /// When to try next.
    pub due: Timestamp,
}

pub(crate) struct Runtime {
    pub breaker: CircuitBreaker,
    pub rng: Box<dyn RngCore + Send>,
    pub payments: BTreeMap<OrderId, QueuedPayment>,
    pub deadlines: Deadlines,
    pub captures: BTreeMap<OrderId, QueuedPayment>,
    /// Orders in a final state whose money bookkeeping failed for a
    /// transient reason; the tick settles them again.
    pub unsettled: BTreeSet<OrderId>,
    /// Orders taken from a courier who went offline whose return the store
    /// failed to record; the tick returns them again.
    pub unreturned: BTreeSet<OrderId>,
    pub dispatch: DispatchState,
    pub eta: EtaModel,
    pub promises: FxHashMap<OrderId, Eta>,
    pub surge: SurgeBook,
    /// When demand and supply were last observed into `surge`.
    pub last_surge: Option<Timestamp>,
    pub promos: PromoBook,
    pub books: Books,
    pub last_id: u64,
}

impl Runtime {
    pub(crate) fn new(config: &PlatformConfig, rng: Box<dyn RngCore + Send>) -> Result<Runtime, PlatformError> {
        Ok(Runtime {
            breaker: CircuitBreaker::new(config.payment_breaker),
            rng,
            payments: BTreeMap::new(),
            deadlines: Deadlines::default(),
            captures: BTreeMap::new(),
            unsettled: BTreeSet::new(),
            unreturned: BTreeSet::new(),
            dispatch: DispatchState::new(config)?,
            eta: EtaModel::new(config.eta.clone()),
            promises: FxHashMap::default(),
            surge: SurgeBook::new(config.surge),
            last_surge: None,
            promos: PromoBook::new(),
            books: Books::default(),
            last_id: 0,
        })
    }

    /// A fresh order id: the clock's milliseconds above a 16-bit counter, so
    /// ids grow with time and a restarted platform does not reuse them
    /// (a clash, e.g. two instances in the same millisecond, is caught by
    /// the store and retried with the next id).
    pub(crate) fn next_order_id(&mut self, now: Timestamp) -> OrderId {
        let base = u64::try_from(now.as_millis()).unwrap_or(0) << 16;
        let candidate = base.max(self.last_id + 1);
        self.last_id = candidate;
        OrderId::new(candidate)
    }
}
