//! Cron schedules for backups, in Kubernetes CronJob's and Velero's syntax:
//! five fields (minute, hour, day of month, month, day of week) with the
//! usual ranges, lists, steps and names, or one of the descriptors
//! `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`,
//! `@hourly`. Both read schedules with robfig/cron's standard parser
//! (CronJob: kubernetes/pkg/controller/cronjob; Velero: pkg/controller/
//! schedule_controller.go), where a restricted day of month and a
//! restricted day of week match either. Parsing and the search for fire
//! times are the `croner` crate's; this module names the field at fault
//! in its errors and maps simulated time to the calendar.
//!
//! **The calendar.** Simulated time t = 0 is 00:00 UTC on Monday 1 January
//! 2001. The Gregorian calendar repeats every 400 years (146,097 days, a
//! whole number of weeks), so a time is taken modulo that cycle before the
//! calendar is consulted: any horizon works, and fire times are exact.

use std::str::FromStr as _;

use chrono::{DateTime, TimeZone as _, Utc};
use croner::Cron;
use croner::parser::{CronParser, Seconds, Year};

/// Seconds in one 400-year Gregorian cycle.
const CYCLE: f64 = 146_097.0 * 86_400.0;

/// The fields of a schedule, in order, with their ranges.
const FIELDS: [(&str, u32, u32); 5] = [
    ("minute", 0, 59),
    ("hour", 0, 23),
    ("day of month", 1, 31),
    ("month", 1, 12),
    ("day of week", 0, 7),
];

/// The descriptors CronJob and Velero accept besides five fields.
const DESCRIPTORS: [&str; 7] = [
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// A checked cron schedule.
#[derive(Clone)]
pub struct CronSchedule {
    text: String,
    cron: Cron,
    /// The shortest time between two fire times found in the schedule's
    /// first 400 days (at most 10,000 fire times looked at).
    min_gap: f64,
    /// A schedule that names no day of month and no month repeats every
    /// day (or, with a day of week, every week, t = 0 being a Monday): its
    /// period and fire times within one, ascending, so that a search is a
    /// binary search rather than croner's walk through the calendar.
    periodic: Option<(f64, Vec<f64>)>,
}

impl PartialEq for CronSchedule {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl std::fmt::Debug for CronSchedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", self.text)
    }
}

fn parser() -> CronParser {
    CronParser::builder()
        .seconds(Seconds::Disallowed)
        .year(Year::Disallowed)
        .build()
}

fn epoch() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2001, 1, 1, 0, 0, 0)
        .single()
        .expect("a valid date")
}

impl CronSchedule {
    /// Parses `text`; the error says which field is at fault and why.
    pub fn parse(text: &str) -> Result<CronSchedule, String> {
        let trimmed = text.trim();
        if trimmed.starts_with('@') {
            let lower = trimmed.to_ascii_lowercase();
            if lower.starts_with("@every") {
                return Err(format!(
                    "`{trimmed}`: for a fixed period give `interval` instead of `schedule` \
                     (e.g. `interval: 6h`)"
                ));
            }
            if !DESCRIPTORS.contains(&lower.as_str()) {
                return Err(format!(
                    "`{trimmed}` is not a descriptor CronJob accepts; use one of {}, or five \
                     fields",
                    DESCRIPTORS.join(", ")
                ));
            }
        } else {
            let fields: Vec<&str> = trimmed.split_whitespace().collect();
            if fields.len() != 5 {
                return Err(format!(
                    "`{trimmed}` has {} field{}; a schedule has five: minute, hour, day of \
                     month, month and day of week (e.g. `0 * * * *` for every hour)",
                    fields.len(),
                    if fields.len() == 1 { "" } else { "s" }
                ));
            }
            for (i, field) in fields.iter().enumerate() {
                let upper = field.to_ascii_uppercase();
                // croner's extensions (L, W, #) that robfig/cron lacks.
                let extension = match i {
                    2 => upper.contains('L') || upper.contains('W'),
                    4 => upper.contains('L') || upper.contains('#'),
                    _ => false,
                };
                if extension {
                    return Err(format!(
                        "{} `{field}` uses `L`, `W` or `#`, which CronJob's and Velero's cron \
                         syntax lacks",
                        FIELDS[i].0
                    ));
                }
                let mut alone = ["*"; 5];
                alone[i] = field;
                if let Err(e) = parser().parse(&alone.join(" ")) {
                    return Err(field_problem(i, field, &e.to_string()));
                }
            }
        }
        let cron = parser()
            .parse(trimmed)
            .map_err(|e| format!("`{trimmed}`: {e}"))?;
        let start = epoch();
        let first = cron.find_next_occurrence(&start, true).map_err(|_| {
            format!("`{trimmed}` never fires (no date matches it, e.g. 30 February)")
        })?;
        let mut min_gap = f64::INFINITY;
        let mut last = first;
        let end = start + chrono::Duration::days(400);
        for _ in 0..10_000 {
            match cron.find_next_occurrence(&last, false) {
                Ok(next) if next <= end => {
                    min_gap = min_gap.min((next - last).num_seconds() as f64);
                    last = next;
                }
                _ => break,
            }
        }
        let periodic = period(trimmed).map(|period| {
            let mut offsets = Vec::new();
            let mut at = first;
            while ((at - start).num_seconds() as f64) < period {
                offsets.push((at - start).num_seconds() as f64);
                match cron.find_next_occurrence(&at, false) {
                    Ok(next) => at = next,
                    Err(_) => break,
                }
            }
            (period, offsets)
        });
        Ok(CronSchedule {
            text: trimmed.to_string(),
            cron,
            min_gap,
            periodic,
        })
    }

