//! The default output: a table for a person.

use super::human::{human_duration_minutes, percent};
use super::{Exporter, Results};
use crate::text::visible_line;

pub struct TableExporter;

fn fmt_rate(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x < 0.01 {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

impl Exporter for TableExporter {
    fn write(&self, r: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{} — {} replications × {} y, seed {} ({})",
            r.scenario.name, r.replications, r.horizon_years, r.seed, r.scenario.source
        )?;
        if let Some(p) = &r.precision {
            let achieved = p
                .achieved
                .map_or("undefined (no downtime seen)".to_string(), |a| {
                    format!("{:.2}%", a * 100.0)
                });
            writeln!(
                out,
                "precision target {} ± {:.2}% (relative, 95%): {} after {} replications, {}",
                p.indicator,
                p.relative_half_width * 100.0,
                if p.reached { "reached" } else { "NOT reached" },
                r.replications,
                if p.reached {
                    format!("at ± {achieved}")
                } else {
                    format!("at ± {achieved}; the maximum is {}", p.max_replications)
                }
            )?;
        }
        writeln!(out)?;
        let header = [
            "indicator",
            "availability [95% CI]",
            "nines",
            "downtime/yr [95% CI]",
            "outages/yr",
            "outage p50",
            "outage p99",
        ];
        let mut rows = vec![header.map(String::from).to_vec()];
        for (name, i) in &r.indicators.0 {
            let a = &i.availability;
            let ci = interval(a.ci_low, a.ci_high, |x| percent(x, i.nines));
            let d = &i.downtime_minutes_per_year;
            let dci = interval(d.ci_low, d.ci_high, human_duration_minutes);
            let o = &i.outage_minutes;
            rows.push(vec![
                name.clone(),
                format!("{}{ci}", percent(a.mean, i.nines)),
                i.nines.map_or("∞".into(), |n| format!("{n:.2}")),
                format!("{}{dci}", human_duration_minutes(d.mean)),
                fmt_rate(i.outages_per_year.mean),
                o.p50.map_or("-".into(), human_duration_minutes),
                o.p99.map_or("-".into(), human_duration_minutes),
            ]);
        }
        write_rows(&rows, out)?;
        write_requests(r, out)?;
        write_pending(r, out)?;
        write_causes(r, out)?;
        write_data_loss(r, out)?;
        write_backups(r, out)?;
        let p = &r.performance;
        writeln!(out)?;
        writeln!(
            out,
            "{:.0} cluster-years in {:.3} s on {} thread{}: {:.0} cluster-years/s, {:.1} M events/s",
            r.replications as f64 * r.horizon_years,
            p.wall_seconds,
            p.threads,
            if p.threads == 1 { "" } else { "s" },
            p.simulated_years_per_second,
            p.events_per_second / 1e6
        )
    }
}

/// A 95% interval as " [low, high]" with `show` for each end, or nothing
/// when the run has no interval.
fn interval(low: Option<f64>, high: Option<f64>, show: impl Fn(f64) -> String) -> String {
    match (low, high) {
        (Some(l), Some(h)) => format!(" [{}, {}]", show(l), show(h)),
        _ => String::new(),
    }
}

/// Request success and degraded time per year, for the indicators with
/// client requests (`api`): success shown like availability, in percent
/// with as many digits as its nines need.
fn write_requests(r: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut rows = vec![
        [
            "requests",
            "success [95% CI]",
            "nines",
            "degraded/yr [95% CI]",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (name, i) in &r.indicators.0 {
        let (Some(s), Some(d)) = (&i.request_success, &i.degraded_minutes_per_year) else {
            continue;
        };
        let nines = (s.mean < 1.0).then(|| -(1.0 - s.mean).log10());
        let ci = interval(s.ci_low, s.ci_high, |x| percent(x, nines));
        let dci = interval(d.ci_low, d.ci_high, human_duration_minutes);
        rows.push(vec![
            name.clone(),
            format!("{}{ci}", percent(s.mean, nines)),
            nines.map_or("∞".into(), |n| format!("{n:.2}")),
            format!("{}{dci}", human_duration_minutes(d.mean)),
        ]);
    }
    if rows.len() == 1 {
        return Ok(());
    }
    writeln!(out)?;
    write_rows(&rows, out)
}

/// Pending time per year, for the workloads of a scenario whose workers
/// have a capacity (headroom: how long pods find no room).
fn write_pending(r: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut rows = vec![
        ["workload", "pending/yr [95% CI]"]
            .map(String::from)
            .to_vec(),
    ];
    for (name, i) in &r.indicators.0 {
        let Some(p) = &i.pending_minutes_per_year else {
            continue;
        };
        let ci = interval(p.ci_low, p.ci_high, human_duration_minutes);
        rows.push(vec![
            name.clone(),
            format!("{}{ci}", human_duration_minutes(p.mean)),
        ]);
    }
    if rows.len() == 1 {
        return Ok(());
    }
    writeln!(out)?;
    write_rows(&rows, out)
}

/// Downtime per year by cause, for the indicators with downtime and the
/// causes charged anywhere.
fn write_causes(r: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let down: Vec<_> = r
        .indicators
        .0
        .iter()
        .filter(|(_, i)| i.downtime_minutes_per_year.mean > 0.0)
        .collect();
    if down.is_empty() {
        return Ok(());
    }
    // The causes charged anywhere, in the order indicators list them (a
    // fleet's indicators have lists of their own).
    let mut causes: Vec<&str> = Vec::new();
    for (_, i) in &down {
        for (c, v) in &i.downtime_minutes_per_year_by_cause.0 {
            if v.mean > 0.0 && !causes.contains(&c.as_str()) {
                causes.push(c);
            }
        }
    }
    writeln!(out)?;
    let mut header = vec!["downtime/yr by cause".to_string()];
    header.extend(causes.iter().map(|c| c.replace('_', " ")));
    let mut rows = vec![header];
    for (name, i) in down {
        let mut row = vec![name.clone()];
        row.extend(causes.iter().map(|&c| {
            let m = i
                .downtime_minutes_per_year_by_cause
                .0
                .iter()
                .find(|(k, _)| k == c)
                .map_or(0.0, |(_, v)| v.mean);
            if m * 60_000.0 >= 1.0 {
                human_duration_minutes(m)
            } else if m > 0.0 {
                "<1ms".into()
            } else {
                "-".into()
            }
        }));
        rows.push(row);
    }
    write_rows(&rows, out)
}

/// The data-loss block: events per year, RPO and RTO, in all and per cause
/// (only when the scenario lost data at all); then, when a disaster can
/// strike a workload's data, the same per scope.
fn write_data_loss(r: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let d = &r.data_loss;
    if d.events_per_year.mean == 0.0 {
        return Ok(());
    }
    let all = d.as_cause();
    let causes = d.by_cause.0.iter().map(|(name, c)| (name.as_str(), c));
    let lost = d.lost_for_good_per_year.is_some();
    let rows = std::iter::once(("all causes", &all)).chain(causes);
    write_losses("data loss", rows, lost, out)?;
    if !d.by_scope.is_empty() {
        let scopes = d.by_scope.0.iter().map(|(name, c)| (name.as_str(), c));
        write_losses("data loss by scope", scopes, lost, out)?;
    }
    Ok(())
}

/// One block of data-loss rows under `title`, with a `lost for good/yr`
/// column when the scenario can lose data so.
fn write_losses<'a>(
    title: &str,
    losses: impl Iterator<Item = (&'a str, &'a super::CauseLoss)>,
    lost: bool,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    writeln!(out)?;
    let q = |x: Option<f64>| x.map_or("-".into(), human_duration_minutes);
    let mut head: Vec<String> = [
        title,
        "events/yr [95% CI]",
        "RPO p50",
        "RPO p95",
        "RPO max",
        "RTO p50",
        "RTO p95",
        "RTO max",
    ]
    .map(String::from)
    .to_vec();
    if lost {
        head.push("lost for good/yr".into());
    }
    let mut rows = vec![head];
    for (name, c) in losses {
        let events = &c.events_per_year;
        let ci = interval(events.ci_low, events.ci_high, fmt_rate);
        let (rpo, rto) = (&c.rpo_minutes, &c.rto_minutes);
        let mut row = vec![
            name.to_string(),
            format!("{}{ci}", fmt_rate(events.mean)),
            q(rpo.p50),
            q(rpo.p95),
            q(rpo.max),
            q(rto.p50),
            q(rto.p95),
            q(rto.max),
        ];
        // Events with nothing to restore, when the scenario can have them.
        if lost {
            row.push(c.lost_for_good_per_year.as_ref().map_or("-".into(), |l| {
                let ci = interval(l.ci_low, l.ci_high, fmt_rate);
                format!("{}{ci}", fmt_rate(l.mean))
            }));
        }
        rows.push(row);
    }
    write_rows(&rows, out)
}

/// Backup entries that can fail silently: the share of time failing and
/// with nothing restorable, and failures found a year.
fn write_backups(r: &Results, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    if r.backups.is_empty() {
        return Ok(());
    }
    writeln!(out)?;
    let share = |i: &crate::stats::Interval| {
        let p = |x: f64| format!("{:.3}%", 100.0 * x);
        format!("{}{}", p(i.mean), interval(i.ci_low, i.ci_high, p))
    };
    let mut rows = vec![
        [
            "backups",
            "silently failing [95% CI]",
            "nothing restorable [95% CI]",
            "failures found/yr",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for (name, b) in &r.backups.0 {
        rows.push(vec![
            name.clone(),
            share(&b.silently_failing),
            share(&b.nothing_restorable),
            fmt_rate(b.failures_found_per_year.mean),
        ]);
    }
    write_rows(&rows, out)
}

/// Writes rows as aligned columns: the first left-aligned, the rest right.
pub(crate) fn write_rows(
    rows: &[Vec<String>],
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    write_aligned(rows, 1, out)
}

/// Writes rows as aligned columns: the first `left` left-aligned, the rest right.
pub(crate) fn write_aligned(
    rows: &[Vec<String>],
    left: usize,
    out: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    // A control character or newline in a cell would be obeyed by the
    // terminal or break the row: shown escaped, and measured as shown.
    let rows: Vec<Vec<std::borrow::Cow<str>>> = rows
        .iter()
        .map(|row| row.iter().map(|cell| visible_line(cell)).collect())
        .collect();
    let columns = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            rows.iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (cell, &w))| {
                let pad = w - cell.chars().count();
                if c < left {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        writeln!(out, "{}", cells.join("  ").trim_end())?;
    }
    Ok(())
}
