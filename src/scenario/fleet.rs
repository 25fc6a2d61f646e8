//! Fleet files: clusters in regions, and the services they serve together
//! through global DNS.
//!
//! A fleet names its clusters (each a scenario, by path relative to the
//! fleet file or inline), the region each lives in, and its services: the
//! workload that serves each in each cluster and how traffic moves between
//! them. A fleet loads into a [`Scenario`] whose `fleet` holds the
//! clusters' scenarios; its own fields are the fleet's name, description,
//! simulation and SLOs, and the first cluster's for the rest (never
//! simulated as a cluster). Errors are located in the fleet file, or in a
//! cluster's own file for a cluster given by path.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;

use super::dist::Distribution;
use super::error::ScenarioError;
use super::load::{self, Format, deserialize, locate_key, read_text};
use super::locate::Segment;
use super::raw::{DistValue, DurationValue, RawSimulation, RawSlo};
use super::tree::{Node, OrderedMap, to_yaml};
use super::types::{Regions, Scenario, Simulation};
use super::validate::{
    Invalid, Known, check_indicator_in, horizon_problem, indicator_names, invalid, repair_for,
    replications_and_precision, slo,
};

/// The most clusters one fleet may have.
pub const MAX_CLUSTERS: usize = 16;
/// The most services one fleet may have.
pub const MAX_SERVICES: usize = 64;

/// A fleet: its clusters, regions and services. Lives in
/// [`Scenario::fleet`].
#[derive(Clone, PartialEq)]
pub struct Fleet {
    /// The fleet's regions; `None` when the file has no `regions` (every
    /// cluster then in a region that never fails).
    pub regions: Option<FleetRegions>,
    /// In the file's order; at least 2.
    pub clusters: Vec<FleetCluster>,
    /// In the file's order; at least 1.
    pub services: Vec<Service>,
    /// The fleet file as YAML with every cluster's scenario inline: what a
    /// shard carries, and what a study's keys (`clusters.west.workers.nodes`)
    /// reach into. It loads into this same fleet.
    pub effective_yaml: String,
}

// By hand, so that the effective text (a form, not the design) stays out
// of the content hash.
impl std::fmt::Debug for Fleet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fleet")
            .field("regions", &self.regions)
            .field("clusters", &self.clusters)
            .field("services", &self.services)
            .finish()
    }
}

/// Regions of a fleet, each with its own outages.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetRegions {
    pub count: u32,
    /// (time between outages, outage length) of each region, 0-based: the
    /// fleet's `failure` and `repair` unless `overrides` gives its own.
    pub lifecycles: Vec<(Distribution, Distribution)>,
}

/// One cluster of a fleet.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetCluster {
    /// Its key under `clusters`, `[a-z0-9-]+`.
    pub name: String,
    /// 0-based region (the file's `region`, 1-based; region 1 by default).
    pub region: u32,
    /// Its scenario, with the fleet's horizon and, with regions, the
    /// fleet's region outages in `zones.regions` (one region, every zone
    /// in it).
    pub scenario: Scenario,
}

/// A service: served by one indicator (a workload) in each of some clusters.
#[derive(Clone, Debug, PartialEq)]
pub struct Service {
    pub name: String,
    /// (cluster index, indicator key in that cluster), in the file's order;
    /// for active-passive the primary first, then the standbys in order.
    pub members: Vec<(usize, String)>,
    pub mode: ServiceMode,
    /// Seconds between health checks of each cluster, > 0.
    pub check_interval: f64,
    /// Consecutive failed (or passed) checks that change a cluster's health.
    pub check_failures: u32,
    /// DNS time to live, seconds: how long clients keep an answer.
    pub ttl: f64,
    pub replication: Replication,
}

