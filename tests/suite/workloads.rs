//! Workers and workloads (MODEL.md, "Workers and workloads"): pinned
//! replicas against the k-of-n formula, and the node lifecycle's timings,
//! pinned with fixed durations so that every outage length is exact.

use crate::common::*;
use kubenines::engine::Sampler;
use kubenines::model::{CAUSES, Cause, Cluster, Lifecycle, Model};
use kubenines::scenario::*;

const GRACE: f64 = 40.0;
const EVICTION: f64 = 300.0;
const STARTUP: f64 = 20.0;

fn with_workers(mut s: Scenario, nodes: u32, node: HostSpec) -> Scenario {
    let zones = s.zones.count;
    s.workers = Some(Workers {
        nodes,
        placement: (0..nodes).map(|i| i % zones).collect(),
        node,
        node_monitor_grace_period: GRACE,
        eviction_timeout: EVICTION,
        out_of_service: None,
        capacity: None,
        replacement: None,
    });
    s
}

fn workload(replicas: u32, min_available: u32, anti_affinity: AntiAffinity) -> Workload {
    Workload {
        anti_affinity,
        ..deployment("app", replicas, min_available, STARTUP)
    }
}

/// Gives the first `failing` workers `life` and makes every other worker perfect.
fn only_first_workers_fail(model: &mut Model, failing: usize, life: Lifecycle) {
    let perfect = model.host_classes.len() as u8;
    model.host_classes.push(Lifecycle {
        failure: Sampler::Never,
        repair: Sampler::Never,
    });
    let failing_class = perfect + 1;
    model.host_classes.push(life);
    // Every host class needs its entry (None: repaired in place).
    model.replacement.resize(model.host_classes.len(), None);
    let first = model.first_worker as usize;
    for (k, host) in model.hosts[first..].iter_mut().enumerate() {
        host.class = if k < failing { failing_class } else { perfect };
    }
}

fn fixed_life(failure: f64, repair: f64) -> Lifecycle {
    Lifecycle {
        failure: Sampler::fixed(failure).unwrap(),
        repair: Sampler::fixed(repair).unwrap(),
    }
}

/// Lengths of the ended outages of indicator `key`, over `replications`.
fn outages(model: &Model, key: &str, replications: u64) -> Vec<f64> {
    ended_outages(model, key, replications)
}

/// One perfect control-plane host, `workers` workers in `zones` perfect zones.
fn cluster(workers: u32, zones: u32, horizon_days: f64) -> Scenario {
    let mut s = with_zones(
        stacked(1, perfect()),
        zones,
        Distribution::Never,
        Distribution::Never,
    );
    s.simulation.horizon = horizon_days * DAY;
    with_workers(s, workers, perfect())
}

/// Replicas pinned by host anti-affinity, never evicted, are ready exactly
/// when their nodes are up: the workload is the k-of-n system of its nodes.
#[test]
fn pinned_replicas_give_k_of_n_availability() {
    let (mttf, mttr) = (10.0 * DAY, 1.0 * DAY);
    let mut s = with_workers(stacked(1, perfect()), 3, host(exp(mttf), exp(mttr)));
    if let Some(w) = &mut s.workers {
        w.eviction_timeout = 1000.0 * YEAR_SECONDS;
    }
    let mut app = workload(3, 2, AntiAffinity::Host);
    app.startup = fixed(0.0);
    s.workloads = vec![app];
    s.simulation.replications = 600;
    let r = run(&s, 2);
    let (l, m) = (1.0 / mttf, 1.0 / mttr);
    let exact = 1.0
        - time_average(
            |t| k_of_n(2, 3, point_availability(l, m, t)),
            1.0 / (l + m),
            s.simulation.horizon,
        );
    assert_unavailability(
        indicator(&r, "workload/app"),
        exact,
        "2 of 3 pinned replicas",
    );
}

/// One worker fails for good, everything else is perfect: its replica is
/// back on another worker after exactly grace + eviction_timeout + startup.
#[test]
fn a_failed_workers_replica_returns_after_grace_eviction_and_startup() {
    let mut s = cluster(3, 1, 200.0);
    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 1, fixed_life(100.0 * DAY, 1000.0 * DAY));
    let found = outages(&model, "workload/app", 96);
    assert_all(&found, GRACE + EVICTION + STARTUP, "replacement");
    // The replica starts on the failing worker in about a third of the runs.
    assert!((16..=48).contains(&found.len()), "{} outages", found.len());
}

