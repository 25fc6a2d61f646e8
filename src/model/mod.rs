//! The Kubernetes semantics of docs/model.md: what a cluster is made of, how each
//! part fails and recovers, and when each indicator is up.
//!
//! [`Model`] is built once from a [`Scenario`]: the static structure (hosts,
//! zones, etcd members, workers, workloads, maintenance) and the samplers. [`Cluster`] is the mutable state of
//! one replication; a worker thread keeps one and reuses it.

mod api_path;
mod bits;
mod causes;
mod cluster;
mod controllers;
mod endpoint;
mod etcd;
mod fleet;
mod infrastructure;
mod operations;
mod streams;
mod workloads;

pub use api_path::{HealthCheck, LoadBalancerKind, Wiring};
pub use causes::{CAUSES, Cause, CauseList};
pub use cluster::{
    ABSENT, Census, Cluster, IndicatorRun, Probe, ReplicationRun, Sink, TraceRow, UP,
};
pub use fleet::{Change, FleetClusterModel, FleetModel, ServiceModel, ServiceRun, cluster_seed};
pub use operations::{DataRun, Loss};

use crate::engine::Sampler;
use crate::engine::sampler::SamplerError;
use crate::scenario::{
    AntiAffinity, BackupKind, BackupSchedule, DisasterScope, Distribution, HostSpec, Recovery,
    RestoreTests, Scenario, Topology, YEAR_SECONDS,
};

/// Generations (of elections, lease plans, API outages) only tell a live
/// plan from a stale one; they wrap at 24 bits so they fit in a packed event.
pub(crate) const GENERATION_MASK: u32 = (1 << 24) - 1;

/// The generation after `g`.
pub(crate) fn next_generation(g: u32) -> u32 {
    g.wrapping_add(1) & GENERATION_MASK
}

/// Keeps an up-count in step with one member going up or down.
#[inline]
pub(crate) fn count(n: &mut u32, up: bool) {
    if up { *n += 1 } else { *n -= 1 }
}

/// The position of the k-th (0-based) `true` among `up`.
#[inline]
pub(crate) fn nth_true(up: impl Iterator<Item = bool>, k: u32) -> u16 {
    let mut seen = 0;
    for (i, u) in up.enumerate() {
        if u {
            if seen == k {
                return i as u16;
            }
            seen += 1;
        }
    }
    0
}

/// What each indicator means; the order is the order of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Indicator {
    /// etcd writable: quorum of members up and a leader elected.
    Etcd,
    /// The endpoint reaches an up apiserver, and etcd is writable.
    Api,
    /// `api`, and both scheduler and controller-manager hold a leader.
    ControlPlane,
}

impl Indicator {
    /// The indicator's key in results (INTERFACE.md).
    pub fn key(self) -> &'static str {
        match self {
            Indicator::Etcd => "etcd",
            Indicator::Api => "api",
            Indicator::ControlPlane => "control_plane",
        }
    }
}

/// The control plane's indicators, in result order; `workload/NAME`
/// indicators follow them, one per workload in the scenario's order.
pub const INDICATORS: [Indicator; 3] = [Indicator::Etcd, Indicator::Api, Indicator::ControlPlane];

/// Failure and repair samplers of one class of component.
#[derive(Clone, Debug)]
pub struct Lifecycle {
    pub failure: Sampler,
    pub repair: Sampler,
}

/// What runs on a host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Control-plane host `i` (0-based): apiserver, scheduler, controller-manager,
    /// and, when stacked, etcd member `i`.
    ControlPlane(u16),
    /// External etcd host `j`: etcd member `j`.
    Etcd(u16),
    /// Worker `k` (0-based): runs the workloads' pods.
    Worker(u16),
}

/// A host's fixed facts.
#[derive(Clone, Debug)]
pub struct Host {
    pub role: Role,
    /// 0-based zone.
    pub zone: u16,
    /// Rack, numbered over all zones (zone × [`Model::racks_per_zone`] +
    /// its 0-based rack in the zone); 0 in a model without racks.
    pub rack: u16,
    /// The etcd member it holds, if any.
    pub member: Option<u16>,
    /// Index into [`Model::host_classes`].
    pub class: u8,
}

