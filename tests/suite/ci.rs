//! CI checks: SLO verdicts against exact values (met, violated,
//! inconclusive) and their exit codes; precision targets that stop at the
//! same point on any thread count; baselines that catch a degraded design
//! and leave an unchanged one alone; well-formed JUnit.

use kubenines::fsio::Sealed;
use std::path::{Path, PathBuf};

use crate::common::*;
use assert_cmd::Command;
use kubenines::check::{self, Plan, Verdict};
use kubenines::model::Model;
use kubenines::scenario::{self, DataMetric, Format, Slo, YEAR_SECONDS};
use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::Value;

const MTTF: f64 = 10.0 * DAY;
const MTTR: f64 = DAY;

fn kubenines() -> Command {
    Command::cargo_bin("kubenines").expect("binary")
}

/// A fresh directory under the system's temporary one.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubenines-ci-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Three stacked nodes, exponential failure (10 d) and repair (1 d), one
/// perfect zone, no load balancer, instant elections: etcd is up exactly
/// when two of the three hosts are.
fn exact_yaml(replications: u64, slos: &str) -> String {
    format!(
        "name: exact-3
simulation:
  horizon: 5y
  replications: {replications}
  seed: 7
control_plane:
  topology: stacked
  nodes: 3
  node:
    failure: exponential(mean=10d)
    repair: exponential(mean=1d)
  etcd:
    election: fixed(0s)
  load_balancer: none
{slos}"
    )
}

