//! Output cannot hurt its reader (issue 12, points 4 and 5): closed and full
//! outputs never panic, CSV cells of user text are not formulas, the
//! report's Reproduce command reads back through a shell, control
//! characters never reach a terminal or a document raw, and a study's base
//! outside its directory is read only if it is a scenario.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_kubenines");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn kubenines() -> Command {
    let mut c = Command::new(BIN);
    c.current_dir(ROOT);
    c
}

/// A fresh directory of this test's own.
fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "kubenines-output-safety-{name}-{}",
        std::process::id()
    ));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn scenario(name: &str) -> PathBuf {
    Path::new(ROOT).join("scenarios").join(name)
}

/// The text of `scenarios/stacked-1.yaml` (the quickest to run) with its
/// `name` and `description` replaced and `extra` appended.
fn stacked_1(name: &str, description: &str, extra: &str) -> String {
    let text = fs::read_to_string(scenario("stacked-1.yaml")).expect("stacked-1");
    let mut out = format!("name: {name}\ndescription: {description}\n");
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("name:") || line.starts_with("description:") {
            skipping = true;
            continue;
        }
        if skipping && line.starts_with(' ') {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out + extra
}

/// A study of two designs from `base`, and one invalid design (0 nodes), so
/// that it also writes to stderr.
fn small_study(base: &str, extra: &str) -> String {
    format!(
        "study: small\nbase: {base}\n{extra}designs:\n  - name: \"n{{control_plane.nodes}}\"\n    \
         matrix: {{ control_plane.nodes: [0, 1, 3] }}\n"
    )
}

fn assert_no_panic(out: &Output, what: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{what}: {stderr}");
    assert_ne!(out.status.code(), Some(101), "{what}: {stderr}");
    assert!(out.status.code().is_some(), "{what}: killed by a signal");
}

/// Where a command's stdout or stderr goes.
#[derive(Clone, Copy, Debug)]
enum Sink {
    /// A pipe whose read end is closed before the command starts.
    ClosedPipe,
    /// `/dev/full`: every write fails with ENOSPC.
    Full,
}

fn sink(s: Sink) -> Stdio {
    match s {
        Sink::ClosedPipe => {
            let (reader, writer) = std::io::pipe().expect("pipe");
            drop(reader);
            Stdio::from(writer)
        }
        Sink::Full => Stdio::from(
            fs::OpenOptions::new()
                .write(true)
                .open("/dev/full")
                .expect("/dev/full"),
        ),
    }
}

/// Runs `args` with stdout (or stderr) into `to`; returns the exit code
/// and the other stream.
fn run_into(args: &[&str], to: Sink, stderr: bool) -> (Option<i32>, String) {
    let mut c = kubenines();
    c.args(args).stdin(Stdio::null());
    if stderr {
        c.stderr(sink(to)).stdout(Stdio::piped());
    } else {
        c.stdout(sink(to)).stderr(Stdio::piped());
    }
    let out = c.output().expect("runs");
    let what = format!("{args:?} {} into {to:?}", if stderr { "2>" } else { ">" });
    assert_no_panic(&out, &what);
    let other = if stderr { &out.stdout } else { &out.stderr };
    (
        out.status.code(),
        String::from_utf8_lossy(other).into_owned(),
    )
}

#[test]
fn closed_or_full_outputs_never_panic() {
    let dir = temp_dir("pipes");
    let study = dir.join("small.yaml");
    fs::write(
        &study,
        small_study(&scenario("stacked-1.yaml").display().to_string(), ""),
    )
    .unwrap();
    let part = dir.join("part.json");
    let shard = kubenines()
        .args(["run", "scenarios/stacked-1.yaml", "-n", "256", "--quiet"])
        .args(["--shard", "1/1", "--out"])
        .arg(&part)
        .output()
        .unwrap();
    assert!(shard.status.success(), "{shard:?}");
    let out = dir.join("report");
    let (study, part, out) = (
        study.to_str().unwrap(),
        part.to_str().unwrap(),
        out.to_str().unwrap(),
    );
    let s3 = "scenarios/stacked-3.yaml";
    let commands: Vec<Vec<&str>> = vec![
        vec!["run", s3, "-n", "64", "--quiet"],
        vec!["run", s3, "-n", "64", "--quiet", "-o", "csv"],
        vec!["run", s3, "-n", "64", "--quiet", "-o", "json"],
        vec![
            "compare",
            "scenarios/stacked-1.yaml",
            s3,
            "-n",
            "64",
            "--quiet",
        ],
        vec!["compare", study, "-n", "64", "--quiet", "-o", "csv"],
        vec!["report", study, "--out", out, "-n", "16", "--quiet"],
        vec!["validate", s3, study],
        vec!["schema"],
        vec!["merge", part],
        vec!["--help"],
    ];
    for args in &commands {
        // Output nobody reads is not an error; output that cannot be written is.
        let (code, stderr) = run_into(args, Sink::ClosedPipe, false);
        assert_eq!(code, Some(0), "{args:?} | closed: {stderr}");
        let (code, stderr) = run_into(args, Sink::Full, false);
        assert_eq!(code, Some(2), "{args:?} > /dev/full: {stderr}");
        assert!(stderr.contains("No space left"), "{args:?}: {stderr}");
        // Diagnostics that cannot be written are dropped.
        for to in [Sink::ClosedPipe, Sink::Full] {
            let (code, _) = run_into(args, to, true);
            assert_eq!(code, Some(0), "{args:?} 2> {to:?}");
        }
    }
    // A bad file: exit 2 whether or not its error can be written.
    for to in [Sink::ClosedPipe, Sink::Full] {
        let (code, _) = run_into(&["validate", "no/such/file.yaml"], to, true);
        assert_eq!(code, Some(2), "2> {to:?}");
    }
    // `check`: the verdict survives a closed pipe (exit 1 for a failed SLO,
    // not 0 because nobody read the table).
    let strict = dir.join("strict.yaml");
    fs::write(
        &strict,
        stacked_1(
            "strict",
            "x",
            "slos:\n  - { indicator: api, availability: 99.99999% }\n",
        ),
    )
    .unwrap();
    let check = ["check", strict.to_str().unwrap(), "-n", "256", "--quiet"];
    let check = [&check[..], &["--max-replications", "256"]].concat();
    let (code, stderr) = run_into(&check, Sink::ClosedPipe, false);
    assert_eq!(code, Some(1), "check | closed: {stderr}");
    assert!(stderr.contains("SLO"), "{stderr}");
    let (code, stderr) = run_into(&check, Sink::Full, false);
    assert_eq!(code, Some(2), "check > /dev/full: {stderr}");
    for to in [Sink::ClosedPipe, Sink::Full] {
        let (code, _) = run_into(&check, to, true);
        assert_eq!(code, Some(1), "check 2> {to:?}");
    }
    let met = [
        "check",
        "scenarios/production.yaml",
        "-n",
        "256",
        "--max-replications",
        "256",
        "--quiet",
    ];
    let (code, stderr) = run_into(&met, Sink::ClosedPipe, false);
    assert!(matches!(code, Some(0 | 1)), "check | closed: {stderr}");
    // stdout closed altogether (`>&-`): the runtime gives it /dev/null.
    let closed = Command::new("bash")
        .current_dir(ROOT)
        .args(["-c", "\"$0\" validate scenarios/stacked-3.yaml >&-", BIN])
        .output()
        .unwrap();
    assert_no_panic(&closed, "validate >&-");
    assert_eq!(closed.status.code(), Some(0));
    let _ = fs::remove_dir_all(&dir);
}

/// Cells of a CSV, read back with the csv crate.
fn csv_rows(bytes: &[u8]) -> Vec<csv::StringRecord> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes)
        .records()
        .collect::<Result<_, _>>()
        .expect("valid CSV")
}

