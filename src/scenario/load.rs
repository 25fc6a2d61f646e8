//! Reading a scenario file: format by extension, size limit, deserialization
//! with key paths, validation, and errors that point at a line.

use std::io::Read as _;
use std::path::Path;
use std::sync::OnceLock;

use serde_saphyr::MessageFormatter as _;

use super::error::ScenarioError;
use super::locate::{self, Position, Segment};
use super::manifest;
use super::raw::RawScenario;
use super::types::{Scenario, ScenarioWarning};
use super::validate::{Invalid, Validated, Warning, validate};

/// Scenario files larger than this are refused before parsing: real ones are
/// a few kilobytes, and a parser should never be handed an unbounded input.
pub const MAX_FILE_BYTES: usize = 1 << 20;

/// The syntax of a scenario text. All three have the same structure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Toml,
    Json,
}

impl Format {
    /// The format for a file name: `.yaml`/`.yml`, `.toml`, `.json` (any case).
    pub fn from_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "yaml" | "yml" => Some(Format::Yaml),
            "toml" => Some(Format::Toml),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// The path that names standard input.
pub const STDIN_PATH: &str = "-";

/// How standard input is named in errors.
pub const STDIN_NAME: &str = "<stdin>";

/// Standard input's text, read once (a command may look at it twice: once
/// to tell a study from a scenario, once to load it), at most one byte more
/// than [`MAX_FILE_BYTES`].
static STDIN: OnceLock<Result<Vec<u8>, String>> = OnceLock::new();

/// The format of standard input when the command line names it
/// (`--format`); otherwise it is sniffed ([`Format::sniff`]).
static STDIN_FORMAT: OnceLock<Format> = OnceLock::new();

/// Sets the format of a scenario read from standard input (`--format`).
/// The first call decides.
pub fn set_stdin_format(format: Format) {
    let _ = STDIN_FORMAT.set(format);
}

impl Format {
    /// The format of a text with no file name: JSON when it starts with
    /// `{`; TOML when its first line that is not blank or a comment is a
    /// `[table]` header or a `key = value`; YAML otherwise.
    pub fn sniff(text: &str) -> Format {
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            return Format::Json;
        }
        let first = trimmed
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with('#'));
        match first {
            Some(l) if l.starts_with('[') => Format::Toml,
            Some(l) => {
                let key_end = l.find(|c: char| !(c.is_alphanumeric() || "_-.\"".contains(c)));
                match key_end.map(|at| l[at..].trim_start()) {
                    Some(rest) if rest.starts_with('=') => Format::Toml,
                    _ => Format::Yaml,
                }
            }
            None => Format::Yaml,
        }
    }
}

/// Reads, parses and validates the scenario file at `path`; the format is
/// chosen by its extension (`.yaml`/`.yml`, `.toml`, `.json`). A path of
/// `-` is standard input, in the format `--format` named or sniffed.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    load_all(path).map_err(first)
}

/// As [`load`], with every error of the file rather than the first: see
/// [`parse_str_all`].
pub fn load_all(path: &Path) -> Result<Scenario, Vec<ScenarioError>> {
    let (text, format) = read_text(path).map_err(|e| vec![e])?;
    parse_str_all(&text, &source_name(path), format)
}

/// The first error of a list, in the file's order.
fn first(errors: Vec<ScenarioError>) -> ScenarioError {
    errors
        .into_iter()
        .next()
        .unwrap_or_else(|| ScenarioError::file("", "the scenario is invalid"))
}

