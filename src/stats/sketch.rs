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

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Mantissa bits that pick the bucket within an octave.
const SUB_BITS: u32 = 7;
const SHIFT: u32 = 52 - SUB_BITS;

/// Buckets a sketch reserves either side of a value outside its range.
const MARGIN: i32 = 2 << SUB_BITS;
/// The bucket of the largest finite double.
const MAX_BUCKET: i32 = (f64::MAX.to_bits() >> SHIFT) as i32;
/// The most a sketch read from a file may count (some 1.7e13 durations),
/// so that sums over many sketches cannot overflow.
const MAX_WIRE_COUNT: u64 = 1 << 44;

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
        self.add_buckets(other);
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

    /// Moves the bucket counts out into a sketch of their own, leaving this
    /// one with its count, sum, minimum and maximum only. Bucket counts are
    /// integers, so they add up in any order: a shard sums its blocks'
    /// buckets once, and only the order-sensitive scalars stay per block.
    pub fn split_buckets(&mut self) -> DurationSketch {
        DurationSketch {
            offset: self.offset,
            counts: std::mem::take(&mut self.counts),
            ..DurationSketch::default()
        }
    }

    /// Adds the bucket counts of `other` (and nothing else).
    pub fn add_buckets(&mut self, other: &DurationSketch) {
        if other.counts.is_empty() {
            return;
        }
        self.reserve_range(other.offset, other.offset + other.counts.len() as i32 - 1);
        let shift = (other.offset - self.offset) as usize;
        for (slot, c) in self.counts[shift..].iter_mut().zip(&other.counts) {
            *slot += c;
        }
    }

    /// Whether the buckets hold every value counted (minus the non-positive
    /// ones): false for a sketch read from a damaged file, or missing buckets.
    pub fn is_consistent(&self) -> bool {
        let bucketed = self.counts.iter().try_fold(0u64, |a, &c| a.checked_add(c));
        bucketed.and_then(|b| b.checked_add(self.zeros)) == Some(self.count)
    }

    /// How many recorded values are above `x`: `(surely, maybe)`, where
    /// `surely` counts the values certainly above and `maybe` adds those in
    /// `x`'s own bucket, whose exact values the sketch no longer knows. The
    /// true count is within the two.
    pub fn count_above(&self, x: f64) -> (u64, u64) {
        if self.count == 0 || x >= self.max {
            return (0, 0);
        }
        if x < self.min {
            return (self.count, self.count);
        }
        if x <= 0.0 {
            // Every bucketed value is positive; the non-positive ones are at most 0.
            let bucketed = self.count - self.zeros;
            return (bucketed, self.count);
        }
        let b = bucket_of(x);
        let (mut surely, mut same) = (0, 0);
        for (k, &c) in self.counts.iter().enumerate() {
            let i = self.offset + k as i32;
            if i > b {
                surely += c;
            } else if i == b {
                same += c;
            }
        }
        (surely, surely + same)
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

/// The exact form of a sketch in partial results: floats as IEEE 754 bits,
/// buckets sparse (index, count) with the dense range kept, so the sketch
/// read back is equal to the one written, field for field.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    count: u64,
    sum: u64,
    min: u64,
    max: u64,
    zeros: u64,
    offset: i32,
    len: u32,
    buckets: Vec<(u32, u64)>,
}

