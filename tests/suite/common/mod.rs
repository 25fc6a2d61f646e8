//! Shared helpers for the statistical tests: scenarios built in code, runs,
//! and exact time-averaged availabilities to compare against.

#![allow(dead_code)]

use kubenines::engine::Sampler;
use kubenines::model::{Cause, Cluster, Lifecycle, Model, ReplacementModel};
use kubenines::report::{CauseLoss, IndicatorResult, Results};
use kubenines::runner::{self, RunOptions};
use kubenines::scenario::*;

pub const HOUR: f64 = 3600.0;
pub const DAY: f64 = 86_400.0;

pub fn exp(mean: f64) -> Distribution {
    Distribution::Exponential { mean }
}

pub fn fixed(v: f64) -> Distribution {
    Distribution::Fixed(v)
}

pub fn host(failure: Distribution, repair: Distribution) -> HostSpec {
    HostSpec { failure, repair }
}

pub fn perfect() -> HostSpec {
    host(Distribution::Never, Distribution::Never)
}

/// A stacked design of `n` nodes in one perfect zone, no load balancer,
/// instant etcd elections: etcd is up exactly when a quorum of hosts is.
pub fn stacked(n: u32, node: HostSpec) -> Scenario {
    Scenario {
        name: format!("stacked-{n}"),
        description: None,
        source: String::new(),
        simulation: Simulation {
            horizon: 5.0 * YEAR_SECONDS,
            replications: 400,
            seed: 7,
            precision: None,
            max_events_per_year: None,
        },
        zones: Zones {
            count: 1,
            failure: Distribution::Never,
            repair: Distribution::Never,
            racks: None,
            regions: None,
        },
        control_plane: ControlPlane {
            topology: Topology::Stacked,
            nodes: n,
            placement: vec![0; n as usize],
            node,
            node_disk_loss: 0.0,
            etcd_hosts: None,
            etcd: Etcd {
                election: fixed(0.0),
                member_replace: None,
            },
            leader_election: LeaderElection {
                lease_duration: 15.0,
                renew_deadline: 10.0,
                retry_period: 2.0,
                release_on_stop: [true, false],
            },
            load_balancer: None,
            load_balancer_kind: None,
            health_check: None,
            wiring: Wiring::Kubeadm,
            apiserver: None,
            etcd_member: None,
            certificates: None,
            replacement: None,
            etcd_replacement: None,
        },
        workers: None,
        workloads: Vec::new(),
        maintenance: None,
        backups: None,
        backup_list: Vec::new(),
        recovery: None,
        disasters: Vec::new(),
        slos: Vec::new(),
        cost: None,
        changes: Vec::new(),
        autoscaler: None,
        warnings: Vec::new(),
        fleet: None,
    }
}

/// Places the control-plane hosts round-robin over `zones` zones with the given outage process.
pub fn with_zones(
    mut s: Scenario,
    zones: u32,
    failure: Distribution,
    repair: Distribution,
) -> Scenario {
    s.zones = Zones {
        count: zones,
        failure,
        repair,
        racks: None,
        regions: None,
    };
    s.control_plane.placement = (0..s.control_plane.nodes).map(|i| i % zones).collect();
    if let Some(e) = &mut s.control_plane.etcd_hosts {
        e.placement = (0..e.nodes).map(|i| i % zones).collect();
    }
    s
}

pub fn run(s: &Scenario, threads: usize) -> Results {
    let model = Model::build(s).expect("scenario builds");
    let options = RunOptions {
        replications: s.simulation.replications,
        first: 0,
        threads,
    };
    let run = runner::run(&model, &options, &|_| {}).expect("run");
    Results::new(&model, "test", &run)
}

/// Runs a model built (and possibly adjusted) by the test itself, on two threads.
pub fn run_model(model: &Model, replications: u64) -> Results {
    let options = RunOptions {
        replications,
        first: 0,
        threads: 2,
    };
    let run = runner::run(model, &options, &|_| {}).expect("run");
    Results::new(model, "test", &run)
}

