//! Sharded runs: `run --shard K/N` simulates the K-th of N disjoint slices
//! of a run's replications and writes its partial results; `merge` folds
//! the parts into the results of the whole run, identical to the last bit
//! to running it on one machine.
//!
//! Why the bits match: replication `r` draws its random numbers from
//! `(seed, r)` alone, and a run folds its replications in fixed blocks of
//! [`BLOCK`] (chunk by chunk within a block, then block by block), whatever
//! the thread count. A shard is a run of whole blocks that keeps each
//! block's summary apart and writes them exactly (floats as their IEEE 754
//! bits); `merge` folds the blocks of all shards in order, which is the fold
//! the unsharded run does.
//!
//! A part carries the scenario's text, so `merge` needs nothing else, and
//! enough to refuse what would not add up: parts of another scenario, seed,
//! horizon, replication count or version, and shards missing or given twice.
//!
//! A part also carries a SHA-256 digest of its own content (all of it but
//! the digest), so a damaged or carelessly edited part is refused rather
//! than merged into different results. The digest is not a signature:
//! anyone can recompute it. Past the digest, every count, size and offset
//! is checked before anything is allocated from it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::fsio::Sealed;
use crate::model::Model;
use crate::report::Tool;
use crate::runner::{BLOCK, Blocks, Run, Summary, fold};
use crate::scenario::{self, Format, Scenario};
use crate::stats::DurationSketch;

/// Identifies a partial-results file.
pub const PART_FORMAT: &str = "kubenines-partial-results";
/// Version of the partial-results layout: 2 added the digest, 3 each
/// indicator's `failed_requests` and `degraded` samples.
pub const PART_FORMAT_VERSION: u32 = 3;
/// The most seconds a part may say it took (some 30,000 years), so that
/// the total of all parts is a valid duration.
const MAX_SECONDS: f64 = 1e12;
/// The most shards a run may be cut into: more than Slurm's default job
/// array size (1,001) and well beyond any Indexed Job we have seen, yet few
/// enough that `merge` reads every part of a run in reasonable time.
pub const MAX_SHARDS: u64 = 10_000;

/// `K/N`: the K-th (1-based) of N slices.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl FromStr for Shard {
    type Err = String;

    fn from_str(s: &str) -> Result<Shard, String> {
        let form = "the form is K/N with 1 <= K <= N, e.g. 2/8 for the second of eight";
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| format!("`{s}` is not a shard: {form}"))?;
        let parse = |x: &str| x.trim().parse::<u64>().ok();
        let (Some(index), Some(count)) = (parse(k), parse(n)) else {
            return Err(format!("`{s}` is not a shard: {form}"));
        };
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "`{s}`: N must be between 1 and {MAX_SHARDS}, not {count}"
            ));
        }
        if index == 0 || index > count {
            return Err(format!(
                "`{s}`: K must be between 1 and {count} (shards are numbered from 1); {form}"
            ));
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The blocks of this shard, of a run of `replications`: the blocks are
    /// shared out as evenly as they go (a shard may get none when there are
    /// fewer blocks than shards).
    pub fn blocks(&self, replications: u64) -> std::ops::Range<u64> {
        let total = replications.div_ceil(BLOCK) as u128;
        let at = |k: u64| (total * k as u128 / self.count as u128) as u64;
        at(self.index - 1)..at(self.index)
    }

    /// The replications of this shard, of a run of `replications`.
    pub fn replications(&self, replications: u64) -> std::ops::Range<u64> {
        let b = self.blocks(replications);
        // Saturating: a part read from a file may claim any count.
        let at = |block: u64| block.saturating_mul(BLOCK).min(replications);
        at(b.start)..at(b.end)
    }
}

impl Sealed for Part {
    fn digest(&self) -> &str {
        &self.digest
    }

    fn digest_mut(&mut self) -> &mut String {
        &mut self.digest
    }
}

