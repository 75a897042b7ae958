//! The subcommands of `courier-sim`, one per file.

pub(crate) mod bench_engine;
pub(crate) mod compare;
pub(crate) mod mdrp;
pub(crate) mod run;
pub(crate) mod sweep;
