//! The promotions port: the promotions a market runs, and how often each
//! customer used each one, counted so that two placements racing for a
//! customer's last use cannot both have it, whichever process they run in.

use crate::ids::CustomerId;
use crate::promotion::Promotion;
use crate::time::Timestamp;

use super::StorageError;

/// One use of a promotion a placement asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromoClaim<'a> {
    /// The code.
    pub code: &'a str,
    /// The promotion's per-customer limit, if any.
    pub limit: Option<u32>,
}

/// What [`PromotionStore::claim_promotion_uses`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimOutcome {
    /// Every use was counted.
    Claimed,
    /// The customer had used this code as often as allowed: nothing was counted.
    LimitReached {
        /// The code.
        code: String,
        /// Its limit.
        limit: u32,
    },
}

/// Promotions and their per-customer use counts.
pub trait PromotionStore: Send + Sync {
    /// Stores a new promotion; `false`, writing nothing, when its code exists.
    fn create_promotion(&self, promotion: &Promotion) -> impl Future<Output = Result<bool, StorageError>> + Send;

    /// Every promotion, by code.
    fn list_promotions(&self) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send;

    /// The promotions with these codes, in their order (unknown ones left out).
    fn promotions(&self, codes: &[&str]) -> impl Future<Output = Result<Vec<Promotion>, StorageError>> + Send;

    /// Ends a promotion at `at` (its end moves to `at` if later); the
    /// promotion after, or `None` for an unknown code.
    fn expire_promotion(
        &self,
        code: &str,
        at: Timestamp,
    ) -> impl Future<Output = Result<Option<Promotion>, StorageError>> + Send;

    /// How many times `customer` used each of `codes`, in their order.
    fn promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<Vec<u32>, StorageError>> + Send;

    /// Counts one use of each claim for `customer`, all or none: refused
    /// when one would go past its limit.
    fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> impl Future<Output = Result<ClaimOutcome, StorageError>> + Send;

    /// Gives back one use of each code (a placement that stored no order
    /// after claiming them).
    fn release_promotion_uses(
        &self,
        customer: CustomerId,
        codes: &[&str],
    ) -> impl Future<Output = Result<(), StorageError>> + Send;
}
