//! The typed, validated scenario: what the simulator consumes.
//!
//! Everything here is checked and has its defaults filled in; the parser
//! (`scenario::load`) is the only producer. All durations are `f64` seconds.

use super::dist::Distribution;

/// One year of simulated time in seconds (1 y = 365 d, as docs/model.md says).
pub const YEAR_SECONDS: f64 = 365.0 * 86_400.0;

/// A checked scenario, ready to simulate.
#[derive(Clone, PartialEq)]
pub struct Scenario {
    /// `[a-z0-9-]+`
    pub name: String,
    pub description: Option<String>,
    /// The file it was read from, as given on the command line ("" when built in code).
    pub source: String,
    pub simulation: Simulation,
    pub zones: Zones,
    pub control_plane: ControlPlane,
    /// Worker nodes; `None` when the file has no `workers`.
    pub workers: Option<Workers>,
    /// Deployments, in the file's order (empty without `workloads`).
    /// Non-empty only if `workers` is present.
    pub workloads: Vec<Workload>,
    /// Rolling planned maintenance; `None` when the file has none.
    pub maintenance: Option<Maintenance>,
    /// Periodic etcd snapshots stored off the cluster; `None` when the file
    /// has none (the snapshot taken at t = 0 still exists: docs/model.md).
    pub backups: Option<Backups>,
    /// `backups` given as a list (etcd snapshots and Velero backups), in
    /// the file's order; empty when the file has none or the one mapping
    /// above. [`Scenario::backup_entries`] gives both forms as one list.
    pub backup_list: Vec<BackupEntry>,
    /// The operator's recovery from quorum loss and disasters. Present
    /// whenever data can be lost (a `disk_loss` above 0, or `disasters`).
    pub recovery: Option<Recovery>,
    /// Logical disasters, in the file's order (empty without `disasters`).
    pub disasters: Vec<Disaster>,
    /// Service-level objectives, for `check` (empty without `slos`).
    pub slos: Vec<Slo>,
    /// Monthly cost per host class; `None` when the file has no `cost`.
    pub cost: Option<Cost>,
    /// Changes, in the file's order (empty without `changes`).
    pub changes: Vec<Change>,
    /// The cluster autoscaler over the workers; `None` when the file has no
    /// `autoscaler`.
    pub autoscaler: Option<Autoscaler>,
    /// Settings Kubernetes accepts but cannot satisfy (replicas that can
    /// never all be placed, maintenance rounds longer than their interval).
    /// The scenario runs; the CLI prints these on stderr.
    pub warnings: Vec<ScenarioWarning>,
    /// A fleet's clusters, regions and services: the file was a fleet, and
    /// the fields above are its face (see `scenario::fleet`). `None` for a
    /// scenario.
    pub fleet: Option<Box<super::fleet::Fleet>>,
}

// By hand, so that a scenario without the keys added later (`changes`,
// `autoscaler`) keeps the form, and so the content hash, it had.
impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Scenario");
        d.field("name", &self.name)
            .field("description", &self.description)
            .field("source", &self.source)
            .field("simulation", &self.simulation)
            .field("zones", &self.zones)
            .field("control_plane", &self.control_plane)
            .field("workers", &self.workers)
            .field("workloads", &self.workloads)
            .field("maintenance", &self.maintenance)
            .field("backups", &self.backups);
        if !self.backup_list.is_empty() {
            d.field("backup_list", &self.backup_list);
        }
        d.field("recovery", &self.recovery)
            .field("disasters", &self.disasters)
            .field("slos", &self.slos)
            .field("cost", &self.cost);
        if !self.changes.is_empty() {
            d.field("changes", &self.changes);
        }
        if let Some(a) = &self.autoscaler {
            d.field("autoscaler", a);
        }
        if let Some(f) = &self.fleet {
            d.field("fleet", f);
        }
        d.field("warnings", &self.warnings).finish()
    }
}

/// Monthly cost of one host of each class (classes not priced cost 0).
#[derive(Clone, Debug, PartialEq)]
pub struct Cost {
    /// Per control-plane host, >= 0 and finite.
    pub control_plane: f64,
    /// Per external etcd host, >= 0 and finite.
    pub etcd: f64,
    /// Per worker node, >= 0 and finite.
    pub worker: f64,
    /// Per load-balancer instance (two for a `pair`, one otherwise), >= 0 and finite.
    pub load_balancer: f64,
    /// Free text, default `USD`.
    pub currency: String,
}

impl Cost {
    /// The monthly cost of a design with these host counts and this many
    /// load-balancer charges ([`ControlPlane::load_balancer_instances`]).
    pub fn monthly(&self, control_plane: u32, etcd: u32, workers: u32, load_balancers: u32) -> f64 {
        f64::from(control_plane) * self.control_plane
            + f64::from(etcd) * self.etcd
            + f64::from(workers) * self.worker
            + f64::from(load_balancers) * self.load_balancer
    }
}

/// A located warning about a scenario that is valid but will not behave as
/// its author probably expects. Displays as `FILE:LINE:COL: warning: KEY: MESSAGE`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioWarning {
    pub file: String,
    /// 1-based, where the format allows.
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The key path, e.g. `workloads[0].replicas`.
    pub key: String,
    pub message: String,
}