/// The exact time-averaged etcd availability of [`exact_yaml`] over 5 years
/// from an all-up start: the 2-of-3 formula on the point availability.
fn exact_etcd_availability() -> f64 {
    time_average(
        |t| k_of_n(2, 3, point_availability(1.0 / MTTF, 1.0 / MTTR, t)),
        MTTR,
        5.0 * YEAR_SECONDS,
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path
}

/// A baseline edited as JSON, with its digest made to match again (as
/// someone who knows the format could): what is tested is what comes after.
fn resealed(v: Value) -> String {
    let mut b: kubenines::baseline::Baseline = serde_json::from_value(v).expect("a baseline");
    b.seal();
    serde_json::to_string(&b).expect("JSON")
}

fn json(out: &[u8]) -> Value {
    serde_json::from_slice(out).expect("JSON on stdout")
}

/// `check` on one SLO at `target`: the exit code and the check JSON.
fn check_one(dir: &Path, name: &str, target: f64, extra: &[&str]) -> (i32, Value) {
    let slos = format!("slos:\n  - {{ indicator: etcd, availability: {target:.15} }}\n");
    let file = write(dir, &format!("{name}.yaml"), &exact_yaml(256, &slos));
    let out = kubenines()
        .arg("check")
        .arg(&file)
        .args(["-o", "json", "--quiet"])
        .args(extra)
        .output()
        .expect("runs");
    (out.status.code().expect("exit code"), json(&out.stdout))
}

/// Met when the target is well below the exact availability (exit 0),
/// violated when well above (exit 1), inconclusive when it is the exact
/// value itself (exit 1, with an estimate of the replications needed).
/// "Well" is twice or half the exact unavailability: many times the
/// interval's half-width here (the run asserts that too).
#[test]
fn verdicts_and_exit_codes_against_the_exact_availability() {
    let dir = scratch("verdicts");
    let a = exact_etcd_availability();
    let u = 1.0 - a;

    let (code, met) = check_one(&dir, "met", 1.0 - 2.0 * u, &[]);
    assert_eq!(code, 0, "{met:#}");
    assert_eq!(met["slos"][0]["verdict"], "met");
    assert_eq!(met["passed"], true);
    // Conclusive at the first look: one batch only.
    assert_eq!(met["replications"], 256);
    assert_eq!(met["plan"]["looks"], 1);
    let ev = &met["slos"][0]["availability"];
    let half = (ev["ci_high"].as_f64().unwrap() - ev["ci_low"].as_f64().unwrap()) / 2.0;
    assert!(
        half < u / 4.0,
        "the interval ({half}) must be far narrower than the gap ({u})"
    );
    assert!(ev["ci_low"].as_f64().unwrap() <= a && a <= ev["ci_high"].as_f64().unwrap());

    let (code, violated) = check_one(&dir, "violated", 1.0 - u / 2.0, &[]);
    assert_eq!(code, 1, "{violated:#}");
    assert_eq!(violated["slos"][0]["verdict"], "violated");
    assert_eq!(violated["passed"], false);

    let (code, inconclusive) = check_one(
        &dir,
        "inconclusive",
        a,
        &["--batch", "256", "--max-replications", "1024"],
    );
    assert_eq!(code, 1, "{inconclusive:#}");
    let v = &inconclusive["slos"][0];
    assert_eq!(v["verdict"], "inconclusive");
    // Every look was taken, up to the maximum.
    assert_eq!(inconclusive["replications"], 1024);
    assert_eq!(inconclusive["plan"]["looks"], 4);
    assert_eq!(inconclusive["plan"]["max_looks"], 4);
    let conf = inconclusive["plan"]["confidence_per_look"]
        .as_f64()
        .unwrap();
    assert!((conf - (1.0 - 0.05 / 4.0)).abs() < 1e-12);
    let needed = v["replications_needed"].as_u64();
    assert!(needed.is_none_or(|n| n > 1024), "{v:#}");

    // The table says which SLO and how many replications it would take.
    let slos = format!("slos:\n  - {{ indicator: etcd, availability: {a:.15} }}\n");
    let file = write(&dir, "table.yaml", &exact_yaml(256, &slos));
    let out = kubenines()
        .arg("check")
        .arg(&file)
        .args(["--max-replications", "512", "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("slos[0] inconclusive"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("1 SLO inconclusive"), "{stderr}");
}

/// Bad input is exit 2, with the reason: no SLOs, an SLO on an indicator
/// the scenario does not have, a baseline that does not exist.
#[test]
fn check_refuses_bad_input_with_exit_2() {
    let dir = scratch("bad");
    let none = write(&dir, "none.yaml", &exact_yaml(256, ""));
    let out = kubenines().arg("check").arg(&none).output().expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("has no `slos`"));

    let slos = "slos:\n  - { indicator: workload/web, availability: 99% }\n";
    let unknown = write(&dir, "unknown.yaml", &exact_yaml(256, slos));
    let out = kubenines()
        .arg("check")
        .arg(&unknown)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("slos[0]") && err.contains("workload/web"),
        "{err}"
    );

    let slos = "slos:\n  - { indicator: etcd, availability: 90% }\n";
    let ok = write(&dir, "ok.yaml", &exact_yaml(256, slos));
    let out = kubenines()
        .arg("check")
        .arg(&ok)
        .args(["--baseline", "nope", "--baseline-dir"])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no baseline `nope`"));
}

/// A data-loss SLO against the exact RPO distribution: hourly snapshots
/// that always succeed and take no time, rare disasters: the RPO is
/// uniform on (0, 1 h), so its 90th percentile is 54 min. At most 1 h is
/// met, at most 40 min violated (a third of events exceed it, not a tenth),
/// and exactly 54 min cannot be settled.
#[test]
fn rpo_quantile_verdicts_against_the_exact_distribution() {
    let mut s = stacked(1, perfect());
    s.backups = Some(scenario::Backups {
        interval: HOUR,
        duration: 0.0,
        success: 1.0,
    });
    s.recovery = Some(scenario::Recovery {
        detection: 0.0,
        force_new_cluster: fixed(HOUR),
        restore: fixed(1.0),
    });
    s.disasters = vec![scenario::Disaster {
        name: "corruption".into(),
        every: exp(100.0 * DAY),
        scope: scenario::DisasterScope::Etcd,
        detection: None,
        restore: None,
    }];
    s.simulation.horizon = 10.0 * YEAR_SECONDS;
    let slo = |max: f64| Slo::DataLoss {
        metric: DataMetric::Rpo,
        quantile: 0.9,
        max,
        scope: None,
    };
    s.slos = vec![slo(HOUR + 60.0), slo(40.0 * 60.0), slo(54.0 * 60.0)];
    let model = Model::build(&s).expect("builds");
    let plan = Plan {
        batch: 256,
        max: 512,
    };
    let c = check::check(&model, &s.slos, plan, 2, &|_| {}, false).expect("runs");
    let verdicts: Vec<Verdict> = c.verdicts.iter().map(|v| v.verdict).collect();
    println!("{:#?}", c.verdicts);
    assert_eq!(
        verdicts,
        [Verdict::Met, Verdict::Violated, Verdict::Inconclusive]
    );
    let ev = c.verdicts[2].data_loss.as_ref().expect("evidence");
    assert!(ev.events > 1000, "{} events", ev.events);
    assert!(ev.fraction_low <= 0.1 && 0.1 <= ev.fraction_high);
}

/// A precision target stops at the first batch boundary where the
/// indicator's relative half-width is within it: the same replication
/// count and the same results for 1 and 2 threads, identical to a plain
/// run of that many replications; one batch earlier the target was not met.
#[test]
fn precision_stops_at_the_same_batch_on_any_thread_count() {
    let dir = scratch("precision");
    let text = exact_yaml(1, "").replace(
        "  replications: 1\n",
        "  precision: { indicator: etcd, relative_half_width: 0.02, max_replications: 100000, batch: 256 }\n",
    );
    let file = write(&dir, "precision.yaml", &text);
    let run = |extra: &[&str]| -> Value {
        let out = kubenines()
            .arg("run")
            .arg(&file)
            .args(["-o", "json", "--quiet"])
            .args(extra)
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut v = json(&out.stdout);
        v.as_object_mut().expect("object").remove("performance");
        v
    };
    let one = run(&["-j", "1"]);
    let two = run(&["-j", "2"]);
    assert_eq!(
        one, two,
        "the stopping point and result depend on nothing but the seed"
    );
    let n = one["replications"].as_u64().expect("replications");
    assert_eq!(one["precision"]["reached"], true);
    assert!(
        n.is_multiple_of(256) && n > 256 && n < 100_000,
        "stopped after {n}"
    );
    let relative = |v: &Value| {
        let u = &v["indicators"]["etcd"]["unavailability"];
        (u["ci_high"].as_f64().unwrap() - u["ci_low"].as_f64().unwrap())
            / 2.0
            / u["mean"].as_f64().unwrap()
    };
    assert!(relative(&one) <= 0.02, "{}", relative(&one));
    // A plain run of n replications is the same run.
    let mut plain = run(&["-n", &n.to_string()]);
    plain.as_object_mut().expect("object").remove("precision");
    let mut stopped = one.clone();
    stopped.as_object_mut().expect("object").remove("precision");
    assert_eq!(plain, stopped);
    // One batch earlier, the target was not yet reached.
    let earlier = run(&["-n", &(n - 256).to_string()]);
    assert!(relative(&earlier) > 0.02, "{}", relative(&earlier));
}

/// Saves a baseline of stacked-3, then: the unchanged scenario (same seed,
/// and another seed) is not flagged; a design with a load balancer that
/// fails twice as often is, on the API, with exit 1; JUnit has a test case
/// per compared metric, failures where worse.
#[test]
fn a_degraded_design_is_caught_and_an_unchanged_one_is_not() {
    let dir = scratch("baseline");
    let stacked3 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stacked-3.yaml");
    let text = std::fs::read_to_string(&stacked3).expect("stacked-3");
    let base = write(&dir, "stacked-3.yaml", &text);
    let run = |file: &Path, extra: &[&str]| {
        kubenines()
            .arg("run")
            .arg(file)
            .args(["-n", "3000", "--quiet", "-o", "json", "--baseline-dir"])
            .arg(&dir)
            .args(extra)
            .output()
            .expect("runs")
    };
    let saved = run(&base, &["--save-baseline", "main"]);
    assert!(saved.status.success());
    assert!(dir.join("main.json").exists());

    // Unchanged, same seed: bit-identical, every metric `unchanged`.
    let junit = dir.join("same.xml");
    let same = run(
        &base,
        &["--baseline", "main", "--junit", junit.to_str().unwrap()],
    );
    assert_eq!(
        same.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&same.stderr)
    );
    let report = String::from_utf8_lossy(&same.stderr);
    assert_eq!(report.matches(" unchanged").count(), 4, "{report}");
    let (cases, failures) = junit_counts(&junit);
    assert_eq!((cases, failures), (4, 0));

    // Another seed cannot be paired: refused unless asked for.
    let unpaired = run(&base, &["--baseline", "main", "--seed", "99"]);
    assert_eq!(unpaired.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unpaired.stderr).contains("--allow-unpaired"));
    // Unchanged, another seed, unpaired allowed: independent noise, not flagged.
    let other = run(
        &base,
        &["--baseline", "main", "--seed", "99", "--allow-unpaired"],
    );
    assert_eq!(
        other.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&other.stderr)
    );
    assert!(String::from_utf8_lossy(&other.stderr).contains("different seeds"));

    // Degraded: the load balancer's mean time to failure halved.
    let worse_text = text.replacen(
        "load_balancer:\n    failure: exponential(mean=1y)",
        "load_balancer:\n    failure: exponential(mean=0.5y)",
        1,
    );
    assert_ne!(worse_text, text, "the edit must apply");
    let worse_file = write(&dir, "worse.yaml", &worse_text);
    let junit = dir.join("worse.xml");
    let markdown = dir.join("worse.md");
    let worse = run(
        &worse_file,
        &[
            "--baseline",
            "main",
            "--junit",
            junit.to_str().unwrap(),
            "--markdown",
            markdown.to_str().unwrap(),
        ],
    );
    assert_eq!(worse.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&worse.stderr);
    assert!(
        stderr.contains("scenario changed since the baseline"),
        "{stderr}"
    );
    let api = stderr
        .lines()
        .find(|l| l.starts_with("api "))
        .expect("api row");
    assert!(api.ends_with("worse"), "{api}");
    let etcd = stderr
        .lines()
        .find(|l| l.starts_with("etcd "))
        .expect("etcd row");
    assert!(
        !etcd.ends_with("worse"),
        "etcd does not see the load balancer: {etcd}"
    );
    let (cases, failures) = junit_counts(&junit);
    assert_eq!(cases, 4);
    assert!(failures >= 1);
    let md = std::fs::read_to_string(&markdown).expect("markdown");
    assert!(md.contains("❌ worse") && md.contains("| `api` |"), "{md}");

    // A baseline from another version is reported, not refused.
    let stored = std::fs::read_to_string(dir.join("main.json")).expect("baseline");
    let mut v: Value = serde_json::from_str(&stored).expect("json");
    v["tool"]["version"] = Value::from("0.0.1");
    std::fs::write(dir.join("old.json"), resealed(v)).expect("write");
    let old = run(&base, &["--baseline", "old"]);
    assert_eq!(old.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&old.stderr).contains("made by kubenines 0.0.1"));
}

