//! The study report for architecture reviews: one self-contained HTML page
//! (inline style, charts inlined as SVG, no external resource) and the same
//! content as GitHub-flavoured Markdown (charts as PNG files beside it), with
//! the data as JSON and CSV.
//!
//! This module only lays out what it is given ([`Report`]): the study runner
//! computes the figures and the charts module draws the charts. Both outputs
//! are rendered from one list of blocks, so they cannot say different things.

use std::io;
use std::path::{Path, PathBuf};

use super::human::{human_duration_minutes, percent};
use crate::stats::Interval;
use crate::text::{hidden, visible};

/// How downtime is attributed to causes, stated under the downtime-by-cause
/// table: `causes` are the study's, in precedence order.
pub fn attribution_rule(causes: &[String]) -> String {
    format!(
        "Each moment of an outage is charged to what the indicator is waiting for at that moment, \
         judged from the cluster's state after every instant: a lost etcd quorum is host failure \
         until the hosts are back, then etcd election until a leader is elected. When several \
         things block at once, the most severe is charged, in this order: {}. The api indicator \
         inherits etcd's cause while etcd is down, the control plane the API's, and pods waiting \
         for a controller the control plane's. The parts sum to the downtime exactly.",
        causes.join(", ")
    )
}

/// What a study sets for one design: key path -> value text, in order.
pub type Settings = Vec<(String, String)>;

/// A study's results, ready to lay out.
#[derive(Clone, Debug)]
pub struct Report<'a> {
    /// e.g. "control-plane: stacked versus external etcd, 1 to 7 control-plane nodes"
    pub title: String,
    /// What the study asks, in the study's own words; blank lines separate paragraphs.
    pub description: Option<String>,
    /// "kubenines 0.1.0"
    pub generated_by: String,
    /// The exact command that reproduces the report, e.g. "kubenines report scenarios/studies/control-plane.yaml --out reports/control-plane".
    pub reproduce: String,
    /// The study file's path, or the scenario files' paths, comma-separated.
    pub study_source: String,
    /// The designs are scenario files, not a study's.
    pub from_files: bool,
    /// Master seed shared by every design.
    pub seed: u64,
    /// Replications per design.
    pub replications: u64,
    /// Simulated years per replication.
    pub horizon_years: f64,
    /// Ranking indicator, e.g. "api".
    pub indicator: String,
    /// The design differences are taken against.
    pub baseline: String,
    /// Wall-clock time of the whole study.
    pub wall_seconds: f64,
    /// Worker threads it ran on.
    pub threads: usize,
    /// Cause names, in order, matching [`ReportRow::downtime_by_cause`].
    pub causes: Vec<String>,
    /// Every indicator some design has, matching [`ReportRow::indicators`].
    pub indicator_keys: Vec<String>,
    /// Designs, ranked (best first).
    pub rows: Vec<ReportRow>,
    /// Designs of the study that make no sense: (name, settings, reason).
    pub invalid: Vec<(String, Settings, String)>,
    /// Charts, in the order they are shown.
    pub charts: Vec<ReportChart<'a>>,
    /// Written verbatim as results.json.
    pub results_json: String,
    /// Written verbatim as results.csv.
    pub results_csv: String,
}

/// One design of the study, on the ranking indicator.
#[derive(Clone, Debug)]
pub struct ReportRow {
    /// 1 for the best design.
    pub rank: usize,
    /// The design's name.
    pub name: String,
    /// Fraction of time up, with 95% interval.
    pub availability: Interval,
    /// -log10(1 - availability); None when no downtime was seen.
    pub nines: Option<f64>,
    /// Downtime per year, minutes, with 95% interval.
    pub downtime_minutes_per_year: Interval,
    /// Outages begun per year, with 95% interval.
    pub outages_per_year: Interval,
    /// 99th percentile of outage lengths, minutes; None without outages.
    pub outage_p99_minutes: Option<f64>,
    /// 95th percentile of history lost per data-loss event, minutes; None
    /// when the design loses no data or has no backups.
    pub rpo_p95_minutes: Option<f64>,
    /// Hosts the design runs, the load balancer included.
    pub hosts: u32,
    /// Cost per month, in `currency`; None when the study prices nothing.
    pub monthly_cost: Option<f64>,
    /// Currency of `monthly_cost`, e.g. "EUR".
    pub currency: String,
    /// On the cost/availability Pareto frontier: no other design is both
    /// cheaper and more available.
    pub pareto_frontier: bool,
    /// This design minus the baseline in downtime minutes per year, paired, 95% interval (None for designs lacking the indicator).
    pub difference_to_baseline: Option<Interval>,
    /// Downtime minutes per year of the ranking indicator by cause, same order as [`Report::causes`].
    pub downtime_by_cause: Vec<f64>,
    /// What the study set for this design: key path -> value text.
    pub settings: Settings,
    /// The design's shape, to pair stacked and external designs that are
    /// otherwise alike; None when unknown.
    pub shape: Option<Shape>,
    /// This design minus the baseline on `etcd`, `api` and `control_plane`:
    /// downtime minutes per year, paired, 95% interval.
    pub control_plane_differences: Vec<(String, Interval)>,
    /// The full effective scenario (YAML text): the design's assumptions.
    pub effective_yaml: String,
    /// The file the design was read from (`STUDY#NAME` for a study's).
    pub source: String,
    /// The leader on the ranking indicator, or tied with it: the paired
    /// difference to the leader is not significant.
    pub leading_group: bool,
    /// This design minus the leader on the ranking indicator, downtime
    /// minutes per year, paired, 95% interval (zero for the leader).
    pub difference_to_leader: Option<Interval>,
    /// Per indicator of [`Report::indicator_keys`]: None when the design
    /// lacks it.
    pub indicators: Vec<Option<IndicatorCell>>,
    /// The design's SLOs judged on this run, in the scenario's order.
    pub slos: Vec<SloLine>,
    /// Data-loss events, RPO and RTO; None when the design modelled no
    /// data loss (no event in any replication and no backups).
    pub data_loss: Option<DataRisk>,
    /// A fleet's failovers, per service (`service/NAME`): how often, what
    /// each loses, how long until clients are served again. Empty for a
    /// scenario.
    pub failovers: Vec<(String, DataRisk)>,
    /// Data loss per scope (`etcd`, `workload/NAME`), when a disaster can
    /// strike a workload's data; else empty.
    pub scopes: Vec<(String, DataRisk)>,
}

/// One design on one indicator.
#[derive(Clone, Debug)]
pub struct IndicatorCell {
    pub availability: Interval,
    pub nines: Option<f64>,
    pub downtime_minutes_per_year: Interval,
    /// The leader on this indicator: the most available design, the
    /// first of them in the ranking's order when several are exactly as
    /// available.
    pub leader: bool,
    /// As available as the leader, the leader included (its star in
    /// Every indicator).
    pub most_available: bool,
    /// The leader, or not significantly apart from it (paired).
    pub leading_group: bool,
    /// Workloads of designs whose workers have a capacity: minutes a year
    /// with a pod Pending.
    pub pending_minutes_per_year: Option<Interval>,
}

/// One SLO of a design, judged.
#[derive(Clone, Debug)]
pub struct SloLine {
    /// `api availability >= 99.95%`.
    pub title: String,
    /// `met`, `violated` or `inconclusive`.
    pub verdict: String,
    /// The estimate and the interval the verdict rests on, in words.
    pub estimate: String,
    pub interval: String,
}

/// What a design loses of etcd's data, and how long it takes back.
#[derive(Clone, Debug)]
pub struct DataRisk {
    /// Data-loss events per year, 95% interval.
    pub events_per_year: Interval,
    /// Events seen in all replications.
    pub events: u64,
    /// History lost per event, minutes: median, 95th percentile, maximum.
    pub rpo_minutes: [Option<f64>; 3],
    /// Time until the API was writable again, minutes: the same.
    pub rto_minutes: [Option<f64>; 3],
    /// Events a year with nothing to restore (data lost for good), 95%
    /// interval; None when the design cannot lose data so.
    pub lost_per_year: Option<Interval>,
}

/// What makes two designs twins but for their etcd topology.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shape {
    /// `stacked` or `external`.
    pub topology: String,
    /// Control-plane nodes.
    pub nodes: u32,
    /// etcd members.
    pub members: u32,
    /// The endpoint: `single`, `pair`, `cloud` or `none`.
    pub endpoint: String,
}

/// One chart, drawn twice: SVG for the page, PNG for the Markdown.
#[derive(Clone, Debug)]
pub struct ReportChart<'a> {
    /// File name without extension: "availability", "downtime_by_cause",
    /// "outage_durations", "rpo", "cost", "sweep-1", "timeline".
    pub file_stem: &'a str,
    /// Shown above the chart.
    pub title: &'a str,
    /// One sentence under the chart: how to read it.
    pub caption: &'a str,
    /// A standalone `<svg ...>...</svg>` document (an XML prolog or doctype
    /// is dropped when inlined).
    pub svg: &'a str,
    /// The same chart as PNG.
    pub png: &'a [u8],
}

/// Writes the report as directory `dir` (created, with its parents, if
/// missing): `index.html`, `report.md`, `charts/<stem>.svg` and
/// `charts/<stem>.png` per chart, `results.json`, `results.csv`. Returns the
/// paths written, in that order. The directory is built whole beside `dir`
/// and swapped in (see [`crate::fsio::replace_dir`]); an existing `dir`
/// must be empty or hold only a previous report's files, else nothing is
/// written and the error names the files in the way. A chart stem that
/// is not a plain file name (letters, digits, `-`, `_`, `.`, not starting
/// with `.`), or is used twice, is refused before anything is written.
pub fn write_report(dir: &Path, report: &Report) -> io::Result<Vec<PathBuf>> {
    let mut stems = std::collections::HashSet::new();
    for c in &report.charts {
        if !plain_file_stem(c.file_stem) || !stems.insert(c.file_stem) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "chart file stem {:?} is not a plain file name, or is used twice",
                    c.file_stem
                ),
            ));
        }
    }
    refuse_foreign_files(dir)?;
    // Built whole beside `dir`, then swapped in: a reader sees the previous
    // report or this one, and no chart of the previous one lingers.
    let names = crate::fsio::replace_dir(dir, |tmp| {
        std::fs::create_dir(tmp.join("charts"))?;
        let mut names = Vec::new();
        let mut put = |name: String, bytes: &[u8]| -> io::Result<()> {
            std::fs::write(tmp.join(&name), bytes)?;
            names.push(name);
            Ok(())
        };
        put("index.html".into(), html(report).as_bytes())?;
        put("report.md".into(), markdown(report).as_bytes())?;
        for c in &report.charts {
            put(format!("charts/{}.svg", c.file_stem), c.svg.as_bytes())?;
            put(format!("charts/{}.png", c.file_stem), c.png)?;
        }
        put("results.json".into(), report.results_json.as_bytes())?;
        put("results.csv".into(), report.results_csv.as_bytes())?;
        Ok(names)
    })?;
    Ok(names.iter().map(|n| dir.join(n)).collect())
}

/// The files of a report directory: what [`write_report`] writes.
fn is_report_file(name: &str, in_charts: bool) -> bool {
    if in_charts {
        return [".svg", ".png"]
            .iter()
            .any(|ext| name.strip_suffix(ext).is_some_and(plain_file_stem));
    }
    matches!(
        name,
        "index.html" | "report.md" | "results.json" | "results.csv"
    )
}

/// Refuses to replace `dir` unless it is missing, empty, or holds nothing
/// but a previous report's files: the report replaces the directory whole,
/// and must never delete files of the user's. Errors name what is in the way.
/// [`write_report`] checks again; call it first too to refuse before the work.
pub fn refuse_foreign_files(dir: &Path) -> io::Result<()> {
    let meta = match std::fs::symlink_metadata(dir) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        other => other?,
    };
    if !meta.is_dir() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!(
                "{} is {}, not a directory; give a directory for the report (it is created if \
                 missing)",
                dir.display(),
                if meta.file_type().is_symlink() {
                    "a symbolic link"
                } else {
                    "a file"
                }
            ),
        ));
    }
    let mut foreign = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type()?;
        if name == "charts" && kind.is_dir() {
            for chart in std::fs::read_dir(entry.path())? {
                let chart = chart?;
                let chart_name = chart.file_name().to_string_lossy().into_owned();
                if !(chart.file_type()?.is_file() && is_report_file(&chart_name, true)) {
                    foreign.push(format!("charts/{chart_name}"));
                }
            }
        } else if !(kind.is_file() && is_report_file(&name, false)) {
            foreign.push(name);
        }
    }
    if foreign.is_empty() {
        return Ok(());
    }
    foreign.sort();
    let more = foreign.len().saturating_sub(10);
    foreign.truncate(10);
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} holds files a report does not write: {}{}. A report replaces its directory \
             whole, so --out must be a new or empty directory or a previous report; give \
             another --out, or move those files away",
            dir.display(),
            foreign.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        ),
    ))
}

/// The HTML page alone.
pub fn html(report: &Report) -> String {
    render_html(report, &blocks(report))
}

/// The Markdown alone; charts referenced as `charts/<stem>.png`.
pub fn markdown(report: &Report) -> String {
    render_markdown(&blocks(report))
}

