//! Baselines: a run's results kept under a name (`--save-baseline NAME`),
//! and later runs compared against them (`--baseline NAME`).
//!
//! A baseline keeps, per indicator, the exact count, mean and variance of
//! the per-replication downtime (and of data-loss events per year), and
//! each replication's downtime, so a later run can test its difference,
//! two-sided at 95%:
//!
//! - **paired**, when both runs have the same seed and horizon (replication
//!   r of each drew the same random numbers for every component the two
//!   designs share): the Student t interval of the mean of (current -
//!   baseline) over the replications both have. The differences vary far
//!   less than either run, so this sees changes of a few seconds a year.
//! - **Welch's** two-sample t test on the replication means otherwise
//!   (another seed, a baseline from `merge`, data-loss events), which
//!   treats the runs as independent.
//!
//! A change is *worse* when the whole 95% interval of (current - baseline)
//! is above the [`Tolerance`] (its lower bound exceeds it: significantly
//! worse by more than the tolerance), *better* when the whole interval is
//! below minus the tolerance, *within tolerance* when the interval excludes
//! zero but not the tolerance (a real change, too small to matter), and *no
//! significant change* otherwise; identical samples are *unchanged* (an
//! unchanged scenario with the same seed and replications is bit-identical
//! and never flagged). The tolerance applies to downtime; data-loss events
//! are judged against zero. The default tolerance, 0, flags every
//! significant increase.
//!
//! A baseline also records the tool version and the scenario's
//! [`Scenario::content_hash`]; a comparison says when either differs (a
//! changed design is what a comparison is for, so that is a note, not an
//! error). A comparison that cannot be paired (another seed or horizon, or
//! a side without per-replication values) is refused unless asked for
//! (`--allow-unpaired`): see [`unpaired_because`].
//!
//! A baseline carries a SHA-256 digest of its content, and reading one
//! checks that its samples agree with its replication count and with the
//! per-replication values, so that a damaged or edited baseline is refused
//! rather than passing a regression.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fsio::Sealed;
use crate::model::Model;
use crate::report::{MINUTES_PER_YEAR, Tool};
use crate::runner::{Recorded, Summary};
use crate::scenario::Scenario;
use crate::special::{student_t_cdf, student_t_quantile};
use crate::stats::{Interval, MeanVar};

pub const BASELINE_FORMAT: &str = "kubenines-baseline";
pub const BASELINE_FORMAT_VERSION: u32 = 2;
/// Where named baselines live, relative to the working directory.
pub const DEFAULT_DIR: &str = ".kubenines/baselines";

impl Sealed for Baseline {
    fn digest(&self) -> &str {
        &self.digest
    }

    fn digest_mut(&mut self) -> &mut String {
        &mut self.digest
    }
}

/// A stored baseline.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// [`BASELINE_FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// `sha256:` and the hex SHA-256 of the baseline serialised as compact
    /// JSON with this field empty: see [`Sealed::digest_of`].
    pub digest: String,
    pub name: String,
    pub tool: ToolRecord,
    pub scenario: ScenarioRecord,
    pub seed: u64,
    pub replications: u64,
    pub horizon_years: f64,
    /// What later runs are compared on, in order.
    pub metrics: Vec<Metric>,
    /// The full results of the run, for people (`run --output json`).
    pub results: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolRecord {
    pub name: String,
    pub version: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioRecord {
    pub name: String,
    pub source: String,
    pub hash: String,
}

/// One compared quantity: its per-replication sample, exact.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    /// `api`, `workload/web`, ..., or `data_loss`.
    pub key: String,
    /// What the numbers are: `downtime minutes per year` or `data-loss events per year`.
    pub unit: String,
    /// Mean, for people.
    pub mean: f64,
    /// Count, mean and sum of squared deviations of the per-replication
    /// values in `unit`'s scale, exact (count and IEEE 754 bits).
    pub sample: MeanVar,
    /// The per-replication values themselves, replication 0 first, for a
    /// paired comparison with a later run of the same seed (indicators
    /// only; empty for data loss).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<f64>,
}

const DOWNTIME: &str = "downtime minutes per year";
const EVENTS: &str = "data-loss events per year";