/// The partial results of one shard, as written to a file.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// [`PART_FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// `sha256:` and the hex SHA-256 of the part serialised as JSON with
    /// this field empty: see [`Sealed::digest_of`].
    pub digest: String,
    pub tool: PartTool,
    pub scenario: PartScenario,
    pub seed: u64,
    /// For people; `horizon_seconds_bits` is what is checked.
    pub horizon_years: f64,
    /// The horizon in seconds, as the IEEE 754 bits of the f64.
    pub horizon_seconds_bits: u64,
    /// Replications of the whole run (all shards).
    pub replications: u64,
    /// [`BLOCK`] of the version that wrote it.
    pub block_size: u64,
    pub shard: Shard,
    /// Indices of the first block and one past the last.
    pub first_block: u64,
    pub end_block: u64,
    pub performance: PartPerformance,
    /// One summary per block, in order, without the duration sketches'
    /// bucket counts (see `buckets`).
    pub blocks: Vec<Summary>,
    /// The bucket counts of the shard's duration sketches, summed over its
    /// blocks, in [`Summary::sketches_mut`] order. Integer counts add up in
    /// any order, so they need not be kept per block (they are most of a
    /// block's size); everything order-sensitive is.
    pub buckets: Vec<DurationSketch>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartTool {
    pub name: String,
    pub version: String,
}

/// The scenario a part was run from, text and all.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartScenario {
    pub name: String,
    /// The file, as given to `run`.
    pub source: String,
    /// [`Scenario::content_hash`].
    pub hash: String,
    /// `yaml`, `toml` or `json`.
    pub syntax: String,
    pub text: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartPerformance {
    pub threads: usize,
    pub events: u64,
    pub wall_seconds: f64,
    pub cpu_seconds: Option<f64>,
}

fn syntax_name(f: Format) -> &'static str {
    match f {
        Format::Yaml => "yaml",
        Format::Toml => "toml",
        Format::Json => "json",
    }
}

fn syntax_of(name: &str) -> Option<Format> {
    match name {
        "yaml" => Some(Format::Yaml),
        "toml" => Some(Format::Toml),
        "json" => Some(Format::Json),
        _ => None,
    }
}

impl Part {
    /// The part of `shard` from its blocks. `scenario` is as run (overrides
    /// applied), `text` and `format` are its file's.
    pub fn new(
        scenario: &Scenario,
        text: String,
        format: Format,
        shard: Shard,
        mut run: Blocks,
    ) -> Part {
        let tool = Tool::current();
        let events = run.summaries.iter().map(|s| s.events).sum();
        let mut buckets: Vec<DurationSketch> = Vec::new();
        for block in &mut run.summaries {
            for (k, sketch) in block.sketches_mut().enumerate() {
                if buckets.len() <= k {
                    buckets.push(DurationSketch::default());
                }
                buckets[k].add_buckets(&sketch.split_buckets());
            }
        }
        let mut part = Part {
            format: PART_FORMAT.to_string(),
            format_version: PART_FORMAT_VERSION,
            digest: String::new(),
            tool: PartTool {
                name: tool.name.to_string(),
                version: tool.version.to_string(),
            },
            scenario: PartScenario {
                name: scenario.name.clone(),
                source: scenario.source.clone(),
                hash: scenario.content_hash(),
                syntax: syntax_name(format).to_string(),
                text,
            },
            seed: scenario.simulation.seed,
            horizon_years: scenario.simulation.horizon / scenario::YEAR_SECONDS,
            horizon_seconds_bits: scenario.simulation.horizon.to_bits(),
            replications: scenario.simulation.replications,
            block_size: BLOCK,
            shard,
            first_block: run.first,
            end_block: run.first + run.summaries.len() as u64,
            performance: PartPerformance {
                threads: run.threads,
                events,
                wall_seconds: run.wall.as_secs_f64(),
                cpu_seconds: run.cpu.map(|c| c.as_secs_f64()),
            },
            blocks: run.summaries,
            buckets,
        };
        part.seal();
        part
    }

    /// Reads a part written by [`Part::new`]; errors say what the file is not.
    pub fn read(path: &Path) -> Result<Part, String> {
        let file = path.display().to_string();
        let text = crate::fsio::read_limited(path, crate::fsio::MAX_RESULTS_BYTES)
            .map_err(|e| format!("{file}: {e}"))?;
        Part::from_bytes(&file, &text)
    }

