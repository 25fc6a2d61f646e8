//! Scenario loading through the library API: every class of bad input gets an
//! error that names the file, the key and (for YAML and JSON) the line, and the
//! shipped scenarios load.
//!
//! Expected lines and columns are computed from each test's own input text
//! (the line that holds the offending key or value), never pasted from a run.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kubenines::model::{LoadBalancerKind as ModelLbKind, Model, Wiring as ModelWiring};
use kubenines::scenario::{
    AntiAffinity, Autoscaler, ChangeTarget, DataMetric, Distribution, Format, HealthCheck,
    LoadBalancerKind, MAX_FILE_BYTES, NodeCapacity, Precision, Replacement, Resources, Scenario,
    ScenarioError, Slo, Topology, Volume, Wiring, WorkloadKind, YEAR_SECONDS, json_schema, load,
    parse_str, parse_str_all,
};

/// A valid scenario the tests break one key at a time (stacked-3 with an
/// explicit placement).
const BASE: &str = "\
name: base
description: a valid scenario that each test breaks in one place

simulation:
  horizon: 10y
  replications: 2000
  seed: 1

zones:
  count: 3
  failure: exponential(mean=5y)
  repair: lognormal(median=4h, sigma=1.2)

control_plane:
  topology: stacked
  nodes: 3
  placement: [1, 2, 3]
  node:
    failure: weibull(shape=0.8, mean=2y)
    repair: lognormal(median=30m, sigma=1.0)
  etcd:
    election: uniform(min=1s, max=2s)
  leader_election:
    lease_duration: 15s
    renew_deadline: 10s
    retry_period: 2s
  load_balancer:
    failure: exponential(mean=1y)
    repair: lognormal(median=5m, sigma=0.8)
";

const FILE: &str = "test.yaml";

/// `BASE` with `from` (which must occur exactly once) replaced by `to`.
fn edit(from: &str, to: &str) -> String {
    assert_eq!(
        BASE.matches(from).count(),
        1,
        "{from:?} must occur once in BASE"
    );
    BASE.replacen(from, to, 1)
}

fn yaml_error(text: &str) -> ScenarioError {
    match parse_str(text, FILE, Format::Yaml) {
        Ok(s) => panic!("expected an error, loaded {s:?}"),
        Err(e) => e,
    }
}

/// The 1-based number of the one line of `text` that contains `needle`.
fn line_of(text: &str, needle: &str) -> u32 {
    let hits: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
        .collect();
    assert_eq!(
        hits.len(),
        1,
        "{needle:?} must be on exactly one line: {hits:?}"
    );
    u32::try_from(hits[0]).unwrap()
}

/// The 1-based column where `needle` starts on its (single) line.
fn column_of(text: &str, needle: &str) -> u32 {
    let line = text.lines().find(|l| l.contains(needle)).unwrap();
    let byte = line.find(needle).unwrap();
    u32::try_from(line[..byte].chars().count() + 1).unwrap()
}

/// Asserts the file, the key, and that the error is on the line holding `at`.
#[track_caller]
fn assert_error(err: &ScenarioError, text: &str, key: &str, at: &str) {
    assert_eq!(err.file, FILE, "{err}");
    assert_eq!(err.key.as_deref(), Some(key), "{err}");
    assert_eq!(err.line, Some(line_of(text, at)), "{err}");
    assert!(err.column.is_some(), "{err}");
}

#[test]
fn base_is_valid() {
    let s = parse_str(BASE, FILE, Format::Yaml).unwrap();
    assert_eq!(s.name, "base");
    assert_eq!(s.source, FILE);
    assert_eq!(s.control_plane.placement, vec![0, 1, 2]);
}

#[test]
fn unknown_key_at_top_level() {
    let text = format!("{BASE}colour: blue\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "colour", "colour: blue");
    assert_eq!(err.column, Some(1));
    assert!(err.message.starts_with("unknown key `colour`"), "{err}");
    assert!(
        err.message.contains("`control_plane`"),
        "lists the keys: {err}"
    );
}

#[test]
fn unknown_key_nested_suggests_the_right_one() {
    let text = edit("    renew_deadline: 10s", "    renew_deadlin: 10s");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.leader_election.renew_deadlin",
        "renew_deadlin:",
    );
    assert_eq!(err.column, Some(column_of(&text, "renew_deadlin")));
    assert!(
        err.message.contains("did you mean `renew_deadline`?"),
        "{err}"
    );
}

#[test]
fn unknown_key_in_a_load_balancer_mapping() {
    let text = edit(
        "    repair: lognormal(median=5m, sigma=0.8)",
        "    repair: lognormal(median=5m, sigma=0.8)\n    mttr: 5m",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.load_balancer.mttr", "mttr:");
}

#[test]
fn wrong_type_string_for_a_number() {
    let text = edit("replications: 2000", "replications: lots");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.replications", "replications: lots");
    assert_eq!(err.column, Some(column_of(&text, "lots")));
    assert!(
        err.message.contains("whole number") && err.message.contains("`lots`"),
        "{err}"
    );
}

#[test]
fn wrong_type_list_for_a_string() {
    let text = edit("name: base", "name: [a, b]");
    let err = yaml_error(&text);
    assert_error(&err, &text, "name", "name: [a, b]");
}

#[test]
fn zero_nodes() {
    let text = edit("  nodes: 3\n  placement: [1, 2, 3]\n", "  nodes: 0\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.nodes", "nodes: 0");
    assert!(err.message.contains("at least 1"), "{err}");
}

#[test]
fn too_many_nodes() {
    let text = edit(
        "  nodes: 3\n  placement: [1, 2, 3]\n",
        "  nodes: 3000000000\n",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.nodes", "nodes: 3000000000");
}

#[test]
fn negative_weibull_shape() {
    let text = edit("shape=0.8, mean=2y", "shape=-0.8, mean=2y");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.node.failure", "shape=-0.8");
    assert_eq!(err.column, Some(column_of(&text, "weibull(shape=-0.8")));
    assert!(err.message.contains("`shape` must be > 0"), "{err}");
}

#[test]
fn horizon_zero() {
    let text = edit("horizon: 10y", "horizon: 0");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.horizon", "horizon: 0");
    assert!(err.message.contains("greater than 0"), "{err}");
}

#[test]
fn horizon_negative() {
    let text = edit("horizon: 10y", "horizon: -10y");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.horizon", "horizon: -10y");
    assert!(err.message.contains("negative"), "{err}");
}

#[test]
fn bare_number_duration() {
    let text = edit("lease_duration: 15s", "lease_duration: 15");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.leader_election.lease_duration",
        "lease_duration: 15",
    );
    assert!(err.message.contains("`15` has no unit"), "{err}");
}

#[test]
fn bare_number_distribution() {
    let text = edit("repair: lognormal(median=4h, sigma=1.2)", "repair: 4");
    let err = yaml_error(&text);
    assert_error(&err, &text, "zones.repair", "repair: 4");
    assert!(err.message.contains("no unit"), "{err}");
}

#[test]
fn integer_zero_is_fixed_zero() {
    let text = edit("repair: lognormal(median=4h, sigma=1.2)", "repair: 0");
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    assert_eq!(s.zones.repair, Distribution::Fixed(0.0));
}

#[test]
fn unknown_unit() {
    let text = edit("horizon: 10y", "horizon: 10yrs");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.horizon", "horizon: 10yrs");
    assert!(err.message.contains("unknown unit `yrs`"), "{err}");
    assert!(err.message.contains("expected"), "{err}");
}

#[test]
fn placement_zone_that_does_not_exist() {
    let text = edit("placement: [1, 2, 3]", "placement: [1, 2, 4]");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.placement[2]",
        "placement: [1, 2, 4]",
    );
    assert_eq!(err.column, Some(column_of(&text, "4]")));
    assert_eq!(err.message, "zone 4 does not exist (zones.count is 3)");
}

#[test]
fn placement_zone_zero() {
    let text = edit(
        "placement: [1, 2, 3]",
        "placement:\n    - 0\n    - 1\n    - 2",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.placement[0]", "- 0");
    assert!(err.message.contains("numbered from 1"), "{err}");
}

#[test]
fn placement_of_the_wrong_length() {
    let text = edit("placement: [1, 2, 3]", "placement: [1, 2]");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.placement", "placement: [1, 2]");
    assert!(
        err.message.contains("2 entries") && err.message.contains("`nodes` is 3"),
        "{err}"
    );
}

#[test]
fn missing_distribution_parameter() {
    let text = edit("weibull(shape=0.8, mean=2y)", "weibull(shape=0.8)");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.node.failure",
        "weibull(shape=0.8)",
    );
    assert!(
        err.message.contains("needs parameter `mean` (or `scale`)"),
        "{err}"
    );
}

#[test]
fn unknown_distribution() {
    let text = edit("exponential(mean=5y)", "poisson(mean=5y)");
    let err = yaml_error(&text);
    assert_error(&err, &text, "zones.failure", "poisson(mean=5y)");
    assert!(
        err.message.contains("unknown distribution `poisson`"),
        "{err}"
    );
}

#[test]
fn missing_repair_points_at_the_host_spec() {
    let text = edit("    repair: lognormal(median=30m, sigma=1.0)\n", "");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.node.repair", "  node:");
    assert!(err.message.contains("`failure` is not `never`"), "{err}");
}

#[test]
fn missing_zone_repair() {
    let text = edit("  repair: lognormal(median=4h, sigma=1.2)\n", "");
    let err = yaml_error(&text);
    assert_error(&err, &text, "zones.repair", "zones:");
}

#[test]
fn missing_load_balancer_says_how_to_write_none() {
    let text = edit(
        "  load_balancer:\n    failure: exponential(mean=1y)\n    repair: lognormal(median=5m, sigma=0.8)\n",
        "",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.load_balancer", "control_plane:");
    assert!(err.message.contains("`load_balancer: none`"), "{err}");
}

#[test]
fn load_balancer_none_and_nonsense() {
    let lb = "  load_balancer:\n    failure: exponential(mean=1y)\n    repair: lognormal(median=5m, sigma=0.8)\n";
    let s = parse_str(&edit(lb, "  load_balancer: none\n"), FILE, Format::Yaml).unwrap();
    assert_eq!(s.control_plane.load_balancer, None);
    let text = edit(lb, "  load_balancer: haproxy\n");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer",
        "load_balancer: haproxy",
    );
}

#[test]
fn stacked_with_etcd_nodes() {
    let text = edit("  nodes: 3\n", "  nodes: 3\n  etcd_nodes: 3\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.etcd_nodes", "etcd_nodes: 3");
    assert!(
        err.message.contains("only for `topology: external`"),
        "{err}"
    );
}

#[test]
fn external_without_etcd_nodes() {
    let text = edit("topology: stacked", "topology: external");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.etcd_nodes", "control_plane:");
    assert!(
        err.message.contains("required for `topology: external`"),
        "{err}"
    );
}

#[test]
fn unknown_topology() {
    let text = edit("topology: stacked", "topology: stackd");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.topology", "topology: stackd");
    assert!(
        err.message.contains("stacked") && err.message.contains("external"),
        "{err}"
    );
}

#[test]
fn bad_name() {
    for bad in ["Stacked_3", "stacked 3", "\"\""] {
        let text = edit("name: base", &format!("name: {bad}"));
        let err = yaml_error(&text);
        assert_error(&err, &text, "name", "name: ");
        assert!(
            err.message.contains("[a-z0-9-]") || err.message.contains("lower-case"),
            "{err}"
        );
    }
}

#[test]
fn renew_deadline_not_below_lease_duration() {
    for renew in ["15s", "20s"] {
        let text = edit("renew_deadline: 10s", &format!("renew_deadline: {renew}"));
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            "control_plane.leader_election.renew_deadline",
            &format!("renew_deadline: {renew}"),
        );
        assert!(
            err.message.contains("must be greater than renew_deadline"),
            "{err}"
        );
    }
}

#[test]
fn renew_deadline_not_above_jittered_retry_period() {
    // 1.2 × 9s = 10.8s >= 10s: client-go refuses this.
    let text = edit("retry_period: 2s", "retry_period: 9s");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.leader_election.renew_deadline",
        "renew_deadline: 10s",
    );
    assert!(err.message.contains("1.2 × retry_period"), "{err}");
}

#[test]
fn zero_replications() {
    let text = edit("replications: 2000", "replications: 0");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.replications", "replications: 0");
}

#[test]
fn missing_required_key() {
    let text = edit("  horizon: 10y\n", "");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.horizon", "simulation:");
    assert_eq!(err.message, "missing required key `horizon`");
}

#[test]
fn duplicate_key() {
    let text = edit("  seed: 1\n", "  seed: 1\n  seed: 2\n");
    let err = yaml_error(&text);
    assert_eq!(err.line, Some(line_of(&text, "seed: 2")), "{err}");
    assert!(err.message.contains("duplicate"), "{err}");
}

#[test]
fn failure_with_no_up_time() {
    let text = edit("failure: exponential(mean=1y)", "failure: fixed(0s)");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer.failure",
        "failure: fixed(0s)",
    );
}

#[test]
fn alias_bomb_fails_fast() {
    // The classic "billion laughs": nine levels of nine aliases each.
    let mut bomb =
        String::from("name: bomb\nlol: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for (prev, next) in "abcdefgh".chars().zip("bcdefghi".chars()) {
        let refs = vec![format!("*{prev}"); 9].join(", ");
        bomb.push_str(&format!("l{next}: &{next} [{refs}]\n"));
    }
    let start = Instant::now();
    let err = yaml_error(&bomb);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );
    assert_eq!(err.file, FILE);

    // A flood of aliases where the loader does read them trips the alias
    // budget, with a message that says so.
    let refs = vec!["*z"; 1000].join(", ");
    let text = edit(
        "  nodes: 3\n  placement: [1, 2, 3]\n",
        &format!("  nodes: &z 3\n  placement: [{refs}]\n"),
    );
    let start = Instant::now();
    let err = yaml_error(&text);
    assert!(
        start.elapsed() < Duration::from_secs(1),
        "took {:?}",
        start.elapsed()
    );
    assert!(
        err.message.contains("too large or too complex") && err.message.contains("aliases"),
        "{err}"
    );
    assert_eq!(err.line, Some(line_of(&text, "placement:")), "{err}");
}

#[test]
fn a_few_aliases_are_fine() {
    let text = edit(
        "failure: exponential(mean=5y)",
        "failure: &outage exponential(mean=5y)",
    )
    .replace("failure: exponential(mean=1y)", "failure: *outage");
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    let lb = s.control_plane.load_balancer.unwrap();
    assert_eq!(
        lb.failure,
        Distribution::Exponential {
            mean: 5.0 * YEAR_SECONDS
        }
    );
    assert_eq!(lb.failure, s.zones.failure);
}

fn temp_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kubenines-test-{}-{name}", std::process::id()))
}

#[test]
fn file_too_large() {
    let path = temp_path("large.yaml");
    let padding = "#".repeat(MAX_FILE_BYTES);
    std::fs::write(&path, format!("{BASE}{padding}\n")).unwrap();
    let err = load(&path).unwrap_err();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(err.file, path.display().to_string());
    assert_eq!((err.line, err.key.as_deref()), (None, None), "{err}");
    assert!(
        err.message.contains("limited to") && err.message.contains("1 MiB"),
        "{err}"
    );

    // The same limit holds for text handed to parse_str.
    let err = parse_str(&format!("{BASE}{padding}\n"), FILE, Format::Yaml).unwrap_err();
    assert!(err.message.contains("1 MiB"), "{err}");
}

#[test]
fn unknown_extension() {
    for name in ["scenario.txt", "scenario", "scenario.yaml.bak"] {
        let err = load(Path::new(name)).unwrap_err();
        assert_eq!(err.file, name);
        assert_eq!((err.line, err.key.as_deref()), (None, None), "{err}");
        assert!(err.message.contains(".yaml, .yml, .toml or .json"), "{err}");
    }
}

#[test]
fn missing_file() {
    let err = load(Path::new("does/not/exist.yaml")).unwrap_err();
    assert_eq!(err.file, "does/not/exist.yaml");
    assert!(err.message.starts_with("cannot read"), "{err}");
}

#[test]
fn load_reads_yaml_yml_toml_json_by_extension() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let yml = temp_path("copy.yml");
    std::fs::copy(dir.join("scenarios/stacked-3.yaml"), &yml).unwrap();
    let from_yml = load(&yml);
    std::fs::remove_file(&yml).unwrap();
    assert_eq!(from_yml.unwrap().name, "stacked-3");
    assert!(load(&dir.join("tests/data/stacked-3.toml")).is_ok());
    assert!(load(&dir.join("tests/data/stacked-3.json")).is_ok());
}

#[test]
fn display_is_file_line_column_key_message() {
    let text = edit("placement: [1, 2, 3]", "placement: [1, 2, 4]");
    let err = yaml_error(&text);
    let line = line_of(&text, "placement:");
    let column = column_of(&text, "4]");
    assert_eq!(
        err.to_string(),
        format!(
            "{FILE}:{line}:{column}: control_plane.placement[2]: zone 4 does not exist (zones.count is 3)"
        )
    );
}

// ---- Precision targets -----------------------------------------------------

/// `BASE` with `replications` replaced by the precision mapping `keys`.
fn with_precision(keys: &str) -> String {
    edit(
        "  replications: 2000\n",
        &format!("  precision: {{ {keys} }}\n"),
    )
}

const TARGET: &str = "indicator: api, relative_half_width: 0.05, max_replications: 1000000";

#[test]
fn precision_loads_with_max_replications_as_the_count() {
    let s = yaml_ok(&with_precision(TARGET));
    assert_eq!(s.simulation.replications, 1_000_000);
    assert_eq!(
        s.simulation.precision,
        Some(Precision {
            indicator: "api".into(),
            relative_half_width: 0.05,
            batch: 1024,
        })
    );
    // Block style, a percentage and an explicit batch.
    let text = edit(
        "  replications: 2000\n",
        "  precision:\n    indicator: etcd\n    relative_half_width: 2.5%\n    max_replications: 5000\n    batch: 512\n",
    );
    let s = yaml_ok(&text);
    assert_eq!(s.simulation.replications, 5000);
    assert_eq!(
        s.simulation.precision,
        Some(Precision {
            indicator: "etcd".into(),
            relative_half_width: 0.025,
            batch: 512,
        })
    );
    // A batch larger than max_replications is fine: the only check is then at the end.
    let s = yaml_ok(&with_precision(
        "indicator: api, relative_half_width: 5%, max_replications: 300, batch: 4096",
    ));
    assert_eq!(s.simulation.precision.map(|p| p.batch), Some(4096));
    // A fixed count has no target.
    assert_eq!(yaml_ok(BASE).simulation.precision, None);
}

