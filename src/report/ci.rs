//! What CI pipelines read: the outcome of `check` (SLO verdicts) and of a
//! baseline comparison, as a terminal table, JSON, JUnit XML (one test case
//! per SLO and per compared metric) and Markdown for a pull-request comment
//! or a CI step summary.

use std::fmt::Write as _;

use serde::Serialize;

use super::compare::signed_minutes;
use super::human::{human_duration_minutes, thousands};
use super::table::write_aligned;
use super::{Results, Tool};
use crate::baseline::{Change, Comparison, Row, Tolerance};
use crate::check::{SloVerdict, Verdict, percent};

/// Version of the check JSON layout.
pub const CHECK_SCHEMA_VERSION: u32 = 1;

/// Everything a CI step needs to know about one run.
#[derive(Clone, Debug, Serialize)]
pub struct CheckReport {
    pub schema_version: u32,
    pub tool: Tool,
    /// `check`, `run` or `merge`.
    pub command: String,
    pub scenario: CheckScenario,
    pub seed: u64,
    pub replications: u64,
    pub horizon_years: f64,
    /// How `check` added replications (absent for `run` and `merge`).
    pub plan: Option<PlanReport>,
    /// True when every SLO is met and no metric got worse than the baseline.
    pub passed: bool,
    pub slos: Vec<SloVerdict>,
    pub baseline: Option<Comparison>,
    pub wall_seconds: f64,
    /// The full results of the run (`run --output json`).
    pub results: Results,
}

#[derive(Clone, Debug, Serialize)]
pub struct CheckScenario {
    pub name: String,
    pub source: String,
    pub hash: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct PlanReport {
    pub batch: u64,
    pub max_replications: u64,
    pub looks: u64,
    pub max_looks: u64,
    /// Confidence of each look's intervals: 1 - 0.05 / max_looks.
    pub confidence_per_look: f64,
}

impl CheckReport {
    /// Whether it passes: every SLO met, nothing worse than the baseline.
    pub fn compute_passed(slos: &[SloVerdict], baseline: Option<&Comparison>) -> bool {
        slos.iter().all(|v| v.verdict == Verdict::Met) && !baseline.is_some_and(|b| b.regressed)
    }

    /// A one-line verdict: `PASSED`, or what failed.
    pub fn headline(&self) -> String {
        let mut problems = Vec::new();
        let count = |v: Verdict| self.slos.iter().filter(|s| s.verdict == v).count();
        let (violated, inconclusive) = (count(Verdict::Violated), count(Verdict::Inconclusive));
        if violated > 0 {
            problems.push(format!("{violated} SLO{} violated", plural(violated)));
        }
        if inconclusive > 0 {
            problems.push(format!(
                "{inconclusive} SLO{} inconclusive",
                plural(inconclusive)
            ));
        }
        if let Some(b) = &self.baseline {
            let worse = b.rows.iter().filter(|r| r.change == Change::Worse).count();
            if worse > 0 {
                problems.push(format!(
                    "{worse} metric{} worse than baseline `{}`",
                    plural(worse),
                    b.name
                ));
            }
        }
        if problems.is_empty() {
            "PASSED".into()
        } else {
            format!("FAILED: {}", problems.join(", "))
        }
    }

    fn run_line(&self) -> String {
        let mut line = format!(
            "{} replications × {} y, seed {}",
            self.replications,
            trim_float(self.horizon_years),
            self.seed
        );
        if let Some(p) = &self.plan {
            let _ = write!(
                line,
                "; {} look{} of {} replications (up to {} looks, {} replications), each interval at {}",
                p.looks,
                plural(p.looks as usize),
                p.batch,
                p.max_looks,
                thousands(p.max_replications),
                percent(p.confidence_per_look)
            );
        }
        line
    }

