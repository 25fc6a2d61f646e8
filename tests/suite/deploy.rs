//! The files that run kubenines elsewhere: the Kubernetes manifests in
//! `deploy/kubernetes/`, the Slurm scripts in `deploy/slurm/`, and the CI
//! examples in `examples/ci/`.
//!
//! - Every Kubernetes document is read into its type from `k8s-openapi`
//!   (generated from Kubernetes' own OpenAPI spec), and strictly: the typed
//!   object is written back out and every key and value of the file must
//!   survive, so a misspelt or misplaced field (which the types would
//!   silently drop) is an error.
//! - Every Kubernetes document is also validated against Kubernetes' own
//!   OpenAPI schemas of each version from 1.29 to 1.34
//!   (`tests/k8s-schemas/`, strict: no unknown field), which catch what the
//!   types cannot: a required field left out (a podFailurePolicy pattern's
//!   `status`), a field a version does not have.
//! - The sharding arithmetic: the Indexed Job's `completions`, the N of
//!   every `--shard K/N`, the part files' names, the merge Job's glob, the
//!   shared claim and the scenario's ConfigMap mount must agree. The shell
//!   commands are not only read but run, with `sh` and `bash`, against a
//!   stub `kubenines` that records its arguments: for every completion
//!   index / array task, and then the merge over the parts they would write.
//! - The CI script runs in a scratch git repository with a base branch and
//!   a pull request (files modified, added, deleted, bad), against the same
//!   stub; the GitHub and GitLab files must call it and keep its reports.
//! - Then the same commands with this build's real binary (the mount points
//!   mapped to scratch directories): every shard, then the merge, whose
//!   results must equal a one-machine run's; and the CI script, which must
//!   pass a scenario whose model did not change (every metric `unchanged`)
//!   and fail a stricter SLO.
//!
//! NOT COVERED here (each needs something this test has not got): that the
//! Dockerfile builds and its image runs (a container engine); that a cluster
//! admits the manifests, offers a ReadWriteMany storage class and sets
//! JOB_COMPLETION_INDEX in each pod as documented (a cluster; the test sets
//! it itself); that Slurm accepts the #SBATCH lines (Slurm; only `bash -n`
//! and dry runs here); that GitHub and GitLab run the CI files as written
//! (a forge).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use kubenines_k8s_schema::Object;
use kubenines_k8s_schema::k8s_openapi::api::batch::v1::Job;
use kubenines_k8s_schema::k8s_openapi::api::core::v1::{
    Container, PersistentVolumeClaim, Pod, PodSpec, Volume,
};
use serde_json::Value;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A fresh, empty scratch directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("deploy-{name}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------
// Kubernetes documents

struct Doc {
    file: String,
    value: Value,
}

impl Doc {
    fn kind(&self) -> (&str, &str) {
        let field = |k: &str| self.value.get(k).and_then(Value::as_str).unwrap_or("");
        (field("apiVersion"), field("kind"))
    }

    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or("")
    }

    fn object(&self) -> Object {
        kubenines_k8s_schema::read(&self.value)
            .unwrap_or_else(|e| panic!("{} ({}): {e}", self.file, self.name()))
    }

    fn job(&self) -> Job {
        match self.object() {
            Object::Job(job) => *job,
            other => panic!("{} ({}): not a Job: {other:?}", self.file, self.name()),
        }
    }

    fn pod(&self) -> Pod {
        match self.object() {
            Object::Pod(pod) => *pod,
            other => panic!("{} ({}): not a Pod: {other:?}", self.file, self.name()),
        }
    }

    fn claim(&self) -> PersistentVolumeClaim {
        match self.object() {
            Object::PersistentVolumeClaim(claim) => *claim,
            other => panic!("{} ({}): not a claim: {other:?}", self.file, self.name()),
        }
    }
}

/// Every document of every `deploy/kubernetes/*.yaml`, in file order.
fn documents() -> Vec<Doc> {
    let dir = repo().join("deploy/kubernetes");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml" || x == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no manifests in {}", dir.display());
    let mut docs = Vec::new();
    for path in files {
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let values: Vec<Value> = serde_saphyr::from_multiple(&read(&path))
            .unwrap_or_else(|e| panic!("{file}: not YAML: {e}"));
        assert!(!values.is_empty(), "{file}: no documents");
        docs.extend(values.into_iter().map(|value| Doc {
            file: file.clone(),
            value,
        }));
    }
    docs
}

fn docs_of(file: &str) -> Vec<Doc> {
    documents().into_iter().filter(|d| d.file == file).collect()
}

fn job_of(file: &str) -> Job {
    let jobs: Vec<Doc> = docs_of(file)
        .into_iter()
        .filter(|d| d.kind() == ("batch/v1", "Job"))
        .collect();
    assert_eq!(jobs.len(), 1, "{file}: expected one Job");
    jobs[0].job()
}

fn pod_spec(job: &Job) -> &PodSpec {
    job.spec
        .as_ref()
        .and_then(|s| s.template.spec.as_ref())
        .expect("a Job with a pod template")
}

fn only_container(spec: &PodSpec) -> &Container {
    assert_eq!(spec.containers.len(), 1, "one container per pod");
    &spec.containers[0]
}

/// The script of a container run as `sh -c SCRIPT`.
fn shell_script(c: &Container) -> &str {
    assert_eq!(
        c.command.as_deref(),
        Some(&["sh".to_string(), "-c".to_string()][..]),
        "container {}: the command is `sh -c` (for the shell arithmetic and globs)",
        c.name
    );
    let args = c.args.as_deref().unwrap_or_default();
    assert_eq!(args.len(), 1, "container {}: one script argument", c.name);
    &args[0]
}

fn volume<'a>(spec: &'a PodSpec, name: &str) -> &'a Volume {
    spec.volumes
        .iter()
        .flatten()
        .find(|v| v.name == name)
        .unwrap_or_else(|| panic!("no volume {name}"))
}

/// The mount point of the volume that satisfies `pick`, and whether it is read-only.
fn mount_of(spec: &PodSpec, pick: impl Fn(&Volume) -> bool) -> (String, bool) {
    let c = only_container(spec);
    let mounts: Vec<_> = c
        .volume_mounts
        .iter()
        .flatten()
        .filter(|m| pick(volume(spec, &m.name)))
        .collect();
    assert_eq!(mounts.len(), 1, "container {}: one such mount", c.name);
    (
        mounts[0].mount_path.clone(),
        mounts[0].read_only == Some(true),
    )
}

fn claim_of(spec: &PodSpec) -> String {
    let claims: Vec<&str> = spec
        .volumes
        .iter()
        .flatten()
        .filter_map(|v| v.persistent_volume_claim.as_ref())
        .map(|c| c.claim_name.as_str())
        .collect();
    assert_eq!(claims.len(), 1, "one claim per pod");
    claims[0].to_string()
}

fn results_mount(spec: &PodSpec) -> String {
    mount_of(spec, |v| v.persistent_volume_claim.is_some()).0
}

