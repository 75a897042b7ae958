//! Dispatch: courier presence and positions, the offer cascade or batch
//! rounds, offer answers, geofenced arrivals and couriers going offline.

use std::collections::BTreeMap;

use courier_core::order::{Actor, OrderAction, UnassignReason};
use courier_core::ports::{CourierLocation, Store};
use courier_core::{CourierId, CustomerId, Duration, GeoPoint, OrderId, Place, RestaurantId, Timestamp};
use courier_eta::TravelModel;
use courier_matching::{
    BatchConfig, Carrying, DispatchBook, GeoIndex, Job, MAX_ROOM, OfferCascade, ReleaseMemo, TravelTimes,
    plan_batch_remembering,
};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::config::{DispatchPolicy, PlatformConfig};
use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::platform::Platform;
use crate::rate_limits::{Endpoint, Tier};
use crate::telemetry;

/// Candidates ranked per cascade step.
const CASCADE_CANDIDATES: usize = 8;

/// An order between acceptance and delivery, as dispatch sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct OpenOrder {
    pub job: Job,
    pub customer: CustomerId,
    pub restaurant: RestaurantId,
    /// When it entered dispatch (the restaurant accepted it).
    pub entered: Timestamp,
}

/// An order waiting for a courier.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct PoolEntry {
    /// When it entered the pool (for the match-duration metric).
    pub since: Timestamp,
    /// The cascade's progress (cascade policy only).
    pub cascade: Option<OfferCascade>,
    /// The offer out, mirroring the stored assignment.
    pub offer: Option<(CourierId, Timestamp)>,
}

pub(crate) struct DispatchState {
    pub index: GeoIndex,
    pub resolution: u8,
    pub book: DispatchBook,
    pub open: FxHashMap<OrderId, OpenOrder>,
    pub pool: BTreeMap<OrderId, PoolEntry>,
    pub offers: FxHashMap<CourierId, OrderId>,
    /// Asked whether a courier is online, never walked: hashed.
    pub online: FxHashSet<CourierId>,
    pub arrived: FxHashSet<(OrderId, Stop)>,
    /// Couriers whose room in the index was last set below the batch
    /// limit, with that room and the refresh that last saw them holding.
    pub lowered_room: FxHashMap<CourierId, (u8, u32)>,
    /// How many times rooms were refreshed (wrapping): the mark above.
    pub room_refreshes: u32,
    /// Open orders not yet picked up, per restaurant (the kitchen's load,
    /// which preparation estimates read at every acceptance).
    kitchen_load: FxHashMap<RestaurantId, u32>,
    /// Who held each waiting order back in the last batch round, one memo
    /// per pass (fresh orders, then those waiting long).
    pub release_memos: [ReleaseMemo; 2],
}

impl DispatchState {
    pub(crate) fn new(config: &PlatformConfig) -> Result<DispatchState, PlatformError> {
        let resolution = h3o::Resolution::try_from(config.index_resolution).map_err(|_| {
            PlatformError::invalid("index_resolution", format!("{} is not 0..=15", config.index_resolution))
        })?;
        Ok(DispatchState {
            index: GeoIndex::new(resolution),
            resolution: config.index_resolution,
            book: DispatchBook::new(config.batch_limit),
            open: FxHashMap::default(),
            pool: BTreeMap::new(),
            offers: FxHashMap::default(),
            online: FxHashSet::default(),
            arrived: FxHashSet::default(),
            lowered_room: FxHashMap::default(),
            room_refreshes: 0,
            kitchen_load: FxHashMap::default(),
            release_memos: Default::default(),
        })
    }

