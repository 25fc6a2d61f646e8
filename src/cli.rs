//! The command line: raw arguments become a validated request before any
//! work starts; errors become exit codes (0 ok, 2 bad input or usage).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::BLOCK;
use crate::baseline::{self, Baseline};
use crate::budget;
use crate::check::{self, Plan, SloVerdict};
use crate::model::Model;
use crate::report::charts;
use crate::report::ci::{CHECK_SCHEMA_VERSION, CheckReport, CheckScenario, PlanReport};
use crate::report::compare::{ComparisonResults, InvalidDesignResult, StudyRef};
use crate::report::document::{self, ReportChart};
use crate::report::study::StudyOutcome;
use crate::report::{CsvExporter, Exporter, JsonExporter, Named, Results, TableExporter};
use crate::report::{PrecisionResult, Tool};
use crate::runner::{self, RunOptions};
use crate::scenario::{self, Scenario};
use crate::shard::{self, Part, Shard};
use crate::text;

/// Discrete-event Monte Carlo availability simulator for Kubernetes HA designs.
#[derive(Debug, Parser)]
#[command(name = "kubenines", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The format of a scenario or study read from standard input (a FILE
    /// of `-`) [default: sniffed: JSON if it starts with `{`, TOML if it
    /// starts with a `[table]` or `key = value`, else YAML].
    #[arg(long, global = true, value_enum)]
    format: Option<InputFormat>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum InputFormat {
    Yaml,
    Toml,
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate one scenario and print its availability.
    Run(RunArgs),
    /// Parse and check scenario and study files: every file is checked and
    /// every error of each reported; exit 2 when any is bad.
    Validate {
        /// Scenario or study files (.yaml, .yml, .toml, .json).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Output format: a line per file (errors and warnings on stderr),
        /// or one JSON document with every file's verdict, errors and
        /// warnings, located.
        #[arg(short = 'o', long, value_enum, default_value_t = ValidateOutput::Text)]
        output: ValidateOutput,
    },
    /// Print the JSON Schema of scenario files (for editors).
    Schema {
        /// The schema of study files instead.
        #[arg(long, conflicts_with = "fleet")]
        study: bool,
        /// The schema of fleet files instead.
        #[arg(long)]
        fleet: bool,
    },
    /// Simulate several designs over the same replications and rank them,
    /// with each one's difference to a baseline: two or more scenario files,
    /// or one study file.
    Compare(CompareArgs),
    /// Run a study and write its report for an architecture review: a
    /// self-contained HTML page, the same as Markdown with PNG charts, and
    /// the results as JSON and CSV.
    Report(ReportArgs),
    /// Combine the partial results of a sharded run (`run --shard K/N --out
    /// PART`) into the results of the whole run, identical to running it on
    /// one machine.
    Merge(MergeArgs),
    /// Judge the scenario's SLOs, adding replications a batch at a time
    /// until each is met or violated with confidence, or a maximum is
    /// reached. Exit 0 when all are met, 1 when one is violated or still
    /// inconclusive (or a metric got worse than --baseline), 2 on bad input.
    Check(CheckArgs),
    /// Print a shell completion script, e.g. `kubenines completions bash >
    /// ~/.local/share/bash-completion/completions/kubenines`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), e.g. `kubenines man > kubenines.1 &&
    /// man ./kubenines.1`.
    Man,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Scenario file (.yaml, .yml, .toml, .json) with `slos`.
    file: PathBuf,
    #[command(flatten)]
    sim: SimulationArgs,
    /// Replications per batch; the verdicts are looked at after each
    /// [default: simulation.replications (or -n), or the precision target's
    /// batch; rounded up to a multiple of 256].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_REPLICATIONS))]
    batch: Option<u64>,
    /// The most replications in all [default: 16 batches, or the precision
    /// target's max_replications].
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_REPLICATIONS))]
    max_replications: Option<u64>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = CheckOutput::Table)]
    output: CheckOutput,
    #[command(flatten)]
    ci: CiArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ValidateOutput {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CheckOutput {
    Table,
    Json,
}

/// Flags for CI pipelines: baselines and reports.
#[derive(Debug, clap::Args)]
struct CiArgs {
    /// Compare with the stored baseline NAME and fail with exit 1 when an
    /// indicator got significantly worse. The comparison is paired, replication
    /// by replication, so the run needs the baseline's seed and horizon.
    #[arg(long, value_name = "NAME")]
    baseline: Option<String>,
    /// With --baseline: when the comparison cannot be paired (another seed
    /// or horizon, or results from `merge`), compare with Welch's two-sample
    /// test, which misses smaller changes, instead of refusing (exit 2).
    #[arg(long)]
    allow_unpaired: bool,
    /// With --baseline: how much more downtime to forgive. A metric is
    /// worse only when the lower bound of the 95% interval of its increase
    /// exceeds this: downtime per year (`1m/yr`) or a share of the
    /// baseline's downtime (`5%`). The default, 0, flags every significant
    /// increase. Data-loss events are always judged against 0.
    #[arg(long, value_name = "TOLERANCE", default_value = "0", value_parser = baseline::Tolerance::parse)]
    tolerance: baseline::Tolerance,
    /// Store this run's results as baseline NAME (after comparing, when
    /// --baseline is given too).
    #[arg(long, value_name = "NAME")]
    save_baseline: Option<String>,
    /// Where named baselines are kept (a NAME with a `/` or ending in .json
    /// is a path of its own).
    #[arg(long, value_name = "DIR", default_value = crate::baseline::DEFAULT_DIR)]
    baseline_dir: PathBuf,
    /// Write a JUnit XML report (one test case per SLO and per baseline metric).
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Write a Markdown summary, e.g. for a pull-request comment or
    /// $GITHUB_STEP_SUMMARY.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
}

impl CiArgs {
    /// Whether a baseline is read or written: then each replication's
    /// values are kept, for paired comparisons.
    fn uses_baselines(&self) -> bool {
        self.baseline.is_some() || self.save_baseline.is_some()
    }

    /// The file of baseline `name`.
    fn baseline_path(&self, name: &str) -> Result<PathBuf, Failure> {
        baseline::path_of(name, &self.baseline_dir).map_err(|e| bad_input(anyhow!(e)))
    }

    fn any(&self) -> bool {
        self.uses_baselines() || self.junit.is_some() || self.markdown.is_some()
    }
}

#[derive(Debug, clap::Args)]
struct MergeArgs {
    /// Partial-results files, one per shard, in any order.
    #[arg(required = true, num_args = 1..)]
    parts: Vec<PathBuf>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    output: Output,
    #[command(flatten)]
    ci: CiArgs,
}

#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// Scenario files, two or more; or one study file.
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// The design (scenario name) differences are taken against [default: the
    /// study's baseline, else the first design].
    #[arg(long)]
    baseline: Option<String>,
    /// Indicator to rank the designs by [default: the study's, else api].
    #[arg(long)]
    indicator: Option<String>,
    #[command(flatten)]
    sim: SimulationArgs,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    output: Output,
}

