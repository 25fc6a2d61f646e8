//! Distributions as a user writes them, e.g. `weibull(shape=0.8, mean=1y)`.
//! All durations in seconds. [`Distribution::parse`] reads the user forms of
//! docs/model.md, and `Display` writes them back.

use std::fmt;

use super::duration::{format_duration, parse_duration};
use crate::special::{gamma, ln_gamma};

/// A failure, repair or delay distribution, in seconds, in canonical parameters.
/// The parser converts each user form so that `mean()` is exactly what the user wrote.
#[derive(Clone, Debug, PartialEq)]
pub enum Distribution {
    /// `exponential(mean=D)`.
    Exponential { mean: f64 },
    /// `weibull(shape=K, mean=D)` or `weibull(shape=K, scale=D)`; mean = scale * Γ(1 + 1/shape).
    Weibull { shape: f64, scale: f64 },
    /// `lognormal(median=D, sigma=S)` (mu = ln median) or `lognormal(mean=D, sigma=S)`
    /// (mu = ln mean - sigma²/2). `mu` is the log of seconds.
    LogNormal { mu: f64, sigma: f64 },
    /// `gamma(shape=K, mean=D)`; scale = mean / shape.
    Gamma { shape: f64, scale: f64 },
    /// `uniform(min=D, max=D)`.
    Uniform { min: f64, max: f64 },
    /// `fixed(D)` or a bare duration `D`.
    Fixed(f64),
    /// `never`: the event does not happen.
    Never,
}

const FORMS: &str = "exponential(mean=D), weibull(shape=K, mean=D), weibull(shape=K, scale=D), \
lognormal(median=D, sigma=S), lognormal(mean=D, sigma=S), gamma(shape=K, mean=D), \
uniform(min=D, max=D), fixed(D), a duration D, or never";

/// The kind of value a parameter takes.
#[derive(Clone, Copy)]
enum Kind {
    /// A duration with a unit (`D`).
    Duration,
    /// A plain number (`K`, `S`).
    Number,
}

/// The parameters each distribution accepts, in the order they are documented.
fn parameters(name: &str) -> Option<&'static [(&'static str, Kind)]> {
    use Kind::{Duration, Number};
    Some(match name {
        "exponential" => &[("mean", Duration)],
        "weibull" => &[("shape", Number), ("mean", Duration), ("scale", Duration)],
        "lognormal" => &[("median", Duration), ("mean", Duration), ("sigma", Number)],
        "gamma" => &[("shape", Number), ("mean", Duration)],
        "uniform" => &[("min", Duration), ("max", Duration)],
        _ => return None,
    })
}

/// How each distribution is written, for "missing parameter" messages.
fn usage(name: &str) -> &'static str {
    match name {
        "exponential" => "exponential(mean=D)",
        "weibull" => "weibull(shape=K, mean=D) or weibull(shape=K, scale=D)",
        "lognormal" => "lognormal(median=D, sigma=S) or lognormal(mean=D, sigma=S)",
        "gamma" => "gamma(shape=K, mean=D)",
        "uniform" => "uniform(min=D, max=D)",
        _ => "fixed(D)",
    }
}

