//! What a run may cost, said before it starts and enforced while it runs.
//!
//! - **Size**: before any work, a short calibration runs the first
//!   replications of each design (or part of one, for a design whose
//!   replication is long) and extrapolates the whole run's wall time. Runs
//!   estimated above [`WARN_AFTER`] get a warning with the estimate and go
//!   on; runs estimated above the hard cap (`--max-run-time`, default
//!   [`DEFAULT_MAX_RUN_TIME`]) are refused before they start.
//! - **Events**: a replication that processes more events than the
//!   scenario's budget (`simulation.max_events_per_year`, per simulated
//!   year) stops the run ([`crate::runner::Overrun`]); [`explain`] replays
//!   its beginning and names the component whose events flood it.
//!
//! Neither changes a result: the calibration's replications are thrown
//! away, and a run that stays within its budget is the run it always was.

use std::time::{Duration, Instant};

use crate::model::{Cluster, Model};
use crate::report::human::{human_duration_minutes, thousands};
use crate::runner::{CHUNK, Overrun};
use crate::scenario::{Scenario, YEAR_SECONDS, format_duration};

/// Estimated wall time above which a run is announced with a warning.
pub const WARN_AFTER: Duration = Duration::from_secs(10 * 60);

/// Estimated wall time above which a run is refused, unless `--max-run-time`
/// allows more.
pub const DEFAULT_MAX_RUN_TIME: Duration = Duration::from_secs(24 * 3600);

/// Time one design's calibration may take, at most, when its replications
/// are long; short replications stop it far sooner.
const CALIBRATION: Duration = Duration::from_millis(250);

/// Time after which a design's calibration has seen enough short
/// replications.
const ENOUGH: Duration = Duration::from_millis(5);

/// Replications a design's calibration runs, at most.
const CALIBRATION_REPLICATIONS: u64 = CHUNK;

/// Events between looks at the clock while a long replication is timed.
const STEP: u64 = 256;

/// Events of an overrunning replication replayed to see who made them.
const CENSUS_EVENTS: u64 = 1 << 21;

/// The estimated cost of one design's replication.
#[derive(Clone, Copy, Debug)]
pub struct Calibration {
    /// CPU seconds one replication takes, on one thread.
    pub seconds_per_replication: f64,
    /// Replications (or the fraction of one) the figure was measured on.
    pub measured_replications: f64,
}

/// Replications a calibration times before it may stop early.
const FEW: f64 = 4.0;

/// Times the first replications of `model` (throwaway runs; results are
/// not touched). A replication too long to finish in the calibration's
/// time is extrapolated from the simulated time it reached. It stops
/// early, after a few replications, once they take under `short_below`
/// seconds each: then the run is plainly short, and the calibration
/// should not cost more than it.
pub fn calibrate(model: &Model, short_below: f64) -> Calibration {
    // A fleet's replication is its clusters' one after another.
    if let Some(f) = &model.fleet {
        let parts: Vec<Calibration> = f
            .clusters
            .iter()
            .map(|c| calibrate(&c.model, short_below / f.clusters.len() as f64))
            .collect();
        return Calibration {
            seconds_per_replication: parts.iter().map(|c| c.seconds_per_replication).sum(),
            measured_replications: parts
                .iter()
                .map(|c| c.measured_replications)
                .fold(f64::INFINITY, f64::min),
        };
    }
    let mut cluster = Cluster::new(model);
    let start = Instant::now();
    let mut done = 0.0;
    for r in 0..CALIBRATION_REPLICATIONS {
        let probe = cluster.probe(r, STEP, || start.elapsed() < CALIBRATION);
        if probe.finished {
            done += 1.0;
        } else {
            done += probe.reached / model.horizon;
        }
        let elapsed = start.elapsed();
        let short = done >= FEW && elapsed.as_secs_f64() < short_below * done;
        if !probe.finished || elapsed >= ENOUGH || short {
            break;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    Calibration {
        // A probe stopped at its very first events has reached t = 0 in
        // the worst case: count it as a sliver, never as nothing.
        seconds_per_replication: elapsed / done.max(1e-9),
        measured_replications: done,
    }
}

/// A run's estimated cost.
#[derive(Clone, Debug)]
pub struct Estimate {
    /// Wall time on the run's threads.
    pub wall: Duration,
    /// CPU seconds per replication of every design together.
    pub seconds_per_replication: f64,
    /// The design that costs most, when there are several: (index, its share).
    pub costliest: Option<(usize, f64)>,
    pub replications: u64,
    pub threads: usize,
}

/// The estimated wall time of `replications` of every model, run paired on
/// `threads` (every chunk of [`CHUNK`] replications is one thread's work).
pub fn estimate(models: &[&Model], replications: u64, threads: usize) -> Estimate {
    let parallel = (threads.max(1) as u64).min(replications.div_ceil(CHUNK).max(1));
    // A design whose replications cost less than this keeps the whole run
    // under an eighth of the warning threshold.
    let short_below = WARN_AFTER.as_secs_f64() / 8.0 * parallel as f64
        / replications.max(1) as f64
        / models.len().max(1) as f64;
    let per: Vec<f64> = models
        .iter()
        .map(|m| calibrate(m, short_below).seconds_per_replication)
        .collect();
    let seconds_per_replication: f64 = per.iter().sum();
    let wall = seconds_per_replication * replications as f64 / parallel as f64;
    let costliest = (models.len() > 1)
        .then(|| {
            per.iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, &s)| (i, s / seconds_per_replication))
        })
        .flatten();
    Estimate {
        wall: Duration::try_from_secs_f64(wall).unwrap_or(Duration::MAX),
        seconds_per_replication,
        costliest,
        replications,
        threads: parallel as usize,
    }
}