    /// The schedule as written.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The shortest time between two fire times (seen in the first 400
    /// days); infinite for a schedule that fires once a year or less.
    pub fn min_gap(&self) -> f64 {
        self.min_gap
    }

    /// The last fire time at or before `t` (`inclusive`), or before it.
    pub fn prev(&self, t: f64, inclusive: bool) -> f64 {
        self.search(t, inclusive, false)
    }

    /// The first fire time at or after `t` (`inclusive`), or after it.
    pub fn next(&self, t: f64, inclusive: bool) -> f64 {
        self.search(t, inclusive, true)
    }

    fn search(&self, t: f64, inclusive: bool, forward: bool) -> f64 {
        if let Some((period, offsets)) = &self.periodic
            && !offsets.is_empty()
        {
            let base = (t / period).floor() * period;
            let within = t - base;
            // Offsets before `within` (or at it, when inclusive backward or
            // exclusive forward).
            let below = offsets.partition_point(|&o| {
                if forward != inclusive {
                    o <= within
                } else {
                    o < within
                }
            });
            return if forward {
                match offsets.get(below) {
                    Some(&o) => base + o,
                    None => base + period + offsets[0],
                }
            } else {
                match below.checked_sub(1) {
                    Some(i) => base + offsets[i],
                    None => base - period + offsets[offsets.len() - 1],
                }
            };
        }
        let cycle = (t / CYCLE).floor();
        let within = t - cycle * CYCLE;
        // Fire times are whole minutes: a search from a whole second is
        // exact, with `inclusive` kept only where t is that second.
        let whole = if forward {
            within.ceil()
        } else {
            within.floor()
        };
        let inclusive = inclusive || whole != within;
        let at = epoch() + chrono::Duration::seconds(whole as i64);
        let found = if forward {
            self.cron.find_next_occurrence(&at, inclusive)
        } else {
            self.cron.find_previous_occurrence(&at, inclusive)
        };
        match found {
            Ok(when) => cycle * CYCLE + (when - epoch()).num_seconds() as f64,
            // Checked to fire at load; a search within a cycle of its
            // start always finds a time.
            Err(_) => {
                if forward {
                    f64::INFINITY
                } else {
                    f64::NEG_INFINITY
                }
            }
        }
    }
}

impl std::str::FromStr for CronSchedule {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        CronSchedule::parse(s)
    }
}

