//! The scenario file as written: serde types mirroring INTERFACE.md key for key.
//!
//! These are deliberately thin. Durations and distributions are parsed here,
//! while the deserializer still knows where the value sits in the file, so a
//! bad `weibull(...)` is reported at its own line and column; everything that
//! relates one key to another (placement versus zone count, stacked versus
//! external, lease ordering) is checked in `validate`, which fills defaults.
//! Unknown keys are errors (`deny_unknown_fields`) so that a typo such as
//! `lease_duraton` cannot silently fall back to a default.

use std::borrow::Cow;
use std::fmt;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};

use super::dist::Distribution;
use super::duration::parse_duration;
use super::quantity::{CpuQuantity, MemoryQuantity};

/// A scenario file.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a scenario: a mapping with `name`, `simulation` and `control_plane`"
)]
#[schemars(
    title = "kubenines scenario",
    description = "One Kubernetes control-plane design to simulate: zones, hosts, etcd and the API endpoint, with their failure and repair distributions. Durations carry a unit (ms, s, m, h, d, w, y; 1y = 365d)."
)]
#[schemars(rename = "Scenario")]
pub struct RawScenario {
    /// Short identifier of the design, used in reports: lower-case letters, digits and `-`.
    #[schemars(pattern(r"^[a-z0-9-]+$"))]
    pub name: String,
    /// Free text: what the design is and what to expect of it.
    pub description: Option<String>,
    pub simulation: RawSimulation,
    pub zones: Option<RawZones>,
    /// Regions above the zones: a region outage takes every zone of the
    /// region down at once. Each zone's region is `zones.region_of`.
    /// Default: no regions (one region that never fails).
    pub regions: Option<RawRegions>,
    pub control_plane: RawControlPlane,
    pub workers: Option<RawWorkers>,
    /// Deployments that run on the workers; each gets the indicator `workload/NAME`.
    /// Requires `workers`.
    #[schemars(length(max = 1000))]
    pub workloads: Option<Vec<RawWorkload>>,
    pub maintenance: Option<RawMaintenance>,
    pub backups: Option<RawBackupsField>,
    pub recovery: Option<RawRecovery>,
    /// Logical disasters (etcd corruption, an accidental delete) that strike all
    /// etcd members at once; only a restore from a backup undoes them. Requires `recovery`.
    #[schemars(length(max = 100))]
    pub disasters: Option<Vec<RawDisaster>>,
    /// Service-level objectives, judged by `kubenines check`.
    pub slos: Option<Vec<RawSlo>>,
    /// Monthly cost of each host of each class, for `compare`'s cost column and
    /// Pareto frontier. Classes left out cost 0.
    pub cost: Option<RawCost>,
    /// Changes rolled out again and again: upgrades, configuration pushes,
    /// image rollouts, releases. A bad one takes down every target it reached
    /// until it is rolled back.
    #[schemars(length(max = 64))]
    pub changes: Option<Vec<RawChange>>,
    /// The cluster autoscaler over the workers: adds a worker when pods are
    /// Pending for want of room, removes one that has been unneeded long
    /// enough. Requires `workers`.
    pub autoscaler: Option<RawAutoscaler>,
}

/// The cluster autoscaler.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `scale_up`, `max_workers` and `scale_down_after`"
)]
#[schemars(rename = "Autoscaler")]
pub struct RawAutoscaler {
    /// Time from a pod going Pending for want of room to a new worker having
    /// joined (the cloud's provisioning included), e.g.
    /// `lognormal(median=3m, sigma=0.5)`; not `never`.
    pub scale_up: DistValue,
    /// The most workers the autoscaler keeps: at least `workers.nodes` (the
    /// workers at the start), at most 1000.
    #[schemars(range(min = 1, max = 1000))]
    pub max_workers: u32,
    /// Time a worker must be unneeded before it is removed (the autoscaler's
    /// `--scale-down-unneeded-time`, 10 minutes by default there), above 0.
    pub scale_down_after: DurationValue,
}

/// Failed hosts replaced by the cloud rather than repaired in place.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `after` and `provision`"
)]
#[schemars(rename = "Replacement")]
pub struct RawReplacement {
    /// Time from a host's failure until the cloud deletes its instance (and,
    /// for a worker, its Node object); not `never`.
    pub after: DistValue,
    /// Time from the deletion until a new, empty host has joined; not `never`.
    /// The old host's local data is lost.
    pub provision: DistValue,
}

/// A change, rolled out every `every` to `target`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a change: a mapping with `name`, `every`, `target` and optionally `strategy`, `batch`, `pause`, `restart`, `bad`, `caught`, `detection` and `rollback`"
)]
#[schemars(rename = "Change")]
pub struct RawChange {
    /// Unique name, the cause reported in results (`change/NAME`): lower-case
    /// letters, digits and `-`, at most 63 characters.
    #[schemars(pattern(r"^[a-z0-9-]{1,63}$"))]
    pub name: String,
    /// Time between the starts of two changes, e.g. `fixed(30d)`; the first
    /// comes one draw after t = 0.
    pub every: DistValue,
    /// `control_plane` (each control-plane host's kube-apiserver, scheduler and
    /// controller-manager), `etcd` (each member), `workers` (each worker node:
    /// kubelet, container runtime, OS image), `load_balancer` (each instance) or
    /// `workload/NAME` (a Deployment's pods).
    #[schemars(pattern(r"^(control_plane|etcd|workers|load_balancer|workload/[a-z0-9-]{1,63})$"))]
    pub target: String,
    /// `rolling` (default: `batch` targets at a time, `pause` between steps) or
    /// `all_at_once`.
    pub strategy: Option<RawStrategy>,
    /// Targets per step of a rolling change, at least 1. Default 1.
    #[schemars(range(min = 1))]
    pub batch: Option<u32>,
    /// Wait after each step before the next, e.g. `10m`. Default 0.
    pub pause: Option<DurationValue>,
    /// Time a target is down while a good change restarts it, e.g. `30s`
    /// (workload targets restart with their pods' `startup` instead). Default 0.
    pub restart: Option<DistValue>,
    /// Probability that a change is bad, from 0 to 1. Default 0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub bad: Option<f64>,
    /// Probability that health gates catch a bad change on each step, before the
    /// next step starts, from 0 to 1. Default 0.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub caught: Option<f64>,
    /// Time from a bad change's first step going live to someone noticing it,
    /// when no gate catches it. Required when `bad` is above 0 and `caught` below 1.
    pub detection: Option<DistValue>,
    /// Time to undo a bad change, which restores every target it reached.
    /// Required when `bad` is above 0.
    pub rollback: Option<DistValue>,
}

/// How a change reaches its targets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Strategy")]
pub enum RawStrategy {
    /// Every target in one step.
    AllAtOnce,
    /// `batch` targets per step, `pause` between steps.
    Rolling,
}

/// Monthly cost per host of each class (numbers of at least 0), and the currency.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `control_plane`, `etcd`, `worker`, `load_balancer` and `currency`"
)]
#[schemars(rename = "Cost")]
pub struct RawCost {
    /// Per control-plane host and month. Default 0.
    #[schemars(range(min = 0.0))]
    pub control_plane: Option<f64>,
    /// Per external etcd host and month (unused when stacked). Default 0.
    #[schemars(range(min = 0.0))]
    pub etcd: Option<f64>,
    /// Per worker node and month. Default 0.
    #[schemars(range(min = 0.0))]
    pub worker: Option<f64>,
    /// For the load balancer, per month (unused with `load_balancer: none`). Default 0.
    #[schemars(range(min = 0.0))]
    pub load_balancer: Option<f64>,
    /// Currency of the costs, free text such as `USD` or `EUR`. Default `USD`.
    #[schemars(length(min = 1, max = 16))]
    pub currency: Option<String>,
}

