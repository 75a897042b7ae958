//! `PromotionStore` on PostgreSQL: a claim counts every code of a placement
//! in one transaction, each with a conditional upsert, so two placements
//! racing for a customer's last use serialize on its row and one is refused.

use std::sync::Arc;

use courier_core::ports::{ClaimOutcome, PromoClaim, PromotionStore, StorageError};
use courier_core::promotion::{FundedBy, PromoKind, Promotion};
use courier_core::{BasisPoints, Currency, CustomerId, Money, Timestamp};
use sqlx::Row;
use sqlx::postgres::PgRow;

use super::{PgStore, to_i64};

const COLUMNS: &str = "code, kind, amount, currency, min_subtotal, max_discount, first_order_only, \
                       valid_from_ms, valid_until_ms, per_customer_limit, stackable, funded_by";

fn corrupt(e: impl std::fmt::Display) -> StorageError {
    StorageError::Corrupt(e.to_string())
}

fn promotion_of(r: &PgRow) -> Result<Promotion, StorageError> {
    let currency: Currency = r
        .try_get::<String, _>("currency")
        .map_err(corrupt)?
        .parse()
        .map_err(corrupt)?;
    let amount: i64 = r.try_get("amount").map_err(corrupt)?;
    let kind = match r.try_get::<String, _>("kind").map_err(corrupt)?.as_str() {
        "percent" => PromoKind::Percent(BasisPoints::new(u32::try_from(amount).map_err(corrupt)?)),
        "flat" => PromoKind::Flat(Money::new(amount, currency)),
        other => return Err(corrupt(format!("unknown promotion kind {other:?}"))),
    };
    let funded_by = match r.try_get::<String, _>("funded_by").map_err(corrupt)?.as_str() {
        "platform" => FundedBy::Platform,
        "restaurant" => FundedBy::Restaurant,
        other => return Err(corrupt(format!("unknown promotion funder {other:?}"))),
    };
    let limit: Option<i32> = r.try_get("per_customer_limit").map_err(corrupt)?;
    Ok(Promotion {
        code: Arc::from(r.try_get::<String, _>("code").map_err(corrupt)?),
        kind,
        min_subtotal: Money::new(r.try_get("min_subtotal").map_err(corrupt)?, currency),
        max_discount: r
            .try_get::<Option<i64>, _>("max_discount")
            .map_err(corrupt)?
            .map(|m| Money::new(m, currency)),
        first_order_only: r.try_get("first_order_only").map_err(corrupt)?,
        valid_from: Timestamp::from_millis(r.try_get("valid_from_ms").map_err(corrupt)?),
        valid_until: Timestamp::from_millis(r.try_get("valid_until_ms").map_err(corrupt)?),
        per_customer_limit: limit.map(u32::try_from).transpose().map_err(corrupt)?,
        stackable: r.try_get("stackable").map_err(corrupt)?,
        funded_by,
    })
}

/// A limit as stored: `u32` beyond `i32::MAX` is as good as none.
fn limit_column(limit: Option<u32>) -> Option<i32> {
    limit.map(|l| i32::try_from(l).unwrap_or(i32::MAX))
}

impl PromotionStore for PgStore {
    async fn create_promotion(&self, p: &Promotion) -> Result<bool, StorageError> {
        let (kind, amount, currency) = match p.kind {
            PromoKind::Percent(rate) => ("percent", i64::from(rate.get()), p.min_subtotal.currency()),
            PromoKind::Flat(m) => ("flat", m.minor(), m.currency()),
        };
        let inserted = sqlx::query(&format!(
            "INSERT INTO promotions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (code) DO NOTHING"
        ))
        .bind(&*p.code)
        .bind(kind)
        .bind(amount)
        .bind(currency.code())
        .bind(p.min_subtotal.minor())
        .bind(p.max_discount.map(Money::minor))
        .bind(p.first_order_only)
        .bind(p.valid_from.as_millis())
        .bind(p.valid_until.as_millis())
        .bind(limit_column(p.per_customer_limit))
        .bind(p.stackable)
        .bind(p.funded_by.name())
        .execute(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        Ok(inserted.rows_affected() == 1)
    }

    async fn list_promotions(&self) -> Result<Vec<Promotion>, StorageError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM promotions ORDER BY code"))
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        rows.iter().map(promotion_of).collect()
    }