/// Reads `doc` as its API type, writes it back, and lists what did not survive.
fn lost_in_round_trip(doc: &Doc) -> Vec<String> {
    let back = kubenines_k8s_schema::write(&doc.object());
    let mut lost = Vec::new();
    compare_tree(&doc.value, &back, String::new(), &mut lost);
    lost
}

fn compare_tree(original: &Value, back: &Value, path: String, lost: &mut Vec<String>) {
    match (original, back) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a {
                let at = format!("{path}.{key}");
                match b.get(key) {
                    Some(w) => compare_tree(value, w, at, lost),
                    None => lost.push(format!("{at}: not a field of the API type")),
                }
            }
        }
        (Value::Array(a), Value::Array(b)) if a.len() == b.len() => {
            for (i, (v, w)) in a.iter().zip(b).enumerate() {
                compare_tree(v, w, format!("{path}[{i}]"), lost);
            }
        }
        (a, b) if a == b => {}
        (a, b) => lost.push(format!("{path}: {a} came back as {b}")),
    }
}

#[test]
fn every_manifest_is_a_valid_kubernetes_object_with_no_unknown_field() {
    let docs = documents();
    let mut problems = Vec::new();
    for doc in &docs {
        let lost = lost_in_round_trip(doc);
        problems.extend(
            lost.into_iter()
                .map(|p| format!("{} {}: {p}", doc.file, doc.name())),
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_strict_check_catches_a_misspelt_and_a_misplaced_field() {
    // The test of the test: k8s-openapi alone would accept both.
    let job = docs_of("shards-job.yaml")
        .into_iter()
        .find(|d| d.kind().1 == "Job")
        .unwrap();
    let mut misspelt = job.value.clone();
    misspelt["spec"]["completionsMode"] = Value::from("Indexed");
    let lost = lost_in_round_trip(&Doc {
        file: job.file.clone(),
        value: misspelt,
    });
    assert_eq!(lost, [".spec.completionsMode: not a field of the API type"]);

    let mut misplaced = job.value.clone();
    misplaced["spec"]["template"]["spec"]["securityContext"]["readOnlyRootFilesystem"] =
        Value::from(true);
    let lost = lost_in_round_trip(&Doc {
        file: job.file.clone(),
        value: misplaced,
    });
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert!(lost[0].contains("securityContext.readOnlyRootFilesystem"));
}

#[test]
fn every_pod_runs_the_image_as_non_root_on_a_read_only_root() {
    let dockerfile = read(&repo().join("Dockerfile"));
    let user = dockerfile
        .lines()
        .filter_map(|l| l.strip_prefix("USER "))
        .next_back()
        .expect("the Dockerfile sets USER");
    let uid: i64 = user
        .split(':')
        .next()
        .unwrap()
        .trim()
        .parse()
        .expect("a numeric USER");

    let mut images = BTreeSet::new();
    for doc in documents() {
        let spec: PodSpec = match doc.kind().1 {
            "Job" => pod_spec(&doc.job()).clone(),
            "Pod" => doc.pod().spec.expect("a pod spec"),
            _ => continue,
        };
        let who = format!("{} {}", doc.file, doc.name());
        let pod = spec.security_context.as_ref().expect(&who);
        assert_eq!(pod.run_as_non_root, Some(true), "{who}");
        assert_eq!(pod.run_as_user, Some(uid), "{who}: the Dockerfile's USER");
        for c in &spec.containers {
            let sc = c.security_context.as_ref().expect(&who);
            assert_eq!(sc.read_only_root_filesystem, Some(true), "{who}");
            assert_eq!(sc.allow_privilege_escalation, Some(false), "{who}");
            let r = c.resources.as_ref().expect(&who);
            assert!(
                r.requests.is_some() && r.limits.is_some(),
                "{who}: resources"
            );
            images.insert(c.image.clone().expect(&who));
        }
    }
    assert_eq!(
        images.len(),
        1,
        "every manifest runs the same image: {images:?}"
    );
}

// ---------------------------------------------------------------------------
// Dry runs against a stub binary

/// One recorded call of the stub: its arguments.
type Call = Vec<String>;

/// A directory holding an executable `kubenines` stub. It appends its
/// arguments to `$STUB_LOG` (one per line, `--end--` after each call),
/// prints a line, writes the file after `--markdown`, and exits N when it
/// is a `check` of a scenario file holding the line `# stub-check-exit: N`.
fn stub_dir(dir: &Path) -> PathBuf {
    let bin = dir.join("bin");
    fs::create_dir_all(&bin).unwrap();
    let stub = bin.join("kubenines");
    fs::write(
        &stub,
        r#"#!/bin/sh
{ for a in "$@"; do printf '%s\n' "$a"; done; echo --end--; } >> "$STUB_LOG"
echo "stub kubenines $*"
status=0 previous=
for a in "$@"; do
    if [ "$previous" = --markdown ]; then echo "stub summary" > "$a"; fi
    if [ "$1" = check ] && [ -f "$a" ]; then
        s=$(sed -n 's/^# stub-check-exit: //p' "$a")
        if [ -n "$s" ]; then status=$s; fi
    fi
    previous=$a
done
if [ "$status" != 0 ]; then echo "error: stub check exits $status" >&2; fi
exit "$status"
"#,
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(&stub, fs::Permissions::from_mode(0o755)).unwrap();
    }
    bin
}

/// Runs `shell` (`sh` or `bash`) on `script` (`-c` text, or a file) in
/// `dir` with `bin` first on PATH; returns its output (stdout, then stderr)
/// and exit code.
fn run_shell(
    dir: &Path,
    bin: &Path,
    shell: &str,
    script: &[&str],
    env: &[(&str, String)],
) -> (String, i32) {
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let out = Command::new(shell)
        .args(script)
        .current_dir(dir)
        .env("PATH", path)
        .env_remove("GITHUB_ACTIONS")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .unwrap_or_else(|e| panic!("{shell}: {e}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    (format!("{stdout}{stderr}"), out.status.code().unwrap_or(-1))
}

/// [`run_shell`] with the stub, kept in `stub_home`; also returns the
/// stub's calls.
fn shell_run(
    dir: &Path,
    stub_home: &Path,
    shell: &str,
    script: &[&str],
    env: &[(&str, String)],
) -> (Vec<Call>, String, i32) {
    let bin = stub_dir(stub_home);
    let log = stub_home.join("calls.log");
    let _ = fs::remove_file(&log);
    let mut env = env.to_vec();
    env.push(("STUB_LOG", log.display().to_string()));
    let (output, code) = run_shell(dir, &bin, shell, script, &env);
    let calls = fs::read_to_string(&log)
        .unwrap_or_default()
        .split("--end--\n")
        .filter(|c| !c.is_empty())
        .map(|c| c.lines().map(str::to_string).collect())
        .collect();
    (calls, output, code)
}

/// [`shell_run`] in `dir`, which must succeed; returns its calls and output.
fn dry_run(
    dir: &Path,
    shell: &str,
    script: &[&str],
    env: &[(&str, String)],
) -> (Vec<Call>, String) {
    let (calls, output, code) = shell_run(dir, dir, shell, script, env);
    assert_eq!(code, 0, "{shell} {script:?} failed: {output}");
    (calls, output)
}

/// The value after `flag` in a call.
fn flag<'a>(call: &'a [String], name: &str) -> Option<&'a str> {
    let i = call.iter().position(|a| a == name)?;
    call.get(i + 1).map(String::as_str)
}

/// Every number N in `text` written as `PREFIX` N (digits), e.g. `-of-8`.
fn numbers_after(text: &str, prefix: &str) -> Vec<u64> {
    text.match_indices(prefix)
        .filter_map(|(i, _)| {
            let digits: String = text[i + prefix.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse().ok()
        })
        .collect()
}

/// What one shard call says about itself: (K, N, the part file it writes).
fn shard_of(call: &[String]) -> (u64, u64, String) {
    assert_eq!(call.first().map(String::as_str), Some("run"), "{call:?}");
    let shard = flag(call, "--shard").unwrap_or_else(|| panic!("no --shard in {call:?}"));
    let (k, n) = shard.split_once('/').expect("K/N");
    let out = flag(call, "--out").unwrap_or_else(|| panic!("no --out in {call:?}"));
    assert!(call.iter().any(|a| a == "--quiet"), "{call:?}: --quiet");
    (k.parse().unwrap(), n.parse().unwrap(), out.to_string())
}

/// Checks the shards' calls: each of 1..=N exactly once, each writing
/// `part-K-of-N.json` in `results_dir`. Returns the part file names.
fn check_shards(calls: &[Call], n: u64, results_dir: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut parts = Vec::new();
    for call in calls {
        let (k, of, out) = shard_of(call);
        assert_eq!(
            of, n,
            "{call:?}: --shard {k}/{of}, but there are {n} shards"
        );
        assert!(seen.insert(k), "shard {k} run twice");
        let (dir, file) = out.rsplit_once('/').expect("a path");
        assert_eq!(
            dir, results_dir,
            "{call:?}: the part is not on the results volume"
        );
        assert_eq!(file, format!("part-{k}-of-{n}.json"), "{call:?}");
        parts.push(file.to_string());
    }
    assert_eq!(seen, (1..=n).collect(), "every shard 1..={n} once");
    parts
}

/// Runs the merge with the parts (and stale decoys) in `parts_dir`; checks
/// it reads exactly the parts, writes JSON to `results_json` (by way of a
/// temporary name) and the table to stdout.
fn check_merge(
    dir: &Path,
    shell: &str,
    script: &[&str],
    parts_dir: &Path,
    parts: &[String],
    results_json: &Path,
) {
    let n = parts.len();
    fs::create_dir_all(parts_dir).unwrap();
    for p in parts {
        fs::write(parts_dir.join(p), "{}").unwrap();
    }
    // Left over from a run with another N: the glob must not take them.
    for stale in [format!("part-1-of-{}.json", n + 1), "part-1.json".into()] {
        fs::write(parts_dir.join(stale), "{}").unwrap();
    }
    let (calls, stdout) = dry_run(dir, shell, script, &[]);
    assert!(!calls.is_empty(), "the merge script never ran kubenines");
    let expected: BTreeSet<String> = parts
        .iter()
        .map(|p| parts_dir.join(p).display().to_string())
        .collect();
    for call in &calls {
        assert_eq!(call[0], "merge", "{call:?}");
        let files: BTreeSet<String> = call[1..]
            .iter()
            .filter(|a| a.ends_with(".json"))
            .map(|a| dir.join(a).display().to_string()) // relative to where it ran
            .collect();
        assert_eq!(files, expected, "the merge reads exactly the {n} parts");
    }
    assert_eq!(flag(&calls[0], "-o"), Some("json"), "{:?}", calls[0]);
    let json = read(results_json);
    assert!(
        json.contains("stub kubenines merge"),
        "results.json: {json}"
    );
    let mut temporary = results_json.as_os_str().to_owned();
    temporary.push(".tmp");
    assert!(
        !Path::new(&temporary).exists(),
        "the temporary JSON is left behind"
    );
    let last = calls.last().unwrap();
    assert!(matches!(flag(last, "-o"), None | Some("table")), "{last:?}");
    assert!(
        stdout.contains("stub kubenines merge"),
        "the table goes to the log"
    );
}

// ---------------------------------------------------------------------------
// The Kubernetes Indexed Job and its merge

#[test]
fn the_shard_job_is_indexed_and_every_n_agrees() {
    let job = job_of("shards-job.yaml");
    let spec = job.spec.as_ref().unwrap();
    assert_eq!(spec.completion_mode.as_deref(), Some("Indexed"));
    let n = spec.completions.expect("completions") as u64;
    let parallelism = spec.parallelism.unwrap_or(1) as u64;
    assert!(
        (1..=n).contains(&parallelism),
        "parallelism {parallelism} of {n}"
    );
    assert_eq!(pod_spec(&job).restart_policy.as_deref(), Some("Never"));

    let script = shell_script(only_container(pod_spec(&job)));
    assert!(
        script.trim_start().starts_with("exec "),
        "exec, so kubenines is the pod's main process and its exit code the pod's: {script}"
    );
    assert!(
        script.contains("$((JOB_COMPLETION_INDEX + 1))"),
        "K is the 0-based completion index + 1: {script}"
    );
    for (what, found) in [
        ("--shard K/N", numbers_after(script, "/")),
        ("part-K-of-N.json", numbers_after(script, "-of-")),
    ] {
        assert!(!found.is_empty(), "no {what} in {script}");
        assert!(
            found.iter().all(|&x| x == n),
            "{what}: {found:?}, but completions is {n}"
        );
    }
    let merge_job = job_of("merge-job.yaml");
    let merge = shell_script(only_container(pod_spec(&merge_job)));
    let found = numbers_after(merge, "-of-");
    assert!(
        !found.is_empty() && found.iter().all(|&x| x == n),
        "merge glob N {found:?}, completions {n}"
    );
}

#[cfg(unix)]
#[test]
fn the_shard_job_run_for_every_index_then_merged_covers_each_shard_once() {
    let dir = scratch("k8s");
    let job = job_of("shards-job.yaml");
    let spec = pod_spec(&job);
    let container = only_container(spec);
    let script = shell_script(container);
    let n = job.spec.as_ref().unwrap().completions.unwrap() as u64;
    let results = results_mount(spec);

    let mut calls = Vec::new();
    for index in 0..n {
        let env = [("JOB_COMPLETION_INDEX", index.to_string())];
        let (c, _) = dry_run(&dir, "sh", &["-c", script], &env);
        assert_eq!(c.len(), 1, "index {index}: one kubenines call: {c:?}");
        calls.extend(c);
    }
    let parts = check_shards(&calls, n, &results);

    // Threads: as many as the CPUs the pod may use.
    let cpus = &container
        .resources
        .as_ref()
        .unwrap()
        .limits
        .as_ref()
        .unwrap()["cpu"];
    for call in &calls {
        assert_eq!(
            flag(call, "-j"),
            Some(cpus.0.as_str()),
            "-j vs the CPU limit"
        );
    }

    // The merge pod sees the same claim at its own mount point; its script
    // is run with that mount point mapped to a scratch directory.
    let merge_job = job_of("merge-job.yaml");
    let merge_spec = pod_spec(&merge_job);
    let merge_mount = results_mount(merge_spec);
    let parts_dir = dir.join("results");
    let merge_script = shell_script(only_container(merge_spec)).replace(
        &format!("{merge_mount}/"),
        &format!("{}/", parts_dir.display()),
    );
    let results_json = parts_dir.join("results.json");
    check_merge(
        &dir,
        "sh",
        &["-c", &merge_script],
        &parts_dir,
        &parts,
        &results_json,
    );
}

#[test]
fn every_pod_mounts_the_one_read_write_many_claim() {
    let claims: Vec<PersistentVolumeClaim> = documents()
        .iter()
        .filter(|d| d.kind().1 == "PersistentVolumeClaim")
        .map(Doc::claim)
        .collect();
    assert_eq!(claims.len(), 1, "one claim for the parts");
    let claim = &claims[0];
    let modes = claim.spec.as_ref().unwrap().access_modes.clone().unwrap();
    assert!(
        modes.iter().any(|m| m == "ReadWriteMany"),
        "eight pods on eight nodes write the parts: {modes:?}"
    );
    let name = claim.metadata.name.as_deref().unwrap();
    for file in ["shards-job.yaml", "merge-job.yaml"] {
        assert_eq!(claim_of(pod_spec(&job_of(file))), name, "{file}");
    }
    for doc in documents().iter().filter(|d| d.kind().1 == "Pod") {
        let pod = doc.pod();
        assert_eq!(claim_of(pod.spec.as_ref().unwrap()), name, "{}", doc.file);
    }
}

#[cfg(unix)]
#[test]
fn the_scenario_path_is_the_configmap_mount_the_readme_creates() {
    let job = job_of("shards-job.yaml");
    let spec = pod_spec(&job);
    let dir = scratch("configmap");
    let env = [("JOB_COMPLETION_INDEX", "0".to_string())];
    let (calls, _) = dry_run(
        &dir,
        "sh",
        &["-c", shell_script(only_container(spec))],
        &env,
    );
    let scenario = &calls[0][1];

    let (mount, read_only) = mount_of(spec, |v| v.config_map.is_some());
    assert!(read_only, "the scenario is mounted read-only");
    let (parent, key) = scenario.rsplit_once('/').expect("a path");
    assert_eq!(
        parent, mount,
        "the scenario {scenario} is not under {mount}"
    );
    let config_map = spec
        .volumes
        .iter()
        .flatten()
        .find_map(|v| v.config_map.as_ref())
        .unwrap();

    // The README's `kubectl create configmap NAME --from-file=KEY=PATH`.
    let readme = read(&repo().join("deploy/kubernetes/README.md"));
    let create = readme
        .split("kubectl create configmap ")
        .nth(1)
        .expect("the README creates the ConfigMap");
    let mut words = create.split_whitespace();
    assert_eq!(
        words.next(),
        Some(config_map.name.as_str()),
        "ConfigMap name"
    );
    let from_file = words
        .find_map(|w| w.strip_prefix("--from-file="))
        .expect("--from-file=KEY=PATH");
    let (readme_key, path) = from_file.split_once('=').expect("KEY=PATH");
    assert_eq!(
        readme_key, key,
        "the ConfigMap key is the scenario's file name"
    );
    assert!(
        repo().join(path).is_file(),
        "{path} is not in the repository"
    );
}

#[test]
fn the_readme_names_the_objects_the_manifests_create() {
    let readme = read(&repo().join("deploy/kubernetes/README.md"));
    let names: BTreeSet<String> = documents()
        .iter()
        .map(|d| format!("{}/{}", d.kind().1.to_lowercase(), d.name()))
        .collect();
    let mut mentioned = 0;
    for kind in ["job/", "pod/"] {
        for (i, _) in readme.match_indices(kind) {
            let name: String = readme[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "-/".contains(*c))
                .collect();
            assert!(
                names.contains(&name),
                "README names {name}; manifests have {names:?}"
            );
            mentioned += 1;
        }
    }
    assert!(mentioned >= 3, "the README waits for and reads the jobs");
}

// ---------------------------------------------------------------------------
// Slurm

fn slurm(file: &str) -> (PathBuf, String) {
    let path = repo().join("deploy/slurm").join(file);
    let text = read(&path);
    (path, text)
}

/// The value of `#SBATCH --NAME=VALUE`.
fn sbatch(text: &str, name: &str) -> Option<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("#SBATCH "))
        .find_map(|l| l.trim().strip_prefix(&format!("--{name}=")))
        .map(str::to_string)
}

#[test]
fn the_slurm_scripts_are_valid_bash() {
    for file in ["shards.sbatch", "merge.sbatch"] {
        let (path, _) = slurm(file);
        let out = Command::new("bash").arg("-n").arg(&path).output().unwrap();
        assert!(
            out.status.success(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// N of `--array=1-N` (an optional `%M` limits how many run at once).
fn array_size(text: &str) -> u64 {
    let array = sbatch(text, "array").expect("#SBATCH --array=1-N");
    let range = array.split('%').next().unwrap();
    let (first, last) = range.split_once('-').expect("1-N");
    assert_eq!(
        first, "1",
        "shards are numbered from 1, and so is the array"
    );
    last.parse().expect("N")
}

#[test]
fn the_slurm_array_range_matches_every_n() {
    let (_, shards) = slurm("shards.sbatch");
    let n = array_size(&shards);
    assert!(
        shards.contains("${SLURM_ARRAY_TASK_ID"),
        "K is the array task"
    );
    assert!(
        shards.contains("-j \"${SLURM_CPUS_PER_TASK}\"")
            || shards.contains("-j ${SLURM_CPUS_PER_TASK}"),
        "threads: the task's CPUs"
    );
    assert!(sbatch(&shards, "cpus-per-task").is_some());
    let (_, merge) = slurm("merge.sbatch");
    for (file, text, prefix) in [
        ("shards.sbatch", &shards, "}/"),
        ("shards.sbatch", &shards, "-of-"),
        ("merge.sbatch", &merge, "-of-"),
    ] {
        let found = numbers_after(text, prefix);
        assert!(!found.is_empty(), "{file}: no N after {prefix}");
        assert!(
            found.iter().all(|&x| x == n),
            "{file}: N {found:?} after {prefix}, but --array=1-{n}"
        );
    }
}

#[cfg(unix)]
#[test]
fn the_slurm_array_run_for_every_task_then_merged_covers_each_shard_once() {
    let dir = scratch("slurm");
    let (shards_path, shards) = slurm("shards.sbatch");
    let (merge_path, _) = slurm("merge.sbatch");
    let n = array_size(&shards);
    let cpus = sbatch(&shards, "cpus-per-task").unwrap();
    let mut calls = Vec::new();
    for task in 1..=n {
        let env = [
            ("SLURM_ARRAY_TASK_ID", task.to_string()),
            ("SLURM_CPUS_PER_TASK", cpus.clone()),
            ("SLURM_SUBMIT_DIR", dir.display().to_string()),
        ];
        let (c, _) = dry_run(&dir, "bash", &[shards_path.to_str().unwrap()], &env);
        assert_eq!(c.len(), 1, "task {task}: one kubenines call: {c:?}");
        calls.extend(c);
    }
    for call in &calls {
        assert_eq!(flag(call, "-j"), Some(cpus.as_str()), "{call:?}");
    }
    let parts = check_shards(&calls, n, "parts");
    let merge = merge_path.to_str().unwrap();
    let results_json = dir.join("results.json");
    check_merge(
        &dir,
        "bash",
        &[merge],
        &dir.join("parts"),
        &parts,
        &results_json,
    );
}

// ---------------------------------------------------------------------------
// CI: examples/ci/

const CI_SCRIPT: &str = "examples/ci/check-changed-scenarios.sh";

fn git(dir: &Path, args: &[&str]) {
    let out = Command::new("git")
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=base",
        ])
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .output()
        .expect("git");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn write(dir: &Path, path: &str, text: &str) {
    let path = dir.join(path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The calls whose scenario argument (the second) is `file`.
fn calls_on<'a>(calls: &'a [Call], file: &str) -> Vec<&'a Call> {
    calls
        .iter()
        .filter(|c| c.get(1).is_some_and(|f| f == file))
        .collect()
}

#[cfg(unix)]
#[test]
fn the_ci_script_checks_each_changed_scenario_against_its_base_version() {
    let dir = scratch("ci");
    let repo = dir.join("repo");
    fs::create_dir_all(&repo).unwrap();
    git(&repo, &["init", "-q"]);
    // The base branch. `# stub-check-exit: N` makes the stub's `check` of
    // that file exit N.
    write(&repo, "scenarios/same.yaml", "name: same\n");
    write(
        &repo,
        "scenarios/noslo.yaml",
        "name: noslo\n# stub-check-exit: 2\n",
    );
    write(&repo, "scenarios/team/prod.yaml", "name: prod\n");
    write(&repo, "scenarios/gone.yaml", "name: gone\n");
    write(&repo, "scenarios/studies/s.yaml", "study: s\n");
    write(
        &repo,
        "scenarios/fixing.yaml",
        "name: fixing\n# stub-check-exit: 1\n",
    );
    write(&repo, "scenarios/elsewhere.yaml", "name: elsewhere\n");
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "base"]);
    // The pull request.
    git(&repo, &["checkout", "-q", "-b", "head"]);
    write(&repo, "scenarios/same.yaml", "name: same\n# edited\n");
    write(&repo, "scenarios/noslo.yaml", "name: noslo\n");
    write(
        &repo,
        "scenarios/team/prod.yaml",
        "name: prod\n# stub-check-exit: 1\n",
    );
    write(&repo, "scenarios/new.toml", "name = \"new\"\n");
    write(
        &repo,
        "scenarios/bad.yaml",
        "name: bad\n# stub-check-exit: 2\n",
    );
    write(&repo, "scenarios/notes.txt", "not a scenario\n");
    write(&repo, "scenarios/studies/s.yaml", "study: s\n# edited\n");
    write(&repo, "scenarios/fixing.yaml", "name: fixing\n");
    fs::remove_file(repo.join("scenarios/gone.yaml")).unwrap();
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "-q", "-m", "head"]);
    // The base branch moves on after the pull request branched off: that
    // is not the pull request's change.
    git(&repo, &["checkout", "-q", "base"]);
    write(
        &repo,
        "scenarios/elsewhere.yaml",
        "name: elsewhere\n# later\n",
    );
    git(&repo, &["commit", "-q", "-am", "later on base"]);
    git(&repo, &["checkout", "-q", "head"]);

    let script = repo_file(CI_SCRIPT);
    let run = |dir: &Path| shell_run(&repo, dir, "bash", &[&script, "base", "out"], &[]);
    let (calls, output, code) = run(&dir);
    assert_eq!(code, 2, "a bad scenario wins over a failed check: {output}");

    // Checked: the added and modified scenarios; not the study, the deleted
    // file or the text file.
    let heads: BTreeSet<&str> = calls
        .iter()
        .filter(|c| c[1].starts_with("scenarios/"))
        .map(|c| c[1].as_str())
        .collect();
    let expected = [
        "scenarios/bad.yaml",
        "scenarios/fixing.yaml",
        "scenarios/new.toml",
        "scenarios/noslo.yaml",
        "scenarios/same.yaml",
        "scenarios/team/prod.yaml",
    ];
    assert_eq!(heads, expected.into_iter().collect(), "{output}");

    // A modified file: its base version checked with --save-baseline, then
    // the head checked against it, with the reports asked for.
    let base = calls_on(&calls, "out/base/same.yaml");
    assert_eq!(base.len(), 1, "{calls:?}");
    assert_eq!(base[0][0], "check");
    assert_eq!(flag(base[0], "--save-baseline"), Some("base-same"));
    assert_eq!(
        read(&repo.join("out/base/same.yaml")),
        "name: same\n",
        "the base branch's version"
    );
    let head = calls_on(&calls, "scenarios/same.yaml");
    assert_eq!(head.len(), 1);
    assert_eq!(head[0][0], "check");
    assert_eq!(flag(head[0], "--baseline"), Some("base-same"));
    assert_eq!(
        flag(head[0], "--baseline-dir"),
        flag(base[0], "--baseline-dir"),
        "stored and read in the same place"
    );
    assert_eq!(flag(head[0], "--junit"), Some("out/junit/same.xml"));
    assert_eq!(flag(head[0], "--markdown"), Some("out/summary/same.md"));

    // A nested file gets a name that is not a path.
    let nested = calls_on(&calls, "scenarios/team/prod.yaml");
    assert_eq!(flag(nested[0], "--baseline"), Some("base-team-prod"));

    // A base without slos (check exits 2): the baseline comes from `run`.
    let noslo: Vec<&str> = calls_on(&calls, "out/base/noslo.yaml")
        .iter()
        .map(|c| c[0].as_str())
        .collect();
    assert_eq!(noslo, ["check", "run"]);
    let head = calls_on(&calls, "scenarios/noslo.yaml");
    assert_eq!(flag(head[0], "--baseline"), Some("base-noslo"));

    // A base that misses its SLOs (check exits 1) is still the baseline.
    let fixing: Vec<&str> = calls_on(&calls, "out/base/fixing.yaml")
        .iter()
        .map(|c| c[0].as_str())
        .collect();
    assert_eq!(fixing, ["check"]);
    let head = calls_on(&calls, "scenarios/fixing.yaml");
    assert_eq!(flag(head[0], "--baseline"), Some("base-fixing"));

    // New files: no base version, no baseline.
    for new in ["scenarios/new.toml", "scenarios/bad.yaml"] {
        let c = calls_on(&calls, new);
        assert!(flag(c[0], "--baseline").is_none(), "{c:?}");
    }
    // A bad file's summary says so (check wrote none).
    let bad = read(&repo.join("out/summary/bad.md"));
    assert!(
        bad.contains("bad input (exit 2)") && bad.contains("stub check exits 2"),
        "{bad}"
    );

    // Without the bad file: the failed check (exit 1) fails the run.
    git(&repo, &["rm", "-q", "scenarios/bad.yaml"]);
    git(&repo, &["commit", "-q", "-m", "no bad file"]);
    let (_, output, code) = run(&dir);
    assert_eq!(code, 1, "{output}");
    // And with it fixed too, it passes.
    write(&repo, "scenarios/team/prod.yaml", "name: prod\n# fixed\n");
    git(&repo, &["commit", "-q", "-am", "fixed"]);
    let (_, output, code) = run(&dir);
    assert_eq!(code, 0, "{output}");
}

fn repo_file(path: &str) -> String {
    repo().join(path).display().to_string()
}

fn yaml(path: &str) -> Value {
    serde_saphyr::from_str(&read(&repo().join(path)))
        .unwrap_or_else(|e| panic!("{path}: not YAML: {e}"))
}

/// Every string in `v`, depth first.
fn strings(v: &Value) -> Vec<&str> {
    match v {
        Value::String(s) => vec![s.as_str()],
        Value::Array(a) => a.iter().flat_map(strings).collect(),
        Value::Object(o) => o.values().flat_map(strings).collect(),
        _ => vec![],
    }
}

#[test]
fn the_ci_examples_run_the_script_and_keep_its_reports() {
    assert!(repo().join(CI_SCRIPT).is_file());
    let out = Command::new("bash")
        .arg("-n")
        .arg(repo().join(CI_SCRIPT))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // GitHub: on pull requests touching scenarios/, runs the script with
    // the full history, writes the summaries, uploads the reports.
    let gh = yaml("examples/ci/github-actions.yml");
    assert_eq!(gh["on"]["pull_request"]["paths"][0], "scenarios/**");
    let text = strings(&gh).join("\n");
    assert!(text.contains(&format!("{CI_SCRIPT} \"origin/$BASE\" kubenines-ci")));
    assert!(text.contains(">> \"$GITHUB_STEP_SUMMARY\""));
    assert!(text.contains("kubenines-ci/summary/*.md"));
    let steps = gh["jobs"]["check"]["steps"].as_array().unwrap();
    let checkout = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout"))
        })
        .unwrap();
    assert_eq!(
        checkout["with"]["fetch-depth"], 0,
        "the base branch is needed"
    );
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact"))
        })
        .unwrap();
    assert_eq!(upload["with"]["path"], "kubenines-ci/");
    assert_eq!(
        upload["if"], "always()",
        "keep the reports of a failed check"
    );
    // Both jobs take kubenines from the prebuilt image (the Dockerfile's
    // `ci` stage) rather than compiling it.
    let image = gh["jobs"]["check"]["container"]["image"].as_str().unwrap();
    assert!(image.contains("/kubenines-ci:"), "{image}");
    assert!(!text.contains("cargo "), "the GitHub job compiles nothing");

    // GitLab: the same script and out directory; JUnit as a report.
    let gl = yaml("examples/ci/gitlab-ci.yml");
    let job = &gl["scenario-slos"];
    let text = strings(job).join("\n");
    assert!(text.contains(&format!(
        "{CI_SCRIPT} \"origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME\" kubenines-ci"
    )));
    assert_eq!(job["variables"]["GIT_DEPTH"], "0");
    assert!(job["image"].as_str().unwrap().contains("/kubenines-ci:"));
    assert!(!text.contains("cargo "), "the GitLab job compiles nothing");
    assert_eq!(job["artifacts"]["when"], "always");
    assert_eq!(
        job["artifacts"]["reports"]["junit"],
        "kubenines-ci/junit/*.xml"
    );
}

