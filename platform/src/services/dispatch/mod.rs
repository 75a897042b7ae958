//! Dispatch: couriers on shift and where they are, orders between the
//! restaurant's acceptance and delivery, and who carries what; rounds that
//! offer (cascade) or assign (batch) waiting orders, answers to offers, and
//! couriers going offline.
//!
//! Everything here is a cache of the store: [`crate::Platform::recover`]
//! rebuilds it, and every change of an order goes through the store first.

mod couriers;
mod follow;
mod next_stop;
mod offers;
mod rounds;
mod state;
mod surge_counts;

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard, PoisonError};

use courier_core::order::{Order, OrderStatus};
use courier_core::{CourierId, Duration, OrderId, RestaurantId, Timestamp};
use courier_eta::{Courier, EtaRequest, Food};
use courier_matching::Job;

use crate::config::{DispatchPolicy, PlatformConfig};
use crate::error::PlatformError;
use crate::services::promises::Promises;
pub use next_stop::NextStop;
pub use offers::CourierOffer;
pub(crate) use state::{DispatchState, OpenOrder};

/// The stop a courier reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stop {
    /// The restaurant, to pick up.
    Restaurant,
    /// The customer's door.
    Door,
}

/// A courier entering a stop's geofence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    /// The order.
    pub order: OrderId,
    /// Where.
    pub stop: Stop,
}

/// An offer sent to a courier, who must answer before `expires_at`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SentOffer {
    /// The order.
    pub order: OrderId,
    /// The courier.
    pub courier: CourierId,
    /// When it lapses.
    pub expires_at: Timestamp,
}

/// What one dispatch round did.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DispatchRound {
    /// Offers sent (cascade).
    pub offers: Vec<SentOffer>,
    /// Orders given to couriers directly (batch), as (order, courier).
    pub assigned: Vec<(OrderId, CourierId)>,
    /// Offers that lapsed unanswered.
    pub expired: Vec<(OrderId, CourierId)>,
    /// Orders cancelled because no courier took them in time.
    pub cancelled: Vec<OrderId>,
    /// Orders still waiting for a courier after the round.
    pub waiting: usize,
}

/// How dispatch is run: the policy and its clocks.
struct Rules {
    policy: DispatchPolicy,
    batch_limit: usize,
    /// An order enters dispatch once its food is due within this.
    lead: Duration,
    /// Batch rounds search wider for orders waiting longer than this.
    widen_after: Duration,
    /// An order no courier took within this is cancelled.
    no_courier_timeout: Duration,
    /// Other instances share the store and learn of couriers from it.
    shared_store: bool,
}

/// The dispatch service. Its state's lock is never held across an
/// `await`, and is taken before the promises' lock when both are needed.
pub(crate) struct Dispatch {
    state: Mutex<DispatchState>,
    /// Orders taken from a courier who went offline whose return the store
    /// failed to record; the tick returns them again.
    unreturned: Mutex<BTreeSet<OrderId>>,
    /// After a recovery: when the couriers holding orders must be back
    /// online (see [`Dispatch::reclaim_absent`]).
    reconnect_by: Mutex<Option<Timestamp>>,
    rules: Rules,
}

/// How long after a recovery a courier holding orders has to reconnect
/// before the orders it has not collected go back to the pool: a courier
/// app reports its position every few seconds.
pub(crate) const RECONNECT_GRACE: Duration = Duration::from_mins(2);

impl Dispatch {
    pub(crate) fn new(config: &PlatformConfig) -> Result<Dispatch, PlatformError> {
        Ok(Dispatch {
            state: Mutex::new(DispatchState::new(config.index_resolution, config.batch_limit)?),
            unreturned: Mutex::new(BTreeSet::new()),
            reconnect_by: Mutex::new(None),
            rules: Rules {
                policy: config.dispatch.clone(),
                batch_limit: config.batch_limit,
                lead: config.dispatch_lead,
                widen_after: config.widen_after,
                no_courier_timeout: config.no_courier_timeout,
                shared_store: config.shared_store,
            },
        })
    }

