//! courier-platform: the application services, over the storage ports.
//!
//! Both the simulator and the server drive this crate, so what the
//! simulator measures is what production runs. [`Platform`] composes
//! courier-core (orders, refunds, ledger), courier-matching (cascade or
//! batch dispatch), courier-eta (promises) and courier-pricing (quotes)
//! over any [`ports::Store`], with the outside world behind traits
//! ([`external`]): payment gateway, notifier, clock; randomness is passed in.
//!
//! - Customer: [`Platform::search`], [`Platform::menu`], [`Platform::quote`],
//!   [`Platform::place_order`], [`Platform::cancel`].
//! - Restaurant: [`Platform::accept_order`], [`Platform::reject_order`],
//!   [`Platform::start_preparing`], [`Platform::mark_ready`].
//! - Courier: [`Platform::courier_online`], [`Platform::update_location`],
//!   [`Platform::answer_offer`], [`Platform::pick_up`], [`Platform::deliver`],
//!   [`Platform::courier_offline`].
//! - After delivery: [`Platform::rate`] (restaurant, courier, customer).
//! - Catalog: [`Platform::put_restaurant`], [`Platform::put_menu`] (owners and admins).
//! - Clock-driven: [`Platform::tick`] (payment retries, acceptance
//!   deadlines, dispatch, capture retries); [`Platform::recover`] on start.
//!
//! Every order change goes through the store's compare-and-set with its
//! events; money is settled from the stored order ([`settlement`]).

mod cancellation;
mod catalog;
pub mod config;
mod deadlines;
pub mod degradation;
mod delivery;
mod dispatch;
pub mod error;
pub mod external;
mod inventory;
mod kitchen;
mod ordering;
mod outbox_relay;
mod platform;
pub mod rate_limits;
mod ratings;
mod recovery;
pub mod resilience;
mod runtime;
pub mod settlement;
mod surge_watch;
mod telemetry;
mod tick;

pub use cancellation::Cancellation;
pub use config::{DispatchPolicy, PlatformConfig};
pub use courier_core::ports;
pub use delivery::Delivered;
pub use dispatch::{Arrival, DispatchRound, SentOffer, Stop};
pub use error::PlatformError;
pub use ordering::{MAX_SEARCH_RADIUS_M, OrderRequest, PaymentStatus, Placement, SearchQuery};
pub use platform::Platform;
pub use recovery::Recovered;
pub use surge_watch::SurgeSnapshot;
pub use tick::{TickFailure, TickReport};