    async fn promotions(&self, codes: &[&str]) -> Result<Vec<Promotion>, StorageError> {
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM promotions WHERE code = ANY($1)"))
            .bind(codes)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        let found: Vec<Promotion> = rows.iter().map(promotion_of).collect::<Result<_, _>>()?;
        Ok(codes
            .iter()
            .filter_map(|c| found.iter().find(|p| &*p.code == *c).cloned())
            .collect())
    }

    async fn expire_promotion(&self, code: &str, at: Timestamp) -> Result<Option<Promotion>, StorageError> {
        let row = sqlx::query(&format!(
            "UPDATE promotions SET valid_until_ms = LEAST(valid_until_ms, $2) WHERE code = $1 RETURNING {COLUMNS}"
        ))
        .bind(code)
        .bind(at.as_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.error(e))?;
        row.as_ref().map(promotion_of).transpose()
    }

    async fn promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<Vec<u32>, StorageError> {
        let rows = sqlx::query("SELECT code, uses FROM promotion_uses WHERE customer_id = $1 AND code = ANY($2)")
            .bind(to_i64(customer.get()))
            .bind(codes)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        let mut counted = Vec::with_capacity(rows.len());
        for r in &rows {
            let code: String = r.try_get("code").map_err(corrupt)?;
            let uses: i32 = r.try_get("uses").map_err(corrupt)?;
            counted.push((code, u32::try_from(uses).map_err(corrupt)?));
        }
        Ok(codes
            .iter()
            .map(|c| counted.iter().find(|(code, _)| code == c).map_or(0, |(_, n)| *n))
            .collect())
    }

    async fn claim_promotion_uses(
        &self,
        customer: CustomerId,
        claims: &[PromoClaim<'_>],
    ) -> Result<ClaimOutcome, StorageError> {
        if let Some(claim) = claims.iter().find(|c| c.limit == Some(0)) {
            return Ok(ClaimOutcome::LimitReached {
                code: claim.code.to_owned(),
                limit: 0,
            });
        }
        let mut tx = self.pool.begin().await.map_err(|e| self.error(e))?;
        for claim in claims {
            // The row lock orders racing claims; the second sees the first's count.
            let counted = sqlx::query(
                "INSERT INTO promotion_uses (customer_id, code, uses) VALUES ($1, $2, 1) \
                 ON CONFLICT (customer_id, code) DO UPDATE SET uses = promotion_uses.uses + 1 \
                 WHERE $3::INTEGER IS NULL OR promotion_uses.uses < $3 \
                 RETURNING uses",
            )
            .bind(to_i64(customer.get()))
            .bind(claim.code)
            .bind(limit_column(claim.limit))
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.error(e))?;
            if counted.is_none() {
                tx.rollback().await.map_err(|e| self.error(e))?;
                return Ok(ClaimOutcome::LimitReached {
                    code: claim.code.to_owned(),
                    limit: claim.limit.unwrap_or(0),
                });
            }
        }
        tx.commit().await.map_err(|e| self.error(e))?;
        Ok(ClaimOutcome::Claimed)
    }

    async fn release_promotion_uses(&self, customer: CustomerId, codes: &[&str]) -> Result<(), StorageError> {
        sqlx::query("UPDATE promotion_uses SET uses = uses - 1 WHERE customer_id = $1 AND code = ANY($2) AND uses > 0")
            .bind(to_i64(customer.get()))
            .bind(codes)
            .execute(&self.pool)
            .await
            .map_err(|e| self.error(e))?;
        Ok(())
    }
}