impl Service {
    /// Seconds from a cluster's failure (or recovery) until DNS notices it.
    pub fn detection(&self) -> f64 {
        self.check_interval * self.check_failures as f64
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum ServiceMode {
    /// Clients spread evenly over every cluster DNS lists as healthy.
    ActiveActive,
    /// One cluster serves; a standby takes over `promote` after DNS moves
    /// to it, and a cold one (`scale_up` given) scales up after that.
    ActivePassive {
        promote: Distribution,
        scale_up: Option<Distribution>,
    },
}

/// How a service's data reaches its other clusters.
#[derive(Clone, Debug, PartialEq)]
pub enum Replication {
    /// No data (the file has no `replication`): a failover loses nothing.
    None,
    /// Synchronous: a failover loses nothing.
    Sync,
    /// Asynchronous: a failover loses the writes of the last `lag`.
    Async { lag: Distribution },
}

/// The fleet file as written.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a fleet: a mapping with `fleet`, `simulation`, `clusters` and `services`"
)]
#[schemars(
    title = "kubenines fleet",
    description = "Clusters in regions and the services they serve together through global DNS, simulated by `kubenines run FLEET` (and `compare`, studies, `check`)."
)]
#[schemars(rename = "Fleet")]
struct RawFleet {
    /// Name of the fleet: lower-case letters, digits and `-`. Marks the file as a fleet.
    #[schemars(pattern(r"^[a-z0-9-]+$"))]
    fleet: String,
    /// Free text.
    description: Option<String>,
    /// Horizon, replications and seed of the whole fleet; each cluster's own `simulation` is
    /// replaced by it.
    simulation: RawSimulation,
    /// The fleet's regions: `count`, and each region's outages (`failure`, `repair`).
    /// Clusters in one region share its outages.
    regions: Option<RawFleetRegions>,
    /// The clusters, by name (`[a-z0-9-]+`), at least 2.
    clusters: OrderedMap<RawFleetCluster>,
    /// The services, by name (`[a-z0-9-]+`), at least 1.
    services: OrderedMap<RawService>,
    /// Service-level objectives on the fleet's indicators (`service/NAME`, `CLUSTER/api`, ...).
    slos: Option<Vec<RawSlo>>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `count`, `failure` and `repair`"
)]
#[schemars(rename = "FleetRegions")]
struct RawFleetRegions {
    /// Number of regions, each holding at least one cluster.
    #[schemars(range(min = 1))]
    count: u32,
    /// Time between outages of one region. Default `never`.
    failure: Option<DistValue>,
    /// Length of a region outage; required unless `failure` is `never`.
    repair: Option<DistValue>,
    /// Regions whose outages differ from the others', by number (1-based), e.g.
    /// `{2: {failure: never}}`; a key left out is the fleet's.
    overrides: Option<OrderedMap<RawRegionOverride>>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `failure` and `repair`"
)]
#[schemars(rename = "RegionOverride")]
struct RawRegionOverride {
    /// Time between this region's outages. Default the fleet's `regions.failure`.
    failure: Option<DistValue>,
    /// Length of this region's outages. Default the fleet's `regions.repair`.
    repair: Option<DistValue>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `scenario` (a path or a scenario) and `region`"
)]
#[schemars(rename = "FleetCluster")]
struct RawFleetCluster {
    /// The cluster's scenario: a path relative to the fleet file, or the scenario inline.
    scenario: Node,
    /// The region it lives in, 1-based (needs `regions`). Default 1.
    #[schemars(range(min = 1))]
    region: Option<u32>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ServiceMode")]
enum RawMode {
    ActiveActive,
    ActivePassive,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "Standby")]
