//! Study files: expansion into designs, invalid designs kept with their
//! reason, located errors of the study file itself, costs, and
//! `compare STUDY` from the command line.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kubenines::model::Model;
use kubenines::scenario::{
    Distribution, Format, ScenarioError, Study, Topology, is_study, load, load_study,
    parse_duration, parse_str, study_json_schema,
};
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stacked_3() -> String {
    root()
        .join("scenarios/stacked-3.yaml")
        .display()
        .to_string()
}

/// A study file written to a fresh temporary directory.
struct TempStudy {
    dir: PathBuf,
    path: PathBuf,
}

impl TempStudy {
    fn new(name: &str, text: &str) -> TempStudy {
        let dir =
            std::env::temp_dir().join(format!("kubenines-study-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        let path = dir.join("study.yaml");
        std::fs::write(&path, text).expect("writes");
        TempStudy { dir, path }
    }
}

impl Drop for TempStudy {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn study(name: &str, text: &str) -> Study {
    let t = TempStudy::new(name, text);
    load_study(&t.path).unwrap_or_else(|e| panic!("{e}"))
}

/// The error of a study, and the study's text and path for locating it.
fn study_error(name: &str, text: &str) -> (ScenarioError, String) {
    let t = TempStudy::new(name, text);
    match load_study(&t.path) {
        Ok(s) => panic!("expected an error, loaded {} designs", s.designs.len()),
        Err(e) => (e, t.path.display().to_string()),
    }
}

/// The 1-based line of `text` holding `needle` (which must be on one line).
fn line_of(text: &str, needle: &str) -> u32 {
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(hits.len(), 1, "{needle:?} must be on one line: {hits:?}");
    hits[0] as u32
}

#[track_caller]
fn assert_located(err: &ScenarioError, file: &str, text: &str, key: &str, at: &str) {
    assert_eq!(err.file, file, "{err}");
    assert_eq!(err.key.as_deref(), Some(key), "{err}");
    assert_eq!(err.line, Some(line_of(text, at)), "{err}");
    assert!(err.column.is_some(), "{err}");
}

fn names(s: &Study) -> Vec<&str> {
    s.designs.iter().map(|d| d.name.as_str()).collect()
}

#[test]
fn shorthand_matrix_gives_ten_designs_external_ones_invalid() {
    let s = load_study(&root().join("tests/studies/topology.yaml")).expect("loads");
    assert_eq!(s.name, "topology");
    assert_eq!(s.indicator, "api");
    assert_eq!(s.designs.len() + s.invalid.len(), 10);
    assert_eq!(
        names(&s),
        [
            "stacked-1",
            "stacked-2",
            "stacked-3",
            "stacked-5",
            "stacked-7"
        ]
    );
    let invalid: Vec<&str> = s.invalid.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(
        invalid,
        [
            "external-1",
            "external-2",
            "external-3",
            "external-5",
            "external-7"
        ]
    );
    for d in &s.invalid {
        assert!(
            d.reason.starts_with("control_plane.etcd_nodes: required"),
            "{}",
            d.reason
        );
        assert!(!d.reason.contains("line"), "no lines: {}", d.reason);
    }
    assert_eq!(
        s.invalid[3].settings,
        [
            ("control_plane.topology".to_string(), "external".to_string()),
            ("control_plane.nodes".to_string(), "5".to_string())
        ]
    );
    for (d, n) in s.designs.iter().zip([1, 2, 3, 5, 7]) {
        assert_eq!(d.scenario.control_plane.nodes, n);
        assert_eq!(d.scenario.name, d.name);
        assert_eq!(d.scenario.simulation.replications, 200);
        assert_eq!(d.scenario.source, format!("{}#{}", s.source, d.name));
        assert!(d.sweep_x.is_empty());
    }
    assert!(s.sweeps.is_empty());
}

#[test]
fn groups_name_designs_from_their_templates() {
    let s = load_study(&root().join("tests/studies/control-plane.yaml")).expect("loads");
    assert!(s.invalid.is_empty(), "{:?}", s.invalid);
    assert_eq!(s.baseline.as_deref(), Some("stacked-3"));
    assert_eq!(
        names(&s),
        [
            "stacked-1",
            "stacked-2",
            "stacked-3",
            "stacked-5",
            "stacked-7",
            "external-3x3",
            "external-3x5",
            "stacked-3-repair-5m",
            "stacked-3-repair-10m42s",
            "stacked-3-repair-22m54s",
            "stacked-3-repair-48m59s",
            "stacked-3-repair-1h44m50s",
            "stacked-3-repair-3h44m19s",
            "stacked-3-repair-8h",
        ]
    );
    let ext = &s.designs[6].scenario;
    assert_eq!(ext.control_plane.topology, Topology::External);
    assert_eq!(
        ext.control_plane.etcd_hosts.as_ref().map(|e| e.nodes),
        Some(5)
    );
    assert_eq!(ext.simulation.replications, 1000);
    // Settings: the study's set, the group's set, then the axes.
    let keys: Vec<&str> = s.designs[6]
        .settings
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "cost",
            "control_plane.topology",
            "control_plane.etcd_node",
            "control_plane.nodes",
            "control_plane.etcd_nodes"
        ]
    );
    assert_eq!(s.designs[6].settings[4].1, "5");
}

#[test]
fn log_sweep_gives_a_geometric_sequence_of_repair_medians() {
    let s = load_study(&root().join("tests/studies/control-plane.yaml")).expect("loads");
    let swept: Vec<_> = s
        .designs
        .iter()
        .filter(|d| d.name.starts_with("stacked-3-repair-"))
        .collect();
    assert_eq!(swept.len(), 7);
    let ratio = (8.0f64 * 3600.0 / 300.0).powf(1.0 / 6.0);
    for (i, d) in swept.iter().enumerate() {
        let expected = 300.0 * ratio.powi(i as i32);
        let Distribution::LogNormal { mu, sigma } = d.scenario.control_plane.node.repair else {
            panic!("lognormal")
        };
        let median = mu.exp();
        assert!(
            (median - expected).abs() <= 0.5 + 1e-6,
            "{median} vs {expected}"
        );
        assert!((sigma - 1.0).abs() < 1e-12);
        // The effective scenario parses back to the same scenario.
        let again = parse_str(&d.effective_yaml, "again.yaml", Format::Yaml).expect("parses");
        assert_eq!(again.control_plane, d.scenario.control_plane);
        assert_eq!(again.cost, d.scenario.cost);
        // The setting reads back as the median.
        let (key, value) = d.settings.last().expect("a setting");
        assert_eq!(key, "control_plane.node.repair.median");
        assert!((parse_duration(value).expect("a duration") - median).abs() < 1e-6);
    }
    // One sweep axis, in minutes, on a log scale, one series in order of x.
    assert_eq!(s.sweeps.len(), 1);
    let axis = &s.sweeps[0];
    assert_eq!(axis.key, "control_plane.node.repair.median");
    assert!(axis.log_x);
    assert_eq!(axis.unit, "minutes");
    assert_eq!(axis.series.len(), 1);
    let members = &axis.series[0].1;
    assert_eq!(members.len(), 7);
    let xs: Vec<f64> = members
        .iter()
        .map(|&i| {
            let d = &s.designs[i];
            assert!(d.name.starts_with("stacked-3-repair-"));
            d.sweep_x[0].1
        })
        .collect();
    assert_eq!(xs.first(), Some(&5.0));
    assert_eq!(xs.last(), Some(&480.0));
    assert!(xs.windows(2).all(|w| w[0] < w[1]), "{xs:?}");
}

#[test]
fn a_distribution_parameter_override_changes_only_that_parameter() {
    let base = load(Path::new(&stacked_3())).expect("base loads");
    let s = study(
        "param",
        &format!(
            "study: param\nbase: {}\nsweep: {{ key: control_plane.node.failure.shape, from: 0.5, to: 1.5, steps: 3 }}\n",
            stacked_3()
        ),
    );
    assert_eq!(names(&s), ["shape-0-5", "shape-1", "shape-1-5"]);
    for (d, shape) in s.designs.iter().zip([0.5, 1.0, 1.5]) {
        let mut expected = base.clone();
        expected.control_plane.node.failure =
            Distribution::parse(&format!("weibull(shape={shape}, mean=2y)")).expect("parses");
        let mut got = d.scenario.clone();
        // Name, description and source are the design's own.
        got.name = expected.name.clone();
        got.description = expected.description.clone();
        got.source = expected.source.clone();
        assert_eq!(got, expected, "{}", d.effective_yaml);
        assert!(
            d.effective_yaml
                .contains(&format!("failure: weibull(shape={shape}, mean=2y)")),
            "{}",
            d.effective_yaml
        );
    }
    assert_eq!(s.sweeps[0].unit, "");
    assert!(!s.sweeps[0].log_x);
}

#[test]
fn monthly_cost_of_stacked_and_external_designs() {
    let s = load_study(&root().join("tests/studies/control-plane.yaml")).expect("loads");
    let cost = |name: &str| {
        let d = s.designs.iter().find(|d| d.name == name).expect("design");
        let m = Model::build(&d.scenario).expect("builds");
        assert_eq!(m.currency, "USD");
        m.monthly_cost.expect("a cost")
    };
    // control_plane 120, etcd 60, worker 200, load balancer 20; no workers.
    assert_eq!(cost("stacked-1"), 120.0 + 20.0);
    assert_eq!(cost("stacked-3"), 3.0 * 120.0 + 20.0);
    assert_eq!(cost("external-3x3"), 3.0 * 120.0 + 3.0 * 60.0 + 20.0);
    assert_eq!(cost("external-3x5"), 3.0 * 120.0 + 5.0 * 60.0 + 20.0);
    // Workers count; a missing load balancer does not; unpriced classes cost 0.
    let text = std::fs::read_to_string(stacked_3()).expect("reads");
    let text = text.replace(
        "  load_balancer:\n    failure: exponential(mean=1y)\n    repair: lognormal(median=5m, sigma=0.8)\n",
        "  load_balancer: none\n",
    );
    let text = format!(
        "{text}workers:\n  nodes: 4\n  node: {{ failure: never }}\ncost: {{ control_plane: 100, worker: 10.5, load_balancer: 99, currency: EUR }}\n"
    );
    let m =
        Model::build(&parse_str(&text, "x.yaml", Format::Yaml).expect("parses")).expect("builds");
    assert_eq!(m.monthly_cost, Some(300.0 + 42.0));
    assert_eq!(m.currency, "EUR");
    let m = Model::build(&load(Path::new(&stacked_3())).expect("loads")).expect("builds");
    assert_eq!(m.monthly_cost, None);
}

#[test]
fn is_study_tells_studies_from_scenarios() {
    assert!(is_study(&root().join("tests/studies/control-plane.yaml")));
    assert!(is_study(&root().join("tests/studies/topology.yaml")));
    assert!(!is_study(&root().join("scenarios/stacked-3.yaml")));
    assert!(!is_study(&root().join("tests/data/stacked-3.toml")));
    assert!(!is_study(&root().join("tests/studies/missing.yaml")));
}

#[test]
fn yes_and_on_stay_text() {
    let t = TempStudy::new(
        "norway",
        "study: norway\nbase: base.yaml\nmatrix:\n  workloads[0].replicas: [1, 2]\n",
    );
    let text = std::fs::read_to_string(stacked_3()).expect("reads");
    std::fs::write(
        t.dir.join("base.yaml"),
        format!(
            "{text}workers:\n  nodes: 2\n  node: {{ failure: never }}\nworkloads:\n  - name: on\n    replicas: 1\n  - name: no\n    replicas: 1\n"
        ),
    )
    .expect("writes");
    let s = load_study(&t.path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(names(&s), ["replicas-1", "replicas-2"]);
    let w = &s.designs[1].scenario.workloads;
    assert_eq!((w[0].name.as_str(), w[0].replicas), ("on", 2));
    assert_eq!(w[1].name, "no");
}

#[test]
fn a_study_that_does_not_parse_is_still_a_study() {
    let t = TempStudy::new("broken", "study: s\nbase: x.yaml\nmatrix: [1,\n");
    assert!(is_study(&t.path));
    let err = load_study(&t.path).expect_err("fails");
    assert_eq!(err.file, t.path.display().to_string());
    assert!(err.line.is_some(), "{err}");
    let t = TempStudy::new("json-broken", "");
    let json = t.dir.join("s.json");
    std::fs::write(&json, "{\n  \"study\": \"s\",\n  \"base\": }\n").expect("writes");
    assert!(is_study(&json));
    assert!(!is_study(&root().join("Cargo.toml")));
}

#[test]
fn toml_and_json_studies_load_the_same() {
    let base = stacked_3();
    let t = TempStudy::new("toml", "");
    let toml = t.dir.join("s.toml");
    std::fs::write(
        &toml,
        format!("study = \"t\"\nbase = {base:?}\n[matrix]\n\"control_plane.nodes\" = [1, 3]\n"),
    )
    .expect("writes");
    let json = t.dir.join("s.json");
    std::fs::write(
        &json,
        format!(
            "{{\"study\": \"t\", \"base\": {base:?}, \"matrix\": {{\"control_plane.nodes\": [1, 3]}}}}"
        ),
    )
    .expect("writes");
    for path in [toml, json] {
        assert!(is_study(&path));
        let s = load_study(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&s), ["nodes-1", "nodes-3"]);
    }
}

#[test]
fn group_without_axes_is_one_design_and_set_takes_maps() {
    let s = study(
        "single",
        &format!(
            "study: single\nbase: {}\ndesigns:\n  - {{}}\n  - name: lb-none\n    set: {{ control_plane.load_balancer: none }}\n  - name: zones-1\n    set:\n      zones: {{ count: 1 }}\n",
            stacked_3()
        ),
    );
    assert_eq!(names(&s), ["stacked-3", "lb-none", "zones-1"]);
    assert!(s.designs[1].scenario.control_plane.load_balancer.is_none());
    assert_eq!(s.designs[2].scenario.zones.count, 1);
    assert_eq!(
        s.designs[2].scenario.zones.failure,
        Distribution::Never,
        "a mapping replaces the whole value"
    );
    assert_eq!(
        s.designs[2].settings,
        [("zones".into(), "{count: 1}".into())]
    );
}

// Errors of the study file itself: located, naming the file, line and key.

#[test]
fn error_unknown_key_in_the_study() {
    let text = format!(
        "study: s\nbase: {}\nmatrx:\n  control_plane.nodes: [1]\n",
        stacked_3()
    );
    let (err, file) = study_error("unknown", &text);
    assert_located(&err, &file, &text, "matrx", "matrx:");
    assert!(err.message.contains("did you mean `matrix`?"), "{err}");
}

#[test]
fn error_unknown_key_in_a_sweep() {
    let text = format!(
        "study: s\nbase: {}\nsweep:\n  key: control_plane.nodes\n  from: 1\n  to: 3\n  steps: 3\n  scael: log\n",
        stacked_3()
    );
    let (err, file) = study_error("unknown-sweep", &text);
    assert_located(&err, &file, &text, "sweep.scael", "scael:");
}

#[test]
fn error_missing_base() {
    let text = "study: s\nbase: nowhere.yaml\nmatrix: { control_plane.nodes: [1] }\n";
    let (err, file) = study_error("no-base", text);
    assert_located(&err, &file, text, "base", "base:");
    assert!(err.message.contains("no scenario file"), "{err}");
}

#[test]
fn error_base_that_does_not_load_names_the_base() {
    let t = TempStudy::new(
        "bad-base",
        "study: s\nbase: base.yaml\nmatrix: { control_plane.nodes: [1] }\n",
    );
    let base = t.dir.join("base.yaml");
    std::fs::write(&base, "name: x\nsimulation: { horizon: 1y, replications: 1 }\ncontrol_plane: { topology: stacked, nodes: 3, node: { failure: never }, load_balancer: none, colour: blue }\n").expect("writes");
    let err = load_study(&t.path).expect_err("fails");
    assert_eq!(err.file, base.display().to_string(), "{err}");
    assert_eq!(err.key.as_deref(), Some("control_plane.colour"), "{err}");
}

#[test]
fn error_bad_name_placeholder() {
    let text = format!(
        "study: s\nbase: {}\ndesigns:\n  - name: \"n-{{control_plane.node}}\"\n    matrix: {{ control_plane.nodes: [1, 3] }}\n",
        stacked_3()
    );
    let (err, file) = study_error("placeholder", &text);
    assert_located(&err, &file, &text, "designs[0].name", "name:");
    assert!(
        err.message.contains("`{control_plane.node}`")
            && err.message.contains("`{control_plane.nodes}`"),
        "{err}"
    );
}

#[test]
fn error_sweep_over_a_value_that_is_not_numeric() {
    let text = format!(
        "study: s\nbase: {}\nsweep: {{ key: control_plane.node.repair, from: 5m, to: 8h, steps: 3 }}\n",
        stacked_3()
    );
    let (err, file) = study_error("non-numeric", &text);
    assert_located(&err, &file, &text, "sweep.key", "sweep:");
    assert!(
        err.message
            .contains("`control_plane.node.repair.median`, `control_plane.node.repair.sigma`"),
        "suggests the parameters: {err}"
    );
    let text = format!(
        "study: s\nbase: {}\nsweep:\n  key: control_plane.nodes\n  from: many\n  to: 3\n  steps: 3\n",
        stacked_3()
    );
    let (err, file) = study_error("non-numeric-bound", &text);
    assert_located(&err, &file, &text, "sweep.from", "from: many");
}

#[test]
fn error_too_many_designs() {
    let values: Vec<String> = (1..=15).map(|n| n.to_string()).collect();
    let text = format!(
        "study: s\nbase: {}\ndesigns:\n  - name: \"d-{{control_plane.nodes}}-{{simulation.seed}}\"\n    matrix:\n      control_plane.nodes: [{}]\n      simulation.seed: [{}]\n",
        stacked_3(),
        values.join(", "),
        values.join(", ")
    );
    let (err, file) = study_error("too-many", &text);
    assert_located(&err, &file, &text, "designs", "designs:");
    assert!(err.message.contains("225 designs"), "{err}");
}

#[test]
fn error_duplicate_design_names() {
    let text = format!(
        "study: s\nbase: {}\ndesigns:\n  - name: three\n    matrix: {{ control_plane.nodes: [1, 3] }}\n",
        stacked_3()
    );
    let (err, file) = study_error("duplicate", &text);
    assert_located(&err, &file, &text, "designs[0].name", "name: three");
    assert!(
        err.message.contains("two designs are named `three`"),
        "{err}"
    );
    let text = format!(
        "study: s\nbase: {}\ndesigns:\n  - name: a\n  - name: b\n  - name: a\n",
        stacked_3()
    );
    let (err, file) = study_error("duplicate-groups", &text);
    assert_eq!(err.key.as_deref(), Some("designs[2].name"), "{err}");
    assert_eq!(err.file, file);
    assert_eq!(err.line, Some(6), "{err}");
}

#[test]
fn error_misspelt_scenario_key_is_the_studys() {
    let text = format!(
        "study: s\nbase: {}\nset:\n  control_plane.nodez: 3\nmatrix: {{ control_plane.nodes: [1] }}\n",
        stacked_3()
    );
    let (err, file) = study_error("nodez", &text);
    assert_located(&err, &file, &text, "set.control_plane.nodez", "nodez:");
    assert!(err.message.contains("did you mean `nodes`?"), "{err}");
}

#[test]
fn error_parameter_the_distribution_does_not_have() {
    let text = format!(
        "study: s\nbase: {}\nmatrix:\n  control_plane.node.repair.mean: [1h]\n",
        stacked_3()
    );
    let (err, file) = study_error("no-param", &text);
    assert_located(
        &err,
        &file,
        &text,
        "matrix.control_plane.node.repair.mean",
        "repair.mean:",
    );
    assert!(err.message.contains("no parameter `mean`"), "{err}");
}

#[test]
fn error_baseline_and_indicator_that_are_not_there() {
    let text = format!(
        "study: s\nbase: {}\nbaseline: stacked-9\nmatrix: {{ control_plane.nodes: [1] }}\n",
        stacked_3()
    );
    let (err, file) = study_error("baseline", &text);
    assert_located(&err, &file, &text, "baseline", "baseline:");
    let text = format!(
        "study: s\nbase: {}\nindicator: workload/web\nmatrix: {{ control_plane.nodes: [1] }}\n",
        stacked_3()
    );
    let (err, file) = study_error("indicator", &text);
    assert_located(&err, &file, &text, "indicator", "indicator:");
}

// Precision targets: inherited from the base, or given by the study's
// `simulation`, where either alternative replaces the other.

/// A study over `base.yaml` beside it: stacked-3 with `replications: 2000`
/// replaced by `simulation_line`.
fn study_over_stacked_3_with(name: &str, study: &str, simulation_line: &str) -> Study {
    let t = TempStudy::new(name, study);
    let base = std::fs::read_to_string(stacked_3()).expect("reads stacked-3");
    assert_eq!(base.matches("  replications: 2000\n").count(), 1);
    let base = base.replacen("  replications: 2000\n", simulation_line, 1);
    std::fs::write(t.dir.join("base.yaml"), base).expect("writes");
    load_study(&t.path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn designs_inherit_the_bases_precision_target() {
    let s = study_over_stacked_3_with(
        "precision-base",
        "study: s\nbase: base.yaml\nmatrix: { control_plane.nodes: [3, 5] }\n",
        "  precision: { indicator: etcd, relative_half_width: 5%, max_replications: 20000, batch: 512 }\n",
    );
    assert_eq!(names(&s), ["nodes-3", "nodes-5"]);
    for d in &s.designs {
        assert_eq!(d.scenario.simulation.replications, 20_000);
        let p = d.scenario.simulation.precision.as_ref().expect("inherited");
        assert_eq!(
            (p.indicator.as_str(), p.relative_half_width, p.batch),
            ("etcd", 0.05, 512)
        );
    }

    // The study's `replications` replaces the base's target.
    let s = study_over_stacked_3_with(
        "precision-base-fixed",
        "study: s\nbase: base.yaml\nsimulation: { replications: 300 }\nmatrix: { control_plane.nodes: [3] }\n",
        "  precision: { indicator: etcd, relative_half_width: 5%, max_replications: 20000 }\n",
    );
    let sim = &s.designs[0].scenario.simulation;
    assert_eq!((sim.replications, sim.precision.is_none()), (300, true));
}

#[test]
fn a_studys_simulation_may_set_a_precision_target() {
    let s = study(
        "precision-study",
        &format!(
            "study: s\nbase: {}\nsimulation:\n  precision: {{ indicator: api, relative_half_width: 0.1, max_replications: 4096 }}\nmatrix: {{ control_plane.nodes: [1, 3] }}\n",
            stacked_3()
        ),
    );
    assert!(s.invalid.is_empty(), "{:?}", s.invalid);
    for d in &s.designs {
        let sim = &d.scenario.simulation;
        assert_eq!(sim.replications, 4096, "replaces the base's replications");
        let p = sim.precision.as_ref().expect("set by the study");
        assert_eq!(
            (p.indicator.as_str(), p.relative_half_width, p.batch),
            ("api", 0.1, 1024)
        );
        assert!(!d.effective_yaml.contains("replications: 2000"));
    }
}

#[test]
fn error_precision_target_of_the_study() {
    let base = stacked_3();
    // Both alternatives.
    let text = format!(
        "study: s\nbase: {base}\nsimulation:\n  replications: 100\n  precision: {{ indicator: api, relative_half_width: 0.1, max_replications: 4096 }}\nmatrix: {{ control_plane.nodes: [1] }}\n"
    );
    let (err, file) = study_error("precision-both", &text);
    assert_located(&err, &file, &text, "simulation.precision", "precision:");
    assert!(err.message.contains("alternatives"), "{err}");
    // An unknown key in it.
    let text = format!(
        "study: s\nbase: {base}\nsimulation:\n  precision:\n    indicator: api\n    relative_half_width: 0.1\n    max_replications: 4096\n    bach: 512\nmatrix: {{ control_plane.nodes: [1] }}\n"
    );
    let (err, file) = study_error("precision-unknown", &text);
    assert_located(&err, &file, &text, "simulation.precision.bach", "bach:");
    assert!(err.message.contains("did you mean `batch`?"), "{err}");
    // A value every design refuses is the study's mistake, located in it.
    let text = format!(
        "study: s\nbase: {base}\nsimulation:\n  precision:\n    indicator: workload/web\n    relative_half_width: 0.1\n    max_replications: 4096\nmatrix: {{ control_plane.nodes: [1] }}\n"
    );
    let (err, file) = study_error("precision-indicator", &text);
    assert_located(
        &err,
        &file,
        &text,
        "simulation.precision.indicator",
        "indicator:",
    );
    assert!(
        err.message
            .starts_with("design `nodes-1`: `workload/web` is not an indicator"),
        "{err}"
    );
    let text = text
        .replace("workload/web", "api")
        .replace("0.1\n", "1.5\n");
    let (err, file) = study_error("precision-width", &text);
    assert_located(
        &err,
        &file,
        &text,
        "simulation.precision.relative_half_width",
        "relative_half_width:",
    );
}

#[test]
fn study_schema_describes_study_files() {
    let schema = study_json_schema();
    assert_eq!(schema["title"], "kubenines study");
    assert_eq!(schema["additionalProperties"], false);
    for key in [
        "study",
        "description",
        "base",
        "indicator",
        "baseline",
        "simulation",
        "set",
        "designs",
        "matrix",
        "sweep",
        "sweeps",
    ] {
        assert!(schema["properties"].get(key).is_some(), "{key}");
    }
    let required: Vec<&str> = schema["required"]
        .as_array()
        .expect("required")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert_eq!(required, ["study", "base"]);
}

// The command line.

fn kubenines() -> Command {
    let mut c = Command::cargo_bin("kubenines").expect("binary");
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

#[test]
fn compare_study_json() {
    let out = kubenines()
        .args([
            "compare",
            "tests/studies/control-plane.yaml",
            "-n",
            "32",
            "--quiet",
            "-o",
            "json",
        ])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["study"]["name"], "control-plane");
    assert_eq!(v["study"]["source"], "tests/studies/control-plane.yaml");
    assert!(v["study"]["description"].is_string());
    assert_eq!(v["invalid_designs"], Value::Array(vec![]));
    assert_eq!(v["baseline"], "stacked-3");
    assert_eq!(v["replications"], 32);
    let designs = v["designs"].as_array().expect("designs");
    assert_eq!(designs.len(), 14);
    let mut on_frontier = 0;
    for d in designs {
        assert!(d["monthly_cost"].as_f64().is_some_and(|c| c > 0.0), "{d}");
        assert_eq!(d["currency"], "USD");
        on_frontier += usize::from(d["pareto_frontier"].as_bool().expect("bool"));
        assert!(
            d["source"]
                .as_str()
                .is_some_and(|s| s.starts_with("tests/studies/control-plane.yaml#"))
        );
    }
    // The cheapest design is always on the frontier, and not everything is.
    assert!(
        on_frontier >= 1 && on_frontier < designs.len(),
        "{on_frontier}"
    );
    let cheapest = designs
        .iter()
        .min_by(|a, b| {
            a["monthly_cost"]
                .as_f64()
                .unwrap_or(0.0)
                .total_cmp(&b["monthly_cost"].as_f64().unwrap_or(0.0))
        })
        .expect("a design");
    assert_eq!(cheapest["name"], "stacked-1");
    assert_eq!(cheapest["pareto_frontier"], true);

    let out = kubenines()
        .args([
            "compare",
            "tests/studies/control-plane.yaml",
            "-n",
            "32",
            "--quiet",
            "-o",
            "csv",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).expect("utf-8");
    assert_eq!(text.lines().count(), 15);
    let header = text.lines().next().expect("header");
    assert!(header.starts_with("rank,design,source,"), "{header}");
    assert!(
        header.ends_with(",monthly_cost,currency,pareto_frontier,leading_group"),
        "{header}"
    );
    let stacked_1 = text
        .lines()
        .find(|l| l.contains(",stacked-1,"))
        .expect("a row");
    assert!(stacked_1.ends_with(",140,USD,true,false"), "{stacked_1}");
}

#[test]
fn compare_study_reports_invalid_designs() {
    let out = kubenines()
        .args([
            "compare",
            "tests/studies/topology.yaml",
            "-n",
            "16",
            "--quiet",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("design external-1 skipped: control_plane.etcd_nodes: required"),
        "{stderr}"
    );
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.starts_with("study topology (tests/studies/topology.yaml)"),
        "{table}"
    );
    assert!(table.contains("not run: 5 invalid designs"), "{table}");
    assert!(
        table.contains("  external-7: control_plane.etcd_nodes:"),
        "{table}"
    );

    let out = kubenines()
        .args([
            "compare",
            "tests/studies/topology.yaml",
            "-n",
            "16",
            "--quiet",
            "-o",
            "json",
        ])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let invalid = v["invalid_designs"].as_array().expect("list");
    assert_eq!(invalid.len(), 5);
    assert_eq!(invalid[0]["name"], "external-1");
    assert_eq!(invalid[0]["settings"]["control_plane.topology"], "external");
    assert!(
        invalid[0]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("control_plane.etcd_nodes:"))
    );
    // No costs in this study: no frontier.
    for d in v["designs"].as_array().expect("designs") {
        assert_eq!(d["monthly_cost"], Value::Null);
        assert_eq!(d["pareto_frontier"], false);
    }
    // The flags override the study.
    assert_eq!(v["replications"], 16);
    assert_eq!(v["baseline"], "stacked-1");
}

#[test]
fn compare_study_exit_codes() {
    // A bad study file: 2, with file:line: key.
    let t = TempStudy::new(
        "cli-bad",
        &format!(
            "study: s\nbase: {}\nmatrix:\n  control_plane.nodes: []\n",
            stacked_3()
        ),
    );
    let out = kubenines()
        .args(["compare", &t.path.display().to_string(), "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with(&format!(
            "error: {}:4:3: matrix.control_plane.nodes: no values",
            t.path.display()
        )),
        "{stderr}"
    );
    // Every design invalid: 2, with the list.
    let t = TempStudy::new(
        "cli-all-invalid",
        &format!(
            "study: s\nbase: {}\nmatrix:\n  control_plane.topology: [external]\n  control_plane.nodes: [1, 3]\n",
            stacked_3()
        ),
    );
    let out = kubenines()
        .args(["compare", &t.path.display().to_string(), "--quiet"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("design external-1 skipped")
            && stderr.contains("design external-3 skipped")
            && stderr.contains("error: no valid design"),
        "{stderr}"
    );
    // A study among scenario files, or alone with a baseline it lacks: 2.
    for args in [
        vec!["tests/studies/topology.yaml", "scenarios/stacked-3.yaml"],
        vec!["scenarios/stacked-3.yaml", "tests/studies/topology.yaml"],
        vec!["tests/studies/topology.yaml", "--baseline", "external-3"],
        vec!["tests/studies/topology.yaml", "--indicator", "workload/web"],
        vec!["scenarios/stacked-3.yaml"],
        vec!["scenarios/missing.yaml"],
    ] {
        let out = kubenines()
            .arg("compare")
            .args(&args)
            .args(["-n", "8", "--quiet"])
            .output()
            .expect("runs");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("error"),
            "{args:?}"
        );
    }
}

#[test]
fn validate_and_schema_know_studies() {
    let out = kubenines()
        .args([
            "validate",
            "tests/studies/topology.yaml",
            "scenarios/stacked-3.yaml",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("ok: tests/studies/topology.yaml (study topology: 5 designs, 5 invalid)"),
        "{stdout}"
    );
    let out = kubenines()
        .args(["schema", "--study"])
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["title"], "kubenines study");
}

#[test]
fn effective_yaml_is_readable_block_yaml() {
    let s = load_study(&root().join("tests/studies/control-plane.yaml")).expect("loads");
    let d = s
        .designs
        .iter()
        .find(|d| d.name == "external-3x5")
        .expect("design");
    println!("{}", d.effective_yaml);
    let y = &d.effective_yaml;
    assert!(y.starts_with("name: external-3x5\ndescription: "), "{y}");
    assert!(y.contains("\n  topology: external\n"), "{y}");
    assert!(y.contains("\n  etcd_nodes: 5\n"), "{y}");
    assert!(
        y.contains("\n  etcd_node:\n    failure: weibull(shape=0.8, mean=4y)\n"),
        "{y}"
    );
    assert!(y.contains("\ncost:\n  control_plane: 120\n"), "{y}");
}

#[test]
fn sweep_series_are_the_other_settings() {
    let s = study(
        "series",
        &format!(
            "study: series\nbase: {}\ndesigns:\n  - name: \"s{{control_plane.nodes}}-{{control_plane.node.repair.median}}\"\n    matrix: {{ control_plane.nodes: [5, 3] }}\n    sweep: {{ key: control_plane.node.repair.median, from: 2h, to: 10m, steps: 3 }}\n  - name: \"lb-{{control_plane.load_balancer.repair.median}}\"\n    sweep: {{ key: control_plane.load_balancer.repair.median, from: 1m, to: 3m, steps: 3 }}\n",
            stacked_3()
        ),
    );
    assert_eq!(
        names(&s),
        [
            "s5-2h", "s5-1h5m", "s5-10m", "s3-2h", "s3-1h5m", "s3-10m", "lb-1m", "lb-2m", "lb-3m"
        ]
    );
    assert_eq!(s.sweeps.len(), 2);
    let repair = &s.sweeps[0];
    assert_eq!(repair.key, "control_plane.node.repair.median");
    assert!(!repair.log_x);
    assert_eq!(
        repair.series,
        [
            ("control_plane.nodes=5".to_string(), vec![2, 1, 0]),
            ("control_plane.nodes=3".to_string(), vec![5, 4, 3])
        ]
    );
    assert_eq!(s.designs[1].sweep_x, [(0, 65.0)]);
    let lb = &s.sweeps[1];
    assert_eq!(
        lb.series,
        [(
            "control_plane.load_balancer.repair.median".to_string(),
            vec![6, 7, 8]
        )]
    );
    assert_eq!(s.designs[7].sweep_x, [(1, 2.0)]);
}
