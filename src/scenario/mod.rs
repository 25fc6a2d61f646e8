//! Scenario files: serde types, durations, distributions, validation, JSON Schema.

pub mod dist;
mod duration;
mod gamma_fn;
pub mod types;

pub use dist::Distribution;
pub use duration::{format_duration, parse_duration};
pub use types::*;