// ---------------------------------------------------------------------------
// The Dockerfile (not built here: no container engine)

#[test]
fn the_dockerfile_builds_locked_and_ships_the_binary_and_scenarios() {
    let dockerfile = read(&repo().join("Dockerfile"));
    let lines: Vec<&str> = dockerfile.lines().map(str::trim).collect();
    let first_build = lines
        .iter()
        .position(|l| l.contains("cargo build"))
        .expect("a cargo build");
    assert!(
        lines
            .iter()
            .filter(|l| l.contains("cargo build"))
            .all(|l| l.contains("--release --locked")),
        "the image is built from Cargo.lock"
    );

    // Cargo reads every path dependency's manifest, dev ones included, even
    // for `cargo build`: each must be in the build context and copied
    // before the dependency layer's build.
    let manifest: toml::Table = read(&repo().join("Cargo.toml")).parse().unwrap();
    let ignore = read(&repo().join(".dockerignore"));
    let mut paths = Vec::new();
    for section in ["dependencies", "dev-dependencies"] {
        for (name, dep) in manifest[section].as_table().unwrap() {
            if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                paths.push((name.clone(), path.to_string()));
            }
        }
    }
    for (name, path) in &paths {
        let copied = lines[..first_build]
            .iter()
            .any(|l| l.starts_with("COPY ") && l.contains(&format!(" {path}/")));
        assert!(
            copied,
            "{name} ({path}) is not copied before the first cargo build"
        );
        assert!(
            ignore.lines().any(|l| l.trim() == format!("!{path}")),
            ".dockerignore must keep {path} in the build context"
        );
    }

    let runtime = lines
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("a runtime stage");
    assert!(
        lines[runtime].contains("debian"),
        "the runtime has sh: {}",
        lines[runtime]
    );
    let tail = &lines[runtime..];
    for needed in [
        "COPY --from=build /src/target/release/kubenines /usr/local/bin/kubenines",
        "COPY scenarios/ /opt/kubenines/scenarios/",
        "ENTRYPOINT [\"kubenines\"]",
    ] {
        assert!(tail.contains(&needed), "runtime stage lacks `{needed}`");
    }
    assert!(
        tail.iter()
            .any(|l| l.starts_with("USER ") && !l.starts_with("USER 0") && !l.contains("root")),
        "a non-root USER"
    );

    // The `ci` stage (docs/ci.md): the binary, git for the CI script, and
    // neither an entrypoint nor a user, so a CI runner's shell runs in it.
    let ci = lines
        .iter()
        .position(|l| l.starts_with("FROM ") && l.ends_with(" AS ci"))
        .expect("a `ci` stage");
    assert!(
        ci < runtime,
        "the runtime image stays the default (last) stage"
    );
    let stage = &lines[ci..runtime];
    assert!(
        stage.contains(&"COPY --from=build /src/target/release/kubenines /usr/local/bin/kubenines")
    );
    assert!(
        stage
            .iter()
            .any(|l| l.contains("apt-get install") && l.contains(" git ")),
        "the ci stage installs git"
    );
    assert!(
        !stage
            .iter()
            .any(|l| l.starts_with("ENTRYPOINT") || l.starts_with("USER ")),
        "{stage:?}"
    );
}