/// A control-plane outage (the load balancer, for an hour from 10 s before
/// the worker fails) delays NotReady, eviction and rescheduling until the
/// API and the controllers' leases are back.
#[test]
fn a_control_plane_outage_delays_the_replacement() {
    let mut s = cluster(3, 1, 200.0);
    let lb_down_at = 100.0 * DAY - 10.0;
    s.control_plane.load_balancer = Some(host(fixed(lb_down_at), fixed(3600.0)));
    // Leases are re-acquired within 1 ms of the API's return.
    s.control_plane.leader_election.retry_period = 0.001;
    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 1, fixed_life(100.0 * DAY, 1000.0 * DAY));
    let found = outages(&model, "workload/app", 96);
    let api_back = lb_down_at + 3600.0 - 100.0 * DAY;
    let exact = api_back + EVICTION + STARTUP;
    assert!(!found.is_empty());
    for d in found {
        assert!(
            d >= exact - 1e-6 && d <= exact + 0.001 + 1e-6,
            "outage {d} s, expected {exact} s plus at most 1 ms of lease retry"
        );
    }
}

/// Three of five workers in a zone NotReady (60% and more than two) is a
/// partial disruption: a zone that small gets no evictions, so the
/// replica waits for its node's repair. Two of five is normal.
#[test]
fn a_partially_disrupted_zone_evicts_nothing() {
    let repair = 10.0 * DAY;
    let mut s = cluster(5, 1, 200.0);
    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 3, fixed_life(100.0 * DAY, repair));
    let found = outages(&model, "workload/app", 96);
    assert_all(&found, repair + STARTUP, "partial disruption");

    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 2, fixed_life(100.0 * DAY, repair));
    let found = outages(&model, "workload/app", 96);
    assert_all(&found, GRACE + EVICTION + STARTUP, "two of five down");
}

/// Every zone fully disrupted: no eviction anywhere. One zone of two fully
/// disrupted: evicted at one node per 10 s, in the order they fell due.
#[test]
fn full_disruption_everywhere_stops_eviction_and_one_zone_is_rate_limited() {
    let repair = 10.0 * DAY;
    let mut s = cluster(2, 1, 200.0);
    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 2, fixed_life(100.0 * DAY, repair));
    let found = outages(&model, "workload/app", 32);
    assert_all(&found, repair + STARTUP, "every zone fully disrupted");
    assert_eq!(found.len(), 32);

    // Two zones; workers 1 and 3 are zone 1's, 2 and 4 zone 2's. Workers 1
    // and 3 fail together: zone 1 is fully disrupted, zone 2 is not. Two
    // single-replica workloads: when both sat on the failed workers, the
    // second eviction comes 10 s after the first.
    let mut s = cluster(4, 2, 200.0);
    let mut a = workload(1, 1, AntiAffinity::None);
    a.name = "a".into();
    let mut b = a.clone();
    b.name = "b".into();
    s.workloads = vec![a, b];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 0, fixed_life(1.0, 1.0));
    let first = model.first_worker as usize;
    let failing = model.host_classes.len() as u8 - 1;
    model.hosts[first].class = failing;
    model.hosts[first + 2].class = failing;
    model.host_classes[failing as usize] = fixed_life(100.0 * DAY, repair);
    let mut found = outages(&model, "workload/a", 200);
    found.extend(outages(&model, "workload/b", 200));
    let first_evicted = GRACE + EVICTION + STARTUP;
    let second_evicted = first_evicted + 10.0;
    let (mut one, mut two) = (0, 0);
    for d in &found {
        if (d - first_evicted).abs() < 1e-6 {
            one += 1;
        } else if (d - second_evicted).abs() < 1e-6 {
            two += 1;
        } else {
            panic!("outage of {d} s, expected {first_evicted} or {second_evicted}");
        }
    }
    // Both on the failed zone in about 1/2 × 1/3 of the runs.
    assert!(one > 50 && two > 10, "{one} first, {two} second evictions");
}

