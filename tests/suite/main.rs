//! The integration tests, one module per subject, in one test binary:
//! each binary links the whole crate, and on the 2-core CI machine building
//! thirty of them took longer than running them all.

mod common;

mod api_path;
mod attribution;
mod autoscaler;
mod backups;
mod budgets;
mod changes;
mod ci;
mod cli;
mod compare;
mod crashes;
mod data;
mod deploy;
mod determinism;
mod docs;
mod fleets;
mod integrity;
mod leases;
mod manifests;
mod oracle;
mod output_safety;
mod racks;
mod regions;
mod report;
mod scenario_errors;
mod shard;
mod stateful;
mod study;
mod workloads;