// ---------------------------------------------------------------------------
// The same commands with the real binary: the flags the files use exist, and
// the merged results are the one-machine run's.

/// [`run_shell`] with this build's `kubenines`.
#[cfg(unix)]
fn real_run(dir: &Path, shell: &str, script: &[&str], env: &[(&str, String)]) -> (String, i32) {
    let bin = dir.join("real-bin");
    fs::create_dir_all(&bin).unwrap();
    let link = bin.join("kubenines");
    if !link.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_kubenines"), &link).unwrap();
    }
    run_shell(dir, &bin, shell, script, env)
}

/// `kubenines run FILE -o json` in `dir`, without the `performance` block.
#[cfg(unix)]
fn unsharded(dir: &Path, file: &str) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_kubenines"))
        .args(["run", file, "-o", "json", "--quiet"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: Value = serde_json::from_slice(&out.stdout).unwrap();
    v.as_object_mut().unwrap().remove("performance");
    v
}

/// The merged `results.json` equals `kubenines run FILE -o json` in `dir`,
/// but for `performance`.
#[cfg(unix)]
fn assert_same_results(results_json: &Path, dir: &Path, file: &str) {
    let mut merged: Value = serde_json::from_str(&read(results_json)).unwrap();
    merged.as_object_mut().unwrap().remove("performance");
    let single = unsharded(dir, file);
    let mut differences = Vec::new();
    compare_tree(&single, &merged, String::new(), &mut differences);
    compare_tree(&merged, &single, String::new(), &mut differences);
    assert!(
        differences.is_empty(),
        "merged vs one machine: {differences:#?}"
    );
}

#[cfg(unix)]
#[test]
fn the_kubernetes_jobs_with_the_real_binary_give_the_one_machine_results() {
    let dir = scratch("k8s-real");
    let shards = job_of("shards-job.yaml");
    let spec = pod_spec(&shards);
    let n = shards.spec.as_ref().unwrap().completions.unwrap() as u64;
    let (scenario_mount, _) = mount_of(spec, |v| v.config_map.is_some());
    let results = results_mount(spec);

    // The ConfigMap as the README creates it: its file under its key.
    let readme = read(&repo().join("deploy/kubernetes/README.md"));
    let from_file = readme
        .split_whitespace()
        .find_map(|w| w.strip_prefix("--from-file="))
        .unwrap();
    let (key, source) = from_file.split_once('=').unwrap();
    fs::create_dir_all(dir.join("scenario")).unwrap();
    fs::create_dir_all(dir.join("results")).unwrap();
    fs::copy(repo().join(source), dir.join("scenario").join(key)).unwrap();

    let mount = |script: &str, at: &str, to: &str| {
        script.replace(&format!("{at}/"), &format!("{}/", dir.join(to).display()))
    };
    let script = mount(
        &mount(
            shell_script(only_container(spec)),
            &scenario_mount,
            "scenario",
        ),
        &results,
        "results",
    );
    for index in 0..n {
        let env = [("JOB_COMPLETION_INDEX", index.to_string())];
        let (output, code) = real_run(&dir, "sh", &["-c", &script], &env);
        assert_eq!(code, 0, "index {index}: {output}");
    }
    let merge_job = job_of("merge-job.yaml");
    let merge_spec = pod_spec(&merge_job);
    let script = mount(
        shell_script(only_container(merge_spec)),
        &results_mount(merge_spec),
        "results",
    );
    let (table, code) = real_run(&dir, "sh", &["-c", &script], &[]);
    assert_eq!(code, 0, "{table}");
    assert!(
        table.contains("availability"),
        "the table in the log: {table}"
    );

    let file = dir.join("scenario").join(key).display().to_string();
    assert_same_results(&dir.join("results/results.json"), &dir, &file);
}

#[cfg(unix)]
#[test]
fn the_slurm_jobs_with_the_real_binary_give_the_one_machine_results() {
    let dir = scratch("slurm-real");
    let (shards_path, shards) = slurm("shards.sbatch");
    let (merge_path, _) = slurm("merge.sbatch");
    let n = array_size(&shards);
    let scenario = repo().join("scenarios/production.yaml");
    for task in 1..=n {
        let env = [
            ("SLURM_ARRAY_TASK_ID", task.to_string()),
            ("SLURM_CPUS_PER_TASK", "2".to_string()),
            ("SLURM_SUBMIT_DIR", dir.display().to_string()),
            ("SCENARIO", scenario.display().to_string()),
        ];
        let (output, code) = real_run(&dir, "bash", &[shards_path.to_str().unwrap()], &env);
        assert_eq!(code, 0, "task {task}: {output}");
    }
    let (table, code) = real_run(&dir, "bash", &[merge_path.to_str().unwrap()], &[]);
    assert_eq!(code, 0, "{table}");
    let file = scenario.display().to_string();
    assert_same_results(&dir.join("results.json"), &dir, &file);

    // A shard lost: the merge refuses (exit 2) and keeps no results.
    fs::remove_file(dir.join("results.json")).unwrap();
    fs::remove_file(dir.join(format!("parts/part-2-of-{n}.json"))).unwrap();
    let (output, code) = real_run(&dir, "bash", &[merge_path.to_str().unwrap()], &[]);
    assert_eq!(code, 2, "{output}");
    assert!(!dir.join("results.json").exists());
}

#[cfg(unix)]
#[test]
fn the_ci_script_with_the_real_binary_passes_an_unchanged_model_and_fails_a_stricter_slo() {
    let dir = scratch("ci-real");
    let repo_dir = dir.join("repo");
    fs::create_dir_all(&repo_dir).unwrap();
    git(&repo_dir, &["init", "-q"]);
    // stacked-3 with an SLO, small enough to check in a blink.
    let stacked = read(&repo().join("scenarios/stacked-3.yaml"))
        .replace("replications: 2000", "replications: 512")
        + "\nslos:\n  - { indicator: api, availability: 99.9% }\n";
    assert!(
        stacked.contains("replications: 512"),
        "stacked-3.yaml changed: update this test"
    );
    write(&repo_dir, "scenarios/stacked-3.yaml", &stacked);
    git(&repo_dir, &["add", "-A"]);
    git(&repo_dir, &["commit", "-q", "-m", "base"]);
    git(&repo_dir, &["checkout", "-q", "-b", "head"]);
    let script = repo_file(CI_SCRIPT);

    // Only a comment changes: same seed, same replications, bit-identical.
    let edited = format!("# reviewed\n{stacked}");
    write(&repo_dir, "scenarios/stacked-3.yaml", &edited);
    git(&repo_dir, &["commit", "-q", "-am", "comment"]);
    let (output, code) = real_run(&repo_dir, "bash", &[&script, "base", "out"], &[]);
    assert_eq!(code, 0, "{output}");
    let summary = read(&repo_dir.join("out/summary/stacked-3.md"));
    let verdicts: Vec<&str> = summary
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| l.trim_end_matches(" |").rsplit(" | ").next().unwrap())
        .collect();
    assert!(!verdicts.is_empty(), "no baseline table: {summary}");
    assert!(
        verdicts.iter().all(|v| *v == "unchanged"),
        "{verdicts:?}\n{summary}"
    );
    assert!(repo_dir.join("out/junit/stacked-3.xml").is_file());

    // A stricter SLO than the design meets: exit 1.
    let stricter = edited.replace("availability: 99.9%", "availability: 99.9999%");
    write(&repo_dir, "scenarios/stacked-3.yaml", &stricter);
    git(&repo_dir, &["commit", "-q", "-am", "stricter"]);
    let (output, code) = real_run(&repo_dir, "bash", &[&script, "base", "out"], &[]);
    assert_eq!(code, 1, "{output}");
}

