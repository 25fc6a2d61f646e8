//! kubenines: discrete-event Monte Carlo availability simulator for Kubernetes HA designs.

pub mod scenario;
