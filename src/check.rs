//! SLO verdicts: is each of a scenario's `slos` met, violated, or not yet
//! known from the replications run so far?
//!
//! - **Availability** (`{ indicator, availability }`): the Student t interval
//!   of the indicator's mean availability over replications. *Met* when the
//!   whole interval is at or above the target, *violated* when it is wholly
//!   below, *inconclusive* otherwise.
//! - **Request success** (`{ indicator: api, request_success }`): judged
//!   exactly as availability is, on the interval of the mean share of
//!   client requests that succeed (`request_success` in results).
//! - **Data loss** (`{ metric: rpo|rto, quantile: q, max }`): "the q-quantile
//!   of RPO (or RTO) per data-loss event is at most `max`" is the same as
//!   "at most a fraction 1 - q of the events exceed `max`". The exact
//!   (Clopper–Pearson) interval of the fraction of events above `max` is
//!   compared with 1 - q: met when wholly at or below, violated when wholly
//!   above. The duration histogram cannot split the one bucket that holds
//!   `max` (0.4% wide), so those events count as above for "met" and as not
//!   above for "violated"; an RTO still running at the horizon counts the
//!   same way. A design that cannot lose data (no `disk_loss`, no
//!   `disasters`) meets every data-loss SLO.
//!
//! `check` looks at the verdicts after every batch, up to a maximum number
//! of looks. Each look uses the confidence `1 - 0.05 / looks` (Bonferroni),
//! so that the chance that any look gives a wrong verdict on an SLO stays
//! below 5% however many looks are taken.

use serde::Serialize;

use crate::model::Model;
use crate::report::human_duration_minutes;
use crate::runner::{self, BLOCK, IndicatorSummary, Recorded, Run, RunError, RunOptions, Summary};
use crate::scenario::{DataMetric, Slo, format_duration};
use crate::special::{clopper_pearson, student_t_quantile};
use crate::stats::MeanVar;

/// The error rate of a whole `check`, per SLO, across all its looks.
pub const ALPHA: f64 = 0.05;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Met,
    Violated,
    Inconclusive,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Met => "met",
            Verdict::Violated => "violated",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// One SLO judged.
#[derive(Clone, Debug, Serialize)]
pub struct SloVerdict {
    /// Where it is in the scenario: `slos[0]`.
    pub key: String,
    /// `api availability >= 99.95%`, `rpo p95 <= 1h`.
    pub title: String,
    pub verdict: Verdict,
    /// The point estimate, in words: `99.9871%`, `p95 = 42m 10s`.
    pub estimate: String,
    /// The interval the verdict rests on, in words.
    pub interval: String,
    /// Why, in a sentence (what the interval shows).
    pub detail: String,
    /// For an inconclusive verdict: about how many replications in all it
    /// would take to settle it, if the estimates so far hold. `None` when
    /// conclusive, or when no estimate can be made (see `detail`).
    pub replications_needed: Option<u64>,
    pub availability: Option<AvailabilityEvidence>,
    pub data_loss: Option<DataLossEvidence>,
    /// The numbers behind a request-success verdict (`mean` and the bounds
    /// are request success, `target` the least accepted).
    pub request_success: Option<AvailabilityEvidence>,
}

