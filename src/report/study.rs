//! A study's report: the charts' data and the document's rows, assembled
//! from the study, its models, the paired runs and the ranked results.

use super::charts::{
    ChartInput, DesignChartData, ScopeCurve, SweepChartData, SweepSeries, Timeline, TimelineRow,
    TimelineSpan,
};
use super::compare::{ComparisonResults, DesignResult};
use super::document::{DataRisk, IndicatorCell, Report, ReportChart, ReportRow, Shape, SloLine};
use super::human::human_duration_minutes;
use super::{IndicatorResult, Tool};
use crate::model::{CauseList, Model, UP};
use crate::runner::Comparison;
use crate::scenario::Study;
use crate::stats::{DurationSketch, Interval};
use crate::trace::sample_outage;

/// A finished study: everything its report is made of. `models` and
/// `comparison.runs` are in `study.designs` order; `results.designs` are
/// ranked.
pub struct StudyOutcome<'a> {
    pub study: &'a Study,
    /// The designs are scenario files given one by one (see
    /// [`crate::scenario::study_of_files`]), not a study's.
    pub from_files: bool,
    pub models: &'a [Model],
    pub comparison: &'a Comparison,
    pub results: &'a ComparisonResults,
}

/// Replications searched for a sample outage to draw on the timeline.
pub const TIMELINE_SCAN: u64 = 2000;

/// Timelines with more component rows than this drop the components that
/// stay up throughout the window.
const MAX_TIMELINE_ROWS: usize = 16;