/// Rolling maintenance every 10 days, each host down an hour, over a year:
/// rounds start at 10, 20, ..., 360 days and each ends within the year.
fn maintained(mut s: Scenario) -> Scenario {
    s.maintenance = Some(Maintenance {
        interval: 10.0 * DAY,
        duration: HOUR,
    });
    s.simulation.horizon = 365.0 * DAY;
    s.simulation.replications = 8;
    s.control_plane.etcd.election = fixed(1.0);
    s
}

const ROUNDS: f64 = 36.0;

/// Two stacked members: every maintenance of either node is an etcd outage
/// (quorum is both), which lasts the maintenance plus the election after
/// it; the second drain waits for the API. Three members: none, because
/// a leader that is drained hands over to another member first.
#[test]
fn maintenance_costs_a_two_member_etcd_and_not_a_three_member_one() {
    let r = run(&maintained(stacked(2, perfect())), 2);
    let etcd = indicator(&r, "etcd");
    let exact = ROUNDS * 2.0 * (HOUR + 1.0) / (365.0 * DAY);
    assert!(
        (etcd.unavailability.mean - exact).abs() <= 1e-9 * exact,
        "two members: {} vs {exact}",
        etcd.unavailability.mean
    );
    // One outage per round: the second drain starts the instant the API is back.
    assert!((etcd.outages_per_year.mean - ROUNDS).abs() < 1e-9);

    let r = run(&maintained(stacked(3, perfect())), 2);
    assert_eq!(indicator(&r, "etcd").unavailability.mean, 0.0);
    assert_eq!(indicator(&r, "etcd").outages_per_year.mean, 0.0);
}

/// Drains respect the PodDisruptionBudget: two replicas on two workers with
/// min_available 1 never drop below one ready replica, because the second
/// worker's drain waits until the first one's replacement is ready (300 s
/// of startup). Every round gets through (each drains the controllers'
/// leader hosts: at least one control-plane outage a round). A single
/// replica with min_available 1 can never be drained: the round stalls at
/// its worker for good, and no later round starts.
#[test]
fn drains_wait_for_the_disruption_budget() {
    let mut s = maintained(with_workers(stacked(3, perfect()), 2, perfect()));
    let mut app = workload(2, 1, AntiAffinity::Host);
    app.startup = fixed(300.0);
    s.workloads = vec![app];
    let r = run(&s, 2);
    let app = indicator(&r, "workload/app");
    assert_eq!(app.unavailability.mean, 0.0);
    assert_eq!(app.outages_per_year.mean, 0.0);
    let rounds_done = indicator(&r, "control_plane").outages_per_year.mean;
    assert!(rounds_done >= ROUNDS, "{rounds_done} control-plane outages");

    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let r = run(&s, 2);
    assert_eq!(indicator(&r, "workload/app").unavailability.mean, 0.0);
    let stalled = indicator(&r, "control_plane").outages_per_year.mean;
    assert!(
        (1.0..=6.0).contains(&stalled),
        "{stalled} control-plane outages: only the first round's"
    );
}

/// Lazy readiness (no event for a pod start that cannot change an
/// indicator) is an optimisation only: every result is identical with an
/// event per pod start, on the production design with its maintenance.
#[test]
fn lazy_readiness_changes_no_result() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/production-workloads.yaml");
    let mut s = kubenines::scenario::load(&path).unwrap();
    s.simulation.replications = 300;
    let lazy = Model::build(&s).unwrap();
    let mut eager = lazy.clone();
    eager.lazy_readiness = false;
    let run = |model: &Model| {
        let options = kubenines::runner::RunOptions {
            replications: s.simulation.replications,
            first: 0,
            threads: 2,
        };
        let run = kubenines::runner::run(model, &options, &|_| {}).unwrap();
        (run.summary.indicators.clone(), run.summary.events)
    };
    let (lazy_results, lazy_events) = run(&lazy);
    let (eager_results, eager_events) = run(&eager);
    assert_eq!(lazy_results, eager_results);
    assert!(
        lazy_events < eager_events,
        "lazy readiness saves events: {lazy_events} vs {eager_events}"
    );
}