#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// A study file, or one or more scenario files (.yaml, .yml, .toml,
    /// .json; `-` for standard input), as `compare` takes them.
    #[arg(required = true, num_args = 1..)]
    files: Vec<PathBuf>,
    /// Directory to write the report as (created if missing): index.html,
    /// report.md, charts/, results.json, results.csv. It is replaced whole,
    /// atomically; an existing DIR must be empty or a previous report, and
    /// one holding other files is refused (exit 2) and left untouched.
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The design differences are taken against [default: the study's
    /// baseline, else the first design].
    #[arg(long)]
    baseline: Option<String>,
    /// Indicator to rank the designs by [default: the study's, else api].
    #[arg(long)]
    indicator: Option<String>,
    #[command(flatten)]
    sim: SimulationArgs,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (.yaml, .yml, .toml, .json).
    file: PathBuf,
    #[command(flatten)]
    sim: SimulationArgs,
    /// Output format [default: table].
    #[arg(short = 'o', long, value_enum)]
    output: Option<Output>,
    /// Run only the K-th of N disjoint slices of the replications (K from 1)
    /// and write partial results for `kubenines merge`.
    #[arg(long, value_name = "K/N")]
    shard: Option<Shard>,
    /// With --shard: the file to write the partial results to [default: stdout].
    #[arg(long, value_name = "PART", requires = "shard")]
    out: Option<PathBuf>,
    #[command(flatten)]
    ci: CiArgs,
}

/// Flags of every command that simulates. For `compare` the overrides apply
/// to the baseline, whose settings every design then shares.
#[derive(Debug, clap::Args)]
struct SimulationArgs {
    /// Replications (overrides simulation.replications).
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..=scenario::MAX_REPLICATIONS))]
    replications: Option<u64>,
    /// Horizon per replication, e.g. 10y (overrides simulation.horizon).
    #[arg(long)]
    horizon: Option<String>,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// The event budget: a replication that processes more events than
    /// this per simulated year stops the run with exit 2, naming the
    /// component that floods it (overrides simulation.max_events_per_year;
    /// default 10000000).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    max_events_per_year: Option<u64>,
    /// Refuse to start a run estimated (from a short calibration) to take
    /// longer than this, e.g. 30m or 3d [default: 24h]. Runs estimated
    /// above 10 minutes start with a warning saying how long they will
    /// probably take.
    #[arg(long, value_name = "DURATION")]
    max_run_time: Option<String>,
    /// Worker threads [default: all cores].
    #[arg(short = 'j', long, env = "KUBENINES_THREADS", value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// No progress bar.
    #[arg(short = 'q', long)]
    quiet: bool,
}

impl SimulationArgs {
    /// Worker threads: as asked, or all cores.
    fn threads(&self) -> usize {
        match self.threads {
            Some(t) => t as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }

    /// Whether to show a progress bar (only on a terminal).
    fn progress(&self) -> bool {
        !self.quiet && std::io::stderr().is_terminal()
    }

    /// Applies the overrides to a scenario's `simulation`.
    fn apply(&self, s: &mut Scenario) -> anyhow::Result<()> {
        if let Some(n) = self.replications {
            // A fixed count replaces a precision target.
            s.simulation.replications = n;
            s.simulation.precision = None;
        }
        if let Some(h) = &self.horizon {
            let seconds =
                scenario::parse_duration(h).map_err(|e| anyhow!("--horizon {h:?}: {e}"))?;
            if let Some(why) = scenario::horizon_problem(seconds) {
                return Err(anyhow!("--horizon {h:?}: {why}"));
            }
            s.simulation.horizon = seconds;
        }
        if let Some(seed) = self.seed {
            s.simulation.seed = seed;
        }
        if let Some(budget) = self.max_events_per_year {
            s.simulation.max_events_per_year = Some(budget);
        }
        Ok(())
    }

    /// The longest estimated run that may start.
    fn max_run_time(&self) -> anyhow::Result<Duration> {
        match &self.max_run_time {
            None => Ok(budget::DEFAULT_MAX_RUN_TIME),
            Some(text) => {
                let seconds = scenario::parse_duration(text)
                    .map_err(|e| anyhow!("--max-run-time {text:?}: {e}"))?;
                Duration::try_from_secs_f64(seconds)
                    .ok()
                    .filter(|d| !d.is_zero())
                    .ok_or_else(|| anyhow!("--max-run-time {text:?}: must be a positive duration"))
            }
        }
    }

    /// Before any work: the run's estimated time, from a short
    /// calibration of every design; a warning when it is long, a refusal
    /// (exit 2) beyond `--max-run-time`. `what` names the run in messages;
    /// a `shardable` one (`run`) may be cut into shards instead.
    fn preflight(
        &self,
        models: &[&Model],
        replications: u64,
        what: &str,
        shardable: bool,
    ) -> Result<(), Failure> {
        let (shards_too, or_shard) = if shardable {
            (
                ", or shards on several machines (--shard K/N)",
                ", --horizon or --shard",
            )
        } else {
            ("", " or --horizon")
        };
        let cap = self.max_run_time().map_err(bad_input)?;
        let estimate = budget::estimate(models, replications, self.threads());
        let verdict = estimate.verdict(cap);
        if verdict == budget::Verdict::Start {
            return Ok(());
        }
        let costliest = match estimate.costliest {
            Some((d, share)) if share > 0.2 => format!(
                "; design `{}` takes {:.0}% of it",
                models[d].name,
                share * 100.0
            ),
            _ => String::new(),
        };
        if verdict == budget::Verdict::Refuse {
            return Err(bad_input(anyhow!(
                "{what} would take {}{costliest}, beyond the limit of {} (--max-run-time): run \
                 fewer replications (-n) or a shorter --horizon{shards_too}, or raise \
                 --max-run-time",
                estimate.describe(),
                budget::human(cap.as_secs_f64()),
            )));
        }
        diag(&format!(
            "warning: {what} will probably take {}{costliest} (estimated from a short \
             calibration; it goes on: interrupt it to change -n{or_shard})",
            estimate.describe()
        ));
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Output {
    Table,
    Json,
    Csv,
}

/// An error with the exit code it deserves.
struct Failure {
    code: u8,
    error: anyhow::Error,
}

/// Bad input or usage: exit code 2.
fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 2,
        error: error.into(),
    }
}

/// Parses the arguments, runs the command, and turns the outcome into an exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage(&e),
    };
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // Output cut short by a closed pipe (`| head`) is not an error.
            if is_broken_pipe(&f.error) {
                return ExitCode::SUCCESS;
            }
            diag(&format!("error: {:#}", f.error));
            ExitCode::from(f.code)
        }
    }
}

