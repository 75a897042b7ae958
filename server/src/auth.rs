//! JWT bearer tokens (HS256): the subject and role become the platform's
//! [`Actor`]; the tier picks the rate-limit row. Tokens come from an
//! identity provider sharing the key, or from `/v1/dev/token` when the
//! development endpoint is switched on.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use courier_core::order::Actor;
use courier_core::{AdminId, CourierId, CustomerId, RestaurantId};
use courier_platform::rate_limits::Tier;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// A token's role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Orders food.
    Customer,
    /// Cooks it.
    Restaurant,
    /// Delivers it.
    Courier,
    /// Operates the platform.
    Admin,
}

/// A caller's rate-limit tier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TierName {
    /// Signed in (the default for a token).
    #[default]
    Authenticated,
    /// A premium subscriber.
    Premium,
}

/// What a token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The id of the customer, restaurant, courier or admin.
    pub sub: String,
    /// Which of those it is.
    pub role: Role,
    /// The rate-limit tier.
    #[serde(default)]
    pub tier: TierName,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch: `exp - iat` may be at most
    /// [`MAX_TOKEN_LIFETIME_SECS`].
    pub iat: u64,
    /// Who issued it: must be [`ISSUER`].
    pub iss: String,
    /// Whom it is for: must be [`AUDIENCE`].
    pub aud: String,
}

/// The issuer every token must name.
pub const ISSUER: &str = "courier";
/// The audience every token must name.
pub const AUDIENCE: &str = "courier-api";
/// The longest a token may live, seconds (7 days): a stolen token's
/// worth is bounded even when its issuer set a far expiry.
pub const MAX_TOKEN_LIFETIME_SECS: u64 = 7 * 24 * 3_600;

impl Claims {
    /// Claims for `sub` in `role` and `tier`, issued at `now_secs` and
    /// living `ttl_secs` (capped at [`MAX_TOKEN_LIFETIME_SECS`]), by this
    /// issuer for this audience.
    pub fn new(sub: String, role: Role, tier: TierName, now_secs: u64, ttl_secs: u64) -> Claims {
        Claims {
            sub,
            role,
            tier,
            exp: now_secs.saturating_add(ttl_secs.min(MAX_TOKEN_LIFETIME_SECS)),
            iat: now_secs,
            iss: ISSUER.to_owned(),
            aud: AUDIENCE.to_owned(),
        }
    }
}

/// Signs and checks tokens with one HS256 key.
#[derive(Clone)]
pub struct Keys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Keys(..)")
    }
}

impl Keys {
    /// Keys from a shared secret (at least 32 bytes).
    pub fn new(secret: &[u8]) -> Result<Keys, String> {
        if secret.len() < 32 {
            return Err(format!(
                "the JWT secret must be at least 32 bytes, got {}",
                secret.len()
            ));
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = 5;
        validation.set_required_spec_claims(&["exp", "sub", "iss", "aud"]);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        Ok(Keys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
        })
    }

    /// A signed token for these claims.
    pub fn sign(&self, claims: &Claims) -> Result<String, ApiError> {
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), claims, &self.encoding)
            .map_err(|e| ApiError::bad_request("invalid_claims", e.to_string()))
    }

    /// The claims of a valid, unexpired token signed with this key, for
    /// this issuer and audience, living no longer than
    /// [`MAX_TOKEN_LIFETIME_SECS`].
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        use jsonwebtoken::errors::ErrorKind;
        let claims = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                // Words for people: never the library's debug text.
                let why = match e.kind() {
                    ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
                    ErrorKind::InvalidSignature => "the token's signature is invalid".to_owned(),
                    ErrorKind::InvalidIssuer => format!("the token's issuer is not {ISSUER:?}"),
                    ErrorKind::InvalidAudience => format!("the token's audience is not {AUDIENCE:?}"),
                    ErrorKind::MissingRequiredClaim(claim) => format!("the token has no {claim:?} claim"),
                    ErrorKind::InvalidAlgorithm => "the token is not signed with HS256".to_owned(),
                    ErrorKind::ImmatureSignature => "the token is not valid yet".to_owned(),
                    _ => "the token is invalid: not a JWT with this API's claims".to_owned(),
                };
                ApiError::unauthorized(why)
            })?;
        if claims.exp.saturating_sub(claims.iat) > MAX_TOKEN_LIFETIME_SECS {
            return Err(ApiError::unauthorized(format!(
                "the token lives {} s; at most {MAX_TOKEN_LIFETIME_SECS} s are allowed",
                claims.exp.saturating_sub(claims.iat)
            )));
        }
        Ok(claims)
    }
}

/// An authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    /// Who, as the platform sees them.
    pub actor: Actor,
    /// Their rate-limit tier.
    pub tier: Tier,
}

