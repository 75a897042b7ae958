//! Property tests: random command sequences from random actors, the ledger beside them,
//! and money arithmetic. 1,000 cases per property unless `PROPTEST_CASES` asks for more.

use courier_core::ledger::{Account, ChargeBreakdown, LedgerError, PaymentLedger, PayoutSplit, SplitRule};
use courier_core::money::allocate_largest_remainder;
use courier_core::order::*;
use courier_core::refund::RefundPolicy;
use courier_core::*;
use proptest::prelude::*;

use crate::fixture::*;

pub(crate) fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000u32)
        .max(1_000);
    ProptestConfig::with_cases(cases)
}

fn actor() -> impl Strategy<Value = Actor> {
    prop_oneof![
        Just(Actor::Customer(CUSTOMER)),
        Just(Actor::Customer(OTHER_CUSTOMER)),
        Just(Actor::Restaurant(RESTAURANT)),
        Just(Actor::Restaurant(OTHER_RESTAURANT)),
        Just(Actor::Courier(COURIER)),
        Just(Actor::Courier(OTHER_COURIER)),
        Just(ADMIN),
        Just(Actor::System),
    ]
}

fn courier() -> impl Strategy<Value = CourierId> {
    prop_oneof![Just(COURIER), Just(OTHER_COURIER)]
}

fn cancel_reason() -> impl Strategy<Value = CancelReason> {
    prop_oneof![
        Just(CancelReason::CustomerRequest),
        Just(CancelReason::RestaurantUnavailable),
        Just(CancelReason::NoCourierFound),
        Just(CancelReason::PaymentFailed),
        Just(CancelReason::PlatformFailure),
    ]
}

fn unassign_reason() -> impl Strategy<Value = UnassignReason> {
    prop_oneof![
        Just(UnassignReason::CourierDropped),
        Just(UnassignReason::CourierOffline),
        Just(UnassignReason::Reassigned),
    ]
}

/// Every action, with the happy path weighted up so sequences get far.
fn action() -> impl Strategy<Value = OrderAction> {
    prop_oneof![
        10 => Just(OrderAction::AuthorizePayment),
        1 => Just(OrderAction::FailPayment),
        10 => (1u64..40).prop_map(|m| OrderAction::Accept { prep_estimate: Duration::from_mins(m) }),
        1 => Just(OrderAction::Reject),
        1 => Just(OrderAction::ExpireAcceptance),
        10 => Just(OrderAction::StartPreparing),
        10 => Just(OrderAction::MarkReady),
        10 => Just(OrderAction::PickUp),
        10 => Just(OrderAction::Deliver),
        5 => Just(OrderAction::Complete),
        2 => cancel_reason().prop_map(|reason| OrderAction::Cancel { reason }),
        5 => (courier(), 0i64..120_000).prop_map(|(courier, ms)| OrderAction::Offer {
            courier,
            expires_at: Timestamp::from_millis(ms),
        }),
        5 => Just(OrderAction::AcceptOffer),
        2 => Just(OrderAction::DeclineOffer),
        2 => Just(OrderAction::ExpireOffer),
        8 => courier().prop_map(|courier| OrderAction::Assign { courier }),
        2 => unassign_reason().prop_map(|reason| OrderAction::Unassign { reason }),
    ]
}

#[derive(Debug, Clone)]
struct Step {
    /// `None`: the actor who would normally do this (so sequences get deep).
    actor: Option<Actor>,
    action: OrderAction,
    advance_ms: u64,
    stale: bool,
}

fn step() -> impl Strategy<Value = Step> {
    let actor = prop_oneof![1 => actor().prop_map(Some), 2 => Just(None)];
    // Mostly short steps (so deadlines are met), now and then a long one (so they pass).
    let advance = prop_oneof![9 => 0u64..20_000, 1 => 0u64..600_000];
    (actor, action(), advance, prop::bool::weighted(0.1)).prop_map(|(actor, action, advance_ms, stale)| Step {
        actor,
        action,
        advance_ms,
        stale,
    })
}