/// How long and how often to simulate: `horizon`, and exactly one of
/// `replications` (a fixed count) and `precision` (stop once precise enough).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `horizon`, `replications` (or `precision`) and `seed`"
)]
#[schemars(rename = "Simulation")]
#[schemars(extend("oneOf" = [
    { "required": ["replications"] },
    { "required": ["precision"] }
]))]
pub struct RawSimulation {
    /// Simulated time per replication, e.g. `10y`.
    pub horizon: DurationValue,
    /// Number of independent replications (simulated clusters), at least 1. Give
    /// exactly one of `replications` and `precision`.
    #[schemars(range(min = 1))]
    pub replications: Option<u64>,
    /// Instead of `replications`: run replications until the 95% interval of one
    /// indicator's unavailability is narrow enough, checked every `batch`
    /// replications, up to `max_replications`. Give exactly one of
    /// `replications` and `precision`.
    pub precision: Option<RawPrecision>,
    /// Master seed; each replication derives its own generator from it. Default 0.
    pub seed: Option<u64>,
    /// The event budget: a replication that processes more events than this per
    /// simulated year stops the run with an error naming the component that
    /// floods it (a unit typo such as `mean=1s` for `1y`). Default 10000000.
    #[schemars(range(min = 1))]
    pub max_events_per_year: Option<u64>,
}

/// A precision target: stop once the 95% confidence interval of `indicator`'s
/// unavailability has a half-width of at most `relative_half_width` times its
/// mean, checked every `batch` replications; never run more than `max_replications`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `indicator`, `relative_half_width`, `max_replications` and `batch`"
)]
#[schemars(rename = "Precision")]
pub struct RawPrecision {
    /// The indicator whose unavailability must be precise: `etcd`, `api`,
    /// `control_plane`, or `workload/NAME` for a workload of the scenario.
    pub indicator: String,
    /// The largest accepted half-width of the 95% interval of the indicator's
    /// unavailability, relative to its mean: above 0 and below 1, as a fraction
    /// (`0.05`) or a percentage (`5%`).
    pub relative_half_width: RelativeWidth,
    /// The most replications to run if the target is not reached, from 1 to 100000000.
    #[schemars(range(min = 1, max = 100_000_000))]
    pub max_replications: u64,
    /// Replications between checks of the target: a positive multiple of 256.
    /// Default 1024.
    #[schemars(range(min = 256), extend("multipleOf" = 256))]
    pub batch: Option<u64>,
}

/// Availability zones; hosts are spread over them.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `count`, `failure`, `repair`, `racks` and `region_of`"
)]
#[schemars(rename = "Zones")]
pub struct RawZones {
    /// Number of zones, at least 1. Default 1.
    #[schemars(range(min = 1))]
    pub count: Option<u32>,
    /// Time between outages of one zone. Default `never`.
    pub failure: Option<DistValue>,
    /// Length of a zone outage; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
    /// Racks, failure domains within each zone: `per_zone` racks in every zone,
    /// each with its own outages. Default: no racks.
    pub racks: Option<RawRacks>,
    /// With `regions`: the region of each zone, 1-based, one entry per zone.
    /// Default: every zone in region 1.
    #[schemars(inner(range(min = 1)))]
    pub region_of: Option<Vec<u32>>,
}

/// Regions: failure domains above zones, each with its own outages (a
/// cloud region's control plane, networking or power). A region outage
/// takes every zone of the region down at once.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `count`, `failure` and `repair`"
)]
#[schemars(rename = "Regions")]
pub struct RawRegions {
    /// Number of regions, at least 1; every region holds at least one zone
    /// (`zones.region_of`).
    #[schemars(range(min = 1))]
    pub count: u32,
    /// Time between outages of one region. Default `never`.
    pub failure: Option<DistValue>,
    /// Length of a region outage; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
}

/// The racks of every zone: how many, and how often one is down (its power or
/// its top-of-rack switch). A rack outage takes every host in it down.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `per_zone`, `failure` and `repair`"
)]
#[schemars(rename = "Racks")]
pub struct RawRacks {
    /// Racks in each zone, at least 1. Hosts are placed round-robin over their
    /// zone's racks unless a `rack_placement` says where.
    #[schemars(range(min = 1))]
    pub per_zone: u32,
    /// Time between outages of one rack. Default `never`.
    pub failure: Option<DistValue>,
    /// Length of a rack outage; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
}

/// `stacked` (etcd on the control-plane hosts, kubeadm's default) or `external`.
#[derive(Debug, Clone, Copy, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "Topology")]
pub enum RawTopology {
    Stacked,
    External,
}

/// The Kubernetes control plane: API servers, controllers, etcd, and the endpoint.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `topology`, `nodes`, `node` and `load_balancer`"
)]
#[schemars(rename = "ControlPlane")]
pub struct RawControlPlane {
    pub topology: RawTopology,
    /// Number of control-plane hosts (cp-1, cp-2, ...), at least 1.
    #[schemars(range(min = 1))]
    pub nodes: u32,
    /// Zone of each control-plane host, 1-based, one entry per host. Default: round-robin.
    #[schemars(inner(range(min = 1)))]
    pub placement: Option<Vec<u32>>,
    /// With `zones.racks`: the rack of each control-plane host within its zone,
    /// 1-based, one entry per host. Default: round-robin over the zone's racks.
    #[schemars(inner(range(min = 1)))]
    pub rack_placement: Option<Vec<u32>>,
    /// Failure, repair and disk loss of each control-plane host.
    pub node: RawNodeSpec,
    /// External topology only: number of etcd hosts (etcd-1, ...), at least 1.
    #[schemars(range(min = 1))]
    pub etcd_nodes: Option<u32>,
    /// External topology only: failure, repair and disk loss of each etcd host.
    pub etcd_node: Option<RawNodeSpec>,
    /// External topology only: zone of each etcd host, 1-based. Default: round-robin.
    #[schemars(inner(range(min = 1)))]
    pub etcd_placement: Option<Vec<u32>>,
    /// External topology with `zones.racks` only: the rack of each etcd host
    /// within its zone, 1-based. Default: round-robin over the zone's racks.
    #[schemars(inner(range(min = 1)))]
    pub etcd_rack_placement: Option<Vec<u32>>,
    pub etcd: Option<RawEtcd>,
    pub leader_election: Option<RawLeaderElection>,
    /// Process crashes of each kube-apiserver, restarted by the kubelet:
    /// `failure` and `repair` per instance, independent of its host.
    pub apiserver: Option<RawHostSpec>,
    /// Process crashes of each etcd member, restarted by the kubelet:
    /// `failure` and `repair` per instance, independent of its host.
    pub etcd_member: Option<RawHostSpec>,
    /// The load balancer in front of the API servers, or `none` (clients use cp-1 alone).
    #[schemars(required)]
    pub load_balancer: Option<RawLoadBalancer>,
    /// How the control-plane components are wired: `kubeadm` (default: the
    /// scheduler and controller-manager talk to their own host's apiserver, and a
    /// stacked apiserver to its local etcd member only) or `load_balancer` (the
    /// scheduler and controller-manager go through the load balancer).
    pub wiring: Option<RawWiring>,
    /// kubeadm's certificates: they expire `lifetime` after they were last
    /// renewed, and an expired certificate takes the API down until renewed.
    pub certificates: Option<RawCertificates>,
    /// Failed control-plane hosts are replaced rather than repaired in place:
    /// `after` a failure the instance is deleted, and a new, empty host joins
    /// `provision` later (its local data, a stacked etcd member's included, is
    /// lost). Default: repaired in place.
    pub replacement: Option<RawReplacement>,
    /// External topology only: failed etcd hosts are replaced as
    /// `replacement` says (their data is lost). Default: repaired in place.
    pub etcd_replacement: Option<RawReplacement>,
}