/// The numbers behind an availability (or request-success) verdict.
#[derive(Clone, Debug, Serialize)]
pub struct AvailabilityEvidence {
    pub indicator: String,
    pub target: f64,
    pub mean: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

/// The numbers behind a data-loss verdict.
#[derive(Clone, Debug, Serialize)]
pub struct DataLossEvidence {
    /// `rpo` or `rto`.
    pub metric: &'static str,
    pub quantile: f64,
    pub max_minutes: f64,
    /// The quantile as measured, minutes (`None` without events).
    pub quantile_minutes: Option<f64>,
    /// Data-loss events seen.
    pub events: u64,
    /// Events certainly above `max`, and those that may be (see the module doc).
    pub above_surely: u64,
    pub above_maybe: u64,
    /// The fraction of events allowed above `max`: 1 - quantile.
    pub allowed_fraction: f64,
    /// Clopper–Pearson interval of the fraction above `max`.
    pub fraction_low: f64,
    pub fraction_high: f64,
}

/// Judges every SLO of the scenario on the summary so far, each interval at
/// confidence `1 - alpha`.
pub fn judge_all(slos: &[Slo], model: &Model, summary: &Summary, alpha: f64) -> Vec<SloVerdict> {
    slos.iter()
        .enumerate()
        .map(|(i, slo)| judge(i, slo, model, summary, alpha))
        .collect()
}

/// Judges one SLO.
pub fn judge(i: usize, slo: &Slo, model: &Model, summary: &Summary, alpha: f64) -> SloVerdict {
    let key = format!("slos[{i}]");
    match slo {
        Slo::Availability { indicator, target } => judge_fraction(
            key,
            Objective::Availability,
            indicator,
            *target,
            model,
            summary,
            alpha,
        ),
        Slo::RequestSuccess { indicator, target } => judge_fraction(
            key,
            Objective::RequestSuccess,
            indicator,
            *target,
            model,
            summary,
            alpha,
        ),
        Slo::DataLoss {
            metric,
            quantile,
            max,
            scope,
        } => data_loss(
            key,
            DataObjective {
                metric: *metric,
                quantile: *quantile,
                max: *max,
                scope: scope.as_deref(),
            },
            model,
            summary,
            alpha,
        ),
    }
}

/// `99.95%` for 0.9995: enough digits to show the target exactly.
pub fn percent(x: f64) -> String {
    for digits in 0..=8 {
        let s = format!("{:.*}", digits, x * 100.0);
        if (s.parse::<f64>().unwrap_or(f64::NAN) - x * 100.0).abs() < 1e-9 {
            return format!("{s}%");
        }
    }
    format!("{:.8}%", x * 100.0)
}

/// An availability with two digits beyond its nines (at least five).
fn percent_fine(x: f64, mean: f64) -> String {
    let nines = -(1.0 - mean).max(1e-12).log10();
    let digits = (nines.ceil() as usize + 1).clamp(5, 12);
    format!("{:.*}%", digits, x * 100.0)
}

/// What an SLO on a fraction judges: time up, or requests served.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Objective {
    Availability,
    RequestSuccess,
}

impl Objective {
    /// As verdict titles name it.
    fn words(self) -> &'static str {
        match self {
            Objective::Availability => "availability",
            Objective::RequestSuccess => "request success",
        }
    }

    /// The per-replication sample of 1 - the fraction judged.
    fn complement(self, ind: &IndicatorSummary) -> &MeanVar {
        match self {
            Objective::Availability => &ind.unavailability,
            Objective::RequestSuccess => &ind.failed_requests,
        }
    }

    /// A verdict with its evidence where this objective's belongs.
    fn verdict(self, v: SloVerdict, evidence: Option<AvailabilityEvidence>) -> SloVerdict {
        match self {
            Objective::Availability => SloVerdict {
                availability: evidence,
                ..v
            },
            Objective::RequestSuccess => SloVerdict {
                request_success: evidence,
                ..v
            },
        }
    }
}

