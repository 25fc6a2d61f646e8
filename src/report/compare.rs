//! `compare`: several designs side by side, ranked, with each design's
//! difference to a baseline design over paired replications.

use serde::Serialize;

use super::csv::opt;
use super::human::{human_duration_minutes, percent};
use super::{DataLoss, Indicators, MINUTES_PER_YEAR, Named, Results, SCHEMA_VERSION, Tool};
use crate::model::Model;
use crate::runner::Comparison;
use crate::stats::Interval;
use crate::text::csv_cell;

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
    /// The study the designs come from (`compare STUDY`); null for `compare FILE...`.
    pub study: Option<StudyRef>,
    /// Designs of the study that did not validate, so were not run (empty for
    /// `compare FILE...`), in the study's order.
    pub invalid_designs: Vec<InvalidDesignResult>,
    /// Per indicator key any design has: the design that leads on it and
    /// those tied with it (see [`LeadingGroup`]).
    pub leading_groups: Named<LeadingGroup>,
}

/// The designs that lead on one indicator: the most available, and every
/// design whose paired difference to it is not significant.
#[derive(Clone, Debug, Serialize)]
pub struct LeadingGroup {
    /// The design with the highest mean availability (the first in the
    /// given order among equal means).
    pub leader: String,
    /// Designs tied with the leader, most available first: the 95% interval
    /// of their paired difference to it contains 0 (or there is no interval:
    /// fewer than two replications).
    pub tied: Vec<String>,
}

/// Which study a comparison ran.
#[derive(Clone, Debug, Serialize)]
pub struct StudyRef {
    /// The study's `study` name.
    pub name: String,
    /// The study file, as given.
    pub source: String,
    pub description: Option<String>,
}