/// Help and version on stdout (exit 0, or 2 when they cannot be written),
/// usage errors on stderr (exit 2). clap's own `exit` would report success
/// for help it could not write.
fn usage(e: &clap::Error) -> ExitCode {
    if e.use_stderr() || std::io::stdout().is_terminal() {
        // On a terminal, clap's colours; a failed write to stderr is
        // nothing more can be said about.
        let _ = e.print();
        return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
    }
    match stdout_text(&e.render().to_string()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(io) if io.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(io) => {
            diag(&format!("error: writing to stdout: {io}"));
            ExitCode::from(2)
        }
    }
}

/// Whether `error` is, or was caused by, a write to a closed pipe.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Text on stdout, control characters shown rather than obeyed
/// ([`text::visible`]). Rust ignores SIGPIPE, so a closed pipe is an error
/// here (`BrokenPipe`), as a full disk is; neither panics.
fn stdout_text(out: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text::visible(out).as_bytes())?;
    stdout.flush()
}

/// Generated text (a completion script, a manual page) on stdout as it is:
/// it is code for a shell or for roff, built from this program's own help.
fn stdout_raw(out: &[u8]) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(out)?;
    stdout.flush()
}

/// JSON on stdout, control characters as JSON escapes ([`text::json_visible`]).
fn stdout_json(out: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(text::json_visible(out).as_bytes())?;
    stdout.flush()
}

/// A diagnostic line on stderr, control characters shown rather than
/// obeyed. A diagnostic that cannot be written (stderr closed or full) is
/// dropped: there is nowhere left to say so, and it must not panic as
/// `eprintln!` would.
fn diag(line: &str) {
    diag_text(&format!("{line}\n"));
}

/// [`diag`] without the newline.
fn diag_text(out: &str) {
    let _ = std::io::stderr()
        .lock()
        .write_all(text::visible(out).as_bytes());
}

/// Output nobody reads any more (a closed pipe) is not a failure, but a
/// verdict that follows it still is: `check | head` must not pass a check
/// that failed.
fn unless_closed_pipe(written: Result<(), Failure>) -> Result<(), Failure> {
    match written {
        Err(f) if is_broken_pipe(&f.error) => Ok(()),
        other => other,
    }
}

/// A failed write of the command's output: exit 2 (a closed pipe is
/// recognised by [`main`] and is not an error).
fn output_failure(what: &'static str) -> impl FnOnce(std::io::Error) -> Failure {
    move |e| Failure {
        code: 2,
        error: anyhow::Error::new(e).context(what),
    }
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    if let Some(format) = cli.format {
        scenario::set_stdin_format(match format {
            InputFormat::Yaml => scenario::Format::Yaml,
            InputFormat::Toml => scenario::Format::Toml,
            InputFormat::Json => scenario::Format::Json,
        });
    }
    match cli.command {
        Command::Run(args) => run(args),
        Command::Compare(args) => compare(args),
        Command::Report(args) => report(args),
        Command::Merge(args) => merge(args),
        Command::Check(args) => check(args),
        Command::Validate { files, output } => validate(&files, output),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "kubenines", &mut script);
            stdout_raw(&script).map_err(output_failure("writing the completion script"))
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(Cli::command())
                .render(&mut page)
                .map_err(output_failure("rendering the manual page"))?;
            stdout_raw(&page).map_err(output_failure("writing the manual page"))
        }
        Command::Schema { study, fleet } => {
            let schema = if study {
                scenario::study_json_schema()
            } else if fleet {
                scenario::fleet_json_schema()
            } else {
                scenario::json_schema()
            };
            let schema = serde_json::to_string_pretty(&schema).map_err(bad_input)?;
            stdout_json(&format!("{schema}\n")).map_err(output_failure("writing the schema"))
        }
    }
}

/// One file's verdict for `validate -o json`.
#[derive(serde::Serialize)]
struct ValidatedFile {
    file: String,
    /// `scenario` or `study` (by the file's `study` key).
    kind: &'static str,
    valid: bool,
    /// The scenario's or study's name, when it loaded.
    name: Option<String>,
    /// Why the file is invalid: its first error (the first of `errors`),
    /// located where the format allows.
    error: Option<LocatedMessage>,
    /// Every error of the file, in the file's order (empty when it is
    /// valid): each rule a scenario breaks, or the one error that stopped
    /// its parsing.
    errors: Vec<LocatedMessage>,
    warnings: Vec<LocatedMessage>,
    /// Studies: their valid designs, and those skipped with the reason.
    designs: Option<usize>,
    invalid_designs: Vec<InvalidDesignEntry>,
}

#[derive(Clone, serde::Serialize)]
struct LocatedMessage {
    file: String,
    line: Option<u32>,
    column: Option<u32>,
    key: Option<String>,
    message: String,
}

#[derive(serde::Serialize)]
struct InvalidDesignEntry {
    name: String,
    reason: String,
}

impl From<&scenario::ScenarioError> for LocatedMessage {
    fn from(e: &scenario::ScenarioError) -> Self {
        LocatedMessage {
            file: e.file.clone(),
            line: e.line,
            column: e.column,
            key: e.key.clone(),
            message: e.message.clone(),
        }
    }
}

impl From<&scenario::ScenarioWarning> for LocatedMessage {
    fn from(w: &scenario::ScenarioWarning) -> Self {
        LocatedMessage {
            file: w.file.clone(),
            line: w.line,
            column: w.column,
            key: Some(w.key.clone()),
            message: w.message.clone(),
        }
    }
}