/// The control plane's certificates (kubeadm's are valid one year).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `lifetime`, `renewed_by` and `renew`"
)]
#[schemars(rename = "Certificates")]
pub struct RawCertificates {
    /// Time from a renewal (or t = 0) to expiry, e.g. `1y` (kubeadm's default).
    pub lifetime: DurationValue,
    /// The name of a change targeting `control_plane` whose completion renews them
    /// (`kubeadm upgrade apply` renews every certificate), or `never`.
    #[schemars(pattern(r"^[a-z0-9-]{1,63}$"))]
    pub renewed_by: String,
    /// Time from an expiry to the operator's renewal (`kubeadm certs renew all`
    /// and restarting the control plane), e.g. `lognormal(median=2h, sigma=0.8)`.
    pub renew: DistValue,
}

/// How the control-plane components reach the apiserver and etcd.
#[derive(Debug, Clone, Copy, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Wiring")]
pub enum RawWiring {
    /// kubeadm's: the scheduler and controller-manager use their own host's
    /// apiserver, and a stacked apiserver its local etcd member only.
    Kubeadm,
    /// The scheduler and controller-manager go through the load balancer.
    LoadBalancer,
}

/// Failure and repair of one class of host (or of the load balancer).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `failure` and `repair`"
)]
#[schemars(rename = "HostSpec")]
pub struct RawHostSpec {
    /// Time from (re)start to the next failure; `never` for none.
    pub failure: DistValue,
    /// Time to repair; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
}

/// Failure and repair of a control-plane or etcd host, and whether a failure
/// destroys its local data.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `failure`, `repair` and `disk_loss`"
)]
#[schemars(rename = "NodeSpec")]
pub struct RawNodeSpec {
    /// Time from (re)start to the next failure; `never` for none.
    pub failure: DistValue,
    /// Time to repair; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
    /// Probability (0 to 1) that a failure destroys the host's local data, its etcd
    /// member's included: the member comes back empty and must be replaced
    /// (`control_plane.etcd.member_replace`). Default 0. Stacked topology: on
    /// `control_plane.node`; external: on `control_plane.etcd_node`.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub disk_loss: Option<f64>,
}

/// Worker nodes, which run the workloads' pods (control-plane hosts are
/// tainted and run none).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping with `nodes` and `node`")]
#[schemars(rename = "Workers")]
pub struct RawWorkers {
    /// Number of worker nodes (worker-1, worker-2, ...), at least 1.
    #[schemars(range(min = 1))]
    pub nodes: u32,
    /// Zone of each worker, 1-based, one entry per worker. Default: round-robin from zone 1.
    #[schemars(inner(range(min = 1)))]
    pub placement: Option<Vec<u32>>,
    /// With `zones.racks`: the rack of each worker within its zone, 1-based, one
    /// entry per worker. Default: round-robin over the zone's racks.
    #[schemars(inner(range(min = 1)))]
    pub rack_placement: Option<Vec<u32>>,
    /// Failure and repair of each worker node, and what it can hold.
    pub node: RawWorkerNodeSpec,
    /// Time from a node going down until the node controller marks it NotReady. Default `50s` (kube-controller-manager's default since Kubernetes 1.32).
    pub node_monitor_grace_period: Option<DurationValue>,
    /// Time from NotReady until the node's pods are evicted (the default NoExecute
    /// toleration). Default `300s`.
    pub eviction_timeout: Option<DurationValue>,
    /// Time from a worker being marked NotReady until the operator taints it
    /// `node.kubernetes.io/out-of-service` (its pods are then deleted and its
    /// volumes detached at once), or `never`. Default `never`.
    pub out_of_service: Option<DistValue>,
    /// Failed workers are replaced rather than repaired in place: `after` a
    /// failure the instance and its Node object are deleted, and a new, empty
    /// worker joins `provision` later. Default: repaired in place.
    pub replacement: Option<RawReplacement>,
}

/// Failure and repair of each worker node, and its allocatable resources.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `failure`, `repair` and `capacity`"
)]
#[schemars(rename = "WorkerNodeSpec")]
pub struct RawWorkerNodeSpec {
    /// Time from (re)start to the next failure; `never` for none.
    pub failure: DistValue,
    /// Time to repair; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
    /// What one worker can hold: the scheduler places a pod only on a node
    /// with room for its `requests`. Default: room for any pods.
    pub capacity: Option<RawCapacity>,
}

/// The allocatable resources of one worker node.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `cpu`, `memory` and `pods`"
)]
#[schemars(rename = "Capacity")]
pub struct RawCapacity {
    /// Allocatable CPU, a Kubernetes quantity such as `4` or `3500m`.
    pub cpu: CpuQuantity,
    /// Allocatable memory, a Kubernetes quantity such as `16Gi`.
    pub memory: MemoryQuantity,
    /// The most pods the node runs (the kubelet's `maxPods`), at least 1.
    /// Default 110.
    #[schemars(range(min = 1))]
    pub pods: Option<u32>,
}

/// What each pod of a workload requests (`resources.requests`).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping with `cpu` and `memory`")]
#[schemars(rename = "Requests")]
pub struct RawRequests {
    /// CPU, a Kubernetes quantity such as `250m` or `1`. Default 0.
    pub cpu: Option<CpuQuantity>,
    /// Memory, a Kubernetes quantity such as `512Mi`. Default 0.
    pub memory: Option<MemoryQuantity>,
}

/// The controller of a workload's pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "WorkloadKind")]
pub enum RawWorkloadKind {
    /// A Deployment: interchangeable pods.
    Deployment,
    /// A StatefulSet: pods with stable identities and their own volumes.
    StatefulSet,
}

/// A persistent volume per replica (ReadWriteOnce).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `zonal`, `attach` and `force_detach`"
)]
#[schemars(rename = "Volume")]
pub struct RawVolume {
    /// The volume lives in one zone (a cloud block disk), so its pod can only
    /// run there. Default `true`.
    pub zonal: Option<bool>,
    /// Time to attach the volume to the pod's new node, e.g.
    /// `lognormal(median=20s, sigma=0.5)`; not `never`.
    pub attach: DistValue,
    /// Time after which the volume of a node that is down is detached by
    /// force (kube-controller-manager's `maxWaitForUnmountDuration`), above 0.
    /// Default `6m`.
    pub force_detach: Option<DurationValue>,
}