fn column(rows: &[csv::StringRecord], name: &str) -> usize {
    rows[0]
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

/// Every cell of `rows` under the headers `text` starts with `'` when what
/// it holds starts with a formula character; every cell of the others is
/// empty or a number.
fn assert_neutralised(rows: &[csv::StringRecord], text: &[&str], what: &str) {
    for (c, header) in rows[0].iter().enumerate() {
        for row in &rows[1..] {
            let cell = &row[c];
            if text.contains(&header) {
                let shown = cell.strip_prefix('\'').unwrap_or(cell);
                assert!(
                    !shown.starts_with(['=', '+', '-', '@', '\t', '\r']) || cell.starts_with('\''),
                    "{what}: {header} cell {cell:?} is a formula"
                );
            } else if !matches!(header, "indicator" | "pareto_frontier" | "leading_group") {
                assert!(
                    cell.is_empty() || cell.parse::<f64>().is_ok(),
                    "{what}: {header} cell {cell:?} is not a number"
                );
            }
        }
    }
}

#[test]
fn csv_cells_of_user_text_are_not_formulas() {
    let dir = temp_dir("csv");
    // File names (a design's `source`), names (`-a` is a valid name) and a
    // currency, each starting with a formula character.
    let files = [
        ("=1+2.yaml", "-a"),
        ("+b.yaml", "b"),
        ("-c.yaml", "c"),
        ("@d.yaml", "d"),
        ("\te.yaml", "e"),
        ("\rf.yaml", "f"),
    ];
    let cost = "cost: { control_plane: 100, load_balancer: 10, currency: \"=HYPERLINK(1)\" }\n";
    for (file, name) in files {
        fs::write(dir.join(file), stacked_1(name, "x", cost)).unwrap();
    }
    let compare = Command::new(BIN)
        .current_dir(&dir)
        .args(["compare", "-n", "64", "--quiet", "-o", "csv", "--"])
        .args(files.map(|(f, _)| f))
        .output()
        .unwrap();
    assert!(compare.status.success(), "{compare:?}");
    let rows = csv_rows(&compare.stdout);
    assert_eq!(rows.len(), 1 + files.len());
    let (design, source, currency) = (
        column(&rows, "design"),
        column(&rows, "source"),
        column(&rows, "currency"),
    );
    for row in &rows[1..] {
        assert!(row[source].starts_with('\''), "source {:?}", &row[source]);
        assert_eq!(&row[currency], "'=HYPERLINK(1)");
        if row[design].contains('a') {
            assert_eq!(&row[design], "'-a");
        } else {
            assert!(!row[design].starts_with('\''), "{:?}", &row[design]);
        }
    }
    assert_neutralised(
        &rows,
        &["design", "source", "indicator", "currency"],
        "compare",
    );

    // `run`: the scenario's name.
    let run = Command::new(BIN)
        .current_dir(&dir)
        .args(["run", "=1+2.yaml", "-n", "64", "--quiet", "-o", "csv"])
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let rows = csv_rows(&run.stdout);
    let scenario = column(&rows, "scenario");
    assert!(rows[1..].iter().all(|r| &r[scenario] == "'-a"));
    assert_neutralised(&rows, &["scenario", "indicator"], "run");

    // A study: design names from a template (`-1` is a valid name, not a
    // number), a study file name and the report's CSV.
    fs::write(
        dir.join("=study.yaml"),
        "study: s\nbase: \"=1+2.yaml\"\ndesigns:\n  - name: \"-{control_plane.nodes}\"\n    \
         matrix: { control_plane.nodes: [1, 3] }\n",
    )
    .unwrap();
    let study = Command::new(BIN)
        .current_dir(&dir)
        .args(["compare", "=study.yaml", "-n", "64", "--quiet", "-o", "csv"])
        .output()
        .unwrap();
    assert!(study.status.success(), "{study:?}");
    let report = Command::new(BIN)
        .current_dir(&dir)
        .args([
            "report",
            "=study.yaml",
            "--out",
            "out",
            "-n",
            "16",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(report.status.success(), "{report:?}");
    for (what, csv) in [
        ("compare STUDY", study.stdout),
        ("report", fs::read(dir.join("out/results.csv")).unwrap()),
    ] {
        let rows = csv_rows(&csv);
        let (design, source) = (column(&rows, "design"), column(&rows, "source"));
        let mut names: Vec<&str> = rows[1..].iter().map(|r| &r[design]).collect();
        names.sort();
        assert_eq!(names, ["'-1", "'-3"], "{what}");
        assert!(
            rows[1..]
                .iter()
                .all(|r| r[source].starts_with("'=study.yaml#"))
        );
        assert_neutralised(&rows, &["design", "source", "indicator", "currency"], what);
    }
    let _ = fs::remove_dir_all(&dir);
}

/// The fenced block under the report's Reproduce heading.
fn reproduce_block(markdown: &str) -> String {
    let at = markdown.find("## Reproduce").expect("Reproduce section");
    let rest = &markdown[at..];
    let open = rest.find("```sh\n").expect("sh block") + "```sh\n".len();
    let close = rest[open..].find("\n```").expect("block end");
    rest[open..open + close].to_string()
}

#[test]
fn reproduce_command_reads_back_through_a_shell() {
    let root = temp_dir("shell");
    let nasty = "a dir $HOME `id` 'q' \"dq\" ;x & |y\nnew line *";
    let dir = root.join(nasty);
    fs::create_dir_all(&dir).unwrap();
    fs::copy(scenario("stacked-1.yaml"), dir.join("base $x.yaml")).unwrap();
    let study = dir.join("st'udy.yaml");
    fs::write(&study, small_study("base $x.yaml", "")).unwrap();
    let out = dir.join("out $(touch pwned)");
    let args: Vec<String> = [
        "report",
        study.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--baseline",
        "n3",
        "--indicator",
        "api",
        "-n",
        "16",
        "--horizon",
        "1y",
        "--seed",
        "7",
    ]
    .map(String::from)
    .to_vec();
    let run = Command::new(BIN)
        .current_dir(ROOT)
        .args(&args)
        .arg("--quiet")
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    let markdown = fs::read_to_string(out.join("report.md")).unwrap();
    let command = reproduce_block(&markdown);
    let mut expected = vec!["kubenines".to_string()];
    expected.extend(args);
    assert_eq!(shlex::split(&command), Some(expected.clone()), "{command}");
    // And through bash itself, which runs nothing of it.
    let bash = Command::new("bash")
        .current_dir(&root)
        .arg("-c")
        .arg(format!("printf '%s\\0' {command}"))
        .output()
        .unwrap();
    assert!(bash.status.success(), "{bash:?}");
    let words: Vec<String> = String::from_utf8(bash.stdout)
        .unwrap()
        .split_terminator('\0')
        .map(String::from)
        .collect();
    assert_eq!(words, expected);
    assert!(!root.join("pwned").exists() && !Path::new(ROOT).join("pwned").exists());
    // A plain path stays bare, as in the shipped report.
    fs::copy(scenario("stacked-1.yaml"), root.join("base.yaml")).unwrap();
    fs::write(root.join("plain.yaml"), small_study("base.yaml", "")).unwrap();
    let plain = Command::new(BIN)
        .current_dir(&root)
        .args([
            "report",
            "plain.yaml",
            "--out",
            "reports/plain-1",
            "-n",
            "16",
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(plain.status.success(), "{plain:?}");
    let markdown = fs::read_to_string(root.join("reports/plain-1/report.md")).unwrap();
    assert_eq!(
        reproduce_block(&markdown),
        "kubenines report plain.yaml --out reports/plain-1 -n 16"
    );
    let _ = fs::remove_dir_all(&root);
}

/// What must never reach a terminal or a document raw: ESC, BEL, CR and
/// the C1 CSI (U+009B, bytes C2 9B in UTF-8).
fn assert_no_controls(bytes: &[u8], what: &str) {
    let text = String::from_utf8_lossy(bytes);
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\r'] {
        if let Some(at) = text.find(bad) {
            // Up to 80 bytes each side, on character boundaries (without
            // str::floor_char_boundary, which needs Rust 1.91).
            let mut from = at.saturating_sub(80);
            while !text.is_char_boundary(from) {
                from -= 1;
            }
            let mut to = (at + 80).min(text.len());
            while !text.is_char_boundary(to) {
                to += 1;
            }
            panic!(
                "{what} holds {bad:?} raw: …{}…",
                text[from..to].escape_debug()
            );
        }
    }
}

#[test]
fn control_characters_never_reach_a_reader_raw() {
    let dir = temp_dir("controls");
    // In a file name, a description and a study's settings and description.
    let evil = "evil\\e[31m\\x9b2J\\a\\r\\u202e";
    let file = "esc\u{1b}[31m\u{9b}2J\u{202e}.yaml";
    fs::write(
        dir.join(file),
        stacked_1("evil", &format!("\"{evil}\""), ""),
    )
    .unwrap();
    fs::copy(scenario("stacked-1.yaml"), dir.join("one.yaml")).unwrap();
    fs::write(
        dir.join("st\u{1b}]0;title\u{7}.yaml"),
        small_study(
            "\"esc\\e[31m\\x9b2J\\u202e.yaml\"",
            &format!("description: \"{evil}\"\nset: {{ description: \"{evil}\" }}\n"),
        ),
    )
    .unwrap();
    let study = "st\u{1b}]0;title\u{7}.yaml";
    let mut runs: Vec<Vec<&str>> = Vec::new();
    for o in ["table", "csv", "json"] {
        runs.push(vec!["run", file, "-n", "32", "--quiet", "-o", o]);
        runs.push(vec![
            "compare", file, "one.yaml", "-n", "32", "--quiet", "-o", o,
        ]);
        runs.push(vec!["compare", study, "-n", "32", "--quiet", "-o", o]);
    }
    runs.push(vec!["validate", file, study]);
    runs.push(vec!["report", study, "--out", "out\u{1b}[2J", "-n", "16"]);
    // Errors that echo a file name and a value.
    runs.push(vec!["validate", "no\u{1b}[2Jsuch\u{9b}.yaml"]);
    fs::write(dir.join("bad.yaml"), "name: \"x\\e[31m\"\n").unwrap();
    runs.push(vec!["validate", "bad.yaml"]);
    for args in &runs {
        let out = Command::new(BIN)
            .current_dir(&dir)
            .args(args)
            .output()
            .unwrap();
        assert_no_panic(&out, &format!("{args:?}"));
        if args[0] != "validate" {
            assert!(out.status.success(), "{args:?}: {out:?}");
        }
        assert_no_controls(&out.stdout, &format!("stdout of {args:?}"));
        assert_no_controls(&out.stderr, &format!("stderr of {args:?}"));
        if args[0] == "run" && args.contains(&"json") {
            // JSON keeps the value, as escapes.
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(v["scenario"]["source"], file, "{args:?}");
        }
    }
    // The report's documents, too.
    let out = dir.join("out\u{1b}[2J");
    for name in ["report.md", "index.html", "results.csv", "results.json"] {
        let bytes = fs::read(out.join(name)).unwrap();
        assert_no_controls(&bytes, name);
        assert!(
            String::from_utf8_lossy(&bytes).contains("\\u{1b}")
                || name == "results.json" && String::from_utf8_lossy(&bytes).contains("\\u009b"),
            "{name} shows the escape"
        );
    }
    let md = fs::read_to_string(out.join("report.md")).unwrap();
    // Every row of a table has its header's number of cells: no cell breaks out.
    for line in md.lines().filter(|l| l.starts_with('|')) {
        let cells = line.replace("\\|", "").matches('|').count();
        let header = md
            .lines()
            .filter(|l| l.starts_with('|'))
            .map(|l| l.replace("\\|", "").matches('|').count())
            .collect::<Vec<_>>();
        assert!(header.contains(&cells), "{line}");
    }
    let _ = fs::remove_dir_all(&dir);
}

/// Runs `args` in `dir` and gives up (killing it) after a few seconds, so
/// that a base that blocks the read fails the test rather than hanging it.
fn run_within(dir: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(20) {
            let _ = child.kill();
            panic!("{args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut out = Output {
        status: child.wait().unwrap(),
        stdout: Vec::new(),
        stderr: Vec::new(),
    };
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut out.stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut out.stderr)
        .unwrap();
    out
}

#[test]
fn a_base_outside_the_study_is_read_only_if_it_is_a_scenario() {
    let root = temp_dir("base");
    let studies = root.join("studies");
    fs::create_dir_all(&studies).unwrap();
    // Secrets outside the study's directory, each of which today's parser
    // would quote: a name it refuses, a line it cannot parse, no mapping.
    let scenario_with_bad_name = stacked_1("SECRET_TOKEN_4f9a", "x", "");
    let secrets = [
        ("key.yaml", scenario_with_bad_name.as_str()),
        ("id_rsa.yaml", "-----BEGIN SECRET_TOKEN_4f9a-----\nabc: [\n"),
        ("shadow.json", "{\"SECRET_TOKEN_4f9a\": 1}\n"),
        ("shadow", "root:SECRET_TOKEN_4f9a:19000::::::\n"),
    ];
    let study = |name: &str, base: &str| {
        let path = studies.join(name);
        fs::write(&path, small_study(&format!("\"{base}\""), "")).unwrap();
        path.to_str().unwrap().to_string()
    };
    for (file, content) in secrets {
        let secret = root.join(file);
        fs::write(&secret, content).unwrap();
        let link = format!("link-{file}");
        std::os::unix::fs::symlink(&secret, studies.join(&link)).unwrap();
        let absolute = study(&format!("abs-{file}.yaml"), secret.to_str().unwrap());
        let symlinked = study(&format!("sym-{file}.yaml"), &link);
        let relative = study(&format!("rel-{file}.yaml"), &format!("../{file}"));
        for s in [absolute, symlinked, relative] {
            for command in [&["validate", &s][..], &["compare", &s, "-n", "8"]] {
                let out = run_within(&root, command);
                let stderr = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(2), "{command:?}: {stderr}");
                assert!(stderr.contains("not a kubenines scenario"), "{stderr}");
                assert!(!stderr.contains("SECRET"), "{command:?} echoes: {stderr}");
            }
        }
    }
    // A scenario is a scenario wherever it is.
    let good = study("good.yaml", scenario("stacked-1.yaml").to_str().unwrap());
    let out = run_within(&root, &["validate", &good]);
    assert!(out.status.success(), "{out:?}");
    // Within the study's own directory, errors keep what they found.
    fs::write(studies.join("mine.yaml"), stacked_1("Not_Valid", "x", "")).unwrap();
    let mine = study("mine-study.yaml", "mine.yaml");
    let out = run_within(&root, &["validate", &mine]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Not_Valid"));
    // Not a regular file: refused, without blocking on a FIFO.
    let fifo = root.join("fifo.yaml");
    assert!(
        Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    for base in [fifo.to_str().unwrap(), "/dev/zero", root.to_str().unwrap()] {
        let s = study("special.yaml", base);
        let out = run_within(&root, &["validate", &s]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{base}: {stderr}");
        assert!(stderr.contains("not a regular file"), "{base}: {stderr}");
    }
    let _ = fs::remove_dir_all(&root);
}

#[test]
fn validate_of_a_study_without_a_valid_design_exits_2() {
    let dir = temp_dir("invalid");
    let study = dir.join("none.yaml");
    fs::write(
        &study,
        format!(
            "study: none\nbase: \"{}\"\nmatrix: {{ control_plane.nodes: [0, -1] }}\n",
            scenario("stacked-1.yaml").display()
        ),
    )
    .unwrap();
    let out = kubenines().arg("validate").arg(&study).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("is invalid"), "the reasons: {stderr}");
    assert!(stderr.contains("no valid design"), "{stderr}");
    assert!(out.stdout.is_empty(), "no `ok:`");
    // One valid design is enough.
    let some = dir.join("some.yaml");
    fs::write(
        &some,
        format!(
            "study: some\nbase: \"{}\"\nmatrix: {{ control_plane.nodes: [0, 1] }}\n",
            scenario("stacked-1.yaml").display()
        ),
    )
    .unwrap();
    let out = kubenines().arg("validate").arg(&some).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let _ = fs::remove_dir_all(&dir);
}