/// Worker nodes: hosts that run the workloads' pods (control-plane hosts do
/// not: kubeadm taints them).
#[derive(Clone, PartialEq)]
pub struct Workers {
    /// Workers worker-1..worker-N, 1 <= N <= MAX_HOSTS.
    pub nodes: u32,
    /// Zone of each worker, 0-based, length `nodes`; round-robin from zone 0
    /// unless the file gives `workers.placement` (1-based there).
    pub placement: Vec<u32>,
    pub node: HostSpec,
    /// Seconds from a node going down until the node controller marks it
    /// NotReady (default 40).
    pub node_monitor_grace_period: f64,
    /// Seconds from NotReady until its pods are evicted (default 300).
    pub eviction_timeout: f64,
    /// Time from a worker being marked NotReady until the operator taints it
    /// `node.kubernetes.io/out-of-service` (which lets its StatefulSet pods
    /// and volumes go at once); `None`: never (the file's default, or
    /// `never`).
    pub out_of_service: Option<Distribution>,
    /// What one worker node can hold (`workers.node.capacity`); `None`:
    /// any number of pods, of any size, as before capacities existed.
    pub capacity: Option<NodeCapacity>,
    /// Failed workers are replaced, not repaired in place; `None`:
    /// repaired in place.
    pub replacement: Option<Replacement>,
}

// By hand, so that workers without the keys added later (`out_of_service`,
// `capacity`, `replacement`) keep the form, and so the content hash, they had.
impl std::fmt::Debug for Workers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Workers");
        d.field("nodes", &self.nodes)
            .field("placement", &self.placement)
            .field("node", &self.node)
            .field("node_monitor_grace_period", &self.node_monitor_grace_period)
            .field("eviction_timeout", &self.eviction_timeout);
        if let Some(o) = &self.out_of_service {
            d.field("out_of_service", o);
        }
        if let Some(c) = &self.capacity {
            d.field("capacity", c);
        }
        if let Some(r) = &self.replacement {
            d.field("replacement", r);
        }
        d.finish()
    }
}

/// The allocatable resources of one worker node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeCapacity {
    /// CPU, in millicores.
    pub cpu_millicores: u64,
    /// Memory, in bytes.
    pub memory_bytes: u64,
    /// The most pods the node runs, >= 1 (default [`DEFAULT_MAX_PODS`]).
    pub pods: u32,
}

/// The kubelet's default `maxPods`.
pub const DEFAULT_MAX_PODS: u32 = 110;

/// What one pod of a workload requests (`resources.requests`, summed over
/// its containers); zero for what is not given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Resources {
    /// CPU, in millicores.
    pub cpu_millicores: u64,
    /// Memory, in bytes.
    pub memory_bytes: u64,
}

/// Failed hosts of a class are replaced by the cloud rather than repaired in
/// place: `after` a host's failure its instance is deleted (a worker's Node
/// object too), and a new, empty host joins `provision` later; the old
/// host's local data is lost.
#[derive(Clone, Debug, PartialEq)]
pub struct Replacement {
    /// Time from a host's failure until its instance is deleted; not `never`.
    pub after: Distribution,
    /// Time from the deletion until the new host has joined; not `never`.
    pub provision: Distribution,
}

/// The cluster autoscaler: adds workers when pods are Pending and removes
/// under-used ones.
#[derive(Clone, Debug, PartialEq)]
pub struct Autoscaler {
    /// Time from a pod going Pending for want of a node to a new worker
    /// having joined; not `never`.
    pub scale_up: Distribution,
    /// The most workers, `workers.nodes` <= max_workers <= `MAX_HOSTS`.
    pub max_workers: u32,
    /// Seconds a worker must be unneeded before it is removed, > 0.
    pub scale_down_after: f64,
}

/// Which controller runs a workload's pods.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum WorkloadKind {
    /// A Deployment (the default): interchangeable pods, replaced anywhere.
    #[default]
    Deployment,
    /// A StatefulSet: pods with stable identities, each replaced only once
    /// the old one is known gone.
    StatefulSet,
}

/// A persistent volume of each replica (ReadWriteOnce).
#[derive(Clone, Debug, PartialEq)]
pub struct Volume {
    /// The volume lives in one zone (a cloud block disk), so its pod can run
    /// only there (default true).
    pub zonal: bool,
    /// Time to attach the volume to a pod's new node; not `never`.
    pub attach: Distribution,
    /// Seconds after which an unmounted volume of a node that is down is
    /// detached by force, > 0 (default [`DEFAULT_FORCE_DETACH`]).
    pub force_detach: f64,
}

/// kube-controller-manager's `maxWaitForUnmountDuration`: 6 minutes.
pub const DEFAULT_FORCE_DETACH: f64 = 360.0;

/// Required pod anti-affinity of a workload's replicas.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AntiAffinity {
    /// No rule (default).
    None,
    /// At most one replica per node.
    Host,
    /// At most one replica per rack (only with racks).
    Rack,
    /// At most one replica per zone.
    Zone,
}