/// A design of a study that was not run, and why.
#[derive(Clone, Debug, Serialize)]
pub struct InvalidDesignResult {
    pub name: String,
    /// What the study set for it: key path and value, in order.
    pub settings: Named<String>,
    /// The validation error: the key path and what was expected.
    pub reason: String,
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
    /// Hosts it runs: control-plane, etcd and worker hosts (with the
    /// cluster autoscaler, the workers it starts with), and the load
    /// balancer if any.
    pub hosts: u32,
    pub indicators: Indicators,
    pub data_loss: DataLoss,
    /// Monthly cost of its hosts and load balancer, from the scenario's
    /// `cost`; null without one.
    pub monthly_cost: Option<f64>,
    /// The currency of `monthly_cost`; null without a cost.
    pub currency: Option<String>,
    /// On the cost/availability Pareto frontier of the ranking indicator: no
    /// other design costs as little or less and is as available or more,
    /// with one of the two strictly. False for every design when any lacks a
    /// cost, or when the designs' currencies differ.
    pub pareto_frontier: bool,
    /// Per indicator the baseline also has: this design minus the baseline,
    /// mean over paired replications with a 95% interval. Negative is
    /// better. The baseline's own entries are exactly zero.
    pub difference_to_baseline: Differences,
    /// On the ranking indicator: the leader, or tied with it (the 95%
    /// interval of the paired difference to the leader contains 0).
    pub leading_group: bool,
    /// Per indicator: this design minus that indicator's leader (see
    /// [`ComparisonResults::leading_groups`]), over paired replications with a
    /// 95% interval; the leader's own entries are exactly zero.
    pub difference_to_leader: Differences,
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
                let mut r = Results::new(model, source, run);
                let keys = model.compared_keys();
                // A fleet's service compared under its workload's key is
                // shown under that key too.
                let own = model.indicator_keys();
                for (key, i) in &keys {
                    if own[*i] != *key
                        && let Some(found) = r.indicators.get(&own[*i]).cloned()
                    {
                        r.indicators.0.push((key.clone(), found));
                    }
                }
                let difference_to_baseline = Named(
                    keys.into_iter()
                        .map(|(key, _)| key)
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
                    hosts: model.design_hosts(),
                    indicators: r.indicators,
                    data_loss: r.data_loss,
                    monthly_cost: model.monthly_cost,
                    currency: model.monthly_cost.map(|_| model.currency.clone()),
                    pareto_frontier: false,
                    difference_to_baseline,
                    leading_group: false,
                    difference_to_leader: Named(Vec::new()),
                }
            })
            .collect();
        let leading_groups = leading_groups(&mut designs, comparison, indicator);
        let availability = |d: &DesignResult| {
            d.indicators
                .get(indicator)
                .map_or(f64::NEG_INFINITY, |i| i.availability.mean)
        };
        let same_currency = designs.windows(2).all(|w| w[0].currency == w[1].currency);
        let points: Option<Vec<(f64, f64)>> = designs
            .iter()
            .map(|d| d.monthly_cost.map(|c| (c, availability(d))))
            .collect();
        if let Some(points) = points.filter(|_| same_currency) {
            for (d, on) in designs.iter_mut().zip(pareto_frontier(&points)) {
                d.pareto_frontier = on;
            }
        }
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
            study: None,
            invalid_designs: Vec::new(),
            leading_groups,
        }
    }

    /// The ranked table for a person.
    pub fn write_table(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        if let Some(study) = &self.study {
            writeln!(out, "study {} ({})", study.name, study.source)?;
        }
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
                "lead",
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
        // Cost columns, after `hosts`, only when some design has a cost.
        let costs = self.designs.iter().any(|d| d.monthly_cost.is_some());
        let frontier = self.designs.iter().any(|d| d.pareto_frontier);
        const AFTER_HOSTS: usize = 10;
        if costs {
            rows[0].insert(AFTER_HOSTS, "cost/month".into());
            if frontier {
                rows[0].insert(AFTER_HOSTS + 1, "frontier".into());
            }
        }
        for d in &self.designs {
            let Some(i) = d.indicators.get(&self.indicator) else {
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
                .get(&self.indicator)
                .map_or("-".into(), |x| signed_minutes(&x.downtime_minutes_per_year));
            rows.push(vec![
                d.rank.to_string(),
                d.name.clone(),
                match (d.leading_group, d.rank) {
                    (true, 1) => "leader",
                    (true, _) => "tied",
                    (false, _) => "-",
                }
                .into(),
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
            if let Some(row) = rows.last_mut().filter(|_| costs) {
                row.insert(
                    AFTER_HOSTS,
                    d.monthly_cost.map_or("-".into(), |c| {
                        money(c, d.currency.as_deref().unwrap_or(""))
                    }),
                );
                if frontier {
                    row.insert(
                        AFTER_HOSTS + 1,
                        if d.pareto_frontier { "yes" } else { "-" }.into(),
                    );
                }
            }
        }
        super::table::write_rows(&rows, out)?;
        let tied = self.designs.iter().filter(|d| d.leading_group).count() - 1;
        if self.designs.len() > 1 {
            writeln!(
                out,
                "lead: {} tied with the leader (the 95% interval of the paired difference \
                 in `{}` contains 0)",
                match tied {
                    0 => "no design is".to_string(),
                    1 => "1 design is".to_string(),
                    k => format!("{k} designs are"),
                },
                self.indicator
            )?;
        }
        if !self.invalid_designs.is_empty() {
            writeln!(out)?;
            writeln!(
                out,
                "not run: {} invalid design{}",
                self.invalid_designs.len(),
                if self.invalid_designs.len() == 1 {
                    ""
                } else {
                    "s"
                }
            )?;
            for d in &self.invalid_designs {
                writeln!(out, "  {}: {}", d.name, d.reason)?;
            }
        }
        Ok(())
    }

    /// One CSV row per design; text cells (names, files, the currency)
    /// through [`csv_cell`].
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
            "monthly_cost",
            "currency",
            "pareto_frontier",
            "leading_group",
        ])?;
        for d in &self.designs {
            let Some(i) = d.indicators.get(&self.indicator) else {
                continue;
            };
            let diff = d
                .difference_to_baseline
                .get(&self.indicator)
                .map(|x| &x.downtime_minutes_per_year);
            w.write_record([
                d.rank.to_string(),
                csv_cell(&d.name),
                csv_cell(&d.source),
                csv_cell(&self.indicator),
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
                opt(d.monthly_cost),
                csv_cell(d.currency.as_deref().unwrap_or_default()),
                d.pareto_frontier.to_string(),
                d.leading_group.to_string(),
            ])?;
        }
        w.flush()
    }
}