/// The metrics of a run: each indicator's downtime per year (with the
/// per-replication values, when recorded), then data-loss events per year.
fn metrics(model: &Model, summary: &Summary, recorded: &Recorded) -> Vec<Metric> {
    let mut out: Vec<Metric> = model
        .indicator_keys()
        .into_iter()
        .zip(&summary.indicators)
        .enumerate()
        .map(|(i, (key, ind))| {
            let sample = ind.unavailability.scaled(MINUTES_PER_YEAR);
            let values = recorded
                .get(i)
                .filter(|v| v.len() as u64 == summary.replications)
                .map(|v| v.iter().map(|u| u * MINUTES_PER_YEAR).collect())
                .unwrap_or_default();
            Metric {
                key,
                unit: DOWNTIME.into(),
                mean: sample.mean(),
                sample,
                values,
            }
        })
        .collect();
    let events = summary.data_loss.events_per_year;
    out.push(Metric {
        key: "data_loss".into(),
        unit: EVENTS.into(),
        mean: events.mean(),
        sample: events,
        values: Vec::new(),
    });
    out
}

impl Baseline {
    /// The baseline of a finished run; `recorded` holds its per-replication
    /// unavailabilities (or nothing, and later comparisons are unpaired).
    pub fn new(
        name: &str,
        scenario: &Scenario,
        model: &Model,
        summary: &Summary,
        recorded: &Recorded,
        results: serde_json::Value,
    ) -> Baseline {
        let tool = Tool::current();
        let mut baseline = Baseline {
            format: BASELINE_FORMAT.into(),
            format_version: BASELINE_FORMAT_VERSION,
            digest: String::new(),
            name: name.into(),
            tool: ToolRecord {
                name: tool.name.into(),
                version: tool.version.into(),
            },
            scenario: ScenarioRecord {
                name: scenario.name.clone(),
                source: scenario.source.clone(),
                hash: scenario.content_hash(),
            },
            seed: scenario.simulation.seed,
            replications: summary.replications,
            horizon_years: model.horizon_years(),
            metrics: metrics(model, summary, recorded),
            results,
        };
        baseline.seal();
        baseline
    }

    /// Checks that the baseline is one a run could have written: metrics
    /// there are, each a sample of `replications` finite values, whose
    /// per-replication values (where kept) are that sample. Errors name
    /// the field.
    pub fn check(&self) -> Result<(), String> {
        let bad = |field: &str, why: String| {
            Err(format!("`{field}` {why} (the file was edited or damaged)"))
        };
        let n = self.replications;
        if n == 0 {
            return bad("replications", "is 0".into());
        }
        if !(self.horizon_years.is_finite() && self.horizon_years > 0.0) {
            return bad("horizon_years", format!("is {}", self.horizon_years));
        }
        if self.metrics.is_empty() {
            return bad(
                "metrics",
                "is empty: there is nothing to compare with".into(),
            );
        }
        let has_values = self.metrics.iter().any(|m| !m.values.is_empty());
        for (k, m) in self.metrics.iter().enumerate() {
            let field = |f: &str| format!("metrics[{k}].{f}");
            if self.metrics[..k].iter().any(|o| o.key == m.key) {
                return bad(&field("key"), format!("`{}` appears twice", m.key));
            }
            if m.unit != DOWNTIME && m.unit != EVENTS {
                return bad(&field("unit"), format!("is {:?}", m.unit));
            }
            if m.sample.count() != n {
                return bad(
                    &field("sample"),
                    format!("counts {} replications, the baseline {n}", m.sample.count()),
                );
            }
            if m.mean.to_bits() != m.sample.mean().to_bits() {
                return bad(
                    &field("mean"),
                    format!("is {}, its sample's mean {}", m.mean, m.sample.mean()),
                );
            }
            if m.values.is_empty() {
                // All indicators keep their values or none does: one without
                // would quietly be compared unpaired.
                if m.unit == DOWNTIME && has_values {
                    return bad(
                        &field("values"),
                        "are missing, and other indicators have theirs".into(),
                    );
                }
                continue;
            }
            if m.values.len() as u64 != n {
                return bad(
                    &field("values"),
                    format!("holds {} values for {n} replications", m.values.len()),
                );
            }
            if let Some((r, v)) = m
                .values
                .iter()
                .enumerate()
                .find(|(_, v)| !(v.is_finite() && **v >= 0.0))
            {
                return bad(&field(&format!("values[{r}]")), format!("is {v}"));
            }
            // The sample was folded in blocks and the values one by one, so
            // the two agree to rounding, not to the bit: a relative 1e-9 is
            // a thousand times the rounding of a billion replications, and
            // far below any edit that would matter.
            let mut again = MeanVar::default();
            m.values.iter().for_each(|&v| again.push(v));
            let scale = m.sample.mean().abs() + m.sample.variance().sqrt();
            if (again.mean() - m.sample.mean()).abs() > 1e-9 * scale {
                return bad(
                    &field("values"),
                    format!(
                        "have mean {}, and the sample's is {}",
                        again.mean(),
                        m.sample.mean()
                    ),
                );
            }
            let var = m.sample.variance();
            if (again.variance() - var).abs() > 1e-6 * var {
                return bad(
                    &field("values"),
                    format!(
                        "have variance {}, and the sample's is {var}",
                        again.variance()
                    ),
                );
            }
        }
        Ok(())
    }

