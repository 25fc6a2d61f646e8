//! `--output csv`: one row per indicator, every statistic a column; then
//! one row for data loss (`data_loss`) and one per cause
//! (`data_loss/CAUSE`), whose statistics have columns of their own (empty
//! in indicator rows, as the indicator columns are in data-loss rows).
//! Then each indicator's downtime per year by cause; last, request success
//! and degraded minutes per year with their intervals, for indicators with
//! client requests (`api`; empty cells for the others and data-loss rows);
//! then the causes only some models have; then, with capacities or the autoscaler only,
//! `pending_minutes_per_year` and its interval (empty but for workloads);
//! last, in models that can lose data for good (a finite backup `ttl`, or a
//! disaster of a workload's data), `lost_for_good_per_year` and its
//! interval (empty in indicator rows). When a disaster can strike a
//! workload's data, rows `data_loss_by_scope/etcd` and
//! `data_loss_by_scope/workload/NAME` follow the causes' rows.
//! Cells of text (names) go through [`csv_cell`]; numbers are written as
//! they are.

use super::{Exporter, Results};
use crate::model::{CAUSES, Cause};
use crate::text::csv_cell;

pub struct CsvExporter;

/// Pending time, in models with capacities or the autoscaler only.
const PENDING_COLUMNS: [&str; 3] = [
    "pending_minutes_per_year",
    "pending_minutes_per_year_ci_low",
    "pending_minutes_per_year_ci_high",
];

const HEADER: [&str; 39] = [
    "scenario",
    "indicator",
    "replications",
    "horizon_years",
    "seed",
    "availability",
    "availability_ci_low",
    "availability_ci_high",
    "nines",
    "downtime_minutes_per_year",
    "downtime_minutes_per_year_ci_low",
    "downtime_minutes_per_year_ci_high",
    "outages_per_year",
    "outages_per_year_ci_low",
    "outages_per_year_ci_high",
    "outage_count",
    "outage_censored",
    "outage_minutes_mean",
    "outage_minutes_p50",
    "outage_minutes_p90",
    "outage_minutes_p99",
    "outage_minutes_max",
    "data_loss_events_per_year",
    "data_loss_events_per_year_ci_low",
    "data_loss_events_per_year_ci_high",
    "rpo_count",
    "rpo_minutes_mean",
    "rpo_minutes_p50",
    "rpo_minutes_p90",
    "rpo_minutes_p95",
    "rpo_minutes_p99",
    "rpo_minutes_max",
    "rto_count",
    "rto_minutes_mean",
    "rto_minutes_p50",
    "rto_minutes_p90",
    "rto_minutes_p95",
    "rto_minutes_p99",
    "rto_minutes_max",
];

/// Data lost for good, last of all, when the scenario can lose data so.
const LOST_COLUMNS: [&str; 3] = [
    "lost_for_good_per_year",
    "lost_for_good_per_year_ci_low",
    "lost_for_good_per_year_ci_high",
];

/// After the cause columns, so that no earlier column moves.
const REQUEST_COLUMNS: [&str; 6] = [
    "request_success",
    "request_success_ci_low",
    "request_success_ci_high",
    "degraded_minutes_per_year",
    "degraded_minutes_per_year_ci_low",
    "degraded_minutes_per_year_ci_high",
];

/// An interval as three cells (mean, low, high), or three empty cells.
fn interval_cells(i: Option<&crate::stats::Interval>) -> [String; 3] {
    match i {
        Some(i) => [i.mean.to_string(), opt(i.ci_low), opt(i.ci_high)],
        None => Default::default(),
    }
}

