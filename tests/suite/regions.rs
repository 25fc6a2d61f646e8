//! Regions, failure domains above zones (docs/model.md, "Regions"): a
//! cluster stretched over three regions against the k-of-n closed form, a
//! stretched cluster whose quorum lives in one region, an exact region
//! outage on a fixed timeline and its cause, regions that never fail
//! changing nothing, and bad input located and refused with exit 2.

use crate::common::*;
use kubenines::model::{Cause, Cluster, Model};
use kubenines::scenario::*;
use serde_json::Value;

const FILE: &str = "regions.yaml";

fn yaml(text: &str) -> Scenario {
    parse_str(text, FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Three stacked members, one per zone, each zone in a region of its own;
/// zones and hosts never fail. etcd is writable exactly when at least 2 of
/// the 3 regions are up: P = 3a²(1 − a) + a³, each region up with
/// probability a(t) (a time average from all up at t = 0; the 1 ms
/// elections add about 1e-10). Every minute down is the regions'.
#[test]
fn quorum_over_three_regions_is_k_of_n() {
    let s = yaml(
        "name: k-of-n
simulation: { horizon: 10y, replications: 400, seed: 21 }
zones:
  count: 3
  region_of: [1, 2, 3]
regions: { count: 3, failure: exponential(mean=30d), repair: exponential(mean=1d) }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: never }
  etcd: { election: fixed(1ms) }
  load_balancer: none
",
    );
    assert_eq!(
        s.zones.regions.as_ref().expect("regions").of_zone,
        [0, 1, 2]
    );
    let r = run(&s, 2);
    let region = |t: f64| point_availability(1.0 / (30.0 * DAY), 1.0 / DAY, t);
    let tau = 1.0 / (1.0 / (30.0 * DAY) + 1.0 / DAY);
    let exact = 1.0 - time_average(|t| k_of_n(2, 3, region(t)), tau, s.simulation.horizon);
    let etcd = indicator(&r, "etcd");
    assert_unavailability(etcd, exact, "etcd, 2 of 3 regions");
    let down = etcd.downtime_minutes_per_year.mean;
    let election = by_cause(etcd, Cause::EtcdElection);
    assert!((by_cause(etcd, Cause::RegionOutage) + election - down).abs() <= 1e-9 * down);
    assert!(election < 1e-6 * down, "{election} of {down}");
    assert_eq!(by_cause(etcd, Cause::ZoneOutage), 0.0);
    assert_eq!(by_cause(etcd, Cause::HostFailure), 0.0);
}

/// A cluster stretched over two regions with its members placed 2 + 1
/// (zones 1 and 2 in region 1, zone 3 in region 2): region 1 holds the
/// quorum, so etcd is down exactly when region 1 is, whatever region 2
/// does: unavailability 1 − a₁(t) averaged, region 2 irrelevant. Zones
/// fail too, and a zone of region 1 down while the region is up is charged
/// to the zone, never to the region.
#[test]
fn the_region_holding_the_quorum_decides() {
    let s = yaml(
        "name: stretched
simulation: { horizon: 10y, replications: 400, seed: 22 }
zones:
  count: 3
  region_of: [1, 1, 2]
regions: { count: 2, failure: exponential(mean=20d), repair: exponential(mean=1d) }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: never }
  etcd: { election: fixed(1ms) }
  load_balancer: none
",
    );
    let r = run(&s, 2);
    let tau = 1.0 / (1.0 / (20.0 * DAY) + 1.0 / DAY);
    let region = |t: f64| point_availability(1.0 / (20.0 * DAY), 1.0 / DAY, t);
    let exact = 1.0 - time_average(region, tau, s.simulation.horizon);
    let etcd = indicator(&r, "etcd");
    assert_unavailability(etcd, exact, "etcd, quorum in region 1");
    let down = etcd.downtime_minutes_per_year.mean;
    let election = by_cause(etcd, Cause::EtcdElection);
    assert!((by_cause(etcd, Cause::RegionOutage) + election - down).abs() <= 1e-9 * down);

    // With zones failing as well: a zone outage inside an up region is the
    // zone's; the region's outage takes precedence over its zones'.
    let zones = yaml(&s_text_with_zone_failures());
    let r = run(&zones, 2);
    let etcd = indicator(&r, "etcd");
    assert!(by_cause(etcd, Cause::RegionOutage) > 0.0);
    assert!(by_cause(etcd, Cause::ZoneOutage) > 0.0);
}