/// A scenario compiled for simulation.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub seed: u64,
    /// Seconds simulated per replication.
    pub horizon: f64,
    pub zones: u16,
    pub zone_lifecycle: Lifecycle,
    /// Racks in each zone; 0 without racks.
    pub racks_per_zone: u16,
    /// Failure and repair of each rack (both `never` without racks).
    pub rack_lifecycle: Lifecycle,
    /// Regions above the zones; 0 without regions.
    pub regions: u16,
    /// The 0-based region of each zone (empty without regions).
    pub zone_region: Vec<u16>,
    /// Failure and repair of each region (both `never` without regions).
    pub region_lifecycle: Lifecycle,
    /// Control-plane hosts first (cp-1..), then external etcd hosts.
    pub hosts: Vec<Host>,
    pub host_classes: Vec<Lifecycle>,
    /// Number of control-plane hosts (they are `hosts[..cp_hosts]`).
    pub cp_hosts: u16,
    /// Host of each etcd member.
    pub member_hosts: Vec<u16>,
    /// etcd quorum: floor(M / 2) + 1.
    pub quorum: u32,
    pub election: Sampler,
    /// Failure and repair of each load-balancer instance (`single`, `pair`),
    /// or outages of the whole service (`cloud`; `None` if it has none).
    /// `None` without a load balancer.
    pub load_balancer: Option<Lifecycle>,
    /// The load balancer's kind; `None` with `load_balancer: none`.
    pub lb_kind: Option<LoadBalancerKind>,
    /// The load balancer's health check of the apiservers; `None`: it sees
    /// an apiserver go and come back at once.
    pub health_check: Option<HealthCheck>,
    /// Which apiserver the scheduler and controller-manager talk to.
    pub wiring: Wiring,
    /// Whether a gracefully stopped leader releases its lease, by
    /// kube-scheduler (0) and kube-controller-manager (1).
    pub release_on_stop: [bool; 2],
    /// Crashes of each kube-apiserver process, independent of its host.
    pub apiserver_crash: Option<Lifecycle>,
    /// Crashes of each etcd member process, independent of its host.
    pub member_crash: Option<Lifecycle>,
    pub lease_duration: f64,
    pub renew_deadline: f64,
    pub retry_period: f64,
    /// Index in `hosts` of the first worker; workers are `hosts[first_worker..]`.
    pub first_worker: u16,
    /// Number of workers: those of `workers.nodes`, then the cluster
    /// autoscaler's slots (see [`AutoscalerModel`]).
    pub workers: u16,
    /// The cluster autoscaler; `None` without one.
    pub autoscaler: Option<AutoscalerModel>,
    /// Seconds from a worker going down to NotReady.
    pub node_monitor_grace_period: f64,
    /// Seconds from NotReady to the eviction of its pods.
    pub eviction_timeout: f64,
    pub workloads: Vec<WorkloadModel>,
    pub maintenance: Option<MaintenanceModel>,
    /// Per host class: probability that a host failure destroys its data.
    pub disk_loss: Vec<f64>,
    /// Per host class: failed hosts are replaced (see [`ReplacementModel`]).
    pub replacement: Vec<Option<ReplacementModel>>,
    /// From a worker's NotReady mark until the operator taints it
    /// out-of-service; `None`: never.
    pub out_of_service: Option<Sampler>,
    /// Each worker's room for pods; `None`: room for any pods.
    pub worker_capacity: Option<CapacityModel>,
    /// Replacing an emptied member (needs etcd writable).
    pub member_replace: Option<Sampler>,
    /// The backup entries, in the scenario's order (the one mapping's
    /// snapshots as one `etcd` entry).
    pub backups: Vec<BackupModel>,
    pub recovery: Option<RecoveryModel>,
    pub disasters: Vec<DisasterModel>,
    /// Data can be lost (a disk loss above 0, or a disaster): members' data,
    /// sync points, backups and recoveries are tracked.
    pub data_at_risk: bool,
    /// Monthly cost of the design's hosts and load balancer (`cost` in the
    /// scenario); `None` without `cost`.
    pub monthly_cost: Option<f64>,
    /// Currency of `monthly_cost` (`USD` when the scenario gives none).
    pub currency: String,
    /// Skip the `PodReady` events that cannot change an indicator (see
    /// `Cluster`'s lazy readiness). On by default; results are identical
    /// either way, which a test checks by turning it off.
    pub lazy_readiness: bool,
    /// The most events one replication may process: the scenario's budget
    /// per simulated year times the horizon in years (at least one).
    pub event_limit: u64,
    /// The causes downtime is charged to, in result order.
    pub causes: CauseList,
    /// Changes, in the scenario's order.
    pub changes: Vec<ChangeModel>,
    /// The control plane's certificates; `None`: they never expire.
    pub certificates: Option<CertificatesModel>,
    /// A cluster of a fleet: the fleet's seed, which keys its region
    /// streams, and the fleet's (0-based) region that is its region 0.
    /// `None` for a scenario of its own.
    pub shared_region: Option<(u64, u32)>,
    /// A fleet: its clusters and services; this model is then only the
    /// fleet's face (name, seed, horizon, indicators) and is never run as a
    /// cluster. `None` for a scenario.
    pub fleet: Option<Box<FleetModel>>,
}

/// What a change reaches, target by target.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeTarget {
    /// Control-plane host i's kube-apiserver, scheduler and controller-manager.
    ControlPlane,
    /// etcd member j.
    Etcd,
    /// Worker k (a node-level change).
    Workers,
    /// Load-balancer instance k.
    LoadBalancer,
    /// The pods of workload w.
    Workload(u16),
}

/// A change, compiled.
#[derive(Clone, Debug)]
pub struct ChangeModel {
    pub name: String,
    pub every: Sampler,
    pub target: ChangeTarget,
    /// Number of targets.
    pub targets: u16,
    /// Targets per step (all of them for `all_at_once`), at least 1.
    pub batch: u16,
    /// Seconds between a step's end and the next step.
    pub pause: f64,
    pub restart: Sampler,
    pub bad: f64,
    pub caught: f64,
    pub detection: Sampler,
    pub rollback: Sampler,
}

impl ChangeModel {
    /// Number of steps a change takes.
    pub fn steps(&self) -> u16 {
        self.targets.div_ceil(self.batch)
    }
}

/// The control plane's certificates, compiled.
#[derive(Clone, Debug)]
pub struct CertificatesModel {
    pub lifetime: f64,
    /// The change whose completion renews them.
    pub renewed_by: Option<u16>,
    pub renew: Sampler,
}

