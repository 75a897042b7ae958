//! axum's body, path and query extractors with their refusals answered as
//! [`ApiError`] JSON (axum's own answer plain text).

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// A JSON body; a body that is not JSON, has unknown fields or wrong types,
/// or is too large is a 4xx naming the problem.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(req.headers()) {
            return Err(json_rejection(
                JsonRejection::MissingJsonContentType(Default::default()),
            ));
        }
        let bytes = axum::body::Bytes::from_request(req, state)
            .await
            .map_err(|rejection| ApiError::new(rejection.status(), "unreadable_body", rejection.body_text()))?;
        match axum::Json::<T>::from_bytes(&bytes) {
            Ok(axum::Json(value)) => Ok(ApiJson(value)),
            Err(rejection @ JsonRejection::JsonDataError(_)) => integral_numbers_as_integers(&bytes)
                .map(ApiJson)
                .ok_or_else(|| json_rejection(rejection)),
            Err(rejection) => Err(json_rejection(rejection)),
        }
    }
}

/// `application/json` or any `+json` type, as axum's own extractor asks.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// JSON Schema's `integer` admits `2.0` as well as `2`, and a client may
/// spell a whole number either way; serde takes only the latter. So a body
/// refused on a type is read again with every number whose fraction is all
/// zeros (`2.0`, `-7.000`) written without it. The rewrite is textual, so
/// it is exact at any size (a float parse is not, above 2^53). Well-formed
/// bodies never take this path.
fn integral_numbers_as_integers<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    let rewritten = without_zero_fractions(bytes)?;
    serde_json::from_slice(&rewritten).ok()
}

/// `bytes` with the `.000` of each whole number outside strings removed,
/// or `None` when there was none.
fn without_zero_fractions(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(bytes.len());
    let mut changed = false;
    let (mut in_string, mut escaped) = (false, false);
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            out.push(b);
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            i += 1;
            continue;
        }
        if b == b'"' {
            in_string = true;
            out.push(b);
            i += 1;
            continue;
        }
        if b == b'-' || b.is_ascii_digit() {
            // One number token: sign and digits, then maybe a fraction and an exponent.
            let start = i;
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let whole_end = i;
            let mut zero_fraction = false;
            if i < bytes.len() && bytes[i] == b'.' {
                let fraction_start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i].is_ascii_digit() {
                    i += 1;
                }
                zero_fraction = i > fraction_start && bytes[fraction_start..i].iter().all(|&d| d == b'0');
            }
            let has_exponent = i < bytes.len() && matches!(bytes[i], b'e' | b'E');
            if zero_fraction && !has_exponent {
                out.extend_from_slice(&bytes[start..whole_end]);
                changed = true;
            } else {
                out.extend_from_slice(&bytes[start..i]);
            }
            continue;
        }
        out.push(b);
        i += 1;
    }
    changed.then_some(out)
}

fn json_rejection(rejection: JsonRejection) -> ApiError {
    let code = match &rejection {
        JsonRejection::JsonDataError(_) => "invalid_body",
        JsonRejection::JsonSyntaxError(_) => "malformed_json",
        JsonRejection::MissingJsonContentType(_) => "unsupported_media_type",
        _ => "unreadable_body",
    };
    // body_text() names the field and the problem ("unknown field `x`").
    ApiError::new(rejection.status(), code, rejection.body_text())
}

/// Path parameters; one that does not parse is a 400.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Path::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => Err(path_rejection(rejection)),
        }
    }
}

fn path_rejection(rejection: PathRejection) -> ApiError {
    ApiError::bad_request("invalid_path", rejection.body_text())
}

/// Query parameters; unknown or malformed ones are a 400.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(query_rejection(rejection)),
        }
    }
}

fn query_rejection(rejection: QueryRejection) -> ApiError {
    ApiError::bad_request("invalid_query", rejection.body_text())
}

#[cfg(test)]
mod tests {
    use super::without_zero_fractions;

    fn rewrite(text: &str) -> Option<String> {
        without_zero_fractions(text.as_bytes()).map(|b| String::from_utf8(b).unwrap_or_default())
    }

    #[test]
    fn whole_numbers_lose_their_zero_fractions_and_nothing_else_changes() {
        assert_eq!(
            rewrite(r#"{"a": 2251799813685247.0, "b": [-7.000, 1.5, 2e3, 3.0e1], "c": "4.0 \" 5.0"}"#).as_deref(),
            Some(r#"{"a": 2251799813685247, "b": [-7, 1.5, 2e3, 3.0e1], "c": "4.0 \" 5.0"}"#)
        );
        assert_eq!(rewrite(r#"{"a": 1, "b": 1.25, "c": "2.0"}"#), None);
        assert_eq!(
            rewrite("18446744073709551615.0").as_deref(),
            Some("18446744073709551615")
        );
    }
}