/// Judges an availability or request-success SLO: the same interval rule
/// for both, on the mean over replications of the fraction judged.
fn judge_fraction(
    key: String,
    objective: Objective,
    indicator: &str,
    target: f64,
    model: &Model,
    summary: &Summary,
    alpha: f64,
) -> SloVerdict {
    let title = format!("{indicator} {} >= {}", objective.words(), percent(target));
    let position = model.indicator_keys().iter().position(|k| k == indicator);
    let found = position.and_then(|i| summary.indicators.get(i));
    let unknown = |detail: String| SloVerdict {
        key: key.clone(),
        title: title.clone(),
        verdict: Verdict::Inconclusive,
        estimate: "-".into(),
        interval: "-".into(),
        detail,
        replications_needed: None,
        availability: None,
        data_loss: None,
        request_success: None,
    };
    let Some(ind) = found else {
        return unknown(format!("the scenario has no indicator `{indicator}`"));
    };
    if objective == Objective::RequestSuccess && !position.is_some_and(|i| model.has_requests(i)) {
        return unknown(format!(
            "`{indicator}` has no client requests; `request_success` is defined for `api` only"
        ));
    }
    let u = objective.complement(ind);
    let n = u.count();
    let mean = 1.0 - u.mean();
    let mut evidence = AvailabilityEvidence {
        indicator: indicator.to_string(),
        target,
        mean,
        ci_low: None,
        ci_high: None,
    };
    if n < 2 {
        let v = SloVerdict {
            estimate: percent_fine(mean, mean),
            detail: "an interval needs at least 2 replications".into(),
            ..unknown(String::new())
        };
        return objective.verdict(v, Some(evidence));
    }
    let h = student_t_quantile(1.0 - alpha / 2.0, (n - 1) as f64) * u.std_error();
    let (low, high) = ((mean - h).max(0.0), (mean + h).min(1.0));
    evidence.ci_low = Some(low);
    evidence.ci_high = Some(high);
    let confidence = percent(1.0 - alpha);
    let (verdict, detail, needed) = if low >= target {
        (
            Verdict::Met,
            format!(
                "the whole {confidence} interval is at or above {}",
                percent(target)
            ),
            None,
        )
    } else if high < target {
        (
            Verdict::Violated,
            format!(
                "the whole {confidence} interval is below {}",
                percent(target)
            ),
            None,
        )
    } else {
        let gap = (mean - target).abs();
        let needed = (gap > 0.0).then(|| {
            let factor = (h / gap).powi(2);
            (n as f64 * factor).ceil().min(u64::MAX as f64) as u64
        });
        let detail = match needed {
            Some(_) => format!(
                "the {confidence} interval contains {}; its half-width shrinks as 1/sqrt(replications)",
                percent(target)
            ),
            None => format!(
                "the estimate is exactly {}; no number of replications may settle it",
                percent(target)
            ),
        };
        (Verdict::Inconclusive, detail, needed)
    };
    let v = SloVerdict {
        key,
        title,
        verdict,
        estimate: percent_fine(mean, mean),
        interval: format!(
            "[{}, {}]",
            percent_fine(low, mean),
            percent_fine(high, mean)
        ),
        detail,
        replications_needed: needed,
        availability: None,
        data_loss: None,
        request_success: None,
    };
    objective.verdict(v, Some(evidence))
}

/// A data-loss SLO's terms.
struct DataObjective<'a> {
    metric: DataMetric,
    quantile: f64,
    max: f64,
    /// `etcd` or `workload/NAME`; `None`: every event.
    scope: Option<&'a str>,
}

/// The data-loss events an SLO of `scope` judges, and why the design
/// cannot lose that data when it cannot.
fn scoped<'a>(
    scope: Option<&str>,
    model: &Model,
    summary: &'a Summary,
) -> (&'a runner::LossSummary, Option<String>) {
    const NONE: &str = "this design cannot lose data (no `disk_loss`, no `disasters`)";
    let all = &summary.data_loss;
    let Some(scope) = scope else {
        return (all, (!model.data_at_risk()).then(|| NONE.to_string()));
    };
    let position = model.data_scopes().iter().position(|s| s == scope);
    match position.and_then(|i| summary.data_loss_by_scope.get(i)) {
        Some(loss) if scope == "etcd" && !model.etcd_data_at_risk() => (
            loss,
            Some("etcd cannot lose data here (no `disk_loss`, no disaster of scope `etcd`)".into()),
        ),
        Some(loss) => (loss, None),
        // Without scopes all data lost is etcd's.
        None if scope == "etcd" => (all, (!model.data_at_risk()).then(|| NONE.to_string())),
        None => (
            all,
            Some(format!(
                "no disaster strikes `{scope}`'s data, so it loses none"
            )),
        ),
    }
}