/// A Deployment (written with kubenines' keys, or read from a Kubernetes
/// manifest: the two give the same value).
#[derive(Clone, PartialEq)]
pub struct Workload {
    /// Unique among workloads, `[a-z0-9-]+`; the indicator is `workload/NAME`.
    pub name: String,
    /// >= 1.
    pub replicas: u32,
    /// 1 <= min_available <= replicas (default 1). The workload is available
    /// iff at least this many replicas are ready; also its PodDisruptionBudget.
    pub min_available: u32,
    /// Time from a pod's start until it is ready (default `fixed(0)`; never `Never`).
    pub startup: Distribution,
    pub anti_affinity: AntiAffinity,
    /// Max skew of replicas between zones (topology spread, DoNotSchedule); >= 1.
    pub zone_spread: Option<u32>,
    /// Max skew of replicas between worker nodes (topology spread on
    /// `kubernetes.io/hostname`, DoNotSchedule); >= 1.
    pub host_spread: Option<u32>,
    /// Preferred rules (preferred pod anti-affinity, ScheduleAnyway topology
    /// spread): they rank feasible nodes and never make one infeasible.
    pub preferred: Preferred,
    /// The rollout's surge and unavailability, resolved for `replicas`;
    /// `None`: Kubernetes' defaults (see [`Workload::rollout`]).
    pub rolling_update: Option<RollingUpdate>,
    /// Seconds a rollout may go without progress; `None`: 600.
    pub progress_deadline: Option<f64>,
    /// Deployment (default) or StatefulSet.
    pub kind: WorkloadKind,
    /// Each replica's persistent volume; `None`: none. Issue 16.
    pub volume: Option<Volume>,
    /// Each pod's requests (zero by default). Issue 16.
    pub requests: Resources,
}

/// A Deployment's rolling update, in pods.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RollingUpdate {
    /// Pods above `replicas` a rollout may add.
    pub max_surge: u32,
    /// Pods below `replicas` a rollout may take away.
    pub max_unavailable: u32,
}

impl RollingUpdate {
    /// Kubernetes' `ResolveFenceposts`: `max_surge` rounded up and
    /// `max_unavailable` rounded down from a percentage of `replicas`; when
    /// both come to 0, `max_unavailable` is 1 (pkg/controller/deployment/
    /// util/deployment_util.go).
    pub fn resolve(max_surge: (u32, bool), max_unavailable: (u32, bool), replicas: u32) -> Self {
        let scale = |(v, percent): (u32, bool), up: bool| -> u32 {
            if !percent {
                return v;
            }
            let n = u64::from(v) * u64::from(replicas);
            (if up { n.div_ceil(100) } else { n / 100 }) as u32
        };
        let max_surge = scale(max_surge, true);
        let mut max_unavailable = scale(max_unavailable, false);
        if max_surge == 0 && max_unavailable == 0 {
            max_unavailable = 1;
        }
        RollingUpdate {
            max_surge,
            max_unavailable,
        }
    }
}

/// Kubernetes' default rolling update: 25% surge, 25% unavailable.
pub const DEFAULT_ROLLOUT_PERCENT: u32 = 25;

/// Kubernetes' default `progressDeadlineSeconds`.
pub const DEFAULT_PROGRESS_DEADLINE: f64 = 600.0;

impl Workload {
    /// The rolling update in force: as written, or Kubernetes' defaults.
    pub fn rollout(&self) -> RollingUpdate {
        self.rolling_update.unwrap_or_else(|| {
            RollingUpdate::resolve(
                (DEFAULT_ROLLOUT_PERCENT, true),
                (DEFAULT_ROLLOUT_PERCENT, true),
                self.replicas,
            )
        })
    }

    /// Seconds a rollout may go without progress.
    pub fn progress_deadline(&self) -> f64 {
        self.progress_deadline.unwrap_or(DEFAULT_PROGRESS_DEADLINE)
    }
}

/// Which domains a workload's preferred rules spread its replicas over
/// (`preferredDuringSchedulingIgnoredDuringExecution` anti-affinity, or a
/// topology spread constraint with `whenUnsatisfiable: ScheduleAnyway`).
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Preferred {
    /// Fewer replicas in the node's zone ranks a node first.
    pub zone: bool,
    /// Fewer replicas on the node itself (already the scheduler's first
    /// ranking without any rule).
    pub host: bool,
    /// Fewer replicas in the node's rack ranks a node before the node's own
    /// count (after the zone's, when zones are preferred too). Only with racks.
    pub rack: bool,
}

// By hand, so that rules without racks keep the form, and so the content
// hash, they had before racks existed.
impl std::fmt::Debug for Preferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Preferred");
        d.field("zone", &self.zone).field("host", &self.host);
        if self.rack {
            d.field("rack", &self.rack);
        }
        d.finish()
    }
}