/// A Deployment: its replicas, when it counts as available, and where its pods
/// may run; or `manifest`: Kubernetes manifests to read its Deployments from.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `name`, `replicas`, `min_available`, `startup`, `anti_affinity` and `zone_spread`, or with `manifest`"
)]
#[schemars(rename = "Workload")]
#[schemars(extend("oneOf" = [
    { "required": ["name", "replicas"], "not": { "required": ["manifest"] } },
    { "required": ["manifest"] }
]))]
pub struct RawWorkload {
    /// Unique name (a Kubernetes name: lower-case letters, digits and `-`, at most 63
    /// characters); the indicator is `workload/NAME`. Required unless `manifest`.
    #[schemars(pattern(r"^[a-z0-9-]{1,63}$"))]
    pub name: Option<String>,
    /// Number of pods, 1 to 10000. Required unless `manifest`.
    #[schemars(range(min = 1, max = 10000))]
    pub replicas: Option<u32>,
    /// The workload is available while at least this many replicas are ready; also its
    /// PodDisruptionBudget during maintenance. A count from 1 to `replicas`, or a
    /// percentage of `replicas` rounded up as Kubernetes does (`50%`). Default 1.
    pub min_available: Option<IntOrPercent>,
    /// Instead of `min_available`: how many replicas may be missing, a count or a
    /// percentage of `replicas` rounded up as Kubernetes does (`25%`); the workload
    /// is available while at least `replicas` minus this many are ready.
    pub max_unavailable: Option<IntOrPercent>,
    /// Time from a pod's start until it is ready. Default `0` (at once); not `never`.
    /// Beside `manifest`: for every Deployment the manifests hold.
    pub startup: Option<DistValue>,
    /// Pod anti-affinity: `none` (default), `host` (required: at most one replica
    /// per node), `rack` (required: at most one per rack; needs `zones.racks`) or
    /// `zone` (required: at most one per zone); or a mapping with
    /// `required` and `preferred` (a preferred rule ranks nodes, it never leaves a
    /// pod Pending).
    pub anti_affinity: Option<RawAntiAffinityRule>,
    /// Topology spread over zones: a max skew (DoNotSchedule: the most replicas in
    /// one zone may exceed the fewest in any zone with workers by at most this
    /// much), or a mapping with `max_skew` and `when_unsatisfiable`. Default: no
    /// spread rule.
    pub zone_spread: Option<RawSpread>,
    /// Topology spread over worker nodes (`kubernetes.io/hostname`), written as
    /// `zone_spread`. Default: no spread rule.
    pub host_spread: Option<RawSpread>,
    /// How a change targeting `workload/NAME` rolls out (a Deployment's
    /// `spec.strategy.rollingUpdate`): `max_surge` and `max_unavailable`, each a
    /// count or a percentage of `replicas`. Default 25% and 25%, as Kubernetes'.
    pub rolling_update: Option<RawRollingUpdate>,
    /// Time a rollout may go without progress before it is rolled back
    /// (`spec.progressDeadlineSeconds`), e.g. `10m`. Default `600s`.
    pub progress_deadline: Option<DurationValue>,
    /// `deployment` (default) or `statefulset`.
    pub kind: Option<RawWorkloadKind>,
    /// A persistent volume for each replica (ReadWriteOnce): `zonal`, `attach`
    /// and `force_detach`. Default: none.
    pub volume: Option<RawVolume>,
    /// What each pod requests, `cpu` and `memory` (Kubernetes quantities);
    /// placed only on a node with room for it (`workers.node.capacity`).
    /// Default 0.
    pub requests: Option<RawRequests>,
    /// Kubernetes manifests (a path, or a list of paths, relative to the scenario
    /// file) whose apps/v1 Deployments, ReplicaSets and StatefulSets become workloads, each with
    /// the policy/v1 PodDisruptionBudget that selects it. Only `startup` may stand
    /// beside it.
    pub manifest: Option<RawManifestPaths>,
}

/// A Deployment's rolling update: pods above `replicas` it may add, and pods
/// below it it may take away, during a rollout.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `max_surge` and `max_unavailable`"
)]
#[schemars(rename = "RollingUpdate")]
pub struct RawRollingUpdate {
    /// Pods a rollout may add above `replicas`: a count or a percentage of
    /// `replicas`, rounded up. Default 25%.
    pub max_surge: Option<IntOrPercent>,
    /// Pods a rollout may take away below `replicas`: a count or a percentage of
    /// `replicas`, rounded down. Default 25%. Not 0 when `max_surge` is 0.
    pub max_unavailable: Option<IntOrPercent>,
}

/// One path, or several.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(untagged, expecting = "a path such as `web.yaml`, or a list of paths")]
#[schemars(rename = "ManifestPaths")]
pub enum RawManifestPaths {
    One(String),
    Many(Vec<String>),
}

impl RawManifestPaths {
    /// The paths, and whether they were written as a list.
    pub fn paths(&self) -> (Vec<&str>, bool) {
        match self {
            RawManifestPaths::One(p) => (vec![p.as_str()], false),
            RawManifestPaths::Many(ps) => (ps.iter().map(String::as_str).collect(), true),
        }
    }
}

/// A count (`2`) or a whole percentage (`50%`), as Kubernetes' IntOrString.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IntOrPercent {
    Int(u64),
    Percent(u32),
}

impl IntOrPercent {
    /// The count for `total` replicas: a percentage is rounded up, as the
    /// disruption controller's `intstr.GetScaledValueFromIntOrPercent(...,
    /// true)` does for both minAvailable and maxUnavailable.
    pub fn scaled(self, total: u32) -> u64 {
        match self {
            IntOrPercent::Int(n) => n,
            IntOrPercent::Percent(p) => (u64::from(p) * u64::from(total)).div_ceil(100),
        }
    }
}

impl fmt::Display for IntOrPercent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IntOrPercent::Int(n) => write!(f, "{n}"),
            IntOrPercent::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// `50%` as 50: whole percentages from 0 to 100, as Kubernetes accepts them.
pub(crate) fn parse_whole_percent(text: &str) -> Result<u32, String> {
    let refuse = || {
        format!(
            "`{}` is neither a count nor a percentage; write a whole number such as `2`, or a \
             whole percentage such as `50%`",
            text.escape_debug()
        )
    };
    let digits = text.trim().strip_suffix('%').ok_or_else(refuse)?.trim_end();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(refuse());
    }
    match digits.parse::<u32>() {
        Ok(p) if p <= 100 => Ok(p),
        _ => Err(format!("`{}` is more than 100%", text.escape_debug())),
    }
}

impl<'de> Deserialize<'de> for IntOrPercent {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = IntOrPercent;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a count such as `2` or a percentage such as `50%`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse_whole_percent(v)
                    .map(IntOrPercent::Percent)
                    .map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(IntOrPercent::Int(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v).map(IntOrPercent::Int).map_err(|_| {
                    E::custom(format_args!(
                        "`{v}` is negative; expected a count of at least 0"
                    ))
                })
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(E::custom(format_args!(
                    "`{v}` is not a whole number; write a count such as `2` or a whole \
                     percentage such as `50%`"
                )))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for IntOrPercent {
    fn schema_name() -> Cow<'static, str> {
        "IntOrPercent".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A count of replicas, or a whole percentage of them (rounded up, as Kubernetes does).",
            "anyOf": [
                { "type": "integer", "minimum": 0 },
                { "type": "string", "pattern": r"^\s*(100|[1-9]?[0-9])%\s*$" }
            ],
            "examples": [2, "50%"]
        })
    }
}

/// Pod anti-affinity: one required topology (`host`), or required and preferred ones.
#[derive(Debug, Clone, Copy)]
pub enum RawAntiAffinityRule {
    Required(RawAntiAffinity),
    Rules(RawAntiAffinityRules),
}

/// Required and preferred pod anti-affinity.
#[derive(Debug, Clone, Copy, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `required` and `preferred`"
)]
#[schemars(rename = "AntiAffinityRules")]
pub struct RawAntiAffinityRules {
    /// A hard rule (`requiredDuringSchedulingIgnoredDuringExecution`): `none`,
    /// `host`, `rack` or `zone`. Default `none`.
    pub required: Option<RawAntiAffinity>,
    /// A soft rule (`preferredDuringSchedulingIgnoredDuringExecution`): `none`,
    /// `host`, `rack` or `zone`. Nodes are ranked by it; none is ever excluded.
    /// Default `none`.
    pub preferred: Option<RawAntiAffinity>,
}