impl Principal {
    /// From verified claims; the subject must be a number.
    pub fn from_claims(claims: &Claims) -> Result<Principal, ApiError> {
        let id: u64 = claims
            .sub
            .parse()
            .map_err(|_| ApiError::unauthorized(format!("the token's subject {:?} is not an id", claims.sub)))?;
        let actor = match claims.role {
            Role::Customer => Actor::Customer(CustomerId::new(id)),
            Role::Restaurant => Actor::Restaurant(RestaurantId::new(id)),
            Role::Courier => Actor::Courier(CourierId::new(id)),
            Role::Admin => Actor::Admin(AdminId::new(id)),
        };
        let tier = match claims.tier {
            TierName::Authenticated => Tier::Authenticated,
            TierName::Premium => Tier::Premium,
        };
        Ok(Principal { actor, tier })
    }

    /// The customer, or 403.
    pub fn customer(&self) -> Result<CustomerId, ApiError> {
        match self.actor {
            Actor::Customer(c) => Ok(c),
            _ => Err(wrong_role("customer")),
        }
    }

    /// The restaurant, or 403.
    pub fn restaurant(&self) -> Result<RestaurantId, ApiError> {
        match self.actor {
            Actor::Restaurant(r) => Ok(r),
            _ => Err(wrong_role("restaurant")),
        }
    }

    /// The courier, or 403.
    pub fn courier(&self) -> Result<CourierId, ApiError> {
        match self.actor {
            Actor::Courier(c) => Ok(c),
            _ => Err(wrong_role("courier")),
        }
    }

    /// A key naming the caller, for rate limits.
    pub fn caller_key(&self) -> String {
        match self.actor {
            Actor::Customer(c) => format!("customer-{}", c.get()),
            Actor::Restaurant(r) => format!("restaurant-{}", r.get()),
            Actor::Courier(c) => format!("courier-{}", c.get()),
            Actor::Admin(a) => format!("admin-{}", a.get()),
            Actor::System => "system".to_owned(),
        }
    }
}

fn wrong_role(needed: &str) -> ApiError {
    ApiError::forbidden(format!("this endpoint is for a {needed} token"))
}

/// Where extractors find the keys.
pub trait HasKeys {
    /// The keys.
    fn keys(&self) -> &Keys;
}

impl<T: HasKeys> HasKeys for std::sync::Arc<T> {
    fn keys(&self) -> &Keys {
        (**self).keys()
    }
}

fn bearer(parts: &Parts) -> Result<Option<&str>, ApiError> {
    let Some(value) = parts.headers.get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value
        .to_str()
        .map_err(|_| ApiError::unauthorized("the Authorization header is not text"))?;
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Ok(Some(token.trim()))
        }
        _ => Err(ApiError::unauthorized(
            "the Authorization header must be `Bearer <token>`",
        )),
    }
}

impl<S: HasKeys + Send + Sync> FromRequestParts<S> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let token = bearer(parts)?.ok_or_else(|| ApiError::unauthorized("a bearer token is required"))?;
        Principal::from_claims(&state.keys().verify(token)?)
    }
}

/// A caller who may be anonymous (search and menus); a token that is sent
/// must still be valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MaybePrincipal(pub Option<Principal>);

impl<S: HasKeys + Send + Sync> FromRequestParts<S> for MaybePrincipal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match bearer(parts)? {
            None => Ok(MaybePrincipal(None)),
            Some(token) => Ok(MaybePrincipal(Some(Principal::from_claims(
                &state.keys().verify(token)?,
            )?))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"a-test-secret-of-at-least-32-bytes!!";
    /// In 2096, seconds: tokens issued then outlive the test.
    const NOW: u64 = 4_000_000_000;

    fn keys() -> Keys {
        Keys::new(SECRET).unwrap()
    }

    fn claims() -> Claims {
        Claims::new("7".into(), Role::Customer, TierName::Authenticated, NOW, 3_600)
    }

    fn refusal(claims: &Claims) -> String {
        let token = keys().sign(claims).unwrap();
        let e = keys().verify(&token).unwrap_err();
        assert_eq!(e.status, axum::http::StatusCode::UNAUTHORIZED);
        e.message
    }

    #[test]
    fn issuer_audience_and_lifetime_are_checked_in_plain_words() {
        assert_eq!(keys().verify(&keys().sign(&claims()).unwrap()).unwrap(), claims());
        let other_issuer = Claims {
            iss: "someone-else".into(),
            ..claims()
        };
        assert_eq!(refusal(&other_issuer), "the token's issuer is not \"courier\"");
        let other_audience = Claims {
            aud: "payments".into(),
            ..claims()
        };
        assert_eq!(refusal(&other_audience), "the token's audience is not \"courier-api\"");
        let forever = Claims {
            exp: NOW + 365 * 24 * 3_600,
            ..claims()
        };
        assert!(refusal(&forever).contains("at most 604800 s"), "{}", refusal(&forever));
        // A token from another scheme entirely: no debug text in the answer.
        let e = keys().verify("e30.e30.e30").unwrap_err();
        assert!(!e.message.contains('{') && !e.message.contains("Kind"), "{}", e.message);
        // The issuer's own constructor caps the lifetime.
        let capped = Claims::new("7".into(), Role::Courier, TierName::Authenticated, NOW, u64::MAX);
        assert_eq!(capped.exp - capped.iat, MAX_TOKEN_LIFETIME_SECS);
    }
}
