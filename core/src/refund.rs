//! The refund policy of seed 000, as data.
//!
//! | when the order ends | refund |
//! |---|---|
//! | restaurant rejection, restaurant cancellation, platform failure | 100% |
//! | customer cancels before the restaurant accepted | 100% |
//! | customer cancels less than 5 minutes after acceptance | 50% |
//! | customer cancels 5 minutes or more after acceptance | 0% |
//! | customer cancels after pickup | 0% |
//!
//! Shares are basis points of the amount charged, rounded by [`Money::mul_bps`].

use crate::money::{BasisPoints, Money};
use crate::order::{Fault, Order, OrderStatus};
use crate::time::{Duration, Timestamp};

/// Which rule of the policy applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundRule {
    /// The restaurant or the platform ended the order.
    NotCustomersFault,
    /// The customer cancelled before the restaurant accepted.
    BeforeAcceptance,
    /// The customer cancelled within the early window after acceptance.
    EarlyAfterAcceptance,
    /// The customer cancelled after the early window.
    LateAfterAcceptance,
    /// The customer cancelled after pickup.
    AfterPickup,
}

/// The refund shares, configurable per market. [`RefundPolicy::default`] is seed 000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundPolicy {
    /// Share refunded when the restaurant or platform is at fault (100%).
    pub not_customers_fault: BasisPoints,
    /// Share refunded before acceptance (100%).
    pub before_acceptance: BasisPoints,
    /// How long after acceptance the early share applies (5 minutes, exclusive).
    pub early_window: Duration,
    /// Share refunded within the early window (50%).
    pub early_after_acceptance: BasisPoints,
    /// Share refunded after the early window (0%).
    pub late_after_acceptance: BasisPoints,
    /// Share refunded after pickup (0%).
    pub after_pickup: BasisPoints,
}

impl Default for RefundPolicy {
    fn default() -> Self {
        Self {
            not_customers_fault: BasisPoints::FULL,
            before_acceptance: BasisPoints::FULL,
            early_window: Duration::from_mins(5),
            early_after_acceptance: BasisPoints::new(5_000),
            late_after_acceptance: BasisPoints::ZERO,
            after_pickup: BasisPoints::ZERO,
        }
    }
}

/// A share above 100% in a refund policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("refund share for {rule:?} is {share}, above 100%")]
pub struct RefundPolicyError {
    /// The rule with the bad share.
    pub rule: RefundRule,
    /// The share given.
    pub share: BasisPoints,
}

/// What the policy decided for one order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundDecision {
    /// The rule that applied.
    pub rule: RefundRule,
    /// The share of the charge refunded.
    pub share: BasisPoints,
    /// The amount refunded to the customer.
    pub refund: Money,
    /// The amount the customer still pays (`charge - refund`).
    pub retained: Money,
}

/// What the policy needs to know about an order to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundContext {
    /// Amount charged (authorized).
    pub charge: Money,
    /// When the restaurant accepted, if it did.
    pub confirmed_at: Option<Timestamp>,
    /// True once the courier picked the food up.
    pub picked_up: bool,
}

impl RefundPolicy {
    /// Refuses shares above 100%.
    pub fn validate(&self) -> Result<(), RefundPolicyError> {
        let shares = [
            (RefundRule::NotCustomersFault, self.not_customers_fault),
            (RefundRule::BeforeAcceptance, self.before_acceptance),
            (RefundRule::EarlyAfterAcceptance, self.early_after_acceptance),
            (RefundRule::LateAfterAcceptance, self.late_after_acceptance),
            (RefundRule::AfterPickup, self.after_pickup),
        ];
        match shares.into_iter().find(|(_, s)| !s.is_at_most_full()) {
            Some((rule, share)) => Err(RefundPolicyError { rule, share }),
            None => Ok(()),
        }
    }

    /// Decides the refund for an order ending at `at` through `fault`.
    ///
    /// ```
    /// use courier_core::refund::{RefundPolicy, RefundContext, RefundRule};
    /// use courier_core::{Money, Currency, Timestamp, Duration, order::Fault};
    /// // Seed 000: $25.00, cancelled by the customer 2 minutes after acceptance.
    /// let accepted = Timestamp::from_millis(30_000);
    /// let ctx = RefundContext { charge: Money::new(2500, Currency::Usd), confirmed_at: Some(accepted), picked_up: false };
    /// let d = RefundPolicy::default().decide(ctx, Fault::Customer, accepted.plus(Duration::from_mins(2)));
    /// assert_eq!(d.rule, RefundRule::EarlyAfterAcceptance);
    /// assert_eq!(d.refund, Money::new(1250, Currency::Usd));
    /// ```
    pub fn decide(&self, ctx: RefundContext, fault: Fault, at: Timestamp) -> RefundDecision {
        let (rule, share) = match (fault, ctx.confirmed_at) {
            (Fault::Restaurant | Fault::Platform, _) => (RefundRule::NotCustomersFault, self.not_customers_fault),
            (Fault::Customer, _) if ctx.picked_up => (RefundRule::AfterPickup, self.after_pickup),
            (Fault::Customer, None) => (RefundRule::BeforeAcceptance, self.before_acceptance),
            (Fault::Customer, Some(confirmed)) if at.since(confirmed) < self.early_window => {
                (RefundRule::EarlyAfterAcceptance, self.early_after_acceptance)
            }
            (Fault::Customer, Some(_)) => (RefundRule::LateAfterAcceptance, self.late_after_acceptance),
        };
        let share = share.min(BasisPoints::FULL);
        let refund = ctx.charge.mul_bps(share);
        let retained = Money::new(ctx.charge.minor() - refund.minor(), ctx.charge.currency());
        RefundDecision {
            rule,
            share,
            refund,
            retained,
        }
    }

