//! Scenario files: serde types, durations, distributions, validation, JSON Schema.
//!
//! [`load`] reads a YAML, TOML or JSON file into a checked [`Scenario`]; every
//! refusal is a [`ScenarioError`] naming the file, line, column and key path.
//!
//! Locations: deserialization errors (bad values, wrong types) carry the line
//! and column the parser reports, in all three formats; unknown and missing
//! keys, and errors found after deserialization (a zone that does not exist, a
//! missing `repair`), are placed by walking the text again: at the key itself,
//! or, for a missing key, at the mapping that lacks it. YAML and JSON use the
//! YAML event stream for that walk, TOML uses toml's spanned document.
//!
//! Defaults and limits: `simulation.seed` may be left out and is then 0;
//! `zones` may be left out (one zone that never fails); files are at most
//! [`MAX_FILE_BYTES`]; host and zone counts at most [`MAX_HOSTS`]; replicas at
//! most [`MAX_REPLICAS`] per workload and [`MAX_TOTAL_REPLICAS`] in all, over
//! at most [`MAX_WORKLOADS`] workloads; maintenance rounds at least
//! [`MIN_MAINTENANCE_INTERVAL`] seconds apart.
//!
//! Warnings: a scenario that loads may still carry [`ScenarioWarning`]s,
//! located like errors, for settings Kubernetes accepts but cannot satisfy
//! (replicas that can never all be placed, maintenance rounds that outlast
//! their interval). The scenario runs as written; the CLI prints them.

pub mod dist;
mod duration;
mod error;
mod load;
mod locate;
mod raw;
mod schema;
pub mod types;
mod validate;

pub use dist::Distribution;
pub use duration::{format_duration, parse_duration};
pub use error::ScenarioError;
pub use load::{Format, MAX_FILE_BYTES, load, parse_str};
pub use schema::json_schema;
pub use types::*;
pub use validate::{
    MAX_HORIZON_YEARS, MAX_HOSTS, MAX_REPLICAS, MAX_TOTAL_REPLICAS, MAX_WORKLOADS,
    MIN_MAINTENANCE_INTERVAL, horizon_problem,
};