pub(super) fn opt(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

impl Exporter for CsvExporter {
    fn write(&self, results: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let mut w = ::csv::Writer::from_writer(out);
        // Downtime by cause: one column per cause every model has, after
        // the fixed ones; the causes only some models have (racks,
        // certificates, changes) after the request columns, so that no
        // column moves. A fleet's indicators have lists of their own: every
        // cause of any, in the order they first appear.
        let mut extra: Vec<String> = Vec::new();
        for (_, r) in &results.indicators.0 {
            for (k, _) in &r.downtime_minutes_per_year_by_cause.0 {
                if !Cause::ALWAYS.iter().any(|c| c.key() == k) && !extra.contains(k) {
                    extra.push(k.clone());
                }
            }
        }
        // Pending time: only for models with capacities, after all else.
        let pending = results
            .indicators
            .0
            .iter()
            .any(|(_, r)| r.pending_minutes_per_year.is_some());
        let pending_columns: &[&str] = if pending { &PENDING_COLUMNS } else { &[] };
        // Data lost for good: only for models that can lose data so.
        let lost = results.data_loss.lost_for_good_per_year.is_some();
        let lost_columns: &[&str] = if lost { &LOST_COLUMNS } else { &[] };
        let column = |key: &str| format!("downtime_minutes_per_year_{key}");
        let cause_columns: Vec<String> = Cause::ALWAYS.iter().map(|c| column(c.key())).collect();
        w.write_record(
            HEADER
                .iter()
                .map(|h| h.to_string())
                .chain(cause_columns)
                .chain(REQUEST_COLUMNS.iter().map(|h| h.to_string()))
                .chain(extra.iter().map(|k| column(k)))
                .chain(pending_columns.iter().map(|h| h.to_string()))
                .chain(lost_columns.iter().map(|h| h.to_string())),
        )?;
        for (name, r) in &results.indicators.0 {
            let o = &r.outage_minutes;
            let by_cause = |key: &str| {
                r.downtime_minutes_per_year_by_cause
                    .get(key)
                    .map(|i| i.mean.to_string())
                    .unwrap_or_default()
            };
            w.write_record(
                [
                    csv_cell(&results.scenario.name),
                    csv_cell(name),
                    results.replications.to_string(),
                    results.horizon_years.to_string(),
                    results.seed.to_string(),
                    r.availability.mean.to_string(),
                    opt(r.availability.ci_low),
                    opt(r.availability.ci_high),
                    opt(r.nines),
                    r.downtime_minutes_per_year.mean.to_string(),
                    opt(r.downtime_minutes_per_year.ci_low),
                    opt(r.downtime_minutes_per_year.ci_high),
                    r.outages_per_year.mean.to_string(),
                    opt(r.outages_per_year.ci_low),
                    opt(r.outages_per_year.ci_high),
                    o.count.to_string(),
                    o.censored.to_string(),
                    opt(o.mean),
                    opt(o.p50),
                    opt(o.p90),
                    opt(o.p99),
                    opt(o.max),
                ]
                .into_iter()
                .chain(std::iter::repeat_n(String::new(), 17))
                .chain(Cause::ALWAYS.iter().map(|c| by_cause(c.key())))
                .chain(interval_cells(r.request_success.as_ref()))
                .chain(interval_cells(r.degraded_minutes_per_year.as_ref()))
                .chain(extra.iter().map(|k| by_cause(k)))
                .chain(if pending {
                    interval_cells(r.pending_minutes_per_year.as_ref()).to_vec()
                } else {
                    Vec::new()
                })
                .chain(std::iter::repeat_n(String::new(), lost_columns.len())),
            )?;
        }
        let d = &results.data_loss;
        let all = d.as_cause();
        let rows = std::iter::once(("data_loss".to_string(), &all))
            .chain(
                d.by_cause
                    .0
                    .iter()
                    .map(|(cause, c)| (format!("data_loss/{cause}"), c)),
            )
            .chain(
                d.by_scope
                    .0
                    .iter()
                    .map(|(scope, c)| (format!("data_loss_by_scope/{scope}"), c)),
            );
        for (name, c) in rows {
            let events = &c.events_per_year;
            let mut record = vec![
                csv_cell(&results.scenario.name),
                csv_cell(&name),
                results.replications.to_string(),
                results.horizon_years.to_string(),
                results.seed.to_string(),
            ];
            record.extend(std::iter::repeat_n(String::new(), 17));
            record.extend([
                events.mean.to_string(),
                opt(events.ci_low),
                opt(events.ci_high),
            ]);
            for q in [&c.rpo_minutes, &c.rto_minutes] {
                record.extend([
                    q.count.to_string(),
                    opt(q.mean),
                    opt(q.p50),
                    opt(q.p90),
                    opt(q.p95),
                    opt(q.p99),
                    opt(q.max),
                ]);
            }
            record.extend(std::iter::repeat_n(
                String::new(),
                CAUSES + REQUEST_COLUMNS.len() + extra.len() + pending_columns.len(),
            ));
            if lost {
                record.extend(interval_cells(c.lost_for_good_per_year.as_ref()));
            }
            w.write_record(record)?;
        }
        w.flush()
    }
}
