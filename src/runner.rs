//! Runs replications in parallel and merges their results deterministically.
//!
//! Replications are cut into fixed chunks of [`CHUNK`]; each chunk runs
//! sequentially on one worker, and chunk summaries are merged in chunk order.
//! The cut does not depend on the thread count, so neither does any bit of
//! the result. Chunks are processed in waves of [`WAVE`] so memory stays
//! bounded however many replications are asked for.

use std::ops::{ControlFlow, Range};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::model::{Change, Cluster, IndicatorRun, Loss, Model, Sink};
use crate::stats::{DurationSketch, MeanVar};

/// Replications per chunk: the unit of work and of merging.
pub const CHUNK: u64 = 32;
/// Chunks in flight at once.
pub const WAVE: u64 = 64;
pub use crate::BLOCK;

/// What to run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Replications to run: indices `first .. first + replications`.
    pub replications: u64,
    pub first: u64,
    /// Worker threads (>= 1).
    pub threads: usize,
}

/// One indicator over many replications. Serialised exactly (partial
/// results of shards); the pending values are not: a block's are empty.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSummary {
    /// Per replication: downtime / horizon.
    pub unavailability: MeanVar,
    /// Per replication: outages begun / horizon in years.
    pub outages_per_year: MeanVar,
    /// Lengths of outages that ended within the horizon, seconds.
    pub outage_seconds: DurationSketch,
    /// Outage lengths not yet counted into `outage_seconds`: a chunk hands
    /// its raw lengths over and the in-order merge counts them into the one
    /// running sketch, so no sketch is built (and grown) per chunk.
    #[serde(skip)]
    pub pending_outages: Vec<f64>,
    /// Outages still open at the horizon.
    pub censored: u64,
    /// Per replication and cause (in [`Model::causes`] order): downtime
    /// charged to that cause / horizon. Sums to `unavailability`.
    pub unavailability_by_cause: Vec<MeanVar>,
    /// Per replication: failed-request seconds / horizon, the time-average
    /// share of client requests that fail (0 for indicators without
    /// requests, see [`Model::has_requests`]).
    pub failed_requests: MeanVar,
    /// Per replication: seconds up but with some requests failing / horizon
    /// (0 for indicators without requests).
    pub degraded: MeanVar,
    /// Per replication, in models with capacities or the autoscaler only (else empty, and not
    /// written): seconds with a pod Pending / horizon.
    #[serde(default, skip_serializing_if = "MeanVar::is_empty")]
    pub pending: MeanVar,
}

impl IndicatorSummary {
    /// An empty summary of an indicator whose downtime is charged to `causes` causes.
    pub fn new(causes: usize) -> IndicatorSummary {
        IndicatorSummary {
            unavailability_by_cause: vec![MeanVar::default(); causes],
            ..IndicatorSummary::default()
        }
    }

    /// Adds one replication's figures (outage lengths go through the sink).
    #[inline]
    pub fn push(&mut self, ind: &IndicatorRun, horizon: f64, years: f64) {
        self.unavailability.push(ind.downtime / horizon);
        self.outages_per_year.push(ind.outages as f64 / years);
        self.censored += ind.censored as u64;
        for (a, &d) in self
            .unavailability_by_cause
            .iter_mut()
            .zip(&ind.downtime_by_cause)
        {
            a.push(d / horizon);
        }
        self.failed_requests
            .push(ind.failed_request_seconds / horizon);
        self.degraded.push(ind.degraded_seconds / horizon);
    }

    pub fn merge(&mut self, other: &IndicatorSummary) {
        self.unavailability.merge(&other.unavailability);
        for (a, b) in self
            .unavailability_by_cause
            .iter_mut()
            .zip(&other.unavailability_by_cause)
        {
            a.merge(b);
        }
        self.outages_per_year.merge(&other.outages_per_year);
        self.failed_requests.merge(&other.failed_requests);
        self.degraded.merge(&other.degraded);
        self.pending.merge(&other.pending);
        self.outage_seconds.merge(&other.outage_seconds);
        self.outage_seconds.extend(&other.pending_outages);
        self.outage_seconds.extend(&self.pending_outages);
        self.pending_outages.clear();
        self.censored += other.censored;
    }
}

/// Data lost over many replications, for one cause or all.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LossSummary {
    /// Per replication: data-loss events / horizon in years.
    pub events_per_year: MeanVar,
    /// History lost per event, seconds.
    pub rpo_seconds: DurationSketch,
    /// Time until the API was writable again, per event that recovered
    /// within the horizon, seconds.
    pub rto_seconds: DurationSketch,
    /// Per replication: events with nothing to restore (data lost for
    /// good) / horizon in years; empty unless the model can lose data so.
    #[serde(default, skip_serializing_if = "MeanVar::is_empty")]
    pub lost_per_year: MeanVar,
    /// Raw values not yet counted into the sketches (see `pending_outages`).
    #[serde(skip)]
    pub pending_rpo: Vec<f64>,
    #[serde(skip)]
    pub pending_rto: Vec<f64>,
}

impl LossSummary {
    /// Events with nothing to restore in all replications of `years` each
    /// (from their per-replication rates).
    pub fn lost_events(&self, years: f64) -> u64 {
        let l = &self.lost_per_year;
        (l.mean() * l.count() as f64 * years).round() as u64
    }

    /// The share of events with nothing to restore, of `years` each.
    pub fn lost_share(&self, years: f64) -> f64 {
        let lost = self.lost_events(years);
        let events = lost + self.rpo_seconds.count();
        if events == 0 {
            0.0
        } else {
            lost as f64 / events as f64
        }
    }