impl Serialize for DurationSketch {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Wire {
            count: self.count,
            sum: self.sum.to_bits(),
            min: self.min.to_bits(),
            max: self.max.to_bits(),
            zeros: self.zeros,
            offset: self.offset,
            len: self.counts.len() as u32,
            buckets: self
                .counts
                .iter()
                .enumerate()
                .filter(|(_, c)| **c > 0)
                .map(|(i, &c)| (i as u32, c))
                .collect(),
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for DurationSketch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let w = Wire::deserialize(d)?;
        // Everything checked before the dense counts are allocated: a
        // damaged file must be refused, not abort the process.
        let limit = |what: &str, n: u64| {
            if n > MAX_WIRE_COUNT {
                Err(D::Error::custom(format!(
                    "sketch {what} {n} is more than {MAX_WIRE_COUNT}"
                )))
            } else {
                Ok(())
            }
        };
        limit("count", w.count)?;
        limit("zeros", w.zeros)?;
        // Buckets span the finite positive doubles, plus the margin the
        // sketch reserves either side of the values it holds.
        let (lo, hi) = (-MARGIN as i64, MAX_BUCKET as i64 + MARGIN as i64);
        let end = w.offset as i64 + w.len as i64 - 1;
        if (w.offset as i64) < lo || w.offset as i64 > hi || (w.len > 0 && end > hi) {
            return Err(D::Error::custom(format!(
                "sketch buckets {}..{} outside {lo}..={hi}",
                w.offset,
                w.offset as i64 + w.len as i64
            )));
        }
        let mut total = 0u64;
        let mut previous: Option<u32> = None;
        for &(i, c) in &w.buckets {
            if i >= w.len || previous.is_some_and(|p| p >= i) || c == 0 {
                return Err(D::Error::custom(format!(
                    "sketch bucket ({i}, {c}): buckets must be in increasing order, below {}, \
                     and not empty",
                    w.len
                )));
            }
            previous = Some(i);
            total = total.saturating_add(c);
        }
        limit("bucket total", total)?;
        // A sketch's range reaches at most a margin beyond its outermost
        // buckets, so the dense counts are no larger than the buckets' span.
        if let (Some(&(first, _)), Some(&(last, _))) = (w.buckets.first(), w.buckets.last()) {
            if first > MARGIN as u32 || w.len - 1 - last > MARGIN as u32 {
                return Err(D::Error::custom(format!(
                    "sketch of {} buckets with values only in {first}..={last}",
                    w.len
                )));
            }
        } else if w.len > 0 {
            return Err(D::Error::custom(format!(
                "sketch of {} buckets, all empty",
                w.len
            )));
        }
        let mut counts = vec![0; w.len as usize];
        for (i, c) in w.buckets {
            counts[i as usize] = c;
        }
        Ok(DurationSketch {
            count: w.count,
            sum: f64::from_bits(w.sum),
            min: f64::from_bits(w.min),
            max: f64::from_bits(w.max),
            zeros: w.zeros,
            offset: w.offset,
            counts,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_form_reads_back_equal() {
        let mut s = DurationSketch::default();
        for i in 1..500 {
            s.push(i as f64 * 0.731);
        }
        s.push(0.0);
        let text = serde_json::to_string(&s).unwrap();
        let back: DurationSketch = serde_json::from_str(&text).unwrap();
        assert_eq!(back, s);
        let empty: DurationSketch =
            serde_json::from_str(&serde_json::to_string(&DurationSketch::default()).unwrap())
                .unwrap();
        assert_eq!(empty, DurationSketch::default());
        assert!(back.is_consistent());
        let lying: DurationSketch =
            serde_json::from_str(&text.replacen("\"count\":500", "\"count\":501", 1)).unwrap();
        assert!(!lying.is_consistent());
    }

    #[test]
    fn buckets_split_off_and_added_back_give_the_same_quantiles() {
        let xs: Vec<f64> = (1..3000)
            .map(|i| ((i * 7919) % 10_007) as f64 * 0.37)
            .collect();
        let mut whole = DurationSketch::default();
        let mut scalars = DurationSketch::default();
        let mut buckets = DurationSketch::default();
        for part in xs.chunks(250) {
            let mut p = DurationSketch::default();
            p.extend(part);
            whole.merge(&p);
            buckets.add_buckets(&p.split_buckets());
            assert!(p.counts.is_empty());
            scalars.merge(&p);
        }
        scalars.add_buckets(&buckets);
        assert!(scalars.is_consistent());
        for q in [0.0, 0.1, 0.5, 0.9, 0.99, 1.0] {
            assert_eq!(scalars.quantile(q), whole.quantile(q));
        }
        assert_eq!(scalars.mean(), whole.mean());
        assert_eq!(scalars.count_above(100.0), whole.count_above(100.0));
    }

    #[test]
    fn counts_above_a_threshold_bracket_the_truth() {
        let xs: Vec<f64> = (1..=1000).map(|i| i as f64).collect();
        let mut s = DurationSketch::default();
        s.extend(&xs);
        for x in [0.5, 10.0, 99.5, 500.0, 999.0, 1000.0, 2000.0] {
            let truth = xs.iter().filter(|&&v| v > x).count() as u64;
            let (surely, maybe) = s.count_above(x);
            assert!(
                surely <= truth && truth <= maybe,
                "{x}: {surely} {truth} {maybe}"
            );
            assert!(maybe - surely <= 8, "{x}: one bucket's worth at most");
        }
    }

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