    /// The cache. Never held across an `await`.
    pub(crate) fn state(&self) -> MutexGuard<'_, DispatchState> {
        // Updates are small and made after the awaited storage call
        // succeeded; a panic mid-update loses at most that update, which
        // recovery rebuilds from the store. So a poisoned lock is usable.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn unreturned(&self) -> MutexGuard<'_, BTreeSet<OrderId>> {
        self.unreturned.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Puts an accepted order into dispatch with its promise: food ready at
    /// the learned preparation estimate, delivery promised at the ETA's P90.
    pub(crate) fn admit(&self, promises: &Promises, order: &Order, now: Timestamp) -> Result<(), PlatformError> {
        let id = order.id();
        let mut d = self.state();
        let pickup = d.pickup_place(order.pickup())?;
        let dropoff = d.place(order.dropoff())?;
        let estimate = order.prep_estimate().unwrap_or(Duration::from_mins(15));
        let in_progress = d.kitchen_load(order.restaurant());
        let food = match (order.status(), order.times().preparing_at) {
            (OrderStatus::ReadyForPickup, _) => Food::Ready,
            (_, Some(started)) => Food::Preparing {
                started,
                estimate,
                orders_in_progress: in_progress,
            },
            _ => Food::NotStarted {
                estimate,
                orders_in_progress: in_progress,
            },
        };
        let admission = promises.admit(
            id,
            &EtaRequest {
                at: now,
                restaurant: order.restaurant(),
                pickup,
                dropoff,
                food,
                courier: Courier::Unassigned,
            },
        );
        let job = Job {
            order: id,
            pickup,
            dropoff,
            ready_at: now.plus(admission.prep_remaining),
            promised_by: admission.promised_by,
            picked_up: order.status() == OrderStatus::PickedUp,
        };
        d.open_order(
            id,
            OpenOrder {
                job,
                customer: order.customer(),
                restaurant: order.restaurant(),
                entered: now,
            },
        );
        d.book.open(id);
        Ok(())
    }

    /// Puts an order (back) into the pool of those waiting for a courier.
    pub(crate) fn enter_pool(&self, order: OrderId, now: Timestamp) {
        self.state().enter_pool(order, now);
    }

    /// The kitchen finished `order`: dispatch expects it now. Returns the
    /// other orders of the restaurant still being prepared.
    pub(crate) fn food_ready(&self, restaurant: RestaurantId, order: OrderId, now: Timestamp) -> u32 {
        let mut d = self.state();
        let in_progress = d.kitchen_load(restaurant).saturating_sub(1);
        if let Some(open) = d.open.get_mut(&order) {
            open.job.ready_at = now;
        }
        in_progress
    }

    /// The courier has the food: it leaves its kitchen's load.
    pub(crate) fn picked_up(&self, order: OrderId, courier: CourierId, now: Timestamp) {
        let mut d = self.state();
        // The book refuses only if it no longer holds the order (a restart
        // lost it); the store, which just accepted the pickup, is the record.
        let _ = d.book.picked_up(order, courier, now);
        d.mark_picked_up(order);
    }

    /// Forgets a finished order.
    pub(crate) fn close(&self, order: OrderId) {
        self.state().close(order);
    }

    /// Couriers online now.
    pub(crate) fn couriers_online(&self) -> usize {
        self.state().online.len()
    }

    /// Orders a courier carries now (assigned or picked up).
    pub(crate) fn carried_by(&self, courier: CourierId) -> Vec<OrderId> {
        self.state().book.orders_of(courier)
    }

    /// Orders waiting for a courier now.
    pub(crate) fn waiting(&self) -> usize {
        self.state().pool.len()
    }

    /// When an open order's food is expected to be ready.
    pub(crate) fn expected_ready(&self, order: OrderId) -> Option<Timestamp> {
        self.state().open.get(&order).map(|o| o.job.ready_at)
    }

    /// Checks the dispatch invariants (batch limit, one courier per order,
    /// kitchen loads kept equal to the open orders). The two walks read
    /// apart, side by side on rayon's threads: a caller checking every
    /// round at a rush walks tens of thousands of orders each time.
    pub(crate) fn check(&self) -> Result<(), String> {
        let d = self.state();
        let (book, kitchens) = rayon::join(|| d.book.check(), || d.check_kitchen_load());
        book.and(kitchens)
    }
}
