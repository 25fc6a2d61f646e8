//! From the file's raw form to the checked [`Scenario`]: defaults, and every
//! rule that relates one key to another.

use super::dist::Distribution;
use super::duration::format_duration;
use super::raw::{
    RawControlPlane, RawHostSpec, RawLeaderElection, RawLoadBalancer, RawScenario, RawTopology,
};
use super::types::YEAR_SECONDS;
use super::types::{
    ControlPlane, Etcd, EtcdHosts, HostSpec, LeaderElection, Scenario, Simulation, Topology, Zones,
};

/// A rule the scenario breaks, at a key path such as `control_plane.placement[2]`.
#[derive(Debug)]
pub(crate) struct Invalid {
    pub key: String,
    pub message: String,
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> Invalid {
    Invalid {
        key: key.into(),
        message: message.into(),
    }
}

/// Upper bound on hosts of one kind and on zones. Real designs have a handful;
/// the bound keeps a typo such as `nodes: 3000000000` from becoming an
/// allocation of gigabytes in the simulator.
pub const MAX_HOSTS: u32 = 1_000;

/// client-go's `JitterFactor`: renew_deadline must exceed 1.2 × retry_period.
const JITTER_FACTOR: f64 = 1.2;

pub(crate) fn validate(raw: RawScenario, source: &str) -> Result<Scenario, Invalid> {
    if raw.name.is_empty()
        || !raw
            .name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(invalid(
            "name",
            format!(
                "`{}` is not a valid name; use lower-case letters, digits and `-`, e.g. `stacked-3`",
                raw.name.escape_debug()
            ),
        ));
    }

    let sim = raw.simulation;
    if let Some(why) = horizon_problem(sim.horizon.0) {
        return Err(invalid("simulation.horizon", why));
    }
    if sim.replications == 0 {
        return Err(invalid("simulation.replications", "must be at least 1"));
    }
    let simulation = Simulation {
        horizon: sim.horizon.0,
        replications: sim.replications,
        seed: sim.seed.unwrap_or(0),
    };

    let zones = match raw.zones {
        None => Zones {
            count: 1,
            failure: Distribution::Never,
            repair: Distribution::Never,
        },
        Some(z) => {
            let count = z.count.unwrap_or(1);
            check_count("zones.count", count, "zone")?;
            let failure = z.failure.map_or(Distribution::Never, |d| d.0);
            let repair = repair_for("zones", &failure, z.repair.map(|d| d.0), "a zone outage")?;
            Zones {
                count,
                failure,
                repair,
            }
        }
    };

    let control_plane = control_plane(raw.control_plane, zones.count)?;

    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        source: source.to_string(),
        simulation,
        zones,
        control_plane,
        workers: None,
        workloads: Vec::new(),
        maintenance: None,
        warnings: Vec::new(),
    })
}

fn control_plane(cp: RawControlPlane, zone_count: u32) -> Result<ControlPlane, Invalid> {
    check_count("control_plane.nodes", cp.nodes, "control-plane host")?;
    let placement = zone_placement(
        "control_plane.placement",
        cp.placement,
        cp.nodes,
        "control_plane.nodes",
        zone_count,
    )?;
    let node = host_spec("control_plane.node", cp.node, "a control-plane host")?;

    let topology = match cp.topology {
        RawTopology::Stacked => Topology::Stacked,
        RawTopology::External => Topology::External,
    };
    let etcd_hosts = match topology {
        Topology::Stacked => {
            let stray = [
                ("etcd_nodes", cp.etcd_nodes.is_some()),
                ("etcd_node", cp.etcd_node.is_some()),
                ("etcd_placement", cp.etcd_placement.is_some()),
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
            None
        }
        Topology::External => {
            let Some(nodes) = cp.etcd_nodes else {
                return Err(invalid(
                    "control_plane.etcd_nodes",
                    "required for `topology: external`: the number of dedicated etcd hosts, e.g. `etcd_nodes: 3`",
                ));
            };
            check_count("control_plane.etcd_nodes", nodes, "etcd host")?;
            let Some(spec) = cp.etcd_node else {
                return Err(invalid(
                    "control_plane.etcd_node",
                    "required for `topology: external`: the failure and repair of each etcd host",
                ));
            };
            let placement = zone_placement(
                "control_plane.etcd_placement",
                cp.etcd_placement,
                nodes,
                "control_plane.etcd_nodes",
                zone_count,
            )?;
            let node = host_spec("control_plane.etcd_node", spec, "an etcd host")?;
            Some(EtcdHosts {
                nodes,
                placement,
                node,
            })
        }
    };

    let election = cp
        .etcd
        .and_then(|e| e.election)
        .map_or(Distribution::Uniform { min: 1.0, max: 2.0 }, |d| d.0);
    if election == Distribution::Never {
        return Err(invalid(
            "control_plane.etcd.election",
            "`never` would leave etcd without a leader for good; give how long an election takes, \
             e.g. `uniform(min=1s, max=2s)`",
        ));
    }

    let leader_election = leader_election(cp.leader_election)?;

    let load_balancer = match cp.load_balancer {
        None => {
            return Err(invalid(
                "control_plane.load_balancer",
                "missing; give the load balancer's `failure` and `repair`, or write \
                 `load_balancer: none` if clients talk to cp-1 directly",
            ));
        }
        Some(RawLoadBalancer::None) => None,
        Some(RawLoadBalancer::Spec(spec)) => Some(host_spec(
            "control_plane.load_balancer",
            spec,
            "the load balancer",
        )?),
    };

    let apiserver = cp
        .apiserver
        .map(|raw| host_spec("control_plane.apiserver", raw, "an apiserver"))
        .transpose()?;
    let etcd_member = cp
        .etcd_member
        .map(|raw| host_spec("control_plane.etcd_member", raw, "an etcd member"))
        .transpose()?;

    Ok(ControlPlane {
        topology,
        nodes: cp.nodes,
        placement,
        node,
        etcd_hosts,
        etcd: Etcd { election },
        leader_election,
        load_balancer,
        apiserver,
        etcd_member,
    })
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
/// starting at zone 1 (MODEL.md: each group of hosts starts at zone 1).
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
        .map(|(i, &zone)| {
            if (1..=zone_count).contains(&zone) {
                Ok(zone - 1)
            } else {
                let why = if zone == 0 {
                    ": zones are numbered from 1"
                } else {
                    ""
                };
                Err(invalid(
                    format!("{key}[{i}]"),
                    format!("zone {zone} does not exist{why} (zones.count is {zone_count})"),
                ))
            }
        })
        .collect()
}

fn host_spec(key: &str, raw: RawHostSpec, what: &str) -> Result<HostSpec, Invalid> {
    let failure = raw.failure.0;
    let repair = repair_for(key, &failure, raw.repair.map(|d| d.0), what)?;
    Ok(HostSpec { failure, repair })
}

/// Checks a failure distribution and returns its repair distribution, which
/// is required unless failures never happen.
fn repair_for(
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
    let (lease, renew, retry) = match &raw {
        Some(le) => (le.lease_duration, le.renew_deadline, le.retry_period),
        None => (None, None, None),
    };
    let le = LeaderElection {
        lease_duration: lease.map_or(15.0, |d| d.0),
        renew_deadline: renew.map_or(10.0, |d| d.0),
        retry_period: retry.map_or(2.0, |d| d.0),
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
