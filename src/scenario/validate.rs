//! From the file's raw form to the checked [`Scenario`]: defaults, and every
//! rule that relates one key to another.

use super::dist::Distribution;
use super::duration::format_duration;
use super::lifecycle;
use super::manifest::ManifestWorkloads;
use super::raw::{
    IntOrPercent, RawAntiAffinity, RawAntiAffinityRule, RawBackups, RawBackupsField,
    RawControlPlane, RawController, RawCost, RawDataMetric, RawDisaster, RawHostSpec,
    RawLeaderElection, RawLoadBalancer, RawLoadBalancerKind, RawLoadBalancerSpec, RawMaintenance,
    RawNodeSpec, RawPrecision, RawRacks, RawRecovery, RawRegions, RawRollingUpdate, RawScenario,
    RawSlo, RawSpread, RawTopology, RawWhenUnsatisfiable, RawWiring, RawWorkers, RawWorkload,
    RawWorkloadKind,
};
use super::types::DEFAULT_ROLLOUT_PERCENT;
use super::types::{
    AntiAffinity, BackupKind, Backups, ControlPlane, Cost, DataMetric, Disaster, DisasterScope,
    Etcd, EtcdHosts, HealthCheck, HostSpec, LeaderElection, LoadBalancerKind, Maintenance,
    Precision, Preferred, Racks, Recovery, Regions, RollingUpdate, Scenario, Simulation, Slo,
    Topology, Wiring, Workers, Workload, WorkloadKind, Zones,
};
use super::types::{DEFAULT_MAX_EVENTS_PER_YEAR, YEAR_SECONDS};
use crate::BLOCK;

/// A rule the scenario breaks, at a key path such as `control_plane.placement[2]`.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub key: String,
    pub message: String,
}

pub(super) fn invalid(key: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// Something the scenario allows but probably does not mean, at a key path;
/// the loader locates it and it becomes a `ScenarioWarning`.
#[derive(Debug)]
pub(crate) struct Warning {
    pub key: String,
    pub message: String,
}

/// A checked scenario (its `warnings` still empty) and the unlocated warnings.
pub(crate) struct Validated {
    pub scenario: Scenario,
    pub warnings: Vec<Warning>,
}

/// Upper bound on hosts of one kind and on zones. Real designs have a handful;
/// the bound keeps a typo such as `nodes: 3000000000` from becoming an
/// allocation of gigabytes in the simulator.
pub const MAX_HOSTS: u32 = 1_000;

/// Upper bound on the racks of all zones together (`zones.count` ×
/// `zones.racks.per_zone`): each is simulated, hosts or not.
pub const MAX_RACKS: u32 = 10_000;

/// Upper bound on the replicas of one workload.
pub const MAX_REPLICAS: u32 = 10_000;

/// Upper bound on the replicas of all workloads together (pods simulated).
pub const MAX_TOTAL_REPLICAS: u64 = 100_000;

/// Upper bound on the number of workloads.
pub const MAX_WORKLOADS: usize = 1_000;

/// The shortest maintenance interval accepted, in seconds: rounds are days or
/// weeks apart, and a typo such as `30s` for `30d` would otherwise bury the
/// simulation in drain events.
pub const MIN_MAINTENANCE_INTERVAL: f64 = 60.0;

/// The shortest backup interval accepted, in seconds: snapshots are minutes or
/// hours apart, and a typo such as `1s` for `1h` would bury the simulation in
/// snapshot events.
pub const MIN_BACKUP_INTERVAL: f64 = 60.0;

/// Upper bound on the number of disasters.
pub const MAX_DISASTERS: usize = 100;

/// Upper bound on a precision target's `max_replications`: a bound on how
/// long a target that is never reached, or a mistyped count, can keep the
/// machine busy.
pub const MAX_PRECISION_REPLICATIONS: u64 = 100_000_000;

/// Upper bound on a fixed number of replications: it keeps every count of
/// replications, blocks and shards far from overflow, and a typo from
/// keeping a machine busy for years (runs above an estimated day are
/// refused before they start anyway).
pub const MAX_REPLICATIONS: u64 = 1_000_000_000;

/// Replications between checks of a precision target when the file gives no
/// `batch`.
pub const DEFAULT_PRECISION_BATCH: u64 = 1024;

// Checks happen between the runner's blocks, so a batch is a whole number of them.
const _: () = assert!(DEFAULT_PRECISION_BATCH.is_multiple_of(BLOCK));

/// Causes the tool itself reports in results; a disaster may not take these names.
const RESERVED_CAUSES: &[&str] = &["quorum-loss", "quorum-loss-no-member"];

/// A Kubernetes object name (DNS label) is at most this long.
const MAX_NAME_LENGTH: usize = 63;

/// client-go's `JitterFactor`: renew_deadline must exceed 1.2 × retry_period.
const JITTER_FACTOR: f64 = 1.2;

/// The rules a scenario breaks, gathered as each independent part is
/// checked: the top-level sections, the items of `disasters` and `slos`,
/// and the parts of `control_plane`. A part that depends on another (the
/// placements on `zones.count`, an SLO's indicator on the workloads) is
/// checked only against what is valid, so that one mistake is reported once.
#[derive(Default)]
struct Problems(Vec<Invalid>);

impl Problems {
    /// The checked value, or `None` once why it is wrong is recorded.
    fn keep<T>(&mut self, checked: Result<T, Invalid>) -> Option<T> {
        match checked {
            Ok(value) => Some(value),
            Err(problem) => {
                self.0.push(problem);
                None
            }
        }
    }

    fn push(&mut self, problem: Invalid) {
        self.0.push(problem);
    }
}

/// Checks the whole scenario. Every rule it breaks is returned, in the
/// order checked (the loader sorts them by their place in the file); a
/// part that depends on an invalid one is not checked further.
/// `manifests[i]`: the workloads read from workload entry i's `manifest`
/// (`None` for an entry with kubenines' own keys).
pub(crate) fn validate(
    raw: RawScenario,
    source: &str,
    manifests: ManifestWorkloads,
) -> Result<Validated, Vec<Invalid>> {
    let mut problems = Problems::default();
    if raw.name.is_empty()
        || !raw
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        problems.push(invalid(
            "name",
            format!(
                "`{}` is not a valid name; use lower-case letters, digits and `-`, e.g. `stacked-3`",
                raw.name.escape_debug()
            ),
        ));
    }

    let sim = raw.simulation;
    if let Some(why) = horizon_problem(sim.horizon.0) {
        problems.push(invalid("simulation.horizon", why));
    }
    let replications = problems.keep(replications_and_precision(sim.replications, sim.precision));
    if sim.max_events_per_year == Some(0) {
        problems.push(invalid(
            "simulation.max_events_per_year",
            format!(
                "must be at least 1 (the default is {DEFAULT_MAX_EVENTS_PER_YEAR} events per \
                 simulated year)"
            ),
        ));
    }

    // The zone count the placements are checked against: none when it is
    // itself wrong (a count of 0 would make every placement wrong too).
    // Racks: `Some(None)` without `zones.racks`, `None` when it is wrong.
    let have_racks = raw.zones.as_ref().is_some_and(|z| z.racks.is_some());
    let mut raw_zones = raw.zones;
    let region_of = raw_zones.as_mut().and_then(|z| z.region_of.take());
    let (zones, zone_count, rack_spec) = match raw_zones {
        None => (
            Some(Zones {
                count: 1,
                failure: Distribution::Never,
                repair: Distribution::Never,
                racks: None,
                regions: None,
            }),
            Some(1),
            Some(None),
        ),
        Some(z) => {
            let count = z.count.unwrap_or(1);
            let count = problems.keep(check_count("zones.count", count, "zone").map(|()| count));
            let failure = z.failure.map_or(Distribution::Never, |d| d.0);
            let repair = problems.keep(repair_for(
                "zones",
                &failure,
                z.repair.map(|d| d.0),
                "a zone outage",
            ));
            let racks = problems.keep(z.racks.map(|r| rack_spec(r, count)).transpose());
            let zones = count.zip(repair).map(|(count, repair)| Zones {
                count,
                failure,
                repair,
                racks: None,
                regions: None,
            });
            (zones, count, racks)
        }
    };
    // The regions above the zones, once the zone count is known.
    let zones = match regions(raw.regions, region_of, zone_count, &mut problems) {
        Some(regions) => zones.map(|z| Zones { regions, ..z }),
        None => None,
    };

    let mut raw_cp = raw.control_plane;
    let raw_certificates = raw_cp.certificates.take();
    let mut rack_keys = RackKeys {
        control_plane: raw_cp.rack_placement.take(),
        etcd_hosts: raw_cp.etcd_rack_placement.take(),
        workers: None,
    };
    let etcd_rack_placement = rack_keys.etcd_hosts.is_some();
    let mut control_plane =
        zone_count.and_then(|n| control_plane(raw_cp, etcd_rack_placement, n, &mut problems));
    let have_workers = raw.workers.is_some();
    let workers = match raw.workers {
        None => Some(None),
        Some(mut w) => {
            rack_keys.workers = w.rack_placement.take();
            zone_count
                .and_then(|n| problems.keep(workers(w, n)))
                .map(Some)
        }
    };
    // The racks of the hosts, once the zones of the hosts are known.
    let zones = match rack_spec {
        None => None,
        Some(None) => {
            for key in rack_keys.given() {
                problems.push(invalid(
                    key,
                    "there are no racks: a rack placement needs `zones.racks` (with `per_zone`, \
                     `failure` and `repair`)",
                ));
            }
            zones
        }
        Some(Some(spec)) => match (&zones, &control_plane, &workers) {
            (Some(z), Some(cp), Some(w)) => problems
                .keep(racks(spec, rack_keys, z.count, cp, w.as_ref()))
                .map(|racks| Zones {
                    racks: Some(racks),
                    ..z.clone()
                }),
            _ => None,
        },
    };
    let (workloads, workload_keys) = match workloads(
        raw.workloads.unwrap_or_default(),
        have_workers,
        have_racks,
        manifests,
        &mut problems,
    ) {
        Some((w, keys)) => (Some(w), keys),
        None => (None, Vec::new()),
    };
    if let Some((_, Some(p))) = &replications {
        problems.keep(check_indicator(
            "simulation.precision.indicator",
            &p.indicator,
            workloads.as_deref(),
        ));
    }
    let maintenance = problems.keep(raw.maintenance.map(maintenance).transpose());
    let (backups, backup_list) = match raw.backups {
        None => (Some(None), Some(Vec::new())),
        Some(RawBackupsField::One(b)) => (problems.keep(backups(b).map(Some)), Some(Vec::new())),
        Some(RawBackupsField::List(list)) => (
            Some(None),
            super::backups::backup_list(
                list,
                workloads.as_deref(),
                zones.as_ref().map(|z| z.regions.as_ref()),
                &mut problems.0,
            ),
        ),
    };
    let recovery = problems.keep(raw.recovery.map(recovery).transpose());
    let disasters = disasters(
        raw.disasters.unwrap_or_default(),
        workloads.as_deref(),
        &mut problems,
    );
    let slos = slos(
        raw.slos.unwrap_or_default(),
        workloads.as_deref(),
        &mut problems,
    );
    let cost = problems.keep(raw.cost.map(cost).transpose());
    let autoscaler = match (raw.autoscaler, &workers) {
        (None, _) => Some(None),
        (Some(a), Some(w)) => problems.keep(lifecycle::autoscaler(a, w.as_ref()).map(Some)),
        // The workers are invalid, and said so.
        (Some(_), None) => None,
    };
    let changes = match super::changes::changes(
        raw.changes.unwrap_or_default(),
        &super::changes::Targets {
            workloads: workloads.as_deref(),
            load_balancer: control_plane
                .as_ref()
                .map(|cp| cp.load_balancer_kind.is_some()),
            workers: have_workers,
        },
    ) {
        Ok(changes) => Some(changes),
        Err(found) => {
            problems.0.extend(found);
            None
        }
    };
    if let Some(raw) = raw_certificates {
        let certificates = problems.keep(super::changes::certificates(raw, changes.as_deref()));
        if let Some(cp) = &mut control_plane {
            cp.certificates = certificates;
        }
    }

    if let (Some(cp), Some(disasters), Some(None)) = (&control_plane, &disasters, &recovery) {
        let needs = if cp.etcd_disk_loss() > 0.0 {
            Some((
                disk_loss_key(cp.topology),
                "a failure can destroy a host's etcd data, and once too few members keep \
                 theirs only an operator can bring etcd back",
            ))
        } else if let Some(key) = cp.etcd_replacement_key() {
            Some((
                key,
                "a replaced host joins empty, losing its etcd data, and once too few members \
                 keep theirs only an operator can bring etcd back",
            ))
        } else if !disasters.is_empty() {
            Some((
                "disasters",
                "a disaster destroys etcd's data on every member, and only an operator can \
                 restore it",
            ))
        } else {
            None
        };
        if let Some((key, why)) = needs {
            problems.push(invalid(
                key,
                format!(
                    "{why}: add `recovery` with `detection` (e.g. \
                     `5m`), `force_new_cluster` (e.g. `lognormal(median=1h, sigma=0.8)`) and \
                     `restore` (e.g. `lognormal(median=2h, sigma=0.8)`)"
                ),
            ));
        }
    }

    let checked = (|| {
        let (replications, precision) = replications?;
        Some(Scenario {
            name: raw.name,
            description: raw.description,
            source: source.to_string(),
            simulation: Simulation {
                horizon: sim.horizon.0,
                replications,
                seed: sim.seed.unwrap_or(0),
                precision,
                max_events_per_year: sim.max_events_per_year,
            },
            zones: zones?,
            control_plane: control_plane?,
            workers: workers?,
            workloads: workloads?,
            maintenance: maintenance?,
            backups: backups?,
            backup_list: backup_list?,
            recovery: recovery?,
            disasters: disasters?,
            slos: slos?,
            cost: cost?,
            changes: changes?,
            autoscaler: autoscaler?,
            warnings: Vec::new(),
            fleet: None,
        })
    })();
    let scenario = match checked {
        Some(scenario) if problems.0.is_empty() => scenario,
        // Every part left out recorded why (`Problems::keep`).
        _ => return Err(problems.0),
    };

    let mut warnings = Vec::new();
    if let Some(w) = &scenario.workers {
        for (workload, key) in scenario.workloads.iter().zip(&workload_keys) {
            warnings.extend(placement_warning(key, workload, w, &scenario.zones));
            warnings.extend(lifecycle::requests_warning(
                &|leaf| key.at(leaf),
                &key.what,
                workload,
                w,
            ));
        }
    }
    let cp = &scenario.control_plane;
    let disk_loss_replaced = match &cp.etcd_hosts {
        None => cp.replacement.as_ref().map(|_| {
            (
                "control_plane.node.disk_loss",
                cp.node_disk_loss,
                "control_plane.replacement",
            )
        }),
        Some(e) => cp.etcd_replacement.as_ref().map(|_| {
            (
                "control_plane.etcd_node.disk_loss",
                e.disk_loss,
                "control_plane.etcd_replacement",
            )
        }),
    };
    if let Some((key, loss, by)) = disk_loss_replaced {
        warnings.extend(lifecycle::replacement_disk_loss_warning(key, loss, by));
    }
    if let Some(m) = &scenario.maintenance {
        warnings.extend(maintenance_warning(
            m,
            &scenario.control_plane,
            scenario.workers.as_ref(),
        ));
    }
    warnings.extend(sub_second_warnings(
        &scenario.zones,
        &scenario.control_plane,
        scenario.workers.as_ref(),
        &scenario.disasters,
    ));
    let struck: Vec<(usize, usize)> = scenario
        .disasters
        .iter()
        .enumerate()
        .flat_map(|(d, x)| match x.scope {
            DisasterScope::Etcd => Vec::new(),
            DisasterScope::Workload(w) => vec![(d, w)],
            DisasterScope::AllWorkloads => (0..scenario.workloads.len()).map(|w| (d, w)).collect(),
        })
        .collect();
    warnings.extend(super::backups::warnings(
        &scenario.backup_entries(),
        !scenario.backup_list.is_empty(),
        &struck,
        &scenario.workloads,
        scenario.zones.regions.is_some(),
    ));
    let etcd_backups = scenario
        .backup_entries()
        .iter()
        .any(|e| e.kind == BackupKind::Etcd);
    if !scenario.backup_list.is_empty() && !etcd_backups && scenario.can_lose_etcd_data() {
        warnings.push(Warning {
            key: "backups".into(),
            message: "etcd's data can be lost (a `disk_loss` above 0, a replacement of etcd's \
                      hosts, or an etcd disaster) but no entry of `backups` is `kind: etcd`: \
                      only the snapshot at t = 0 exists, so every restore of etcd goes back to \
                      the cluster's start"
                .into(),
        });
    }
    if scenario.backups.is_none() && scenario.backup_list.is_empty() && scenario.can_lose_data() {
        warnings.push(Warning {
            key: "recovery.restore".into(),
            message: "data can be lost (a `disk_loss` above 0, a replacement of etcd's hosts, \
                      or `disasters`) but there are no \
                      `backups`: only the snapshot at t = 0 exists, so every restore goes back \
                      to the cluster's start; add `backups` with `interval`, `duration` and \
                      `success`, e.g. `{ interval: 1h, duration: 2m, success: 0.99 }`"
                .into(),
        });
    }

    Ok(Validated { scenario, warnings })
}

