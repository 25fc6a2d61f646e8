//! StatefulSets, volumes, out-of-service taints and replaced workers
//! (docs/model.md, "StatefulSets, volumes and replaced hosts"), each on a
//! deterministic timeline: fixed durations, one worker (or one zone's
//! workers) failing at a fixed time, everything else perfect, so that each
//! outage has an exact length.

use crate::common::*;
use kubenines::engine::Sampler;
use kubenines::model::{Cluster, Lifecycle, Model};
use kubenines::scenario::*;
use kubenines::scenario::{Format, parse_str};

const GRACE: f64 = 40.0;
const EVICTION: f64 = 300.0;
const STARTUP: f64 = 20.0;
const ATTACH: f64 = 45.0;
const FORCE_DETACH: f64 = 360.0;
const FAIL_AT: f64 = 100.0 * DAY;

/// One perfect control-plane host; `workers` perfect workers over `zones`
/// zones (worker k in zone k % zones); a 200-day horizon.
fn cluster(workers: u32, zones: u32) -> Scenario {
    let mut s = with_zones(
        stacked(1, perfect()),
        zones,
        Distribution::Never,
        Distribution::Never,
    );
    s.simulation.horizon = 200.0 * DAY;
    s.workers = Some(Workers {
        nodes: workers,
        placement: (0..workers).map(|i| i % zones).collect(),
        node: perfect(),
        node_monitor_grace_period: GRACE,
        eviction_timeout: EVICTION,
        out_of_service: None,
        capacity: None,
        replacement: None,
    });
    s
}

fn workload(kind: WorkloadKind, replicas: u32, zonal: Option<bool>) -> Workload {
    Workload {
        name: "db".into(),
        replicas,
        min_available: replicas,
        startup: fixed(STARTUP),
        anti_affinity: AntiAffinity::Host,
        zone_spread: None,
        host_spread: None,
        preferred: Preferred::default(),
        rolling_update: None,
        progress_deadline: None,
        kind,
        volume: zonal.map(|zonal| Volume {
            zonal,
            attach: fixed(ATTACH),
            force_detach: FORCE_DETACH,
        }),
        requests: Resources::default(),
    }
}

/// The workers in `failing` fail at FAIL_AT and are repaired after
/// `repair` (or replaced, with `replacement`); every other worker is perfect.
fn fail_workers(
    model: &mut Model,
    failing: &[usize],
    repair: f64,
    replacement: Option<(f64, f64)>,
) {
    fail_workers_at(model, failing, FAIL_AT, repair, replacement);
}

/// Lengths of the ended outages of `workload/db`, and its mean
/// unavailability, over `replications`.
fn outages(model: &Model, replications: u64) -> (Vec<f64>, f64) {
    let found = ended_outages(model, "workload/db", replications);
    let r = run_model(model, replications);
    (found, indicator(&r, "workload/db").unavailability.mean)
}

const NEVER: f64 = 1000.0 * DAY;

/// A StatefulSet's pod on a worker that never returns, replaced `after`
/// A: the lifecycle eviction (at grace + eviction_timeout, before A) leaves
/// it alone; the Node's deletion at A frees it and detaches its volume at
/// once, so it is back after exactly A + attach + startup.
#[test]
fn a_statefulset_pod_moves_when_its_node_is_deleted() {
    let after = 600.0;
    let mut s = cluster(4, 1);
    s.workloads = vec![workload(WorkloadKind::StatefulSet, 3, Some(true))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], NEVER, Some((after, NEVER)));
    let (found, _) = outages(&model, 64);
    assert_all(&found, after + ATTACH + STARTUP, "deleted Node");
}

/// The same without replacement and without an out-of-service taint: the
/// pod waits for its node, which never returns; down from the failure to
/// the horizon, half of it, in every run (three replicas on three workers,
/// all needed).
#[test]
fn a_statefulset_pod_on_a_dead_node_waits_for_ever() {
    let mut s = cluster(3, 1);
    s.workloads = vec![workload(WorkloadKind::StatefulSet, 3, Some(true))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], NEVER, None);
    let (found, unavailability) = outages(&model, 16);
    assert!(found.is_empty(), "{found:?}");
    assert!((unavailability - 0.5).abs() < 1e-12, "{unavailability}");
}

