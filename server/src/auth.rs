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
        validation.set_required_spec_claims(&["exp", "sub"]);
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

    /// The claims of a valid, unexpired token signed with this key.
    pub fn verify(&self, token: &str) -> Result<Claims, ApiError> {
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|e| {
                let why = match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => "the token has expired".to_owned(),
                    jsonwebtoken::errors::ErrorKind::InvalidSignature => "the token's signature is invalid".to_owned(),
                    other => format!("the token is invalid: {other:?}"),
                };
                ApiError::unauthorized(why)
            })
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
