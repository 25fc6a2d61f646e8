//! Criterion benches: the event queue, the samplers, and whole replications
//! of the reference scenarios.
//!
//! `cargo bench --bench engine` (add `-- replication` to run one group).

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use kubenines::engine::{EventQueue, Sampler, StreamId, stream};
use kubenines::model::Model;
use kubenines::runner::{RunOptions, Worker, run};
use kubenines::scenario;
use rand::RngExt;

/// The "hold" model: a queue of `size` pending events, each step pops the
/// earliest and schedules one later, as a simulation does.
fn queue(c: &mut Criterion) {
    let mut g = c.benchmark_group("queue");
    for size in [8usize, 32, 256] {
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("hold/{size}"), |b| {
            let mut rng = stream(1, 0, StreamId::new(0, 0));
            let mut q = EventQueue::new(f64::MAX);
            for i in 0..size {
                q.schedule(rng.random::<f64>(), i as u32);
            }
            b.iter(|| {
                let (t, e) = q.pop().expect("non-empty");
                q.schedule(t + rng.random::<f64>(), black_box(e));
            })
        });
    }
    g.finish();
}

fn samplers(c: &mut Criterion) {
    let mut g = c.benchmark_group("sample");
    g.throughput(Throughput::Elements(1));
    let cases = [
        ("exponential", Sampler::exponential(3600.0)),
        ("weibull", Sampler::weibull(0.8, 3.0e7)),
        ("lognormal", Sampler::lognormal(7.5, 1.0)),
        ("gamma", Sampler::gamma(2.5, 100.0)),
        ("uniform", Sampler::uniform(1.0, 2.0)),
    ];
    for (name, s) in cases {
        let s = s.expect("valid parameters");
        let mut rng = stream(1, 0, StreamId::new(0, 0));
        g.bench_function(name, |b| b.iter(|| black_box(s.sample(&mut rng))));
    }
    g.finish();
}

fn load(name: &str) -> Model {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let s = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    Model::build(&s).unwrap_or_else(|e| panic!("{e}"))
}

/// Whole replications (10 simulated years each) on one thread, and a full
/// 2,000-replication run on all cores.
fn replications(c: &mut Criterion) {
    let mut g = c.benchmark_group("replication");
    for name in [
        "stacked-3.yaml",
        "external-3x3.yaml",
        "stacked-2.yaml",
        "production-workloads.yaml",
        // Production, and the same with its changes (issue 15's budget:
        // within 15% of production's cost per event).
        "production.yaml",
        "production-changes.yaml",
        // Two production clusters in two regions (issue 17's budget: at
        // most 2.2 times production per replication).
        "fleets/two-regions.yaml",
    ] {
        let model = load(name);
        let mut worker = Worker::new(&model);
        let mut r = 0u64;
        g.throughput(Throughput::Elements(32));
        g.bench_function(format!("{name}/32-replications"), |b| {
            b.iter(|| {
                r += 32;
                black_box(worker.run_chunk(r..r + 32))
            })
        });
    }
    // The cost of hourly backups where data can be lost: stacked-3 with
    // disk loss and a recovery, with and without snapshots every hour.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stacked-3.yaml");
    let mut at_risk = scenario::load(&path).unwrap_or_else(|e| panic!("{e}"));
    at_risk.control_plane.node_disk_loss = 0.2;
    at_risk.control_plane.etcd.member_replace = Some(scenario::Distribution::Fixed(1800.0));
    at_risk.recovery = Some(scenario::Recovery {
        detection: 300.0,
        force_new_cluster: scenario::Distribution::Fixed(3600.0),
        restore: scenario::Distribution::Fixed(7200.0),
    });
    let mut hourly = at_risk.clone();
    hourly.backups = Some(scenario::Backups {
        interval: 3600.0,
        duration: 120.0,
        success: 0.99,
    });
    for (name, s) in [
        ("disk-loss", &at_risk),
        ("disk-loss+hourly-backups", &hourly),
    ] {
        let model = Model::build(s).unwrap_or_else(|e| panic!("{e}"));
        let mut worker = Worker::new(&model);
        let mut r = 0u64;
        g.throughput(Throughput::Elements(32));
        g.bench_function(format!("stacked-3/{name}/32-replications"), |b| {
            b.iter(|| {
                r += 32;
                black_box(worker.run_chunk(r..r + 32))
            })
        });
    }
    let model = load("stacked-3.yaml");
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    g.sample_size(20);
    g.bench_function("stacked-3.yaml/2000-replications/all-cores", |b| {
        b.iter_batched(
            || RunOptions {
                replications: 2000,
                first: 0,
                threads,
            },
            |o| black_box(run(&model, &o, &|_| {}).expect("run")),
            BatchSize::SmallInput,
        )
    });
    g.finish();
}

/// Production (`scenarios/production.yaml`) with `workers` workers and
/// `pods` pods: `pods / 10` workloads of 10 replicas like `web` (host
/// anti-affinity, zone spread 1, 8 of 10 needed), monthly maintenance.
/// 6 workers and 5 pods is production itself.
fn ladder_scenario(workers: u32, pods: u32) -> scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/production.yaml");
    let mut text = std::fs::read_to_string(&path).expect("production.yaml");
    if (workers, pods) != (6, 5) {
        text = text.replace(
            "workers:\n  nodes: 6",
            &format!("workers:\n  nodes: {workers}"),
        );
        let head = &text[..text.find("workloads:\n").expect("workloads")];
        let tail = &text[text.find("\nmaintenance:").expect("maintenance")..];
        let mut workloads = String::from("workloads:\n");
        for i in 0..pods / 10 {
            workloads += &format!(
                "  - name: app-{i}\n    replicas: 10\n    min_available: 8\n    \
                 startup: lognormal(median=20s, sigma=0.5)\n    anti_affinity: host\n    \
                 zone_spread: 1\n"
            );
        }
        text = format!(
            "{head}{workloads}{}",
            tail.replace("workload/web", "workload/app-0")
        );
    }
    let format = scenario::Format::Yaml;
    scenario::parse_str(&text, "ladder", format).unwrap_or_else(|e| panic!("{e}"))
}

/// Issue 16's ladder: one replication (10 simulated years) of clusters from
/// 6 workers with 5 pods to 1,000 workers with 3,000 pods, on one thread.
/// The targets: at 300 workers and 500 pods, events per second at least
/// half of production's; at 1,000 and 3,000, 100 cluster-years a second.
fn ladder(c: &mut Criterion) {
    let mut g = c.benchmark_group("ladder");
    g.sample_size(10);
    for (workers, pods) in [(6, 5), (30, 30), (120, 60), (300, 500), (1000, 3000)] {
        let s = ladder_scenario(workers, pods);
        let model = Model::build(&s).unwrap_or_else(|e| panic!("{e}"));
        let mut worker = Worker::new(&model);
        let mut r = 0u64;
        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("{workers}-workers-{pods}-pods/replication"), |b| {
            b.iter(|| {
                r += 1;
                black_box(worker.run_chunk(r..r + 1))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, queue, samplers, replications, ladder);
criterion_main!(benches);