    /// Reads a baseline; errors say what is wrong and how to make one.
    pub fn read(name: &str, path: &Path) -> Result<Baseline, String> {
        let file = path.display();
        let text = match crate::fsio::read_limited(path, crate::fsio::MAX_RESULTS_BYTES) {
            Ok(t) => t,
            Err(crate::fsio::ReadError::NotFound) => {
                return Err(format!(
                    "no baseline `{name}`: {file} does not exist (make one with \
                     `--save-baseline {name}`, or give --baseline-dir)"
                ));
            }
            Err(e) => return Err(format!("{file}: baseline: {e}")),
        };
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            format_version: Option<u32>,
        }
        let header: Header = serde_json::from_slice(&text)
            .map_err(|e| format!("{file}: not a kubenines baseline (not a JSON object: {e})"))?;
        if header.format.as_deref() != Some(BASELINE_FORMAT) {
            return Err(format!(
                "{file}: not a kubenines baseline (no `\"format\": \"{BASELINE_FORMAT}\"`)"
            ));
        }
        if header.format_version != Some(BASELINE_FORMAT_VERSION) {
            return Err(format!(
                "{file}: baseline format version {:?}; this kubenines reads {BASELINE_FORMAT_VERSION} \
                 (save the baseline again with this version)",
                header.format_version
            ));
        }
        let baseline: Baseline =
            serde_json::from_slice(&text).map_err(|e| format!("{file}: damaged baseline: {e}"))?;
        baseline.verify().map_err(|why| {
            format!("{file}: the baseline was edited or damaged: {why} (save the baseline again)")
        })?;
        baseline.check().map_err(|e| format!("{file}: {e}"))?;
        Ok(baseline)
    }

    /// Writes the baseline atomically (see [`crate::fsio::write_atomic`]),
    /// creating its directory.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut text = serde_json::to_vec_pretty(self).map_err(std::io::Error::other)?;
        text.push(b'\n');
        crate::fsio::write_atomic(path, &text)
    }
}

/// The file of baseline `name`: `dir/NAME.json`, or `name` itself when it
/// names a file (contains a `/` or ends in `.json`).
pub fn path_of(name: &str, dir: &Path) -> Result<PathBuf, String> {
    if name.contains('/') || name.ends_with(".json") {
        return Ok(PathBuf::from(name));
    }
    let ok = !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if !ok {
        return Err(format!(
            "`{name}` is not a baseline name: use letters, digits, `.`, `_` and `-` \
             (e.g. `main`), or a path ending in .json"
        ));
    }
    Ok(dir.join(format!("{name}.json")))
}

/// How much more downtime a comparison forgives: a change is worse only
/// when the lower bound of the 95% interval of (current - baseline) exceeds
/// it (and better only when the upper bound is below minus it).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tolerance {
    /// Downtime minutes per year (`--tolerance 1m/yr`).
    Absolute { minutes_per_year: f64 },
    /// A share of the baseline's mean downtime, in percent (`--tolerance 5%`).
    Relative { percent: f64 },
}

