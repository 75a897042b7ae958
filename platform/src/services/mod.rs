//! The services the platform is made of, each with one job and only its
//! own state, each calling the others it needs explicitly (see
//! ARCHITECTURE.md for the map). All of their state is a cache of the store.

pub(crate) mod books;
pub(crate) mod catalog;
pub(crate) mod deadlines;
pub(crate) mod delivery;
pub(crate) mod dispatch;
pub(crate) mod health;
pub(crate) mod inventory;
pub(crate) mod kitchen;
pub(crate) mod locations;
pub(crate) mod ordering;
pub(crate) mod payments;
pub(crate) mod pricing;
pub(crate) mod promises;
pub(crate) mod promotions;
pub(crate) mod ratings;
pub(crate) mod recommendations;
