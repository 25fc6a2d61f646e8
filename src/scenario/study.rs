//! Study files: a base scenario and the ways to vary it.
//!
//! A study names a base scenario file and a list of design groups; each
//! group is the cartesian product of its axes (`matrix` lists and `sweep`
//! ranges) over key paths such as `control_plane.nodes` or, ending in a
//! distribution's parameter, `control_plane.node.repair.median`. Each design
//! is the base with the study's `simulation` and `set`, the group's `set` and
//! the design's axis values applied, written out as YAML and loaded by the
//! normal scenario loader, so it is validated exactly like a file.
//!
//! A design that does not validate is kept as an [`InvalidDesign`] with the
//! loader's reason; mistakes in the study file itself (unknown keys, a bad
//! name template, a sweep over something that is not a number or duration,
//! a missing base, too many designs, two designs of one name) are
//! [`ScenarioError`]s located in the study file.

use std::path::{Path, PathBuf};

use schemars::JsonSchema;
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::duration::parse_duration;
use super::error::ScenarioError;
use super::load::{self, Format, deserialize_tree, find, read_text, render_path};
use super::locate;
use super::locate::Segment;
use super::raw::{DurationValue, RawPrecision};
use super::tree::{Node, OrderedMap, parse_key_path, to_yaml};
use super::types::Scenario;
use super::validate::REPLICATIONS_OR_PRECISION;

/// The most designs one study may expand to.
pub const MAX_DESIGNS: usize = 200;

/// The most steps one sweep may have.
pub const MAX_SWEEP_STEPS: u32 = 100;

/// A loaded study: its valid designs, ready to simulate, and its invalid ones.
#[derive(Clone, Debug)]
pub struct Study {
    /// The study's `study` name, `[a-z0-9-]+`.
    pub name: String,
    pub description: Option<String>,
    /// The study file path as given.
    pub source: String,
    /// The base scenario's path, resolved against the study file's directory.
    pub base: String,
    /// The indicator designs are ranked by (`api` unless the study says).
    pub indicator: String,
    /// The design differences are taken against, if the study names one.
    pub baseline: Option<String>,
    /// Valid designs, in expansion order.
    pub designs: Vec<StudyDesign>,
    /// Designs that did not validate, in expansion order.
    pub invalid: Vec<InvalidDesign>,
    /// One per swept key (merged over groups), for line charts.
    pub sweeps: Vec<SweepAxis>,
}

/// One valid design of a study.
#[derive(Clone, Debug)]
pub struct StudyDesign {
    pub name: String,
    /// Key path and value as text of everything the study set for this
    /// design: the study's `set`, the group's `set`, then its axis values.
    pub settings: Vec<(String, String)>,
    /// The validated scenario; its `source` is `STUDY#NAME`.
    pub scenario: Scenario,
    /// The full effective scenario, as YAML.
    pub effective_yaml: String,
    /// For each sweep axis the design lies on: (index into
    /// [`Study::sweeps`], x in the axis unit).
    pub sweep_x: Vec<(usize, f64)>,
}

/// A design of a study that did not validate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidDesign {
    pub name: String,
    pub settings: Vec<(String, String)>,
    /// The loader's error: key path and what was expected (no line numbers:
    /// the design has no file of its own).
    pub reason: String,
}

/// A swept key, with the designs on it grouped into series.
#[derive(Clone, Debug, PartialEq)]
pub struct SweepAxis {
    /// The key path swept, e.g. `control_plane.node.repair.median`.
    pub key: String,
    /// Steps are evenly spaced on a log scale.
    pub log_x: bool,
    /// `minutes` when the swept values are durations (x in minutes), `` for plain numbers.
    pub unit: String,
    /// (label, indices into [`Study::designs`] in increasing x): the designs
    /// whose other settings are the same. The label names what sets the
    /// series apart (`key=value, ...`), or is the swept key when only one
    /// series exists.
    pub series: Vec<(String, Vec<usize>)>,
}

/// The study file as written.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a study: a mapping with `study`, `base` and `designs` (or `matrix` or `sweep`)"
)]
#[schemars(
    title = "kubenines study",
    description = "Variations of a base scenario, simulated side by side by `kubenines compare STUDY`. Each group of `designs` is the cartesian product of its `matrix` and `sweep` axes; keys are dotted paths into the scenario (`control_plane.nodes`), and may end in a distribution's parameter (`control_plane.node.repair.median`)."
)]
#[schemars(rename = "Study")]
struct RawStudy {
    /// Name of the study: lower-case letters, digits and `-`. Marks the file as a study.
    #[schemars(pattern(r"^[a-z0-9-]+$"))]
    study: String,
    /// Free text: the question the study answers.
    description: Option<String>,
    /// The base scenario file, relative to the study file's directory.
    base: String,
    /// The indicator designs are ranked by. Default `api`.
    indicator: Option<String>,
    /// The design differences are taken against. Default: the first valid design.
    baseline: Option<String>,
    /// Replaces the base's `simulation` keys for every design.
    simulation: Option<RawStudySimulation>,
    /// Key path to value, applied to every design (any value, mappings included).
    set: Option<OrderedMap<Node>>,
    /// Groups of designs; each group is the cartesian product of its axes.
    designs: Option<Vec<RawGroup>>,
    /// Shorthand for one group: key path to the list of its values.
    matrix: Option<OrderedMap<Vec<Node>>>,
    /// Shorthand for one group: a sweep, or a list of sweeps.
    sweep: Option<OneOrMany<RawSweep>>,
    /// Shorthand for one group: a list of sweeps.
    sweeps: Option<Vec<RawSweep>>,
}

/// Overrides of the base's `simulation`. `replications` and `precision` are
/// alternatives: giving one drops the other from the base.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a mapping with `horizon`, `replications` (or `precision`) and `seed`"
)]
#[schemars(rename = "StudySimulation")]
struct RawStudySimulation {
    /// Simulated time per replication, e.g. `10y`.
    #[schemars(with = "Option<DurationValue>")]
    horizon: Option<Node>,
    /// Replications per design, at least 1; replaces the base's `replications` or
    /// `precision`. Not with `precision`.
    #[schemars(range(min = 1))]
    replications: Option<u64>,
    /// A precision target for every design; replaces the base's `replications` or
    /// `precision`. Not with `replications`.
    precision: Option<RawPrecision>,
    /// Master seed, shared by every design.
    seed: Option<u64>,
}