// By hand, so that a workload without the keys added later (`host_spread`,
// preferred rules, `rolling_update`, `progress_deadline`, `kind`, `volume`,
// `requests`) keeps the form, and so the content hash, it had.
impl std::fmt::Debug for Workload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Workload");
        d.field("name", &self.name)
            .field("replicas", &self.replicas)
            .field("min_available", &self.min_available)
            .field("startup", &self.startup)
            .field("anti_affinity", &self.anti_affinity)
            .field("zone_spread", &self.zone_spread);
        if let Some(skew) = &self.host_spread {
            d.field("host_spread", skew);
        }
        if self.preferred != Preferred::default() {
            d.field("preferred", &self.preferred);
        }
        if let Some(r) = &self.rolling_update {
            d.field("rolling_update", r);
        }
        if let Some(p) = &self.progress_deadline {
            d.field("progress_deadline", p);
        }
        if self.kind != WorkloadKind::Deployment {
            d.field("kind", &self.kind);
        }
        if let Some(v) = &self.volume {
            d.field("volume", v);
        }
        if self.requests != Resources::default() {
            d.field("requests", &self.requests);
        }
        d.finish()
    }
}

/// Rolling maintenance of every host, one at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct Maintenance {
    /// Seconds between round starts, > 0.
    pub interval: f64,
    /// Seconds each host is down, >= 0.
    pub duration: f64,
}

#[derive(Clone, PartialEq)]
pub struct Simulation {
    /// Simulated time per replication, seconds, > 0 and finite.
    pub horizon: f64,
    /// Replications to run, >= 1: the fixed count, or, with `precision`, the
    /// most that may be run (the file's `max_replications`, at most
    /// `MAX_PRECISION_REPLICATIONS`).
    pub replications: u64,
    /// Master seed.
    pub seed: u64,
    /// Stop early once the indicator's interval is narrow enough (checked
    /// every `batch`); `None` runs exactly `replications`.
    pub precision: Option<Precision>,
    /// The event budget: a replication that processes more than this many
    /// events per simulated year (or per year, for horizons shorter than
    /// one) stops the run. `None`: [`DEFAULT_MAX_EVENTS_PER_YEAR`].
    pub max_events_per_year: Option<u64>,
}

/// The default event budget per simulated year: some 50,000 times what the
/// shipped production scenario needs (about 190), and over ten times a
/// 1,000-node cluster's, yet far below an outage storm's (a component
/// failing every second makes 31.5 million failures a year).
pub const DEFAULT_MAX_EVENTS_PER_YEAR: u64 = 10_000_000;

impl Simulation {
    /// The event budget per simulated year in force.
    pub fn max_events_per_year(&self) -> u64 {
        self.max_events_per_year
            .unwrap_or(DEFAULT_MAX_EVENTS_PER_YEAR)
    }
}

// By hand, so that the event budget, a limit on the run and not part of
// the design, leaves the form (and so the content hash) of a scenario
// without it as it was.
impl std::fmt::Debug for Simulation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Simulation");
        d.field("horizon", &self.horizon)
            .field("replications", &self.replications)
            .field("seed", &self.seed)
            .field("precision", &self.precision);
        if let Some(budget) = &self.max_events_per_year {
            d.field("max_events_per_year", budget);
        }
        d.finish()
    }
}

/// A precision target: run replications until the 95% interval of one
/// indicator's unavailability is narrow enough relative to its mean.
#[derive(Clone, Debug, PartialEq)]
pub struct Precision {
    /// An indicator key: etcd, api, control_plane or workload/NAME (one the
    /// scenario reports).
    pub indicator: String,
    /// Target half-width of the 95% interval of the unavailability, relative
    /// to its mean, in (0, 1).
    pub relative_half_width: f64,
    /// Replications between checks; a positive multiple of `BLOCK`
    /// (default `DEFAULT_PRECISION_BATCH`). May exceed `replications`, in
    /// which case the only check is at the end.
    pub batch: u64,
}

#[derive(Clone, PartialEq)]
pub struct Zones {
    /// Number of zones, >= 1 (default 1).
    pub count: u32,
    /// Time between outages of one zone (default `Never`).
    pub failure: Distribution,
    /// Zone outage length (required unless failure is `Never`; `Never` stands in otherwise).
    pub repair: Distribution,
    /// Racks within each zone; `None` when the file has no `zones.racks`.
    pub racks: Option<Racks>,
    /// Regions above the zones; `None` when the file has no `regions`.
    pub regions: Option<Regions>,
}

/// Regions: failure domains above zones, each with its own outages; a
/// region outage takes every zone of the region down at once.
#[derive(Clone, Debug, PartialEq)]
pub struct Regions {
    /// Number of regions, >= 1; each holds at least one zone.
    pub count: u32,
    /// Time between outages of one region (default `Never`).
    pub failure: Distribution,
    /// Region outage length (required unless failure is `Never`; `Never` stands in otherwise).
    pub repair: Distribution,
    /// The region of each zone, 0-based, length `zones.count` (from the
    /// file's 1-based `zones.region_of`; every zone in region 0 without it).
    pub of_zone: Vec<u32>,
}

// By hand, so that zones without racks keep the form, and so the content
// hash, they had before racks existed.
impl std::fmt::Debug for Zones {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Zones");
        d.field("count", &self.count)
            .field("failure", &self.failure)
            .field("repair", &self.repair);
        if let Some(racks) = &self.racks {
            d.field("racks", racks);
        }
        if let Some(regions) = &self.regions {
            d.field("regions", regions);
        }
        d.finish()
    }
}