/// Failures and repairs whose mean is a second or less: legal, but no host,
/// zone or load balancer fails or is mended that fast, and such a typo
/// (`1s` for `1y`) floods the run with events (see the event budget).
fn sub_second_warnings(
    zones: &Zones,
    cp: &ControlPlane,
    workers: Option<&Workers>,
    disasters: &[Disaster],
) -> Vec<Warning> {
    let mut timings: Vec<(String, &Distribution, &str)> = vec![
        (
            "zones.failure".into(),
            &zones.failure,
            "zone outages come a second or less apart",
        ),
        (
            "zones.repair".into(),
            &zones.repair,
            "zone repairs take a second or less",
        ),
    ];
    if let Some(regions) = &zones.regions {
        timings.push((
            "regions.failure".into(),
            &regions.failure,
            "region outages come a second or less apart",
        ));
        timings.push((
            "regions.repair".into(),
            &regions.repair,
            "region repairs take a second or less",
        ));
    }
    if let Some(racks) = &zones.racks {
        timings.push((
            "zones.racks.failure".into(),
            &racks.failure,
            "rack outages come a second or less apart",
        ));
        timings.push((
            "zones.racks.repair".into(),
            &racks.repair,
            "rack repairs take a second or less",
        ));
    }
    for (key, spec) in [
        ("control_plane.node", Some(&cp.node)),
        (
            "control_plane.etcd_node",
            cp.etcd_hosts.as_ref().map(|e| &e.node),
        ),
        ("workers.node", workers.map(|w| &w.node)),
        ("control_plane.load_balancer", cp.load_balancer.as_ref()),
    ] {
        if let Some(spec) = spec {
            timings.push((
                format!("{key}.failure"),
                &spec.failure,
                "failures come a second or less apart",
            ));
            timings.push((
                format!("{key}.repair"),
                &spec.repair,
                "repairs take a second or less",
            ));
        }
    }
    for (key, spec) in [
        ("control_plane.apiserver", cp.apiserver.as_ref()),
        ("control_plane.etcd_member", cp.etcd_member.as_ref()),
    ] {
        if let Some(spec) = spec {
            timings.push((
                format!("{key}.failure"),
                &spec.failure,
                "process crashes come a second or less apart",
            ));
        }
    }
    for (i, d) in disasters.iter().enumerate() {
        timings.push((
            format!("disasters[{i}].every"),
            &d.every,
            "disasters come a second or less apart",
        ));
    }
    timings
        .into_iter()
        .filter(|(_, d, _)| d.mean() <= 1.0)
        .map(|(key, d, what)| Warning {
            message: format!(
                "`{d}`: {what} on average, where real ones take minutes to years; if a unit is mistyped (`1s` for `1y`), the run will \
                 be flooded with events and stop at its event budget"
            ),
            key,
        })
        .collect()
}

/// Why `simulation` may not have both `replications` and `precision`.
pub(crate) const REPLICATIONS_OR_PRECISION: &str = "`replications` and `precision` are \
    alternatives, give one: `replications` for a fixed count, or `precision` to run until the \
    interval is narrow enough (its `max_replications` caps the count)";

/// The replications to run and the precision target, from `simulation`'s
/// `replications` or `precision` (exactly one). With a target, the count is
/// its `max_replications`. The target's indicator is checked later, against
/// the workloads.
pub(super) fn replications_and_precision(
    replications: Option<u64>,
    precision: Option<RawPrecision>,
) -> Result<(u64, Option<Precision>), Invalid> {
    const KEY: &str = "simulation.precision";
    let p = match (replications, precision) {
        (Some(_), Some(_)) => return Err(invalid(KEY, REPLICATIONS_OR_PRECISION)),
        (None, None) => {
            return Err(invalid(
                "simulation.replications",
                "missing; give `replications`, a fixed count (e.g. `replications: 2000`), or \
                 instead `precision`, a target to run until (e.g. `precision: { indicator: \
                 api, relative_half_width: 5%, max_replications: 1000000 }`)",
            ));
        }
        (Some(0), None) => return Err(invalid("simulation.replications", "must be at least 1")),
        (Some(n), None) if n > MAX_REPLICATIONS => {
            return Err(invalid(
                "simulation.replications",
                format!(
                    "{n} is more than kubenines runs ({MAX_REPLICATIONS} at most); for tighter \
                     intervals aim for a `precision` target"
                ),
            ));
        }
        (Some(n), None) => return Ok((n, None)),
        (None, Some(p)) => p,
    };

    let width = p.relative_half_width.0;
    let w = width.value;
    if !(w > 0.0 && w < 1.0) {
        let mut message = format!(
            "{} is not a relative half-width to aim for; give a number above 0 and below \
             1, e.g. `0.05` or `5%`: the half-width of the 95% interval of the \
             unavailability, as a fraction of its mean",
            width.shown()
        );
        if !width.percent && w > 1.0 && w < 100.0 {
            message.push_str(&format!(
                " (a plain number is a fraction; for a percentage write `{w}%`)"
            ));
        }
        return Err(invalid(format!("{KEY}.relative_half_width"), message));
    }

    let max = p.max_replications;
    if max == 0 {
        return Err(invalid(
            format!("{KEY}.max_replications"),
            "must be at least 1: the most replications to run if the target is not reached",
        ));
    }
    if max > MAX_PRECISION_REPLICATIONS {
        return Err(invalid(
            format!("{KEY}.max_replications"),
            format!(
                "{max} is more than kubenines runs for a precision target \
                 ({MAX_PRECISION_REPLICATIONS} at most); if the target needs more, aim for a \
                 wider `relative_half_width`"
            ),
        ));
    }

    let batch = p.batch.unwrap_or(DEFAULT_PRECISION_BATCH);
    if batch == 0 || !batch.is_multiple_of(BLOCK) {
        // The nearest multiple above, or below when that would overflow.
        let nearest = batch
            .div_ceil(BLOCK)
            .max(1)
            .checked_mul(BLOCK)
            .unwrap_or(batch / BLOCK * BLOCK);
        return Err(invalid(
            format!("{KEY}.batch"),
            format!(
                "{batch} is not a positive multiple of {BLOCK}: replications are merged in \
                 blocks of {BLOCK}, and the target is checked between blocks; give e.g. \
                 `{nearest}` (default {DEFAULT_PRECISION_BATCH})"
            ),
        ));
    }

    Ok((
        max,
        Some(Precision {
            indicator: p.indicator,
            relative_half_width: w,
            batch,
        }),
    ))
}