    /// Brings every online courier's room in the index in line with its
    /// load, for a batch round.
    ///
    /// The index's room levels let a search skip cells of couriers who are
    /// full. Only couriers holding orders have less than the limit, so only
    /// they are visited, not the whole fleet; a level is written only when it
    /// changed, and couriers who no longer hold anything get the limit back.
    pub(crate) fn refresh_rooms(&mut self, limit: usize) {
        let full_room = room_left(limit, 0);
        // Marked in place rather than gathered into a new map: most couriers
        // holding work held it last round too, at the same room.
        self.room_refreshes = self.room_refreshes.wrapping_add(1);
        let refresh = self.room_refreshes;
        for (courier, held) in self.book.holding() {
            if !self.online.contains(&courier) {
                continue;
            }
            let room = room_left(limit, held.len());
            let (set, seen) = self.lowered_room.entry(courier).or_insert((full_room, refresh));
            if *set != room {
                self.index.set_room(courier, room);
                *set = room;
            }
            *seen = refresh;
        }
        let index = &mut self.index;
        self.lowered_room.retain(|&courier, &mut (_, seen)| {
            let holding = seen == refresh;
            if !holding {
                index.set_room(courier, full_room);
            }
            holding
        });
    }

    /// Lowers the room of `courier`, just given an order, to match its load.
    pub(crate) fn lower_room(&mut self, courier: CourierId, limit: usize) {
        if !self.online.contains(&courier) {
            return;
        }
        let room = room_left(limit, self.book.load(courier));
        let before = self.lowered_room.insert(courier, (room, self.room_refreshes));
        if before.map(|(set, _)| set) != Some(room) {
            self.index.set_room(courier, room);
        }
    }

    /// Opens (or replaces) an order in dispatch.
    pub(crate) fn open_order(&mut self, id: OrderId, open: OpenOrder) {
        if let Some(old) = self.open.insert(id, open) {
            self.leave_kitchen(&old);
        }
        if !open.job.picked_up {
            *self.kitchen_load.entry(open.restaurant).or_default() += 1;
        }
    }

    /// The courier has the food: the order leaves its kitchen's load.
    pub(crate) fn mark_picked_up(&mut self, id: OrderId) {
        if let Some(open) = self.open.get_mut(&id)
            && !open.job.picked_up
        {
            let waiting = *open;
            open.job.picked_up = true;
            self.leave_kitchen(&waiting);
        }
    }

    /// Orders of `restaurant` open and not yet picked up.
    pub(crate) fn kitchen_load(&self, restaurant: RestaurantId) -> u32 {
        self.kitchen_load.get(&restaurant).copied().unwrap_or(0)
    }

    /// The kept kitchen loads equal a count over the open orders.
    pub(crate) fn check_kitchen_load(&self) -> Result<(), String> {
        let mut counted: FxHashMap<RestaurantId, u32> =
            FxHashMap::with_capacity_and_hasher(self.kitchen_load.len(), Default::default());
        for open in self.open.values().filter(|o| !o.job.picked_up) {
            *counted.entry(open.restaurant).or_default() += 1;
        }
        if counted == self.kitchen_load {
            Ok(())
        } else {
            Err(format!(
                "kitchen loads {:?} differ from the open orders' {counted:?}",
                self.kitchen_load
            ))
        }
    }

    fn leave_kitchen(&mut self, open: &OpenOrder) {
        if open.job.picked_up {
            return;
        }
        if let Some(n) = self.kitchen_load.get_mut(&open.restaurant) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                self.kitchen_load.remove(&open.restaurant);
            }
        }
    }

    pub(crate) fn place(&self, point: GeoPoint) -> Result<Place, PlatformError> {
        Place::resolve(point, self.resolution).map_err(|e| PlatformError::invalid("location", e.to_string()))
    }

    /// Puts an order (back) into the pool.
    pub(crate) fn enter_pool(&mut self, order: OrderId, now: Timestamp) {
        self.pool.entry(order).or_insert(PoolEntry {
            since: now,
            cascade: None,
            offer: None,
        });
    }

    /// Forgets a finished order.
    pub(crate) fn close(&mut self, order: OrderId) {
        self.book.close(order);
        if let Some(open) = self.open.remove(&order) {
            self.leave_kitchen(&open);
        }
        if let Some(entry) = self.pool.remove(&order)
            && let Some((courier, _)) = entry.offer
        {
            self.offers.remove(&courier);
        }
        self.arrived.remove(&(order, Stop::Restaurant));
        self.arrived.remove(&(order, Stop::Door));
    }
}

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

