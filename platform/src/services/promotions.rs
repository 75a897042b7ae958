//! The promotion book's upkeep: admins create, list and end promotions;
//! each is checked before it is stored. Quotes read the codes they name
//! from the store (`services/pricing.rs`), placements count their uses.

use courier_core::bounds;
use courier_core::order::{Actor, OrderError};
use courier_core::ports::Store;
use courier_core::promotion::{PromoKind, Promotion};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;

/// The longest promotion code, in characters.
pub const MAX_PROMO_CODE_CHARS: usize = 40;

/// The largest per-customer use limit (above it, leave the limit out).
pub const MAX_USES_PER_CUSTOMER: u32 = 1_000_000;

/// The largest flat discount, minor units ($100.00): a larger one is a typo.
pub const MAX_FLAT_DISCOUNT_MINOR: i64 = 10_000;

fn admin_only(actor: Actor, action: &'static str) -> Result<(), PlatformError> {
    match actor {
        Actor::Admin(_) | Actor::System => Ok(()),
        _ => Err(OrderError::Forbidden { actor, action }.into()),
    }
}

/// A promotion that can be stored: a code of letters, digits, `-` and `_`;
/// a percent of 0.01% to 100% or a flat amount of 1 to
/// [`MAX_FLAT_DISCOUNT_MINOR`]; a minimum and a cap within the price bounds;
/// a window that ends after it starts; a use limit of 1 to
/// [`MAX_USES_PER_CUSTOMER`].
pub fn check(promotion: &Promotion) -> Result<(), PlatformError> {
    let code = &*promotion.code;
    if code.is_empty()
        || code.chars().count() > MAX_PROMO_CODE_CHARS
        || !code.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(PlatformError::invalid(
            "code",
            format!("{code:?} is not 1 to {MAX_PROMO_CODE_CHARS} letters, digits, '-' or '_'"),
        ));
    }
    match promotion.kind {
        PromoKind::Percent(rate) if !(1..=10_000).contains(&rate.get()) => {
            return Err(PlatformError::invalid(
                "percent_bps",
                format!("{} is not 1 to 10,000 basis points", rate.get()),
            ));
        }
        PromoKind::Flat(amount) if !(1..=MAX_FLAT_DISCOUNT_MINOR).contains(&amount.minor()) => {
            return Err(PlatformError::invalid(
                "amount_minor",
                format!("{amount} is not 1 to {MAX_FLAT_DISCOUNT_MINOR} minor units"),
            ));
        }
        PromoKind::Flat(_) => {}
        PromoKind::Percent(_) => {}
    }
    bounds::price("min_subtotal_minor", promotion.min_subtotal)?;
    if let Some(cap) = promotion.max_discount {
        bounds::price("max_discount_minor", cap)?;
        if cap.is_zero() {
            return Err(PlatformError::invalid("max_discount_minor", "a cap of 0 gives nothing"));
        }
    }
    if promotion.valid_until <= promotion.valid_from {
        return Err(PlatformError::invalid(
            "valid_until",
            format!(
                "{} is not after valid_from {}",
                promotion.valid_until.as_millis(),
                promotion.valid_from.as_millis()
            ),
        ));
    }
    if let Some(limit) = promotion
        .per_customer_limit
        .filter(|l| !(1..=MAX_USES_PER_CUSTOMER).contains(l))
    {
        return Err(PlatformError::invalid(
            "per_customer_limit",
            format!("{limit} is not 1 to {MAX_USES_PER_CUSTOMER}"),
        ));
    }
    Ok(())
}

/// Stores a new promotion (admins).
pub(crate) async fn create(
    parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    actor: Actor,
    promotion: &Promotion,
) -> Result<(), PlatformError> {
    admin_only(actor, "create promotion")?;
    check(promotion)?;
    if parts.store.create_promotion(promotion).await? {
        Ok(())
    } else {
        Err(PlatformError::PromotionExists {
            code: promotion.code.to_string(),
        })
    }
}

/// Every promotion (admins).
pub(crate) async fn list(
    parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    actor: Actor,
) -> Result<Vec<Promotion>, PlatformError> {
    admin_only(actor, "list promotions")?;
    Ok(parts.store.list_promotions().await?)
}

/// Ends a promotion now (admins); quotes refuse it from then on.
pub(crate) async fn expire(
    parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
    actor: Actor,
    code: &str,
) -> Result<Promotion, PlatformError> {
    admin_only(actor, "expire promotion")?;
    parts
        .store
        .expire_promotion(code, parts.now())
        .await?
        .ok_or_else(|| PlatformError::PromotionNotFound { code: code.to_owned() })
}
