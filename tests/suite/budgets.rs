//! Run budgets: memory bounded in an outage storm, the event budget, size
//! estimates before any work, and counts that cannot overflow.

use std::io::Write;
use std::process::Stdio;

use assert_cmd::Command;

const YEAR_SECONDS: f64 = 365.0 * 86_400.0;

fn kubenines() -> Command {
    let mut c = Command::cargo_bin("kubenines").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

/// A scenario file in a fresh temporary directory.
fn scenario(name: &str, text: &str) -> (tempdir::Dir, String) {
    let dir = tempdir::Dir::new(name);
    let path = dir.path.join(format!("{name}.yaml"));
    std::fs::File::create(&path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .expect("writes the scenario");
    let path = path.display().to_string();
    (dir, path)
}

mod tempdir {
    /// A directory removed when dropped.
    pub struct Dir {
        pub path: std::path::PathBuf,
    }

    impl Dir {
        pub fn new(name: &str) -> Dir {
            let path = std::env::temp_dir()
                .join(format!("kubenines-budgets-{name}-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&path);
            std::fs::create_dir_all(&path).expect("creates a temporary directory");
            Dir { path }
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// One control-plane node that never fails, one worker that fails every
/// hour for an hour, nothing else: over one year exactly 4,380 failures
/// and 4,380 repairs (the last at the horizon itself), 8,760 events.
const WORKER_CLOCK: &str = "\
name: worker-clock
simulation: { horizon: 1y, replications: 3, seed: 1 }
control_plane:
  topology: stacked
  nodes: 1
  node: { failure: never, repair: never }
  etcd: { election: fixed(0s) }
  load_balancer: none
workers:
  nodes: 1
  node: { failure: fixed(1h), repair: fixed(1h) }
";

#[test]
fn the_event_budget_is_exact_and_names_the_component() {
    let (_dir, path) = scenario("clock", WORKER_CLOCK);
    let events = 8760u64;
    let within = kubenines()
        .args(["run", &path, "--quiet", "-o", "json"])
        .args(["--max-events-per-year", &events.to_string()])
        .output()
        .expect("runs");
    assert!(
        within.status.success(),
        "{}",
        String::from_utf8_lossy(&within.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&within.stdout).expect("JSON");
    assert_eq!(json["performance"]["events"].as_u64(), Some(3 * events));

    let over = kubenines()
        .args(["run", &path, "--quiet"])
        .args(["--max-events-per-year", &(events - 1).to_string()])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&over.stderr);
    assert_eq!(over.status.code(), Some(2), "{stderr}");
    assert!(
        stderr
            .contains("replication 0 exceeded the event budget of 8,759 events per simulated year"),
        "{stderr}"
    );
    // Every event is the worker's: 2 a cycle of 2 hours, 8,760 a year.
    assert!(
        stderr.contains("workers.node fails every 1h 00m on average and is back after 1h 00m: 8,760 events a year (100% of them)"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A load balancer failing every second on average and back a second
/// later: an event every second, 31,536,000 a year.
fn storm(horizon: &str, repair: &str) -> String {
    format!(
        "name: storm
simulation: {{ horizon: {horizon}, replications: 2, seed: 5 }}
control_plane:
  topology: stacked
  nodes: 3
  node: {{ failure: never, repair: never }}
  etcd: {{ election: fixed(0s) }}
  load_balancer: {{ failure: exponential(mean=1s), repair: {repair} }}
"
    )
}

#[test]
fn an_outage_storm_stops_at_the_budget_with_the_likely_typo() {
    let (_dir, path) = scenario("storm", &storm("1y", "fixed(1s)"));
    let out = kubenines()
        .args(["run", &path, "--quiet", "-j", "2"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("control_plane.load_balancer fails every 1.0s on average"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean 1y?"), "{stderr}");
    assert!(stderr.contains("--max-events-per-year"), "{stderr}");
    // The rate it reports, against the exact one: a cycle is 1 s of
    // exponential up time (variance 1 s²) and 1 s down, two events. The
    // census counts 2^21 events, some 2^20 cycles; their mean length has a
    // relative standard deviation of 1 / (2 * sqrt(2^20)), so 5 of them is
    // a tolerance of 0.25%.
    let rate: f64 = stderr
        .split(" events a year")
        .next()
        .and_then(|s| s.rsplit(": ").next())
        .map(|s| s.replace(',', ""))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no rate in {stderr}"));
    let exact = YEAR_SECONDS;
    let tolerance = 5.0 / (2.0 * ((1u64 << 20) as f64).sqrt());
    assert!(
        (rate / exact - 1.0).abs() < tolerance,
        "rate {rate} against {exact}, tolerance {tolerance}"
    );
    // validate warns about both timings.
    let v = kubenines()
        .args(["validate", &path])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&v.stderr);
    assert!(v.status.success(), "{stderr}");
    for key in [
        "control_plane.load_balancer.failure",
        "control_plane.load_balancer.repair",
    ] {
        assert!(
            stderr.contains(&format!("warning: {key}:")),
            "{key}: {stderr}"
        );
    }
}

/// Peak resident memory of a child process, from wait4's resource usage.
fn run_measuring_peak_kib(args: &[&str]) -> (std::process::ExitStatus, i64, String) {
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_kubenines"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut child = child;
    let pid = child.id() as i32;
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = std::io::Read::read_to_string(&mut stderr, &mut s);
        s
    });
    let mut status = 0;
    // SAFETY: rusage is plain data; wait4 fills it for the child we started.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let waited = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert!(waited == pid, "wait4 failed");
    use std::os::unix::process::ExitStatusExt;
    let text = reader.join().unwrap_or_default();
    (
        std::process::ExitStatus::from_raw(status),
        usage.ru_maxrss,
        text,
    )
}

#[test]
fn memory_stays_bounded_in_an_outage_storm() {
    // Half a year of a storm with exponential repairs: about 7.9 million
    // outages of `api` and as many of `control_plane` per replication;
    // held as raw values (8 bytes each) they took gigabytes before.
    let (_dir, path) = scenario("memory", &storm("0.5y", "exponential(mean=1s)"));
    let (status, peak_kib, stderr) = run_measuring_peak_kib(&[
        "run",
        &path,
        "--quiet",
        "-j",
        "2",
        "--max-events-per-year",
        "100000000",
    ]);
    assert!(status.success(), "{stderr}");
    eprintln!("outage storm: peak resident memory {} MiB", peak_kib / 1024);
    assert!(peak_kib < 200 * 1024, "peak {peak_kib} KiB");
}

#[test]
fn absurd_sizes_are_refused_before_any_work() {
    // Counts that would overflow the shard arithmetic.
    for args in [
        &["-n", "18446744073709551615", "--shard", "1/1"][..],
        &["--shard", "100000/100000"][..],
    ] {
        let out = kubenines()
            .args(["run", "scenarios/stacked-3.yaml", "--quiet"])
            .args(args)
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // 10^12 replications in the file: a located refusal.
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stacked-3.yaml"),
    )
    .expect("reads")
    .replace("replications: 2000", "replications: 1000000000000");
    let (_dir, path) = scenario("huge", &text);
    let out = kubenines().args(["run", &path]).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(":9:3: simulation.replications: 1000000000000 is more than"),
        "{stderr}"
    );
}

#[test]
fn a_run_beyond_the_time_limit_is_refused_with_its_estimate() {
    // 1,000 workers and 100,000 pods at 2,000 replications of 10 years:
    // hours of work, refused at a 1-minute limit before it starts.
    let mut text = String::from(
        "name: big-cluster
simulation: { horizon: 10y, replications: 2000, seed: 1 }
zones: { count: 3, failure: exponential(mean=5y), repair: \"lognormal(median=4h, sigma=1.2)\" }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: \"weibull(shape=0.8, mean=2y)\", repair: \"lognormal(median=30m, sigma=1.0)\" }
  etcd: { election: \"uniform(min=1s, max=2s)\" }
  load_balancer: { failure: exponential(mean=1y), repair: fixed(5m) }
workers:
  nodes: 1000
  node: { failure: \"weibull(shape=0.8, mean=3y)\", repair: \"lognormal(median=10m, sigma=1.0)\" }
maintenance: { interval: 30d, duration: 15m }
workloads:
",
    );
    for i in 0..100 {
        text += &format!(
            "  - {{ name: app-{i}, replicas: 1000, min_available: 900, \
             startup: \"lognormal(median=20s, sigma=0.5)\" }}\n"
        );
    }
    let (_dir, path) = scenario("big", &text);
    let started = std::time::Instant::now();
    let out = kubenines()
        .args(["run", &path, "--max-run-time", "1m"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("this run would take about"), "{stderr}");
    assert!(stderr.contains("2,000 replications"), "{stderr}");
    assert!(
        stderr.contains("beyond the limit of 1m 00s (--max-run-time)"),
        "{stderr}"
    );
    // The calibration is short: no replication is run to its end.
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    // A bad limit is bad input.
    let out = kubenines()
        .args(["run", "scenarios/stacked-3.yaml", "--max-run-time", "soon"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_estimate_is_near_the_time_the_run_takes() {
    use kubenines::budget;
    use kubenines::model::Model;
    use kubenines::runner::{self, RunOptions};
    let s = kubenines::scenario::load(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/production.yaml"),
    )
    .expect("loads");
    let model = Model::build(&s).expect("builds");
    let n = 512;
    let options = RunOptions {
        replications: n,
        first: 0,
        threads: 1,
    };
    // Other tests run beside this one and may take the cores from either
    // measurement: the least of three interleaved tries of each is the
    // least disturbed.
    let (mut estimate, mut run) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..3 {
        estimate = estimate.min(budget::estimate(&[&model], n, 1).wall.as_secs_f64());
        let r = runner::run(&model, &options, &|_| {}).expect("runs");
        run = run.min(r.wall.as_secs_f64());
    }
    let ratio = estimate / run;
    eprintln!("estimate {estimate:.3} s against {run:.3} s: ratio {ratio:.2}");
    // A calibration of a few milliseconds on a shared machine: the estimate
    // is for planning (minutes or hours), so a factor of 4 either way is
    // what it promises.
    assert!((0.25..4.0).contains(&ratio), "ratio {ratio}");
}

#[test]
fn the_budget_in_the_file_is_honoured_and_leaves_the_design_hash_alone() {
    let with = |budget: &str| {
        WORKER_CLOCK.replace(
            "seed: 1 }",
            &format!("seed: 1, max_events_per_year: {budget} }}"),
        )
    };
    let (_dir, over) = scenario("file-budget", &with("8759"));
    let out = kubenines()
        .args(["run", &over, "--quiet"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("budget of 8,759 events"), "{stderr}");
    // The flag overrides the file.
    let out = kubenines()
        .args(["run", &over, "--quiet", "--max-events-per-year", "8760"])
        .output()
        .expect("runs");
    assert!(out.status.success());

    let (_zero_dir, zero) = scenario("zero-budget", &with("0"));
    let out = kubenines()
        .args(["validate", &zero])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(":2:")
            && stderr.contains("simulation.max_events_per_year: must be at least 1"),
        "{stderr}"
    );

    // A limit on the run, not part of the design: the content hash (which
    // baselines and parts compare) is the same with it or without it.
    let (_plain_dir, plain) = scenario("plain", WORKER_CLOCK);
    let hash = |path: &str| {
        kubenines::scenario::load(std::path::Path::new(path))
            .expect("loads")
            .content_hash()
    };
    assert_eq!(hash(&over), hash(&plain));
}