/// Orders a courier holding `load` can still take under `limit`, as the
/// geo index counts room (which caps it further).
fn room_left(limit: usize, load: usize) -> u8 {
    u8::try_from(limit.saturating_sub(load)).unwrap_or(u8::MAX)
}

/// courier-eta's learned travel times, as matching's cost model wants them.
struct LearnedTravel<'a>(&'a TravelModel);

impl TravelTimes for LearnedTravel<'_> {
    fn travel(&self, from: &Place, to: &Place, at: Timestamp) -> Duration {
        self.0.travel_time(from, to, at)
    }

    /// The learned pace of the place's cell: two hashed lookups per
    /// estimate otherwise, the larger part of its cost.
    fn place_figure(&self, place: &Place) -> f64 {
        self.0.pace(place.cell())
    }

    fn travel_between(&self, from: &Place, from_pace: f64, to: &Place, to_pace: f64, at: Timestamp) -> Duration {
        self.0.travel_time_paced(from, from_pace, to, to_pace, at)
    }
}

/// What online couriers hold, read from the dispatch book when a batch
/// round asks (for the couriers its searches find) rather than gathered
/// for every busy courier beforehand.
struct HeldJobs<'a> {
    book: &'a DispatchBook,
    open: &'a FxHashMap<OrderId, OpenOrder>,
    online: &'a FxHashSet<CourierId>,
    /// The index's room levels equal the plan's limit less each load.
    rooms_kept: bool,
}

impl HeldJobs<'_> {
    fn held(&self, courier: CourierId) -> impl Iterator<Item = &OpenOrder> + '_ {
        // Most couriers a search finds hold nothing: the book's hashed
        // lookup settles those before the online set is consulted.
        let mut held = self.book.held_by(courier).peekable();
        let online = held.peek().is_some() && self.online.contains(&courier);
        held.filter(move |_| online).filter_map(|o| self.open.get(&o))
    }
}

impl Carrying for HeldJobs<'_> {
    fn load(&self, courier: CourierId) -> usize {
        self.held(courier).count()
    }

    fn jobs_of(&self, courier: CourierId, out: &mut Vec<Job>) {
        out.extend(self.held(courier).map(|open| open.job));
    }

    /// A batch round brings every online courier's room in line first
    /// (`refresh_rooms`) and lowers it with each assignment (`lower_room`).
    fn rooms_kept(&self) -> bool {
        self.rooms_kept
    }
}

impl<S: Store, G: PaymentGateway, N: Notifier, C: Clock> Platform<S, G, N, C> {
    /// A courier starts a shift at `point`.
    pub async fn courier_online(&self, courier: CourierId, point: GeoPoint) -> Result<(), PlatformError> {
        let now = self.now();
        let place = self.rt().dispatch.place(point)?;
        self.store
            .upsert_location(CourierLocation {
                courier,
                point,
                at: now,
            })
            .await?;
        let mut rt = self.rt();
        let d = &mut rt.dispatch;
        d.index.upsert(courier, place.point());
        d.online.insert(courier);
        telemetry::active_couriers(d.online.len());
        Ok(())
    }

    /// A courier goes offline (end of shift, app lost): orders not yet picked
    /// up go back to dispatch; returns them.
    pub async fn courier_offline(&self, courier: CourierId) -> Result<Vec<OrderId>, PlatformError> {
        let now = self.now();
        let returned = {
            let mut rt = self.rt();
            let d = &mut rt.dispatch;
            d.index.remove(courier);
            d.online.remove(&courier);
            telemetry::active_couriers(d.online.len());
            d.book.courier_offline(courier, now)
        };
        for &order in &returned {
            // A return the store could not record is retried by the tick.
            let _ = self.return_to_pool(order, now).await;
        }
        Ok(returned)
    }

