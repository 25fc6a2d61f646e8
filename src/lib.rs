//! kubenines: discrete-event Monte Carlo availability simulator for Kubernetes HA designs.
//!
//! Data flows one way: a scenario file is parsed and checked
//! ([`scenario`]), compiled into a [`model::Model`], simulated replication
//! by replication ([`model::Cluster`]) on the [`engine`], merged by the
//! [`runner`] into [`stats`] and written out by [`report`].

/// Replications per block: the unit in which the runner folds chunk
/// summaries before they join the total, the unit of a shard, and the
/// granularity of stopping checks (precision targets, `check`'s batches).
/// A multiple of [`runner::CHUNK`] that divides `runner::WAVE * runner::CHUNK`.
/// Here, at the root, because scenario validation needs it too.
pub const BLOCK: u64 = 256;

pub mod baseline;
pub mod budget;
pub mod check;
pub mod cli;
pub mod engine;
pub mod fsio;
pub mod model;
pub mod report;
pub mod runner;
pub mod scenario;
pub mod shard;
pub mod special;
pub mod stats;
pub mod text;
pub mod trace;