enum RawStandby {
    Warm,
    Cold,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `clusters` and `mode`"
)]
#[schemars(rename = "Service")]
struct RawService {
    /// The indicator that serves it in each cluster, by cluster name, e.g.
    /// `{east: workload/payments, west: workload/payments}`.
    clusters: OrderedMap<String>,
    /// `active_active`: clients spread over every healthy cluster; `active_passive`: one
    /// primary, a standby takes over when it fails.
    mode: RawMode,
    /// Active-passive: the primary cluster. Default the first under `clusters`.
    primary: Option<String>,
    /// Active-passive: `warm` (running, default) or `cold` (scaled down; `scale_up` needed).
    standby: Option<RawStandby>,
    /// Active-passive: from DNS moving clients to a standby until it accepts writes.
    promote: Option<DistValue>,
    /// A cold standby: scaling up after its promotion.
    scale_up: Option<DistValue>,
    /// Health checks and DNS.
    traffic: Option<RawTraffic>,
    /// How the service's data reaches the other clusters. Default: none kept.
    replication: Option<RawReplication>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `health_check` and `ttl`"
)]
#[schemars(rename = "Traffic")]
struct RawTraffic {
    /// DNS health checks of each cluster.
    health_check: Option<RawDnsCheck>,
    /// DNS time to live: clients follow a change this long after it. Default 60s.
    ttl: Option<DurationValue>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `interval` and `failures`"
)]
#[schemars(rename = "DnsHealthCheck")]
struct RawDnsCheck {
    /// Between checks. Default 30s.
    interval: Option<DurationValue>,
    /// Consecutive failed checks before a cluster is taken out of DNS (and passed ones
    /// before it is put back). Default 3.
    #[schemars(range(min = 1))]
    failures: Option<u32>,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[schemars(rename = "ReplicationMode")]
enum RawReplicationMode {
    Sync,
    Async,
}

#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `mode` (and `lag` when async)"
)]
#[schemars(rename = "Replication")]
struct RawReplication {
    /// `sync` (a failover loses nothing) or `async` (it loses the last `lag` of writes).
    mode: RawReplicationMode,
    /// Async: how far the other clusters' copy is behind, drawn at each failover.
    lag: Option<DistValue>,
}

/// The JSON Schema of fleet files.
pub fn fleet_json_schema() -> serde_json::Value {
    schemars::schema_for!(RawFleet).to_value()
}

/// Whether `text` is a fleet: a mapping with a top-level `fleet` key (or,
/// when it does not parse, a line starting with that key).
pub(crate) fn is_fleet_text(text: &str, format: Format) -> bool {
    load::has_top_key(text, format, "fleet")
}

/// Whether the file at `path` is a fleet.
pub fn is_fleet(path: &Path) -> bool {
    read_text(path).is_ok_and(|(text, format)| is_fleet_text(&text, format))
}

fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Parses and validates a fleet from its text; `source` names it in
/// errors and paths of clusters are relative to its directory. Every error
/// found, in the file's order (a cluster's in its own file).
pub(crate) fn parse_fleet(
    text: &str,
    source: &str,
    format: Format,
) -> Result<Scenario, Vec<ScenarioError>> {
    let raw: RawFleet = deserialize(text, source, format).map_err(|e| vec![e])?;
    let mut tree: Node = load::deserialize_tree(text, source, format).map_err(|e| vec![e])?;
    let here = |invalid: Invalid| load::semantic_error(invalid, text, source, format);
    let mut errors: Vec<ScenarioError> = Vec::new();
    let mut problem = |e: Invalid| errors.push(here(e));

    if !valid_name(&raw.fleet) {
        problem(invalid(
            "fleet",
            format!(
                "`{}` is not a valid fleet name; use lower-case letters, digits and `-`, e.g. \
                 `two-regions`",
                raw.fleet.escape_debug()
            ),
        ));
    }
    let sim = raw.simulation;
    if let Some(why) = horizon_problem(sim.horizon.0) {
        problem(invalid("simulation.horizon", why));
    }
    let replications = replications_and_precision(sim.replications, sim.precision)
        .map_err(&mut problem)
        .ok();
    if sim.max_events_per_year == Some(0) {
        problem(invalid(
            "simulation.max_events_per_year",
            "must be at least 1: the event budget of each cluster per simulated year",
        ));
    }

    // Regions.
    let regions = match raw.regions {
        None => None,
        Some(r) => {
            if r.count == 0 {
                problem(invalid(
                    "regions.count",
                    "must be at least 1 (a region count)",
                ));
            }
            if r.count as usize > MAX_CLUSTERS {
                problem(invalid(
                    "regions.count",
                    format!(
                        "{} regions for at most {MAX_CLUSTERS} clusters: each region holds a \
                         cluster",
                        r.count
                    ),
                ));
            }
            let failure = r.failure.map_or(Distribution::Never, |d| d.0);
            let raw_repair = r.repair.map(|d| d.0);
            let repair = repair_for("regions", &failure, raw_repair.clone(), "a region outage")
                .map_err(&mut problem)
                .ok();
            let mut lifecycles = vec![(failure.clone(), repair.clone()); r.count as usize];
            for (key, o) in r.overrides.map(|o| o.0).unwrap_or_default() {
                let at = format!("regions.overrides.{key}");
                let region = match key.parse::<u32>() {
                    Ok(n) if n >= 1 && n <= r.count => n as usize - 1,
                    _ => {
                        problem(invalid(
                            at,
                            format!(
                                "`{}` is not a region: give a region's number, 1 to {} \
                                 (`regions.count`)",
                                key.escape_debug(),
                                r.count
                            ),
                        ));
                        continue;
                    }
                };
                let failure = o.failure.map_or_else(|| failure.clone(), |d| d.0);
                let given = o.repair.map(|d| d.0).or_else(|| raw_repair.clone());
                match repair_for(&at, &failure, given, "a region outage") {
                    Ok(rep) => lifecycles[region] = (failure, Some(rep)),
                    Err(e) => problem(e),
                }
            }
            let lifecycles: Option<Vec<(Distribution, Distribution)>> = lifecycles
                .into_iter()
                .map(|(f, r)| r.map(|r| (f, r)))
                .collect();
            lifecycles.map(|lifecycles| FleetRegions {
                count: r.count,
                lifecycles,
            })
        }
    };
    let region_count = regions.as_ref().map_or(1, |r| r.count.max(1));

    // Clusters.
    let dir = Path::new(source).parent().map(Path::to_path_buf);
    let cluster_entries = raw.clusters.0;
    if cluster_entries.len() < 2 {
        problem(invalid(
            "clusters",
            format!(
                "a fleet has at least 2 clusters ({} given); simulate one cluster as a \
                 scenario of its own",
                cluster_entries.len()
            ),
        ));
    }
    if cluster_entries.len() > MAX_CLUSTERS {
        problem(invalid(
            "clusters",
            format!(
                "{} clusters; a fleet has at most {MAX_CLUSTERS}",
                cluster_entries.len()
            ),
        ));
    }
    let mut clusters: Vec<Option<FleetCluster>> = Vec::new();
    let mut cluster_errors: Vec<ScenarioError> = Vec::new();
    let horizon = sim.horizon.0;
    for (name, c) in &cluster_entries {
        let at = format!("clusters.{name}");
        if !valid_name(name) {
            problem(invalid(
                at.clone(),
                format!(
                    "`{}` is not a valid cluster name; use lower-case letters, digits and `-`, \
                     e.g. `east`",
                    name.escape_debug()
                ),
            ));
        }
        let region = match (c.region, &regions) {
            (None, _) => Some(0),
            (Some(1), None) => Some(0),
            (Some(_), None) => {
                problem(invalid(
                    format!("{at}.region"),
                    "there are no regions: a cluster's region needs the fleet's `regions` \
                     (with `count`, `failure` and `repair`)",
                ));
                None
            }
            (Some(0), Some(_)) => {
                problem(invalid(
                    format!("{at}.region"),
                    "regions are numbered from 1",
                ));
                None
            }
            (Some(r), Some(regions)) if r > regions.count => {
                problem(invalid(
                    format!("{at}.region"),
                    format!(
                        "is {r}, but there are {} regions (`regions.count`)",
                        regions.count
                    ),
                ));
                None
            }
            (Some(r), Some(_)) => Some(r - 1),
        };
        let scenario = match load_cluster(name, &c.scenario, dir.as_deref(), text, source, format) {
            Ok((s, inline)) => {
                let at = ["clusters", name.as_str(), "scenario"].map(|k| Segment::Key(k.into()));
                // The path exists: it is where the scenario was read from.
                tree.set(&at, &inline).ok();
                Some(s)
            }
            Err(mut e) => {
                cluster_errors.append(&mut e);
                None
            }
        };
        let scenario = scenario.and_then(|mut s| {
            if s.zones.regions.is_some() {
                cluster_errors.push(here(invalid(
                    format!("{at}.scenario"),
                    format!(
                        "the scenario of cluster `{name}` has `regions`; a cluster of a fleet \
                         lives in one region, the fleet's (`clusters.{name}.region`): remove \
                         its `regions` and `zones.region_of`"
                    ),
                )));
                return None;
            }
            s.simulation.horizon = horizon;
            s.simulation.precision = None;
            s.simulation.replications = 1;
            s.slos.clear();
            // Named alike wherever the scenario was read from, so a fleet
            // loaded again from its effective text is the same fleet.
            s.source = format!("clusters.{name}");
            if let (Some(regions), Some(r)) = (&regions, region) {
                let (failure, repair) = regions.lifecycles[r as usize].clone();
                s.zones.regions = Some(Regions {
                    count: 1,
                    failure,
                    repair,
                    of_zone: vec![0; s.zones.count as usize],
                });
            }
            Some(s)
        });
        clusters.push(region.zip(scenario).map(|(region, scenario)| FleetCluster {
            name: name.clone(),
            region,
            scenario,
        }));
    }
    if let Some(regions) = &regions
        && cluster_errors.is_empty()
        && clusters.iter().all(Option::is_some)
    {
        for r in 0..region_count {
            if !clusters.iter().flatten().any(|c| c.region == r) {
                problem(invalid(
                    "regions.count",
                    format!(
                        "is {}, but region {} holds no cluster; give each region a cluster \
                         (`clusters.NAME.region`) or lower the count",
                        regions.count,
                        r + 1
                    ),
                ));
            }
        }
    }
    let names: Vec<&str> = cluster_entries.iter().map(|(n, _)| n.as_str()).collect();

    // Services.
    let service_entries = raw.services.0;
    if service_entries.is_empty() {
        problem(invalid(
            "services",
            "a fleet has at least one service: name the workload that serves it in each \
             cluster, e.g. `payments: {clusters: {east: workload/payments, west: \
             workload/payments}, mode: active_active}`",
        ));
    }
    if service_entries.len() > MAX_SERVICES {
        problem(invalid(
            "services",
            format!(
                "{} services; a fleet has at most {MAX_SERVICES}",
                service_entries.len()
            ),
        ));
    }
    let mut services = Vec::new();
    for (name, s) in service_entries {
        match service(&name, s, &names, &clusters) {
            Ok(s) => services.push(s),
            Err(mut e) => {
                for i in e.drain(..) {
                    problem(i);
                }
            }
        }
    }

    // The fleet's indicators, for its SLOs and precision target.
    let all_clusters: Option<Vec<FleetCluster>> = clusters.into_iter().collect();
    let keys = all_clusters
        .as_ref()
        .map(|c| fleet_indicator_keys(&services, c));
    let service_keys: Vec<String> = services
        .iter()
        .map(|s| format!("service/{}", s.name))
        .collect();
    let mut slos = Vec::new();
    if let Some(keys) = &keys {
        let known = Known {
            check: &|key: &str, indicator: &str| {
                check_indicator_in(key, indicator, keys, "this fleet")
            },
            has_requests: &|indicator: &str| {
                service_keys.iter().any(|k| k == indicator)
                    || indicator
                        .split_once('/')
                        .is_some_and(|(c, rest)| names.contains(&c) && rest == "api")
            },
            requests_named: "`service/NAME` and `CLUSTER/api`",
            scope: &|key: &str, _: &str| {
                Err(invalid(
                    key,
                    "a fleet reports no data loss per scope; judge every event (no `scope`)",
                ))
            },
        };
        for (i, s) in raw.slos.unwrap_or_default().into_iter().enumerate() {
            match slo(i, s, &known) {
                Ok(s) => slos.push(s),
                Err(e) => problem(e),
            }
        }
        if let Some((_, Some(p))) = &replications
            && let Err(e) = check_indicator_in(
                "simulation.precision.indicator",
                &p.indicator,
                keys,
                "this fleet",
            )
        {
            problem(e);
        }
    }

    errors.append(&mut cluster_errors);
    errors.sort_by(|a, b| {
        (
            a.file != source,
            a.line.unwrap_or(u32::MAX),
            a.column.unwrap_or(u32::MAX),
        )
            .cmp(&(
                b.file != source,
                b.line.unwrap_or(u32::MAX),
                b.column.unwrap_or(u32::MAX),
            ))
    });
    if !errors.is_empty() {
        return Err(errors);
    }
    let (Some(clusters), Some((replications, precision))) = (all_clusters, replications) else {
        return Err(vec![ScenarioError::file(source, "the fleet is invalid")]);
    };
    // The fleet's face: the first cluster's scenario under the fleet's
    // name, simulation and SLOs.
    let mut face = clusters[0].scenario.clone();
    face.name = raw.fleet;
    face.description = raw.description;
    face.source = source.to_string();
    face.simulation = Simulation {
        horizon,
        replications,
        seed: sim.seed.unwrap_or(0),
        precision,
        max_events_per_year: sim.max_events_per_year,
    };
    face.slos = slos;
    let mut clusters = clusters;
    face.warnings = clusters
        .iter_mut()
        .flat_map(|c| std::mem::take(&mut c.scenario.warnings))
        .collect();
    face.fleet = Some(Box::new(Fleet {
        regions,
        clusters,
        services,
        effective_yaml: to_yaml(&tree),
    }));
    Ok(face)
}

