//! Results as users and scripts see them (INTERFACE.md's results JSON), and
//! one exporter per output format behind [`Exporter`].

pub mod charts;
pub mod ci;
pub mod compare;
mod csv;
pub mod document;
pub mod human;
mod json;
pub mod study;
mod table;

pub use self::csv::CsvExporter;
pub use human::{human_duration_minutes, percent};
pub use json::JsonExporter;
pub use table::TableExporter;

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};

use crate::model::Model;
use crate::runner::{IndicatorSummary, LossSummary, Run};
use crate::scenario::YEAR_SECONDS;
use crate::stats::{DurationSketch, Interval, MeanVar, RELATIVE_ACCURACY};

/// Version of the results JSON layout.
pub const SCHEMA_VERSION: u32 = 1;
pub(crate) const MINUTES_PER_YEAR: f64 = YEAR_SECONDS / 60.0;

/// Everything a run reports. Field names are a contract (INTERFACE.md).
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    /// Version of this layout; bumped on any incompatible change.
    pub schema_version: u32,
    /// The program that produced the results.
    pub tool: Tool,
    /// The scenario simulated.
    pub scenario: ScenarioRef,
    /// Master seed of the random streams.
    pub seed: u64,
    /// Replications run.
    pub replications: u64,
    /// Simulated years per replication.
    pub horizon_years: f64,
    /// Per indicator: `etcd`, `api`, `control_plane`, then `workload/NAME` per workload.
    pub indicators: Indicators,
    /// Data-loss events and their RPO and RTO.
    pub data_loss: DataLoss,
    /// Per backup entry, when some entry can fail silently: how long its
    /// job was failing, how long nothing of it was restorable, and how
    /// often a failure was found.
    #[serde(skip_serializing_if = "Named::is_empty")]
    pub backups: Named<BackupResult>,
    /// Speed of this run. The only part that varies with the thread count.
    pub performance: Performance,
    /// With `simulation.precision`: the target and whether the run reached
    /// it (absent for a fixed number of replications).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision: Option<PrecisionResult>,
}

/// A precision target and how the run ended.
#[derive(Clone, Debug, Serialize)]
pub struct PrecisionResult {
    pub indicator: String,
    /// Target: half-width of the 95% interval of the unavailability / its mean.
    pub relative_half_width: f64,
    /// What the run ended with (null when no downtime was seen, where the
    /// relative width is undefined).
    pub achieved: Option<f64>,
    pub reached: bool,
    /// Replications between checks.
    pub batch: u64,
    pub max_replications: u64,
}

/// Name and version of the tool.
#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    /// Always `kubenines`.
    pub name: &'static str,
    /// The crate version.
    pub version: &'static str,
}