impl Distribution {
    /// Parses a distribution as written in a scenario file (see docs/model.md):
    /// `exponential(mean=D)`, `weibull(shape=K, mean=D)`, `weibull(shape=K, scale=D)`,
    /// `lognormal(median=D, sigma=S)`, `lognormal(mean=D, sigma=S)`, `gamma(shape=K, mean=D)`,
    /// `uniform(min=D, max=D)`, `fixed(D)`, a bare duration `D`, or `never`.
    ///
    /// `D` is a duration with a unit (see [`parse_duration`]); `K` and `S` are
    /// plain numbers. Names are case-sensitive; whitespace around names,
    /// parentheses, commas and `=` is ignored. Each form is converted so that
    /// [`Distribution::mean`] is exactly (to rounding) the mean the user wrote.
    pub fn parse(text: &str) -> Result<Distribution, String> {
        let text = text.trim();
        if text == "never" {
            return Ok(Distribution::Never);
        }
        let Some(open) = text.find('(') else {
            return parse_bare(text);
        };
        let name = text[..open].trim();
        let Some(inner) = text[open + 1..].trim_end().strip_suffix(')') else {
            // The usual cause: inside a YAML `{ ... }` or `[ ... ]`, a comma
            // ends the value, cutting `lognormal(median=4h, sigma=1.2)` short.
            if !text.contains(',') && !text.contains(')') {
                return Err(format!(
                    "`{text}` is missing its closing `)`. Inside `{{ ... }}` or `[ ... ]` YAML \
                     ends a value at a comma: quote the distribution, e.g. \
                     `repair: \"lognormal(median=4h, sigma=1.2)\"`, or write the mapping in \
                     block style"
                ));
            }
            return Err(format!(
                "`{text}` is missing its closing `)`; expected {FORMS}"
            ));
        };
        if inner.contains('(') || inner.contains(')') {
            return Err(format!(
                "unbalanced parentheses in `{text}`; expected {FORMS}"
            ));
        }
        if name == "fixed" {
            let arg = inner.trim();
            if arg.is_empty() {
                return Err("fixed needs a duration, e.g. fixed(30s)".to_string());
            }
            if arg.contains(',') || arg.contains('=') {
                return Err(format!(
                    "fixed takes one duration, e.g. fixed(30s), not `{arg}`"
                ));
            }
            return parse_duration(arg).map(Distribution::Fixed);
        }
        let Some(accepted) = parameters(name) else {
            return Err(unknown_name(name));
        };

        // Collect `key=value` pairs, checking names and kinds as we go.
        let mut values: Vec<(&'static str, f64)> = Vec::new();
        if !inner.trim().is_empty() {
            for arg in inner.split(',') {
                let arg = arg.trim();
                if arg.is_empty() {
                    return Err(format!(
                        "empty parameter in `{text}`; expected {}",
                        usage(name)
                    ));
                }
                let Some((key, value)) = arg.split_once('=') else {
                    return Err(format!(
                        "parameter `{arg}` of {name} needs a name, e.g. {}",
                        usage(name)
                    ));
                };
                let key = key.trim();
                let value = value.trim();
                let Some(&(key, kind)) = accepted.iter().find(|(k, _)| *k == key) else {
                    return Err(format!(
                        "unknown parameter `{key}` for {name}; expected {}",
                        usage(name)
                    ));
                };
                if values.iter().any(|(k, _)| *k == key) {
                    return Err(format!("parameter `{key}` of {name} is given twice"));
                }
                let parsed = match kind {
                    Kind::Duration => parse_duration(value)
                        .map_err(|e| format!("{name} parameter `{key}`: {e}"))?,
                    Kind::Number => {
                        parse_number(value).map_err(|e| format!("{name} parameter `{key}`: {e}"))?
                    }
                };
                values.push((key, parsed));
            }
        }
        let get = |key: &str| values.iter().find(|(k, _)| *k == key).map(|&(_, v)| v);
        let need = |key: &str| {
            get(key).ok_or_else(|| format!("{name} needs parameter `{key}`: {}", usage(name)))
        };
        // Exactly one of two alternative parameters, e.g. weibull's mean or scale.
        let one_of = |a: &'static str, b: &'static str| match (get(a), get(b)) {
            (Some(_), Some(_)) => Err(format!(
                "{name} takes `{a}` or `{b}`, not both: {}",
                usage(name)
            )),
            (Some(v), None) => Ok((a, v)),
            (None, Some(v)) => Ok((b, v)),
            (None, None) => Err(format!(
                "{name} needs parameter `{a}` (or `{b}`): {}",
                usage(name)
            )),
        };

        let dist = match name {
            "exponential" => {
                let mean = positive(name, "mean", need("mean")?)?;
                Distribution::Exponential { mean }
            }
            "weibull" => {
                let shape = positive(name, "shape", need("shape")?)?;
                let (which, value) = one_of("mean", "scale")?;
                let value = positive(name, which, value)?;
                // Γ(1 + 1/k) overflows for k below about 0.0058; such a shape
                // is not a failure model anyone means.
                if ln_gamma(1.0 + 1.0 / shape) >= f64::MAX.ln() {
                    let shape = Num(shape);
                    return Err(format!(
                        "weibull shape {shape} is too small (its mean is not a finite number)"
                    ));
                }
                let factor = gamma(1.0 + 1.0 / shape);
                let scale = if which == "mean" {
                    value / factor
                } else {
                    value
                };
                if !(scale > 0.0 && scale.is_finite() && (scale * factor).is_finite()) {
                    let shape = Num(shape);
                    return Err(format!(
                        "weibull(shape={shape}, {which}={}) has no finite, positive mean",
                        format_duration(value)
                    ));
                }
                Distribution::Weibull { shape, scale }
            }
            "lognormal" => {
                let sigma = need("sigma")?;
                if sigma < 0.0 {
                    let sigma = Num(sigma);
                    return Err(format!(
                        "lognormal parameter `sigma` must be >= 0, not {sigma}"
                    ));
                }
                let (which, value) = one_of("median", "mean")?;
                let value = positive(name, which, value)?;
                // Median form: the median of a lognormal is e^mu. Mean form: its
                // mean is e^(mu + sigma²/2), solved for mu.
                let mu = if which == "median" {
                    value.ln()
                } else {
                    value.ln() - sigma * sigma / 2.0
                };
                let mean = (mu + sigma * sigma / 2.0).exp();
                if !mean.is_finite() || !mu.is_finite() {
                    let sigma = Num(sigma);
                    return Err(format!(
                        "lognormal sigma {sigma} is too large (its mean is not a finite number)"
                    ));
                }
                Distribution::LogNormal { mu, sigma }
            }
            "gamma" => {
                let shape = positive(name, "shape", need("shape")?)?;
                let mean = positive(name, "mean", need("mean")?)?;
                let scale = mean / shape;
                if scale <= 0.0 || scale.is_nan() {
                    let shape = Num(shape);
                    return Err(format!(
                        "gamma shape {shape} is too large for mean {}",
                        format_duration(mean)
                    ));
                }
                Distribution::Gamma { shape, scale }
            }
            "uniform" => {
                let min = need("min")?;
                let max = need("max")?;
                if min > max {
                    return Err(format!(
                        "uniform min ({}) is greater than max ({})",
                        format_duration(min),
                        format_duration(max)
                    ));
                }
                Distribution::Uniform { min, max }
            }
            // `parameters` returned Some, so the name is one of the above.
            _ => return Err(unknown_name(name)),
        };
        Ok(dist)
    }

    /// The mean in seconds; `f64::INFINITY` for `Never`.
    pub fn mean(&self) -> f64 {
        match *self {
            Distribution::Exponential { mean } => mean,
            Distribution::Weibull { shape, scale } => scale * gamma(1.0 + 1.0 / shape),
            Distribution::LogNormal { mu, sigma } => (mu + sigma * sigma / 2.0).exp(),
            Distribution::Gamma { shape, scale } => shape * scale,
            Distribution::Uniform { min, max } => min + (max - min) / 2.0,
            Distribution::Fixed(value) => value,
            Distribution::Never => f64::INFINITY,
        }
    }
}

/// Prints the form a user would write, with the mean (or, for a lognormal, the
/// median, which is how lognormal repair times are usually quoted) rather than
/// internal parameters, e.g. `weibull(shape=0.8, mean=2y)`. The text parses back
/// to a distribution with the same mean, to about 1e-12 relative.
impl fmt::Display for Distribution {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Distribution::Exponential { mean } => {
                write!(f, "exponential(mean={})", format_duration(mean))
            }
            Distribution::Weibull { shape, .. } => {
                let shape = Num(shape);
                write!(
                    f,
                    "weibull(shape={shape}, mean={})",
                    format_duration(self.mean())
                )
            }
            Distribution::LogNormal { mu, sigma } => {
                let sigma = Num(sigma);
                write!(
                    f,
                    "lognormal(median={}, sigma={sigma})",
                    format_duration(mu.exp())
                )
            }
            Distribution::Gamma { shape, .. } => {
                let shape = Num(shape);
                write!(
                    f,
                    "gamma(shape={shape}, mean={})",
                    format_duration(self.mean())
                )
            }
            Distribution::Uniform { min, max } => write!(
                f,
                "uniform(min={}, max={})",
                format_duration(min),
                format_duration(max)
            ),
            Distribution::Fixed(value) => write!(f, "fixed({})", format_duration(value)),
            Distribution::Never => f.write_str("never"),
        }
    }
}