/// Every pod-condition pattern of a Job's podFailurePolicy says its
/// `status`: the OpenAPI schema marks it required and API servers have
/// refused the pattern without it (kubernetes/kubernetes#131512), while
/// k8s-openapi reads a missing one as "" (so the strict round trip above
/// cannot see it).
#[test]
fn pod_failure_policy_patterns_name_their_status() {
    let mut patterns = 0;
    for doc in documents() {
        if doc.kind() != ("batch/v1", "Job") {
            continue;
        }
        let job = doc.job();
        let Some(policy) = job
            .spec
            .as_ref()
            .and_then(|s| s.pod_failure_policy.as_ref())
        else {
            continue;
        };
        for rule in &policy.rules {
            for pattern in rule.on_pod_conditions.iter().flatten() {
                patterns += 1;
                assert!(
                    ["True", "False", "Unknown"].contains(&pattern.status.as_str()),
                    "{}: onPodConditions {} has status {:?}",
                    doc.file,
                    pattern.type_,
                    pattern.status
                );
            }
        }
    }
    assert!(patterns >= 1, "no podFailurePolicy pattern found");
}

// ---------------------------------------------------------------------------
// Kubernetes' own schemas, 1.29 to 1.34

/// The Kubernetes versions the manifests must be valid in.
const KUBERNETES_VERSIONS: [&str; 6] = ["1.29", "1.30", "1.31", "1.32", "1.33", "1.34"];