impl Tool {
    /// This program.
    pub fn current() -> Tool {
        Tool {
            name: "kubenines",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Which scenario was run.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioRef {
    /// The scenario's `name`.
    pub name: String,
    /// The file it was read from.
    pub source: String,
}

/// Named entries in a fixed order, serialised as a JSON object (a map
/// type would sort or hash the keys; the order is part of the contract).
#[derive(Clone, Debug)]
pub struct Named<T>(pub Vec<(String, T)>);

impl<T> Named<T> {
    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The entry named `key`, if any.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl<T: Serialize> Serialize for Named<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// Indicators by key, in result order.
pub type Indicators = Named<IndicatorResult>;

/// One indicator across replications.
#[derive(Clone, Debug, Serialize)]
pub struct IndicatorResult {
    /// Fraction of time up: mean over replications and 95% Student t interval.
    pub availability: Interval,
    /// -log10(1 - availability); null when no downtime was seen.
    pub nines: Option<f64>,
    /// Downtime per year, minutes, with 95% interval.
    pub downtime_minutes_per_year: Interval,
    /// Outages begun per year, with 95% interval.
    pub outages_per_year: Interval,
    /// Lengths of outages that ended within the horizon.
    pub outage_minutes: OutageMinutes,
    /// 1 - availability, computed directly from downtime (no rounding
    /// through availability), with 95% interval.
    pub unavailability: Interval,
    /// Downtime per year split by what the indicator was waiting for (the
    /// rule is in the README, "Downtime by cause"): minutes with 95%
    /// interval, every cause in a fixed order. The means sum to
    /// `downtime_minutes_per_year.mean`.
    pub downtime_minutes_per_year_by_cause: Named<Interval>,
    /// Indicators with client requests (`api`) only: the time-average share
    /// of client requests that succeed, requests spread evenly over the
    /// endpoints in rotation; mean over replications and 95% interval, as
    /// `availability`. At most `availability`: a request fails whenever the
    /// indicator is down, and some fail while it is up but degraded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_success: Option<Interval>,
    /// Indicators with client requests only: minutes per year during which
    /// the indicator is up but some requests fail (a dead endpoint still in
    /// rotation), with 95% interval, as `downtime_minutes_per_year`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded_minutes_per_year: Option<Interval>,
    /// Workloads of scenarios whose workers have a capacity only: minutes
    /// per year during which at least one of the workload's pods is
    /// Pending (placed on no node: no room, no feasible node, or no
    /// scheduler), with 95% interval, as `downtime_minutes_per_year`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_minutes_per_year: Option<Interval>,
}

/// Distribution of outage lengths, minutes.
#[derive(Clone, Debug, Serialize)]
pub struct OutageMinutes {
    /// Outages that ended within the horizon (the ones measured here).
    pub count: u64,
    /// Outages still open at the horizon (not in the quantiles).
    pub censored: u64,
    /// Exact mean.
    pub mean: Option<f64>,
    /// Median, within `relative_accuracy`.
    pub p50: Option<f64>,
    /// 90th percentile, within `relative_accuracy`.
    pub p90: Option<f64>,
    /// 99th percentile, within `relative_accuracy`.
    pub p99: Option<f64>,
    /// Exact maximum.
    pub max: Option<f64>,
    /// Relative accuracy of the quantiles (0.005 = ±0.5%).
    pub relative_accuracy: f64,
}

/// Data-loss events, RPO and RTO: all causes together, and per cause.
#[derive(Clone, Debug, Serialize)]
pub struct DataLoss {
    /// Data-loss events per year, with 95% interval.
    pub events_per_year: Interval,
    /// History lost per event (last accepted write minus the state brought
    /// back), minutes; an event counts here once the operator has decided.
    pub rpo_minutes: Quantiles,
    /// Time from an event's start until the API was writable again,
    /// minutes, for the events that recovered within the horizon.
    pub rto_minutes: Quantiles,
    /// Data-loss events a year that found nothing to restore (no backup
    /// holding the data, or every one past its `ttl`): the data is lost
    /// for good, and the event has no RPO (it is not in `rpo_minutes`).
    /// Present only when that can happen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_for_good_per_year: Option<Interval>,
    /// The same per cause: each disaster by name, `quorum-loss` (fewer
    /// intact members than a quorum, at least one), `quorum-loss-no-member`
    /// (no intact member at all).
    pub by_cause: ByCause,
    /// The same per scope, when a disaster can strike a workload's data:
    /// `etcd` (quorum losses and etcd's disasters; RTO until the API is
    /// writable again), then `workload/NAME` for each workload a disaster
    /// strikes (RTO until it serves again). Absent otherwise: all data
    /// lost is then etcd's.
    #[serde(skip_serializing_if = "Named::is_empty")]
    pub by_scope: ByCause,
}

/// One backup entry's silent failures.
#[derive(Clone, Debug, Serialize)]
pub struct BackupResult {
    /// Share of the time its job was failing unnoticed or being fixed (its
    /// backups unusable), with 95% interval.
    pub silently_failing: Interval,
    /// Share of the time nothing of it could be restored because a silent
    /// failure outlasted its last good backup's `ttl`.
    pub nothing_restorable: Interval,
    /// Silent failures found a year (by a restore test or a restore).
    pub failures_found_per_year: Interval,
}

/// Data loss of one cause.
#[derive(Clone, Debug, Serialize)]
pub struct CauseLoss {
    pub events_per_year: Interval,
    pub rpo_minutes: Quantiles,
    pub rto_minutes: Quantiles,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lost_for_good_per_year: Option<Interval>,
}

impl DataLoss {
    /// All causes together, as one cause's loss.
    pub fn as_cause(&self) -> CauseLoss {
        CauseLoss {
            events_per_year: self.events_per_year,
            rpo_minutes: self.rpo_minutes.clone(),
            rto_minutes: self.rto_minutes.clone(),
            lost_for_good_per_year: self.lost_for_good_per_year,
        }
    }
}

impl CauseLoss {
    pub fn of(c: &crate::runner::LossSummary) -> CauseLoss {
        CauseLoss {
            events_per_year: events_interval(c),
            rpo_minutes: Quantiles::of(&c.rpo_seconds),
            rto_minutes: Quantiles::of(&c.rto_seconds),
            lost_for_good_per_year: lost_interval(c),
        }
    }
}

/// Data loss by cause, in [`Model::data_causes`] order.
pub type ByCause = Named<CauseLoss>;

/// Count, mean and quantiles of a sample, minutes (quantiles within
/// `outage_minutes.relative_accuracy`; mean and max exact).
#[derive(Clone, Debug, Serialize)]
pub struct Quantiles {
    pub count: u64,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub p90: Option<f64>,
    /// 95th percentile (what RPO objectives usually name).
    pub p95: Option<f64>,
    pub p99: Option<f64>,
    pub max: Option<f64>,
}

/// How fast the run went.
#[derive(Clone, Debug, Serialize)]
pub struct Performance {
    /// Worker threads.
    pub threads: usize,
    /// Events processed in all replications.
    pub events: u64,
    /// Wall-clock time of the simulation (parsing and output excluded).
    pub wall_seconds: f64,
    /// events / wall_seconds.
    pub events_per_second: f64,
    /// replications × horizon in years / wall_seconds: cluster-years per second.
    pub simulated_years_per_second: f64,
    /// CPU time of all threads during the run; excludes time a virtual
    /// machine's host took away, so steadier than wall time on shared hosts.
    pub cpu_seconds: Option<f64>,
    /// Cluster-years per CPU-second: the speed of one core, whatever the load.
    pub simulated_years_per_cpu_second: Option<f64>,
}

impl Results {
    /// Assembles results from a finished run.
    pub fn new(model: &Model, source: &str, run: &Run) -> Results {
        let s = &run.summary;
        let indicators = model
            .indicator_keys()
            .into_iter()
            .zip(&s.indicators)
            .enumerate()
            .map(|(i, (key, summary))| {
                (key, {
                    let causes = model.cause_keys(i);
                    let mut r = IndicatorResult::new(summary, model.has_requests(i), &causes);
                    if model.tracks_pending() && i >= crate::model::INDICATORS.len() {
                        r.pending_minutes_per_year =
                            Some(fraction_interval(&summary.pending).affine(0.0, MINUTES_PER_YEAR));
                    }
                    r
                })
            })
            .collect();
        let wall = run.wall.as_secs_f64().max(1e-9);
        Results {
            schema_version: SCHEMA_VERSION,
            tool: Tool::current(),
            scenario: ScenarioRef {
                name: model.name.clone(),
                source: source.to_string(),
            },
            seed: model.seed,
            replications: s.replications,
            horizon_years: model.horizon_years(),
            indicators: Named(indicators),
            data_loss: DataLoss {
                events_per_year: events_interval(&s.data_loss),
                rpo_minutes: Quantiles::of(&s.data_loss.rpo_seconds),
                rto_minutes: Quantiles::of(&s.data_loss.rto_seconds),
                lost_for_good_per_year: lost_interval(&s.data_loss),
                by_cause: Named(
                    model
                        .data_causes()
                        .into_iter()
                        .zip(&s.data_loss_by_cause)
                        .map(|(name, c)| (name, CauseLoss::of(c)))
                        .collect(),
                ),
                by_scope: Named(
                    model
                        .data_scopes()
                        .into_iter()
                        .zip(&s.data_loss_by_scope)
                        .map(|(name, c)| (name, CauseLoss::of(c)))
                        .collect(),
                ),
            },
            backups: Named(
                model
                    .backups
                    .iter()
                    .map(|b| &b.name)
                    .zip(&s.backups)
                    .map(|(name, b)| {
                        let r = BackupResult {
                            silently_failing: fraction_interval(&b.failing),
                            nothing_restorable: fraction_interval(&b.nothing),
                            failures_found_per_year: {
                                let mut i = b.found_per_year.interval95();
                                i.ci_low = i.ci_low.map(|x| x.max(0.0));
                                i
                            },
                        };
                        (name.clone(), r)
                    })
                    .collect(),
            ),
            performance: Performance {
                threads: run.threads,
                events: s.events,
                wall_seconds: wall,
                events_per_second: s.events as f64 / wall,
                simulated_years_per_second: s.replications as f64 * model.horizon_years() / wall,
                cpu_seconds: run.cpu.map(|c| c.as_secs_f64()),
                simulated_years_per_cpu_second: run
                    .cpu
                    .filter(|c| !c.is_zero())
                    .map(|c| s.replications as f64 * model.horizon_years() / c.as_secs_f64()),
            },
            precision: None,
        }
    }
}

impl Quantiles {
    /// Of a sample of seconds, in minutes.
    fn of(d: &DurationSketch) -> Self {
        let minutes = |x: Option<f64>| x.map(|v| v / 60.0);
        Quantiles {
            count: d.count(),
            mean: minutes(d.mean()),
            p50: minutes(d.quantile(0.5)),
            p90: minutes(d.quantile(0.9)),
            p95: minutes(d.quantile(0.95)),
            p99: minutes(d.quantile(0.99)),
            max: minutes(d.max()),
        }
    }
}

/// Events per year with its interval, clipped at 0 (a rate is not negative).
/// Events a year lost for good, when the model can lose data so.
fn lost_interval(s: &LossSummary) -> Option<Interval> {
    (!s.lost_per_year.is_empty()).then(|| {
        let mut i = s.lost_per_year.interval95();
        i.ci_low = i.ci_low.map(|x| x.max(0.0));
        i
    })
}

fn events_interval(s: &LossSummary) -> Interval {
    let mut i = s.events_per_year.interval95();
    i.ci_low = i.ci_low.map(|x| x.max(0.0));
    i
}

/// The interval of a sample of fractions of the horizon, clipped to [0, 1]:
/// an interval reaching below 0 says nothing more than 0.
fn fraction_interval(m: &MeanVar) -> Interval {
    let mut u = m.interval95();
    u.ci_low = u.ci_low.map(|x| x.max(0.0));
    u.ci_high = u.ci_high.map(|x| x.min(1.0));
    u
}

impl IndicatorResult {
    /// From an indicator's summary; `requests` when it has client requests
    /// ([`Model::has_requests`]).
    pub fn new(s: &IndicatorSummary, requests: bool, causes: &[String]) -> IndicatorResult {
        let u = fraction_interval(&s.unavailability);
        let minutes = |x: Option<f64>| x.map(|v| v / 60.0);
        let d = &s.outage_seconds;
        IndicatorResult {
            availability: u.affine(1.0, -1.0),
            nines: (u.mean > 0.0).then(|| -u.mean.log10()),
            downtime_minutes_per_year: u.affine(0.0, MINUTES_PER_YEAR),
            outages_per_year: s.outages_per_year.interval95(),
            outage_minutes: OutageMinutes {
                count: d.count(),
                censored: s.censored,
                mean: minutes(d.mean()),
                p50: minutes(d.quantile(0.5)),
                p90: minutes(d.quantile(0.9)),
                p99: minutes(d.quantile(0.99)),
                max: minutes(d.max()),
                relative_accuracy: RELATIVE_ACCURACY,
            },
            unavailability: u,
            downtime_minutes_per_year_by_cause: Named(
                causes
                    .iter()
                    .zip(&s.unavailability_by_cause)
                    .map(|(c, m)| {
                        let mut i = m.interval95().affine(0.0, MINUTES_PER_YEAR);
                        i.ci_low = i.ci_low.map(|x| x.max(0.0));
                        (c.clone(), i)
                    })
                    .collect(),
            ),
            // Computed exactly as `availability` and `downtime_minutes_per_year`.
            request_success: requests
                .then(|| fraction_interval(&s.failed_requests).affine(1.0, -1.0)),
            degraded_minutes_per_year: requests
                .then(|| fraction_interval(&s.degraded).affine(0.0, MINUTES_PER_YEAR)),
            pending_minutes_per_year: None,
        }
    }
}

/// Writes results in one output format.
pub trait Exporter {
    fn write(&self, results: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::IndicatorRun;

    /// An indicator's summary of replications with these failed-request
    /// and degraded seconds (and no downtime) over a one-year horizon.
    fn summary(runs: &[(f64, f64)]) -> IndicatorSummary {
        let mut s = IndicatorSummary::default();
        for &(failed, degraded) in runs {
            let mut r = IndicatorRun::default();
            r.failed_request_seconds = failed;
            r.degraded_seconds = degraded;
            s.push(&r, YEAR_SECONDS, 1.0);
        }
        s
    }

    #[test]
    fn request_success_and_degraded_minutes_are_means_over_replications() {
        // No failed request in one year, 1% of them in the other: 99.5%.
        // Up but degraded half of one year: a quarter year on average.
        let s = summary(&[(0.0, 0.0), (0.01 * YEAR_SECONDS, 0.5 * YEAR_SECONDS)]);
        let r = IndicatorResult::new(&s, true, &[]);
        let ok = r.request_success.expect("api has requests");
        assert_eq!(ok.mean, 0.995);
        // n = 2: failing shares 0 and 0.01, standard error 0.005, t(1) = 12.706...;
        // the upper bound clipped at 100%.
        let low = ok.ci_low.expect("interval");
        assert!(
            (low - (0.995 - 12.706_204_736 * 0.005)).abs() < 1e-9,
            "{low}"
        );
        assert_eq!(ok.ci_high, Some(1.0));
        let d = r.degraded_minutes_per_year.expect("api has requests");
        assert_eq!(d.mean, MINUTES_PER_YEAR / 4.0);
        assert_eq!(d.mean, 131_400.0);
        assert_eq!(d.ci_low, Some(0.0), "clipped at 0");
        // Nothing of it leaks into time up.
        assert_eq!(r.availability.mean, 1.0);
        assert_eq!(r.downtime_minutes_per_year.mean, 0.0);
    }

    #[test]
    fn request_success_is_computed_as_availability_is() {
        // The same per-replication fractions as failed requests and as
        // downtime give the same interval, bit for bit.
        let mut s = IndicatorSummary::default();
        for k in 0..100 {
            let mut r = IndicatorRun::default();
            r.downtime = (k % 7) as f64 * 1234.5;
            r.failed_request_seconds = r.downtime;
            s.push(&r, YEAR_SECONDS, 1.0);
        }
        let r = IndicatorResult::new(&s, true, &[]);
        assert_eq!(r.request_success, Some(r.availability));
        assert_eq!(
            r.degraded_minutes_per_year,
            Some(Interval {
                mean: 0.0,
                ci_low: Some(0.0),
                ci_high: Some(0.0)
            })
        );
    }

    #[test]
    fn indicators_without_requests_have_neither() {
        let r = IndicatorResult::new(&summary(&[(1.0, 1.0), (2.0, 2.0)]), false, &[]);
        assert_eq!(r.request_success, None);
        assert_eq!(r.degraded_minutes_per_year, None);
        let json = serde_json::to_value(&r).expect("serialises");
        assert!(json.get("request_success").is_none());
        assert!(json.get("degraded_minutes_per_year").is_none());
    }
}
