//! courier-platform: the application services, over the storage ports.
//!
//! Both the simulator and the server drive this crate, so what the
//! simulator measures is what production runs. The platform is a set of
//! services, each with one job and its own state (catalog, pricing,
//! ordering, payments, kitchen, dispatch, locations, promises, delivery,
//! books, ratings), composing courier-core (orders, refunds, ledger),
//! courier-matching (cascade or batch dispatch), courier-eta (promises) and
//! courier-pricing (quotes) over any [`ports::Store`], with the outside
//! world behind traits ([`external`]): payment gateway, notifier, clock;
//! randomness is passed in. [`Platform`] is the facade that wires them.
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
//! - Several instances over one store: [`Platform::feed_head`],
//!   [`Platform::follow`] and [`Platform::follow_couriers`] keep each
//!   instance's services in line with the store; [`Platform::tick_under`]
//!   runs the clock-driven work as the holder of a fenced lease.
//!
//! Every order change goes through the store's compare-and-set with its
//! events, and the store decides in the same operation what it does to
//! couriers (the batch limit, one open offer each); money is settled from
//! the stored order ([`settlement`]).

pub mod config;
pub mod degradation;
pub mod error;
pub mod external;
mod facade;
mod parts;
pub mod rate_limits;
pub mod resilience;
mod services;
pub mod settlement;
mod telemetry;

pub use config::{DispatchPolicy, PlatformConfig};
pub use courier_core::ports;
pub use courier_core::promotion;
pub use courier_matching::{BatchConfig, CascadeConfig};
pub use error::PlatformError;
pub use facade::{Platform, Recovered, SetAside, TickFailure, TickReport};
pub use services::books::Cancellation;
pub use services::catalog::{MAX_SEARCH_RADIUS_M, SearchQuery};
pub use services::delivery::{Delivered, Handover};
pub use services::dispatch::{Arrival, CourierOffer, DispatchRound, NextStop, SentOffer, Stop};
pub use services::health::EdgeSignals;
pub use services::ordering::{OrderRequest, Placement};
pub use services::payments::PaymentStatus;
pub use services::pricing::SurgeSnapshot;
pub use services::promotions::{
    MAX_FLAT_DISCOUNT_MINOR, MAX_PROMO_CODE_CHARS, MAX_USES_PER_CUSTOMER, check as check_promotion,
};
pub use services::recommendations::MAX_RECOMMENDATIONS;