/// How a scenario's path is named in errors and results: as given, or
/// `<stdin>` for `-`.
pub(crate) fn source_name(path: &Path) -> String {
    if path.as_os_str() == STDIN_PATH {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// Reads the text of a scenario (or study) file, within the size limit, and
/// its format by extension. Errors name the file as `path` displays.
pub(crate) fn read_text(path: &Path) -> Result<(String, Format), ScenarioError> {
    if path.as_os_str() == STDIN_PATH {
        let text = utf8(stdin_bytes()?, STDIN_NAME)?;
        let format = STDIN_FORMAT
            .get()
            .copied()
            .unwrap_or_else(|| Format::sniff(&text));
        return Ok((text, format));
    }
    let file = path.display().to_string();
    let Some(format) = Format::from_path(path) else {
        return Err(ScenarioError::file(
            &file,
            "unknown file type; a scenario file ends in .yaml, .yml, .toml or .json",
        ));
    };
    // A regular file within the limit only: a FIFO or device as a scenario
    // must neither block nor fill memory.
    let bytes = crate::fsio::read_limited(path, MAX_FILE_BYTES as u64).map_err(|e| match e {
        crate::fsio::ReadError::TooLarge { .. } => too_large(&file),
        e => ScenarioError::file(&file, e.to_string()),
    })?;
    Ok((utf8(bytes, &file)?, format))
}

/// Standard input's bytes (see [`STDIN`]), within the size limit.
fn stdin_bytes() -> Result<Vec<u8>, ScenarioError> {
    let bytes = STDIN.get_or_init(|| {
        let mut out = Vec::new();
        std::io::stdin()
            .lock()
            .take(MAX_FILE_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map(|_| out)
            .map_err(|e| format!("cannot read: {e}"))
    });
    match bytes {
        Err(e) => Err(ScenarioError::file(STDIN_NAME, e.clone())),
        Ok(bytes) if bytes.len() > MAX_FILE_BYTES => Err(too_large(STDIN_NAME)),
        Ok(bytes) => Ok(bytes.clone()),
    }
}

/// A scenario text over [`MAX_FILE_BYTES`].
fn too_large(file: &str) -> ScenarioError {
    ScenarioError::file(
        file,
        format!(
            "file is more than {MAX_FILE_BYTES} bytes; scenario files are limited to \
             {MAX_FILE_BYTES} bytes (1 MiB)"
        ),
    )
}

/// The text of a scenario's bytes, or where they stop being UTF-8.
pub(crate) fn utf8(bytes: Vec<u8>, file: &str) -> Result<String, ScenarioError> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let (line, column) = line_column(&String::from_utf8_lossy(e.as_bytes()), offset);
        ScenarioError {
            line: Some(line),
            column: Some(column),
            ..ScenarioError::file(file, "not valid UTF-8; scenario files are UTF-8 text")
        }
    })
}

/// Deserializes `text` into `T` with the scenario loader's limits, key
/// paths and located errors (unknown keys with suggestions, missing keys at
/// their mapping); `source` names the file in errors.
pub(crate) fn deserialize<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
    format: Format,
) -> Result<T, ScenarioError> {
    deserialize_with(text, source, format, false)
}

/// As [`deserialize`], for a generic value tree: in YAML only `true` and
/// `false` are booleans (YAML 1.2), so that `yes`, `no`, `on`, `off`, `y`
/// and `n` stay the text a typed field would have read.
pub(crate) fn deserialize_tree<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
    format: Format,
) -> Result<T, ScenarioError> {
    deserialize_with(text, source, format, true)
}

fn deserialize_with<T: serde::de::DeserializeOwned>(
    text: &str,
    source: &str,
    format: Format,
    strict_booleans: bool,
) -> Result<T, ScenarioError> {
    match format {
        Format::Yaml => from_yaml(text, strict_booleans),
        Format::Toml => from_toml(text),
        Format::Json => from_json(text),
    }
    .map_err(|e| e.into_error(text, source, format))
}

/// Parses and validates a scenario from text. `source` names it in errors and
/// becomes [`Scenario::source`]. The error is the first in the file of
/// those [`parse_str_all`] finds.
pub fn parse_str(text: &str, source: &str, format: Format) -> Result<Scenario, ScenarioError> {
    parse_str_all(text, source, format).map_err(first)
}

/// As [`parse_str`], with every error rather than the first (never an
/// empty list), ordered by line and column. A text that does not parse, or
/// has a value of the wrong type or an unknown or missing key, has one: the
/// parser stops there. A text that parses has one error for each rule it
/// breaks, every section and every list item checked on its own (see
/// `validate`), except that a part depending on an invalid one (placements
/// on `zones.count`, indicators on the workloads) is not checked further.
pub fn parse_str_all(
    text: &str,
    source: &str,
    format: Format,
) -> Result<Scenario, Vec<ScenarioError>> {
    parse_checked(text, source, format)
}