/// The keys of a fleet's indicators, in result order: `service/NAME` per
/// service, then `CLUSTER/KEY` for each cluster's own indicators.
pub fn fleet_indicator_keys(services: &[Service], clusters: &[FleetCluster]) -> Vec<String> {
    services
        .iter()
        .map(|s| format!("service/{}", s.name))
        .chain(clusters.iter().flat_map(|c| {
            indicator_names(&c.scenario.workloads)
                .into_iter()
                .map(move |k| format!("{}/{k}", c.name))
        }))
        .collect()
}

/// The keys a comparison knows a fleet's indicators by, each with its
/// indicator: its own, and for a service every cluster serves with the
/// same indicator, that indicator's key, standing for the service (the
/// first service of a key takes it).
pub fn fleet_compared_keys(fleet: &Fleet) -> Vec<(String, usize)> {
    let mut keys: Vec<(String, usize)> = fleet_indicator_keys(&fleet.services, &fleet.clusters)
        .into_iter()
        .enumerate()
        .map(|(i, k)| (k, i))
        .collect();
    for (i, s) in fleet.services.iter().enumerate() {
        if let Some((_, first)) = s.members.first()
            && s.members.iter().all(|(_, k)| k == first)
            && !keys.iter().any(|(k, _)| k == first)
        {
            keys.push((first.clone(), i));
        }
    }
    keys
}

