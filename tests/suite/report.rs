//! `report STUDY --out DIR`: every chart is produced and non-empty, the
//! HTML page is well-formed and self-contained, the Markdown carries the
//! same charts as PNG; and, in a study whose designs share most
//! components, paired differences are tighter than unpaired ones.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use kubenines::model::Model;
use kubenines::report::compare::ComparisonResults;
use kubenines::runner::{RunOptions, run_paired};
use kubenines::scenario::load_study;
use quick_xml::Reader;
use quick_xml::events::Event;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh directory under the system's temporary one.
fn out_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kubenines-report-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

const CHARTS: [&str; 7] = [
    "availability",
    "downtime_by_cause",
    "outage_durations",
    "rpo",
    "cost",
    "sweep-1",
    "timeline",
];

/// The namespaces inlined SVG and XHTML declare: the only URLs allowed.
const NAMESPACES: [&str; 3] = [
    "http://www.w3.org/2000/svg",
    "http://www.w3.org/1999/xhtml",
    "http://www.w3.org/1999/xlink",
];

fn assert_self_contained(html: &str) {
    let mut rest = html.to_string();
    for ns in NAMESPACES {
        rest = rest.replace(ns, "");
    }
    for forbidden in [
        "http://", "https://", "<link", "<script", "src=", "url(", "@import",
    ] {
        assert!(!rest.contains(forbidden), "the page contains {forbidden:?}");
    }
}

fn assert_well_formed(html: &str) {
    // The page is polyglot XHTML: every element closed, so an XML reader
    // must get through it. The doctype is the one non-XML construct.
    let mut reader = Reader::from_str(html);
    let mut depth: i64 = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth -= 1,
            Ok(_) => {}
            Err(e) => panic!("not well-formed at byte {}: {e}", reader.error_position()),
        }
        assert!(depth >= 0, "an element closes that never opened");
    }
    assert_eq!(depth, 0, "elements left open");
}

/// `kubenines report FILES... --out DIR -n N --quiet`, run from the
/// repository's root; fails the test unless it succeeds.
fn run_report(files: &[&str], dir: &Path, replications: &str) {
    run_report_with_input(files, dir, replications, "");
}

/// The same, with `input` on standard input.
fn run_report_with_input(files: &[&str], dir: &Path, replications: &str, input: &str) {
    let output = Command::cargo_bin("kubenines")
        .expect("binary")
        .current_dir(root())
        .arg("report")
        .args(files)
        .arg("--out")
        .arg(dir)
        .args(["-n", replications, "--quiet"])
        .write_stdin(input)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn report_writes_every_chart_and_a_self_contained_page() {
    let dir = out_dir("full");
    run_report(&["tests/studies/report.yaml"], &dir, "96");
    for stem in CHARTS {
        let svg = std::fs::read_to_string(dir.join(format!("charts/{stem}.svg")))
            .unwrap_or_else(|e| panic!("{stem}.svg: {e}"));
        assert!(
            svg.starts_with("<svg") && svg.contains("<text"),
            "{stem}.svg is empty"
        );
        // Its marks answer the pointer with their values.
        assert!(svg.contains("<title>"), "{stem}.svg has no tooltips");
        let png = std::fs::read(dir.join(format!("charts/{stem}.png"))).expect("png");
        assert!(png.len() > 2000, "{stem}.png is {} bytes", png.len());
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "{stem}.png is not a PNG");
    }
    let html = std::fs::read_to_string(dir.join("index.html")).expect("index.html");
    assert_well_formed(&html);
    assert_self_contained(&html);
    assert_eq!(
        html.matches("<svg").count(),
        CHARTS.len(),
        "every chart inlined"
    );
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    for stem in CHARTS {
        assert!(
            md.contains(&format!("(charts/{stem}.png)")),
            "{stem} missing from the Markdown"
        );
    }
    // The page states how to reproduce it: the seed, the replications and the command.
    for needle in ["seed", "96", "kubenines report tests/studies/report.yaml"] {
        assert!(
            html.contains(needle) && md.contains(needle),
            "{needle} missing"
        );
    }
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("json"))
            .expect("parses");
    assert_eq!(json["designs"].as_array().map(Vec::len), Some(5));
    assert_eq!(json["study"]["name"], "report-test");
    let csv = std::fs::read_to_string(dir.join("results.csv")).expect("csv");
    assert_eq!(csv.lines().count(), 1 + 5, "a header and a row per design");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn report_refuses_a_bad_study_and_a_study_among_scenarios_with_exit_2() {
    let dir = out_dir("bad");
    for files in [
        &["tests/studies/missing.yaml"][..],
        &["scenarios/stacked-3.yaml", "tests/studies/report.yaml"],
        &["scenarios/stacked-3.yaml", "scenarios/missing.yaml"],
    ] {
        let output = Command::cargo_bin("kubenines")
            .expect("binary")
            .current_dir(root())
            .arg("report")
            .args(files)
            .arg("--out")
            .arg(&dir)
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(2), "{files:?}");
        assert!(!String::from_utf8_lossy(&output.stderr).is_empty());
    }
    assert!(!dir.exists(), "nothing written on bad input");
}

