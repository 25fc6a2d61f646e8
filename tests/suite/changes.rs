//! Changes and certificates (docs/model.md, "Changes and certificates"): exact downtimes on
//! deterministic timelines, where every other part is perfect and every
//! change's timing fixed.

use crate::common::{indicator, run};
use kubenines::scenario::{Format, Scenario, parse_str};

/// Three perfect stacked control-plane hosts behind a perfect load
/// balancer (or none), a one-year horizon, and `extra` (YAML: keys of the
/// control plane indented by two, then top-level sections).
fn scenario(load_balancer: bool, extra: &str) -> Scenario {
    let lb = if load_balancer {
        "  load_balancer:\n    failure: never\n"
    } else {
        "  load_balancer: none\n"
    };
    let text = format!(
        "name: changes\nsimulation:\n  horizon: 1y\n  replications: 4\n  seed: 3\n\
         control_plane:\n  topology: stacked\n  nodes: 3\n  node:\n    failure: never\n\
         \x20 etcd:\n    election: fixed(1s)\n{lb}{extra}"
    );
    parse_str(&text, "changes.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Changes every 30 days from day 30: 12 start within a year.
const STARTS: f64 = 12.0;

/// Minutes per year of `key`'s downtime, asserting that every replication
/// gave the same (the timeline is deterministic).
fn minutes(s: &Scenario, key: &str) -> f64 {
    let r = run(s, 2);
    let d = indicator(&r, key).downtime_minutes_per_year;
    assert_eq!(d.ci_low, d.ci_high, "{key}: not deterministic: {d:?}");
    d.mean
}

/// Minutes per year of `key`'s downtime charged to `cause`.
fn charged(s: &Scenario, key: &str, cause: &str) -> f64 {
    let r = run(s, 2);
    indicator(&r, key)
        .downtime_minutes_per_year_by_cause
        .get(cause)
        .unwrap_or_else(|| panic!("no cause {cause}"))
        .mean
}

#[track_caller]
fn assert_close(got: f64, want: f64) {
    assert!((got - want).abs() < 1e-6, "got {got}, want {want}");
}

const BAD_ALL_AT_ONCE: &str = "changes:\n  - name: upgrade\n    every: fixed(30d)\n    \
     target: control_plane\n    strategy: all_at_once\n    bad: 1\n    detection: 1h\n    \
     rollback: 30m\n";

/// A bad change on every apiserver at once: the API is down from each
/// start until detection plus rollback, all of it charged to the change.
#[test]
fn a_bad_change_all_at_once_costs_detection_plus_rollback_each_time() {
    let s = scenario(true, BAD_ALL_AT_ONCE);
    let want = STARTS * 90.0;
    assert_close(minutes(&s, "api"), want);
    assert_close(charged(&s, "api", "change/upgrade"), want);
    // etcd is not the change's target.
    assert_close(minutes(&s, "etcd"), 0.0);
}

/// A rolling bad change that a gate always catches after the first step:
/// one apiserver is down for the step's pause and the rollback, the API
/// never. Without a load balancer clients use cp-1's apiserver alone, the
/// first one the change reaches: the API is down exactly pause + rollback.
#[test]
fn a_gate_that_catches_a_bad_change_keeps_it_to_one_apiserver() {
    let gated = "changes:\n  - name: upgrade\n    every: fixed(30d)\n    target: control_plane\n    \
                 strategy: rolling\n    pause: 10m\n    bad: 1\n    caught: 1\n    rollback: 30m\n";
    assert_close(minutes(&scenario(true, gated), "api"), 0.0);
    assert_close(minutes(&scenario(false, gated), "api"), STARTS * 40.0);
}

/// A rolling bad change that no gate catches reaches one apiserver per
/// pause: all three are down from 2 × pause after the start until
/// detection plus rollback.
#[test]
fn an_uncaught_rolling_change_takes_the_api_down_once_every_target_is_reached() {
    let uncaught = "changes:\n  - name: upgrade\n    every: fixed(30d)\n    target: control_plane\n    \
                    pause: 10m\n    bad: 1\n    detection: 1h\n    rollback: 30m\n";
    assert_close(
        minutes(&scenario(true, uncaught), "api"),
        STARTS * (60.0 + 30.0 - 20.0),
    );
}

/// A good change restarts its targets: all at once, the API is down for
/// each restart; rolling one at a time, never.
#[test]
fn a_good_change_costs_its_restarts() {
    let all = "changes:\n  - name: upgrade\n    every: fixed(30d)\n    target: control_plane\n    \
               strategy: all_at_once\n    restart: 45s\n";
    assert_close(minutes(&scenario(true, all), "api"), STARTS * 0.75);
    let rolling = all.replace("strategy: all_at_once", "strategy: rolling");
    assert_close(minutes(&scenario(true, &rolling), "api"), 0.0);
}

/// A bad change to every etcd member takes etcd (and the API) down until
/// rolled back, charged to the change.
#[test]
fn a_bad_etcd_change_takes_etcd_down() {
    let s = scenario(true, &BAD_ALL_AT_ONCE.replace("control_plane", "etcd"));
    // Back after the rollback, then one election of 1 s.
    let want = STARTS * (90.0 + 1.0 / 60.0);
    assert_close(minutes(&s, "etcd"), want);
    assert_close(charged(&s, "etcd", "change/upgrade"), STARTS * 90.0);
    assert_close(minutes(&s, "api"), want);
}

/// A bad change to the load balancer takes the API down until rolled back.
#[test]
fn a_bad_load_balancer_change_takes_the_api_down() {
    let s = scenario(
        true,
        &BAD_ALL_AT_ONCE.replace("control_plane", "load_balancer"),
    );
    assert_close(minutes(&s, "api"), STARTS * 90.0);
    assert_close(charged(&s, "api", "change/upgrade"), STARTS * 90.0);
}

/// Certificates never renewed expire a lifetime after t = 0: over two
/// years the API is down from exactly 1 y until the renewal, `renew` later
/// (the next expiry, 1 y after that, is past the horizon).
#[test]
fn certificates_never_renewed_take_the_api_down_at_expiry() {
    let text = "  certificates:\n    lifetime: 1y\n    renewed_by: never\n    renew: 3h\n";
    let mut s = scenario(true, text);
    s.simulation.horizon *= 2.0;
    let per_year = 3.0 * 60.0 / 2.0;
    assert_close(minutes(&s, "api"), per_year);
    assert_close(charged(&s, "api", "certificate_expiry"), per_year);
    assert_close(minutes(&s, "etcd"), 0.0);
}

/// An upgrade every 30 days renews the certificates before they expire:
/// no downtime; one every 400 days comes too late the first time.
#[test]
fn an_upgrade_that_renews_the_certificates_keeps_them_valid() {
    let upgrade = |every: &str| {
        let text = format!(
            "  certificates:\n    lifetime: 1y\n    renewed_by: upgrade\n    renew: 3h\n\
             changes:\n  - name: upgrade\n    every: fixed({every})\n    target: control_plane\n"
        );
        let mut s = scenario(true, &text);
        s.simulation.horizon *= 2.0;
        s
    };
    assert_close(minutes(&upgrade("30d"), "api"), 0.0);
    // Expired at 365 d, renewed 3 h later; the upgrade at 400 d renews
    // again, so the next expiry (765 d) is past the two years.
    assert_close(minutes(&upgrade("400d"), "api"), 3.0 * 60.0 / 2.0);
}

/// [`scenario`] with four perfect workers and a workload `web` of three
/// replicas that start in 20 s, at least `min_available` of them needed,
/// rolled out with at most one unavailable (and Kubernetes' default
/// surge, 25% of 3 rounded up: one), and a daily `release` to it with
/// `release` keys.
fn rolled_out(min_available: u32, release: &str) -> Scenario {
    scenario(
        true,
        &format!(
            "workers:\n  nodes: 4\n  node:\n    failure: never\n\
             workloads:\n  - name: web\n    replicas: 3\n    min_available: {min_available}\n    \
             startup: 20s\n    rolling_update:\n      max_unavailable: 1\n\
             changes:\n  - name: release\n    every: fixed(1d)\n    target: workload/web\n{release}"
        ),
    )
}

/// Daily releases from day 1: 364 start within the year (the one due at
/// exactly one year is past the horizon).
const RELEASES: f64 = 364.0;

/// A good rollout of 3 replicas, one unavailable at a time: with 2 needed
/// the workload never goes down. With all 3 needed it is down while
/// replaced pods start. Without surge one pod is replaced at a time: 3 ×
/// 20 s per release, the sum of the replaced pods' startups. With
/// Kubernetes' default surge (one pod here) the controller adds a new pod
/// and takes an old one away, then adds a second new pod in the room that
/// leaves: two start together, then the third, 2 × 20 s.
#[test]
fn a_good_rollout_costs_the_replaced_pods_startups_only_below_the_budget() {
    assert_close(minutes(&rolled_out(2, ""), "workload/web"), 0.0);
    let sequential = rolled_out(3, "").to_owned();
    let mut no_surge = sequential.clone();
    let rollout = no_surge.workloads[0]
        .rolling_update
        .as_mut()
        .expect("given");
    rollout.max_surge = 0;
    let want = RELEASES * 3.0 * 20.0 / 60.0;
    assert_close(minutes(&no_surge, "workload/web"), want);
    assert_close(charged(&no_surge, "workload/web", "change/release"), want);
    assert_close(
        minutes(&sequential, "workload/web"),
        RELEASES * 2.0 * 20.0 / 60.0,
    );
}

/// A bad release that fails readiness stalls the rollout with the old pods
/// serving (one taken away: 2 of 3 ready) until the progress deadline
/// (600 s), then a 5-minute rollback brings an old pod back, 20 s to
/// start: nothing is lost with 2 needed; with 3 needed the workload is down
/// 600 + 300 + 20 s per release.
#[test]
fn a_release_that_fails_readiness_stalls_until_the_deadline() {
    let bad = "    bad: 1\n    caught: 1\n    rollback: 5m\n";
    assert_close(minutes(&rolled_out(2, bad), "workload/web"), 0.0);
    let want = RELEASES * (600.0 + 300.0 + 20.0) / 60.0;
    let s = rolled_out(3, bad);
    assert_close(minutes(&s, "workload/web"), want);
    // All of it the release's, the old pod's restart after the rollback
    // included.
    assert_close(charged(&s, "workload/web", "change/release"), want);
}

/// A bad release that passes readiness spreads: 20 s after the start the
/// first broken pod is ready, the second old pod is taken away, and one
/// good pod is left: with 2 needed the workload is down from 20 s until
/// detection (1 h) plus rollback (10 m); with 3 needed from the start.
#[test]
fn a_broken_release_that_passes_readiness_is_down_until_rolled_back() {
    let bad = "    bad: 1\n    detection: 1h\n    rollback: 10m\n";
    let s = rolled_out(2, bad);
    assert_close(minutes(&s, "workload/web"), RELEASES * (70.0 - 20.0 / 60.0));
    assert_close(
        charged(&s, "workload/web", "change/release"),
        RELEASES * (70.0 - 20.0 / 60.0),
    );
    assert_close(
        minutes(&rolled_out(3, bad), "workload/web"),
        RELEASES * 70.0,
    );
}

/// A surge pod must fit the placement rules: with one replica per node on
/// three workers for three replicas and no unavailability allowed, the
/// surge pod of a broken release stays Pending, the rollout waits without
/// taking a pod away, and the progress deadline (600 s) rolls it back
/// before the release reaches a single ready pod: no downtime. With a
/// fourth worker the surge pod fits, is ready (and broken) after 20 s, an
/// old pod goes, and the workload is down from then until detection (1 h)
/// plus rollback (1 m).
#[test]
fn a_surge_pod_that_fits_nowhere_makes_the_rollout_wait() {
    let text = "workers:\n  nodes: 3\n  node:\n    failure: never\n\
                workloads:\n  - name: web\n    replicas: 3\n    min_available: 3\n    \
                startup: 20s\n    anti_affinity: host\n    rolling_update:\n      max_surge: 1\n      \
                max_unavailable: 0\n\
                changes:\n  - name: release\n    every: fixed(1d)\n    target: workload/web\n    \
                bad: 1\n    detection: 1h\n    rollback: 1m\n";
    assert_close(minutes(&scenario(true, text), "workload/web"), 0.0);
    let four = text.replace("nodes: 3", "nodes: 4");
    assert_close(
        minutes(&scenario(true, &four), "workload/web"),
        RELEASES * (61.0 - 20.0 / 60.0),
    );
}

/// A bad node-level change to every worker at once: the pods are down with
/// their nodes until the rollback, then start again (20 s): down 90 min +
/// 20 s per change, the 90 minutes charged to the change.
#[test]
fn a_bad_worker_change_takes_the_pods_down_with_their_nodes() {
    let text = format!(
        "workers:\n  nodes: 3\n  node:\n    failure: never\n\
         workloads:\n  - name: web\n    replicas: 3\n    startup: 20s\n{}",
        BAD_ALL_AT_ONCE.replace("control_plane", "workers")
    );
    let s = scenario(true, &text);
    assert_close(minutes(&s, "workload/web"), STARTS * (90.0 + 20.0 / 60.0));
    assert_close(charged(&s, "workload/web", "change/upgrade"), STARTS * 90.0);
    assert_close(minutes(&s, "api"), 0.0);
}

/// A StatefulSet's rolling update has no surge: one pod at a time, each
/// replaced pod down for its startup (3 × 20 s per release with all three
/// needed), where a Deployment with the default surge starts two at once.
/// A `rolling_update` on a StatefulSet is an error.
#[test]
fn a_statefulset_rolls_one_pod_at_a_time() {
    let text = |rolling: &str| {
        format!(
            "name: changes\nsimulation:\n  horizon: 1y\n  replications: 4\n  seed: 3\n\
             control_plane:\n  topology: stacked\n  nodes: 3\n  node:\n    failure: never\n\
             \x20 etcd:\n    election: fixed(1s)\n  load_balancer:\n    failure: never\n\
             workers:\n  nodes: 4\n  node:\n    failure: never\n\
             workloads:\n  - name: web\n    kind: statefulset\n    replicas: 3\n    \
             min_available: 3\n    startup: 20s\n{rolling}\
             changes:\n  - name: release\n    every: fixed(1d)\n    target: workload/web\n"
        )
    };
    let s = parse_str(&text(""), "changes.yaml", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_close(minutes(&s, "workload/web"), RELEASES * 3.0 * 20.0 / 60.0);
    let err = parse_str(
        &text("    rolling_update: { max_surge: 1 }\n"),
        "changes.yaml",
        Format::Yaml,
    )
    .unwrap_err();
    assert_eq!(
        err.key.as_deref(),
        Some("workloads[0].rolling_update"),
        "{err}"
    );
    assert!(err.message.contains("no surge"), "{err}");
}