pub fn indicator<'a>(r: &'a Results, key: &str) -> &'a IndicatorResult {
    &r.indicators
        .0
        .iter()
        .find(|(k, _)| k == key)
        .expect("indicator")
        .1
}

/// A component's availability at time t, starting up at 0, with
/// exponential failure rate `l` and repair rate `m`.
pub fn point_availability(l: f64, m: f64, t: f64) -> f64 {
    if l == 0.0 {
        return 1.0;
    }
    m / (l + m) + l / (l + m) * (-(l + m) * t).exp()
}

/// P(at least k of n independent components are up), each up with probability a.
pub fn k_of_n(k: u32, n: u32, a: f64) -> f64 {
    (k..=n)
        .map(|i| binomial(n, i) * a.powi(i as i32) * (1.0 - a).powi((n - i) as i32))
        .sum()
}

fn binomial(n: u32, k: u32) -> f64 {
    (0..k).fold(1.0, |acc, i| acc * (n - i) as f64 / (i + 1) as f64)
}

/// (1/T) ∫₀ᵀ f(t) dt, by composite Simpson over the transient (whose slowest
/// time constant is `tau`) and the exact stationary value after it.
pub fn time_average(f: impl Fn(f64) -> f64, tau: f64, horizon: f64) -> f64 {
    let ts = (60.0 * tau).min(horizon);
    let n = 200_000;
    let h = ts / n as f64;
    let mut s = f(0.0) + f(ts);
    for i in 1..n {
        s += f(i as f64 * h) * if i % 2 == 1 { 4.0 } else { 2.0 };
    }
    let transient = s * h / 3.0;
    (transient + f(ts) * (horizon - ts)) / horizon
}

/// Asserts that the run's mean unavailability is within 4 standard errors
/// (about two 95% half-widths) of the exact value, and that the interval
/// is tight enough for the comparison to mean something.
pub fn assert_unavailability(r: &IndicatorResult, exact: f64, what: &str) {
    let u = &r.unavailability;
    let half = u.half_width().expect("interval");
    let se = half / 1.96;
    // The oracle table, for `cargo test --release --test suite oracle:: -- --nocapture`.
    println!(
        "{what:<40} simulated {:.5e} ± {half:.1e} (95%)   exact {exact:.5e}   off by {:+.2} s.e.",
        u.mean,
        (u.mean - exact) / se
    );
    assert!(
        (u.mean - exact).abs() <= 4.0 * se,
        "{what}: unavailability {:.6e} ± {:.2e} (95%), exact {exact:.6e}",
        u.mean,
        half
    );
    assert!(
        half < 0.1 * exact,
        "{what}: interval ±{half:.2e} too wide to test against {exact:.3e}"
    );
}

/// The index of indicator `key` in the model's indicators.
pub fn indicator_index(model: &Model, key: &str) -> usize {
    model
        .indicator_keys()
        .iter()
        .position(|k| k == key)
        .unwrap_or_else(|| panic!("no indicator {key}"))
}

/// Lengths of the ended outages of indicator `key`, over `replications`.
pub fn ended_outages(model: &Model, key: &str, replications: u64) -> Vec<f64> {
    let index = indicator_index(model, key);
    let mut cluster = Cluster::new(model);
    let mut found = Vec::new();
    for r in 0..replications {
        cluster.run(r, |i, d| {
            if i == index {
                found.push(d);
            }
        });
    }
    found
}

/// Every outage lasted `exact` seconds (to 1e-6 relative), and there was one.
#[track_caller]
pub fn assert_all(outages: &[f64], exact: f64, what: &str) {
    assert!(!outages.is_empty(), "{what}: no outages to check");
    for &d in outages {
        assert!(
            (d - exact).abs() <= 1e-6 * exact,
            "{what}: an outage of {d} s, expected {exact} s"
        );
    }
}