/// Cluster `name`'s scenario: from its file (errors located there), or
/// inline (errors located in the fleet file, under `clusters.NAME.scenario`).
fn load_cluster(
    name: &str,
    node: &Node,
    dir: Option<&Path>,
    fleet_text: &str,
    source: &str,
    format: Format,
) -> Result<(Scenario, Node), Vec<ScenarioError>> {
    let at = format!("clusters.{name}.scenario");
    let here = |key: &str, message: String| {
        let (line, column) = locate_key(key, fleet_text, format);
        ScenarioError {
            file: source.to_string(),
            line,
            column,
            key: Some(key.to_string()),
            message,
        }
    };
    match node {
        Node::Str(path) => {
            let full: PathBuf = match dir {
                Some(d) if Path::new(path).is_relative() => d.join(path),
                _ => PathBuf::from(path),
            };
            if super::study::is_study(&full) || is_fleet(&full) {
                return Err(vec![here(
                    &at,
                    format!(
                        "{} is a study or a fleet; a cluster is a scenario",
                        full.display()
                    ),
                )]);
            }
            let unreadable = |e: ScenarioError| {
                // A file that cannot be read is named where the fleet names it.
                if e.line.is_none() && e.key.is_none() {
                    here(&at, format!("{}: {}", e.file, e.message))
                } else {
                    e
                }
            };
            let (text, format) = read_text(&full).map_err(|e| vec![unreadable(e)])?;
            let source = full.display().to_string();
            let scenario = load::parse_str_all(&text, &source, format)
                .map_err(|errors| errors.into_iter().map(unreadable).collect::<Vec<_>>())?;
            let inline =
                load::deserialize_tree::<Node>(&text, &source, format).map_err(|e| vec![e])?;
            Ok((scenario, inline))
        }
        Node::Map(entries) => {
            let mut entries = entries.clone();
            if !entries.iter().any(|(k, _)| k == "name") {
                entries.insert(0, ("name".into(), Node::Str(name.to_string())));
            }
            // The fleet's simulation replaces the cluster's; a placeholder
            // lets a scenario without one validate.
            if !entries.iter().any(|(k, _)| k == "simulation") {
                entries.push((
                    "simulation".into(),
                    Node::Map(vec![
                        ("horizon".into(), Node::Str("1y".into())),
                        ("replications".into(), Node::Int(1)),
                    ]),
                ));
            }
            let yaml = to_yaml(&Node::Map(entries));
            let mut scenario =
                load::parse_str_all(&yaml, source, Format::Yaml).map_err(|errors| {
                    errors
                        .into_iter()
                        .map(|e| match &e.key {
                            Some(k) => here(&format!("{at}.{k}"), e.message),
                            None => here(&at, e.message),
                        })
                        .collect::<Vec<_>>()
                })?;
            // Its warnings, located in the fleet file as its errors are.
            for w in &mut scenario.warnings {
                let key = format!("{at}.{}", w.key);
                let (line, column) = locate_key(&key, fleet_text, format);
                w.file = source.to_string();
                w.line = line;
                w.column = column;
                w.key = key;
            }
            Ok((scenario, node.clone()))
        }
        _ => Err(vec![here(
            &at,
            "a cluster's scenario is a path to a scenario file (relative to the fleet file) \
             or a scenario inline (a mapping)"
                .into(),
        )]),
    }
}

