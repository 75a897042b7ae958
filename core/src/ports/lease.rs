//! Leases: work that must run on one instance at a time (dispatch rounds,
//! acceptance deadlines, payment and capture retries, the outbox relay)
//! runs under a lease held in the store, which another instance takes over
//! once its holder stops renewing it.
//!
//! Every change of holder raises the lease's fencing token. Order
//! transitions made under the lease carry a [`Fence`]; the store refuses
//! one whose token is no longer the lease's ([`StorageError::Fenced`]), in
//! the same transaction as the write, so a holder that paused past its
//! lease and woke up cannot act on what it believed.

use crate::time::{Duration, Timestamp};

use super::StorageError;

/// The lease the platform's once-only work runs under.
pub const WORK_LEASE: &str = "courier.work";

/// A lease as granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// Which lease.
    pub name: String,
    /// Who holds it.
    pub holder: String,
    /// Raised every time the lease changes hands.
    pub token: u64,
    /// When it lapses unless renewed (on the store's clock).
    pub expires_at: Timestamp,
}

impl Lease {
    /// The fence writes under this lease carry.
    pub fn fence(&self) -> Fence<'_> {
        Fence {
            lease: &self.name,
            token: self.token,
        }
    }
}

/// What a write under a lease carries: the lease and the token it was
/// granted with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fence<'a> {
    /// Which lease.
    pub lease: &'a str,
    /// The token the writer holds.
    pub token: u64,
}

/// Leases with fencing tokens.
pub trait LeaseStore: Send + Sync {
    /// Takes `name` for `holder` for `ttl`: granted with a new token when
    /// the lease is free or has lapsed, renewed with the same token when
    /// `holder` has it already, `None` while another holder's lease is live.
    /// `now` is the caller's clock; a store shared by several processes may
    /// decide on its own clock instead, so their clocks need not agree.
    fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl: Duration,
    ) -> impl Future<Output = Result<Option<Lease>, StorageError>> + Send;

    /// Gives `lease` up, so another instance may take it at once; false
    /// when it had changed hands already (nothing done).
    fn release_lease(&self, lease: &Lease) -> impl Future<Output = Result<bool, StorageError>> + Send;
}

/// The decision every adapter makes on acquiring: the lease after `holder`
/// asks for it at `now` for `ttl`, given the lease as stored (`None`: never
/// taken), or `None` when refused.
///
/// ```
/// use courier_core::{Duration, Timestamp};
/// use courier_core::ports::{Lease, decide_lease};
/// let t = |s: i64| Timestamp::from_millis(s * 1_000);
/// let a = decide_lease(None, "courier.work", "a", t(0), Duration::from_secs(10)).unwrap();
/// assert_eq!(a.token, 1);
/// assert!(decide_lease(Some(&a), "courier.work", "b", t(5), Duration::from_secs(10)).is_none());
/// let b = decide_lease(Some(&a), "courier.work", "b", t(10), Duration::from_secs(10)).unwrap();
/// assert_eq!((b.holder.as_str(), b.token), ("b", 2));
/// ```
pub fn decide_lease(stored: Option<&Lease>, name: &str, holder: &str, now: Timestamp, ttl: Duration) -> Option<Lease> {
    let expires_at = now.plus(ttl);
    match stored {
        None => Some(Lease {
            name: name.to_owned(),
            holder: holder.to_owned(),
            token: 1,
            expires_at,
        }),
        Some(current) if current.holder == holder => Some(Lease {
            expires_at,
            ..current.clone()
        }),
        Some(current) if current.expires_at <= now => Some(Lease {
            name: name.to_owned(),
            holder: holder.to_owned(),
            token: current.token + 1,
            expires_at,
        }),
        Some(_) => None,
    }
}