    pub fn merge(&mut self, other: &LossSummary) {
        self.events_per_year.merge(&other.events_per_year);
        self.lost_per_year.merge(&other.lost_per_year);
        for (sketch, mine, theirs, more) in [
            (
                &mut self.rpo_seconds,
                &mut self.pending_rpo,
                &other.pending_rpo,
                &other.rpo_seconds,
            ),
            (
                &mut self.rto_seconds,
                &mut self.pending_rto,
                &other.pending_rto,
                &other.rto_seconds,
            ),
        ] {
            sketch.merge(more);
            sketch.extend(theirs);
            sketch.extend(mine);
            mine.clear();
        }
    }
}

/// Results of many replications, mergeable in order.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    pub replications: u64,
    /// One per indicator, in the model's order.
    pub indicators: Vec<IndicatorSummary>,
    /// Data lost, all causes together.
    pub data_loss: LossSummary,
    /// Data lost per cause, in [`Model::data_causes`] order.
    pub data_loss_by_cause: Vec<LossSummary>,
    /// Data lost per scope, in [`Model::data_scopes`] order (empty when
    /// all data lost is etcd's).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub data_loss_by_scope: Vec<LossSummary>,
    /// Events processed (for performance figures).
    pub events: u64,
    /// Per backup entry, when some entry fails silently (else empty).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub backups: Vec<BackupSummary>,
}

/// One backup entry's silent failures over many replications.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSummary {
    /// Per replication: the share of the horizon its job was failing
    /// unnoticed or being fixed.
    pub failing: MeanVar,
    /// Per replication: the share of the horizon nothing of it was
    /// restorable because of a silent failure.
    pub nothing: MeanVar,
    /// Per replication: silent failures found / horizon in years.
    pub found_per_year: MeanVar,
}

impl Summary {
    /// An empty summary with room for every indicator and data-loss cause of `model`.
    pub fn new(model: &Model) -> Self {
        Summary {
            replications: 0,
            indicators: (0..model.indicator_count())
                .map(|i| IndicatorSummary::new(model.cause_count(i)))
                .collect(),
            data_loss: LossSummary::default(),
            data_loss_by_cause: vec![LossSummary::default(); model.data_cause_count()],
            data_loss_by_scope: vec![LossSummary::default(); model.data_scopes().len()],
            events: 0,
            backups: if model.tracks_silent_failures() {
                vec![BackupSummary::default(); model.backups.len()]
            } else {
                Vec::new()
            },
        }
    }

    /// Every duration sketch, in a fixed order: outage lengths per
    /// indicator, then RPO and RTO of all data loss, then per cause, then
    /// per scope.
    pub fn sketches_mut(&mut self) -> impl Iterator<Item = &mut DurationSketch> {
        self.indicators
            .iter_mut()
            .map(|i| &mut i.outage_seconds)
            .chain(
                std::iter::once(&mut self.data_loss)
                    .chain(self.data_loss_by_cause.iter_mut())
                    .chain(self.data_loss_by_scope.iter_mut())
                    .flat_map(|l| [&mut l.rpo_seconds, &mut l.rto_seconds]),
            )
    }

    /// Counts every pending value into its sketch, in order.
    fn fold_pending(&mut self) {
        for i in &mut self.indicators {
            i.outage_seconds.extend(&i.pending_outages);
            i.pending_outages.clear();
        }
        for l in std::iter::once(&mut self.data_loss)
            .chain(self.data_loss_by_cause.iter_mut())
            .chain(self.data_loss_by_scope.iter_mut())
        {
            l.rpo_seconds.extend(&l.pending_rpo);
            l.pending_rpo.clear();
            l.rto_seconds.extend(&l.pending_rto);
            l.pending_rto.clear();
        }
    }

    /// Appends `other`, which must cover the replications right after these.
    pub fn merge(&mut self, other: &Summary) {
        self.replications += other.replications;
        self.events += other.events;
        for (a, b) in self.indicators.iter_mut().zip(&other.indicators) {
            a.merge(b);
        }
        self.data_loss.merge(&other.data_loss);
        for (a, b) in self
            .data_loss_by_cause
            .iter_mut()
            .zip(&other.data_loss_by_cause)
        {
            a.merge(b);
        }
        for (a, b) in self
            .data_loss_by_scope
            .iter_mut()
            .zip(&other.data_loss_by_scope)
        {
            a.merge(b);
        }
        for (a, b) in self.backups.iter_mut().zip(&other.backups) {
            a.failing.merge(&b.failing);
            a.nothing.merge(&b.nothing);
            a.found_per_year.merge(&b.found_per_year);
        }
    }
}

/// A finished run: the summary and how long it took.
#[derive(Clone, Debug)]
pub struct Run {
    pub summary: Summary,
    pub wall: Duration,
    /// CPU time of the whole process during the run, all threads, when the
    /// platform tells it. Unlike wall time it excludes time the machine was
    /// taken away (a virtual machine's steal time), so it is the steadier
    /// measure of the simulator's own speed on a shared host.
    pub cpu: Option<Duration>,
    pub threads: usize,
}

/// CPU time consumed so far by this process (all threads).
pub fn process_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &mut ts) };
    (rc == 0).then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("could not start {threads} worker threads: {source}")]
    Threads {
        threads: usize,
        source: rayon::ThreadPoolBuildError,
    },
    #[error(
        "replication {} exceeded the event budget: {} events by {:.3} simulated years",
        .0.replication, .0.events, .0.reached / crate::scenario::YEAR_SECONDS
    )]
    EventBudget(Overrun),
    /// A run of several designs failed in design `design`.
    #[error("design {design}: {source}")]
    Design {
        design: usize,
        source: Box<RunError>,
    },
}