fn s_text_with_zone_failures() -> String {
    "name: stretched-zones
simulation: { horizon: 10y, replications: 200, seed: 23 }
zones:
  count: 3
  failure: exponential(mean=30d)
  repair: exponential(mean=1d)
  region_of: [1, 1, 2]
regions: { count: 2, failure: exponential(mean=20d), repair: exponential(mean=1d) }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: never }
  etcd: { election: fixed(1ms) }
  load_balancer: none
"
    .into()
}

/// One region of two zones, holding the control-plane host (zone 1) and
/// the worker (zone 2), down once at day 100 for exactly an hour: etcd is
/// down for the hour (`region_outage`) and then the 1 s election; the
/// workload's pod, back in place when its worker is, is down for exactly
/// the hour, also `region_outage`. The timeline shows the region and both
/// zones `down`, and the hosts `region down`.
#[test]
fn a_region_outage_on_a_fixed_timeline() {
    let s = yaml(
        "name: timeline
simulation: { horizon: 150d, replications: 8, seed: 3 }
zones: { count: 2 }
regions: { count: 1, failure: fixed(100d), repair: fixed(1h) }
control_plane:
  topology: stacked
  nodes: 1
  node: { failure: never }
  etcd: { election: fixed(1s) }
  load_balancer: none
workers:
  nodes: 1
  placement: [2]
  node: { failure: never }
workloads:
  - { name: web, replicas: 1 }
",
    );
    let horizon = s.simulation.horizon;
    let r = run(&s, 2);
    let etcd = indicator(&r, "etcd");
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-6 * b.abs().max(1e-3);
    assert!(close(
        by_cause(etcd, Cause::RegionOutage),
        per_year_over(HOUR, horizon)
    ));
    assert!(close(
        by_cause(etcd, Cause::EtcdElection),
        per_year_over(1.0, horizon)
    ));
    assert!(close(
        etcd.downtime_minutes_per_year.mean,
        per_year_over(HOUR + 1.0, horizon)
    ));
    assert_eq!(by_cause(etcd, Cause::ZoneOutage), 0.0);
    let web = indicator(&r, "workload/web");
    assert!(close(
        by_cause(web, Cause::RegionOutage),
        per_year_over(HOUR, horizon)
    ));
    assert!(close(
        web.downtime_minutes_per_year.mean,
        per_year_over(HOUR, horizon)
    ));

    let model = Model::build(&s).unwrap();
    let mut cluster = Cluster::new(&model);
    let rows: Vec<String> = cluster.trace_rows().into_iter().map(|r| r.label).collect();
    let at = |label: &str| rows.iter().position(|l| l == label).expect(label);
    let (region, zone1, zone2, cp, worker) = (
        at("region 1"),
        at("zone 1"),
        at("zone 2"),
        at("cp-1"),
        at("worker-1"),
    );
    let mut seen: Vec<(f64, Vec<&'static str>)> = Vec::new();
    cluster.run_observed(
        0,
        |_: usize, _: f64| {},
        |c: &Cluster, now| {
            let mut out = Vec::new();
            c.trace_state(now, &mut out);
            seen.push((now, out));
        },
    );
    let during = seen
        .iter()
        .find(|(t, _)| *t == 100.0 * DAY)
        .expect("an instant at the outage");
    assert_eq!(
        [
            during.1[region],
            during.1[zone1],
            during.1[zone2],
            during.1[cp],
            during.1[worker]
        ],
        ["down", "down", "down", "region down", "region down"]
    );
    let after = seen
        .iter()
        .find(|(t, _)| *t == 100.0 * DAY + HOUR)
        .expect("an instant at the repair");
    assert_eq!(
        [after.1[region], after.1[zone1], after.1[cp]],
        ["up", "up", "up"]
    );
}

/// Regions that never fail change nothing: every indicator's numbers are
/// those of the same scenario without regions (the regions' own streams
/// are drawn from, and no other component's), with `region_outage` at 0.
#[test]
fn regions_that_never_fail_change_nothing() {
    let without = "name: same
simulation: { horizon: 10y, replications: 300, seed: 4 }
zones:
  count: 3
  failure: exponential(mean=2y)
  repair: lognormal(median=4h, sigma=1.2)
control_plane:
  topology: stacked
  nodes: 3
  node:
    failure: weibull(shape=0.8, mean=1y)
    repair: lognormal(median=1h, sigma=1.0)
  load_balancer: { failure: exponential(mean=1y), repair: fixed(10m) }
workers:
  nodes: 6
  node:
    failure: exponential(mean=1y)
    repair: lognormal(median=2h, sigma=1.0)
workloads:
  - { name: web, replicas: 3, min_available: 2, anti_affinity: host, zone_spread: 1 }
maintenance: { interval: 30d, duration: 15m }
";
    let with = without.replace(
        "zones:\n  count: 3\n",
        "regions: { count: 2, failure: never }\nzones:\n  count: 3\n  region_of: [1, 2, 2]\n",
    );
    assert_ne!(with, without);
    let (a, b) = (run(&yaml(without), 2), run(&yaml(&with), 2));
    for key in ["etcd", "api", "control_plane", "workload/web"] {
        let (x, y) = (indicator(&a, key), indicator(&b, key));
        assert_eq!(x.unavailability.mean, y.unavailability.mean, "{key}");
        assert_eq!(x.outages_per_year.mean, y.outages_per_year.mean, "{key}");
        assert_eq!(by_cause(y, Cause::RegionOutage), 0.0, "{key}");
    }
}

/// A scenario stretched over two regions.
const WITH_REGIONS: &str = "name: regions
simulation: { horizon: 1y, replications: 20, seed: 1 }
zones:
  count: 3
  region_of: [1, 1, 2]
regions:
  count: 2
  failure: exponential(mean=5y)
  repair: fixed(4h)
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: exponential(mean=1y), repair: fixed(1h) }
  load_balancer: none