/// With the same seed the comparison is paired, replication by replication,
/// and sees a change an unpaired one cannot: node repairs slowed from a
/// 30-minute to a 2-hour median add seconds a year to stacked-3's API
/// downtime, against minutes of spread between replications. The paired
/// interval is at least twice as narrow as Welch's on the same two
/// runs (the baseline with its per-replication values removed), and it
/// alone flags the change.
#[test]
fn paired_comparison_sees_what_an_unpaired_one_cannot() {
    let dir = scratch("paired");
    let stacked3 = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stacked-3.yaml");
    let text = std::fs::read_to_string(&stacked3).expect("stacked-3");
    let base = write(&dir, "base.yaml", &text);
    let slower_text = text.replacen(
        "repair: lognormal(median=30m, sigma=1.0)",
        "repair: lognormal(median=2h, sigma=1.0)",
        1,
    );
    assert_ne!(slower_text, text, "the edit must apply");
    let slower = write(&dir, "slower.yaml", &slower_text);
    let check = |file: &Path, extra: &[&str]| {
        let out = kubenines()
            .arg("check")
            .arg(file)
            .args(["-n", "3072", "--quiet", "-o", "json", "--baseline-dir"])
            .arg(&dir)
            .args(extra)
            .output()
            .expect("runs");
        (out.status.code().expect("exit"), json(&out.stdout))
    };
    let (code, _) = check(&base, &["--save-baseline", "base"]);
    assert_eq!(code, 0);
    // The same baseline without its per-replication values.
    let mut stored: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("base.json")).expect("baseline"))
            .expect("json");
    for m in stored["metrics"].as_array_mut().expect("metrics") {
        m.as_object_mut().expect("metric").remove("values");
    }
    std::fs::write(dir.join("unpaired.json"), resealed(stored)).expect("write");

    let api = |v: &Value| {
        v["baseline"]["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .find(|r| r["key"] == "api")
            .expect("api row")
            .clone()
    };
    let width = |r: &Value| {
        r["difference"]["ci_high"].as_f64().unwrap() - r["difference"]["ci_low"].as_f64().unwrap()
    };
    let (code, paired) = check(&slower, &["--baseline", "base"]);
    let paired = api(&paired);
    assert_eq!(paired["test"], "paired");
    assert_eq!(paired["replications_compared"], 3072);
    assert_eq!(paired["change"], "worse", "{paired:#}");
    assert_eq!(code, 1);
    let refused = kubenines()
        .arg("check")
        .arg(&slower)
        .args([
            "-n",
            "3072",
            "--quiet",
            "--baseline",
            "unpaired",
            "--baseline-dir",
        ])
        .arg(&dir)
        .output()
        .expect("runs");
    assert_eq!(
        refused.status.code(),
        Some(2),
        "without per-replication values: refused unless allowed"
    );
    let (_, unpaired) = check(&slower, &["--baseline", "unpaired", "--allow-unpaired"]);
    let unpaired = api(&unpaired);
    assert_eq!(unpaired["test"], "welch");
    assert!(
        width(&unpaired) >= 2.0 * width(&paired),
        "paired ±{} against unpaired ±{}",
        width(&paired) / 2.0,
        width(&unpaired) / 2.0
    );
    assert_eq!(unpaired["change"], "no_significant_change", "{unpaired:#}");
    // Both estimate the same difference of means.
    assert!(
        (paired["difference"]["mean"].as_f64().unwrap()
            - unpaired["difference"]["mean"].as_f64().unwrap())
        .abs()
            < 1e-9
    );
}