/// Runs `replications` of `model`, reporting the count finished so far to `progress`.
pub fn run(
    model: &Model,
    options: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Run, RunError> {
    run_until(model, options, None, &mut |_| false, progress)
}

/// As [`run`], and after every `batch` replications (if any; a multiple of
/// [`BLOCK`]) asks `stop` whether the summary so far is enough; if so the
/// run ends there. The checks fall on block boundaries, where the summary
/// is the same whatever the thread count, so the stopping point and the
/// result are too; a run stopped after `n` replications is bit-identical
/// to a run of `n`.
pub fn run_until(
    model: &Model,
    options: &RunOptions,
    batch: Option<u64>,
    stop: &mut (dyn FnMut(&Summary) -> bool + Send),
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Run, RunError> {
    run_until_recording(model, options, batch, stop, progress, false).map(|(run, _)| run)
}

/// Each replication's unavailability (downtime / horizon), per indicator
/// (`values[i][r]`), in replication order.
pub type Recorded = Vec<Vec<f64>>;

/// As [`run_until`], and when `record` is set also returns each
/// replication's unavailability per indicator, for paired comparisons.
pub fn run_until_recording(
    model: &Model,
    options: &RunOptions,
    batch: Option<u64>,
    stop: &mut (dyn FnMut(&Summary) -> bool + Send),
    progress: &(dyn Fn(u64) + Sync),
    record: bool,
) -> Result<(Run, Recorded), RunError> {
    debug_assert!(
        batch.is_none_or(|b| b > 0 && b.is_multiple_of(BLOCK)),
        "batches are whole blocks"
    );
    let (pool, clock) = start_pool(options)?;
    let range = options.first..options.first + options.replications;
    let mut summary = Summary::new(model);
    let mut values: Recorded = vec![Vec::new(); if record { model.indicator_count() } else { 0 }];
    let empty = || (Summary::new(model), Recorded::new());
    let overruns = Overruns::new();
    fold_blocks(
        &pool,
        range,
        &|| Worker::new(model),
        &|worker, r| {
            let mut v = Recorded::new();
            let part =
                worker.run_chunk_recording(r, record.then_some(&mut v), &|r| overruns.skips(r));
            (overruns.chunk(model, part), v)
        },
        &empty,
        &|acc: &mut (Summary, Recorded), part: &(Summary, Recorded)| {
            acc.0.merge(&part.0);
            append(&mut acc.1, &part.1);
        },
        progress,
        &mut |_, block| {
            summary.merge(&block.0);
            append(&mut values, &block.1);
            let done = summary.replications;
            let checkpoint = batch.is_some_and(|b| done.is_multiple_of(b));
            if checkpoint && done < options.replications && stop(&summary) {
                ControlFlow::Break(())
            } else {
                ControlFlow::Continue(())
            }
        },
        &|| overruns.any(),
    );
    overruns.result((clock.finish(summary), values))
}

/// Appends recorded values indicator by indicator.
fn append(acc: &mut Recorded, part: &Recorded) {
    if acc.len() < part.len() {
        acc.resize(part.len(), Vec::new());
    }
    for (a, p) in acc.iter_mut().zip(part) {
        a.extend_from_slice(p);
    }
}

/// The summaries of consecutive blocks, in order: what a shard hands to `merge`.
#[derive(Clone, Debug)]
pub struct Blocks {
    /// Index of the first block (its first replication is `first * BLOCK`).
    pub first: u64,
    pub summaries: Vec<Summary>,
    pub wall: Duration,
    pub cpu: Option<Duration>,
    pub threads: usize,
}

/// Runs replications `options.first ..` (a multiple of [`BLOCK`]) and keeps
/// each block's summary apart, for a later in-order fold ([`fold`]).
pub fn run_blocks(
    model: &Model,
    options: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Blocks, RunError> {
    let (pool, clock) = start_pool(options)?;
    let range = options.first..options.first + options.replications;
    let mut summaries = Vec::new();
    let overruns = Overruns::new();
    fold_blocks(
        &pool,
        range,
        &|| Worker::new(model),
        &|worker, r| {
            let part = worker.run_chunk_recording(r, None, &|r| overruns.skips(r));
            overruns.chunk(model, part)
        },
        &|| Summary::new(model),
        &|acc, part| acc.merge(part),
        progress,
        &mut |_, block| {
            summaries.push(block);
            ControlFlow::Continue(())
        },
        &|| overruns.any(),
    );
    let run = clock.finish(Summary::default());
    overruns.result(Blocks {
        first: options.first / BLOCK,
        summaries,
        wall: run.wall,
        cpu: run.cpu,
        threads: run.threads,
    })
}

/// Folds block summaries, in order, into the summary of their replications:
/// exactly what [`run`] computes for them.
pub fn fold<'a>(model: &Model, blocks: impl IntoIterator<Item = &'a Summary>) -> Summary {
    let mut summary = Summary::new(model);
    for b in blocks {
        summary.merge(b);
    }
    summary
}

/// Simulates the chunks of `range` in parallel, in waves, and folds them in
/// chunk order into block summaries, each handed to `on_block` in block
/// order (with its replications) as soon as it is complete. `range.start`
/// must be a multiple of [`BLOCK`]. The cut into chunks and blocks depends
/// only on the replication indices, never on the thread count.
///
/// The fold of one wave (on one thread) overlaps the simulation of the
/// next, so no worker waits for it. When `on_block` breaks, nothing more is
/// folded (a wave already simulated is dropped); once `aborted` says so
/// (checked between waves), nothing more is simulated or folded.
#[allow(clippy::too_many_arguments)]
fn fold_blocks<W, T: Send>(
    pool: &rayon::ThreadPool,
    range: Range<u64>,
    worker: &(dyn Fn() -> W + Sync),
    chunk: &(dyn Fn(&mut W, Range<u64>) -> T + Sync),
    empty: &(dyn Fn() -> T + Sync),
    merge: &(dyn Fn(&mut T, &T) + Sync),
    progress: &(dyn Fn(u64) + Sync),
    on_block: &mut (dyn FnMut(Range<u64>, T) -> ControlFlow<()> + Send),
    aborted: &(dyn Fn() -> bool + Sync),
) {
    debug_assert!(
        range.start.is_multiple_of(BLOCK),
        "blocks are aligned to BLOCK"
    );
    let chunk_range = |c: u64| {
        let lo = range.start + c * CHUNK;
        lo..(lo + CHUNK).min(range.end)
    };
    let total_chunks = (range.end - range.start).div_ceil(CHUNK);
    let mut block: Option<T> = None;
    let mut block_start = range.start;
    let mut stopped = false;
    let mut pending: Vec<(Range<u64>, T)> = Vec::new();
    let mut next = 0;
    while !stopped && !aborted() && (next < total_chunks || !pending.is_empty()) {
        let wave_end = (next + WAVE).min(total_chunks);
        let ((), parts) = pool.install(|| {
            rayon::join(
                || {
                    for (r, part) in pending.drain(..) {
                        merge(block.get_or_insert_with(empty), &part);
                        if r.end.is_multiple_of(BLOCK) || r.end == range.end {
                            let done = block.take().unwrap_or_else(empty);
                            if on_block(block_start..r.end, done).is_break() {
                                stopped = true;
                                return;
                            }
                            block_start = r.end;
                        }
                    }
                },
                || {
                    (next..wave_end)
                        .into_par_iter()
                        .map_init(worker, |w, c| {
                            let r = chunk_range(c);
                            let part = chunk(w, r.clone());
                            progress(r.end - r.start);
                            (r, part)
                        })
                        .collect::<Vec<_>>()
                },
            )
        });
        pending = parts;
        next = wave_end;
    }
}

/// The worker pool of a run, and when it started.
fn start_pool(options: &RunOptions) -> Result<(rayon::ThreadPool, Clock), RunError> {
    let threads = options.threads.max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|source| RunError::Threads { threads, source })?;
    let clock = Clock {
        start: Instant::now(),
        cpu_start: process_cpu_time(),
        threads,
    };
    Ok((pool, clock))
}

/// Wall and CPU time since a run started.
#[derive(Clone, Copy)]
struct Clock {
    start: Instant,
    cpu_start: Option<Duration>,
    threads: usize,
}

impl Clock {
    /// The finished run of `summary`, timed from the start.
    fn finish(&self, summary: Summary) -> Run {
        let cpu = match (self.cpu_start, process_cpu_time()) {
            (Some(a), Some(b)) => b.checked_sub(a),
            _ => None,
        };
        Run {
            summary,
            wall: self.start.elapsed(),
            cpu,
            threads: self.threads,
        }
    }
}

/// A worker thread's reusable state.
pub struct Worker<'m> {
    model: &'m Model,
    /// The cluster a scenario runs; a fleet runs `fleet` instead.
    cluster: Option<Cluster<'m>>,
    fleet: Vec<Cluster<'m>>,
}

