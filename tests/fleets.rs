//! Fleets: clusters in regions serving services together through global
//! DNS (docs/model.md, "Fleets"). Exact expectations: two independent
//! clusters behind instant traffic against 1 − (1 − a₁)(1 − a₂); a fixed
//! region outage failed over in exactly detection + TTL; its RPO exactly the
//! lag; active-active request success exactly 1/2 in the window; clusters
//! in one region losing the service together; the first cluster drawing as
//! its scenario alone; and bad fleets located and refused.

mod common;

use common::*;
use kubenines::report::IndicatorResult;
use kubenines::scenario::*;

const FILE: &str = "fleets.yaml";

fn yaml(text: &str) -> Scenario {
    parse_str(text, FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// A cluster whose one workload (`app`, one replica starting at once) is
/// down exactly while its zone or region is: nothing else fails.
fn cluster(zone_failure: &str) -> String {
    format!(
        "
      zones: {{ count: 1{zone_failure} }}
      control_plane:
        topology: stacked
        nodes: 1
        node: {{ failure: never }}
        etcd: {{ election: fixed(1ms) }}
        load_balancer: none
      workers: {{ nodes: 1, node: {{ failure: never }} }}
      workloads:
        - {{ name: app, replicas: 1 }}"
    )
}

/// A fleet of east (region 1) and west (region `west_region`) serving `app`.
fn fleet(simulation: &str, regions: &str, west_region: u32, service: &str) -> Scenario {
    fleet_with(simulation, regions, west_region, "", service)
}

/// As [`fleet`], with `west_zone` added to west's `zones`.
fn fleet_with(
    simulation: &str,
    regions: &str,
    west_region: u32,
    west_zone: &str,
    service: &str,
) -> Scenario {
    let text = format!(
        "fleet: test
simulation: {simulation}
regions: {regions}
clusters:
  east:
    region: 1
    scenario:{east}
  west:
    region: {west_region}
    scenario:{west}
services:
  app:
    clusters: {{ east: workload/app, west: workload/app }}
{service}
",
        east = cluster(""),
        west = cluster(west_zone),
    );
    yaml(&text)
}

fn by_cause(r: &IndicatorResult, key: &str) -> f64 {
    r.downtime_minutes_per_year_by_cause
        .0
        .iter()
        .find(|(k, _)| k == key)
        .unwrap_or_else(|| panic!("no cause {key}"))
        .1
        .mean
}

/// Region 1 out for exactly one hour at day 100 (once in 150 days), region
/// 2 never.
const ONE_OUTAGE: &str =
    "{ count: 2, failure: never, overrides: { 1: { failure: fixed(100d), repair: fixed(1h) } } }";
const TIMELINE: &str = "{ horizon: 150d, replications: 16, seed: 5 }";
const ROUTE53: &str = "    traffic: { health_check: { interval: 30s, failures: 3 }, ttl: 60s }";

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1e-6)
}

/// Active-passive, warm standby promoted at once: the primary's region
/// fails; health checks notice after 30 s × 3, clients follow 60 s later:
/// the service is down exactly 150 s per outage, all of it `dns_failover`,
/// one failover with RTO exactly 150 s. Failing back an hour later, when
/// east is healthy again, costs nothing (west serves until clients move).
#[test]
fn active_passive_fails_over_in_detection_plus_ttl() {
    let s = fleet(
        TIMELINE,
        ONE_OUTAGE,
        2,
        &format!("    mode: active_passive\n    promote: fixed(0s)\n{ROUTE53}"),
    );
    let horizon = s.simulation.horizon;
    let r = run(&s, 2);
    let svc = indicator(&r, "service/app");
    let per_year = per_year_over(150.0, horizon);
    assert!(
        close(svc.downtime_minutes_per_year.mean, per_year),
        "{} against {per_year}",
        svc.downtime_minutes_per_year.mean
    );
    assert!(close(by_cause(svc, "dns_failover"), per_year));
    assert_eq!(svc.outage_minutes.count, 16);
    assert!(close(svc.outage_minutes.max.unwrap(), 2.5));
    // The cluster itself was down the whole hour.
    let east = indicator(&r, "east/workload/app");
    assert!(close(
        east.downtime_minutes_per_year.mean,
        per_year_over(3600.0, horizon)
    ));
    assert_eq!(
        indicator(&r, "west/workload/app")
            .downtime_minutes_per_year
            .mean,
        0.0
    );
    let failover = &r.data_loss.by_cause.0[0];
    assert_eq!(failover.0, "service/app");
    assert_eq!(failover.1.rto_minutes.count, 16);
    assert!(close(failover.1.rto_minutes.max.unwrap(), 2.5));
    assert!(
        close(failover.1.rto_minutes.p50.unwrap(), 2.5)
            || failover.1.rto_minutes.p50.unwrap() > 2.48
    );
    assert_eq!(
        failover.1.rpo_minutes.max,
        Some(0.0),
        "no replication: nothing lost"
    );
}