impl Default for Tolerance {
    /// None: every significant increase is a regression.
    fn default() -> Self {
        Tolerance::Absolute {
            minutes_per_year: 0.0,
        }
    }
}

impl Tolerance {
    /// Reads `1m/yr` (a duration per year: `30s/yr`, `1h/y`, `0`) or `5%`
    /// (of the baseline's downtime).
    pub fn parse(text: &str) -> Result<Tolerance, String> {
        const EXPECTED: &str = "give downtime per year, e.g. `1m/yr`, or a share of the \
                                baseline's downtime, e.g. `5%`";
        let t = text.trim();
        if let Some(number) = t.strip_suffix('%') {
            let percent: f64 = number
                .trim()
                .parse()
                .map_err(|_| format!("`{t}` is not a percentage; {EXPECTED}"))?;
            if !(percent.is_finite() && percent >= 0.0) {
                return Err(format!("`{t}`: a tolerance is at least 0; {EXPECTED}"));
            }
            return Ok(Tolerance::Relative { percent });
        }
        let duration = if t == "0" {
            "0"
        } else {
            ["/yr", "/year", "/y"]
                .iter()
                .find_map(|unit| t.strip_suffix(unit))
                .ok_or_else(|| format!("`{t}` has no `/yr`; {EXPECTED}"))?
        };
        let seconds =
            crate::scenario::parse_duration(duration).map_err(|e| format!("`{t}`: {e}"))?;
        Ok(Tolerance::Absolute {
            minutes_per_year: seconds / 60.0,
        })
    }

    /// The tolerance, in downtime minutes per year, for a metric whose
    /// baseline mean is `baseline` minutes per year.
    pub fn minutes_per_year(self, baseline: f64) -> f64 {
        match self {
            Tolerance::Absolute { minutes_per_year } => minutes_per_year,
            Tolerance::Relative { percent } => percent / 100.0 * baseline,
        }
    }

    /// As given: `1m/yr`, `5%`, or `0` for none.
    pub fn describe(self) -> String {
        match self {
            Tolerance::Absolute {
                minutes_per_year: 0.0,
            } => "0".into(),
            Tolerance::Absolute { minutes_per_year } => format!(
                "{}/yr",
                crate::scenario::format_duration(minutes_per_year * 60.0)
            ),
            Tolerance::Relative { percent } => format!("{percent}%"),
        }
    }
}

/// How a metric moved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// Significantly higher downtime or data loss, by more than the
    /// tolerance: fails the comparison.
    Worse,
    /// Significantly lower, by more than the tolerance.
    Better,
    /// A significant change (the interval excludes zero) that the
    /// tolerance forgives: the interval does not clear it.
    WithinTolerance,
    NoSignificantChange,
    /// The very same numbers.
    Unchanged,
    /// Only in the current run (a new workload).
    New,
    /// Only in the baseline.
    Gone,
}

impl Change {
    pub fn label(self) -> &'static str {
        match self {
            Change::Worse => "worse",
            Change::Better => "better",
            Change::WithinTolerance => "within tolerance",
            Change::NoSignificantChange => "no significant change",
            Change::Unchanged => "unchanged",
            Change::New => "new",
            Change::Gone => "gone",
        }
    }
}

/// One metric compared.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub key: String,
    pub unit: String,
    pub baseline: Option<f64>,
    pub current: Option<f64>,
    /// current - baseline, with its 95% Welch interval.
    pub difference: Option<Interval>,
    /// Two-sided p value of the test (None where no test applies).
    pub p_value: Option<f64>,
    pub change: Change,
    /// The tolerance applied to this metric, in its unit: the comparison's
    /// [`Tolerance`] in downtime minutes per year (0 for data-loss events).
    pub tolerance: f64,
    /// `paired` (the same seed: a t test on the per-replication differences
    /// over the replications both runs have) or `welch`; None without a test.
    pub test: Option<&'static str>,
    /// Replications behind the test: the common ones when paired, the
    /// current run's otherwise.
    pub replications_compared: u64,
}

/// A run compared with a baseline.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub name: String,
    pub path: String,
    pub baseline_tool_version: String,
    pub baseline_scenario_hash: String,
    pub baseline_replications: u64,
    pub baseline_seed: u64,
    /// Differences in how the two were made (version, scenario, seed, horizon).
    pub notes: Vec<String>,
    /// The tolerance the verdicts allow (`--tolerance`).
    pub tolerance: Tolerance,
    pub rows: Vec<Row>,
    /// True when some metric got significantly worse.
    pub regressed: bool,
}