#[test]
fn precision_and_replications_both_given() {
    let text = edit(
        "  seed: 1\n",
        &format!("  seed: 1\n  precision: {{ {TARGET} }}\n"),
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.precision", "precision:");
    assert!(
        err.message
            .contains("`replications` and `precision` are alternatives, give one"),
        "{err}"
    );
}

#[test]
fn neither_precision_nor_replications() {
    let text = edit("  replications: 2000\n", "");
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.replications", "simulation:");
    assert!(
        err.message.contains("give `replications`") && err.message.contains("`precision`"),
        "{err}"
    );
}

#[test]
fn precision_indicator_is_one_the_run_reports() {
    let text =
        with_precision("indicator: workload/db, relative_half_width: 0.05, max_replications: 1000");
    let text = format!(
        "{text}workers:\n  nodes: 3\n  node: {{ failure: never }}\n\
         workloads:\n  - name: web\n    replicas: 2\n"
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.precision.indicator", "precision:");
    assert_eq!(err.column, Some(column_of(&text, "indicator:")), "{err}");
    assert!(
        err.message
            .starts_with("`workload/db` is not an indicator this scenario reports")
            && err
                .message
                .contains("use one of `etcd`, `api`, `control_plane`, `workload/web`"),
        "{err}"
    );
    // The workload's own indicator is accepted.
    let s = yaml_ok(&text.replace("workload/db", "workload/web"));
    assert_eq!(
        s.simulation.precision.map(|p| p.indicator).as_deref(),
        Some("workload/web")
    );
}

#[test]
fn precision_relative_half_width_in_zero_one() {
    for (written, needle) in [
        ("0", "0 is not a relative half-width"),
        ("0%", "0% is not a relative half-width"),
        ("1", "above 0 and below 1"),
        ("1.5", "1.5 is not a relative half-width"),
        ("-0.1", "-0.1 is not a relative half-width"),
        ("100%", "100% is not a relative half-width"),
        ("5", "for a percentage write `5%`"),
        (".nan", "not a finite number"),
        ("wide", "`wide` is not a percentage; write one such as `5%`"),
    ] {
        let text = with_precision(&format!(
            "indicator: api, relative_half_width: {written}, max_replications: 1000"
        ));
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            "simulation.precision.relative_half_width",
            "precision:",
        );
        assert!(err.message.contains(needle), "{written}: {err}");
    }
}

#[test]
fn precision_relative_half_width_as_a_percentage() {
    for (written, value) in [
        ("\"5%\"", 0.05),
        ("5%", 0.05),
        ("0.5 %", 0.005),
        ("0.05", 0.05),
    ] {
        let s = yaml_ok(&with_precision(&format!(
            "indicator: api, relative_half_width: {written}, max_replications: 1000"
        )));
        assert_eq!(
            s.simulation.precision.map(|p| p.relative_half_width),
            Some(value),
            "{written}"
        );
    }
}

#[test]
fn precision_max_replications_from_one_to_a_hundred_million() {
    for (written, needle) in [
        ("0", "must be at least 1"),
        ("100000001", "100000001 is more than kubenines runs"),
    ] {
        let text = with_precision(&format!(
            "indicator: api, relative_half_width: 0.05, max_replications: {written}"
        ));
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            "simulation.precision.max_replications",
            "precision:",
        );
        assert!(err.message.contains(needle), "{written}: {err}");
    }
    let s = yaml_ok(&with_precision(
        "indicator: api, relative_half_width: 0.05, max_replications: 100000000",
    ));
    assert_eq!(s.simulation.replications, 100_000_000);
    let s = yaml_ok(&with_precision(
        "indicator: api, relative_half_width: 0.05, max_replications: 1",
    ));
    assert_eq!(s.simulation.replications, 1);
}

#[test]
fn precision_batch_is_a_multiple_of_the_block() {
    for (written, suggested) in [("100", "`256`"), ("0", "`256`"), ("1000", "`1024`")] {
        let text = with_precision(&format!("{TARGET}, batch: {written}"));
        let err = yaml_error(&text);
        assert_error(&err, &text, "simulation.precision.batch", "precision:");
        assert_eq!(err.column, Some(column_of(&text, "batch:")), "{err}");
        assert!(
            err.message
                .starts_with(&format!("{written} is not a positive multiple of 256"))
                && err.message.contains(suggested),
            "{written}: {err}"
        );
    }
}

#[test]
fn precision_unknown_and_missing_keys() {
    let text = with_precision(&format!("{TARGET}, bacth: 512"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "simulation.precision.bacth", "precision:");
    assert_eq!(err.column, Some(column_of(&text, "bacth")), "{err}");
    assert!(
        err.message
            .starts_with("unknown key `bacth` (did you mean `batch`?)")
            && err.message.contains(
                "expected one of `indicator`, `relative_half_width`, `max_replications`, `batch`"
            ),
        "{err}"
    );
    let text = with_precision("indicator: api, relative_half_width: 0.05");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "simulation.precision.max_replications",
        "precision:",
    );
    assert_eq!(err.message, "missing required key `max_replications`");
}

#[test]
fn precision_in_toml_and_json() {
    let toml = data("stacked-3.toml");
    let text = toml.replacen(
        "replications = 2000",
        "precision = { indicator = \"api\", relative_half_width = \"5%\", max_replications = 4096 }",
        1,
    );
    let s = parse_str(&text, "s.toml", Format::Toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.simulation.replications, 4096);
    assert_eq!(
        s.simulation.precision.map(|p| p.relative_half_width),
        Some(0.05)
    );
    let bad = text.replacen(
        "max_replications = 4096",
        "max_replications = 4096, batch = 300",
        1,
    );
    let err = parse_str(&bad, "s.toml", Format::Toml).unwrap_err();
    assert_eq!(
        err.key.as_deref(),
        Some("simulation.precision.batch"),
        "{err}"
    );
    assert_eq!(err.line, Some(line_of(&bad, "batch = 300")), "{err}");

    let json = data("stacked-3.json");
    let text = json.replacen(
        "\"replications\": 2000",
        "\"replications\": 2000,\n    \"precision\": {\"indicator\": \"api\", \"relative_half_width\": 0.05, \"max_replications\": 10}",
        1,
    );
    let err = parse_str(&text, "s.json", Format::Json).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("simulation.precision"), "{err}");
    assert_eq!(err.line, Some(line_of(&text, "\"precision\"")), "{err}");
    assert_eq!(err.column, Some(column_of(&text, "\"precision\"")), "{err}");
    let text = text.replacen("\"replications\": 2000,", "", 1);
    let s = parse_str(&text, "s.json", Format::Json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.simulation.replications, 10);
}

// ---- JSON and TOML ---------------------------------------------------------

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn json_errors_have_lines() {
    let json = data("stacked-3.json");

    let text = json.replacen("\"seed\": 1", "\"seed\": 1, \"sede\": 2", 1);
    let err = parse_str(&text, "s.json", Format::Json).unwrap_err();
    assert_eq!(err.file, "s.json");
    assert_eq!(err.key.as_deref(), Some("simulation.sede"), "{err}");
    assert_eq!(err.line, Some(line_of(&text, "\"sede\"")), "{err}");
    assert_eq!(err.column, Some(column_of(&text, "\"sede\"")), "{err}");

    let text = json.replacen("\"replications\": 2000", "\"replications\": \"many\"", 1);
    let err = parse_str(&text, "s.json", Format::Json).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("simulation.replications"), "{err}");
    assert_eq!(err.line, Some(line_of(&text, "\"many\"")), "{err}");

    // Semantic errors are located too.
    let text = json.replacen(
        "\"nodes\": 3,",
        "\"nodes\": 3,\n    \"placement\": [1, 5, 3],",
        1,
    );
    let err = parse_str(&text, "s.json", Format::Json).unwrap_err();
    assert_eq!(
        err.key.as_deref(),
        Some("control_plane.placement[1]"),
        "{err}"
    );
    assert_eq!(err.line, Some(line_of(&text, "\"placement\"")), "{err}");
    assert_eq!(err.column, Some(column_of(&text, "5, 3]")), "{err}");

    let err = parse_str("{\"name\": \"x\",", "s.json", Format::Json).unwrap_err();
    assert_eq!(err.line, Some(1), "{err}");
}

#[test]
fn toml_errors_have_lines() {
    let toml = data("stacked-3.toml");

    let text = toml.replacen("seed = 1", "seed = 1\nsede = 2", 1);
    let err = parse_str(&text, "s.toml", Format::Toml).unwrap_err();
    assert_eq!(err.file, "s.toml");
    assert_eq!(err.key.as_deref(), Some("simulation.sede"), "{err}");
    assert_eq!(err.line, Some(line_of(&text, "sede = 2")), "{err}");

    let text = toml.replacen("horizon = \"10y\"", "horizon = 10", 1);
    let err = parse_str(&text, "s.toml", Format::Toml).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("simulation.horizon"), "{err}");
    assert_eq!(err.line, Some(line_of(&text, "horizon = 10")), "{err}");
    assert!(err.message.contains("no unit"), "{err}");

    let text = toml.replacen("nodes = 3", "nodes = 3\nplacement = [1, 2, 7]", 1);
    let err = parse_str(&text, "s.toml", Format::Toml).unwrap_err();
    assert_eq!(
        err.key.as_deref(),
        Some("control_plane.placement[2]"),
        "{err}"
    );
    assert_eq!(err.line, Some(line_of(&text, "placement = ")), "{err}");

    let err = parse_str("name = ", "s.toml", Format::Toml).unwrap_err();
    assert_eq!(err.line, Some(1), "{err}");
}

#[test]
fn toml_and_json_load_to_the_same_scenario_as_yaml() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let without_source = |mut s: Scenario| {
        s.source = String::new();
        s
    };
    let yaml = without_source(load(&root.join("scenarios/stacked-3.yaml")).unwrap());
    let toml = without_source(load(&root.join("tests/data/stacked-3.toml")).unwrap());
    let json = without_source(load(&root.join("tests/data/stacked-3.json")).unwrap());
    assert_eq!(toml, yaml);
    assert_eq!(json, yaml);
}

// ---- Shipped scenarios -----------------------------------------------------

fn shipped() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_shipped_scenario_loads() {
    let files = shipped();
    assert!(files.len() >= 13, "{files:?}");
    for path in files {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.name, name, "the name matches the file name");
        assert_eq!(s.source, path.display().to_string());
        assert!(s.warnings.is_empty(), "{name}: {:?}", s.warnings);
    }
}

#[test]
fn the_family_shares_the_assumptions_of_stacked_3() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let reference = load(&dir.join("stacked-3.yaml")).unwrap();
    let etcd_reference = load(&dir.join("external-3x3.yaml")).unwrap();
    let etcd_node = etcd_reference.control_plane.etcd_hosts.unwrap().node;
    let family = [
        ("stacked-1", 1, None),
        ("stacked-3", 3, None),
        ("stacked-5", 5, None),
        ("stacked-7", 7, None),
        ("external-2x3", 2, Some(3)),
        ("external-2x5", 2, Some(5)),
        ("external-3x3", 3, Some(3)),
        ("external-3x5", 3, Some(5)),
        ("external-5x3", 5, Some(3)),
        ("external-5x5", 5, Some(5)),
    ];
    for (name, nodes, etcd) in family {
        let s = load(&dir.join(format!("{name}.yaml"))).unwrap();
        assert!(
            s.description.as_deref().is_some_and(|d| d.len() > 100),
            "{name} describes itself"
        );
        assert_eq!(s.simulation, reference.simulation, "{name}");
        assert_eq!(s.zones, reference.zones, "{name}");
        assert_eq!(s.control_plane.node, reference.control_plane.node, "{name}");
        assert_eq!(
            s.control_plane.load_balancer, reference.control_plane.load_balancer,
            "{name}"
        );
        assert_eq!(s.control_plane.etcd, reference.control_plane.etcd, "{name}");
        assert_eq!(
            s.control_plane.leader_election, reference.control_plane.leader_election,
            "{name}"
        );
        assert_eq!(s.control_plane.nodes, nodes, "{name}");
        let round_robin: Vec<u32> = (0..nodes).map(|i| i % 3).collect();
        assert_eq!(s.control_plane.placement, round_robin, "{name}");
        match etcd {
            None => {
                assert_eq!(s.control_plane.topology, Topology::Stacked, "{name}");
                assert_eq!(s.control_plane.etcd_members(), nodes, "{name}");
            }
            Some(members) => {
                assert_eq!(s.control_plane.topology, Topology::External, "{name}");
                let hosts = s.control_plane.etcd_hosts.as_ref().unwrap();
                assert_eq!(hosts.nodes, members, "{name}");
                assert_eq!(hosts.node, etcd_node, "{name}");
                let round_robin: Vec<u32> = (0..members).map(|i| i % 3).collect();
                assert_eq!(hosts.placement, round_robin, "{name}");
            }
        }
    }
}

#[test]
fn stacked_3_reads_as_written() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/stacked-3.yaml");
    let s = load(&path).unwrap();
    assert_eq!(s.simulation.horizon, 10.0 * YEAR_SECONDS);
    assert_eq!((s.simulation.replications, s.simulation.seed), (2000, 1));
    assert_eq!(s.zones.count, 3);
    assert_eq!(
        s.zones.failure,
        Distribution::Exponential {
            mean: 5.0 * YEAR_SECONDS
        }
    );
    let rel = |a: f64, b: f64| ((a - b) / b).abs();
    assert!(rel(s.control_plane.node.failure.mean(), 2.0 * YEAR_SECONDS) < 1e-12);
    assert_eq!(
        s.control_plane.node.repair,
        Distribution::LogNormal {
            mu: 1800f64.ln(),
            sigma: 1.0
        }
    );
    assert_eq!(
        s.control_plane.etcd.election,
        Distribution::Uniform { min: 1.0, max: 2.0 }
    );
    assert_eq!(s.control_plane.etcd_hosts, None);
}

#[test]
fn defaults_are_filled_in() {
    let text = "\
name: minimal
simulation: { horizon: 1y, replications: 1 }
control_plane:
  topology: external
  nodes: 4
  node: { failure: never }
  etcd_nodes: 5
  etcd_node: { failure: 'weibull(shape=2, scale=3y)', repair: 1h }
  load_balancer: none
";
    let s = parse_str(text, "m.yaml", Format::Yaml).unwrap();
    assert_eq!(s.simulation.seed, 0);
    assert_eq!(s.description, None);
    assert_eq!((s.zones.count, &s.zones.failure), (1, &Distribution::Never));
    assert_eq!(s.control_plane.placement, vec![0, 0, 0, 0]);
    assert_eq!(s.control_plane.node.repair, Distribution::Never);
    assert_eq!(
        s.control_plane.etcd.election,
        Distribution::Uniform { min: 1.0, max: 2.0 }
    );
    let le = &s.control_plane.leader_election;
    assert_eq!(
        (le.lease_duration, le.renew_deadline, le.retry_period),
        (15.0, 10.0, 2.0)
    );
    let etcd = s.control_plane.etcd_hosts.as_ref().unwrap();
    assert_eq!(etcd.placement, vec![0; 5]);
    assert_eq!(etcd.node.repair, Distribution::Fixed(3600.0));
    assert_eq!(s.control_plane.etcd_members(), 5);
}

#[test]
fn explicit_placement_is_converted_to_zero_based() {
    let text = edit("placement: [1, 2, 3]", "placement: [3, 3, 1]");
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    assert_eq!(s.control_plane.placement, vec![2, 2, 0]);
}

// ---- JSON Schema -----------------------------------------------------------