impl StudyOutcome<'_> {
    /// The index in `study.designs` of a design by name.
    fn design_index(&self, name: &str) -> Option<usize> {
        self.study.designs.iter().position(|d| d.name == name)
    }

    fn indicator<'r>(&self, d: &'r DesignResult) -> Option<&'r IndicatorResult> {
        d.indicators.get(&self.results.indicator)
    }

    /// The ranking indicator's index in design `i`'s results.
    fn indicator_index(&self, i: usize) -> Option<usize> {
        self.models[i].compared(&self.results.indicator)
    }

    /// Downtime minutes per year of the ranking indicator by cause.
    fn by_cause(&self, d: &DesignResult) -> Vec<f64> {
        self.by_cause_intervals(d).iter().map(|x| x.mean).collect()
    }

    /// Every design's causes together, as (key, label), in precedence order;
    /// then a fleet's ranking indicator's (a service's: `dns_failover` and
    /// its clusters' causes, `east/zone_outage`).
    fn causes(&self) -> Vec<(String, String)> {
        let mut causes = CauseList::union(
            self.models
                .iter()
                .filter(|m| m.fleet.is_none())
                .map(|m| &m.causes),
        );
        for (i, m) in self.models.iter().enumerate() {
            if m.fleet.is_none() {
                continue;
            }
            let Some(k) = self.indicator_index(i) else {
                continue;
            };
            for key in m.cause_keys(k) {
                if !causes.iter().any(|(c, _)| *c == key) {
                    let label = key.replace('_', " ").replace('/', ": ");
                    causes.push((key, label));
                }
            }
        }
        causes
    }

    /// Downtime minutes per year of the ranking indicator by cause, with
    /// their intervals, in [`Self::causes`] order (0 for a cause the design
    /// cannot have).
    fn by_cause_intervals(&self, d: &DesignResult) -> Vec<Interval> {
        let by_cause = self
            .indicator(d)
            .map(|i| &i.downtime_minutes_per_year_by_cause);
        self.causes()
            .iter()
            .map(|(key, _)| {
                by_cause
                    .and_then(|c| c.get(key))
                    .copied()
                    .unwrap_or_default()
            })
            .collect()
    }

    /// The causes' labels, in [`Self::causes`] order.
    fn cause_labels(&self) -> Vec<String> {
        self.causes().into_iter().map(|(_, label)| label).collect()
    }

    /// Everything the charts draw; `timeline` from [`Self::timeline`].
    pub fn chart_input(&self, timeline: Option<Timeline>) -> ChartInput {
        let designs = self
            .results
            .designs
            .iter()
            .map(|d| {
                let i = self.design_index(&d.name);
                let summary = i.map(|i| &self.comparison.runs[i].summary);
                let outages = match (i, summary) {
                    (Some(i), Some(s)) => self.indicator_index(i).map_or(Vec::new(), |k| {
                        quantile_curve(&s.indicators[k].outage_seconds)
                    }),
                    _ => Vec::new(),
                };
                let years = self.results.horizon_years;
                let (rpo, rpo_lost_share) =
                    summary.map_or((Vec::new(), 0.0), |s| rpo_curve(&s.data_loss, years));
                let rpo_by_scope = match (i, summary) {
                    (Some(i), Some(s)) => self.models[i]
                        .data_scopes()
                        .into_iter()
                        .zip(&s.data_loss_by_scope)
                        .map(|(scope, l)| {
                            let (quantiles, lost_share) = rpo_curve(l, years);
                            ScopeCurve {
                                scope,
                                quantiles,
                                lost_share,
                            }
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                DesignChartData {
                    name: d.name.clone(),
                    availability: self
                        .indicator(d)
                        .map_or_else(Default::default, |i| i.availability),
                    downtime_minutes_per_year: self
                        .indicator(d)
                        .map_or_else(Default::default, |i| i.downtime_minutes_per_year),
                    downtime_by_cause: self.by_cause_intervals(d),
                    outage_minutes_quantiles: outages,
                    rpo_minutes_quantiles: rpo,
                    rpo_lost_share,
                    rpo_by_scope,
                    monthly_cost: d.monthly_cost,
                    currency: d.currency.clone().unwrap_or_default(),
                    on_frontier: d.pareto_frontier,
                }
            })
            .collect();
        let sweeps = self
            .study
            .sweeps
            .iter()
            .enumerate()
            .map(|(a, axis)| SweepChartData {
                key: axis.key.clone(),
                x_label: if axis.unit.is_empty() {
                    axis.key.clone()
                } else {
                    format!("{} ({})", axis.key, axis.unit)
                },
                log_x: axis.log_x,
                series: axis
                    .series
                    .iter()
                    .map(|(label, members)| SweepSeries {
                        label: label.clone(),
                        points: members
                            .iter()
                            .filter_map(|&i| {
                                let design = &self.study.designs[i];
                                let x = design.sweep_x.iter().find(|(k, _)| *k == a)?.1;
                                let r = self
                                    .results
                                    .designs
                                    .iter()
                                    .find(|r| r.name == design.name)?;
                                Some((x, self.indicator(r)?.availability))
                            })
                            .collect(),
                    })
                    .collect(),
            })
            .collect();
        ChartInput {
            indicator: self.results.indicator.clone(),
            causes: self.cause_labels(),
            designs,
            sweeps,
            timeline,
            baseline: Some(self.results.baseline.clone()),
        }
    }

    /// One sample outage of the baseline design's ranking indicator, of
    /// the cause that costs it the most downtime: the first such outage in
    /// replication order.
    pub fn timeline(&self) -> Option<Timeline> {
        let b = self.design_index(&self.results.baseline)?;
        // A fleet has no timeline of its own (docs/model.md, "Fleets").
        if self.models[b].fleet.is_some() {
            return None;
        }
        let result = self
            .results
            .designs
            .iter()
            .find(|d| d.name == self.results.baseline)?;
        let by_cause = self.by_cause(result);
        let causes = self.causes();
        let top = (0..causes.len())
            .filter(|&c| by_cause[c] > 0.0)
            .max_by(|&x, &y| by_cause[x].total_cmp(&by_cause[y]))
            .and_then(|c| self.models[b].causes.find(&causes[c].0));
        let scan = TIMELINE_SCAN.min(self.results.replications.max(1));
        let sample = sample_outage(&self.models[b], &self.results.indicator, top, scan)?;
        let (start, end) = sample.window;
        let mut rows: Vec<TimelineRow> = sample
            .rows
            .iter()
            .zip(&sample.spans)
            .map(|(row, spans)| TimelineRow {
                label: row.label.clone(),
                indicator: row.indicator,
                spans: spans
                    .iter()
                    .map(|s| TimelineSpan {
                        from: s.from,
                        to: s.to,
                        state: s.state.to_string(),
                    })
                    .collect(),
            })
            .collect();
        // A cluster autoscaler's slot with no worker in the window is no component.
        rows.retain(|r| r.indicator || r.spans.iter().any(|s| s.state != crate::model::ABSENT));
        if rows.len() > MAX_TIMELINE_ROWS {
            rows.retain(|r| r.indicator || r.spans.iter().any(|s| s.state != UP));
        }
        Some(Timeline {
            title: format!(
                "{}, replication {}: {} outage of {} ({})",
                self.results.baseline,
                sample.replication,
                self.results.indicator,
                human_duration_minutes((sample.end - sample.start) / 60.0),
                sample.cause
            ),
            start,
            end,
            rows,
        })
    }

    /// The document: ranked rows, charts, assumptions and how to reproduce.
    pub fn report<'c>(
        &self,
        charts: Vec<ReportChart<'c>>,
        reproduce: String,
        results_json: String,
        results_csv: String,
    ) -> Report<'c> {
        let r = self.results;
        let rows = r
            .designs
            .iter()
            .map(|d| {
                let ind = self.indicator(d);
                let design = self.design_index(&d.name).map(|i| &self.study.designs[i]);
                ReportRow {
                    rank: d.rank,
                    name: d.name.clone(),
                    availability: ind.map_or_else(Default::default, |i| i.availability),
                    nines: ind.and_then(|i| i.nines),
                    downtime_minutes_per_year: ind
                        .map_or_else(Default::default, |i| i.downtime_minutes_per_year),
                    outages_per_year: ind.map_or_else(Default::default, |i| i.outages_per_year),
                    outage_p99_minutes: ind.and_then(|i| i.outage_minutes.p99),
                    rpo_p95_minutes: d.data_loss.rpo_minutes.p95,
                    hosts: d.hosts,
                    monthly_cost: d.monthly_cost,
                    currency: d.currency.clone().unwrap_or_default(),
                    pareto_frontier: d.pareto_frontier,
                    difference_to_baseline: d
                        .difference_to_baseline
                        .get(&r.indicator)
                        .map(|x| x.downtime_minutes_per_year),
                    downtime_by_cause: self.by_cause(d),
                    settings: design.map_or_else(Vec::new, |d| d.settings.clone()),
                    shape: design.map(|d| shape(&d.scenario)),
                    control_plane_differences: ["etcd", "api", "control_plane"]
                        .iter()
                        .filter_map(|k| {
                            let x = d.difference_to_baseline.get(k)?;
                            Some((k.to_string(), x.downtime_minutes_per_year))
                        })
                        .collect(),
                    effective_yaml: design.map_or_else(String::new, |d| d.effective_yaml.clone()),
                    source: d.source.clone(),
                    leading_group: d.leading_group,
                    difference_to_leader: d
                        .difference_to_leader
                        .get(&r.indicator)
                        .map(|x| x.downtime_minutes_per_year),
                    indicators: self.indicator_cells(d),
                    slos: self.slo_lines(&d.name),
                    data_loss: data_risk(d),
                    failovers: d
                        .data_loss
                        .by_cause
                        .0
                        .iter()
                        .filter(|(k, _)| k.starts_with("service/"))
                        .map(|(k, c)| (k.clone(), risk_of(c)))
                        .collect(),
                    scopes: d
                        .data_loss
                        .by_scope
                        .0
                        .iter()
                        .map(|(k, c)| (k.clone(), risk_of(c)))
                        .collect(),
                }
            })
            .collect();
        let study = self.study;
        let rows_len = r.designs.len();
        Report {
            title: match (self.from_files, rows_len) {
                (false, _) => format!("Study {}", study.name),
                (true, 1) => format!("Scenario {}", r.designs[0].name),
                (true, n) => format!("Comparison of {n} scenarios"),
            },
            from_files: self.from_files,
            description: study.description.clone(),
            generated_by: format!("{} {}", Tool::current().name, Tool::current().version),
            reproduce,
            study_source: study.source.clone(),
            seed: r.seed,
            replications: r.replications,
            horizon_years: r.horizon_years,
            indicator: r.indicator.clone(),
            baseline: r.baseline.clone(),
            wall_seconds: r.wall_seconds,
            threads: r.threads,
            causes: self.cause_labels(),
            indicator_keys: r.leading_groups.0.iter().map(|(k, _)| k.clone()).collect(),
            rows,
            invalid: study
                .invalid
                .iter()
                .map(|d| (d.name.clone(), d.settings.clone(), d.reason.clone()))
                .collect(),
            charts,
            results_json,
            results_csv,
        }
    }
}