/// A replacement with no feasible node stays Pending until one appears:
/// three replicas, one per node, on three workers. With a fourth worker the
/// evicted replica moves there after grace + eviction + startup; without,
/// it waits for its own node's repair and starts there.
#[test]
fn a_replica_with_no_feasible_node_waits_for_one() {
    let repair = 2.0 * DAY;
    for (workers, exact) in [(4, GRACE + EVICTION + STARTUP), (3, repair + STARTUP)] {
        let mut s = cluster(workers, 1, 200.0);
        s.workloads = vec![workload(3, 3, AntiAffinity::Host)];
        let mut model = Model::build(&s).unwrap();
        only_first_workers_fail(&mut model, 1, fixed_life(100.0 * DAY, repair));
        let found = outages(&model, "workload/app", 64);
        assert_all(&found, exact, &format!("{workers} workers"));
    }
}

/// The operator's pre-flight check: no drain starts while a control-plane
/// host is down. With cp-3 down from day 5 for good, no round drains
/// anything, so the two remaining members keep quorum throughout; a drain
/// of either would cost etcd its quorum for the maintenance's hour.
#[test]
fn no_drain_while_a_control_plane_host_is_down() {
    let mut s = maintained(stacked(3, perfect()));
    // Instant elections: losing cp-3's member when it leads costs nothing.
    s.control_plane.etcd.election = fixed(0.0);
    let mut model = Model::build(&s).unwrap();
    let class = model.host_classes.len() as u8;
    model.host_classes.push(fixed_life(5.0 * DAY, 1000.0 * DAY));
    model.replacement.resize(model.host_classes.len(), None);
    model.hosts[2].class = class;
    let r = run_model(&model, s.simulation.replications);
    assert_eq!(indicator(&r, "etcd").unavailability.mean, 0.0);
}

/// Downtime of `key` by cause over `replications`, seconds summed over
/// replications, in `Cause::ALL` order, with the downtime itself.
fn downtime_by_cause(model: &Model, key: &str, replications: u64) -> ([f64; CAUSES], f64) {
    let index = indicator_index(model, key);
    let mut cluster = Cluster::new(model);
    let (mut by_cause, mut total) = ([0.0; CAUSES], 0.0);
    for r in 0..replications {
        let run = cluster.run(r, |_, _| {});
        let ind = &run.indicators[index];
        for (a, b) in by_cause.iter_mut().zip(&ind.downtime_by_cause) {
            *a += b;
        }
        total += ind.downtime;
    }
    (by_cause, total)
}

/// A replica on a failed worker waits for its eviction and its restart
/// elsewhere: the whole outage is charged to eviction or scheduling.
#[test]
fn a_replacement_is_charged_to_eviction_or_scheduling() {
    let mut s = cluster(3, 1, 200.0);
    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 1, fixed_life(100.0 * DAY, 1000.0 * DAY));
    let outages = outages(&model, "workload/app", 96).len() as f64;
    let (by_cause, total) = downtime_by_cause(&model, "workload/app", 96);
    let exact = outages * (GRACE + EVICTION + STARTUP);
    assert!(
        outages > 0.0 && (total - exact).abs() < 1e-6,
        "{total} vs {exact}"
    );
    let charged = by_cause[model.causes.slot(Cause::EvictionOrScheduling)];
    assert!((charged - exact).abs() < 1e-6, "{by_cause:?}");
}