impl<'m> Worker<'m> {
    pub fn new(model: &'m Model) -> Self {
        match &model.fleet {
            None => Worker {
                model,
                cluster: Some(Cluster::new(model)),
                fleet: Vec::new(),
            },
            Some(f) => Worker {
                model,
                cluster: None,
                fleet: f.clusters.iter().map(|c| Cluster::new(&c.model)).collect(),
            },
        }
    }

    /// Runs consecutive replications and summarises them; the first to
    /// exceed the event budget ends the chunk with an error.
    pub fn run_chunk(&mut self, replications: std::ops::Range<u64>) -> Result<Summary, Overrun> {
        self.run_chunk_recording(replications, None, &|_| false)
    }

    /// As [`Self::run_chunk`], and appends each replication's unavailability
    /// (downtime / horizon) per indicator to `record[indicator]`. Stops
    /// early (the summary is then partial) before a replication for which
    /// `skip` says yes.
    pub fn run_chunk_recording(
        &mut self,
        replications: std::ops::Range<u64>,
        mut record: Option<&mut Vec<Vec<f64>>>,
        skip: &dyn Fn(u64) -> bool,
    ) -> Result<Summary, Overrun> {
        let model = self.model;
        let Some(cluster) = self.cluster.as_mut() else {
            return self.run_fleet_chunk(replications, record, skip);
        };
        let mut part = Summary::new(model);
        let mut held = 0;
        let horizon = model.horizon;
        let years = model.horizon_years();
        for r in replications {
            if skip(r) {
                break;
            }
            let sink = ChunkSink {
                part: &mut part,
                held: &mut held,
            };
            let run = cluster.run_with(r, sink);
            if let Some(reached) = run.exceeded {
                return Err(Overrun {
                    replication: r,
                    events: run.events,
                    reached,
                });
            }
            if let Some(record) = record.as_deref_mut() {
                record.resize(run.indicators.len(), Vec::new());
                for (values, ind) in record.iter_mut().zip(run.indicators) {
                    values.push(ind.downtime / horizon);
                }
            }
            for (acc, ind) in part.indicators.iter_mut().zip(run.indicators) {
                acc.push(ind, horizon, years);
                if model.tracks_pending() {
                    acc.pending.push(ind.pending_seconds / horizon);
                }
            }
            let data = run.data;
            let total: u32 = data.events.iter().sum();
            part.data_loss.events_per_year.push(total as f64 / years);
            for (acc, &n) in part.data_loss_by_cause.iter_mut().zip(&data.events) {
                acc.events_per_year.push(n as f64 / years);
            }
            for (acc, &n) in part.data_loss_by_scope.iter_mut().zip(&data.scope_events) {
                acc.events_per_year.push(n as f64 / years);
            }
            for (e, acc) in part.backups.iter_mut().enumerate() {
                acc.failing.push(data.failing[e] / horizon);
                acc.nothing.push(data.nothing[e] / horizon);
                acc.found_per_year.push(data.found[e] as f64 / years);
            }
            if model.can_lose_for_good() {
                let lost: u32 = data.lost.iter().sum();
                part.data_loss.lost_per_year.push(lost as f64 / years);
                for (acc, &n) in part.data_loss_by_cause.iter_mut().zip(&data.lost) {
                    acc.lost_per_year.push(n as f64 / years);
                }
                for (acc, &n) in part.data_loss_by_scope.iter_mut().zip(&data.scope_lost) {
                    acc.lost_per_year.push(n as f64 / years);
                }
            }
            part.events += run.events;
            part.replications += 1;
        }
        Ok(part)
    }