/// Parses and validates.
fn parse_checked(text: &str, source: &str, format: Format) -> Result<Scenario, Vec<ScenarioError>> {
    if text.len() > MAX_FILE_BYTES {
        return Err(vec![ScenarioError::file(
            source,
            format!(
                "text is {} bytes; scenario files are limited to {MAX_FILE_BYTES} bytes (1 MiB)",
                text.len()
            ),
        )]);
    }
    if super::fleet::is_fleet_text(text, format) {
        return super::fleet::parse_fleet(text, source, format);
    }
    let raw: RawScenario = deserialize(text, source, format).map_err(|e| vec![e])?;
    let (manifests, manifest_warnings) =
        manifest::load_manifests(&raw, text, source, format).map_err(|e| vec![e])?;
    let located = |invalid: Vec<Invalid>| {
        let mut errors: Vec<ScenarioError> = invalid
            .into_iter()
            .map(|invalid| semantic_error(invalid, text, source, format))
            .collect();
        // In the file's order; errors that cannot be placed last, in the
        // order they were found (the sort is stable).
        errors.sort_by_key(|e| (e.line.unwrap_or(u32::MAX), e.column.unwrap_or(u32::MAX)));
        if errors.is_empty() {
            errors.push(ScenarioError::file(source, "the scenario is invalid"));
        }
        errors
    };
    let Validated {
        mut scenario,
        warnings,
    } = validate(raw, source, manifests).map_err(located)?;
    scenario.warnings = manifest_warnings;
    scenario.warnings.extend(
        warnings
            .into_iter()
            .map(|warning| located_warning(warning, text, source, format)),
    );
    Ok(scenario)
}

/// Whether `text` is a mapping with the top-level key `key` (a study's
/// `study`, a fleet's `fleet`); a text that does not parse has it if a
/// line starts with it (`key:`, `key =`, `"key":`), so that its errors are
/// reported as that kind of file's.
pub(crate) fn has_top_key(text: &str, format: Format, key: &str) -> bool {
    use super::tree::Node;
    match deserialize_tree::<Node>(text, "", format) {
        Ok(Node::Map(entries)) => entries.iter().any(|(k, _)| k == key),
        Ok(_) => false,
        Err(_) => {
            let quoted = format!("\"{key}\"");
            text.lines().any(|line| {
                let json = line.trim_start().strip_prefix(quoted.as_str());
                let bare = line.strip_prefix(key);
                json.or(bare)
                    .is_some_and(|rest| rest.trim_start().starts_with([':', '=']))
            })
        }
    }
}

/// What went wrong in deserialization, before it is turned into a ScenarioError.
pub(crate) struct DeFailure {
    /// Where the deserializer was (for an unknown key, including that key).
    path: Vec<Segment>,
    message: String,
    position: Option<Position>,
    kind: FailureKind,
}

enum FailureKind {
    UnknownKey { name: String, expected: Vec<String> },
    MissingKey { name: String },
    Other,
}

impl DeFailure {
    pub(crate) fn into_error(self, text: &str, source: &str, format: Format) -> ScenarioError {
        let mut path = self.path;
        let key_level = !matches!(self.kind, FailureKind::Other);
        let message = match self.kind {
            FailureKind::UnknownKey { name, expected } => {
                if path.last() != Some(&Segment::Key(name.clone())) {
                    path.push(Segment::Key(name.clone()));
                }
                let mut message = unknown_key_message(&name, &expected);
                if path.len() == 1 && (name == "apiVersion" || name == "kind") {
                    message.push_str(
                        "; this looks like a Kubernetes manifest, not a scenario: name it in a \
                         scenario's workloads, as `workloads: [{ manifest: FILE }]`",
                    );
                }
                message
            }
            FailureKind::MissingKey { name } => {
                path.push(Segment::Key(name.clone()));
                format!("missing required key `{name}`")
            }
            FailureKind::Other => self.message,
        };
        // The deserializers place an unknown key after the key (JSON) and a
        // missing one at the end of its mapping (YAML); the locator puts both
        // where a reader looks: the key itself, or the mapping that lacks it.
        let position = if key_level || self.position.is_none() {
            find(text, &path, format).or(self.position)
        } else {
            self.position
        };
        let key = render_path(&path);
        ScenarioError {
            file: source.to_string(),
            line: position.map(|p| p.line),
            column: position.map(|p| p.column),
            key: (!key.is_empty()).then_some(key),
            message,
        }
    }
}

