//! Scenario files: serde types, durations, distributions, validation, JSON Schema.

pub mod dist;
pub mod types;

pub use dist::Distribution;
pub use types::*;