/// The operator's out-of-service taint, O after NotReady, lets the pod go
/// and detaches its volume at once: back after grace + O + attach + startup.
#[test]
fn an_out_of_service_taint_frees_a_statefulset_pod() {
    let taint = 900.0;
    let mut s = cluster(4, 1);
    if let Some(w) = &mut s.workers {
        w.out_of_service = Some(fixed(taint));
    }
    s.workloads = vec![workload(WorkloadKind::StatefulSet, 3, Some(true))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], NEVER, None);
    let (found, _) = outages(&model, 64);
    assert_all(&found, GRACE + taint + ATTACH + STARTUP, "out-of-service");
}

/// A StatefulSet's pod on a worker repaired in place after R returns with
/// it: its volume never left the node, so only startup follows.
#[test]
fn a_statefulset_pod_returns_with_its_node() {
    let repair = 4.0 * 3600.0;
    let mut s = cluster(4, 1);
    s.workloads = vec![workload(WorkloadKind::StatefulSet, 3, Some(true))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], repair, None);
    let (found, _) = outages(&model, 64);
    assert_all(&found, repair + STARTUP, "node back");
}

/// A Deployment's pod with a volume is evicted at grace +
/// eviction_timeout, but its replacement waits for the volume's forced
/// detach (force_detach later), then attaches it and starts.
#[test]
fn a_deployment_with_a_volume_waits_for_the_forced_detach() {
    let mut s = cluster(4, 1);
    s.workloads = vec![workload(WorkloadKind::Deployment, 3, Some(false))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], NEVER, None);
    let (found, _) = outages(&model, 64);
    assert_all(
        &found,
        GRACE + EVICTION + FORCE_DETACH + ATTACH + STARTUP,
        "forced detach",
    );
    // Without a volume, as before: grace, eviction, startup.
    s.workloads = vec![workload(WorkloadKind::Deployment, 3, None)];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], NEVER, None);
    let (found, _) = outages(&model, 64);
    assert_all(&found, GRACE + EVICTION + STARTUP, "no volume");
}

/// Zone 1's workers (1 and 3 of four over two zones) down for a fixed 4 h:
/// a pod whose zonal volume is in zone 1 waits for the zone, then attaches
/// and starts: 4 h + attach + startup. With a regional volume it moves to
/// zone 2 after the forced detach.
#[test]
fn a_zonal_volume_keeps_its_pod_in_its_zone() {
    let outage = 4.0 * 3600.0;
    let mut s = cluster(4, 2);
    s.workloads = vec![workload(WorkloadKind::Deployment, 1, Some(true))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0, 2], outage, None);
    let (found, _) = outages(&model, 64);
    assert_all(&found, outage + ATTACH + STARTUP, "zonal");

    s.workloads = vec![workload(WorkloadKind::Deployment, 1, Some(false))];
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0, 2], outage, None);
    let (found, _) = outages(&model, 64);
    // The second of the zone's two nodes is evicted 10 s after the first.
    for &d in &found {
        let first = GRACE + EVICTION + FORCE_DETACH + ATTACH + STARTUP;
        assert!(
            (d - first).abs() < 1e-6 || (d - first - 10.0).abs() < 1e-6,
            "regional: an outage of {d} s"
        );
    }
    assert!(!found.is_empty());
}

fn with_capacity(s: &mut Scenario, cpu: u64, memory: u64, pods: u32) {
    if let Some(w) = &mut s.workers {
        w.capacity = Some(NodeCapacity {
            cpu_millicores: cpu,
            memory_bytes: memory,
            pods,
        });
    }
}