/// Racks: failure domains below zones, `per_zone` in every zone, each with
/// its own outages, and the rack of every host.
#[derive(Clone, Debug, PartialEq)]
pub struct Racks {
    /// Racks in each zone, >= 1; zones.count × per_zone is at most `MAX_RACKS`.
    pub per_zone: u32,
    /// Time between outages of one rack (default `Never`).
    pub failure: Distribution,
    /// Rack outage length (required unless failure is `Never`; `Never` stands in otherwise).
    pub repair: Distribution,
    /// Rack of each control-plane host within its zone, 0-based, length
    /// `control_plane.nodes`. Without the file's `rack_placement` (1-based
    /// there), round-robin: see [`Racks::round_robin`].
    pub control_plane: Vec<u32>,
    /// Likewise for the external etcd hosts (empty when stacked).
    pub etcd_hosts: Vec<u32>,
    /// Likewise for the workers (empty without workers).
    pub workers: Vec<u32>,
}

impl Racks {
    /// The default racks of hosts in `zones` (each host's 0-based zone, in
    /// declaration order: control-plane hosts, etcd hosts, workers), given
    /// `counted[z]` hosts of zone z declared before them: the k-th host of a
    /// zone (0-based, over every group) is in rack k mod `per_zone`.
    /// `counted` is advanced past these hosts.
    pub fn round_robin(per_zone: u32, zones: &[u32], counted: &mut [u32]) -> Vec<u32> {
        zones
            .iter()
            .map(|&z| {
                let k = &mut counted[z as usize];
                let rack = *k % per_zone;
                *k += 1;
                rack
            })
            .collect()
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Topology {
    Stacked,
    External,
}

/// Failure and repair of one class of host.
#[derive(Clone, Debug, PartialEq)]
pub struct HostSpec {
    pub failure: Distribution,
    pub repair: Distribution,
}

#[derive(Clone, PartialEq)]
pub struct ControlPlane {
    pub topology: Topology,
    /// Control-plane hosts cp-1..cp-N, N >= 1.
    pub nodes: u32,
    /// Zone of each control-plane host, 0-based, length `nodes`.
    /// Filled round-robin (0, 1, ..., count-1, 0, ...) when the file has no `placement`.
    /// (The file's `placement` is 1-based; the parser converts.)
    pub placement: Vec<u32>,
    pub node: HostSpec,
    /// Probability that a control-plane host's failure destroys its local
    /// data (its etcd member's, when stacked), in [0, 1]; default 0.
    pub node_disk_loss: f64,
    /// External topology only: etcd hosts etcd-1..etcd-M, M >= 1. `None` for stacked.
    pub etcd_hosts: Option<EtcdHosts>,
    pub etcd: Etcd,
    pub leader_election: LeaderElection,
    /// Failure and repair of each load-balancer instance (`single`, `pair`),
    /// or outages of the whole service (`cloud`, where they are optional).
    /// `None` when the file says `load_balancer: none`, or for a `cloud` one
    /// without outages.
    pub load_balancer: Option<HostSpec>,
    /// The load balancer's kind and what comes with it; `None` when the file
    /// says `load_balancer: none`. A scenario built in code with a
    /// `load_balancer` and no kind means `single` with no zone.
    pub load_balancer_kind: Option<LoadBalancerKind>,
    /// How the load balancer notices apiservers going and coming back;
    /// `None`: at once.
    pub health_check: Option<HealthCheck>,
    /// Which apiserver the scheduler and controller-manager use (default
    /// `Kubeadm`).
    pub wiring: Wiring,
    /// Crashes of each kube-apiserver process (restarted by the kubelet),
    /// independent of its host. `None`: apiservers fail only with their host.
    pub apiserver: Option<HostSpec>,
    /// Crashes of each etcd member process, independent of its host.
    pub etcd_member: Option<HostSpec>,
    /// The certificates' lifetime and renewal; `None`: they never expire.
    pub certificates: Option<Certificates>,
    /// Failed control-plane hosts are replaced, not repaired in place;
    /// `None`: repaired in place.
    pub replacement: Option<Replacement>,
    /// Failed external etcd hosts are replaced (external topology only);
    /// `None`: repaired in place. Issue 16, as `replacement`.
    pub etcd_replacement: Option<Replacement>,
}

// By hand, so that a control plane without the keys added later
// (`certificates`, `replacement`, `etcd_replacement`) keeps the form, and
// so the content hash, it had.
impl std::fmt::Debug for ControlPlane {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("ControlPlane");
        d.field("topology", &self.topology)
            .field("nodes", &self.nodes)
            .field("placement", &self.placement)
            .field("node", &self.node)
            .field("node_disk_loss", &self.node_disk_loss)
            .field("etcd_hosts", &self.etcd_hosts)
            .field("etcd", &self.etcd)
            .field("leader_election", &self.leader_election)
            .field("load_balancer", &self.load_balancer)
            .field("load_balancer_kind", &self.load_balancer_kind)
            .field("health_check", &self.health_check)
            .field("wiring", &self.wiring)
            .field("apiserver", &self.apiserver)
            .field("etcd_member", &self.etcd_member);
        if let Some(c) = &self.certificates {
            d.field("certificates", c);
        }
        if let Some(r) = &self.replacement {
            d.field("replacement", r);
        }
        if let Some(r) = &self.etcd_replacement {
            d.field("etcd_replacement", r);
        }
        d.finish()
    }
}

/// The control plane's certificates.
#[derive(Clone, Debug, PartialEq)]
pub struct Certificates {
    /// Seconds from a renewal (or t = 0) to expiry, > 0.
    pub lifetime: f64,
    /// Index into [`Scenario::changes`] of the change (targeting the control
    /// plane) whose completion renews them; `None` for `never`.
    pub renewed_by: Option<usize>,
    /// Time from an expiry to the operator's renewal.
    pub renew: Distribution,
}

/// What a change reaches.
#[derive(Clone, Debug, PartialEq)]
pub enum ChangeTarget {
    /// Each control-plane host's kube-apiserver, scheduler and controller-manager.
    ControlPlane,
    /// Each etcd member.
    Etcd,
    /// Each worker node (kubelet, container runtime, OS image).
    Workers,
    /// Each load-balancer instance.
    LoadBalancer,
    /// The pods of workload `i` (an index into [`Scenario::workloads`]).
    Workload(usize),
}

/// A change rolled out again and again.
#[derive(Clone, Debug, PartialEq)]
pub struct Change {
    /// `[a-z0-9-]+`, unique among changes; the cause `change/NAME` in results.
    pub name: String,
    /// Time between the starts of two changes (a renewal process from t = 0).
    pub every: Distribution,
    pub target: ChangeTarget,
    /// Targets per step; `None` for all at once.
    pub batch: Option<u32>,
    /// Seconds between a step's end and the next step.
    pub pause: f64,
    /// Time a target is down while a good change restarts it.
    pub restart: Distribution,
    /// Probability that a change is bad, in [0, 1].
    pub bad: f64,
    /// Probability that a gate catches a bad change on a step, in [0, 1].
    pub caught: f64,
    /// Time from a bad change's first step to its detection (when not caught).
    pub detection: Distribution,
    /// Time to roll a bad change back.
    pub rollback: Distribution,
}

/// The kind of load balancer in front of the apiservers. Zones are 0-based.
#[derive(Clone, Debug, PartialEq)]
pub enum LoadBalancerKind {
    /// One instance, in `zone` (down while its zone is) or in none (zone
    /// outages do not reach it). With `new_address_ttl`, a repaired instance
    /// has a new address that clients reach only after that DNS TTL (seconds).
    Single {
        zone: Option<u32>,
        new_address_ttl: Option<f64>,
    },
    /// Two instances active-standby behind a virtual IP (keepalived VRRP,
    /// kube-vip): the standby takes over after `failover`, succeeding with
    /// probability `failover_success` in (0, 1]; no preemption.
    Pair {
        placement: [u32; 2],
        failover: Distribution,
        failover_success: f64,
    },
    /// A managed load balancer with a node in every zone that holds a
    /// control-plane host, behind DNS: a lost node's address is withdrawn
    /// after `detection` seconds, and clients follow after `ttl` seconds.
    Cloud { detection: f64, ttl: f64 },
}

/// The load balancer's active health check of the apiservers.
#[derive(Clone, Debug, PartialEq)]
pub struct HealthCheck {
    /// Seconds between checks, > 0 (default 10).
    pub interval: f64,
    /// Failed checks in a row before an apiserver is out of rotation, >= 1 (default 3).
    pub unhealthy_threshold: u32,
    /// Passed checks in a row before it is back in rotation, >= 1 (default 3).
    pub healthy_threshold: u32,
}

/// Which apiserver the scheduler and controller-manager talk to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wiring {
    /// kubeadm's: each to its own host's apiserver, and a stacked apiserver
    /// to its local etcd member only.
    #[default]
    Kubeadm,
    /// The scheduler and controller-manager go through the load balancer.
    LoadBalancer,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EtcdHosts {
    pub nodes: u32,
    /// Zone of each etcd host, 0-based, length `nodes`, round-robin by default.
    pub placement: Vec<u32>,
    pub node: HostSpec,
    /// Probability that an etcd host's failure destroys its data, in [0, 1]; default 0.
    pub disk_loss: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Etcd {
    /// Leaderless time after quorum is (re)gained or the leader is lost.
    /// Default `uniform(min=1s, max=2s)`.
    pub election: Distribution,
    /// Time to replace an emptied member (remove, add, resync), which needs
    /// etcd writable. Present whenever a disk can be lost and etcd has more
    /// than one member.
    pub member_replace: Option<Distribution>,
}

/// Periodic snapshots: one at every multiple of `interval` from t = 0.
#[derive(Clone, Debug, PartialEq)]
pub struct Backups {
    /// Seconds between snapshot starts, > 0.
    pub interval: f64,
    /// Seconds a snapshot takes, >= 0 and < interval.
    pub duration: f64,
    /// Probability a snapshot succeeds, in (0, 1].
    pub success: f64,
}

/// What a backup holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupKind {
    /// An etcd snapshot: restores etcd.
    Etcd,
    /// A Velero backup of workloads' namespaces and volumes.
    Velero,
}

/// When an entry's backups start.
#[derive(Clone, Debug, PartialEq)]
pub enum BackupSchedule {
    /// At every multiple of this many seconds from t = 0.
    Interval(f64),
    /// At the fire times of a cron schedule (UTC; t = 0 is a Monday, 1 January, 00:00).
    Cron(Box<super::cron::CronSchedule>),
}

/// Where an entry's backups are kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BackupStorage {
    /// Away from the cluster's regions: always reachable.
    OffSite,
    /// In a region of the cluster: `region` (0-based) with `regions`,
    /// `None` without (nothing takes the store away then).
    SameRegion { region: Option<u32> },
}

