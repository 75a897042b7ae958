//! Dispatch rounds: lapsed offers expired, orders no courier took given
//! up, then every order due for a courier offered one (cascade) or
//! assigned one (batch, all waiting orders against all couriers at once).

use courier_core::order::{Actor, CancelReason, OrderAction};
use courier_core::ports::Store;
use courier_core::{CourierId, Duration, OrderId, Place, Timestamp};
use courier_eta::TravelModel;
use courier_matching::{
    BatchConfig, Carrying, DispatchBook, Job, MAX_ROOM, OfferCascade, TravelTimes, plan_batch_remembering,
};
use rustc_hash::{FxHashMap, FxHashSet};

use super::{Dispatch, DispatchRound, DispatchState, OpenOrder, SentOffer};
use crate::config::DispatchPolicy;
use crate::error::PlatformError;
use crate::external::{Clock, NotificationKind, Notifier, PaymentGateway, Recipient};
use crate::parts::Parts;
use crate::services::books::Ending;
use crate::services::promises::Promises;
use crate::telemetry;

/// Candidates ranked per cascade step.
const CASCADE_CANDIDATES: usize = 8;

/// courier-eta's learned travel times, as matching's cost model wants them.
pub(super) struct LearnedTravel<'a>(pub(super) &'a TravelModel);

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

impl Dispatch {
    /// One round under the configured policy into `round`, which keeps
    /// what was done (and stored) before a failure: lapsed offers are
    /// expired, orders no courier took in time are given up, then orders
    /// due for a courier get an offer (cascade) or an assignment (batch).
    pub(crate) async fn round_into(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        promises: &Promises,
        ending: &Ending<'_>,
        round: &mut DispatchRound,
    ) -> Result<(), PlatformError> {
        let result = async {
            self.expire_offers(parts, round).await?;
            self.give_up_unmatched(parts, ending, round).await?;
            match &self.rules.policy {
                DispatchPolicy::Cascade(_) => self.cascade_round(parts, round).await,
                DispatchPolicy::Batch(_) => self.batch_round(parts, promises, round).await,
            }
        }
        .await;
        round.waiting = self.state().pool.len();
        result
    }

    /// Orders no courier took within the configured time are cancelled by
    /// the platform (the customer gets everything back).
    async fn give_up_unmatched(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        ending: &Ending<'_>,
        round: &mut DispatchRound,
    ) -> Result<(), PlatformError> {
        let now = parts.now();
        let limit = self.rules.no_courier_timeout;
        let stale: Vec<OrderId> = self
            .state()
            .pool
            .iter()
            .filter(|(_, e)| e.offer.is_none() && now.since(e.since) >= limit)
            .map(|(&o, _)| o)
            .collect();
        for order in stale {
            let cancel = OrderAction::Cancel {
                reason: CancelReason::NoCourierFound,
            };
            if let Ok((cancelled, _)) = parts.apply(order, Actor::System, cancel).await {
                ending.settle_or_defer(parts, &cancelled).await?;
                parts
                    .notify(
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

    async fn expire_offers(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        round: &mut DispatchRound,
    ) -> Result<(), PlatformError> {
        let now = parts.now();
        let lapsed: Vec<(OrderId, CourierId)> = self
            .state()
            .pool
            .iter()
            .filter_map(|(&o, e)| e.offer.filter(|&(_, exp)| now >= exp).map(|(c, _)| (o, c)))
            .collect();
        for (order, courier) in lapsed {
            let result = parts.apply(order, Actor::System, OrderAction::ExpireOffer).await;
            if result.as_ref().is_err_and(PlatformError::is_transient) {
                // Not recorded: the offer stays live here too, and lapses
                // again next round.
                continue;
            }
            let mut d = self.state();
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

    async fn cascade_round(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        round: &mut DispatchRound,
    ) -> Result<(), PlatformError> {
        let DispatchPolicy::Cascade(cascade_config) = &self.rules.policy else {
            return Ok(());
        };
        let now = parts.now();
        let horizon = now.plus(self.rules.lead);
        let mut to_offer = Vec::new();
        {
            let mut d = self.state();
            let DispatchState {
                index,
                book,
                open,
                pool,
                offers,
                ..
            } = &mut *d;
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
            match parts.apply(offer.order, Actor::System, action).await {
                // The courier is told by `Parts::apply`, as of every change to them.
                Ok(_) => {
                    round.offers.push(offer);
                }
                Err(e) => {
                    let mut d = self.state();
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

    async fn batch_round(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        promises: &Promises,
        round: &mut DispatchRound,
    ) -> Result<(), PlatformError> {
        let DispatchPolicy::Batch(batch_config) = &self.rules.policy else {
            return Ok(());
        };
        let now = parts.now();
        let widen_after = self.rules.widen_after;
        let reserved: Vec<(OrderId, CourierId, Timestamp)> = {
            let mut d = self.state();
            let d = &mut *d;
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
                    d.refresh_rooms(self.rules.batch_limit);
                    rooms_fresh = true;
                }
                let held = HeldJobs {
                    book: &d.book,
                    open: &d.open,
                    online: &d.online,
                    // Rooms were set from the platform's limit: exact for
                    // this plan when it plans to the same limit.
                    rooms_kept: config.batch_limit == self.rules.batch_limit
                        && (1..=usize::from(MAX_ROOM)).contains(&config.batch_limit),
                };
                let plan = promises.with_travel(|travel| {
                    plan_batch_remembering(now, &jobs, &mut d.index, &held, &LearnedTravel(travel), config, memo)
                });
                for unit in plan.assignments {
                    for order in unit.orders {
                        if d.book.assign(order, unit.courier, now).is_ok() {
                            let since = d.pool.get(&order).map_or(now, |e| e.since);
                            reserved.push((order, unit.courier, since));
                            d.lower_room(unit.courier, self.rules.batch_limit);
                        }
                    }
                }
            }
            d.release_memos = memos;
            reserved
        };
        let mut reserved = reserved.into_iter();
        while let Some((order, courier, since)) = reserved.next() {
            match parts.apply(order, Actor::System, OrderAction::Assign { courier }).await {
                Ok((assigned, _)) => {
                    self.state().pool.remove(&order);
                    telemetry::match_duration(now.since(since));
                    round.assigned.push((order, courier));
                    parts
                        .notify(
                            Recipient::Customer(assigned.customer()),
                            NotificationKind::CourierAssigned,
                            order,
                        )
                        .await;
                }
                Err(e) => {
                    let mut d = self.state();
                    let _ = d.book.drop_order(order, courier, now);
                    if !e.is_client_error() {
                        // The store is failing: release every reservation not
                        // yet stored, so the orders stay in the pool for the
                        // next round instead of held by a plan nobody saved.
                        for (order, courier, _) in reserved {
                            let _ = d.book.drop_order(order, courier, now);
                        }
                        return Err(e);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use courier_core::{CustomerId, GeoPoint, RestaurantId};

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
}
