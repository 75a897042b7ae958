//! Every refusal as a JSON body `{"error": {"code", "message"}}` with a 4xx
//! status naming the problem; 5xx only for the server's own failures.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use courier_core::order::OrderError;
use courier_core::ports::StorageError;
use courier_core::rating::RatingError;
use courier_platform::PlatformError;
use serde::Serialize;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// A stable machine-readable code, e.g. `"invalid_body"`.
    pub code: &'static str,
    /// What was wrong, for a person.
    pub message: String,
    /// Seconds to wait before retrying (429 and 503).
    pub retry_after_secs: Option<u64>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorBody {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub(crate) struct ErrorDetail {
    /// A stable machine-readable code.
    code: &'static str,
    /// What was wrong.
    message: String,
}

impl ApiError {
    /// An error with this status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            message: message.into(),
            retry_after_secs: None,
        }
    }

    /// 400: the request is malformed.
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 401: no usable credentials.
    pub fn unauthorized(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }

    /// 403: the caller may not do this.
    pub fn forbidden(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::FORBIDDEN, "forbidden", message)
    }

    /// 404: nothing here.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "not_found", message)
    }

    fn retry_after(mut self, secs: u64) -> ApiError {
        self.retry_after_secs = Some(secs.max(1));
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if self.status.is_server_error() {
            tracing::error!(status = self.status.as_u16(), code = self.code, message = %self.message, "request failed");
        }
        let mut response = (
            self.status,
            Json(ErrorBody {
                error: ErrorDetail {
                    code: self.code,
                    message: self.message,
                },
            }),
        )
            .into_response();
        if let Some(secs) = self.retry_after_secs {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

fn order_error(e: &OrderError) -> (StatusCode, &'static str) {
    match e {
        OrderError::Forbidden { .. } => (StatusCode::FORBIDDEN, "forbidden"),
        OrderError::VersionConflict { .. } => (StatusCode::CONFLICT, "version_conflict"),
        OrderError::InvalidOrder(_) | OrderError::Money(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_order"),
        _ => (StatusCode::CONFLICT, "invalid_state"),
    }
}

fn storage_error(e: &StorageError) -> ApiError {
    match e {
        StorageError::VersionConflict { .. } | StorageError::MenuConflict { .. } => {
            ApiError::new(StatusCode::CONFLICT, "conflict", format!("{e}; retry"))
        }
        StorageError::Unavailable { .. } | StorageError::Timeout { .. } => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage_unavailable",
            "storage is unavailable; retry",
        )
        .retry_after(1),
        // Details of a backend failure stay in the log, not the answer.
        _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage_error", "storage failed"),
    }
}

impl From<courier_core::GeoError> for ApiError {
    fn from(e: courier_core::GeoError) -> ApiError {
        PlatformError::from(e).into()
    }
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> ApiError {
        storage_error(&e)
    }
}

impl From<PlatformError> for ApiError {
    fn from(e: PlatformError) -> ApiError {
        let message = e.to_string();
        let (status, code) = match &e {
            PlatformError::Invalid { .. } | PlatformError::Location(_) => (StatusCode::BAD_REQUEST, "invalid_request"),
            PlatformError::OrderNotFound(_) | PlatformError::RestaurantNotFound(_) => {
                (StatusCode::NOT_FOUND, "not_found")
            }
            PlatformError::RestaurantUnavailable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "restaurant_unavailable"),
            PlatformError::ItemUnavailable { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "item_unavailable"),
            PlatformError::BelowMinimum { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "below_minimum"),
            PlatformError::OutOfBounds(_) => (StatusCode::UNPROCESSABLE_ENTITY, "out_of_bounds"),
            PlatformError::NotAtStop { .. } => (StatusCode::CONFLICT, "not_at_stop"),
            PlatformError::StaleVersion { .. } => (StatusCode::CONFLICT, "stale_version"),
            PlatformError::PromotionUsedUp { .. } => (StatusCode::CONFLICT, "promotion_used_up"),
            PlatformError::PromotionExists { .. } => (StatusCode::CONFLICT, "promotion_exists"),
            PlatformError::PromotionNotFound { .. } => (StatusCode::NOT_FOUND, "not_found"),
            PlatformError::OutsideDeliveryRadius { .. } => {
                (StatusCode::UNPROCESSABLE_ENTITY, "outside_delivery_radius")
            }
            PlatformError::Pricing(_) => (StatusCode::UNPROCESSABLE_ENTITY, "pricing"),
            PlatformError::RateLimited { retry_after, .. } => {
                let secs = retry_after.as_millis().div_ceil(1_000);
                return ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", message).retry_after(secs);
            }
            PlatformError::Degraded { .. } => (StatusCode::SERVICE_UNAVAILABLE, "degraded"),
            PlatformError::Unavailable { retry_after, .. } => {
                let secs = retry_after.as_millis().div_ceil(1_000);
                return ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message).retry_after(secs);
            }
            PlatformError::Order(order) => order_error(order),
            PlatformError::Rating(RatingError::StarsOutOfRange(_)) => (StatusCode::BAD_REQUEST, "invalid_request"),
            PlatformError::Rating(RatingError::NotAllowed { .. }) => (StatusCode::FORBIDDEN, "forbidden"),
            PlatformError::Rating(_) => (StatusCode::CONFLICT, "invalid_state"),
            PlatformError::AlreadyRated { .. } => (StatusCode::CONFLICT, "already_rated"),
            PlatformError::CourierUnavailable(_) => (StatusCode::CONFLICT, "courier_unavailable"),
            PlatformError::Storage(storage) => return storage_error(storage),
            _ => {
                tracing::error!(error = %e, "platform failure");
                return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", "internal error");
            }
        };
        ApiError::new(status, code, message)
    }
}