/// Checks every file, reporting each (a line on stdout for a good one,
/// its error on stderr for a bad one; or one JSON document), and fails
/// with exit 2 after the last when any was bad.
fn validate(files: &[PathBuf], output: ValidateOutput) -> Result<(), Failure> {
    let text = output == ValidateOutput::Text;
    let mut verdicts = Vec::new();
    for file in files {
        let mut v = ValidatedFile {
            file: file.display().to_string(),
            kind: "scenario",
            valid: false,
            name: None,
            error: None,
            errors: Vec::new(),
            warnings: Vec::new(),
            designs: None,
            invalid_designs: Vec::new(),
        };
        if scenario::is_study(file) {
            v.kind = "study";
            match scenario::load_study(file) {
                Ok(study) => {
                    v.name = Some(study.name.clone());
                    v.designs = Some(study.designs.len());
                    for d in &study.invalid {
                        if text {
                            diag(&format!("design {} is invalid: {}", d.name, d.reason));
                        }
                        v.invalid_designs.push(InvalidDesignEntry {
                            name: d.name.clone(),
                            reason: d.reason.clone(),
                        });
                    }
                    for d in &study.designs {
                        v.warnings.extend(d.scenario.warnings.iter().map(|w| {
                            let mut w = LocatedMessage::from(w);
                            w.message = format!("design {}: {}", d.name, w.message);
                            w
                        }));
                    }
                    if study.designs.is_empty() {
                        // As `compare` and `report` would refuse it.
                        let e = no_valid_design(&study).error;
                        if text {
                            diag(&format!("error: {e:#}"));
                        }
                        v.errors.push(LocatedMessage {
                            file: study.source.clone(),
                            line: None,
                            column: None,
                            key: None,
                            message: format!("{e:#}"),
                        });
                    } else {
                        v.valid = true;
                        if text {
                            print_design_warnings(&study);
                            stdout_text(&format!(
                                "ok: {} (study {}: {} designs, {} invalid)\n",
                                file.display(),
                                study.name,
                                study.designs.len(),
                                study.invalid.len()
                            ))
                            .map_err(output_failure("writing to stdout"))?;
                        }
                    }
                }
                Err(e) => {
                    if text {
                        diag(&format!("error: {e}"));
                    }
                    v.errors.push(LocatedMessage::from(&e));
                }
            }
        } else {
            match scenario::load_all(file) {
                Ok(s) => {
                    v.valid = true;
                    v.name = Some(s.name.clone());
                    v.warnings = s.warnings.iter().map(LocatedMessage::from).collect();
                    if text {
                        print_warnings(&s);
                        stdout_text(&format!("ok: {} ({})\n", file.display(), s.name))
                            .map_err(output_failure("writing to stdout"))?;
                    }
                }
                Err(errors) => {
                    for e in &errors {
                        if text {
                            diag(&format!("error: {e}"));
                        }
                        v.errors.push(LocatedMessage::from(e));
                    }
                }
            }
        }
        v.error = v.errors.first().cloned();
        verdicts.push(v);
    }
    let bad = verdicts.iter().filter(|v| !v.valid).count();
    if !text {
        let doc = serde_json::json!({
            "valid": bad == 0,
            "files": verdicts,
        });
        let doc = serde_json::to_string_pretty(&doc).map_err(bad_input)?;
        stdout_json(&format!("{doc}\n")).map_err(output_failure("writing to stdout"))?;
    }
    if bad > 0 {
        return Err(bad_input(anyhow!(
            "{bad} of {} files {} invalid",
            verdicts.len(),
            if bad == 1 { "is" } else { "are" }
        )));
    }
    Ok(())
}

/// Loads a scenario file. When it is invalid, every error is reported as
/// `validate` reports it, in the file's order: all but the last on stderr
/// here, the last as the failure (exit 2).
fn load_scenario(file: &std::path::Path) -> Result<Scenario, Failure> {
    scenario::load_all(file).map_err(|errors| every_error(errors, file))
}

/// A scenario's errors (see [`load_scenario`]): all but the last on stderr,
/// the last as the failure.
fn every_error(mut errors: Vec<scenario::ScenarioError>, file: &std::path::Path) -> Failure {
    let last = errors.pop();
    for e in &errors {
        diag(&format!("error: {e}"));
    }
    match last {
        Some(e) => bad_input(e),
        None => bad_input(anyhow!("{} is not a valid scenario", file.display())),
    }
}

/// A study none of whose designs is valid: exit 2, after their reasons.
fn no_valid_design(study: &scenario::Study) -> Failure {
    bad_input(anyhow!(
        "no valid design in study `{}` ({}): all {} were skipped, for the reasons above",
        study.name,
        study.source,
        study.invalid.len()
    ))
}

/// The scenario's warnings on stderr, one line each; they do not change the exit code.
fn print_warnings(s: &Scenario) {
    for warning in &s.warnings {
        diag(&warning.to_string());
    }
}

/// The warnings of a study's valid designs, one line each, naming the design
/// (the lines would be those of the design's generated text, so none are given).
fn print_design_warnings(study: &scenario::Study) {
    for d in &study.designs {
        for w in &d.scenario.warnings {
            diag(&format!(
                "{}: design {}: warning: {}: {}",
                study.source, d.name, w.key, w.message
            ));
        }
    }
}

/// `compare FILE FILE...` or `compare STUDY`.
fn compare(args: CompareArgs) -> Result<(), Failure> {
    let studies: Vec<&PathBuf> = args
        .files
        .iter()
        .filter(|f| scenario::is_study(f))
        .collect();
    if let Some(first) = studies.first() {
        if args.files.len() > 1 {
            return Err(bad_input(anyhow!(
                "{} is a study file; `compare` takes one study file alone, or two or more \
                 scenario files",
                first.display()
            )));
        }
        return compare_study(&args, first);
    }
    if args.files.len() < 2 {
        // A file that does not load says why first.
        load_scenario(&args.files[0])?;
        return Err(bad_input(anyhow!(
            "{} is a scenario file; `compare` takes two or more scenario files, or one study \
             file (with a top-level `study` key)",
            args.files[0].display()
        )));
    }
    let mut scenarios = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let s = load_scenario(file)?;
        print_warnings(&s);
        scenarios.push(s);
    }
    let sources: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    let baseline = args.baseline.as_deref();
    let indicator = args.indicator.as_deref().unwrap_or("api");
    let compared = run_comparison(&args.sim, scenarios, &sources, baseline, indicator)?;
    write_comparison(args.output, &compared.results)
}

/// Loads a study, reports its invalid designs on stderr, and compares the valid ones.
fn compare_study(args: &CompareArgs, file: &std::path::Path) -> Result<(), Failure> {
    let study = scenario::load_study(file).map_err(bad_input)?;
    let compared = run_study(
        &study,
        &args.sim,
        args.baseline.as_deref(),
        args.indicator.as_deref(),
    )?;
    write_comparison(args.output, &compared.results)
}

/// Reports a study's invalid designs and runs its valid ones, paired.
fn run_study(
    study: &scenario::Study,
    sim: &SimulationArgs,
    baseline: Option<&str>,
    indicator: Option<&str>,
) -> Result<Compared, Failure> {
    for d in &study.invalid {
        diag(&format!("design {} skipped: {}", d.name, d.reason));
    }
    if study.designs.is_empty() {
        return Err(no_valid_design(study));
    }
    print_design_warnings(study);
    let baseline = baseline.or(study.baseline.as_deref());
    if let Some(b) = baseline
        && let Some(bad) = study.invalid.iter().find(|d| d.name == b)
    {
        return Err(bad_input(anyhow!(
            "--baseline {b:?} was skipped as invalid ({}), so it cannot be the baseline",
            bad.reason
        )));
    }
    let indicator = indicator.unwrap_or(&study.indicator);
    let scenarios: Vec<Scenario> = study.designs.iter().map(|d| d.scenario.clone()).collect();
    let sources: Vec<String> = scenarios.iter().map(|s| s.source.clone()).collect();
    let mut compared = run_comparison(sim, scenarios, &sources, baseline, indicator)?;
    compared.results.study = Some(StudyRef {
        name: study.name.clone(),
        source: study.source.clone(),
        description: study.description.clone(),
    });
    compared.results.invalid_designs = study
        .invalid
        .iter()
        .map(|d| InvalidDesignResult {
            name: d.name.clone(),
            settings: Named(last_per_key(&d.settings)),
            reason: d.reason.clone(),
        })
        .collect();
    Ok(compared)
}