#[test]
fn schema_describes_what_loads() {
    let schema = json_schema();
    let text = serde_json::to_string(&schema).unwrap();
    let reparsed: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(reparsed, schema);
    assert!(
        schema["$schema"]
            .as_str()
            .is_some_and(|s| s.contains("json-schema.org"))
    );
    let required: Vec<&str> = schema["required"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(required.first(), Some(&"name"));
    assert!(required.contains(&"simulation") && required.contains(&"control_plane"));
    assert_eq!(schema["additionalProperties"], false);
    let properties = schema["properties"].as_object().unwrap();
    for key in [
        "workers",
        "workloads",
        "maintenance",
        "backups",
        "recovery",
        "disasters",
        "slos",
    ] {
        assert!(properties.contains_key(key), "`{key}` is in the schema");
    }
    let defs = &schema["$defs"];
    for (def, keys) in [
        (
            "Workers",
            &[
                "nodes",
                "placement",
                "node",
                "node_monitor_grace_period",
                "eviction_timeout",
            ][..],
        ),
        (
            "Workload",
            &[
                "name",
                "replicas",
                "min_available",
                "startup",
                "anti_affinity",
                "zone_spread",
                "max_unavailable",
                "host_spread",
                "manifest",
            ][..],
        ),
        ("Maintenance", &["interval", "duration"][..]),
        ("NodeSpec", &["failure", "repair", "disk_loss"][..]),
        ("Etcd", &["election", "member_replace"][..]),
        ("Backups", &["interval", "duration", "success"][..]),
        (
            "Recovery",
            &["detection", "force_new_cluster", "restore"][..],
        ),
        ("Disaster", &["name", "every"][..]),
        ("AvailabilitySlo", &["indicator", "availability"][..]),
        (
            "Simulation",
            &["horizon", "replications", "precision", "seed"][..],
        ),
        (
            "Precision",
            &[
                "indicator",
                "relative_half_width",
                "max_replications",
                "batch",
            ][..],
        ),
        ("DataLossSlo", &["metric", "quantile", "max"][..]),
        ("RequestSuccessSlo", &["indicator", "request_success"][..]),
    ] {
        assert_eq!(defs[def]["additionalProperties"], false, "{def}");
        assert!(
            defs[def]["description"].is_string(),
            "{def} has a description"
        );
        for key in keys {
            assert!(
                defs[def]["properties"][key]["description"].is_string(),
                "{def}.{key} has a description"
            );
        }
    }

    for path in shipped() {
        let text = std::fs::read_to_string(&path).unwrap();
        // Top-level keys are the unindented `key:` lines.
        for line in text.lines() {
            let Some((key, _)) = line.split_once(':') else {
                continue;
            };
            if line.starts_with(|c: char| c.is_ascii_alphabetic()) {
                assert!(
                    properties.contains_key(key),
                    "{}: `{key}` not in the schema",
                    path.display()
                );
            }
        }
    }
    // disk_loss is for control-plane and etcd hosts only.
    assert!(defs["HostSpec"]["properties"]["disk_loss"].is_null());
    assert_eq!(
        defs["ControlPlane"]["properties"]["node"]["$ref"],
        "#/$defs/NodeSpec"
    );
    assert_eq!(
        defs["Workers"]["properties"]["node"]["$ref"],
        "#/$defs/WorkerNodeSpec"
    );
    assert!(defs["WorkerNodeSpec"]["properties"]["disk_loss"].is_null());
    // `simulation` takes exactly one of `replications` and `precision`.
    assert_eq!(
        defs["Simulation"]["oneOf"],
        serde_json::json!([{ "required": ["replications"] }, { "required": ["precision"] }])
    );
    assert_eq!(
        defs["Simulation"]["required"],
        serde_json::json!(["horizon"])
    );
    assert_eq!(defs["Precision"]["properties"]["batch"]["multipleOf"], 256);
    // An SLO is one of three forms (availability, request success, data
    // loss); an availability is a percentage or a fraction.
    assert_eq!(defs["Slo"]["oneOf"].as_array().unwrap().len(), 3);
    assert!(defs["Fraction"]["description"].is_string());
    // The load balancer is a mapping or the string `none`.
    let cp = &schema["$defs"]["ControlPlane"]["properties"]["load_balancer"]["oneOf"];
    assert_eq!(cp[1]["const"], "none");
    let distribution = &schema["$defs"]["Distribution"];
    assert!(distribution["anyOf"][0]["pattern"].is_string());
    assert!(
        distribution["description"]
            .as_str()
            .unwrap()
            .contains("weibull(shape=K, mean=D)")
    );
}

/// In a YAML flow mapping a comma ends a plain value, so an unquoted
/// two-parameter distribution is cut short: the message says to quote it.
#[test]
fn unquoted_distribution_in_a_flow_mapping_gets_a_hint() {
    let text = BASE.replace(
        "  node:\n    failure: weibull(shape=0.8, mean=2y)\n    repair: lognormal(median=30m, sigma=1.0)\n",
        "  node: { failure: weibull(shape=0.8, mean=2y), repair: fixed(30m) }\n",
    );
    assert_ne!(text, BASE, "the fixture changed; update this test");
    let err = parse_str(&text, "flow.yaml", Format::Yaml).unwrap_err();
    assert!(err.message.contains("quote the distribution"), "{err}");
    assert_eq!(
        err.key.as_deref(),
        Some("control_plane.node.failure"),
        "{err}"
    );
    let line = text.lines().position(|l| l.contains("node: {")).unwrap() + 1;
    assert_eq!(err.line, Some(line as u32), "{err}");
}

// ---- Workers, workloads, maintenance ---------------------------------------

/// Six workers, two per zone of `BASE`'s three.
const WORKERS: &str = "\
workers:
  nodes: 6
  node:
    failure: weibull(shape=0.8, mean=3y)
    repair: lognormal(median=10m, sigma=1.0)
";

/// `BASE` with `WORKERS` and then `extra` appended.
fn with_workers(extra: &str) -> String {
    format!("{BASE}{WORKERS}{extra}")
}

/// `BASE` with a `workers` section of the given keys appended.
fn workers_with(keys: &str) -> String {
    format!("{BASE}workers:\n{keys}")
}

fn yaml_ok(text: &str) -> Scenario {
    parse_str(text, FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"))
}

/// Asserts that the scenario loaded with exactly one warning, at `key` on the
/// line holding `at`, whose message contains each of `needles`.
#[track_caller]
fn assert_warning(s: &Scenario, text: &str, key: &str, at: &str, needles: &[&str]) {
    assert_eq!(s.warnings.len(), 1, "{:#?}", s.warnings);
    let w = &s.warnings[0];
    assert_eq!(w.file, FILE, "{w}");
    assert_eq!(w.key, key, "{w}");
    assert_eq!(w.line, Some(line_of(text, at)), "{w}");
    assert!(w.column.is_some(), "{w}");
    for needle in needles {
        assert!(w.message.contains(needle), "lacks {needle:?}: {w}");
    }
}

#[test]
fn workers_workloads_and_maintenance_load_with_defaults() {
    let text = with_workers(
        "workloads:\n  - name: web\n    replicas: 3\nmaintenance:\n  interval: 30d\n  duration: 15m\n",
    );
    let s = yaml_ok(&text);
    let w = s.workers.as_ref().unwrap();
    assert_eq!(w.nodes, 6);
    assert_eq!(w.placement, vec![0, 1, 2, 0, 1, 2]);
    assert_eq!(
        w.node.repair.mean(),
        Distribution::parse("lognormal(median=10m, sigma=1.0)")
            .unwrap()
            .mean()
    );
    assert_eq!(
        (w.node_monitor_grace_period, w.eviction_timeout),
        (50.0, 300.0)
    );
    assert_eq!(s.workloads.len(), 1);
    let web = &s.workloads[0];
    assert_eq!(
        (web.name.as_str(), web.replicas, web.min_available),
        ("web", 3, 1)
    );
    assert_eq!(web.startup, Distribution::Fixed(0.0));
    assert_eq!(web.anti_affinity, AntiAffinity::None);
    assert_eq!(web.zone_spread, None);
    let m = s.maintenance.as_ref().unwrap();
    assert_eq!((m.interval, m.duration), (30.0 * 86_400.0, 900.0));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    // Without the keys, nothing is filled in.
    let s = yaml_ok(BASE);
    assert_eq!(
        (s.workers, s.workloads, s.maintenance),
        (None, vec![], None)
    );
}

#[test]
fn workers_and_workloads_read_as_written() {
    let text = workers_with(
        "  nodes: 4\n  placement: [3, 3, 1, 2]\n  node: { failure: never }\n  \
         node_monitor_grace_period: 1m\n  eviction_timeout: 2m\n\
         workloads:\n  - name: api-2\n    replicas: 4\n    min_available: 3\n    \
         startup: fixed(20s)\n    anti_affinity: zone\n    zone_spread: 2\n  \
         - { name: db, replicas: 2, anti_affinity: host }\n  \
         - { name: batch, replicas: 1, anti_affinity: none }\n",
    );
    let s = yaml_ok(&text);
    let w = s.workers.as_ref().unwrap();
    assert_eq!(w.placement, vec![2, 2, 0, 1]);
    assert_eq!(w.node.repair, Distribution::Never);
    assert_eq!(
        (w.node_monitor_grace_period, w.eviction_timeout),
        (60.0, 120.0)
    );
    let api = &s.workloads[0];
    assert_eq!((api.replicas, api.min_available), (4, 3));
    assert_eq!(api.startup, Distribution::Fixed(20.0));
    assert_eq!(api.anti_affinity, AntiAffinity::Zone);
    assert_eq!(api.zone_spread, Some(2));
    assert_eq!(s.workloads[1].anti_affinity, AntiAffinity::Host);
    assert_eq!(s.workloads[2].anti_affinity, AntiAffinity::None);
    // api-2 wants 4 replicas, one per zone, over 3 zones.
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
}

#[test]
fn workers_nodes_zero_and_too_many() {
    for (nodes, needle) in [("0", "at least 1"), ("1001", "1000 at most")] {
        let text = workers_with(&format!("  nodes: {nodes}\n  node: {{ failure: never }}\n"));
        let err = yaml_error(&text);
        assert_error(&err, &text, "workers.nodes", &format!("nodes: {nodes}"));
        assert!(err.message.contains(needle), "{err}");
    }
}

#[test]
fn workers_placement_zone_that_does_not_exist() {
    let text = workers_with("  nodes: 2\n  placement: [1, 4]\n  node: { failure: never }\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workers.placement[1]", "placement: [1, 4]");
    assert_eq!(err.column, Some(column_of(&text, "4]")));
    assert_eq!(err.message, "zone 4 does not exist (zones.count is 3)");
}

#[test]
fn workers_placement_of_the_wrong_length() {
    let text = workers_with("  nodes: 2\n  placement: [1]\n  node: { failure: never }\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workers.placement", "placement: [1]");
    assert!(err.message.contains("`nodes` is 2"), "{err}");
}

#[test]
fn workers_node_without_repair() {
    let text = workers_with("  nodes: 2\n  node: { failure: exponential(mean=9y) }\n");
    let err = yaml_error(&text);
    // `workers.node.repair` does not exist; the error points at its mapping.
    assert_error(&err, &text, "workers.node.repair", "mean=9y");
    assert!(err.message.contains("a worker node"), "{err}");
}

#[test]
fn workers_unknown_key_suggests_the_right_one() {
    let text = workers_with("  nodes: 2\n  node: { failure: never }\n  eviction_timout: 5m\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workers.eviction_timout", "eviction_timout:");
    assert!(
        err.message.contains("did you mean `eviction_timeout`?"),
        "{err}"
    );
}

#[test]
fn workloads_need_workers() {
    let text = format!("{BASE}workloads:\n  - name: web\n    replicas: 2\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads", "workloads:");
    assert!(err.message.contains("worker nodes"), "{err}");
    assert!(err.message.contains("tainted"), "{err}");
    assert!(err.message.contains("add `workers`"), "{err}");
    // An empty list asks for nothing.
    let s = yaml_ok(&format!("{BASE}workloads: []\n"));
    assert!(s.workloads.is_empty());
}

#[test]
fn workload_names_must_be_kubernetes_names() {
    let long = "a".repeat(64);
    for (name, needle) in [
        ("Web", "not a valid name"),
        ("web_1", "not a valid name"),
        ("''", "must not be empty"),
        (long.as_str(), "at most 63"),
    ] {
        let text = with_workers(&format!("workloads:\n  - name: {name}\n    replicas: 2\n"));
        let err = yaml_error(&text);
        assert_error(&err, &text, "workloads[0].name", &format!("name: {name}"));
        assert!(err.message.contains(needle), "{name}: {err}");
    }
    let text = with_workers(&format!(
        "workloads:\n  - name: {}\n    replicas: 2\n",
        &long[1..]
    ));
    assert_eq!(yaml_ok(&text).workloads[0].name.len(), 63);
}

#[test]
fn workload_names_must_be_unique() {
    let text = with_workers(
        "workloads:\n  - name: web\n    replicas: 2\n  - name: api\n    replicas: 2\n  \
         - name: web # again\n    replicas: 1\n",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads[2].name", "# again");
    assert!(err.message.contains("workloads[0]"), "{err}");
}

#[test]
fn workload_replicas_zero_and_too_many() {
    for (replicas, needle) in [
        ("0", "at least 1"),
        ("10001", "10000 replicas per workload"),
    ] {
        let text = with_workers(&format!(
            "workloads:\n  - name: web\n    replicas: {replicas}\n"
        ));
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            "workloads[0].replicas",
            &format!("replicas: {replicas}"),
        );
        assert!(err.message.contains(needle), "{err}");
    }
    let text = with_workers("workloads:\n  - name: web\n    replicas: 10000\n");
    assert_eq!(yaml_ok(&text).workloads[0].replicas, 10_000);
}

#[test]
fn workload_replicas_in_total_at_most_100000() {
    let mut list = String::from("workloads:\n");
    for i in 0..10 {
        list.push_str(&format!("  - {{ name: w{i}, replicas: 10000 }}\n"));
    }
    assert!(yaml_ok(&with_workers(&list)).warnings.is_empty());
    list.push_str("  - { name: one-more, replicas: 1 }\n");
    let text = with_workers(&list);
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads[10].replicas", "one-more");
    assert!(err.message.contains("100001"), "{err}");
    assert!(err.message.contains("100000 over all workloads"), "{err}");
}

#[test]
fn at_most_1000_workloads() {
    let mut list = String::from("workloads:\n");
    for i in 0..1001 {
        list.push_str(&format!("  - {{ name: w{i}, replicas: 1 }}\n"));
    }
    let text = with_workers(&list);
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads", "workloads:");
    assert!(err.message.contains("1001 workloads"), "{err}");
    assert!(err.message.contains("1000 at most"), "{err}");
}

#[test]
fn min_available_zero() {
    let text = with_workers("workloads:\n  - name: web\n    replicas: 2\n    min_available: 0\n");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "workloads[0].min_available",
        "min_available: 0",
    );
    assert!(err.message.contains("at least 1"), "{err}");
}

#[test]
fn min_available_above_replicas() {
    let text = with_workers("workloads:\n  - name: web\n    replicas: 2\n    min_available: 3\n");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "workloads[0].min_available",
        "min_available: 3",
    );
    assert_eq!(
        err.message,
        "min_available (3) is more than replicas (2): the workload could never be available"
    );
}

#[test]
fn startup_never_and_without_a_finite_mean() {
    let text = with_workers("workloads:\n  - name: web\n    replicas: 2\n    startup: never\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads[0].startup", "startup: never");
    assert!(err.message.contains("never becomes ready"), "{err}");

    let text = with_workers(
        "workloads:\n  - name: web\n    replicas: 2\n    startup: lognormal(median=1s, sigma=40)\n",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads[0].startup", "startup: lognormal");
    assert!(err.message.contains("not a finite number"), "{err}");
}

#[test]
fn zone_spread_zero() {
    let text = with_workers("workloads:\n  - name: web\n    replicas: 2\n    zone_spread: 0\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads[0].zone_spread", "zone_spread: 0");
    assert!(err.message.contains("at least 1"), "{err}");
}

#[test]
fn unknown_anti_affinity_and_unknown_workload_key() {
    // (`rack` is known since racks exist: tests/suite/racks.rs.)
    let text =
        with_workers("workloads:\n  - name: web\n    replicas: 2\n    anti_affinity: region\n");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "workloads[0].anti_affinity",
        "anti_affinity: region",
    );
    assert!(err.message.contains("host"), "{err}");

    let text = with_workers("workloads:\n  - name: web\n    replica: 2\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "workloads[0].replica", "replica: 2");
    assert!(err.message.contains("did you mean `replicas`?"), "{err}");
}

#[test]
fn maintenance_interval_zero_and_too_short() {
    let text = format!("{BASE}maintenance:\n  interval: 0\n  duration: 15m\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "maintenance.interval", "interval: 0");
    assert!(err.message.contains("greater than 0"), "{err}");

    let text = format!("{BASE}maintenance:\n  interval: 30s\n  duration: 15m\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "maintenance.interval", "interval: 30s");
    assert!(err.message.contains("minimum of 1m"), "{err}");
    assert!(err.message.contains("typo"), "says why: {err}");

    let text = format!("{BASE}maintenance:\n  interval: 1m\n  duration: 0\n");
    let m = yaml_ok(&text).maintenance.unwrap();
    assert_eq!((m.interval, m.duration), (60.0, 0.0));
}

#[test]
fn maintenance_duration_missing_or_negative() {
    let text = format!("{BASE}maintenance:\n  interval: 30d\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "maintenance.duration", "maintenance:");
    let text = format!("{BASE}maintenance:\n  interval: 30d\n  duration: -5m\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "maintenance.duration", "duration: -5m");
    assert!(err.message.contains("negative"), "{err}");
}

// ---- Warnings --------------------------------------------------------------

#[test]
fn warning_host_anti_affinity_with_too_few_workers() {
    let text = with_workers(
        "workloads:\n  - name: web\n    replicas: 7\n    min_available: 2\n    anti_affinity: host\n",
    );
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "workloads[0].replicas",
        "replicas: 7",
        &[
            "7 replicas but at most 6 can be placed",
            "anti_affinity: host",
            "6 workers",
            "the other one stays Pending, as in a real cluster",
        ],
    );
    assert!(!s.warnings[0].message.contains("never be available"));
    assert_eq!(s.workloads[0].replicas, 7, "the scenario runs as written");
}

#[test]
fn warning_zone_anti_affinity_never_available() {
    let text = with_workers(
        "workloads:\n  - name: web\n    replicas: 5\n    min_available: 4\n    anti_affinity: zone\n",
    );
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "workloads[0].replicas",
        "replicas: 5",
        &[
            "5 replicas but at most 3 can be placed",
            "one per zone",
            "the other 2 stay Pending",
            "min_available 4 the workload can never be available",
        ],
    );
}

#[test]
fn warning_zone_anti_affinity_counts_only_zones_with_workers() {
    let text = workers_with(
        "  nodes: 4\n  placement: [1, 1, 2, 2]\n  node: { failure: never }\n\
         workloads:\n  - name: web\n    replicas: 3\n    anti_affinity: zone\n",
    );
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "workloads[0].replicas",
        "replicas: 3",
        &[
            "at most 2 can be placed",
            "only 2 of the 3 zones have workers",
        ],
    );
}

#[test]
fn warning_zone_spread_limits_host_anti_affinity() {
    // Workers per zone 4, 1, 1: with skew 1 the zones hold at most 2, 1, 1.
    let text = workers_with(
        "  nodes: 6\n  placement: [1, 1, 1, 1, 2, 3]\n  node: { failure: never }\n\
         workloads:\n  - name: web\n    replicas: 5\n    anti_affinity: host\n    zone_spread: 1\n\
         \x20 - name: free\n    replicas: 80\n    zone_spread: 1\n",
    );
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "workloads[0].replicas",
        "replicas: 5",
        &[
            "5 replicas but at most 4 can be placed",
            "zone_spread: 1",
            "workers per zone: 4, 1, 1",
        ],
    );
    // A looser skew lets all of them in (3, 1, 1 is within 2).
    let looser = text.replace(
        "zone_spread: 1\n  - name: free",
        "zone_spread: 2\n  - name: free",
    );
    assert_ne!(looser, text);
    assert!(yaml_ok(&looser).warnings.is_empty());
}

#[test]
fn no_warning_when_replicas_fit() {
    let text = with_workers(
        "workloads:\n  - { name: a, replicas: 6, anti_affinity: host, zone_spread: 1 }\n  \
         - { name: b, replicas: 3, anti_affinity: zone }\n  \
         - { name: c, replicas: 500, zone_spread: 1 }\n",
    );
    assert!(yaml_ok(&text).warnings.is_empty());
}

#[test]
fn warning_maintenance_round_longer_than_its_interval() {
    // 3 control-plane hosts and 6 workers, 7m each: 63m > 1h.
    let text = with_workers("maintenance:\n  interval: 1h\n  duration: 7m\n");
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "maintenance.duration",
        "duration: 7m",
        &["9 hosts", "9 × 7m = 1.05h", "rounds overlap", "skipped"],
    );
    let fits = with_workers("maintenance:\n  interval: 1h\n  duration: 6m\n");
    assert!(yaml_ok(&fits).warnings.is_empty());
}

#[test]
fn warning_maintenance_counts_external_etcd_hosts() {
    // 3 control-plane and 3 etcd hosts at 10m: exactly the interval, which
    // already overlaps (the control-plane hosts alone would take 30m).
    let text = edit(
        "  topology: stacked\n",
        "  topology: external\n  etcd_nodes: 3\n  etcd_node:\n    failure: never\n",
    ) + "maintenance:\n  interval: 1h\n  duration: 10m\n";
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "maintenance.duration",
        "duration: 10m",
        &["6 hosts", "3 etcd", "rounds overlap"],
    );
}