/// What to do with a run of this estimate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Short: start without a word.
    Start,
    /// Long but allowed: say how long, then start.
    Warn,
    /// Beyond the cap: refuse before any work.
    Refuse,
}

impl Estimate {
    /// Start quietly up to [`WARN_AFTER`] (or the cap, if lower), warn up
    /// to the cap, refuse beyond it.
    pub fn verdict(&self, cap: Duration) -> Verdict {
        if self.wall > cap {
            Verdict::Refuse
        } else if self.wall > WARN_AFTER {
            Verdict::Warn
        } else {
            Verdict::Start
        }
    }

    /// "about 14h 20m on 2 threads (2,000 replications, 52s of CPU each)".
    pub fn describe(&self) -> String {
        format!(
            "about {} on {} thread{} ({} replications, {} of CPU each)",
            human(self.wall.as_secs_f64()),
            self.threads,
            if self.threads == 1 { "" } else { "s" },
            thousands(self.replications),
            human(self.seconds_per_replication),
        )
    }
}

/// Seconds for people, two units at most ("14h 20m", "850ms", "3d 02h");
/// beyond a thousand days, in years.
pub fn human(seconds: f64) -> String {
    if seconds > 1000.0 * 86_400.0 {
        return format!(
            "{} years",
            thousands((seconds / YEAR_SECONDS).round() as u64)
        );
    }
    if seconds < 1e-3 {
        return format!("{:.0}µs", seconds * 1e6);
    }
    human_duration_minutes(seconds / 60.0)
}

/// Why replication `overrun.replication` of `scenario` (compiled as
/// `model`) ran out of events, and what to do: its first events replayed
/// and counted by component, the largest share named, with the timing that
/// makes it so and the likely typo.
pub fn explain(scenario: &Scenario, model: &Model, overrun: &Overrun) -> String {
    let budget = scenario.simulation.max_events_per_year();
    let mut out = format!(
        "replication {} exceeded the event budget of {} events per simulated year ({} for its \
         {}), {} simulated years in",
        overrun.replication,
        thousands(budget),
        thousands(model.event_limit),
        format_duration(model.horizon),
        trim(overrun.reached / YEAR_SECONDS, 3),
    );
    let max = CENSUS_EVENTS.min(overrun.events);
    // In a fleet, the cluster that floods is the one the same events carry
    // the least simulated time.
    let (model, cluster) = match &model.fleet {
        None => (model, String::new()),
        Some(f) => f
            .clusters
            .iter()
            .map(|c| {
                let reached = Cluster::new(&c.model)
                    .census(overrun.replication, max)
                    .reached;
                (c, reached)
            })
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or((model, String::new()), |(c, _)| {
                (&c.model, format!("cluster {}: ", c.name))
            }),
    };
    let census = Cluster::new(model).census(overrun.replication, max);
    let years = census.reached / YEAR_SECONDS;
    if let Some((key, n)) = census.by_component.first()
        && years > 0.0
    {
        let share = *n as f64 / census.events.max(1) as f64;
        out += &format!(
            ": {cluster}{key} {}: {} events a year ({:.0}% of them)",
            behaviour(model, key),
            thousands((*n as f64 / years).round() as u64),
            share * 100.0,
        );
        if let Some(typo) = typo(model, key) {
            out += &format!("; did you mean {typo}?");
        }
    }
    if !out.ends_with('?') {
        out.push('.');
    }
    out + " If the scenario is right, raise the budget with --max-events-per-year N or \
           `simulation.max_events_per_year`."
}