fn plain_file_stem(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 100
        && !s.starts_with('.')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

// ---------------------------------------------------------------------------
// The content, once, as blocks both renderers lay out.

/// Inline text.
#[derive(Clone, Debug)]
enum Span {
    Text(String),
    Strong(String),
    Code(String),
    /// A line break inside a table cell.
    Break,
}

fn t(s: impl Into<String>) -> Span {
    Span::Text(s.into())
}

fn strong(s: impl Into<String>) -> Span {
    Span::Strong(s.into())
}

fn code(s: impl Into<String>) -> Span {
    Span::Code(s.into())
}

#[derive(Clone, Debug, Default)]
struct Cell {
    spans: Vec<Span>,
    /// The 95% interval, shown under the value in HTML, after it in Markdown.
    ci: Option<String>,
    /// Right-aligned figure.
    num: bool,
    /// Greyed out in HTML (a difference that is not significant).
    muted: bool,
    /// Background intensity in HTML, 0 to 1.
    shade: Option<f64>,
    /// Fragment the HTML cell links to.
    link: Option<String>,
    /// A design's name, kept on one line in HTML.
    name: bool,
    /// The interval may break after its comma in HTML (the widest column
    /// gives way first).
    ci_wraps: bool,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        spans: vec![t(text)],
        ..Cell::default()
    }
}

fn num(text: impl Into<String>) -> Cell {
    Cell {
        num: true,
        ..cell(text)
    }
}

#[derive(Clone, Debug)]
struct Table {
    /// Column headings; true for figure columns (right-aligned).
    heads: Vec<(String, bool)>,
    rows: Vec<Vec<Cell>>,
}

#[derive(Clone, Debug, PartialEq)]
enum Style {
    Plain,
    /// The summary: boxed in HTML, a quote in Markdown.
    Summary,
    /// Small print under a table.
    Note,
    /// The line of facts under the title.
    Meta,
}

#[derive(Clone, Debug)]
enum Block {
    Title(String),
    Heading {
        level: u8,
        id: String,
        text: String,
    },
    Para(Style, Vec<Span>),
    List(Vec<Vec<Span>>),
    /// Links to the sections: (id, text).
    Contents(Vec<(String, String)>),
    Table(Table),
    /// A chart headed "Figure N. title" (which also keeps Markdown's heading
    /// anchors apart from the sections', e.g. a "Downtime by cause" chart).
    Chart {
        number: usize,
        stem: String,
        title: String,
        svg: String,
        caption: String,
    },
    Code {
        lang: &'static str,
        text: String,
    },
    /// Folded text: summary line, language, text.
    Details {
        summary: String,
        lang: &'static str,
        text: String,
    },
}

const SUMMARY: (&str, &str) = ("summary", "Summary");
const RANKING: (&str, &str) = ("ranking", "Ranking");
const INDICATORS: (&str, &str) = ("every-indicator", "Every indicator");
const SLOS: (&str, &str) = ("service-level-objectives", "Service-level objectives");
const DATA: (&str, &str) = ("data-at-risk", "Data at risk");
const CHARTS: (&str, &str) = ("charts", "Charts");
const CAUSES: (&str, &str) = ("downtime-by-cause", "Downtime by cause");
const DESIGNS: (&str, &str) = (
    "designs-and-their-assumptions",
    "Designs and their assumptions",
);
const INVALID: (&str, &str) = ("invalid-designs", "Invalid designs");
const REPRODUCE: (&str, &str) = ("reproduce", "Reproduce");

fn heading(level: u8, (id, text): (&str, &str)) -> Block {
    Block::Heading {
        level,
        id: id.into(),
        text: text.into(),
    }
}

fn blocks(r: &Report) -> Vec<Block> {
    let mut b = vec![Block::Title(r.title.clone())];
    b.push(Block::Para(
        Style::Meta,
        vec![
            t(if r.from_files {
                if r.rows.len() == 1 {
                    "Scenario file "
                } else {
                    "Scenario files "
                }
            } else {
                "Study "
            }),
            code(&r.study_source),
            t(" · ranked by the availability of "),
            code(&r.indicator),
            t(" · baseline "),
            strong(&r.baseline),
            t(format!(
                " · {} × {} · seed {} · {}",
                plural(r.replications as usize, "replication", "replications"),
                plural_years(r.horizon_years),
                r.seed,
                r.generated_by
            )),
        ],
    ));
    if let Some(d) = &r.description {
        for p in paragraphs(d) {
            b.push(Block::Para(Style::Plain, vec![t(p)]));
        }
    }
    let mut sections = vec![SUMMARY, RANKING];
    let has_slos = r.rows.iter().any(|x| !x.slos.is_empty());
    let has_data = r.rows.iter().any(|x| x.data_loss.is_some());
    if r.indicator_keys.len() > 1 {
        sections.push(INDICATORS);
    }
    if has_slos {
        sections.push(SLOS);
    }
    if has_data {
        sections.push(DATA);
    }
    if !r.charts.is_empty() {
        sections.push(CHARTS);
    }
    sections.extend([CAUSES, DESIGNS]);
    if !r.invalid.is_empty() {
        sections.push(INVALID);
    }
    sections.push(REPRODUCE);
    b.push(Block::Contents(
        sections
            .iter()
            .map(|(id, text)| (id.to_string(), text.to_string()))
            .collect(),
    ));

    b.push(heading(2, SUMMARY));
    let (lead, context) = summary(r);
    b.push(Block::Para(Style::Summary, lead));
    if !context.is_empty() {
        b.push(Block::Para(Style::Summary, context));
    }

    b.push(heading(2, RANKING));
    ranking(r, &mut b);

    if r.indicator_keys.len() > 1 {
        b.push(heading(2, INDICATORS));
        every_indicator(r, &mut b);
    }
    if has_slos {
        b.push(heading(2, SLOS));
        slo_table(r, &mut b);
    }
    if has_data {
        b.push(heading(2, DATA));
        data_table(r, &mut b);
        scope_table(r, &mut b);
        failover_table(r, &mut b);
    }

    if !r.charts.is_empty() {
        b.push(heading(2, CHARTS));
        for (k, c) in r.charts.iter().enumerate() {
            b.push(Block::Chart {
                number: k + 1,
                stem: c.file_stem.into(),
                title: c.title.into(),
                svg: c.svg.into(),
                caption: c.caption.into(),
            });
        }
    }

    b.push(heading(2, CAUSES));
    causes(r, &mut b);

    b.push(heading(2, DESIGNS));
    designs(r, &mut b);

    if !r.invalid.is_empty() {
        b.push(heading(2, INVALID));
        invalid(r, &mut b);
    }

    b.push(heading(2, REPRODUCE));
    reproduce(r, &mut b);
    b
}

/// Designs named in a summary sentence before "and N more".
const NAMED_IN_SUMMARY: usize = 8;

/// The paragraph a reviewer reads first, written from the data: who leads
/// and who is tied with the leader (never "the best" of a tie), what to
/// choose where costs exist, what the downtime is made of, the baseline,
/// the topology question, the other indicators, the SLOs and the data.
/// Two paragraphs: the verdict on the ranking indicator, then the context.
fn summary(r: &Report) -> (Vec<Span>, Vec<Span>) {
    let mut s = Vec::new();
    let Some(leader) = r.rows.first() else {
        s.push(t(if r.from_files {
            "There is no design to rank."
        } else {
            "The study has no valid design to rank."
        }));
        if !r.from_files {
            invalid_sentence(r, &mut s);
        }
        return (s, Vec::new());
    };
    let n = r.rows.len();
    let facts = format!(
        " ({}, {} of downtime a year).",
        nines_text(leader.nines, "nines"),
        human_duration_minutes(leader.downtime_minutes_per_year.mean)
    );
    let group: Vec<&ReportRow> = r.rows.iter().filter(|x| x.leading_group).collect();
    if n == 1 {
        s.push(t("The one design, "));
        s.push(strong(&leader.name));
        s.push(t(format!(
            ", is available {} on ",
            availability_text(leader)
        )));
        s.push(code(&r.indicator));
        s.push(t(facts));
    } else {
        s.push(t(format!("Of {n} designs, ranked by the availability of ")));
        s.push(code(&r.indicator));
        s.push(t(", "));
        s.push(strong(&leader.name));
        s.push(t(format!(
            " leads, available {}",
            availability_text(leader)
        )));
        s.push(t(facts));
        tie_sentence(r, &group, &mut s);
    }
    let chosen = recommendation(r, &group, &mut s);
    dominant_cause_sentence(r, chosen, &mut s);
    if n > 1 {
        baseline_sentence(r, &mut s);
    }
    let mut c = Vec::new();
    topology_sentence(r, &mut c);
    other_indicators_sentence(r, &mut c);
    slo_sentence(r, &mut c);
    data_sentence(r, &mut c);
    frontier_sentence(r, &mut c);
    if !r.from_files {
        invalid_sentence(r, &mut c);
    }
    // Each sentence starts with a space, to follow another.
    if let Some(Span::Text(first)) = c.first_mut() {
        *first = first.trim_start().to_string();
    }
    (s, c)
}

/// "**a**, **b** and 3 more": names in bold, at most [`NAMED_IN_SUMMARY`].
fn name_list<'a>(names: impl IntoIterator<Item = &'a str>, s: &mut Vec<Span>) {
    let names: Vec<&str> = names.into_iter().collect();
    let shown = names.len().min(NAMED_IN_SUMMARY);
    let more = names.len() - shown;
    for (k, name) in names[..shown].iter().enumerate() {
        if k > 0 {
            s.push(t(if k + 1 == shown && more == 0 {
                " and "
            } else {
                ", "
            }));
        }
        s.push(strong(*name));
    }
    if more > 0 {
        s.push(t(format!(" and {more} more")));
    }
}

/// Who is tied with the leader, and how far apart the group is; or, with
/// no tie, how far behind the runner-up is.
fn tie_sentence(r: &Report, group: &[&ReportRow], s: &mut Vec<Span>) {
    let tied: Vec<&ReportRow> = group.iter().skip(1).copied().collect();
    if tied.is_empty() {
        let Some(second) = r.rows.get(1) else { return };
        s.push(t(" No design is tied with it: "));
        match second.difference_to_leader {
            Some(d) => {
                s.push(t("the runner-up, "));
                s.push(strong(&second.name));
                s.push(t(format!(
                    ", has {}{} more downtime a year (paired difference, 95% interval).",
                    human_duration_minutes(d.mean),
                    match (d.ci_low, d.ci_high) {
                        (Some(lo), Some(hi)) => format!(
                            " [{}, {}]",
                            human_duration_minutes(lo),
                            human_duration_minutes(hi)
                        ),
                        _ => String::new(),
                    }
                )));
            }
            None => s.push(t("every other design has significantly more downtime.")),
        }
        return;
    }
    s.push(t(if tied.len() == 1 {
        " One design is tied with it: ".to_string()
    } else {
        format!(" {} designs are tied with it: ", tied.len())
    }));
    name_list(tied.iter().map(|x| x.name.as_str()), s);
    let widest = tied
        .iter()
        .filter_map(|x| x.difference_to_leader)
        .map(|d| d.mean.abs())
        .fold(0.0_f64, f64::max);
    let identical = |x: &&ReportRow| x.difference_to_leader.is_some_and(|d| d.is_exactly_zero());
    if tied.iter().all(identical) {
        s.push(t(format!(
            " ({} the same downtime as the leader in every replication). Together they are \
             the leading group.",
            if tied.len() == 1 {
                "it has"
            } else {
                "each has"
            }
        )));
        return;
    }
    s.push(t(format!(
        " (the 95% interval of {} paired difference to the leader contains 0, so {} \
         be told apart from it; the means differ by at most {} of downtime a year). \
         Together they are the leading group.",
        if tied.len() == 1 { "its" } else { "each one's" },
        if tied.len() == 1 {
            "it cannot"
        } else {
            "they cannot"
        },
        human_duration_minutes(widest)
    )));
}

