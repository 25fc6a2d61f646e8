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

criterion_group!(benches, queue, samplers, replications);
criterion_main!(benches);