/// A group of designs.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a design group: a mapping with `name`, `set`, `matrix` and `sweep`"
)]
#[schemars(rename = "DesignGroup")]
struct RawGroup {
    /// Name template: `{KEY}` is replaced by the design's value of that axis (or
    /// `set` key), made of lower-case letters, digits and `-`. Default: the axis
    /// values joined by `-`.
    name: Option<String>,
    /// Key path to value, for every design of the group.
    set: Option<OrderedMap<Node>>,
    /// Key path to the list of its values.
    matrix: Option<OrderedMap<Vec<Node>>>,
    /// A sweep, or a list of sweeps.
    sweep: Option<OneOrMany<RawSweep>>,
    /// A list of sweeps.
    sweeps: Option<Vec<RawSweep>>,
    /// A base of the group's own (a scenario or a fleet file, relative to the study file's
    /// directory) in place of the study's: one cluster beside a fleet's designs. The study's
    /// `simulation` and `set` apply to it too.
    base: Option<String>,
}

/// Evenly spaced values of one key.
#[derive(Debug, serde::Deserialize, JsonSchema)]
#[serde(
    deny_unknown_fields,
    expecting = "a sweep: a mapping with `key`, `from`, `to`, `steps` and `scale`"
)]
#[schemars(rename = "Sweep")]
struct RawSweep {
    /// The key path swept.
    #[schemars(pattern(r"^[a-z0-9_]+(\[[0-9]+\])*(\.[a-z0-9_]+(\[[0-9]+\])*)*$"))]
    key: String,
    /// First value: a duration (`5m`) or a number.
    #[schemars(with = "SweepBound")]
    from: Node,
    /// Last value: a duration (`8h`) or a number.
    #[schemars(with = "SweepBound")]
    to: Node,
    /// Number of values, from 2 to 100.
    #[schemars(range(min = 2, max = 100))]
    steps: u32,
    /// `linear` (default) or `log` (evenly spaced ratios; needs `from` and `to` above 0).
    scale: Option<Scale>,
}