fn workers(raw: RawWorkers, zone_count: u32) -> Result<Workers, Invalid> {
    check_count("workers.nodes", raw.nodes, "worker node")?;
    let placement = zone_placement(
        "workers.placement",
        raw.placement,
        raw.nodes,
        "workers.nodes",
        zone_count,
    )?;
    let node = host_spec(
        "workers.node",
        RawHostSpec {
            failure: raw.node.failure,
            repair: raw.node.repair,
        },
        "a worker node",
    )?;
    let capacity = raw.node.capacity.map(lifecycle::capacity).transpose()?;
    let out_of_service = match raw.out_of_service {
        Some(d) => lifecycle::out_of_service(d.0)?,
        None => None,
    };
    let replacement = raw
        .replacement
        .map(|r| lifecycle::replacement("workers.replacement", r))
        .transpose()?;
    Ok(Workers {
        nodes: raw.nodes,
        placement,
        node,
        node_monitor_grace_period: raw.node_monitor_grace_period.map_or(50.0, |d| d.0),
        eviction_timeout: raw.eviction_timeout.map_or(300.0, |d| d.0),
        out_of_service,
        capacity,
        replacement,
    })
}

/// Where a workload is written in the scenario.
struct WorkloadKey {
    /// Its entry's index in `workloads`.
    entry: usize,
    /// The key its placement warning is located at.
    key: String,
    /// The words that name it in a message about its entry (empty for an
    /// entry of its own).
    what: String,
}

impl WorkloadKey {
    /// The key `leaf` of its entry, e.g. `workloads[0].requests.cpu`; the
    /// entry's `manifest` for a workload read from one.
    fn at(&self, leaf: &str) -> String {
        if self.what.is_empty() {
            format!("workloads[{}].{leaf}", self.entry)
        } else {
            format!("workloads[{}].manifest", self.entry)
        }
    }
}

/// The workloads (kubenines' own keys, and those read from manifests:
/// `manifests[i]` for entry i), and for each the key its placement warning
/// is located at, with the words that name it there. Each entry is checked
/// on its own (an entry's first problem is recorded and the next entry
/// checked); `None` once any problem is recorded.
fn workloads(
    raw: Vec<RawWorkload>,
    have_workers: bool,
    have_racks: bool,
    mut manifests: ManifestWorkloads,
    problems: &mut Problems,
) -> Option<(Vec<Workload>, Vec<WorkloadKey>)> {
    if raw.is_empty() {
        return Some((Vec::new(), Vec::new()));
    }
    if !have_workers {
        problems.push(invalid(
            "workloads",
            "workloads run on worker nodes (control-plane nodes are tainted against them), \
             and this scenario has none; add `workers` with their `nodes` and `node`",
        ));
        return None;
    }
    let too_many = |count: usize| {
        invalid(
            "workloads",
            format!("{count} workloads is more than kubenines simulates ({MAX_WORKLOADS} at most)"),
        )
    };
    if raw.len() > MAX_WORKLOADS {
        problems.push(too_many(raw.len()));
        return None;
    }
    manifests.resize_with(raw.len(), || None);
    let mut out: Vec<Workload> = Vec::with_capacity(raw.len());
    let mut keys: Vec<WorkloadKey> = Vec::with_capacity(raw.len());
    let mut total: u64 = 0;
    let mut failed = false;
    for ((i, w), loaded) in raw.into_iter().enumerate().zip(manifests) {
        let key = |leaf: &str| format!("workloads[{i}].{leaf}");
        let Some((entry, from_manifest)) =
            problems.keep(workload_entry(w, loaded, have_racks, &key))
        else {
            failed = true;
            continue;
        };
        // A workload from a manifest is placed at its entry's `manifest`.
        let at = |leaf: &str| key(if from_manifest { "manifest" } else { leaf });
        for workload in entry {
            if let Some(earlier) = out.iter().position(|o| o.name == workload.name) {
                problems.push(invalid(
                    at("name"),
                    format!(
                        "`{}` is already the name of {}; each workload needs its own name (its \
                         indicator is `workload/NAME`)",
                        workload.name,
                        describe_workload(&keys[earlier])
                    ),
                ));
                failed = true;
                continue;
            }
            total += u64::from(workload.replicas);
            if total > MAX_TOTAL_REPLICAS {
                problems.push(invalid(
                    at("replicas"),
                    format!(
                        "the replicas of workloads[0] to workloads[{i}] add up to {total}, more \
                         than kubenines simulates ({MAX_TOTAL_REPLICAS} over all workloads at most)"
                    ),
                ));
                return None;
            }
            let what = if from_manifest {
                format!("`{}` (from the manifest)", workload.name)
            } else {
                String::new()
            };
            keys.push(WorkloadKey {
                entry: i,
                key: at("replicas"),
                what,
            });
            out.push(workload);
            if out.len() > MAX_WORKLOADS {
                problems.push(too_many(out.len()));
                return None;
            }
        }
    }
    (!failed).then_some((out, keys))
}

/// One entry of `workloads`: its workloads (one written with kubenines'
/// keys, or those of its manifest) and whether they came from a manifest.
fn workload_entry(
    mut w: RawWorkload,
    loaded: Option<Vec<Workload>>,
    have_racks: bool,
    key: &dyn Fn(&str) -> String,
) -> Result<(Vec<Workload>, bool), Invalid> {
    let startup = match w.startup.take() {
        Some(d) => Some(startup(&key("startup"), d.0)?),
        None => None,
    };
    if w.manifest.is_none() {
        return Ok((vec![own_workload(w, startup, have_racks, key)?], false));
    }
    let mut loaded = loaded.unwrap_or_default();
    let beside = [
        ("name", w.name.is_some()),
        ("replicas", w.replicas.is_some()),
        ("min_available", w.min_available.is_some()),
        ("max_unavailable", w.max_unavailable.is_some()),
        ("anti_affinity", w.anti_affinity.is_some()),
        ("zone_spread", w.zone_spread.is_some()),
        ("host_spread", w.host_spread.is_some()),
        ("rolling_update", w.rolling_update.is_some()),
        ("progress_deadline", w.progress_deadline.is_some()),
        ("kind", w.kind.is_some()),
        ("volume", w.volume.is_some()),
        ("requests", w.requests.is_some()),
    ];
    if let Some((leaf, _)) = beside.iter().find(|(_, given)| *given) {
        return Err(invalid(
            key(leaf),
            format!(
                "`{leaf}` comes from the manifest (its Deployments, ReplicaSets and \
                 PodDisruptionBudgets); only `startup` may stand beside `manifest`"
            ),
        ));
    }
    if let Some(startup) = &startup {
        for workload in &mut loaded {
            workload.startup = startup.clone();
        }
    }
    Ok((loaded, true))
}

/// How an earlier workload is named in a message: `workloads[2]`, or by
/// name when it came from a manifest.
fn describe_workload(key: &WorkloadKey) -> String {
    if key.what.is_empty() {
        format!("workloads[{}]", key.entry)
    } else {
        format!("the workload {} in workloads[{}]", key.what, key.entry)
    }
}

/// A `startup` distribution that a workload can use.
fn startup(key: &str, startup: Distribution) -> Result<Distribution, Invalid> {
    if startup == Distribution::Never {
        return Err(invalid(
            key,
            "`never` would mean a pod that never becomes ready; give how long a pod takes \
             to start, e.g. `lognormal(median=20s, sigma=0.5)`, or `0`",
        ));
    }
    if !startup.mean().is_finite() {
        return Err(invalid(
            key,
            format!(
                "`{startup}` has no finite mean (its tail is too heavy); give a startup time \
                 with a finite mean, e.g. `lognormal(median=20s, sigma=0.5)`"
            ),
        ));
    }
    Ok(startup)
}

/// A workload written with kubenines' own keys; `have_racks`: the scenario
/// has `zones.racks`, which `rack` anti-affinity needs.
fn own_workload(
    w: RawWorkload,
    startup: Option<Distribution>,
    have_racks: bool,
    key: &dyn Fn(&str) -> String,
) -> Result<Workload, Invalid> {
    let missing = |leaf: &str| invalid(key(leaf), format!("missing required key `{leaf}`"));
    let name = w.name.ok_or_else(|| missing("name"))?;
    let replicas = w.replicas.ok_or_else(|| missing("replicas"))?;
    if let Some(why) = name_problem(&name, "web") {
        return Err(invalid(key("name"), why));
    }
    if replicas == 0 {
        return Err(invalid(
            key("replicas"),
            "must be at least 1 (the number of pods)",
        ));
    }
    if replicas > MAX_REPLICAS {
        return Err(invalid(
            key("replicas"),
            format!(
                "{replicas} is more than kubenines simulates ({MAX_REPLICAS} replicas per workload at most)"
            ),
        ));
    }
    let min_available = match (w.min_available, w.max_unavailable) {
        (Some(_), Some(_)) => {
            return Err(invalid(
                key("max_unavailable"),
                "give `min_available` or `max_unavailable`, not both (as a \
                 PodDisruptionBudget takes one of minAvailable and maxUnavailable)",
            ));
        }
        (min, max) => desired_healthy(min, max, replicas, ("min_available", "max_unavailable"))
            .map_err(|(which, why)| invalid(key(which), why))?,
    };
    // Each rule with the key it is written at.
    let (anti_affinity, preferred_anti_affinity) = match w.anti_affinity {
        None => (
            (RawAntiAffinity::None, String::new()),
            (RawAntiAffinity::None, String::new()),
        ),
        Some(RawAntiAffinityRule::Required(a)) => (
            (a, key("anti_affinity")),
            (RawAntiAffinity::None, String::new()),
        ),
        Some(RawAntiAffinityRule::Rules(r)) => (
            (
                r.required.unwrap_or(RawAntiAffinity::None),
                key("anti_affinity.required"),
            ),
            (
                r.preferred.unwrap_or(RawAntiAffinity::None),
                key("anti_affinity.preferred"),
            ),
        ),
    };
    if !have_racks {
        for (rule, at) in [&anti_affinity, &preferred_anti_affinity] {
            if let RawAntiAffinity::Rack = rule {
                return Err(invalid(
                    at.as_str(),
                    "`rack` needs racks, and this scenario has none: add `zones.racks` with \
                     `per_zone`, `failure` and `repair`, e.g. `racks: { per_zone: 3, failure: \
                     exponential(mean=10y), repair: exponential(mean=2h) }`",
                ));
            }
        }
    }
    let (anti_affinity, preferred_anti_affinity) = (anti_affinity.0, preferred_anti_affinity.0);
    let mut preferred = Preferred::default();
    match preferred_anti_affinity {
        RawAntiAffinity::None => {}
        RawAntiAffinity::Host => preferred.host = true,
        RawAntiAffinity::Rack => preferred.rack = true,
        RawAntiAffinity::Zone => preferred.zone = true,
    }
    let zone_spread = spread(&key("zone_spread"), w.zone_spread, &mut preferred.zone)?;
    let host_spread = spread(&key("host_spread"), w.host_spread, &mut preferred.host)?;
    if w.kind == Some(RawWorkloadKind::StatefulSet) && w.rolling_update.is_some() {
        return Err(invalid(
            key("rolling_update"),
            "a StatefulSet has no surge: its rolling update replaces one pod at a time \
             (deletes it, then starts its successor); remove `rolling_update`",
        ));
    }
    let rolling_update = w
        .rolling_update
        .map(|r| rolling_update(key, r, replicas))
        .transpose()?;
    let progress_deadline = match w.progress_deadline {
        Some(d) if d.0.is_nan() || d.0 <= 0.0 => {
            return Err(invalid(
                key("progress_deadline"),
                "must be greater than 0, e.g. `10m` (Kubernetes' default is 600s)",
            ));
        }
        d => d.map(|d| d.0),
    };
    let volume = w.volume.map(|v| lifecycle::volume(key, v)).transpose()?;
    Ok(Workload {
        name,
        replicas,
        min_available,
        startup: startup.unwrap_or(Distribution::Fixed(0.0)),
        anti_affinity: match anti_affinity {
            RawAntiAffinity::None => AntiAffinity::None,
            RawAntiAffinity::Host => AntiAffinity::Host,
            RawAntiAffinity::Rack => AntiAffinity::Rack,
            RawAntiAffinity::Zone => AntiAffinity::Zone,
        },
        zone_spread,
        host_spread,
        preferred,
        rolling_update,
        progress_deadline,
        kind: match w.kind {
            None | Some(RawWorkloadKind::Deployment) => WorkloadKind::Deployment,
            Some(RawWorkloadKind::StatefulSet) => WorkloadKind::StatefulSet,
        },
        volume,
        requests: lifecycle::requests(w.requests),
    })
}

