//! Random streams: one Xoshiro256++ generator per (seed, replication, stream).
//!
//! Every component of a cluster (a host's failures, its repairs, an election)
//! draws from its own stream, keyed by a stable [`StreamId`]. The stream of a
//! component depends only on the seed, the replication index and the
//! component's identity, never on the thread that runs it or on the other
//! components of the design. That gives bit-identical results for any thread
//! count, and lets two designs that share a component share its random
//! numbers (common random numbers).

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::SeedableRng;

/// The generator every stream uses: Xoshiro256++, portable and fast.
pub type Rng = Xoshiro256PlusPlus;

/// A stable identity for a random stream within a replication.
///
/// `kind` names a class of component and use (for example "control-plane
/// host failures"), `index` the instance. Values are part of the
/// reproducibility contract: changing them changes every result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StreamId {
    pub kind: u32,
    pub index: u32,
}

impl StreamId {
    pub const fn new(kind: u32, index: u32) -> Self {
        Self { kind, index }
    }
}

/// SplitMix64's output function (Steele, Lea and Flood 2014): a bijective
/// 64-bit mixer whose outputs are well spread even for consecutive inputs.
#[inline]
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The generator of stream `id` in replication `replication` under master `seed`.
///
/// Keys are chained through the mixer (seed, then replication, then stream)
/// so distinct triples give unrelated states; the 256-bit state is then
/// filled from a SplitMix64 sequence, as Xoshiro's authors recommend.
pub fn stream(seed: u64, replication: u64, id: StreamId) -> Rng {
    stream_of(replication_key(seed, replication), id)
}

/// The key of one replication's streams (the first two links of the chain).
#[inline]
pub fn replication_key(seed: u64, replication: u64) -> u64 {
    splitmix64(splitmix64(seed) ^ replication)
}

/// The generator of stream `id` under a [`replication_key`].
#[inline]
pub fn stream_of(replication_key: u64, id: StreamId) -> Rng {
    let key = splitmix64(replication_key ^ (((id.kind as u64) << 32) | id.index as u64));
    let mut state = [0u8; 32];
    let mut z = key;
    for chunk in state.chunks_exact_mut(8) {
        z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
        chunk.copy_from_slice(&splitmix64(z).to_le_bytes());
    }
    Rng::from_seed(state)
}

/// A uniform integer in 0..n (n >= 1), exactly: Lemire's multiply-and-reject
/// ("Fast random integer generation in an interval", 2019).
#[inline]
pub fn uniform_below(rng: &mut Rng, n: u32) -> u32 {
    use rand::Rng as _;
    debug_assert!(n > 0);
    let mut m = u64::from(rng.next_u32()) * u64::from(n);
    if (m as u32) < n {
        let threshold = n.wrapping_neg() % n;
        while (m as u32) < threshold {
            m = u64::from(rng.next_u32()) * u64::from(n);
        }
    }
    (m >> 32) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngExt;

    #[test]
    fn same_key_same_stream() {
        let id = StreamId::new(3, 7);
        let a: Vec<u64> = (0..4)
            .map({
                let mut r = stream(42, 9, id);
                move |_| r.random()
            })
            .collect();
        let b: Vec<u64> = (0..4)
            .map({
                let mut r = stream(42, 9, id);
                move |_| r.random()
            })
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn different_keys_differ() {
        let first = |seed, rep, id| -> u64 { stream(seed, rep, id).random() };
        let base = first(1, 0, StreamId::new(0, 0));
        assert_ne!(base, first(2, 0, StreamId::new(0, 0)));
        assert_ne!(base, first(1, 1, StreamId::new(0, 0)));
        assert_ne!(base, first(1, 0, StreamId::new(1, 0)));
        assert_ne!(base, first(1, 0, StreamId::new(0, 1)));
    }

    #[test]
    fn uniform_below_covers_the_range_evenly() {
        let mut rng = stream(5, 0, StreamId::new(0, 0));
        let n = 7u32;
        let draws = 70_000;
        let mut counts = [0u32; 7];
        for _ in 0..draws {
            counts[uniform_below(&mut rng, n) as usize] += 1;
        }
        // Each count is binomial(70000, 1/7): sd ≈ 92.6; allow 5 sd.
        for c in counts {
            assert!((c as f64 - 10_000.0).abs() < 5.0 * 92.6, "{counts:?}");
        }
        assert_eq!(uniform_below(&mut rng, 1), 0);
    }

    #[test]
    fn splitmix64_reference_values() {
        // First outputs of the reference SplitMix64 generator seeded with 0
        // (Vigna's splitmix64.c): state advances by the golden gamma, then mixes.
        assert_eq!(splitmix64(0), 0xE220_A839_7B1D_CDAF);
        assert_eq!(splitmix64(0x9E37_79B9_7F4A_7C15), 0x6E78_9E6A_A1B9_65F4);
    }
}