    /// [`Self::run_chunk_recording`] for a fleet: each replication runs
    /// every cluster (its indicators and data loss go to the fleet's at its
    /// offsets), then computes the services from the changes of the
    /// indicators serving them.
    fn run_fleet_chunk(
        &mut self,
        replications: std::ops::Range<u64>,
        mut record: Option<&mut Vec<Vec<f64>>>,
        skip: &dyn Fn(u64) -> bool,
    ) -> Result<Summary, Overrun> {
        let model = self.model;
        let Some(fleet) = model.fleet.as_deref() else {
            return Ok(Summary::new(model));
        };
        let mut part = Summary::new(model);
        let mut held = 0;
        let horizon = model.horizon;
        let years = model.horizon_years();
        // The changes of each service member's indicator, per cluster:
        // (indicator in the cluster, its changes).
        let mut watched: Vec<Vec<(usize, Vec<Change>)>> = fleet
            .clusters
            .iter()
            .enumerate()
            .map(|(c, _)| {
                let mut w: Vec<(usize, Vec<Change>)> = Vec::new();
                for s in &fleet.services {
                    for &(mc, i) in &s.members {
                        if mc == c && !w.iter().any(|(j, _)| *j == i) {
                            w.push((i, Vec::new()));
                        }
                    }
                }
                w
            })
            .collect();
        let mut values: Vec<f64> = Vec::new();
        let lost_for_good = model.can_lose_for_good();
        for r in replications {
            if skip(r) {
                break;
            }
            values.clear();
            let mut data_events = 0u32;
            let mut data_lost = 0u32;
            for (c, cluster) in self.fleet.iter_mut().enumerate() {
                let fc = &fleet.clusters[c];
                for (_, changes) in &mut watched[c] {
                    changes.clear();
                }
                let sink = FleetSink {
                    sink: ChunkSink {
                        part: &mut part,
                        held: &mut held,
                    },
                    first_indicator: fc.first_indicator,
                    first_data_cause: fc.first_data_cause as u16,
                    causes: &fc.model.causes,
                    watched: &mut watched[c],
                };
                let run = cluster.run_with(r, sink);
                if let Some(reached) = run.exceeded {
                    return Err(Overrun {
                        replication: r,
                        events: run.events,
                        reached,
                    });
                }
                for (k, ind) in run.indicators.iter().enumerate() {
                    part.indicators[fc.first_indicator + k].push(ind, horizon, years);
                    values.push(ind.downtime / horizon);
                }
                for (k, &n) in run.data.events.iter().enumerate() {
                    part.data_loss_by_cause[fc.first_data_cause + k]
                        .events_per_year
                        .push(n as f64 / years);
                    data_events += n;
                }
                // Events with nothing to restore, per cluster cause, when
                // some cluster can lose data so.
                if lost_for_good {
                    for (k, &n) in run.data.lost.iter().enumerate() {
                        part.data_loss_by_cause[fc.first_data_cause + k]
                            .lost_per_year
                            .push(n as f64 / years);
                        data_lost += n;
                    }
                }
                part.events += run.events;
            }
            let mut service_values = Vec::with_capacity(fleet.services.len());
            for (si, service) in fleet.services.iter().enumerate() {
                let members: Vec<&[Change]> = service
                    .members
                    .iter()
                    .map(|&(c, i)| {
                        watched[c]
                            .iter()
                            .find(|(j, _)| *j == i)
                            .map_or(&[][..], |(_, ch)| &ch[..])
                    })
                    .collect();
                let run = service.run(&members, horizon, model.seed, r, si as u32);
                part.indicators[si].push(&run.indicator, horizon, years);
                part.indicators[si].pending_outages.extend(&run.outages);
                service_values.push(run.indicator.downtime / horizon);
                let loss = &mut part.data_loss_by_cause[si];
                loss.events_per_year
                    .push(run.failovers.len() as f64 / years);
                data_events += run.failovers.len() as u32;
                for &(rpo, rto) in &run.failovers {
                    loss.pending_rpo.push(rpo);
                    part.data_loss.pending_rpo.push(rpo);
                    if let Some(rto) = rto {
                        loss.pending_rto.push(rto);
                        part.data_loss.pending_rto.push(rto);
                    }
                }
                held += run.outages.len() + 2 * run.failovers.len();
                if held >= PENDING_LIMIT {
                    part.fold_pending();
                    held = 0;
                }
            }
            part.data_loss
                .events_per_year
                .push(data_events as f64 / years);
            if lost_for_good {
                part.data_loss.lost_per_year.push(data_lost as f64 / years);
            }
            if let Some(record) = record.as_deref_mut() {
                record.resize(model.indicator_count(), Vec::new());
                for (values, v) in record.iter_mut().zip(service_values.iter().chain(&values)) {
                    values.push(*v);
                }
            }
            part.replications += 1;
        }
        Ok(part)
    }
}

/// A fleet cluster's sink: its outages and data loss go to the fleet's
/// summary at the cluster's offsets; the changes of the indicators its
/// services watch are kept.
struct FleetSink<'a> {
    sink: ChunkSink<'a>,
    first_indicator: usize,
    first_data_cause: u16,
    causes: &'a crate::model::CauseList,
    watched: &'a mut Vec<(usize, Vec<Change>)>,
}