/// What makes component `key` busy, from its timings: "fails every 1s on
/// average (and is repaired in 5m)".
fn behaviour(model: &Model, key: &str) -> String {
    match lifecycle(model, key) {
        Some(l) => format!(
            "fails every {} on average and is back after {}",
            human(l.failure.mean()),
            human(l.repair.mean())
        ),
        None => match key.strip_prefix("disasters.") {
            Some(name) => model
                .disasters
                .iter()
                .find(|d| d.name == name)
                .map(|d| format!("strikes every {} on average", human(d.every.mean())))
                .unwrap_or_default(),
            None => "is the busiest component".into(),
        },
    }
}

/// A failure or disaster mean under a minute, read as a unit typo: `1s`
/// was likely meant as `1y`.
fn typo(model: &Model, key: &str) -> Option<String> {
    let mean = match lifecycle(model, key) {
        Some(l) => l.failure.mean(),
        None => {
            let name = key.strip_prefix("disasters.")?;
            model
                .disasters
                .iter()
                .find(|d| d.name == name)?
                .every
                .mean()
        }
    };
    (mean < 60.0).then(|| format!("{}y", trim(mean, 3)))
}

/// The failure and repair of the component class a census key names.
fn lifecycle<'m>(model: &'m Model, key: &str) -> Option<&'m crate::model::Lifecycle> {
    let host_class = |role: fn(&crate::model::Role) -> bool| {
        model
            .hosts
            .iter()
            .find(|h| role(&h.role))
            .map(|h| &model.host_classes[h.class as usize])
    };
    use crate::model::Role;
    match key {
        "control_plane.node" => host_class(|r| matches!(r, Role::ControlPlane(_))),
        "control_plane.etcd_node" => host_class(|r| matches!(r, Role::Etcd(_))),
        "workers.node" => host_class(|r| matches!(r, Role::Worker(_))),
        "zones" => Some(&model.zone_lifecycle),
        "control_plane.load_balancer" => model.load_balancer.as_ref(),
        "control_plane.apiserver" => model.apiserver_crash.as_ref(),
        "control_plane.etcd_member" => model.member_crash.as_ref(),
        _ => None,
    }
}

/// `x` with at most `digits` decimals and no trailing zeros.
fn trim(x: f64, digits: usize) -> String {
    let s = format!("{x:.digits$}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn estimate(minutes: u64) -> Estimate {
        Estimate {
            wall: Duration::from_secs(60 * minutes),
            seconds_per_replication: 1.0,
            costliest: None,
            replications: 1,
            threads: 1,
        }
    }

    #[test]
    fn long_runs_warn_and_runs_beyond_the_cap_are_refused() {
        let day = DEFAULT_MAX_RUN_TIME;
        assert_eq!(estimate(10).verdict(day), Verdict::Start);
        assert_eq!(estimate(11).verdict(day), Verdict::Warn);
        assert_eq!(estimate(24 * 60).verdict(day), Verdict::Warn);
        assert_eq!(estimate(24 * 60 + 1).verdict(day), Verdict::Refuse);
        // A cap below the warning threshold refuses what it does not allow.
        let five = Duration::from_secs(300);
        assert_eq!(estimate(5).verdict(five), Verdict::Start);
        assert_eq!(estimate(6).verdict(five), Verdict::Refuse);
    }

    #[test]
    fn people_read_the_times() {
        assert_eq!(human(7.6e-6), "8µs");
        assert_eq!(human(41.0), "41.0s");
        assert_eq!(human(11.0 * 3600.0 + 23.0 * 60.0), "11h 23m");
        assert_eq!(human(5000.0 * YEAR_SECONDS), "5,000 years");
    }
}