impl<'de> Deserialize<'de> for RawAntiAffinityRule {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawAntiAffinityRule;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "`none`, `host`, `rack` or `zone`, or a mapping with `required` and `preferred`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                RawAntiAffinity::deserialize(de::value::StrDeserializer::<E>::new(v))
                    .map(RawAntiAffinityRule::Required)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawAntiAffinityRules::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawAntiAffinityRule::Rules)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for RawAntiAffinityRule {
    fn schema_name() -> Cow<'static, str> {
        "AntiAffinityRule".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let simple = generator.subschema_for::<RawAntiAffinity>();
        let rules = generator.subschema_for::<RawAntiAffinityRules>();
        json_schema!({
            "description": "Pod anti-affinity: `none`, `host`, `rack` or `zone` (required), or a mapping with `required` and `preferred`.",
            "oneOf": [simple, rules]
        })
    }
}

/// A topology spread: a max skew (DoNotSchedule), or a mapping.
#[derive(Debug, Clone, Copy)]
pub enum RawSpread {
    MaxSkew(u32),
    Rule(RawSpreadRule),
}

/// A topology spread constraint written out.
#[derive(Debug, Clone, Copy, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `max_skew` and `when_unsatisfiable`"
)]
#[schemars(rename = "SpreadRule")]
pub struct RawSpreadRule {
    /// The most replicas in one domain may exceed the fewest in any domain by at
    /// most this much; at least 1.
    #[schemars(range(min = 1))]
    pub max_skew: u32,
    /// `do_not_schedule` (default: a node that would break the skew is not
    /// feasible) or `schedule_anyway` (nodes that keep the skew low rank first;
    /// none is excluded).
    pub when_unsatisfiable: Option<RawWhenUnsatisfiable>,
}

/// What a topology spread constraint does to a node that would break it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "WhenUnsatisfiable")]
pub enum RawWhenUnsatisfiable {
    /// The node is not feasible (Kubernetes' `DoNotSchedule`).
    DoNotSchedule,
    /// The node ranks lower (Kubernetes' `ScheduleAnyway`).
    ScheduleAnyway,
}

impl<'de> Deserialize<'de> for RawSpread {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSpread;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a max skew such as `1`, or a mapping with `max_skew` and `when_unsatisfiable`",
                )
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                u32::try_from(v).map(RawSpread::MaxSkew).map_err(|_| {
                    E::custom(format_args!(
                        "expected a whole number from 0 to 4294967295, not `{v}`"
                    ))
                })
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                u64::try_from(v)
                    .map_err(|_| {
                        E::custom(format_args!(
                            "`{v}` is negative; expected a max skew of at least 1"
                        ))
                    })
                    .and_then(|v| self.visit_u64(v))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawSpreadRule::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawSpread::Rule)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for RawSpread {
    fn schema_name() -> Cow<'static, str> {
        "Spread".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let rule = generator.subschema_for::<RawSpreadRule>();
        json_schema!({
            "description": "A topology spread: a max skew of at least 1 (DoNotSchedule), or a mapping with `max_skew` and `when_unsatisfiable`.",
            "oneOf": [{ "type": "integer", "minimum": 1 }, rule]
        })
    }
}

/// Pod anti-affinity of a workload's replicas over one topology.
#[derive(Debug, Clone, Copy, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "AntiAffinity")]
pub enum RawAntiAffinity {
    /// No rule.
    None,
    /// At most one replica per node.
    Host,
    /// At most one replica per rack (needs `zones.racks`).
    Rack,
    /// At most one replica per zone.
    Zone,
}

/// Rolling planned maintenance: every `interval`, each host in turn (control-plane
/// hosts, etcd hosts, workers) is drained and down for `duration`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `interval` and `duration`"
)]
#[schemars(rename = "Maintenance")]
pub struct RawMaintenance {
    /// Time between the starts of maintenance rounds, at least `1m`, e.g. `30d`.
    pub interval: DurationValue,
    /// Time each host is down for maintenance, e.g. `15m`.
    pub duration: DurationValue,
}

/// etcd's own timing.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `election` and `member_replace`"
)]
#[schemars(rename = "Etcd")]
pub struct RawEtcd {
    /// Leaderless time after quorum is regained or the leader is lost. Default `uniform(min=1s, max=2s)`.
    pub election: Option<DistValue>,
    /// Time to replace a member whose disk was lost (remove it, add an empty one,
    /// resync), which needs etcd writable. Required when a `disk_loss` is above 0
    /// and etcd has more than one member; not `never`.
    pub member_replace: Option<DistValue>,
}

/// Periodic etcd snapshots, stored off the cluster: one every `interval` from the
/// start. Without `backups` only the snapshot at the start exists.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `interval`, `duration` and `success`"
)]
#[schemars(rename = "Backups")]
pub struct RawBackups {
    /// Time between snapshot starts, at least `1m`, e.g. `1h`.
    pub interval: DurationValue,
    /// Time a snapshot takes, less than `interval`, e.g. `2m`. Its contents are the
    /// state at its start; it needs etcd writable then.
    pub duration: DurationValue,
    /// Probability that a snapshot succeeds, above 0 and at most 1, e.g. `0.99`.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub success: f64,
}

/// `backups`: one mapping (etcd snapshots, as before lists existed) or a list
/// of entries, etcd snapshots and Velero backups.
#[derive(Debug)]
pub enum RawBackupsField {
    One(RawBackups),
    List(Vec<RawBackupEntry>),
}

impl<'de> Deserialize<'de> for RawBackupsField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawBackupsField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a mapping with `interval`, `duration` and `success` (etcd snapshots), or a \
                     list of backups, each with `name`, `kind`, `schedule` or `interval`, and \
                     `duration`",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                RawBackups::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawBackupsField::One)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<RawBackupEntry>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawBackupsField::List)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for RawBackupsField {
    fn schema_name() -> Cow<'static, str> {
        "BackupsField".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "etcd snapshots as one mapping, or a list of backups (etcd snapshots and Velero backups).",
            "oneOf": [
                generator.subschema_for::<RawBackups>(),
                { "type": "array", "items": generator.subschema_for::<RawBackupEntry>(), "maxItems": 16 }
            ]
        })
    }
}

/// One entry of a `backups` list.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a backup: a mapping with `name`, `kind`, `schedule` or `interval`, and `duration`"
)]
#[schemars(rename = "Backup")]
pub struct RawBackupEntry {
    /// Unique name, reported in results: lower-case letters, digits and `-`, at most 63
    /// characters.
    #[schemars(pattern(r"^[a-z0-9-]{1,63}$"))]
    pub name: String,
    /// `etcd` (an etcd snapshot: restores etcd) or `velero` (a Velero backup of
    /// workloads' namespaces and volumes: restores those in `include`).
    pub kind: RawBackupKind,
    /// When backups start, in CronJob's and Velero's cron syntax (five fields, UTC;
    /// t = 0 is 00:00 on a Monday, 1 January), e.g. `0 * * * *`; or give `interval`.
    pub schedule: Option<String>,
    /// Time between backup starts, from t = 0, at least `1m`; or give `schedule`.
    pub interval: Option<DurationValue>,
    /// Time a backup takes, shorter than the time between two; its contents are the
    /// state at its start.
    pub duration: DurationValue,
    /// Probability that a backup succeeds (a failure is noticed), above 0 and at most
    /// 1. Default 1.
    #[schemars(range(min = 0.0, max = 1.0))]
    pub success: Option<f64>,
    /// Retention: a backup older than this cannot be restored. Default: none for
    /// `etcd`, `720h` (Velero's default) for `velero`.
    pub ttl: Option<DurationValue>,
    /// For `velero`: the workloads backed up, `all` or a list of `workload/NAME`.
    /// Default `all`.
    pub include: Option<RawInclude>,
    /// Where backups are kept: `off_site` (default) or `same_region`.
    pub storage: Option<RawStorage>,
    /// For `same_region` in a scenario with `regions`: the store's region, 1-based.
    /// Default: the region of zone 1.
    pub region: Option<u32>,
    /// The backup job starts failing unnoticed now and then: every backup it
    /// makes from then on is unusable, until a restore test (or a restore)
    /// finds it and it is fixed.
    pub silent_failure: Option<RawSilentFailure>,
    /// Restores tried on a schedule, which find a silent failure.
    pub restore_tests: Option<RawRestoreTests>,
}