impl Sink for FleetSink<'_> {
    #[inline]
    fn outage(&mut self, indicator: usize, seconds: f64) {
        self.sink.outage(self.first_indicator + indicator, seconds);
    }

    fn takes_data(&self) -> bool {
        true
    }

    fn rpo(&mut self, loss: Loss) {
        self.sink.rpo(Loss {
            cause: self.first_data_cause + loss.cause,
            ..loss
        });
    }

    fn rto(&mut self, loss: Loss) {
        self.sink.rto(Loss {
            cause: self.first_data_cause + loss.cause,
            ..loss
        });
    }

    fn takes_states(&self) -> bool {
        true
    }

    #[inline]
    fn state(&mut self, indicator: usize, now: f64, cause: Option<crate::model::Cause>) {
        if let Some((_, changes)) = self.watched.iter_mut().find(|(i, _)| *i == indicator) {
            changes.push((now, cause.map(|c| self.causes.slot(c) as u16)));
        }
    }
}

/// Outage, RPO and RTO values a chunk holds before folding them into its
/// own sketches. Below it (every shipped scenario, by far) a chunk hands
/// its raw values to the in-order merge, which counts them into the block's
/// sketch; a chunk that reaches it (an outage storm) folds them as it goes,
/// so memory stays bounded. The sketches' counts are the same either way;
/// only the floating-point sum behind the mean outage length is added up in
/// another order, still the same for any thread count and shard cut.
pub const PENDING_LIMIT: usize = 1 << 16;

/// Where a chunk's replications put their outage lengths and data-loss
/// figures: its summary's pending values, folded at [`PENDING_LIMIT`].
struct ChunkSink<'a> {
    part: &'a mut Summary,
    /// Values held unfolded in the chunk so far.
    held: &'a mut usize,
}

impl ChunkSink<'_> {
    #[inline]
    fn held(&mut self, n: usize) {
        *self.held += n;
        if *self.held >= PENDING_LIMIT {
            self.part.fold_pending();
            *self.held = 0;
        }
    }
}

impl Sink for ChunkSink<'_> {
    #[inline]
    fn outage(&mut self, indicator: usize, seconds: f64) {
        self.part.indicators[indicator]
            .pending_outages
            .push(seconds);
        self.held(1);
    }

    fn takes_data(&self) -> bool {
        true
    }

    fn rpo(&mut self, loss: Loss) {
        let part = &mut *self.part;
        part.data_loss.pending_rpo.push(loss.seconds);
        part.data_loss_by_cause[loss.cause as usize]
            .pending_rpo
            .push(loss.seconds);
        if let Some(scope) = part.data_loss_by_scope.get_mut(loss.scope as usize) {
            scope.pending_rpo.push(loss.seconds);
            self.held(1);
        }
        self.held(2);
    }

    fn rto(&mut self, loss: Loss) {
        let part = &mut *self.part;
        part.data_loss.pending_rto.push(loss.seconds);
        part.data_loss_by_cause[loss.cause as usize]
            .pending_rto
            .push(loss.seconds);
        if let Some(scope) = part.data_loss_by_scope.get_mut(loss.scope as usize) {
            scope.pending_rto.push(loss.seconds);
            self.held(1);
        }
        self.held(2);
    }
}

/// A replication that processed more events than the scenario's budget
/// allows ([`Model::event_limit`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Overrun {
    pub replication: u64,
    /// Events it processed (the limit).
    pub events: u64,
    /// Simulated seconds it reached.
    pub reached: f64,
}

/// The lowest replication of a run found to exceed the event budget,
/// shared by the workers. A replication above it is skipped; every one
/// below it runs, so the one reported is the same for any thread count.
struct Overruns {
    first: AtomicU64,
    found: Mutex<Option<Overrun>>,
}

impl Overruns {
    fn new() -> Self {
        Overruns {
            first: AtomicU64::new(u64::MAX),
            found: Mutex::new(None),
        }
    }

    fn skips(&self, replication: u64) -> bool {
        replication > self.first.load(Ordering::Relaxed)
    }

    fn any(&self) -> bool {
        self.first.load(Ordering::Relaxed) != u64::MAX
    }

    fn report(&self, o: Overrun) {
        let mut found = self.found.lock().unwrap_or_else(|e| e.into_inner());
        if found.is_none_or(|f| o.replication < f.replication) {
            *found = Some(o);
            self.first.fetch_min(o.replication, Ordering::Relaxed);
        }
    }

    /// The run's result: `Err` when a replication overran.
    fn result<T>(&self, ok: T) -> Result<T, RunError> {
        match *self.found.lock().unwrap_or_else(|e| e.into_inner()) {
            Some(o) => Err(RunError::EventBudget(o)),
            None => Ok(ok),
        }
    }

    /// A chunk's summary, or (after reporting its overrun) an empty one.
    fn chunk(&self, model: &Model, part: Result<Summary, Overrun>) -> Summary {
        part.unwrap_or_else(|o| {
            self.report(o);
            Summary::new(model)
        })
    }
}

/// Several designs run over the same replications (same seed, same
/// replication indices), so that each component draws the same random
/// numbers in every design (common random numbers), and the per-replication
/// differences to a baseline design.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// One run per design, in the order given.
    pub runs: Vec<Run>,
    /// `differences[d][k]`: over replications, design d's unavailability of
    /// the indicator of its k-th compared key ([`Model::compared_keys`])
    /// minus the baseline's of the same key (`None` when the baseline has
    /// no such key).
    pub differences: Vec<Vec<Option<MeanVar>>>,
    /// Every pair of designs, for differences to whichever design leads:
    /// see [`Comparison::between`].
    pub pairs: PairDifferences,
}

/// Over replications, for every pair of designs (d, e) with e < d and every
/// indicator key both have: design d's unavailability minus design e's.
#[derive(Clone, Debug, Default)]
pub struct PairDifferences {
    /// Indicator keys of all designs, in order of first appearance.
    pub keys: Vec<String>,
    /// `index[d][k]`: design d's indicator of key `keys[k]`, if it has one.
    index: Vec<Vec<Option<usize>>>,
    /// `of[(d * (d - 1) / 2 + e) * keys.len() + k]` for e < d, flat: one
    /// allocation a chunk, whatever the number of designs. Pairs that lack
    /// the key stay empty.
    of: Vec<MeanVar>,
}