/// A workload's `rolling_update`, resolved for `replicas`.
fn rolling_update(
    key: &dyn Fn(&str) -> String,
    r: RawRollingUpdate,
    replicas: u32,
) -> Result<RollingUpdate, Invalid> {
    let default = IntOrPercent::Percent(DEFAULT_ROLLOUT_PERCENT);
    let (surge, unavailable) = (
        r.max_surge.unwrap_or(default),
        r.max_unavailable.unwrap_or(default),
    );
    let part = |v: IntOrPercent, leaf: &str| -> Result<(u32, bool), Invalid> {
        match v {
            IntOrPercent::Int(n) => u32::try_from(n)
                .ok()
                .filter(|&n| n <= MAX_REPLICAS)
                .map(|n| (n, false))
                .ok_or_else(|| {
                    invalid(
                        key(&format!("rolling_update.{leaf}")),
                        format!("{n} is more than kubenines simulates ({MAX_REPLICAS} at most)"),
                    )
                }),
            IntOrPercent::Percent(p) if p > 100 => Err(invalid(
                key(&format!("rolling_update.{leaf}")),
                format!("{p}% is more than 100%"),
            )),
            IntOrPercent::Percent(p) => Ok((p, true)),
        }
    };
    let surge = part(surge, "max_surge")?;
    let unavailable = part(unavailable, "max_unavailable")?;
    if surge.0 == 0 && unavailable.0 == 0 {
        return Err(invalid(
            key("rolling_update.max_unavailable"),
            "`max_surge` and `max_unavailable` may not both be 0 (Kubernetes refuses it: a              rollout could then neither add a pod nor take one away)",
        ));
    }
    Ok(RollingUpdate::resolve(surge, unavailable, replicas))
}

/// A spread's DoNotSchedule max skew, or `None` with `preferred` set for a
/// ScheduleAnyway one.
fn spread(key: &str, raw: Option<RawSpread>, preferred: &mut bool) -> Result<Option<u32>, Invalid> {
    let (max_skew, anyway) = match raw {
        None => return Ok(None),
        Some(RawSpread::MaxSkew(skew)) => (skew, false),
        Some(RawSpread::Rule(rule)) => (
            rule.max_skew,
            rule.when_unsatisfiable == Some(RawWhenUnsatisfiable::ScheduleAnyway),
        ),
    };
    if max_skew == 0 {
        let leaf = key.rsplit('.').next().unwrap_or(key);
        return Err(invalid(
            key,
            format!(
                "must be at least 1 (the largest allowed difference in replicas between two \
                 {}); leave `{leaf}` out for no spread rule",
                if leaf == "host_spread" {
                    "nodes"
                } else {
                    "zones"
                }
            ),
        ));
    }
    if anyway {
        *preferred = true;
        Ok(None)
    } else {
        Ok(Some(max_skew))
    }
}

/// The replicas that must be ready (a PodDisruptionBudget's desired healthy
/// count) for `min` or `max` unavailable of `replicas`, default 1; `names`
/// are the two keys as written. Kubernetes rounds a percentage up for both
/// (`getExpectedPodCount` in pkg/controller/disruption/disruption.go calls
/// `intstr.GetScaledValueFromIntOrPercent(..., true)`) and leaves
/// `replicas - maxUnavailable` at 0 at least. A refusal names the key and why.
pub(crate) fn desired_healthy(
    min: Option<IntOrPercent>,
    max: Option<IntOrPercent>,
    replicas: u32,
    names: (&'static str, &'static str),
) -> Result<u32, (&'static str, String)> {
    let (min_name, max_name) = names;
    if let Some(max) = max {
        let unavailable = max.scaled(replicas);
        let healthy = u64::from(replicas).saturating_sub(unavailable);
        if healthy == 0 {
            return Err((
                max_name,
                format!(
                    "{max_name} {max} of {replicas} replicas lets every replica go, so the \
                     workload would count as available with none ready; allow fewer (at most {})",
                    replicas - 1
                ),
            ));
        }
        return Ok(healthy as u32);
    }
    let Some(min) = min else { return Ok(1) };
    let healthy = min.scaled(replicas);
    if healthy == 0 {
        return Err((
            min_name,
            match min {
                IntOrPercent::Int(_) => {
                    "must be at least 1: a workload with no ready replica is not available"
                        .to_string()
                }
                IntOrPercent::Percent(_) => format!(
                    "{min} of {replicas} replicas is none, and a workload with no ready replica \
                     is not available: give at least 1%"
                ),
            },
        ));
    }
    if healthy > u64::from(replicas) {
        return Err((
            min_name,
            format!(
                "{min_name} ({healthy}) is more than replicas ({replicas}): the workload \
                 could never be available"
            ),
        ));
    }
    Ok(healthy as u32)
}

/// Why `name` is not a Kubernetes object name as kubenines accepts it, if it is not.
pub(crate) fn name_problem(name: &str, example: &str) -> Option<String> {
    if name.is_empty() {
        return Some(format!(
            "must not be empty; use lower-case letters, digits and `-`, e.g. `{example}`"
        ));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Some(format!(
            "`{}` is not a valid name; use lower-case letters, digits and `-`, e.g. `{example}`",
            name.escape_debug()
        ));
    }
    if name.len() > MAX_NAME_LENGTH {
        return Some(format!(
            "`{name}` is {} characters long; a Kubernetes name is at most {MAX_NAME_LENGTH}",
            name.len()
        ));
    }
    None
}

fn maintenance(raw: RawMaintenance) -> Result<Maintenance, Invalid> {
    let interval = raw.interval.0;
    if interval.is_nan() || interval <= 0.0 {
        return Err(invalid(
            "maintenance.interval",
            "must be greater than 0: the time between maintenance rounds, e.g. `30d`",
        ));
    }
    if interval < MIN_MAINTENANCE_INTERVAL {
        return Err(invalid(
            "maintenance.interval",
            format!(
                "{} between maintenance rounds is less than the minimum of {}; rounds are \
                 normally days or weeks apart (e.g. `30d`), and so short an interval, likely a \
                 typo, would bury the simulation in drains",
                format_duration(interval),
                format_duration(MIN_MAINTENANCE_INTERVAL)
            ),
        ));
    }
    let duration = raw.duration.0;
    if duration.is_nan() || duration < 0.0 {
        return Err(invalid(
            "maintenance.duration",
            "must be at least 0: how long each host is down for maintenance, e.g. `15m`",
        ));
    }
    Ok(Maintenance { interval, duration })
}

/// The longest currency text accepted (`USD`, `EUR`, `CHF`, or a word).
const MAX_CURRENCY_LENGTH: usize = 16;

fn cost(raw: RawCost) -> Result<Cost, Invalid> {
    let price = |class: &str, given: Option<f64>| {
        let value = given.unwrap_or(0.0);
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(invalid(
                format!("cost.{class}"),
                format!(
                    "{value} is not a price; give the monthly cost of one host as a number of \
                     at least 0, e.g. `120`"
                ),
            ))
        }
    };
    let control_plane = price("control_plane", raw.control_plane)?;
    let etcd = price("etcd", raw.etcd)?;
    let worker = price("worker", raw.worker)?;
    let load_balancer = price("load_balancer", raw.load_balancer)?;
    let currency = match raw.currency {
        None => "USD".to_string(),
        Some(c) => {
            let trimmed = c.trim();
            if trimmed.is_empty()
                || trimmed.chars().count() > MAX_CURRENCY_LENGTH
                || trimmed.chars().any(char::is_control)
            {
                return Err(invalid(
                    "cost.currency",
                    format!(
                        "`{}` is not a currency; give a short name of at most \
                         {MAX_CURRENCY_LENGTH} characters on one line, e.g. `USD` or `EUR`",
                        c.escape_debug()
                    ),
                ));
            }
            trimmed.to_string()
        }
    };
    Ok(Cost {
        control_plane,
        etcd,
        worker,
        load_balancer,
        currency,
    })
}

/// Where the disk loss of etcd's hosts is written: on the control-plane hosts
/// when stacked, on the etcd hosts when external.
fn disk_loss_key(topology: Topology) -> &'static str {
    match topology {
        Topology::Stacked => "control_plane.node.disk_loss",
        Topology::External => "control_plane.etcd_node.disk_loss",
    }
}

/// A `disk_loss` probability, default 0.
fn disk_loss(key: &str, given: Option<f64>) -> Result<f64, Invalid> {
    let p = given.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&p) {
        return Err(invalid(
            key,
            format!(
                "{p} is not a probability; give a number from 0 to 1, e.g. `0.1` for one \
                 failure in ten destroying the host's data"
            ),
        ));
    }
    Ok(p)
}

fn backups(raw: RawBackups) -> Result<Backups, Invalid> {
    let interval = raw.interval.0;
    if interval.is_nan() || interval <= 0.0 {
        return Err(invalid(
            "backups.interval",
            "must be greater than 0: the time between snapshots, e.g. `1h`",
        ));
    }
    if interval < MIN_BACKUP_INTERVAL {
        return Err(invalid(
            "backups.interval",
            format!(
                "{} between snapshots is less than the minimum of {}; snapshots are normally \
                 minutes or hours apart (e.g. `1h`), and so short an interval, likely a typo, \
                 would bury the simulation in snapshots",
                format_duration(interval),
                format_duration(MIN_BACKUP_INTERVAL)
            ),
        ));
    }
    let duration = raw.duration.0;
    if duration.is_nan() || duration < 0.0 {
        return Err(invalid(
            "backups.duration",
            "must be at least 0: how long a snapshot takes, e.g. `2m`",
        ));
    }
    if duration >= interval {
        return Err(invalid(
            "backups.duration",
            format!(
                "a snapshot taking {} is not shorter than the interval ({}): it would overlap \
                 the next one; give a shorter duration or a longer interval",
                format_duration(duration),
                format_duration(interval)
            ),
        ));
    }
    let success = raw.success;
    if !(success > 0.0 && success <= 1.0) {
        return Err(invalid(
            "backups.success",
            format!(
                "{success} is not a usable probability of success; give a number above 0 and \
                 at most 1, e.g. `0.99`"
            ),
        ));
    }
    Ok(Backups {
        interval,
        duration,
        success,
    })
}

fn recovery(raw: RawRecovery) -> Result<Recovery, Invalid> {
    let detection = raw.detection.0;
    if detection.is_nan() || detection < 0.0 {
        return Err(invalid(
            "recovery.detection",
            "must be at least 0: the time until the operator acts, e.g. `5m`",
        ));
    }
    let force_new_cluster = raw.force_new_cluster.0;
    if force_new_cluster == Distribution::Never {
        return Err(invalid(
            "recovery.force_new_cluster",
            "`never` would leave etcd down for good; give how long forcing a new cluster from \
             the most current member takes, e.g. `lognormal(median=1h, sigma=0.8)`",
        ));
    }
    let restore = raw.restore.0;
    if restore == Distribution::Never {
        return Err(invalid(
            "recovery.restore",
            "`never` would leave etcd down for good; give how long restoring the last backup \
             takes, e.g. `lognormal(median=2h, sigma=0.8)`",
        ));
    }
    Ok(Recovery {
        detection,
        force_new_cluster,
        restore,
    })
}

/// The disasters, each checked on its own; `None` when any is invalid.
fn disasters(
    raw: Vec<RawDisaster>,
    workloads: Option<&[Workload]>,
    problems: &mut Problems,
) -> Option<Vec<Disaster>> {
    if raw.len() > MAX_DISASTERS {
        problems.push(invalid(
            "disasters",
            format!(
                "{} disasters is more than kubenines simulates ({MAX_DISASTERS} at most)",
                raw.len()
            ),
        ));
        return None;
    }
    let names: Vec<String> = raw.iter().map(|d| d.name.clone()).collect();
    let checked: Vec<Option<Disaster>> = raw
        .into_iter()
        .enumerate()
        .map(|(i, d)| problems.keep(disaster(i, d, &names[..i], workloads)))
        .collect();
    checked.into_iter().collect()
}

