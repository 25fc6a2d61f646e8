//! Sets of workers as bit words (bit `n % 64` of word `n / 64` is worker
//! n), which the scheduler intersects a word at a time: a cluster of 1,000
//! workers is 16 words.

/// Words for `n` bits.
#[inline]
pub fn words(n: usize) -> usize {
    n.div_ceil(64)
}

#[inline]
pub fn set(bits: &mut [u64], n: usize) {
    bits[n / 64] |= 1 << (n % 64);
}

#[inline]
pub fn clear(bits: &mut [u64], n: usize) {
    bits[n / 64] &= !(1 << (n % 64));
}

#[inline]
pub fn get(bits: &[u64], n: usize) -> bool {
    bits[n / 64] >> (n % 64) & 1 == 1
}

/// Sets bit n to `on`.
#[inline]
pub fn put(bits: &mut [u64], n: usize, on: bool) {
    if on {
        set(bits, n);
    } else {
        clear(bits, n);
    }
}

/// Bits 0..n set, the rest clear.
pub fn fill_first(bits: &mut [u64], n: usize) {
    bits.fill(0);
    for k in 0..n {
        set(bits, k);
    }
}

#[inline]
pub fn count(bits: &[u64]) -> u32 {
    bits.iter().map(|b| b.count_ones()).sum()
}

/// Whether `a` and `b` share a bit.
#[inline]
pub fn intersects(a: &[u64], b: &[u64]) -> bool {
    a.iter().zip(b).any(|(x, y)| x & y != 0)
}

/// a &= b.
#[inline]
pub fn and(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
    }
}

/// a &= b; the bits left. (Without a popcount instruction `count_ones`
/// is a dozen; words left empty skip it.)
#[inline]
pub fn and_count(a: &mut [u64], b: &[u64]) -> u32 {
    let mut n = 0;
    for (x, y) in a.iter_mut().zip(b) {
        *x &= y;
        if *x != 0 {
            n += x.count_ones();
        }
    }
    n
}

/// a &= !b.
#[inline]
pub fn and_not(a: &mut [u64], b: &[u64]) {
    for (x, y) in a.iter_mut().zip(b) {
        *x &= !y;
    }
}

/// The set bits of `word`, the `i`-th word of a set, in ascending order.
#[inline]
fn word_ones(i: usize, mut b: u64) -> impl Iterator<Item = usize> {
    std::iter::from_fn(move || {
        (b != 0).then(|| {
            let n = b.trailing_zeros() as usize;
            b &= b - 1;
            i * 64 + n
        })
    })
}

/// The set bits, in ascending order.
#[inline]
pub fn ones(bits: &[u64]) -> impl Iterator<Item = usize> + '_ {
    bits.iter()
        .enumerate()
        .flat_map(|(i, &word)| word_ones(i, word))
}

/// The clear bits below `n`, in ascending order.
#[inline]
pub fn zeros(bits: &[u64], n: usize) -> impl Iterator<Item = usize> + '_ {
    bits.iter().enumerate().flat_map(move |(i, &word)| {
        // Bits from n on are not members.
        let valid = if (i + 1) * 64 <= n {
            u64::MAX
        } else {
            (1u64 << (n - i * 64)) - 1
        };
        word_ones(i, !word & valid)
    })
}

/// Clears the set bits `n` for which `keep(n)` is false.
#[inline]
pub fn retain(bits: &mut [u64], keep: impl Fn(usize) -> bool) {
    for (i, word) in bits.iter_mut().enumerate() {
        let mut b = *word;
        while b != 0 {
            let k = b.trailing_zeros();
            b &= b - 1;
            if !keep(i * 64 + k as usize) {
                *word &= !(1 << k);
            }
        }
    }
}

/// The set bit of rank `r` (0 is the lowest); `r` is below [`count`].
#[inline]
pub fn select(bits: &[u64], mut r: u32) -> usize {
    for (i, &word) in bits.iter().enumerate() {
        if word == 0 {
            continue;
        }
        let c = word.count_ones();
        if r < c {
            return i * 64 + nth_one(word, r);
        }
        r -= c;
    }
    unreachable!("rank beyond the set's count")
}

