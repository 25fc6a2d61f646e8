//! The cluster autoscaler's bookkeeping (kubernetes/autoscaler,
//! cluster-autoscaler): which of its worker slots are being provisioned,
//! which hold a Node, and which have been unneeded long enough to go.
//!
//! Each zone with workers has slots for the workers the autoscaler may add
//! (see [`crate::model::AutoscalerModel`]). A **scale-up** is asked for a
//! zone, up, with no scale-up under way, when a pod left Pending by the
//! scheduler would be placed on an empty new node there (the autoscaler's
//! simulation of its node templates); its new worker joins `scale_up`
//! later. A worker it added is **unneeded** while it is up, what its pods
//! request is below half its capacity in CPU and in memory
//! (`--scale-down-utilization-threshold` 0.5), and each of its pods would
//! be placed on another worker up; unneeded for `scale_down_after`
//! (`--scale-down-unneeded-time`), it is drained, as far as the workloads'
//! disruption budgets allow, and deleted.

use crate::model::AutoscalerModel;

use super::pods::NO_NODE;

/// `--scale-down-utilization-threshold`'s default: a node whose pods
/// request half its CPU or half its memory, or more, is needed.
pub const UTILIZATION_THRESHOLD: (u64, u64) = (1, 2);

/// Per-replication state of the cluster autoscaler.
pub struct Autoscaler {
    /// The first slot (a worker index).
    first: usize,
    /// The slots of each zone, in worker order.
    zone_slots: Vec<Vec<u16>>,
    /// Each slot's zone (by slot, from `first`).
    slot_zone: Vec<u16>,
    /// Per zone: the slot being provisioned, or [`NO_NODE`].
    pub provisioning: Vec<u16>,
    /// Per slot: when its worker joins ([`f64::INFINITY`]: no scale-up).
    pub join_at: Vec<f64>,
    /// Per slot: when its removal falls due ([`f64::INFINITY`]: needed).
    pub remove_at: Vec<f64>,
    /// Per slot: its removal fell due but a disruption budget held it;
    /// how many are.
    blocked: Vec<bool>,
    pub blocked_count: u32,
    /// Some slot is blocked, and a pod became ready since: retry.
    pub retry: bool,
    /// Workers existing or being provisioned, the autoscaler's own included.
    pub nodes: u32,
    /// Slots with a worker (their worker exists), in worker order.
    pub added: Vec<u16>,
    /// Something changed that may make an added worker needed or unneeded.
    pub dirty: bool,
    /// Scratch: a set of workers.
    pub scratch: Vec<u64>,
}

impl Autoscaler {
    /// The autoscaler of `a` over workers in `worker_zone` (its slots last).
    pub fn new(a: &AutoscalerModel, worker_zone: &[u16], zones: usize) -> Autoscaler {
        let first = a.first_slot as usize;
        let mut zone_slots = vec![Vec::new(); zones];
        for (k, &z) in worker_zone.iter().enumerate().skip(first) {
            zone_slots[z as usize].push(k as u16);
        }
        let slots = worker_zone.len() - first;
        Autoscaler {
            first,
            zone_slots,
            slot_zone: worker_zone[first..].to_vec(),
            provisioning: vec![NO_NODE; zones],
            join_at: vec![f64::INFINITY; slots],
            remove_at: vec![f64::INFINITY; slots],
            blocked: vec![false; slots],
            blocked_count: 0,
            retry: false,
            nodes: first as u32,
            added: Vec::new(),
            dirty: false,
            scratch: vec![0; crate::model::bits::words(worker_zone.len())],
        }
    }

    /// t = 0: no worker added, none coming.
    pub fn reset(&mut self) {
        self.provisioning.fill(NO_NODE);
        self.join_at.fill(f64::INFINITY);
        self.remove_at.fill(f64::INFINITY);
        self.blocked.fill(false);
        self.blocked_count = 0;
        self.retry = false;
        self.nodes = self.first as u32;
        self.added.clear();
        self.dirty = false;
    }

    /// Worker k's slot (k is one).
    #[inline]
    pub fn slot(&self, k: usize) -> usize {
        k - self.first
    }

    /// Whether worker k is one of the autoscaler's slots.
    #[inline]
    pub fn is_slot(&self, k: usize) -> bool {
        k >= self.first
    }

    /// The zone of worker k (a slot).
    #[inline]
    pub fn zone_of(&self, k: usize) -> usize {
        self.slot_zone[self.slot(k)] as usize
    }

    /// Zone z's first slot with no worker and none coming, if any.
    pub fn free_slot(&self, z: usize) -> Option<u16> {
        self.zone_slots[z].iter().copied().find(|&k| {
            self.join_at[k as usize - self.first] == f64::INFINITY
                && self.added.binary_search(&k).is_err()
        })
    }

    /// A scale-up for zone z fills slot k at `at`.
    pub fn request(&mut self, z: usize, k: u16, at: f64) {
        self.provisioning[z] = k;
        let s = self.slot(k as usize);
        self.join_at[s] = at;
        self.nodes += 1;
    }

    /// Slot k's worker joins now, if its scale-up is due at `now`.
    pub fn join(&mut self, k: usize, now: f64) -> bool {
        let s = self.slot(k);
        if self.join_at[s] != now {
            return false;
        }
        self.join_at[s] = f64::INFINITY;
        let z = self.slot_zone[s] as usize;
        self.provisioning[z] = NO_NODE;
        let at = self.added.partition_point(|&j| (j as usize) < k);
        self.added.insert(at, k as u16);
        self.dirty = true;
        true
    }

    /// Slot k's worker is removed.
    pub fn remove(&mut self, k: usize) {
        let s = self.slot(k);
        self.remove_at[s] = f64::INFINITY;
        self.unblock(k);
        self.nodes -= 1;
        if let Ok(at) = self.added.binary_search(&(k as u16)) {
            self.added.remove(at);
        }
        self.dirty = true;
    }

    /// Whether slot k's removal falls due at `now`.
    pub fn removal_due(&self, k: usize, now: f64) -> bool {
        self.is_slot(k) && self.remove_at[self.slot(k)] == now
    }

    /// Slot k's removal is held by a disruption budget: retried when a pod
    /// becomes ready, as long as it stays unneeded.
    pub fn block(&mut self, k: usize) {
        let s = self.slot(k);
        if !self.blocked[s] {
            self.blocked[s] = true;
            self.blocked_count += 1;
        }
    }

    /// Slot k's removal is no longer held (it went, or is needed).
    pub fn unblock(&mut self, k: usize) {
        let s = self.slot(k);
        if self.blocked[s] {
            self.blocked[s] = false;
            self.blocked_count -= 1;
        }
    }

    /// The slots whose removal waits for a disruption budget.
    pub fn blocked_slots(&self) -> impl Iterator<Item = u16> + '_ {
        self.added
            .iter()
            .copied()
            .filter(|&k| self.blocked[k as usize - self.first])
    }
}
