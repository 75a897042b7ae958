//! Admins run promotions: `POST /v1/promotions` creates one,
//! `GET /v1/promotions` lists them, `POST /v1/promotions/{code}/expire`
//! ends one now. Customers name codes in quotes and placements.

use std::sync::Arc;

use axum::Json;
use axum::http::StatusCode;
use courier_core::ports::Store;
use courier_core::promotion::{FundedBy, PromoKind, Promotion};
use courier_core::{BasisPoints, Duration, Money, Timestamp};
use courier_platform::external::Clock;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::AppStateRef;
use crate::auth::Principal;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath};

/// The latest start accepted, epoch milliseconds (2100-01-01).
const LATEST_START_MS: i64 = 4_102_444_800_000;

/// The longest a promotion runs, seconds (a year).
const LONGEST_RUN_SECS: u32 = 31_536_000;

/// How a promotion discounts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum DiscountKind {
    /// `value` basis points of the food subtotal (10,000 = 100%).
    Percent,
    /// `value` minor units off.
    Flat,
}

/// Who pays for the discount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Funder {
    /// The platform's revenue.
    Platform,
    /// The restaurant's payout.
    Restaurant,
}

/// `POST /v1/promotions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct PromotionInput {
    /// The code customers type: 1 to 40 letters, digits, `-` or `_`.
    #[schema(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    pub code: String,
    /// Percent or flat.
    pub kind: DiscountKind,
    /// Basis points (percent) or minor units (flat): 1 to 10,000.
    #[schema(minimum = 1, maximum = 10_000)]
    pub value: u32,
    /// Smallest food subtotal it applies to, minor units (default 0).
    #[serde(default)]
    #[schema(minimum = 0, maximum = 1_000_000)]
    pub min_subtotal_minor: i64,
    /// Largest discount it gives, minor units (absent: uncapped).
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub max_discount_minor: Option<i64>,
    /// When it starts, epoch milliseconds (absent: now).
    #[schema(minimum = 0, maximum = 4_102_444_800_000_i64)]
    pub starts_at_ms: Option<i64>,
    /// How long it lasts, seconds (at most a year).
    #[schema(minimum = 1, maximum = 31_536_000)]
    pub lasts_secs: u32,
    /// How often one customer may use it (absent: without limit).
    #[schema(minimum = 1, maximum = 1_000_000)]
    pub per_customer_limit: Option<u32>,
    /// Combines with other stackable promotions (default false).
    #[serde(default)]
    pub stackable: bool,
    /// Who pays for it.
    pub funded_by: Funder,
}

/// A promotion.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub(crate) struct PromotionView {
    /// The code.
    pub code: String,
    /// Percent or flat.
    pub kind: DiscountKind,
    /// Basis points (percent) or minor units (flat).
    pub value: i64,
    /// Currency of the amounts.
    pub currency: String,
    /// Smallest food subtotal, minor units.
    pub min_subtotal_minor: i64,
    /// Largest discount, minor units.
    pub max_discount_minor: Option<i64>,
    /// Valid from, epoch milliseconds (inclusive).
    pub valid_from_ms: i64,
    /// Valid until, epoch milliseconds (exclusive).
    pub valid_until_ms: i64,
    /// Uses per customer.
    pub per_customer_limit: Option<u32>,
    /// Combines with other stackable promotions.
    pub stackable: bool,
    /// Who pays for it.
    pub funded_by: Funder,
}

impl From<&Promotion> for PromotionView {
    fn from(p: &Promotion) -> Self {
        let (kind, value) = match p.kind {
            PromoKind::Percent(rate) => (DiscountKind::Percent, i64::from(rate.get())),
            PromoKind::Flat(amount) => (DiscountKind::Flat, amount.minor()),
        };
        PromotionView {
            code: p.code.to_string(),
            kind,
            value,
            currency: p.min_subtotal.currency().code().to_owned(),
            min_subtotal_minor: p.min_subtotal.minor(),
            max_discount_minor: p.max_discount.map(Money::minor),
            valid_from_ms: p.valid_from.as_millis(),
            valid_until_ms: p.valid_until.as_millis(),
            per_customer_limit: p.per_customer_limit,
            stackable: p.stackable,
            funded_by: match p.funded_by {
                FundedBy::Platform => Funder::Platform,
                FundedBy::Restaurant => Funder::Restaurant,
            },
        }
    }
}

/// A promotion code in the path.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Path)]
pub(crate) struct CodePath {
    /// The code.
    #[param(pattern = "^[A-Za-z0-9_-]{1,40}$")]
    code: String,
}

#[utoipa::path(post, path = "/v1/promotions", tag = "admin", request_body = PromotionInput,
    responses((status = 201, body = PromotionView),
        (status = 409, description = "A promotion with this code exists", body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn create<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiJson(input): ApiJson<PromotionInput>,
) -> Result<(StatusCode, Json<PromotionView>), ApiError> {
    let currency = state.platform.config().pricing.currency;
    if let Some(at) = input.starts_at_ms.filter(|at| !(0..=LATEST_START_MS).contains(at)) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_bounds",
            format!("starts_at_ms: {at} is outside 0..={LATEST_START_MS}"),
        ));
    }
    if !(1..=LONGEST_RUN_SECS).contains(&input.lasts_secs) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "out_of_bounds",
            format!("lasts_secs: {} is outside 1..={LONGEST_RUN_SECS}", input.lasts_secs),
        ));
    }
    let valid_from = input
        .starts_at_ms
        .map_or_else(|| state.platform.clock().now(), Timestamp::from_millis);
    let promotion = Promotion {
        code: Arc::from(input.code.as_str()),
        kind: match input.kind {
            DiscountKind::Percent => PromoKind::Percent(BasisPoints::new(input.value)),
            DiscountKind::Flat => PromoKind::Flat(Money::new(i64::from(input.value), currency)),
        },
        min_subtotal: Money::new(input.min_subtotal_minor, currency),
        max_discount: input.max_discount_minor.map(|m| Money::new(m, currency)),
        first_order_only: false,
        valid_from,
        valid_until: valid_from.plus(Duration::from_secs(u64::from(input.lasts_secs))),
        per_customer_limit: input.per_customer_limit,
        stackable: input.stackable,
        funded_by: match input.funded_by {
            Funder::Platform => FundedBy::Platform,
            Funder::Restaurant => FundedBy::Restaurant,
        },
    };
    state.platform.create_promotion(who.actor, &promotion).await?;
    Ok((StatusCode::CREATED, Json(PromotionView::from(&promotion))))
}

#[utoipa::path(get, path = "/v1/promotions", tag = "admin",
    responses((status = 200, body = [PromotionView])), security(("bearer" = [])))]
pub(crate) async fn list<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
) -> Result<Json<Vec<PromotionView>>, ApiError> {
    let all = state.platform.promotions(who.actor).await?;
    Ok(Json(all.iter().map(PromotionView::from).collect()))
}

#[utoipa::path(post, path = "/v1/promotions/{code}/expire", tag = "admin", params(CodePath),
    responses((status = 200, body = PromotionView), (status = 404, body = crate::error::ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn expire<S: Store>(
    state: AppStateRef<S>,
    who: Principal,
    ApiPath(CodePath { code }): ApiPath<CodePath>,
) -> Result<Json<PromotionView>, ApiError> {
    let ended = state.platform.expire_promotion(who.actor, &code).await?;
    Ok(Json(PromotionView::from(&ended)))
}