/// The set bit of rank `r` in `word` (0 is the lowest); `r` is below its
/// count of ones.
#[inline]
pub fn nth_one(mut word: u64, r: u32) -> usize {
    for _ in 0..r {
        word &= word - 1;
    }
    word.trailing_zeros() as usize
}

/// [`nth_one`] by BMI2's parallel deposit, which puts a one at the
/// rank-`r` set bit of `word`: its position is the answer, with no loop
/// over the bits below it.
///
/// # Safety
/// The processor has BMI1 and BMI2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "bmi1,bmi2")]
#[inline]
pub unsafe fn nth_one_deposit(word: u64, r: u32) -> usize {
    std::arch::x86_64::_pdep_u64(1 << r, word).trailing_zeros() as usize
}

/// Whether this processor runs the scheduler's choice of node with its bit
/// instructions: POPCNT, BMI1 and BMI2, where BMI2's deposit is fast. The
/// portable build counts bits and finds the rank-`r` bit in loops of
/// plain instructions; both give the same node from the same draws, so
/// the answer changes speed, never results. AMD processors before Zen 3
/// (family 0x19), and Hygon's, run the deposit in microcode, at a cost
/// that grows with the bits set, and take the portable path.
pub fn has_fast_instructions() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::__cpuid;
        if !(std::arch::is_x86_feature_detected!("popcnt")
            && std::arch::is_x86_feature_detected!("bmi1")
            && std::arch::is_x86_feature_detected!("bmi2"))
        {
            return false;
        }
        // SAFETY: CPUID exists on every x86-64 processor (the `unsafe` is
        // for the older compilers rust-version allows, where it is unsafe).
        #[allow(unused_unsafe)]
        let vendor = unsafe { __cpuid(0) };
        // "AuthenticAMD", and Hygon's Zen-based "HygonGenuine".
        let vendor = (vendor.ebx, vendor.edx, vendor.ecx);
        let amd = vendor == (0x6874_7541, 0x6974_6e65, 0x444d_4163)
            || vendor == (0x6f67_7948, 0x6e65_476e, 0x656e_6975);
        if amd {
            // SAFETY: as above.
            #[allow(unused_unsafe)]
            let signature = unsafe { __cpuid(1) }.eax;
            let base = signature >> 8 & 0xf;
            let family = if base == 0xf {
                base + (signature >> 20 & 0xff)
            } else {
                base
            };
            return family >= 0x19;
        }
        true
    }
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn select_and_ones_agree() {
        let mut b = vec![0u64; words(200)];
        for n in [0, 5, 63, 64, 65, 127, 130, 199] {
            set(&mut b, n);
        }
        let all: Vec<usize> = ones(&b).collect();
        assert_eq!(all, vec![0, 5, 63, 64, 65, 127, 130, 199]);
        for (r, &n) in all.iter().enumerate() {
            assert_eq!(select(&b, r as u32), n);
        }
        assert_eq!(count(&b), 8);
        clear(&mut b, 5);
        assert!(!get(&b, 5) && get(&b, 63));
        let mut full = vec![0u64; words(130)];
        fill_first(&mut full, 130);
        clear(&mut full, 64);
        clear(&mut full, 129);
        assert_eq!(zeros(&full, 130).collect::<Vec<_>>(), vec![64, 129]);
    }

    /// The deposit finds the same bit as the loop, for every rank of words
    /// of every density (when the processor has it).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn the_deposit_finds_the_bit_the_loop_finds() {
        if !has_fast_instructions() {
            return;
        }
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for case in 0..2_000 {
            // xorshift; sparse and dense words by and-ing or or-ing two.
            let mut next = || {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x
            };
            let word = match case % 3 {
                0 => next() & next(),
                1 => next() | next(),
                _ => next(),
            } | 1 << (case % 64);
            for r in 0..word.count_ones() {
                // SAFETY: has_fast_instructions above.
                let fast = unsafe { nth_one_deposit(word, r) };
                assert_eq!(fast, nth_one(word, r), "{word:#x} rank {r}");
            }
        }
    }
}