/// A backup job failing without anyone noticing.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping with `every` and `fix`")]
#[schemars(rename = "SilentFailure")]
pub struct RawSilentFailure {
    /// Time from the job's start (or its last fix) until it starts failing, e.g.
    /// `exponential(mean=1y)`.
    pub every: DistValue,
    /// Time from a failure being found until the job makes good backups again, e.g.
    /// `lognormal(median=4h, sigma=1)`; not `never`.
    pub fix: DistValue,
}

/// Restore tests: one every `interval` from t = 0, each taking `duration`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `interval` and `duration`"
)]
#[schemars(rename = "RestoreTests")]
pub struct RawRestoreTests {
    /// Time between tests, e.g. `1d`; at least `1m`.
    pub interval: DurationValue,
    /// Time a test takes until its result is known, e.g. `1h`; shorter than `interval`.
    pub duration: DurationValue,
}

/// `etcd` or `velero`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "BackupKind")]
pub enum RawBackupKind {
    /// An etcd snapshot.
    Etcd,
    /// A Velero backup of workloads.
    Velero,
}

/// `off_site` or `same_region`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "BackupStorage")]
pub enum RawStorage {
    /// Kept away from the cluster's region.
    OffSite,
    /// Kept in the cluster's region.
    SameRegion,
}

/// `all`, or a list of `workload/NAME`.
#[derive(Debug)]
pub enum RawInclude {
    All,
    Some(Vec<String>),
}

impl<'de> Deserialize<'de> for RawInclude {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawInclude;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`all`, or a list of workloads such as `[workload/db]`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v == "all" {
                    Ok(RawInclude::All)
                } else {
                    Err(E::custom(format_args!(
                        "`{v}`: expected `all`, or a list of workloads such as `[workload/db]`"
                    )))
                }
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<String>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawInclude::Some)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for RawInclude {
    fn schema_name() -> Cow<'static, str> {
        "BackupInclude".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "`all`, or a list of `workload/NAME`.",
            "oneOf": [
                { "const": "all" },
                { "type": "array", "items": { "type": "string", "pattern": "^workload/" } }
            ]
        })
    }
}

/// How the operator recovers etcd once it cannot heal itself (too few members
/// with intact data) or after a disaster. Required when data can be lost.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `detection`, `force_new_cluster` and `restore`"
)]
#[schemars(rename = "Recovery")]
pub struct RawRecovery {
    /// Time from the failure (or disaster) until the operator acts, e.g. `5m`.
    pub detection: DurationValue,
    /// Time to force a new cluster from the most current intact member; not `never`.
    pub force_new_cluster: DistValue,
    /// Time to restore the last successful backup; not `never`.
    pub restore: DistValue,
}

/// A logical disaster: strikes all etcd members at once, recurring.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, expecting = "a mapping with `name` and `every`")]
#[schemars(rename = "Disaster")]
pub struct RawDisaster {
    /// Unique name, the cause reported in results: lower-case letters, digits and `-`,
    /// at most 63 characters; not `quorum-loss` or `quorum-loss-no-member`.
    #[schemars(pattern(r"^[a-z0-9-]{1,63}$"))]
    pub name: String,
    /// Time between strikes, e.g. `exponential(mean=20y)`.
    pub every: DistValue,
    /// What it destroys: `etcd` (default: every member's data), `workload/NAME` (one
    /// workload's data, e.g. a deleted namespace; the API stays up) or `all_workloads`.
    pub scope: Option<String>,
    /// For a workload scope: time until the operator acts. Default `recovery.detection`.
    pub detection: Option<DurationValue>,
    /// For a workload scope: time to restore the workload from its backup, not `never`.
    /// Default `recovery.restore`.
    pub restore: Option<DistValue>,
}

/// A service-level objective: `{ indicator, availability }` or `{ metric, quantile, max }`.
/// Parsed as one mapping so that unknown keys are still reported as such; the
/// validator checks which of the two forms it is.
#[derive(Debug, serde::Deserialize)]
#[serde(
    deny_unknown_fields,
    expecting = "an SLO: `{ indicator: api, availability: 99.95% }`, `{ indicator: api, request_success: 99.99% }` or `{ metric: rpo, quantile: 0.95, max: 1h }`"
)]
pub struct RawSlo {
    pub indicator: Option<String>,
    pub availability: Option<Fraction>,
    pub request_success: Option<Fraction>,
    pub metric: Option<RawDataMetric>,
    pub quantile: Option<f64>,
    pub max: Option<DurationValue>,
    pub scope: Option<String>,
}

/// The availability form of an SLO (for the schema only).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(rename = "AvailabilitySlo")]
#[allow(dead_code)]
struct SchemaAvailabilitySlo {
    /// `etcd`, `api`, `control_plane`, or `workload/NAME` for a workload of the scenario.
    indicator: String,
    /// The least availability accepted, below 100%: a percentage such as `99.95%`, or a
    /// fraction such as `0.9995`.
    availability: Fraction,
}

/// The request-success form of an SLO (for the schema only).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(rename = "RequestSuccessSlo")]
#[allow(dead_code)]
struct SchemaRequestSuccessSlo {
    /// `api`, the one indicator with client requests.
    indicator: String,
    /// The least time-average share of client requests that succeed, below 100%: a
    /// percentage such as `99.99%`, or a fraction such as `0.9999`.
    request_success: Fraction,
}

/// The data-loss form of an SLO (for the schema only).
#[derive(JsonSchema)]
#[schemars(deny_unknown_fields)]
#[schemars(rename = "DataLossSlo")]
#[allow(dead_code)]
struct SchemaDataLossSlo {
    /// `rpo` (history lost in a data-loss event) or `rto` (time from a disaster until
    /// the API is writable again).
    metric: RawDataMetric,
    /// Which quantile of the metric's distribution is judged, between 0 and 1 exclusive,
    /// e.g. `0.95`.
    #[schemars(range(min = 0.0, max = 1.0))]
    quantile: f64,
    /// The most that quantile may be, a duration above 0, e.g. `1h`.
    max: DurationValue,
    /// Whose data-loss events are judged: `etcd` (quorum losses and etcd's disasters)
    /// or `workload/NAME` (disasters of that workload's data). Default: every event.
    #[serde(default)]
    scope: Option<String>,
}

/// `rpo` (history lost in a data-loss event) or `rto` (time from a disaster until
/// the API is writable again).
#[derive(Debug, Clone, Copy, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "DataMetric")]
pub enum RawDataMetric {
    /// Recovery point: the history lost in a data-loss event.
    Rpo,
    /// Recovery time: from a disaster until the API is writable again.
    Rto,
}

/// A fraction written as a percentage (`99.95%`) or as a plain number (`0.9995`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fraction {
    pub value: f64,
    /// Written with `%`.
    pub percent: bool,
}

impl Fraction {
    /// The value as the file wrote it: `99.95%` or `0.9995`.
    pub fn shown(&self) -> String {
        if self.percent {
            format!("{}%", self.value * 100.0)
        } else {
            format!("{}", self.value)
        }
    }
}

