//! A mergeable quantile sketch for durations with a stated relative accuracy
//! (the DDSketch idea of Masson, Rim and Lee, 2019): logarithmic buckets, so
//! every reported quantile is within ±RELATIVE_ACCURACY of a true sample value
//! of that rank. Counts are integers, so merging is exact and order-free.

/// Relative accuracy of every quantile the sketch reports.
pub const RELATIVE_ACCURACY: f64 = 0.005;

/// Durations (any unit, > 0) with exact count, sum and maximum, and
/// quantiles to within [`RELATIVE_ACCURACY`].
#[derive(Clone, Debug, PartialEq)]
pub struct DurationSketch {
    count: u64,
    sum: f64,
    min: f64,
    max: f64,
    /// Values <= 0 (impossible for outages, but never lost).
    zeros: u64,
    /// counts[i] holds values whose bucket index is offset + i.
    offset: i32,
    counts: Vec<u64>,
}

impl Default for DurationSketch {
    fn default() -> Self {
        Self {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: 0.0,
            zeros: 0,
            offset: 0,
            counts: Vec::new(),
        }
    }
}

/// ln(gamma) with gamma = (1 + a) / (1 - a): bucket i holds (gamma^(i-1), gamma^i].
fn ln_gamma_ratio() -> f64 {
    ((1.0 + RELATIVE_ACCURACY) / (1.0 - RELATIVE_ACCURACY)).ln()
}

fn bucket_of(x: f64) -> i32 {
    // Clamped: a duration of 1e-300 or 1e300 still lands in a bucket.
    (x.ln() / ln_gamma_ratio())
        .ceil()
        .clamp(-100_000.0, 100_000.0) as i32
}

/// The value that represents bucket i: within the relative accuracy of every
/// value in (gamma^(i-1), gamma^i].
fn bucket_value(i: i32) -> f64 {
    let g = ln_gamma_ratio().exp();
    2.0 * (i as f64 * ln_gamma_ratio()).exp() / (1.0 + g)
}

impl DurationSketch {
    /// Records one duration. NaN is ignored (it cannot arise from the model).
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count += 1;
        self.sum += x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x <= 0.0 {
            self.zeros += 1;
            return;
        }
        let i = bucket_of(x);
        if self.counts.is_empty() {
            self.offset = i;
            self.counts.push(0);
        } else if i < self.offset {
            let grow = (self.offset - i) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = i;
        } else if (i - self.offset) as usize >= self.counts.len() {
            self.counts.resize((i - self.offset) as usize + 1, 0);
        }
        self.counts[(i - self.offset) as usize] += 1;
    }

    /// Adds all of `other`.
    pub fn merge(&mut self, other: &DurationSketch) {
        if other.count == 0 {
            return;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
        self.zeros += other.zeros;
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.offset = other.offset;
            self.counts = other.counts.clone();
            return;
        }
        let lo = self.offset.min(other.offset);
        let hi =
            (self.offset + self.counts.len() as i32).max(other.offset + other.counts.len() as i32);
        if lo < self.offset {
            let grow = (self.offset - lo) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = lo;
        }
        self.counts.resize((hi - lo) as usize, 0);
        let shift = (other.offset - self.offset) as usize;
        for (slot, c) in self.counts[shift..].iter_mut().zip(&other.counts) {
            *slot += c;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean, `None` when empty.
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }

    /// Exact maximum, `None` when empty.
    pub fn max(&self) -> Option<f64> {
        (self.count > 0).then_some(self.max)
    }

    /// The q-quantile (0 <= q <= 1), nearest-rank on the lower side, within
    /// the relative accuracy; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.count == 0 {
            return None;
        }
        let q = q.clamp(0.0, 1.0);
        let rank = (q * (self.count - 1) as f64).floor() as u64;
        if rank < self.zeros {
            return Some(self.min.min(0.0));
        }
        let mut seen = self.zeros;
        for (k, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen > rank {
                let v = bucket_value(self.offset + k as i32);
                return Some(v.clamp(self.min, self.max));
            }
        }
        Some(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exact_quantile(sorted: &[f64], q: f64) -> f64 {
        sorted[(q * (sorted.len() - 1) as f64).floor() as usize]
    }

    #[test]
    fn quantiles_within_relative_accuracy() {
        // A wide, deterministic spread of values: 1 ms to ~3 years.
        let xs: Vec<f64> = (0..20_000).map(|i| 1e-3 * 1.0009_f64.powi(i)).collect();
        let mut s = DurationSketch::default();
        xs.iter().for_each(|&x| s.push(x));
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for &q in &[0.0, 0.01, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0] {
            let got = s.quantile(q).unwrap();
            let want = exact_quantile(&sorted, q);
            assert!(
                (got - want).abs() <= RELATIVE_ACCURACY * want * (1.0 + 1e-9),
                "q={q}: got {got}, want {want}"
            );
        }
        assert_eq!(s.max(), Some(*sorted.last().unwrap()));
        assert_eq!(s.count(), 20_000);
    }

    #[test]
    fn merge_is_the_same_as_pushing_everything() {
        let xs: Vec<f64> = (1..5000)
            .map(|i| ((i * 7919) % 10_007) as f64 * 0.37)
            .collect();
        let mut whole = DurationSketch::default();
        xs.iter().for_each(|&x| whole.push(x));
        let mut merged = DurationSketch::default();
        for part in xs.chunks(333) {
            let mut p = DurationSketch::default();
            part.iter().for_each(|&x| p.push(x));
            merged.merge(&p);
        }
        for &q in &[0.1, 0.5, 0.9, 0.99] {
            assert_eq!(merged.quantile(q), whole.quantile(q));
        }
        assert_eq!(merged.count(), whole.count());
        assert_eq!(merged.max(), whole.max());
    }

    #[test]
    fn empty_sketch_reports_nothing() {
        let s = DurationSketch::default();
        assert_eq!(s.quantile(0.5), None);
        assert_eq!(s.mean(), None);
        assert_eq!(s.max(), None);
    }
}