/// `report STUDY --out DIR`: the study's comparison, its charts, and the
/// documents that carry them.
fn report(args: ReportArgs) -> Result<(), Failure> {
    let started = std::time::Instant::now();
    let is_study = args.files.iter().position(|f| scenario::is_study(f));
    if let Some(i) = is_study
        && args.files.len() > 1
    {
        return Err(bad_input(anyhow!(
            "{} is a study file; `report` takes one study file alone, or one or more \
             scenario files",
            args.files[i].display()
        )));
    }
    let from_files = is_study.is_none();
    let study = if from_files {
        scenario::study_of_files(&args.files).map_err(|e| every_error(e, &args.files[0]))?
    } else {
        scenario::load_study(&args.files[0]).map_err(bad_input)?
    };
    // Before the simulation: a DIR that may not be replaced wastes no run.
    document::refuse_foreign_files(&args.out)
        .with_context(|| format!("--out {}", args.out.display()))
        .map_err(bad_input)?;
    let compared = if from_files {
        for d in &study.designs {
            print_warnings(&d.scenario);
        }
        let scenarios: Vec<Scenario> = study.designs.iter().map(|d| d.scenario.clone()).collect();
        let sources: Vec<String> = scenarios.iter().map(|s| s.source.clone()).collect();
        let indicator = args.indicator.as_deref().unwrap_or("api");
        run_comparison(
            &args.sim,
            scenarios,
            &sources,
            args.baseline.as_deref(),
            indicator,
        )?
    } else {
        run_study(
            &study,
            &args.sim,
            args.baseline.as_deref(),
            args.indicator.as_deref(),
        )?
    };
    let simulated = started.elapsed();
    let outcome = StudyOutcome {
        study: &study,
        from_files,
        models: &compared.models,
        comparison: &compared.comparison,
        results: &compared.results,
    };
    let internal = |error: anyhow::Error| Failure { code: 3, error };
    let charts = charts::render_all(&outcome.chart_input(outcome.timeline()))
        .context("drawing the charts")
        .map_err(internal)?;
    let drawn = started.elapsed();
    let mut json = serde_json::to_string_pretty(&compared.results)
        .context("serialising the results")
        .map_err(internal)?;
    json.push('\n');
    // The same JSON value, with nothing in it that a terminal would obey.
    let json = text::json_visible(&json).into_owned();
    let mut csv = Vec::new();
    compared
        .results
        .write_csv(&mut csv)
        .context("writing the CSV")
        .map_err(internal)?;
    let document = outcome.report(
        charts
            .iter()
            .map(|c| ReportChart {
                file_stem: &c.file_stem,
                title: &c.title,
                caption: &c.caption,
                svg: &c.svg,
                png: &c.png,
            })
            .collect(),
        reproduce_command(&args),
        json,
        String::from_utf8_lossy(&csv).into_owned(),
    );
    let written = document::write_report(&args.out, &document)
        .with_context(|| format!("writing the report into {}", args.out.display()))
        .map_err(|error| Failure { code: 2, error })?;
    let mut out = String::new();
    if !args.sim.quiet {
        for path in &written {
            out += &format!("wrote {}\n", path.display());
        }
    }
    let total = started.elapsed();
    out += &format!(
        "report of {} ({} {}, {} invalid) in {}: {} files, {:.1} s \
         (simulation {:.1} s, charts {:.1} s)\n",
        if from_files {
            study.source.clone()
        } else {
            format!("study {}", study.name)
        },
        study.designs.len(),
        if study.designs.len() == 1 {
            "design"
        } else {
            "designs"
        },
        study.invalid.len(),
        args.out.display(),
        written.len(),
        total.as_secs_f64(),
        simulated.as_secs_f64(),
        (drawn - simulated).as_secs_f64()
    );
    stdout_text(&out).map_err(output_failure("writing to stdout"))
}

/// The command line that reproduces a report (threads aside, which change
/// nothing but speed), each argument quoted for a POSIX shell where it
/// needs to be ([`text::shell_word`]).
fn reproduce_command(args: &ReportArgs) -> String {
    // A path that starts with `-` would read as a flag: `./-x.yaml`; `-`
    // alone is standard input.
    let path = |p: &std::path::Path| {
        let p = p.display().to_string();
        if p.starts_with('-') && p != "-" {
            format!("./{p}")
        } else {
            p
        }
    };
    let mut words: Vec<String> = vec!["kubenines".into(), "report".into()];
    words.extend(args.files.iter().map(|f| path(f)));
    words.extend(["--out".into(), path(&args.out)]);
    if let Some(b) = &args.baseline {
        words.extend(["--baseline".into(), b.clone()]);
    }
    if let Some(i) = &args.indicator {
        words.extend(["--indicator".into(), i.clone()]);
    }
    if let Some(n) = args.sim.replications {
        words.extend(["-n".into(), n.to_string()]);
    }
    if let Some(h) = &args.sim.horizon {
        words.extend(["--horizon".into(), h.clone()]);
    }
    if let Some(seed) = args.sim.seed {
        words.extend(["--seed".into(), seed.to_string()]);
    }
    let quoted: Vec<_> = words.iter().map(|w| text::shell_word(w)).collect();
    quoted.join(" ")
}

/// Settings with one entry per key (a JSON object's keys are unique): where
/// a group's `set` or an axis sets a key the study's `set` also did, the last
/// value, which is the one in effect, in the first one's place.
fn last_per_key(settings: &[(String, String)]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::with_capacity(settings.len());
    for (k, v) in settings {
        match out.iter_mut().find(|(key, _)| key == k) {
            Some(entry) => entry.1 = v.clone(),
            None => out.push((k.clone(), v.clone())),
        }
    }
    out
}