    /// The terminal form.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} {} ({}): {}",
            self.command,
            self.scenario.name,
            self.scenario.source,
            self.headline()
        );
        let _ = writeln!(out, "{}", self.run_line());
        if !self.slos.is_empty() {
            let rows: Vec<[String; 4]> = self
                .slos
                .iter()
                .map(|v| {
                    [
                        v.title.clone(),
                        v.verdict.label().to_string(),
                        v.estimate.clone(),
                        v.interval.clone(),
                    ]
                })
                .collect();
            out.push('\n');
            out += &columns(&["SLO", "verdict", "estimate", "interval"], &rows);
            for v in &self.slos {
                let _ = writeln!(
                    out,
                    "  {} {}: {}{}",
                    v.key,
                    v.verdict.label(),
                    v.detail,
                    needed(v)
                );
            }
        }
        if let Some(b) = &self.baseline {
            let _ = writeln!(
                out,
                "\nbaseline `{}` ({}: {} replications, seed {}, kubenines {}); {}",
                b.name,
                b.path,
                b.baseline_replications,
                b.baseline_seed,
                b.baseline_tool_version,
                tolerance_line(b)
            );
            let rows: Vec<[String; 6]> = b
                .rows
                .iter()
                .map(|r| {
                    [
                        r.key.clone(),
                        value(r, r.baseline),
                        value(r, r.current),
                        difference(r),
                        test(r),
                        r.change.label().to_string(),
                    ]
                })
                .collect();
            out += &columns(
                &[
                    "metric",
                    "baseline",
                    "current",
                    "change [95% CI]",
                    "test",
                    "verdict",
                ],
                &rows,
            );
            for note in &b.notes {
                let _ = writeln!(out, "  note: {note}");
            }
        }
        out
    }

    /// Markdown: a heading with the outcome, the SLO table, the baseline
    /// table, and how the run was made.
    pub fn markdown(&self) -> String {
        let mut md = String::new();
        let mark = if self.passed { "✅" } else { "❌" };
        let _ = writeln!(
            md,
            "### {mark} kubenines {}: `{}` — {}\n",
            self.command,
            self.scenario.name,
            self.headline()
        );
        let _ = writeln!(
            md,
            "`{}` · {}\n",
            md_escape(&self.scenario.source),
            md_escape(&self.run_line())
        );
        if !self.slos.is_empty() {
            md += "| SLO | verdict | estimate | interval | why |\n|---|---|---|---|---|\n";
            for v in &self.slos {
                let icon = match v.verdict {
                    Verdict::Met => "✅ met",
                    Verdict::Violated => "❌ violated",
                    Verdict::Inconclusive => "⚠️ inconclusive",
                };
                let _ = writeln!(
                    md,
                    "| {} | {icon} | {} | {} | {}{} |",
                    md_escape(&v.title),
                    md_escape(&v.estimate),
                    md_escape(&v.interval),
                    md_escape(&v.detail),
                    md_escape(&needed(v))
                );
            }
            md.push('\n');
        }
        if let Some(b) = &self.baseline {
            let _ = writeln!(
                md,
                "**Against baseline `{}`** ({} replications, seed {}, kubenines {}); \
                 95% intervals of current − baseline (paired over the common replications \
                 when the seeds match, else Welch's t test); {}:\n",
                md_escape(&b.name),
                b.baseline_replications,
                b.baseline_seed,
                md_escape(&b.baseline_tool_version),
                md_escape(&tolerance_line(b))
            );
            md += "| metric | baseline | current | change [95% CI] | test | verdict |\n|---|---|---|---|---|---|\n";
            for r in &b.rows {
                let verdict = match r.change {
                    Change::Worse => "❌ worse".to_string(),
                    Change::Better => "✅ better".to_string(),
                    other => other.label().to_string(),
                };
                let _ = writeln!(
                    md,
                    "| `{}` | {} | {} | {} | {} | {verdict} |",
                    md_escape(&r.key),
                    value(r, r.baseline),
                    value(r, r.current),
                    md_escape(&difference(r)),
                    test(r)
                );
            }
            for note in &b.notes {
                let _ = writeln!(md, "\n> note: {}", md_escape(note));
            }
            md.push('\n');
        }
        let _ = writeln!(
            md,
            "<sub>scenario hash `{}` · {:.1} s · kubenines {}</sub>",
            self.scenario.hash, self.wall_seconds, self.tool.version
        );
        md
    }

    /// JUnit XML: one `<testsuite>` for the run, a `<testcase>` per SLO and
    /// per baseline metric. Violated and inconclusive SLOs and worse
    /// metrics are `<failure>`s.
    pub fn junit(&self) -> String {
        struct Case {
            class: String,
            name: String,
            failure: Option<(&'static str, String)>,
            out: String,
        }
        let suite = format!("kubenines.{}", self.scenario.name);
        let mut cases: Vec<Case> = self
            .slos
            .iter()
            .map(|v| Case {
                class: format!("{suite}.slo"),
                name: format!("{} ({})", v.title, v.key),
                failure: match v.verdict {
                    Verdict::Met => None,
                    Verdict::Violated => Some(("violated", format!("{}{}", v.detail, needed(v)))),
                    Verdict::Inconclusive => {
                        Some(("inconclusive", format!("{}{}", v.detail, needed(v))))
                    }
                },
                out: format!(
                    "{}: estimate {}, interval {}",
                    v.verdict.label(),
                    v.estimate,
                    v.interval
                ),
            })
            .collect();
        if let Some(b) = &self.baseline {
            cases.extend(b.rows.iter().map(|r| {
                let text = format!(
                    "{} ({}): baseline {}, current {}, change {} ({}): {}",
                    r.key,
                    r.unit,
                    value(r, r.baseline),
                    value(r, r.current),
                    difference(r),
                    test(r),
                    r.change.label()
                );
                Case {
                    class: format!("{suite}.baseline.{}", b.name),
                    name: format!("{} vs baseline {}", r.key, b.name),
                    failure: (r.change == Change::Worse).then(|| ("regression", text.clone())),
                    out: text,
                }
            }));
        }
        let failures = cases.iter().filter(|c| c.failure.is_some()).count();
        let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            x,
            "<testsuites name=\"kubenines\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" time=\"{:.3}\">",
            cases.len(),
            self.wall_seconds
        );
        let _ = writeln!(
            x,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\" time=\"{:.3}\">",
            xml(&suite),
            cases.len(),
            self.wall_seconds
        );
        x += "    <properties>\n";
        let mut props = vec![
            ("scenario", self.scenario.name.clone()),
            ("source", self.scenario.source.clone()),
            ("scenario_hash", self.scenario.hash.clone()),
            ("seed", self.seed.to_string()),
            ("replications", self.replications.to_string()),
            ("horizon_years", trim_float(self.horizon_years)),
            ("kubenines_version", self.tool.version.to_string()),
        ];
        if let Some(b) = &self.baseline {
            props.push(("baseline", b.path.clone()));
            props.push(("tolerance", b.tolerance.describe()));
        }
        for (k, v) in props {
            let _ = writeln!(x, "      <property name=\"{k}\" value=\"{}\"/>", xml(&v));
        }
        x += "    </properties>\n";
        for c in &cases {
            let _ = writeln!(
                x,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">",
                xml(&c.class),
                xml(&c.name)
            );
            if let Some((kind, message)) = &c.failure {
                let _ = writeln!(
                    x,
                    "      <failure type=\"{kind}\" message=\"{}\">{}</failure>",
                    xml(message),
                    xml(message)
                );
            }
            let _ = writeln!(x, "      <system-out>{}</system-out>", xml(&c.out));
            x += "    </testcase>\n";
        }
        x += "  </testsuite>\n</testsuites>\n";
        x
    }
}

