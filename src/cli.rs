//! The command line: raw arguments become a validated request before any
//! work starts; errors become exit codes (0 ok, 2 bad input or usage).

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use clap::{Parser, Subcommand, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::model::Model;
use crate::report::compare::ComparisonResults;
use crate::report::{CsvExporter, Exporter, JsonExporter, Results, TableExporter};
use crate::runner::{self, RunOptions};
use crate::scenario::{self, Scenario};

/// Discrete-event Monte Carlo availability simulator for Kubernetes HA designs.
#[derive(Debug, Parser)]
#[command(name = "kubenines", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Simulate one scenario and print its availability.
    Run(RunArgs),
    /// Parse and check scenario files; exit 2 on the first bad one.
    Validate {
        /// Scenario files (.yaml, .yml, .toml, .json).
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Print the JSON Schema of scenario files (for editors).
    Schema,
    /// Simulate several designs over the same replications and rank them,
    /// with each one's difference to a baseline.
    Compare(CompareArgs),
}

#[derive(Debug, clap::Args)]
struct CompareArgs {
    /// Scenario files, two or more.
    #[arg(required = true, num_args = 2..)]
    files: Vec<PathBuf>,
    /// The design (scenario name) differences are taken against [default: the first file's].
    #[arg(long)]
    baseline: Option<String>,
    /// Indicator to rank the designs by.
    #[arg(long, default_value = "api")]
    indicator: String,
    #[command(flatten)]
    sim: SimulationArgs,
}

#[derive(Debug, clap::Args)]
struct RunArgs {
    /// Scenario file (.yaml, .yml, .toml, .json).
    file: PathBuf,
    #[command(flatten)]
    sim: SimulationArgs,
}

/// Flags of every command that simulates. For `compare` the overrides apply
/// to the baseline, whose settings every design then shares.
#[derive(Debug, clap::Args)]
struct SimulationArgs {
    /// Replications (overrides simulation.replications).
    #[arg(short = 'n', long, value_parser = clap::value_parser!(u64).range(1..))]
    replications: Option<u64>,
    /// Horizon per replication, e.g. 10y (overrides simulation.horizon).
    #[arg(long)]
    horizon: Option<String>,
    /// Master seed (overrides simulation.seed).
    #[arg(long)]
    seed: Option<u64>,
    /// Worker threads [default: all cores].
    #[arg(short = 'j', long, value_parser = clap::value_parser!(u32).range(1..=4096))]
    threads: Option<u32>,
    /// Output format.
    #[arg(short = 'o', long, value_enum, default_value_t = Output::Table)]
    output: Output,
    /// No progress bar.
    #[arg(long)]
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
            s.simulation.replications = n;
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
    let cli = Cli::parse();
    match dispatch(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            // Output cut short by a closed pipe (`| head`) is not an error.
            if let Some(io) = f.error.downcast_ref::<std::io::Error>()
                && io.kind() == std::io::ErrorKind::BrokenPipe
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {:#}", f.error);
            ExitCode::from(f.code)
        }
    }
}

fn dispatch(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Run(args) => run(args),
        Command::Compare(args) => compare(args),
        Command::Validate { files } => validate(&files),
        Command::Schema => {
            let schema =
                serde_json::to_string_pretty(&scenario::json_schema()).map_err(bad_input)?;
            writeln!(std::io::stdout(), "{schema}").map_err(|e| Failure {
                code: 2,
                error: e.into(),
            })
        }
    }
}

fn validate(files: &[PathBuf]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    for file in files {
        let s = scenario::load(file).map_err(bad_input)?;
        print_warnings(&s);
        writeln!(out, "ok: {} ({})", file.display(), s.name).map_err(|e| Failure {
            code: 2,
            error: e.into(),
        })?;
    }
    Ok(())
}

/// The scenario's warnings on stderr, one line each; they do not change the exit code.
fn print_warnings(s: &Scenario) {
    for warning in &s.warnings {
        eprintln!("{warning}");
    }
}