    /// Records that `order` no longer has a courier and puts it back in the
    /// pool (true), or finds it left dispatch meanwhile (false). When the
    /// store fails for a transient reason the order is kept for
    /// [`Platform::retry_returns`] and the error returned.
    async fn return_to_pool(&self, order: OrderId, now: Timestamp) -> Result<bool, PlatformError> {
        let unassign = OrderAction::Unassign {
            reason: UnassignReason::CourierOffline,
        };
        match self.apply(order, Actor::System, unassign).await {
            Ok(_) => {
                let mut rt = self.rt();
                rt.unreturned.remove(&order);
                rt.dispatch.enter_pool(order, now);
                rt.dispatch.arrived.remove(&(order, Stop::Restaurant));
                Ok(true)
            }
            Err(e) if e.is_transient() => {
                self.rt().unreturned.insert(order);
                Err(e)
            }
            // Cancelled or delivered meanwhile: it has left dispatch.
            Err(_) => {
                self.rt().unreturned.remove(&order);
                Ok(false)
            }
        }
    }

    /// Returns to the pool the orders whose return the store failed to
    /// record; returns how many are back.
    ///
    /// # Errors
    /// The store still fails (those orders stay queued).
    pub async fn retry_returns(&self) -> Result<usize, PlatformError> {
        let now = self.now();
        let due: Vec<OrderId> = self.rt().unreturned.iter().copied().collect();
        let (mut back, mut failure) = (0, None);
        for order in due {
            match self.return_to_pool(order, now).await {
                Ok(returned) => back += usize::from(returned),
                Err(e) => {
                    failure.get_or_insert(e);
                }
            }
        }
        failure.map_or(Ok(back), Err)
    }

    /// A courier's position: validated (by the [`GeoPoint`] type), rate
    /// limited per courier (seed 000: 60 a minute), stored, indexed, and
    /// checked against the geofences of the courier's stops.
    pub async fn update_location(&self, courier: CourierId, point: GeoPoint) -> Result<Vec<Arrival>, PlatformError> {
        self.check_rate(
            Endpoint::LocationUpdate,
            Tier::Authenticated,
            &courier.get().to_string(),
        )
        .await?;
        let now = self.now();
        self.store
            .upsert_location(CourierLocation {
                courier,
                point,
                at: now,
            })
            .await?;
        telemetry::location_update();
        let (arrivals, recipients) = {
            let mut rt = self.rt();
            let rt = &mut *rt;
            let d = &mut rt.dispatch;
            if d.online.contains(&courier) {
                d.index.upsert(courier, point);
            }
            let mut arrivals = Vec::new();
            let mut recipients = Vec::new();
            for order in d.book.orders_of(courier) {
                let Some(open) = d.open.get(&order) else { continue };
                let (stop, target, to) = if open.job.picked_up {
                    (Stop::Door, open.job.dropoff.point(), Recipient::Customer(open.customer))
                } else {
                    (
                        Stop::Restaurant,
                        open.job.pickup.point(),
                        Recipient::Restaurant(open.restaurant),
                    )
                };
                if point.distance_m(target) <= self.config.geofence_m && d.arrived.insert((order, stop)) {
                    if stop == Stop::Restaurant {
                        // How long it takes, as things are now, from acceptance
                        // to a courier at the restaurant: the ETA promises the
                        // next orders with it.
                        rt.eta.observe_approach(now.since(open.entered));
                    }
                    arrivals.push(Arrival { order, stop });
                    recipients.push(to);
                }
            }
            (arrivals, recipients)
        };
        for (arrival, to) in arrivals.iter().zip(recipients) {
            let kind = match arrival.stop {
                Stop::Restaurant => NotificationKind::CourierAtRestaurant,
                Stop::Door => NotificationKind::CourierAtDoor,
            };
            self.notify(to, kind, arrival.order).await;
        }
        Ok(arrivals)
    }