/// A Deployment, compiled.
#[derive(Clone, Debug)]
pub struct WorkloadModel {
    pub name: String,
    pub replicas: u32,
    pub min_available: u32,
    pub startup: Sampler,
    pub anti_affinity: AntiAffinity,
    pub zone_spread: Option<u32>,
    pub host_spread: Option<u32>,
    /// A preferred rule spreads over zones: the zone's count ranks before
    /// the node's.
    pub prefer_zone: bool,
    /// Pod slots: `replicas`, plus `max_surge` when a change rolls out to it.
    pub slots: u32,
    /// Pods a rollout may add above `replicas`.
    pub max_surge: u32,
    /// Pods a rollout may take away below `replicas`.
    pub rollout_unavailable: u32,
    /// Seconds a rollout may go without progress before it is rolled back.
    pub progress_deadline: f64,
    /// A preferred rule spreads over racks: the rack's count ranks before
    /// the node's (after the zone's, with `prefer_zone`).
    pub prefer_rack: bool,
    /// A StatefulSet: a pod on a node that is down is not replaced until
    /// the Node is deleted or tainted out-of-service.
    pub stateful: bool,
    /// Each replica's persistent volume (ReadWriteOnce).
    pub volume: Option<VolumeModel>,
    /// What each pod requests: CPU in millicores, memory in bytes.
    pub requests: (u64, u64),
}

/// What one worker holds for pods (its allocatable resources).
#[derive(Clone, Copy, Debug)]
pub struct CapacityModel {
    /// CPU in millicores.
    pub cpu: u64,
    /// Memory in bytes.
    pub memory: u64,
    /// The most pods (the kubelet's maxPods).
    pub pods: u32,
}

/// The cluster autoscaler, compiled. Each zone with workers gets
/// `max_workers - workers.nodes` slots for the workers it may add (workers
/// `first_slot..`, zone by zone), empty at the start.
#[derive(Clone, Debug)]
pub struct AutoscalerModel {
    pub scale_up: Sampler,
    pub max_workers: u32,
    pub scale_down_after: f64,
    /// The first slot (a worker index): the workers of `workers.nodes` are
    /// `0..first_slot`.
    pub first_slot: u16,
}

/// A replica's persistent volume, compiled.
#[derive(Clone, Debug)]
pub struct VolumeModel {
    /// The volume stays in the zone of the node its pod first ran on.
    pub zonal: bool,
    pub attach: Sampler,
    /// Seconds after a pod left a node that is down until its volume is
    /// detached by force (kube-controller-manager's maxWaitForUnmountDuration).
    pub force_detach: f64,
}

/// Failed hosts of a class are replaced, not repaired in place.
#[derive(Clone, Debug)]
pub struct ReplacementModel {
    /// From a host's failure to the deletion of its instance (and Node).
    pub after: Sampler,
    /// From the deletion until the new, empty host has joined.
    pub provision: Sampler,
}

/// The operator's recovery from a quorum loss that does not heal, or a disaster.
#[derive(Clone, Debug)]
pub struct RecoveryModel {
    pub detection: f64,
    pub force_new_cluster: Sampler,
    pub restore: Sampler,
}

/// A logical disaster and the time between its strikes.
#[derive(Clone, Debug)]
pub struct DisasterModel {
    pub name: String,
    pub every: Sampler,
    /// What it destroys.
    pub scope: DisasterScope,
    /// For a workload scope: the operator's delay and the restore.
    pub detection: f64,
    pub restore: Sampler,
}

/// One entry of `backups`.
#[derive(Clone, Debug)]
pub struct BackupModel {
    /// Its name in results.
    pub name: String,
    pub kind: BackupKind,
    pub schedule: BackupSchedule,
    pub duration: f64,
    pub success: f64,
    /// A backup can be restored until this long after its start.
    pub ttl: f64,
    /// For `velero`: the workloads it holds.
    pub include: Vec<usize>,
    /// Silent failures: the time until the job fails, and its fix once found.
    pub silent: Option<(Sampler, Sampler)>,
    /// Restore tests.
    pub tests: Option<RestoreTests>,
    /// The region its store is in (0-based), for a `same_region` store in
    /// a scenario with regions: unreachable while that region is down.
    pub store_region: Option<u16>,
}

/// Rolling maintenance: every `interval` seconds, each host in turn is down
/// for `duration` seconds.
#[derive(Clone, Copy, Debug)]
pub struct MaintenanceModel {
    pub interval: f64,
    pub duration: f64,
}

/// Why a scenario could not be compiled (should not happen after validation).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct BuildError(pub String);

/// The sampler for a distribution as the user wrote it.
pub fn sampler(d: &Distribution) -> Result<Sampler, SamplerError> {
    match *d {
        Distribution::Exponential { mean } => Sampler::exponential(mean),
        Distribution::Weibull { shape, scale } => Sampler::weibull(shape, scale),
        Distribution::LogNormal { mu, sigma } => Sampler::lognormal(mu, sigma),
        Distribution::Gamma { shape, scale } => Sampler::gamma(shape, scale),
        Distribution::Uniform { min, max } => Sampler::uniform(min, max),
        Distribution::Fixed(v) => Sampler::fixed(v),
        Distribution::Never => Ok(Sampler::Never),
    }
}

fn lifecycle(
    what: &str,
    failure: &Distribution,
    repair: &Distribution,
) -> Result<Lifecycle, BuildError> {
    let err = |e: SamplerError| BuildError(format!("{what}: {e}"));
    Ok(Lifecycle {
        failure: sampler(failure).map_err(err)?,
        repair: sampler(repair).map_err(err)?,
    })
}

fn host_lifecycle(what: &str, spec: &HostSpec) -> Result<Lifecycle, BuildError> {
    lifecycle(what, &spec.failure, &spec.repair)
}

