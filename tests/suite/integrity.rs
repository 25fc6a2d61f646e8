//! Files that cannot lie and writes that cannot half-happen: a part or a
//! baseline edited by one digit or one bit is refused, never merged or
//! compared into a different result with exit 0; counts, sizes and offsets
//! a merge would allocate from are refused with the file and field named;
//! special files are refused rather than read or waited on; a write that
//! fails half-way leaves the previous file; `report --out` replaces its
//! directory whole or not at all; an unpaired baseline comparison needs
//! `--allow-unpaired`.

use kubenines::fsio::Sealed;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use assert_cmd::Command;
use kubenines::baseline::Baseline;
use kubenines::report::Results;
use kubenines::shard::{self, Part};
use serde_json::Value;

fn kubenines() -> Command {
    Command::cargo_bin("kubenines").expect("binary")
}

fn scenario(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("scenarios/{name}.yaml"))
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("kubenines-integrity-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Exit code and stderr.
fn outcome(out: &std::process::Output) -> (Option<i32>, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Asserts exit 2 with every one of `wants` in the message.
fn refused(out: &std::process::Output, wants: &[&str]) {
    let (code, err) = outcome(out);
    assert_eq!(code, Some(2), "{err}");
    for want in wants {
        assert!(err.contains(want), "expected `{want}` in: {err}");
    }
    assert!(!err.contains("panicked"), "{err}");
}

/// Shards 1/2 and 2/2 of stacked-3, 600 replications (three blocks).
fn parts(dir: &Path) -> (PathBuf, PathBuf) {
    let make = |k: u64| {
        let part = dir.join(format!("p{k}.json"));
        let out = kubenines()
            .arg("run")
            .arg(scenario("stacked-3"))
            .args([
                "-n",
                "600",
                "--quiet",
                "--shard",
                &format!("{k}/2"),
                "--out",
            ])
            .arg(&part)
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", outcome(&out).1);
        part
    };
    (make(1), make(2))
}

/// The merged results without `performance`, in process, or the refusal.
fn merged(p1: &[u8], p2: &Part) -> Result<Value, String> {
    let p1 = Part::from_bytes("p1.json", p1)?;
    let m = shard::merge(&[("p1.json".into(), p1), ("p2.json".into(), p2.clone())])?;
    let results = Results::new(&m.model, &m.source, &m.run);
    let mut v = serde_json::to_value(&results).expect("results");
    v.as_object_mut().expect("object").remove("performance");
    Ok(v)
}

/// Every digit of a part changed in turn, and single bits flipped across
/// it: nothing merges into a different result. (With the digest, nothing
/// merges at all unless the edit leaves the parsed part the same, e.g. the
/// last digit of a float that still rounds to the same double.)
#[test]
fn no_edited_digit_or_flipped_bit_merges_into_another_result() {
    let dir = scratch("tamper");
    let (p1, p2) = parts(&dir);
    let text = std::fs::read(&p1).expect("part");
    let p2 = Part::read(&p2).expect("part 2");
    let whole = merged(&text, &p2).expect("the parts merge");

    let started = Instant::now();
    let (mut digits, mut same, mut different) = (0, 0, 0);
    for i in 0..text.len() {
        if !text[i].is_ascii_digit() {
            continue;
        }
        digits += 1;
        let mut edited = text.clone();
        edited[i] = b'0' + (edited[i] - b'0' + 1) % 10;
        match merged(&edited, &p2) {
            Ok(v) if v == whole => same += 1,
            Ok(_) => different += 1,
            Err(_) => {}
        }
    }
    println!(
        "part of {} bytes: {digits} digits edited one at a time, {same} merged into the same \
         result, {different} into a different one ({:.1} s)",
        text.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        different, 0,
        "an edited digit merged into a different result"
    );

    let started = Instant::now();
    let (mut flips, mut same_bits, mut different_bits) = (0, 0, 0);
    for i in 0..text.len() {
        flips += 1;
        let mut edited = text.clone();
        edited[i] ^= 1 << (i % 8);
        match merged(&edited, &p2) {
            Ok(v) if v == whole => same_bits += 1,
            Ok(_) => different_bits += 1,
            Err(_) => {}
        }
    }
    println!(
        "{flips} single bits flipped (one in every byte): {same_bits} merged into the same \
         result, {different_bits} into a different one ({:.1} s)",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        different_bits, 0,
        "a flipped bit merged into a different result"
    );

    // And through the binary: an edited part is refused with exit 2.
    let edited = dir.join("edited.json");
    let at = text
        .iter()
        .position(|b| b.is_ascii_digit())
        .expect("a digit")
        + text.len() / 2;
    let at = (at..text.len())
        .find(|&i| text[i].is_ascii_digit())
        .expect("a digit");
    let mut bytes = text.clone();
    bytes[at] = b'0' + (bytes[at] - b'0' + 5) % 10;
    std::fs::write(&edited, bytes).expect("write");
    let out = kubenines()
        .arg("merge")
        .arg(&edited)
        .arg(dir.join("p2.json"))
        .output()
        .expect("runs");
    // The digit may break the sketch's form (refused while reading) or
    // only its content (refused by the digest): damaged either way.
    refused(&out, &["edited.json", "damaged"]);
}

/// A part edited in memory, its digest recomputed (as anyone can), then
/// merged by the binary: the refusal must come from the checks after the digest.
fn merge_edited(dir: &Path, name: &str, edit: impl FnOnce(&mut Part)) -> std::process::Output {
    let mut part = Part::read(&dir.join("p1.json")).expect("part");
    edit(&mut part);
    part.seal();
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec(&part).expect("JSON")).expect("write");
    kubenines()
        .arg("merge")
        .arg(&path)
        .arg(dir.join("p2.json"))
        .output()
        .expect("runs")
}

/// As [`merge_edited`], on the JSON: for values the types cannot hold.
fn merge_json(dir: &Path, name: &str, edit: impl FnOnce(&mut Value)) -> std::process::Output {
    let mut v: Value =
        serde_json::from_slice(&std::fs::read(dir.join("p1.json")).expect("part")).expect("JSON");
    edit(&mut v);
    let path = dir.join(name);
    std::fs::write(&path, v.to_string()).expect("write");
    kubenines()
        .arg("merge")
        .arg(&path)
        .arg(dir.join("p2.json"))
        .output()
        .expect("runs")
}

#[test]
fn merge_checks_counts_sizes_and_offsets_before_using_them() {
    let dir = scratch("validate");
    parts(&dir);
    // Every case is tried and the misses listed, so that one check
    // missing cannot hide behind another.
    let mut missed = Vec::new();
    let mut refused = |out: std::process::Output, wants: &[&str]| {
        let (code, err) = outcome(&out);
        if code != Some(2) || err.contains("panicked") || !wants.iter().all(|w| err.contains(w)) {
            missed.push(format!("{wants:?}: exit {code:?}: {err}"));
        }
    };
    let huge = u64::MAX / 2;
    let out = merge_edited(&dir, "count.json", |p| p.shard.count = huge);
    refused(out, &["count.json", "`shard.count`"]);
    // Alone, so no comparison with another part gets there first: a merge
    // that trusted the count would allocate a slot per shard.
    let alone = kubenines()
        .arg("merge")
        .arg(dir.join("count.json"))
        .output()
        .expect("runs");
    refused(alone, &["count.json", "`shard.count`"]);
    let out = merge_edited(&dir, "index.json", |p| p.shard.index = 0);
    refused(out, &["index.json", "`shard.index`"]);
    let out = merge_edited(&dir, "wall.json", |p| p.performance.wall_seconds = 1e300);
    refused(out, &["wall.json", "`performance.wall_seconds`"]);
    let out = merge_edited(&dir, "cpu.json", |p| p.performance.cpu_seconds = Some(-1.0));
    refused(out, &["cpu.json", "`performance.cpu_seconds`"]);
    let out = merge_edited(&dir, "nan.json", |p| p.performance.wall_seconds = f64::NAN);
    refused(out, &["nan.json"]);
    let out = merge_edited(&dir, "reps.json", |p| p.replications = huge);
    refused(out, &["reps.json", "`blocks`"]);
    let out = merge_edited(&dir, "zero.json", |p| p.replications = 0);
    refused(out, &["zero.json", "`replications`"]);
    let out = merge_edited(&dir, "block.json", |p| p.blocks[0].replications = huge);
    refused(out, &["block.json", "`blocks[0].replications`"]);
    let out = merge_edited(&dir, "events.json", |p| p.blocks[0].events += 1);
    refused(out, &["events.json", "`performance.events`"]);
    let out = merge_edited(&dir, "end.json", |p| p.end_block = huge);
    refused(out, &["end.json", "`blocks`"]);
    let out = merge_edited(&dir, "horizon.json", |p| {
        p.horizon_seconds_bits = f64::INFINITY.to_bits()
    });
    refused(out, &["horizon.json", "`horizon_seconds_bits`"]);
    let out = merge_edited(&dir, "blocksize.json", |p| p.block_size = 1);
    refused(out, &["blocksize.json", "`block_size`"]);

    // What the types themselves refuse, in the JSON (no digest can help).
    let out = merge_json(&dir, "offset.json", |v| {
        v["buckets"][0]["offset"] = Value::from(2_000_000_000)
    });
    refused(out, &["offset.json", "outside"]);
    let out = merge_json(&dir, "len.json", |v| {
        v["buckets"][0]["len"] = Value::from(u32::MAX)
    });
    refused(out, &["len.json"]);
    let out = merge_json(&dir, "sparse.json", |v| {
        v["buckets"][0]["offset"] = Value::from(0);
        v["buckets"][0]["len"] = Value::from(200_000);
        v["buckets"][0]["buckets"] = Value::Array(vec![]);
    });
    refused(out, &["sparse.json", "all empty"]);
    let out = merge_json(&dir, "negative.json", |v| {
        v["blocks"][0]["replications"] = Value::from(-256)
    });
    refused(out, &["negative.json"]);
    let out = merge_json(&dir, "sample.json", |v| {
        // A mean of NaN, as its IEEE 754 bits.
        v["blocks"][0]["indicators"][0]["unavailability"][1] = Value::from(f64::NAN.to_bits());
    });
    refused(out, &["sample.json", "not a sample"]);
    assert!(
        missed.is_empty(),
        "not refused as expected:\n{}",
        missed.join("\n")
    );
}

/// Saves a baseline of stacked-3 (300 replications) in `dir` as `main`.
/// The `api` metric of a baseline's JSON.
fn api(v: &mut Value) -> &mut Value {
    &mut v["metrics"][1]
}

fn save_baseline(dir: &Path) -> PathBuf {
    let out = kubenines()
        .arg("run")
        .arg(scenario("stacked-3"))
        .args([
            "-n",
            "300",
            "--quiet",
            "--save-baseline",
            "main",
            "--baseline-dir",
        ])
        .arg(dir)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", outcome(&out).1);
    dir.join("main.json")
}

/// `run --baseline FILE` of stacked-3 with the baseline's settings.
fn compare_with(dir: &Path, file: &Path, extra: &[&str]) -> std::process::Output {
    kubenines()
        .arg("run")
        .arg(scenario("stacked-3"))
        .args(["-n", "300", "--quiet", "--baseline-dir"])
        .arg(dir)
        .arg("--baseline")
        .arg(file)
        .args(extra)
        .output()
        .expect("runs")
}

#[test]
fn an_edited_or_inconsistent_baseline_is_refused() {
    let dir = scratch("baseline");
    let main = save_baseline(&dir);
    assert!(compare_with(&dir, &main, &[]).status.success());
    let stored: Value =
        serde_json::from_slice(&std::fs::read(&main).expect("baseline")).expect("JSON");
    let edit = |name: &str, reseal: bool, f: &dyn Fn(&mut Value)| -> std::process::Output {
        let mut v = stored.clone();
        f(&mut v);
        let text = if reseal {
            let mut b: Baseline = serde_json::from_value(v).expect("a baseline");
            b.seal();
            serde_json::to_string(&b).expect("JSON")
        } else {
            v.to_string()
        };
        let path = dir.join(name);
        std::fs::write(&path, text).expect("write");
        compare_with(&dir, &path, &[])
    };
    assert_eq!(stored["metrics"][1]["key"], "api");
    let first = stored["metrics"][1]["values"][0].as_f64().expect("a value");

    // Any edit without the digest made to match.
    let out = edit("value.json", false, &|v| {
        api(v)["values"][0] = Value::from(first + 1.0)
    });
    refused(&out, &["value.json", "edited or damaged", "digest"]);
    let out = edit("digest.json", false, &|v| {
        v["digest"] = Value::from(format!("sha256:{}", "0".repeat(64)))
    });
    refused(&out, &["digest.json", "digest"]);

    // Edits with the digest made to match: the content's own checks.
    let out = edit("value2.json", true, &|v| {
        api(v)["values"][0] = Value::from(first + 1.0)
    });
    refused(&out, &["value2.json", "`metrics[1].values`"]);
    let out = edit("mean.json", true, &|v| {
        let m = api(v)["mean"].as_f64().unwrap();
        api(v)["mean"] = Value::from(m * 0.5)
    });
    refused(&out, &["mean.json", "`metrics[1].mean`"]);
    let out = edit("sample.json", true, &|v| {
        // The sample's mean halved, and the mean shown with it.
        let m = api(v)["mean"].as_f64().unwrap() * 0.5;
        api(v)["sample"][1] = Value::from(m.to_bits());
        api(v)["mean"] = Value::from(m);
    });
    refused(&out, &["sample.json", "`metrics[1].values`"]);
    let out = edit("short.json", true, &|v| {
        api(v)["values"].as_array_mut().unwrap().pop();
    });
    refused(&out, &["short.json", "`metrics[1].values`"]);
    let out = edit("gone.json", true, &|v| {
        api(v).as_object_mut().unwrap().remove("values");
    });
    refused(&out, &["gone.json", "`metrics[1].values`"]);
    let out = edit("negative.json", true, &|v| {
        api(v)["values"][0] = Value::from(-1.0)
    });
    refused(&out, &["negative.json", "`metrics[1].values[0]`"]);
    let out = edit("empty.json", true, &|v| v["metrics"] = Value::Array(vec![]));
    refused(&out, &["empty.json", "`metrics` is empty"]);
    let out = edit("reps.json", true, &|v| v["replications"] = Value::from(301));
    refused(&out, &["reps.json", "counts 300 replications"]);
    let out = edit("old.json", false, &|v| v["format_version"] = Value::from(1));
    refused(&out, &["old.json", "save the baseline again"]);
}

#[test]
fn an_unpaired_comparison_needs_allow_unpaired() {
    let dir = scratch("unpaired");
    let main = save_baseline(&dir);
    for extra in [&["--seed", "2"][..], &["--horizon", "5y"][..]] {
        let out = compare_with(&dir, &main, extra);
        refused(
            &out,
            &[
                "cannot be compared replication by replication",
                "--allow-unpaired",
            ],
        );
        let with: Vec<&str> = extra.iter().copied().chain(["--allow-unpaired"]).collect();
        let out = compare_with(&dir, &main, &with);
        let (code, err) = outcome(&out);
        assert_eq!(code, Some(0), "{extra:?}: {err}");
        assert!(err.contains("different"), "{err}");
    }
    // The refusal names the seed and horizon to give.
    let out = compare_with(&dir, &main, &["--seed", "2"]);
    refused(&out, &["--seed 1"]);

    // Results from merge have no per-replication values: unpaired too.
    let (p1, p2) = parts(&dir);
    let merge = |extra: &[&str]| {
        kubenines()
            .arg("merge")
            .args([&p1, &p2])
            .args(["--baseline-dir"])
            .arg(&dir)
            .args(["--baseline", "main"])
            .args(extra)
            .output()
            .expect("runs")
    };
    refused(&merge(&[]), &["results from `merge`", "--allow-unpaired"]);
    assert_eq!(outcome(&merge(&["--allow-unpaired"])).0, Some(0));
}

/// Runs `args` and kills it after `limit`: a hang is a failure, not a stuck CI.
fn within(limit: Duration, args: &[&std::ffi::OsStr]) -> std::process::Output {
    let bin = assert_cmd::cargo::cargo_bin("kubenines");
    let mut child = std::process::Command::new(bin)
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawns");
    let started = Instant::now();
    loop {
        if child.try_wait().expect("waits").is_some() {
            return child.wait_with_output().expect("output");
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{args:?} did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_not_read_or_waited_on() {
    let dir = scratch("special");
    let limit = Duration::from_secs(10);
    let os = |s: &str| std::ffi::OsString::from(s);

    let out = within(limit, &[&os("merge"), &os("/dev/zero")]);
    refused(&out, &["/dev/zero", "device"]);
    let out = within(
        limit,
        &[
            &os("run"),
            scenario("stacked-3").as_os_str(),
            &os("-n"),
            &os("10"),
            &os("--baseline"),
            &os("/dev/zero"),
        ],
    );
    refused(&out, &["/dev/zero", "device"]);

    let fifo = dir.join("x.yaml");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo");
    assert!(made.success());
    let folder = dir.join("folder.yaml");
    std::fs::create_dir(&folder).expect("dir");
    for (path, name, kind) in [
        (&fifo, "x.yaml", "FIFO"),
        (&folder, "folder.yaml", "directory"),
    ] {
        for command in ["run", "merge"] {
            let out = within(limit, &[&os(command), path.as_os_str()]);
            refused(&out, &[name, kind]);
        }
    }

    // Writing over a device is refused (rename would replace the node).
    for target in [&["--junit"][..], &["--shard", "1/1", "--out"][..]] {
        let mut args = vec![
            os("run"),
            scenario("stacked-3").into_os_string(),
            os("-n"),
            os("10"),
            os("--quiet"),
        ];
        args.extend(target.iter().map(|a| os(a)));
        args.push(os("/dev/full"));
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        let out = within(limit, &args);
        refused(&out, &["/dev/full", "device"]);
    }
    assert!(Path::new("/dev/full").exists());
}

/// A writer that fails after `left` bytes, as a full disk does.
struct FailAfter<'a> {
    inner: &'a mut dyn Write,
    left: usize,
}

impl Write for FailAfter<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            return Err(std::io::Error::from_raw_os_error(28)); // ENOSPC
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        self.inner.write(&buf[..n])
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[test]
fn a_write_failing_half_way_leaves_the_previous_baseline() {
    let dir = scratch("atomic");
    let main = save_baseline(&dir);
    let good = std::fs::read(&main).expect("baseline");
    let replacement = vec![b'{'; good.len() * 2];
    for cut in [0, 1, 4096, good.len()] {
        let err = kubenines::fsio::write_atomic_with(&main, |w| {
            FailAfter {
                inner: w,
                left: cut,
            }
            .write_all(&replacement)
        })
        .expect_err("the injected failure");
        assert_eq!(err.raw_os_error(), Some(28));
        assert_eq!(
            std::fs::read(&main).expect("baseline"),
            good,
            "cut at {cut}"
        );
        let names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["main.json"], "no temporary file left");
    }
    // And the baseline still compares.
    assert!(compare_with(&dir, &main, &[]).status.success());
}

/// A study of two designs, small enough to report in a moment.
fn study(dir: &Path, name: &str, topologies: &str) -> PathBuf {
    let path = dir.join(format!("{name}.yaml"));
    let text = format!(
        "study: {name}\nbase: {}\nsimulation: {{ replications: 32, horizon: 2y }}\n\
         matrix:\n  control_plane.topology: [{topologies}]\n  control_plane.nodes: [3, 5]\n",
        scenario("stacked-3").display()
    );
    std::fs::write(&path, text).expect("study");
    path
}

fn report(study: &Path, out: &Path) -> std::process::Output {
    kubenines()
        .arg("report")
        .arg(study)
        .arg("--out")
        .arg(out)
        .args(["--quiet", "-j", "1"])
        .output()
        .expect("runs")
}

fn tree(dir: &Path) -> Vec<String> {
    let mut names = Vec::new();
    for e in std::fs::read_dir(dir).expect("dir") {
        let e = e.expect("entry");
        let name = e.file_name().to_string_lossy().into_owned();
        if e.file_type().expect("type").is_dir() {
            for sub in tree(&e.path()) {
                names.push(format!("{name}/{sub}"));
            }
        } else {
            names.push(name);
        }
    }
    names.sort();
    names
}

#[test]
fn a_report_replaces_its_directory_whole_or_not_at_all() {
    let dir = scratch("report");
    let good = study(&dir, "good", "stacked");
    // A parent that does not exist yet is created.
    let out = dir.join("new/parent/out");
    let first = report(&good, &out);
    assert!(first.status.success(), "{}", outcome(&first).1);
    let written = tree(&out);
    assert!(written.contains(&"index.html".to_string()), "{written:?}");

    // A previous report, with a chart this study does not draw: replaced
    // whole, the stale chart gone.
    std::fs::write(out.join("charts/old-study.svg"), "<svg/>").expect("write");
    let again = report(&good, &out);
    assert!(again.status.success(), "{}", outcome(&again).1);
    assert_eq!(tree(&out), written, "no stale chart lingers");

    // A study that fails (every design invalid) leaves the report as it was.
    let before: Vec<Vec<u8>> = written
        .iter()
        .map(|n| std::fs::read(out.join(n)).expect("file"))
        .collect();
    let bad = study(&dir, "bad", "external");
    refused(&report(&bad, &out), &["no valid design"]);
    let after: Vec<Vec<u8>> = written
        .iter()
        .map(|n| std::fs::read(out.join(n)).expect("file"))
        .collect();
    assert_eq!(tree(&out), written);
    assert!(before == after, "the previous report is untouched");

    // A directory with files of the user's is refused, and untouched.
    let mine = dir.join("mine");
    std::fs::create_dir_all(mine.join("charts")).expect("dir");
    std::fs::write(mine.join("notes.txt"), "mine").expect("write");
    std::fs::write(mine.join("index.html"), "mine too").expect("write");
    refused(&report(&good, &mine), &["notes.txt", "does not write"]);
    assert_eq!(tree(&mine), ["index.html", "notes.txt"]);

    // An empty directory is filled; a file in the way is refused.
    let empty = dir.join("empty");
    std::fs::create_dir(&empty).expect("dir");
    assert!(report(&good, &empty).status.success());
    assert_eq!(tree(&empty), written);
    let file = dir.join("file");
    std::fs::write(&file, "x").expect("write");
    refused(&report(&good, &file), &["not a directory"]);
    assert_eq!(std::fs::read(&file).expect("file"), b"x");

    // No temporary directory is left beside any of them.
    let hidden: Vec<String> = std::fs::read_dir(&dir)
        .expect("dir")
        .chain(std::fs::read_dir(dir.join("new/parent")).expect("dir"))
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}