/// One entry of `backups`: etcd snapshots or Velero backups on a schedule.
#[derive(Clone, Debug, PartialEq)]
pub struct BackupEntry {
    /// `[a-z0-9-]+`, unique among the entries (`etcd` for the one mapping).
    pub name: String,
    pub kind: BackupKind,
    pub schedule: BackupSchedule,
    /// Seconds a backup takes, >= 0 and shorter than the time between two.
    pub duration: f64,
    /// Probability a backup succeeds, in (0, 1].
    pub success: f64,
    /// Seconds after its start that a backup can still be restored (infinite: kept).
    pub ttl: f64,
    /// For `velero`: the workloads backed up (indices into `workloads`).
    pub include: Vec<usize>,
    pub storage: BackupStorage,
    /// The job failing unnoticed now and then; `None`: never.
    pub silent_failure: Option<SilentFailure>,
    /// Restore tests, which find a silent failure; `None`: none.
    pub restore_tests: Option<RestoreTests>,
}

/// A backup job failing unnoticed: every backup it makes is unusable from
/// a failure's start until it is found and fixed.
#[derive(Clone, Debug, PartialEq)]
pub struct SilentFailure {
    /// From the job's start, or its last fix, until it fails.
    pub every: Distribution,
    /// From a failure being found until the job is fixed.
    pub fix: Distribution,
}