/// Three workers with room for two pods each hold six replicas: when one
/// fails for R, its two pods, evicted at grace + eviction_timeout, find no
/// room and stay Pending until it is back: the workload (all six needed)
/// is down exactly R + startup. Without capacities they move at once.
#[test]
fn a_full_cluster_leaves_evicted_pods_pending() {
    let repair = 4.0 * 3600.0;
    let mut s = cluster(3, 1);
    let mut app = workload(WorkloadKind::Deployment, 6, None);
    app.anti_affinity = AntiAffinity::None;
    app.requests = Resources {
        cpu_millicores: 1000,
        memory_bytes: 1 << 30,
    };
    s.workloads = vec![app];
    with_capacity(&mut s, 2000, 4 << 30, 110);
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], repair, None);
    let (found, _) = outages(&model, 16);
    assert_all(&found, repair + STARTUP, "no room");
    assert_eq!(found.len(), 16);
    // Pending from the eviction until the worker is back, in every run.
    let pending = |model: &Model| {
        let r = run_model(model, 16);
        let p = indicator(&r, "workload/db").pending_minutes_per_year;
        p.expect("pending time with capacities").mean
    };
    let exact = (repair - GRACE - EVICTION) / s.simulation.horizon * YEAR_SECONDS / 60.0;
    let got = pending(&model);
    assert!((got - exact).abs() <= 1e-9 * exact, "{got} against {exact}");
    // The pod limit alone does the same.
    s.workloads[0].requests = Resources::default();
    with_capacity(&mut s, 2000, 4 << 30, 2);
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], repair, None);
    let (found, _) = outages(&model, 16);
    assert_all(&found, repair + STARTUP, "pods: 2");
    // Room to spare: evicted pods move.
    with_capacity(&mut s, 2000, 4 << 30, 110);
    let mut model = Model::build(&s).unwrap();
    fail_workers(&mut model, &[0], repair, None);
    let (found, _) = outages(&model, 16);
    assert_all(&found, GRACE + EVICTION + STARTUP, "room");
    assert_eq!(pending(&model), 0.0);
    // Without capacities, no Pending time is reported.
    s.workers.as_mut().unwrap().capacity = None;
    let model = Model::build(&s).unwrap();
    let r = run_model(&model, 4);
    assert!(
        indicator(&r, "workload/db")
            .pending_minutes_per_year
            .is_none()
    );
}

/// Ample capacity changes nothing: every node's resource score is the
/// same, and the count of pods ranks them as before; the results are
/// identical to the last bit.
#[test]
fn ample_capacity_changes_nothing() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/production.yaml");
    let mut s = load(&path).unwrap();
    s.simulation.replications = 200;
    let before = run(&s, 2);
    with_capacity(&mut s, 1_000_000, 1 << 50, 110);
    let after = run(&s, 2);
    for key in ["workload/web", "workload/payments", "api"] {
        let (a, b) = (indicator(&before, key), indicator(&after, key));
        assert_eq!(
            a.unavailability.mean.to_bits(),
            b.unavailability.mean.to_bits(),
            "{key}"
        );
        assert_eq!(
            a.outages_per_year.mean.to_bits(),
            b.outages_per_year.mean.to_bits(),
            "{key}"
        );
    }
}