    /// The refund for an order that ended rejected or cancelled; `None` for any other status.
    pub fn for_ended_order(&self, order: &Order) -> Option<RefundDecision> {
        let fault = match order.status() {
            OrderStatus::Rejected { .. } => Fault::Restaurant,
            OrderStatus::Cancelled { reason, .. } => reason.fault(),
            _ => return None,
        };
        let times = order.times();
        let ctx = RefundContext {
            charge: order.charge(),
            confirmed_at: times.confirmed_at,
            picked_up: times.picked_up_at.is_some(),
        };
        Some(self.decide(ctx, fault, times.closed_at.unwrap_or(times.created_at)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    const ACCEPTED: Timestamp = Timestamp::from_millis(30_000);

    /// One case of the policy table: who, when, and the expected rule and refund.
    fn check(fault: Fault, confirmed: bool, picked_up: bool, after: Duration, rule: RefundRule, refund_cents: i64) {
        let ctx = RefundContext {
            charge: Money::new(2500, Currency::Usd),
            confirmed_at: confirmed.then_some(ACCEPTED),
            picked_up,
        };
        let d = RefundPolicy::default().decide(ctx, fault, ACCEPTED.plus(after));
        assert_eq!(
            (d.rule, d.refund.minor()),
            (rule, refund_cents),
            "{fault:?} confirmed={confirmed} after={after}"
        );
        assert_eq!(d.refund.minor() + d.retained.minor(), 2500);
    }

    #[test]
    fn seed_000_worked_example_two_minutes_after_acceptance() {
        check(
            Fault::Customer,
            true,
            false,
            Duration::from_mins(2),
            RefundRule::EarlyAfterAcceptance,
            1250,
        );
    }

    #[test]
    fn customer_before_acceptance_gets_everything_back() {
        check(
            Fault::Customer,
            false,
            false,
            Duration::ZERO,
            RefundRule::BeforeAcceptance,
            2500,
        );
    }

    #[test]
    fn early_window_is_exclusive_at_five_minutes() {
        let just_before = Duration::from_millis(5 * 60_000 - 1);
        check(
            Fault::Customer,
            true,
            false,
            just_before,
            RefundRule::EarlyAfterAcceptance,
            1250,
        );
        check(
            Fault::Customer,
            true,
            false,
            Duration::from_mins(5),
            RefundRule::LateAfterAcceptance,
            0,
        );
        check(
            Fault::Customer,
            true,
            false,
            Duration::from_mins(30),
            RefundRule::LateAfterAcceptance,
            0,
        );
    }

    #[test]
    fn after_pickup_nothing_back() {
        check(
            Fault::Customer,
            true,
            true,
            Duration::from_secs(10),
            RefundRule::AfterPickup,
            0,
        );
    }

    #[test]
    fn restaurant_and_platform_faults_refund_in_full() {
        for fault in [Fault::Restaurant, Fault::Platform] {
            check(
                fault,
                true,
                false,
                Duration::from_mins(20),
                RefundRule::NotCustomersFault,
                2500,
            );
            check(
                fault,
                true,
                true,
                Duration::from_mins(40),
                RefundRule::NotCustomersFault,
                2500,
            );
            check(fault, false, false, Duration::ZERO, RefundRule::NotCustomersFault, 2500);
        }
    }

    #[test]
    fn policy_is_data_and_validated() {
        let generous = RefundPolicy {
            late_after_acceptance: BasisPoints::new(2_000),
            ..RefundPolicy::default()
        };
        assert_eq!(generous.validate(), Ok(()));
        let ctx = RefundContext {
            charge: Money::new(999, Currency::Usd),
            confirmed_at: Some(ACCEPTED),
            picked_up: false,
        };
        let d = generous.decide(ctx, Fault::Customer, ACCEPTED.plus(Duration::from_mins(9)));
        assert_eq!(d.refund.minor(), 200); // 199.8 rounds half away from zero to 200
        let broken = RefundPolicy {
            after_pickup: BasisPoints::new(10_001),
            ..RefundPolicy::default()
        };
        assert_eq!(
            broken.validate(),
            Err(RefundPolicyError {
                rule: RefundRule::AfterPickup,
                share: BasisPoints::new(10_001)
            })
        );
    }
}
