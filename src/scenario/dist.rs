//! Distributions as a user writes them, e.g. `weibull(shape=0.8, mean=1y)`.
//! All durations in seconds. Parsing lives in `scenario::parse` (see `Distribution::parse`).

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