/// `disasters[i]`, given the names of the disasters before it.
fn disaster(
    i: usize,
    d: RawDisaster,
    earlier: &[String],
    workloads: Option<&[Workload]>,
) -> Result<Disaster, Invalid> {
    let key = |leaf: &str| format!("disasters[{i}].{leaf}");
    if let Some(why) = name_problem(&d.name, "etcd-corruption") {
        return Err(invalid(key("name"), why));
    }
    if RESERVED_CAUSES.contains(&d.name.as_str()) {
        return Err(invalid(
            key("name"),
            format!(
                "`{}` is reserved: kubenines reports quorum loss under that name; call the \
                 disaster something else, e.g. `etcd-corruption`",
                d.name
            ),
        ));
    }
    unique_name(&key("name"), &d.name, earlier, "disasters", "disaster")?;
    let every = d.every.0;
    recurring(&key("every"), &every, |every| {
        format!(
            "`{every}` gives no time between strikes; the time between disasters must have a \
             positive mean, e.g. `exponential(mean=20y)`"
        )
    })?;
    let scope = super::backups::scope(&key("scope"), d.scope.as_deref(), workloads)?;
    if scope == DisasterScope::Etcd {
        for (leaf, given) in [
            ("detection", d.detection.is_some()),
            ("restore", d.restore.is_some()),
        ] {
            if given {
                return Err(invalid(
                    key(leaf),
                    format!(
                        "an etcd disaster is recovered by `recovery` (its `detection`, \
                         `force_new_cluster` and `restore`); a disaster's own `{leaf}` is for a \
                         workload scope (`scope: workload/NAME` or `all_workloads`)"
                    ),
                ));
            }
        }
    }
    let detection = match d.detection {
        Some(x) if x.0.is_nan() || x.0 < 0.0 => {
            return Err(invalid(
                key("detection"),
                "must be at least 0: the time until the operator acts, e.g. `15m`",
            ));
        }
        x => x.map(|x| x.0),
    };
    let restore = match d.restore {
        Some(r) if r.0 == Distribution::Never => {
            return Err(invalid(
                key("restore"),
                "`never` would leave the workload down for good; give how long restoring it \
                 takes, e.g. `lognormal(median=30m, sigma=0.5)`",
            ));
        }
        r => r.map(|r| r.0),
    };
    Ok(Disaster {
        name: d.name,
        every,
        scope,
        detection,
        restore,
    })
}

/// No item before this one of list `list` (an item is a `what`) has `name`:
/// results report a cause by it.
pub(super) fn unique_name(
    key: &str,
    name: &str,
    earlier: &[String],
    list: &str,
    what: &str,
) -> Result<(), Invalid> {
    match earlier.iter().position(|n| n == name) {
        Some(i) => Err(invalid(
            key,
            format!(
                "`{name}` is already the name of {list}[{i}]; each {what} needs its own name \
                 (results report the cause by it)"
            ),
        )),
        None => Ok(()),
    }
}

/// The time between recurrences is `never` or has a positive mean; else
/// `why(every)` says what is wrong.
pub(super) fn recurring(
    key: &str,
    every: &Distribution,
    why: impl Fn(&Distribution) -> String,
) -> Result<(), Invalid> {
    let mean = every.mean();
    if *every != Distribution::Never && (mean.is_nan() || mean <= 0.0) {
        return Err(invalid(key, why(every)));
    }
    Ok(())
}

/// The indicators a run reports, as SLOs name them.
pub(super) fn indicator_names(workloads: &[Workload]) -> Vec<String> {
    let mut names: Vec<String> = ["etcd", "api", "control_plane"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend(workloads.iter().map(|w| format!("workload/{}", w.name)));
    names
}

/// Refuses, at `key`, an indicator the run does not report, listing those it does.
/// Without `workloads` (they are themselves invalid, and said so), any
/// `workload/NAME` passes.
fn check_indicator(
    key: &str,
    indicator: &str,
    workloads: Option<&[Workload]>,
) -> Result<(), Invalid> {
    let Some(workloads) = workloads else {
        if indicator.starts_with("workload/") {
            return Ok(());
        }
        return check_indicator(key, indicator, Some(&[]));
    };
    check_indicator_in(key, indicator, &indicator_names(workloads), "this scenario")
}

/// Refuses, at `key`, an indicator not among `names`, listing them; `what`
/// names the file's kind in the message (`this scenario`, `this fleet`).
pub(crate) fn check_indicator_in(
    key: &str,
    indicator: &str,
    names: &[String],
    what: &str,
) -> Result<(), Invalid> {
    if names.iter().any(|n| n == indicator) {
        return Ok(());
    }
    const SHOWN: usize = 20;
    let mut list: Vec<String> = names.iter().take(SHOWN).map(|n| format!("`{n}`")).collect();
    if names.len() > SHOWN {
        list.push(format!("and {} more", names.len() - SHOWN));
    }
    Err(invalid(
        key,
        format!(
            "`{}` is not an indicator {what} reports; use one of {}",
            indicator.escape_debug(),
            list.join(", ")
        ),
    ))
}

/// The SLOs, each checked on its own; `None` when any is invalid.
fn slos(
    raw: Vec<RawSlo>,
    workloads: Option<&[Workload]>,
    problems: &mut Problems,
) -> Option<Vec<Slo>> {
    let known = Known {
        check: &|key: &str, indicator: &str| check_indicator(key, indicator, workloads),
        has_requests: &|indicator: &str| indicator == "api",
        requests_named: "`api`",
        scope: &|key: &str, scope: &str| {
            if scope == "etcd" || (scope.starts_with("workload/") && workloads.is_none()) {
                return Ok(());
            }
            let names: Vec<String> = std::iter::once("etcd".to_string())
                .chain(
                    workloads
                        .unwrap_or_default()
                        .iter()
                        .map(|w| format!("workload/{}", w.name)),
                )
                .collect();
            if names.iter().any(|n| n == scope) {
                return Ok(());
            }
            let list: Vec<String> = names.iter().take(20).map(|n| format!("`{n}`")).collect();
            Err(invalid(
                key,
                format!(
                    "`{}` is not a scope of this scenario's data; use one of {}",
                    scope.escape_debug(),
                    list.join(", ")
                ),
            ))
        },
    };
    let checked: Vec<Option<Slo>> = raw
        .into_iter()
        .enumerate()
        .map(|(i, s)| problems.keep(slo(i, s, &known)))
        .collect();
    checked.into_iter().collect()
}

/// The indicators an SLO may name: `check(key, indicator)` refuses one
/// the run does not report; `has_requests` says which have client requests
/// (`Model::has_requests`), `requests_named` names them in messages.
pub(crate) struct Known<'a> {
    pub check: &'a dyn Fn(&str, &str) -> Result<(), Invalid>,
    pub has_requests: &'a dyn Fn(&str) -> bool,
    pub requests_named: &'a str,
    /// Refuses, at `key`, a data-loss `scope` the run does not report.
    pub scope: &'a dyn Fn(&str, &str) -> Result<(), Invalid>,
}

