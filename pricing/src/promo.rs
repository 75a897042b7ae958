//! Promotions: eligibility, caps, stacking, and the best legal combination.
//!
//! A percent promotion takes its rate of the food subtotal; any promotion is
//! then capped at its `max_discount`, and the discounts together never exceed
//! the subtotal (a later one is cut to what is left). Stackable promotions
//! combine with each other; a non-stackable one applies alone. Of the legal
//! combinations the one with the largest total discount wins (ties: fewer
//! promotions, then the earlier code).

use std::collections::HashMap;
use std::sync::Arc;

use courier_core::{Currency, Money, Timestamp};

use crate::error::PricingError;

pub use courier_core::promotion::{FundedBy, PromoKind, Promotion};

/// The discount `promo` gives on `subtotal`, capped, before the subtotal clamp.
fn raw_discount(promo: &Promotion, subtotal: Money) -> Money {
    let raw = match promo.kind {
        PromoKind::Percent(rate) => subtotal.mul_bps(rate),
        PromoKind::Flat(amount) => amount,
    };
    let raw = Money::new(raw.minor().max(0), subtotal.currency());
    match promo.max_discount {
        Some(cap) => raw.min(Money::new(cap.minor().max(0), subtotal.currency())),
        None => raw,
    }
}

/// The promotions a market runs, by code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoBook {
    by_code: HashMap<Arc<str>, Promotion>,
}

impl PromoBook {
    /// An empty book.
    pub fn new() -> PromoBook {
        PromoBook::default()
    }

    /// Adds or replaces a promotion.
    pub fn insert(&mut self, promo: Promotion) {
        self.by_code.insert(promo.code.clone(), promo);
    }

    /// A promotion by code.
    pub fn get(&self, code: &str) -> Option<&Promotion> {
        self.by_code.get(code)
    }
}

/// What the platform knows of a customer for promotion rules.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerHistory {
    /// Orders the customer completed before.
    pub completed_orders: u32,
    /// How many times they used each code.
    pub promo_uses: Vec<(Arc<str>, u32)>,
}

impl CustomerHistory {
    fn uses_of(&self, code: &str) -> u32 {
        self.promo_uses
            .iter()
            .find(|(c, _)| &**c == code)
            .map_or(0, |(_, n)| *n)
    }
}

/// Why a valid code gave no discount on this quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotApplied {
    /// The subtotal is under the promotion's minimum.
    BelowMinimum {
        /// The minimum.
        min_subtotal: Money,
    },
    /// Only for a first order, and this customer has ordered before.
    FirstOrderOnly,
    /// The customer used it as often as allowed.
    UseLimitReached {
        /// The limit.
        limit: u32,
    },
    /// Another combination gave a larger discount.
    BeatenByBetterCombination,
}

/// A discount line on a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedDiscount {
    /// The code.
    pub code: Arc<str>,
    /// The amount taken off (positive).
    pub amount: Money,
    /// Who pays for it.
    pub funded_by: FundedBy,
}

/// The promotions applied and refused on one quote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PromoOutcome {
    /// Discounts applied, in the order the customer gave the codes.
    pub applied: Vec<AppliedDiscount>,
    /// Valid codes that gave nothing, with the reason.
    pub not_applied: Vec<(Arc<str>, NotApplied)>,
}

impl PromoOutcome {
    /// Sum of the applied discounts, in `currency` (the cart's).
    pub fn total(&self, currency: Currency) -> Money {
        Money::new(self.applied.iter().map(|d| d.amount.minor()).sum(), currency)
    }
}

/// Applies `codes` to `subtotal` for a customer at `now`.
///
/// Unknown codes and codes outside their validity window are errors (bad
/// input); valid codes that do not apply are reported in `not_applied`.
pub fn apply_promotions(
    book: &PromoBook,
    codes: &[&str],
    subtotal: Money,
    history: &CustomerHistory,
    now: Timestamp,
) -> Result<PromoOutcome, PricingError> {
    let mut outcome = PromoOutcome::default();
    // Each eligible promotion with its capped discount, computed once.
    let mut eligible: Vec<(&Promotion, i64)> = Vec::with_capacity(codes.len());
    for &code in codes {
        let promo = book
            .get(code)
            .ok_or_else(|| PricingError::UnknownPromotion { code: code.to_owned() })?;
        if now < promo.valid_from || now >= promo.valid_until {
            return Err(PricingError::PromotionNotValidNow {
                code: code.to_owned(),
                valid_from: promo.valid_from,
                valid_until: promo.valid_until,
                now,
            });
        }
        if eligible.iter().any(|(p, _)| p.code == promo.code) {
            continue; // the same code twice counts once
        }
        let refusal = if subtotal.minor() < promo.min_subtotal.minor() {
            Some(NotApplied::BelowMinimum {
                min_subtotal: promo.min_subtotal,
            })
        } else if promo.first_order_only && history.completed_orders > 0 {
            Some(NotApplied::FirstOrderOnly)
        } else {
            promo
                .per_customer_limit
                .filter(|&limit| history.uses_of(code) >= limit)
                .map(|limit| NotApplied::UseLimitReached { limit })
        };
        match refusal {
            Some(reason) => outcome.not_applied.push((promo.code.clone(), reason)),
            None => eligible.push((promo, raw_discount(promo, subtotal).minor())),
        }
    }
    let best = best_combination(&eligible, subtotal);
    for (idx, (promo, _)) in eligible.iter().enumerate() {
        if !best.contains(&idx) {
            outcome
                .not_applied
                .push((promo.code.clone(), NotApplied::BeatenByBetterCombination));
        }
    }
    let mut remaining = subtotal.minor();
    for idx in best {
        let (promo, discount) = eligible[idx];
        let amount = discount.min(remaining);
        remaining -= amount;
        outcome.applied.push(AppliedDiscount {
            code: promo.code.clone(),
            amount: Money::new(amount, subtotal.currency()),
            funded_by: promo.funded_by,
        });
    }
    Ok(outcome)
}

/// Indexes of the eligible promotions to apply: all stackable ones together, or
/// the single non-stackable one that beats them. Adding a stackable promotion
/// never lowers the total, so "all stackable" is the best stackable set.
fn best_combination(eligible: &[(&Promotion, i64)], subtotal: Money) -> Vec<usize> {
    let total_of = |idxs: &[usize]| -> i64 {
        let sum: i64 = idxs.iter().map(|&i| eligible[i].1).sum();
        sum.min(subtotal.minor())
    };
    let stackable: Vec<usize> = (0..eligible.len()).filter(|&i| eligible[i].0.stackable).collect();
    let mut best = stackable;
    let mut best_total = total_of(&best);
    for i in (0..eligible.len()).filter(|&i| !eligible[i].0.stackable) {
        let total = total_of(&[i]);
        // Strictly better, or as good with fewer promotions used.
        if total > best_total || (total == best_total && best.len() > 1) {
            best = vec![i];
            best_total = total;
        }
    }
    if best_total == 0 {
        return Vec::new();
    }
    best
}