    /// A part from the bytes of its file, checked as [`Part::read`] does;
    /// `file` names it in errors.
    pub fn from_bytes(file: &str, text: &[u8]) -> Result<Part, String> {
        // The header first, so a file from another version or of another
        // kind gets that said rather than a field-level complaint.
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            format_version: Option<u32>,
            tool: Option<PartTool>,
        }
        let header: Header = serde_json::from_slice(text).map_err(|e| {
            format!("{file}: not a kubenines partial-results file (not JSON an object: {e})")
        })?;
        if header.format.as_deref() != Some(PART_FORMAT) {
            return Err(format!(
                "{file}: not a kubenines partial-results file (no `\"format\": \"{PART_FORMAT}\"`); \
                 parts are written by `kubenines run FILE --shard K/N --out PART`"
            ));
        }
        let current = Tool::current();
        if let Some(tool) = &header.tool
            && tool.version != current.version
        {
            return Err(format!(
                "{file} was written by kubenines {}, and this is {}: parts merge only with the \
                 version that wrote them (run every shard, and merge, with one version)",
                tool.version, current.version
            ));
        }
        if header.format_version != Some(PART_FORMAT_VERSION) {
            let version = header
                .format_version
                .map_or("none".to_string(), |v| v.to_string());
            return Err(format!(
                "{file}: partial-results format version {version}, and this kubenines reads \
                 {PART_FORMAT_VERSION} (run the shard again with this version)"
            ));
        }
        let part: Part = serde_json::from_slice(text)
            .map_err(|e| format!("{file}: damaged partial results: {e}"))?;
        part.verify().map_err(|why| {
            format!("{file}: the file was edited or damaged: {why} (run the shard again)")
        })?;
        part.check().map_err(|e| format!("{file}: {e}"))?;
        Ok(part)
    }

    /// Checks what merging relies on and the digest cannot vouch for (a
    /// part may be recomputed, or built in memory): every count, size and
    /// offset in range, before anything is allocated from it. Errors name
    /// the field.
    pub fn check(&self) -> Result<(), String> {
        let bad = |field: &str, why: String| {
            Err(format!("`{field}` {why} (the file was edited or damaged)"))
        };
        let Shard { index, count } = self.shard;
        if count == 0 || count > MAX_SHARDS {
            return bad("shard.count", format!("is {count}, not 1 to {MAX_SHARDS}"));
        }
        if index == 0 || index > count {
            return bad("shard.index", format!("is {index}, not 1 to {count}"));
        }
        if self.block_size != BLOCK {
            return bad(
                "block_size",
                format!("is {}; this kubenines uses {BLOCK}", self.block_size),
            );
        }
        if self.replications == 0 {
            return bad("replications", "is 0".to_string());
        }
        let horizon = f64::from_bits(self.horizon_seconds_bits);
        if let Some(why) = scenario::horizon_problem(horizon) {
            return bad("horizon_seconds_bits", format!("is {horizon} s: {why}"));
        }
        let want = self.shard.blocks(self.replications);
        if self.first_block != want.start
            || self.end_block != want.end
            || self.blocks.len() as u64 != want.end - want.start
        {
            return bad(
                "blocks",
                format!(
                    "holds blocks {}..{} ({} summaries), and shard {} of {} replications is \
                     blocks {}..{}",
                    self.first_block,
                    self.end_block,
                    self.blocks.len(),
                    self.shard,
                    self.replications,
                    want.start,
                    want.end
                ),
            );
        }
        let mut events = 0u64;
        for (k, b) in (want.start..).zip(&self.blocks) {
            let size =
                (k.saturating_add(1).saturating_mul(BLOCK)).min(self.replications) - k * BLOCK;
            if b.replications != size {
                return bad(
                    &format!("blocks[{}].replications", k - want.start),
                    format!("is {}, not {size}", b.replications),
                );
            }
            let samples = b
                .indicators
                .iter()
                .flat_map(|i| {
                    [
                        &i.unavailability,
                        &i.outages_per_year,
                        &i.failed_requests,
                        &i.degraded,
                    ]
                    .into_iter()
                    .chain(&i.unavailability_by_cause)
                })
                .chain(
                    std::iter::once(&b.data_loss)
                        .chain(&b.data_loss_by_cause)
                        .map(|l| &l.events_per_year),
                );
            for m in samples {
                if m.count() != size {
                    return bad(
                        &format!("blocks[{}]", k - want.start),
                        format!(
                            "has a sample of {} replications in a block of {size}",
                            m.count()
                        ),
                    );
                }
            }
            events = events.checked_add(b.events).ok_or_else(|| {
                format!(
                    "`blocks[{}].events` overflow (the file was edited or damaged)",
                    k - want.start
                )
            })?;
        }
        let perf = &self.performance;
        if perf.events != events {
            return bad(
                "performance.events",
                format!(
                    "is {}, and its blocks' events add up to {events}",
                    perf.events
                ),
            );
        }
        for (field, seconds) in [
            ("performance.wall_seconds", Some(perf.wall_seconds)),
            ("performance.cpu_seconds", perf.cpu_seconds),
        ] {
            if let Some(s) = seconds
                && !(0.0..=MAX_SECONDS).contains(&s)
            {
                return bad(field, format!("is {s}, not 0 to {MAX_SECONDS:e} seconds"));
            }
        }
        if perf.threads == 0 {
            return bad("performance.threads", "is 0".to_string());
        }
        Ok(())
    }
}