    /// One dispatch round under the configured policy: lapsed offers are
    /// expired, then orders due for a courier get an offer (cascade) or an
    /// assignment (batch).
    pub async fn dispatch(&self) -> Result<DispatchRound, PlatformError> {
        let mut round = DispatchRound::default();
        self.dispatch_into(&mut round).await?;
        Ok(round)
    }

    /// [`Platform::dispatch`] into `round`, which keeps what was done
    /// (and stored) before a failure.
    pub(crate) async fn dispatch_into(&self, round: &mut DispatchRound) -> Result<(), PlatformError> {
        let result = async {
            self.expire_offers(round).await?;
            self.give_up_unmatched(round).await?;
            match &self.config.dispatch {
                DispatchPolicy::Cascade(_) => self.cascade_round(round).await,
                DispatchPolicy::Batch(_) => self.batch_round(round).await,
            }
        }
        .await;
        round.waiting = self.rt().dispatch.pool.len();
        self.watch_surge(self.now());
        result
    }

    /// Orders no courier took within the configured time are cancelled by
    /// the platform (the customer gets everything back).
    async fn give_up_unmatched(&self, round: &mut DispatchRound) -> Result<(), PlatformError> {
        let now = self.now();
        let limit = self.config.no_courier_timeout;
        let stale: Vec<OrderId> = self
            .rt()
            .dispatch
            .pool
            .iter()
            .filter(|(_, e)| e.offer.is_none() && now.since(e.since) >= limit)
            .map(|(&o, _)| o)
            .collect();
        for order in stale {
            let cancel = OrderAction::Cancel {
                reason: courier_core::order::CancelReason::NoCourierFound,
            };
            if let Ok((cancelled, _)) = self.apply(order, Actor::System, cancel).await {
                self.settle_or_defer(&cancelled).await?;
                self.notify(
                    Recipient::Customer(cancelled.customer()),
                    NotificationKind::Cancelled,
                    order,
                )
                .await;
                round.cancelled.push(order);
            }
        }
        Ok(())
    }

    async fn expire_offers(&self, round: &mut DispatchRound) -> Result<(), PlatformError> {
        let now = self.now();
        let lapsed: Vec<(OrderId, CourierId)> = self
            .rt()
            .dispatch
            .pool
            .iter()
            .filter_map(|(&o, e)| e.offer.filter(|&(_, exp)| now >= exp).map(|(c, _)| (o, c)))
            .collect();
        for (order, courier) in lapsed {
            let result = self.apply(order, Actor::System, OrderAction::ExpireOffer).await;
            if result.as_ref().is_err_and(PlatformError::is_transient) {
                // Not recorded: the offer stays live here too, and lapses
                // again next round.
                continue;
            }
            let mut rt = self.rt();
            let d = &mut rt.dispatch;
            // Expired in the store, or the order moved on (answered, cancelled):
            // either way this offer is no longer live.
            if let Some(entry) = d.pool.get_mut(&order) {
                entry.offer = None;
            }
            d.offers.remove(&courier);
            if result.is_ok() {
                round.expired.push((order, courier));
            }
        }
        Ok(())
    }

