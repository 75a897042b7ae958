//! courier-sim: a deterministic discrete-event simulator driving the real
//! courier-platform services.
//!
//! A [`Scenario`] (TOML) describes the city, restaurants, couriers,
//! customers, demand over the day, policies and failures. [`Sim`] builds
//! the city into a store, then replays the day event by event on simulated
//! time: customers order, kitchens accept and cook, couriers answer offers,
//! ride, pick up and deliver, all through [`courier_platform::Platform`].
//! Every random choice comes from a seeded stream per agent kind, so the
//! same scenario and seed give the same outputs on any machine.

pub mod city;
pub mod clock;
pub mod compare;
pub mod compare_plot;
pub mod delivery_model;
pub mod engine;
pub mod event_queue;
mod exec;
pub mod geo_report;
pub mod history;
pub mod html_report;
mod idle_wait;
pub mod mdrp;
pub mod plots;
pub mod replicate;
pub mod replicated;
pub mod report;
pub mod scenario;
pub mod service;
pub mod stats;
pub mod streets;
pub mod sweep;
mod tracks;

pub use engine::{RunOutput, Sim, SimPlatform, Violation};
pub use report::{MinuteRow, OrderTrack, Summary};
pub use scenario::{Scenario, ScenarioError};
