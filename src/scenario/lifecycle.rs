//! The keys of issue 16, checked: a workload's `kind`, `volume` and
//! `requests`, `workers.node.capacity`, `workers.out_of_service`, host
//! `replacement` (workers, control-plane hosts, external etcd hosts) and
//! the cluster `autoscaler`; with the warnings they can earn.

use super::dist::Distribution;
use super::raw::{RawAutoscaler, RawCapacity, RawReplacement, RawRequests, RawVolume};
use super::types::{
    Autoscaler, DEFAULT_FORCE_DETACH, DEFAULT_MAX_PODS, NodeCapacity, Replacement, Resources,
    Volume, Workers, Workload,
};
use super::validate::{Invalid, MAX_HOSTS, Warning, invalid};

/// A time that must come: not `never`, with a finite mean. `what` says what
/// it is the time of, `example` how to write one.
fn coming(key: &str, d: Distribution, what: &str, example: &str) -> Result<Distribution, Invalid> {
    if d == Distribution::Never {
        return Err(invalid(
            key,
            format!(
                "`never` would mean {what} never happens; give how long it takes, e.g. `{example}`"
            ),
        ));
    }
    let mean = d.mean();
    if !mean.is_finite() || mean < 0.0 {
        return Err(invalid(
            key,
            format!(
                "`{d}` has no finite mean (its tail is too heavy); give a time with a finite \
                 mean, e.g. `{example}`"
            ),
        ));
    }
    Ok(d)
}

/// `KEY.replacement` (or `control_plane.etcd_replacement`), at `key`.
pub(super) fn replacement(key: &str, raw: RawReplacement) -> Result<Replacement, Invalid> {
    let after = coming(
        &format!("{key}.after"),
        raw.after.0,
        "a failed host's instance is deleted",
        "10m",
    )?;
    let provision = coming(
        &format!("{key}.provision"),
        raw.provision.0,
        "the new host joins",
        "lognormal(median=5m, sigma=0.5)",
    )?;
    Ok(Replacement { after, provision })
}

/// `workers.out_of_service`: `None` for `never`.
pub(super) fn out_of_service(raw: Distribution) -> Result<Option<Distribution>, Invalid> {
    if raw == Distribution::Never {
        return Ok(None);
    }
    coming(
        "workers.out_of_service",
        raw,
        "the operator taints the node",
        "30m",
    )
    .map(Some)
}

/// `workers.node.capacity`.
pub(super) fn capacity(raw: RawCapacity) -> Result<NodeCapacity, Invalid> {
    let pods = raw.pods.unwrap_or(DEFAULT_MAX_PODS);
    if pods == 0 {
        return Err(invalid(
            "workers.node.capacity.pods",
            format!(
                "must be at least 1: the most pods a node runs (the kubelet's maxPods, \
                 {DEFAULT_MAX_PODS} by default)"
            ),
        ));
    }
    Ok(NodeCapacity {
        cpu_millicores: raw.cpu.0,
        memory_bytes: raw.memory.0,
        pods,
    })
}

/// `workloads[i].requests`, zero where not given.
pub(super) fn requests(raw: Option<RawRequests>) -> Resources {
    raw.map_or_else(Resources::default, |r| Resources {
        cpu_millicores: r.cpu.map_or(0, |q| q.0),
        memory_bytes: r.memory.map_or(0, |q| q.0),
    })
}

/// `workloads[i].volume`; `key` gives a key path under the workload.
pub(super) fn volume(key: &dyn Fn(&str) -> String, raw: RawVolume) -> Result<Volume, Invalid> {
    let attach = coming(
        &key("volume.attach"),
        raw.attach.0,
        "a volume is attached",
        "lognormal(median=20s, sigma=0.5)",
    )?;
    let force_detach = match raw.force_detach {
        None => DEFAULT_FORCE_DETACH,
        Some(d) if d.0.is_nan() || d.0 <= 0.0 => {
            return Err(invalid(
                key("volume.force_detach"),
                "must be greater than 0, e.g. `6m` (kube-controller-manager's \
                 maxWaitForUnmountDuration, the default)",
            ));
        }
        Some(d) => d.0,
    };
    Ok(Volume {
        zonal: raw.zonal.unwrap_or(true),
        attach,
        force_detach,
    })
}

/// The most workers a scenario with the cluster autoscaler may have, its
/// slots included: each zone with workers gets one per worker it may add.
pub const MAX_AUTOSCALED_WORKERS: u64 = 10_000;

