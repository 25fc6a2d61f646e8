//! A binary-heap event queue ordered by (time, sequence number).
//!
//! Ties in time are broken by the order in which events were scheduled, so a
//! replication is deterministic and events at one instant apply first-in,
//! first-out (as dslab-core and nexosim do).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

struct Entry<E> {
    /// (time bits << 64) | sequence number. Times are never negative, and
    /// the IEEE 754 bits of non-negative doubles order like the doubles
    /// themselves, so one integer comparison orders by (time, sequence).
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    // Reversed: `BinaryHeap` is a max-heap and we want the earliest event on top.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

#[inline]
fn time_of(key: u128) -> f64 {
    f64::from_bits((key >> 64) as u64)
}

/// Pending events of one replication. Reuse one queue across replications
/// with [`EventQueue::reset`] to keep its allocation.
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    next_seq: u64,
    /// Events at times after this are dropped on scheduling: they would never run.
    horizon: f64,
}

impl<E> EventQueue<E> {
    /// An empty queue that keeps events up to and including `horizon`.
    pub fn new(horizon: f64) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(64),
            next_seq: 0,
            horizon,
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
        debug_assert!(time >= 0.0, "event time {time} is negative");
        if time <= self.horizon {
            // + 0.0 turns a -0.0 into +0.0, whose bits order correctly.
            let key = (((time + 0.0).to_bits() as u128) << 64) | self.next_seq as u128;
            self.next_seq += 1;
            self.heap.push(Entry { key, event });
        }
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap.pop().map(|e| (time_of(e.key), e.event))
    }

    /// Time of the earliest pending event.
    #[inline]
    pub fn peek_time(&self) -> Option<f64> {
        self.heap.peek().map(|e| time_of(e.key))
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
        q.schedule(5.0, 'a');
        q.schedule(1.0, 'b');
        q.schedule(5.0, 'c');
        q.schedule(3.0, 'd');
        q.schedule(5.0, 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['b', 'd', 'a', 'c', 'e']);
    }

    #[test]
    fn drops_events_past_the_horizon() {
        let mut q = EventQueue::new(10.0);
        q.schedule(10.0, 1);
        q.schedule(10.000001, 2);
        q.schedule(f64::INFINITY, 3);
        assert_eq!(q.len(), 1);
        assert_eq!(q.pop(), Some((10.0, 1)));
        assert!(q.is_empty());
    }

    #[test]
    fn reset_restarts_sequence_numbers() {
        let mut q = EventQueue::new(10.0);
        q.schedule(1.0, 1);
        q.reset(20.0);
        q.schedule(15.0, 2);
        q.schedule(15.0, 3);
        assert_eq!(q.pop(), Some((15.0, 2)));
        assert_eq!(q.peek_time(), Some(15.0));
    }
}
