//! Fleets: clusters in regions serving services together through global
//! DNS (docs/model.md, "Fleets"). Exact expectations: two independent
//! clusters behind instant traffic against 1 − (1 − a₁)(1 − a₂); a fixed
//! region outage failed over in exactly detection + TTL; its RPO exactly the
//! lag; active-active request success exactly 1/2 in the window; clusters
//! in one region losing the service together; the first cluster drawing as
//! its scenario alone; and bad fleets located and refused.

use crate::common::*;
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

/// A valid fleet in block style, for the bad-input cases to break.
fn good_fleet() -> String {
    format!(
        "fleet: good
simulation: {{ horizon: 1y, replications: 4, seed: 1 }}
regions:
  count: 2
  failure: exponential(mean=5y)
  repair: fixed(1h)
clusters:
  east:
    region: 1
    scenario:{east}
  west:
    region: 2
    scenario:{west}
services:
  app:
    clusters:
      east: workload/app
      west: workload/app
    mode: active_passive
    promote: fixed(1m)
",
        east = cluster(""),
        west = cluster(""),
    )
}

/// Bad fleets are located errors (file, line, column, key) with exit 2:
/// a service naming a cluster or a workload that does not exist, a fleet
/// of one cluster, a region no cluster lives in, a cluster in a region
/// that does not exist, an active-passive service without `promote`, a
/// cold standby without `scale_up`, async replication without `lag`, an
/// SLO on a scope of data (a fleet reports none).
#[test]
fn bad_fleets_are_located_errors_with_exit_2() {
    let good = good_fleet();
    let out = kubenines_on("good.yaml", &good, &["validate"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let one_cluster = {
        let start = good.find("  west:\n").unwrap();
        let end = good.find("services:").unwrap();
        good[..start].to_string() + &good[end..]
    }
    .replace("      west: workload/app\n", "")
    .replace("  count: 2\n", "  count: 1\n")
    .replace("    region: 1\n", "");
    // (text, key, where the error points, words of its message)
    let cases: Vec<(String, &str, &str, &str)> = vec![
        (
            good.replace("      west: workload/app", "      north: workload/app"),
            "services.app.clusters.north",
            "north: workload/app",
            "`north` is not a cluster of this fleet",
        ),
        (
            good.replace("      west: workload/app", "      west: workload/db"),
            "services.app.clusters.west",
            "west: workload/db",
            "`workload/db` is not an indicator cluster `west`",
        ),
        (
            one_cluster,
            "clusters",
            "clusters:",
            "a fleet has at least 2 clusters (1 given)",
        ),
        (
            good.replace("  count: 2\n", "  count: 3\n"),
            "regions.count",
            "count: 3",
            "region 3 holds no cluster",
        ),
        (
            good.replace("    region: 2\n", "    region: 4\n"),
            "clusters.west.region",
            "region: 4",
            "is 4, but there are 2 regions",
        ),
        (
            good.replace("    promote: fixed(1m)\n", ""),
            "services.app.promote",
            "app:",
            "missing: how long a standby takes to accept writes",
        ),
        (
            good.replace(
                "    promote: fixed(1m)\n",
                "    promote: fixed(1m)\n    standby: cold\n",
            ),
            "services.app.scale_up",
            "app:",
            "a cold standby scales up after its promotion",
        ),
        (
            good.clone() + "    replication: { mode: async }\n",
            "services.app.replication",
            "replication: { mode: async }",
            "missing `lag`",
        ),
        (
            good + "slos:\n  - { metric: rpo, quantile: 0.95, max: 1h, scope: etcd }\n",
            "slos[0].scope",
            "scope: etcd",
            "a fleet reports no data loss per scope",
        ),
    ];
    for (text, key, at, words) in &cases {
        assert_refused_at(text, key, at, words);
    }
}

/// A study over a fleet reaches into a cluster with
/// `clusters.NAME.KEY`; a cluster the fleet lacks is refused where the
/// key is written, with exit 2.
#[test]
fn a_study_key_into_a_missing_cluster_is_refused() {
    let dir = std::env::temp_dir().join(format!("kn-fleet-study-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(dir.join("fleet.yaml"), good_fleet()).expect("fleet");
    let study = |key: &str| {
        format!(
            "study: s
base: fleet.yaml
indicator: workload/app
designs:
  - name: base
  - name: more
    set: {{ {key}: 2 }}
"
        )
    };
    let run = |text: &str| {
        std::fs::write(dir.join("study.yaml"), text).expect("study");
        assert_cmd::Command::cargo_bin("kubenines")
            .expect("binary")
            .args(["compare", "-q", "-n", "4"])
            .arg(dir.join("study.yaml"))
            .output()
            .expect("runs")
    };
    let out = run(&study("clusters.west.workers.nodes"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("more"), "{stdout}");
    let text = study("clusters.north.workers.nodes");
    let out = run(&text);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let (line, column) = position(&text, "clusters.north");
    assert!(
        stderr.contains(&format!(
            "study.yaml:{line}:{column}: designs[1].set.clusters.north.workers.nodes: "
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("`north` is not a cluster of the base fleet"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A fleet's results are the same to the last bit on any thread count and
/// any shard cut, merged in any order (the parts carry the fleet with its
/// clusters inline, so they merge without the clusters' files).
#[test]
fn fleets_are_deterministic_over_threads_and_shards() {
    let dir = std::env::temp_dir().join(format!("kn-fleet-shards-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let fleet = dir.join("fleet.yaml");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/production.yaml"),
        dir.join("prod.yaml"),
    )
    .expect("copy");
    std::fs::write(
        &fleet,
        format!(
            "fleet: pair
simulation: {{ horizon: 5y, replications: 96, seed: 3 }}
regions: {{ count: 2, failure: exponential(mean=2y), repair: fixed(2h) }}
clusters:
  east: {{ scenario: {p}, region: 1 }}
  west: {{ scenario: {p}, region: 2 }}
services:
  payments:
    clusters: {{ east: workload/payments, west: workload/payments }}
    mode: active_passive
    promote: lognormal(median=1m, sigma=0.5)
    replication: {{ mode: async, lag: exponential(mean=3s) }}
  web: {{ clusters: {{ east: workload/web, west: workload/web }}, mode: active_active }}
",
            p = "prod.yaml"
        ),
    )
    .expect("write");
    let kn = |args: &[&str]| {
        let out = assert_cmd::Command::cargo_bin("kubenines")
            .expect("binary")
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("runs");
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    let figures = |json: Vec<u8>| {
        let mut v: serde_json::Value = serde_json::from_slice(&json).expect("json");
        let o = v.as_object_mut().expect("object");
        o.remove("performance");
        o.remove("scenario");
        v
    };
    let one = figures(kn(&[
        "run",
        "-q",
        "-o",
        "json",
        "--threads",
        "1",
        "fleet.yaml",
    ]));
    let three = figures(kn(&[
        "run",
        "-q",
        "-o",
        "json",
        "--threads",
        "3",
        "fleet.yaml",
    ]));
    assert_eq!(one, three);
    for k in 1..=3 {
        kn(&[
            "run",
            "-q",
            "fleet.yaml",
            "--shard",
            &format!("{k}/3"),
            "--out",
            &format!("part{k}.json"),
        ]);
    }
    // The parts merge elsewhere, without the fleet's or the clusters' files.
    std::fs::remove_file(&fleet).expect("remove");
    std::fs::remove_file(dir.join("prod.yaml")).expect("remove");
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).expect("dir");
    for k in 1..=3 {
        std::fs::rename(
            dir.join(format!("part{k}.json")),
            elsewhere.join(format!("part{k}.json")),
        )
        .expect("move");
    }
    let merged = figures(kn(&[
        "merge",
        "-o",
        "json",
        "elsewhere/part3.json",
        "elsewhere/part1.json",
        "elsewhere/part2.json",
    ]));
    assert_eq!(one, merged);
    std::fs::remove_dir_all(&dir).ok();
}

/// The shipped fleets validate, and the regions study (a group with a base
/// of its own: one cluster beside the fleets) runs every design, ranked on
/// `workload/payments` (the fleets' service under its workload's key).
#[test]
fn shipped_fleets_and_the_regions_study_run() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut files: Vec<String> = std::fs::read_dir(format!("{root}/scenarios/fleets"))
        .expect("scenarios/fleets")
        .map(|e| e.expect("entry").path().display().to_string())
        .filter(|p| p.ends_with(".yaml"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 4, "{files:?}");
    let out = assert_cmd::Command::cargo_bin("kubenines")
        .expect("binary")
        .arg("validate")
        .args(&files)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = assert_cmd::Command::cargo_bin("kubenines")
        .expect("binary")
        .args(["compare", "-q", "-n", "64", "-o", "json"])
        .arg(format!("{root}/scenarios/studies/regions.yaml"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let designs = v["designs"].as_array().expect("designs");
    let names: Vec<&str> = designs.iter().filter_map(|d| d["name"].as_str()).collect();
    for want in [
        "one-region",
        "warm-async",
        "warm-sync",
        "cold-async",
        "active-active-async",
    ] {
        assert!(names.contains(&want), "{names:?}");
    }
    for d in designs {
        assert!(
            d["indicators"]["workload/payments"]["availability"]["mean"].is_number(),
            "{d}"
        );
    }
}

/// The report answers what a failover costs: its Data at risk section has
/// a row per design and service with the failovers a year, the RPO (here
/// exactly the 7 s lag) and the RTO (exactly 150 s, 2m 30s).
#[test]
fn the_report_shows_each_services_failovers() {
    let dir = std::env::temp_dir().join(format!("kn-fleet-report-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let text = good_fleet()
        .replace("simulation: { horizon: 1y, replications: 4, seed: 1 }", &format!("simulation: {TIMELINE}"))
        .replace(
            "  count: 2\n  failure: exponential(mean=5y)\n  repair: fixed(1h)\n",
            "  count: 2\n  failure: never\n  overrides: { 1: { failure: fixed(100d), repair: fixed(1h) } }\n",
        )
        .replace("    promote: fixed(1m)\n", "    promote: fixed(0s)\n    replication: { mode: async, lag: fixed(7s) }\n");
    std::fs::write(dir.join("fleet.yaml"), text).expect("write");
    let out = assert_cmd::Command::cargo_bin("kubenines")
        .expect("binary")
        .args(["report", "-q", "--indicator", "workload/app", "--out"])
        .arg(dir.join("report"))
        .arg(dir.join("fleet.yaml"))
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(dir.join("report/report.md")).expect("report.md");
    let row = md
        .lines()
        .find(|l| l.starts_with("| good | service/app |"))
        .unwrap_or_else(|| panic!("no failover row in {md}"));
    let cells: Vec<&str> = row.split('|').map(str::trim).collect();
    // Design, service, failovers a year, RPO p50, p95, max, RTO p50, p95, max.
    assert_eq!(
        &cells[4..10],
        ["7.0s", "7.0s", "7.0s", "2m 30s", "2m 30s", "2m 30s"],
        "{row}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// A fleet counts its clusters' data lost for good: east's `app` is wiped
/// once, and no backup holds it.
#[test]
fn a_fleet_counts_data_lost_for_good_in_its_clusters() {
    let east = cluster("")
        + "
      recovery: { detection: 5m, force_new_cluster: fixed(1h), restore: fixed(30m) }
      disasters:
        - { name: wipe, every: fixed(10d), scope: workload/app }";
    let text = format!(
        "fleet: lost
simulation: {{ horizon: 15d, replications: 3, seed: 1 }}
regions: {{ count: 1 }}
clusters:
  east:
    region: 1
    scenario:{east}
  west:
    region: 1
    scenario:{west}
services:
  app:
    clusters: {{ east: workload/app, west: workload/app }}
    mode: active_active
",
        west = cluster(""),
    );
    let r = run(&yaml(&text), 2);
    let years = 15.0 * DAY / YEAR_SECONDS;
    let lost = |c: &str| {
        r.data_loss
            .by_cause
            .get(c)
            .unwrap_or_else(|| panic!("no cause {c}"))
            .lost_for_good_per_year
            .as_ref()
            .map(|i| i.mean)
    };
    let one = 1.0 / years;
    assert!((lost("east/wipe").unwrap() - one).abs() < 1e-9);
    assert_eq!(lost("west/quorum-loss"), Some(0.0));
    assert_eq!(lost("service/app"), None, "a failover restores nothing");
    let total = r.data_loss.lost_for_good_per_year.as_ref().unwrap().mean;
    assert!((total - one).abs() < 1e-9);
    assert_eq!(
        r.data_loss
            .by_cause
            .get("east/wipe")
            .unwrap()
            .rpo_minutes
            .count,
        0
    );
}
