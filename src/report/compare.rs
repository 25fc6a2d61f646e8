//! `compare`: several designs side by side, ranked, with each design's
//! difference to a baseline design over paired replications.

use serde::Serialize;

use super::csv::opt;
use super::human::{human_duration_minutes, percent};
use super::{DataLoss, Indicators, MINUTES_PER_YEAR, Named, Results, SCHEMA_VERSION, Tool};
use crate::model::Model;
use crate::runner::Comparison;
use crate::stats::Interval;

/// Everything `compare` reports.
#[derive(Clone, Debug, Serialize)]
pub struct ComparisonResults {
    /// Version of this layout.
    pub schema_version: u32,
    pub tool: Tool,
    /// The indicator designs are ranked by (availability, best first).
    pub indicator: String,
    /// The design differences are taken against.
    pub baseline: String,
    /// Seed, replications and horizon shared by every design (so that they
    /// share their random numbers).
    pub seed: u64,
    pub replications: u64,
    pub horizon_years: f64,
    /// Designs, best first.
    pub designs: Vec<DesignResult>,
    /// Wall time of the whole comparison, and its threads.
    pub wall_seconds: f64,
    pub threads: usize,
}

/// One design of a comparison.
#[derive(Clone, Debug, Serialize)]
pub struct DesignResult {
    /// 1 for the best design on `indicator`.
    pub rank: usize,
    /// The scenario's `name`.
    pub name: String,
    /// The file it was read from.
    pub source: String,
    /// Hosts it runs: control-plane, etcd and worker hosts, and the load
    /// balancer if any.
    pub hosts: u32,
    pub indicators: Indicators,
    pub data_loss: DataLoss,
    /// Per indicator the baseline also has: this design minus the baseline,
    /// mean over paired replications with a 95% interval. Negative is
    /// better. The baseline's own entries are exactly zero.
    pub difference_to_baseline: Differences,
}

/// A paired difference of one indicator.
#[derive(Clone, Debug, Serialize)]
pub struct Difference {
    /// Difference in unavailability (fraction of time down).
    pub unavailability: Interval,
    /// The same in downtime minutes per year.
    pub downtime_minutes_per_year: Interval,
}

/// Differences by indicator key, in result order.
pub type Differences = Named<Difference>;

impl ComparisonResults {
    /// Assembles a comparison; `sources` are the files the designs came from.
    /// `indicator` must be an indicator of every design.
    pub fn new(
        models: &[Model],
        sources: &[String],
        baseline: usize,
        indicator: &str,
        comparison: &Comparison,
    ) -> ComparisonResults {
        let mut designs: Vec<DesignResult> = models
            .iter()
            .zip(sources)
            .zip(&comparison.runs)
            .zip(&comparison.differences)
            .map(|(((model, source), run), differences)| {
                let r = Results::new(model, source, run);
                let keys = model.indicator_keys();
                let difference_to_baseline = Named(
                    keys.into_iter()
                        .zip(differences)
                        .filter_map(|(key, d)| {
                            let u = d.as_ref()?.interval95();
                            let downtime = u.affine(0.0, MINUTES_PER_YEAR);
                            Some((
                                key,
                                Difference {
                                    unavailability: u,
                                    downtime_minutes_per_year: downtime,
                                },
                            ))
                        })
                        .collect(),
                );
                DesignResult {
                    rank: 0,
                    name: model.name.clone(),
                    source: source.clone(),
                    hosts: model.hosts.len() as u32 + u32::from(model.load_balancer.is_some()),
                    indicators: r.indicators,
                    data_loss: r.data_loss,
                    difference_to_baseline,
                }
            })
            .collect();
        let availability = |d: &DesignResult| {
            d.indicators
                .0
                .iter()
                .find(|(k, _)| k == indicator)
                .map_or(f64::NEG_INFINITY, |(_, i)| i.availability.mean)
        };
        // Best first; ties keep the order given (stable sort).
        designs.sort_by(|a, b| availability(b).total_cmp(&availability(a)));
        for (i, d) in designs.iter_mut().enumerate() {
            d.rank = i + 1;
        }
        let first = &comparison.runs[baseline];
        ComparisonResults {
            schema_version: SCHEMA_VERSION,
            tool: Tool::current(),
            indicator: indicator.to_string(),
            baseline: models[baseline].name.clone(),
            seed: models[baseline].seed,
            replications: first.summary.replications,
            horizon_years: models[baseline].horizon_years(),
            designs,
            wall_seconds: first.wall.as_secs_f64(),
            threads: first.threads,
        }
    }

