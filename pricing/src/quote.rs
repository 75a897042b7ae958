//! Quotes: a cart priced line by line, with its inputs' version and a validity window.

use courier_core::ledger::ChargeBreakdown;
use courier_core::{CustomerId, GeoPoint, Money, Timestamp};

use crate::cart::Cart;
use crate::error::PricingError;
use crate::fees::{PricingConfig, per_km_amount};
use crate::promo::{AppliedDiscount, CustomerHistory, FundedBy, NotApplied, PromoBook, apply_promotions};
use crate::surge::{NO_SURGE, SurgeBook, SurgeExplanation};
use h3o::CellIndex;
use std::sync::Arc;

/// What to price.
#[derive(Debug, Clone, Copy)]
pub struct QuoteRequest<'a> {
    /// Who asks (for promotion rules).
    pub customer: CustomerId,
    /// The restaurant (surge is priced in its cell, where couriers are needed).
    pub pickup: GeoPoint,
    /// The pickup's surge cell if the caller already knows it (restaurants do not
    /// move, so the platform computes it once); `None` computes it here.
    pub pickup_cell: Option<CellIndex>,
    /// The delivery address.
    pub dropoff: GeoPoint,
    /// The validated cart.
    pub cart: &'a Cart,
    /// The tip, zero or more.
    pub tip: Money,
    /// Promotion codes typed by the customer.
    pub promo_codes: &'a [&'a str],
    /// The customer's order and promotion history.
    pub history: &'a CustomerHistory,
    /// Quote time (the price lock starts here).
    pub now: Timestamp,
}

/// A priced cart. `total` is exactly the sum of [`Quote::lines`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quote {
    /// Version of the pricing configuration used.
    pub config_version: u64,
    /// When priced.
    pub created_at: Timestamp,
    /// Prices hold until this time (exclusive).
    pub valid_until: Timestamp,
    /// Who it was priced for.
    pub customer: CustomerId,
    /// Restaurant-to-customer distance, metres.
    pub distance_m: u32,
    /// Food subtotal before discounts.
    pub subtotal: Money,
    /// Discounts applied.
    pub discounts: Vec<AppliedDiscount>,
    /// Codes that gave nothing, and why.
    pub not_applied: Vec<(Arc<str>, NotApplied)>,
    /// Delivery fee before surge.
    pub delivery_fee_base: Money,
    /// Delivery fee charged (after surge).
    pub delivery_fee: Money,
    /// The surge applied to the delivery fee, and why.
    pub surge: Option<SurgeExplanation>,
    /// Small-order fee (zero if the subtotal meets the minimum).
    pub small_order_fee: Money,
    /// Service fee.
    pub service_fee: Money,
    /// Tax.
    pub tax: Money,
    /// The jurisdiction taxed.
    pub tax_jurisdiction: Arc<str>,
    /// Tip.
    pub tip: Money,
    /// What the customer pays.
    pub total: Money,
}

/// One named line of a quote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuoteLine {
    /// `"subtotal"`, `"discount:CODE"`, `"delivery_fee"`, `"small_order_fee"`,
    /// `"service_fee"`, `"tax"` or `"tip"`.
    pub name: String,
    /// Signed amount (discounts are negative).
    pub amount: Money,
}

impl Quote {
    /// Every line, in display order; they sum to `total`.
    pub fn lines(&self) -> Vec<QuoteLine> {
        let line = |name: &str, amount| QuoteLine {
            name: name.to_owned(),
            amount,
        };
        let mut lines = vec![line("subtotal", self.subtotal)];
        lines.extend(self.discounts.iter().map(|d| QuoteLine {
            name: format!("discount:{}", d.code),
            amount: Money::new(-d.amount.minor(), d.amount.currency()),
        }));
        lines.push(line("delivery_fee", self.delivery_fee));
        lines.push(line("small_order_fee", self.small_order_fee));
        lines.push(line("service_fee", self.service_fee));
        lines.push(line("tax", self.tax));
        lines.push(line("tip", self.tip));
        lines
    }

