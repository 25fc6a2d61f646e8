//! One seed gives the same results to the last bit on any thread count.

use crate::common::*;

/// The results as JSON without `performance`; every figure compared,
/// `api`'s `request_success` and `degraded_minutes_per_year` included.
fn without_performance(r: &kubenines::report::Results) -> String {
    let mut v = serde_json::to_value(r).expect("serialisable");
    v.as_object_mut().expect("object").remove("performance");
    for k in ["request_success", "degraded_minutes_per_year"] {
        assert!(
            v["indicators"]["api"][k]["mean"].is_number(),
            "api.{k} is compared"
        );
    }
    serde_json::to_string(&v).expect("serialisable")
}

#[test]
fn results_are_identical_for_1_2_and_7_threads() {
    let mut s = with_zones(
        stacked(3, host(exp(20.0 * DAY), exp(6.0 * HOUR))),
        3,
        exp(200.0 * DAY),
        exp(4.0 * HOUR),
    );
    s.control_plane.load_balancer = Some(host(exp(100.0 * DAY), exp(HOUR)));
    s.control_plane.etcd.election =
        kubenines::scenario::Distribution::Uniform { min: 1.0, max: 2.0 };
    // Not a multiple of the chunk size, and more than one wave of chunks.
    s.simulation.replications = 2 * 64 * 32 + 77;
    s.simulation.horizon = kubenines::scenario::YEAR_SECONDS;
    let one = without_performance(&run(&s, 1));
    assert_eq!(one, without_performance(&run(&s, 2)));
    assert_eq!(one, without_performance(&run(&s, 7)));
}

#[test]
fn a_different_seed_gives_different_results() {
    let mut s = stacked(3, host(exp(20.0 * DAY), exp(6.0 * HOUR)));
    s.simulation.replications = 50;
    let a = without_performance(&run(&s, 2));
    s.simulation.seed += 1;
    assert_ne!(a, without_performance(&run(&s, 2)));
}

/// The same with workers, workloads, evictions and maintenance: the
/// production design, with failures made frequent so that every mechanism
/// runs often (scheduler ties, lazy readiness, eviction queues).
#[test]
fn workloads_are_identical_for_1_2_and_7_threads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios/production-workloads.yaml");
    let mut s = kubenines::scenario::load(&path).expect("loads");
    if let Some(w) = &mut s.workers {
        w.node = host(exp(20.0 * DAY), exp(HOUR));
    }
    s.simulation.replications = 64 * 32 + 45;
    s.simulation.horizon = kubenines::scenario::YEAR_SECONDS;
    let one = without_performance(&run(&s, 1));
    assert_eq!(one, without_performance(&run(&s, 2)));
    assert_eq!(one, without_performance(&run(&s, 7)));
}

/// The same with data at risk: production.yaml with disasters and disk
/// losses made frequent (recoveries, snapshots, member replacements).
#[test]
fn data_loss_is_identical_for_1_2_and_7_threads() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/production.yaml");
    let mut s = kubenines::scenario::load(&path).expect("loads");
    s.control_plane.node = host(exp(30.0 * DAY), exp(HOUR));
    s.control_plane.node_disk_loss = 0.9;
    for d in &mut s.disasters {
        d.every = exp(60.0 * DAY);
    }
    s.simulation.replications = 64 * 32 + 45;
    s.simulation.horizon = kubenines::scenario::YEAR_SECONDS;
    let one = run(&s, 1);
    // Every cause but a quorum loss with no intact member at all happens.
    assert!(
        one.data_loss.by_cause.0[..3]
            .iter()
            .all(|(_, c)| c.rpo_minutes.count > 0)
    );
    let one = without_performance(&one);
    assert_eq!(one, without_performance(&run(&s, 2)));
    assert_eq!(one, without_performance(&run(&s, 7)));
}

/// production-changes.yaml (changes on every kind of target, a Deployment
/// rollout, certificates), with racks added: the same results on 1, 2 and
/// 5 threads.
#[test]
fn changes_and_racks_are_identical_on_any_thread_count() {
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/production-changes.yaml"),
    )
    .expect("readable")
    .replace(
        "  repair: lognormal(median=4h, sigma=1.2)\n",
        "  repair: lognormal(median=4h, sigma=1.2)\n  racks:\n    per_zone: 2\n    \
         failure: exponential(mean=1y)\n    repair: exponential(mean=2h)\n",
    );
    let mut s = kubenines::scenario::parse_str(&text, "p.yaml", kubenines::scenario::Format::Yaml)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.zones.racks.is_some());
    s.simulation.replications = 2 * 64 + 17;
    s.simulation.horizon = 2.0 * kubenines::scenario::YEAR_SECONDS;
    let one = without_performance(&run(&s, 1));
    assert!(one.contains("rack_outage") && one.contains("change/web-release"));
    assert_eq!(one, without_performance(&run(&s, 2)));
    assert_eq!(one, without_performance(&run(&s, 5)));
}

/// cloud.yaml (a StatefulSet with zonal volumes, replaced workers and
/// control-plane hosts, the out-of-service taint, capacities and the
/// cluster autoscaler), with workers, zones and control-plane hosts
/// failing often so that every mechanism runs (Node deletions, successors
/// joining, taints, volumes waiting for detach and for their zone, member
/// replacements, workers added and removed): the same results on 1, 2 and
/// 5 threads.
#[test]
fn statefulsets_and_replacement_are_identical_on_any_thread_count() {
    let mut edited = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cloud.yaml"),
    )
    .expect("readable");
    for (from, to) in [
        (
            "  count: 3\n  failure: exponential(mean=5y)\n",
            "  count: 3\n  failure: exponential(mean=60d)\n",
        ),
        (
            "    failure: weibull(shape=0.8, mean=2y)\n",
            "    failure: exponential(mean=60d)\n",
        ),
        (
            "    failure: weibull(shape=0.8, mean=3y)\n",
            "    failure: exponential(mean=10d)\n",
        ),
    ] {
        assert_eq!(edited.matches(from).count(), 1, "{from}");
        edited = edited.replace(from, to);
    }
    let mut s =
        kubenines::scenario::parse_str(&edited, "cloud.yaml", kubenines::scenario::Format::Yaml)
            .unwrap_or_else(|e| panic!("{e}"));
    assert!(s.workers.as_ref().is_some_and(|w| w.replacement.is_some()));
    assert!(s.autoscaler.is_some());
    s.simulation.replications = 2 * 64 + 17;
    s.simulation.horizon = 2.0 * kubenines::scenario::YEAR_SECONDS;
    let results = run(&s, 1);
    let db = results.indicators.get("workload/db").expect("db");
    assert!(db.downtime_minutes_per_year.mean > 0.0, "db goes down");
    let one = without_performance(&results);
    assert_eq!(one, without_performance(&run(&s, 2)));
    assert_eq!(one, without_performance(&run(&s, 5)));
}