/// `slos[i]`, against the indicators `known`.
pub(crate) fn slo(i: usize, slo: RawSlo, known: &Known) -> Result<Slo, Invalid> {
    const FORMS: &str = "an SLO is either `{ indicator: api, availability: 99.95% }` (or \
                         `{ indicator: api, request_success: 99.99% }`) or \
                         `{ metric: rpo, quantile: 0.95, max: 1h }`";
    let key = |leaf: &str| format!("slos[{i}].{leaf}");
    let availability_keys = [
        ("indicator", slo.indicator.is_some()),
        ("availability", slo.availability.is_some()),
        ("request_success", slo.request_success.is_some()),
    ];
    let metric_keys = [
        ("metric", slo.metric.is_some()),
        ("quantile", slo.quantile.is_some()),
        ("max", slo.max.is_some()),
        ("scope", slo.scope.is_some()),
    ];
    let first =
        |keys: &[(&'static str, bool)]| keys.iter().find(|(_, present)| *present).map(|(k, _)| *k);
    match (first(&availability_keys), first(&metric_keys)) {
        (None, None) => Err(invalid(format!("slos[{i}]"), FORMS)),
        (Some(a), Some(m)) => Err(invalid(
            key(m),
            format!("`{m}` does not go with `{a}`: {FORMS}"),
        )),
        (Some(_), None) => {
            let Some(indicator) = slo.indicator else {
                return Err(invalid(
                    format!("slos[{i}]"),
                    format!(
                        "missing `indicator`, the indicator whose availability is judged: \
                         {FORMS}"
                    ),
                ));
            };
            let (name, target, requests) = match (slo.availability, slo.request_success) {
                (Some(_), Some(_)) => {
                    return Err(invalid(
                        key("request_success"),
                        "`request_success` does not go with `availability`: one objective \
                         per SLO; give each its own entry under `slos`",
                    ));
                }
                (Some(a), None) => ("availability", a, false),
                (None, Some(r)) => ("request_success", r, true),
                (None, None) => {
                    return Err(invalid(
                        format!("slos[{i}]"),
                        format!(
                            "missing `availability` (or `request_success`), the least \
                             accepted: {FORMS}"
                        ),
                    ));
                }
            };
            (known.check)(&key("indicator"), &indicator)?;
            // The indicators with client requests: `Model::has_requests`.
            if requests && !(known.has_requests)(&indicator) {
                return Err(invalid(
                    key("request_success"),
                    format!(
                        "`request_success` is defined for {} only (the share of client \
                         requests that succeed); `{}` has no requests: judge its \
                         `availability` instead",
                        known.requests_named,
                        indicator.escape_debug()
                    ),
                ));
            }
            let value = target.value;
            if !(value > 0.0 && value < 1.0) {
                let what = if requests {
                    "a request success"
                } else {
                    "an availability"
                };
                let example = if requests {
                    "`99.99%` or `0.9999`"
                } else {
                    "`99.95%` or `0.9995`"
                };
                let mut message = format!(
                    "{} is not a target to test; give {what} above 0 and below 100%, \
                     e.g. {example}",
                    target.shown()
                );
                if !target.percent && value > 1.0 && value < 100.0 {
                    message.push_str(&format!(
                        " (a plain number is a fraction; for a percentage write `{value}%`)"
                    ));
                }
                return Err(invalid(key(name), message));
            }
            Ok(if requests {
                Slo::RequestSuccess {
                    indicator,
                    target: value,
                }
            } else {
                Slo::Availability {
                    indicator,
                    target: value,
                }
            })
        }
        (None, Some(_)) => {
            let missing = |what: &str, example: &str| {
                invalid(
                    format!("slos[{i}]"),
                    format!("missing `{what}` (e.g. `{example}`): {FORMS}"),
                )
            };
            let metric = slo.metric.ok_or_else(|| missing("metric", "metric: rpo"))?;
            let quantile = slo
                .quantile
                .ok_or_else(|| missing("quantile", "quantile: 0.95"))?;
            let max = slo.max.ok_or_else(|| missing("max", "max: 1h"))?.0;
            if !(quantile > 0.0 && quantile < 1.0) {
                return Err(invalid(
                    key("quantile"),
                    format!(
                        "{quantile} is not a quantile to test; give a number above 0 and \
                         below 1, e.g. `0.95`"
                    ),
                ));
            }
            if max.is_nan() || max <= 0.0 {
                return Err(invalid(
                    key("max"),
                    "must be greater than 0: the most the quantile may be, e.g. `1h`",
                ));
            }
            let metric = match metric {
                RawDataMetric::Rpo => DataMetric::Rpo,
                RawDataMetric::Rto => DataMetric::Rto,
            };
            if let Some(scope) = &slo.scope {
                (known.scope)(&key("scope"), scope)?;
            }
            Ok(Slo::DataLoss {
                metric,
                quantile,
                max,
                scope: slo.scope,
            })
        }
    }
}

/// How many replicas of a workload can be placed at most when every worker
/// is up, and why no more, if that is fewer than its replicas.
fn placement_warning(
    WorkloadKey { key, what, .. }: &WorkloadKey,
    workload: &Workload,
    workers: &Workers,
    zones: &Zones,
) -> Option<Warning> {
    let zone_count = zones.count;
    // Workers per zone, over the zones that have any.
    let mut per_zone = vec![0u64; zone_count as usize];
    for &z in &workers.placement {
        if let Some(n) = per_zone.get_mut(z as usize) {
            *n += 1;
        }
    }
    let with_workers: Vec<u64> = per_zone.iter().copied().filter(|&n| n > 0).collect();
    // Racks with workers, per zone with workers.
    let racks_with_workers = |racks: &Racks| -> Vec<u64> {
        let mut held: Vec<(u32, u32)> = workers
            .placement
            .iter()
            .copied()
            .zip(racks.workers.iter().copied())
            .collect();
        held.sort_unstable();
        held.dedup();
        (0..zone_count)
            .map(|z| held.iter().filter(|(zone, _)| *zone == z).count() as u64)
            .filter(|&n| n > 0)
            .collect()
    };
    // The most replicas each zone can hold under the anti-affinity rule.
    let caps: Vec<u64> = match (workload.anti_affinity, &zones.racks) {
        (AntiAffinity::None, _) => return None,
        (AntiAffinity::Host, _) => with_workers.clone(),
        (AntiAffinity::Rack, Some(racks)) => racks_with_workers(racks),
        (AntiAffinity::Rack, None) => return None,
        (AntiAffinity::Zone, _) => vec![1; with_workers.len()],
    };
    let by_affinity: u64 = caps.iter().sum();
    // Topology spread: no zone may hold more than `spread` above the zone
    // with the fewest replicas, and that zone holds at most its own cap.
    let by_spread = workload.zone_spread.map(|spread| {
        let floor = caps.iter().copied().min().unwrap_or(0);
        caps.iter()
            .map(|&cap| cap.min(floor + u64::from(spread)))
            .sum::<u64>()
    });
    let placeable = by_spread.unwrap_or(by_affinity);
    let replicas = u64::from(workload.replicas);
    if placeable >= replicas {
        return None;
    }
    let zones_with_workers = with_workers.len();
    let there_are = |n: usize, what: &str| match n {
        1 => format!("there is one {what}"),
        n => format!("there are {n} {what}s"),
    };
    let mut reason = match workload.anti_affinity {
        AntiAffinity::Host => format!(
            "`anti_affinity: host` allows one per worker node, and {}",
            there_are(workers.placement.len(), "worker")
        ),
        AntiAffinity::Rack => {
            let racks: u64 = caps.iter().sum();
            let all =
                u64::from(zone_count) * zones.racks.as_ref().map_or(0, |r| u64::from(r.per_zone));
            if racks < all {
                format!(
                    "`anti_affinity: rack` allows one per rack, and only {racks} of the {all} \
                     racks have workers"
                )
            } else {
                format!(
                    "`anti_affinity: rack` allows one per rack, and {}",
                    there_are(racks as usize, "rack")
                )
            }
        }
        _ if zones_with_workers < zone_count as usize => format!(
            "`anti_affinity: zone` allows one per zone, and only {zones_with_workers} of the \
             {zone_count} zones have workers"
        ),
        _ => format!(
            "`anti_affinity: zone` allows one per zone, and {}",
            there_are(zones_with_workers, "zone")
        ),
    };
    if let (Some(spread), Some(s)) = (by_spread, workload.zone_spread)
        && spread < by_affinity
    {
        // Only `host` and `rack` have unequal caps, so the binding zone is
        // the one with the fewest workers (or racks with workers).
        let fewest = caps.iter().copied().min().unwrap_or(0);
        let counts: Vec<String> = caps.iter().map(u64::to_string).collect();
        let per = if workload.anti_affinity == AntiAffinity::Rack {
            "racks with workers"
        } else {
            "workers"
        };
        reason.push_str(&format!(
            "; `zone_spread: {s}` allows at most {s} more in a zone than in the zone with the \
             fewest {per}, which fits {fewest} ({per} per zone: {})",
            counts.join(", ")
        ));
    }
    let pending = match replicas - placeable {
        1 => "the other one stays".to_string(),
        n => format!("the other {n} stay"),
    };
    let mut message = format!(
        "{what}{}{replicas} replicas but at most {placeable} can be placed ({reason}); {pending} \
         Pending, as in a real cluster",
        if what.is_empty() { "" } else { ": " }
    );
    if placeable < u64::from(workload.min_available) {
        message.push_str(&format!(
            ", and with min_available {} the workload can never be available",
            workload.min_available
        ));
    }
    Some(Warning {
        key: key.clone(),
        message,
    })
}

/// A maintenance round that cannot finish before the next one is due.
fn maintenance_warning(
    m: &Maintenance,
    cp: &ControlPlane,
    workers: Option<&Workers>,
) -> Option<Warning> {
    let control = u64::from(cp.nodes);
    let etcd = cp.etcd_hosts.as_ref().map_or(0, |e| u64::from(e.nodes));
    let work = workers.map_or(0, |w| u64::from(w.nodes));
    let hosts = control + etcd + work;
    let round = hosts as f64 * m.duration;
    if round < m.interval {
        return None;
    }
    let mut parts = vec![format!("{control} control-plane")];
    if etcd > 0 {
        parts.push(format!("{etcd} etcd"));
    }
    if work > 0 {
        parts.push(format!("{work} worker"));
    }
    Some(Warning {
        key: "maintenance.duration".into(),
        message: format!(
            "a round takes the {hosts} hosts ({}) down one at a time, so it lasts at least \
             {hosts} × {} = {}, not less than the interval ({}): rounds overlap, and a round \
             due while one is running is skipped",
            parts.join(", "),
            format_duration(m.duration),
            format_duration(round),
            format_duration(m.interval)
        ),
    })
}

/// The control plane; its parts (hosts, etcd hosts, etcd, leader election,
/// load balancer, process failures) are checked each on its own, and
/// `None` is returned when any is invalid.
fn control_plane(
    cp: RawControlPlane,
    etcd_rack_placement: bool,
    zone_count: u32,
    problems: &mut Problems,
) -> Option<ControlPlane> {
    let placement = problems
        .keep(check_count(
            "control_plane.nodes",
            cp.nodes,
            "control-plane host",
        ))
        .and_then(|()| {
            problems.keep(zone_placement(
                "control_plane.placement",
                cp.placement,
                cp.nodes,
                "control_plane.nodes",
                zone_count,
            ))
        });
    let RawNodeSpec {
        failure,
        repair,
        disk_loss: node_disk_loss,
    } = cp.node;
    let node = problems.keep(host_spec(
        "control_plane.node",
        RawHostSpec { failure, repair },
        "a control-plane host",
    ));

    let topology = match cp.topology {
        RawTopology::Stacked => Topology::Stacked,
        RawTopology::External => Topology::External,
    };
    let replacement = problems.keep(
        cp.replacement
            .map(|r| lifecycle::replacement("control_plane.replacement", r))
            .transpose(),
    );
    let etcd_hosts = problems.keep(etcd_hosts(
        topology,
        EtcdHostKeys {
            nodes: cp.etcd_nodes,
            node: cp.etcd_node,
            placement: cp.etcd_placement,
            rack_placement: etcd_rack_placement,
            replacement: cp.etcd_replacement.is_some(),
            control_plane_disk_loss: node_disk_loss.is_some(),
        },
        zone_count,
    ));
    // With `topology: stacked`, `etcd_hosts` refuses it.
    let etcd_replacement = problems.keep(match (topology, cp.etcd_replacement) {
        (Topology::External, Some(r)) => {
            lifecycle::replacement("control_plane.etcd_replacement", r).map(Some)
        }
        _ => Ok(None),
    });
    // Whether etcd's hosts are replaced (their data lost on every failure),
    // and the key that says so.
    let etcd_replaced_key = match (topology, &replacement, &etcd_replacement) {
        (Topology::Stacked, Some(Some(_)), _) => Some("control_plane.replacement"),
        (Topology::External, _, Some(Some(_))) => Some("control_plane.etcd_replacement"),
        _ => None,
    };

    let node_disk_loss = problems.keep(disk_loss("control_plane.node.disk_loss", node_disk_loss));
    let (election, member_replace) = match cp.etcd {
        Some(e) => (e.election, e.member_replace),
        None => (None, None),
    };
    let election = election.map_or(Distribution::Uniform { min: 1.0, max: 2.0 }, |d| d.0);
    let election = problems.keep(if election == Distribution::Never {
        Err(invalid(
            "control_plane.etcd.election",
            "`never` would leave etcd without a leader for good; give how long an election takes, \
             e.g. `uniform(min=1s, max=2s)`",
        ))
    } else {
        Ok(election)
    });
    let member_replace = problems.keep(match member_replace.map(|d| d.0) {
        Some(Distribution::Never) => Err(invalid(
            "control_plane.etcd.member_replace",
            "`never` would leave a member whose disk was lost empty for good; give how long \
             replacing it takes, e.g. `lognormal(median=30m, sigma=0.7)`",
        )),
        given => Ok(given),
    });
    // A member that can lose its data must be replaceable (with one
    // member, a restore from backup is the only way back).
    let mut replaceable = Some(());
    if let (Some(etcd_hosts), Some(node_disk_loss), Some(None)) =
        (&etcd_hosts, node_disk_loss, &member_replace)
    {
        let members = etcd_hosts.as_ref().map_or(cp.nodes, |e| e.nodes);
        let loss = etcd_hosts.as_ref().map_or(node_disk_loss, |e| e.disk_loss);
        const ADD: &str = "add `control_plane.etcd.member_replace`, how long replacing a member \
                           takes (remove, add, resync), e.g. `lognormal(median=30m, sigma=0.7)`";
        if loss > 0.0 && members > 1 {
            replaceable = problems.keep(Err(invalid(
                disk_loss_key(topology),
                format!(
                    "a failure can destroy a host's etcd data, and a member that comes back \
                     empty must be replaced: {ADD}"
                ),
            )));
        } else if let (Some(key), true) = (etcd_replaced_key, members > 1) {
            replaceable = problems.keep(Err(invalid(
                key,
                format!(
                    "a replaced host joins empty, and its etcd member must be replaced in the \
                     cluster: {ADD}"
                ),
            )));
        }
    }

    let leader_election = problems.keep(leader_election(cp.leader_election));

    let load_balancer = problems.keep(match cp.load_balancer {
        None => Err(invalid(
            "control_plane.load_balancer",
            "missing; give the load balancer's `failure` and `repair`, or write \
             `load_balancer: none` if clients talk to cp-1 directly",
        )),
        Some(RawLoadBalancer::None) => Ok((None, None, None)),
        Some(RawLoadBalancer::Spec(spec)) => load_balancer(*spec, zone_count)
            .map(|(lifecycle, kind, check)| (lifecycle, Some(kind), check)),
    });
    let wiring = match cp.wiring {
        None | Some(RawWiring::Kubeadm) => Wiring::Kubeadm,
        Some(RawWiring::LoadBalancer) => Wiring::LoadBalancer,
    };

    let apiserver = problems.keep(
        cp.apiserver
            .map(|raw| host_spec("control_plane.apiserver", raw, "an apiserver"))
            .transpose(),
    );
    let etcd_member = problems.keep(
        cp.etcd_member
            .map(|raw| host_spec("control_plane.etcd_member", raw, "an etcd member"))
            .transpose(),
    );

    replaceable?;
    let (load_balancer, load_balancer_kind, health_check) = load_balancer?;
    Some(ControlPlane {
        topology,
        nodes: cp.nodes,
        placement: placement?,
        node: node?,
        node_disk_loss: node_disk_loss?,
        etcd_hosts: etcd_hosts?,
        etcd: Etcd {
            election: election?,
            member_replace: member_replace?,
        },
        leader_election: leader_election?,
        load_balancer,
        load_balancer_kind,
        health_check,
        wiring,
        apiserver: apiserver?,
        etcd_member: etcd_member?,
        certificates: None,
        replacement: replacement?,
        etcd_replacement: etcd_replacement?,
    })
}

/// The `etcd_*` keys of `control_plane` and whether it gives the
/// control-plane hosts a `disk_loss`.
struct EtcdHostKeys {
    nodes: Option<u32>,
    node: Option<RawNodeSpec>,
    placement: Option<Vec<u32>>,
    /// `etcd_rack_placement` is given.
    rack_placement: bool,
    /// `etcd_replacement` is given.
    replacement: bool,
    control_plane_disk_loss: bool,
}

/// The dedicated etcd hosts of an external topology (none when stacked).
fn etcd_hosts(
    topology: Topology,
    keys: EtcdHostKeys,
    zone_count: u32,
) -> Result<Option<EtcdHosts>, Invalid> {
    match topology {
        Topology::Stacked => {
            let stray = [
                ("etcd_nodes", keys.nodes.is_some()),
                ("etcd_node", keys.node.is_some()),
                ("etcd_placement", keys.placement.is_some()),
                ("etcd_rack_placement", keys.rack_placement),
                ("etcd_replacement", keys.replacement),
            ];
            if let Some((key, _)) = stray.iter().find(|(_, present)| *present) {
                return Err(invalid(
                    format!("control_plane.{key}"),
                    format!(
                        "`{key}` is only for `topology: external`; a stacked control plane runs \
                         one etcd member on each control-plane host"
                    ),
                ));
            }
            Ok(None)
        }
        Topology::External => {
            if keys.control_plane_disk_loss {
                return Err(invalid(
                    "control_plane.node.disk_loss",
                    "with `topology: external` the control-plane hosts hold no etcd data; \
                     give the etcd hosts' `disk_loss` in `control_plane.etcd_node`",
                ));
            }
            let Some(nodes) = keys.nodes else {
                return Err(invalid(
                    "control_plane.etcd_nodes",
                    "required for `topology: external`: the number of dedicated etcd hosts, e.g. `etcd_nodes: 3`",
                ));
            };
            check_count("control_plane.etcd_nodes", nodes, "etcd host")?;
            let Some(spec) = keys.node else {
                return Err(invalid(
                    "control_plane.etcd_node",
                    "required for `topology: external`: the failure and repair of each etcd host",
                ));
            };
            let placement = zone_placement(
                "control_plane.etcd_placement",
                keys.placement,
                nodes,
                "control_plane.etcd_nodes",
                zone_count,
            )?;
            let RawNodeSpec {
                failure,
                repair,
                disk_loss: etcd_disk_loss,
            } = spec;
            let node = host_spec(
                "control_plane.etcd_node",
                RawHostSpec { failure, repair },
                "an etcd host",
            )?;
            let disk_loss = disk_loss("control_plane.etcd_node.disk_loss", etcd_disk_loss)?;
            Ok(Some(EtcdHosts {
                nodes,
                placement,
                node,
                disk_loss,
            }))
        }
    }
}

const LB: &str = "control_plane.load_balancer";

/// A DNS TTL when the file gives none: a common value for load balancers'
/// records, documented in the README.
const DEFAULT_DNS_TTL: f64 = 60.0;

/// A cloud provider's time to withdraw a lost node's address from DNS when
/// the file gives none.
const DEFAULT_DNS_DETECTION: f64 = 30.0;

/// A pair's takeover time when the file gives none: keepalived's VRRP
/// master-down interval with its default 1 s adverts is about 3 s.
const DEFAULT_FAILOVER: f64 = 3.0;

/// The load balancer's own failures (each instance's, or a cloud service's
/// outages), its kind, and its health check.
fn load_balancer(
    spec: RawLoadBalancerSpec,
    zone_count: u32,
) -> Result<(Option<HostSpec>, LoadBalancerKind, Option<HealthCheck>), Invalid> {
    let kind = spec.kind.unwrap_or(RawLoadBalancerKind::Single);
    let name = match kind {
        RawLoadBalancerKind::Single => "single",
        RawLoadBalancerKind::Pair => "pair",
        RawLoadBalancerKind::Cloud => "cloud",
    };
    let stray = |key: &str, why: &str| invalid(format!("{LB}.{key}"), why.to_string());

    // Keys of other kinds first: they say most about what the author meant.
    if spec.zone.is_some() {
        match kind {
            RawLoadBalancerKind::Single => {}
            RawLoadBalancerKind::Pair => {
                return Err(stray(
                    "zone",
                    "a pair has two instances; give their zones in `placement`, e.g. \
                     `placement: [1, 2]`",
                ));
            }
            RawLoadBalancerKind::Cloud => {
                return Err(stray(
                    "zone",
                    "a cloud load balancer has a node in every zone that holds a control-plane \
                     host; `zone` does not apply",
                ));
            }
        }
    }
    if spec.placement.is_some() {
        match kind {
            RawLoadBalancerKind::Pair => {}
            RawLoadBalancerKind::Single => {
                return Err(stray(
                    "placement",
                    "`placement` is for `kind: pair`; give a single instance's zone as `zone`",
                ));
            }
            RawLoadBalancerKind::Cloud => {
                return Err(stray(
                    "placement",
                    "a cloud load balancer has a node in every zone that holds a control-plane \
                     host; `placement` does not apply",
                ));
            }
        }
    }
    if kind != RawLoadBalancerKind::Pair {
        for (key, present) in [
            ("failover", spec.failover.is_some()),
            ("failover_success", spec.failover_success.is_some()),
        ] {
            if present {
                return Err(stray(
                    key,
                    &format!(
                        "`{key}` is only for `kind: pair` (the standby's takeover of the \
                         virtual IP), not for `kind: {name}`"
                    ),
                ));
            }
        }
    }
    if spec.replaced_with_new_address.is_some() && kind != RawLoadBalancerKind::Single {
        return Err(stray(
            "replaced_with_new_address",
            &format!(
                "only for `kind: single`: a replaced instance that comes back at a new address; \
                 a `{name}` load balancer keeps its address"
            ),
        ));
    }
    let replaced = spec.replaced_with_new_address == Some(true);
    if let Some(dns) = &spec.dns {
        match kind {
            RawLoadBalancerKind::Pair => {
                return Err(stray(
                    "dns",
                    "a pair's virtual IP moves between its instances, so clients keep one \
                     address; `dns` is for `kind: cloud`, or `kind: single` with \
                     `replaced_with_new_address: true`",
                ));
            }
            RawLoadBalancerKind::Single if !replaced => {
                return Err(stray(
                    "dns",
                    "a single load balancer keeps its address unless \
                     `replaced_with_new_address: true`; only then does its DNS `ttl` matter",
                ));
            }
            RawLoadBalancerKind::Single if dns.detection.is_some() => {
                return Err(stray(
                    "dns.detection",
                    "`detection` is for `kind: cloud` (the provider withdrawing a lost node's \
                     address); a replaced single instance needs only `ttl`",
                ));
            }
            _ => {}
        }
    }
    let dns_duration = |key: &str, given: Option<f64>, default: f64| {
        let value = given.unwrap_or(default);
        if value.is_nan() || value < 0.0 {
            Err(invalid(
                format!("{LB}.dns.{key}"),
                "must be at least 0, e.g. `60s`",
            ))
        } else {
            Ok(value)
        }
    };
    let ttl = dns_duration(
        "ttl",
        spec.dns.as_ref().and_then(|d| d.ttl).map(|d| d.0),
        DEFAULT_DNS_TTL,
    )?;

    let what = match kind {
        RawLoadBalancerKind::Cloud => "the cloud load balancer after an outage",
        _ => "a load-balancer instance",
    };
    let lifecycle = match (kind, spec.failure, spec.repair) {
        (RawLoadBalancerKind::Cloud, None, None) => None,
        (RawLoadBalancerKind::Cloud, None, Some(_)) => {
            return Err(stray(
                "repair",
                "`repair` without `failure`: give both (the outages of the whole cloud \
                 service and their length), or neither",
            ));
        }
        (_, None, _) => {
            return Err(invalid(
                format!("{LB}.failure"),
                format!(
                    "missing; a `{name}` load balancer needs the `failure` and `repair` of each \
                     instance, e.g. `failure: exponential(mean=1y)`"
                ),
            ));
        }
        (_, Some(failure), repair) => Some(host_spec(LB, RawHostSpec { failure, repair }, what)?),
    };

    let lb_kind = match kind {
        RawLoadBalancerKind::Single => LoadBalancerKind::Single {
            zone: spec
                .zone
                .map(|z| zone_index(&format!("{LB}.zone"), z, zone_count))
                .transpose()?,
            new_address_ttl: replaced.then_some(ttl),
        },
        RawLoadBalancerKind::Pair => {
            let placement = match spec.placement {
                None => [0, 0],
                Some(list) => {
                    let key = format!("{LB}.placement");
                    let [a, b] = list[..] else {
                        return Err(invalid(
                            key,
                            format!(
                                "has {} {}; a pair has two instances, so give two zones \
                                 (1..={zone_count}), e.g. `[1, 2]`, or `[1, 1]` for both in \
                                 zone 1",
                                list.len(),
                                if list.len() == 1 { "entry" } else { "entries" }
                            ),
                        ));
                    };
                    [
                        zone_index(&format!("{key}[0]"), a, zone_count)?,
                        zone_index(&format!("{key}[1]"), b, zone_count)?,
                    ]
                }
            };
            let failover = spec
                .failover
                .map_or(Distribution::Fixed(DEFAULT_FAILOVER), |d| d.0);
            if failover == Distribution::Never {
                return Err(invalid(
                    format!("{LB}.failover"),
                    "`never` would leave the virtual IP with the failed instance for good; \
                     give how long the standby takes to take over, e.g. `3s`, or lower \
                     `failover_success`",
                ));
            }
            let failover_success = match spec.failover_success {
                None => 1.0,
                Some(p) => {
                    let w = p.0.value;
                    if !(w > 0.0 && w <= 1.0) {
                        let mut message = format!(
                            "{} is not a usable probability of a successful takeover; give a \
                             number above 0 and at most 1, e.g. `0.99` or `99%`",
                            p.0.shown()
                        );
                        if !p.0.percent && w > 1.0 && w <= 100.0 {
                            message.push_str(&format!(
                                " (a plain number is a fraction; for a percentage write `{w}%`)"
                            ));
                        }
                        return Err(invalid(format!("{LB}.failover_success"), message));
                    }
                    w
                }
            };
            LoadBalancerKind::Pair {
                placement,
                failover,
                failover_success,
            }
        }
        RawLoadBalancerKind::Cloud => LoadBalancerKind::Cloud {
            detection: dns_duration(
                "detection",
                spec.dns.as_ref().and_then(|d| d.detection).map(|d| d.0),
                DEFAULT_DNS_DETECTION,
            )?,
            ttl,
        },
    };

    let health_check = spec
        .health_check
        .map(|raw| {
            let key = format!("{LB}.health_check");
            let interval = raw.interval.map_or(10.0, |d| d.0);
            if interval.is_nan() || interval <= 0.0 {
                return Err(invalid(
                    format!("{key}.interval"),
                    "must be greater than 0: the time between checks, e.g. `10s`",
                ));
            }
            let threshold = |name: &str, given: Option<u32>| match given.unwrap_or(3) {
                0 => Err(invalid(
                    format!("{key}.{name}"),
                    "must be at least 1: the checks in a row that change an apiserver's state, \
                     e.g. `3`",
                )),
                n => Ok(n),
            };
            Ok(HealthCheck {
                interval,
                unhealthy_threshold: threshold("unhealthy_threshold", raw.unhealthy_threshold)?,
                healthy_threshold: threshold("healthy_threshold", raw.healthy_threshold)?,
            })
        })
        .transpose()?;

    Ok((lifecycle, lb_kind, health_check))
}

fn check_count(key: &str, count: u32, what: &str) -> Result<(), Invalid> {
    if count == 0 {
        return Err(invalid(key, format!("must be at least 1 (a {what} count)")));
    }
    if count > MAX_HOSTS {
        return Err(invalid(
            key,
            format!("{count} is more than kubenines simulates ({MAX_HOSTS} at most)"),
        ));
    }
    Ok(())
}

/// The 0-based zone of each host: the file's 1-based list, or round-robin
/// starting at zone 1 (docs/model.md: each group of hosts starts at zone 1).
fn zone_placement(
    key: &str,
    given: Option<Vec<u32>>,
    hosts: u32,
    hosts_key: &str,
    zone_count: u32,
) -> Result<Vec<u32>, Invalid> {
    let Some(list) = given else {
        return Ok((0..hosts).map(|i| i % zone_count).collect());
    };
    if list.len() != hosts as usize {
        return Err(invalid(
            key,
            format!(
                "has {} entries but `{}` is {hosts}; give one zone (1..={zone_count}) per host",
                list.len(),
                hosts_key.rsplit('.').next().unwrap_or(hosts_key),
            ),
        ));
    }
    list.iter()
        .enumerate()
        .map(|(i, &zone)| zone_index(&format!("{key}[{i}]"), zone, zone_count))
        .collect()
}

/// The 0-based index of the file's 1-based `zone`, written at `key`.
fn zone_index(key: &str, zone: u32, zone_count: u32) -> Result<u32, Invalid> {
    if (1..=zone_count).contains(&zone) {
        Ok(zone - 1)
    } else {
        let why = if zone == 0 {
            ": zones are numbered from 1"
        } else {
            ""
        };
        Err(invalid(
            key,
            format!("zone {zone} does not exist{why} (zones.count is {zone_count})"),
        ))
    }
}

/// `regions` and `zones.region_of`: `Some(None)` without regions, `None`
/// once a problem is recorded (or when the zone count is itself wrong).
fn regions(
    raw: Option<RawRegions>,
    region_of: Option<Vec<u32>>,
    zone_count: Option<u32>,
    problems: &mut Problems,
) -> Option<Option<Regions>> {
    const KEY: &str = "zones.region_of";
    let Some(raw) = raw else {
        if region_of.is_some() {
            problems.push(invalid(
                KEY,
                "there are no regions: a zone's region needs `regions` (with `count`, \
                 `failure` and `repair`)",
            ));
            return None;
        }
        return Some(None);
    };
    let count =
        problems.keep(check_count("regions.count", raw.count, "region").map(|()| raw.count));
    let failure = raw.failure.map_or(Distribution::Never, |d| d.0);
    let repair = problems.keep(repair_for(
        "regions",
        &failure,
        raw.repair.map(|d| d.0),
        "a region outage",
    ));
    let (count, repair, zone_count) = (count?, repair?, zone_count?);
    let of_zone: Vec<u32> = match region_of {
        None => vec![0; zone_count as usize],
        Some(list) => {
            if list.len() != zone_count as usize {
                problems.push(invalid(
                    KEY,
                    format!(
                        "has {} entries but `zones.count` is {zone_count}; give one region \
                         (1..={count}) per zone",
                        list.len()
                    ),
                ));
                return None;
            }
            let mut of_zone = Vec::with_capacity(list.len());
            for (z, &r) in list.iter().enumerate() {
                if (1..=count).contains(&r) {
                    of_zone.push(r - 1);
                } else {
                    let why = if r == 0 {
                        ": regions are numbered from 1"
                    } else {
                        ""
                    };
                    problems.push(invalid(
                        format!("{KEY}[{z}]"),
                        format!("region {r} does not exist{why} (regions.count is {count})"),
                    ));
                }
            }
            if of_zone.len() != list.len() {
                return None;
            }
            of_zone
        }
    };
    let empty: Vec<String> = (0..count)
        .filter(|r| !of_zone.contains(r))
        .map(|r| (r + 1).to_string())
        .collect();
    if !empty.is_empty() {
        let (which, verb) = match empty.as_slice() {
            [one] => (format!("region {one}"), "holds"),
            [most @ .., last] => (format!("regions {} and {last}", most.join(", ")), "hold"),
            [] => unreachable!(),
        };
        problems.push(invalid(
            "regions.count",
            format!(
                "is {count}, but {which} {verb} no zone: every region needs at least one \
                 (`zones.region_of` gives each zone's region, 1..={count}; without it every \
                 zone is in region 1)"
            ),
        ));
        return None;
    }
    Some(Some(Regions {
        count,
        failure,
        repair,
        of_zone,
    }))
}

/// `zones.racks` before the hosts are placed in racks.
struct RackSpec {
    per_zone: u32,
    failure: Distribution,
    repair: Distribution,
}

/// `zones.racks`, checked against the zone count when that is valid.
fn rack_spec(raw: RawRacks, zone_count: Option<u32>) -> Result<RackSpec, Invalid> {
    const KEY: &str = "zones.racks.per_zone";
    if raw.per_zone == 0 {
        return Err(invalid(
            KEY,
            "must be at least 1 (racks in each zone); leave `racks` out for no racks",
        ));
    }
    if let Some(zones) = zone_count
        && u64::from(zones) * u64::from(raw.per_zone) > u64::from(MAX_RACKS)
    {
        return Err(invalid(
            KEY,
            format!(
                "`zones.count` × `per_zone` is {zones} × {} = {} racks, more than kubenines \
                 simulates ({MAX_RACKS} at most)",
                raw.per_zone,
                u64::from(zones) * u64::from(raw.per_zone)
            ),
        ));
    }
    let failure = raw.failure.map_or(Distribution::Never, |d| d.0);
    let repair = repair_for(
        "zones.racks",
        &failure,
        raw.repair.map(|d| d.0),
        "a rack outage",
    )?;
    Ok(RackSpec {
        per_zone: raw.per_zone,
        failure,
        repair,
    })
}

/// The `rack_placement` lists the file gives (1-based).
struct RackKeys {
    control_plane: Option<Vec<u32>>,
    etcd_hosts: Option<Vec<u32>>,
    workers: Option<Vec<u32>>,
}

const CP_RACKS: &str = "control_plane.rack_placement";
const ETCD_RACKS: &str = "control_plane.etcd_rack_placement";
const WORKER_RACKS: &str = "workers.rack_placement";

impl RackKeys {
    /// The keys of the lists given.
    fn given(&self) -> Vec<&'static str> {
        [
            (CP_RACKS, self.control_plane.is_some()),
            (ETCD_RACKS, self.etcd_hosts.is_some()),
            (WORKER_RACKS, self.workers.is_some()),
        ]
        .into_iter()
        .filter_map(|(key, given)| given.then_some(key))
        .collect()
    }
}

/// The racks, with the rack of every host: the file's `rack_placement`
/// lists, or round-robin over each zone's racks in declaration order
/// (control-plane hosts, etcd hosts, workers; [`Racks::round_robin`]).
fn racks(
    spec: RackSpec,
    keys: RackKeys,
    zone_count: u32,
    cp: &ControlPlane,
    workers: Option<&Workers>,
) -> Result<Racks, Invalid> {
    let per_zone = spec.per_zone;
    // Hosts of each zone counted so far, over every group: a group given
    // explicitly still counts, so each group's default is the same whether
    // the groups before it are given or not.
    let mut counted = vec![0u32; zone_count as usize];
    let mut place = |key: &str, given: Option<Vec<u32>>, zones: &[u32], hosts_key: &str| {
        let default = Racks::round_robin(per_zone, zones, &mut counted);
        let Some(list) = given else {
            return Ok(default);
        };
        if list.len() != zones.len() {
            return Err(invalid(
                key,
                format!(
                    "has {} entries but `{hosts_key}` is {}; give one rack (1..={per_zone}) per \
                     host",
                    list.len(),
                    zones.len()
                ),
            ));
        }
        list.iter()
            .enumerate()
            .map(|(i, &rack)| {
                if (1..=per_zone).contains(&rack) {
                    Ok(rack - 1)
                } else {
                    let why = if rack == 0 {
                        ": racks are numbered from 1"
                    } else {
                        ""
                    };
                    Err(invalid(
                        format!("{key}[{i}]"),
                        format!(
                            "rack {rack} does not exist{why} (zones.racks.per_zone is {per_zone})"
                        ),
                    ))
                }
            })
            .collect()
    };
    let control_plane = place(CP_RACKS, keys.control_plane, &cp.placement, "nodes")?;
    let etcd_zones = cp.etcd_hosts.as_ref().map_or(&[][..], |e| &e.placement);
    let etcd_hosts = place(ETCD_RACKS, keys.etcd_hosts, etcd_zones, "etcd_nodes")?;
    let worker_zones = workers.map_or(&[][..], |w| &w.placement);
    let workers = place(WORKER_RACKS, keys.workers, worker_zones, "nodes")?;
    Ok(Racks {
        per_zone,
        failure: spec.failure,
        repair: spec.repair,
        control_plane,
        etcd_hosts,
        workers,
    })
}

fn host_spec(key: &str, raw: RawHostSpec, what: &str) -> Result<HostSpec, Invalid> {
    let failure = raw.failure.0;
    let repair = repair_for(key, &failure, raw.repair.map(|d| d.0), what)?;
    Ok(HostSpec { failure, repair })
}

/// Checks a failure distribution and returns its repair distribution, which
/// is required unless failures never happen.
pub(super) fn repair_for(
    key: &str,
    failure: &Distribution,
    repair: Option<Distribution>,
    what: &str,
) -> Result<Distribution, Invalid> {
    if *failure == Distribution::Never {
        return Ok(repair.unwrap_or(Distribution::Never));
    }
    // An up time of zero would fail and recover at one instant without end.
    let mean = failure.mean();
    if mean.is_nan() || mean <= 0.0 {
        return Err(invalid(
            format!("{key}.failure"),
            format!(
                "`{failure}` gives {what} no up time; the time to failure must have a positive mean"
            ),
        ));
    }
    repair.ok_or_else(|| {
        invalid(
            format!("{key}.repair"),
            format!(
                "missing; `failure` is not `never`, so give how long repairing {what} takes, \
                 e.g. `lognormal(median=30m, sigma=1.0)`"
            ),
        )
    })
}

fn leader_election(raw: Option<RawLeaderElection>) -> Result<LeaderElection, Invalid> {
    const KEY: &str = "control_plane.leader_election";
    let (lease, renew, retry, release) = match raw {
        Some(le) => (
            le.lease_duration,
            le.renew_deadline,
            le.retry_period,
            le.release_on_stop,
        ),
        None => (None, None, None, None),
    };
    let release_on_stop = match release {
        None => [true, false],
        Some(list) => {
            let mut release = [false; 2];
            for (i, controller) in list.iter().enumerate() {
                let (slot, name) = match controller {
                    RawController::Scheduler => (0, "scheduler"),
                    RawController::ControllerManager => (1, "controller_manager"),
                };
                if release[slot] {
                    return Err(invalid(
                        format!("{KEY}.release_on_stop[{i}]"),
                        format!("`{name}` is listed twice; name each component at most once"),
                    ));
                }
                release[slot] = true;
            }
            release
        }
    };
    let le = LeaderElection {
        lease_duration: lease.map_or(15.0, |d| d.0),
        renew_deadline: renew.map_or(10.0, |d| d.0),
        retry_period: retry.map_or(2.0, |d| d.0),
        release_on_stop,
    };
    for (name, value) in [
        ("lease_duration", le.lease_duration),
        ("renew_deadline", le.renew_deadline),
        ("retry_period", le.retry_period),
    ] {
        if value <= 0.0 {
            return Err(invalid(format!("{KEY}.{name}"), "must be greater than 0"));
        }
    }
    // The same checks, in the same order, as client-go's NewLeaderElector.
    // Each error names a key the user wrote, so that it has a line to point at.
    if le.lease_duration <= le.renew_deadline {
        let key = if renew.is_some() {
            "renew_deadline"
        } else {
            "lease_duration"
        };
        return Err(invalid(
            format!("{KEY}.{key}"),
            format!(
                "lease_duration ({}) must be greater than renew_deadline ({}), as client-go requires",
                format_duration(le.lease_duration),
                format_duration(le.renew_deadline)
            ),
        ));
    }
    if le.renew_deadline <= JITTER_FACTOR * le.retry_period {
        let key = if renew.is_some() {
            "renew_deadline"
        } else {
            "retry_period"
        };
        return Err(invalid(
            format!("{KEY}.{key}"),
            format!(
                "renew_deadline ({}) must be greater than 1.2 × retry_period ({}), as client-go requires",
                format_duration(le.renew_deadline),
                format_duration(le.retry_period)
            ),
        ));
    }
    Ok(le)
}

/// The longest horizon one replication may simulate, in years. Simulated
/// time is a double in seconds: at 10,000 years its resolution is still
/// about 6e-5 s, well below the shortest delays modelled (elections, lease
/// jitter). For more cluster-years, run more replications.
pub const MAX_HORIZON_YEARS: f64 = 10_000.0;

/// Why a horizon (seconds) is unusable, if it is.
pub fn horizon_problem(seconds: f64) -> Option<String> {
    if seconds.is_nan() || seconds <= 0.0 {
        Some("must be greater than 0, e.g. `10y`".into())
    } else if seconds > MAX_HORIZON_YEARS * YEAR_SECONDS {
        Some(format!(
            "must be at most {MAX_HORIZON_YEARS}y per replication (time keeps sub-millisecond \
             resolution up to there); for more cluster-years, run more replications"
        ))
    } else {
        None
    }
}
