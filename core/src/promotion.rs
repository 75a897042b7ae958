//! A promotion as the platform stores it: the code, how it discounts, and
//! the rules on who may use it when. How discounts combine on a quote is
//! pricing's business (`courier_pricing::apply_promotions`).

use std::sync::Arc;

use crate::money::{BasisPoints, Money};
use crate::time::Timestamp;

/// How a promotion computes its discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PromoKind {
    /// A share of the food subtotal.
    Percent(BasisPoints),
    /// A fixed amount off.
    Flat(Money),
}

/// Who pays for a discount: it comes out of their share in the payout split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FundedBy {
    /// The platform (reduces platform revenue).
    Platform,
    /// The restaurant (reduces the food revenue the restaurant is paid on).
    Restaurant,
}

impl FundedBy {
    /// `platform` or `restaurant`.
    pub const fn name(self) -> &'static str {
        match self {
            FundedBy::Platform => "platform",
            FundedBy::Restaurant => "restaurant",
        }
    }
}

/// A promotion code and its rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Promotion {
    /// The code customers type (matched exactly).
    pub code: Arc<str>,
    /// Percent or flat.
    pub kind: PromoKind,
    /// Smallest food subtotal it applies to.
    pub min_subtotal: Money,
    /// Largest discount it gives, if capped.
    pub max_discount: Option<Money>,
    /// Only for a customer's first order.
    pub first_order_only: bool,
    /// Valid from this time (inclusive).
    pub valid_from: Timestamp,
    /// Valid until this time (exclusive).
    pub valid_until: Timestamp,
    /// How many times one customer may use it.
    pub per_customer_limit: Option<u32>,
    /// Combines with other stackable promotions.
    pub stackable: bool,
    /// Who pays for it.
    pub funded_by: FundedBy,
}

impl Promotion {
    /// True while `at` is inside the validity window.
    pub fn is_valid_at(&self, at: Timestamp) -> bool {
        self.valid_from <= at && at < self.valid_until
    }
}
