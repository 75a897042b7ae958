//! In-memory `PromotionStore`: promotions by code and each customer's uses,
//! behind one lock, so a claim sees and counts all its codes at once.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use courier_core::ports::{ClaimOutcome, PromoClaim, PromotionStore, StorageError};
use courier_core::promotion::Promotion;
use courier_core::{CustomerId, Timestamp};

#[derive(Debug, Default)]
struct Promotions {
    by_code: BTreeMap<Arc<str>, Promotion>,
    uses: BTreeMap<(CustomerId, Arc<str>), u32>,
}

/// Promotions in process memory.
#[derive(Debug, Default)]
pub struct MemoryPromotionStore {
    promotions: Mutex<Promotions>,
}

impl MemoryPromotionStore {
    fn lock(&self) -> MutexGuard<'_, Promotions> {
        self.promotions.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl PromotionStore for MemoryPromotionStore {
    async fn create_promotion(&self, promotion: &Promotion) -> Result<bool, StorageError> {
        let mut p = self.lock();
        if p.by_code.contains_key(&promotion.code) {
            return Ok(false);
        }
        p.by_code.insert(promotion.code.clone(), promotion.clone());
        Ok(true)
    }

    async fn list_promotions(&self) -> Result<Vec<Promotion>, StorageError> {
        Ok(self.lock().by_code.values().cloned().collect())
    }

    async fn promotions(&self, codes: &[&str]) -> Result<Vec<Promotion>, StorageError> {
        let p = self.lock();
        Ok(codes.iter().filter_map(|c| p.by_code.get(*c).cloned()).collect())
    }

    async fn expire_promotion(&self, code: &str, at: Timestamp) -> Result<Option<Promotion>, StorageError> {
        let mut p = self.lock();
        Ok(p.by_code.get_mut(code).map(|promo| {
            promo.valid_until = promo.valid_until.min(at);
            promo.clone()
        }))
    }

    async fn promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<Vec<u32>, StorageError> {
        let p = self.lock();
        Ok(codes
            .iter()
            .map(|c| p.uses.get(&(customer, Arc::from(*c))).copied().unwrap_or(0))
            .collect())
    }

    async fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> Result<ClaimOutcome, StorageError> {
        let mut p = self.lock();
        for claim in claims {
            let used = p.uses.get(&(customer, Arc::from(claim.code))).copied().unwrap_or(0);
            if let Some(limit) = claim.limit.filter(|&limit| used >= limit) {
                return Ok(ClaimOutcome::LimitReached {
                    code: claim.code.to_owned(),
                    limit,
                });
            }
        }
        for claim in claims {
            *p.uses.entry((customer, Arc::from(claim.code))).or_insert(0) += 1;
        }
        Ok(ClaimOutcome::Claimed)
    }

    async fn release_promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<(), StorageError> {
        let mut p = self.lock();
        for code in codes {
            if let Some(used) = p.uses.get_mut(&(customer, Arc::from(*code))) {
                *used = used.saturating_sub(1);
            }
        }
        Ok(())
    }
}