/// A precision target's relative half-width: a [`Fraction`] whose messages
/// give small examples (`5%`, `0.05`) rather than an availability's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelativeWidth(pub Fraction);

/// A probability such as a takeover's success: a [`Fraction`] whose messages
/// give `99%` and `0.99` as examples.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Probability(pub Fraction);

/// kube-scheduler and kube-controller-manager leader election (client-go's lease settings).
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `lease_duration`, `renew_deadline` and `retry_period`"
)]
#[schemars(rename = "LeaderElection")]
pub struct RawLeaderElection {
    /// Default `15s`. Must exceed `renew_deadline`.
    pub lease_duration: Option<DurationValue>,
    /// Default `10s`. Must exceed 1.2 × `retry_period`.
    pub renew_deadline: Option<DurationValue>,
    /// Default `2s`.
    pub retry_period: Option<DurationValue>,
    /// Which of `scheduler` and `controller_manager` release their lease when
    /// stopped gracefully (client-go's `ReleaseOnCancel`), so that a standby takes
    /// over at its next retry instead of after `lease_duration`. No name twice.
    /// Default `[scheduler]`; `[]` for neither.
    #[schemars(length(max = 2), extend("uniqueItems" = true))]
    pub release_on_stop: Option<Vec<RawController>>,
}

/// A leader-elected control-plane component.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Controller")]
pub enum RawController {
    /// kube-scheduler.
    Scheduler,
    /// kube-controller-manager.
    ControllerManager,
}

/// `load_balancer`: a mapping (its kind, failure process and extras), or the string `none`.
#[derive(Debug)]
pub enum RawLoadBalancer {
    None,
    Spec(Box<RawLoadBalancerSpec>),
}

/// The load balancer in front of the API servers. Which keys apply depends on `kind`.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `kind`, `failure`, `repair` and the keys of its kind"
)]
#[schemars(rename = "LoadBalancerSpec")]
pub struct RawLoadBalancerSpec {
    /// `single` (default: one instance, e.g. HAProxy on a VM), `pair` (two
    /// instances sharing a virtual IP, active-standby: keepalived VRRP or kube-vip)
    /// or `cloud` (a managed load balancer with a node in every zone that holds a
    /// control-plane host, behind DNS).
    pub kind: Option<RawLoadBalancerKind>,
    /// Time from (re)start to the next failure of each instance (`single`, `pair`),
    /// or between outages of the whole service (`cloud`, optional there); `never` for none.
    pub failure: Option<DistValue>,
    /// Time to repair an instance, or a `cloud` outage; required unless `failure` is `never`.
    pub repair: Option<DistValue>,
    /// `single` only: the zone of the instance, 1-based; it is down while its zone
    /// is. Default: no zone (zone outages do not reach it).
    #[schemars(range(min = 1))]
    pub zone: Option<u32>,
    /// `pair` only: the zones of the two instances, 1-based, exactly two entries
    /// (the same zone twice is allowed). Default `[1, 1]`.
    #[schemars(length(min = 2, max = 2), inner(range(min = 1)))]
    pub placement: Option<Vec<u32>>,
    /// `pair` only: time for the standby to take over the virtual IP once the
    /// active instance fails. Default `fixed(3s)`.
    pub failover: Option<DistValue>,
    /// `pair` only: probability that a takeover succeeds, above 0 and at most 1
    /// (`0.99` or `99%`). Default 1.
    pub failover_success: Option<Probability>,
    /// How the load balancer notices that an apiserver went down or came back, for
    /// any kind. Without it detection is instant.
    pub health_check: Option<RawHealthCheck>,
    /// `cloud`: how clients follow the load balancer's DNS name when a zone's node
    /// is lost (`detection` and `ttl`). `single` with `replaced_with_new_address`:
    /// only `ttl`. Not for `pair`.
    pub dns: Option<RawDns>,
    /// `single` only: a repaired instance comes back with a new address, so clients
    /// reach it only after the DNS `ttl` (default `60s`). Default `false`.
    pub replaced_with_new_address: Option<bool>,
}

/// The kind of load balancer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "LoadBalancerKind")]
pub enum RawLoadBalancerKind {
    /// One instance.
    Single,
    /// Two instances, active-standby behind a virtual IP (keepalived VRRP, kube-vip).
    Pair,
    /// A managed cloud load balancer: one node per zone that holds a control-plane
    /// host, behind DNS.
    Cloud,
}

/// The load balancer's health check of the apiservers.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `interval`, `unhealthy_threshold` and `healthy_threshold`"
)]
#[schemars(rename = "HealthCheck")]
pub struct RawHealthCheck {
    /// Time between checks of one apiserver, above 0. Default `10s`.
    pub interval: Option<DurationValue>,
    /// Failed checks in a row before an apiserver is taken out of rotation, at
    /// least 1. Default 3.
    #[schemars(range(min = 1))]
    pub unhealthy_threshold: Option<u32>,
    /// Passed checks in a row before a returning apiserver is used again, at least
    /// 1. Default 3.
    #[schemars(range(min = 1))]
    pub healthy_threshold: Option<u32>,
}

/// How clients follow the load balancer's DNS name.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `detection` and `ttl`"
)]
#[schemars(rename = "Dns")]
pub struct RawDns {
    /// `cloud` only: time from a zone's load-balancer node going down until the
    /// provider withdraws its address from DNS, at least 0. Default `30s`.
    pub detection: Option<DurationValue>,
    /// Time clients keep using an address they resolved, at least 0. Default `60s`.
    pub ttl: Option<DurationValue>,
}

/// A duration in seconds, parsed from text such as `1h30m` (or the integer `0`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DurationValue(pub f64);

/// A distribution, parsed from text such as `weibull(shape=0.8, mean=2y)`
/// (a bare duration means `fixed(...)`; the integer `0` means `fixed(0)`).
#[derive(Debug, Clone, PartialEq)]
pub struct DistValue(pub Distribution);

const DURATION_PATTERN: &str = r"^\s*(0|((\d+(\.\d*)?|\.\d+)(ms|s|m|h|d|w|y))+)\s*$";
const DISTRIBUTION_PATTERN: &str = r"^\s*(never|(exponential|weibull|lognormal|gamma|uniform|fixed)\s*\(.*\)|0|((\d+(\.\d*)?|\.\d+)(ms|s|m|h|d|w|y))+)\s*$";
const PERCENT_PATTERN: &str = r"^\s*(\d+(\.\d*)?|\.\d+)\s*%\s*$";
const DURATION_HELP: &str = "A duration: a number with a unit ms, s, m, h, d, w or y (1y = 365d), \
e.g. `30s`, `1.5h`, `1h30m`, `10y`. Only 0 may be written without a unit.";
const DISTRIBUTION_HELP: &str = "A distribution, one of: `exponential(mean=D)`, `weibull(shape=K, mean=D)`, \
`weibull(shape=K, scale=D)`, `lognormal(median=D, sigma=S)`, `lognormal(mean=D, sigma=S)`, \
`gamma(shape=K, mean=D)`, `uniform(min=D, max=D)`, `fixed(D)`, a bare duration `D` (same as fixed), \
or `never`. D is a duration with a unit (ms, s, m, h, d, w, y), K and S are plain numbers.";

/// Rejects a bare number where a duration goes, saying how to write it.
fn bare_number<E: de::Error>(shown: &dyn fmt::Display) -> E {
    E::custom(format_args!(
        "`{shown}` has no unit; expected a duration such as `{shown}s`, `{shown}m` or `{shown}h` \
         (units ms, s, m, h, d, w, y; only 0 may be written without a unit)"
    ))
}