/// The workers in `failing` fail at `at` and are repaired after `repair`
/// (or replaced, with `replacement`: deleted `.0` after the failure, the
/// successor joining `.1` later); every other worker is perfect.
pub fn fail_workers_at(
    model: &mut Model,
    failing: &[usize],
    at: f64,
    repair: f64,
    replacement: Option<(f64, f64)>,
) {
    let perfect = model.host_classes.len() as u8;
    model.host_classes.push(Lifecycle {
        failure: Sampler::Never,
        repair: Sampler::Never,
    });
    model.host_classes.push(Lifecycle {
        failure: Sampler::fixed(at).unwrap(),
        repair: Sampler::fixed(repair).unwrap(),
    });
    model.disk_loss.resize(model.host_classes.len(), 0.0);
    model.replacement.push(None);
    model
        .replacement
        .push(replacement.map(|(after, provision)| ReplacementModel {
            after: Sampler::fixed(after).unwrap(),
            provision: Sampler::fixed(provision).unwrap(),
        }));
    let first = model.first_worker as usize;
    for (k, host) in model.hosts[first..].iter_mut().enumerate() {
        host.class = if failing.contains(&k) {
            perfect + 1
        } else {
            perfect
        };
    }
}

/// A Deployment of `replicas` pods, `min_available` needed, each starting
/// in `startup` seconds, with no placement rule, volume or requests.
pub fn deployment(name: &str, replicas: u32, min_available: u32, startup: f64) -> Workload {
    Workload {
        name: name.into(),
        replicas,
        min_available,
        startup: fixed(startup),
        anti_affinity: AntiAffinity::None,
        zone_spread: None,
        host_spread: None,
        preferred: Preferred::default(),
        rolling_update: None,
        progress_deadline: None,
        kind: WorkloadKind::Deployment,
        volume: None,
        requests: Resources::default(),
    }
}

/// The indicator's downtime per year charged to `cause`, minutes.
pub fn by_cause(ind: &IndicatorResult, cause: Cause) -> f64 {
    ind.downtime_minutes_per_year_by_cause
        .0
        .iter()
        .find(|(k, _)| k == cause.key())
        .unwrap_or_else(|| panic!("{} is not in the results", cause.key()))
        .1
        .mean
}

/// Seconds per replication as minutes per year over `horizon` seconds.
pub fn per_year_over(seconds: f64, horizon: f64) -> f64 {
    seconds / horizon * YEAR_SECONDS / 60.0
}

/// Runs the binary with `args` on `text` written to a file `name` of its
/// own (tests of one binary run at once, each in a directory of its own).
pub fn kubenines_on(name: &str, text: &str, args: &[&str]) -> std::process::Output {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("kubenines-test-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    let out = assert_cmd::Command::cargo_bin("kubenines")
        .expect("binary")
        .args(args)
        .arg(&path)
        .output()
        .expect("runs");
    std::fs::remove_dir_all(&dir).unwrap();
    out
}

/// The 1-based line and column where `needle` first appears in `text`.
pub fn position(text: &str, needle: &str) -> (usize, usize) {
    let (i, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not in the text"));
    (
        i + 1,
        line[..line.find(needle).unwrap()].chars().count() + 1,
    )
}

/// `kubenines run` refuses `text` with exit 2 and an error at
/// `bad.yaml:LINE:COLUMN: key: ` saying `words`, where the place is that
/// of `at` for an entry of a list (`key` ending in `]`), that of the key
/// itself on `at`'s line, or that of `at` (the mapping of a missing key).
#[track_caller]
pub fn assert_refused_at(text: &str, key: &str, at: &str, words: &str) {
    let out = kubenines_on("bad.yaml", text, &["run", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{key}: {stderr}");
    let (line, column) = position(text, at);
    let leaf = key.rsplit('.').next().unwrap();
    let row = text.lines().nth(line - 1).unwrap();
    let column = match row.find(leaf) {
        Some(i) if !key.ends_with(']') => row[..i].chars().count() + 1,
        _ => column,
    };
    let expected = format!("bad.yaml:{line}:{column}: {key}: ");
    assert!(stderr.contains(&expected), "want {expected:?} in {stderr}");
    assert!(stderr.contains(words), "want {words:?} in {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The data loss of cause `name` (a disaster's name, `quorum-loss`, ...).
pub fn cause<'a>(r: &'a Results, name: &str) -> &'a CauseLoss {
    r.data_loss.by_cause.get(name).expect("cause")
}