/// Why comparing this run with `baseline` cannot be paired replication by
/// replication (empty when it can): another seed or horizon (the runs
/// share no random numbers), or per-replication values missing on either
/// side (a run from `merge`, or a baseline saved from one). Unpaired,
/// the comparison is Welch's test, which misses changes the paired test
/// sees; the CLI refuses it unless `--allow-unpaired` is given.
pub fn unpaired_because(
    baseline: &Baseline,
    scenario: &Scenario,
    model: &Model,
    recorded: &Recorded,
) -> Vec<String> {
    let mut why = Vec::new();
    if baseline.seed != scenario.simulation.seed {
        why.push(format!(
            "the seeds differ ({} in the baseline, {} now; give --seed {})",
            baseline.seed, scenario.simulation.seed, baseline.seed
        ));
    }
    if !same_horizon(baseline, model) {
        why.push(format!(
            "the horizons differ ({} y in the baseline, {} y now; give --horizon {}y)",
            baseline.horizon_years,
            model.horizon_years(),
            baseline.horizon_years
        ));
    }
    if recorded.is_empty() {
        why.push("this run has no per-replication values (results from `merge` never do)".into());
    }
    if !baseline
        .metrics
        .iter()
        .any(|m| m.unit == DOWNTIME && !m.values.is_empty())
    {
        why.push("the baseline has no per-replication values (it was saved from `merge`)".into());
    }
    why
}

/// Whether the baseline's horizon is this model's (to rounding).
fn same_horizon(baseline: &Baseline, model: &Model) -> bool {
    (baseline.horizon_years - model.horizon_years()).abs() <= 1e-12 * model.horizon_years()
}

/// Compares a run with a baseline; `recorded` holds the run's
/// per-replication unavailabilities (or nothing: then every test is Welch's).
pub fn compare(
    baseline: &Baseline,
    path: &Path,
    scenario: &Scenario,
    model: &Model,
    summary: &Summary,
    recorded: &Recorded,
    tolerance: Tolerance,
) -> Comparison {
    let mut notes = Vec::new();
    let tool = Tool::current();
    if baseline.tool.version != tool.version {
        notes.push(format!(
            "the baseline was made by kubenines {}, this is {}: differences may come from the tool",
            baseline.tool.version, tool.version
        ));
    }
    let hash = scenario.content_hash();
    if baseline.scenario.hash != hash {
        notes.push(format!(
            "the scenario changed since the baseline (`{}` {} then, `{}` {} now)",
            baseline.scenario.name,
            short(&baseline.scenario.hash),
            scenario.name,
            short(&hash)
        ));
    }
    if baseline.seed != scenario.simulation.seed {
        notes.push(format!(
            "different seeds ({} then, {} now): the runs share no random numbers, so small \
             differences are noise the test accounts for",
            baseline.seed, scenario.simulation.seed
        ));
    }
    if (baseline.horizon_years - model.horizon_years()).abs() > 1e-9 * model.horizon_years() {
        notes.push(format!(
            "different horizons ({} y then, {} y now): per-year figures still compare, but \
             start-up effects weigh differently",
            baseline.horizon_years,
            model.horizon_years()
        ));
    }
    let current = metrics(model, summary, recorded);
    // Same seed and horizon: replication r of both runs drew the same random
    // numbers for every component the designs share.
    let same_streams = baseline.seed == scenario.simulation.seed && same_horizon(baseline, model);
    let mut rows: Vec<Row> = current
        .iter()
        .map(|c| match baseline.metrics.iter().find(|b| b.key == c.key) {
            Some(b) => {
                let allowed = if c.unit == DOWNTIME {
                    tolerance.minutes_per_year(b.sample.mean())
                } else {
                    0.0
                };
                if b.sample != c.sample && same_streams && b.values.len() > 1 && c.values.len() > 1
                {
                    paired_row(&c.key, &c.unit, b, c, allowed)
                } else {
                    row(&c.key, &c.unit, &b.sample, &c.sample, allowed)
                }
            }
            None => Row {
                key: c.key.clone(),
                unit: c.unit.clone(),
                baseline: None,
                current: Some(c.sample.mean()),
                difference: None,
                p_value: None,
                change: Change::New,
                tolerance: 0.0,
                test: None,
                replications_compared: 0,
            },
        })
        .collect();
    for b in &baseline.metrics {
        if !current.iter().any(|c| c.key == b.key) {
            rows.push(Row {
                key: b.key.clone(),
                unit: b.unit.clone(),
                baseline: Some(b.sample.mean()),
                current: None,
                difference: None,
                p_value: None,
                change: Change::Gone,
                tolerance: 0.0,
                test: None,
                replications_compared: 0,
            });
        }
    }
    let regressed = rows.iter().any(|r| r.change == Change::Worse);
    Comparison {
        name: baseline.name.clone(),
        path: path.display().to_string(),
        baseline_tool_version: baseline.tool.version.clone(),
        baseline_scenario_hash: baseline.scenario.hash.clone(),
        baseline_replications: baseline.replications,
        baseline_seed: baseline.seed,
        notes,
        tolerance,
        rows,
        regressed,
    }
}