/// Who would normally issue `action` on `order`.
fn natural_actor(order: &Order, action: OrderAction) -> Actor {
    let courier = order
        .assignment()
        .assigned_courier()
        .or(order.assignment().offered_courier())
        .unwrap_or(COURIER);
    match action {
        OrderAction::Accept { .. } | OrderAction::Reject | OrderAction::StartPreparing | OrderAction::MarkReady => {
            Actor::Restaurant(RESTAURANT)
        }
        OrderAction::Cancel {
            reason: CancelReason::CustomerRequest,
        } => Actor::Customer(CUSTOMER),
        OrderAction::Cancel {
            reason: CancelReason::RestaurantUnavailable,
        } => Actor::Restaurant(RESTAURANT),
        OrderAction::PickUp | OrderAction::Deliver | OrderAction::AcceptOffer | OrderAction::DeclineOffer => {
            Actor::Courier(courier)
        }
        _ => Actor::System,
    }
}

/// The status graph, written independently of the machine: from -> allowed next.
fn legal_next(from: StatusKind, to: StatusKind) -> bool {
    use StatusKind::*;
    from == to
        || matches!(
            (from, to),
            (PendingPayment, Placed | Cancelled)
                | (Placed, Confirmed | Rejected | Cancelled)
                | (Confirmed, Preparing | Cancelled)
                | (Preparing, ReadyForPickup | Cancelled)
                | (ReadyForPickup, PickedUp | Cancelled)
                | (PickedUp, Delivered | Cancelled)
                | (Delivered, Completed)
        )
}

/// Payment handling beside the order, as the platform does it.
struct Books {
    ledger: PaymentLedger,
    capture_on_accept: bool,
    split: PayoutSplit,
}

impl Books {
    fn new(capture_on_accept: bool, charge: Money) -> Books {
        let breakdown = ChargeBreakdown {
            subtotal: usd(charge.minor() - 700),
            platform_fees: usd(400),
            tax: usd(200),
            tip: usd(100),
        };
        let rule = SplitRule {
            commission: BasisPoints::new(2_500),
            courier_delivery_pay: usd(450),
        };
        Books {
            ledger: PaymentLedger::new(Currency::Usd),
            capture_on_accept,
            split: PayoutSplit::from_rule(&rule, &breakdown).unwrap(),
        }
    }

    fn on_event(&mut self, order: &Order, event: &OrderEvent) -> Result<(), LedgerError> {
        let at = event.at;
        let charge = order.charge();
        match &event.kind {
            OrderEventKind::PaymentAuthorized { .. } => self.ledger.authorize(charge, at),
            OrderEventKind::Accepted { .. } if self.capture_on_accept => self.ledger.capture(charge, at),
            OrderEventKind::Delivered { .. } => {
                if !self.capture_on_accept {
                    self.ledger.capture(charge, at)?;
                }
                self.ledger.settle(&self.split, at)
            }
            OrderEventKind::Cancelled { .. } | OrderEventKind::Rejected { .. } => {
                let Some(decision) = RefundPolicy::default().for_ended_order(order) else {
                    return Ok(());
                };
                if self.ledger.balance(Account::Authorized).is_zero() && self.ledger.captured().is_zero() {
                    return Ok(()); // never authorized: nothing to give back
                }
                if self.ledger.captured().is_zero() {
                    if !decision.retained.is_zero() {
                        self.ledger.capture(decision.retained, at)?;
                    }
                    self.ledger.release_remaining(at)?;
                } else if !decision.refund.is_zero() {
                    self.ledger.refund(decision.refund, at)?;
                }
                let retained = self.ledger.balance(Account::Captured);
                self.ledger.settle(&self.split.pro_rata(retained)?, at)
            }
            _ => Ok(()),
        }
    }
}

