//! Racks, failure domains below zones (docs/model.md, "Racks"): quorum over
//! racks against the k-of-n closed form (one host per rack) and the
//! conditional form (two hosts per rack), an exact rack outage on a fixed
//! timeline and its cause, `anti_affinity: rack` against the same rule over
//! hosts, and bad input located and refused with exit 2.

use crate::common::*;
use kubenines::model::{Cause, Cluster, Model};
use kubenines::report::Results;
use kubenines::scenario::*;
use serde_json::Value;

const FILE: &str = "racks.yaml";

fn yaml(text: &str) -> Scenario {
    parse_str(text, FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// The probability that each of a rack's (or host's) exponential up and
/// down phases gives it of being up at time t, from up at 0.
fn up_at(mean_up: f64, mean_down: f64) -> impl Fn(f64) -> f64 {
    move |t| point_availability(1.0 / mean_up, 1.0 / mean_down, t)
}

/// Three stacked members, one per rack of one perfect zone, on hosts that
/// never fail: etcd is writable exactly when at least 2 of the 3 racks are
/// up, P = 3a²(1 − a) + a³ with each rack up with probability a (a time
/// average from all up at t = 0; the 1 ms elections add about 1e-10).
#[test]
fn quorum_over_one_host_per_rack_is_k_of_n() {
    let s = yaml(
        "name: k-of-n
simulation: { horizon: 10y, replications: 400, seed: 11 }
zones:
  count: 1
  racks: { per_zone: 3, failure: exponential(mean=30d), repair: exponential(mean=1d) }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: never }
  etcd: { election: fixed(1ms) }
  load_balancer: none
",
    );
    let racks = s.zones.racks.as_ref().expect("racks");
    assert_eq!(racks.control_plane, vec![0, 1, 2], "one host per rack");
    let r = run(&s, 2);
    let rack = up_at(30.0 * DAY, DAY);
    let tau = 1.0 / (1.0 / (30.0 * DAY) + 1.0 / DAY);
    let exact = 1.0 - time_average(|t| k_of_n(2, 3, rack(t)), tau, s.simulation.horizon);
    let etcd = indicator(&r, "etcd");
    assert_unavailability(etcd, exact, "etcd, 2 of 3 racks");
    // All of it waits for racks, but for the elections after each return.
    let down = etcd.downtime_minutes_per_year.mean;
    let election = by_cause(etcd, Cause::EtcdElection);
    assert!((by_cause(etcd, Cause::RackOutage) + election - down).abs() <= 1e-9 * down);
    assert!(election < 1e-6 * down, "{election} of {down}");
    assert_eq!(by_cause(etcd, Cause::HostFailure), 0.0);
    assert_eq!(by_cause(etcd, Cause::ZoneOutage), 0.0);
}

/// Six stacked members, two per rack (round-robin: cp-1 and cp-4 in rack
/// 1, cp-2 and cp-5 in rack 2, cp-3 and cp-6 in rack 3), hosts failing on
/// their own too; quorum is 4. Conditioning on the racks: with j racks up,
/// the 2j hosts in them are each up with probability h, independently of
/// the racks (a host's own clock runs through its rack's outage), so
/// P(writable) = Σ_j C(3, j) a^j (1 − a)^(3−j) P(Bin(2j, h) ≥ 4)
///             = 3a²(1 − a) h⁴ + a³ P(Bin(6, h) ≥ 4)
/// (one rack or none up leaves at most two hosts).
#[test]
fn quorum_over_two_hosts_per_rack_is_the_conditional_form() {
    let text = "name: conditional
simulation: { horizon: 10y, replications: 400, seed: 12 }
zones:
  count: 1
  racks: { per_zone: 3, failure: exponential(mean=60d), repair: exponential(mean=2d) }
control_plane:
  topology: stacked
  nodes: 6
  node: { failure: exponential(mean=20d), repair: exponential(mean=1d) }
  etcd: { election: fixed(1ms) }
  load_balancer: none
";
    let s = yaml(text);
    assert_eq!(
        s.zones.racks.as_ref().expect("racks").control_plane,
        vec![0, 1, 2, 0, 1, 2]
    );
    let r = run(&s, 2);
    let (rack, host) = (up_at(60.0 * DAY, 2.0 * DAY), up_at(20.0 * DAY, DAY));
    let writable = |t: f64| {
        let (a, h) = (rack(t), host(t));
        3.0 * a * a * (1.0 - a) * h.powi(4) + a.powi(3) * k_of_n(4, 6, h)
    };
    // The slower of the two relaxations.
    let tau = (1.0 / (1.0 / (60.0 * DAY) + 1.0 / (2.0 * DAY)))
        .max(1.0 / (1.0 / (20.0 * DAY) + 1.0 / DAY));
    let exact = 1.0 - time_average(writable, tau, s.simulation.horizon);
    let etcd = indicator(&r, "etcd");
    assert_unavailability(etcd, exact, "etcd, 4 of 6 over 3 racks");
    assert!(by_cause(etcd, Cause::RackOutage) > 0.0 && by_cause(etcd, Cause::HostFailure) > 0.0);

    // The same placement written out is the same design: the same draws.
    let explicit = yaml(&text.replace(
        "  nodes: 6\n",
        "  nodes: 6\n  rack_placement: [1, 2, 3, 1, 2, 3]\n",
    ));
    assert_eq!(explicit.zones.racks, s.zones.racks);
    let again = run(&explicit, 2);
    assert_eq!(
        indicator(&again, "etcd").unavailability.mean,
        etcd.unavailability.mean
    );
}

/// One rack, holding the control-plane host and the worker, down once at
/// day 100 for exactly an hour: etcd is down for the hour (`rack_outage`)
/// and then the 1 s election; the workload's pod, back in place when its
/// worker is, is down for exactly the hour, also `rack_outage`. The
/// timeline shows the rack `down` and its hosts `rack down`.
#[test]
fn a_rack_outage_on_a_fixed_timeline() {
    let s = yaml(
        "name: timeline
simulation: { horizon: 150d, replications: 8, seed: 3 }
zones:
  racks: { per_zone: 1, failure: fixed(100d), repair: fixed(1h) }
control_plane:
  topology: stacked
  nodes: 1
  node: { failure: never }
  etcd: { election: fixed(1s) }
  load_balancer: none
workers:
  nodes: 1
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
        by_cause(etcd, Cause::RackOutage),
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
    let web = indicator(&r, "workload/web");
    assert!(close(
        by_cause(web, Cause::RackOutage),
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
    let (rack, cp, worker) = (at("zone 1 rack 1"), at("cp-1"), at("worker-1"));
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
        [during.1[rack], during.1[cp], during.1[worker]],
        ["down", "rack down", "rack down"]
    );
    let after = seen
        .iter()
        .find(|(t, _)| *t == 100.0 * DAY + HOUR)
        .expect("an instant at the repair");
    assert_eq!([after.1[rack], after.1[cp]], ["up", "up"]);
}

/// Two replicas, one needed, on four perfect workers in racks 2 and 3
/// (two each; the control-plane host alone in rack 1), never evicted (pods
/// restart in place when their rack is back): under `anti_affinity: rack`
/// the replicas are in the two racks, and the workload is down when both
/// racks are, (1 − a)². Under `host`, the second replica goes to one of
/// the other three workers uniformly (the scheduler's ranking ignores
/// racks), the first's rack-mate with probability 1/3: (1 − a)/3 +
/// 2(1 − a)²/3. The downtime is charged to the racks even while the
/// control plane, in its own rack, is up.
#[test]
fn rack_anti_affinity_survives_one_rack() {
    let text = "name: spread
simulation: { horizon: 10y, replications: 1000, seed: 5 }
zones:
  racks: { per_zone: 3, failure: exponential(mean=20d), repair: exponential(mean=2d) }
control_plane:
  topology: stacked
  nodes: 1
  rack_placement: [1]
  node: { failure: never }
  load_balancer: none
workers:
  nodes: 4
  rack_placement: [2, 3, 2, 3]
  node: { failure: never }
  eviction_timeout: 100y
workloads:
  - { name: web, replicas: 2, min_available: 1, anti_affinity: rack }
";
    let s = yaml(text);
    let racks = s.zones.racks.as_ref().expect("racks");
    assert_eq!(
        (&racks.control_plane, &racks.workers),
        (&vec![0], &vec![1, 2, 1, 2])
    );
    let rack = up_at(20.0 * DAY, 2.0 * DAY);
    let tau = 1.0 / (1.0 / (20.0 * DAY) + 1.0 / (2.0 * DAY));
    let horizon = s.simulation.horizon;
    let web = |r: &Results| indicator(r, "workload/web").clone();

    let spread = web(&run(&s, 2));
    let exact = time_average(|t| (1.0 - rack(t)).powi(2), tau, horizon);
    assert_unavailability(&spread, exact, "web, one replica per rack");
    assert!(
        (by_cause(&spread, Cause::RackOutage) - spread.downtime_minutes_per_year.mean).abs()
            <= 1e-9 * spread.downtime_minutes_per_year.mean
    );

    let by_host = web(&run(
        &yaml(&text.replace("anti_affinity: rack", "anti_affinity: host")),
        2,
    ));
    let exact = time_average(
        |t| {
            let down = 1.0 - rack(t);
            down / 3.0 + 2.0 * down * down / 3.0
        },
        tau,
        horizon,
    );
    assert_unavailability(&by_host, exact, "web, one replica per host");
}

/// A scenario with racks, and the same without (two lines removed).
const WITH_RACKS: &str = "name: racked
simulation: { horizon: 1y, replications: 20, seed: 1 }
zones:
  count: 1
  racks: { per_zone: 3, failure: exponential(mean=30d), repair: exponential(mean=1d) }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: exponential(mean=1y), repair: exponential(mean=1h) }
  load_balancer: none
workers:
  nodes: 3
  node: { failure: never }
workloads:
  - name: web
    replicas: 2
    anti_affinity: rack
";

/// `rack_outage` is in results (JSON and CSV) only for a scenario with racks.
#[test]
fn rack_outage_is_reported_only_with_racks() {
    let without = WITH_RACKS
        .replace("  racks: { per_zone: 3, failure: exponential(mean=30d), repair: exponential(mean=1d) }\n", "")
        .replace("    anti_affinity: rack\n", "");
    for (name, text, present) in [
        ("with.yaml", WITH_RACKS, true),
        ("without.yaml", &without[..], false),
    ] {
        let out = kubenines_on(name, text, &["run", "-q", "-o", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        for key in ["etcd", "api", "control_plane", "workload/web"] {
            let causes = v["indicators"][key]["downtime_minutes_per_year_by_cause"]
                .as_object()
                .expect("by cause");
            assert_eq!(causes.contains_key("rack_outage"), present, "{name} {key}");
            assert!(causes.contains_key("zone_outage"), "{name} {key}");
        }
        let out = kubenines_on(name, text, &["run", "-q", "-o", "csv"]);
        let csv = String::from_utf8(out.stdout).unwrap();
        let header = csv.lines().next().expect("a header");
        assert_eq!(
            header.contains("downtime_minutes_per_year_rack_outage"),
            present,
            "{header}"
        );
    }
}

/// Each bad use of racks is refused with exit 2 and an error at
/// FILE:LINE:COLUMN, the key, and why.
#[test]
fn bad_racks_are_located_errors_with_exit_2() {
    let no_racks = WITH_RACKS.replace(
        "  racks: { per_zone: 3, failure: exponential(mean=30d), repair: exponential(mean=1d) }\n",
        "",
    );
    // (text, key, where the error points, words of its message)
    let cases: Vec<(String, &str, &str, &str)> = vec![
        (
            no_racks.clone(),
            "workloads[0].anti_affinity",
            "anti_affinity: rack",
            "needs racks",
        ),
        (
            no_racks.replace(
                "    anti_affinity: rack\n",
                "    anti_affinity: { required: host, preferred: rack }\n",
            ),
            "workloads[0].anti_affinity.preferred",
            "preferred: rack",
            "needs racks",
        ),
        (
            WITH_RACKS.replace("per_zone: 3", "per_zone: 0"),
            "zones.racks.per_zone",
            "per_zone: 0",
            "at least 1",
        ),
        (
            WITH_RACKS.replace(
                "  nodes: 3\n  node: { failure: never }",
                "  nodes: 3\n  rack_placement: [1, 4, 2]\n  node: { failure: never }",
            ),
            "workers.rack_placement[1]",
            "4, 2]",
            "rack 4 does not exist",
        ),
        (
            WITH_RACKS.replace(
                "  nodes: 3\n  node: { failure: exp",
                "  nodes: 3\n  rack_placement: [1, 2]\n  node: { failure: exp",
            ),
            "control_plane.rack_placement",
            "rack_placement: [1, 2]",
            "has 2 entries but `nodes` is 3",
        ),
        (
            no_racks.replace("    anti_affinity: rack\n", "").replace(
                "  nodes: 3\n  node: { failure: never }",
                "  nodes: 3\n  rack_placement: [1, 1, 1]\n  node: { failure: never }",
            ),
            "workers.rack_placement",
            "rack_placement: [1, 1, 1]",
            "needs `zones.racks`",
        ),
    ];
    for (text, key, at, words) in cases {
        assert_refused_at(&text, key, at, words);
    }
}