/// The same with the load balancer down from 10 s before the failure for an
/// hour: until the API is back the replica waits for the load balancer,
/// then at most 1 ms for the controller-manager's lease, then exactly
/// eviction_timeout + startup for eviction and scheduling.
#[test]
fn a_replacement_delayed_by_the_control_plane_is_charged_to_it() {
    let mut s = cluster(3, 1, 200.0);
    let lb_down_at = 100.0 * DAY - 10.0;
    s.control_plane.load_balancer = Some(host(fixed(lb_down_at), fixed(3600.0)));
    s.control_plane.leader_election.retry_period = 0.001;
    s.workloads = vec![workload(1, 1, AntiAffinity::None)];
    let mut model = Model::build(&s).unwrap();
    only_first_workers_fail(&mut model, 1, fixed_life(100.0 * DAY, 1000.0 * DAY));
    let outages = outages(&model, "workload/app", 96).len() as f64;
    assert!(outages > 0.0);
    let (by_cause, total) = downtime_by_cause(&model, "workload/app", 96);
    let api_back = lb_down_at + 3600.0 - 100.0 * DAY;
    let lb = by_cause[model.causes.slot(Cause::LoadBalancer)];
    let failover = by_cause[model.causes.slot(Cause::ControllerFailover)];
    let eviction = by_cause[model.causes.slot(Cause::EvictionOrScheduling)];
    assert!((lb - outages * api_back).abs() < 1e-6, "{by_cause:?}");
    assert!(
        (0.0..=outages * 0.001 + 1e-6).contains(&failover),
        "{by_cause:?}"
    );
    assert!(
        (eviction - outages * (EVICTION + STARTUP)).abs() < 1e-6,
        "{by_cause:?}"
    );
    assert!((lb + failover + eviction - total).abs() < 1e-6);
}

/// Two stacked members under maintenance: each drain is charged to
/// maintenance for its hour, and the election after it to etcd election.
#[test]
fn maintenance_downtime_is_split_between_the_drain_and_the_election() {
    let r = run(&maintained(stacked(2, perfect())), 2);
    let by_cause = &indicator(&r, "etcd").downtime_minutes_per_year_by_cause;
    let per_year = |seconds: f64| ROUNDS * 2.0 * seconds / (365.0 * DAY) * YEAR_SECONDS / 60.0;
    let get = |c: Cause| {
        by_cause
            .0
            .iter()
            .find(|(k, _)| k == c.key())
            .map(|(_, i)| i.mean)
            .unwrap()
    };
    let (maintenance, election) = (get(Cause::Maintenance), get(Cause::EtcdElection));
    assert!(
        (maintenance - per_year(HOUR)).abs() <= 1e-9 * maintenance,
        "{maintenance} vs {}",
        per_year(HOUR)
    );
    assert!((election - per_year(1.0)).abs() <= 1e-9 * per_year(1.0));
    let others: f64 = by_cause.0.iter().map(|(_, i)| i.mean).sum::<f64>() - maintenance - election;
    assert!(others.abs() < 1e-12, "{by_cause:?}");
}

/// Two zones of one worker each; two replicas, both needed, one per zone.
/// Zone 1's worker fails for 10 days. Under a DoNotSchedule zone spread of
/// 1 the evicted replica cannot join its sibling in zone 2 (2 - 0 > 1) and
/// stays Pending until its worker is back; under ScheduleAnyway the spread
/// only ranks nodes, so the replacement starts on zone 2's worker.
#[test]
fn schedule_anyway_places_what_do_not_schedule_leaves_pending() {
    let repair = 10.0 * DAY;
    let outages_with = |zone_spread: &str| {
        let text = format!(
            "name: spread\n\
             simulation: {{ horizon: 200d, replications: 16 }}\n\
             zones: {{ count: 2 }}\n\
             control_plane:\n  topology: stacked\n  nodes: 1\n  node: {{ failure: never }}\n  \
             load_balancer: none\n\
             workers:\n  nodes: 2\n  node: {{ failure: never }}\n  \
             node_monitor_grace_period: {GRACE}s\n  eviction_timeout: {EVICTION}s\n\
             workloads:\n  - name: app\n    replicas: 2\n    min_available: 2\n    \
             startup: {STARTUP}s\n    zone_spread: {zone_spread}\n"
        );
        let s = parse_str(&text, "spread.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
        let mut model = Model::build(&s).unwrap();
        only_first_workers_fail(&mut model, 1, fixed_life(100.0 * DAY, repair));
        outages(&model, "workload/app", 16)
    };
    let found = outages_with("1");
    assert_eq!(found.len(), 16);
    assert_all(&found, repair + STARTUP, "DoNotSchedule");
    let found = outages_with("{ max_skew: 1, when_unsatisfiable: schedule_anyway }");
    assert_eq!(found.len(), 16);
    assert_all(&found, GRACE + EVICTION + STARTUP, "ScheduleAnyway");
}