#[test]
fn warning_display_and_other_formats() {
    let text = with_workers("maintenance:\n  interval: 1h\n  duration: 7m\n");
    let s = yaml_ok(&text);
    let line = line_of(&text, "duration: 7m");
    assert!(
        s.warnings[0].to_string().starts_with(&format!(
            "{FILE}:{line}:3: warning: maintenance.duration: a round takes"
        )),
        "{}",
        s.warnings[0]
    );

    let json = data("stacked-3.json");
    let last = json.trim_end().strip_suffix('}').unwrap();
    let text = format!(
        "{last},\n  \"workers\": {{\"nodes\": 2, \"node\": {{\"failure\": \"never\"}}}},\n  \
         \"workloads\": [\n    {{\"name\": \"web\",\n     \"replicas\": 3, \"anti_affinity\": \"host\"}}\n  ]\n}}\n"
    );
    let s = parse_str(&text, "s.json", Format::Json).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert_eq!(s.warnings[0].key, "workloads[0].replicas");
    assert_eq!(s.warnings[0].line, Some(line_of(&text, "\"replicas\": 3")));

    let toml = data("stacked-3.toml");
    let text = format!(
        "{toml}\n[workers]\nnodes = 2\nnode = {{ failure = \"never\" }}\n\n\
         [[workloads]]\nname = \"web\"\nreplicas = 3\nanti_affinity = \"host\"\n"
    );
    let s = parse_str(&text, "s.toml", Format::Toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    assert_eq!(s.warnings[0].key, "workloads[0].replicas");
    assert_eq!(s.warnings[0].line, Some(line_of(&text, "replicas = 3")));
}

// ---- production.yaml -------------------------------------------------------

/// `text` without the top-level sections `top` and without the indented
/// `nested` keys (each line of the form `    key: ...`).
fn without_keys(text: &str, top: &[&str], nested: &[&str]) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if !line.is_empty() && !line.starts_with(' ') {
            skipping = top.iter().any(|k| line.starts_with(&format!("{k}:")));
        }
        let trimmed = line.trim_start();
        let nested_hit =
            line.starts_with(' ') && nested.iter().any(|k| trimmed.starts_with(&format!("{k}:")));
        if !skipping && !nested_hit {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

#[test]
fn production_loads_completely() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/production.yaml");
    let s = load(&path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.name, "production");
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let workers = s.workers.as_ref().unwrap();
    assert_eq!(workers.nodes, 6);
    assert_eq!(workers.placement, vec![0, 1, 2, 0, 1, 2]);
    assert_eq!(
        (workers.node_monitor_grace_period, workers.eviction_timeout),
        (50.0, 300.0)
    );
    let names: Vec<&str> = s.workloads.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["web", "payments"]);
    let web = &s.workloads[0];
    assert_eq!((web.replicas, web.min_available), (3, 2));
    assert_eq!(
        (web.anti_affinity, web.zone_spread),
        (AntiAffinity::Host, Some(1))
    );
    let payments = &s.workloads[1];
    assert_eq!((payments.replicas, payments.min_available), (2, 1));
    assert_eq!(
        (payments.anti_affinity, payments.zone_spread),
        (AntiAffinity::Zone, None)
    );
    let m = s.maintenance.as_ref().unwrap();
    assert_eq!((m.interval, m.duration), (30.0 * 86_400.0, 15.0 * 60.0));

    // Data and disaster recovery.
    assert_eq!(s.control_plane.node_disk_loss, 0.2);
    assert_eq!(s.control_plane.etcd_disk_loss(), 0.2);
    assert_eq!(
        s.control_plane.etcd.member_replace,
        Some(Distribution::LogNormal {
            mu: 1800f64.ln(),
            sigma: 0.7
        })
    );
    let b = s.backups.as_ref().unwrap();
    assert_eq!((b.interval, b.duration, b.success), (3600.0, 120.0, 0.99));
    let r = s.recovery.as_ref().unwrap();
    assert_eq!(r.detection, 300.0);
    assert_eq!(
        r.force_new_cluster,
        Distribution::LogNormal {
            mu: 3600f64.ln(),
            sigma: 0.8
        }
    );
    assert_eq!(
        r.restore,
        Distribution::LogNormal {
            mu: 7200f64.ln(),
            sigma: 0.8
        }
    );
    let disasters: Vec<(&str, f64)> = s
        .disasters
        .iter()
        .map(|d| (d.name.as_str(), d.every.mean() / YEAR_SECONDS))
        .collect();
    assert_eq!(
        disasters,
        [("etcd-corruption", 20.0), ("accidental-delete", 5.0)]
    );
    assert!(s.can_lose_data());
    assert_eq!(
        s.slos,
        [
            Slo::Availability {
                indicator: "api".into(),
                target: 0.9995
            },
            Slo::Availability {
                indicator: "workload/web".into(),
                target: 0.9999
            },
            Slo::DataLoss {
                metric: DataMetric::Rpo,
                quantile: 0.95,
                max: 3600.0,
                scope: None,
            },
        ]
    );

    // Without its backups, production still loads, with a warning at the
    // restore that would go back to the cluster's start.
    let text = std::fs::read_to_string(&path).unwrap();
    let no_backups = without_keys(&text, &["backups"], &[]);
    let s = parse_str(&no_backups, FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.backups, None);
    assert_warning(
        &s,
        &no_backups,
        "recovery.restore",
        "restore:",
        &["no `backups`", "t = 0", "add `backups`"],
    );
}

// ---- Disk loss, backups, recovery, disasters, SLOs --------------------------

const RECOVERY: &str = "\
recovery:
  detection: 5m
  force_new_cluster: lognormal(median=1h, sigma=0.8)
  restore: lognormal(median=2h, sigma=0.8)
";

const BACKUPS: &str = "\
backups:
  interval: 1h
  duration: 2m
  success: 0.99
";

/// `text` with `from` (which must occur exactly once) replaced by `to`.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} must occur once");
    text.replacen(from, to, 1)
}

/// `BASE` with `disk_loss: P` on the control-plane hosts (and no member_replace).
fn with_disk_loss(p: &str) -> String {
    edit(
        "    repair: lognormal(median=30m, sigma=1.0)\n",
        &format!("    repair: lognormal(median=30m, sigma=1.0)\n    disk_loss: {p}\n"),
    )
}

/// `with_disk_loss(p)` with member_replace.
fn with_member_replace(p: &str) -> String {
    replace_once(
        &with_disk_loss(p),
        "    election: uniform(min=1s, max=2s)\n",
        "    election: uniform(min=1s, max=2s)\n    member_replace: lognormal(median=30m, sigma=0.7)\n",
    )
}

/// A complete scenario that can lose data (disk loss 0.2, recovery, backups), then `extra`.
fn data_scenario(extra: &str) -> String {
    format!("{}{RECOVERY}{BACKUPS}{extra}", with_member_replace("0.2"))
}

#[test]
fn data_keys_load() {
    let text = data_scenario(
        "disasters:\n  - name: etcd-corruption\n    every: exponential(mean=20y)\n\
         slos:\n  - { indicator: api, availability: 99.95% }\n  - { indicator: etcd, availability: 0.999 }\n\
         \x20 - { metric: rto, quantile: 0.5, max: 4h }\n",
    );
    let s = yaml_ok(&text);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.control_plane.node_disk_loss, 0.2);
    assert!(s.control_plane.etcd.member_replace.is_some());
    let b = s.backups.unwrap();
    assert_eq!((b.interval, b.duration, b.success), (3600.0, 120.0, 0.99));
    let r = s.recovery.unwrap();
    assert_eq!(r.detection, 300.0);
    assert_eq!(s.disasters.len(), 1);
    assert_eq!(s.disasters[0].name, "etcd-corruption");
    assert_eq!(
        s.slos,
        [
            Slo::Availability {
                indicator: "api".into(),
                target: 0.9995
            },
            Slo::Availability {
                indicator: "etcd".into(),
                target: 0.999
            },
            Slo::DataLoss {
                metric: DataMetric::Rto,
                quantile: 0.5,
                max: 4.0 * 3600.0,
                scope: None,
            },
        ]
    );
}

#[test]
fn data_keys_default_to_nothing() {
    let s = yaml_ok(BASE);
    assert_eq!(s.control_plane.node_disk_loss, 0.0);
    assert_eq!(s.control_plane.etcd.member_replace, None);
    assert_eq!((s.backups, s.recovery), (None, None));
    assert!(s.disasters.is_empty() && s.slos.is_empty());
}

#[test]
fn percent_is_the_same_number_as_the_fraction() {
    for (written, target) in [
        ("99.95%", 0.9995),
        ("99.99 %", 0.9999),
        ("99.999%", 0.99999),
        ("50%", 0.5),
        (".5%", 0.005),
        ("0.9995", 0.9995),
    ] {
        let text = format!("{BASE}slos:\n  - {{ indicator: api, availability: {written} }}\n");
        let s = yaml_ok(&text);
        assert_eq!(
            s.slos,
            [Slo::Availability {
                indicator: "api".into(),
                target
            }],
            "{written}"
        );
    }
}

#[test]
fn data_keys_in_toml_and_json() {
    let toml = format!(
        "{}\n[backups]\ninterval = \"1h\"\nduration = \"2m\"\nsuccess = 0.99\n\n\
         [[slos]]\nindicator = \"api\"\navailability = \"99.95%\"\n\n\
         [[slos]]\nmetric = \"rpo\"\nquantile = 0.95\nmax = \"1h\"\n",
        data("stacked-3.toml")
    );
    let s = parse_str(&toml, "s.toml", Format::Toml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.backups.unwrap().interval, 3600.0);
    assert_eq!(s.slos.len(), 2);

    let bad = toml.replace("\"99.95%\"", "\"99.95\"");
    let err = parse_str(&bad, "s.toml", Format::Toml).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("slos[0].availability"), "{err}");
    assert_eq!(err.line, Some(line_of(&bad, "\"99.95\"")), "{err}");
    assert!(err.message.contains("text, not a number"), "{err}");

    let json = r#"{"name": "j", "simulation": {"horizon": "1y", "replications": 1},
 "control_plane": {"topology": "stacked", "nodes": 1, "node": {"failure": "never"},
  "load_balancer": "none"},
 "slos": [{"indicator": "api", "availability": 1.5}]}"#;
    let err = parse_str(json, "s.json", Format::Json).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("slos[0].availability"), "{err}");
    assert_eq!(err.line, Some(line_of(json, "1.5")), "{err}");
}

#[test]
fn disk_loss_out_of_range() {
    for p in ["1.5", "-0.1", ".nan", ".inf"] {
        let text = with_member_replace(p);
        let err = yaml_error(&text);
        assert_error(&err, &text, "control_plane.node.disk_loss", "disk_loss:");
        assert!(err.message.contains("not a probability"), "{p}: {err}");
    }
    let text = with_member_replace("20%");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.node.disk_loss", "disk_loss:");
}

#[test]
fn disk_loss_only_on_control_plane_and_etcd_hosts() {
    let lb = edit(
        "    repair: lognormal(median=5m, sigma=0.8)\n",
        "    repair: lognormal(median=5m, sigma=0.8)\n    disk_loss: 0.1\n",
    );
    let err = yaml_error(&lb);
    assert_error(
        &err,
        &lb,
        "control_plane.load_balancer.disk_loss",
        "disk_loss:",
    );
    assert!(err.message.starts_with("unknown key `disk_loss`"), "{err}");

    let workers =
        format!("{BASE}workers:\n  nodes: 2\n  node:\n    failure: never\n    disk_loss: 0.1\n");
    let err = yaml_error(&workers);
    assert_error(&err, &workers, "workers.node.disk_loss", "disk_loss:");
    assert!(err.message.starts_with("unknown key `disk_loss`"), "{err}");

    let apiserver = format!(
        "{}  apiserver:\n    failure: exponential(mean=60d)\n    repair: fixed(80s)\n    disk_loss: 0.1\n",
        BASE
    );
    let err = yaml_error(&apiserver);
    assert_error(
        &err,
        &apiserver,
        "control_plane.apiserver.disk_loss",
        "disk_loss:",
    );
}

/// External topology: `etcd_node` with `etcd_node_keys`, three etcd hosts.
fn external(etcd_node_keys: &str) -> String {
    edit(
        "  topology: stacked\n",
        &format!(
            "  topology: external\n  etcd_nodes: 3\n  etcd_node:\n    failure: never\n{etcd_node_keys}"
        ),
    )
}

#[test]
fn etcd_node_disk_loss_loads() {
    let text = replace_once(
        &format!("{}{RECOVERY}{BACKUPS}", external("    disk_loss: 0.1\n")),
        "    election: uniform(min=1s, max=2s)\n",
        "    election: uniform(min=1s, max=2s)\n    member_replace: 30m\n",
    );
    let s = yaml_ok(&text);
    assert_eq!(s.control_plane.etcd_hosts.as_ref().unwrap().disk_loss, 0.1);
    assert_eq!(s.control_plane.node_disk_loss, 0.0);
    assert_eq!(s.control_plane.etcd_disk_loss(), 0.1);
    assert_eq!(
        s.control_plane.etcd.member_replace,
        Some(Distribution::Fixed(1800.0))
    );
}

#[test]
fn external_control_plane_hosts_take_no_disk_loss() {
    let text = replace_once(
        &external(""),
        "    repair: lognormal(median=30m, sigma=1.0)\n",
        "    repair: lognormal(median=30m, sigma=1.0)\n    disk_loss: 0.1\n",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.node.disk_loss", "disk_loss:");
    assert!(err.message.contains("control_plane.etcd_node"), "{err}");
}

#[test]
fn member_replace_required_with_disk_loss() {
    let text = format!("{}{RECOVERY}", with_disk_loss("0.2"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.node.disk_loss", "disk_loss:");
    assert!(
        err.message
            .contains("add `control_plane.etcd.member_replace`"),
        "{err}"
    );

    let text = format!("{}{RECOVERY}", external("    disk_loss: 0.1\n"));
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.etcd_node.disk_loss",
        "disk_loss:",
    );
    assert!(err.message.contains("member_replace"), "{err}");

    // Not with disk_loss 0, nor with a single member (nothing to replace it from).
    yaml_ok(&with_disk_loss("0"));
    let one = replace_once(
        &format!("{}{RECOVERY}{BACKUPS}", with_disk_loss("0.2")),
        "  nodes: 3\n  placement: [1, 2, 3]\n",
        "  nodes: 1\n",
    );
    let s = yaml_ok(&one);
    assert_eq!(s.control_plane.etcd.member_replace, None);
}

#[test]
fn member_replace_never() {
    let text = replace_once(
        &data_scenario(""),
        "member_replace: lognormal(median=30m, sigma=0.7)",
        "member_replace: never",
    );
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.etcd.member_replace",
        "member_replace:",
    );
    assert!(err.message.contains("`never`"), "{err}");
}

#[test]
fn backups_interval_zero_and_too_short() {
    for (interval, needle) in [
        ("0", "greater than 0"),
        ("30s", "less than the minimum of 1m"),
    ] {
        let text = replace_once(
            &data_scenario(""),
            "interval: 1h",
            &format!("interval: {interval}"),
        );
        let text = replace_once(&text, "duration: 2m", "duration: 0");
        let err = yaml_error(&text);
        assert_error(&err, &text, "backups.interval", "interval:");
        assert!(err.message.contains(needle), "{err}");
    }
}

#[test]
fn backups_duration_not_shorter_than_interval() {
    for duration in ["1h", "2h"] {
        let text = replace_once(
            &data_scenario(""),
            "duration: 2m",
            &format!("duration: {duration}"),
        );
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            "backups.duration",
            &format!("duration: {duration}"),
        );
        assert!(err.message.contains("overlap the next"), "{err}");
    }
}

#[test]
fn backups_success_out_of_range() {
    for success in ["0", "1.01", "-0.5"] {
        let text = replace_once(
            &data_scenario(""),
            "success: 0.99",
            &format!("success: {success}"),
        );
        let err = yaml_error(&text);
        assert_error(&err, &text, "backups.success", "success:");
        assert!(err.message.contains("above 0 and at most 1"), "{err}");
    }
    yaml_ok(&replace_once(
        &data_scenario(""),
        "success: 0.99",
        "success: 1",
    ));
}

#[test]
fn backups_missing_key() {
    let text = replace_once(&data_scenario(""), "  success: 0.99\n", "");
    let err = yaml_error(&text);
    assert_error(&err, &text, "backups.success", "backups:");
    assert!(
        err.message.contains("missing required key `success`"),
        "{err}"
    );
}

