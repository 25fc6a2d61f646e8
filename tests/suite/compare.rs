//! `compare`: designs share their random numbers, so paired differences
//! are much tighter than the designs' own intervals; ranking and the
//! command line's contract.

use std::path::Path;

use assert_cmd::Command;
use kubenines::model::Model;
use kubenines::report::compare::ComparisonResults;
use kubenines::runner::{RunOptions, run_paired};
use kubenines::scenario;
use serde_json::Value;

fn models(names: &[&str], replications: u64) -> Vec<Model> {
    names
        .iter()
        .map(|n| {
            let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{n}.yaml"));
            let mut s = scenario::load(&path).expect("loads");
            s.simulation.replications = replications;
            Model::build(&s).expect("builds")
        })
        .collect()
}

fn compare(names: &[&str], threads: usize) -> ComparisonResults {
    let models = models(names, 640);
    let options = RunOptions {
        replications: 640,
        first: 0,
        threads,
    };
    let c = run_paired(&models, 0, &options, &|_| {}).expect("runs");
    let sources: Vec<String> = names.iter().map(|n| n.to_string()).collect();
    ComparisonResults::new(&models, &sources, 0, "api", &c)
}

/// Half-width of a 95% interval.
fn half(ci_low: Option<f64>, ci_high: Option<f64>) -> f64 {
    (ci_high.expect("interval") - ci_low.expect("interval")) / 2.0
}

/// stacked-3 and stacked-5 share the load balancer, the zones and three of
/// their hosts, stream for stream: the paired difference of their API
/// downtime is far tighter than the unpaired one (the two intervals
/// combined as if independent).
#[test]
fn paired_differences_are_tighter_than_unpaired() {
    let r = compare(&["stacked-3", "stacked-5"], 2);
    let design = |name: &str| r.designs.iter().find(|d| d.name == name).expect("design");
    let api = |name: &str| {
        let d = design(name);
        let (_, i) = d
            .indicators
            .0
            .iter()
            .find(|(k, _)| k == "api")
            .expect("api");
        half(
            i.downtime_minutes_per_year.ci_low,
            i.downtime_minutes_per_year.ci_high,
        )
    };
    let unpaired = (api("stacked-3").powi(2) + api("stacked-5").powi(2)).sqrt();
    let d = &design("stacked-5").difference_to_baseline.0;
    let (_, diff) = d.iter().find(|(k, _)| k == "api").expect("api difference");
    let paired = half(
        diff.downtime_minutes_per_year.ci_low,
        diff.downtime_minutes_per_year.ci_high,
    );
    println!("paired ±{paired:.4} min/yr, unpaired ±{unpaired:.4}");
    assert!(
        paired < unpaired / 5.0,
        "paired ±{paired}, unpaired ±{unpaired}"
    );
}