";

/// `region_outage` is in results (JSON and CSV) only for a scenario with
/// regions, and the JSON Schema knows the keys.
#[test]
fn region_outage_is_reported_only_with_regions() {
    let without = WITH_REGIONS
        .replace("  region_of: [1, 1, 2]\n", "")
        .replace(
            "regions:\n  count: 2\n  failure: exponential(mean=5y)\n  repair: fixed(4h)\n",
            "",
        );
    for (name, text, present) in [
        ("with.yaml", WITH_REGIONS, true),
        ("without.yaml", &without[..], false),
    ] {
        let out = kubenines_on(name, text, &["run", "-q", "-o", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        for key in ["etcd", "api", "control_plane"] {
            let causes = v["indicators"][key]["downtime_minutes_per_year_by_cause"]
                .as_object()
                .expect("by cause");
            assert_eq!(
                causes.contains_key("region_outage"),
                present,
                "{name} {key}"
            );
            assert!(causes.contains_key("zone_outage"), "{name} {key}");
        }
        let out = kubenines_on(name, text, &["run", "-q", "-o", "csv"]);
        let csv = String::from_utf8(out.stdout).unwrap();
        let header = csv.lines().next().expect("a header");
        assert_eq!(
            header.contains("downtime_minutes_per_year_region_outage"),
            present,
            "{header}"
        );
    }
    let out = assert_cmd::Command::cargo_bin("kubenines")
        .expect("binary")
        .arg("schema")
        .output()
        .expect("runs");
    let schema: Value = serde_json::from_slice(&out.stdout).expect("a schema");
    let text = schema.to_string();
    assert!(text.contains("region_of"), "zones.region_of in the schema");
    assert!(
        schema["properties"]["regions"].is_object(),
        "regions in the schema"
    );
}

/// Each bad use of regions is refused with exit 2 and an error at
/// FILE:LINE:COLUMN, the key, and why.
#[test]
fn bad_regions_are_located_errors_with_exit_2() {
    let no_regions = WITH_REGIONS.replace(
        "regions:\n  count: 2\n  failure: exponential(mean=5y)\n  repair: fixed(4h)\n",
        "",
    );
    // (text, key, where the error points, words of its message)
    let cases: Vec<(String, &str, &str, &str)> = vec![
        (
            no_regions,
            "zones.region_of",
            "region_of: [1, 1, 2]",
            "there are no regions",
        ),
        (
            WITH_REGIONS.replace("[1, 1, 2]", "[1, 3, 2]"),
            "zones.region_of[1]",
            "3, 2]",
            "region 3 does not exist",
        ),
        (
            WITH_REGIONS.replace("[1, 1, 2]", "[0, 1, 2]"),
            "zones.region_of[0]",
            "0, 1, 2]",
            "numbered from 1",
        ),
        (
            WITH_REGIONS.replace("[1, 1, 2]", "[1, 2]"),
            "zones.region_of",
            "region_of: [1, 2]",
            "has 2 entries but `zones.count` is 3",
        ),
        (
            WITH_REGIONS.replace("[1, 1, 2]", "[1, 1, 1]"),
            "regions.count",
            "count: 2",
            "region 2 holds no zone",
        ),
        (
            WITH_REGIONS.replace("  count: 2\n", "  count: 0\n"),
            "regions.count",
            "count: 0",
            "at least 1",
        ),
        (
            WITH_REGIONS.replace("  repair: fixed(4h)\n", ""),
            "regions.repair",
            "regions:",
            "missing",
        ),
    ];
    for (text, key, at, words) in cases {
        assert_refused_at(&text, key, at, words);
    }
}