/// `sha256:0123abcd…`: enough of a hash to tell two apart.
fn short(hash: &str) -> String {
    hash.get(..15).map_or(hash.to_string(), |h| format!("{h}…"))
}

/// The verdict of a 95% interval `[low, high]` of (current - baseline)
/// against a tolerance (at least 0) in the same unit.
fn judge(low: f64, high: f64, tolerance: f64) -> Change {
    if low > tolerance {
        Change::Worse
    } else if high < -tolerance {
        Change::Better
    } else if low > 0.0 || high < 0.0 {
        Change::WithinTolerance
    } else {
        Change::NoSignificantChange
    }
}

/// Welch's two-sample test of one metric: current minus baseline.
fn row(key: &str, unit: &str, base: &MeanVar, cur: &MeanVar, tolerance: f64) -> Row {
    let d = cur.mean() - base.mean();
    let (vb, vc) = (base.std_error().powi(2), cur.std_error().powi(2));
    let se2 = vb + vc;
    let (difference, p_value, change) = if base.count() < 2 || cur.count() < 2 {
        // No interval without two replications a side.
        let change = if d == 0.0 {
            Change::Unchanged
        } else {
            Change::NoSignificantChange
        };
        (
            Interval {
                mean: d,
                ci_low: None,
                ci_high: None,
            },
            None,
            change,
        )
    } else if se2 == 0.0 {
        // Both samples constant: the difference is exact.
        let change = if d == 0.0 {
            Change::Unchanged
        } else {
            judge(d, d, tolerance)
        };
        (
            Interval {
                mean: d,
                ci_low: Some(d),
                ci_high: Some(d),
            },
            Some(if d == 0.0 { 1.0 } else { 0.0 }),
            change,
        )
    } else {
        let (nb, nc) = ((base.count() - 1) as f64, (cur.count() - 1) as f64);
        let df = se2 * se2 / (vb * vb / nb + vc * vc / nc);
        let se = se2.sqrt();
        let h = student_t_quantile(0.975, df) * se;
        let p = 2.0 * (1.0 - student_t_cdf(d.abs() / se, df));
        let change = if base == cur {
            Change::Unchanged
        } else {
            judge(d - h, d + h, tolerance)
        };
        (
            Interval {
                mean: d,
                ci_low: Some(d - h),
                ci_high: Some(d + h),
            },
            Some(p.clamp(0.0, 1.0)),
            change,
        )
    };
    Row {
        key: key.into(),
        unit: unit.into(),
        baseline: Some(base.mean()),
        current: Some(cur.mean()),
        difference: Some(difference),
        p_value,
        change,
        tolerance,
        test: Some("welch"),
        replications_compared: cur.count(),
    }
}