/// A duration or a number (for the schema only).
#[derive(JsonSchema)]
#[schemars(rename = "SweepBound")]
#[allow(dead_code)]
#[schemars(untagged)]
enum SweepBound {
    Duration(DurationValue),
    Number(f64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(rename = "SweepScale")]
enum Scale {
    Linear,
    Log,
}

/// One value or a list of them.
#[derive(Debug)]
struct OneOrMany<T>(Vec<T>, bool);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(
                    "a sweep (a mapping with `key`, `from`, `to` and `steps`) or a list of them",
                )
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|one| OneOrMany(vec![one], false))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::<T>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(|many| OneOrMany(many, true))
            }
        }
        deserializer.deserialize_any(V(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OneOrMany<T> {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        format!("OneOrMany_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let one = generator.subschema_for::<T>();
        schemars::json_schema!({
            "oneOf": [one, { "type": "array", "items": one }]
        })
    }
}

/// The JSON Schema of study files.
pub fn study_json_schema() -> serde_json::Value {
    schemars::schema_for!(RawStudy).to_value()
}

/// Whether the file at `path` is a study: it reads as a mapping with a
/// top-level `study` key. A file that does not parse is a study if a line
/// starts with that key (`study:`, `study =`, `"study":`), so that its errors
/// are reported as a study's; an unreadable file is not one.
pub fn is_study(path: &Path) -> bool {
    read_text(path).is_ok_and(|(text, format)| load::has_top_key(&text, format, "study"))
}

/// One axis of a group: a key and its values, in order.
struct Axis {
    key: String,
    path: Vec<Segment>,
    /// Where the axis is written in the study file.
    at: Vec<Segment>,
    values: Vec<Node>,
    /// For a sweep: log scale, unit, and each value's x.
    sweep: Option<(bool, &'static str, Vec<f64>)>,
}

/// A `set` entry: key, parsed path, value, and where it is written.
#[derive(Clone)]
struct Setting {
    key: String,
    path: Vec<Segment>,
    value: Node,
    at: Vec<Segment>,
}

/// A group, checked.
struct Group {
    /// Where the group is written (`designs[i]`, or the top for the shorthand).
    at: Vec<Segment>,
    name: Option<String>,
    set: Vec<Setting>,
    axes: Vec<Axis>,
    /// The group's own base (scenario, tree, path shown), if it names one.
    base: Option<(Scenario, Node, String)>,
}

/// Errors of the study file, located in its text.
struct Locator<'a> {
    text: &'a str,
    source: &'a str,
    format: Format,
}

impl Locator<'_> {
    fn error(&self, at: &[Segment], message: impl Into<String>) -> ScenarioError {
        let position = find(self.text, at, self.format);
        let key = render_path(at);
        ScenarioError {
            file: self.source.to_string(),
            line: position.map(|p| p.line),
            column: position.map(|p| p.column),
            key: (!key.is_empty()).then_some(key),
            message: message.into(),
        }
    }
}

fn key(name: &str) -> Segment {
    Segment::Key(name.to_string())
}

fn at(prefix: &[Segment], rest: &[Segment]) -> Vec<Segment> {
    prefix.iter().chain(rest).cloned().collect()
}

/// A key of a study over a fleet: `clusters.NAME.KEY` reaches into the
/// cluster's scenario (`clusters.NAME.scenario.KEY`), except its `region`
/// and `scenario` themselves; a cluster the fleet lacks is refused where
/// the key is written.
fn into_cluster(
    loc: &Locator,
    path: &[Segment],
    at: &[Segment],
    key_text: &str,
    clusters: &[&str],
) -> Result<Vec<Segment>, ScenarioError> {
    let [Segment::Key(top), Segment::Key(cluster), rest @ ..] = path else {
        return Ok(path.to_vec());
    };
    if top != "clusters" {
        return Ok(path.to_vec());
    }
    if !clusters.contains(&cluster.as_str()) {
        return Err(loc.error(
            at,
            format!(
                "`{}`: `{}` is not a cluster of the base fleet; its clusters are {}",
                key_text.escape_debug(),
                cluster.escape_debug(),
                clusters
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    match rest.first() {
        Some(Segment::Key(k)) if k == "scenario" || k == "region" => Ok(path.to_vec()),
        None => Ok(path.to_vec()),
        _ => Ok([key("clusters"), key(cluster), key("scenario")]
            .into_iter()
            .chain(rest.iter().cloned())
            .collect()),
    }
}

/// Scenario files as `compare FILE...` and `report FILE...` take them: one
/// design per file, named by its scenario's `name`, with nothing set; its
/// effective scenario is the file as written (YAML as is, TOML and JSON
/// rewritten as YAML). `name` is left empty and `source` lists the files.
/// A file that is invalid gives every error it has (see
/// [`load::parse_str_all`]).
pub fn study_of_files(paths: &[PathBuf]) -> Result<Study, Vec<ScenarioError>> {
    let mut designs = Vec::with_capacity(paths.len());
    let mut sources = Vec::with_capacity(paths.len());
    for path in paths {
        let source = load::source_name(path);
        let (text, format) = read_text(path).map_err(|e| vec![e])?;
        let scenario = load::parse_str_all(&text, &source, format)?;
        let effective_yaml = match format {
            Format::Yaml => text,
            _ => to_yaml(&deserialize_tree::<Node>(&text, &source, format).map_err(|e| vec![e])?),
        };
        designs.push(StudyDesign {
            name: scenario.name.clone(),
            settings: Vec::new(),
            scenario,
            effective_yaml,
            sweep_x: Vec::new(),
        });
        sources.push(source);
    }
    Ok(Study {
        name: String::new(),
        description: None,
        source: sources.join(", "),
        base: String::new(),
        indicator: "api".into(),
        baseline: None,
        designs,
        invalid: Vec::new(),
        sweeps: Vec::new(),
    })
}

/// Reads a study file and expands it into designs.
pub fn load_study(path: &Path) -> Result<Study, ScenarioError> {
    let source = super::load::source_name(path);
    let (text, format) = read_text(path)?;
    // Values are as written: in YAML `yes` or `on` is text, as a scenario's
    // typed keys would read it (a scenario has no boolean keys).
    let raw: RawStudy = deserialize_tree(&text, &source, format)?;
    let loc = Locator {
        text: &text,
        source: &source,
        format,
    };

    if raw.study.is_empty()
        || !raw
            .study
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(loc.error(
            &[key("study")],
            format!(
                "`{}` is not a valid study name; use lower-case letters, digits and `-`, e.g. \
                 `control-plane`",
                raw.study.escape_debug()
            ),
        ));
    }

    // The base: a scenario (or fleet) file that loads on its own.
    let (base_scenario, base_tree, base) = load_base(&loc, path, &raw.base, &[key("base")])?;

    // The groups and their axes.
    let shorthand = raw.matrix.is_some() || raw.sweep.is_some() || raw.sweeps.is_some();
    let groups: Vec<Group> = match (raw.designs, shorthand) {
        (Some(_), true) => {
            let which = if raw.matrix.is_some() {
                "matrix"
            } else if raw.sweep.is_some() {
                "sweep"
            } else {
                "sweeps"
            };
            return Err(loc.error(
                &[key(which)],
                format!(
                    "a study has either `designs` (groups, each with its own `matrix` or \
                     `sweep`) or a top-level `matrix`/`sweep` for a single group, not both; \
                     move `{which}` into a group of `designs`"
                ),
            ));
        }
        (None, false) => {
            return Err(loc.error(
                &[key("designs")],
                "missing `designs`: give groups of designs, e.g. `designs: [{ name: \
                 \"stacked-{control_plane.nodes}\", matrix: { control_plane.nodes: [1, 3, 5] } \
                 }]`, or a top-level `matrix` or `sweep`",
            ));
        }
        (Some(list), false) => {
            if list.is_empty() {
                return Err(loc.error(&[key("designs")], "no design groups; give at least one"));
            }
            list.into_iter()
                .enumerate()
                .map(|(i, g)| {
                    let base = match &g.base {
                        Some(b) => Some(load_base(
                            &loc,
                            path,
                            b,
                            &[key("designs"), Segment::Index(i), key("base")],
                        )?),
                        None => None,
                    };
                    group(
                        &loc,
                        vec![key("designs"), Segment::Index(i)],
                        g.name,
                        g.set,
                        g.matrix,
                        g.sweep,
                        g.sweeps,
                    )
                    .map(|group| Group { base, ..group })
                })
                .collect::<Result<_, _>>()?
        }
        (None, true) => vec![group(
            &loc,
            Vec::new(),
            None,
            None,
            raw.matrix,
            raw.sweep,
            raw.sweeps,
        )?],
    };

    let count: usize = groups
        .iter()
        .map(|g| {
            g.axes
                .iter()
                .map(|a| a.values.len())
                .fold(1usize, usize::saturating_mul)
        })
        .fold(0usize, usize::saturating_add);
    if count > MAX_DESIGNS {
        let where_ = if groups.len() == 1 && groups[0].at.is_empty() {
            groups[0].axes[0].at.clone()
        } else {
            vec![key("designs")]
        };
        return Err(loc.error(
            &where_,
            format!(
                "{count} designs is more than a study may have ({MAX_DESIGNS} at most); use \
                 fewer values or steps, or split the study"
            ),
        ));
    }

    // What every design starts from: the base (the study's or its
    // group's) with the study's simulation, then the study's set.
    let simulated = |mut tree: Node| -> Result<Node, ScenarioError> {
        if let Some(sim) = &raw.simulation {
            if let Some(h) = &sim.horizon {
                let ok = match h {
                    Node::Str(s) => parse_duration(s).is_ok(),
                    Node::Int(0) => true,
                    _ => false,
                };
                if !ok {
                    return Err(loc.error(
                        &[key("simulation"), key("horizon")],
                        format!(
                            "{} is not a duration; give one with a unit, e.g. `10y`",
                            h.describe()
                        ),
                    ));
                }
            }
            if sim.replications.is_some() && sim.precision.is_some() {
                return Err(loc.error(
                    &[key("simulation"), key("precision")],
                    REPLICATIONS_OR_PRECISION,
                ));
            }
            // Either alternative replaces whichever the base has.
            if sim.replications.is_some() {
                tree.remove(&[key("simulation"), key("precision")]);
            }
            if sim.precision.is_some() {
                tree.remove(&[key("simulation"), key("replications")]);
            }
            let overrides = [
                ("horizon", sim.horizon.clone()),
                (
                    "replications",
                    sim.replications.map(|n| Node::Int(n.into())),
                ),
                ("precision", sim.precision.as_ref().map(precision_node)),
                ("seed", sim.seed.map(|n| Node::Int(n.into()))),
            ];
            for (name, value) in overrides {
                if let Some(value) = value {
                    tree.set(&[key("simulation"), key(name)], &value)
                        .map_err(|why| loc.error(&[key("simulation"), key(name)], why))?;
                }
            }
        }
        Ok(tree)
    };
    let start = simulated(base_tree)?;
    // The `simulation` keys the study itself gives.
    let study_simulation: Vec<&str> = match &raw.simulation {
        Some(sim) => [
            ("horizon", sim.horizon.is_some()),
            ("replications", sim.replications.is_some()),
            ("precision", sim.precision.is_some()),
            ("seed", sim.seed.is_some()),
        ]
        .into_iter()
        .filter(|(_, given)| *given)
        .map(|(name, _)| name)
        .collect(),
        None => Vec::new(),
    };
    let study_set = settings(&loc, &[], raw.set)?;
    // Over a fleet, `clusters.NAME.KEY` reaches into the cluster's scenario.
    let mut groups = groups;
    let mut group_study_sets: Vec<Vec<Setting>> = Vec::with_capacity(groups.len());
    for g in &mut groups {
        let mut set = study_set.clone();
        let fleet = g
            .base
            .as_ref()
            .map_or(&base_scenario, |b| &b.0)
            .fleet
            .as_ref();
        if let Some(fleet) = fleet {
            let names: Vec<&str> = fleet.clusters.iter().map(|c| c.name.as_str()).collect();
            for s in set.iter_mut().chain(g.set.iter_mut()) {
                s.path = into_cluster(&loc, &s.path, &s.at, &s.key, &names)?;
            }
            for a in &mut g.axes {
                a.path = into_cluster(&loc, &a.path, &a.at, &a.key, &names)?;
            }
        }
        group_study_sets.push(set);
    }

    // Expand.
    struct Expanded {
        name: String,
        group: usize,
        name_at: Vec<Segment>,
        settings: Vec<(String, String)>,
        /// Where each setting is written in the study file.
        setting_at: Vec<Vec<Segment>>,
        tree: Node,
        sweep_x: Vec<(String, bool, &'static str, f64)>,
    }
    let mut expanded: Vec<Expanded> = Vec::new();
    for (gi, g) in groups.iter().enumerate() {
        let name_at = if g.name.is_some() {
            at(&g.at, &[key("name")])
        } else {
            g.at.clone()
        };
        // The group's own start, checked for what its sweeps sweep.
        let study_set = &group_study_sets[gi];
        let (mut group_start, group_base, base) = match &g.base {
            Some((scenario, tree, shown)) => (simulated(tree.clone())?, scenario, shown),
            None => (start.clone(), &base_scenario, &base),
        };
        for s in study_set.iter().chain(&g.set) {
            group_start
                .set(&s.path, &s.value)
                .map_err(|why| loc.error(&s.at, why))?;
        }
        for axis in &g.axes {
            if let Some((_, unit, _)) = &axis.sweep
                && let Some(current) = group_start.get(&axis.path)
            {
                check_sweepable(&loc, axis, &current, unit)?;
            }
        }
        let sizes: Vec<usize> = g.axes.iter().map(|a| a.values.len()).collect();
        let total: usize = sizes.iter().product();
        for n in 0..total {
            // Odometer: the first axis varies slowest.
            let mut picks = vec![0usize; sizes.len()];
            let mut rest = n;
            for (slot, &size) in picks.iter_mut().zip(&sizes).rev() {
                *slot = rest % size;
                rest /= size;
            }
            let name = design_name(&loc, g, &picks, &name_at, &group_base.name)?;
            let mut tree = group_start.clone();
            let mut list: Vec<(String, String)> = Vec::new();
            let mut list_at: Vec<Vec<Segment>> = Vec::new();
            for s in study_set.iter().chain(&g.set) {
                list.push((s.key.clone(), s.value.text()));
                list_at.push(s.at.clone());
            }
            let mut sweep_x = Vec::new();
            for (axis, &pick) in g.axes.iter().zip(&picks) {
                let value = &axis.values[pick];
                tree.set(&axis.path, value)
                    .map_err(|why| loc.error(&axis.at, format!("design `{name}`: {why}")))?;
                list.push((axis.key.clone(), value.text()));
                list_at.push(axis.at.clone());
                if let Some((log, unit, xs)) = &axis.sweep {
                    sweep_x.push((axis.key.clone(), *log, *unit, xs[pick]));
                }
            }
            if let Some(earlier) = expanded.iter().find(|e| e.name == name) {
                let same_group = earlier.group == gi;
                return Err(loc.error(
                    &name_at,
                    format!(
                        "two designs are named `{name}`{}; give each its own name{}",
                        if same_group {
                            String::new()
                        } else {
                            format!(" (one from {})", render_path(&earlier.name_at))
                        },
                        if same_group {
                            ", e.g. with a `{KEY}` placeholder for each axis in the name template"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            let description = if list.is_empty() {
                format!(
                    "Design {name} of study {}: the base scenario {base}, unchanged.",
                    raw.study
                )
            } else {
                let changes: Vec<String> = list.iter().map(|(k, v)| format!("{k}={v}")).collect();
                format!(
                    "Design {name} of study {}: {base} with {}.",
                    raw.study,
                    changes.join("; ")
                )
            };
            // The base's description is about the base; a study's `set` may
            // still give one of its own.
            let described = list.iter().any(|(k, _)| k == "description");
            if !described {
                tree.set(&[key("description")], &Node::Str(description))
                    .map_err(|why| loc.error(&[key("base")], why))?;
            }
            // A fleet is named by its `fleet` key.
            let name_key = if group_base.fleet.is_some() {
                "fleet"
            } else {
                "name"
            };
            tree.set(&[key(name_key)], &Node::Str(name.clone()))
                .map_err(|why| loc.error(&[key("base")], why))?;
            expanded.push(Expanded {
                name,
                group: gi,
                name_at: name_at.clone(),
                settings: list,
                setting_at: list_at,
                tree,
                sweep_x,
            });
        }
    }

    // Validate each design as a scenario.
    let mut designs = Vec::new();
    let mut invalid = Vec::new();
    let mut design_sweeps: Vec<Vec<(String, bool, &'static str, f64)>> = Vec::new();
    for e in expanded {
        let yaml = to_yaml(&e.tree);
        let design_source = format!("{source}#{}", e.name);
        match load::parse_str(&yaml, &design_source, Format::Yaml) {
            Ok(scenario) => {
                design_sweeps.push(e.sweep_x);
                designs.push(StudyDesign {
                    name: e.name,
                    settings: e.settings,
                    scenario,
                    effective_yaml: yaml,
                    sweep_x: Vec::new(),
                });
            }
            Err(err) => {
                let err_key = err.key.clone().unwrap_or_default();
                // A key the study wrote that no scenario has is the study's mistake.
                let unknown = err.message.starts_with("unknown key");
                if unknown
                    && let Some(i) = e.settings.iter().position(|(k, _)| {
                        err_key == *k
                            || err_key.starts_with(&format!("{k}."))
                            || err_key.starts_with(&format!("{k}["))
                    })
                {
                    return Err(loc.error(&e.setting_at[i], format!("{err_key}: {}", err.message)));
                }
                // So is a value its `simulation` gives that a design refuses.
                if study_simulation.iter().any(|k| {
                    err_key == format!("simulation.{k}")
                        || err_key.starts_with(&format!("simulation.{k}."))
                }) {
                    return Err(loc.error(
                        &locate::parse_path(&err_key),
                        format!("design `{}`: {}", e.name, err.message),
                    ));
                }
                let reason = if err_key.is_empty() {
                    err.message
                } else {
                    format!("{err_key}: {}", err.message)
                };
                invalid.push(InvalidDesign {
                    name: e.name,
                    settings: e.settings,
                    reason,
                });
            }
        }
    }

    let indicator = raw.indicator.unwrap_or_else(|| "api".to_string());
    for d in &designs {
        let names: Vec<String> = match &d.scenario.fleet {
            Some(f) => super::fleet::fleet_compared_keys(f)
                .into_iter()
                .map(|(k, _)| k)
                .collect(),
            None => {
                let mut names: Vec<String> = ["etcd", "api", "control_plane"]
                    .iter()
                    .map(|s| s.to_string())
                    .collect();
                names.extend(
                    d.scenario
                        .workloads
                        .iter()
                        .map(|w| format!("workload/{}", w.name)),
                );
                names
            }
        };
        if !names.contains(&indicator) {
            return Err(loc.error(
                &[key("indicator")],
                format!(
                    "`{}` is not an indicator of design `{}`, which has: {}",
                    indicator.escape_debug(),
                    d.name,
                    names.join(", ")
                ),
            ));
        }
    }
    if let Some(b) = &raw.baseline {
        if let Some(bad) = invalid.iter().find(|d| d.name == *b) {
            return Err(loc.error(
                &[key("baseline")],
                format!(
                    "design `{b}` is invalid, so it cannot be the baseline: {}",
                    bad.reason
                ),
            ));
        }
        if !designs.iter().any(|d| d.name == *b) {
            let names: Vec<&str> = designs.iter().map(|d| d.name.as_str()).collect();
            return Err(loc.error(
                &[key("baseline")],
                format!(
                    "`{}` is not a design of this study; the designs are: {}",
                    b.escape_debug(),
                    names.join(", ")
                ),
            ));
        }
    }

    let sweeps = sweep_axes(&mut designs, &design_sweeps);
    Ok(Study {
        name: raw.study,
        description: raw.description,
        source,
        base,
        indicator,
        baseline: raw.baseline,
        designs,
        invalid,
        sweeps,
    })
}

/// Whether `base` (after symbolic links) lies in the directory of the study
/// file `study` or below it. Unresolvable paths are not.
/// A base (the study's, or a group's): the scenario or fleet at `raw_base`
/// (relative to the study file's directory), its tree (a fleet's with its
/// clusters inline, so keys reach into them) and its path as shown; errors
/// are located at `at`.
fn load_base(
    loc: &Locator,
    path: &Path,
    raw_base: &str,
    at: &[Segment],
) -> Result<(Scenario, Node, String), ScenarioError> {
    let base_path: PathBuf = match path.parent() {
        Some(dir) if Path::new(raw_base).is_relative() => dir.join(raw_base),
        _ => PathBuf::from(raw_base),
    };
    let base = base_path.display().to_string();
    let base_meta = std::fs::metadata(&base_path);
    if base_meta.is_err() {
        return Err(loc.error(
            at,
            format!(
                "no scenario file at `{base}`; `base` is a scenario file's path, relative to the \
                 {}",
                if path.as_os_str() == load::STDIN_PATH {
                    "current directory (the study was read from standard input)"
                } else {
                    "study file's directory"
                }
            ),
        ));
    }
    // A FIFO would block the read, a device never end it.
    if !base_meta.is_ok_and(|m| m.is_file()) {
        return Err(loc.error(
            at,
            format!("`{base}` is not a regular file; `base` is a scenario file's path"),
        ));
    }
    let (base_scenario, base_tree) = if within_study_dir(path, &base_path) {
        // The study's own files: errors located, with what they found.
        let (text, format) =
            read_text(&base_path).map_err(|e| loc.error(at, format!("`{base}`: {}", e.message)))?;
        let scenario = load::parse_str(&text, &base, format)?;
        let tree: Node = deserialize_tree(&text, &base, format)?;
        (scenario, tree)
    } else {
        // Anything else on the machine (`/etc/shadow`, a symlink to a
        // key) may be read only if it is a scenario: nothing of what a
        // failed parse found in it is repeated.
        let not_a_scenario = || {
            loc.error(
                at,
                format!(
                    "`{base}` (outside the study's directory) is not a kubenines scenario; \
                         run `kubenines validate` on it to see why"
                ),
            )
        };
        let (text, format) = read_text(&base_path).map_err(|_| not_a_scenario())?;
        let scenario = load::parse_str(&text, &base, format).map_err(|_| not_a_scenario())?;
        let tree: Node = deserialize_tree(&text, &base, format).map_err(|_| not_a_scenario())?;
        (scenario, tree)
    };

    let base_tree = match &base_scenario.fleet {
        Some(f) => deserialize_tree(&f.effective_yaml, &base, Format::Yaml)?,
        None => base_tree,
    };
    Ok((base_scenario, base_tree, base))
}

fn within_study_dir(study: &Path, base: &Path) -> bool {
    let dir = match study.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    match (dir.canonicalize(), base.canonicalize()) {
        (Ok(dir), Ok(base)) => base.starts_with(dir),
        _ => false,
    }
}

/// A precision target as a value tree, to write into a design.
fn precision_node(p: &RawPrecision) -> Node {
    let mut entries = vec![
        ("indicator".to_string(), Node::Str(p.indicator.clone())),
        (
            "relative_half_width".to_string(),
            Node::Float(p.relative_half_width.0.value),
        ),
        (
            "max_replications".to_string(),
            Node::Int(p.max_replications.into()),
        ),
    ];
    if let Some(batch) = p.batch {
        entries.push(("batch".to_string(), Node::Int(batch.into())));
    }
    Node::Map(entries)
}

/// Checks a group: its `set` entries and axes, with their locations.
fn group(
    loc: &Locator<'_>,
    prefix: Vec<Segment>,
    name: Option<String>,
    set: Option<OrderedMap<Node>>,
    matrix: Option<OrderedMap<Vec<Node>>>,
    sweep: Option<OneOrMany<RawSweep>>,
    sweeps: Option<Vec<RawSweep>>,
) -> Result<Group, ScenarioError> {
    let set = settings(loc, &prefix, set)?;
    let mut axes: Vec<Axis> = Vec::new();
    for (k, values) in matrix.map(|m| m.0).unwrap_or_default() {
        let here = at(&prefix, &[key("matrix"), key(&k)]);
        let path = parse_key_path(&k).map_err(|why| loc.error(&here, why))?;
        if values.is_empty() {
            return Err(loc.error(&here, "no values; give the list of values to try"));
        }
        for (i, v) in values.iter().enumerate() {
            if values[..i].contains(v) {
                return Err(loc.error(
                    &at(&here, &[Segment::Index(i)]),
                    format!("{} is in the list twice", v.describe()),
                ));
            }
        }
        axes.push(Axis {
            key: k,
            path,
            at: here,
            values,
            sweep: None,
        });
    }
    let mut all_sweeps: Vec<(Vec<Segment>, RawSweep)> = Vec::new();
    if let Some(OneOrMany(list, is_list)) = sweep {
        for (i, s) in list.into_iter().enumerate() {
            let mut here = at(&prefix, &[key("sweep")]);
            if is_list {
                here.push(Segment::Index(i));
            }
            all_sweeps.push((here, s));
        }
    }
    for (i, s) in sweeps.unwrap_or_default().into_iter().enumerate() {
        all_sweeps.push((at(&prefix, &[key("sweeps"), Segment::Index(i)]), s));
    }
    for (here, s) in all_sweeps {
        axes.push(sweep_axis(loc, here, s)?);
    }
    for (i, a) in axes.iter().enumerate() {
        if let Some(earlier) = axes[..i].iter().find(|b| b.key == a.key) {
            return Err(loc.error(
                &a.at,
                format!(
                    "`{}` is varied twice in this group (also at {}); give each key one axis",
                    a.key,
                    render_path(&earlier.at)
                ),
            ));
        }
    }
    Ok(Group {
        at: prefix,
        name,
        set,
        axes,
        base: None,
    })
}

/// A `set` mapping, its keys checked.
fn settings(
    loc: &Locator<'_>,
    prefix: &[Segment],
    set: Option<OrderedMap<Node>>,
) -> Result<Vec<Setting>, ScenarioError> {
    set.map(|m| m.0)
        .unwrap_or_default()
        .into_iter()
        .map(|(k, value)| {
            let here = at(prefix, &[key("set"), key(&k)]);
            let path = parse_key_path(&k).map_err(|why| loc.error(&here, why))?;
            if k == "name" {
                return Err(loc.error(
                    &here,
                    "a design's `name` comes from its group's `name` template, not from `set`",
                ));
            }
            Ok(Setting {
                key: k,
                path,
                value,
                at: here,
            })
        })
        .collect()
}

/// What a sweep's bounds are.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Duration,
    Number { integer: bool },
}

/// A sweep bound as (kind, value); durations in seconds.
fn bound(node: &Node) -> Option<(Kind, f64)> {
    match node {
        Node::Int(i) => Some((Kind::Number { integer: true }, *i as f64)),
        Node::Float(f) if f.is_finite() => Some((Kind::Number { integer: false }, *f)),
        Node::Str(s) => parse_duration(s)
            .ok()
            .map(|v| (Kind::Duration, v))
            .or_else(|| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .map(|v| (Kind::Number { integer: false }, v))
            }),
        _ => None,
    }
}

/// A sweep as an axis: its values, rounded so they read well and parse back.
fn sweep_axis(loc: &Locator<'_>, here: Vec<Segment>, s: RawSweep) -> Result<Axis, ScenarioError> {
    let path = parse_key_path(&s.key).map_err(|why| loc.error(&at(&here, &[key("key")]), why))?;
    let side = |name: &str, node: &Node| {
        bound(node).ok_or_else(|| {
            loc.error(
                &at(&here, &[key(name)]),
                format!(
                    "{} is not a number or a duration; a sweep goes from one number or \
                     duration (`5m`, `8h`) to another",
                    node.describe()
                ),
            )
        })
    };
    let (from_kind, from) = side("from", &s.from)?;
    let (to_kind, to) = side("to", &s.to)?;
    // `0` is a duration as much as a number.
    let kind = match (from_kind, to_kind) {
        (Kind::Duration, Kind::Duration) => Kind::Duration,
        (Kind::Duration, Kind::Number { .. }) if to == 0.0 => Kind::Duration,
        (Kind::Number { .. }, Kind::Duration) if from == 0.0 => Kind::Duration,
        (Kind::Number { integer: a }, Kind::Number { integer: b }) => {
            Kind::Number { integer: a && b }
        }
        _ => {
            return Err(loc.error(
                &at(&here, &[key("to")]),
                "`from` and `to` must both be durations or both plain numbers",
            ));
        }
    };
    if !(2..=MAX_SWEEP_STEPS).contains(&s.steps) {
        return Err(loc.error(
            &at(&here, &[key("steps")]),
            format!("must be from 2 to {MAX_SWEEP_STEPS}: the number of values, ends included"),
        ));
    }
    let log = s.scale == Some(Scale::Log);
    if log && !(from > 0.0 && to > 0.0) {
        let which = if from > 0.0 { "to" } else { "from" };
        return Err(loc.error(
            &at(&here, &[key(which)]),
            "a log sweep needs `from` and `to` above 0",
        ));
    }
    let n = s.steps as usize;
    let mut values = Vec::with_capacity(n);
    let mut xs = Vec::with_capacity(n);
    for i in 0..n {
        let t = i as f64 / (n - 1) as f64;
        let raw = if i == 0 {
            from
        } else if i == n - 1 {
            to
        } else if log {
            (from.ln() + t * (to.ln() - from.ln())).exp()
        } else {
            from + t * (to - from)
        };
        let (node, x) = match kind {
            Kind::Duration => {
                let seconds = round_duration(raw);
                (Node::Str(duration_text(seconds)), seconds / 60.0)
            }
            Kind::Number { integer: true } if !log => {
                let v = raw.round();
                (Node::Int(v as i128), v)
            }
            Kind::Number { .. } => {
                let v = round_significant(raw, 6);
                (Node::Float(v), v)
            }
        };
        if let Some(j) = values.iter().position(|v| *v == node) {
            return Err(loc.error(
                &at(&here, &[key("steps")]),
                format!(
                    "steps {} and {} are both {} once rounded; use fewer steps or a wider range",
                    j + 1,
                    i + 1,
                    node.describe()
                ),
            ));
        }
        values.push(node);
        xs.push(x);
    }
    let unit = match kind {
        Kind::Duration => "minutes",
        Kind::Number { .. } => "",
    };
    Ok(Axis {
        key: s.key,
        path,
        at: at(&here, &[key("key")]),
        values,
        sweep: Some((log, unit, xs)),
    })
}

/// Checks that what a sweep replaces is a number or a duration like its values.
fn check_sweepable(
    loc: &Locator<'_>,
    axis: &Axis,
    current: &Node,
    unit: &str,
) -> Result<(), ScenarioError> {
    let kind = bound(current).map(|(k, _)| k);
    let ok = match (kind, unit) {
        (Some(Kind::Duration), "minutes") => true,
        (Some(Kind::Number { .. }), "") => true,
        (Some(Kind::Number { .. }), "minutes") => *current == Node::Int(0),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    let what = if unit == "minutes" {
        "durations"
    } else {
        "numbers"
    };
    let mut message = format!(
        "sweeps {what} over `{}`, which is {} here, not a {}",
        axis.key,
        current.describe(),
        if unit == "minutes" {
            "duration"
        } else {
            "number"
        }
    );
    if let Node::Str(s) = current
        && let Some((_, params)) = super::tree::split_distribution(s)
    {
        let names: Vec<String> = params
            .iter()
            .map(|(k, _)| format!("`{}.{k}`", axis.key))
            .collect();
        message.push_str(&format!(
            "; to sweep a parameter of the distribution, name it: {}",
            names.join(", ")
        ));
    }
    Err(loc.error(&axis.at, message))
}

/// Whole seconds from 10 s up, whole milliseconds below.
fn round_duration(seconds: f64) -> f64 {
    if seconds >= 10.0 {
        seconds.round()
    } else {
        (seconds * 1000.0).round() / 1000.0
    }
}

/// `10m41s`, `1h44m32s`, `8h`, `2d3h`, `1.5s`: exact for whole seconds (and
/// for milliseconds under a minute), in units [`parse_duration`] reads.
fn duration_text(seconds: f64) -> String {
    if seconds == 0.0 {
        return "0s".into();
    }
    if seconds < 60.0 && seconds.fract() != 0.0 {
        let ms = (seconds * 1000.0).round() as u64;
        return if ms >= 1000 {
            format!("{}s{}ms", ms / 1000, ms % 1000)
        } else {
            format!("{ms}ms")
        };
    }
    let mut rest = seconds.round() as u64;
    let mut out = String::new();
    for (unit, size) in [("d", 86_400u64), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// Rounds to `digits` significant decimal digits (through the decimal text,
/// which is exact).
fn round_significant(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x)
}

/// `[a-z0-9-]` text of a value: lower case, anything else becomes `-`.
fn sanitise(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The design's name: the group's template filled in, or the axis values
/// joined by `-` (after the first axis' last key when that does not start
/// with a letter), or the base's name for a group without axes.
fn design_name(
    loc: &Locator<'_>,
    g: &Group,
    picks: &[usize],
    name_at: &[Segment],
    base_name: &str,
) -> Result<String, ScenarioError> {
    let value_of = |k: &str| -> Option<String> {
        if let Some((axis, &pick)) = g.axes.iter().zip(picks).find(|(a, _)| a.key == k) {
            return Some(sanitise(&axis.values[pick].text()));
        }
        g.set
            .iter()
            .find(|s| s.key == k)
            .map(|s| sanitise(&s.value.text()))
    };
    let name = match &g.name {
        Some(template) => {
            let mut out = String::new();
            let mut rest = template.as_str();
            while let Some(open) = rest.find(['{', '}']) {
                out.push_str(&rest[..open]);
                if rest[open..].starts_with('}') {
                    return Err(loc.error(
                        name_at,
                        format!("`}}` without `{{` in the name template `{template}`"),
                    ));
                }
                let after = &rest[open + 1..];
                let Some(close) = after.find('}') else {
                    return Err(loc.error(
                        name_at,
                        format!("`{{` without `}}` in the name template `{template}`"),
                    ));
                };
                let k = after[..close].trim();
                let Some(v) = value_of(k) else {
                    let mut known: Vec<String> =
                        g.axes.iter().map(|a| format!("`{{{}}}`", a.key)).collect();
                    known.extend(g.set.iter().map(|s| format!("`{{{}}}`", s.key)));
                    let list = if known.is_empty() {
                        "this group has no axes or `set` keys to name".to_string()
                    } else {
                        format!("use one of {}", known.join(", "))
                    };
                    return Err(loc.error(
                        name_at,
                        format!(
                            "`{{{k}}}` in the name template is not a key this group varies or \
                             sets; {list}"
                        ),
                    ));
                };
                out.push_str(&v);
                rest = &after[close + 1..];
            }
            out.push_str(rest);
            out
        }
        None if g.axes.is_empty() => base_name.to_string(),
        None => {
            let parts: Vec<String> = g
                .axes
                .iter()
                .zip(picks)
                .map(|(a, &p)| sanitise(&a.values[p].text()))
                .collect();
            let joined = parts.join("-");
            if joined.starts_with(|c: char| c.is_ascii_lowercase()) {
                joined
            } else {
                let last = match g.axes[0].path.iter().rev().find_map(|s| match s {
                    Segment::Key(k) => Some(k.clone()),
                    Segment::Index(_) => None,
                }) {
                    Some(k) => sanitise(&k),
                    None => "design".to_string(),
                };
                format!("{last}-{joined}")
            }
        }
    };
    if name.is_empty()
        || !name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(loc.error(
            name_at,
            format!(
                "the design name `{}` is not valid; names are lower-case letters, digits and \
                 `-` (values put in by `{{KEY}}` are made so; the rest of the template must be)",
                name.escape_debug()
            ),
        ));
    }
    Ok(name)
}

/// The sweep axes, merged by key (and scale and unit) over groups, with
/// their series; fills each design's `sweep_x`.
fn sweep_axes(
    designs: &mut [StudyDesign],
    per_design: &[Vec<(String, bool, &'static str, f64)>],
) -> Vec<SweepAxis> {
    let mut axes: Vec<SweepAxis> = Vec::new();
    for (d, sweeps) in designs.iter_mut().zip(per_design) {
        for (k, log, unit, x) in sweeps {
            let index = match axes
                .iter()
                .position(|a| a.key == *k && a.log_x == *log && a.unit == *unit)
            {
                Some(i) => i,
                None => {
                    axes.push(SweepAxis {
                        key: k.clone(),
                        log_x: *log,
                        unit: unit.to_string(),
                        series: Vec::new(),
                    });
                    axes.len() - 1
                }
            };
            d.sweep_x.push((index, *x));
        }
    }
    for (index, axis) in axes.iter_mut().enumerate() {
        let on: Vec<(usize, f64)> = designs
            .iter()
            .enumerate()
            .filter_map(|(i, d)| {
                d.sweep_x
                    .iter()
                    .find(|(a, _)| *a == index)
                    .map(|&(_, x)| (i, x))
            })
            .collect();
        // The settings other than the swept key that are not the same for all.
        let others = |i: usize| -> Vec<(String, String)> {
            designs[i]
                .settings
                .iter()
                .filter(|(k, _)| *k != axis.key)
                .cloned()
                .collect()
        };
        let common: Vec<(String, String)> = match on.first() {
            Some(&(first, _)) => others(first)
                .into_iter()
                .filter(|s| on.iter().all(|&(i, _)| others(i).contains(s)))
                .collect(),
            None => Vec::new(),
        };
        let mut series: Vec<(String, Vec<(usize, f64)>)> = Vec::new();
        for &(i, x) in &on {
            let parts: Vec<String> = others(i)
                .into_iter()
                .filter(|s| !common.contains(s))
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            let label = if parts.is_empty() {
                axis.key.clone()
            } else {
                parts.join(", ")
            };
            match series.iter_mut().find(|(l, _)| *l == label) {
                Some((_, members)) => members.push((i, x)),
                None => series.push((label, vec![(i, x)])),
            }
        }
        axis.series = series
            .into_iter()
            .map(|(label, mut members)| {
                members.sort_by(|a, b| a.1.total_cmp(&b.1));
                (label, members.into_iter().map(|(i, _)| i).collect())
            })
            .collect();
    }
    axes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_back() {
        for (seconds, text) in [
            (300.0, "5m"),
            (641.0, "10m41s"),
            (28_800.0, "8h"),
            (6272.0, "1h44m32s"),
            (93_600.0, "1d2h"),
            (1.5, "1s500ms"),
            (0.25, "250ms"),
            (0.0, "0s"),
        ] {
            assert_eq!(duration_text(seconds), text);
            assert_eq!(parse_duration(text), Ok(seconds), "{text}");
        }
    }

    #[test]
    fn sanitises_values() {
        assert_eq!(sanitise("1.5h"), "1-5h");
        assert_eq!(sanitise("Stacked"), "stacked");
        assert_eq!(sanitise("{a: 1}"), "a-1");
        assert_eq!(sanitise("10m41s"), "10m41s");
    }
}