fn small(what: &str, n: usize) -> Result<u16, BuildError> {
    u16::try_from(n).map_err(|_| BuildError(format!("too many {what}: {n}")))
}

/// A change, compiled: its targets counted in the built model.
fn change_model(
    c: &crate::scenario::Change,
    cp_hosts: u16,
    members: usize,
    workers: u16,
    workloads: &[WorkloadModel],
    lb_instances: u16,
) -> Result<ChangeModel, BuildError> {
    use crate::scenario::ChangeTarget as T;
    let (target, targets) = match c.target {
        T::ControlPlane => (ChangeTarget::ControlPlane, cp_hosts),
        T::Etcd => (ChangeTarget::Etcd, small("etcd members", members)?),
        T::Workers => (ChangeTarget::Workers, workers),
        T::LoadBalancer => (ChangeTarget::LoadBalancer, lb_instances),
        T::Workload(w) => {
            let workload = workloads
                .get(w)
                .ok_or_else(|| BuildError(format!("change {}: no workload {w}", c.name)))?;
            let replicas = small("replicas", workload.replicas as usize)?;
            (ChangeTarget::Workload(small("workloads", w)?), replicas)
        }
    };
    let err = |e: SamplerError| BuildError(format!("change {}: {e}", c.name));
    let batch = match c.batch {
        Some(b) => b.clamp(1, u32::from(targets.max(1))) as u16,
        None => targets.max(1),
    };
    Ok(ChangeModel {
        name: c.name.clone(),
        every: sampler(&c.every).map_err(err)?,
        target,
        targets,
        batch,
        pause: c.pause,
        restart: sampler(&c.restart).map_err(err)?,
        bad: c.bad,
        caught: c.caught,
        detection: sampler(&c.detection).map_err(err)?,
        rollback: sampler(&c.rollback).map_err(err)?,
    })
}

/// Puts each host (control-plane hosts, etcd hosts, workers, in `hosts`'
/// order) in its rack from `zones.racks`: the racks per zone and their
/// lifecycle, or (0, never) without racks, where every host stays in rack 0
/// and no workload may ask for racks.
fn place_in_racks(
    s: &Scenario,
    hosts: &mut [Host],
    workloads: &[WorkloadModel],
) -> Result<(u16, Lifecycle), BuildError> {
    let Some(racks) = &s.zones.racks else {
        if workloads
            .iter()
            .any(|w| w.anti_affinity == AntiAffinity::Rack || w.prefer_rack)
        {
            return Err(BuildError(
                "a workload's anti-affinity is over racks but the scenario has none".into(),
            ));
        }
        return Ok((
            0,
            lifecycle("zones", &Distribution::Never, &Distribution::Never)?,
        ));
    };
    let per_zone = small("racks per zone", racks.per_zone as usize)?;
    small("racks", s.zones.count as usize * per_zone as usize)?;
    if per_zone == 0 {
        return Err(BuildError("zones.racks.per_zone must be at least 1".into()));
    }
    let placed: Vec<u32> = [&racks.control_plane, &racks.etcd_hosts, &racks.workers]
        .into_iter()
        .flatten()
        .copied()
        .collect();
    if placed.len() != hosts.len() {
        return Err(BuildError(format!(
            "zones.racks places {} hosts, and the scenario has {}",
            placed.len(),
            hosts.len()
        )));
    }
    for (host, &rack) in hosts.iter_mut().zip(&placed) {
        if rack >= racks.per_zone {
            return Err(BuildError(
                "a host is placed in a rack that does not exist".into(),
            ));
        }
        host.rack = host.zone * per_zone + rack as u16;
    }
    Ok((
        per_zone,
        lifecycle("zones.racks", &racks.failure, &racks.repair)?,
    ))
}

/// The events a replication of `years` may process with a budget of
/// `per_year`: horizons under a year get a year's worth.
pub fn event_limit(per_year: u64, years: f64) -> u64 {
    // Saturates at u64::MAX for absurd products (a float-to-int cast does).
    (per_year as f64 * years.max(1.0)).ceil() as u64
}

impl Model {
    /// How failed hosts of class `class` are replaced, if they are (a
    /// class without an entry, as tests add, is repaired in place).
    #[inline]
    pub fn replacement_of(&self, class: u8) -> Option<&ReplacementModel> {
        self.replacement
            .get(class as usize)
            .and_then(Option::as_ref)
    }

    /// The workers whose Node exists at the start (the first ones): all but
    /// the cluster autoscaler's slots.
    #[inline]
    pub fn workers_at_start(&self) -> u16 {
        self.autoscaler
            .as_ref()
            .map_or(self.workers, |a| a.first_slot)
    }

    /// The hosts that exist at the start: all but the cluster autoscaler's
    /// slots.
    #[inline]
    pub fn hosts_at_start(&self) -> usize {
        self.hosts.len() - (self.workers - self.workers_at_start()) as usize
    }

    /// Whether workloads' Pending time is measured: workers have a
    /// capacity, so room can run out, or the cluster autoscaler adds
    /// workers for Pending pods.
    #[inline]
    pub fn tracks_pending(&self) -> bool {
        self.worker_capacity.is_some() || self.autoscaler.is_some()
    }