/// Which tolerance the verdicts allowed: `tolerance 1m/yr: worse only when
/// the whole 95% interval is above it`.
fn tolerance_line(b: &Comparison) -> String {
    match b.tolerance {
        Tolerance::Absolute {
            minutes_per_year: 0.0,
        } => "tolerance 0: worse when the whole 95% interval is above 0".into(),
        Tolerance::Absolute { .. } => format!(
            "tolerance {} of downtime: worse only when the whole 95% interval is above it",
            b.tolerance.describe()
        ),
        Tolerance::Relative { .. } => format!(
            "tolerance {} of the baseline's downtime: worse only when the whole 95% interval \
             is above it",
            b.tolerance.describe()
        ),
    }
}

/// "; about N replications would probably settle it" for an inconclusive SLO.
fn needed(v: &SloVerdict) -> String {
    match (v.verdict, v.replications_needed) {
        (Verdict::Inconclusive, Some(n)) => format!(
            "; about {} replications in all would probably settle it (--max-replications)",
            thousands(n)
        ),
        _ => String::new(),
    }
}

/// A metric's value in its unit: downtime as a duration, events as a number.
fn value(r: &Row, x: Option<f64>) -> String {
    match x {
        None => "-".into(),
        Some(x) if r.unit.starts_with("downtime") => human_duration_minutes(x),
        Some(x) => format!("{x:.4}"),
    }
}

/// Which test, over how many replications: `paired, 3072`.
fn test(r: &Row) -> String {
    match r.test {
        Some(t) => format!("{t}, {}", r.replications_compared),
        None => "-".into(),
    }
}

/// "+2m 39s [+24s, +4m 48s]" (per year).
fn difference(r: &Row) -> String {
    let Some(d) = &r.difference else {
        return "-".into();
    };
    if r.unit.starts_with("downtime") {
        return signed_minutes(d);
    }
    match (d.ci_low, d.ci_high) {
        (Some(l), Some(h)) => format!("{:+.4} [{l:+.4}, {h:+.4}]", d.mean),
        _ => format!("{:+.4}", d.mean),
    }
}

/// Left-aligned columns with a header.
fn columns<const N: usize>(header: &[&str; N], rows: &[[String; N]]) -> String {
    let mut all: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    all.extend(rows.iter().map(|r| r.to_vec()));
    let mut out = Vec::new();
    // Writing into memory cannot fail.
    let _ = write_aligned(&all, N, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// 10 rather than 10.0; 2.5 stays.
fn trim_float(x: f64) -> String {
    let s = format!("{x}");
    s.strip_suffix(".0").map_or(s.clone(), str::to_string)
}

/// Text for XML attributes and content: the five entities, and no
/// characters XML 1.0 forbids.
/// Text for XML: markup escaped, and control characters shown as the
/// rest of the tool shows them (`\u{1b}`), which XML 1.0 could not carry
/// even as character references.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in crate::text::visible(s).chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Text for a Markdown table cell: pipes escaped, no line breaks.
fn md_escape(s: &str) -> String {
    crate::text::visible(&s.replace('|', "\\|").replace(['\n', '\r'], " ")).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_escapes_and_shows_control_characters() {
        assert_eq!(
            xml("a<b & \"c\"\u{1}\u{FFFF}"),
            "a&lt;b &amp; &quot;c&quot;\\u{1}\u{FFFD}"
        );
        assert_eq!(thousands(1234567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(md_escape("a|b\nc"), "a\\|b c");
    }
}