impl StudyOutcome<'_> {
    /// Design `d` on every indicator of the comparison.
    fn indicator_cells(&self, d: &DesignResult) -> Vec<Option<IndicatorCell>> {
        self.results
            .leading_groups
            .0
            .iter()
            .map(|(key, group)| {
                let i = d.indicators.get(key)?;
                // Every design exactly as available as the leader is
                // among the most available (the leader is the first of
                // them in the ranking's order).
                let best = self
                    .results
                    .designs
                    .iter()
                    .find(|x| x.name == group.leader)
                    .and_then(|x| x.indicators.get(key))
                    .map(|l| l.availability.mean);
                Some(IndicatorCell {
                    availability: i.availability,
                    nines: i.nines,
                    downtime_minutes_per_year: i.downtime_minutes_per_year,
                    leader: group.leader == d.name,
                    most_available: group.leader == d.name
                        || (group.tied.contains(&d.name) && best == Some(i.availability.mean)),
                    leading_group: group.leader == d.name || group.tied.contains(&d.name),
                    pending_minutes_per_year: i.pending_minutes_per_year,
                })
            })
            .collect()
    }

    /// The design's SLOs judged on the whole run, each at 95% confidence
    /// (one look, as `check` judges a single batch).
    fn slo_lines(&self, name: &str) -> Vec<SloLine> {
        let Some(i) = self.design_index(name) else {
            return Vec::new();
        };
        let design = &self.study.designs[i];
        crate::check::judge_all(
            &design.scenario.slos,
            &self.models[i],
            &self.comparison.runs[i].summary,
            crate::check::ALPHA,
        )
        .into_iter()
        .map(|v| SloLine {
            title: v.title,
            verdict: v.verdict.label().to_string(),
            estimate: v.estimate,
            interval: v.interval,
        })
        .collect()
    }
}

