//! A binary-heap event queue ordered by (time, sequence number).
//!
//! Ties in time are broken by the order in which events were scheduled, so a
//! replication is deterministic and events at one instant apply first-in,
//! first-out (as dslab-core and nexosim do).
//!
//! Each entry is one `u128`: the time's IEEE 754 bits (which, for
//! non-negative doubles, order like the doubles), a 32-bit sequence number,
//! and the event packed into 32 bits. The heap then moves 16-byte values and
//! compares single integers, which roughly halves the cost of a pop and a
//! push against a (f64, u64, event) entry.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An event that packs into 32 bits, so the queue's entries stay 16 bytes.
pub trait Packed: Copy {
    fn pack(self) -> u32;
    fn unpack(code: u32) -> Self;
}

impl Packed for u32 {
    fn pack(self) -> u32 {
        self
    }
    fn unpack(code: u32) -> Self {
        code
    }
}

/// Pending events of one replication. Reuse one queue across replications
/// with [`EventQueue::reset`] to keep its allocation.
pub struct EventQueue<E: Packed> {
    heap: BinaryHeap<Reverse<u128>>,
    /// Wraps after 2^32 events in one replication, far beyond any scenario;
    /// only the order of same-instant ties would then be affected.
    next_seq: u32,
    /// Events at times after this are dropped on scheduling: they would never run.
    horizon: f64,
    marker: std::marker::PhantomData<E>,
}

#[inline]
fn time_of(key: u128) -> f64 {
    f64::from_bits((key >> 64) as u64)
}

impl<E: Packed> EventQueue<E> {
    /// An empty queue that keeps events up to and including `horizon`.
    pub fn new(horizon: f64) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(64),
            next_seq: 0,
            horizon,
            marker: std::marker::PhantomData,
        }
    }

    /// Empties the queue for a new replication, keeping its memory.
    pub fn reset(&mut self, horizon: f64) {
        self.heap.clear();
        self.next_seq = 0;
        self.horizon = horizon;
    }

    /// Schedules `event` at `time` (>= 0). Events past the horizon (or at
    /// infinity, for things that never happen) are not stored at all.
    #[inline]
    pub fn schedule(&mut self, time: f64, event: E) {
        self.schedule_packed(time, event.pack());
    }

    /// [`EventQueue::schedule`] for an event its caller packed already
    /// (`E::pack`): packing at the call site, where the event's variant is
    /// known, folds to a constant, where packing in here would branch on
    /// the variant at run time.
    #[inline]
    pub fn schedule_packed(&mut self, time: f64, code: u32) {
        debug_assert!(time >= 0.0, "event time {time} is negative");
        if time <= self.horizon {
            // + 0.0 turns a -0.0 into +0.0, whose bits order correctly.
            let key = (((time + 0.0).to_bits() as u128) << 64)
                | ((self.next_seq as u128) << 32)
                | code as u128;
            self.next_seq = self.next_seq.wrapping_add(1);
            self.heap.push(Reverse(key));
        }
    }

    /// Removes and returns the earliest event. Always inlined: there is one
    /// call site per replication loop, and a call there costs measurably.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap
            .pop()
            .map(|Reverse(k)| (time_of(k), E::unpack(k as u32)))
    }

    /// Time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|Reverse(k)| time_of(*k))
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when nothing is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_ties_fifo() {
        let mut q = EventQueue::new(100.0);
        for (t, e) in [(5.0, 1u32), (1.0, 2), (5.0, 3), (3.0, 4), (5.0, 0)] {
            q.schedule(t, e);
        }
        let order: Vec<u32> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![2, 4, 1, 3, 0]);
    }

    #[test]
    fn times_survive_packing_exactly() {
        let mut q = EventQueue::new(f64::MAX);
        let times = [0.0, 1e-300, 0.1, 1.0 / 3.0, 3.15e8 + 0.123456789, 1e300];
        for (i, &t) in times.iter().enumerate().rev() {
            q.schedule(t, i as u32);
        }
        for (i, &t) in times.iter().enumerate() {
            assert_eq!(q.pop(), Some((t, i as u32)));
        }
    }

    /// Against a reference: random schedules (many ties, pops interleaved
    /// with pushes, times from now on as in a simulation) pop in the order
    /// of a stable sort by time, i.e. by (time, order of scheduling).
    #[test]
    fn matches_a_stable_sort_on_random_schedules() {
        use crate::engine::rng::{StreamId, stream, uniform_below};
        for case in 0..200 {
            let mut rng = stream(77, case, StreamId::new(0, 0));
            let mut q = EventQueue::new(1e9);
            let mut reference: Vec<(f64, u32)> = Vec::new();
            let mut now = 0.0;
            for _ in 0..300 {
                if uniform_below(&mut rng, 3) > 0 || reference.is_empty() {
                    // Coarse times make ties frequent.
                    let t = now + uniform_below(&mut rng, 5) as f64;
                    // Random payloads: ties must follow scheduling order,
                    // not the event's own value.
                    let event = uniform_below(&mut rng, 1000);
                    q.schedule(t, event);
                    reference.push((t, event));
                } else {
                    // Stable: among equal times, the earlier scheduled first.
                    reference.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let want = reference.remove(0);
                    assert_eq!(q.pop(), Some(want), "case {case}");
                    now = want.0;
                }
            }
            reference.sort_by(|a, b| a.0.total_cmp(&b.0));
            for want in reference {
                assert_eq!(q.pop(), Some(want), "case {case}");
            }
            assert!(q.is_empty());
        }
    }

    #[test]
    fn drops_events_past_the_horizon() {
        let mut q = EventQueue::new(10.0);
        q.schedule(10.0, 1u32);
        q.schedule(10.000001, 2);
        q.schedule(f64::INFINITY, 3);
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop(), Some((10.0, 1)));
        assert!(q.is_empty());
    }

    #[test]
    fn reset_restarts_sequence_numbers() {
        let mut q = EventQueue::new(10.0);
        q.schedule(1.0, 1u32);
        q.reset(20.0);
        q.schedule(15.0, 2);
        q.schedule(15.0, 3);
        assert_eq!(q.pop(), Some((15.0, 2)));
        assert_eq!(q.peek_time(), Some(15.0));
    }
}
