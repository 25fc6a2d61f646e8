//! A mergeable quantile sketch for durations with a stated relative accuracy
//! (the DDSketch idea of Masson, Rim and Lee, 2019): geometric buckets, so
//! every reported quantile is within ±RELATIVE_ACCURACY of a true sample value
//! of that rank. Counts are integers, so merging is exact and order-free.
//!
//! The bucket of a value is read straight off its IEEE 754 bits: the
//! exponent and the top [`SUB_BITS`] bits of the mantissa. Within an octave
//! the buckets are 1/128 of it wide, so a bucket's upper bound is at most
//! (1 + 1/128) times its lower bound, and its representative (the harmonic
//! mean of the bounds) is within 1/257 of every value in it. No logarithm is
//! taken, which matters: every outage of every indicator lands here.

/// Mantissa bits that pick the bucket within an octave.
const SUB_BITS: u32 = 7;
const SHIFT: u32 = 52 - SUB_BITS;

/// Relative accuracy of every quantile the sketch reports: 1/257 ≈ 0.39%.
pub const RELATIVE_ACCURACY: f64 = 1.0 / (2.0 * (1u64 << SUB_BITS) as f64 + 1.0);

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

/// The bucket of a positive, finite value.
#[inline]
fn bucket_of(x: f64) -> i32 {
    (x.to_bits() >> SHIFT) as i32
}

/// The value that represents bucket i: the harmonic mean of its bounds,
/// within [`RELATIVE_ACCURACY`] of every value in it.
fn bucket_value(i: i32) -> f64 {
    let lo = f64::from_bits((i as u64) << SHIFT);
    let hi = f64::from_bits(((i as u64) + 1) << SHIFT);
    2.0 * lo * hi / (lo + hi)
}

impl DurationSketch {
    /// Records one duration. NaN is ignored (it cannot arise from the model).
    #[inline]
    pub fn push(&mut self, x: f64) {
        if x.is_nan() {
            return;
        }
        self.count += 1;
        self.sum += x;
        self.min = self.min.min(x);
        self.max = self.max.max(x);
        if x <= 0.0 || x == f64::INFINITY {
            // Non-positive values (impossible for outages) and infinity keep
            // their count, min and max but no bucket.
            self.zeros += 1;
            return;
        }
        let i = bucket_of(x);
        // Below the offset wraps to a huge position: one test covers both ends.
        let pos = i.wrapping_sub(self.offset) as u32 as usize;
        match self.counts.get_mut(pos) {
            Some(c) => *c += 1,
            None => self.count_outside(i),
        }
    }

    /// Counts a value whose bucket is outside the current range, growing
    /// the range with a margin of two octaves so growth stays rare.
    #[cold]
    fn count_outside(&mut self, i: i32) {
        const MARGIN: i32 = 2 << SUB_BITS;
        if self.counts.is_empty() {
            self.reserve_range(i - MARGIN, i + MARGIN);
        } else if i < self.offset {
            self.reserve_range(i - MARGIN, self.offset);
        } else {
            self.reserve_range(self.offset, i + MARGIN);
        }
        self.counts[(i - self.offset) as usize] += 1;
    }

    /// Records many durations.
    pub fn extend(&mut self, values: &[f64]) {
        for &x in values {
            self.push(x);
        }
    }

    /// Makes room for buckets lo..=hi.
    fn reserve_range(&mut self, lo: i32, hi: i32) {
        if self.counts.is_empty() {
            self.offset = lo;
            self.counts = vec![0; (hi - lo) as usize + 1];
            return;
        }
        if lo < self.offset {
            let grow = (self.offset - lo) as usize;
            self.counts.splice(0..0, std::iter::repeat_n(0, grow));
            self.offset = lo;
        }
        let len = (hi - self.offset) as usize + 1;
        if len > self.counts.len() {
            self.counts.resize(len, 0);
        }
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
        self.reserve_range(other.offset, other.offset + other.counts.len() as i32 - 1);
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
        for (k, part) in xs.chunks(333).enumerate() {
            let mut p = DurationSketch::default();
            if k % 2 == 0 {
                part.iter().for_each(|&x| p.push(x));
            } else {
                p.extend(part);
            }
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