    /// The ranked table for a person.
    pub fn write_table(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{} designs × {} replications × {} y, seed {}; ranked by `{}`; differences to {}",
            self.designs.len(),
            self.replications,
            self.horizon_years,
            self.seed,
            self.indicator,
            self.baseline
        )?;
        writeln!(out)?;
        let mut rows = vec![
            [
                "rank",
                "design",
                "availability [95% CI]",
                "nines",
                "downtime/yr",
                "outages/yr",
                "outage p99",
                "RPO p95",
                "hosts",
                "Δ downtime/yr vs baseline [95% CI]",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for d in &self.designs {
            let Some((_, i)) = d.indicators.0.iter().find(|(k, _)| *k == self.indicator) else {
                continue;
            };
            let a = &i.availability;
            let ci = match (a.ci_low, a.ci_high) {
                (Some(l), Some(h)) => {
                    format!(" [{}, {}]", percent(l, i.nines), percent(h, i.nines))
                }
                _ => String::new(),
            };
            let diff = d
                .difference_to_baseline
                .0
                .iter()
                .find(|(k, _)| *k == self.indicator)
                .map_or("-".into(), |(_, x)| {
                    signed_minutes(&x.downtime_minutes_per_year)
                });
            rows.push(vec![
                d.rank.to_string(),
                d.name.clone(),
                format!("{}{ci}", percent(a.mean, i.nines)),
                i.nines.map_or("∞".into(), |n| format!("{n:.2}")),
                human_duration_minutes(i.downtime_minutes_per_year.mean),
                format!("{:.3}", i.outages_per_year.mean),
                i.outage_minutes
                    .p99
                    .map_or("-".into(), human_duration_minutes),
                d.data_loss
                    .rpo_minutes
                    .p95
                    .map_or("-".into(), human_duration_minutes),
                d.hosts.to_string(),
                diff,
            ]);
        }
        super::table::write_rows(&rows, out)
    }

    /// One CSV row per design.
    pub fn write_csv(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        w.write_record([
            "rank",
            "design",
            "source",
            "indicator",
            "availability",
            "availability_ci_low",
            "availability_ci_high",
            "nines",
            "downtime_minutes_per_year",
            "outages_per_year",
            "outage_minutes_p99",
            "rpo_minutes_p95",
            "hosts",
            "difference_downtime_minutes_per_year",
            "difference_ci_low",
            "difference_ci_high",
        ])?;
        for d in &self.designs {
            let Some((_, i)) = d.indicators.0.iter().find(|(k, _)| *k == self.indicator) else {
                continue;
            };
            let diff = d
                .difference_to_baseline
                .0
                .iter()
                .find(|(k, _)| *k == self.indicator)
                .map(|(_, x)| &x.downtime_minutes_per_year);
            w.write_record([
                d.rank.to_string(),
                d.name.clone(),
                d.source.clone(),
                self.indicator.clone(),
                i.availability.mean.to_string(),
                opt(i.availability.ci_low),
                opt(i.availability.ci_high),
                opt(i.nines),
                i.downtime_minutes_per_year.mean.to_string(),
                i.outages_per_year.mean.to_string(),
                opt(i.outage_minutes.p99),
                opt(d.data_loss.rpo_minutes.p95),
                d.hosts.to_string(),
                diff.map(|x| x.mean.to_string()).unwrap_or_default(),
                opt(diff.and_then(|x| x.ci_low)),
                opt(diff.and_then(|x| x.ci_high)),
            ])?;
        }
        w.flush()
    }
}

/// `+1m 30s [+1m 02s, +1m 58s]`, for a difference in minutes.
fn signed_minutes(x: &Interval) -> String {
    let one = |m: f64| {
        if m < 0.0 {
            format!("-{}", human_duration_minutes(-m))
        } else {
            format!("+{}", human_duration_minutes(m))
        }
    };
    match (x.ci_low, x.ci_high) {
        (Some(l), Some(h)) => format!("{} [{}, {}]", one(x.mean), one(l), one(h)),
        _ => one(x.mean),
    }
}