/// One service, checked against the clusters (valid ones only).
fn service(
    name: &str,
    s: RawService,
    names: &[&str],
    clusters: &[Option<FleetCluster>],
) -> Result<Service, Vec<Invalid>> {
    let at = format!("services.{name}");
    let mut problems = Vec::new();
    if !valid_name(name) {
        problems.push(invalid(
            at.clone(),
            format!(
                "`{}` is not a valid service name; use lower-case letters, digits and `-`, \
                 e.g. `payments`",
                name.escape_debug()
            ),
        ));
    }
    let mut members = Vec::new();
    if s.clusters.0.is_empty() {
        problems.push(invalid(
            format!("{at}.clusters"),
            "names no cluster: give the indicator that serves it in each cluster, e.g. \
             `{east: workload/payments, west: workload/payments}`",
        ));
    }
    for (cluster, indicator) in &s.clusters.0 {
        let key = format!("{at}.clusters.{cluster}");
        let Some(c) = names.iter().position(|n| n == cluster) else {
            problems.push(invalid(
                key,
                format!(
                    "`{}` is not a cluster of this fleet; its clusters are {}",
                    cluster.escape_debug(),
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
            continue;
        };
        if let Some(Some(fc)) = clusters.get(c) {
            let keys = indicator_names(&fc.scenario.workloads);
            if let Err(e) = check_indicator_in(
                &key,
                indicator,
                &keys,
                &format!("cluster `{cluster}` (its scenario `{}`)", fc.scenario.name),
            ) {
                problems.push(e);
                continue;
            }
        }
        members.push((c, indicator.clone()));
    }
    let traffic = s.traffic.unwrap_or(RawTraffic {
        health_check: None,
        ttl: None,
    });
    let check = traffic.health_check.unwrap_or(RawDnsCheck {
        interval: None,
        failures: None,
    });
    let check_interval = check.interval.map_or(30.0, |d| d.0);
    if check_interval <= 0.0 || !check_interval.is_finite() {
        problems.push(invalid(
            format!("{at}.traffic.health_check.interval"),
            "must be greater than 0, e.g. `30s` (Route 53 checks every 30s or 10s)",
        ));
    }
    let check_failures = check.failures.unwrap_or(3);
    if check_failures == 0 || check_failures > 10 {
        problems.push(invalid(
            format!("{at}.traffic.health_check.failures"),
            format!(
                "{check_failures} checks: give 1 to 10 consecutive failed checks before a \
                 cluster leaves DNS (Route 53's failure threshold; default 3)"
            ),
        ));
    }
    let ttl = traffic.ttl.map_or(60.0, |d| d.0);
    if ttl < 0.0 || !ttl.is_finite() {
        problems.push(invalid(
            format!("{at}.traffic.ttl"),
            "must be 0 or more, e.g. `60s`",
        ));
    }
    let mode = match s.mode {
        RawMode::ActiveActive => {
            for (key, given) in [
                ("primary", s.primary.is_some()),
                ("standby", s.standby.is_some()),
                ("promote", s.promote.is_some()),
                ("scale_up", s.scale_up.is_some()),
            ] {
                if given {
                    problems.push(invalid(
                        format!("{at}.{key}"),
                        format!(
                            "`{key}` is for `mode: active_passive`; in `active_active` every \
                             healthy cluster serves"
                        ),
                    ));
                }
            }
            Some(ServiceMode::ActiveActive)
        }
        RawMode::ActivePassive => {
            if let Some(p) = &s.primary {
                match members.iter().position(|(c, _)| names[*c] == p) {
                    Some(i) => {
                        let primary = members.remove(i);
                        members.insert(0, primary);
                    }
                    None => problems.push(invalid(
                        format!("{at}.primary"),
                        format!(
                            "`{}` is not one of this service's clusters (`{at}.clusters`)",
                            p.escape_debug()
                        ),
                    )),
                }
            }
            if s.clusters.0.len() < 2 {
                problems.push(invalid(
                    format!("{at}.clusters"),
                    "an active-passive service needs a primary and at least one standby",
                ));
            }
            let promote = s.promote.map(|d| d.0);
            if promote.is_none() {
                problems.push(invalid(
                    format!("{at}.promote"),
                    "missing: how long a standby takes to accept writes once DNS sends \
                     clients to it, e.g. `promote: lognormal(median=2m, sigma=0.5)` (or \
                     `fixed(0s)`)",
                ));
            }
            let cold = matches!(s.standby, Some(RawStandby::Cold));
            let scale_up = s.scale_up.map(|d| d.0);
            match (cold, &scale_up) {
                (true, None) => problems.push(invalid(
                    format!("{at}.scale_up"),
                    "missing: a cold standby scales up after its promotion; give how long, \
                     e.g. `scale_up: lognormal(median=5m, sigma=0.5)`",
                )),
                (false, Some(_)) => problems.push(invalid(
                    format!("{at}.scale_up"),
                    "a warm standby runs at full size; `scale_up` is for `standby: cold`",
                )),
                _ => {}
            }
            promote.map(|promote| ServiceMode::ActivePassive {
                promote,
                scale_up: if cold { scale_up } else { None },
            })
        }
    };
    let replication = match s.replication {
        None => Some(Replication::None),
        Some(RawReplication {
            mode: RawReplicationMode::Sync,
            lag,
        }) => {
            if lag.is_some() {
                problems.push(invalid(
                    format!("{at}.replication.lag"),
                    "synchronous replication has no lag; `lag` is for `mode: async`",
                ));
            }
            Some(Replication::Sync)
        }
        Some(RawReplication {
            mode: RawReplicationMode::Async,
            lag: Some(lag),
        }) => Some(Replication::Async { lag: lag.0 }),
        Some(RawReplication {
            mode: RawReplicationMode::Async,
            lag: None,
        }) => {
            problems.push(invalid(
                format!("{at}.replication"),
                "missing `lag`: how far behind the other clusters' copy is, e.g. `lag: \
                 exponential(mean=2s)`",
            ));
            None
        }
    };
    match (mode, replication) {
        (Some(mode), Some(replication)) if problems.is_empty() => Ok(Service {
            name: name.to_string(),
            members,
            mode,
            check_interval,
            check_failures,
            ttl,
            replication,
        }),
        _ => Err(problems),
    }
}