fn data_loss(
    key: String,
    objective: DataObjective,
    model: &Model,
    summary: &Summary,
    alpha: f64,
) -> SloVerdict {
    let DataObjective {
        metric,
        quantile,
        max,
        scope,
    } = objective;
    let (loss, safe) = scoped(scope, model, summary);
    let (name, sketch) = match metric {
        DataMetric::Rpo => ("rpo", &loss.rpo_seconds),
        DataMetric::Rto => ("rto", &loss.rto_seconds),
    };
    let q_label = quantile_label(quantile);
    let title = match scope {
        Some(scope) => format!("{scope} {name} {q_label} <= {}", format_duration(max)),
        None => format!("{name} {q_label} <= {}", format_duration(max)),
    };
    let allowed = 1.0 - quantile;
    // Every event has an RPO but those with nothing to restore (lost for
    // good), which count as above any `max`; an RTO only once the API is
    // back (or the workload serves again).
    let lost = loss.lost_events(model.horizon_years());
    let restorable = loss.rpo_seconds.count();
    let events = restorable + lost;
    let unfinished = events - (sketch.count() + lost).min(events);
    let (surely, maybe) = sketch.count_above(max);
    let (surely, maybe) = match metric {
        DataMetric::Rpo => (surely + lost, maybe + lost + unfinished),
        DataMetric::Rto => (surely, maybe + unfinished),
    };
    // The quantile over every event, those lost for good above all others.
    let quantile_seconds = match metric {
        DataMetric::Rpo if lost > 0 => {
            let q = quantile * events as f64 / restorable.max(1) as f64;
            if q < 1.0 && restorable > 0 {
                sketch.quantile(q)
            } else {
                None
            }
        }
        _ => sketch.quantile(quantile),
    };
    let mut evidence = DataLossEvidence {
        metric: name,
        quantile,
        max_minutes: max / 60.0,
        quantile_minutes: quantile_seconds.map(|s| s / 60.0),
        events,
        above_surely: surely,
        above_maybe: maybe,
        allowed_fraction: allowed,
        fraction_low: 0.0,
        fraction_high: 1.0,
    };
    let estimate = match quantile_seconds {
        Some(s) => format!("{q_label} = {}", human_duration_minutes(s / 60.0)),
        None if lost > 0 && metric == DataMetric::Rpo => format!("{q_label} = lost for good"),
        None => "-".to_string(),
    };
    let replications = summary.replications;
    if let Some(detail) = safe {
        return SloVerdict {
            key,
            title,
            verdict: Verdict::Met,
            estimate: "no data loss".into(),
            interval: "-".into(),
            detail,
            replications_needed: None,
            availability: None,
            data_loss: Some(DataLossEvidence {
                fraction_high: 0.0,
                ..evidence
            }),
            request_success: None,
        };
    }
    if events == 0 {
        return SloVerdict {
            key,
            title,
            verdict: Verdict::Inconclusive,
            estimate,
            interval: "-".into(),
            detail: format!(
                "no data-loss event in {replications} replications yet, so nothing to measure; \
                 the design can lose data, so it takes more replications"
            ),
            replications_needed: None,
            availability: None,
            data_loss: Some(evidence),
            request_success: None,
        };
    }
    // Met needs even the "maybe" events to leave room; violated needs the
    // sure ones alone to exceed it.
    let (_, high) = clopper_pearson(maybe, events, alpha);
    let (low, _) = clopper_pearson(surely, events, alpha);
    evidence.fraction_low = low;
    evidence.fraction_high = high;
    let confidence = percent(1.0 - alpha);
    let share = |k: u64| 100.0 * k as f64 / events as f64;
    let counted = if surely == maybe {
        format!("{surely} of {events} events above {}", format_duration(max))
    } else {
        format!(
            "{surely} to {maybe} of {events} events above {}",
            format_duration(max)
        )
    };
    let interval = format!(
        "{:.2}%..{:.2}% of events above (at most {} allowed)",
        100.0 * low,
        100.0 * high,
        percent(allowed)
    );
    let (verdict, detail, needed) = if high <= allowed {
        (
            Verdict::Met,
            format!(
                "{counted} ({:.2}%); the {confidence} upper bound on that share is within the {} allowed",
                share(maybe),
                percent(allowed)
            ),
            None,
        )
    } else if low > allowed {
        (
            Verdict::Violated,
            format!(
                "{counted} ({:.2}%); even the {confidence} lower bound on that share exceeds the {} allowed",
                share(surely),
                percent(allowed)
            ),
            None,
        )
    } else {
        // Events needed for the normal-approximation interval of the
        // observed share to clear the allowed one, then replications at the
        // rate events have come so far.
        let p = (surely + maybe) as f64 / 2.0 / events as f64;
        let gap = (p - allowed).abs();
        let z = student_t_quantile(1.0 - alpha / 2.0, 1e6);
        let needed = (gap > 0.0).then(|| {
            let events_needed = z * z * allowed * (1.0 - allowed) / (gap * gap);
            let per_replication = events as f64 / replications.max(1) as f64;
            (events_needed / per_replication)
                .ceil()
                .max(replications as f64 + 1.0)
                .min(u64::MAX as f64) as u64
        });
        (
            Verdict::Inconclusive,
            format!(
                "{counted}; the {confidence} interval of that share contains the {} allowed",
                percent(allowed)
            ),
            needed,
        )
    };
    SloVerdict {
        key,
        title,
        verdict,
        estimate,
        interval,
        detail,
        replications_needed: needed,
        availability: None,
        data_loss: Some(evidence),
        request_success: None,
    }
}