/// The paired t test of one metric: over the replications both runs have,
/// the mean of (current - baseline) replication by replication, with its
/// 95% Student t interval. With common random numbers the differences vary
/// far less than either run, so this finds changes Welch's test cannot.
fn paired_row(key: &str, unit: &str, base: &Metric, cur: &Metric, tolerance: f64) -> Row {
    let mut d = MeanVar::default();
    for (c, b) in cur.values.iter().zip(&base.values) {
        d.push(c - b);
    }
    let i = d.interval95();
    let (lo, hi) = (i.ci_low.unwrap_or(i.mean), i.ci_high.unwrap_or(i.mean));
    let se = d.std_error();
    let p = if se > 0.0 {
        2.0 * (1.0 - student_t_cdf(i.mean.abs() / se, (d.count() - 1) as f64))
    } else if i.mean == 0.0 {
        1.0
    } else {
        0.0
    };
    let change = judge(lo, hi, tolerance);
    Row {
        key: key.into(),
        unit: unit.into(),
        baseline: Some(base.sample.mean()),
        current: Some(cur.sample.mean()),
        difference: Some(Interval {
            mean: i.mean,
            ci_low: Some(lo),
            ci_high: Some(hi),
        }),
        p_value: Some(p.clamp(0.0, 1.0)),
        change,
        tolerance,
        test: Some("paired"),
        replications_compared: d.count(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(xs: &[f64]) -> MeanVar {
        let mut m = MeanVar::default();
        xs.iter().for_each(|&x| m.push(x));
        m
    }

    #[test]
    fn welch_flags_a_clear_increase_and_not_noise() {
        let base = sample(&(0..400).map(|i| (i % 10) as f64).collect::<Vec<_>>());
        let worse = sample(&(0..400).map(|i| (i % 10) as f64 + 2.0).collect::<Vec<_>>());
        let same = sample(&(0..400).map(|i| ((i + 3) % 10) as f64).collect::<Vec<_>>());
        assert_eq!(
            row("api", DOWNTIME, &base, &worse, 0.0).change,
            Change::Worse
        );
        assert_eq!(
            row("api", DOWNTIME, &worse, &base, 0.0).change,
            Change::Better
        );
        assert_eq!(
            row("api", DOWNTIME, &base, &base, 0.0).change,
            Change::Unchanged
        );
        // The same values in another order: not bit-identical, and no change.
        assert_eq!(
            row("api", DOWNTIME, &base, &same, 0.0).change,
            Change::NoSignificantChange
        );
        let noisy = sample(&(0..400).map(|i| (i % 10) as f64 + 0.05).collect::<Vec<_>>());
        let r = row("api", DOWNTIME, &base, &noisy, 0.0);
        assert_eq!(r.change, Change::NoSignificantChange);
        let d = r.difference.unwrap();
        assert!(d.ci_low.unwrap() < 0.05 && 0.05 < d.ci_high.unwrap());
    }

    /// A downtime metric with these per-replication values.
    fn metric(values: &[f64]) -> Metric {
        let sample = sample(values);
        Metric {
            key: "api".into(),
            unit: DOWNTIME.into(),
            mean: sample.mean(),
            sample,
            values: values.to_vec(),
        }
    }

    /// Every replication 2 min/yr worse than the baseline's: the paired
    /// interval is exactly [2, 2]. Worse while the tolerance is below 2,
    /// within tolerance from 2 on (the lower bound must exceed it); as a
    /// share of the baseline's mean of 25 min/yr, 5% (1.25) is below and 20%
    /// (5) above. Improvements are symmetric.
    #[test]
    fn paired_verdicts_against_the_tolerance() {
        let base = metric(&[10.0, 20.0, 30.0, 40.0]);
        let worse = metric(&[12.0, 22.0, 32.0, 42.0]);
        let better = metric(&[8.0, 18.0, 28.0, 38.0]);
        let change = |cur: &Metric, tolerance: Tolerance| {
            let allowed = tolerance.minutes_per_year(base.sample.mean());
            let r = paired_row("api", DOWNTIME, &base, cur, allowed);
            let d = r.difference.unwrap();
            let exact = cur.mean - base.mean;
            assert_eq!(
                (d.ci_low, d.mean, d.ci_high),
                (Some(exact), exact, Some(exact))
            );
            assert_eq!(r.tolerance, allowed);
            r.change
        };
        let abs = |m: f64| Tolerance::Absolute {
            minutes_per_year: m,
        };
        let rel = |p: f64| Tolerance::Relative { percent: p };
        assert_eq!(change(&worse, Tolerance::default()), Change::Worse);
        assert_eq!(change(&worse, abs(1.999)), Change::Worse);
        assert_eq!(change(&worse, abs(2.0)), Change::WithinTolerance);
        assert_eq!(change(&worse, abs(3.0)), Change::WithinTolerance);
        assert_eq!(change(&worse, rel(5.0)), Change::Worse);
        assert_eq!(change(&worse, rel(20.0)), Change::WithinTolerance);
        assert_eq!(change(&better, Tolerance::default()), Change::Better);
        assert_eq!(change(&better, abs(1.999)), Change::Better);
        assert_eq!(change(&better, abs(2.0)), Change::WithinTolerance);
        assert_eq!(change(&better, rel(20.0)), Change::WithinTolerance);
        assert_eq!(change(&base, abs(0.0)), Change::NoSignificantChange);
    }

    /// Welch's test, both samples constant: the difference, 3, is exact.
    #[test]
    fn welch_exact_difference_against_the_tolerance() {
        let base = sample(&[5.0, 5.0, 5.0]);
        let cur = sample(&[8.0, 8.0, 8.0]);
        assert_eq!(row("api", DOWNTIME, &base, &cur, 2.5).change, Change::Worse);
        assert_eq!(
            row("api", DOWNTIME, &base, &cur, 3.0).change,
            Change::WithinTolerance
        );
        assert_eq!(
            row("api", DOWNTIME, &cur, &base, 2.5).change,
            Change::Better
        );
        assert_eq!(
            row("api", DOWNTIME, &base, &base, 2.5).change,
            Change::Unchanged
        );
    }

    /// It is the interval's lower bound, not the estimate, that must clear
    /// the tolerance: a tolerance between the two forgives the change.
    #[test]
    fn the_lower_bound_must_exceed_the_tolerance() {
        let base = sample(&(0..400).map(|i| (i % 10) as f64).collect::<Vec<_>>());
        let cur = sample(&(0..400).map(|i| (i % 10) as f64 + 2.0).collect::<Vec<_>>());
        let d = row("api", DOWNTIME, &base, &cur, 0.0).difference.unwrap();
        let low = d.ci_low.unwrap();
        assert!(0.0 < low && low < d.mean);
        let between = (low + d.mean) / 2.0;
        assert_eq!(
            row("api", DOWNTIME, &base, &cur, between).change,
            Change::WithinTolerance
        );
        assert_eq!(
            row("api", DOWNTIME, &base, &cur, low * 0.999).change,
            Change::Worse
        );
    }

    #[test]
    fn tolerances_parse_and_describe() {
        let abs = |m: f64| Tolerance::Absolute {
            minutes_per_year: m,
        };
        for (text, expected) in [
            ("1m/yr", abs(1.0)),
            ("30s/yr", abs(0.5)),
            ("1h/y", abs(60.0)),
            ("1h30m/year", abs(90.0)),
            (" 0 ", abs(0.0)),
            ("0s/yr", abs(0.0)),
            ("5%", Tolerance::Relative { percent: 5.0 }),
            ("0.5%", Tolerance::Relative { percent: 0.5 }),
        ] {
            assert_eq!(Tolerance::parse(text), Ok(expected), "{text}");
        }
        for bad in [
            "1m", "5", "-1%", "x%", "nan%", "inf%", "-1m/yr", "1q/yr", "", "%",
        ] {
            assert!(Tolerance::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(abs(1.0).describe(), "1m/yr");
        assert_eq!(abs(0.0).describe(), "0");
        assert_eq!(Tolerance::Relative { percent: 5.0 }.describe(), "5%");
        assert_eq!(Tolerance::default(), abs(0.0));
    }

    #[test]
    fn baseline_names_and_paths() {
        let dir = Path::new("b");
        assert_eq!(path_of("main", dir).unwrap(), dir.join("main.json"));
        assert_eq!(path_of("x/y.json", dir).unwrap(), PathBuf::from("x/y.json"));
        assert_eq!(
            path_of("keep.json", dir).unwrap(),
            PathBuf::from("keep.json")
        );
        for bad in ["", "..", "a b", "a\\b"] {
            assert!(path_of(bad, dir).is_err(), "{bad}");
        }
    }
}