/// The baseline's difference to itself is exactly zero, and designs are
/// ranked best first by the chosen indicator.
#[test]
fn baseline_is_zero_and_ranking_is_by_availability() {
    let r = compare(&["stacked-3", "stacked-2", "stacked-1"], 2);
    let names: Vec<&str> = r.designs.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["stacked-3", "stacked-1", "stacked-2"]);
    let base = &r.designs[0].difference_to_baseline.0;
    for (_, d) in base {
        assert_eq!(d.unavailability.mean, 0.0);
        assert_eq!(d.unavailability.ci_high, Some(0.0));
    }
    assert_eq!(
        r.designs.iter().map(|d| d.rank).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

/// Identical for any thread count, like `run`.
#[test]
fn comparison_is_identical_for_1_and_2_threads() {
    let json = |threads| {
        let mut v = serde_json::to_value(compare(&["stacked-3", "external-3x3"], threads))
            .expect("serialisable");
        let o = v.as_object_mut().expect("object");
        o.remove("wall_seconds");
        o.remove("threads");
        v
    };
    assert_eq!(json(1), json(2));
}

fn kubenines() -> Command {
    let mut c = Command::cargo_bin("kubenines").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn compare_json_and_csv_from_the_command_line() {
    let files = ["scenarios/stacked-2.yaml", "scenarios/stacked-3.yaml"];
    let out = kubenines()
        .arg("compare")
        .args(files)
        .args([
            "-n",
            "64",
            "--quiet",
            "-o",
            "json",
            "--baseline",
            "stacked-3",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["baseline"], "stacked-3");
    assert_eq!(v["indicator"], "api");
    assert_eq!(v["designs"][0]["name"], "stacked-3");
    assert_eq!(v["designs"][1]["rank"], 2);
    assert!(
        v["designs"][1]["difference_to_baseline"]["api"]["downtime_minutes_per_year"]["mean"]
            .as_f64()
            .is_some_and(|d| d > 0.0)
    );
    let out = kubenines()
        .arg("compare")
        .args(files)
        .args(["-n", "64", "--quiet", "-o", "csv"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 3);
    assert!(text.starts_with("rank,design,"));
    assert!(
        text.lines()
            .next()
            .unwrap()
            .ends_with(",pareto_frontier,leading_group")
    );
    assert!(
        text.lines().nth(1).unwrap().ends_with(",true"),
        "the leader leads: {text}"
    );
    // The table marks the leader and says what a tie is.
    let out = kubenines()
        .arg("compare")
        .args(files)
        .args(["-n", "64", "--quiet"])
        .output()
        .expect("runs");
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let header = text
        .lines()
        .find(|l| l.starts_with("rank"))
        .expect("header");
    assert!(header.contains(" lead "), "{text}");
    assert!(text.contains(" leader "), "{text}");
    assert!(
        text.contains("no design is tied with the leader (the 95% interval of the paired difference in `api` contains 0)"),
        "{text}"
    );
}

#[test]
fn compare_refuses_bad_requests_with_exit_2() {
    for args in [
        vec![
            "scenarios/stacked-3.yaml",
            "scenarios/stacked-2.yaml",
            "--baseline",
            "nope",
        ],
        vec!["scenarios/stacked-3.yaml", "scenarios/stacked-3.yaml"],
        vec![
            "scenarios/stacked-3.yaml",
            "scenarios/stacked-2.yaml",
            "--indicator",
            "workload/web",
        ],
        vec!["scenarios/stacked-3.yaml", "scenarios/missing.yaml"],
    ] {
        let out = kubenines()
            .arg("compare")
            .args(&args)
            .args(["-n", "8", "--quiet"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: "));
    }
}

/// Each design's `api` carries its request success in the JSON, as in
/// `run`'s results; the other indicators do not.
#[test]
fn compare_json_has_request_success_for_api() {
    let r = compare(&["stacked-3", "external-3x3"], 2);
    let v = serde_json::to_value(&r).expect("serialises");
    for d in v["designs"].as_array().expect("designs") {
        for (key, ind) in d["indicators"].as_object().expect("indicators") {
            let rs = &ind["request_success"];
            if key == "api" {
                for f in ["mean", "ci_low", "ci_high"] {
                    assert!(rs[f].is_number(), "{}: api.request_success.{f}", d["name"]);
                }
                assert!(ind["degraded_minutes_per_year"]["mean"].is_number());
            } else {
                assert!(ind.get("request_success").is_none(), "{key}");
            }
        }
    }
}

/// `cost.load_balancer` is per instance: charged twice for a `pair`, once for
/// a `single` or a `cloud` one, never with `load_balancer: none` (README,
/// "Scenario files"). The monthly cost in `compare -o json` is the
/// hand-computed sum.
#[test]
fn a_pair_pays_for_two_load_balancers() {
    let dir = std::env::temp_dir().join(format!("kubenines-lb-cost-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let lbs = [
        (
            "single",
            "    failure: exponential(mean=1y)\n    repair: 5m\n",
        ),
        (
            "pair",
            "    kind: pair\n    failure: exponential(mean=1y)\n    repair: 5m\n",
        ),
        ("cloud", "    kind: cloud\n"),
    ];
    let mut files = Vec::new();
    for (name, lb) in lbs {
        let text = format!(
            "name: {name}\n\
             simulation: {{ horizon: 1y, replications: 8 }}\n\
             control_plane:\n  topology: stacked\n  nodes: 3\n\
             \x20 node: {{ failure: exponential(mean=2y), repair: 1h }}\n\
             \x20 load_balancer:\n{lb}\
             workers:\n  nodes: 2\n  node: {{ failure: exponential(mean=2y), repair: 1h }}\n\
             cost:\n  control_plane: 100\n  worker: 40\n  load_balancer: 15.5\n  currency: EUR\n"
        );
        let path = dir.join(format!("{name}.yaml"));
        std::fs::write(&path, text).expect("write");
        files.push(path);
    }
    let out = kubenines()
        .arg("compare")
        .args(&files)
        .args(["--quiet", "-o", "json"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let hosts = 3.0 * 100.0 + 2.0 * 40.0;
    for (name, instances) in [("single", 1.0), ("pair", 2.0), ("cloud", 1.0)] {
        let d = v["designs"]
            .as_array()
            .expect("designs")
            .iter()
            .find(|d| d["name"] == name)
            .expect("design");
        assert_eq!(
            d["monthly_cost"].as_f64(),
            Some(hosts + instances * 15.5),
            "{name}"
        );
        assert_eq!(d["currency"], "EUR", "{name}");
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// The leading group: the most available design and every design whose
/// paired difference to it is not significant. A design compared with its
/// own copy differs by exactly 0 in every replication, so the copy is tied
/// whatever the noise; stacked-2 is hours a year worse, so it is not.
/// Every pair's difference is accumulated as the baseline's is, so the two
/// agree to the bit.
#[test]
fn leading_group_holds_the_leader_and_the_designs_tied_with_it() {
    let mut models = models(
        &["stacked-2", "stacked-3", "stacked-3", "external-3x3"],
        400,
    );
    models[2].name = "stacked-3-copy".into();
    let options = RunOptions {
        replications: 400,
        first: 0,
        threads: 2,
    };
    let mut led = false;
    for baseline in [0, 1, 3] {
        let c = run_paired(&models, baseline, &options, &|_| {}).expect("runs");
        let sources: Vec<String> = models.iter().map(|m| m.name.clone()).collect();
        let r = ComparisonResults::new(&models, &sources, baseline, "api", &c);
        let design = |name: &str| r.designs.iter().find(|d| d.name == name).expect(name);
        let get = |d: &kubenines::report::compare::DesignResult, k: &str, leader: bool| {
            let list = if leader {
                &d.difference_to_leader.0
            } else {
                &d.difference_to_baseline.0
            };
            list.iter().find(|(key, _)| key == k).expect(k).1.clone()
        };
        let (_, api) = r
            .leading_groups
            .0
            .iter()
            .find(|(k, _)| k == "api")
            .expect("api");
        assert_eq!(api.leader, r.designs[0].name);
        assert!(r.designs[0].leading_group);
        assert!(!api.tied.contains(&"stacked-2".to_string()), "{api:?}");
        assert!(!design("stacked-2").leading_group);
        // The copy: exactly 0 apart, so in the group together or not at all.
        let apart = c.pairs.between(2, 1, "api").expect("both have api");
        assert_eq!(
            (apart.mean, apart.ci_low, apart.ci_high),
            (0.0, Some(0.0), Some(0.0))
        );
        assert_eq!(
            design("stacked-3").leading_group,
            design("stacked-3-copy").leading_group
        );
        let leader = models
            .iter()
            .position(|m| m.name == api.leader)
            .expect("leader");
        for (i, m) in models.iter().enumerate() {
            let d = design(&m.name);
            // The leading group is exactly the designs not significantly apart.
            let to_leader = get(d, "api", true).unavailability;
            assert_eq!(
                d.leading_group,
                !kubenines::report::compare::significant(&to_leader),
                "{}",
                m.name
            );
            for key in ["etcd", "api", "control_plane"] {
                let (b, l) = (get(d, key, false), get(d, key, true));
                if i == baseline {
                    assert_eq!(b.unavailability.mean, 0.0);
                } else {
                    assert_eq!(
                        Some(b.unavailability),
                        c.pairs.between(i, baseline, key),
                        "{} {key}",
                        m.name
                    );
                }
                if i != leader && key == "api" {
                    assert_eq!(Some(l.unavailability), c.pairs.between(i, leader, key));
                }
                if baseline == leader {
                    led = true;
                    // The baseline leads: both differences are one.
                    assert_eq!(b.unavailability, l.unavailability, "{} {key}", m.name);
                }
            }
        }
    }
    assert!(led, "one of the runs has the leader for baseline");
}