/// Restores tried at every multiple of `interval` from t = 0.
#[derive(Clone, Debug, PartialEq)]
pub struct RestoreTests {
    /// Seconds between tests.
    pub interval: f64,
    /// Seconds until a test's result is known.
    pub duration: f64,
}

impl From<&Backups> for BackupEntry {
    fn from(b: &Backups) -> Self {
        BackupEntry {
            name: "etcd".into(),
            kind: BackupKind::Etcd,
            schedule: BackupSchedule::Interval(b.interval),
            duration: b.duration,
            success: b.success,
            ttl: f64::INFINITY,
            include: Vec::new(),
            storage: BackupStorage::OffSite,
            silent_failure: None,
            restore_tests: None,
        }
    }
}

/// What a disaster destroys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisasterScope {
    /// Every etcd member's data (the API goes down).
    Etcd,
    /// One workload's data (index into `workloads`); the API stays up.
    Workload(usize),
    /// Every workload's data; the API stays up.
    AllWorkloads,
}

/// How long the operator's recovery takes.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// Seconds from an unrecoverable state (or a disaster) to the operator acting.
    pub detection: f64,
    /// Forcing a new cluster from the most current intact member.
    pub force_new_cluster: Distribution,
    /// Restoring the last successful backup.
    pub restore: Distribution,
}

/// A logical disaster (etcd corruption, an accidental delete): strikes all
/// members at once; only a restore undoes it.
#[derive(Clone, PartialEq)]
pub struct Disaster {
    /// `[a-z0-9-]+`, unique among disasters; the cause's name in results.
    pub name: String,
    /// Time between strikes (a renewal process from t = 0).
    pub every: Distribution,
    pub scope: DisasterScope,
    /// For a workload scope: seconds until the operator acts (`None`:
    /// `recovery.detection`).
    pub detection: Option<f64>,
    /// For a workload scope: the restore (`None`: `recovery.restore`).
    pub restore: Option<Distribution>,
}

// By hand, so that an etcd disaster without the keys added later keeps the
// form, and so the content hash, it had.
impl std::fmt::Debug for Disaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Disaster");
        d.field("name", &self.name).field("every", &self.every);
        if self.scope != DisasterScope::Etcd {
            d.field("scope", &self.scope);
        }
        if let Some(x) = &self.detection {
            d.field("detection", x);
        }
        if let Some(x) = &self.restore {
            d.field("restore", x);
        }
        d.finish()
    }
}

/// A service-level objective, judged by `check`.
#[derive(Clone, PartialEq)]
pub enum Slo {
    /// `indicator` (one of the run's indicator keys) is available at least
    /// `target` of the time; `target` is a fraction, e.g. 0.9995 for `99.95%`.
    Availability { indicator: String, target: f64 },
    /// `indicator` (one with client requests: `api`) serves at least a
    /// time-average share `target` of its client requests successfully
    /// (`request_success` in results); a fraction, as for `Availability`.
    RequestSuccess { indicator: String, target: f64 },
    /// The `quantile` (in (0, 1)) of the RPO or RTO distribution is at most
    /// `max` seconds, over the events of `scope` (`etcd` or
    /// `workload/NAME`; `None`: every event).
    DataLoss {
        metric: DataMetric,
        quantile: f64,
        max: f64,
        scope: Option<String>,
    },
}

