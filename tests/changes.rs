//! Changes and certificates (docs/model.md, "Changes"): exact downtimes on
//! deterministic timelines, where every other part is perfect and every
//! change's timing fixed.

mod common;

use common::{indicator, run};
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