/// `autoscaler`, against the workers it scales (none: it is refused).
pub(super) fn autoscaler(
    raw: RawAutoscaler,
    workers: Option<&Workers>,
) -> Result<Autoscaler, Invalid> {
    let Some(workers) = workers else {
        return Err(invalid(
            "autoscaler",
            "the cluster autoscaler adds and removes worker nodes, and this scenario has none; \
             add `workers` with their `nodes` and `node`",
        ));
    };
    let scale_up = coming(
        "autoscaler.scale_up",
        raw.scale_up.0,
        "a worker is added",
        "lognormal(median=3m, sigma=0.5)",
    )?;
    if raw.max_workers < workers.nodes {
        return Err(invalid(
            "autoscaler.max_workers",
            format!(
                "{} is fewer than the {} workers the cluster starts with (`workers.nodes`); give \
                 at least {}",
                raw.max_workers, workers.nodes, workers.nodes
            ),
        ));
    }
    if raw.max_workers > MAX_HOSTS {
        return Err(invalid(
            "autoscaler.max_workers",
            format!(
                "{} is more than kubenines simulates ({MAX_HOSTS} workers at most)",
                raw.max_workers
            ),
        ));
    }
    let mut zones = workers.placement.clone();
    zones.sort_unstable();
    zones.dedup();
    let slots = zones.len() as u64 * u64::from(raw.max_workers - workers.nodes);
    if u64::from(workers.nodes) + slots > MAX_AUTOSCALED_WORKERS {
        return Err(invalid(
            "autoscaler.max_workers",
            format!(
                "each of the {} zones with workers gets max_workers - nodes = {} slots for the \
                 workers the autoscaler may add, {} workers in all, more than kubenines \
                 simulates ({MAX_AUTOSCALED_WORKERS} at most); lower `max_workers`",
                zones.len(),
                raw.max_workers - workers.nodes,
                u64::from(workers.nodes) + slots
            ),
        ));
    }
    let scale_down_after = raw.scale_down_after.0;
    if scale_down_after.is_nan() || scale_down_after <= 0.0 {
        return Err(invalid(
            "autoscaler.scale_down_after",
            "must be greater than 0, e.g. `10m` (the autoscaler's default \
             --scale-down-unneeded-time)",
        ));
    }
    Ok(Autoscaler {
        scale_up,
        max_workers: raw.max_workers,
        scale_down_after,
    })
}

/// A host class's `replacement` beside its `disk_loss` above 0: replacement
/// wins, so the probability adds nothing. At the `disk_loss` key.
pub(super) fn replacement_disk_loss_warning(
    disk_loss_key: &str,
    disk_loss: f64,
    replacement_key: &str,
) -> Option<Warning> {
    (disk_loss > 0.0).then(|| Warning {
        key: disk_loss_key.to_string(),
        message: format!(
            "`{replacement_key}` replaces every failed host with a new, empty one, so every \
             failure loses the host's data: replacement wins, and `disk_loss: {disk_loss}` adds \
             nothing (leave it out)"
        ),
    })
}

/// Requests that no worker has room for (a pod that stays Pending forever),
/// or requests that nothing limits (no `workers.node.capacity`).
/// `key(leaf)` is the key path under the workload's entry; `what` names a
/// workload read from a manifest (empty otherwise).
pub(super) fn requests_warning(
    key: &dyn Fn(&str) -> String,
    what: &str,
    workload: &Workload,
    workers: &Workers,
) -> Option<Warning> {
    let r = workload.requests;
    if r == Resources::default() {
        return None;
    }
    let named = if what.is_empty() {
        String::new()
    } else {
        format!("{what}: ")
    };
    let Some(c) = workers.capacity else {
        return Some(Warning {
            key: key("requests"),
            message: format!(
                "{named}requests are ignored without `workers.node.capacity`: every worker \
                 then has room for any number of pods; give the workers' `capacity` with \
                 `cpu` and `memory`, e.g. `capacity: {{ cpu: 4, memory: 16Gi }}`"
            ),
        });
    };
    let over = if r.cpu_millicores > c.cpu_millicores {
        Some((
            "cpu",
            format!("{}m of CPU", r.cpu_millicores),
            format!("{}m", c.cpu_millicores),
        ))
    } else if r.memory_bytes > c.memory_bytes {
        Some((
            "memory",
            format!("{} bytes of memory", r.memory_bytes),
            format!("{} bytes", c.memory_bytes),
        ))
    } else {
        None
    };
    over.map(|(leaf, asked, has)| Warning {
        key: key(&format!("requests.{leaf}")),
        message: format!(
            "{named}each pod requests {asked}, more than a worker has ({has}, \
             `workers.node.capacity.{leaf}`): no node can ever take one, so the pod stays \
             Pending forever, as in Kubernetes, and the workload is never available"
        ),
    })
}
