//! Mean and variance over replications (Welford, with Chan's merge), and
//! the Student t interval on the mean.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::special::student_t_quantile;

/// Running count, mean and sum of squared deviations of a sample.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MeanVar {
    n: u64,
    mean: f64,
    m2: f64,
}

/// A mean with its 95% confidence interval. The bounds are `None` with fewer
/// than two samples, where no interval exists.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Interval {
    pub mean: f64,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
}

impl Interval {
    /// Applies an affine map `a + b x` (b may be negative: bounds swap).
    pub fn affine(&self, a: f64, b: f64) -> Interval {
        let map = |x: f64| a + b * x;
        let (lo, hi) = match (self.ci_low, self.ci_high) {
            (Some(l), Some(h)) if b >= 0.0 => (Some(map(l)), Some(map(h))),
            (Some(l), Some(h)) => (Some(map(h)), Some(map(l))),
            _ => (None, None),
        };
        Interval {
            mean: map(self.mean),
            ci_low: lo,
            ci_high: hi,
        }
    }

    /// Half of the interval's width, if there is one.
    pub fn half_width(&self) -> Option<f64> {
        Some((self.ci_high? - self.ci_low?) / 2.0)
    }

    /// Whether the interval excludes 0 (a significant difference); one
    /// without bounds (fewer than two samples) shows nothing.
    pub fn excludes_zero(&self) -> bool {
        matches!((self.ci_low, self.ci_high), (Some(l), Some(h)) if l > 0.0 || h < 0.0)
    }

    /// Exactly 0 with an interval of [0, 0]: a difference of 0 in every
    /// sample.
    pub fn is_exactly_zero(&self) -> bool {
        (self.mean, self.ci_low, self.ci_high) == (0.0, Some(0.0), Some(0.0))
    }
}

/// Exact, for partial results that must merge to the last bit: the count
/// and the IEEE 754 bits of the mean and of the sum of squared deviations.
impl Serialize for MeanVar {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.n, self.mean.to_bits(), self.m2.to_bits()].serialize(s)
    }
}

impl<'de> Deserialize<'de> for MeanVar {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [n, mean, m2] = <[u64; 3]>::deserialize(d)?;
        let (mean, m2) = (f64::from_bits(mean), f64::from_bits(m2));
        // What a sample can be: finite, and no negative sum of squares.
        if !mean.is_finite() || !m2.is_finite() || m2 < 0.0 || (n == 0 && (mean, m2) != (0.0, 0.0))
        {
            use serde::de::Error;
            return Err(D::Error::custom(format!(
                "not a sample: count {n}, mean {mean}, sum of squared deviations {m2}"
            )));
        }
        Ok(MeanVar { n, mean, m2 })
    }
}

impl MeanVar {
    /// Adds one observation.
    #[inline]
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Adds all of `other` (Chan, Golub and LeVeque's pairwise update).
    pub fn merge(&mut self, other: &MeanVar) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let n = self.n + other.n;
        let delta = other.mean - self.mean;
        let (na, nb) = (self.n as f64, other.n as f64);
        self.mean += delta * nb / n as f64;
        self.m2 += other.m2 + delta * delta * na * nb / n as f64;
        self.n = n;
    }

    /// The same sample with every value multiplied by `k`.
    pub fn scaled(&self, k: f64) -> MeanVar {
        MeanVar {
            n: self.n,
            mean: self.mean * k,
            m2: self.m2 * k * k,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    pub fn count(&self) -> u64 {
        self.n
    }

    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Sample variance (n - 1 in the denominator); 0 with fewer than two samples.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.m2 / (self.n - 1) as f64).max(0.0)
        }
    }

    /// Standard error of the mean.
    pub fn std_error(&self) -> f64 {
        if self.n < 2 {
            0.0
        } else {
            (self.variance() / self.n as f64).sqrt()
        }
    }

    /// The mean with its two-sided 95% Student t interval over the samples.
    pub fn interval95(&self) -> Interval {
        if self.n < 2 {
            return Interval {
                mean: self.mean,
                ci_low: None,
                ci_high: None,
            };
        }
        let h = t975(self.n - 1) * self.std_error();
        Interval {
            mean: self.mean,
            ci_low: Some(self.mean - h),
            ci_high: Some(self.mean + h),
        }
    }
}

/// The 97.5% Student t quantile for `df` degrees of freedom. A report asks
/// for it with the same `df` dozens of times (every indicator and cause), and
/// each evaluation inverts an incomplete beta function, so the last answer is
/// kept per thread.
fn t975(df: u64) -> f64 {
    use std::cell::Cell;
    thread_local! {
        static LAST: Cell<(u64, f64)> = const { Cell::new((0, f64::NAN)) };
    }
    LAST.with(|last| {
        let (d, t) = last.get();
        if d == df {
            return t;
        }
        let t = student_t_quantile(0.975, df as f64);
        last.set((df, t));
        t
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_two_pass_formulas() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        let mut acc = MeanVar::default();
        xs.iter().for_each(|&x| acc.push(x));
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((acc.mean() - mean).abs() < 1e-15);
        assert!((acc.variance() - var).abs() < 1e-12);
    }

    #[test]
    fn merge_equals_sequential_push() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 * 1e-6)
            .collect();
        let mut whole = MeanVar::default();
        xs.iter().for_each(|&x| whole.push(x));
        let mut merged = MeanVar::default();
        for part in xs.chunks(37) {
            let mut p = MeanVar::default();
            part.iter().for_each(|&x| p.push(x));
            merged.merge(&p);
        }
        assert_eq!(merged.count(), whole.count());
        // Rounding differs between the two orders: about n·ε, far below 1e-12.
        assert!((merged.mean() - whole.mean()).abs() <= 1e-12 * whole.mean().abs());
        assert!((merged.variance() - whole.variance()).abs() <= 1e-9 * whole.variance());
    }

    #[test]
    fn interval_needs_two_samples_and_covers_mean() {
        let mut acc = MeanVar::default();
        acc.push(1.0);
        assert_eq!(acc.interval95().ci_low, None);
        acc.push(3.0);
        let iv = acc.interval95();
        // n = 2: mean 2, s = sqrt(2), se = 1, t(0.975, 1) = 12.706.
        assert!((iv.half_width().unwrap() - 12.706_204_736).abs() < 1e-6);
    }

    #[test]
    fn affine_with_negative_slope_swaps_bounds() {
        let iv = Interval {
            mean: 0.1,
            ci_low: Some(0.05),
            ci_high: Some(0.15),
        };
        let a = iv.affine(1.0, -1.0);
        assert_eq!(a.ci_low, Some(0.85));
        assert_eq!(a.ci_high, Some(0.95));
    }
}