/// `report` takes what `compare` takes: scenario files too, one or more.
/// With a scenario's SLOs and data loss (production: backups, disasters,
/// SLOs) the report judges the SLOs and gives RPO and RTO, and the
/// results are `compare`'s for the same files, to the bit.
#[test]
fn report_of_scenario_files_has_every_indicator_the_slos_and_the_data() {
    let dir = out_dir("files");
    let files = [
        "scenarios/production.yaml",
        "scenarios/production-workloads.yaml",
    ];
    run_report(&files, &dir, "64");
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.starts_with("# Comparison of 2 scenarios\n"), "{md}");
    assert!(md.contains(
        "Scenario files `scenarios/production.yaml, scenarios/production-workloads.yaml`"
    ));
    for section in [
        "## Every indicator",
        "## Service-level objectives",
        "## Data at risk",
    ] {
        assert!(md.contains(section), "{section} missing");
    }
    assert!(md.contains(
        "kubenines report scenarios/production.yaml scenarios/production-workloads.yaml --out"
    ));
    assert!(md.contains("The scenario file `scenarios/production.yaml`, as written"));
    // A column per indicator, workloads included.
    let every = &md[md.find("## Every indicator").unwrap()..];
    let head = every
        .lines()
        .find(|l| l.starts_with("| Design"))
        .expect("table");
    for key in ["etcd", "api", "control_plane", "workload/"] {
        assert!(head.contains(key), "{key} missing from {head}");
    }
    // Every SLO of production is judged, with one of the three verdicts.
    let slos =
        &md[md.find("## Service-level objectives").unwrap()..md.find("## Data at risk").unwrap()];
    let rows = slos.lines().filter(|l| l.starts_with('|')).skip(2).count();
    let production = kubenines::scenario::load(&root().join(files[0])).expect("loads");
    let workloads = kubenines::scenario::load(&root().join(files[1])).expect("loads");
    assert_eq!(rows, production.slos.len() + workloads.slos.len(), "{slos}");
    assert!(
        slos.lines()
            .filter(|l| l.starts_with('|'))
            .skip(2)
            .all(|l| [
                "| met |",
                "| violated |",
                "| inconclusive |",
                "| **violated** |",
                "| **inconclusive** |"
            ]
            .iter()
            .any(|v| l.contains(v))),
        "{slos}"
    );
    // The same numbers as compare's.
    let compared = Command::cargo_bin("kubenines")
        .expect("binary")
        .current_dir(root())
        .arg("compare")
        .args(files)
        .args(["-n", "64", "--quiet", "-o", "json"])
        .output()
        .expect("runs");
    let strip = |mut v: serde_json::Value| {
        for k in ["wall_seconds", "threads"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("results.json")).expect("json"))
            .expect("parses");
    let compared: serde_json::Value = serde_json::from_slice(&compared.stdout).expect("JSON");
    assert_eq!(strip(report), strip(compared));
    let _ = std::fs::remove_dir_all(&dir);

    // One file is a report too.
    run_report(&["scenarios/stacked-3.yaml"], &dir, "32");
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.starts_with("# Scenario stacked-3\n"), "{md}");
    assert!(
        md.contains("The one design, **stacked-3**, is available"),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// Half-width of a 95% interval.
fn half(ci_low: Option<f64>, ci_high: Option<f64>) -> f64 {
    (ci_high.expect("interval") - ci_low.expect("interval")) / 2.0
}

/// The sweep designs of the test study differ only in the repair median
/// of the control-plane hosts: every other component draws the same random
/// numbers in each, so each paired difference to the baseline is tighter
/// than the two designs' intervals combined as if independent; for the
/// designs nearest the baseline, by a factor of three or more.
#[test]
fn paired_differences_in_a_study_are_tighter_than_unpaired() {
    let study = load_study(Path::new("tests/studies/control-plane.yaml")).expect("loads");
    let replications = 800;
    let mut names = Vec::new();
    let models: Vec<Model> = study
        .designs
        .iter()
        .filter(|d| d.name == "stacked-3" || d.name.starts_with("stacked-3-repair-"))
        .map(|d| {
            names.push(d.name.clone());
            let mut s = d.scenario.clone();
            s.simulation.replications = replications;
            Model::build(&s).expect("builds")
        })
        .collect();
    assert!(models.len() >= 5, "{names:?}");
    let options = RunOptions {
        replications,
        first: 0,
        threads: 2,
    };
    let c = run_paired(&models, 0, &options, &|_| {}).expect("runs");
    let r = ComparisonResults::new(&models, &names, 0, "api", &c);
    let spread = |name: &str| {
        let d = r.designs.iter().find(|d| d.name == name).expect("design");
        let i = &d
            .indicators
            .0
            .iter()
            .find(|(k, _)| k == "api")
            .expect("api")
            .1;
        half(
            i.downtime_minutes_per_year.ci_low,
            i.downtime_minutes_per_year.ci_high,
        )
    };
    let mut much_tighter = 0;
    for name in &names[1..] {
        let d = r.designs.iter().find(|d| &d.name == name).expect("design");
        let diff = &d
            .difference_to_baseline
            .0
            .iter()
            .find(|(k, _)| k == "api")
            .expect("api")
            .1;
        let paired = half(
            diff.downtime_minutes_per_year.ci_low,
            diff.downtime_minutes_per_year.ci_high,
        );
        let unpaired = (spread(&names[0]).powi(2) + spread(name).powi(2)).sqrt();
        println!("{name}: paired ±{paired:.4} min/yr, unpaired ±{unpaired:.4}");
        assert!(
            paired < unpaired,
            "{name}: paired ±{paired} min/yr, unpaired ±{unpaired}"
        );
        much_tighter += usize::from(paired < unpaired / 3.0);
    }
    assert!(
        much_tighter >= 3,
        "only {much_tighter} differences are three times tighter"
    );
}

/// A scenario on standard input: the report names `<stdin>`, and its
/// Reproduce command reads standard input again (`-`, not a file `./-`).
#[test]
fn report_of_standard_input_reproduces_with_a_dash() {
    let dir = out_dir("stdin");
    let text = std::fs::read_to_string(root().join("scenarios/stacked-3.yaml")).expect("reads");
    run_report_with_input(&["-"], &dir, "16", &text);
    let md = std::fs::read_to_string(dir.join("report.md")).expect("report.md");
    assert!(md.contains("Scenario file `<stdin>`"), "{md}");
    assert!(md.contains("```sh\nkubenines report - --out "), "{md}");
    assert!(
        md.contains("A scenario came from standard input (`-`)"),
        "{md}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// An invalid scenario file gives every error it has, as `compare` and
/// `validate` give them, and exit 2.
#[test]
fn report_of_an_invalid_scenario_gives_every_error() {
    let dir = out_dir("invalid");
    std::fs::create_dir_all(&dir).expect("dir");
    let file = dir.join("two-errors.yaml");
    let text = std::fs::read_to_string(root().join("scenarios/stacked-3.yaml"))
        .expect("reads")
        .replacen("name: stacked-3", "name: Stacked 3", 1)
        + "maintenance: { interval: 10s, duration: 5m }\n";
    std::fs::write(&file, text).expect("writes");
    let output = Command::cargo_bin("kubenines")
        .expect("binary")
        .arg("report")
        .arg(&file)
        .arg("--out")
        .arg(dir.join("out"))
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    for key in [": name:", ": maintenance.interval:"] {
        assert!(stderr.contains(key), "{key} missing: {stderr}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Two designs the same in every replication are equally available on
/// every indicator: both are marked the most available, not only the first
/// of them in the ranking's order.
#[test]
fn designs_equally_available_are_all_marked_most_available() {
    let dir = out_dir("twins");
    std::fs::create_dir_all(&dir).expect("dir");
    let text = std::fs::read_to_string(root().join("scenarios/stacked-3.yaml")).expect("reads");
    let twin = dir.join("twin.yaml");
    std::fs::write(&twin, text.replacen("name: stacked-3", "name: twin", 1)).expect("writes");
    let out = dir.join("report");
    run_report(
        &["scenarios/stacked-3.yaml", twin.to_str().expect("utf-8")],
        &out,
        "32",
    );
    let md = std::fs::read_to_string(out.join("report.md")).expect("report.md");
    // The summary names no leader among them.
    assert!(
        md.contains("`etcd` and `control_plane` cannot tell the designs apart (all tied)"),
        "{md}"
    );
    let every = &md[md.find("## Every indicator").expect("section")..];
    let rows: Vec<&str> = every
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .collect();
    assert_eq!(rows.len(), 2, "{every}");
    for row in rows {
        let cells: Vec<&str> = row
            .split('|')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        assert!(cells.len() > 2, "{row}");
        for cell in &cells[1..] {
            assert!(cell.contains('★'), "{cell} in {row}");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
