//! The node lifecycle controller (in kube-controller-manager), for workers.
//!
//! A worker that goes down is marked NotReady `node_monitor_grace_period`
//! later, and its pods are evicted `eviction_timeout` after that. Both steps
//! need the controller-manager's leader and the API ("the controller is
//! active"); a step that falls due while they are down happens as soon as
//! they are back. Evictions in a zone are rate limited to one node per
//! [`EVICTION_PERIOD`], and depend on the zone's state (Kubernetes'
//! `ComputeZoneState`), computed over the zone's workers:
//!
//! - *fully disrupted*: none is Ready; evicted at the normal rate, unless
//!   every zone with workers is fully disrupted, in which case nothing is
//!   evicted anywhere;
//! - *partially disrupted*: more than 2 are NotReady and they are at least
//!   55% of the zone; a zone of at most [`LARGE_ZONE`] workers gets no
//!   evictions, a larger one one node per [`SECONDARY_EVICTION_PERIOD`];
//! - *normal* otherwise.
//!
//! Only workers with pods to evict get timers; whether any other worker is
//! NotReady is derived when a zone state is needed, from when it went down
//! and when the controller was last active (see [`Nodes::not_ready`]).

use std::collections::VecDeque;

use crate::model::bits;

/// One node evicted per this many seconds per zone (`--node-eviction-rate` 0.1).
pub const EVICTION_PERIOD: f64 = 10.0;
/// In a partially disrupted large zone (`--secondary-node-eviction-rate` 0.01).
pub const SECONDARY_EVICTION_PERIOD: f64 = 100.0;
/// `--large-cluster-size-threshold`.
pub const LARGE_ZONE: usize = 50;
/// `--unhealthy-zone-threshold`.
const UNHEALTHY_ZONE: f64 = 0.55;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ZoneState {
    Normal,
    PartiallyDisrupted,
    FullyDisrupted,
}

/// Per-replication state of the node lifecycle controller.
pub struct Nodes {
    /// When each worker last went down (meaningless while it is up).
    pub down_since: Vec<f64>,
    /// When a worker with pods was marked NotReady in its current down
    /// period; infinite when it was not (yet).
    pub not_ready_at: Vec<f64>,
    /// Workers with pods whose grace period ran out while the controller
    /// was inactive, with the down time it was for: marked on its return.
    pub grace_expired: Vec<(u16, f64)>,
    /// Per zone: workers whose eviction is due, oldest first, with their down time.
    pub eviction_queue: Vec<VecDeque<(u16, f64)>>,
    /// Entries in all eviction queues.
    pub queued: usize,
    /// Per zone: time of the last eviction.
    pub last_eviction: Vec<f64>,
    /// Per zone: the wake-up already scheduled for the next eviction.
    pub tick_at: Vec<f64>,
    /// Workers of each zone.
    zone_workers: Vec<Vec<u16>>,
    /// Whether each worker's Node exists (not a cluster autoscaler's slot
    /// it has not filled); per zone, how many do; how many (the first
    /// ones) exist at the start.
    present: Vec<bool>,
    zone_present: Vec<u32>,
    present_at_start: usize,
    /// The workers of each zone as a set of [`bits`]: words `z * words ..`.
    zone_mask: Vec<u64>,
    words: usize,
    /// The controller-manager's leader and the API are up.
    pub controller_active: bool,
    /// When the controller last became inactive (while it is inactive).
    pub inactive_since: f64,
    grace: f64,
}

impl Nodes {
    pub fn new(worker_zone: &[u16], zones: usize, grace: f64) -> Nodes {
        let mut zone_workers = vec![Vec::new(); zones];
        for (k, &z) in worker_zone.iter().enumerate() {
            zone_workers[z as usize].push(k as u16);
        }
        let workers = worker_zone.len();
        let zone_present = zone_workers.iter().map(|k| k.len() as u32).collect();
        Nodes {
            down_since: vec![0.0; workers],
            not_ready_at: vec![f64::INFINITY; workers],
            grace_expired: Vec::new(),
            eviction_queue: vec![VecDeque::new(); zones],
            queued: 0,
            last_eviction: vec![f64::NEG_INFINITY; zones],
            tick_at: vec![f64::NEG_INFINITY; zones],
            zone_workers,
            present: vec![true; workers],
            zone_present,
            present_at_start: workers,
            zone_mask: {
                let words = bits::words(workers);
                let mut mask = vec![0; zones * words];
                for (k, &z) in worker_zone.iter().enumerate() {
                    bits::set(&mut mask[z as usize * words..], k);
                }
                mask
            },
            words: bits::words(workers),
            controller_active: true,
            inactive_since: 0.0,
            grace,
        }
    }