impl PairDifferences {
    fn new(models: &[Model]) -> PairDifferences {
        let mut keys: Vec<String> = Vec::new();
        for m in models {
            for (k, _) in m.compared_keys() {
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
        let index: Vec<Vec<Option<usize>>> = models
            .iter()
            .map(|m| {
                let own = m.compared_keys();
                keys.iter()
                    .map(|k| own.iter().find(|(o, _)| o == k).map(|(_, i)| *i))
                    .collect()
            })
            .collect();
        let mut p = PairDifferences {
            keys,
            index,
            of: Vec::new(),
        };
        p.of = p.empty();
        p
    }

    /// Accumulators with nothing in them.
    fn empty(&self) -> Vec<MeanVar> {
        let n = self.index.len();
        vec![MeanVar::default(); n * n.saturating_sub(1) / 2 * self.keys.len()]
    }

    /// Adds a chunk's replications: `values[d][i][r]` as recorded.
    fn push(&self, acc: &mut [MeanVar], values: &[Recorded]) {
        let mut slots = acc.iter_mut();
        for d in 1..self.index.len() {
            for e in 0..d {
                for k in 0..self.keys.len() {
                    let Some(slot) = slots.next() else { return };
                    if let (Some(i), Some(j)) = (self.index[d][k], self.index[e][k]) {
                        for (x, y) in values[d][i].iter().zip(&values[e][j]) {
                            slot.push(x - y);
                        }
                    }
                }
            }
        }
    }

    /// Over replications, design `d`'s unavailability of indicator `key`
    /// minus design `e`'s; `None` unless both have it, or when d == e.
    pub fn between(&self, d: usize, e: usize, key: &str) -> Option<crate::stats::Interval> {
        let k = self.keys.iter().position(|x| x == key)?;
        let (hi, lo, sign) = match d.cmp(&e) {
            std::cmp::Ordering::Greater => (d, e, 1.0),
            std::cmp::Ordering::Less => (e, d, -1.0),
            std::cmp::Ordering::Equal => return None,
        };
        self.index.get(hi)?[k]?;
        self.index.get(lo)?[k]?;
        let m = self
            .of
            .get((hi * (hi - 1) / 2 + lo) * self.keys.len() + k)?;
        Some(m.interval95().affine(0.0, sign))
    }
}

/// Appends the accumulators of later replications.
fn merge_accumulators(acc: &mut [Vec<Option<MeanVar>>], part: &[Vec<Option<MeanVar>>]) {
    for (design, p) in acc.iter_mut().zip(part) {
        for (a, p) in design.iter_mut().zip(p) {
            if let (Some(a), Some(p)) = (a.as_mut(), p) {
                a.merge(p);
            }
        }
    }
}

/// One chunk (or block) of every design: summaries, paired differences to
/// the baseline, and between every pair.
type ChunkOfAll = (Vec<Summary>, Vec<Vec<Option<MeanVar>>>, Vec<MeanVar>);

/// Appends `part`, the replications right after those of `acc`.
fn merge_all(acc: &mut ChunkOfAll, part: &ChunkOfAll) {
    for (summary, p) in acc.0.iter_mut().zip(&part.0) {
        summary.merge(p);
    }
    merge_accumulators(&mut acc.1, &part.1);
    for (a, p) in acc.2.iter_mut().zip(&part.2) {
        a.merge(p);
    }
}

/// Runs every model over the same replications; `baseline` indexes `models`.
/// The models must share seed and horizon for the pairing to mean anything
/// (the caller sees to it).
pub fn run_paired(
    models: &[Model],
    baseline: usize,
    options: &RunOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<Comparison, RunError> {
    let (pool, clock) = start_pool(options)?;
    // For each design and key it is compared by (`Model::compared_keys`):
    // its indicator, and the baseline's of the same key.
    let base_keys = models[baseline].compared_keys();
    let pairs: Vec<Vec<(usize, Option<usize>)>> = models
        .iter()
        .map(|m| {
            m.compared_keys()
                .iter()
                .map(|(k, i)| {
                    let b = base_keys.iter().find(|(b, _)| b == k).map(|(_, j)| *j);
                    (*i, b)
                })
                .collect()
        })
        .collect();
    let empty_differences = || -> Vec<Vec<Option<MeanVar>>> {
        pairs
            .iter()
            .map(|p| {
                p.iter()
                    .map(|(_, b)| b.map(|_| MeanVar::default()))
                    .collect()
            })
            .collect()
    };
    let mut all_pairs = PairDifferences::new(models);
    let mut total: ChunkOfAll = (
        models.iter().map(Summary::new).collect(),
        empty_differences(),
        all_pairs.empty(),
    );
    let range = options.first..options.first + options.replications;
    let overruns: Vec<Overruns> = models.iter().map(|_| Overruns::new()).collect();
    fold_blocks(
        &pool,
        range,
        &|| models.iter().map(Worker::new).collect::<Vec<_>>(),
        &|workers, r| {
            let mut values: Vec<Vec<Vec<f64>>> = vec![Vec::new(); models.len()];
            let parts: Vec<Summary> = workers
                .iter_mut()
                .zip(values.iter_mut())
                .zip(models.iter().zip(&overruns))
                .map(|((w, v), (model, o))| {
                    let part = w.run_chunk_recording(r.clone(), Some(v), &|r| o.skips(r));
                    o.chunk(model, part)
                })
                .collect();
            let mut diffs = empty_differences();
            for (d, design) in diffs.iter_mut().enumerate() {
                for (k, acc) in design.iter_mut().enumerate() {
                    if let (Some(acc), (i, Some(b))) = (acc.as_mut(), pairs[d][k]) {
                        for (x, y) in values[d][i].iter().zip(&values[baseline][b]) {
                            acc.push(x - y);
                        }
                    }
                }
            }
            let mut between = all_pairs.empty();
            all_pairs.push(&mut between, &values);
            (parts, diffs, between)
        },
        &|| {
            (
                models.iter().map(Summary::new).collect(),
                empty_differences(),
                all_pairs.empty(),
            )
        },
        &|acc: &mut ChunkOfAll, part: &ChunkOfAll| merge_all(acc, part),
        progress,
        &mut |_, block| {
            merge_all(&mut total, &block);
            ControlFlow::Continue(())
        },
        &|| overruns.iter().any(Overruns::any),
    );
    if let Some((design, o)) = overruns
        .iter()
        .enumerate()
        .find_map(|(d, o)| o.result(()).err().map(|e| (d, e)))
    {
        return Err(RunError::Design {
            design,
            source: Box::new(o),
        });
    }
    let (summaries, differences, between) = total;
    all_pairs.of = between;
    Ok(Comparison {
        runs: summaries
            .into_iter()
            .map(|summary| clock.finish(summary))
            .collect(),
        differences,
        pairs: all_pairs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A summary of `indicators` indicators and one data-loss cause.
    fn summary(indicators: usize) -> Summary {
        Summary {
            indicators: vec![IndicatorSummary::default(); indicators],
            data_loss_by_cause: vec![LossSummary::default()],
            data_loss_by_scope: Vec::new(),
            ..Summary::default()
        }
    }

    /// Values of many magnitudes, in a fixed pseudo-random order.
    fn values(n: usize) -> Vec<f64> {
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                1.0 + (x % 1_000_000) as f64 / 7.0
            })
            .collect()
    }

    /// `values` through a chunk's sink (outages of indicator 1, and RPOs),
    /// then folded into a block as the runner does.
    fn through_a_chunk(values: &[f64]) -> (Summary, usize) {
        let mut part = summary(2);
        let mut held = 0;
        let mut most = 0;
        for &v in values {
            let mut sink = ChunkSink {
                part: &mut part,
                held: &mut held,
            };
            sink.outage(1, v);
            sink.rpo(Loss {
                cause: 0,
                scope: 0,
                seconds: v,
            });
            most = most.max(part.indicators[1].pending_outages.len());
        }
        let mut block = summary(2);
        block.merge(&part);
        (block, most)
    }

    #[test]
    fn a_chunk_below_the_limit_is_folded_exactly_as_before() {
        let v = values(1000);
        let (block, _) = through_a_chunk(&v);
        let mut reference = DurationSketch::default();
        reference.extend(&v);
        assert_eq!(block.indicators[1].outage_seconds, reference);
        assert_eq!(block.data_loss.rpo_seconds, reference);
    }

    #[test]
    fn a_storm_is_folded_as_it_goes_with_the_same_counts() {
        let v = values(3 * PENDING_LIMIT + 17);
        let (block, most) = through_a_chunk(&v);
        assert!(most < PENDING_LIMIT, "held {most} values");
        let mut reference = DurationSketch::default();
        reference.extend(&v);
        for got in [
            &block.indicators[1].outage_seconds,
            &block.data_loss.rpo_seconds,
            &block.data_loss_by_cause[0].rpo_seconds,
        ] {
            assert_eq!(got.count(), reference.count());
            assert_eq!(got.max(), reference.max());
            for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
                assert_eq!(got.quantile(q), reference.quantile(q), "q {q}");
            }
            // Only the order of the floating-point sum differs.
            let (a, b) = (got.mean().unwrap_or(0.0), reference.mean().unwrap_or(1.0));
            assert!((a / b - 1.0).abs() < 1e-12, "{a} against {b}");
        }
    }

    /// Replications of varied failed-request and degraded seconds, folded
    /// chunk by chunk into blocks as the runner does: blocks written out as
    /// a part file's JSON and read back fold to the same bits as the blocks
    /// themselves (what `merge` relies on), and the figures are their own,
    /// not the unavailability's.
    #[test]
    fn request_figures_survive_a_part_file_to_the_bit() {
        let horizon = 1e7;
        let chunks: Vec<Summary> = values(40 * CHUNK as usize)
            .chunks(CHUNK as usize)
            .map(|c| {
                let mut part = summary(2);
                for &v in c {
                    let mut r = IndicatorRun::default();
                    r.downtime = v;
                    r.failed_request_seconds = v * 1.5;
                    r.degraded_seconds = v / 3.0;
                    for acc in &mut part.indicators {
                        acc.push(&r, horizon, 1.0);
                    }
                    part.replications += 1;
                }
                part
            })
            .collect();
        let blocks: Vec<Summary> = chunks
            .chunks((BLOCK / CHUNK) as usize)
            .map(|b| {
                let mut block = summary(2);
                b.iter().for_each(|c| block.merge(c));
                block
            })
            .collect();
        let fold = |blocks: &[Summary]| {
            let mut whole = summary(2);
            blocks.iter().for_each(|b| whole.merge(b));
            whole
        };
        let read_back: Vec<Summary> = blocks
            .iter()
            .map(|b| {
                let text = serde_json::to_string(b).expect("serialises");
                serde_json::from_str(&text).expect("reads back")
            })
            .collect();
        assert_eq!(read_back, blocks);
        let (whole, again) = (fold(&blocks), fold(&read_back));
        let api = &whole.indicators[1];
        assert_eq!(api.failed_requests, again.indicators[1].failed_requests);
        assert_eq!(api.degraded, again.indicators[1].degraded);
        assert_eq!(api.failed_requests.count(), 40 * CHUNK);
        assert!(api.degraded.mean() > 0.0);
        assert_ne!(api.failed_requests, api.unavailability);
        assert_ne!(api.degraded, api.unavailability);
    }
}