proptest! {
    #![proptest_config(config())]

    /// Random commands from random actors: only legal transitions happen, versions
    /// only grow, terminal is forever, refused commands change nothing, events replay
    /// to the same order, and the books beside it always balance.
    #[test]
    fn random_command_sequences_keep_every_invariant(
        steps in prop::collection::vec(step(), 5..80),
        charge_cents in 1_000i64..20_000,
        capture_on_accept in any::<bool>(),
    ) {
        let (mut order, created) = Order::place(Actor::Customer(CUSTOMER), Timestamp::EPOCH, place_order(charge_cents)).unwrap();
        let mut events = vec![created];
        let mut books = Books::new(capture_on_accept, order.charge());
        let mut now = Timestamp::EPOCH;
        for step in steps {
            now = now.plus(Duration::from_millis(step.advance_ms));
            let before = order.clone();
            let expected_version = if step.stale { order.version().saturating_sub(1) } else { order.version() };
            let actor = step.actor.unwrap_or_else(|| natural_actor(&order, step.action));
            // Offers carry their expiry as an offset from now (0-120 s).
            let action = match step.action {
                OrderAction::Offer { courier, expires_at } => OrderAction::Offer { courier, expires_at: now.plus(Duration::from_millis(expires_at.as_millis().unsigned_abs())) },
                other => other,
            };
            let cmd = Command { actor, at: now, expected_version, action };
            match order.execute(&cmd) {
                Err(_) => prop_assert_eq!(&order, &before, "refused {:?} changed the order", cmd),
                Ok(event) => {
                    prop_assert!(!step.stale || before.version() == 0);
                    prop_assert!(!before.status().is_terminal(), "terminal order changed by {:?}", cmd);
                    prop_assert_eq!(event.version, before.version() + 1);
                    prop_assert_eq!(order.version(), event.version);
                    prop_assert!(legal_next(before.status().kind(), order.status().kind()),
                        "illegal {:?} -> {:?} by {:?}", before.status(), order.status(), cmd);
                    // Strangers never succeed.
                    prop_assert!(!matches!(actor, Actor::Customer(c) if c != CUSTOMER));
                    prop_assert!(!matches!(actor, Actor::Restaurant(r) if r != RESTAURANT));
                    if let Actor::Courier(c) = actor {
                        let involved = before.assignment().assigned_courier() == Some(c)
                            || before.assignment().offered_courier() == Some(c);
                        prop_assert!(involved, "uninvolved courier acted: {:?}", cmd);
                    }
                    books.on_event(&order, &event).map_err(|e| TestCaseError::fail(format!("ledger: {e}")))?;
                    events.push(event);
                }
            }
            // An assignment only exists while the order can still be carried.
            if order.assignment() != Assignment::Unassigned {
                prop_assert!(order.status().is_before_pickup() || order.status() == OrderStatus::PickedUp);
            }
            let ledger = &books.ledger;
            prop_assert!(ledger.is_balanced());
            prop_assert!(ledger.refunded().minor() <= ledger.captured().minor());
            prop_assert_eq!(ledger.customer_net_charge().minor(), ledger.captured().minor() - ledger.refunded().minor());
            prop_assert_eq!(-ledger.balance(Account::CustomerFunds).minor() - ledger.balance(Account::Authorized).minor(),
                ledger.customer_net_charge().minor());
        }
        let replayed = Order::replay(&events);
        prop_assert_eq!(replayed.as_ref(), Some(&order));
        if std::env::var_os("COURIER_PROP_COVERAGE").is_some() {
            eprintln!("coverage {:?} v{}", order.status().kind(), order.version());
        }
        if order.status().is_terminal() {
            // Money conserved: everything the customer net paid sits with the payees.
            let l = &books.ledger;
            prop_assert!(l.balance(Account::Authorized).is_zero());
            prop_assert!(l.balance(Account::Captured).is_zero());
            let paid_out = [Account::RestaurantPayable, Account::CourierPayable, Account::PlatformRevenue, Account::TaxPayable]
                .iter().map(|&a| l.balance(a).minor()).sum::<i64>();
            prop_assert_eq!(paid_out, l.customer_net_charge().minor());
        }
    }

    /// Any sequence of ledger operations: refused ones post nothing, the books
    /// always balance, and refunds never exceed captures.
    #[test]
    fn ledger_operations_always_balance(ops in prop::collection::vec((0u8..5, -100i64..5_000), 1..40)) {
        let mut l = PaymentLedger::new(Currency::Usd);
        let t = Timestamp::EPOCH;
        for (op, amount) in ops {
            let before = l.clone();
            let m = usd(amount);
            let r = match op {
                0 => l.authorize(m, t),
                1 => l.capture(m, t),
                2 => l.release(m, t),
                3 => l.refund(m, t),
                _ => {
                    let captured = l.balance(Account::Captured);
                    let split = PayoutSplit { restaurant: usd(amount.max(0)), courier: usd(0), platform: captured.checked_sub(usd(amount.max(0))).unwrap(), tax: usd(0) };
                    l.settle(&split, t)
                }
            };
            if r.is_err() {
                prop_assert_eq!(&l, &before);
            }
            prop_assert!(l.is_balanced());
            prop_assert!(l.refunded().minor() <= l.captured().minor());
            prop_assert!(l.balance(Account::Authorized).minor() >= 0);
            prop_assert!(l.balance(Account::Captured).minor() >= 0);
        }
    }

    /// Splits: the rule's parts sum to the charge; pro-rata parts sum to the
    /// amount and never exceed the full part.
    #[test]
    fn splits_conserve_money(
        subtotal in 0i64..1_000_000, fees in 0i64..10_000, tax in 0i64..100_000, tip in 0i64..10_000,
        commission in 0u32..=10_000, pay in 0i64..5_000, share in 0u32..=10_000,
    ) {
        let charge = ChargeBreakdown { subtotal: usd(subtotal), platform_fees: usd(fees), tax: usd(tax), tip: usd(tip) };
        let rule = SplitRule { commission: BasisPoints::new(commission), courier_delivery_pay: usd(pay) };
        let split = PayoutSplit::from_rule(&rule, &charge).unwrap();
        prop_assert_eq!(split.total().unwrap(), charge.total().unwrap());
        if !split.platform.is_negative() {
            let part = charge.total().unwrap().mul_bps(BasisPoints::new(share));
            let scaled = split.pro_rata(part);
            if let Ok(scaled) = scaled {
                prop_assert_eq!(scaled.total().unwrap(), part);
                for (s, f) in [(scaled.restaurant, split.restaurant), (scaled.courier, split.courier), (scaled.platform, split.platform), (scaled.tax, split.tax)] {
                    prop_assert!(s.minor() >= 0 && s.minor() <= f.minor());
                }
            } else {
                prop_assert!(split.total().unwrap().is_zero() && !part.is_zero());
            }
        }
    }

    /// `mul_bps` equals exact rational rounding half away from zero.
    #[test]
    fn mul_bps_matches_exact_rounding(amount in -10_000_000_000i64..10_000_000_000, bps in 0u32..=20_000) {
        let got = usd(amount).mul_bps(BasisPoints::new(bps)).minor();
        let exact_x2 = 2 * i128::from(amount) * i128::from(bps); // 2 * 10_000 * true value
        let floor = i128::from(amount) * i128::from(bps) / 10_000;
        let candidates = [floor - 1, floor, floor + 1];
        let best = candidates.iter().copied().min_by_key(|c| {
            let diff = (c * 20_000 - exact_x2).abs();
            (diff, -c.abs()) // on a tie, the one further from zero
        }).unwrap();
        prop_assert_eq!(i128::from(got), best);
    }

    /// Largest-remainder allocation always sums exactly and each part is within 1 of its share.
    #[test]
    fn allocation_is_exact(total in 0i64..100_000_000, weights in prop::collection::vec(0u64..1_000_000, 1..8)) {
        match allocate_largest_remainder(total, &weights) {
            None => prop_assert!(weights.iter().all(|&w| w == 0)),
            Some(parts) => {
                prop_assert_eq!(parts.iter().sum::<i64>(), total);
                let wsum: f64 = weights.iter().map(|&w| w as f64).sum();
                for (p, w) in parts.iter().zip(&weights) {
                    let share = total as f64 * *w as f64 / wsum;
                    prop_assert!((*p as f64 - share).abs() < 1.0 + 1e-6);
                }
            }
        }
    }

    /// GeoPoint accepts exactly the finite in-range pairs.
    #[test]
    fn geo_point_validation(lat in prop::num::f64::ANY, lng in prop::num::f64::ANY) {
        let ok = lat.is_finite() && lng.is_finite() && (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lng);
        prop_assert_eq!(GeoPoint::new(lat, lng).is_ok(), ok);
    }
}
