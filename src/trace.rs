//! One sample outage, traced: the replication is run again with an
//! observer that records every row's state after each instant, and the
//! window around the outage is cut out. This is the timeline chart's data:
//! the picture that explains a failure mode in a review.

use crate::model::{Cause, Cluster, Model, TraceRow, UP};

/// One row's state over a stretch of time.
#[derive(Clone, Debug, PartialEq)]
pub struct Span {
    pub from: f64,
    pub to: f64,
    pub state: &'static str,
}

/// An outage of one indicator, and every row's states around it.
#[derive(Clone, Debug)]
pub struct SampleOutage {
    pub replication: u64,
    /// The outage, seconds since the replication's start.
    pub start: f64,
    pub end: f64,
    /// The cause charged the most time in it.
    pub cause: &'static str,
    /// The window shown around it.
    pub window: (f64, f64),
    pub rows: Vec<TraceRow>,
    /// Per row, consecutive spans covering the window.
    pub spans: Vec<Vec<Span>>,
}

/// Every row's spans over a whole replication.
fn trace(cluster: &mut Cluster, replication: u64, horizon: f64) -> Vec<Vec<Span>> {
    let rows = cluster.trace_rows().len();
    let mut spans: Vec<Vec<Span>> = vec![Vec::new(); rows];
    let mut state = Vec::with_capacity(rows);
    cluster.run_observed(
        replication,
        |_: usize, _: f64| {},
        |c, now| {
            state.clear();
            c.trace_state(now, &mut state);
            for (row, &s) in spans.iter_mut().zip(&state) {
                if row.last().is_some_and(|last| last.state == s) {
                    continue;
                }
                // A new state: the previous span ends here.
                if let Some(last) = row.last_mut() {
                    last.to = now;
                }
                row.push(Span {
                    from: now,
                    to: now,
                    state: s,
                });
            }
        },
    );
    for row in &mut spans {
        if let Some(last) = row.last_mut() {
            last.to = horizon;
        }
    }
    spans
}

/// The outages in one indicator row: (start, end, dominant cause), for
/// outages that end within the horizon.
fn outages(row: &[Span], horizon: f64) -> Vec<(f64, f64, &'static str)> {
    let mut found = Vec::new();
    let mut i = 0;
    while i < row.len() {
        if row[i].state == UP {
            i += 1;
            continue;
        }
        let start = row[i].from;
        let mut by_cause: Vec<(&'static str, f64)> = Vec::new();
        while i < row.len() && row[i].state != UP {
            let d = row[i].to - row[i].from;
            match by_cause.iter_mut().find(|(c, _)| *c == row[i].state) {
                Some(entry) => entry.1 += d,
                None => by_cause.push((row[i].state, d)),
            }
            i += 1;
        }
        let end = row[i.min(row.len()) - 1].to;
        if end < horizon {
            let cause = by_cause
                .iter()
                .fold(
                    (UP, -1.0),
                    |best, &(c, d)| if d > best.1 { (c, d) } else { best },
                )
                .0;
            found.push((start, end, cause));
        }
    }
    found
}

/// Finds, in the first `scan` replications, the first outage of indicator
/// `key` whose dominant cause is `cause` (or the first outage at all when
/// none is), and traces the window around it: the outage with half its
/// length, and at least two minutes, on either side.
pub fn sample_outage(
    model: &Model,
    key: &str,
    cause: Option<Cause>,
    scan: u64,
) -> Option<SampleOutage> {
    let mut cluster = Cluster::new(model);
    let rows = cluster.trace_rows();
    let row = rows.iter().position(|r| r.indicator && r.label == key)?;
    // The chosen replication's trace is kept, not run again.
    let mut fallback = None;
    let mut chosen = None;
    for r in 0..scan {
        let spans = trace(&mut cluster, r, model.horizon);
        let found = outages(&spans[row], model.horizon);
        if let Some(&o) = found
            .iter()
            .find(|o| cause.is_none_or(|want| want.label() == o.2))
        {
            chosen = Some((r, o, spans));
            break;
        }
        if fallback.is_none()
            && let Some(&o) = found.first()
        {
            fallback = Some((r, o, spans));
        }
    }
    let (replication, (start, end, c), spans) = chosen.or(fallback)?;
    let pad = ((end - start) * 0.5).max(120.0);
    let window = ((start - pad).max(0.0), (end + pad).min(model.horizon));
    let spans = spans
        .into_iter()
        .map(|row| {
            row.into_iter()
                .filter(|s| s.to > window.0 && s.from < window.1)
                .map(|s| Span {
                    from: s.from.max(window.0),
                    to: s.to.min(window.1),
                    state: s.state,
                })
                .collect()
        })
        .collect();
    Some(SampleOutage {
        replication,
        start,
        end,
        cause: c,
        window,
        rows,
        spans,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span(from: f64, to: f64, state: &'static str) -> Span {
        Span { from, to, state }
    }

    #[test]
    fn outages_merge_causes_and_skip_censored_ones() {
        let row = vec![
            span(0.0, 10.0, UP),
            span(10.0, 12.0, "host failure"),
            span(12.0, 13.0, "etcd election"),
            span(13.0, 50.0, UP),
            span(50.0, 100.0, "load balancer"),
        ];
        assert_eq!(outages(&row, 100.0), vec![(10.0, 13.0, "host failure")]);
    }
}