    /// Sum of discounts funded by `who`.
    pub fn discounts_funded_by(&self, who: FundedBy) -> Money {
        let minor = self
            .discounts
            .iter()
            .filter(|d| d.funded_by == who)
            .map(|d| d.amount.minor())
            .sum();
        Money::new(minor, self.subtotal.currency())
    }

    /// True while the price lock holds.
    pub fn is_valid_at(&self, now: Timestamp) -> bool {
        now >= self.created_at && now < self.valid_until
    }

    /// The quote in the shape core's ledger splits: restaurant-funded discounts
    /// reduce the food subtotal, platform-funded ones the platform's fees.
    pub fn charge_breakdown(&self) -> Result<ChargeBreakdown, PricingError> {
        let subtotal = self
            .subtotal
            .checked_sub(self.discounts_funded_by(FundedBy::Restaurant))?;
        let platform_fees = Money::sum(
            self.subtotal.currency(),
            [self.delivery_fee, self.small_order_fee, self.service_fee],
        )?
        .checked_sub(self.discounts_funded_by(FundedBy::Platform))?;
        Ok(ChargeBreakdown {
            subtotal,
            platform_fees,
            tax: self.tax,
            tip: self.tip,
        })
    }
}

/// Prices a cart. Deterministic: the same inputs give the same quote.
pub fn quote(
    config: &PricingConfig,
    promos: &PromoBook,
    surge: &SurgeBook,
    req: &QuoteRequest<'_>,
) -> Result<Quote, PricingError> {
    let currency = config.currency;
    let subtotal = req.cart.subtotal();
    if subtotal.currency() != currency {
        return Err(PricingError::WrongMarketCurrency {
            cart_currency: subtotal.currency(),
            market_currency: currency,
        });
    }
    if req.tip.is_negative() || req.tip.currency() != currency {
        return Err(PricingError::BadTip(req.tip));
    }
    let outcome = apply_promotions(promos, req.promo_codes, subtotal, req.history, req.now)?;
    let food = subtotal.checked_sub(outcome.total(currency))?;

    // Distances are whole metres; the per-km fee is rounded once, half away from zero.
    let distance_m = req.pickup.distance_m(req.dropoff).round() as u32;
    let delivery_fee_base = config
        .delivery
        .base
        .checked_add(per_km_amount(config.delivery.per_km, distance_m))?;
    let cell = req.pickup_cell.or_else(|| surge.cell_of(req.pickup));
    let explanation = cell.map(|cell| surge.explain(cell));
    let multiplier = explanation.map_or(NO_SURGE, |e| e.multiplier);
    let delivery_fee = delivery_fee_base.mul_bps(multiplier);

    let small_order_fee = if subtotal.minor() < config.small_order.below.minor() {
        config.small_order.fee
    } else {
        Money::zero(currency)
    };
    let service = &config.service;
    let service_minor = food
        .mul_bps(service.rate)
        .minor()
        .clamp(service.min.minor(), service.max.minor().max(service.min.minor()));
    let service_fee = Money::new(service_minor, currency);

    let tax_rule = &config.tax;
    let mut taxable = Money::zero(currency);
    if tax_rule.food {
        taxable = taxable.checked_add(food)?;
    }
    if tax_rule.delivery_fee {
        taxable = taxable.checked_add(delivery_fee)?;
    }
    if tax_rule.service_fees {
        taxable = taxable.checked_add(service_fee)?.checked_add(small_order_fee)?;
    }
    let tax = taxable.mul_bps(tax_rule.rate);
    let total = Money::sum(
        currency,
        [food, delivery_fee, small_order_fee, service_fee, tax, req.tip],
    )?;

    Ok(Quote {
        config_version: config.version,
        created_at: req.now,
        valid_until: req.now.plus(config.quote_ttl),
        customer: req.customer,
        distance_m,
        subtotal,
        discounts: outcome.applied,
        not_applied: outcome.not_applied,
        delivery_fee_base,
        delivery_fee,
        surge: explanation.filter(|e| e.multiplier != NO_SURGE),
        small_order_fee,
        service_fee,
        tax,
        tax_jurisdiction: tax_rule.jurisdiction.clone(),
        tip: req.tip,
        total,
    })
}