/// Kubernetes `version`'s strict JSON schema of `apiVersion` `kind`
/// (`tests/k8s-schemas/`: the OpenAPI schemas with `additionalProperties:
/// false`, as kubeconform's `-strict`), compiled.
fn kubernetes_schema(version: &str, api_version: &str, kind: &str) -> jsonschema::Validator {
    let path = repo().join(format!("tests/k8s-schemas/v{version}.json"));
    let mut schema: Value =
        serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let name = format!("kind.{}.{kind}", api_version.replace('/', "."));
    assert!(
        schema["$defs"].get(&name).is_some(),
        "Kubernetes {version}: no schema for apiVersion {api_version} kind {kind}: add it to \
         KINDS in tests/k8s-schemas/vendor.py and regenerate"
    );
    schema["$ref"] = Value::from(format!("#/$defs/{name}"));
    jsonschema::draft202012::new(&schema)
        .unwrap_or_else(|e| panic!("{}: not a usable schema: {e}", path.display()))
}

/// What Kubernetes `version`'s schema finds wrong in `value`, a document of
/// `doc`'s kind: one `PATH: MESSAGE` each.
fn schema_errors(version: &str, doc: &Doc, value: &Value) -> Vec<String> {
    let (api_version, kind) = doc.kind();
    let validator = kubernetes_schema(version, api_version, kind);
    validator
        .iter_errors(value)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every document of every manifest is valid in each Kubernetes version
/// from 1.29 to 1.34, by that version's own OpenAPI schema, strictly: an
/// unknown field, a wrong type or a missing required one (as the
/// podFailurePolicy pattern's `status` is from 1.29 to 1.34) fails it.
#[test]
fn every_manifest_is_valid_in_kubernetes_1_29_to_1_34() {
    let docs = documents();
    let mut problems = Vec::new();
    for version in KUBERNETES_VERSIONS {
        for doc in &docs {
            problems.extend(
                schema_errors(version, doc, &doc.value)
                    .into_iter()
                    .map(|e| format!("Kubernetes {version}: {} {}: {e}", doc.file, doc.name())),
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The test of the test: in every version, the schema check refuses the
/// shipped Job with an unknown field, with a podFailurePolicy pattern
/// without `status`, and with a string where a number goes; the Pod with a
/// field misplaced; the claim with an unknown access-mode key.
#[test]
fn the_schema_check_catches_unknown_fields_a_missing_status_and_wrong_types() {
    let docs = documents();
    let find = |file: &str, kind: &str| {
        docs.iter()
            .find(|d| d.file == file && d.kind().1 == kind)
            .unwrap_or_else(|| panic!("{file}: no {kind}"))
    };
    let job = find("shards-job.yaml", "Job");
    let pod = find("fetch-pod.yaml", "Pod");
    let claim = find("shards-job.yaml", "PersistentVolumeClaim");

    let mut unknown = job.value.clone();
    unknown["spec"]["template"]["spec"]["containers"][0]["imagePullPolicyy"] =
        Value::from("Always");
    let mut no_status = job.value.clone();
    let pattern = no_status["spec"]["podFailurePolicy"]["rules"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find_map(|r| r.get_mut("onPodConditions"))
        .expect("an onPodConditions rule")[0]
        .as_object_mut()
        .unwrap();
    assert!(pattern.remove("status").is_some());
    let mut wrong_type = job.value.clone();
    wrong_type["spec"]["completions"] = Value::from("eight");
    let mut misplaced = pod.value.clone();
    misplaced["spec"]["readOnlyRootFilesystem"] = Value::from(true);
    let mut claim_typo = claim.value.clone();
    claim_typo["spec"]["accesModes"] = claim_typo["spec"]["accessModes"].clone();

    for version in KUBERNETES_VERSIONS {
        for (doc, value, at) in [
            (job, &unknown, "/spec/template/spec/containers/0"),
            (
                job,
                &no_status,
                "/spec/podFailurePolicy/rules/1/onPodConditions/0",
            ),
            (job, &wrong_type, "/spec/completions"),
            (pod, &misplaced, "/spec"),
            (claim, &claim_typo, "/spec"),
        ] {
            let errors = schema_errors(version, doc, value);
            assert!(
                !errors.is_empty() && errors.iter().all(|e| e.starts_with(&format!("{at}: "))),
                "Kubernetes {version}: {} edited at {at}: {errors:#?}",
                doc.file
            );
        }
        let errors = schema_errors(version, job, &no_status);
        assert!(errors[0].contains("status"), "{errors:?}");
    }
}