    /// Compiles a validated scenario.
    pub fn build(s: &Scenario) -> Result<Model, BuildError> {
        if s.fleet.is_some() {
            return FleetModel::build(s);
        }
        let cp = &s.control_plane;
        let mut host_classes = vec![host_lifecycle("control_plane.node", &cp.node)?];
        let mut hosts = Vec::new();
        let stacked = cp.topology == Topology::Stacked;
        for (i, &zone) in cp.placement.iter().enumerate() {
            let i = small("control-plane nodes", i)?;
            hosts.push(Host {
                role: Role::ControlPlane(i),
                zone: small("zones", zone as usize)?,
                rack: 0,
                member: stacked.then_some(i),
                class: 0,
            });
        }
        let cp_hosts = small("control-plane nodes", hosts.len())?;
        if let Some(etcd) = &cp.etcd_hosts {
            host_classes.push(host_lifecycle("control_plane.etcd_node", &etcd.node)?);
            for (j, &zone) in etcd.placement.iter().enumerate() {
                let j = small("etcd nodes", j)?;
                hosts.push(Host {
                    role: Role::Etcd(j),
                    zone: small("zones", zone as usize)?,
                    rack: 0,
                    member: Some(j),
                    class: 1,
                });
            }
        }
        let first_worker = small("hosts", hosts.len())?;
        let mut workers = 0;
        let (mut grace, mut eviction_timeout) = (50.0, 300.0);
        if let Some(w) = &s.workers {
            let class = small("host classes", host_classes.len())? as u8;
            host_classes.push(host_lifecycle("workers.node", &w.node)?);
            for (k, &zone) in w.placement.iter().enumerate() {
                hosts.push(Host {
                    role: Role::Worker(small("workers", k)?),
                    zone: small("zones", zone as usize)?,
                    rack: 0,
                    member: None,
                    class,
                });
            }
            workers = small("workers", w.placement.len())?;
            grace = w.node_monitor_grace_period;
            eviction_timeout = w.eviction_timeout;
        }
        small("hosts", hosts.len())?;
        let workloads = s
            .workloads
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let mut rollout = w.rollout();
                // A StatefulSet's rolling update deletes one pod, then starts
                // its successor (pkg/controller/statefulset: no surge).
                if w.kind == crate::scenario::WorkloadKind::StatefulSet {
                    rollout.max_surge = 0;
                    rollout.max_unavailable = 1;
                }
                let targeted = s
                    .changes
                    .iter()
                    .any(|c| c.target == crate::scenario::ChangeTarget::Workload(i));
                Ok(WorkloadModel {
                    slots: w.replicas + if targeted { rollout.max_surge } else { 0 },
                    max_surge: rollout.max_surge,
                    rollout_unavailable: rollout.max_unavailable,
                    progress_deadline: w.progress_deadline(),
                    name: w.name.clone(),
                    replicas: w.replicas,
                    min_available: w.min_available,
                    startup: sampler(&w.startup)
                        .map_err(|e| BuildError(format!("workload {}: startup: {e}", w.name)))?,
                    anti_affinity: w.anti_affinity,
                    zone_spread: w.zone_spread,
                    host_spread: w.host_spread,
                    prefer_zone: w.preferred.zone,
                    prefer_rack: w.preferred.rack,
                    stateful: w.kind == crate::scenario::WorkloadKind::StatefulSet,
                    volume: match &w.volume {
                        Some(v) => Some(VolumeModel {
                            zonal: v.zonal,
                            attach: sampler(&v.attach).map_err(|e| {
                                BuildError(format!("workload {}: volume.attach: {e}", w.name))
                            })?,
                            force_detach: v.force_detach,
                        }),
                        None => None,
                    },
                    requests: (w.requests.cpu_millicores, w.requests.memory_bytes),
                })
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        if !workloads.is_empty() && workers == 0 {
            return Err(BuildError("workloads need workers to run on".into()));
        }
        let pods: u64 = workloads.iter().map(|w| w.slots as u64).sum();
        if pods > u64::from(workloads::MAX_PODS) {
            return Err(BuildError(format!(
                "{pods} replicas in all; kubenines simulates at most {}",
                workloads::MAX_PODS
            )));
        }
        let maintenance = s.maintenance.as_ref().map(|m| MaintenanceModel {
            interval: m.interval,
            duration: m.duration,
        });
        if maintenance.is_some_and(|m| m.interval.is_nan() || m.interval <= 0.0) {
            return Err(BuildError("maintenance.interval must be positive".into()));
        }
        let mut disk_loss = vec![cp.node_disk_loss];
        if let Some(etcd) = &cp.etcd_hosts {
            disk_loss.push(etcd.disk_loss);
        }
        disk_loss.resize(host_classes.len(), 0.0);
        let build = |what: &str, d: &Distribution| {
            sampler(d).map_err(|e| BuildError(format!("{what}: {e}")))
        };
        // Per class: control plane, external etcd (if any), workers (if any).
        let mut replacement: Vec<Option<ReplacementModel>> = vec![None; host_classes.len()];
        let replaced = |key: &str, r: &Option<crate::scenario::Replacement>| {
            r.as_ref()
                .map(|r| {
                    Ok::<_, BuildError>(ReplacementModel {
                        after: build(&format!("{key}.after"), &r.after)?,
                        provision: build(&format!("{key}.provision"), &r.provision)?,
                    })
                })
                .transpose()
        };
        replacement[0] = replaced("control_plane.replacement", &cp.replacement)?;
        if cp.etcd_hosts.is_some() {
            replacement[1] = replaced("control_plane.etcd_replacement", &cp.etcd_replacement)?;
        }
        if let Some(w) = &s.workers {
            let last = replacement.len() - 1;
            replacement[last] = replaced("workers.replacement", &w.replacement)?;
        }
        // A replaced host's successor joins empty: its etcd member's data is
        // lost at every failure, as with disk_loss 1.
        for (loss, r) in disk_loss.iter_mut().zip(&replacement) {
            if r.is_some() {
                *loss = 1.0;
            }
        }
        let out_of_service = match s.workers.as_ref().and_then(|w| w.out_of_service.as_ref()) {
            Some(d) => Some(build("workers.out_of_service", d)?),
            None => None,
        };
        let member_replace = match &cp.etcd.member_replace {
            Some(d) => Some(build("control_plane.etcd.member_replace", d)?),
            None => None,
        };
        let recovery = match &s.recovery {
            Some(r) => Some(RecoveryModel {
                detection: r.detection,
                force_new_cluster: build("recovery.force_new_cluster", &r.force_new_cluster)?,
                restore: build("recovery.restore", &r.restore)?,
            }),
            None => None,
        };
        let disasters = s
            .disasters
            .iter()
            .map(|d| {
                let restore = match (&d.restore, &s.recovery) {
                    (Some(r), _) | (None, Some(Recovery { restore: r, .. })) => {
                        build(&format!("disaster {}: restore", d.name), r)?
                    }
                    (None, None) => Sampler::Fixed(0.0),
                };
                Ok(DisasterModel {
                    name: d.name.clone(),
                    every: build(&format!("disaster {}", d.name), &d.every)?,
                    scope: d.scope,
                    detection: d
                        .detection
                        .or(s.recovery.as_ref().map(|r| r.detection))
                        .unwrap_or(0.0),
                    restore,
                })
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        let data_at_risk = disk_loss.iter().any(|&p| p > 0.0) || !disasters.is_empty();
        if data_at_risk && recovery.is_none() {
            return Err(BuildError(
                "data can be lost but the scenario has no `recovery`".into(),
            ));
        }
        let mut member_hosts = vec![0u16; cp.etcd_members() as usize];
        for (h, host) in hosts.iter().enumerate() {
            if let Some(m) = host.member {
                let slot = member_hosts
                    .get_mut(m as usize)
                    .ok_or_else(|| BuildError(format!("etcd member {m} out of range")))?;
                *slot = small("hosts", h)?;
            }
        }
        if hosts.iter().any(|h| h.zone as u32 >= s.zones.count) {
            return Err(BuildError(
                "a host is placed in a zone that does not exist".into(),
            ));
        }
        let (racks_per_zone, rack_lifecycle) = place_in_racks(s, &mut hosts, &workloads)?;
        let (regions, zone_region, region_lifecycle) = match &s.zones.regions {
            Some(r) => (
                small("regions", r.count as usize)?,
                r.of_zone
                    .iter()
                    .map(|&z| small("regions", z as usize))
                    .collect::<Result<Vec<_>, _>>()?,
                lifecycle("regions", &r.failure, &r.repair)?,
            ),
            None => (
                0,
                Vec::new(),
                lifecycle("regions", &Distribution::Never, &Distribution::Never)?,
            ),
        };
        if regions > 0 && zone_region.len() != s.zones.count as usize {
            return Err(BuildError("regions: one region per zone is needed".into()));
        }
        // The autoscaler's slots come after every host the file places.
        let base_workers = workers;
        let autoscaler = match (&s.autoscaler, &s.workers) {
            (Some(a), Some(w)) => {
                let class = hosts[hosts.len() - 1].class;
                let mut zones_with_workers: Vec<u32> = w.placement.clone();
                zones_with_workers.sort_unstable();
                zones_with_workers.dedup();
                let extra = a.max_workers.saturating_sub(w.nodes);
                for &zone in &zones_with_workers {
                    for i in 0..extra {
                        let k = small("workers", hosts.len() - first_worker as usize)?;
                        let zone = small("zones", zone as usize)?;
                        let rack = match racks_per_zone {
                            0 => 0,
                            per_zone => zone * per_zone + (i % per_zone as u32) as u16,
                        };
                        hosts.push(Host {
                            role: Role::Worker(k),
                            zone,
                            rack,
                            member: None,
                            class,
                        });
                    }
                }
                small("hosts", hosts.len())?;
                workers = small("workers", hosts.len() - first_worker as usize)?;
                Some(AutoscalerModel {
                    scale_up: build("autoscaler.scale_up", &a.scale_up)?,
                    max_workers: a.max_workers,
                    scale_down_after: a.scale_down_after,
                    first_slot: base_workers,
                })
            }
            _ => None,
        };
        let load_balancer = match &cp.load_balancer {
            Some(lb) => Some(host_lifecycle("control_plane.load_balancer", lb)?),
            None => None,
        };
        let le = &cp.leader_election;
        let apiserver_crash = match &cp.apiserver {
            Some(spec) => Some(host_lifecycle("control_plane.apiserver", spec)?),
            None => None,
        };
        let member_crash = match &cp.etcd_member {
            Some(spec) => Some(host_lifecycle("control_plane.etcd_member", spec)?),
            None => None,
        };
        let etcd_hosts = cp.etcd_hosts.as_ref().map_or(0, |e| e.nodes);
        let worker_hosts = s.workers.as_ref().map_or(0, |w| w.nodes);
        let monthly_cost = s.cost.as_ref().map(|c| {
            c.monthly(
                cp.nodes,
                etcd_hosts,
                worker_hosts,
                cp.load_balancer_instances(),
            )
        });
        let changes = s
            .changes
            .iter()
            .map(|c| {
                change_model(
                    c,
                    cp_hosts,
                    member_hosts.len(),
                    base_workers,
                    &workloads,
                    cp.load_balancer_instances() as u16,
                )
            })
            .collect::<Result<Vec<_>, BuildError>>()?;
        let certificates = match &cp.certificates {
            Some(c) => Some(CertificatesModel {
                lifetime: c.lifetime,
                renewed_by: c.renewed_by.map(|i| i as u16),
                renew: build("control_plane.certificates.renew", &c.renew)?,
            }),
            None => None,
        };
        let currency = s
            .cost
            .as_ref()
            .map_or_else(|| "USD".to_string(), |c| c.currency.clone());
        Ok(Model {
            name: s.name.clone(),
            seed: s.simulation.seed,
            horizon: s.simulation.horizon,
            zones: small("zones", s.zones.count as usize)?,
            zone_lifecycle: lifecycle("zones", &s.zones.failure, &s.zones.repair)?,
            racks_per_zone,
            rack_lifecycle,
            regions,
            zone_region,
            region_lifecycle,
            hosts,
            host_classes,
            cp_hosts,
            quorum: member_hosts.len() as u32 / 2 + 1,
            member_hosts,
            election: sampler(&cp.etcd.election)
                .map_err(|e| BuildError(format!("control_plane.etcd.election: {e}")))?,
            load_balancer,
            lb_kind: api_path::lb_kind(cp)?,
            health_check: api_path::health_check(cp),
            wiring: api_path::wiring(cp),
            release_on_stop: le.release_on_stop,
            apiserver_crash,
            member_crash,
            lease_duration: le.lease_duration,
            renew_deadline: le.renew_deadline,
            retry_period: le.retry_period,
            first_worker,
            workers,
            autoscaler,
            node_monitor_grace_period: grace,
            eviction_timeout,
            workloads,
            maintenance,
            lazy_readiness: true,
            replacement,
            out_of_service,
            worker_capacity: s
                .workers
                .as_ref()
                .and_then(|w| w.capacity)
                .map(|c| CapacityModel {
                    cpu: c.cpu_millicores,
                    memory: c.memory_bytes,
                    pods: c.pods,
                }),
            disk_loss,
            member_replace,
            backups: s
                .backup_entries()
                .into_iter()
                .map(|b| {
                    let silent = match &b.silent_failure {
                        Some(f) => Some((
                            build(
                                &format!("backup {}: silent_failure.every", b.name),
                                &f.every,
                            )?,
                            build(&format!("backup {}: silent_failure.fix", b.name), &f.fix)?,
                        )),
                        None => None,
                    };
                    Ok(BackupModel {
                        name: b.name,
                        kind: b.kind,
                        schedule: b.schedule,
                        duration: b.duration,
                        success: b.success,
                        ttl: b.ttl,
                        include: b.include,
                        silent,
                        tests: b.restore_tests,
                        store_region: match b.storage {
                            crate::scenario::BackupStorage::SameRegion { region: Some(r) } => {
                                Some(r as u16)
                            }
                            _ => None,
                        },
                    })
                })
                .collect::<Result<Vec<_>, BuildError>>()?,
            recovery,
            disasters,
            data_at_risk,
            monthly_cost,
            currency,
            event_limit: event_limit(
                s.simulation.max_events_per_year(),
                s.simulation.horizon / YEAR_SECONDS,
            ),
            causes: CauseList::new(
                regions > 0,
                racks_per_zone > 0,
                certificates.is_some(),
                changes.iter().map(|c| c.name.clone()).collect(),
            ),
            changes,
            certificates,
            shared_region: None,
            fleet: None,
        })
    }

    /// Racks over all zones (0 without racks).
    pub fn racks(&self) -> usize {
        self.zones as usize * self.racks_per_zone as usize
    }

    /// The most severe outage of the infrastructure a pod or host can be
    /// down for: a region's with regions, a zone's otherwise.
    #[inline]
    pub fn worst_outage(&self) -> Cause {
        if self.regions > 0 {
            Cause::RegionOutage
        } else {
            Cause::ZoneOutage
        }
    }

    /// Simulated years per replication.
    pub fn horizon_years(&self) -> f64 {
        self.horizon / YEAR_SECONDS
    }

    /// Hosts and load-balancer instances the design runs at the start (a
    /// fleet's: all its clusters').
    pub fn design_hosts(&self) -> u32 {
        match &self.fleet {
            Some(f) => f.clusters.iter().map(|c| c.model.design_hosts()).sum(),
            None => self.hosts_at_start() as u32 + self.lb_instances(),
        }
    }

    /// Load-balancer instances the design runs: two for a pair, one for a
    /// single or a managed cloud load balancer, none without one.
    pub fn lb_instances(&self) -> u32 {
        match self.lb_kind {
            Some(LoadBalancerKind::Pair { .. }) => 2,
            Some(_) => 1,
            None => 0,
        }
    }

    /// Number of indicators this model reports.
    pub fn indicator_count(&self) -> usize {
        match &self.fleet {
            Some(f) => f.indicator_count(),
            None => INDICATORS.len() + self.workloads.len(),
        }
    }

    /// Whether indicator `indicator` has client requests (`api` only; in
    /// a fleet, each service and each cluster's `api`).
    pub fn has_requests(&self, indicator: usize) -> bool {
        match &self.fleet {
            Some(f) => match f.cluster_of(indicator) {
                Some((c, i)) => c.model.has_requests(i),
                None => true,
            },
            None => indicator == 1,
        }
    }

    /// How many causes indicator `indicator`'s downtime is charged to.
    pub fn cause_count(&self, indicator: usize) -> usize {
        match &self.fleet {
            Some(f) => f.cause_keys(indicator).len(),
            None => self.causes.len(),
        }
    }

    /// The keys of the causes indicator `indicator`'s downtime is charged to.
    pub fn cause_keys(&self, indicator: usize) -> Vec<String> {
        match &self.fleet {
            Some(f) => f.cause_keys(indicator),
            None => self.causes.keys(),
        }
    }

    /// Number of causes of data loss ([`Self::data_causes`]).
    /// Whether any data can be lost: a host holding etcd data may lose its
    /// disk, or a disaster may strike. Without either, RPO is always 0.
    pub fn data_at_risk(&self) -> bool {
        match &self.fleet {
            // A failover's RPO and RTO are always reported.
            Some(_) => true,
            None => self.disk_loss.iter().any(|&p| p > 0.0) || !self.disasters.is_empty(),
        }
    }

    /// Whether a data-loss event can find nothing to restore (data lost
    /// for good): a backup is kept for a limited time, or a workload's
    /// data can be destroyed (no backup need hold it).
    /// In a fleet: whether any of its clusters can.
    pub fn can_lose_for_good(&self) -> bool {
        match &self.fleet {
            Some(f) => f.clusters.iter().any(|c| c.model.can_lose_for_good()),
            None => {
                self.backups.iter().any(|b| b.ttl.is_finite())
                    || self
                        .disasters
                        .iter()
                        .any(|d| d.scope != DisasterScope::Etcd)
            }
        }
    }

    /// Whether some backup entry can fail silently (its shares of time
    /// are then reported).
    pub fn tracks_silent_failures(&self) -> bool {
        self.fleet.is_none() && self.data_at_risk && self.backups.iter().any(|b| b.silent.is_some())
    }

    /// Whether etcd's data can be lost: a host holding it may lose its
    /// disk, or a disaster of scope `etcd` may strike.
    pub fn etcd_data_at_risk(&self) -> bool {
        self.fleet.is_none()
            && (self.disk_loss.iter().any(|&p| p > 0.0)
                || self
                    .disasters
                    .iter()
                    .any(|d| d.scope == DisasterScope::Etcd))
    }

    /// Whether a disaster strikes workload w's data.
    pub fn workload_struck(&self, w: usize) -> bool {
        self.disasters.iter().any(|d| match d.scope {
            DisasterScope::Etcd => false,
            DisasterScope::Workload(x) => x == w,
            DisasterScope::AllWorkloads => true,
        })
    }

    /// What data is lost, in result order, when some disaster strikes a
    /// workload's data (else empty: all data lost is etcd's): `etcd`, then
    /// `workload/NAME` for each workload a disaster strikes.
    pub fn data_scopes(&self) -> Vec<String> {
        if self.fleet.is_some()
            || !self
                .disasters
                .iter()
                .any(|d| d.scope != DisasterScope::Etcd)
        {
            return Vec::new();
        }
        std::iter::once("etcd".to_string())
            .chain(
                (0..self.workloads.len())
                    .filter(|&w| self.workload_struck(w))
                    .map(|w| format!("workload/{}", self.workloads[w].name)),
            )
            .collect()
    }

    /// Each workload's index in [`Self::data_scopes`] (0 for one no
    /// disaster strikes).
    pub fn workload_scopes(&self) -> Vec<u16> {
        let mut next = 0u16;
        (0..self.workloads.len())
            .map(|w| {
                if self.workload_struck(w) {
                    next += 1;
                    next
                } else {
                    0
                }
            })
            .collect()
    }

    pub fn data_cause_count(&self) -> usize {
        match &self.fleet {
            Some(f) => f.data_causes().len(),
            None => self.disasters.len() + 2,
        }
    }

    /// Causes of data loss, in result order: each disaster by name, then
    /// `quorum-loss` (an intact member survived) and `quorum-loss-no-member`.
    pub fn data_causes(&self) -> Vec<String> {
        if let Some(f) = &self.fleet {
            return f.data_causes();
        }
        self.disasters
            .iter()
            .map(|d| d.name.clone())
            .chain(["quorum-loss".into(), "quorum-loss-no-member".into()])
            .collect()
    }

    /// The keys a comparison pairs indicators by, each with its indicator:
    /// every indicator's own key, and in a fleet, for each service that
    /// every cluster serves with the same indicator (`workload/payments`),
    /// that key too, standing for the service (so a fleet compares with a
    /// scenario: one cluster against two regions). The first service of a
    /// key takes it.
    pub fn compared_keys(&self) -> Vec<(String, usize)> {
        match &self.fleet {
            Some(f) => f.compared.clone(),
            None => self
                .indicator_keys()
                .into_iter()
                .enumerate()
                .map(|(i, k)| (k, i))
                .collect(),
        }
    }

    /// The indicator a comparison finds under `key` ([`Self::compared_keys`]).
    pub fn compared(&self, key: &str) -> Option<usize> {
        self.compared_keys()
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, i)| i)
    }

    /// The indicators' keys in result order: `etcd`, `api`, `control_plane`,
    /// then `workload/NAME` for each workload.
    pub fn indicator_keys(&self) -> Vec<String> {
        if let Some(f) = &self.fleet {
            return f.indicator_keys();
        }
        INDICATORS
            .iter()
            .map(|i| i.key().to_string())
            .chain(
                self.workloads
                    .iter()
                    .map(|w| format!("workload/{}", w.name)),
            )
            .collect()
    }
}