/// Reads a JUnit file to the end (it must be well-formed XML) and returns
/// its test cases and failures, checking the counts the suites declare.
fn junit_counts(path: &Path) -> (usize, usize) {
    let text = std::fs::read_to_string(path).expect("junit");
    let mut reader = Reader::from_str(&text);
    let (mut cases, mut failures) = (0, 0);
    let mut declared: Vec<(usize, usize)> = Vec::new();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                let name = e.name().as_ref().to_string();
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k)
                        .map(|a| a.value.to_string())
                };
                match name.as_str() {
                    "testcase" => cases += 1,
                    "failure" => failures += 1,
                    "testsuite" | "testsuites" => declared.push((
                        attr("tests").and_then(|t| t.parse().ok()).expect("tests"),
                        attr("failures")
                            .and_then(|t| t.parse().ok())
                            .expect("failures"),
                    )),
                    _ => {}
                }
            }
            Ok(Event::Eof) => break,
            Ok(_) => {}
            Err(e) => panic!(
                "{}: not well-formed at {}: {e}",
                path.display(),
                reader.buffer_position()
            ),
        }
    }
    for d in declared {
        assert_eq!(d, (cases, failures), "declared counts match the cases");
    }
    (cases, failures)
}

/// The exact scenario also loads from the text the tests write (a sanity
/// check that the YAML above is the model the closed form describes).
#[test]
fn the_exact_scenario_is_the_closed_forms_model() {
    let s = scenario::parse_str(&exact_yaml(256, ""), "exact.yaml", Format::Yaml).expect("loads");
    let m = Model::build(&s).expect("builds");
    assert_eq!(m.quorum, 2);
    assert!(m.load_balancer.is_none());
}

