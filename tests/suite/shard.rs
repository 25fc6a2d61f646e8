//! `run --shard K/N` and `merge`: the merged results are the unsharded
//! run's to the last bit, for several N (including more shards than
//! blocks) and thread counts, in any order of parts; and parts that do not
//! add up are refused with exit 2 and a reason.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn kubenines() -> Command {
    Command::cargo_bin("kubenines").expect("binary")
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.yaml"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubenines-shard-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// The results JSON without `performance`, the one part that may differ.
fn results(out: &std::process::Output) -> Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    v.as_object_mut().expect("object").remove("performance");
    v
}

/// Runs shard k of n into `dir`, returning the part's path.
fn shard(dir: &Path, file: &Path, k: u64, n: u64, extra: &[&str]) -> PathBuf {
    let part = dir.join(format!("part-{k}-of-{n}.json"));
    let out = kubenines()
        .arg("run")
        .arg(file)
        .args(["--shard", &format!("{k}/{n}"), "--quiet", "--out"])
        .arg(&part)
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    part
}

fn merge(parts: &[PathBuf]) -> std::process::Output {
    kubenines()
        .arg("merge")
        .args(parts)
        .args(["-o", "json"])
        .output()
        .expect("runs")
}

/// stacked-3 over 2,000 replications is 8 blocks of 256: cut into 1, 2,
/// 3, 5 and 11 shards (three of the eleven empty), with 1 or 2 threads,
/// merged in reverse order, every result equals the one-machine run's.
/// production.yaml (data loss, RPO and RTO histograms, workloads) the same
/// with 3 shards.
#[test]
fn merged_shards_equal_the_unsharded_run_bit_for_bit() {
    for (name, n, cuts) in [
        ("stacked-3", "2000", &[1u64, 2, 3, 5, 11][..]),
        ("production", "700", &[3][..]),
    ] {
        let file = scenario(name);
        let whole = results(
            &kubenines()
                .arg("run")
                .arg(&file)
                .args(["-n", n, "-o", "json", "--quiet"])
                .output()
                .expect("runs"),
        );
        for &count in cuts {
            let dir = scratch(&format!("{name}-{count}"));
            let mut parts: Vec<PathBuf> = (1..=count)
                .map(|k| {
                    let threads = if k % 2 == 0 { "2" } else { "1" };
                    shard(&dir, &file, k, count, &["-n", n, "-j", threads])
                })
                .collect();
            parts.reverse();
            let merged = results(&merge(&parts));
            for k in ["request_success", "degraded_minutes_per_year"] {
                let x = &merged["indicators"]["api"][k];
                assert!(x["mean"].is_number(), "{name}: api.{k} merged: {x}");
            }
            assert_eq!(merged, whole, "{name} cut into {count} shards");
        }
    }
}

/// Parts that do not make one run are refused, each with its reason:
/// a shard missing, a shard twice, another seed, another scenario, another
/// cut, another version of kubenines, a damaged file, a file that is not a part.
#[test]
fn merge_refuses_parts_that_do_not_add_up() {
    let dir = scratch("refusals");
    let s3 = scenario("stacked-3");
    let n = ["-n", "1000"];
    let p1 = shard(&dir, &s3, 1, 3, &n);
    let p2 = shard(&dir, &s3, 2, 3, &n);
    let p3 = shard(&dir, &s3, 3, 3, &n);
    let refused = |parts: &[&PathBuf], why: &str| {
        let out = merge(&parts.iter().map(|p| p.to_path_buf()).collect::<Vec<_>>());
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "{why}: {err}");
        assert!(err.contains(why), "expected `{why}` in: {err}");
        assert!(out.stdout.is_empty(), "no results on refusal");
    };
    refused(&[&p1, &p3], "shard 2/3 is missing");
    refused(&[&p1, &p2, &p2, &p3], "both shard 2/3");

    let other_seed_dir = scratch("refusals-seed");
    let seeded = shard(&other_seed_dir, &s3, 2, 3, &["-n", "1000", "--seed", "5"]);
    refused(&[&p1, &seeded, &p3], "seeds 1 and 5");

    let other_dir = scratch("refusals-scenario");
    let other = shard(&other_dir, &scenario("stacked-5"), 2, 3, &n);
    refused(&[&p1, &other, &p3], "different scenarios");

    let cut_dir = scratch("refusals-cut");
    let cut = shard(&cut_dir, &s3, 2, 4, &n);
    refused(&[&p1, &cut, &p3], "3 shards and 4 shards");

    let more_dir = scratch("refusals-count");
    let more = shard(&more_dir, &s3, 2, 3, &["-n", "1200"]);
    refused(&[&p1, &more, &p3], "replication counts 1000 and 1200");

    let text = std::fs::read_to_string(&p2).expect("part");
    let mut v: Value = serde_json::from_str(&text).expect("json");
    v["tool"]["version"] = Value::from("0.0.1");
    let old = dir.join("old.json");
    std::fs::write(&old, v.to_string()).expect("write");
    refused(&[&p1, &old, &p3], "written by kubenines 0.0.1");

    // A part of the format before request figures (version 2): refused
    // with the versions named, not a field-level complaint.
    let mut v: Value = serde_json::from_str(&text).expect("json");
    v["format_version"] = Value::from(2);
    for b in v["blocks"].as_array_mut().expect("blocks") {
        for i in b["indicators"].as_array_mut().expect("indicators") {
            let i = i.as_object_mut().expect("object");
            i.remove("failed_requests");
            i.remove("degraded");
        }
    }
    let version_2 = dir.join("version-2.json");
    std::fs::write(&version_2, v.to_string()).expect("write");
    refused(
        &[&p1, &version_2, &p3],
        "version-2.json: partial-results format version 2, and this kubenines reads 3",
    );

    let damaged = dir.join("damaged.json");
    std::fs::write(&damaged, &text[..text.len() / 2]).expect("write");
    refused(&[&p1, &damaged, &p3], "damaged.json");

    let mut v: Value = serde_json::from_str(&text).expect("json");
    v["blocks"].as_array_mut().expect("blocks").pop();
    let short = dir.join("short.json");
    std::fs::write(&short, v.to_string()).expect("write");
    refused(&[&p1, &short, &p3], "edited or damaged");

    let results = dir.join("results.json");
    let out = kubenines()
        .arg("run")
        .arg(&s3)
        .args(["-n", "100", "-o", "json", "--quiet"])
        .output()
        .expect("runs");
    std::fs::write(&results, out.stdout).expect("write");
    refused(
        &[&p1, &results, &p3],
        "not a kubenines partial-results file",
    );

    // The complete set still merges.
    assert!(merge(&[p3, p1, p2]).status.success());
}

/// Shard syntax and combinations that cannot work are usage errors.
#[test]
fn shard_flags_are_checked() {
    let s3 = scenario("stacked-3");
    for (args, why) in [
        (vec!["--shard", "0/4"], "K must be between 1 and 4"),
        (vec!["--shard", "5/4"], "K must be between 1 and 4"),
        (vec!["--shard", "2"], "is not a shard"),
        (
            vec!["--shard", "1/2", "-o", "json"],
            "does not go with --shard",
        ),
        (
            vec!["--shard", "1/2", "--save-baseline", "x"],
            "give --baseline, --save-baseline",
        ),
    ] {
        let out = kubenines()
            .arg("run")
            .arg(&s3)
            .args(&args)
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(why), "{args:?}: {err}");
    }
}
