//! Scenario files: serde types, durations, distributions, validation, JSON Schema.
//!
//! [`load`] reads a YAML, TOML or JSON file into a checked [`Scenario`]; every
//! refusal is a [`ScenarioError`] naming the file, line, column and key path.
//! [`load_all`] and [`parse_str_all`] give every error of a file that parses
//! (each section, part of `control_plane` and list item checked on its own),
//! in the file's order; a parse or type error stops the file, so it is the
//! only one.
//!
//! Locations: deserialization errors (bad values, wrong types) carry the line
//! and column the parser reports, in all three formats; unknown and missing
//! keys, and errors found after deserialization (a zone that does not exist, a
//! missing `repair`), are placed by walking the text again: at the key itself,
//! or, for a missing key, at the mapping that lacks it. YAML and JSON use the
//! YAML event stream for that walk, TOML uses toml's spanned document.
//!
//! Simulation: exactly one of `simulation.replications` (a fixed count) and
//! `simulation.precision` (a target: run until the 95% interval of one
//! indicator's unavailability is at most `relative_half_width` times its
//! mean, checked every `batch` replications, a multiple of
//! [`crate::BLOCK`], default [`DEFAULT_PRECISION_BATCH`], up to
//! `max_replications`, at most [`MAX_PRECISION_REPLICATIONS`]). With a target,
//! [`Simulation::replications`] is its `max_replications`.
//!
//! Defaults and limits: `simulation.seed` may be left out and is then 0;
//! `zones` may be left out (one zone that never fails); files are at most
//! [`MAX_FILE_BYTES`]; host and zone counts at most [`MAX_HOSTS`], racks
//! (`zones.racks.per_zone` in every zone) at most [`MAX_RACKS`] in all; replicas at
//! most [`MAX_REPLICAS`] per workload and [`MAX_TOTAL_REPLICAS`] in all, over
//! at most [`MAX_WORKLOADS`] workloads; maintenance rounds at least
//! [`MIN_MAINTENANCE_INTERVAL`] seconds apart; snapshots at least
//! [`MIN_BACKUP_INTERVAL`] seconds apart; at most [`MAX_DISASTERS`] disasters.
//!
//! Data: `disk_loss` is a probability on the hosts that hold etcd data
//! (`control_plane.node` when stacked, `control_plane.etcd_node` when
//! external). `control_plane.etcd.member_replace` is required when one is
//! above 0 and etcd has more than one member, and `recovery` whenever data can
//! be lost (a `disk_loss` above 0, or `disasters`). An SLO's `availability` is
//! a percentage (`99.95%`) or a fraction (`0.9995`), below 100%.
//!
//! Warnings: a scenario that loads may still carry [`ScenarioWarning`]s,
//! located like errors, for settings Kubernetes accepts but cannot satisfy
//! (replicas that can never all be placed, maintenance rounds that outlast
//! their interval), and for data that can be lost without `backups` (every
//! restore then goes back to the snapshot at t = 0). The scenario runs as
//! written; the CLI prints them.
//!
//! Issue 16's keys (a workload's `kind`, `volume` and `requests`,
//! `workers.node.capacity`, `workers.out_of_service`, host `replacement`,
//! the `autoscaler`) are validated in `lifecycle` and `quantity`.

mod backups;
mod changes;
mod cron;
pub mod dist;
mod duration;
mod error;
mod fleet;
mod lifecycle;
mod load;
mod locate;
mod manifest;
mod quantity;
mod raw;
mod schema;
mod study;
mod tree;
pub mod types;
mod validate;

pub use cron::CronSchedule;
pub use dist::Distribution;
pub use duration::{format_duration, parse_duration};
pub use error::ScenarioError;
pub use fleet::{
    Fleet, FleetCluster, FleetRegions, MAX_CLUSTERS, MAX_SERVICES, Replication, Service,
    ServiceMode, fleet_compared_keys, fleet_indicator_keys, fleet_json_schema, is_fleet,
};
pub(crate) use load::read_text;
pub use load::{
    Format, MAX_FILE_BYTES, STDIN_NAME, STDIN_PATH, load, load_all, parse_str, parse_str_all,
    set_stdin_format,
};
pub use schema::json_schema;
pub use study::{
    InvalidDesign, MAX_DESIGNS, MAX_SWEEP_STEPS, Study, StudyDesign, SweepAxis, is_study,
    load_study, study_json_schema, study_of_files,
};
pub use types::*;
pub use validate::{
    DEFAULT_PRECISION_BATCH, MAX_DISASTERS, MAX_HORIZON_YEARS, MAX_HOSTS,
    MAX_PRECISION_REPLICATIONS, MAX_RACKS, MAX_REPLICAS, MAX_REPLICATIONS, MAX_TOTAL_REPLICAS,
    MAX_WORKLOADS, MIN_BACKUP_INTERVAL, MIN_MAINTENANCE_INTERVAL, horizon_problem,
};