/// A standby taking time to accept writes: with `promote: fixed(2m)` the
/// service waits for it past the TTL, 90 s + 120 s in all; a cold standby
/// adds its scale-up (`fixed(3m)`): 90 s + 300 s.
#[test]
fn promotion_and_scale_up_follow_detection() {
    for (standby, seconds) in [
        ("    promote: fixed(2m)\n", 210.0),
        (
            "    promote: fixed(2m)\n    standby: cold\n    scale_up: fixed(3m)\n",
            390.0,
        ),
    ] {
        let s = fleet(
            TIMELINE,
            ONE_OUTAGE,
            2,
            &format!("    mode: active_passive\n{standby}{ROUTE53}"),
        );
        let r = run(&s, 2);
        let svc = indicator(&r, "service/app");
        let per_year = per_year_over(seconds, s.simulation.horizon);
        assert!(
            close(svc.downtime_minutes_per_year.mean, per_year),
            "{standby}: {} against {per_year}",
            svc.downtime_minutes_per_year.mean
        );
        assert!(close(by_cause(svc, "dns_failover"), per_year));
    }
}

/// Asynchronous replication with `lag: fixed(7s)`: each failover loses
/// exactly 7 s of writes; synchronous loses none.
#[test]
fn a_failover_loses_exactly_the_lag() {
    for (replication, rpo) in [
        (
            "    replication: { mode: async, lag: fixed(7s) }\n",
            7.0 / 60.0,
        ),
        ("    replication: { mode: sync }\n", 0.0),
    ] {
        let s = fleet(
            TIMELINE,
            ONE_OUTAGE,
            2,
            &format!("    mode: active_passive\n    promote: fixed(0s)\n{replication}{ROUTE53}"),
        );
        let r = run(&s, 2);
        let failover = &r.data_loss.by_cause.0[0].1;
        assert_eq!(failover.rpo_minutes.count, 16, "{replication}");
        assert!(close(failover.rpo_minutes.max.unwrap(), rpo));
        assert!(close(failover.rpo_minutes.mean.unwrap(), rpo));
        let per_year = 1.0 / (s.simulation.horizon / YEAR_SECONDS);
        assert!(close(failover.events_per_year.mean, per_year));
    }
}

/// Active-active over two equal clusters: while east's failure is not yet
/// noticed and clients have not followed (150 s), DNS still sends half of
/// them to east: exactly half the requests fail, the service is never
/// down, and it is degraded exactly those 150 s.
#[test]
fn active_active_loses_half_the_requests_in_the_window() {
    let s = fleet(
        TIMELINE,
        ONE_OUTAGE,
        2,
        &format!("    mode: active_active\n{ROUTE53}"),
    );
    let horizon = s.simulation.horizon;
    let r = run(&s, 2);
    let svc = indicator(&r, "service/app");
    assert_eq!(svc.downtime_minutes_per_year.mean, 0.0);
    let failed = 0.5 * 150.0 / horizon;
    let success = svc.request_success.as_ref().expect("requests").mean;
    assert!(
        close(1.0 - success, failed),
        "{success} against {}",
        1.0 - failed
    );
    let degraded = svc
        .degraded_minutes_per_year
        .as_ref()
        .expect("degraded")
        .mean;
    assert!(close(degraded, per_year_over(150.0, horizon)));
}

/// Both clusters in region 1: the region's outage takes both, so the
/// service is down the whole hour, charged to the cluster whose recovery
/// ends it (east, listed first); in two regions it is never down.
#[test]
fn clusters_in_one_region_fail_together() {
    let one_region = "{ count: 1, failure: fixed(100d), repair: fixed(1h) }";
    let s = fleet(
        TIMELINE,
        one_region,
        1,
        &format!("    mode: active_active\n{ROUTE53}"),
    );
    let horizon = s.simulation.horizon;
    let r = run(&s, 2);
    let svc = indicator(&r, "service/app");
    let hour = per_year_over(3600.0, horizon);
    assert!(close(svc.downtime_minutes_per_year.mean, hour));
    assert!(close(by_cause(svc, "east/region_outage"), hour));
    assert_eq!(by_cause(svc, "dns_failover"), 0.0);
    let apart = fleet(
        TIMELINE,
        ONE_OUTAGE,
        2,
        &format!("    mode: active_active\n{ROUTE53}"),
    );
    let r = run(&apart, 2);
    assert_eq!(
        indicator(&r, "service/app").downtime_minutes_per_year.mean,
        0.0
    );
}