    /// The same, where only the first `n` workers exist at the start.
    pub fn with_present(mut self, n: usize) -> Nodes {
        self.present_at_start = n;
        self.reset_present();
        self
    }

    fn reset_present(&mut self) {
        for (k, p) in self.present.iter_mut().enumerate() {
            *p = k < self.present_at_start;
        }
        for (z, workers) in self.zone_workers.iter().enumerate() {
            self.zone_present[z] = workers
                .iter()
                .filter(|&&k| (k as usize) < self.present_at_start)
                .count() as u32;
        }
    }

    /// Worker k's Node now exists (`on`) or no longer does.
    pub fn set_present(&mut self, k: usize, zone: usize, on: bool) {
        if self.present[k] != on {
            self.present[k] = on;
            super::super::count(&mut self.zone_present[zone], on);
        }
    }

    pub fn reset(&mut self) {
        if self.present_at_start < self.present.len() {
            self.reset_present();
        }
        self.not_ready_at.fill(f64::INFINITY);
        self.grace_expired.clear();
        for q in &mut self.eviction_queue {
            q.clear();
        }
        self.queued = 0;
        self.last_eviction.fill(f64::NEG_INFINITY);
        self.tick_at.fill(f64::NEG_INFINITY);
        self.controller_active = true;
        self.inactive_since = 0.0;
    }

    /// Whether worker `k` (down, or `up`) is NotReady at `now`: its grace
    /// period has run out and the controller has been active at some instant
    /// since. The controller is inactive throughout [`Self::inactive_since`,
    /// now] when inactive now, and was active just before that instant.
    pub fn not_ready(&self, k: usize, up: bool, now: f64) -> bool {
        if up {
            return false;
        }
        let due = self.down_since[k] + self.grace;
        due <= now && (self.controller_active || self.inactive_since > due)
    }

    /// The state of zone `z` over the workers whose Node exists; `up[k]`
    /// tells whether worker k is up, as does the set `up_set` (of [`bits`]).
    pub fn zone_state(&self, z: usize, up: &[bool], up_set: &[u64], now: f64) -> Option<ZoneState> {
        // Only a worker that is down is NotReady: with at most two down,
        // and not all, the zone is normal whatever their grace periods say,
        // and its workers need no count one by one. (Every worker's Node
        // exists when no cluster autoscaler adds any.)
        if self.present_at_start == self.present.len() {
            let mask = &self.zone_mask[z * self.words..][..self.words];
            let down: u32 = mask
                .iter()
                .zip(up_set)
                .map(|(m, u)| (m & !u).count_ones())
                .sum();
            if down <= 2 && down < self.zone_present[z] {
                return Some(ZoneState::Normal);
            }
        }
        self.zone_state_counted(z, up, now)
    }

    /// [`Self::zone_state`] by a count of the zone's NotReady workers.
    fn zone_state_counted(&self, z: usize, up: &[bool], now: f64) -> Option<ZoneState> {
        let workers = &self.zone_workers[z];
        let nodes = self.zone_present[z] as usize;
        if nodes == 0 {
            return None;
        }
        let not_ready = if nodes == workers.len() {
            workers
                .iter()
                .filter(|&&k| self.not_ready(k as usize, up[k as usize], now))
                .count()
        } else {
            workers
                .iter()
                .filter(|&&k| {
                    self.present[k as usize] && self.not_ready(k as usize, up[k as usize], now)
                })
                .count()
        };
        Some(if not_ready == nodes {
            ZoneState::FullyDisrupted
        } else if not_ready > 2 && not_ready as f64 >= UNHEALTHY_ZONE * nodes as f64 {
            ZoneState::PartiallyDisrupted
        } else {
            ZoneState::Normal
        })
    }

    /// Seconds between evictions in zone `z` in `state`; `None` when the
    /// zone gets none.
    pub fn eviction_period(&self, z: usize, state: ZoneState) -> Option<f64> {
        match state {
            ZoneState::Normal | ZoneState::FullyDisrupted => Some(EVICTION_PERIOD),
            ZoneState::PartiallyDisrupted if self.zone_present[z] as usize > LARGE_ZONE => {
                Some(SECONDARY_EVICTION_PERIOD)
            }
            ZoneState::PartiallyDisrupted => None,
        }
    }

