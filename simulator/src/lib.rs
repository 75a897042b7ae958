//! courier-sim: the deterministic discrete-event simulator (being built out).

pub use courier_platform as platform;
