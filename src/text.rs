//! User text made safe for whoever reads it: control characters shown
//! rather than obeyed by a terminal, CSV cells a spreadsheet will not
//! evaluate, and words a POSIX shell reads back as they were.
//!
//! User text is whatever a scenario or study file, or the command line,
//! lets through unchecked: descriptions, file paths, a study's setting
//! values, a currency. Names (`[a-z0-9-]`) are safe for a terminal but may
//! still start with `-`, which a spreadsheet reads as a formula.

use std::borrow::Cow;
use std::fmt::Write as _;

/// Whether `c` would be obeyed rather than shown by a terminal or a text
/// viewer: C0 and C1 controls and DEL (ESC starts colour and cursor
/// sequences, CR returns to the line's start to overwrite it, U+009B is a
/// CSI on its own), and the bidirectional-text controls that reorder what
/// is displayed. Newline and tab are not in it: callers decide about those.
pub fn hidden(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every control character (but newline and tab) written as a
/// visible escape in Rust's notation, as the error messages already show
/// them: ESC as `\u{1b}`, CR as `\u{d}`. Text without any is returned as it is.
pub fn visible(s: &str) -> Cow<'_, str> {
    escape_where(s, hidden)
}

/// [`visible`], and newline and tab escaped too: for one cell of an
/// aligned table or one line of a message, which a newline would break.
pub fn visible_line(s: &str) -> Cow<'_, str> {
    escape_where(s, |c| hidden(c) || c == '\n' || c == '\t')
}

fn escape_where(s: &str, escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(&escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if escape(c) {
            let _ = write!(out, "{}", c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text (as serde_json writes it) with the characters [`visible`]
/// escapes written as JSON `\uXXXX` escapes: the same JSON value, but
/// nothing a terminal obeys. serde_json escapes C0 itself; outside strings
/// JSON text is ASCII without controls, so every such character is in a
/// string, where the escape means the same character.
pub fn json_visible(json: &str) -> Cow<'_, str> {
    if !json.chars().any(hidden) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if hidden(c) {
            // All of them are in the Basic Multilingual Plane: one escape each.
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV cell of user text: control characters made [`visible`], and a
/// cell a spreadsheet would read as a formula (one starting with `=`, `+`,
/// `-`, `@`, tab or carriage return) prefixed with `'`, as OWASP's CSV
/// injection guidance has it. Only for text: a number the tool computed
/// (`-1.5`) must stay a number.
pub fn csv_cell(s: &str) -> String {
    let shown = visible(s);
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{shown}")
    } else {
        shown.into_owned()
    }
}

/// `s` as one word for a POSIX shell: as it is when it has nothing the
/// shell would interpret (`scenarios/studies/control-plane.yaml`), else
/// single-quoted (shlex's rules).
pub fn shell_word(s: &str) -> Cow<'_, str> {
    // Text from the command line or a path holds no NUL, but never fail.
    shlex::Quoter::new()
        .allow_nul(true)
        .quote(s)
        .unwrap_or(Cow::Borrowed("''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_and_plain_text_is_untouched() {
        assert!(matches!(visible("stacked-3 — 99.9%"), Cow::Borrowed(_)));
        assert_eq!(visible("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(visible("x\u{9b}2J\ry\u{7f}"), "x\\u{9b}2J\\u{d}y\\u{7f}");
        assert_eq!(visible("rtl\u{202e}txt"), "rtl\\u{202e}txt");
        assert_eq!(visible("two\nlines\tand tab"), "two\nlines\tand tab");
        assert_eq!(visible_line("two\nlines\t"), "two\\u{a}lines\\u{9}");
    }

    #[test]
    fn json_escapes_keep_the_value() {
        let value = serde_json::json!({ "d": "a\u{1b}b\u{9b}c\u{202e}é" });
        let text = serde_json::to_string(&value).unwrap();
        let shown = json_visible(&text);
        assert!(!shown.chars().any(hidden), "{shown}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&shown).unwrap(),
            value
        );
        assert!(matches!(json_visible("{\"a\": -1.5}"), Cow::Borrowed(_)));
    }

    #[test]
    fn formulas_are_neutralised() {
        for bad in ["=1+2", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(csv_cell(bad).starts_with('\''), "{bad:?}");
        }
        assert_eq!(csv_cell("stacked-3"), "stacked-3");
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("\r\u{1b}"), "'\\u{d}\\u{1b}");
    }

    #[test]
    fn shell_words_round_trip() {
        assert_eq!(
            shell_word("scenarios/studies/control-plane.yaml"),
            "scenarios/studies/control-plane.yaml"
        );
        for nasty in ["a b", "$(x)", "`x`", "it's", "a\"b", "x;y", "new\nline", ""] {
            let quoted = shell_word(nasty);
            assert_eq!(
                shlex::split(&quoted),
                Some(vec![nasty.to_string()]),
                "{quoted}"
            );
        }
    }
}