/// The exact time-averaged `api` availability of [`exact_yaml`]: without a
/// load balancer clients talk to cp-1 alone, so the API is up iff cp-1 is
/// and etcd has quorum (cp-1 and at least one of the other two). With one
/// endpoint and no rotation, a request fails exactly while the API is down:
/// this is the exact request success too.
fn exact_api_availability() -> f64 {
    time_average(
        |t| {
            let p = point_availability(1.0 / MTTF, 1.0 / MTTR, t);
            p * (1.0 - (1.0 - p).powi(2))
        },
        MTTR,
        5.0 * YEAR_SECONDS,
    )
}

/// A request-success SLO is judged as an availability SLO is: met at 50%
/// and at twice the exact failing share, violated at half of it (above the
/// interval, which the run shows is far narrower than the gap), each in
/// the check JSON (with its evidence under `request_success`), the exit
/// code and JUnit.
#[test]
fn request_success_verdicts_against_the_exact_api_availability() {
    let dir = scratch("requests");
    let a = exact_api_availability();
    let u = 1.0 - a;
    let slos = format!(
        "slos:\n  - {{ indicator: api, request_success: 50% }}\n  \
         - {{ indicator: api, request_success: {:.15} }}\n  \
         - {{ indicator: api, request_success: {:.15} }}\n",
        1.0 - 2.0 * u,
        1.0 - u / 2.0
    );
    let file = write(&dir, "requests.yaml", &exact_yaml(256, &slos));
    let junit = dir.join("junit.xml");
    let out = kubenines()
        .arg("check")
        .arg(&file)
        .args([
            "-o",
            "json",
            "--quiet",
            "--max-replications",
            "256",
            "--junit",
        ])
        .arg(&junit)
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "one SLO is violated");
    let v = json(&out.stdout);
    let verdicts: Vec<&str> = (0..3)
        .map(|i| v["slos"][i]["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["met", "met", "violated"], "{v:#}");
    assert_eq!(v["passed"], false);
    assert_eq!(v["slos"][0]["title"], "api request success >= 50%");
    let results_api = &v["results"]["indicators"]["api"];
    for slo in v["slos"].as_array().unwrap() {
        assert!(slo["availability"].is_null(), "{slo:#}");
        let ev = &slo["request_success"];
        assert_eq!(ev["indicator"], "api");
        assert_eq!(ev["mean"], results_api["request_success"]["mean"]);
        let (low, high) = (
            ev["ci_low"].as_f64().unwrap(),
            ev["ci_high"].as_f64().unwrap(),
        );
        assert!(low <= a && a <= high, "{low} {a} {high}");
        assert!((high - low) / 2.0 < u / 4.0, "the interval is narrow");
    }
    assert_eq!(junit_counts(&junit), (3, 1));

    // Met alone: exit 0.
    let slos = "slos:\n  - { indicator: api, request_success: 50% }\n";
    let file = write(&dir, "met.yaml", &exact_yaml(256, slos));
    let out = kubenines()
        .arg("check")
        .arg(&file)
        .arg("--quiet")
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("api request success >= 50%"), "{text}");
}

/// A request-success SLO on an indicator without requests is bad input:
/// exit 2, naming the file, line and key.
#[test]
fn request_success_on_another_indicator_is_refused() {
    let dir = scratch("requests-bad");
    for indicator in ["etcd", "control_plane"] {
        let slos = format!("slos:\n  - {{ indicator: {indicator}, request_success: 99% }}\n");
        let text = exact_yaml(256, &slos);
        let file = write(&dir, &format!("{indicator}.yaml"), &text);
        let out = kubenines().arg("check").arg(&file).output().expect("runs");
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        let line = text.lines().count();
        assert!(
            err.contains(&format!("{}:{line}:", file.display())),
            "{err}"
        );
        assert!(err.contains("slos[0].request_success"), "{err}");
        assert!(
            err.contains("`request_success` is defined for `api` only"),
            "{err}"
        );
    }
}

/// `--tolerance` against a baseline whose difference is known: the exact
/// scenario's baseline with every replication's etcd downtime lowered by
/// `c` (half the smallest, so all stay positive), and the same run
/// compared with it. Replication by replication the run is `c` minutes a
/// year worse (to rounding), so the paired interval is `c` wide of
/// nothing: worse with no tolerance or one of c/2 (absolute, or as a share
/// of the edited baseline's mean), within tolerance (exit 0) with one of
/// 2c; the other indicators are unchanged whatever the tolerance, and the
/// JSON and the table say which tolerance applied.
#[test]
fn tolerance_forgives_a_known_difference_and_no_more() {
    let dir = scratch("tolerance");
    let file = write(&dir, "exact.yaml", &exact_yaml(256, ""));
    let saved = kubenines()
        .arg("run")
        .arg(&file)
        .args([
            "--quiet",
            "-o",
            "json",
            "--save-baseline",
            "main",
            "--baseline-dir",
        ])
        .arg(&dir)
        .output()
        .expect("runs");
    assert!(saved.status.success());
    let text = std::fs::read_to_string(dir.join("main.json")).expect("baseline");
    let mut b: kubenines::baseline::Baseline = serde_json::from_str(&text).expect("baseline");
    let etcd = b
        .metrics
        .iter_mut()
        .find(|m| m.key == "etcd")
        .expect("etcd");
    let c = etcd.values.iter().copied().fold(f64::INFINITY, f64::min) / 2.0;
    assert!(c > 1.0, "every replication has etcd downtime: {c}");
    let mut sample = kubenines::stats::MeanVar::default();
    for v in &mut etcd.values {
        *v -= c;
        sample.push(*v);
    }
    etcd.sample = sample;
    etcd.mean = sample.mean();
    let edited_mean = sample.mean();
    b.seal();
    std::fs::write(
        dir.join("lower.json"),
        serde_json::to_string(&b).expect("JSON"),
    )
    .expect("write");

    let check = |tolerance: &str| {
        let out = kubenines()
            .arg("check")
            .arg(&file)
            .args([
                "--quiet",
                "-o",
                "json",
                "--baseline",
                "lower",
                "--baseline-dir",
            ])
            .arg(&dir)
            .args(["--tolerance", tolerance])
            .output()
            .expect("runs");
        (out.status.code().expect("exit code"), json(&out.stdout))
    };
    let seconds = |minutes: f64| format!("{}s/yr", minutes * 60.0);
    let percent = |minutes: f64| format!("{}%", minutes / edited_mean * 100.0);
    for (tolerance, code, change) in [
        ("0".to_string(), 1, "worse"),
        (seconds(c / 2.0), 1, "worse"),
        (percent(c / 2.0), 1, "worse"),
        (seconds(2.0 * c), 0, "within_tolerance"),
        (percent(2.0 * c), 0, "within_tolerance"),
    ] {
        let (exit, v) = check(&tolerance);
        assert_eq!(exit, code, "--tolerance {tolerance}: {v:#}");
        let rows = v["baseline"]["rows"].as_array().expect("rows");
        let row = |key: &str| rows.iter().find(|r| r["key"] == key).expect("row");
        let etcd = row("etcd");
        assert_eq!(etcd["change"], change, "--tolerance {tolerance}: {etcd:#}");
        assert_eq!(etcd["test"], "paired");
        let low = etcd["difference"]["ci_low"].as_f64().expect("low");
        let high = etcd["difference"]["ci_high"].as_f64().expect("high");
        assert!(
            (low - c).abs() < 1e-6 * c && (high - c).abs() < 1e-6 * c,
            "{etcd:#}"
        );
        for key in ["api", "control_plane", "data_loss"] {
            assert_eq!(row(key)["change"], "unchanged", "{key}");
        }
        assert_eq!(row("data_loss")["tolerance"], 0.0);
        let expected = kubenines::baseline::Tolerance::parse(&tolerance).expect("parses");
        assert_eq!(
            v["baseline"]["tolerance"],
            serde_json::to_value(expected).expect("JSON")
        );
        let allowed = etcd["tolerance"].as_f64().expect("tolerance");
        assert!(
            (allowed - expected.minutes_per_year(edited_mean)).abs() <= 1e-12 * c,
            "{allowed}"
        );
    }

    // The table says which tolerance applied.
    let out = kubenines()
        .arg("run")
        .arg(&file)
        .args([
            "--quiet",
            "-o",
            "json",
            "--baseline",
            "lower",
            "--baseline-dir",
        ])
        .arg(&dir)
        .args(["--tolerance", &seconds(2.0 * c)])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("; tolerance "), "{stderr}");
    let etcd = stderr
        .lines()
        .find(|l| l.starts_with("etcd "))
        .expect("etcd row");
    assert!(etcd.ends_with("within tolerance"), "{etcd}");

    // A tolerance that is not one is bad input.
    let out = kubenines()
        .arg("check")
        .arg(&file)
        .args(["--baseline", "lower", "--baseline-dir"])
        .arg(&dir)
        .args(["--tolerance", "1m"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/yr"));
}
