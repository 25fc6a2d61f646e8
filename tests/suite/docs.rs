//! Docs a newcomer can trust: the toolchain the README asks for is the one
//! Cargo.toml declares, the licence is there, and every link between the
//! repository's Markdown files resolves (the file, and the heading when a
//! link names one).

use std::fs;
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of `key = "..."` in Cargo.toml's [package] table.
fn package_field(key: &str) -> Option<String> {
    let toml = read(&repo().join("Cargo.toml"));
    let package = toml.split("\n[").next().unwrap_or_default();
    package.lines().find_map(|line| {
        let (k, v) = line.split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_string())
    })
}

#[test]
fn readme_asks_for_the_toolchain_cargo_toml_declares() {
    let declared = package_field("rust-version").expect("Cargo.toml has rust-version");
    let readme = read(&repo().join("README.md"));
    let wanted = format!("Needs a Rust toolchain ({declared} or newer");
    assert!(
        readme.contains(&wanted),
        "README should say {wanted:?} (Cargo.toml's rust-version)"
    );
}

#[test]
fn the_licence_is_declared_and_shipped() {
    assert_eq!(package_field("license").as_deref(), Some("Apache-2.0"));
    let text = read(&repo().join("LICENSE"));
    assert!(text.contains("Apache License") && text.contains("Version 2.0, January 2004"));
    assert!(read(&repo().join("README.md")).contains("[LICENSE](LICENSE)"));
}

/// Every Markdown file of the repository outside build output.
fn markdown_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("directory entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" {
                markdown_files(&path, out);
            }
        } else if name.ends_with(".md") {
            out.push(path);
        }
    }
}

/// GitHub's anchor for a heading: lower case, punctuation dropped, spaces
/// to hyphens.
fn anchor(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || *c == '-' || *c == '_' || *c == ' ')
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

fn anchors(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix('#'))
        .map(|l| anchor(l.trim_start_matches('#')))
        .collect()
}

/// The targets of `[text](target)` links in `text`.
fn link_targets(text: &str) -> Vec<&str> {
    let mut targets = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let end = after.find(')').unwrap_or(after.len());
        let target = &after[..end];
        if !target.contains(char::is_whitespace) {
            targets.push(target);
        }
        rest = &after[end.min(after.len())..];
    }
    targets
}

#[test]
fn every_link_between_markdown_files_resolves() {
    let mut files = Vec::new();
    markdown_files(&repo(), &mut files);
    files.sort();
    assert!(files.len() >= 5, "found {files:?}");
    let mut broken = Vec::new();
    let mut checked = 0;
    for file in &files {
        let text = read(file);
        for target in link_targets(&text) {
            if target.starts_with("http://")
                || target.starts_with("https://")
                || target.starts_with("mailto:")
            {
                continue;
            }
            checked += 1;
            let (path, fragment) = target.split_once('#').unwrap_or((target, ""));
            let resolved = if path.is_empty() {
                file.clone()
            } else {
                file.parent().expect("a file's directory").join(path)
            };
            if !resolved.exists() {
                broken.push(format!("{}: {target} (no such file)", file.display()));
            } else if !fragment.is_empty()
                && resolved.extension().is_some_and(|e| e == "md")
                && !anchors(&read(&resolved)).iter().any(|a| a == fragment)
            {
                broken.push(format!("{}: {target} (no such heading)", file.display()));
            }
        }
    }
    assert!(checked >= 5, "only {checked} relative links found");
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
}

/// The shipped report was seen in a real browser: `docs/screenshots/take.sh`
/// shot its first screens in headless Chromium at a laptop's width and a
/// narrow window's, and recorded the page it shot. The screenshots are PNGs
/// of those sizes, and of the page as shipped now: regenerating the report
/// without taking them again fails here.
#[test]
fn the_shipped_report_has_screenshots_of_itself_at_two_widths() {
    use sha2::{Digest, Sha256};
    let dir = repo().join("docs/screenshots");
    for (width, height) in [(1280u32, 2400u32), (760, 2400)] {
        let path = dir.join(format!("control-plane-{width}.png"));
        let png = fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            &png[..8],
            b"\x89PNG\r\n\x1a\n",
            "{} is not a PNG",
            path.display()
        );
        assert_eq!(&png[12..16], b"IHDR");
        let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().expect("4 bytes"));
        assert_eq!((be(16), be(20)), (width, height), "{}", path.display());
        // A blank page compresses to a few kilobytes; a report does not.
        assert!(
            png.len() > 100_000,
            "{} is {} bytes",
            path.display(),
            png.len()
        );
    }
    let page = fs::read(repo().join("reports/control-plane/index.html")).expect("the report");
    let shot = read(&dir.join("control-plane.source"));
    let now: String = Sha256::digest(&page)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        shot.trim(),
        now,
        "reports/control-plane/index.html changed since its screenshots were taken: run \
         docs/screenshots/take.sh and look at them"
    );
}
