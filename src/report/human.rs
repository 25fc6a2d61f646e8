//! Numbers for people: durations in the largest sensible units, percentages
//! with as many digits as the nines need.

/// "36m 48s", "2h 03m", "1d 04h", "850ms": two units at most.
pub fn human_duration_minutes(minutes: f64) -> String {
    if !minutes.is_finite() {
        return "-".into();
    }
    let s = minutes * 60.0;
    if s < 1.0 {
        return format!("{:.0}ms", s * 1000.0);
    }
    if s < 60.0 {
        return format!("{s:.1}s");
    }
    let total = s.round() as u64;
    let (d, h, m, sec) = (
        total / 86_400,
        total / 3600 % 24,
        total / 60 % 60,
        total % 60,
    );
    if d > 0 {
        format!("{d}d {h:02}h")
    } else if h > 0 {
        format!("{h}h {m:02}m")
    } else {
        format!("{m}m {sec:02}s")
    }
}

/// 12,345.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// An availability as a percentage with enough digits to show its nines
/// plus two more, e.g. 99.99312%.
pub fn percent(availability: f64, nines: Option<f64>) -> String {
    let digits = nines.map_or(4, |n| (n.ceil() as usize + 1).clamp(2, 12));
    format!("{:.*}%", digits, availability * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration_minutes(36.8), "36m 48s");
        assert_eq!(human_duration_minutes(123.0), "2h 03m");
        assert_eq!(human_duration_minutes(0.5), "30.0s");
        assert_eq!(human_duration_minutes(1.0 / 120.0), "500ms");
        assert_eq!(human_duration_minutes(60.0 * 28.0), "1d 04h");
    }

    #[test]
    fn percent_shows_the_nines() {
        assert_eq!(percent(0.99993, Some(4.15)), "99.993000%");
        assert_eq!(percent(0.9, Some(1.0)), "90.00%");
    }
}