/// The period of a schedule that repeats daily or weekly from t = 0 (a
/// Monday, 00:00): one naming no day of month and no month.
fn period(text: &str) -> Option<f64> {
    const DAY: f64 = 86_400.0;
    let any = |f: &str| f == "*" || f == "?";
    match text.to_ascii_lowercase().as_str() {
        "@hourly" | "@daily" | "@midnight" => return Some(DAY),
        "@weekly" => return Some(7.0 * DAY),
        s if s.starts_with('@') => return None,
        _ => {}
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    match fields[..] {
        [_, _, dom, month, dow] if any(dom) && any(month) => {
            Some(if any(dow) { DAY } else { 7.0 * DAY })
        }
        _ => None,
    }
}

/// Says what is wrong with field `i` (`field`), which croner refused with
/// `error`: a number out of the field's range is named with the range.
fn field_problem(i: usize, field: &str, error: &str) -> String {
    let (name, lo, hi) = FIELDS[i];
    let numbers = field
        .split([',', '-', '/'])
        .filter_map(|n| u32::from_str(n).ok());
    for n in numbers {
        if n < lo || n > hi {
            return format!("{name} {n} is out of range {lo}-{hi}");
        }
    }
    let why = error
        .trim_start_matches("Component error: ")
        .trim_start_matches("Pattern contains illegal characters: ")
        .trim_end_matches('.');
    format!("{name} `{field}` is not valid: {why}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: f64 = 86_400.0;

    #[test]
    fn daily_at_midnight_fires_at_whole_days() {
        let c = CronSchedule::parse("0 0 * * *").unwrap();
        assert_eq!(c.prev(0.0, true), 0.0);
        assert_eq!(c.prev(0.0, false), -DAY);
        assert_eq!(c.prev(3.5 * DAY, true), 3.0 * DAY);
        assert_eq!(c.next(3.5 * DAY, true), 4.0 * DAY);
        assert_eq!(c.next(4.0 * DAY, false), 5.0 * DAY);
        assert_eq!(c.min_gap(), DAY);
        // Across the 400-year cycle's end, still whole days.
        let t = CYCLE + 10.25 * DAY;
        assert_eq!(c.prev(t, true), CYCLE + 10.0 * DAY);
        assert_eq!(c.prev(CYCLE + 0.5, true), CYCLE);
        assert_eq!(c.prev(CYCLE - 0.5, true), CYCLE - DAY);
    }

    #[test]
    fn t_zero_is_a_monday() {
        // Mondays at 03:00: the first is on day 0, the next a week on.
        let c = CronSchedule::parse("0 3 * * MON").unwrap();
        assert_eq!(c.next(0.0, true), 3.0 * 3600.0);
        assert_eq!(c.next(4.0 * 3600.0, true), 7.0 * DAY + 3.0 * 3600.0);
        assert_eq!(c.min_gap(), 7.0 * DAY);
        // Every six hours, steps and lists.
        let c = CronSchedule::parse("15 */6 * * *").unwrap();
        assert_eq!(c.next(0.0, true), 900.0);
        assert_eq!(c.min_gap(), 6.0 * 3600.0);
        // A restricted day of month and day of week match either (Vixie
        // cron, robfig/cron): Friday 5 January, then Friday 12, Saturday 13.
        let c = CronSchedule::parse("0 0 13 * FRI").unwrap();
        assert_eq!(c.next(0.0, true), 4.0 * DAY);
        assert_eq!(c.next(4.0 * DAY, false), 11.0 * DAY);
        assert_eq!(c.next(11.0 * DAY, false), 12.0 * DAY);
        assert_eq!(c.min_gap(), DAY);
        let c = CronSchedule::parse("@hourly").unwrap();
        assert_eq!(c.prev(7199.0, true), 3600.0);
    }

    /// The binary search over a period's fire times answers as croner's
    /// walk through the calendar does, at and between fire times.
    #[test]
    fn periodic_searches_agree_with_the_calendar() {
        for text in [
            "0 0 * * *",
            "15 */6 * * *",
            "0 3 * * MON",
            "*/7 1-3 * * 2,5",
            "@hourly",
            "@weekly",
        ] {
            let c = CronSchedule::parse(text).unwrap();
            assert!(c.periodic.is_some(), "{text}");
            let mut walk = c.clone();
            walk.periodic = None;
            let mut t = 0.0;
            while t < 30.0 * DAY {
                for inclusive in [true, false] {
                    assert_eq!(
                        c.prev(t, inclusive),
                        walk.prev(t, inclusive),
                        "{text} prev {t} {inclusive}"
                    );
                    assert_eq!(
                        c.next(t, inclusive),
                        walk.next(t, inclusive),
                        "{text} next {t} {inclusive}"
                    );
                }
                t += 1234.5;
                if (t / 3600.0).fract() < 0.3 {
                    t = (t / 3600.0).floor() * 3600.0;
                }
            }
        }
        assert!(CronSchedule::parse("0 0 1 * *").unwrap().periodic.is_none());
    }

    #[test]
    fn errors_name_the_field() {
        let e = |s| CronSchedule::parse(s).unwrap_err();
        assert_eq!(e("61 * * * *"), "minute 61 is out of range 0-59");
        assert_eq!(e("0 24 * * *"), "hour 24 is out of range 0-23");
        assert_eq!(e("0 0 0 * *"), "day of month 0 is out of range 1-31");
        assert_eq!(e("0 0 * 1-13 *"), "month 13 is out of range 1-12");
        assert!(
            e("*/0 * * * *").starts_with("minute `*/0` is not valid"),
            "{}",
            e("*/0 * * * *")
        );
        assert!(e("0 0 * *").contains("has 4 fields"));
        assert!(e("0 0 * * * *").contains("has 6 fields"));
        assert!(e("0 0 30 2 *").contains("never fires"));
        assert!(e("@every 1h").contains("`interval`"));
        assert!(e("0 0 L * *").contains("`L`, `W` or `#`"));
        assert!(e("0 0 * * 5#2").contains("`L`, `W` or `#`"));
        assert!(e("0 0 * * FOO").starts_with("day of week `FOO` is not valid"));
    }
}
