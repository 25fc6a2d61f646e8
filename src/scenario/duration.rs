//! Durations as a user writes them: `30s`, `1.5h`, `1h30m`, `10y`.
//!
//! Every duration carries a unit (docs/model.md: a bare number is an error, except
//! `0`), because a bare `30` in a file about hosts that fail every few years and
//! recover in minutes is ambiguous enough to silently shift an answer by a
//! factor of 3600.

use super::types::YEAR_SECONDS;

use std::fmt::Write as _;

/// The accepted units, longest first so that `ms` wins over `m` when scanning.
const UNITS: &[(&str, f64)] = &[
    ("ms", 0.001),
    ("s", 1.0),
    ("m", 60.0),
    ("h", 3_600.0),
    ("d", 86_400.0),
    ("w", 7.0 * 86_400.0),
    // 1 y = 365 d, as docs/model.md says; not a Julian or Gregorian year.
    ("y", YEAR_SECONDS),
];

const EXPECTED: &str =
    "expected a number with a unit (ms, s, m, h, d, w, y), e.g. `30s`, `1.5h` or `1h30m`";

/// Parses a duration such as `30s`, `1.5h` or `1h30m` into seconds.
///
/// Units: `ms`, `s`, `m`, `h`, `d`, `w`, `y` (1 y = 365 d). A number may have
/// a decimal fraction (`1.5h`, `.5h`); several number-unit pairs may follow one
/// another, Go/Kubernetes style (`1h30m`), and add up. The only number allowed
/// without a unit is `0`. Surrounding whitespace is ignored.
pub fn parse_duration(s: &str) -> Result<f64, String> {
    let text = s.trim();
    if text.is_empty() {
        return Err(format!("empty duration; {EXPECTED}"));
    }
    if text == "0" {
        return Ok(0.0);
    }
    if let Some(rest) = text.strip_prefix('-') {
        return Err(
            if rest
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit() || c == '.')
            {
                format!("`{text}` is negative; durations must be >= 0")
            } else {
                format!("`{text}` is not a duration; {EXPECTED}")
            },
        );
    }
    // Catch `inf`, `NaN` and friends with a message that says why, rather than
    // "unknown unit `inf`".
    let lower = text.to_ascii_lowercase();
    if ["inf", "+inf", "infinity", "+infinity", "nan"].contains(&lower.as_str()) {
        return Err(format!(
            "`{text}` is not a finite duration; {EXPECTED} (write `never` for a failure that never happens)"
        ));
    }

    let bytes = text.as_bytes();
    let mut total = 0.0_f64;
    let mut pos = 0;
    while pos < bytes.len() {
        // The number: digits with an optional fraction, at least one digit.
        let num_start = pos;
        while pos < bytes.len() && (bytes[pos].is_ascii_digit() || bytes[pos] == b'.') {
            pos += 1;
        }
        let number = &text[num_start..pos];
        if number.is_empty() {
            return Err(format!("`{text}` is not a duration; {EXPECTED}"));
        }
        if number.bytes().filter(|&b| b == b'.').count() > 1 || number == "." {
            return Err(format!(
                "`{number}` in `{text}` is not a number; {EXPECTED}"
            ));
        }
        // The unit: the run of letters after the number.
        let unit_start = pos;
        while pos < bytes.len() && bytes[pos].is_ascii_alphabetic() {
            pos += 1;
        }
        let unit = &text[unit_start..pos];
        if unit.is_empty() {
            if pos == bytes.len() && num_start == 0 {
                return Err(format!(
                    "`{text}` has no unit; {EXPECTED} (only 0 may be written without a unit)"
                ));
            }
            return match bytes.get(pos) {
                Some(_) => Err(format!(
                    "unexpected `{}` in `{text}`; {EXPECTED}",
                    text[pos..].chars().next().unwrap_or(' ')
                )),
                None => Err(format!(
                    "`{number}` at the end of `{text}` has no unit; {EXPECTED}"
                )),
            };
        }
        let Some(&(_, factor)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!("unknown unit `{unit}` in `{text}`; {EXPECTED}"));
        };
        // The number's own grammar was checked above, so this only fails on
        // inputs like "." that were already rejected; keep the error anyway.
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{number}` in `{text}` is not a number; {EXPECTED}"))?;
        total += value * factor;
    }
    if !total.is_finite() {
        return Err(format!("`{text}` is too large to be a duration"));
    }
    Ok(total)
}

/// Formats seconds for people: `1.5h`, `20s`, `3.2y`, `400d`.
///
/// Picks the largest unit in which the value reads as a short number (at most
/// three decimals), else the largest unit not above the value, and prints up
/// to 12 significant digits, so the text parses back (with [`parse_duration`])
/// to the same value within about 1e-12 relative. Weeks are accepted on input
/// but never printed: `14d` reads better than `2w` in a report.
/// `0` prints as `0s`, infinity as `never`, NaN as `NaN`.
pub fn format_duration(seconds: f64) -> String {
    if seconds.is_nan() {
        return "NaN".to_string();
    }
    if seconds == f64::INFINITY {
        return "never".to_string();
    }
    if seconds < 0.0 {
        return format!("-{}", format_duration(-seconds));
    }
    if seconds == 0.0 {
        return "0s".to_string();
    }
    const OUTPUT_UNITS: &[(&str, f64)] = &[
        ("y", YEAR_SECONDS),
        ("d", 86_400.0),
        ("h", 3_600.0),
        ("m", 60.0),
        ("s", 1.0),
        ("ms", 0.001),
    ];
    let candidates: Vec<(&str, f64)> = OUTPUT_UNITS
        .iter()
        .map(|&(name, factor)| (name, round_significant(seconds / factor, 12)))
        .filter(|&(_, value)| value >= 1.0)
        .collect();
    let short = candidates.iter().find(|(_, value)| {
        let thousandths = value * 1000.0;
        (thousandths - thousandths.round()).abs() <= 1e-9 * thousandths.max(1.0)
    });
    let (unit, value) = match short.or(candidates.first()) {
        Some(&(unit, value)) => (unit, value),
        // Below 1 ms: milliseconds with a fraction.
        None => ("ms", round_significant(seconds * 1000.0, 12)),
    };
    let mut out = String::new();
    // `{}` on f64 prints the shortest text that round-trips, never an exponent
    // for values in this range, which is what keeps `1.5h` from reading
    // `1.5000000000000002h`.
    let _ = write!(out, "{value}{unit}");
    out
}

/// Rounds to `digits` significant decimal digits.
fn round_significant(x: f64, digits: usize) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    // Going through the decimal text is exact (correctly rounded both ways),
    // where multiplying by a power of ten is not.
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: f64 = 3_600.0;
    const D: f64 = 86_400.0;
    const Y: f64 = 365.0 * D;

    #[test]
    fn parses_each_unit() {
        assert_eq!(parse_duration("250ms"), Ok(0.25));
        assert_eq!(parse_duration("20s"), Ok(20.0));
        assert_eq!(parse_duration("30m"), Ok(1_800.0));
        assert_eq!(parse_duration("4h"), Ok(4.0 * H));
        assert_eq!(parse_duration("2d"), Ok(2.0 * D));
        assert_eq!(parse_duration("1w"), Ok(7.0 * D));
        assert_eq!(parse_duration("10y"), Ok(10.0 * Y));
        assert_eq!(parse_duration("1y"), Ok(365.0 * D));
    }

    #[test]
    fn parses_decimals_compounds_and_zero() {
        assert_eq!(parse_duration("1.5h"), Ok(1.5 * H));
        assert_eq!(parse_duration(".5h"), Ok(0.5 * H));
        assert_eq!(parse_duration("1h30m"), Ok(1.5 * H));
        assert_eq!(parse_duration("1m30s500ms"), Ok(90.5));
        assert_eq!(parse_duration("  15s "), Ok(15.0));
        assert_eq!(parse_duration("0"), Ok(0.0));
        assert_eq!(parse_duration("0s"), Ok(0.0));
    }

    #[test]
    fn rejects_bad_durations_saying_what_is_expected() {
        for bad in [
            "", "   ", "10", "1.5", "-5s", "-0s", "5min", "5 s", "1h 30m", "inf", "NaN", "s",
            "1..5h", ".h", "h1", "1h30", "5S", "1e3s", "+5s", "five",
        ] {
            let err = parse_duration(bad).expect_err(bad);
            assert!(
                err.contains("expected") || err.contains("negative"),
                "{bad:?}: {err}"
            );
        }
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("-5s").unwrap_err().contains("negative"));
        assert!(
            parse_duration("5min")
                .unwrap_err()
                .contains("unknown unit `min`")
        );
        let huge = format!("{}y", "9".repeat(400));
        assert!(parse_duration(&huge).unwrap_err().contains("too large"));
    }

    #[test]
    fn formats_with_a_sensible_unit() {
        assert_eq!(format_duration(1.5 * H), "1.5h");
        assert_eq!(format_duration(20.0), "20s");
        assert_eq!(format_duration(3.2 * Y), "3.2y");
        assert_eq!(format_duration(10.0 * Y), "10y");
        assert_eq!(format_duration(400.0 * D), "400d");
        assert_eq!(format_duration(14.0 * D), "14d");
        assert_eq!(format_duration(90.0), "1.5m");
        assert_eq!(format_duration(0.25), "250ms");
        assert_eq!(format_duration(0.0), "0s");
        assert_eq!(format_duration(f64::INFINITY), "never");
        // Float noise from a computation must not leak into the text.
        assert_eq!(format_duration(2.0 * Y * (1.0 + 1e-15)), "2y");
    }

    #[test]
    fn format_parses_back() {
        for seconds in [
            0.001,
            0.5,
            1.0,
            59.0,
            61.0,
            1234.5678,
            1e5,
            3.7e7,
            2.0 * Y,
            123.456 * Y,
        ] {
            let text = format_duration(seconds);
            let back = parse_duration(&text).unwrap_or(f64::NAN);
            assert!(
                ((back - seconds) / seconds).abs() < 1e-11,
                "{seconds} -> {text} -> {back}"
            );
        }
    }
}
