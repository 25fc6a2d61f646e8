//! The one error type of scenario loading.

use std::fmt;

use super::types::ScenarioWarning;

/// Why a scenario file was refused: where, which key, and what was expected.
///
/// Displays as `FILE:LINE:COL: KEY: MESSAGE`, leaving out the parts that are
/// unknown (a file that cannot be read has no line; a syntax error may have
/// no key). `line` and `column` are 1-based.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// The file as given (the `source` of [`super::parse_str`]).
    pub file: String,
    pub line: Option<u32>,
    pub column: Option<u32>,
    /// The key path, e.g. `control_plane.placement[2]`.
    pub key: Option<String>,
    pub message: String,
}

impl ScenarioError {
    /// An error about the file as a whole (unreadable, too large, wrong extension).
    pub(crate) fn file(file: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            file: file.to_string(),
            line: None,
            column: None,
            key: None,
            message: message.into(),
        }
    }
}

/// `FILE:LINE:COL: ` (what is known of it), or nothing.
fn write_location(
    f: &mut fmt::Formatter<'_>,
    file: &str,
    line: Option<u32>,
    column: Option<u32>,
) -> fmt::Result {
    let mut location = file.to_string();
    if let Some(line) = line {
        if !location.is_empty() {
            location.push(':');
        }
        location.push_str(&line.to_string());
        if let Some(column) = column {
            location.push(':');
            location.push_str(&column.to_string());
        }
    }
    if !location.is_empty() {
        write!(f, "{location}: ")?;
    }
    Ok(())
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_location(f, &self.file, self.line, self.column)?;
        if let Some(key) = self.key.as_deref().filter(|k| !k.is_empty()) {
            write!(f, "{key}: ")?;
        }
        f.write_str(&self.message)
    }
}

/// `FILE:LINE:COL: warning: KEY: MESSAGE`, leaving out the unknown parts as
/// [`ScenarioError`] does.
impl fmt::Display for ScenarioWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_location(f, &self.file, self.line, self.column)?;
        f.write_str("warning: ")?;
        if !self.key.is_empty() {
            write!(f, "{}: ", self.key)?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_omits_missing_parts() {
        let mut e = ScenarioError {
            file: "a.yaml".into(),
            line: Some(3),
            column: Some(7),
            key: Some("control_plane.nodes".into()),
            message: "must be at least 1".into(),
        };
        assert_eq!(
            e.to_string(),
            "a.yaml:3:7: control_plane.nodes: must be at least 1"
        );
        e.column = None;
        assert_eq!(
            e.to_string(),
            "a.yaml:3: control_plane.nodes: must be at least 1"
        );
        e.line = None;
        e.column = Some(7);
        assert_eq!(
            e.to_string(),
            "a.yaml: control_plane.nodes: must be at least 1"
        );
        e.key = None;
        assert_eq!(e.to_string(), "a.yaml: must be at least 1");
        e.file = String::new();
        assert_eq!(e.to_string(), "must be at least 1");
    }

    #[test]
    fn warning_display_omits_missing_parts() {
        let mut w = ScenarioWarning {
            file: "a.yaml".into(),
            line: Some(3),
            column: Some(7),
            key: "maintenance.duration".into(),
            message: "rounds overlap".into(),
        };
        assert_eq!(
            w.to_string(),
            "a.yaml:3:7: warning: maintenance.duration: rounds overlap"
        );
        w.column = None;
        assert_eq!(
            w.to_string(),
            "a.yaml:3: warning: maintenance.duration: rounds overlap"
        );
        w.line = None;
        assert_eq!(
            w.to_string(),
            "a.yaml: warning: maintenance.duration: rounds overlap"
        );
        w.file = String::new();
        w.key = String::new();
        assert_eq!(w.to_string(), "warning: rounds overlap");
    }
}