/// A merged run: the scenario as run, its model, and the whole run.
pub struct Merged {
    pub scenario: Scenario,
    pub model: Model,
    pub run: Run,
    /// The file the shards ran, as given to `run`.
    pub source: String,
}

/// Merges parts (with the paths they came from, for messages) into the
/// run they are shards of. Refuses parts that do not belong together, and
/// an incomplete or overlapping set.
pub fn merge(parts: &[(String, Part)]) -> Result<Merged, String> {
    let Some((first_path, first)) = parts.first() else {
        return Err("no parts to merge".to_string());
    };
    // Each part's counts and sizes first: nothing below allocates or
    // indexes by a number that has not been checked.
    for (path, p) in parts {
        p.check().map_err(|e| format!("{path}: {e}"))?;
    }
    for (path, p) in &parts[1..] {
        let differ = |what: &str, a: String, b: String| {
            Err(format!(
                "{first_path} and {path} are not shards of the same run: {what} {a} and {b}"
            ))
        };
        if p.scenario.hash != first.scenario.hash {
            return differ(
                "they simulate different scenarios:",
                format!("`{}` ({})", first.scenario.name, first.scenario.hash),
                format!("`{}` ({})", p.scenario.name, p.scenario.hash),
            );
        }
        if p.seed != first.seed {
            return differ("seeds", first.seed.to_string(), p.seed.to_string());
        }
        if p.horizon_seconds_bits != first.horizon_seconds_bits {
            return differ(
                "horizons",
                format!("{} y", first.horizon_years),
                format!("{} y", p.horizon_years),
            );
        }
        if p.replications != first.replications {
            return differ(
                "replication counts",
                first.replications.to_string(),
                p.replications.to_string(),
            );
        }
        if p.shard.count != first.shard.count {
            return differ(
                "cuts: of",
                format!("{} shards", first.shard.count),
                format!("{} shards", p.shard.count),
            );
        }
    }
    // Every shard once.
    let count = first.shard.count;
    let mut by_index: Vec<Option<usize>> = vec![None; count as usize];
    for (i, (path, p)) in parts.iter().enumerate() {
        if p.shard.index == 0 || p.shard.index > count {
            return Err(format!(
                "{path}: shard {} is not one of 1..={count}",
                p.shard
            ));
        }
        let slot = &mut by_index[(p.shard.index - 1) as usize];
        if let Some(j) = *slot {
            return Err(format!(
                "{} and {path} are both shard {}: overlapping parts (give each shard once)",
                parts[j].0, p.shard
            ));
        }
        *slot = Some(i);
    }
    let missing: Vec<String> = by_index
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(k, _)| format!("{}/{count}", k + 1))
        .collect();
    if !missing.is_empty() {
        // Name a few; all of 100,000 would bury the message.
        let mut named = missing.iter().take(10).cloned().collect::<Vec<_>>();
        if missing.len() > named.len() {
            named.push(format!("{} more", missing.len() - named.len()));
        }
        return Err(format!(
            "incomplete: shard{} {} {} missing ({} of {count} given)",
            if missing.len() == 1 { "" } else { "s" },
            list(&named),
            if missing.len() == 1 { "is" } else { "are" },
            parts.len()
        ));
    }

    // The scenario as run, from the text the parts carry.
    let Some(format) = syntax_of(&first.scenario.syntax) else {
        return Err(format!(
            "{first_path}: unknown scenario syntax `{}`",
            first.scenario.syntax
        ));
    };
    let mut scenario = scenario::parse_str(&first.scenario.text, &first.scenario.source, format)
        .map_err(|e| format!("{first_path}: the scenario it carries does not load: {e}"))?;
    scenario.simulation.seed = first.seed;
    scenario.simulation.horizon = f64::from_bits(first.horizon_seconds_bits);
    scenario.simulation.replications = first.replications;
    if scenario.content_hash() != first.scenario.hash {
        return Err(format!(
            "{first_path}: the scenario text it carries does not match its hash (the file was edited)"
        ));
    }
    let model = Model::build(&scenario).map_err(|e| format!("{first_path}: {e}"))?;

    // The blocks, in order, each the size it must be.
    let mut blocks: Vec<&Summary> = Vec::new();
    let shard_total = first.replications.div_ceil(BLOCK);
    for slot in &by_index {
        let Some(i) = *slot else { continue };
        let (path, p) = &parts[i];
        // Sizes and offsets were checked by `Part::check`; what is left
        // is whether the blocks fit the scenario the parts carry.
        for (k, b) in (p.first_block..).zip(&p.blocks) {
            let fits = b.indicators.len() == model.indicator_count()
                && b.indicators
                    .iter()
                    .enumerate()
                    .all(|(n, i)| i.unavailability_by_cause.len() == model.cause_count(n))
                && b.data_loss_by_cause.len() == model.data_cause_count();
            if !fits || k >= shard_total {
                return Err(format!(
                    "{path}: block {k} does not fit the scenario it carries (damaged file)"
                ));
            }
        }
        blocks.extend(&p.blocks);
    }
    let mut summary = fold(&model, blocks);
    for (path, p) in parts {
        let mut sketches = summary.sketches_mut();
        for b in &p.buckets {
            match sketches.next() {
                Some(s) => s.add_buckets(b),
                None => {
                    return Err(format!(
                        "{path}: more duration histograms than the scenario has (damaged file)"
                    ));
                }
            }
        }
    }
    if !summary.sketches_mut().all(|s| s.is_consistent()) {
        return Err(
            "the parts' duration histograms do not add up to their counts \
                    (a damaged or edited file)"
                .to_string(),
        );
    }
    // Each part's seconds are checked to be 0 to MAX_SECONDS, so the sum is
    // a valid duration; `try_from` keeps that from being a panic regardless.
    let seconds = |f: &dyn Fn(&PartPerformance) -> Option<f64>| -> Option<Duration> {
        parts
            .iter()
            .map(|(_, p)| f(&p.performance))
            .sum::<Option<f64>>()
            .and_then(|s| Duration::try_from_secs_f64(s.max(0.0)).ok())
    };
    let run = Run {
        summary,
        wall: seconds(&|p| Some(p.wall_seconds)).unwrap_or_default(),
        cpu: seconds(&|p| p.cpu_seconds),
        threads: parts
            .iter()
            .map(|(_, p)| p.performance.threads)
            .max()
            .unwrap_or(1),
    };
    Ok(Merged {
        source: first.scenario.source.clone(),
        scenario,
        model,
        run,
    })
}

/// `a, b and c`.
fn list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_the_blocks_once() {
        for n in [1u64, 255, 256, 257, 1000, 5000] {
            for count in 1..=9 {
                let mut next = 0;
                for index in 1..=count {
                    let r = Shard { index, count }.replications(n);
                    assert_eq!(r.start, next, "n {n}, shard {index}/{count}");
                    assert!(r.start.is_multiple_of(BLOCK));
                    next = r.end;
                }
                assert_eq!(next, n);
            }
        }
    }

    #[test]
    fn shard_syntax() {
        assert_eq!("2/8".parse::<Shard>(), Ok(Shard { index: 2, count: 8 }));
        for bad in ["0/8", "9/8", "8", "a/b", "1/0", "-1/3", "1/200000"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