/// A bare word or duration: `30s` means `fixed(30s)`.
fn parse_bare(text: &str) -> Result<Distribution, String> {
    if text.is_empty() {
        return Err(format!("empty distribution; expected {FORMS}"));
    }
    let looks_like_a_name = text.chars().all(|c| c.is_ascii_alphabetic() || c == '_');
    if looks_like_a_name {
        if parameters(text).is_some() || text == "fixed" {
            return Err(format!("{text} needs parameters: {}", usage(text)));
        }
        return Err(unknown_name(text));
    }
    parse_duration(text).map(Distribution::Fixed).map_err(|e| {
        format!("`{text}` is neither a distribution nor a duration ({e}); expected {FORMS}")
    })
}

fn unknown_name(name: &str) -> String {
    let lower = name.to_ascii_lowercase();
    let hint = if lower != name
        && (parameters(&lower).is_some() || lower == "fixed" || lower == "never")
    {
        format!(" (names are lower case: `{lower}`)")
    } else {
        String::new()
    };
    format!("unknown distribution `{name}`{hint}; expected {FORMS}")
}

/// A plain, finite number such as `0.8` (shape and sigma have no unit).
fn parse_number(text: &str) -> Result<f64, String> {
    // f64's parser also accepts `inf` and `NaN`; those are refused below, and
    // anything else it rejects (e.g. `0.8s`) gets a message naming the value.
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        Ok(_) => Err(format!("`{text}` is not a finite number")),
        Err(_) if text.is_empty() => Err("missing value; expected a number, e.g. 0.8".to_string()),
        Err(_) => Err(format!(
            "`{text}` is not a number (this parameter has no unit), e.g. 0.8"
        )),
    }
}