/// How `check` adds replications: `batch` at a time (a multiple of
/// [`BLOCK`]), at most `max` in all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub batch: u64,
    pub max: u64,
}

impl Plan {
    /// The most looks the plan may take.
    pub fn looks(&self) -> u64 {
        self.max.div_ceil(self.batch).max(1)
    }

    /// The error rate of each look: [`ALPHA`] shared among all the looks.
    pub fn alpha_per_look(&self) -> f64 {
        ALPHA / self.looks() as f64
    }
}

/// A finished check: the run and the verdicts on all of it.
pub struct Checked {
    pub run: Run,
    /// Per-replication unavailabilities, when asked for (see [`check`]).
    pub recorded: Recorded,
    pub verdicts: Vec<SloVerdict>,
    /// Looks taken (batches judged).
    pub looks: u64,
}

impl Checked {
    /// True when every SLO is met.
    pub fn passed(&self) -> bool {
        self.verdicts.iter().all(|v| v.verdict == Verdict::Met)
    }
}

/// Runs `model` a batch at a time, judging its SLOs after each, until all
/// are conclusive or `plan.max` replications have run. The looks fall on
/// block boundaries, so the outcome is the same on any thread count.
pub fn check(
    model: &Model,
    slos: &[Slo],
    plan: Plan,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    record: bool,
) -> Result<Checked, RunError> {
    debug_assert!(plan.batch > 0 && plan.batch.is_multiple_of(BLOCK));
    let alpha = plan.alpha_per_look();
    let options = RunOptions {
        replications: plan.max,
        first: 0,
        threads,
    };
    let (run, recorded) = runner::run_until_recording(
        model,
        &options,
        Some(plan.batch),
        &mut |summary| {
            judge_all(slos, model, summary, alpha)
                .iter()
                .all(|v| v.verdict != Verdict::Inconclusive)
        },
        progress,
        record,
    )?;
    let verdicts = judge_all(slos, model, &run.summary, alpha);
    let looks = run.summary.replications.div_ceil(plan.batch);
    Ok(Checked {
        run,
        recorded,
        verdicts,
        looks,
    })
}

/// `p95` for 0.95, `p99.9` for 0.999.
fn quantile_label(q: f64) -> String {
    let p = percent(q);
    format!("p{}", p.trim_end_matches('%'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(percent(0.9995), "99.95%");
        assert_eq!(percent(0.99), "99%");
        assert_eq!(quantile_label(0.95), "p95");
        assert_eq!(quantile_label(0.999), "p99.9");
    }
}