/// Per indicator key, in [`crate::runner::PairDifferences::keys`] order: its
/// leader, every design's paired difference to it, and the designs tied
/// with it. `designs` are in model order (as `comparison`); fills in their
/// `difference_to_leader` and, for `indicator`, `leading_group`.
fn leading_groups(
    designs: &mut [DesignResult],
    comparison: &Comparison,
    indicator: &str,
) -> Named<LeadingGroup> {
    let mut groups = Vec::new();
    for key in &comparison.pairs.keys {
        let availability = |d: &DesignResult| d.indicators.get(key).map(|i| i.availability.mean);
        // The most available; the first of equals, as the stable ranking sort.
        let mut leader: Option<(usize, f64)> = None;
        for (i, d) in designs.iter().enumerate() {
            if let Some(a) = availability(d)
                && leader.is_none_or(|(_, best)| a > best)
            {
                leader = Some((i, a));
            }
        }
        let Some((l, _)) = leader else { continue };
        let mut tied: Vec<(usize, f64)> = Vec::new();
        for (i, d) in designs.iter_mut().enumerate() {
            let Some(a) = availability(d) else { continue };
            let difference = if i == l {
                Some(Interval {
                    mean: 0.0,
                    ci_low: Some(0.0),
                    ci_high: Some(0.0),
                })
            } else {
                comparison.pairs.between(i, l, key)
            };
            let Some(u) = difference else { continue };
            let in_group = i == l || !u.excludes_zero();
            if i != l && in_group {
                tied.push((i, a));
            }
            if key == indicator {
                d.leading_group = in_group;
            }
            d.difference_to_leader.0.push((
                key.clone(),
                Difference {
                    unavailability: u,
                    downtime_minutes_per_year: u.affine(0.0, MINUTES_PER_YEAR),
                },
            ));
        }
        // Most available first; equal means in the given order.
        tied.sort_by(|a, b| b.1.total_cmp(&a.1));
        groups.push((
            key.clone(),
            LeadingGroup {
                leader: designs[l].name.clone(),
                tied: tied
                    .into_iter()
                    .map(|(i, _)| designs[i].name.clone())
                    .collect(),
            },
        ));
    }
    Named(groups)
}

/// Whether a difference is significant: its interval excludes 0 (see
/// [`Interval::excludes_zero`]).
pub fn significant(x: &Interval) -> bool {
    x.excludes_zero()
}

/// `+1m 30s [+1m 02s, +1m 58s]`, for a difference in minutes.
pub(crate) fn signed_minutes(x: &Interval) -> String {
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

/// `1080 USD`, `99.50 EUR`: whole amounts without decimals, others with two.
fn money(amount: f64, currency: &str) -> String {
    let number = if amount.fract() == 0.0 && amount.abs() < 1e15 {
        format!("{amount:.0}")
    } else {
        format!("{amount:.2}")
    };
    if currency.is_empty() {
        number
    } else {
        format!("{number} {currency}")
    }
}

/// For each (cost, availability) point: whether it is on the Pareto
/// frontier, i.e. no other point costs the same or less and is as available
/// or more, with at least one of the two strictly better. Equal points are
/// all on it. NaN availabilities are never on it and dominate nothing.
pub fn pareto_frontier(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .enumerate()
        .map(|(i, &(cost, availability))| {
            !availability.is_nan()
                && !points.iter().enumerate().any(|(j, &(c, a))| {
                    j != i && c <= cost && a >= availability && (c < cost || a > availability)
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frontier_keeps_the_undominated() {
        // (cost, availability)
        let points = [
            (100.0, 0.999),   // cheapest: on it
            (200.0, 0.9999),  // better for more: on it
            (250.0, 0.9995),  // dearer and worse than the one above: off
            (200.0, 0.999),   // same cost as 1, worse: off
            (400.0, 0.99999), // best: on it
            (400.0, 0.99999), // its twin: on it too
            (100.0, 0.999),   // twin of the cheapest: on it
            (50.0, f64::NAN), // no availability: off
        ];
        assert_eq!(
            pareto_frontier(&points),
            [true, true, false, false, true, true, true, false]
        );
        assert_eq!(pareto_frontier(&[]), Vec::<bool>::new());
        assert_eq!(pareto_frontier(&[(0.0, 0.5)]), [true]);
    }

    #[test]
    fn money_is_short() {
        assert_eq!(money(1080.0, "USD"), "1080 USD");
        assert_eq!(money(99.5, "EUR"), "99.50 EUR");
        assert_eq!(money(0.0, ""), "0");
    }
}