/// Runs every design with the baseline's seed, replications and horizon, so
/// that each component draws the same random numbers in every design.
/// `sources` name the designs' files in messages and results.
fn run_comparison(
    sim: &SimulationArgs,
    mut scenarios: Vec<Scenario>,
    sources: &[String],
    baseline: Option<&str>,
    indicator: &str,
) -> Result<Compared, Failure> {
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(bad_input(anyhow!(
                "two designs are named `{name}` ({} and {}); give each scenario its own `name`",
                sources[names.iter().position(|n| n == name).unwrap_or(0)],
                sources[i]
            )));
        }
    }
    let baseline = match baseline {
        None => 0,
        Some(b) => names.iter().position(|n| *n == b).ok_or_else(|| {
            bad_input(anyhow!(
                "--baseline {b:?} is not one of the designs: {}",
                names.join(", ")
            ))
        })?,
    };
    sim.apply(&mut scenarios[baseline]).map_err(bad_input)?;
    if scenarios[baseline].simulation.precision.is_some() {
        return Err(bad_input(anyhow!(
            "design `{}` sets `simulation.precision`; designs are compared over one fixed \
             number of replications, so give -n N",
            scenarios[baseline].name
        )));
    }
    let shared = scenarios[baseline].simulation.clone();
    let mut models = Vec::with_capacity(scenarios.len());
    for s in &mut scenarios {
        s.simulation = shared.clone();
        let model = Model::build(s).map_err(bad_input)?;
        if model.compared(indicator).is_none() {
            return Err(bad_input(anyhow!(
                "--indicator {:?} is not an indicator of design `{}`, which has: {}",
                indicator,
                s.name,
                model
                    .compared_keys()
                    .into_iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        models.push(model);
    }
    let options = RunOptions {
        replications: shared.replications,
        first: 0,
        threads: sim.threads(),
    };
    let all: Vec<&Model> = models.iter().collect();
    sim.preflight(
        &all,
        shared.replications,
        &format!("comparing these {} designs", models.len()),
        false,
    )?;
    let progress = Progress::new(shared.replications * models.len() as u64, sim.progress());
    let per_chunk = models.len() as u64;
    let comparison = runner::run_paired(&models, baseline, &options, &|done| {
        progress.advance(done * per_chunk)
    })
    .map_err(|e| {
        let designs: Vec<(&Scenario, &Model)> = scenarios.iter().zip(&models).collect();
        run_failure(e, &designs)
    })?;
    progress.finish();
    let results = ComparisonResults::new(&models, sources, baseline, indicator, &comparison);
    Ok(Compared {
        models,
        comparison,
        results,
    })
}

/// A finished comparison: the designs' models, their paired runs (both in
/// the order given) and the ranked results.
struct Compared {
    models: Vec<Model>,
    comparison: runner::Comparison,
    results: ComparisonResults,
}

/// A comparison on stdout in the chosen format.
fn write_comparison(output: Output, results: &ComparisonResults) -> Result<(), Failure> {
    let mut out = Vec::new();
    let formatted = match output {
        Output::Table => results.write_table(&mut out),
        Output::Csv => results.write_csv(&mut out),
        Output::Json => serde_json::to_writer_pretty(&mut out, results)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
    };
    print_formatted(output, formatted.map(|()| out))
}

/// Results formatted as `output` (or why they could not be) on stdout.
fn print_formatted(output: Output, formatted: std::io::Result<Vec<u8>>) -> Result<(), Failure> {
    let out = formatted
        .context("formatting the results")
        .map_err(|error| Failure { code: 3, error })?;
    let out = String::from_utf8_lossy(&out);
    match output {
        Output::Json => stdout_json(&out),
        Output::Table | Output::Csv => stdout_text(&out),
    }
    .map_err(output_failure("writing results"))
}

fn run(args: RunArgs) -> Result<(), Failure> {
    if let Some(shard) = args.shard {
        return run_shard(&args, shard);
    }
    let mut s = load_scenario(&args.file)?;
    print_warnings(&s);
    args.sim.apply(&mut s).map_err(bad_input)?;
    let model = Model::build(&s).map_err(bad_input)?;
    check_recording(&args.ci, &model, s.simulation.replications)?;
    args.sim
        .preflight(&[&model], s.simulation.replications, "this run", true)?;
    let options = RunOptions {
        replications: s.simulation.replications,
        first: 0,
        threads: args.sim.threads(),
    };
    let progress = Progress::new(s.simulation.replications, args.sim.progress());
    let advance = |done| progress.advance(done);
    let record = args.ci.uses_baselines();
    let ((run, recorded), precision) = match &s.simulation.precision {
        None => (
            runner::run_until_recording(&model, &options, None, &mut |_| false, &advance, record)
                .map_err(|e| run_failure(e, &[(&s, &model)]))?,
            None,
        ),
        Some(p) => {
            let index = model
                .indicator_keys()
                .iter()
                .position(|k| *k == p.indicator)
                .ok_or_else(|| bad_input(anyhow!("no indicator `{}`", p.indicator)))?;
            let (run, recorded) = runner::run_until_recording(
                &model,
                &options,
                Some(p.batch),
                &mut |summary| {
                    relative_half_width(summary, index).is_some_and(|w| w <= p.relative_half_width)
                },
                &advance,
                record,
            )
            .map_err(|e| run_failure(e, &[(&s, &model)]))?;
            let achieved = relative_half_width(&run.summary, index);
            let result = PrecisionResult {
                indicator: p.indicator.clone(),
                relative_half_width: p.relative_half_width,
                achieved,
                reached: achieved.is_some_and(|w| w <= p.relative_half_width),
                batch: p.batch,
                max_replications: s.simulation.replications,
            };
            ((run, recorded), Some(result))
        }
    };
    progress.finish();
    let mut results = Results::new(&model, &args.file.display().to_string(), &run);
    if let Some(p) = &precision
        && !p.reached
    {
        diag(&format!(
            "warning: precision target not reached: {} ± {} (relative) after the maximum of {} \
             replications; raise max_replications or relax relative_half_width",
            p.indicator, p.relative_half_width, run.summary.replications
        ));
    }
    results.precision = precision;
    unless_closed_pipe(write_results(
        args.output.unwrap_or(Output::Table),
        &results,
    ))?;
    let ran = Ran {
        scenario: &s,
        model: &model,
        run: &run,
        recorded: &recorded,
    };
    finish_ci(&args.ci, "run", &ran, results, Vec::new(), None)
}

/// Half-width of the 95% interval of indicator `i`'s unavailability over
/// its mean; `None` before two replications or while no downtime is seen.
fn relative_half_width(summary: &runner::Summary, i: usize) -> Option<f64> {
    let u = summary.indicators.get(i)?.unavailability.interval95();
    (u.mean > 0.0).then_some(u.half_width()? / u.mean)
}

/// The CI side of a finished run: the baseline comparison (when asked),
/// the baseline saved, JUnit and Markdown written. Exit 1 when it failed.
fn finish_ci(
    ci: &CiArgs,
    command: &str,
    ran: &Ran,
    results: Results,
    slos: Vec<SloVerdict>,
    plan: Option<PlanReport>,
) -> Result<(), Failure> {
    let report = ci_report(ci, command, ran, results, slos, plan)?;
    if command != "check" && report.baseline.is_some() {
        // stdout holds the results; the comparison goes beside them.
        diag_text(&format!("\n{}", report.table()));
    }
    verdict(&report)
}

/// Exit 1 when the report failed.
fn verdict(report: &CheckReport) -> Result<(), Failure> {
    if report.passed {
        Ok(())
    } else {
        Err(Failure {
            code: 1,
            error: anyhow!(
                "{} {}: {}",
                report.command,
                report.scenario.name,
                report.headline()
            ),
        })
    }
}

/// A finished run and what it ran: the scenario (overrides applied), its
/// model, the run, and each replication's values if they were recorded.
struct Ran<'a> {
    scenario: &'a Scenario,
    model: &'a Model,
    run: &'a runner::Run,
    recorded: &'a runner::Recorded,
}

/// Builds the CI report of a run, comparing with and saving baselines and
/// writing the JUnit and Markdown files asked for.
fn ci_report(
    ci: &CiArgs,
    command: &str,
    ran: &Ran,
    results: Results,
    slos: Vec<SloVerdict>,
    plan: Option<PlanReport>,
) -> Result<CheckReport, Failure> {
    let Ran {
        scenario: s,
        model,
        run,
        recorded,
    } = *ran;
    let comparison = match &ci.baseline {
        None => None,
        Some(name) => {
            let path = ci.baseline_path(name)?;
            let stored = Baseline::read(name, &path).map_err(|e| bad_input(anyhow!(e)))?;
            let why = baseline::unpaired_because(&stored, s, model, recorded);
            if !why.is_empty() && !ci.allow_unpaired {
                return Err(bad_input(anyhow!(
                    "baseline `{name}` ({}) cannot be compared replication by replication: {}. \
                     Unpaired, the comparison would be Welch's two-sample test, which misses \
                     changes the paired test sees; give --allow-unpaired to accept that",
                    path.display(),
                    why.join("; ")
                )));
            }
            Some(baseline::compare(
                &stored,
                &path,
                s,
                model,
                &run.summary,
                recorded,
                ci.tolerance,
            ))
        }
    };
    if let Some(name) = &ci.save_baseline {
        let path = ci.baseline_path(name)?;
        let value = serde_json::to_value(&results)
            .context("serialising the results")
            .map_err(|error| Failure { code: 3, error })?;
        Baseline::new(name, s, model, &run.summary, recorded, value)
            .write(&path)
            .with_context(|| format!("writing baseline `{name}` to {}", path.display()))
            .map_err(|error| Failure { code: 2, error })?;
        if ci.baseline.as_deref() != Some(name.as_str()) || comparison.is_none() {
            diag(&format!("saved baseline `{name}` to {}", path.display()));
        }
    }
    let report = CheckReport {
        schema_version: CHECK_SCHEMA_VERSION,
        tool: Tool::current(),
        command: command.to_string(),
        scenario: CheckScenario {
            name: s.name.clone(),
            source: results.scenario.source.clone(),
            hash: s.content_hash(),
        },
        seed: s.simulation.seed,
        replications: run.summary.replications,
        horizon_years: model.horizon_years(),
        plan,
        passed: CheckReport::compute_passed(&slos, comparison.as_ref()),
        slos,
        baseline: comparison,
        wall_seconds: run.wall.as_secs_f64(),
        results,
    };
    let write = |path: &PathBuf, text: String, what: &str| {
        crate::fsio::write_atomic(path, text.as_bytes())
            .with_context(|| format!("writing the {what} to {}", path.display()))
            .map_err(|error| Failure { code: 2, error })
    };
    if let Some(path) = &ci.junit {
        write(path, report.junit(), "JUnit report")?;
    }
    if let Some(path) = &ci.markdown {
        write(path, report.markdown(), "Markdown summary")?;
    }
    Ok(report)
}

/// `check FILE`: the SLOs judged batch by batch.
fn check(args: CheckArgs) -> Result<(), Failure> {
    let mut s = load_scenario(&args.file)?;
    print_warnings(&s);
    args.sim.apply(&mut s).map_err(bad_input)?;
    if s.slos.is_empty() && args.ci.baseline.is_none() && args.ci.save_baseline.is_none() {
        return Err(bad_input(anyhow!(
            "{} has no `slos`, so there is nothing to check: add `slos:` (e.g. `- {{ indicator: \
             api, availability: 99.95% }}`), or give --baseline NAME to check against a baseline \
             (or --save-baseline NAME to make one)",
            args.file.display()
        )));
    }
    let model = Model::build(&s).map_err(bad_input)?;
    let whole_blocks = |n: u64| n.div_ceil(BLOCK).max(1).saturating_mul(BLOCK);
    let (default_batch, default_max) = match &s.simulation.precision {
        Some(p) => (p.batch, s.simulation.replications),
        None => {
            let b = whole_blocks(s.simulation.replications);
            (b, b.saturating_mul(DEFAULT_LOOKS))
        }
    };
    let batch = args.batch.map_or(default_batch, whole_blocks);
    let mut max = args.max_replications.unwrap_or(default_max.max(batch));
    if s.slos.is_empty() {
        // Only a baseline to compare with or save: one batch.
        max = max.min(batch);
    }
    let plan = Plan { batch, max };
    check_recording(&args.ci, &model, max)?;
    args.sim.preflight(
        &[&model],
        max,
        "this check, at its most replications,",
        false,
    )?;
    let progress = Progress::new(max, args.sim.progress());
    let record = args.ci.uses_baselines();
    let checked = check::check(
        &model,
        &s.slos,
        plan,
        args.sim.threads(),
        &|done| progress.advance(done),
        record,
    )
    .map_err(|e| run_failure(e, &[(&s, &model)]))?;
    progress.finish();
    let results = Results::new(&model, &args.file.display().to_string(), &checked.run);
    let plan_report = PlanReport {
        batch,
        max_replications: max,
        looks: checked.looks,
        max_looks: plan.looks(),
        confidence_per_look: 1.0 - plan.alpha_per_look(),
    };
    let ran = Ran {
        scenario: &s,
        model: &model,
        run: &checked.run,
        recorded: &checked.recorded,
    };
    let report = ci_report(
        &args.ci,
        "check",
        &ran,
        results,
        checked.verdicts,
        Some(plan_report),
    )?;
    unless_closed_pipe(
        match args.output {
            CheckOutput::Table => stdout_text(&report.table()),
            CheckOutput::Json => serde_json::to_string_pretty(&report)
                .map_err(std::io::Error::other)
                .and_then(|json| stdout_json(&format!("{json}\n"))),
        }
        .map_err(output_failure("writing the check")),
    )?;
    verdict(&report)
}

/// Batches `check` looks at by default, at most.
const DEFAULT_LOOKS: u64 = 16;

/// A run that failed: a replication over the event budget is the input's
/// doing (exit 2, with what floods it); worker threads that cannot start
/// are not (exit 3). `designs` are the run's scenarios and models, in the
/// runner's order.
fn run_failure(e: runner::RunError, designs: &[(&Scenario, &Model)]) -> Failure {
    match e {
        runner::RunError::EventBudget(o) => match designs.first() {
            Some((s, model)) => {
                bad_input(anyhow!("{}: {}", s.source, budget::explain(s, model, &o)))
            }
            None => bad_input(anyhow!(runner::RunError::EventBudget(o))),
        },
        runner::RunError::Design { design, source } => match designs.get(design) {
            Some(&d) => {
                let f = run_failure(*source, &[d]);
                Failure {
                    code: f.code,
                    error: f.error.context(format!("design `{}`", d.0.name)),
                }
            }
            None => run_failure(*source, &[]),
        },
        e @ runner::RunError::Threads { .. } => Failure {
            code: 3,
            error: e.into(),
        },
    }
}

/// Memory for per-replication values, which baselines keep (one f64 per
/// replication and indicator, in memory and in the file): at most this.
const MAX_RECORDED_BYTES: u64 = 1 << 30;

/// Refuses a baseline run whose per-replication values would not fit
/// [`MAX_RECORDED_BYTES`].
fn check_recording(ci: &CiArgs, model: &Model, replications: u64) -> Result<(), Failure> {
    let per_replication = 8 * model.indicator_count() as u64;
    let most = MAX_RECORDED_BYTES / per_replication;
    if ci.uses_baselines() && replications > most {
        return Err(bad_input(anyhow!(
            "a baseline keeps each replication's downtime per indicator ({} indicators), so \
             --baseline and --save-baseline take at most {most} replications, not {replications}",
            model.indicator_count()
        )));
    }
    Ok(())
}

/// Results on stdout in the chosen format.
fn write_results(output: Output, results: &Results) -> Result<(), Failure> {
    let exporter: &dyn Exporter = match output {
        Output::Table => &TableExporter,
        Output::Json => &JsonExporter,
        Output::Csv => &CsvExporter,
    };
    let mut out = Vec::new();
    let formatted = exporter.write(results, &mut out);
    print_formatted(output, formatted.map(|()| out))
}

/// `run FILE --shard K/N`: the shard's blocks, written as partial results.
fn run_shard(args: &RunArgs, shard: Shard) -> Result<(), Failure> {
    if let Some(o) = args.output {
        return Err(bad_input(anyhow!(
            "--output {o:?} does not go with --shard: a shard writes partial results (JSON \
             for `kubenines merge`, which prints the results in any format)"
        )));
    }
    let (text, format) = scenario::read_text(&args.file).map_err(bad_input)?;
    let mut s = scenario::parse_str_all(&text, &args.file.display().to_string(), format)
        .map_err(|errors| every_error(errors, &args.file))?;
    print_warnings(&s);
    args.sim.apply(&mut s).map_err(bad_input)?;
    if s.simulation.precision.is_some() {
        return Err(bad_input(anyhow!(
            "--shard needs a fixed number of replications, and {} sets \
             `simulation.precision`, which decides the count as the run goes; give -n N",
            args.file.display()
        )));
    }
    if args.ci.any() {
        return Err(bad_input(anyhow!(
            "a shard has no results of its own to compare or report: give --baseline, \
             --save-baseline, --junit and --markdown to `kubenines merge`"
        )));
    }
    let model = Model::build(&s).map_err(bad_input)?;
    // A fleet's part carries the fleet with its clusters inline, so that
    // it merges without the clusters' files.
    let (text, format) = match &s.fleet {
        Some(f) => (f.effective_yaml.clone(), scenario::Format::Yaml),
        None => (text, format),
    };
    let replications = shard.replications(s.simulation.replications);
    let options = RunOptions {
        replications: replications.end - replications.start,
        first: replications.start,
        threads: args.sim.threads(),
    };
    args.sim.preflight(
        &[&model],
        options.replications,
        &format!("shard {shard}"),
        true,
    )?;
    let progress = Progress::new(options.replications, args.sim.progress());
    let blocks = runner::run_blocks(&model, &options, &|done| progress.advance(done))
        .map_err(|e| run_failure(e, &[(&s, &model)]))?;
    progress.finish();
    let part = Part::new(&s, text, format, shard, blocks);
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        serde_json::to_writer(&mut *out, &part).map_err(std::io::Error::other)?;
        writeln!(out)?;
        out.flush()
    };
    match &args.out {
        Some(path) => crate::fsio::write_atomic_with(path, |f| write(f))
            .with_context(|| format!("writing partial results to {}", path.display())),
        None => write(&mut std::io::stdout().lock()).context("writing partial results"),
    }
    .map_err(|error| Failure { code: 2, error })?;
    if !args.sim.quiet {
        diag(&format!(
            "shard {shard}: replications {}..{} of {} ({} blocks){}",
            replications.start,
            replications.end,
            s.simulation.replications,
            part.blocks.len(),
            args.out
                .as_ref()
                .map(|p| format!(", written to {}", p.display()))
                .unwrap_or_default()
        ));
    }
    Ok(())
}

/// `merge PART...`: the whole run's results from its shards.
fn merge(args: MergeArgs) -> Result<(), Failure> {
    let mut parts = Vec::with_capacity(args.parts.len());
    for path in &args.parts {
        let part = Part::read(path).map_err(|e| bad_input(anyhow!(e)))?;
        parts.push((path.display().to_string(), part));
    }
    let merged = shard::merge(&parts).map_err(|e| bad_input(anyhow!(e)))?;
    let results = Results::new(&merged.model, &merged.source, &merged.run);
    unless_closed_pipe(write_results(args.output, &results))?;
    // Parts carry no per-replication values: comparisons from a merge are Welch's.
    let ran = Ran {
        scenario: &merged.scenario,
        model: &merged.model,
        run: &merged.run,
        recorded: &Vec::new(),
    };
    finish_ci(&args.ci, "merge", &ran, results, Vec::new(), None)
}

/// A progress bar on stderr that appears only if the run lasts more than a moment.
struct Progress {
    bar: Option<ProgressBar>,
    start: Instant,
    shown: AtomicBool,
}

const SHOW_AFTER: Duration = Duration::from_millis(400);

impl Progress {
    fn new(total: u64, enabled: bool) -> Progress {
        let bar = enabled.then(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            if let Ok(style) =
                ProgressStyle::with_template("{bar:40} {pos}/{len} replications, {eta} left")
            {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            start: Instant::now(),
            shown: AtomicBool::new(false),
        }
    }

    fn advance(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.inc(done);
            if self.start.elapsed() > SHOW_AFTER && !self.shown.swap(true, Ordering::Relaxed) {
                bar.set_draw_target(ProgressDrawTarget::stderr());
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