/// Where costs exist: the cheapest design of the leading group, the one to
/// recommend on the ranking indicator. Returns the design the rest of the
/// summary speaks of: that one, else the leader.
fn recommendation<'a>(r: &'a Report, group: &[&'a ReportRow], s: &mut Vec<Span>) -> &'a ReportRow {
    let leader = &r.rows[0];
    let cheapest = group
        .iter()
        .filter_map(|x| x.monthly_cost.map(|c| (*x, c)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((c, cost)) = cheapest else {
        return leader;
    };
    let priced = |x: &ReportRow| money(x.monthly_cost.unwrap_or(0.0), &x.currency);
    if group.len() == 1 {
        s.push(t(" It costs "));
        s.push(t(priced(c)));
        s.push(t(" a month."));
    } else if c.name == leader.name {
        s.push(t(
            " The leader is also the cheapest design of the leading group (",
        ));
        s.push(t(priced(c)));
        s.push(t(" a month), so it is the one to choose on "));
        s.push(code(&r.indicator));
        s.push(t("."));
    } else {
        s.push(t(" Recommended: "));
        s.push(strong(&c.name));
        s.push(t(format!(
            ", the cheapest design of the leading group ({} a month{}): it buys the leading \
             availability on ",
            priced(c),
            leader
                .monthly_cost
                .map(|l| format!(
                    ", {} less than the leader",
                    money(l - cost, &leader.currency)
                ))
                .unwrap_or_default()
        )));
        s.push(code(&r.indicator));
        s.push(t(" for the least."));
    }
    near_the_leader(r, c, s);
    c
}

/// A cheaper design outside the leading group whose extra downtime is
/// significant but small, at most [`NEAR_THE_LEADER`] of the leader's even
/// at the top of its interval: a planner weighing cost wants to know.
fn near_the_leader(r: &Report, chosen: &ReportRow, s: &mut Vec<Span>) {
    let leader = &r.rows[0];
    let Some(chosen_cost) = chosen.monthly_cost else {
        return;
    };
    let limit = NEAR_THE_LEADER * leader.downtime_minutes_per_year.mean;
    let near = r
        .rows
        .iter()
        .filter(|x| !x.leading_group && x.currency == chosen.currency)
        .filter_map(|x| {
            let cost = x.monthly_cost.filter(|&c| c < chosen_cost)?;
            let high = x.difference_to_leader?.ci_high?;
            (high <= limit).then_some((x, cost, high))
        })
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((x, cost, high)) = near else { return };
    s.push(t(" Just outside the group, "));
    s.push(strong(&x.name));
    s.push(t(format!(
        " costs {} a month less for at most {} more downtime a year ({:.1}% of the leader's, \
         at the top of the 95% interval): significant, but small.",
        money(chosen_cost - cost, &x.currency),
        human_duration_minutes(high),
        100.0 * high / leader.downtime_minutes_per_year.mean
    )));
}

/// How close to the leader a cheaper design outside the leading group must
/// be for the summary to name it: its extra downtime, at the top of its
/// interval, at most this share of the leader's downtime.
const NEAR_THE_LEADER: f64 = 0.01;

/// What `x`'s downtime is made of: the cause charged most, with its share.
fn dominant_cause_sentence(r: &Report, x: &ReportRow, s: &mut Vec<Span>) {
    let total: f64 = x.downtime_by_cause.iter().sum();
    if total <= 0.0 {
        return;
    }
    let mut order: Vec<usize> = (0..x.downtime_by_cause.len())
        .filter(|&i| x.downtime_by_cause[i] > 0.0 && i < r.causes.len())
        .collect();
    order.sort_by(|&a, &b| x.downtime_by_cause[b].total_cmp(&x.downtime_by_cause[a]));
    let share = |i: usize| 100.0 * x.downtime_by_cause[i] / total;
    let Some(&top) = order.first() else { return };
    s.push(t(" What dominates "));
    s.push(strong(&x.name));
    s.push(t("'s downtime: "));
    s.push(strong(&r.causes[top]));
    s.push(t(format!(" ({:.0}% of it", share(top))));
    if let Some(&next) = order.get(1)
        && share(top) < 90.0
    {
        s.push(t("), then "));
        s.push(strong(&r.causes[next]));
        s.push(t(format!(" ({:.0}%", share(next))));
    }
    s.push(t(")."));
}

/// Where the baseline stands against the leader.
fn baseline_sentence(r: &Report, s: &mut Vec<Span>) {
    let Some(b) = r.rows.iter().find(|x| x.name == r.baseline) else {
        s.push(t(" The baseline, "));
        s.push(strong(&r.baseline));
        s.push(t(", is not among the ranked designs."));
        return;
    };
    s.push(t(" The baseline, "));
    s.push(strong(&b.name));
    if b.rank == 1 {
        s.push(t(", is the leader."));
        return;
    }
    s.push(t(format!(", is available {}", availability_text(b))));
    let Some(d) = b.difference_to_leader else {
        s.push(t("."));
        return;
    };
    let interval = |f: fn(f64) -> String| match (d.ci_low, d.ci_high) {
        (Some(lo), Some(hi)) => format!(" [{}, {}]", f(lo), f(hi)),
        _ => String::new(),
    };
    if b.leading_group {
        s.push(t(format!(
            " and is tied with the leader: {}{} of downtime a year against it, not \
             significant.",
            signed_minutes(d.mean),
            interval(signed_minutes)
        )));
    } else {
        s.push(t(format!(
            ", with {}{} more downtime a year than the leader (paired difference, 95% \
             interval).",
            human_duration_minutes(d.mean),
            interval(human_duration_minutes)
        )));
    }
}

/// Who leads on the indicators other than the ranking one; those on which
/// every design is tied with the leader first, together, with no leader
/// named.
fn other_indicators_sentence(r: &Report, s: &mut Vec<Span>) {
    let others: Vec<usize> = (0..r.indicator_keys.len())
        .filter(|&k| r.indicator_keys[k] != r.indicator)
        .collect();
    if others.is_empty() || r.rows.len() < 2 {
        return;
    }
    // Per indicator: its leader, and the designs tied with it and in all.
    let standing = |k: usize| {
        let cells = || {
            r.rows
                .iter()
                .filter_map(move |x| Some((x, x.indicators.get(k)?.as_ref()?)))
        };
        let (leader, _) = cells().find(|(_, c)| c.leader)?;
        let tied = cells()
            .filter(|(_, c)| c.leading_group && !c.leader)
            .count();
        Some((leader, tied, cells().count()))
    };
    let (all_tied, led): (Vec<usize>, Vec<usize>) = others
        .into_iter()
        .filter(|&k| standing(k).is_some())
        .partition(|&k| standing(k).is_some_and(|(_, tied, with)| tied + 1 == with));
    s.push(t(" On the other indicators (see Every indicator): "));
    for (n, &k) in all_tied.iter().enumerate() {
        if n > 0 {
            s.push(t(if n + 1 == all_tied.len() {
                " and "
            } else {
                ", "
            }));
        }
        s.push(code(&r.indicator_keys[k]));
    }
    if !all_tied.is_empty() {
        s.push(t(" cannot tell the designs apart (all tied)"));
    }
    for (n, &k) in led.iter().enumerate() {
        let Some((leader, tied, _)) = standing(k) else {
            continue;
        };
        if n > 0 || !all_tied.is_empty() {
            s.push(t("; "));
        }
        s.push(code(&r.indicator_keys[k]));
        s.push(t(" is led by "));
        s.push(strong(&leader.name));
        s.push(t(match tied {
            0 => " with no design tied".to_string(),
            1 => " with 1 design tied".to_string(),
            k => format!(" with {k} designs tied"),
        }));
    }
    s.push(t("."));
}

/// How the designs fare against their SLOs, when they have any.
fn slo_sentence(r: &Report, s: &mut Vec<Span>) {
    let with: Vec<&ReportRow> = r.rows.iter().filter(|x| !x.slos.is_empty()).collect();
    if with.is_empty() {
        return;
    }
    let all = |x: &ReportRow, v: &str| x.slos.iter().all(|l| l.verdict == v);
    let any = |x: &ReportRow, v: &str| x.slos.iter().any(|l| l.verdict == v);
    let met = with.iter().filter(|x| all(x, "met")).count();
    let violated: Vec<&str> = with
        .iter()
        .filter(|x| any(x, "violated"))
        .map(|x| x.name.as_str())
        .collect();
    let open = with.len() - met - violated.len();
    s.push(t(format!(
        " SLOs (see Service-level objectives): {met} of the {} designs with SLOs meet every one",
        with.len()
    )));
    if violated.is_empty() {
        s.push(t("; none violates one"));
    } else {
        s.push(t(format!(
            "; {} {}: ",
            violated.len(),
            if violated.len() == 1 {
                "violates one"
            } else {
                "violate one or more"
            }
        )));
        name_list(violated.iter().copied(), s);
    }
    if open > 0 {
        s.push(t(format!(
            "; {open} {} inconclusive (more replications would settle {})",
            if open == 1 { "is" } else { "are" },
            if open == 1 { "it" } else { "them" }
        )));
    }
    s.push(t("."));
}

/// Which designs lose data, when any does.
fn data_sentence(r: &Report, s: &mut Vec<Span>) {
    let losing: Vec<&ReportRow> = r
        .rows
        .iter()
        .filter(|x| x.data_loss.as_ref().is_some_and(|d| d.events > 0))
        .collect();
    if losing.is_empty() {
        return;
    }
    let worst = losing
        .iter()
        .filter_map(|x| Some((*x, x.data_loss.as_ref()?.rpo_minutes[1]?)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    s.push(t(format!(
        " {} of the {} designs lost data in some replication (see Data at risk)",
        losing.len(),
        r.rows.len()
    )));
    if let Some((x, rpo)) = worst {
        s.push(t("; the largest RPO p95 is "));
        s.push(strong(&x.name));
        s.push(t(format!("'s, {}", human_duration_minutes(rpo))));
    }
    s.push(t("."));
    // Events with nothing to restore are beyond any RPO: said apart.
    let lost: Vec<(&ReportRow, f64)> = losing
        .iter()
        .filter_map(|x| {
            let l = x.data_loss.as_ref()?.lost_per_year?;
            (l.mean > 0.0).then_some((*x, l.mean))
        })
        .collect();
    if !lost.is_empty() {
        s.push(t(format!(
            " {} lost data for good (nothing to restore, so no RPO): ",
            plural(lost.len(), "design", "designs")
        )));
        for (k, (x, events)) in lost.iter().enumerate() {
            if k > 0 {
                s.push(t(if k + 1 == lost.len() { " and " } else { ", " }));
            }
            s.push(strong(&x.name));
            s.push(t(format!(" {} events a year", rate(*events))));
        }
        s.push(t("."));
    }
}

/// The cost/availability Pareto frontier's two ends.
fn frontier_sentence(r: &Report, s: &mut Vec<Span>) {
    let frontier: Vec<&ReportRow> = r
        .rows
        .iter()
        .filter(|x| x.pareto_frontier && x.monthly_cost.is_some())
        .collect();
    let cheapest = frontier.iter().min_by(|a, b| {
        a.monthly_cost
            .unwrap_or(f64::INFINITY)
            .total_cmp(&b.monthly_cost.unwrap_or(f64::INFINITY))
    });
    let most = frontier
        .iter()
        .max_by(|a, b| a.availability.mean.total_cmp(&b.availability.mean));
    if let (Some(c), Some(m)) = (cheapest, most) {
        let priced = |x: &ReportRow| {
            format!(
                " ({} a month, {})",
                money(x.monthly_cost.unwrap_or(0.0), &x.currency),
                percent(x.availability.mean, x.nines)
            )
        };
        if c.name == m.name {
            s.push(t(
                " The only design on the cost/availability Pareto frontier is ",
            ));
            s.push(strong(&c.name));
            s.push(t(priced(c)));
            s.push(t("."));
        } else {
            s.push(t(
                " On the cost/availability Pareto frontier, the cheapest design is ",
            ));
            s.push(strong(&c.name));
            s.push(t(priced(c)));
            s.push(t(" and the most available "));
            s.push(strong(&m.name));
            s.push(t(priced(m)));
            s.push(t("."));
        }
    }
}

/// Stacked against external etcd: the baseline's twin with the other
/// topology (same control-plane nodes and endpoint), on `etcd`, `api` and
/// `control_plane`, or nothing when the study has no such twin.
fn topology_sentence(r: &Report, s: &mut Vec<Span>) {
    let Some(base) = r.rows.iter().find(|x| x.name == r.baseline) else {
        return;
    };
    let Some(shape) = &base.shape else {
        return;
    };
    let Some(twin) = r.rows.iter().find(|x| {
        x.shape.as_ref().is_some_and(|o| {
            o.topology != shape.topology
                && o.nodes == shape.nodes
                && o.members == shape.members
                && o.endpoint == shape.endpoint
        })
    }) else {
        return;
    };
    let Some(other) = &twin.shape else {
        return;
    };
    s.push(t(" Stacked against external etcd: "));
    s.push(strong(&twin.name));
    s.push(t(format!(
        ", the baseline's twin with {} etcd (the same {} control-plane nodes, {} etcd members \
         and {} endpoint), differs from it by ",
        other.topology, shape.nodes, shape.members, shape.endpoint
    )));
    let mut first = true;
    let mut significant = Vec::new();
    let mut largest: f64 = 0.0;
    for (key, d) in &twin.control_plane_differences {
        let interval = match (d.ci_low, d.ci_high) {
            (Some(lo), Some(hi)) => {
                if d.excludes_zero() {
                    significant.push(key.clone());
                }
                largest = largest.max(lo.abs()).max(hi.abs());
                format!(" [{}, {}]", signed_minutes(lo), signed_minutes(hi))
            }
            _ => String::new(),
        };
        largest = largest.max(d.mean.abs());
        if !first {
            s.push(t(", "));
        }
        first = false;
        s.push(t(format!("{}{interval} on ", signed_minutes(d.mean))));
        s.push(code(key));
    }
    s.push(t(" of downtime a year (paired, 95% intervals). "));
    if significant.is_empty() {
        s.push(t(format!(
            "None of these differences is significant: here the topology changes \
             nothing measurable, at most {} a year.",
            human_duration_minutes(largest)
        )));
    } else {
        s.push(t("The difference is significant on "));
        for (k, key) in significant.iter().enumerate() {
            if k > 0 {
                s.push(t(", "));
            }
            s.push(code(key));
        }
        s.push(t(format!(
            ", and at most {} a year.",
            human_duration_minutes(largest)
        )));
    }
}

fn invalid_sentence(r: &Report, s: &mut Vec<Span>) {
    match r.invalid.len() {
        0 => s.push(t(" Every design of the study is valid.")),
        1 => s.push(t(
            " One design of the study is invalid and was not simulated (see Invalid designs).",
        )),
        k => s.push(t(format!(
            " The study has {k} invalid designs, which were not simulated (see Invalid designs)."
        ))),
    }
}

/// A difference in downtime minutes a year as a cell: the mean, its
/// interval, and "(n.s.)" greyed when the interval contains 0.
fn difference_cell(d: &Interval) -> (Cell, bool) {
    let ns = !d.excludes_zero();
    let ci = ci_text(d, signed_minutes);
    (
        Cell {
            ci: if ns {
                ci.map(|c| format!("{c} (n.s.)"))
            } else {
                ci
            },
            ci_wraps: true,
            muted: ns,
            ..num(signed_minutes(d.mean))
        },
        ns,
    )
}

/// The ranking on the ranking indicator, narrow enough for a 760-pixel
/// window: availability, downtime, the difference to the leader (which
/// says who is tied), to the baseline, and the cost; then a second table
/// with each design's outages, size and data loss.
fn ranking(r: &Report, b: &mut Vec<Block>) {
    let rpo = r.rows.iter().any(|x| x.rpo_p95_minutes.is_some());
    let cost = r.rows.iter().any(|x| x.monthly_cost.is_some());
    let frontier = r.rows.iter().any(|x| x.pareto_frontier);
    let baseline_leads = r.rows.first().is_some_and(|x| x.name == r.baseline);
    let several = r.rows.len() > 1;
    // The frontier mark goes before the cost when there is one (figures
    // stay aligned), in a column of its own when there is none.
    let mark = |x: &ReportRow| if x.pareto_frontier { "◆ " } else { "" };
    let mut heads = vec![
        ("Rank", true),
        ("Design", false),
        ("Availability [95% CI]", true),
        ("Downtime/yr", true),
    ];
    if several {
        heads.push(("Δ vs leader", true));
    }
    if several && !baseline_leads {
        heads.push(("Δ vs baseline", true));
    }
    if cost {
        heads.push(("Cost/month", true));
    }
    if frontier && !cost {
        heads.push(("Pareto", false));
    }
    let mut rows = Vec::new();
    let mut not_significant = false;
    let mut tied = false;
    let mut any_identical = false;
    for x in &r.rows {
        let (avail, avail_ci) = availability_parts(x);
        let mut row = vec![
            num(x.rank.to_string()),
            name_cell(x),
            Cell {
                ci: avail_ci,
                ci_wraps: true,
                ..num(avail)
            },
            Cell {
                ci: ci_text(&x.downtime_minutes_per_year, human_duration_minutes),
                ci_wraps: true,
                ..num(human_duration_minutes(x.downtime_minutes_per_year.mean))
            },
        ];
        if several {
            row.push(match x.difference_to_leader {
                _ if x.rank == 1 => Cell {
                    spans: vec![strong("leader")],
                    ..num("")
                },
                None => num("–"),
                Some(d) => {
                    let ci = ci_text(&d, signed_minutes);
                    if x.leading_group {
                        tied = true;
                        let identical = d.is_exactly_zero();
                        any_identical |= identical;
                        Cell {
                            spans: vec![strong(if identical {
                                "identical".to_string()
                            } else {
                                format!("tied {}", signed_minutes(d.mean))
                            })],
                            ci: if identical { None } else { ci },
                            ci_wraps: true,
                            ..num("")
                        }
                    } else {
                        Cell {
                            ci,
                            ci_wraps: true,
                            ..num(signed_minutes(d.mean))
                        }
                    }
                }
            });
        }
        if several && !baseline_leads {
            row.push(if x.name == r.baseline {
                num("baseline")
            } else {
                match &x.difference_to_baseline {
                    None => num("–"),
                    Some(d) => {
                        let (c, ns) = difference_cell(d);
                        not_significant |= ns;
                        c
                    }
                }
            });
        }
        if cost {
            let price = x.monthly_cost.map_or("–".into(), |c| money(c, &x.currency));
            row.push(num(format!("{}{price}", mark(x))));
        } else if frontier {
            row.push(cell(mark(x).trim_end()));
        }
        rows.push(row);
    }
    b.push(Block::Table(Table {
        heads: heads.into_iter().map(|(h, n)| (h.to_string(), n)).collect(),
        rows,
    }));
    let mut note = vec![
        t("Ranked by the availability of "),
        code(&r.indicator),
        t(", most available first; brackets hold 95% intervals."),
    ];
    if several {
        note.push(t(
            " Δ is the design's downtime per year minus the leader's (or the baseline's), mean \
             over paired replications: positive means more downtime. ",
        ));
        note.push(strong("tied"));
        note.push(t(
            " marks a design whose difference to the leader is not significant (its interval \
             contains 0): it cannot be told apart from the leader, and with it forms the \
             leading group.",
        ));
        if !tied {
            note.push(t(" Here no design is tied with the leader."));
        }
        if any_identical {
            note.push(t(" "));
            note.push(strong("identical"));
            note.push(t(
                " marks a design with the same downtime as the leader in every replication.",
            ));
        }
    }
    if baseline_leads && several {
        note.push(t(" The baseline, "));
        note.push(strong(&r.baseline));
        note.push(t(", is the leader."));
    }
    if not_significant {
        note.push(t(
            " (n.s.) marks a difference to the baseline whose interval contains 0: not \
             significant.",
        ));
    }
    if frontier {
        note.push(t(if cost {
            " ◆ marks the cost/availability Pareto frontier: no other design is both cheaper and more available."
        } else {
            " ◆ marks the Pareto frontier: designs no other design beats on every count."
        }));
    }
    b.push(Block::Para(Style::Note, note));

    // Outages, size and data of each design, on the same indicator.
    let mut heads = vec![
        ("Design", false),
        ("Nines", true),
        ("Outages/yr", true),
        ("Outage p99", true),
    ];
    if rpo {
        heads.push(("RPO p95", true));
    }
    heads.push(("Hosts", true));
    let rows = r
        .rows
        .iter()
        .map(|x| {
            let mut row = vec![
                name_cell(x),
                num(nines_text(x.nines, "")),
                Cell {
                    ci: ci_text(&x.outages_per_year, rate),
                    ci_wraps: true,
                    ..num(rate(x.outages_per_year.mean))
                },
                num(x
                    .outage_p99_minutes
                    .map_or("–".into(), human_duration_minutes)),
            ];
            if rpo {
                row.push(num(x
                    .rpo_p95_minutes
                    .map_or("–".into(), human_duration_minutes)));
            }
            row.push(num(x.hosts.to_string()));
            row
        })
        .collect();
    b.push(Block::Table(Table {
        heads: heads.into_iter().map(|(h, n)| (h.to_string(), n)).collect(),
        rows,
    }));
    let mut note = vec![
        t("The same designs, in the same order, on "),
        code(&r.indicator),
        t(
            ": nines of availability, outages begun per year, the 99th percentile of how long \
             one lasts",
        ),
    ];
    if rpo {
        note.push(t(
            ", the 95th percentile of history lost per data-loss event",
        ));
    }
    note.push(t(
        ", and the hosts the design runs, its load balancer's instances included.",
    ));
    b.push(Block::Para(Style::Note, note));
}

/// One table, a column per indicator, where the reader sees where designs
/// differ: each cell the downtime a year with its interval, the leader of
/// the column starred and the designs tied with it in bold.
fn every_indicator(r: &Report, b: &mut Vec<Block>) {
    let mut heads = vec![("Design".to_string(), false)];
    heads.extend(r.indicator_keys.iter().map(|k| (k.clone(), true)));
    let rows = r
        .rows
        .iter()
        .map(|x| {
            let mut row = vec![name_cell(x)];
            for k in 0..r.indicator_keys.len() {
                row.push(match x.indicators.get(k).and_then(Option::as_ref) {
                    None => num("–"),
                    Some(c) => {
                        let value = human_duration_minutes(c.downtime_minutes_per_year.mean);
                        let text = if c.most_available {
                            format!("★ {value}")
                        } else {
                            value
                        };
                        Cell {
                            spans: vec![if c.leading_group {
                                strong(text)
                            } else {
                                t(text)
                            }],
                            ci: ci_text(&c.downtime_minutes_per_year, human_duration_minutes),
                            ci_wraps: true,
                            ..num("")
                        }
                    }
                });
            }
            row
        })
        .collect();
    b.push(Block::Table(Table { heads, rows }));
    b.push(Block::Para(
        Style::Note,
        vec![
            t(
                "Downtime per year of every indicator, in the ranking's order; brackets hold 95% \
                 intervals. ★ marks the most available design on each indicator (each of them when \
                 several are exactly as available); ",
            ),
            strong("bold"),
            t(
                " marks the leading group: the leader and the designs whose paired difference to \
                 it is not significant. – : the design lacks the indicator.",
            ),
        ],
    ));
    pending(r, b);
}

/// Pending time per year of each workload, for designs whose workers have
/// a capacity: the headroom a zone loss or a full cluster lacks.
fn pending(r: &Report, b: &mut Vec<Block>) {
    let keys: Vec<usize> = (0..r.indicator_keys.len())
        .filter(|&k| {
            r.rows.iter().any(|x| {
                x.indicators
                    .get(k)
                    .and_then(Option::as_ref)
                    .is_some_and(|c| c.pending_minutes_per_year.is_some())
            })
        })
        .collect();
    if keys.is_empty() {
        return;
    }
    let mut heads = vec![("Design".to_string(), false)];
    heads.extend(
        keys.iter()
            .map(|&k| (format!("{} pending", r.indicator_keys[k]), true)),
    );
    let rows = r
        .rows
        .iter()
        .map(|x| {
            let mut row = vec![name_cell(x)];
            for &k in &keys {
                let p = x
                    .indicators
                    .get(k)
                    .and_then(Option::as_ref)
                    .and_then(|c| c.pending_minutes_per_year);
                row.push(match p {
                    None => num("–"),
                    Some(p) => Cell {
                        ci: ci_text(&p, human_duration_minutes),
                        ci_wraps: true,
                        ..num(human_duration_minutes(p.mean))
                    },
                });
            }
            row
        })
        .collect();
    b.push(Block::Table(Table { heads, rows }));
    b.push(Block::Para(
        Style::Note,
        vec![t(
            "Time per year during which at least one pod of the workload is Pending (placed on \
             no node: no room, no feasible node, or no scheduler), for designs whose workers \
             have a capacity; – : the design has no capacities or lacks the workload.",
        )],
    ));
}

/// Each design's SLOs, judged on this run.
fn slo_table(r: &Report, b: &mut Vec<Block>) {
    let mut rows = Vec::new();
    for x in r.rows.iter().filter(|x| !x.slos.is_empty()) {
        for (k, l) in x.slos.iter().enumerate() {
            rows.push(vec![
                if k == 0 { name_cell(x) } else { cell("") },
                cell(&l.title),
                Cell {
                    spans: vec![if l.verdict == "met" {
                        t(&l.verdict)
                    } else {
                        strong(&l.verdict)
                    }],
                    ..Cell::default()
                },
                Cell {
                    ci: Some(l.interval.clone()),
                    ci_wraps: true,
                    ..num(&l.estimate)
                },
            ]);
        }
    }
    b.push(Block::Table(Table {
        heads: vec![
            ("Design".into(), false),
            ("SLO".into(), false),
            ("Verdict".into(), false),
            ("Estimate [interval]".into(), true),
        ],
        rows,
    }));
    let without = r.rows.iter().filter(|x| x.slos.is_empty()).count();
    let mut note = vec![
        t("Each design's "),
        code("slos"),
        t(", judged on this run's replications as "),
        code("kubenines check"),
        t(
            " judges one look: met when the 95% interval lies on the right side of the \
             objective, violated when it lies on the wrong side, inconclusive while it straddles \
             it.",
        ),
    ];
    if without > 0 {
        note.push(t(format!(
            " {} without SLOs {} left out.",
            plural(without, "design", "designs"),
            if without == 1 { "is" } else { "are" }
        )));
    }
    b.push(Block::Para(Style::Note, note));
}

/// A loss's events per year, with its interval.
fn events_cell(d: &DataRisk) -> Cell {
    Cell {
        ci: ci_text(&d.events_per_year, rate),
        ci_wraps: true,
        ..num(rate(d.events_per_year.mean))
    }
}

/// A loss's RPO and RTO: median, 95th percentile and maximum of each.
fn loss_cells(d: &DataRisk) -> Vec<Cell> {
    let q = |x: Option<f64>| num(x.map_or("–".into(), human_duration_minutes));
    d.rpo_minutes
        .iter()
        .chain(&d.rto_minutes)
        .map(|&x| q(x))
        .collect()
}

/// The RPO and RTO columns' headings.
const LOSS_HEADS: [&str; 6] = [
    "RPO p50", "RPO p95", "RPO max", "RTO p50", "RTO p95", "RTO max",
];

/// A loss's events a year with nothing to restore, with its interval.
fn lost_cell(d: &DataRisk) -> Cell {
    match &d.lost_per_year {
        Some(l) => Cell {
            ci: ci_text(l, rate),
            ci_wraps: true,
            ..num(rate(l.mean))
        },
        None => num("–"),
    }
}

/// Whether some design of the report can lose data for good.
fn any_lost(r: &Report) -> bool {
    r.rows.iter().any(|x| {
        x.data_loss
            .as_ref()
            .is_some_and(|d| d.lost_per_year.is_some())
    })
}

/// The note on events lost for good, for tables that show them.
fn lost_note() -> Vec<Span> {
    vec![
        t(
            " Lost for good/yr: events with nothing to restore (no backup holding the data, or \
           every one past its ",
        ),
        code("ttl"),
        t("); they have no RPO, so the RPO columns are over the other events."),
    ]
}

/// A data-loss table's headings: `first`, then the lost-for-good column
/// (with `lost`), then RPO and RTO.
fn loss_heads(first: [(&str, bool); 3], lost: bool) -> Vec<(String, bool)> {
    first
        .into_iter()
        .chain(lost.then_some(("Lost for good/yr", true)))
        .chain(LOSS_HEADS.map(|h| (h, true)))
        .map(|(h, n)| (h.to_string(), n))
        .collect()
}

/// A data-loss row: `row`'s cells, then `d`'s lost for good (with `lost`),
/// RPO and RTO.
fn loss_row(mut row: Vec<Cell>, d: &DataRisk, lost: bool) -> Vec<Cell> {
    if lost {
        row.push(lost_cell(d));
    }
    row.extend(loss_cells(d));
    row
}

/// Each design's data loss: how often, how much history, how long.
fn data_table(r: &Report, b: &mut Vec<Block>) {
    let lost = any_lost(r);
    let rows = r
        .rows
        .iter()
        .filter_map(|x| {
            let d = x.data_loss.as_ref()?;
            let row = vec![name_cell(x), events_cell(d), num(d.events.to_string())];
            Some(loss_row(row, d, lost))
        })
        .collect();
    b.push(Block::Table(Table {
        heads: loss_heads(
            [("Design", false), ("Events/yr", true), ("Events", true)],
            lost,
        ),
        rows,
    }));
    let without = r.rows.iter().filter(|x| x.data_loss.is_none()).count();
    let mut note = vec![t(
        "Data-loss events per year and in all replications: etcd's (quorum lost with members' \
         data, or a disaster), a workload's (a disaster of its data), and a fleet's service \
         failovers; RPO is the history lost per event (last accepted write to the state brought \
         back; a failover's, the writes not yet replicated; an event with nothing to restore \
         has none), RTO the time from the event until the API was writable again (a \
         workload's, until it served again; a failover's, until clients were served again).",
    )];
    if lost {
        note.extend(lost_note());
    }
    if without > 0 {
        note.push(t(format!(
            " {} lost no data in any replication and {} left out.",
            plural(without, "design", "designs"),
            if without == 1 { "is" } else { "are" }
        )));
    }
    b.push(Block::Para(Style::Note, note));
}

/// Data loss per design and scope (etcd, each workload a disaster
/// strikes), when some design has scopes.
fn scope_table(r: &Report, b: &mut Vec<Block>) {
    let lost = any_lost(r);
    let rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .flat_map(|x| {
            x.scopes.iter().map(move |(scope, d)| {
                let row = vec![name_cell(x), cell(scope), events_cell(d)];
                loss_row(row, d, lost)
            })
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    b.push(Block::Table(Table {
        heads: loss_heads(
            [("Design", false), ("Scope", false), ("Events/yr", true)],
            lost,
        ),
        rows,
    }));
    b.push(Block::Para(
        Style::Note,
        vec![
            t(
                "The same per scope of data: etcd's (quorum lost with members' data, or a \
                 disaster of scope ",
            ),
            code("etcd"),
            t(
                "; RTO until the API was writable again), and each workload's that a disaster \
                 strikes (RTO until it served again). A disaster of scope ",
            ),
            code("all_workloads"),
            t(" counts once in each workload it strikes."),
        ],
    ));
}

/// A fleet's failovers per design and service: what a failover costs in
/// data (RPO, the writes not yet replicated) and in time (RTO).
fn failover_table(r: &Report, b: &mut Vec<Block>) {
    let rows: Vec<Vec<Cell>> = r
        .rows
        .iter()
        .flat_map(|x| {
            x.failovers.iter().map(move |(service, d)| {
                let mut row = vec![name_cell(x), cell(service), events_cell(d)];
                row.extend(loss_cells(d));
                row
            })
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    b.push(Block::Table(Table {
        heads: [
            ("Design", false),
            ("Service", false),
            ("Failovers/yr", true),
        ]
        .into_iter()
        .chain(LOSS_HEADS.map(|h| (h, true)))
        .map(|(h, n)| (h.to_string(), n))
        .collect(),
        rows,
    }));
    b.push(Block::Para(
        Style::Note,
        vec![t(
            "The fleets' failovers alone, per service: DNS moving a service's clients off a \
             failed cluster, per year; RPO is the writes not yet replicated to the cluster \
             that takes over (0 with synchronous replication), RTO the time from the failure \
             until the failed cluster's clients were served again.",
        )],
    ));
}

fn causes(r: &Report, b: &mut Vec<Block>) {
    let at = |x: &ReportRow, i: usize| x.downtime_by_cause.get(i).copied().unwrap_or(0.0);
    let shown: Vec<usize> = (0..r.causes.len())
        .filter(|&i| r.rows.iter().any(|x| at(x, i) != 0.0))
        .collect();
    if shown.is_empty() || r.rows.is_empty() {
        b.push(Block::Para(
            Style::Plain,
            vec![
                t("No downtime of "),
                code(&r.indicator),
                t(" was charged to any cause."),
            ],
        ));
    } else {
        let max = r
            .rows
            .iter()
            .flat_map(|x| shown.iter().map(move |&i| at(x, i)))
            .fold(0.0_f64, f64::max);
        let mut heads = vec![("Design".to_string(), false)];
        heads.extend(shown.iter().map(|&i| (r.causes[i].clone(), true)));
        heads.push(("Total".into(), true));
        let rows = r
            .rows
            .iter()
            .map(|x| {
                let mut row = vec![name_cell(x)];
                for &i in &shown {
                    let v = at(x, i);
                    row.push(if v == 0.0 {
                        num("–")
                    } else {
                        Cell {
                            shade: (max > 0.0).then(|| (v / max).clamp(0.0, 1.0)),
                            ..num(human_duration_minutes(v))
                        }
                    });
                }
                let total: f64 = shown.iter().map(|&i| at(x, i)).sum();
                row.push(Cell {
                    spans: vec![strong(human_duration_minutes(total))],
                    ..num("")
                });
                row
            })
            .collect();
        b.push(Block::Table(Table { heads, rows }));
        b.push(Block::Para(
            Style::Note,
            vec![
                t("Downtime per year of "),
                code(&r.indicator),
                t(" by cause, mean over replications; causes never charged are left out."),
            ],
        ));
    }
    b.push(Block::Para(
        Style::Plain,
        vec![t(attribution_rule(&r.causes))],
    ));
}

fn designs(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Para(
        Style::Plain,
        vec![t(if r.from_files {
            "Per design, in rank order: the scenario the simulation ran, as its file gives it."
        } else {
            "Per design, in rank order: what the study set, and the full effective scenario \
                 the simulation ran, every assumption included."
        })],
    ));
    for x in &r.rows {
        b.push(Block::Heading {
            level: 3,
            id: design_id(x),
            text: format!("{}. {}", x.rank, x.name),
        });
        if r.from_files {
            b.push(Block::Para(
                Style::Plain,
                vec![
                    t("The scenario file "),
                    code(&x.source),
                    t(", as written; defaults apply to what it leaves out."),
                ],
            ));
        } else if x.settings.is_empty() {
            b.push(Block::Para(
                Style::Plain,
                vec![t(
                    "The study sets nothing for this design: it is the scenario as written.",
                )],
            ));
        } else {
            b.push(Block::List(
                x.settings
                    .iter()
                    .map(|(k, v)| vec![code(k), t(" = "), code(v)])
                    .collect(),
            ));
        }
        b.push(Block::Details {
            summary: format!(
                "{} of {} (YAML, {})",
                if r.from_files {
                    "Scenario"
                } else {
                    "Effective scenario"
                },
                x.name,
                plural(x.effective_yaml.lines().count(), "line", "lines")
            ),
            lang: "yaml",
            text: x.effective_yaml.clone(),
        });
    }
}

fn invalid(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Para(
        Style::Plain,
        vec![t(
            "These designs of the study make no sense and were not simulated.",
        )],
    ));
    let rows = r
        .invalid
        .iter()
        .map(|(name, settings, reason)| {
            let mut spans = Vec::new();
            for (i, (k, v)) in settings.iter().enumerate() {
                if i > 0 {
                    spans.push(Span::Break);
                }
                spans.extend([code(k), t(" = "), code(v)]);
            }
            vec![
                cell(name),
                Cell {
                    spans,
                    ..Cell::default()
                },
                cell(reason),
            ]
        })
        .collect();
    b.push(Block::Table(Table {
        heads: vec![
            ("Design".into(), false),
            ("Settings".into(), false),
            ("Reason".into(), false),
        ],
        rows,
    }));
}

fn reproduce(r: &Report, b: &mut Vec<Block>) {
    b.push(Block::Para(
        Style::Plain,
        vec![t(
            "This command writes this report again, figure for figure:",
        )],
    ));
    b.push(Block::Code {
        lang: "sh",
        text: r.reproduce.clone(),
    });
    if r.from_files
        && r.rows
            .iter()
            .any(|x| x.source == crate::scenario::STDIN_NAME)
    {
        b.push(Block::Para(
            Style::Plain,
            vec![
                t("A scenario came from standard input ("),
                code("-"),
                t(
                    "): give the command the same text there, as shown under Designs and \
                     their assumptions.",
                ),
            ],
        ));
    }
    b.push(Block::List(vec![
        vec![
            t(if r.from_files {
                "Scenario files: "
            } else {
                "Study: "
            }),
            code(&r.study_source),
        ],
        vec![t(format!("Seed: {}", r.seed))],
        vec![t(format!(
            "Replications: {} per design, {} each",
            r.replications,
            plural_years(r.horizon_years)
        ))],
        vec![t(format!("Generated by: {}", r.generated_by))],
        vec![t(format!(
            "Wall time: {} on {}",
            human_duration_minutes(r.wall_seconds / 60.0),
            plural(r.threads, "thread", "threads")
        ))],
    ]));
    let percentiles = if r.rows.iter().any(|x| x.rpo_p95_minutes.is_some()) {
        "percentiles (outage p99, RPO p95) are taken over the outages and data-loss events"
    } else {
        "outage p99 is taken over the outages"
    };
    b.push(Block::Para(
        Style::Plain,
        vec![t(format!(
            "Every figure with an interval is a mean over the {} replications with its 95% \
             Student-t confidence interval; {percentiles} of all replications. Designs share their \
             random numbers replication by replication, so differences to the leader and to the \
             baseline are paired. Results are identical for any thread count: only the wall time depends on it.",
            r.replications
        ))],
    ));
    b.push(Block::Para(
        Style::Plain,
        vec![
            t("The data behind every table are in "),
            code("results.json"),
            t(" and "),
            code("results.csv"),
            t(" beside this report, the charts as SVG and PNG in "),
            code("charts/"),
            t("."),
        ],
    ));
}

// ---------------------------------------------------------------------------
// Numbers.

/// A design's name as a table's first cell: on one line, linking to its
/// assumptions.
fn name_cell(x: &ReportRow) -> Cell {
    Cell {
        link: Some(design_id(x)),
        name: true,
        ..cell(&x.name)
    }
}

fn design_id(x: &ReportRow) -> String {
    format!("design-{}", x.rank)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn plural_years(y: f64) -> String {
    format!("{y} {}", if y == 1.0 { "year" } else { "years" })
}

/// Blank-line separated paragraphs, each on one line.
fn paragraphs(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in s.lines().map(str::trim) {
        if line.is_empty() {
            if !cur.is_empty() {
                out.push(cur.join(" "));
                cur.clear();
            }
        } else {
            cur.push(line);
        }
    }
    if !cur.is_empty() {
        out.push(cur.join(" "));
    }
    out
}

/// "99.9953%" and "[99.9948, 99.9958]".
fn availability_parts(x: &ReportRow) -> (String, Option<String>) {
    let bare = |v: f64| percent(v, x.nines).trim_end_matches('%').to_string();
    (
        percent(x.availability.mean, x.nines),
        ci_text(&x.availability, bare),
    )
}

fn availability_text(x: &ReportRow) -> String {
    match availability_parts(x) {
        (a, Some(ci)) => format!("{a} {ci}"),
        (a, None) => a,
    }
}

fn ci_text(i: &Interval, f: impl Fn(f64) -> String) -> Option<String> {
    Some(format!("[{}, {}]", f(i.ci_low?), f(i.ci_high?)))
}

fn nines_text(n: Option<f64>, unit: &str) -> String {
    let v = n.map_or("∞".into(), |n| format!("{n:.2}"));
    if unit.is_empty() {
        v
    } else {
        format!("{v} {unit}")
    }
}

/// Rates as the CLI shows them.
fn rate(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() < 0.01 {
        format!("{x:.2e}")
    } else {
        format!("{x:.3}")
    }
}

/// "+1m 30s", "-45.0s".
fn signed_minutes(m: f64) -> String {
    if m < 0.0 {
        format!("-{}", human_duration_minutes(-m))
    } else if m > 0.0 {
        format!("+{}", human_duration_minutes(m))
    } else {
        human_duration_minutes(0.0)
    }
}

/// "1,250 EUR", "37.50 EUR".
fn money(x: f64, currency: &str) -> String {
    let amount = if x.abs() >= 100.0 {
        let digits = format!("{:.0}", x.abs());
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("{}{grouped}", if x < 0.0 { "-" } else { "" })
    } else {
        format!("{x:.2}")
    };
    format!("{amount} {currency}").trim_end().to_string()
}

// ---------------------------------------------------------------------------
// HTML (polyglot XHTML5: well-formed XML that browsers read as HTML).

const CSS: &str = r#"
:root { --ink: #1d2330; --muted: #5b6473; --rule: #d5dbe3; --zebra: #f5f7fa; --head: #e9eef4; --accent: #1f5fa8; --tint: 31, 95, 168; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0; color: var(--ink); font: 15px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 2.5rem 2rem 4rem; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 1rem; margin-bottom: 1.25rem; }
h1 { font-size: 1.85rem; line-height: 1.25; margin: 0 0 .5rem; letter-spacing: -.01em; }
h2 { font-size: 1.35rem; margin: 2.6rem 0 .9rem; padding-bottom: .3rem; border-bottom: 1px solid var(--rule); }
h3 { font-size: 1.08rem; margin: 1.8rem 0 .5rem; }
p { margin: .6rem 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.meta { color: var(--muted); font-size: .9rem; margin: 0; }
.summary { background: #f1f6fc; border-left: 4px solid var(--accent); padding: .9rem 1.2rem; margin: 1rem 0; font-size: 1.02rem; }
.note { color: var(--muted); font-size: .85rem; }
nav { font-size: .9rem; margin: 1rem 0 0; }
nav ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: .3rem 1.4rem; counter-reset: sec; }
nav li { counter-increment: sec; }
nav li::before { content: counter(sec) ". "; color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .88em; background: #eef1f5; padding: .08em .32em; border-radius: 3px; }
pre { background: #f6f8fa; border: 1px solid var(--rule); border-radius: 4px; padding: .8rem 1rem; overflow-x: auto; font: 12.5px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; white-space: pre; }
pre code { background: none; padding: 0; font-size: inherit; }
.table-wrap { overflow-x: auto; margin: .8rem 0 .4rem; }
table { border-collapse: collapse; width: 100%; font-size: .83rem; font-variant-numeric: tabular-nums; }
th, td { padding: .4rem .45rem; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; }
thead th { background: var(--head); border-bottom: 2px solid #aeb8c4; font-weight: 600; vertical-align: bottom; line-height: 1.3; }
td.name { white-space: nowrap; font-weight: 500; }
tbody tr:nth-child(even) { background: var(--zebra); }
th.num { text-align: right; }
td.num { text-align: right; white-space: nowrap; }
td.muted { color: var(--muted); }
.ci { display: block; color: var(--muted); font-size: .76rem; }
.ci.wrap { white-space: normal; }
figure { margin: 1.4rem 0 2.2rem; break-inside: avoid; page-break-inside: avoid; }
figure h3 { margin-top: 0; }
.chart { border: 1px solid var(--rule); border-radius: 4px; padding: .75rem; background: #fff; text-align: center; }
svg { max-width: 100%; height: auto; }
.chart svg { display: block; margin: 0 auto; }
.caption { color: var(--muted); font-size: .88rem; margin: .5rem 0 0; }
ul.plain { margin: .4rem 0; padding-left: 1.3rem; }
ul.plain li { margin: .15rem 0; }
details { margin: .5rem 0 1rem; }
summary { cursor: pointer; color: var(--accent); font-size: .92rem; }
details pre { margin-top: .5rem; max-height: 32rem; overflow: auto; }
footer { margin-top: 3rem; padding-top: .8rem; border-top: 1px solid var(--rule); color: var(--muted); font-size: .8rem; }
@media (max-width: 860px) {
  main { padding: 1.5rem .9rem 3rem; }
  th, td { padding: .35rem .3rem; }
}
@media print {
  body { font-size: 10pt; }
  main { max-width: none; padding: 0; }
  nav, summary { display: none; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  tr, figure, pre { break-inside: avoid; page-break-inside: avoid; }
  .table-wrap { overflow: visible; }
  .summary, thead th, tbody tr:nth-child(even), td { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  a { color: inherit; }
}
"#;

fn render_html(r: &Report, blocks: &[Block]) -> String {
    let mut h = String::with_capacity(64 * 1024);
    h.push_str(
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n",
    );
    h.push_str("<meta charset=\"utf-8\"/>\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    h.push_str(&format!(
        "<meta name=\"generator\" content=\"{}\"/>\n<title>{}</title>\n",
        esc(&r.generated_by),
        esc(&r.title)
    ));
    h.push_str("<style>");
    h.push_str(CSS);
    h.push_str("</style>\n</head>\n<body>\n<main>\n");
    let mut in_header = false;
    for block in blocks {
        match block {
            Block::Title(text) => {
                h.push_str(&format!("<header>\n<h1>{}</h1>\n", esc(text)));
                in_header = true;
            }
            Block::Para(Style::Meta, spans) => {
                h.push_str(&format!("<p class=\"meta\">{}</p>\n", html_spans(spans)));
                if in_header {
                    h.push_str("</header>\n");
                    in_header = false;
                }
            }
            Block::Heading { level, id, text } => {
                h.push_str(&format!("<h{level} id=\"{}\">{}</h{level}>\n", esc(id), esc(text)))
            }
            Block::Para(style, spans) => {
                let class = match style {
                    Style::Summary => " class=\"summary\"",
                    Style::Note => " class=\"note\"",
                    Style::Plain | Style::Meta => "",
                };
                h.push_str(&format!("<p{class}>{}</p>\n", html_spans(spans)));
            }
            Block::List(items) => {
                h.push_str("<ul class=\"plain\">\n");
                for item in items {
                    h.push_str(&format!("<li>{}</li>\n", html_spans(item)));
                }
                h.push_str("</ul>\n");
            }
            Block::Contents(items) => {
                h.push_str("<nav aria-label=\"Contents\">\n<ol>\n");
                for (id, text) in items {
                    h.push_str(&format!("<li><a href=\"#{}\">{}</a></li>\n", esc(id), esc(text)));
                }
                h.push_str("</ol>\n</nav>\n");
            }
            Block::Table(table) => html_table(table, &mut h),
            Block::Chart {
                number,
                stem,
                title,
                svg,
                caption,
            } => {
                h.push_str(&format!(
                    "<figure id=\"chart-{}\">\n<h3>Figure {number}. {}</h3>\n<div class=\"chart\">\n",
                    esc(stem),
                    esc(title)
                ));
                h.push_str(inlinable_svg(svg));
                h.push_str(&format!(
                    "\n</div>\n<figcaption class=\"caption\">{}</figcaption>\n</figure>\n",
                    esc(caption)
                ));
            }
            Block::Code { lang, text } => h.push_str(&format!(
                "<pre><code class=\"language-{lang}\">{}</code></pre>\n",
                esc(text)
            )),
            Block::Details {
                summary,
                lang,
                text,
            } => h.push_str(&format!(
                "<details>\n<summary>{}</summary>\n<pre><code class=\"language-{lang}\">{}</code></pre>\n</details>\n",
                esc(summary),
                esc(text)
            )),
        }
    }
    if in_header {
        h.push_str("</header>\n");
    }
    h.push_str(&format!(
        "<footer>{} · {}</footer>\n</main>\n</body>\n</html>\n",
        esc(&r.generated_by),
        esc(&r.study_source)
    ));
    h
}

fn html_table(table: &Table, h: &mut String) {
    h.push_str("<div class=\"table-wrap\">\n<table>\n<thead>\n<tr>");
    for (head, is_num) in &table.heads {
        let class = if *is_num { " class=\"num\"" } else { "" };
        h.push_str(&format!("<th{class}>{}</th>", esc(head)));
    }
    h.push_str("</tr>\n</thead>\n<tbody>\n");
    for row in &table.rows {
        h.push_str("<tr>");
        for c in row {
            let mut classes = Vec::new();
            if c.num {
                classes.push("num");
            }
            if c.muted {
                classes.push("muted");
            }
            if c.name {
                classes.push("name");
            }
            h.push_str("<td");
            if !classes.is_empty() {
                h.push_str(&format!(" class=\"{}\"", classes.join(" ")));
            }
            if let Some(s) = c.shade {
                h.push_str(&format!(
                    " style=\"background-color: rgba(var(--tint), {:.2})\"",
                    0.06 + 0.34 * s
                ));
            }
            h.push('>');
            let inner = html_spans(&c.spans);
            match &c.link {
                Some(id) => h.push_str(&format!("<a href=\"#{}\">{inner}</a>", esc(id))),
                None => h.push_str(&inner),
            }
            if let Some(ci) = &c.ci {
                // A narrow column breaks an interval after its comma only.
                let ci = ci.replace(' ', "\u{a0}").replace(",\u{a0}", ", ");
                let class = if c.ci_wraps { "ci wrap" } else { "ci" };
                h.push_str(&format!("<span class=\"{class}\">{}</span>", esc(&ci)));
            }
            h.push_str("</td>");
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody>\n</table>\n</div>\n");
}

fn html_spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(x) => esc(x),
            Span::Strong(x) => format!("<strong>{}</strong>", esc(x)),
            Span::Code(x) => format!("<code>{}</code>", esc(x)),
            Span::Break => "<br/>".into(),
        })
        .collect()
}

/// Text for XML content and attribute values: markup characters escaped,
/// control characters shown as `\u{1b}` (see [`crate::text::visible`]),
/// the non-characters XML forbids replaced by U+FFFD. The charts' SVG
/// tooltips use it too.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' => out.push(c),
            // Other controls shown, not dropped (XML forbids most of C0).
            c if hidden(c) => out.extend(c.escape_unicode()),
            '\u{FFFE}' | '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The SVG document without what may only open a document: a byte-order
/// mark, the XML declaration, comments before the root and a doctype.
fn inlinable_svg(svg: &str) -> &str {
    let mut s = svg.trim_start_matches('\u{FEFF}').trim_start();
    loop {
        if s.starts_with("<?xml") {
            match s.find("?>") {
                Some(end) => s = s[end + 2..].trim_start(),
                None => return s,
            }
        } else if s.starts_with("<!--") {
            match s.find("-->") {
                Some(end) => s = s[end + 3..].trim_start(),
                None => return s,
            }
        } else if s.starts_with("<!DOCTYPE") || s.starts_with("<!doctype") {
            // An internal subset ends with "]>", a plain doctype with ">".
            let end = match (s.find('['), s.find('>')) {
                (Some(open), Some(close)) if open < close => s.find("]>").map(|e| e + 2),
                (_, Some(close)) => Some(close + 1),
                _ => None,
            };
            match end {
                Some(end) => s = s[end..].trim_start(),
                None => return s,
            }
        } else {
            return s.trim_end();
        }
    }
}

// ---------------------------------------------------------------------------
// Markdown (GitHub-flavoured).

fn render_markdown(blocks: &[Block]) -> String {
    let mut m = String::with_capacity(32 * 1024);
    for block in blocks {
        match block {
            Block::Title(text) => m.push_str(&format!("# {}\n\n", md_text(text))),
            Block::Heading { level, text, .. } => m.push_str(&format!(
                "{} {}\n\n",
                "#".repeat(*level as usize),
                md_text(text)
            )),
            Block::Para(style, spans) => {
                let text = md_spans(spans, false);
                match style {
                    Style::Summary => m.push_str(&format!("> {text}\n\n")),
                    Style::Note => m.push_str(&format!("*{}*\n\n", text.trim())),
                    Style::Plain | Style::Meta => {
                        m.push_str(&format!("{}\n\n", md_line_start(&text)))
                    }
                }
            }
            Block::List(items) => {
                for item in items {
                    m.push_str(&format!("- {}\n", md_spans(item, false)));
                }
                m.push('\n');
            }
            Block::Contents(items) => {
                for (i, (id, text)) in items.iter().enumerate() {
                    m.push_str(&format!("{}. [{}](#{id})\n", i + 1, md_text(text)));
                }
                m.push('\n');
            }
            Block::Table(table) => md_table(table, &mut m),
            Block::Chart {
                number,
                stem,
                title,
                caption,
                ..
            } => {
                let target = format!("charts/{stem}.png");
                let target = if target.contains([' ', '(', ')', '<', '>']) {
                    format!("<{}>", target.replace(['<', '>'], ""))
                } else {
                    target
                };
                m.push_str(&format!(
                    "### Figure {number}. {}\n\n![{}]({target})\n\n*{}*\n\n",
                    md_text(title),
                    md_text(title),
                    md_text(caption).trim()
                ));
            }
            Block::Code { lang, text } => m.push_str(&fenced(lang, text)),
            Block::Details {
                summary,
                lang,
                text,
            } => {
                m.push_str(&format!(
                    "<details>\n<summary>{}</summary>\n\n{}</details>\n\n",
                    esc(summary),
                    fenced(lang, text)
                ));
            }
        }
    }
    while m.ends_with("\n\n") {
        m.pop();
    }
    m
}

fn md_table(table: &Table, m: &mut String) {
    let heads: Vec<String> = table.heads.iter().map(|(h, _)| md_text(h)).collect();
    m.push_str(&format!("| {} |\n", heads.join(" | ")));
    let rule: Vec<&str> = table
        .heads
        .iter()
        .map(|(_, n)| if *n { "---:" } else { "---" })
        .collect();
    m.push_str(&format!("| {} |\n", rule.join(" | ")));
    for row in &table.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                let mut s = md_spans(&c.spans, true);
                if let Some(ci) = &c.ci {
                    s.push(' ');
                    s.push_str(&md_text(ci));
                }
                s
            })
            .collect();
        m.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
    m.push('\n');
}

fn md_spans(spans: &[Span], in_table: bool) -> String {
    spans
        .iter()
        .map(|s| match s {
            Span::Text(x) => md_text(x),
            Span::Strong(x) => format!("**{}**", md_text(x)),
            Span::Code(x) => md_code(x, in_table),
            Span::Break => "<br>".into(),
        })
        .collect()
}

/// Text with Markdown's markup characters backslash-escaped, newlines as
/// spaces and other control characters shown as `\u{1b}`. Brackets stay as they are unless a `]` could close a link or a
/// reference; `_` only where it could start or end emphasis.
fn md_text(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let before = i.checked_sub(1).map(|j| chars[j]);
        let after = chars.get(i + 1).copied();
        let word = |x: Option<char>| x.is_some_and(char::is_alphanumeric);
        let escape = match c {
            '\\' | '`' | '*' | '<' | '>' | '|' | '&' | '~' => true,
            ']' => matches!(after, Some('(' | '[' | ':')),
            '_' => !(word(before) && word(after)),
            _ => false,
        };
        match c {
            '\n' | '\r' => out.push(' '),
            c if hidden(c) => out.extend(c.escape_unicode()),
            c => {
                if escape {
                    out.push('\\');
                }
                out.push(c);
            }
        }
    }
    out
}

/// Escapes what would make a paragraph's first characters a heading, list
/// or rule.
fn md_line_start(s: &str) -> String {
    let first_word = s.split(' ').next().unwrap_or("");
    let digits = first_word.trim_end_matches(['.', ')']);
    if s.starts_with(['#', '-', '+', '=']) {
        format!("\\{s}")
    } else if !digits.is_empty()
        && digits.len() < first_word.len()
        && digits.chars().all(|c| c.is_ascii_digit())
    {
        format!("{digits}\\{}", &s[digits.len()..])
    } else {
        s.to_string()
    }
}

/// A code span whose delimiters are longer than any run of backticks inside.
fn md_code(s: &str, in_table: bool) -> String {
    let mut body = visible(&s.replace(['\n', '\r'], " ")).into_owned();
    if in_table {
        body = body.replace('|', "\\|");
    }
    let ticks = "`".repeat(longest_run(&body, '`') + 1);
    if body.starts_with('`') || body.ends_with('`') || ticks.len() > 1 {
        format!("{ticks} {body} {ticks}")
    } else {
        format!("{ticks}{body}{ticks}")
    }
}

/// A fenced block whose fence is longer than any run of backticks inside.
fn fenced(lang: &str, text: &str) -> String {
    let fence = "`".repeat((longest_run(text, '`') + 1).max(3));
    let text = visible(text);
    let body = text.trim_end_matches('\n');
    format!("{fence}{lang}\n{body}\n{fence}\n\n")
}

fn longest_run(s: &str, c: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for x in s.chars() {
        run = if x == c { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use quick_xml::events::Event;

    const NAMESPACES: [&str; 3] = [
        "http://www.w3.org/2000/svg",
        "http://www.w3.org/1999/xhtml",
        "http://www.w3.org/1999/xlink",
    ];
    const MALICIOUS: &str = "<script>alert(\"x\") & 'y'</script>";

    fn i(mean: f64, half: f64) -> Interval {
        Interval {
            mean,
            ci_low: Some(mean - half),
            ci_high: Some(mean + half),
        }
    }

    fn row(rank: usize, name: &str, unavailability: f64, diff: Option<Interval>) -> ReportRow {
        let minutes = unavailability * 525_960.0;
        ReportRow {
            rank,
            name: name.into(),
            availability: i(1.0 - unavailability, unavailability / 10.0),
            nines: Some(-unavailability.log10()),
            downtime_minutes_per_year: i(minutes, minutes / 10.0),
            outages_per_year: i(1.5, 0.1),
            outage_p99_minutes: Some(27.8),
            rpo_p95_minutes: None,
            hosts: rank as u32 + 2,
            monthly_cost: None,
            currency: "EUR".into(),
            pareto_frontier: false,
            difference_to_baseline: diff,
            downtime_by_cause: vec![minutes * 0.75, 0.0, minutes * 0.25],
            settings: vec![("control_plane.nodes".into(), rank.to_string())],
            shape: None,
            control_plane_differences: Vec::new(),
            effective_yaml: format!("name: {name}\nnote: \"a <b> & 'c' | d\"\n"),
            source: format!("study.yaml#{name}"),
            leading_group: rank == 1,
            difference_to_leader: Some(if rank == 1 {
                i(0.0, 0.0)
            } else {
                i(minutes / 4.0, minutes / 8.0)
            }),
            indicators: Vec::new(),
            slos: Vec::new(),
            data_loss: None,
            failovers: Vec::new(),
            scopes: Vec::new(),
        }
    }

    fn shaped(mut r: ReportRow, topology: &str, diffs: &[(f64, f64)]) -> ReportRow {
        r.shape = Some(Shape {
            topology: topology.into(),
            nodes: 3,
            members: 3,
            endpoint: "cloud".into(),
        });
        r.control_plane_differences = ["etcd", "api", "control_plane"]
            .iter()
            .zip(diffs)
            .map(|(k, &(m, h))| (k.to_string(), i(m, h)))
            .collect();
        r
    }

    /// The summary pairs the baseline with its twin of the other topology
    /// and says whether any difference is significant.
    #[test]
    fn summary_compares_stacked_with_its_external_twin() {
        let text = |rows: Vec<ReportRow>| {
            let mut r = report();
            r.rows = rows;
            let (lead, context) = summary(&r);
            lead.iter()
                .chain(&context)
                .map(|x| match x {
                    Span::Text(v) | Span::Strong(v) | Span::Code(v) => v.as_str(),
                    Span::Break => " ",
                })
                .collect::<String>()
        };
        let base = shaped(row(1, "stacked-3", 1e-5, None), "stacked", &[(0.0, 0.0); 3]);
        let tied = shaped(
            row(2, "external-3x3", 1e-5, None),
            "external",
            &[(0.01, 0.02), (-0.01, 0.02), (0.0, 0.01)],
        );
        let s = text(vec![base.clone(), tied]);
        assert!(
            s.contains("Stacked against external etcd: external-3x3"),
            "{s}"
        );
        assert!(
            s.contains("None of these differences is significant"),
            "{s}"
        );
        let apart = shaped(
            row(2, "external-3x3", 1e-5, None),
            "external",
            &[(-1.0, 0.5), (0.01, 0.02), (-2.0, 0.1)],
        );
        let s = text(vec![base.clone(), apart]);
        assert!(
            s.contains("significant on etcd, control_plane, and at most"),
            "{s}"
        );
        // No twin (another node count): no sentence.
        let mut other = shaped(
            row(2, "external-5x3", 1e-5, None),
            "external",
            &[(0.0, 0.0); 3],
        );
        other.shape.as_mut().unwrap().nodes = 5;
        let s = text(vec![base, other]);
        assert!(!s.contains("Stacked against external"), "{s}");
    }

    fn report() -> Report<'static> {
        Report {
            title: "control-plane: stacked versus external etcd".into(),
            description: Some(format!("Which design?\n\n{MALICIOUS}")),
            generated_by: "kubenines 0.1.0".into(),
            reproduce: "kubenines report study.yaml --out reports/x".into(),
            study_source: "scenarios/studies/control-plane.yaml".into(),
            from_files: false,
            seed: 1,
            replications: 2000,
            horizon_years: 10.0,
            indicator: "api".into(),
            baseline: "stacked-3".into(),
            wall_seconds: 12.5,
            threads: 2,
            causes: vec![
                "load-balancer".into(),
                "never-seen-cause".into(),
                "host".into(),
            ],
            indicator_keys: vec!["api".into()],
            rows: vec![
                row(1, "external-3x3", 1.2e-5, Some(i(-0.5, 0.6))),
                row(2, "stacked-3", 1.3e-5, Some(i(0.0, 0.0))),
                row(3, "a|b", 2.0e-4, Some(i(98.0, 4.0))),
            ],
            invalid: vec![(
                "stacked-0".into(),
                vec![("control_plane.nodes".into(), "0".into())],
                "no control-plane node".into(),
            )],
            charts: vec![
                ReportChart {
                    file_stem: "availability",
                    title: "Availability by design",
                    caption: "Longer bars are better.",
                    svg: r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>x</text></svg>"#,
                    png: b"\x89PNG\r\n\x1a\nfake-availability",
                },
                ReportChart {
                    file_stem: "downtime_by_cause",
                    title: "Downtime by cause",
                    caption: "Each bar splits a design's downtime.",
                    svg: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\"><text>y</text></svg>",
                    png: b"\x89PNG\r\n\x1a\nfake-causes",
                },
            ],
            results_json: "{\"designs\": []}\n".into(),
            results_csv: "rank,design\n1,external-3x3\n".into(),
        }
    }

    /// Every event of `doc` read as XML, checking tags balance, attributes
    /// and entity references; returns the root element's name.
    fn parse_xml(doc: &str) -> String {
        let mut reader = quick_xml::Reader::from_str(doc);
        let mut stack: Vec<String> = Vec::new();
        let mut root = None;
        loop {
            let event = reader
                .read_event()
                .unwrap_or_else(|e| panic!("not well-formed at {}: {e}", reader.buffer_position()));
            match event {
                Event::Start(e) => {
                    for a in e.attributes() {
                        a.expect("attribute");
                    }
                    let name = e.name().0.to_string();
                    if stack.is_empty() {
                        assert!(root.is_none(), "a second root element <{name}>");
                        root = Some(name.clone());
                    }
                    stack.push(name);
                }
                Event::Empty(e) => {
                    for a in e.attributes() {
                        a.expect("attribute");
                    }
                    assert!(!stack.is_empty(), "element outside the root");
                }
                Event::End(e) => {
                    let name = e.name().0.to_string();
                    assert_eq!(stack.pop().as_deref(), Some(name.as_str()));
                }
                Event::GeneralRef(r) => {
                    let predefined = ["amp", "lt", "gt", "quot", "apos"].contains(&&*r);
                    assert!(
                        predefined || r.resolve_char_ref().unwrap().is_some(),
                        "undefined entity &{};",
                        &*r
                    );
                }
                Event::Eof => break,
                _ => {}
            }
        }
        assert!(stack.is_empty(), "unclosed elements: {stack:?}");
        root.expect("a root element")
    }

    #[test]
    fn html_is_well_formed_xml_and_escapes_user_text() {
        let h = html(&report());
        assert!(h.starts_with(
            "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">"
        ));
        assert!(h.contains("<meta charset=\"utf-8\"/>"));
        assert_eq!(parse_xml(&h), "html");
        assert!(!h.contains("<script"), "raw script element");
        assert!(h.contains("&lt;script&gt;alert(&quot;x&quot;) &amp; &#39;y&#39;&lt;/script&gt;"));
        // The effective YAML is escaped too.
        assert!(h.contains("note: &quot;a &lt;b&gt; &amp; &#39;c&#39; | d&quot;"));
    }

    #[test]
    fn html_is_self_contained() {
        let h = html(&report());
        assert!(!h.contains("<link"));
        assert!(!h.contains("<script"));
        assert!(!h.contains("<img"));
        assert!(!h.contains("<iframe"));
        for attr in ["src=", "href="] {
            for (at, _) in h.match_indices(attr) {
                let value = &h[at + attr.len()..];
                assert!(
                    value.starts_with("\"#"),
                    "{attr} points outside the page: {}",
                    &value[..value.len().min(60)]
                );
            }
        }
        let mut rest = h.as_str();
        let mut urls = 0;
        while let Some(at) = rest.find("http") {
            let tail = &rest[at..];
            if tail.starts_with("http://") || tail.starts_with("https://") {
                assert!(
                    NAMESPACES
                        .iter()
                        .any(|ns| tail.starts_with(&format!("{ns}\""))),
                    "external URL: {}",
                    &tail[..tail.len().min(60)]
                );
                urls += 1;
            }
            rest = &tail[4..];
        }
        // The page's namespace and each chart's.
        assert!(urls >= 3);
        assert!(!h.contains("url("), "no CSS resource");
        assert!(!h.contains("@import"));
    }

    #[test]
    fn charts_are_inlined_in_html_and_linked_in_markdown() {
        let r = report();
        let (h, m) = (html(&r), markdown(&r));
        for c in &r.charts {
            assert!(h.contains(&esc(c.title)), "{} missing", c.title);
            assert!(h.contains(&esc(c.caption)));
            assert!(m.contains(&format!("![{}](charts/{}.png)", c.title, c.file_stem)));
            assert!(m.contains(c.caption));
        }
        assert!(h.contains(r.charts[0].svg), "SVG inlined as-is");
        assert!(h.contains("<h3>Figure 2. Downtime by cause</h3>"));
        assert!(m.contains("### Figure 2. Downtime by cause\n"));
        // Headings are unique, so GitHub's anchors match the contents' links.
        let headings: Vec<&str> = m.lines().filter(|l| l.starts_with('#')).collect();
        let unique: std::collections::HashSet<&&str> = headings.iter().collect();
        assert_eq!(unique.len(), headings.len(), "{headings:?}");
        assert!(!h.contains("<?xml"), "prolog stripped");
        assert!(h.contains(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" width=\"10\" height=\"10\"><text>y</text></svg>"
        ));
        // Sections in order, the same in both.
        let order = |doc: &str, marks: &[&str]| {
            let at: Vec<usize> = marks.iter().map(|s| doc.find(s).expect(s)).collect();
            assert!(at.windows(2).all(|w| w[0] < w[1]), "{marks:?} at {at:?}");
        };
        order(
            &h,
            &[
                "id=\"summary\"",
                "id=\"ranking\"",
                "id=\"charts\"",
                "id=\"downtime-by-cause\"",
                "id=\"designs-and-their-assumptions\"",
                "id=\"invalid-designs\"",
                "id=\"reproduce\"",
            ],
        );
        order(
            &m,
            &[
                "## Summary",
                "## Ranking",
                "## Charts",
                "## Downtime by cause",
                "## Designs and their assumptions",
                "## Invalid designs",
                "## Reproduce",
            ],
        );
    }

    #[test]
    fn markdown_has_the_ranking_table_with_escaped_pipes() {
        let r = report();
        let m = markdown(&r);
        assert!(m.starts_with("# control-plane: stacked versus external etcd\n"));
        let ranking = &m[m.find("## Ranking").unwrap()..m.find("## Charts").unwrap()];
        // The first table: the ranking proper (the second has the outages).
        let lines: Vec<&str> = ranking
            .lines()
            .skip_while(|l| !l.starts_with('|'))
            .take_while(|l| l.starts_with('|'))
            .collect();
        assert_eq!(lines.len(), 2 + r.rows.len(), "{ranking}");
        for (line, x) in lines[2..].iter().zip(&r.rows) {
            assert!(line.contains(&md_text(&x.name)), "{line}");
        }
        // Every row has as many cells as the header: the pipe in "a|b" is escaped.
        let cells = |l: &str| l.replace("\\|", "").matches('|').count();
        assert!(
            lines.iter().all(|l| cells(l) == cells(lines[0])),
            "{ranking}"
        );
        assert!(ranking.contains("a\\|b"));
        assert!(lines[3].contains("| baseline |"));
        assert!(lines[1].contains("---:"));
        assert!(m.contains("```yaml\nname: external-3x3\n"));
        assert!(m.contains("<details>\n<summary>Effective scenario of external-3x3"));
        assert!(
            m.contains("\\<script\\>alert(\"x\") \\& 'y'\\</script\\>"),
            "{m}"
        );
        assert!(!m.replace("\\<", "").contains("<script"), "raw script: {m}");
        assert!(m.contains("```sh\nkubenines report study.yaml --out reports/x\n```"));
    }

    #[test]
    fn optional_columns_appear_only_with_data() {
        let mut r = report();
        for doc in [html(&r), markdown(&r)] {
            assert!(!doc.contains("RPO p95"));
            assert!(!doc.contains("Cost/month"));
            assert!(!doc.contains("Pareto"));
            // Named once, in the attribution rule's order of causes; never
            // a column.
            assert_eq!(
                doc.matches("never-seen-cause").count(),
                1,
                "all-zero cause shown"
            );
            assert!(doc.contains("load-balancer"));
        }
        r.rows[1].rpo_p95_minutes = Some(57.7);
        r.rows[0].monthly_cost = Some(1250.0);
        r.rows[1].monthly_cost = Some(800.0);
        r.rows[0].pareto_frontier = true;
        for doc in [html(&r), markdown(&r)] {
            assert!(doc.contains("RPO p95"));
            assert!(doc.contains("57m 42s"));
            assert!(doc.contains("Cost/month"));
            assert!(doc.contains("◆ 1,250 EUR"));
            assert!(!doc.contains("◆ 800"), "stacked-3 is off the frontier");
            assert!(!doc.contains("Pareto</th>") && !doc.contains("| Pareto |"));
        }
        let m = markdown(&r);
        let summary = &m[m.find("## Summary").unwrap()..m.find("## Ranking").unwrap()];
        assert!(
            summary.contains("The only design on the cost/availability Pareto frontier is **external-3x3** (1,250 EUR a month"),
            "{summary}"
        );
        r.rows[1].pareto_frontier = true;
        let m = markdown(&r);
        let summary = &m[m.find("## Summary").unwrap()..m.find("## Ranking").unwrap()];
        assert!(
            summary.contains("the cheapest design is **stacked-3** (800 EUR a month"),
            "{summary}"
        );
        assert!(
            summary.contains("the most available **external-3x3** (1,250 EUR"),
            "{summary}"
        );
        // A frontier without costs gets a column of its own.
        for x in &mut r.rows {
            x.monthly_cost = None;
        }
        assert!(markdown(&r).contains("| Pareto |"));
        assert!(html(&r).contains("<th>Pareto</th>"));
    }

    /// On another indicator, a leader is named only when some design is
    /// apart from it; when all are tied, none is.
    #[test]
    fn other_indicators_name_no_leader_among_designs_all_tied() {
        let cell = |leader: bool, leading_group: bool| {
            Some(IndicatorCell {
                availability: i(0.99, 0.001),
                nines: Some(2.0),
                downtime_minutes_per_year: i(5000.0, 50.0),
                leader,
                most_available: leader,
                leading_group,
                pending_minutes_per_year: None,
            })
        };
        let sentence = |groups: [bool; 3]| {
            let mut r = report();
            r.indicator_keys = vec!["api".into(), "etcd".into()];
            for (x, in_group) in r.rows.iter_mut().zip(groups) {
                let leader = x.rank == 1;
                x.indicators = vec![cell(leader, leader), cell(leader, leader || in_group)];
            }
            let mut s = Vec::new();
            other_indicators_sentence(&r, &mut s);
            s.iter()
                .map(|x| match x {
                    Span::Text(v) | Span::Strong(v) | Span::Code(v) => v.as_str(),
                    _ => "",
                })
                .collect::<String>()
        };
        let all = sentence([true; 3]);
        assert!(
            all.contains(
                "indicators (see Every indicator): etcd cannot tell the designs apart (all tied)."
            ),
            "{all}"
        );
        assert!(!all.contains("led by"), "{all}");
        let one = sentence([true, false, false]);
        assert!(one.contains("etcd is led by "), "{one}");
        assert!(one.contains("with no design tied"), "{one}");
    }

    #[test]
    fn summary_names_the_leader_the_baseline_and_significance() {
        let r = report();
        let m = markdown(&r);
        let summary = &m[m.find("## Summary").unwrap()..m.find("## Ranking").unwrap()];
        assert!(
            summary.contains("ranked by the availability of `api`, **external-3x3** leads"),
            "{summary}"
        );
        assert!(
            summary.contains(
                "The baseline, **stacked-3**, is available 99.998700% [99.998570, 99.998830], with 1m 43s [51.3s, 2m 34s] more downtime a year than the leader (paired difference, 95% interval)."
            ),
            "{summary}"
        );
        assert!(summary.contains("One design of the study is invalid"));
        // Three quarters of every row's downtime is the first cause.
        assert!(
            summary.contains("What dominates **external-3x3**'s downtime: **load-balancer** (75% of it), then **host** (25%)."),
            "{summary}"
        );
        // One cause above 90%: named alone.
        let mut r = report();
        r.rows[0].downtime_by_cause = vec![95.0, 0.0, 5.0];
        let m = markdown(&r);
        assert!(m.contains("**load-balancer** (95% of it)."), "{m}");
    }

    #[test]
    fn ranking_shows_percent_with_interval_and_baseline() {
        let r = report();
        let m = markdown(&r);
        // 1.2e-5 unavailable: 4.92 nines, shown to 6 decimals.
        assert!(
            m.contains(
                "| 99.998800% [99.998680, 99.998920] | 6m 19s [5m 41s, 6m 57s] | **leader** |"
            ),
            "{m}"
        );
        assert!(
            m.contains("| external-3x3 | 4.92 | 1.500 [1.400, 1.600] |"),
            "{m}"
        );
        assert!(m.contains("| -30.0s [-1m 06s, +6.0s] (n.s.) |"), "{m}");
        assert!(m.contains("+1h 38m [+1h 34m, +1h 42m]"));
        // stacked-3 is behind the leader by a quarter of its downtime, significantly.
        assert!(
            m.contains("| +1m 43s [+51.3s, +2m 34s] | baseline |"),
            "{m}"
        );
        let h = html(&r);
        assert!(h.contains("99.998800%<span class=\"ci wrap\">[99.998680, 99.998920]</span>"));
        assert!(h.contains("<td class=\"num\">baseline</td>"));
        // Bounds do not break inside.
        assert!(
            h.contains("<span class=\"ci wrap\">[5m\u{a0}41s, 6m\u{a0}57s]</span>"),
            "{h}"
        );
    }

    /// A tie with the leader reads "tied", the group is named in the
    /// summary, the cheapest of it recommended; a design identical to the
    /// leader in every replication reads "identical".
    #[test]
    fn ties_with_the_leader_are_a_group_and_its_cheapest_is_recommended() {
        let mut r = report();
        let text = |r: &Report| {
            let m = markdown(r);
            m[m.find("## Summary").unwrap()..m.find("## Ranking").unwrap()].to_string()
        };
        // No tie: "leads", never "best", and the runner-up's distance.
        let s = text(&r);
        assert!(
            s.contains("**external-3x3** leads, available 99.998800%"),
            "{s}"
        );
        assert!(!s.contains("best"), "{s}");
        assert!(s.contains("No design is tied with it: the runner-up, **stacked-3**, has 1m 43s [51.3s, 2m 34s] more downtime a year"), "{s}");
        // stacked-3 tied (its interval to the leader contains 0), a|b identical.
        r.rows[1].leading_group = true;
        r.rows[1].difference_to_leader = Some(i(0.4, 0.5));
        r.rows[2].leading_group = true;
        r.rows[2].difference_to_leader = Some(i(0.0, 0.0));
        r.rows[0].monthly_cost = Some(900.0);
        r.rows[1].monthly_cost = Some(500.0);
        r.rows[2].monthly_cost = Some(700.0);
        let s = text(&r);
        assert!(s.contains("2 designs are tied with it: **stacked-3** and **a\\|b** (the 95% interval of each one's paired difference to the leader contains 0, so they cannot be told apart from it; the means differ by at most 24.0s of downtime a year)"), "{s}");
        assert!(s.contains("Recommended: **stacked-3**, the cheapest design of the leading group (500 EUR a month, 400 EUR less than the leader)"), "{s}");
        assert!(s.contains("What dominates **stacked-3**'s downtime: **load-balancer** (75% of it), then **host** (25%)."), "{s}");
        assert!(s.contains("The baseline, **stacked-3**, is available 99.998700% [99.998570, 99.998830] and is tied with the leader: +24.0s [-6.0s, +54.0s] of downtime a year against it, not significant."), "{s}");
        let m = markdown(&r);
        assert!(m.contains("| **tied +24.0s** [-6.0s, +54.0s] |"), "{m}");
        assert!(m.contains("| **identical** |"), "{m}");
        assert!(m.contains("**identical** marks a design with the same downtime as the leader in every replication."));
        // The leader is the cheapest of its group: it is the one to choose.
        r.rows[0].monthly_cost = Some(400.0);
        let s = text(&r);
        assert!(s.contains("The leader is also the cheapest design of the leading group (400 EUR a month), so it is the one to choose on `api`."), "{s}");
        // Outside the group but within 1% of the leader's downtime at the
        // top of its interval, and cheaper: named, with what it costs.
        let mut r2 = report();
        r2.rows[0].monthly_cost = Some(900.0);
        r2.rows[1].monthly_cost = Some(500.0);
        r2.rows[2].monthly_cost = Some(100.0);
        r2.rows[1].difference_to_leader = Some(i(0.02, 0.01));
        let s = text(&r2);
        assert!(s.contains("It costs 900 EUR a month. Just outside the group, **stacked-3** costs 400 EUR a month less for at most 1.8s more downtime a year (0.5% of the leader's, at the top of the 95% interval): significant, but small."), "{s}");
        // At 1.1% it is not named (a|b is far off, and cheaper still).
        r2.rows[1].difference_to_leader = Some(i(0.06, 0.0094));
        let s = text(&r2);
        assert!(!s.contains("Just outside"), "{s}");
        // The baseline leads: one Δ column, and the summary says so.
        r.baseline = "external-3x3".into();
        let m = markdown(&r);
        assert!(!m.contains("Δ vs baseline"), "{m}");
        assert!(
            m.contains("The baseline, **external-3x3**, is the leader."),
            "{m}"
        );
    }

    #[test]
    fn svg_prologs_doctypes_and_comments_are_dropped() {
        let svg = "<svg xmlns=\"http://www.w3.org/2000/svg\"/>";
        assert_eq!(inlinable_svg(svg), svg);
        let wrapped = format!(
            "\u{FEFF}<?xml version=\"1.0\" standalone=\"no\"?>\n<!-- made by hand -->\n\
             <!DOCTYPE svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\" \"x.dtd\">\n{svg}\n"
        );
        assert_eq!(inlinable_svg(&wrapped), svg);
        assert_eq!(
            inlinable_svg(&format!("<!DOCTYPE svg [ <!ENTITY a \"b\"> ]>{svg}")),
            svg
        );
    }

    #[test]
    fn escaping_covers_markup_and_forbidden_characters() {
        assert_eq!(
            esc("a<b>&\"'\u{1}\u{FFFE}"),
            "a&lt;b&gt;&amp;&quot;&#39;\\u{1}\u{FFFD}"
        );
        assert_eq!(md_text("a\u{1b}[31m"), "a\\u{1b}[31m");
        assert_eq!(md_code("\u{9b}x", true), "`\\u{9b}x`");
        assert_eq!(md_text("a|b *c* <d>"), "a\\|b \\*c\\* \\<d\\>");
        assert_eq!(
            md_text("[x](y) [z] snake_case _e_"),
            "[x\\](y) [z] snake_case \\_e\\_"
        );
        assert_eq!(md_code("a|b", true), "`a\\|b`");
        assert_eq!(md_code("x `y`", false), "`` x `y` ``");
        assert_eq!(md_line_start("# not a heading"), "\\# not a heading");
        assert_eq!(md_line_start("1. not a list"), "1\\. not a list");
        assert!(fenced("yaml", "a: ```\n").starts_with("````yaml\n"));
        assert_eq!(money(1_234_567.4, "EUR"), "1,234,567 EUR");
        assert_eq!(money(37.5, ""), "37.50");
    }

    #[test]
    fn write_report_writes_every_file() {
        let r = report();
        let dir = std::env::temp_dir().join(format!("kubenines-document-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let written = write_report(&dir.join("out"), &r).unwrap();
        let out = dir.join("out");
        let names: Vec<String> = written
            .iter()
            .map(|p| {
                p.strip_prefix(&out)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/")
            })
            .collect();
        assert_eq!(
            names,
            [
                "index.html",
                "report.md",
                "charts/availability.svg",
                "charts/availability.png",
                "charts/downtime_by_cause.svg",
                "charts/downtime_by_cause.png",
                "results.json",
                "results.csv",
            ]
        );
        let read = |name: &str| std::fs::read(out.join(name)).unwrap();
        assert_eq!(read("index.html"), html(&r).into_bytes());
        assert_eq!(read("report.md"), markdown(&r).into_bytes());
        assert_eq!(read("results.json"), r.results_json.as_bytes());
        assert_eq!(read("results.csv"), r.results_csv.as_bytes());
        for c in &r.charts {
            assert_eq!(read(&format!("charts/{}.png", c.file_stem)), c.png);
            assert_eq!(
                read(&format!("charts/{}.svg", c.file_stem)),
                c.svg.as_bytes()
            );
        }
        // Writing again replaces the files and leaves no temporary behind.
        write_report(&out, &r).unwrap();
        let mut left: Vec<String> = std::fs::read_dir(&out)
            .unwrap()
            .chain(std::fs::read_dir(out.join("charts")).unwrap())
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('.'))
            .collect();
        left.sort();
        assert!(left.is_empty(), "{left:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unsafe_or_repeated_chart_stems_are_refused() {
        let dir =
            std::env::temp_dir().join(format!("kubenines-document-bad-{}", std::process::id()));
        for stem in ["../escape", "", ".hidden", "a/b", "availability"] {
            let mut r = report();
            if stem == "availability" {
                r.charts[1].file_stem = stem;
            } else {
                r.charts[0].file_stem = stem;
            }
            let e = write_report(&dir, &r).unwrap_err();
            assert_eq!(e.kind(), io::ErrorKind::InvalidInput, "{stem}");
        }
        assert!(!dir.exists(), "nothing written");
    }

    #[test]
    fn an_empty_study_still_renders() {
        let mut r = report();
        r.rows.clear();
        r.charts.clear();
        r.invalid.clear();
        r.description = None;
        let h = html(&r);
        parse_xml(&h);
        assert!(h.contains("The study has no valid design to rank."));
        assert!(!h.contains("id=\"charts\""));
        assert!(!h.contains("id=\"invalid-designs\""));
        assert!(markdown(&r).contains("No downtime of `api` was charged to any cause."));
    }
}