/// The model of scenario `text` (read as `file`), its hosts in `perfect`
/// given a class that never fails, so that only the others fail.
fn one_host_fails(text: &str, file: &str, perfect: std::ops::Range<usize>) -> Model {
    let s = parse_str(text, file, Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    let mut model = Model::build(&s).unwrap();
    model.host_classes.push(Lifecycle {
        failure: Sampler::Never,
        repair: Sampler::Never,
    });
    model.disk_loss.push(0.0);
    model.replacement.push(None);
    let class = (model.host_classes.len() - 1) as u8;
    for host in &mut model.hosts[perfect] {
        host.class = class;
    }
    model
}

/// A replaced control-plane host: cp-1 (the only one that fails, at day
/// 100) is deleted A after its failure and an empty successor joins P
/// later; its etcd member, empty, is added back in M (member_replace).
/// Clients talk to cp-1 directly (`load_balancer: none`), and its
/// apiserver serves through its own member: the API is down exactly
/// A + P + M, while etcd keeps its quorum throughout (down only for the
/// 1 s election when cp-1 led it).
#[test]
fn a_replaced_control_plane_host_comes_back_empty() {
    let (after, provision, replace) = (600.0, 240.0, 1800.0);
    let text = format!(
        "name: cp\nsimulation:\n  horizon: 200d\n  replications: 8\n  seed: 5\n\
         control_plane:\n  topology: stacked\n  nodes: 3\n  node:\n    \
         failure: fixed(100d)\n    repair: never\n  \
         replacement: {{ after: fixed({after}s), provision: fixed({provision}s) }}\n  \
         etcd:\n    election: fixed(1s)\n    member_replace: fixed({replace}s)\n  \
         load_balancer: none\n\
         recovery:\n  detection: 5m\n  force_new_cluster: fixed(1h)\n  restore: fixed(2h)\n"
    );
    let model = one_host_fails(&text, "cp.yaml", 1..3);
    let (api, etcd) = (
        indicator_index(&model, "api"),
        indicator_index(&model, "etcd"),
    );
    let mut cluster = Cluster::new(&model);
    let (mut found, mut etcd_down) = (Vec::new(), Vec::new());
    for r in 0..8 {
        cluster.run(r, |i, d| {
            if i == api {
                found.push(d);
            } else if i == etcd {
                etcd_down.push(d);
            }
        });
    }
    assert_eq!(found.len(), 8, "{found:?}");
    assert_all(&found, after + provision + replace, "replaced cp-1");
    for d in etcd_down {
        assert!((d - 1.0).abs() < 1e-9, "etcd down {d} s");
    }
}

/// A replaced external etcd host: etcd-1 (the only host that fails, at day
/// 100) is deleted A after its failure and an empty successor joins P
/// later; its member, empty, is added back M after that (member_replace,
/// while the other two keep the quorum). The trace shows etcd-1 failed
/// for exactly A + P, then its disk lost for exactly M, then up; etcd
/// itself is down at most for the 1 s election when etcd-1 led it.
#[test]
fn a_replaced_etcd_host_comes_back_empty() {
    let (after, provision, replace) = (600.0, 240.0, 1800.0);
    let text = format!(
        "name: etcd\nsimulation:\n  horizon: 200d\n  replications: 4\n  seed: 5\n\
         control_plane:\n  topology: external\n  nodes: 1\n  node:\n    \
         failure: never\n    repair: never\n  \
         etcd_nodes: 3\n  etcd_node:\n    failure: fixed(100d)\n    repair: never\n  \
         etcd_replacement: {{ after: fixed({after}s), provision: fixed({provision}s) }}\n  \
         etcd:\n    election: fixed(1s)\n    member_replace: fixed({replace}s)\n  \
         load_balancer: none\n\
         recovery:\n  detection: 5m\n  force_new_cluster: fixed(1h)\n  restore: fixed(2h)\n"
    );
    let model = one_host_fails(&text, "etcd.yaml", 2..4);
    let mut cluster = Cluster::new(&model);
    let rows: Vec<String> = cluster.trace_rows().into_iter().map(|r| r.label).collect();
    let (host, etcd) = (
        rows.iter().position(|l| l == "etcd-1").expect("etcd-1"),
        rows.iter().position(|l| l == "etcd").expect("etcd"),
    );
    for replication in 0..4 {
        let mut seen: Vec<(f64, &'static str, &'static str)> = Vec::new();
        cluster.run_observed(
            replication,
            |_: usize, _: f64| {},
            |c: &Cluster, now| {
                let mut out = Vec::new();
                c.trace_state(now, &mut out);
                seen.push((now, out[host], out[etcd]));
            },
        );
        let changes: Vec<(f64, &str)> = seen
            .windows(2)
            .filter(|w| w[0].1 != w[1].1)
            .map(|w| (w[1].0, w[1].1))
            .collect();
        let t = FAIL_AT;
        assert_eq!(
            changes,
            [
                (t, "failed"),
                (t + after + provision, "disk lost"),
                (t + after + provision + replace, "up"),
            ],
            "replication {replication}"
        );
        let etcd_down: Vec<f64> = seen
            .windows(2)
            .filter(|w| w[0].2 != "up")
            .map(|w| w[1].0 - w[0].0)
            .collect();
        assert!(etcd_down.iter().sum::<f64>() <= 1.0 + 1e-9, "{etcd_down:?}");
    }
}
