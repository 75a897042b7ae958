//! Rate limits per endpoint and customer tier (seed 000's table).

use courier_core::Duration;
use courier_core::ports::{RateLimit, Store};

use crate::error::PlatformError;
use crate::external::{Clock, Notifier, PaymentGateway};
use crate::parts::Parts;

/// A rate-limited endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// Restaurant search.
    Search,
    /// Order placement.
    PlaceOrder,
    /// Menu view.
    MenuView,
    /// Courier location update.
    LocationUpdate,
    /// A price quote (priced like a search: each one reads the catalog and
    /// runs pricing).
    Quote,
    /// Opening an order's tracking stream (each holds a connection open).
    TrackStream,
}

impl Endpoint {
    /// A stable name, used in keys and errors.
    pub const fn name(self) -> &'static str {
        match self {
            Endpoint::Search => "search",
            Endpoint::PlaceOrder => "place_order",
            Endpoint::MenuView => "menu_view",
            Endpoint::LocationUpdate => "location_update",
            Endpoint::Quote => "quote",
            Endpoint::TrackStream => "track_stream",
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tier {
    /// Not signed in.
    Anonymous,
    /// Signed in.
    Authenticated,
    /// A paying subscriber.
    Premium,
}

/// The limit for `endpoint` and `tier`, or `None` where the endpoint is not
/// open to the tier at all (anonymous location updates).
///
/// ```
/// use courier_platform::rate_limits::{limit, Endpoint, Tier};
/// assert_eq!(limit(Endpoint::PlaceOrder, Tier::Authenticated).unwrap().limit, 10);
/// assert!(limit(Endpoint::LocationUpdate, Tier::Anonymous).is_none());
/// ```
pub fn limit(endpoint: Endpoint, tier: Tier) -> Option<RateLimit> {
    let per_minute = match (endpoint, tier) {
        (Endpoint::Search, Tier::Anonymous) => 30,
        (Endpoint::Search, Tier::Authenticated) => 60,
        (Endpoint::Search, Tier::Premium) => 200,
        (Endpoint::PlaceOrder, Tier::Anonymous) => 3,
        (Endpoint::PlaceOrder, Tier::Authenticated) => 10,
        (Endpoint::PlaceOrder, Tier::Premium) => 30,
        (Endpoint::MenuView, Tier::Anonymous) => 60,
        (Endpoint::MenuView, Tier::Authenticated) => 120,
        (Endpoint::MenuView, Tier::Premium) => 500,
        (Endpoint::LocationUpdate, Tier::Anonymous) => return None,
        (Endpoint::LocationUpdate, Tier::Authenticated | Tier::Premium) => 60,
        (Endpoint::Quote, Tier::Anonymous) => 30,
        (Endpoint::Quote, Tier::Authenticated) => 60,
        (Endpoint::Quote, Tier::Premium) => 200,
        (Endpoint::TrackStream, Tier::Anonymous) => return None,
        (Endpoint::TrackStream, Tier::Authenticated) => 20,
        (Endpoint::TrackStream, Tier::Premium) => 60,
    };
    Some(RateLimit {
        limit: per_minute,
        window: Duration::from_mins(1),
    })
}

/// Counts hits per endpoint and caller in the store and refuses those over
/// the tier's limit; the simulator's agents may switch it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct RateGuard {
    enabled: bool,
}

impl RateGuard {
    pub(crate) fn new(enabled: bool) -> RateGuard {
        RateGuard { enabled }
    }

    /// Counts a hit on `endpoint` for `who`; refuses over the tier's limit.
    pub(crate) async fn check(
        &self,
        parts: &Parts<'_, impl Store, impl PaymentGateway, impl Notifier, impl Clock>,
        endpoint: Endpoint,
        tier: Tier,
        who: &str,
    ) -> Result<(), PlatformError> {
        if !self.enabled {
            return Ok(());
        }
        let Some(rule) = limit(endpoint, tier) else {
            return Err(PlatformError::invalid(
                "tier",
                format!("{tier:?} callers may not use {}", endpoint.name()),
            ));
        };
        let key = format!("rl:{}:{who}", endpoint.name());
        let decision = parts.store.hit(&key, rule, parts.now()).await?;
        if decision.allowed {
            Ok(())
        } else {
            Err(PlatformError::RateLimited {
                endpoint: endpoint.name(),
                retry_after: decision.retry_after,
            })
        }
    }
}