/// A design's data loss, when it has any to show: events seen, or backups
/// whose RPO the events would have.
fn data_risk(d: &DesignResult) -> Option<DataRisk> {
    let l = &d.data_loss;
    if l.rpo_minutes.count == 0 && l.rto_minutes.count == 0 && l.events_per_year.mean == 0.0 {
        return None;
    }
    Some(risk_of(&l.as_cause()))
}

/// A loss's events per year and its RPO and RTO (median, p95, maximum).
fn risk_of(c: &super::CauseLoss) -> DataRisk {
    let q = |x: &super::Quantiles| [x.p50, x.p95, x.max];
    DataRisk {
        events_per_year: c.events_per_year,
        events: c.rpo_minutes.count.max(c.rto_minutes.count),
        rpo_minutes: q(&c.rpo_minutes),
        rto_minutes: q(&c.rto_minutes),
        lost_per_year: c.lost_for_good_per_year,
    }
}

/// What pairs a stacked design with its external twin.
fn shape(s: &crate::scenario::Scenario) -> Shape {
    let cp = &s.control_plane;
    Shape {
        topology: match cp.topology {
            crate::scenario::Topology::Stacked => "stacked",
            crate::scenario::Topology::External => "external",
        }
        .into(),
        nodes: cp.nodes,
        members: cp.etcd_members(),
        endpoint: match (&cp.load_balancer, &cp.load_balancer_kind) {
            (_, Some(crate::scenario::LoadBalancerKind::Pair { .. })) => "pair",
            (_, Some(crate::scenario::LoadBalancerKind::Cloud { .. })) => "cloud",
            (None, None) => "none",
            _ => "single",
        }
        .into(),
    }
}

/// A distribution's quantile curve in minutes: (probability, minutes) at
/// probabilities 0.01 to 0.99 and 0.995, 0.999; empty for an empty sample.
/// A loss's RPO curve over every event, and the share of events lost for
/// good: the curve's probabilities shrink by that share (those events have
/// no RPO, and lie beyond any).
fn rpo_curve(loss: &crate::runner::LossSummary, years: f64) -> (Vec<(f64, f64)>, f64) {
    let share = loss.lost_share(years);
    let curve = quantile_curve(&loss.rpo_seconds)
        .into_iter()
        .map(|(p, m)| (p * (1.0 - share), m))
        .collect();
    (curve, share)
}

fn quantile_curve(sketch: &DurationSketch) -> Vec<(f64, f64)> {
    let ps = (1..100).map(|k| k as f64 / 100.0).chain([0.995, 0.999]);
    let mut curve: Vec<(f64, f64)> = Vec::new();
    for p in ps {
        if let Some(q) = sketch.quantile(p) {
            let minutes = q / 60.0;
            // Keep the curve increasing in both coordinates.
            if curve.last().is_none_or(|&(_, m)| minutes >= m) {
                curve.push((p, minutes));
            }
        }
    }
    curve
}