/// A YAML/JSON/TOML integer where a duration goes: only 0 is one.
fn unitless_u64<E: de::Error>(v: u64) -> Result<(), E> {
    if v == 0 { Ok(()) } else { Err(bare_number(&v)) }
}

/// As [`unitless_u64`], with negative numbers called out as such.
fn unitless_i64<E: de::Error>(v: i64) -> Result<(), E> {
    match v {
        0 => Ok(()),
        v if v < 0 => Err(E::custom(format_args!(
            "`{v}` is negative; durations must be >= 0"
        ))),
        v => Err(bare_number(&v)),
    }
}

impl<'de> Deserialize<'de> for DurationValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DurationValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a duration such as `30s`, `1.5h` or `1h30m`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                parse_duration(v).map(DurationValue).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                unitless_u64(v).map(|()| DurationValue(0.0))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                unitless_i64(v).map(|()| DurationValue(0.0))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(bare_number(&v))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for DistValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = DistValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a distribution such as `exponential(mean=5y)`, a duration, or `never`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Distribution::parse(v).map(DistValue).map_err(E::custom)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                unitless_u64(v).map(|()| DistValue(Distribution::Fixed(0.0)))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                unitless_i64(v).map(|()| DistValue(Distribution::Fixed(0.0)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Err(bare_number(&v))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawLoadBalancer {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawLoadBalancer;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping with `failure` and `repair`, or `none`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                if v.trim() == "none" {
                    Ok(RawLoadBalancer::None)
                } else {
                    Err(E::custom(format_args!(
                        "`{v}` is not a load balancer; expected a mapping with `failure` and \
                         `repair`, or `none` for clients that talk to cp-1 alone"
                    )))
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                // Delegating to the derived impl keeps deny_unknown_fields and
                // lets the path tracker see the nested keys.
                RawLoadBalancerSpec::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|spec| RawLoadBalancer::Spec(Box::new(spec)))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for DurationValue {
    fn schema_name() -> Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": DURATION_HELP,
            "anyOf": [
                { "type": "string", "pattern": DURATION_PATTERN },
                { "const": 0 }
            ],
            "examples": ["30s", "1.5h", "1h30m", "10y"]
        })
    }
}

impl JsonSchema for DistValue {
    fn schema_name() -> Cow<'static, str> {
        "Distribution".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": DISTRIBUTION_HELP,
            "anyOf": [
                { "type": "string", "pattern": DISTRIBUTION_PATTERN },
                { "const": 0 }
            ],
            "examples": [
                "exponential(mean=5y)",
                "weibull(shape=0.8, mean=2y)",
                "lognormal(median=30m, sigma=1.0)",
                "uniform(min=1s, max=2s)",
                "never"
            ]
        })
    }
}

/// Reads a [`Fraction`]; `examples` (a percentage and the same fraction) show
/// in messages how to write one.
struct FractionVisitor {
    examples: (&'static str, &'static str),
}

impl Visitor<'_> for FractionVisitor {
    type Value = Fraction;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (percent, fraction) = self.examples;
        write!(
            f,
            "a percentage such as `{percent}` or a fraction such as `{fraction}`"
        )
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        parse_percentage(v, self.examples)
            .map(|value| Fraction {
                value,
                percent: true,
            })
            .map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Fraction {
            value: v as f64,
            percent: false,
        })
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Fraction {
            value: v as f64,
            percent: false,
        })
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(Fraction {
            value: v,
            percent: false,
        })
    }
}

impl<'de> Deserialize<'de> for Fraction {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(FractionVisitor {
            examples: ("99.95%", "0.9995"),
        })
    }
}

impl<'de> Deserialize<'de> for RelativeWidth {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(FractionVisitor {
                examples: ("5%", "0.05"),
            })
            .map(RelativeWidth)
    }
}

/// `99.95%` as 0.9995: digits with at most one `.`, then `%`. `examples`
/// (a percentage and the same fraction) show in messages how to write one.
fn parse_percentage(text: &str, examples: (&str, &str)) -> Result<f64, String> {
    let (percent, fraction) = examples;
    let refuse = || {
        format!(
            "`{}` is not a percentage; write one such as `{percent}`, or a fraction such as `{fraction}`",
            text.escape_debug()
        )
    };
    let Some(number) = text.trim().strip_suffix('%') else {
        if text.trim().parse::<f64>().is_ok() {
            return Err(format!(
                "`{}` is text, not a number; write the fraction without quotes, or a \
                 percentage such as `{percent}`",
                text.escape_debug()
            ));
        }
        return Err(refuse());
    };
    let number = number.trim_end();
    let digits = number.bytes().filter(u8::is_ascii_digit).count();
    let dots = number.bytes().filter(|&b| b == b'.').count();
    if digits == 0 || dots > 1 || digits + dots != number.len() {
        return Err(refuse());
    }
    // Shifting the decimal point in the text, not dividing by 100, makes
    // `99.95%` the same double as `0.9995`.
    format!("{number}e-2").parse::<f64>().map_err(|_| refuse())
}

impl JsonSchema for Fraction {
    fn schema_name() -> Cow<'static, str> {
        "Fraction".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage such as `99.95%`, or a fraction from 0 to 1 such as `0.9995`.",
            "anyOf": [
                { "type": "string", "pattern": PERCENT_PATTERN },
                { "type": "number", "minimum": 0, "maximum": 1 }
            ],
            "examples": ["99.95%", 0.9995]
        })
    }
}

impl<'de> Deserialize<'de> for Probability {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(FractionVisitor {
                examples: ("99%", "0.99"),
            })
            .map(Probability)
    }
}

impl JsonSchema for Probability {
    fn schema_name() -> Cow<'static, str> {
        "Probability".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A probability above 0 and at most 1: a percentage such as `99%`, or a fraction such as `0.99`.",
            "anyOf": [
                { "type": "string", "pattern": PERCENT_PATTERN },
                { "type": "number", "exclusiveMinimum": 0, "maximum": 1 }
            ],
            "examples": ["99%", 0.99]
        })
    }
}

impl JsonSchema for RelativeWidth {
    fn schema_name() -> Cow<'static, str> {
        "RelativeWidth".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A percentage such as `5%`, or a fraction above 0 and below 1 such as `0.05`.",
            "anyOf": [
                { "type": "string", "pattern": PERCENT_PATTERN },
                { "type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1 }
            ],
            "examples": ["5%", 0.05]
        })
    }
}

impl JsonSchema for RawSlo {
    fn schema_name() -> Cow<'static, str> {
        "Slo".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let availability = generator.subschema_for::<SchemaAvailabilitySlo>();
        let request_success = generator.subschema_for::<SchemaRequestSuccessSlo>();
        let data_loss = generator.subschema_for::<SchemaDataLossSlo>();
        json_schema!({
            "description": "A service-level objective, judged by `kubenines check`: an indicator's availability (`{ indicator: api, availability: 99.95% }`), the API's request success (`{ indicator: api, request_success: 99.99% }`), or a quantile of the RPO or RTO (`{ metric: rpo, quantile: 0.95, max: 1h }`).",
            "oneOf": [availability, request_success, data_loss]
        })
    }
}

impl JsonSchema for RawLoadBalancer {
    fn schema_name() -> Cow<'static, str> {
        "LoadBalancer".into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let spec = generator.subschema_for::<RawLoadBalancerSpec>();
        json_schema!({
            "description": "The load balancer in front of the API servers (its kind and failure process), or `none`: clients then talk to cp-1 alone.",
            "oneOf": [
                spec,
                { "const": "none" }
            ]
        })
    }
}