fn unknown_key_message(name: &str, expected: &[String]) -> String {
    let mut message = format!("unknown key `{name}`");
    if let Some(close) = expected
        .iter()
        .filter(|e| edit_distance(e, name) <= 2.max(name.len() / 4))
        .min_by_key(|e| edit_distance(e, name))
    {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    if expected.is_empty() {
        message.push_str("; this mapping takes no keys");
    } else {
        let list: Vec<String> = expected.iter().map(|e| format!("`{e}`")).collect();
        message.push_str(&format!("; expected one of {}", list.join(", ")));
    }
    message
}

/// Levenshtein distance, for "did you mean" on misspelt keys.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(usize::MAX);
            let left = row.get(j).copied().unwrap_or(usize::MAX);
            let substitute = diagonal + usize::from(ca != *cb);
            let best = substitute
                .min(above.saturating_add(1))
                .min(left.saturating_add(1));
            diagonal = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// `control_plane.placement[2]`.
pub(crate) fn render_path(path: &[Segment]) -> String {
    let mut out = String::new();
    for segment in path {
        match segment {
            Segment::Key(key) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

pub(crate) fn from_tracked(path: &serde_path_to_error::Path) -> Vec<Segment> {
    path.iter()
        .filter_map(|segment| match segment {
            serde_path_to_error::Segment::Map { key } => Some(Segment::Key(key.clone())),
            serde_path_to_error::Segment::Seq { index } => Some(Segment::Index(*index)),
            // Our types have no enums with data and every key is a string.
            serde_path_to_error::Segment::Enum { .. } | serde_path_to_error::Segment::Unknown => {
                None
            }
        })
        .collect()
}

/// Limits for YAML, far above what a scenario needs and far below what hurts:
/// an alias bomb ("billion laughs") trips them within microseconds.
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_events = 100_000;
    budget.max_aliases = 200;
    budget.max_anchors = 200;
    budget.max_depth = 32;
    budget.max_nodes = 50_000;
    budget.max_documents = 1;
    budget.max_total_scalar_bytes = MAX_FILE_BYTES;
    budget.max_merge_keys = 200;
    budget.max_recorded_anchor_events = 10_000;
    budget.max_recorded_anchor_bytes = MAX_FILE_BYTES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = 10_000;
    options.alias_limits.max_replay_stack_depth = 16;
    options.alias_limits.max_alias_expansions_per_anchor = 200;
    // Our errors carry file, line and key; a rendered snippet would repeat them.
    options.with_snippet = false;
    options
}

/// The documents of a multi-document YAML text (a Kubernetes manifest),
/// empty ones left out, as value trees (YAML 1.2 booleans), within limits
/// sized for manifests of up to [`MAX_FILE_BYTES`].
pub(crate) fn from_yaml_documents(text: &str) -> Result<Vec<serde_json::Value>, DeFailure> {
    let mut options = yaml_options();
    options.strict_booleans = true;
    if let Some(budget) = options.budget.as_mut() {
        budget.max_documents = 10_000;
        budget.max_events = 1_000_000;
        budget.max_nodes = 1_000_000;
    }
    serde_saphyr::from_multiple_with_options(text, options).map_err(|err| {
        let inner = innermost(&err);
        DeFailure {
            path: Vec::new(),
            message: yaml_message(inner, text),
            position: err.location().and_then(|l| {
                Some(Position {
                    line: u32::try_from(l.line()).ok().filter(|&n| n > 0)?,
                    column: u32::try_from(l.column()).ok().filter(|&n| n > 0)?,
                })
            }),
            kind: FailureKind::Other,
        }
    })
}

fn from_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    strict_booleans: bool,
) -> Result<T, DeFailure> {
    let mut track = serde_path_to_error::Track::new();
    let mut options = yaml_options();
    options.strict_booleans = strict_booleans;
    let result = serde_saphyr::with_deserializer_from_str_with_options(text, options, |de| {
        T::deserialize(serde_path_to_error::Deserializer::new(de, &mut track))
    });
    result.map_err(|err| {
        let path = from_tracked(&track.path());
        let inner = innermost(&err);
        let kind = match inner {
            serde_saphyr::Error::SerdeUnknownField {
                field, expected, ..
            } => FailureKind::UnknownKey {
                name: field.clone(),
                expected: expected.iter().map(|s| s.to_string()).collect(),
            },
            serde_saphyr::Error::SerdeMissingField { field, .. } => FailureKind::MissingKey {
                name: field.to_string(),
            },
            _ => FailureKind::Other,
        };
        let message = yaml_message(inner, text);
        let position = err.location().and_then(|l| {
            Some(Position {
                line: u32::try_from(l.line()).ok().filter(|&n| n > 0)?,
                column: u32::try_from(l.column()).ok().filter(|&n| n > 0)?,
            })
        });
        DeFailure {
            path,
            message,
            position,
            kind,
        }
    })
}

/// serde-saphyr's user-facing wording, except where it can say more: the
/// offending value of a bad number, and which limit a hostile file tripped.
fn yaml_message(err: &serde_saphyr::Error, text: &str) -> String {
    use serde_saphyr::budget::BudgetBreach;
    match err {
        serde_saphyr::Error::InvalidScalar { ty, location } => {
            let expected = match *ty {
                "u64" => "a whole number from 0 to 18446744073709551615",
                "u32" => "a whole number from 0 to 4294967295",
                "f64" | "f32" => "a number",
                "bool" => "`true` or `false`",
                other => other,
            };
            let span = location.span();
            let found = span
                .byte_offset()
                .zip(span.byte_len())
                .and_then(|(start, len)| {
                    let start = usize::try_from(start).ok()?;
                    text.get(start..start.checked_add(usize::try_from(len).ok()?)?)
                })
                .filter(|s| !s.is_empty() && s.len() <= 80);
            match found {
                Some(found) => format!("expected {expected}, not `{}`", found.escape_debug()),
                None => format!("expected {expected}"),
            }
        }
        serde_saphyr::Error::Budget { breach, .. } => {
            let what = match breach {
                BudgetBreach::Aliases { aliases } => format!("{aliases} aliases (`*name`)"),
                BudgetBreach::Anchors { anchors } => format!("{anchors} anchors (`&name`)"),
                BudgetBreach::AliasAnchorRatio { aliases, anchors } => {
                    format!("{aliases} aliases for {anchors} anchors")
                }
                BudgetBreach::RecordedAnchorEvents { .. }
                | BudgetBreach::RecordedAnchorBytes { .. } => {
                    "anchored content too large to repeat".to_string()
                }
                BudgetBreach::Events { events } => format!("{events} YAML events"),
                BudgetBreach::Nodes { nodes } => format!("{nodes} nodes"),
                BudgetBreach::Depth { depth } => format!("nesting {depth} levels deep"),
                BudgetBreach::Documents { documents } => {
                    format!("{documents} documents (a scenario file holds one)")
                }
                BudgetBreach::MergeKeys { merge_keys } => format!("{merge_keys} merge keys"),
                other => format!("{other:?}"),
            };
            format!(
                "YAML too large or too complex for a scenario file: {what}; \
                 these limits stop alias bombs and similar hostile input"
            )
        }
        // A list or mapping where one value goes, e.g. `name: [a, b]`.
        serde_saphyr::Error::Unexpected {
            expected: "string scalar",
            ..
        } => "expected a single value here, not a list or mapping".to_string(),
        serde_saphyr::Error::Unexpected {
            expected: "mapping start",
            ..
        } => "expected a mapping (`key: value` lines) here".to_string(),
        other => serde_saphyr::UserMessageFormatter
            .format_message(other)
            .into_owned(),
    }
}

/// The error under any snippet or alias wrapping.
fn innermost(mut err: &serde_saphyr::Error) -> &serde_saphyr::Error {
    loop {
        match err {
            serde_saphyr::Error::WithSnippet { error, .. }
            | serde_saphyr::Error::AliasError { error, .. } => err = error,
            other => return other,
        }
    }
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DeFailure> {
    let mut de = serde_json::Deserializer::from_str(text);
    let raw = serde_path_to_error::deserialize::<_, T>(&mut de).map_err(|err| {
        let path = from_tracked(err.path());
        json_failure(path, err.inner())
    })?;
    de.end().map_err(|err| json_failure(Vec::new(), &err))?;
    Ok(raw)
}

fn json_failure(path: Vec<Segment>, err: &serde_json::Error) -> DeFailure {
    let full = err.to_string();
    // serde_json appends " at line L column C"; we report those separately.
    let suffix = format!(" at line {} column {}", err.line(), err.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
    let position = (err.line() > 0).then(|| Position {
        line: u32::try_from(err.line()).unwrap_or(u32::MAX),
        column: u32::try_from(err.column().max(1)).unwrap_or(u32::MAX),
    });
    classify(path, message, position)
}

fn from_toml<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, DeFailure> {
    let failure = |path: Vec<Segment>, err: &toml::de::Error| {
        let position = err.span().map(|span| {
            let (line, column) = line_column(text, span.start);
            Position { line, column }
        });
        classify(path, err.message().trim_end().to_string(), position)
    };
    let de = toml::de::Deserializer::parse(text).map_err(|e| failure(Vec::new(), &e))?;
    serde_path_to_error::deserialize::<_, T>(de)
        .map_err(|err| failure(from_tracked(err.path()), err.inner()))
}

/// Recognizes serde's own unknown- and missing-field messages (which JSON and
/// TOML pass through as text) so they get the same treatment as YAML's.
fn classify(path: Vec<Segment>, message: String, position: Option<Position>) -> DeFailure {
    let quoted = |m: &str| -> Vec<String> {
        m.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    let kind = if let Some(rest) = message.strip_prefix("unknown field ") {
        let mut names = quoted(rest).into_iter();
        match names.next() {
            Some(name) => FailureKind::UnknownKey {
                name,
                expected: names.collect(),
            },
            None => FailureKind::Other,
        }
    } else if let Some(rest) = message.strip_prefix("missing field ") {
        match quoted(rest).into_iter().next() {
            Some(name) => FailureKind::MissingKey { name },
            None => FailureKind::Other,
        }
    } else {
        FailureKind::Other
    };
    DeFailure {
        path,
        message,
        position,
        kind,
    }
}

/// 1-based line and column (in characters) of a byte offset.
fn line_column(text: &str, offset: usize) -> (u32, u32) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = text.get(..offset).unwrap_or("");
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before.get(line_start..).map_or(0, |s| s.chars().count()) + 1;
    (
        u32::try_from(line).unwrap_or(u32::MAX),
        u32::try_from(column).unwrap_or(u32::MAX),
    )
}

/// The position of `path` in the text, or of its nearest existing ancestor.
pub(crate) fn find(text: &str, path: &[Segment], format: Format) -> Option<Position> {
    match format {
        Format::Yaml | Format::Json => locate::locate(text, path).map(|found| found.position),
        Format::Toml => locate_toml(text, path),
    }
}

/// The TOML counterpart of the YAML locator, from toml's spanned document.
fn locate_toml(text: &str, path: &[Segment]) -> Option<Position> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut best: Option<usize> = Some(root.span().start);
    let mut table = Some(root.get_ref());
    let mut value: Option<&toml::de::DeValue<'_>> = None;
    for segment in path {
        let next = match segment {
            Segment::Key(key) => table.and_then(|t| {
                t.iter()
                    .find(|(k, _)| k.get_ref().as_ref() == key.as_str())
                    .map(|(k, v)| (k.span().start, v))
            }),
            Segment::Index(i) => value
                .and_then(|v| v.as_array())
                .and_then(|a| a.get(*i))
                .map(|v| (v.span().start, v)),
        };
        let Some((start, v)) = next else { break };
        best = Some(start);
        value = Some(v.get_ref());
        table = v.get_ref().as_table();
    }
    best.map(|offset| {
        let (line, column) = line_column(text, offset);
        Position { line, column }
    })
}

/// Line and column of a key path such as `workloads[0].replicas`.
pub(crate) fn locate_key(key: &str, text: &str, format: Format) -> (Option<u32>, Option<u32>) {
    let position = find(text, &locate::parse_path(key), format);
    (position.map(|p| p.line), position.map(|p| p.column))
}

pub(crate) fn semantic_error(
    invalid: Invalid,
    text: &str,
    source: &str,
    format: Format,
) -> ScenarioError {
    let (line, column) = locate_key(&invalid.key, text, format);
    ScenarioError {
        file: source.to_string(),
        line,
        column,
        key: Some(invalid.key),
        message: invalid.message,
    }
}

fn located_warning(warning: Warning, text: &str, source: &str, format: Format) -> ScenarioWarning {
    let (line, column) = locate_key(&warning.key, text, format);
    ScenarioWarning {
        file: source.to_string(),
        line,
        column,
        key: warning.key,
        message: warning.message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("lease_duration", "lease_duraton"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("abc", "abc"), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn line_column_counts_characters() {
        let text = "a = 1\nb = \"é\" x\n";
        assert_eq!(line_column(text, 0), (1, 1));
        assert_eq!(line_column(text, 6), (2, 1));
        assert_eq!(line_column(text, text.find('x').unwrap_or(0)), (2, 9));
        assert_eq!(line_column(text, 10_000), (3, 1));
    }

    #[test]
    fn formats_by_extension() {
        assert_eq!(Format::from_path(Path::new("a.yaml")), Some(Format::Yaml));
        assert_eq!(Format::from_path(Path::new("a.YML")), Some(Format::Yaml));
        assert_eq!(
            Format::from_path(Path::new("dir.d/a.toml")),
            Some(Format::Toml)
        );
        assert_eq!(Format::from_path(Path::new("a.json")), Some(Format::Json));
        assert_eq!(Format::from_path(Path::new("a.txt")), None);
        assert_eq!(Format::from_path(Path::new("yaml")), None);
    }
}
