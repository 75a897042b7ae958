//! courier-pricing: quotes with named lines, promotions, surge and payout splits,
//! in integer minor units.
//!
//! # Rounding
//! Every percentage (service fee, tax, percent promotions, surge, commission)
//! and every per-distance or per-time rate goes through courier-core's one
//! rule: the exact product is rounded half away from zero, once, to the minor
//! unit ([`courier_core::Money::mul_bps`], [`courier_core::Money::mul_div`]).
//! Lines are rounded individually and the total is their exact sum; splits give
//! the platform whatever the other parts leave, so they sum exactly.
//!
//! ```
//! use courier_pricing::*;
//! use courier_core::*;
//!
//! let config = PricingConfig::example_usd();
//! let cart = Cart::new(Currency::Usd, vec![CartItem::parse(MenuItemId::new(1), 1250, "USD", 2)?])?;
//! let surge = SurgeBook::new(SurgeConfig::default());
//! let history = CustomerHistory::default();
//! let req = QuoteRequest {
//!     customer: CustomerId::new(7),
//!     pickup: GeoPoint::new(37.7749, -122.4194)?,
//!     pickup_cell: None,
//!     dropoff: GeoPoint::new(37.7849, -122.4094)?,
//!     cart: &cart,
//!     tip: Money::new(300, Currency::Usd),
//!     promo_codes: &[],
//!     history: &history,
//!     now: Timestamp::EPOCH,
//! };
//! let q = quote(&config, &PromoBook::new(), &surge, &req)?;
//! let sum: i64 = q.lines().iter().map(|l| l.amount.minor()).sum();
//! assert_eq!(sum, q.total.minor());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cart;
mod error;
mod fees;
mod promo;
mod quote;
mod split;
mod surge;

pub use cart::{Cart, CartItem};
pub use error::PricingError;
pub use fees::{DeliveryFee, PricingConfig, ServiceFee, SmallOrderFee, TaxRule, per_km_amount};
pub use h3o::{CellIndex, Resolution};
pub use promo::{
    AppliedDiscount, CustomerHistory, FundedBy, NotApplied, PromoBook, PromoKind, PromoOutcome, Promotion,
    apply_promotions,
};
pub use quote::{Quote, QuoteLine, QuoteRequest, quote};
pub use split::{CourierPay, DEFAULT_COMMISSION, SplitPolicy, commission, guarantee_top_up, split_quote};
pub use surge::{CellSurge, NO_SURGE, SurgeBook, SurgeConfig, SurgeExplanation, target_multiplier};