    async fn cascade_round(&self, round: &mut DispatchRound) -> Result<(), PlatformError> {
        let DispatchPolicy::Cascade(cascade_config) = &self.config.dispatch else {
            return Ok(());
        };
        let now = self.now();
        let horizon = now.plus(self.config.dispatch_lead);
        let mut to_offer = Vec::new();
        {
            let mut rt = self.rt();
            let DispatchState {
                index,
                book,
                open,
                pool,
                offers,
                ..
            } = &mut rt.dispatch;
            let limit = book.batch_limit();
            for (&order, entry) in pool.iter_mut() {
                let Some(job) = open.get(&order).map(|o| o.job) else {
                    continue;
                };
                if entry.offer.is_some() || job.ready_at > horizon {
                    continue;
                }
                let cascade = entry
                    .cascade
                    .get_or_insert_with(|| OfferCascade::new(cascade_config.clone()));
                loop {
                    let ranked: Vec<CourierId> = index
                        .nearest_from(&job.pickup, cascade.radius_m(), CASCADE_CANDIDATES, |c| {
                            book.load(c) < limit && !offers.contains_key(&c)
                        })
                        .into_iter()
                        .map(|n| n.courier)
                        .collect();
                    match cascade.next(now, &ranked) {
                        courier_matching::CascadeStep::Offer { courier, expires_at } => {
                            entry.offer = Some((courier, expires_at));
                            offers.insert(courier, order);
                            to_offer.push(SentOffer {
                                order,
                                courier,
                                expires_at,
                            });
                            break;
                        }
                        courier_matching::CascadeStep::Widen { .. } => continue,
                        courier_matching::CascadeStep::Waiting { .. } => break,
                        courier_matching::CascadeStep::Exhausted => {
                            // Nobody within the widest radius now: start over
                            // next round, when couriers will have moved.
                            cascade.restart();
                            break;
                        }
                    }
                }
            }
        }
        for offer in to_offer {
            let action = OrderAction::Offer {
                courier: offer.courier,
                expires_at: offer.expires_at,
            };
            match self.apply(offer.order, Actor::System, action).await {
                Ok(_) => {
                    self.notify(Recipient::Courier(offer.courier), NotificationKind::Offer, offer.order)
                        .await;
                    round.offers.push(offer);
                }
                Err(e) => {
                    let mut rt = self.rt();
                    let d = &mut rt.dispatch;
                    d.offers.remove(&offer.courier);
                    if let Some(entry) = d.pool.get_mut(&offer.order) {
                        entry.offer = None;
                    }
                    if !e.is_client_error() {
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    async fn batch_round(&self, round: &mut DispatchRound) -> Result<(), PlatformError> {
        let DispatchPolicy::Batch(batch_config) = &self.config.dispatch else {
            return Ok(());
        };
        let now = self.now();
        let widen_after = self.config.widen_after;
        let reserved: Vec<(OrderId, CourierId, Timestamp)> = {
            let mut rt = self.rt();
            let rt = &mut *rt;
            let d = &mut rt.dispatch;
            // Two passes: orders that have waited long search three times as
            // far and accept a dearer courier, so a restaurant far from the
            // fleet is still served. Sorted out in one walk of the pool, into
            // lists sized for all of it (most of it waits fresh).
            let mut fresh: Vec<Job> = Vec::with_capacity(d.pool.len());
            let mut stale: Vec<Job> = Vec::new();
            for (order, entry) in d.pool.iter().filter(|(_, e)| e.offer.is_none()) {
                if let Some(open) = d.open.get(order) {
                    if now.since(entry.since) >= widen_after {
                        stale.push(open.job);
                    } else {
                        fresh.push(open.job);
                    }
                }
            }
            if fresh.is_empty() && stale.is_empty() {
                return Ok(());
            }
            let widened = BatchConfig {
                search_radius_m: batch_config.search_radius_m * 3.0,
                unassigned_cost: batch_config.unassigned_cost * 4.0,
                ..batch_config.clone()
            };
            let mut reserved = Vec::new();
            // Rooms are brought in line once; the second pass sees the first
            // pass's assignments through the book and the rooms they lowered.
            let mut rooms_fresh = false;
            // Taken out for the passes, which borrow the rest of the state.
            let mut memos = std::mem::take(&mut d.release_memos);
            for ((jobs, config), memo) in [(fresh, batch_config), (stale, &widened)].into_iter().zip(&mut memos) {
                if jobs.is_empty() {
                    continue;
                }
                if !rooms_fresh {
                    d.refresh_rooms(self.config.batch_limit);
                    rooms_fresh = true;
                }
                let held = HeldJobs {
                    book: &d.book,
                    open: &d.open,
                    online: &d.online,
                    // Rooms were set from the platform's limit: exact for
                    // this plan when it plans to the same limit.
                    rooms_kept: config.batch_limit == self.config.batch_limit
                        && (1..=usize::from(MAX_ROOM)).contains(&config.batch_limit),
                };
                let travel = LearnedTravel(rt.eta.travel());
                let plan = plan_batch_remembering(now, &jobs, &mut d.index, &held, &travel, config, memo);
                for unit in plan.assignments {
                    for order in unit.orders {
                        if d.book.assign(order, unit.courier, now).is_ok() {
                            let since = d.pool.get(&order).map_or(now, |e| e.since);
                            reserved.push((order, unit.courier, since));
                            d.lower_room(unit.courier, self.config.batch_limit);
                        }
                    }
                }
            }
            d.release_memos = memos;
            reserved
        };
        let mut reserved = reserved.into_iter();
        while let Some((order, courier, since)) = reserved.next() {
            match self.apply(order, Actor::System, OrderAction::Assign { courier }).await {
                Ok((assigned, _)) => {
                    self.rt().dispatch.pool.remove(&order);
                    telemetry::match_duration(now.since(since));
                    round.assigned.push((order, courier));
                    self.notify(Recipient::Courier(courier), NotificationKind::CourierAssigned, order)
                        .await;
                    self.notify(
                        Recipient::Customer(assigned.customer()),
                        NotificationKind::CourierAssigned,
                        order,
                    )
                    .await;
                }
                Err(e) => {
                    let mut rt = self.rt();
                    let _ = rt.dispatch.book.drop_order(order, courier, now);
                    if !e.is_client_error() {
                        // The store is failing: release every reservation not
                        // yet stored, so the orders stay in the pool for the
                        // next round instead of held by a plan nobody saved.
                        for (order, courier, _) in reserved {
                            let _ = rt.dispatch.book.drop_order(order, courier, now);
                        }
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }

    /// A courier answers an offer. Accepting takes one of the courier's
    /// slots (refused when the courier already carries the batch limit).
    pub async fn answer_offer(&self, courier: CourierId, order: OrderId, accept: bool) -> Result<(), PlatformError> {
        let now = self.now();
        if accept {
            self.rt()
                .dispatch
                .book
                .assign(order, courier, now)
                .map_err(|e| PlatformError::invalid("offer", e.to_string()))?;
            match self
                .apply(order, Actor::Courier(courier), OrderAction::AcceptOffer)
                .await
            {
                Ok((o, _)) => {
                    let since = {
                        let mut rt = self.rt();
                        let d = &mut rt.dispatch;
                        d.offers.remove(&courier);
                        d.pool.remove(&order).map_or(now, |e| e.since)
                    };
                    telemetry::match_duration(now.since(since));
                    self.notify(
                        Recipient::Customer(o.customer()),
                        NotificationKind::CourierAssigned,
                        order,
                    )
                    .await;
                    Ok(())
                }
                Err(e) => {
                    let _ = self.rt().dispatch.book.drop_order(order, courier, now);
                    Err(e)
                }
            }
        } else {
            let result = self
                .apply(order, Actor::Courier(courier), OrderAction::DeclineOffer)
                .await;
            if result.is_ok() {
                let mut rt = self.rt();
                let d = &mut rt.dispatch;
                d.offers.remove(&courier);
                if let Some(entry) = d.pool.get_mut(&order) {
                    entry.offer = None;
                    if let Some(c) = entry.cascade.as_mut() {
                        let _ = c.decline(courier, now);
                    }
                }
            }
            result.map(|_| ())
        }
    }

    /// Couriers online now.
    pub fn couriers_online(&self) -> usize {
        self.rt().dispatch.online.len()
    }

    /// Orders a courier carries now (assigned or picked up).
    pub fn carried_by(&self, courier: CourierId) -> Vec<OrderId> {
        self.rt().dispatch.book.orders_of(courier)
    }

    /// Orders waiting for a courier now.
    pub fn waiting_for_courier(&self) -> usize {
        self.rt().dispatch.pool.len()
    }

    /// Checks the dispatch invariants (batch limit, one courier per order,
    /// kitchen loads kept equal to the open orders). The two walks read
    /// apart, side by side on rayon's threads: a caller checking every
    /// round at a rush walks tens of thousands of orders each time.
    pub fn check_dispatch(&self) -> Result<(), String> {
        let rt = self.rt();
        let d = &rt.dispatch;
        let (book, kitchens) = rayon::join(|| d.book.check(), || d.check_kitchen_load());
        book.and(kitchens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open(order: u64) -> OpenOrder {
        let place = Place::resolve(GeoPoint::new(40.75, -73.99).unwrap(), 9).unwrap();
        OpenOrder {
            job: Job {
                order: OrderId::new(order),
                pickup: place,
                dropoff: place,
                ready_at: Timestamp::EPOCH,
                promised_by: Timestamp::EPOCH,
                picked_up: false,
            },
            customer: CustomerId::new(1),
            restaurant: RestaurantId::new(1),
            entered: Timestamp::EPOCH,
        }
    }

    #[test]
    fn a_round_reads_what_online_couriers_hold_in_id_order() {
        let (c1, c2, c3) = (CourierId::new(1), CourierId::new(2), CourierId::new(3));
        let mut book = DispatchBook::new(3);
        let mut orders = FxHashMap::default();
        for (order, courier) in [(3, c1), (1, c1), (2, c2)] {
            let id = OrderId::new(order);
            book.open(id);
            book.assign(id, courier, Timestamp::EPOCH).unwrap();
            orders.insert(id, open(order));
        }
        // Courier 2 went offline still listed: a round must not count it.
        let online = FxHashSet::from_iter([c1, c3]);
        let held = HeldJobs {
            book: &book,
            open: &orders,
            online: &online,
            rooms_kept: false,
        };
        let mut jobs = Vec::new();
        held.jobs_of(c1, &mut jobs);
        assert_eq!(jobs.iter().map(|j| j.order.get()).collect::<Vec<_>>(), vec![1, 3]);
        assert_eq!((held.load(c1), held.load(c2), held.load(c3)), (2, 0, 0));
        jobs.clear();
        held.jobs_of(c2, &mut jobs);
        assert!(jobs.is_empty());
    }

    #[test]
    fn rooms_follow_loads_and_come_back_when_work_is_done() {
        let config = PlatformConfig::default();
        let limit = 2;
        let mut d = DispatchState::new(&config).unwrap();
        let (c1, c2) = (CourierId::new(1), CourierId::new(2));
        for c in [c1, c2] {
            d.index.upsert(c, GeoPoint::new(40.75, -73.99).unwrap());
            d.online.insert(c);
        }
        let room = |d: &DispatchState, c| d.index.room_of(c).map(|(_, room)| room);
        let (o1, o2) = (OrderId::new(1), OrderId::new(2));
        for o in [o1, o2] {
            d.book.open(o);
        }
        let idle = room(&d, c2);
        d.book.assign(o1, c1, Timestamp::EPOCH).unwrap();
        d.refresh_rooms(limit);
        // Only couriers holding work are touched.
        assert_eq!((room(&d, c1), room(&d, c2)), (Some(1), idle));
        // An assignment within the round lowers the room at once.
        d.book.assign(o2, c1, Timestamp::EPOCH).unwrap();
        d.lower_room(c1, limit);
        assert_eq!(room(&d, c1), Some(0));
        // Work finished between rounds: the next refresh gives room back.
        d.book.close(o1);
        d.refresh_rooms(limit);
        assert_eq!(room(&d, c1), Some(1));
        d.book.close(o2);
        d.refresh_rooms(limit);
        assert_eq!(room(&d, c1), Some(2));
        assert!(d.lowered_room.is_empty());
    }
}