    /// Whether every zone with workers is fully disrupted.
    pub fn all_fully_disrupted(&self, up: &[bool], now: f64) -> bool {
        // As `zone_state` would say, stopping at the first Node that is
        // Ready (usually the first worker) instead of counting them all.
        self.zone_workers.iter().all(|workers| {
            workers.iter().all(|&k| {
                let k = k as usize;
                !self.present[k] || self.not_ready(k, up[k], now)
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nodes(zone_sizes: &[usize]) -> Nodes {
        let zones: Vec<u16> = zone_sizes
            .iter()
            .enumerate()
            .flat_map(|(z, &n)| std::iter::repeat_n(z as u16, n))
            .collect();
        Nodes::new(&zones, zone_sizes.len(), 40.0)
    }

    /// The workers up as a set of bits.
    fn set_of(up: &[bool]) -> Vec<u64> {
        let mut set = vec![0; bits::words(up.len())];
        for (k, &u) in up.iter().enumerate() {
            bits::put(&mut set, k, u);
        }
        set
    }

    #[test]
    fn zone_states_follow_compute_zone_state() {
        let n = nodes(&[5]);
        let mut up = vec![true; 5];
        assert_eq!(
            n.zone_state(0, &up, &set_of(&up), 100.0),
            Some(ZoneState::Normal)
        );
        // Two NotReady of five: 40%, and not more than 2.
        up[0] = false;
        up[1] = false;
        assert_eq!(
            n.zone_state(0, &up, &set_of(&up), 100.0),
            Some(ZoneState::Normal)
        );
        // Three of five: 60% >= 55% and more than 2.
        up[2] = false;
        assert_eq!(
            n.zone_state(0, &up, &set_of(&up), 100.0),
            Some(ZoneState::PartiallyDisrupted)
        );
        assert_eq!(n.eviction_period(0, ZoneState::PartiallyDisrupted), None);
        up.fill(false);
        assert_eq!(
            n.zone_state(0, &up, &set_of(&up), 100.0),
            Some(ZoneState::FullyDisrupted)
        );
        assert!(n.all_fully_disrupted(&up, 100.0));
        // Before the grace period runs out, down workers still count as Ready.
        assert_eq!(
            n.zone_state(0, &up, &set_of(&up), 39.0),
            Some(ZoneState::Normal)
        );
    }

    /// The zone state without a count says what the count says, as
    /// workers go down and up at random, past their grace periods or not.
    #[test]
    fn the_zone_state_without_a_count_is_the_counted_one() {
        use crate::engine::uniform_below as below;
        use crate::engine::{StreamId, stream};
        let mut dice = stream(5, 0, StreamId::new(3, 0));
        let mut shortcuts = 0;
        for case in 0..200 {
            let sizes: Vec<usize> = (0..1 + below(&mut dice, 3))
                .map(|_| 1 + below(&mut dice, 8) as usize)
                .collect();
            let mut n = nodes(&sizes);
            let workers: usize = sizes.iter().sum();
            let mut up = vec![true; workers];
            for step in 0..60 {
                let k = below(&mut dice, workers as u32) as usize;
                up[k] = !up[k];
                if !up[k] {
                    n.down_since[k] = step as f64 * 20.0;
                }
                let now = step as f64 * 20.0 + 10.0;
                let set = set_of(&up);
                let mut first = 0;
                for z in 0..sizes.len() {
                    let down = up[first..first + sizes[z]].iter().filter(|&&u| !u).count();
                    first += sizes[z];
                    shortcuts += usize::from(down <= 2 && down < sizes[z]);
                    assert_eq!(
                        n.zone_state(z, &up, &set, now),
                        n.zone_state_counted(z, &up, now),
                        "case {case} step {step} zone {z}"
                    );
                }
            }
        }
        assert!(shortcuts > 1_000, "{shortcuts}");
    }

    #[test]
    fn not_ready_needs_the_controller_after_the_grace_period() {
        let mut n = nodes(&[1]);
        n.down_since[0] = 100.0;
        // Inactive since before the grace ran out: not marked yet.
        n.controller_active = false;
        n.inactive_since = 120.0;
        assert!(!n.not_ready(0, false, 1000.0));
        // Inactive only since after: it was marked at 140.
        n.inactive_since = 150.0;
        assert!(n.not_ready(0, false, 1000.0));
        n.controller_active = true;
        assert!(n.not_ready(0, false, 140.0));
        assert!(!n.not_ready(0, false, 139.9));
        assert!(!n.not_ready(0, true, 1000.0));
    }

    #[test]
    fn large_partially_disrupted_zones_evict_slowly() {
        let n = nodes(&[51, 2]);
        assert_eq!(
            n.eviction_period(0, ZoneState::PartiallyDisrupted),
            Some(SECONDARY_EVICTION_PERIOD)
        );
        assert_eq!(n.eviction_period(1, ZoneState::PartiallyDisrupted), None);
    }
}