/// Two independent clusters (regions apart) whose workloads are up with
/// probability a₁(t) and a₂(t) (region outages, and west's zone outages
/// too), behind instant traffic movement (a 1 ms check, TTL 0):
/// active-active is down exactly when both are, unavailability the time
/// average of (1 − a₁)(1 − a₂), within the run's interval.
#[test]
fn active_active_with_instant_traffic_is_one_minus_both_down() {
    let s = fleet_with(
        "{ horizon: 10y, replications: 1500, seed: 11 }",
        "{ count: 2, failure: exponential(mean=20d), repair: exponential(mean=2d) }",
        2,
        ", failure: exponential(mean=10d), repair: exponential(mean=1d)",
        "    mode: active_active\n    traffic: { health_check: { interval: 1ms, failures: 1 }, ttl: 0s }",
    );
    let horizon = s.simulation.horizon;
    let r = run(&s, 2);
    let (l, m) = (1.0 / (20.0 * DAY), 1.0 / (2.0 * DAY));
    let (lz, mz) = (1.0 / (10.0 * DAY), 1.0 / DAY);
    let a1 = |t: f64| point_availability(l, m, t);
    let a2 = |t: f64| point_availability(l, m, t) * point_availability(lz, mz, t);
    let tau = 1.0 / (lz + mz).min(l + m);
    let exact = time_average(|t| (1.0 - a1(t)) * (1.0 - a2(t)), tau, horizon);
    let svc = indicator(&r, "service/app");
    assert_unavailability(svc, exact, "service over two independent clusters");
    // Each cluster on its own, for scale.
    assert_unavailability(
        indicator(&r, "east/workload/app"),
        1.0 - time_average(a1, tau, horizon),
        "east",
    );
}

/// Clusters in one region draw its outages from the same streams: with
/// random region outages and nothing else failing, both clusters are down
/// at exactly the same times, so the service (active-active, instant) is
/// down exactly as long as either cluster, replication by replication.
#[test]
fn clusters_in_one_region_share_its_random_outages() {
    let s = fleet(
        "{ horizon: 5y, replications: 64, seed: 9 }",
        "{ count: 1, failure: exponential(mean=30d), repair: exponential(mean=6h) }",
        1,
        "    mode: active_active\n    traffic: { health_check: { interval: 1ms, failures: 1 }, ttl: 0s }",
    );
    let r = run(&s, 2);
    let east = indicator(&r, "east/workload/app");
    let west = indicator(&r, "west/workload/app");
    let svc = indicator(&r, "service/app");
    assert!(east.downtime_minutes_per_year.mean > 0.0);
    assert_eq!(
        east.downtime_minutes_per_year.mean,
        west.downtime_minutes_per_year.mean
    );
    assert!(close(
        svc.downtime_minutes_per_year.mean,
        east.downtime_minutes_per_year.mean
    ));
    assert_eq!(svc.outages_per_year.mean, east.outages_per_year.mean);
}

/// The first cluster has the fleet's seed, so it draws exactly as its
/// scenario run alone (a comparison of one cluster against the fleet is
/// paired); the second has streams of its own.
#[test]
fn the_first_cluster_draws_as_its_scenario_alone() {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/production.yaml"
    ))
    .expect("production.yaml");
    let alone = run(
        &yaml(&base.replace("replications: 1000", "replications: 64")),
        2,
    );
    let dir = std::env::temp_dir().join(format!("kn-fleet-first-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("fleet.yaml");
    std::fs::write(
        &path,
        format!(
            "fleet: pair
simulation: {{ horizon: 10y, replications: 64, seed: 2026 }}
clusters:
  east: {{ scenario: {p} }}
  west: {{ scenario: {p} }}
services:
  web: {{ clusters: {{ east: workload/web, west: workload/web }}, mode: active_active }}
",
            p = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/production.yaml")
        ),
    )
    .expect("write");
    let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
    let r = run(&s, 1);
    assert!(indicator(&alone, "api").unavailability.mean > 0.0);
    for key in ["etcd", "api", "workload/web", "workload/payments"] {
        let a = indicator(&alone, key);
        let east = indicator(&r, &format!("east/{key}"));
        let west = indicator(&r, &format!("west/{key}"));
        assert_eq!(a.unavailability.mean, east.unavailability.mean, "{key}");
        if a.unavailability.mean > 0.0 {
            assert_ne!(a.unavailability.mean, west.unavailability.mean, "{key}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}