fn positive(name: &str, key: &str, value: f64) -> Result<f64, String> {
    if value > 0.0 {
        Ok(value)
    } else {
        Err(format!("{name} parameter `{key}` must be > 0"))
    }
}

/// A parameter as a person reads it: plain decimals (`0.8`, `1`), and an
/// exponent only for extreme magnitudes (`1e-300`), never 300 digits.
struct Num(f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let a = self.0.abs();
        if a != 0.0 && !(1e-4..1e15).contains(&a) {
            write!(f, "{:e}", self.0)
        } else {
            write!(f, "{}", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: f64 = 3_600.0;
    const Y: f64 = 365.0 * 86_400.0;

    fn parse(text: &str) -> Distribution {
        match Distribution::parse(text) {
            Ok(d) => d,
            Err(e) => panic!("{text}: {e}"),
        }
    }

    fn assert_rel(actual: f64, expected: f64, tol: f64) {
        let rel = ((actual - expected) / expected).abs();
        assert!(rel <= tol, "{actual} vs {expected}: relative error {rel:e}");
    }

    #[test]
    fn weibull_mean_form_reproduces_the_mean() {
        for shape in [0.5, 0.8, 1.0, 1.5, 2.0, 3.7] {
            let d = parse(&format!("weibull(shape={shape}, mean=2y)"));
            assert_rel(d.mean(), 2.0 * Y, 1e-12);
            let Distribution::Weibull { scale, .. } = d else {
                panic!("{d:?}")
            };
            assert_rel(scale * gamma(1.0 + 1.0 / shape), 2.0 * Y, 1e-12);
        }
        // shape 1 is the exponential: scale = mean.
        let Distribution::Weibull { scale, .. } = parse("weibull(shape=1, mean=1y)") else {
            panic!()
        };
        assert_rel(scale, Y, 1e-14);
    }

    #[test]
    fn weibull_scale_form() {
        let d = parse("weibull(shape=0.8, scale=1y)");
        assert_eq!(
            d,
            Distribution::Weibull {
                shape: 0.8,
                scale: Y
            }
        );
        // Γ(2.25) = 1.25 · 0.25 · Γ(1/4).
        assert_rel(d.mean(), Y * 1.25 * 0.25 * 3.625_609_908_221_908, 1e-13);
        let d = parse("weibull(shape=2, scale=1h)");
        assert_rel(d.mean(), H * std::f64::consts::PI.sqrt() / 2.0, 1e-13);
    }

    #[test]
    fn lognormal_forms() {
        let d = parse("lognormal(median=30m, sigma=1.0)");
        assert_eq!(
            d,
            Distribution::LogNormal {
                mu: 1_800f64.ln(),
                sigma: 1.0
            }
        );
        assert_rel(d.mean(), 1_800.0 * 0.5f64.exp(), 1e-14);
        let d = parse("lognormal(mean=4h, sigma=1.2)");
        assert_rel(d.mean(), 4.0 * H, 1e-12);
        let Distribution::LogNormal { mu, .. } = d else {
            panic!()
        };
        assert_rel(mu, (4.0 * H).ln() - 0.72, 1e-14);
        // sigma 0 is a point mass at the median.
        assert_rel(parse("lognormal(median=5m, sigma=0)").mean(), 300.0, 1e-14);
    }

    #[test]
    fn other_means() {
        assert_eq!(parse("exponential(mean=5y)").mean(), 5.0 * Y);
        let d = parse("gamma(shape=2.5, mean=3h)");
        assert_eq!(
            d,
            Distribution::Gamma {
                shape: 2.5,
                scale: 3.0 * H / 2.5
            }
        );
        assert_rel(d.mean(), 3.0 * H, 1e-15);
        assert_eq!(parse("uniform(min=1s, max=2s)").mean(), 1.5);
        assert_eq!(parse("uniform(min=1s,max=1s)").mean(), 1.0);
        assert_eq!(parse("fixed(80s)").mean(), 80.0);
        assert_eq!(parse("80s"), Distribution::Fixed(80.0));
        assert_eq!(parse("0"), Distribution::Fixed(0.0));
        assert_eq!(parse("never").mean(), f64::INFINITY);
    }

    #[test]
    fn whitespace_is_tolerated() {
        assert_eq!(
            parse("  weibull ( shape = 0.8 ,  scale = 1y )  "),
            Distribution::Weibull {
                shape: 0.8,
                scale: Y
            }
        );
        assert_eq!(parse("fixed( 1h30m )"), Distribution::Fixed(5_400.0));
        assert_eq!(parse(" never "), Distribution::Never);
    }

    #[test]
    fn errors_name_the_problem() {
        let cases = [
            ("poisson(mean=1y)", "unknown distribution `poisson`"),
            ("Exponential(mean=1y)", "lower case"),
            ("exponential", "needs parameters"),
            ("weibull(shape=0.8)", "needs parameter `mean` (or `scale`)"),
            ("weibull(mean=1y)", "needs parameter `shape`"),
            ("weibull(shape=0.8, mean=1y, scale=1y)", "not both"),
            ("weibull(shape=-0.8, mean=1y)", "`shape` must be > 0"),
            ("weibull(shape=0, mean=1y)", "`shape` must be > 0"),
            ("weibull(shape=0.001, mean=1y)", "too small"),
            ("weibull(shape=0.8, shape=0.9, mean=1y)", "given twice"),
            ("weibull(shape=0.8, mena=1y)", "unknown parameter `mena`"),
            ("weibull(shape=0.8s, mean=1y)", "not a number"),
            ("weibull(shape=inf, mean=1y)", "not a finite number"),
            ("weibull(shape=NaN, mean=1y)", "not a finite number"),
            ("exponential(mean=0s)", "`mean` must be > 0"),
            ("exponential(mean=5)", "no unit"),
            ("exponential(mean=-5y)", "negative"),
            ("exponential(mean=5y", "closing"),
            ("exponential(mean=5y,)", "empty parameter"),
            ("exponential(5y)", "needs a name"),
            ("lognormal(median=30m, sigma=-1)", "`sigma` must be >= 0"),
            ("lognormal(median=0s, sigma=1)", "`median` must be > 0"),
            ("lognormal(mean=0s, sigma=1)", "`mean` must be > 0"),
            ("lognormal(median=30m, sigma=50)", "too large"),
            ("lognormal(median=30m)", "needs parameter `sigma`"),
            ("gamma(shape=0, mean=1h)", "`shape` must be > 0"),
            ("gamma(shape=2)", "needs parameter `mean`"),
            ("uniform(min=2s, max=1s)", "greater than max"),
            ("uniform(min=2s)", "needs parameter `max`"),
            ("fixed()", "needs a duration"),
            ("fixed(1s, 2s)", "one duration"),
            ("fixed(10)", "no unit"),
            ("", "empty distribution"),
            ("10", "no unit"),
            ("nevr", "unknown distribution `nevr`"),
            ("exponential((mean=1y))", "parentheses"),
        ];
        for (text, needle) in cases {
            match Distribution::parse(text) {
                Ok(d) => panic!("{text:?} parsed as {d:?}"),
                Err(e) => assert!(e.contains(needle), "{text:?}: {e:?} lacks {needle:?}"),
            }
        }
    }

    #[test]
    fn display_is_the_user_form_and_parses_back() {
        let cases = [
            ("exponential(mean=5y)", "exponential(mean=5y)"),
            ("weibull(shape=0.8, mean=2y)", "weibull(shape=0.8, mean=2y)"),
            ("weibull(shape=1, scale=1y)", "weibull(shape=1, mean=1y)"),
            (
                "lognormal(median=30m, sigma=1.0)",
                "lognormal(median=30m, sigma=1)",
            ),
            ("gamma(shape=2, mean=1.5h)", "gamma(shape=2, mean=1.5h)"),
            ("uniform(min=1s, max=2s)", "uniform(min=1s, max=2s)"),
            ("fixed(80s)", "fixed(80s)"),
            ("90s", "fixed(1.5m)"),
            ("0", "fixed(0s)"),
            ("never", "never"),
        ];
        for (input, shown) in cases {
            let d = parse(input);
            assert_eq!(d.to_string(), shown, "{input}");
        }
        for input in [
            "weibull(shape=0.8, scale=1y)",
            "weibull(shape=0.37, mean=123d)",
            "lognormal(mean=4h, sigma=1.2)",
            "lognormal(median=17.3m, sigma=0.4)",
            "gamma(shape=0.3, mean=1w)",
            "exponential(mean=1h30m)",
            "uniform(min=0s, max=3ms)",
        ] {
            let d = parse(input);
            let back = parse(&d.to_string());
            assert_rel(back.mean(), d.mean(), 1e-11);
            assert_eq!(std::mem::discriminant(&back), std::mem::discriminant(&d));
        }
    }
}