#[test]
fn recovery_required_with_disk_loss() {
    let text = format!("{}{BACKUPS}", with_member_replace("0.2"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.node.disk_loss", "disk_loss:");
    for needle in [
        "add `recovery`",
        "detection",
        "force_new_cluster",
        "restore",
    ] {
        assert!(err.message.contains(needle), "lacks {needle:?}: {err}");
    }
}

#[test]
fn recovery_required_with_disasters() {
    let text =
        format!("{BASE}disasters:\n  - name: etcd-corruption\n    every: exponential(mean=20y)\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "disasters", "disasters:");
    assert!(err.message.contains("add `recovery`"), "{err}");
}

#[test]
fn recovery_never() {
    for key in ["force_new_cluster", "restore"] {
        let text = replace_once(
            &data_scenario(""),
            &format!("  {key}: lognormal("),
            &format!("  {key}: never\n  x{key}: lognormal("),
        );
        let text = replace_once(&text, &format!("  x{key}: "), "  # ");
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            &format!("recovery.{key}"),
            &format!("{key}: never"),
        );
        assert!(err.message.contains("`never`"), "{err}");
    }
}

/// A scenario with the given `disasters` entries (and recovery, backups).
fn with_disasters(entries: &str) -> String {
    format!("{BASE}{RECOVERY}{BACKUPS}disasters:\n{entries}")
}

#[test]
fn disaster_names() {
    let long = "a".repeat(64);
    for (name, needle) in [
        ("Etcd_Corruption", "not a valid name"),
        ("''", "must not be empty"),
        (long.as_str(), "at most 63"),
    ] {
        let text = with_disasters(&format!(
            "  - name: {name}\n    every: exponential(mean=20y)\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "disasters[0].name", "  - name: ");
        assert!(err.message.contains(needle), "{err}");
    }
}

#[test]
fn disaster_names_must_be_unique() {
    let text = with_disasters(
        "  - name: oops\n    every: exponential(mean=20y)\n\
         \x20 - name: corruption\n    every: exponential(mean=20y)\n\
         \x20 - name: oops # again\n    every: exponential(mean=5y)\n",
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "disasters[2].name", "# again");
    assert!(err.message.contains("disasters[0]"), "{err}");
}

#[test]
fn disaster_names_reserved_for_quorum_loss() {
    for name in ["quorum-loss", "quorum-loss-no-member"] {
        let text = with_disasters(&format!(
            "  - name: {name}\n    every: exponential(mean=20y)\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "disasters[0].name", "  - name: ");
        assert!(err.message.contains("reserved"), "{err}");
    }
}

#[test]
fn at_most_100_disasters() {
    let entries: String = (0..101)
        .map(|i| format!("  - {{ name: d{i}, every: 100y }}\n"))
        .collect();
    let text = with_disasters(&entries);
    let err = yaml_error(&text);
    assert_error(&err, &text, "disasters", "disasters:");
    assert!(err.message.contains("100 at most"), "{err}");
    let entries: String = (0..100)
        .map(|i| format!("  - {{ name: d{i}, every: 100y }}\n"))
        .collect();
    assert_eq!(yaml_ok(&with_disasters(&entries)).disasters.len(), 100);
}

#[test]
fn disaster_every_without_time_between() {
    let text = with_disasters("  - name: oops\n    every: fixed(0)\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "disasters[0].every", "every:");
    assert!(err.message.contains("positive mean"), "{err}");
}

// ---- Changes and certificates -----------------------------------------------

/// A good change to the control plane every 30 days, one host at a time.
const UPGRADE: &str = "  - name: upgrade\n    every: fixed(30d)\n    target: control_plane\n";

/// `BASE` with `certificates` (its keys indented by four; none when empty)
/// in its control plane, and the given `changes` entries.
fn with_changes(certificates: &str, entries: &str) -> String {
    let certificates = if certificates.is_empty() {
        String::new()
    } else {
        format!("  certificates:\n{certificates}")
    };
    format!("{BASE}{certificates}changes:\n{entries}")
}

/// `UPGRADE` with `keys` (indented by four) added.
fn upgrade_with(keys: &str) -> String {
    with_changes("", &format!("{UPGRADE}{keys}"))
}

/// Certificates renewed by `by`, to go with changes.
fn certificates_renewed_by(by: &str) -> String {
    format!("    lifetime: 1y\n    renewed_by: {by}\n    renew: 3h\n")
}

/// Every key of a change and of the certificates, read as written; what is
/// left out takes its default. (The error tests below break this.)
#[test]
fn changes_and_certificates_load_as_written() {
    let text = with_changes(
        &certificates_renewed_by("upgrade"),
        &format!(
            "{UPGRADE}    strategy: rolling\n    batch: 2\n    pause: 10m\n    restart: 45s\n    \
             bad: 0.02\n    caught: 0.9\n    detection: 30m\n    rollback: 15m\n\
             \x20 - name: lb-config\n    every: exponential(mean=60d)\n    target: load_balancer\n    \
             strategy: all_at_once\n"
        ),
    );
    let s = yaml_ok(&text);
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    assert_eq!(s.changes.len(), 2);
    let c = &s.changes[0];
    assert_eq!(c.name, "upgrade");
    assert_eq!(c.every, Distribution::Fixed(30.0 * 86_400.0));
    assert_eq!(c.target, ChangeTarget::ControlPlane);
    assert_eq!(c.batch, Some(2));
    assert_eq!(c.pause, 600.0);
    assert_eq!(c.restart, Distribution::Fixed(45.0));
    assert_eq!((c.bad, c.caught), (0.02, 0.9));
    assert_eq!(c.detection, Distribution::Fixed(1800.0));
    assert_eq!(c.rollback, Distribution::Fixed(900.0));
    let lb = &s.changes[1];
    assert_eq!(lb.target, ChangeTarget::LoadBalancer);
    assert_eq!(lb.batch, None, "all at once");
    assert_eq!((lb.pause, lb.bad, lb.caught), (0.0, 0.0, 0.0));
    assert_eq!(lb.restart, Distribution::Fixed(0.0));
    let certificates = s.control_plane.certificates.as_ref().expect("certificates");
    assert_eq!(certificates.lifetime, YEAR_SECONDS);
    assert_eq!(certificates.renewed_by, Some(0));
    assert_eq!(certificates.renew, Distribution::Fixed(3.0 * 3600.0));
    // A rolling change's batch defaults to 1; `never` renews nothing.
    let s = yaml_ok(&with_changes(&certificates_renewed_by("never"), UPGRADE));
    assert_eq!(s.changes[0].batch, Some(1));
    assert_eq!(s.control_plane.certificates.unwrap().renewed_by, None);
    // Every other target, each where it exists.
    let text = with_workers(
        "workloads:\n  - name: web\n    replicas: 3\nchanges:\n\
         \x20 - { name: a, every: 30d, target: etcd }\n\
         \x20 - { name: b, every: 30d, target: workers }\n\
         \x20 - { name: c, every: 30d, target: workload/web }\n",
    );
    let targets: Vec<ChangeTarget> = yaml_ok(&text)
        .changes
        .into_iter()
        .map(|c| c.target)
        .collect();
    assert_eq!(
        targets,
        [
            ChangeTarget::Etcd,
            ChangeTarget::Workers,
            ChangeTarget::Workload(0)
        ]
    );
}

/// A target that does not exist: a workload the scenario lacks (with and
/// without workloads), and a word that is no target at all.
#[test]
fn change_target_that_does_not_exist() {
    let text = with_changes("", &UPGRADE.replace("control_plane", "workload/nope"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].target", "target: workload/nope");
    assert_eq!(err.column, Some(column_of(&text, "target: workload/nope")));
    assert!(
        err.message
            .contains("`workload/nope` names no workload: the scenario has no `workloads`"),
        "{err}"
    );

    let text = with_workers(&format!(
        "workloads:\n  - name: web\n    replicas: 3\nchanges:\n{}",
        UPGRADE.replace("control_plane", "workload/nope")
    ));
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].target", "target: workload/nope");
    assert!(err.message.contains("use one of `workload/web`"), "{err}");

    let text = with_changes("", &UPGRADE.replace("control_plane", "nodes"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].target", "target: nodes");
    assert!(err.message.starts_with("`nodes` is not a target"), "{err}");
    for target in [
        "control_plane",
        "etcd",
        "workers",
        "load_balancer",
        "workload/NAME",
    ] {
        assert!(err.message.contains(&format!("`{target}`")), "{err}");
    }
}

/// `target: load_balancer` needs a load balancer, `target: workers` workers.
#[test]
fn change_target_that_the_scenario_lacks() {
    let text = with_changes("", &UPGRADE.replace("control_plane", "load_balancer"))
        .replace(LB, "  load_balancer: none\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].target", "target: load_balancer");
    assert!(err.message.contains("`load_balancer: none`"), "{err}");

    let text = with_changes("", &UPGRADE.replace("control_plane", "workers"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].target", "target: workers");
    assert!(err.message.contains("no `workers`"), "{err}");
}

/// `batch` is at least 1, and only for a rolling change.
#[test]
fn change_batch_zero_and_batch_all_at_once() {
    let text = upgrade_with("    batch: 0\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].batch", "batch: 0");
    assert_eq!(err.column, Some(column_of(&text, "batch: 0")));
    assert!(err.message.contains("at least 1"), "{err}");

    let text = upgrade_with("    strategy: all_at_once\n    batch: 2\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].batch", "batch: 2");
    assert!(err.message.contains("`all_at_once`"), "{err}");
    // The same batch is fine for a rolling change.
    yaml_ok(&upgrade_with("    strategy: rolling\n    batch: 2\n"));
}

/// `bad` and `caught` are probabilities.
#[test]
fn change_probabilities_out_of_range() {
    for (keys, key, at) in [
        (
            "    bad: 1.5\n    rollback: 15m\n    detection: 1h\n",
            "bad",
            "bad: 1.5",
        ),
        ("    bad: -0.5\n", "bad", "bad: -0.5"),
        ("    caught: -0.1\n", "caught", "caught: -0.1"),
        ("    caught: 2\n", "caught", "caught: 2"),
    ] {
        let text = upgrade_with(keys);
        let err = yaml_error(&text);
        assert_error(&err, &text, &format!("changes[0].{key}"), at);
        assert_eq!(err.column, Some(column_of(&text, at)), "{err}");
        assert!(err.message.contains("is not a probability"), "{err}");
    }
    // The bounds themselves are probabilities.
    yaml_ok(&upgrade_with(
        "    bad: 1\n    caught: 1\n    rollback: 15m\n",
    ));
    yaml_ok(&upgrade_with("    bad: 0\n    caught: 0\n"));
}

/// A change that can be bad needs `rollback`; one that no gate surely
/// catches needs `detection` too. Both missing keys are reported at the
/// change (the nearest node that exists).
#[test]
fn a_change_that_can_be_bad_needs_rollback_and_detection() {
    let text = upgrade_with("    bad: 0.1\n    detection: 1h\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].rollback", "  - name: upgrade");
    assert!(err.message.contains("give `rollback`"), "{err}");

    let text = upgrade_with("    bad: 0.1\n    caught: 0.5\n    rollback: 15m\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].detection", "  - name: upgrade");
    assert!(err.message.contains("give `detection`"), "{err}");
    // With caught: 1 every bad change is caught: nothing to detect.
    yaml_ok(&upgrade_with(
        "    bad: 0.1\n    caught: 1\n    rollback: 15m\n",
    ));
    // A change that is never bad needs neither.
    yaml_ok(&upgrade_with("    bad: 0\n"));
}

#[test]
fn change_names() {
    let long = "a".repeat(64);
    for (name, needle) in [
        ("Upgrade_1", "not a valid name"),
        ("''", "must not be empty"),
        (long.as_str(), "at most 63"),
    ] {
        let text = with_changes("", &UPGRADE.replace("upgrade", name));
        let err = yaml_error(&text);
        assert_error(&err, &text, "changes[0].name", "  - name: ");
        let at = format!("name: {name}");
        assert_eq!(err.column, Some(column_of(&text, &at)), "{err}");
        assert!(err.message.contains(needle), "{err}");
    }
}

#[test]
fn change_names_must_be_unique() {
    let text = with_changes(
        "",
        &format!(
            "{UPGRADE}\x20 - name: lb\n    every: 60d\n    target: load_balancer\n\
             \x20 - name: upgrade # again\n    every: 90d\n    target: etcd\n"
        ),
    );
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[2].name", "# again");
    assert!(
        err.message.contains("already the name of changes[0]"),
        "{err}"
    );
}

/// `never` is what `renewed_by` says for no change, so no change may be
/// called that.
#[test]
fn change_name_never_is_reserved() {
    let text = with_changes("", &UPGRADE.replace("upgrade", "never"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "changes[0].name", "  - name: never");
    assert!(err.message.contains("reserved"), "{err}");
}

/// `every` must give time between changes: `0` (and `fixed(0)`) do not;
/// `never` is a change that never comes.
#[test]
fn change_every_zero() {
    for every in ["0", "fixed(0)", "0s"] {
        let text = with_changes("", &UPGRADE.replace("fixed(30d)", every));
        let err = yaml_error(&text);
        let at = format!("every: {every}");
        assert_error(&err, &text, "changes[0].every", &at);
        assert_eq!(err.column, Some(column_of(&text, &at)), "{err}");
        assert!(err.message.contains("positive mean"), "{err}");
    }
    yaml_ok(&with_changes("", &UPGRADE.replace("fixed(30d)", "never")));
}

/// `renewed_by` names a change that targets the control plane.
#[test]
fn renewed_by_names_a_control_plane_change() {
    let text = with_changes(&certificates_renewed_by("upgrad"), UPGRADE);
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.certificates.renewed_by",
        "renewed_by: upgrad",
    );
    assert_eq!(err.column, Some(column_of(&text, "renewed_by: upgrad")));
    assert!(err.message.contains("`upgrad` names no change"), "{err}");
    // With no changes at all.
    let text = format!(
        "{BASE}  certificates:\n{}",
        certificates_renewed_by("upgrade")
    );
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.certificates.renewed_by",
        "renewed_by: upgrade",
    );
    assert!(err.message.contains("`upgrade` names no change"), "{err}");

    let etcd = format!("{UPGRADE}\x20 - name: etcd-upgrade\n    every: 90d\n    target: etcd\n");
    let text = with_changes(&certificates_renewed_by("etcd-upgrade"), &etcd);
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.certificates.renewed_by",
        "renewed_by: etcd-upgrade",
    );
    assert!(
        err.message
            .contains("change `etcd-upgrade` does not target `control_plane`"),
        "{err}"
    );
    // The control-plane change of the same list renews them.
    let s = yaml_ok(&with_changes(&certificates_renewed_by("upgrade"), &etcd));
    assert_eq!(s.control_plane.certificates.unwrap().renewed_by, Some(0));
}

/// Certificates last some time, and are renewed in some time.
#[test]
fn certificates_lifetime_zero_and_renew_never() {
    let text = with_changes(
        &certificates_renewed_by("upgrade").replace("lifetime: 1y", "lifetime: 0"),
        UPGRADE,
    );
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.certificates.lifetime",
        "lifetime: 0",
    );
    assert_eq!(err.column, Some(column_of(&text, "lifetime: 0")));
    assert!(err.message.contains("greater than 0"), "{err}");

    let text = with_changes(
        &certificates_renewed_by("upgrade").replace("renew: 3h", "renew: never"),
        UPGRADE,
    );
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.certificates.renew",
        "renew: never",
    );
    assert!(err.message.contains("not a usable time"), "{err}");
}

/// Each change is checked on its own: mistakes in three changes (a good
/// one between them) are three errors, each at its own line, in the file's
/// order, with the certificates' own too (which do not depend on the
/// changes).
#[test]
fn every_change_with_a_mistake_is_reported() {
    let text = format!(
        "{BASE}  certificates:\n    lifetime: 0\n    renewed_by: never\n    renew: 3h\n\
         changes:\n\
         \x20 - name: upgrade\n    every: 30d\n    target: control_plane\n    batch: 0\n\
         \x20 - name: fine\n    every: 30d\n    target: etcd\n\
         \x20 - name: lb\n    every: 60d\n    target: load_balancer\n    bad: 1.5\n\
         \x20 - name: nodes\n    every: 90d\n    target: nodes\n"
    );
    let errors =
        kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml).expect_err("four mistakes");
    let found: Vec<(Option<&str>, Option<u32>)> =
        errors.iter().map(|e| (e.key.as_deref(), e.line)).collect();
    assert_eq!(
        found,
        [
            (
                Some("control_plane.certificates.lifetime"),
                Some(line_of(&text, "lifetime: 0"))
            ),
            (Some("changes[0].batch"), Some(line_of(&text, "batch: 0"))),
            (Some("changes[2].bad"), Some(line_of(&text, "bad: 1.5"))),
            (
                Some("changes[3].target"),
                Some(line_of(&text, "target: nodes"))
            ),
        ],
        "{errors:?}"
    );
    assert!(errors.iter().all(|e| e.file == FILE && e.column.is_some()));

    // `renewed_by` naming a change that is itself invalid is not reported
    // on top of that change's own error.
    let text = with_changes(
        &certificates_renewed_by("upgrade"),
        &format!("{UPGRADE}    batch: 0\n"),
    );
    let errors =
        kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml).expect_err("a bad batch");
    let keys: Vec<&str> = errors.iter().filter_map(|e| e.key.as_deref()).collect();
    assert_eq!(keys, ["changes[0].batch"], "{errors:?}");
}

/// `kubenines validate FILE` of a scenario with a bad change exits 2 and
/// prints `FILE:LINE:COL: KEY: MESSAGE`.
#[test]
fn validate_exits_2_on_a_bad_change() {
    let dir = std::env::temp_dir().join(format!("kubenines-changes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("bad-change.yaml");
    let text = upgrade_with("    batch: 0\n");
    std::fs::write(&file, &text).unwrap();
    let path = file.display().to_string();
    let out = assert_cmd::Command::cargo_bin("kubenines")
        .unwrap()
        .args(["validate", &path])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let expected = format!(
        "{path}:{}:{}: changes[0].batch: must be at least 1",
        line_of(&text, "batch: 0"),
        column_of(&text, "batch: 0")
    );
    assert!(stderr.contains(&expected), "{expected:?} not in\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `BASE` with two workloads on workers and the given `slos` entries.
fn with_slos(entries: &str) -> String {
    with_workers(&format!(
        "workloads:\n  - name: web\n    replicas: 2\n  - name: api-gw\n    replicas: 1\nslos:\n{entries}"
    ))
}

#[test]
fn slo_indicators_are_the_runs() {
    let s = yaml_ok(&with_slos(
        "  - { indicator: control_plane, availability: 99.9% }\n  - { indicator: workload/api-gw, availability: 99% }\n",
    ));
    assert_eq!(s.slos.len(), 2);
    for bad in ["workload/db", "API", "workload"] {
        let text = with_slos(&format!(
            "  - {{ indicator: {bad}, availability: 99.9% }}\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "slos[0].indicator", "indicator:");
        assert!(
            err.message.contains(
                "use one of `etcd`, `api`, `control_plane`, `workload/web`, `workload/api-gw`"
            ),
            "{err}"
        );
    }
}

#[test]
fn slo_availability_out_of_range() {
    for (written, needle) in [
        ("100%", "100% is not a target"),
        ("1", "above 0 and below 100%"),
        ("0%", "above 0"),
        ("0", "above 0"),
        ("99.95", "for a percentage write `99.95%`"),
        ("101%", "below 100%"),
    ] {
        let text = with_slos(&format!(
            "  - indicator: api\n    availability: {written}\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "slos[0].availability", "availability:");
        assert!(err.message.contains(needle), "{written}: {err}");
    }
}

#[test]
fn slo_availability_other_forms() {
    for (written, needle) in [
        ("high", "not a percentage"),
        ("99.9.9%", "not a percentage"),
        ("'0.999'", "text, not a number"),
        ("1e-3%", "not a percentage"),
        ("[99]", "percentage"),
    ] {
        let text = with_slos(&format!(
            "  - indicator: api\n    availability: {written}\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "slos[0].availability", "availability:");
        assert!(err.message.contains(needle), "{written}: {err}");
    }
}

#[test]
fn slo_forms_do_not_mix() {
    let text = with_slos("  - indicator: api\n    availability: 99.9%\n    quantile: 0.5\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].quantile", "quantile:");
    assert!(
        err.message.contains("does not go with `indicator`"),
        "{err}"
    );

    let text = with_slos("  - {}\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0]", "- {}");
    assert!(err.message.contains("an SLO is either"), "{err}");

    let text = with_slos("  - indicator: api # here\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0]", "# here");
    assert!(err.message.contains("missing `availability`"), "{err}");

    let text = with_slos("  - metric: rpo # here\n    max: 1h\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0]", "# here");
    assert!(err.message.contains("missing `quantile`"), "{err}");

    let text = with_slos("  - metric: rpo\n    quantile: 0.9\n    target: 1h\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].target", "target:");
    assert!(err.message.starts_with("unknown key `target`"), "{err}");
}

#[test]
fn slo_metric_quantile_and_max() {
    let text = with_slos("  - { metric: mttr, quantile: 0.9, max: 1h }\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].metric", "metric:");
    assert!(
        err.message.contains("rpo") && err.message.contains("rto"),
        "{err}"
    );

    for q in ["0", "1", "95", "-0.1"] {
        let text = with_slos(&format!(
            "  - metric: rto\n    quantile: {q}\n    max: 1h\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "slos[0].quantile", "quantile:");
        assert!(err.message.contains("above 0 and below 1"), "{q}: {err}");
    }

    let text = with_slos("  - metric: rpo\n    quantile: 0.99\n    max: 0\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].max", "max:");
    assert!(err.message.contains("greater than 0"), "{err}");
}

#[test]
fn warning_data_loss_without_backups() {
    let text = format!("{}{RECOVERY}", with_member_replace("0.2"));
    let s = yaml_ok(&text);
    assert_warning(
        &s,
        &text,
        "recovery.restore",
        "restore:",
        &["no `backups`", "t = 0", "add `backups`"],
    );
    let w = s.warnings[0].to_string();
    assert!(
        w.starts_with(&format!("{FILE}:{}:", line_of(&text, "restore:"))),
        "{w}"
    );

    let text = format!(
        "{BASE}{RECOVERY}disasters:\n  - name: etcd-corruption\n    every: exponential(mean=20y)\n"
    );
    let s = yaml_ok(&text);
    assert_warning(&s, &text, "recovery.restore", "restore:", &["no `backups`"]);

    // Nothing to lose, nothing to warn about.
    assert!(yaml_ok(&format!("{BASE}{RECOVERY}")).warnings.is_empty());
}

#[test]
fn cost_loads_with_defaults() {
    let text = format!("{BASE}cost:\n  control_plane: 120\n  worker: 200.5\n");
    let s = yaml_ok(&text);
    let c = s.cost.as_ref().expect("cost");
    assert_eq!(
        (c.control_plane, c.etcd, c.worker, c.load_balancer),
        (120.0, 0.0, 200.5, 0.0)
    );
    assert_eq!(c.currency, "USD");
    let text = format!("{BASE}cost: {{ etcd: 60, currency: EUR }}\n");
    let c = yaml_ok(&text).cost.expect("cost");
    assert_eq!((c.etcd, c.currency.as_str()), (60.0, "EUR"));
    assert_eq!(yaml_ok(BASE).cost, None);
}

#[test]
fn cost_negative_price() {
    let text = format!("{BASE}cost:\n  control_plane: 120\n  worker: -5\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "cost.worker", "worker: -5");
    assert!(err.message.contains("at least 0"), "{err}");
}

#[test]
fn cost_infinite_price() {
    let text = format!("{BASE}cost:\n  load_balancer: .inf\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "cost.load_balancer", "load_balancer: .inf");
}

#[test]
fn cost_price_that_is_not_a_number() {
    let text = format!("{BASE}cost:\n  etcd: cheap\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "cost.etcd", "etcd: cheap");
    assert!(err.message.contains("`cheap`"), "{err}");
}

#[test]
fn cost_unknown_class() {
    let text = format!("{BASE}cost:\n  control_plane: 120\n  workers: 200\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "cost.workers", "workers: 200");
    assert!(err.message.contains("did you mean `worker`?"), "{err}");
}

#[test]
fn cost_bad_currency() {
    let text = format!("{BASE}cost:\n  control_plane: 120\n  currency: \"\"\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "cost.currency", "currency:");
    assert!(err.message.contains("not a currency"), "{err}");
}

#[test]
fn cost_is_in_the_schema() {
    let schema = json_schema();
    assert!(schema["properties"]["cost"].is_object());
    let cost = &schema["$defs"]["Cost"];
    assert_eq!(cost["additionalProperties"], false);
    for key in [
        "control_plane",
        "etcd",
        "worker",
        "load_balancer",
        "currency",
    ] {
        assert!(cost["properties"].get(key).is_some(), "Cost.{key}");
    }
}

#[test]
fn slo_request_success_for_api() {
    for (written, target) in [("99.99%", 0.9999), ("0.9999", 0.9999), ("50%", 0.5)] {
        let s = yaml_ok(&with_slos(&format!(
            "  - {{ indicator: api, request_success: {written} }}\n  \
             - {{ indicator: api, availability: 99.9% }}\n"
        )));
        assert_eq!(
            s.slos,
            [
                Slo::RequestSuccess {
                    indicator: "api".into(),
                    target
                },
                Slo::Availability {
                    indicator: "api".into(),
                    target: 0.999
                }
            ],
            "{written}"
        );
    }
}

/// Only `api` has client requests: `request_success` elsewhere is an error
/// at its key and line, saying so.
#[test]
fn slo_request_success_is_for_api_only() {
    for indicator in ["etcd", "control_plane", "workload/web"] {
        let text = with_slos(&format!(
            "  - indicator: {indicator}\n    request_success: 99.9%\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "slos[0].request_success", "request_success:");
        assert!(
            err.message
                .contains("`request_success` is defined for `api` only"),
            "{indicator}: {err}"
        );
        assert!(err.message.contains(indicator), "{err}");
    }
    // An indicator the run does not have is named as such first.
    let text = with_slos("  - indicator: workload/db\n    request_success: 99.9%\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].indicator", "indicator:");
}

/// One objective per entry: `availability` and `request_success` together
/// are an error at the second; targets are checked as availability's.
#[test]
fn slo_request_success_alone_and_in_range() {
    let text =
        with_slos("  - indicator: api\n    availability: 99.9%\n    request_success: 99.9%\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].request_success", "request_success:");
    assert!(
        err.message
            .contains("`request_success` does not go with `availability`"),
        "{err}"
    );
    assert!(err.message.contains("one objective per SLO"), "{err}");

    let text = with_slos("  - indicator: api\n    request_success: 99.9%\n    max: 1h\n");
    let err = yaml_error(&text);
    assert_error(&err, &text, "slos[0].max", "max:");

    for (written, needle) in [
        ("100%", "100% is not a target"),
        ("0", "above 0"),
        ("99.99", "for a percentage write `99.99%`"),
        ("high", "not a percentage"),
    ] {
        let text = with_slos(&format!(
            "  - indicator: api\n    request_success: {written}\n"
        ));
        let err = yaml_error(&text);
        assert_error(&err, &text, "slos[0].request_success", "request_success:");
        assert!(err.message.contains(needle), "{written}: {err}");
    }
}

// ---- The API path: load-balancer kinds, wiring, lease release --------------

/// `BASE`'s load balancer, which the tests below replace.
const BASE_LB: &str = "  load_balancer:\n    failure: exponential(mean=1y)\n    repair: lognormal(median=5m, sigma=0.8)\n";

/// `BASE` with a load balancer of these lines (each indented under it).
fn with_lb(lines: &[&str]) -> String {
    let mut lb = String::from("  load_balancer:\n");
    for line in lines {
        lb.push_str("    ");
        lb.push_str(line);
        lb.push('\n');
    }
    edit(BASE_LB, &lb)
}

/// A pair's instances and failure process, to which a test adds one key.
fn pair_with(extra: &str) -> String {
    with_lb(&[
        "kind: pair",
        "failure: exponential(mean=1y)",
        "repair: 5m",
        extra,
    ])
}

#[test]
fn load_balancer_keys_default_to_todays_meaning() {
    let s = parse_str(BASE, FILE, Format::Yaml).unwrap();
    let cp = &s.control_plane;
    assert_eq!(
        cp.load_balancer_kind,
        Some(LoadBalancerKind::Single {
            zone: None,
            new_address_ttl: None
        })
    );
    assert_eq!(cp.health_check, None);
    assert_eq!(cp.wiring, Wiring::Kubeadm);
    assert_eq!(cp.leader_election.release_on_stop, [true, false]);
    let model = Model::build(&s).unwrap();
    assert!(matches!(
        model.lb_kind,
        Some(ModelLbKind::Single {
            zone: None,
            new_address_ttl: None
        })
    ));
    assert!(model.health_check.is_none());
    assert_eq!(model.wiring, ModelWiring::Kubeadm);
    assert_eq!(model.release_on_stop, [true, false]);

    let none = parse_str(
        &edit(BASE_LB, "  load_balancer: none\n"),
        FILE,
        Format::Yaml,
    )
    .unwrap();
    assert_eq!(none.control_plane.load_balancer_kind, None);
    assert!(Model::build(&none).unwrap().lb_kind.is_none());
}

#[test]
fn a_pair_with_every_key_compiles() {
    let text = with_lb(&[
        "kind: pair",
        "placement: [1, 1]",
        "failure: exponential(mean=1y)",
        "repair: 5m",
        "failover: uniform(min=1s, max=5s)",
        "failover_success: 99%",
        "health_check: { interval: 5s, unhealthy_threshold: 2 }",
    ])
    .replace(
        "    retry_period: 2s\n",
        "    retry_period: 2s\n    release_on_stop: [controller_manager]\n  wiring: load_balancer\n",
    );
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    let cp = &s.control_plane;
    assert_eq!(
        cp.load_balancer_kind,
        Some(LoadBalancerKind::Pair {
            placement: [0, 0],
            failover: Distribution::Uniform { min: 1.0, max: 5.0 },
            failover_success: 0.99,
        })
    );
    assert_eq!(
        cp.health_check,
        Some(HealthCheck {
            interval: 5.0,
            unhealthy_threshold: 2,
            healthy_threshold: 3,
        })
    );
    assert_eq!(cp.wiring, Wiring::LoadBalancer);
    assert_eq!(cp.leader_election.release_on_stop, [false, true]);
    let model = Model::build(&s).unwrap();
    let Some(ModelLbKind::Pair {
        placement,
        failover_success,
        ..
    }) = model.lb_kind
    else {
        panic!("a pair: {:?}", model.lb_kind);
    };
    assert_eq!((placement, failover_success), ([0, 0], 0.99));
    let check = model.health_check.unwrap();
    assert_eq!((check.down_after(), check.up_after()), (10.0, 15.0));
    assert_eq!(model.wiring, ModelWiring::LoadBalancer);
    assert_eq!(model.release_on_stop, [false, true]);
    assert!(model.load_balancer.is_some(), "each instance's lifecycle");
}

#[test]
fn pair_defaults() {
    let s = parse_str(&pair_with(""), FILE, Format::Yaml).unwrap();
    assert_eq!(
        s.control_plane.load_balancer_kind,
        Some(LoadBalancerKind::Pair {
            placement: [0, 0],
            failover: Distribution::Fixed(3.0),
            failover_success: 1.0,
        })
    );
    let check = "health_check: {}";
    let s = parse_str(&pair_with(check), FILE, Format::Yaml).unwrap();
    assert_eq!(
        s.control_plane.health_check,
        Some(HealthCheck {
            interval: 10.0,
            unhealthy_threshold: 3,
            healthy_threshold: 3,
        })
    );
}

#[test]
fn cloud_and_single_defaults() {
    let s = parse_str(&with_lb(&["kind: cloud"]), FILE, Format::Yaml).unwrap();
    assert_eq!(
        s.control_plane.load_balancer_kind,
        Some(LoadBalancerKind::Cloud {
            detection: 30.0,
            ttl: 60.0
        })
    );
    assert_eq!(s.control_plane.load_balancer, None, "no service outages");
    let model = Model::build(&s).unwrap();
    assert!(matches!(model.lb_kind, Some(ModelLbKind::Cloud { .. })));
    assert!(model.load_balancer.is_none());

    let text = with_lb(&[
        "kind: cloud",
        "failure: exponential(mean=5y)",
        "repair: 1h",
        "dns: { detection: 0, ttl: 30s }",
    ]);
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    assert_eq!(
        s.control_plane.load_balancer_kind,
        Some(LoadBalancerKind::Cloud {
            detection: 0.0,
            ttl: 30.0
        })
    );
    assert!(s.control_plane.load_balancer.is_some());

    let text = with_lb(&[
        "failure: exponential(mean=1y)",
        "repair: 5m",
        "zone: 2",
        "replaced_with_new_address: true",
    ]);
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    assert_eq!(
        s.control_plane.load_balancer_kind,
        Some(LoadBalancerKind::Single {
            zone: Some(1),
            new_address_ttl: Some(60.0)
        })
    );
    let model = Model::build(&s).unwrap();
    assert!(matches!(
        model.lb_kind,
        Some(ModelLbKind::Single {
            zone: Some(1),
            new_address_ttl: Some(60.0)
        })
    ));
}

#[test]
fn a_pair_costs_two_load_balancers() {
    let cost = "cost:\n  control_plane: 100\n  load_balancer: 20\n";
    let monthly = |text: String| {
        let s = parse_str(&format!("{text}{cost}"), FILE, Format::Yaml).unwrap();
        Model::build(&s).unwrap().monthly_cost.unwrap()
    };
    assert_eq!(monthly(BASE.to_string()), 320.0);
    assert_eq!(monthly(pair_with("")), 340.0);
    assert_eq!(monthly(with_lb(&["kind: cloud"])), 320.0);
    assert_eq!(monthly(edit(BASE_LB, "  load_balancer: none\n")), 300.0);
}

#[test]
fn pair_placement_with_one_zone() {
    let text = pair_with("placement: [2]");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer.placement",
        "placement: [2]",
    );
    assert!(
        err.message.contains("has 1 entry") && err.message.contains("two zones"),
        "{err}"
    );
}

#[test]
fn pair_placement_with_a_zone_that_does_not_exist() {
    let text = pair_with("placement: [1, 4]");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer.placement[1]",
        "placement: [1, 4]",
    );
    assert_eq!(err.column, Some(column_of(&text, "4]")));
    assert_eq!(err.message, "zone 4 does not exist (zones.count is 3)");
}

#[test]
fn failover_success_zero_and_above_one() {
    for bad in ["0", "1.5", "150%"] {
        let text = pair_with(&format!("failover_success: {bad}"));
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            "control_plane.load_balancer.failover_success",
            "failover_success:",
        );
        assert!(
            err.message.contains("above 0 and at most 1"),
            "{bad}: {err}"
        );
    }
}

#[test]
fn health_check_thresholds_of_zero() {
    for key in ["unhealthy_threshold", "healthy_threshold"] {
        let text = pair_with(&format!(
            "health_check:\n      interval: 5s\n      {key}: 0"
        ));
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            &format!("control_plane.load_balancer.health_check.{key}"),
            &format!(" {key}: 0"),
        );
        assert!(err.message.contains("at least 1"), "{err}");
    }
    let text = pair_with("health_check: { interval: 0 }");
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer.health_check.interval",
        "health_check:",
    );
}

#[test]
fn cloud_with_a_zone() {
    let text = with_lb(&["kind: cloud", "zone: 1"]);
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.load_balancer.zone", "zone: 1");
    assert!(
        err.message.contains("node in every zone") && err.message.contains("does not apply"),
        "{err}"
    );
}

#[test]
fn unknown_load_balancer_kind() {
    let text = with_lb(&["kind: haproxy", "failure: 1y", "repair: 5m"]);
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer.kind",
        "kind: haproxy",
    );
    assert!(
        ["single", "pair", "cloud"]
            .iter()
            .all(|k| err.message.contains(k)),
        "{err}"
    );
}

#[test]
fn unknown_wiring() {
    let text = edit(BASE_LB, &format!("{BASE_LB}  wiring: direct\n"));
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.wiring", "wiring: direct");
    assert!(
        err.message.contains("kubeadm") && err.message.contains("load_balancer"),
        "{err}"
    );
}

#[test]
fn unknown_name_in_release_on_stop() {
    let text = edit(
        "    retry_period: 2s\n",
        "    retry_period: 2s\n    release_on_stop: [scheduler, kubelet]\n",
    );
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.leader_election.release_on_stop[1]",
        "release_on_stop:",
    );
    assert_eq!(err.column, Some(column_of(&text, "kubelet")));
    assert!(
        err.message.contains("scheduler") && err.message.contains("controller_manager"),
        "{err}"
    );
}

#[test]
fn duplicate_and_empty_release_on_stop() {
    let text = edit(
        "    retry_period: 2s\n",
        "    retry_period: 2s\n    release_on_stop:\n      - scheduler\n      - scheduler\n",
    );
    let err = yaml_error(&text);
    assert_eq!(
        err.key.as_deref(),
        Some("control_plane.leader_election.release_on_stop[1]"),
        "{err}"
    );
    let lines: Vec<&str> = text.lines().collect();
    let second = lines
        .iter()
        .rposition(|l| l.contains("- scheduler"))
        .unwrap()
        + 1;
    assert_eq!(err.line, Some(second as u32), "{err}");
    assert!(err.message.contains("listed twice"), "{err}");

    let text = edit(
        "    retry_period: 2s\n",
        "    retry_period: 2s\n    release_on_stop: []\n",
    );
    let s = parse_str(&text, FILE, Format::Yaml).unwrap();
    assert_eq!(s.control_plane.leader_election.release_on_stop, [false; 2]);
}

#[test]
fn dns_on_a_pair() {
    let text = pair_with("dns: { ttl: 30s }");
    let err = yaml_error(&text);
    assert_error(&err, &text, "control_plane.load_balancer.dns", "dns:");
    assert!(err.message.contains("virtual IP"), "{err}");
}

#[test]
fn replaced_with_new_address_on_a_cloud() {
    let text = with_lb(&["kind: cloud", "replaced_with_new_address: true"]);
    let err = yaml_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.load_balancer.replaced_with_new_address",
        "replaced_with_new_address:",
    );
    assert!(err.message.contains("only for `kind: single`"), "{err}");
}

#[test]
fn load_balancer_keys_of_other_kinds() {
    for (lines, key, at) in [
        (
            &["kind: pair", "failure: 1y", "repair: 5m", "zone: 1"][..],
            "zone",
            "zone: 1",
        ),
        (
            &["failure: 1y", "repair: 5m", "placement: [1, 2]"][..],
            "placement",
            "placement: [1, 2]",
        ),
        (
            &["failure: 1y", "repair: 5m", "failover: 3s"][..],
            "failover",
            "failover:",
        ),
        (
            &["failure: 1y", "repair: 5m", "dns: { ttl: 30s }"][..],
            "dns",
            "dns:",
        ),
        (
            &[
                "failure: 1y",
                "repair: 5m",
                "replaced_with_new_address: true",
                "dns: { detection: 10s }",
            ][..],
            "dns.detection",
            "dns:",
        ),
        (
            &["kind: single", "repair: 5m"][..],
            "failure",
            "load_balancer:",
        ),
        (&["kind: cloud", "repair: 5m"][..], "repair", "repair: 5m"),
        (
            &["kind: cloud", "failure: 5y"][..],
            "repair",
            "load_balancer:",
        ),
        (
            &["failure: 1y", "repair: 5m", "zone: 4"][..],
            "zone",
            "zone: 4",
        ),
    ] {
        let text = with_lb(lines);
        let err = yaml_error(&text);
        assert_error(
            &err,
            &text,
            &format!("control_plane.load_balancer.{key}"),
            at,
        );
    }
}

#[test]
fn load_balancer_kinds_are_in_the_schema() {
    let schema = json_schema();
    let defs = &schema["$defs"];
    let spec = &defs["LoadBalancerSpec"];
    assert_eq!(spec["additionalProperties"], false);
    for key in [
        "kind",
        "failure",
        "repair",
        "zone",
        "placement",
        "failover",
        "failover_success",
        "health_check",
        "dns",
        "replaced_with_new_address",
    ] {
        assert!(
            spec["properties"][key]["description"].is_string(),
            "LoadBalancerSpec.{key} has a description"
        );
    }
    assert!(defs["ControlPlane"]["properties"]["wiring"].is_object());
    assert!(defs["LeaderElection"]["properties"]["release_on_stop"].is_object());
    for def in ["HealthCheck", "Dns"] {
        assert_eq!(defs[def]["additionalProperties"], false, "{def}");
    }
    let kinds = serde_json::to_string(&defs["LoadBalancerKind"]).unwrap();
    assert!(
        ["single", "pair", "cloud"]
            .iter()
            .all(|k| kinds.contains(&format!("\"{k}\""))),
        "{kinds}"
    );
}

const LB: &str = "  load_balancer:\n    failure: exponential(mean=1y)\n    repair: lognormal(median=5m, sigma=0.8)\n";

/// BASE with `keys` (indented four spaces) added to its load balancer.
fn lb_added(keys: &str) -> String {
    edit("  load_balancer:\n", &format!("  load_balancer:\n{keys}"))
}

// ---- The schema accepts what ships ------------------------------------------

/// Where `value` breaks `schema` (resolved against `root`), as key paths: a
/// small checker of the parts of JSON Schema that `kubenines schema` uses for
/// structure (`$ref`, `anyOf`/`oneOf`, `type`, `const`, `properties` with
/// `additionalProperties: false`, `required`, `items`, `minItems`/`maxItems`,
/// `minimum`/`maximum`/`exclusiveMinimum`). String patterns are not checked:
/// the loader's own tests cover durations and distributions.
fn schema_problems(
    root: &serde_json::Value,
    schema: &serde_json::Value,
    value: &serde_json::Value,
    path: &str,
) -> Vec<String> {
    use serde_json::Value;
    let mut problems = Vec::new();
    if let Some(r) = schema["$ref"].as_str() {
        let name = r.strip_prefix("#/$defs/").expect("a local $ref");
        return schema_problems(root, &root["$defs"][name], value, path);
    }
    for branches in ["anyOf", "oneOf"] {
        if let Some(list) = schema[branches].as_array() {
            let found: Vec<Vec<String>> = list
                .iter()
                .map(|b| schema_problems(root, b, value, path))
                .collect();
            let fits = found.iter().filter(|p| p.is_empty()).count();
            let ok = if branches == "oneOf" {
                fits == 1
            } else {
                fits >= 1
            };
            if !ok {
                problems.push(format!("{path}: {fits} of the {branches} branches fit"));
                // The deeper reasons, from the branches of the value's type.
                let wrong_type = format!("{path}: a ");
                for p in found {
                    if !p.iter().any(|p| p.starts_with(&wrong_type)) {
                        problems.extend(p);
                    }
                }
            }
        }
    }
    if let Some(c) = schema.get("const")
        && c != value
    {
        problems.push(format!("{path}: {value} is not {c}"));
    }
    let type_of = match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    };
    let types: Vec<&str> = match &schema["type"] {
        Value::String(t) => vec![t.as_str()],
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
        _ => vec![],
    };
    let fits_type = types.is_empty()
        || types.contains(&type_of)
        || (type_of == "integer" && types.contains(&"number"));
    if !fits_type {
        problems.push(format!("{path}: a {type_of}, expected {types:?}"));
    }
    if let Some(x) = value.as_f64() {
        let bound = |k: &str| schema[k].as_f64();
        if bound("minimum").is_some_and(|m| x < m)
            || bound("maximum").is_some_and(|m| x > m)
            || bound("exclusiveMinimum").is_some_and(|m| x <= m)
        {
            problems.push(format!("{path}: {x} out of range"));
        }
    }
    if let Value::Object(map) = value {
        for key in schema["required"].as_array().into_iter().flatten() {
            if !map.contains_key(key.as_str().unwrap()) {
                problems.push(format!("{path}: missing {key}"));
            }
        }
        for (key, v) in map {
            let sub = &schema["properties"][key];
            if sub.is_null() {
                if schema["additionalProperties"] == false {
                    problems.push(format!("{path}.{key}: not in the schema"));
                }
            } else {
                problems.extend(schema_problems(root, sub, v, &format!("{path}.{key}")));
            }
        }
    }
    if let Value::Array(items) = value {
        let count = items.len() as u64;
        if schema["minItems"].as_u64().is_some_and(|m| count < m)
            || schema["maxItems"].as_u64().is_some_and(|m| count > m)
        {
            problems.push(format!("{path}: {count} items"));
        }
        if !schema["items"].is_null() {
            for (i, v) in items.iter().enumerate() {
                problems.extend(schema_problems(
                    root,
                    &schema["items"],
                    v,
                    &format!("{path}[{i}]"),
                ));
            }
        }
    }
    problems
}

fn yaml_value(text: &str) -> serde_json::Value {
    serde_saphyr::from_str(text).expect("YAML")
}

/// Editors validate with `kubenines schema`: every shipped scenario (the
/// endpoint-* ones with every API-path key among them) must pass it, and the
/// checker must catch what the loader refuses.
#[test]
fn schema_accepts_every_shipped_scenario() {
    let schema = json_schema();
    let files = shipped();
    assert!(
        files.iter().any(|p| p.ends_with("endpoint-cloud.yaml")),
        "{files:?}"
    );
    for path in files {
        let value = yaml_value(&std::fs::read_to_string(&path).unwrap());
        let problems = schema_problems(&schema, &schema, &value, "");
        assert!(problems.is_empty(), "{}: {problems:?}", path.display());
    }
    assert!(schema_problems(&schema, &schema, &yaml_value(BASE), "").is_empty());

    for (text, problem) in [
        (
            lb_added("    kind: triple\n"),
            ".control_plane.load_balancer",
        ),
        (
            lb_added("    kind: pair\n    placement: [1]\n"),
            ".control_plane.load_balancer",
        ),
        (
            lb_added("    health_check: { interval: 10s, threshold: 3 }\n"),
            ".control_plane.load_balancer",
        ),
        (
            edit("  load_balancer:\n", "  wiring: direct\n  load_balancer:\n"),
            ".control_plane.wiring",
        ),
        (
            edit(
                "    retry_period: 2s\n",
                "    retry_period: 2s\n    release_on_stop: [apiserver]\n",
            ),
            ".control_plane.leader_election.release_on_stop[0]",
        ),
    ] {
        let problems = schema_problems(&schema, &schema, &yaml_value(&text), "");
        assert!(
            problems.iter().any(|p| p.starts_with(problem)),
            "{problem}: {problems:?}"
        );
    }
}

/// The schema `kubenines schema` prints knows changes and certificates: a
/// scenario with every key of both validates against it (with a JSON
/// Schema validator, patterns included), and a strategy that is neither
/// `rolling` nor `all_at_once` does not, nor do the other mistakes the
/// schema can see.
#[test]
fn schema_validates_changes_and_certificates() {
    let schema = json_schema();
    let validator = jsonschema::draft202012::new(&schema).expect("a usable schema");
    let errors = |text: &str| -> Vec<String> {
        validator
            .iter_errors(&yaml_value(text))
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    };
    let text = with_changes(
        "    lifetime: 1y\n    renewed_by: upgrade\n    renew: lognormal(median=2h, sigma=0.8)\n",
        &format!(
            "{UPGRADE}    strategy: rolling\n    batch: 2\n    pause: 10m\n    restart: 45s\n    \
             bad: 0.02\n    caught: 0.9\n    detection: 30m\n    rollback: 15m\n\
             \x20 - name: lb-config\n    every: exponential(mean=60d)\n    target: load_balancer\n    \
             strategy: all_at_once\n"
        ),
    );
    yaml_ok(&text);
    assert_eq!(errors(&text), Vec::<String>::new());
    assert!(schema_problems(&schema, &schema, &yaml_value(&text), "").is_empty());

    let canary = text.replace("strategy: rolling", "strategy: canary");
    let found = errors(&canary);
    assert!(
        !found.is_empty() && found.iter().all(|e| e.starts_with("/changes/0/strategy: ")),
        "{found:?}"
    );
    assert!(
        schema_problems(&schema, &schema, &yaml_value(&canary), "")
            .iter()
            .any(|p| p.starts_with(".changes[0].strategy")),
    );
    for (from, to, at) in [
        ("batch: 2", "batch: 0", "/changes/0/batch"),
        ("bad: 0.02", "bad: 1.5", "/changes/0/bad"),
        ("caught: 0.9", "caught: -0.1", "/changes/0/caught"),
        (
            "target: load_balancer",
            "target: nodes",
            "/changes/1/target",
        ),
        ("name: lb-config", "name: LB", "/changes/1/name"),
        (
            "renewed_by: upgrade",
            "renewed_by: Upgrade",
            "/control_plane/certificates",
        ),
        (
            "lifetime: 1y",
            "lifetime: 1y\n    expires: 1y",
            "/control_plane/certificates",
        ),
        (
            "    rollback: 15m\n",
            "    rollback: 15m\n    canary: 5%\n",
            "/changes/0",
        ),
    ] {
        // At the key, or (an optional section is `anyOf` it or null) at
        // its section.
        let found = errors(&replace_once(&text, from, to));
        assert!(
            !found.is_empty()
                && found
                    .iter()
                    .all(|e| e.starts_with(&format!("{at}: ")) || e.starts_with(&format!("{at}/"))),
            "{to}: {found:?}"
        );
    }
    // Every key has a description.
    let defs = &schema["$defs"];
    assert!(schema["properties"]["changes"]["description"].is_string());
    assert_eq!(schema["properties"]["changes"]["maxItems"], 64);
    for (def, keys) in [
        (
            "Change",
            &[
                "name",
                "every",
                "target",
                "strategy",
                "batch",
                "pause",
                "restart",
                "bad",
                "caught",
                "detection",
                "rollback",
            ][..],
        ),
        ("Certificates", &["lifetime", "renewed_by", "renew"][..]),
    ] {
        assert_eq!(defs[def]["additionalProperties"], false, "{def}");
        assert!(defs[def]["description"].is_string(), "{def}");
        for key in keys {
            assert!(
                defs[def]["properties"][key]["description"].is_string(),
                "{def}.{key} has a description"
            );
        }
    }
    assert!(defs["ControlPlane"]["properties"]["certificates"]["description"].is_string());
}

/// Racks are in the schema: a scenario with every rack key passes it and
/// loads; the schema refuses what the loader refuses of their shape.
#[test]
fn racks_are_in_the_schema() {
    let schema = json_schema();
    let racked = with_workers(
        "workloads:\n  - name: web\n    replicas: 2\n    anti_affinity: { required: rack, preferred: zone }\n",
    )
    .replace(
        "  repair: lognormal(median=4h, sigma=1.2)\n",
        "  repair: lognormal(median=4h, sigma=1.2)\n  racks: { per_zone: 2, failure: exponential(mean=10y), repair: exponential(mean=2h) }\n",
    )
    .replace("  placement: [1, 2, 3]\n", "  placement: [1, 2, 3]\n  rack_placement: [1, 2, 1]\n")
    .replace("  nodes: 6\n", "  nodes: 6\n  rack_placement: [2, 2, 2, 1, 1, 1]\n");
    let problems = schema_problems(&schema, &schema, &yaml_value(&racked), "");
    assert!(problems.is_empty(), "{problems:?}");
    let s = yaml_ok(&racked);
    let racks = s.zones.racks.expect("racks");
    assert_eq!(racks.control_plane, vec![0, 1, 0]);
    assert_eq!(racks.workers, vec![1, 1, 1, 0, 0, 0]);
    assert_eq!(s.workloads[0].anti_affinity, AntiAffinity::Rack);
    for (from, to, problem) in [
        ("per_zone: 2", "per_zone: 0", ".zones.racks.per_zone"),
        (
            "per_zone: 2,",
            "per_zone: 2, colour: red,",
            ".zones.racks.colour",
        ),
        (
            "rack_placement: [1, 2, 1]",
            "rack_placement: [1, 0, 1]",
            ".control_plane.rack_placement[1]",
        ),
        (
            "required: rack",
            "required: shelf",
            ".workloads[0].anti_affinity",
        ),
    ] {
        let text = racked.replace(from, to);
        let problems = schema_problems(&schema, &schema, &yaml_value(&text), "");
        assert!(
            problems.iter().any(|p| p.starts_with(problem)),
            "{problem}: {problems:?}"
        );
        assert!(parse_str(&text, FILE, Format::Yaml).is_err(), "{text}");
    }
}

/// Every key of the API path is in the schema with a description, and the
/// enumerations list their values.
#[test]
fn schema_has_the_api_path_keys() {
    let schema = json_schema();
    let defs = &schema["$defs"];
    for (def, keys) in [
        (
            "LoadBalancerSpec",
            &[
                "kind",
                "failure",
                "repair",
                "zone",
                "placement",
                "failover",
                "failover_success",
                "health_check",
                "dns",
                "replaced_with_new_address",
            ][..],
        ),
        (
            "HealthCheck",
            &["interval", "unhealthy_threshold", "healthy_threshold"][..],
        ),
        ("Dns", &["detection", "ttl"][..]),
        ("ControlPlane", &["wiring", "load_balancer"][..]),
        ("LeaderElection", &["release_on_stop"][..]),
    ] {
        assert_eq!(defs[def]["additionalProperties"], false, "{def}");
        assert!(defs[def]["description"].is_string(), "{def}");
        for key in keys {
            assert!(
                defs[def]["properties"][key]["description"].is_string(),
                "{def}.{key} has a description"
            );
        }
    }
    for (def, values) in [
        ("LoadBalancerKind", &["single", "pair", "cloud"][..]),
        ("Wiring", &["kubeadm", "load_balancer"][..]),
        ("Controller", &["scheduler", "controller_manager"][..]),
    ] {
        let consts: Vec<&str> = defs[def]["oneOf"]
            .as_array()
            .unwrap_or_else(|| panic!("{def} is an enumeration"))
            .iter()
            .map(|v| v["const"].as_str().unwrap())
            .collect();
        assert_eq!(consts, values, "{def}");
    }
    let lb = &defs["LoadBalancerSpec"]["properties"];
    assert_eq!(lb["placement"]["minItems"], 2);
    assert_eq!(lb["placement"]["maxItems"], 2);
    assert_eq!(lb["zone"]["minimum"], 1);
    assert_eq!(
        defs["HealthCheck"]["properties"]["healthy_threshold"]["minimum"],
        1
    );
    assert_eq!(lb["replaced_with_new_address"]["type"][0], "boolean");
    let release = &defs["LeaderElection"]["properties"]["release_on_stop"];
    assert_eq!(release["items"]["$ref"], "#/$defs/Controller");
    assert_eq!(release["uniqueItems"], true);
}

/// The README's "Scenario files" examples are real: the complete scenario
/// loads, with its change and certificates, and each load-balancer example
/// loads in BASE's place.
#[test]
fn readme_scenario_examples_load() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let section = readme
        .split("\n## Scenario files\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("a Scenario files section");
    let blocks: Vec<&str> = section
        .split("```yaml\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    let complete: Vec<&&str> = blocks.iter().filter(|b| b.starts_with("name:")).collect();
    assert_eq!(complete.len(), 1, "{blocks:?}");
    let s = parse_str(complete[0], "README.md", Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.control_plane.wiring, Wiring::Kubeadm);
    // Its change renews its certificates.
    assert_eq!(s.changes.len(), 1);
    assert_eq!(s.changes[0].target, ChangeTarget::ControlPlane);
    assert_eq!(
        s.control_plane.certificates.map(|c| c.renewed_by),
        Some(Some(0))
    );
    let kinds: Vec<&str> = blocks
        .iter()
        .filter(|b| b.starts_with("  load_balancer:"))
        .map(|b| {
            let s = yaml_ok(&edit(LB, b));
            match s.control_plane.load_balancer_kind {
                Some(LoadBalancerKind::Single { .. }) => "single",
                Some(LoadBalancerKind::Pair { .. }) => "pair",
                Some(LoadBalancerKind::Cloud { .. }) => "cloud",
                None => "none",
            }
        })
        .collect();
    assert_eq!(kinds, ["single", "pair", "cloud"]);
    // Issue 16's example loads beside BASE.
    let issue_16: Vec<&&str> = blocks
        .iter()
        .filter(|b| b.starts_with("workers:"))
        .collect();
    assert_eq!(issue_16.len(), 1, "{blocks:?}");
    let text = format!("{BASE}{}", issue_16[0]);
    let s = load_16_ok(&text);
    assert_eq!(s.workloads[0].kind, WorkloadKind::StatefulSet);
    assert!(s.autoscaler.is_some() && s.workers.unwrap().replacement.is_some());
}

/// A file that breaks three independent rules, in three sections, gets
/// three errors, in the file's order, each at its own line; `parse_str`
/// gives the first of them.
#[test]
fn every_semantic_error_of_a_file_is_reported_in_order() {
    let text = edit("placement: [1, 2, 3]", "placement: [1, 2, 4]")
        .replace("renew_deadline: 10s", "renew_deadline: 20s")
        + "slos:\n  - indicator: api\n    availability: 150\n";
    let errors = match kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml) {
        Ok(s) => panic!("expected errors, loaded {s:?}"),
        Err(errors) => errors,
    };
    let found: Vec<(Option<&str>, Option<u32>)> =
        errors.iter().map(|e| (e.key.as_deref(), e.line)).collect();
    assert_eq!(
        found,
        [
            (
                Some("control_plane.placement[2]"),
                Some(line_of(&text, "placement: [1, 2, 4]"))
            ),
            (
                Some("control_plane.leader_election.renew_deadline"),
                Some(line_of(&text, "renew_deadline: 20s"))
            ),
            (
                Some("slos[0].availability"),
                Some(line_of(&text, "availability: 150"))
            ),
        ],
        "{errors:?}"
    );
    assert!(errors.iter().all(|e| e.file == FILE && e.column.is_some()));
    assert_eq!(yaml_error(&text), errors[0]);
}

/// Items of one list are checked each on its own: two bad disasters and a
/// good one between them give two errors; a name repeated is still a
/// repeat when the first holder is itself invalid in another key.
#[test]
fn each_list_item_is_checked_on_its_own() {
    let text = format!(
        "{BASE}recovery:\n  detection: 5m\n  force_new_cluster: 1h\n  restore: 2h\n\
         disasters:\n  - name: Bad_Name\n    every: exponential(mean=20y)\n\
         \x20 - name: corruption\n    every: 0s\n\
         \x20 - name: corruption\n    every: exponential(mean=20y)\n"
    );
    let errors = kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml)
        .expect_err("three bad disasters");
    let keys: Vec<&str> = errors.iter().filter_map(|e| e.key.as_deref()).collect();
    assert_eq!(
        keys,
        [
            "disasters[0].name",
            "disasters[1].every",
            "disasters[2].name"
        ],
        "{errors:?}"
    );
    assert_eq!(errors[0].line, Some(line_of(&text, "Bad_Name")));
    assert_eq!(errors[1].line, Some(line_of(&text, "every: 0s")));
    assert!(
        errors[2]
            .message
            .contains("already the name of disasters[1]"),
        "{}",
        errors[2]
    );
}

/// A part that depends on an invalid one is not checked against it: with
/// `zones.count: 0` the placements are not also reported, and with invalid
/// workloads an SLO on `workload/web` is not called unknown (a typo in a
/// fixed indicator still is).
#[test]
fn dependent_parts_are_not_reported_twice() {
    let text = edit("count: 3", "count: 0");
    let errors =
        kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml).expect_err("zones.count 0");
    let keys: Vec<&str> = errors.iter().filter_map(|e| e.key.as_deref()).collect();
    assert_eq!(keys, ["zones.count"], "{errors:?}");

    let text = format!(
        "{BASE}workers:\n  nodes: 3\n  node:\n    failure: exponential(mean=2y)\n    repair: 1h\n\
         workloads:\n  - name: web\n    replicas: 0\n\
         slos:\n  - indicator: workload/web\n    availability: 99.9%\n\
         \x20 - indicator: apii\n    availability: 99.9%\n"
    );
    let errors =
        kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml).expect_err("bad workload");
    let keys: Vec<&str> = errors.iter().filter_map(|e| e.key.as_deref()).collect();
    assert_eq!(
        keys,
        ["workloads[0].replicas", "slos[1].indicator"],
        "{errors:?}"
    );
}

/// A parse or type error stops the file: one error, whatever else is wrong.
#[test]
fn a_type_error_is_the_only_error() {
    let text =
        edit("placement: [1, 2, 3]", "placement: [1, 2, 4]").replace("nodes: 3", "nodes: three");
    let errors =
        kubenines::scenario::parse_str_all(&text, FILE, Format::Yaml).expect_err("a type error");
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0].key.as_deref(), Some("control_plane.nodes"));
}

/// Each workload is checked on its own: a mistake in two workloads and one
/// in the SLOs are three errors, in the file's order, not the first alone.
#[test]
fn every_workload_with_a_mistake_is_reported() {
    let text = "\
name: two-bad-workloads
simulation: { horizon: 1y, replications: 10 }
control_plane:
  topology: stacked
  nodes: 3
  node: { failure: exponential(mean=1y), repair: fixed(1h) }
  load_balancer: none
workers:
  nodes: 3
  node: { failure: exponential(mean=1y), repair: fixed(1h) }
workloads:
  - name: web
    replicas: 3
    min_available: 4
  - name: api
    replicas: 2
  - name: api
    replicas: 2
slos:
  - indicator: apii
    availability: 99.9%
";
    let errors =
        kubenines::scenario::parse_str_all(text, "t.yaml", kubenines::scenario::Format::Yaml)
            .expect_err("invalid");
    let found: Vec<(String, u32)> = errors
        .iter()
        .map(|e| (e.key.clone().unwrap_or_default(), e.line.unwrap_or(0)))
        .collect();
    assert_eq!(
        found,
        [
            ("workloads[0].min_available".to_string(), 14),
            ("workloads[2].name".to_string(), 17),
            ("slos[0].indicator".to_string(), 20),
        ],
        "{errors:?}"
    );
}

// ---- Issue 16: StatefulSets, volumes, capacity, replacement, autoscaler ----

/// The control plane's lines `BASE` gets for a stacked `replacement`: etcd's
/// member replacement (a replaced host joins empty) and the replacement.
const CP_REPLACEMENT: &str = "  replacement: { after: 10m, provision: 5m }\n";

/// The workers of the issue-16 scenario, with their keys.
const WORKERS_16: &str = "\
workers:
  nodes: 6
  node:
    failure: weibull(shape=0.8, mean=3y)
    repair: lognormal(median=10m, sigma=1.0)
    capacity: { cpu: 4, memory: 16Gi }
  out_of_service: 30m
  replacement: { after: 5m, provision: 3m }
";

/// A StatefulSet with every workload key of issue 16.
const DB: &str = "\
workloads:
  - name: db
    kind: statefulset
    replicas: 3
    anti_affinity: zone
    volume: { attach: 20s }
    requests: { cpu: 500m, memory: 2Gi }
";

const AUTOSCALER: &str = "autoscaler: { scale_up: 3m, max_workers: 9, scale_down_after: 10m }\n";

/// `BASE` with every key of issue 16 (and the member replacement, recovery
/// and backups that replaced control-plane hosts need).
fn all_16() -> String {
    let base = edit(
        "    election: uniform(min=1s, max=2s)\n",
        "    election: uniform(min=1s, max=2s)\n    member_replace: 30m\n",
    );
    format!("{base}{CP_REPLACEMENT}{RECOVERY}{BACKUPS}{WORKERS_16}{DB}{AUTOSCALER}")
}

fn load_16(text: &str) -> Result<Scenario, Vec<ScenarioError>> {
    parse_str_all(text, FILE, Format::Yaml)
}

fn load_16_ok(text: &str) -> Scenario {
    load_16(text).unwrap_or_else(|e| panic!("{}", e[0]))
}

/// The first error of a scenario with keys of issue 16.
fn load_16_error(text: &str) -> ScenarioError {
    match load_16(text) {
        Ok(s) => panic!("expected an error, loaded {s:?}"),
        Err(e) => e.into_iter().next().unwrap(),
    }
}

#[test]
fn issue_16_keys_load_as_written() {
    let text = all_16();
    let s = load_16_ok(&text);
    assert!(s.warnings.is_empty(), "{:#?}", s.warnings);
    let w = s.workers.as_ref().unwrap();
    assert_eq!(
        w.capacity,
        Some(NodeCapacity {
            cpu_millicores: 4000,
            memory_bytes: 16 << 30,
            pods: 110,
        })
    );
    assert_eq!(w.out_of_service, Some(Distribution::Fixed(1800.0)));
    assert_eq!(
        w.replacement,
        Some(Replacement {
            after: Distribution::Fixed(300.0),
            provision: Distribution::Fixed(180.0),
        })
    );
    let cp = &s.control_plane;
    assert_eq!(
        cp.replacement,
        Some(Replacement {
            after: Distribution::Fixed(600.0),
            provision: Distribution::Fixed(300.0),
        })
    );
    assert_eq!(cp.etcd_replacement, None);
    assert!(
        s.can_lose_data(),
        "a replaced stacked host loses its etcd data"
    );
    let db = &s.workloads[0];
    assert_eq!(db.kind, WorkloadKind::StatefulSet);
    assert_eq!(
        db.volume,
        Some(Volume {
            zonal: true,
            attach: Distribution::Fixed(20.0),
            force_detach: 360.0,
        })
    );
    assert_eq!(
        db.requests,
        Resources {
            cpu_millicores: 500,
            memory_bytes: 2 << 30,
        }
    );
    assert_eq!(
        s.autoscaler,
        Some(Autoscaler {
            scale_up: Distribution::Fixed(180.0),
            max_workers: 9,
            scale_down_after: 600.0,
        })
    );
    // Written out, the defaults read the same.
    let explicit = replace_once(
        &replace_once(
            &text,
            "volume: { attach: 20s }",
            "volume: { zonal: true, attach: 20s, force_detach: 6m }",
        ),
        "capacity: { cpu: 4, memory: 16Gi }",
        "capacity: { cpu: 4000m, memory: 16384Mi, pods: 110 }",
    );
    assert_eq!(load_16_ok(&explicit), s);
    let other = replace_once(
        &replace_once(
            &text,
            "volume: { attach: 20s }",
            "volume: { zonal: false, attach: 20s, force_detach: 1m }",
        ),
        "capacity: { cpu: 4, memory: 16Gi }",
        "capacity: { cpu: 4, memory: 16Gi, pods: 30 }",
    );
    let o = load_16_ok(&other);
    let v = o.workloads[0].volume.as_ref().unwrap();
    assert_eq!((v.zonal, v.force_detach), (false, 60.0));
    assert_eq!(o.workers.as_ref().unwrap().capacity.unwrap().pods, 30);
}

/// Without the keys, nothing of them is filled in; written as their
/// defaults (`kind: deployment`, `out_of_service: never`, empty
/// `requests`), they change nothing, not even the content hash, and are
/// not refused.
#[test]
fn issue_16_defaults_change_nothing() {
    let plain = with_workers("workloads:\n  - name: web\n    replicas: 3\n");
    let s = yaml_ok(&plain);
    let w = s.workers.as_ref().unwrap();
    assert_eq!(
        (
            w.out_of_service.as_ref(),
            w.capacity,
            w.replacement.as_ref()
        ),
        (None, None, None)
    );
    assert_eq!(s.workloads[0].kind, WorkloadKind::Deployment);
    assert_eq!(s.workloads[0].volume, None);
    assert_eq!(s.workloads[0].requests, Resources::default());
    assert_eq!(s.control_plane.replacement, None);
    assert_eq!(s.autoscaler, None);
    let defaults = replace_once(
        &replace_once(
            &plain,
            "    repair: lognormal(median=10m, sigma=1.0)\n",
            "    repair: lognormal(median=10m, sigma=1.0)\n  out_of_service: never\n",
        ),
        "    replicas: 3\n",
        "    replicas: 3\n    kind: deployment\n    requests: {}\n",
    );
    let d = yaml_ok(&defaults);
    assert_eq!(d, s);
    assert_eq!(d.content_hash(), s.content_hash());
    // The hash is of the Debug form, which leaves the keys out when unset,
    // so that scenarios written before them keep their hash.
    let form = format!("{d:?}");
    for key in [
        "kind",
        "volume",
        "requests",
        "out_of_service",
        "capacity",
        "replacement",
        "etcd_replacement",
        "autoscaler",
    ] {
        assert!(!form.contains(&format!(" {key}: ")), "{key}: {form}");
    }
    // Any key set changes the hash.
    let statefulset = load_16_ok(&replace_once(
        &defaults,
        "kind: deployment",
        "kind: statefulset",
    ));
    assert_ne!(statefulset.content_hash(), s.content_hash());
}

/// Every key of issue 16 is simulated: a scenario with all of them loads
/// and runs, and so does one with external etcd hosts' replacement.
#[test]
fn issue_16_keys_are_all_simulated() {
    let s = parse_str(&all_16(), FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.autoscaler.is_some());
    let model = kubenines::model::Model::build(&s).unwrap();
    assert!(model.autoscaler.is_some());
    let text = format!(
        "{}  etcd_replacement: {{ after: 10m, provision: 5m }}\n{RECOVERY}{BACKUPS}",
        replace_once(
            &external(""),
            "    election: uniform(min=1s, max=2s)\n",
            "    election: uniform(min=1s, max=2s)\n    member_replace: 30m\n",
        )
    );
    let s = parse_str(&text, FILE, Format::Yaml).unwrap_or_else(|e| panic!("{e}"));
    assert!(s.control_plane.etcd_replacement.is_some());
}

/// An autoscaler with fewer workers than the cluster starts with is a
/// located error, the only one of a scenario with every key of issue 16.
#[test]
fn max_workers_below_the_starting_workers_is_an_error() {
    let text = replace_once(&all_16(), "max_workers: 9", "max_workers: 5");
    let errors = parse_str_all(&text, FILE, Format::Yaml).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_error(
        &errors[0],
        &text,
        "autoscaler.max_workers",
        "max_workers: 5",
    );
    assert!(
        errors[0].message.contains("fewer than the 6 workers"),
        "{}",
        errors[0]
    );
}

#[test]
fn quantities_kubernetes_refuses_are_located_errors() {
    for (from, to, key, needle) in [
        (
            "cpu: 500m",
            "cpu: -1",
            "workloads[0].requests.cpu",
            "negative",
        ),
        (
            "cpu: 500m",
            "cpu: 0.5m",
            "workloads[0].requests.cpu",
            "finer than a millicore",
        ),
        (
            "cpu: 500m",
            "cpu: 100u",
            "workloads[0].requests.cpu",
            "finer than a millicore",
        ),
        (
            "memory: 2Gi",
            "memory: 2GB",
            "workloads[0].requests.memory",
            "not a Kubernetes quantity",
        ),
        (
            "memory: 2Gi",
            "memory: -2Gi",
            "workloads[0].requests.memory",
            "negative",
        ),
        (
            "memory: 2Gi",
            "memory: lots",
            "workloads[0].requests.memory",
            "not a Kubernetes quantity",
        ),
        (
            "memory: 16Gi",
            "memory: 16 Gi",
            "workers.node.capacity.memory",
            "not a Kubernetes quantity",
        ),
        (
            "cpu: 4,",
            "cpu: 4K,",
            "workers.node.capacity.cpu",
            "not a Kubernetes quantity",
        ),
        (
            "cpu: 4,",
            "cpu: Mi,",
            "workers.node.capacity.cpu",
            "not a Kubernetes quantity",
        ),
    ] {
        let text = replace_once(&all_16(), from, to);
        // The parser stops at the value: the same through either entry point.
        let err = yaml_error(&text);
        assert_eq!(load_16_error(&text), err);
        assert_eq!(err.key.as_deref(), Some(key), "{to}: {err}");
        assert_eq!(err.line, Some(line_of(&text, to)), "{to}: {err}");
        assert!(err.column.is_some(), "{err}");
        assert!(err.message.contains(needle), "{to}: {err}");
    }
    // Numbers are quantities too, as Kubernetes reads them.
    let text = replace_once(
        &replace_once(&all_16(), "cpu: 500m", "cpu: 0.25"),
        "memory: 2Gi",
        "memory: 1048576",
    );
    let r = load_16_ok(&text).workloads[0].requests;
    assert_eq!((r.cpu_millicores, r.memory_bytes), (250, 1 << 20));
    let err = load_16_error(&replace_once(&all_16(), "cpu: 500m", "cpu: -0.5"));
    assert!(err.message.contains("negative"), "{err}");
}

#[test]
fn issue_16_bad_values_are_located_errors() {
    for (from, to, key, needle) in [
        (
            "volume: { attach: 20s }",
            "volume: { attach: never }",
            "workloads[0].volume.attach",
            "never",
        ),
        (
            "volume: { attach: 20s }",
            "volume: { attach: 20s, force_detach: 0 }",
            "workloads[0].volume.force_detach",
            "greater than 0",
        ),
        (
            "memory: 16Gi }",
            "memory: 16Gi, pods: 0 }",
            "workers.node.capacity.pods",
            "at least 1",
        ),
        (
            "out_of_service: 30m",
            "out_of_service: lognormal(median=1h, sigma=40)",
            "workers.out_of_service",
            "not a finite number",
        ),
        (
            "replacement: { after: 5m, provision: 3m }",
            "replacement: { after: never, provision: 3m }",
            "workers.replacement.after",
            "never",
        ),
        (
            "replacement: { after: 10m, provision: 5m }",
            "replacement: { after: 10m, provision: never }",
            "control_plane.replacement.provision",
            "never",
        ),
        (
            "scale_up: 3m",
            "scale_up: never",
            "autoscaler.scale_up",
            "never",
        ),
        (
            "max_workers: 9",
            "max_workers: 5",
            "autoscaler.max_workers",
            "fewer than the 6 workers",
        ),
        (
            "max_workers: 9",
            "max_workers: 1001",
            "autoscaler.max_workers",
            "1000 workers at most",
        ),
        (
            "scale_down_after: 10m",
            "scale_down_after: 0",
            "autoscaler.scale_down_after",
            "greater than 0",
        ),
    ] {
        let text = replace_once(&all_16(), from, to);
        let err = load_16_error(&text);
        assert_error(&err, &text, key, to);
        assert!(err.message.contains(needle), "{to}: {err}");
    }
    // Each zone with workers gets a slot per worker the autoscaler may add:
    // twelve zones of workers, up to 1,000 workers, are 12 + 12 × 988.
    let text = replace_once(
        &replace_once(
            &replace_once(&all_16(), "  count: 3\n", "  count: 12\n"),
            "  nodes: 6\n  node:\n    failure: weibull",
            "  nodes: 12\n  node:\n    failure: weibull",
        ),
        "max_workers: 9",
        "max_workers: 1000",
    );
    let err = load_16_error(&text);
    assert_error(&err, &text, "autoscaler.max_workers", "max_workers: 1000");
    assert!(
        err.message.contains("each of the 12 zones")
            && err.message.contains("11868 workers in all")
            && err.message.contains("10000 at most"),
        "{err}"
    );
    // Eleven zones' slots fit: 11 + 11 × 898.
    let text = replace_once(
        &replace_once(&text, "  count: 12\n", "  count: 11\n"),
        "  nodes: 12\n",
        "  nodes: 11\n",
    );
    let fits = replace_once(&text, "max_workers: 1000", "max_workers: 909");
    assert!(load_16(&fits).is_ok());
    // `kind` is deployment or statefulset.
    let text = replace_once(&all_16(), "kind: statefulset", "kind: daemonset");
    let err = load_16_error(&text);
    assert_error(&err, &text, "workloads[0].kind", "kind: daemonset");
    // The autoscaler needs workers.
    let text = format!("{BASE}{AUTOSCALER}");
    let err = load_16_error(&text);
    assert_error(&err, &text, "autoscaler", "autoscaler:");
    assert!(err.message.contains("add `workers`"), "{err}");
    // etcd_replacement is for external etcd hosts only.
    let text = format!("{BASE}  etcd_replacement: {{ after: 10m, provision: 5m }}\n");
    let err = load_16_error(&text);
    assert_error(
        &err,
        &text,
        "control_plane.etcd_replacement",
        "etcd_replacement:",
    );
    assert!(
        err.message.contains("only for `topology: external`"),
        "{err}"
    );
    // Replaced stacked hosts lose their etcd data: etcd's member
    // replacement and the operator's recovery are needed, as for disk_loss.
    let text = format!("{BASE}{CP_REPLACEMENT}{RECOVERY}");
    let err = load_16_error(&text);
    assert_error(&err, &text, "control_plane.replacement", "  replacement:");
    assert!(err.message.contains("member_replace"), "{err}");
    let text = format!(
        "{}{CP_REPLACEMENT}{BACKUPS}",
        edit(
            "    election: uniform(min=1s, max=2s)\n",
            "    election: uniform(min=1s, max=2s)\n    member_replace: 30m\n",
        )
    );
    let err = load_16_error(&text);
    assert_error(&err, &text, "control_plane.replacement", "  replacement:");
    assert!(err.message.contains("add `recovery`"), "{err}");
}

#[test]
fn warning_requests_no_worker_has_room_for() {
    for (from, to, key) in [
        ("cpu: 500m", "cpu: 4500m", "workloads[0].requests.cpu"),
        (
            "memory: 2Gi",
            "memory: 17Gi",
            "workloads[0].requests.memory",
        ),
    ] {
        let text = replace_once(&all_16(), from, to);
        let s = load_16_ok(&text);
        assert_warning(
            &s,
            &text,
            key,
            "requests: {",
            &[
                "more than a worker has",
                "workers.node.capacity",
                "stays Pending forever, as in Kubernetes",
            ],
        );
        // A warning, not an error: it loads.
        assert!(parse_str_all(&text, FILE, Format::Yaml).is_ok());
    }
    // As much as a worker has fits.
    let text = replace_once(
        &replace_once(&all_16(), "cpu: 500m", "cpu: 4"),
        "memory: 2Gi",
        "memory: 16Gi",
    );
    assert!(load_16_ok(&text).warnings.is_empty());
}

#[test]
fn warning_requests_without_capacity_are_ignored() {
    let text = replace_once(&all_16(), "    capacity: { cpu: 4, memory: 16Gi }\n", "");
    let s = load_16_ok(&text);
    assert_warning(
        &s,
        &text,
        "workloads[0].requests",
        "requests: {",
        &["requests are ignored without `workers.node.capacity`"],
    );
}

#[test]
fn warning_statefulset_anti_affinity_as_for_a_deployment() {
    // More replicas than zones under `anti_affinity: zone`, and than workers
    // under `host`: Kubernetes accepts both, so a warning, as for a Deployment.
    for (from, to, needles) in [
        (
            "    replicas: 3\n",
            "    replicas: 4\n",
            ["at most 3 can be placed", "one per zone"],
        ),
        (
            "    replicas: 3\n    anti_affinity: zone\n",
            "    replicas: 7\n    anti_affinity: host\n",
            ["at most 6 can be placed", "anti_affinity: host"],
        ),
    ] {
        let text = replace_once(&all_16(), from, to);
        let statefulset = load_16_ok(&text);
        let at = to.lines().next().unwrap().trim();
        assert_warning(&statefulset, &text, "workloads[0].replicas", at, &needles);
        let deployment = load_16_ok(&replace_once(
            &text,
            "kind: statefulset",
            "kind: deployment",
        ));
        assert_eq!(deployment.warnings, statefulset.warnings);
    }
}

#[test]
fn warning_replacement_beside_disk_loss() {
    // Stacked: the control-plane hosts' disk_loss.
    let text = replace_once(
        &all_16(),
        "    repair: lognormal(median=30m, sigma=1.0)\n",
        "    repair: lognormal(median=30m, sigma=1.0)\n    disk_loss: 0.2\n",
    );
    let s = load_16_ok(&text);
    assert_warning(
        &s,
        &text,
        "control_plane.node.disk_loss",
        "disk_loss: 0.2",
        &[
            "`control_plane.replacement`",
            "replacement wins",
            "adds nothing",
        ],
    );
    // External: the etcd hosts' disk_loss beside etcd_replacement.
    let text = format!(
        "{}  etcd_replacement: {{ after: 10m, provision: 5m }}\n{RECOVERY}{BACKUPS}",
        replace_once(
            &external("    disk_loss: 0.1\n"),
            "    election: uniform(min=1s, max=2s)\n",
            "    election: uniform(min=1s, max=2s)\n    member_replace: 30m\n",
        )
    );
    let s = load_16_ok(&text);
    assert_warning(
        &s,
        &text,
        "control_plane.etcd_node.disk_loss",
        "disk_loss: 0.1",
        &["`control_plane.etcd_replacement`", "replacement wins"],
    );
}

/// `kubenines schema` knows the keys of issue 16: the scenario with all of
/// them validates against it, and what the schema can see is refused.
#[test]
fn schema_validates_issue_16_keys() {
    let schema = json_schema();
    let validator = jsonschema::draft202012::new(&schema).expect("a usable schema");
    let errors = |text: &str| -> Vec<String> {
        validator
            .iter_errors(&yaml_value(text))
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect()
    };
    let text = all_16();
    assert_eq!(errors(&text), Vec::<String>::new());
    for (from, to, at) in [
        ("kind: statefulset", "kind: daemonset", "/workloads/0"),
        ("cpu: 500m", "cpu: -1", "/workloads/0"),
        ("memory: 2Gi", "memory: 2GB", "/workloads/0"),
        ("memory: 16Gi }", "memory: 16Gi, pods: 0 }", "/workers"),
        ("max_workers: 9", "max_workers: 1001", "/autoscaler"),
        (
            "volume: { attach: 20s }",
            "volume: { attach: 20s, size: 1Gi }",
            "/workloads/0",
        ),
        ("scale_up: 3m", "scale_up: 3", "/autoscaler"),
    ] {
        let found = errors(&replace_once(&text, from, to));
        assert!(
            !found.is_empty()
                && found
                    .iter()
                    .all(|e| e.starts_with(&format!("{at}: ")) || e.starts_with(&format!("{at}/"))),
            "{to}: {found:?}"
        );
    }
    let defs = &schema["$defs"];
    for (def, keys) in [
        (
            "Autoscaler",
            &["scale_up", "max_workers", "scale_down_after"][..],
        ),
        ("Replacement", &["after", "provision"]),
        ("Volume", &["zonal", "attach", "force_detach"]),
        ("Capacity", &["cpu", "memory", "pods"]),
        ("Requests", &["cpu", "memory"]),
        ("WorkerNodeSpec", &["failure", "repair", "capacity"]),
        ("Workers", &["out_of_service", "replacement"]),
        ("Workload", &["kind", "volume", "requests"]),
        ("ControlPlane", &["replacement", "etcd_replacement"]),
    ] {
        for key in keys {
            assert!(
                defs[def]["properties"][key]["description"].is_string(),
                "{def}.{key} has a description"
            );
        }
    }
    assert!(schema["properties"]["autoscaler"]["description"].is_string());
}
