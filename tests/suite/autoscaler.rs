//! The cluster autoscaler (docs/model.md, "The cluster autoscaler") on
//! deterministic timelines: fixed durations, one worker failing at a fixed
//! time and repaired a fixed time later, everything else perfect, so that
//! each Pending spell and each outage has an exact length.

use crate::common::*;
use kubenines::model::{Cluster, Model};
use kubenines::scenario::*;

const GRACE: f64 = 40.0;
const EVICTION: f64 = 300.0;
const STARTUP: f64 = 20.0;
const SCALE_UP: f64 = 180.0;
const SCALE_DOWN_AFTER: f64 = 600.0;
const FAIL_AT: f64 = 100.0 * DAY;
const REPAIR: f64 = 4.0 * HOUR;
const HORIZON: f64 = 200.0 * DAY;

/// One perfect control-plane host; three workers, one per zone, each with
/// room for two of the six replicas of `web` (800m of 2 CPUs each), all of
/// which are needed unless `min_available` says otherwise; with
/// `max_workers`, an autoscaler adding workers `SCALE_UP` after a pod is
/// left Pending and removing them `SCALE_DOWN_AFTER` after they become
/// unneeded.
fn cluster(min_available: u32, max_workers: Option<u32>) -> Scenario {
    let mut s = with_zones(
        stacked(1, perfect()),
        3,
        Distribution::Never,
        Distribution::Never,
    );
    s.simulation.horizon = HORIZON;
    s.workers = Some(Workers {
        nodes: 3,
        placement: vec![0, 1, 2],
        node: perfect(),
        node_monitor_grace_period: GRACE,
        eviction_timeout: EVICTION,
        out_of_service: None,
        capacity: Some(NodeCapacity {
            cpu_millicores: 2000,
            memory_bytes: 4 << 30,
            pods: 110,
        }),
        replacement: None,
    });
    s.workloads = vec![Workload {
        requests: Resources {
            cpu_millicores: 800,
            memory_bytes: 1 << 30,
        },
        ..deployment("web", 6, min_available, STARTUP)
    }];
    s.autoscaler = max_workers.map(|max_workers| Autoscaler {
        scale_up: fixed(SCALE_UP),
        max_workers,
        scale_down_after: SCALE_DOWN_AFTER,
    });
    s
}

/// The model of `s` with worker 1 (zone 1's only one) failing at FAIL_AT
/// for REPAIR.
fn model(s: &Scenario) -> Model {
    let mut model = Model::build(s).unwrap();
    fail_workers_at(&mut model, &[0], FAIL_AT, REPAIR, None);
    model
}

/// `seconds` once per replication, in minutes per year.
fn per_year(seconds: f64) -> f64 {
    seconds / HORIZON * YEAR_SECONDS / 60.0
}

/// Mean Pending minutes per year of `web` over `replications`.
fn pending(model: &Model, replications: u64) -> f64 {
    let r = run_model(model, replications);
    let p = indicator(&r, "workload/web").pending_minutes_per_year;
    p.expect("pending time with capacities").mean
}

#[track_caller]
fn assert_close(got: f64, exact: f64, what: &str) {
    assert!(
        (got - exact).abs() <= 1e-9 * exact.abs().max(1e-9),
        "{what}: {got} against {exact}"
    );
}

/// The failed worker's two pods, evicted at grace + eviction_timeout, find
/// no room: exactly two are Pending (with four needed the workload stays
/// up; with five it is down until the worker is back) until the worker
/// returns. With the autoscaler they are Pending exactly `scale_up`, and
/// the workload (all six needed) is down from the failure to grace +
/// eviction_timeout + scale_up + startup. With `max_workers` equal to the
/// workers, nothing is added; with one more, one worker in zone 1 (the
/// first zone up with room) takes both pods.
#[test]
fn a_scale_up_ends_pending_after_exactly_scale_up() {
    let without = pending(&model(&cluster(6, None)), 8);
    assert_close(
        without,
        per_year(REPAIR - GRACE - EVICTION),
        "no autoscaler",
    );
    let four = model(&cluster(4, None));
    assert_eq!(ended_outages(&four, "workload/web", 8), Vec::<f64>::new());
    let five = model(&cluster(5, None));
    assert_all(
        &ended_outages(&five, "workload/web", 8),
        REPAIR + STARTUP,
        "five needed",
    );

    let scaled = model(&cluster(6, Some(9)));
    assert_close(pending(&scaled, 16), per_year(SCALE_UP), "autoscaler");
    let outages = ended_outages(&scaled, "workload/web", 16);
    assert_eq!(outages.len(), 16);
    assert_all(
        &outages,
        GRACE + EVICTION + SCALE_UP + STARTUP,
        "autoscaler",
    );

    let capped = model(&cluster(6, Some(3)));
    assert_close(pending(&capped, 4), without, "max_workers 3");
    let one_more = model(&cluster(6, Some(4)));
    assert_close(pending(&one_more, 16), per_year(SCALE_UP), "max_workers 4");
}