/// Runs every design with the baseline's seed, replications and horizon, so
/// that each component draws the same random numbers in every design.
fn compare(args: CompareArgs) -> Result<(), Failure> {
    let mut scenarios = Vec::with_capacity(args.files.len());
    for file in &args.files {
        let s = scenario::load(file).map_err(bad_input)?;
        print_warnings(&s);
        scenarios.push(s);
    }
    let names: Vec<&str> = scenarios.iter().map(|s| s.name.as_str()).collect();
    for (i, name) in names.iter().enumerate() {
        if names[..i].contains(name) {
            return Err(bad_input(anyhow!(
                "two designs are named `{name}` ({} and {}); give each scenario its own `name`",
                args.files[names.iter().position(|n| n == name).unwrap_or(0)].display(),
                args.files[i].display()
            )));
        }
    }
    let baseline = match &args.baseline {
        None => 0,
        Some(b) => names.iter().position(|n| n == b).ok_or_else(|| {
            bad_input(anyhow!(
                "--baseline {b:?} is not one of the designs: {}",
                names.join(", ")
            ))
        })?,
    };
    args.sim
        .apply(&mut scenarios[baseline])
        .map_err(bad_input)?;
    let shared = scenarios[baseline].simulation.clone();
    let mut models = Vec::with_capacity(scenarios.len());
    for s in &mut scenarios {
        s.simulation = shared.clone();
        let model = Model::build(s).map_err(bad_input)?;
        if !model.indicator_keys().contains(&args.indicator) {
            return Err(bad_input(anyhow!(
                "--indicator {:?} is not an indicator of design `{}`, which has: {}",
                args.indicator,
                s.name,
                model.indicator_keys().join(", ")
            )));
        }
        models.push(model);
    }
    let options = RunOptions {
        replications: shared.replications,
        first: 0,
        threads: args.sim.threads(),
    };
    let progress = Progress::new(
        shared.replications * models.len() as u64,
        args.sim.progress(),
    );
    let per_chunk = models.len() as u64;
    let comparison = runner::run_paired(&models, baseline, &options, &|done| {
        progress.advance(done * per_chunk)
    })
    .map_err(|e| Failure {
        code: 3,
        error: e.into(),
    })?;
    progress.finish();
    let sources: Vec<String> = args.files.iter().map(|f| f.display().to_string()).collect();
    let results = ComparisonResults::new(&models, &sources, baseline, &args.indicator, &comparison);
    let mut out = std::io::stdout().lock();
    match args.sim.output {
        Output::Table => results.write_table(&mut out),
        Output::Csv => results.write_csv(&mut out),
        Output::Json => serde_json::to_writer_pretty(&mut out, &results)
            .map_err(std::io::Error::other)
            .and_then(|()| writeln!(out)),
    }
    .and_then(|()| out.flush())
    .context("writing results")
    .map_err(|error| Failure { code: 2, error })
}

fn run(args: RunArgs) -> Result<(), Failure> {
    let mut s = scenario::load(&args.file).map_err(bad_input)?;
    print_warnings(&s);
    args.sim.apply(&mut s).map_err(bad_input)?;
    let model = Model::build(&s).map_err(bad_input)?;
    let options = RunOptions {
        replications: s.simulation.replications,
        first: 0,
        threads: args.sim.threads(),
    };
    let progress = Progress::new(s.simulation.replications, args.sim.progress());
    let run =
        runner::run(&model, &options, &|done| progress.advance(done)).map_err(|e| Failure {
            code: 3,
            error: e.into(),
        })?;
    progress.finish();
    let results = Results::new(&model, &args.file.display().to_string(), &run);
    let exporter: &dyn Exporter = match args.sim.output {
        Output::Table => &TableExporter,
        Output::Json => &JsonExporter,
        Output::Csv => &CsvExporter,
    };
    let mut out = std::io::stdout().lock();
    exporter
        .write(&results, &mut out)
        .and_then(|()| out.flush())
        .context("writing results")
        .map_err(|error| Failure { code: 2, error })
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