/// As derived, but a data-loss SLO's `scope` only when set (so that the
/// content hash of a scenario without it is as before it existed).
impl std::fmt::Debug for Slo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Slo::Availability { indicator, target } => f
                .debug_struct("Availability")
                .field("indicator", indicator)
                .field("target", target)
                .finish(),
            Slo::RequestSuccess { indicator, target } => f
                .debug_struct("RequestSuccess")
                .field("indicator", indicator)
                .field("target", target)
                .finish(),
            Slo::DataLoss {
                metric,
                quantile,
                max,
                scope,
            } => {
                let mut d = f.debug_struct("DataLoss");
                d.field("metric", metric)
                    .field("quantile", quantile)
                    .field("max", max);
                if let Some(scope) = scope {
                    d.field("scope", scope);
                }
                d.finish()
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataMetric {
    Rpo,
    Rto,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LeaderElection {
    /// Seconds, default 15.
    pub lease_duration: f64,
    /// Seconds, default 10.
    pub renew_deadline: f64,
    /// Seconds, default 2.
    pub retry_period: f64,
    /// Whether a gracefully stopped leader releases its lease: index 0 the
    /// scheduler, 1 the controller-manager. Default `[true, false]`.
    pub release_on_stop: [bool; 2],
}

impl Scenario {
    /// A fingerprint of what the scenario simulates, `sha256:` and 64 hex
    /// digits: the same for the same settings whatever the file's format,
    /// layout, comments, key order or units (`1h` or `60m`), and whatever
    /// its `description`. The seed, the number of replications and the
    /// event budget are not part of it; results record them beside it. Stable within one version
    /// of kubenines (it hashes the settings as this version reads them).
    pub fn content_hash(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut s = self.clone();
        s.source.clear();
        s.warnings.clear();
        s.description = None;
        s.simulation.replications = 0;
        s.simulation.seed = 0;
        s.simulation.max_events_per_year = None;
        let digest = Sha256::digest(format!("{s:?}").as_bytes());
        format!("sha256:{digest:x}")
    }
}

impl ControlPlane {
    /// Number of etcd members: the control-plane hosts when stacked, the etcd hosts when external.
    pub fn etcd_members(&self) -> u32 {
        match &self.etcd_hosts {
            Some(e) => e.nodes,
            None => self.nodes,
        }
    }

    /// How many times `cost.load_balancer` is charged: two instances for a
    /// `pair`, one for any other load balancer, none without one.
    pub fn load_balancer_instances(&self) -> u32 {
        match &self.load_balancer_kind {
            Some(LoadBalancerKind::Pair { .. }) => 2,
            Some(_) => 1,
            None => u32::from(self.load_balancer.is_some()),
        }
    }

    /// Probability that a failure of an etcd member's host destroys the
    /// member's data: the control-plane hosts' `disk_loss` when stacked, the
    /// etcd hosts' when external (where control-plane hosts hold no etcd data).
    pub fn etcd_disk_loss(&self) -> f64 {
        match &self.etcd_hosts {
            Some(e) => e.disk_loss,
            None => self.node_disk_loss,
        }
    }
}

impl ControlPlane {
    /// When etcd's hosts are replaced on failure (their data lost every
    /// time), the key that says so: `control_plane.replacement` when
    /// stacked, `control_plane.etcd_replacement` when external.
    pub fn etcd_replacement_key(&self) -> Option<&'static str> {
        match (&self.etcd_hosts, &self.replacement, &self.etcd_replacement) {
            (None, Some(_), _) => Some("control_plane.replacement"),
            (Some(_), _, Some(_)) => Some("control_plane.etcd_replacement"),
            _ => None,
        }
    }
}

impl Scenario {
    /// The backups as one list: the one mapping's etcd snapshots, or the
    /// list's entries.
    pub fn backup_entries(&self) -> Vec<BackupEntry> {
        match &self.backups {
            Some(b) => vec![b.into()],
            None => self.backup_list.clone(),
        }
    }

    /// Whether etcd's data can be lost: a host's disk (or its
    /// replacement), or a disaster of scope `etcd`.
    pub fn can_lose_etcd_data(&self) -> bool {
        self.control_plane.etcd_disk_loss() > 0.0
            || self.control_plane.etcd_replacement_key().is_some()
            || self
                .disasters
                .iter()
                .any(|d| d.scope == DisasterScope::Etcd)
    }

    /// Whether etcd data can be lost at all: a host's disk (or its
    /// replacement), or a disaster. When it can, `recovery` is present.
    pub fn can_lose_data(&self) -> bool {
        self.control_plane.etcd_disk_loss() > 0.0
            || self.control_plane.etcd_replacement_key().is_some()
            || !self.disasters.is_empty()
    }
}