/// Each replication's states of the rows `labels` at every instant.
fn states(model: &Model, replication: u64, labels: &[&str]) -> Vec<(f64, Vec<&'static str>)> {
    let mut cluster = Cluster::new(model);
    let rows: Vec<String> = cluster.trace_rows().into_iter().map(|r| r.label).collect();
    let at: Vec<usize> = labels
        .iter()
        .map(|l| rows.iter().position(|r| r == l).expect(l))
        .collect();
    let mut seen = Vec::new();
    cluster.run_observed(
        replication,
        |_: usize, _: f64| {},
        |c: &Cluster, now| {
            let mut out = Vec::new();
            c.trace_state(now, &mut out);
            seen.push((now, at.iter().map(|&i| out[i]).collect()));
        },
    );
    seen
}

/// The three zones' first slots (workers 4, 10 and 16: each zone has six,
/// for up to nine workers) join together `scale_up` after the eviction;
/// two take a pod each. All three are candidates for removal (a pod
/// requests 40% of a worker): in worker order the first with a pod is
/// needed (no other worker has room), the other with a pod is unneeded
/// (its pod fits on the first), and the empty one is unneeded. Both go
/// exactly `scale_down_after` after joining; the one left holds both pods
/// (80%, needed) to the horizon, after the failed worker is back.
#[test]
fn unneeded_workers_go_after_exactly_scale_down_after() {
    let model = model(&cluster(4, Some(9)));
    let slots = ["worker-4", "worker-10", "worker-16"];
    let join = FAIL_AT + GRACE + EVICTION + SCALE_UP;
    let removal = join + SCALE_DOWN_AFTER;
    for replication in 0..8 {
        let seen = states(&model, replication, &slots);
        let at = |t: f64| {
            seen.iter()
                .rev()
                .find(|(now, _)| *now <= t)
                .map(|(_, s)| s.clone())
                .unwrap()
        };
        assert_eq!(at(join - 1.0), ["absent"; 3]);
        assert_eq!(at(join), ["up"; 3]);
        assert_eq!(at(removal - 1.0), ["up"; 3]);
        let after = at(removal);
        assert_eq!(after.iter().filter(|&&s| s == "up").count(), 1, "{after:?}");
        assert_eq!(after.iter().filter(|&&s| s == "absent").count(), 2);
        // The instants of change: the join, the removal, nothing after.
        let changes: Vec<f64> = seen
            .windows(2)
            .filter(|w| w[0].1 != w[1].1)
            .map(|w| w[1].0)
            .collect();
        assert_eq!(changes, [join, removal], "replication {replication}");
        assert_eq!(seen.last().unwrap().1, after);
    }
}

/// Without a disruption budget to spare (all six needed), the unneeded
/// worker that holds a pod cannot be drained: it stays; the empty one goes.
#[test]
fn a_disruption_budget_holds_a_removal() {
    let model = model(&cluster(6, Some(9)));
    let slots = ["worker-4", "worker-10", "worker-16"];
    let join = FAIL_AT + GRACE + EVICTION + SCALE_UP;
    for replication in 0..8 {
        let seen = states(&model, replication, &slots);
        let end = &seen.last().unwrap().1;
        // The empty one went; both with a pod stay.
        assert_eq!(end.iter().filter(|&&s| s == "up").count(), 2, "{end:?}");
        let first_change = seen
            .windows(2)
            .filter(|w| w[0].1 != w[1].1)
            .map(|w| w[1].0)
            .nth(1);
        assert_eq!(first_change, Some(join + SCALE_DOWN_AFTER));
    }
}

/// Without capacities, host anti-affinity alone leaves the failed worker's
/// pod Pending: each zone up asks for a worker, the pod waits exactly
/// `scale_up` (Pending time is reported with the autoscaler even without
/// capacities). The worker that takes it stays while no other can (every
/// other holds a pod); the failed worker back at FAIL_AT + REPAIR, the pod
/// fits there, and its worker goes `scale_down_after` later. The two
/// empty ones go `scale_down_after` after joining.
#[test]
fn host_anti_affinity_alone_asks_for_a_worker() {
    let mut s = cluster(2, Some(9));
    s.workers.as_mut().unwrap().capacity = None;
    s.workloads[0].replicas = 3;
    s.workloads[0].anti_affinity = AntiAffinity::Host;
    s.workloads[0].requests = Resources::default();
    let model = model(&s);
    assert_close(pending(&model, 16), per_year(SCALE_UP), "no capacities");
    let join = FAIL_AT + GRACE + EVICTION + SCALE_UP;
    let back = FAIL_AT + REPAIR;
    for replication in 0..8 {
        let seen = states(&model, replication, &["worker-4", "worker-10", "worker-16"]);
        let changes: Vec<(f64, usize)> = seen
            .windows(2)
            .filter(|w| w[0].1 != w[1].1)
            .map(|w| (w[1].0, w[1].1.iter().filter(|&&s| s == "up").count()))
            .collect();
        assert_eq!(
            changes,
            [
                (join, 3),
                (join + SCALE_DOWN_AFTER, 1),
                (back + SCALE_DOWN_AFTER, 0)
            ],
            "replication {replication}"
        );
    }
}
