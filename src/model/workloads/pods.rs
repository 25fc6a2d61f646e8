//! Deployments' pods and where kube-scheduler puts them.
//!
//! Each workload has `replicas` pod slots; a slot keeps its index for good,
//! and an evicted pod's replacement takes its slot. A pod is Pending (no
//! node), or bound to a worker: Starting (ready at `ready_at`), Ready, or
//! Down (its node is down; it restarts in place if the node returns before
//! eviction).
//!
//! Scheduling follows kube-scheduler's two phases. **Filter**: the node is
//! up; `anti_affinity: host` allows no other replica of the workload on it,
//! `rack` none in its rack, `zone` none in its zone; `zone_spread: s` allows a zone only if its count
//! of the workload's pods plus one exceeds the smallest count over all zones
//! that have workers by at most `s` (topology spread with DoNotSchedule, whose
//! minimum counts every zone with nodes, up or down); `host_spread: s` does
//! the same over worker nodes (every worker is a domain, up or down). Pods
//! count on a node while they are bound to it, down or not, until they are
//! evicted.
//! **Score**: among feasible nodes, the fewest pods of the same workload on
//! the node, then in its zone (the default scheduler's soft spreading), then
//! the fewest pods of any workload on the node (least allocated, every pod
//! asking the same); a preferred rule over zones (preferred zone
//! anti-affinity, a ScheduleAnyway zone spread) ranks the zone's count before
//! the node's, and one over racks (preferred rack anti-affinity) the rack's
//! count before the node's (after the zone's when both apply). Ties are broken uniformly at random, as kube-scheduler picks
//! among equal top scores.

use std::collections::VecDeque;

use crate::engine::{Rng, uniform_below};
use crate::model::bits;
use crate::model::{CapacityModel, WorkloadModel};
use crate::scenario::AntiAffinity;

/// Loads (bound pods on a worker) with a set of their own in
/// [`Pods::by_load`]; workers above share one.
const LOAD_LEVELS: usize = 64;
// `Pods::levels` has a bit per level.
const _: () = assert!(LOAD_LEVELS <= 64);

/// A workload's row in `Pods::node_pods` when it has none.
const NO_ROW: u32 = u32::MAX;

/// Zones up to which [`Pods`] keeps the workers of every set of zones (a
/// table of 2^zones sets) for [`Pods::choose_common`].
const MAX_SUBSET_ZONES: usize = 6;

/// The most words of a set of workers the common choice keeps on the
/// stack: those of `MAX_HOSTS` workers. A cluster autoscaler's slots can
/// make more; their pods take the general passes.
const MAX_WORDS: usize = (crate::scenario::MAX_HOSTS as usize).div_ceil(64);

/// Whether the scheduler reads a workload's pods per worker: host
/// anti-affinity alone leaves at most one on a worker, which `hosting`
/// tells, and scores none (its candidates all hold none).
fn counts_nodes(spec: &WorkloadModel) -> bool {
    spec.anti_affinity != AntiAffinity::Host || spec.host_spread.is_some()
}

/// What the common choice reads of a workload's rules, kept beside the
/// counts: a few bytes a workload, where its model spans cache lines.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Rules {
    anti_affinity: AntiAffinity,
    zone_spread: Option<u32>,
    /// No rack rule or preference and no spread over nodes: rules the
    /// common choice takes.
    common: bool,
}

impl Rules {
    fn of(spec: &WorkloadModel) -> Rules {
        Rules {
            anti_affinity: spec.anti_affinity,
            zone_spread: spec.zone_spread,
            common: !spec.prefer_rack
                && spec.host_spread.is_none()
                && spec.anti_affinity != AntiAffinity::Rack,
        }
    }
}

/// The set bit of rank `r` in `word` ([`bits::nth_one`]); `FAST`: by
/// BMI2's deposit, in code built with it (see [`Pods::choose_common`]).
#[inline(always)]
fn nth_one<const FAST: bool>(word: u64, r: u32) -> usize {
    #[cfg(target_arch = "x86_64")]
    if FAST {
        // SAFETY: FAST code runs only where the processor has BMI1 and BMI2.
        return unsafe { bits::nth_one_deposit(word, r) };
    }
    bits::nth_one(word, r)
}

/// At most this many pods over all workloads (pod indices travel in events).
pub const MAX_PODS: u32 = 100_000;

/// A pod's worker when it has none.
pub const NO_NODE: u16 = u16::MAX;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PodState {
    Pending,
    Starting,
    Ready,
    Down,
    /// A slot with no pod: a rollout's room to surge, or a pod it scaled down.
    Absent,
}

#[derive(Clone, Copy, Debug)]
pub struct Pod {
    pub workload: u16,
    /// Worker index (0-based among workers), or [`NO_NODE`].
    pub node: u16,
    pub state: PodState,
    /// When a Starting pod becomes ready.
    pub ready_at: f64,
    /// A `PodReady` event is queued for this `ready_at`.
    pub armed: bool,
    /// The pod runs the release a rollout is rolling out.
    pub new: bool,
    /// The zone of the node this slot's volume was first attached in
    /// ([`NO_ZONE`] before).
    pub vol_zone: u16,
    /// The worker this slot's volume is attached (or attaching) to, or
    /// [`NO_NODE`].
    pub vol_node: u16,
    /// Bound, and waiting for its volume to be detached from the node the
    /// pod left.
    pub waiting: bool,
    /// In its workload's list of pods that may have become ready
    /// unseen (`Pods::starting`).
    listed: bool,
}

/// A volume's zone before it has one.
pub const NO_ZONE: u16 = u16::MAX;

/// All pods of a replication, with the counts the scheduler filters and
/// scores on.
pub struct Pods {
    pub pods: Vec<Pod>,
    /// Ready pods per workload.
    pub ready: Vec<u32>,
    /// Pending pods per workload, kept (and changes noted as the ready
    /// count's are) only with capacities or the autoscaler.
    pending_of: Vec<u32>,
    /// Workloads whose ready count changed since [`Self::take_changed`]
    /// (each once, flagged in `changed_flag`).
    pub changed: Vec<u16>,
    pub changed_flag: Vec<bool>,
    /// Per workload, a count of its pods' binds, evictions and `PodReady`
    /// events (wrapping):
    /// with the cluster's other state unchanged, a workload's cause of
    /// downtime judged at one count holds while it stays.
    moves: Vec<u32>,
    /// Per workload, the pods that started with a finite `ready_at` since
    /// its last catch-up, each once (a pod's `listed`): every Starting pod
    /// the catch-up may find ready is here, and some that are no longer
    /// Starting, which the next catch-up drops.
    starting: Vec<Vec<u32>>,
    /// Pending pods, oldest first (the scheduling queue).
    pub pending: VecDeque<u32>,
    /// Workload w's pods are the slots `slots[w].0 .. slots[w].1`: its
    /// replicas, then (for a rollout's target) its room to surge.
    pub slots: Vec<(u32, u32)>,
    /// Replicas per workload.
    replicas: Vec<u32>,
    /// Each workload's rules, as the common choice reads them.
    rules: Vec<Rules>,
    /// Bound pods of workload w on worker n: `node_pods[node_row[w] *
    /// workers + n]`, kept only for the workloads whose scheduling reads
    /// them (see [`counts_nodes`]); the others' row is [`NO_ROW`]. (Each
    /// bind and evict touched this table at random: the cache misses cost
    /// more than the scheduler's passes on large clusters.)
    node_pods: Vec<u32>,
    node_row: Vec<u32>,
    /// Bound pods of workload w in zone z: `zone_pods[w * zones + z]`.
    zone_pods: Vec<u32>,
    /// Bound pods of workload w in rack r: `rack_pods[w * racks + r]`
    /// (empty without racks).
    rack_pods: Vec<u32>,
    /// Bound pods of any workload per worker.
    node_load: Vec<u32>,
    /// The pods bound to each worker, in slot order.
    pub node_list: Vec<Vec<u32>>,
    /// Words of a set of workers (see [`bits`]).
    words: usize,
    /// The workers holding a bound pod of workload w: words
    /// `w * words ..`.
    hosting: Vec<u64>,
    /// The workers with `l` bound pods, for l below [`LOAD_LEVELS`]: words
    /// `l * words ..`; the rest are in `loaded`.
    by_load: Vec<u64>,
    /// The workers with [`LOAD_LEVELS`] bound pods or more.
    loaded: Vec<u64>,
    /// Workers in each set of `by_load`.
    level_count: [u32; LOAD_LEVELS],
    /// Bit l set: `level_count[l]` is not 0.
    levels: u64,
    /// The workers of each zone: words `z * words ..`.
    zone_mask: Vec<u64>,
    /// The workers of each rack (empty without racks).
    rack_workers: Vec<Vec<u16>>,
    /// Scratch: the candidates for a pod, and the workers of the racks
    /// holding its workload.
    cand: Vec<u64>,
    /// The workers of each set of zones S (a bit a zone): words `S *
    /// words ..`; empty with more than [`MAX_SUBSET_ZONES`] zones.
    subsets: Vec<u64>,
    racks_hosting: Vec<u64>,
    /// Scratch: the zones a pod's filters rule out, as a list and per zone
    /// (the candidates hold no worker of those).
    zone_off: Vec<u16>,
    zone_out: Vec<bool>,
    /// Each worker's room, when workers have a capacity.
    capacity: Option<CapacityModel>,
    /// Changes of Pending pods are noted (with capacities, or the cluster
    /// autoscaler).
    track_pending: bool,
    /// Each workload's pod requests (CPU millicores, memory bytes), and
    /// the same as kube-scheduler scores them (a request of 0 counts as
    /// its default: [`DEFAULT_CPU_REQUEST`], [`DEFAULT_MEMORY_REQUEST`]).
    requests: Vec<(u64, u64)>,
    nonzero: Vec<(u64, u64)>,
    /// Per worker: what its bound pods request, real and as scored.
    used: Vec<(u64, u64)>,
    used_nonzero: Vec<(u64, u64)>,
    /// Scratch, for the reference scan in tests: the tied workers.
    #[cfg(test)]
    ties: Vec<u16>,
    worker_zone: Vec<u16>,
    /// Each worker's rack (over all zones; empty without racks).
    worker_rack: Vec<u16>,
    /// Zones that hold at least one worker (topology spread's domains).
    spread_zones: Vec<u16>,
    /// The workers whose Node exists (all but the cluster autoscaler's
    /// slots it has not filled), their count, and how many (the first
    /// ones) exist at the start.
    present: Vec<u64>,
    present_count: usize,
    present_at_start: usize,
    workers: usize,
    zones: usize,
    /// Racks over all zones; 0 without racks.
    racks: usize,
    /// The common choice of node runs on the processor's bit instructions
    /// ([`bits::has_fast_instructions`]; the same choices either way).
    fast_instructions: bool,
}

impl Pods {
    /// The pods of `workloads` over workers in `worker_zone` of `zones`
    /// zones, without racks ([`Self::in_racks`] adds them).
    pub fn new(workloads: &[WorkloadModel], worker_zone: Vec<u16>, zones: usize) -> Pods {
        let pods: Vec<Pod> = workloads
            .iter()
            .enumerate()
            .flat_map(|(w, spec)| {
                (0..spec.slots).map(move |_| Pod {
                    workload: w as u16,
                    vol_zone: NO_ZONE,
                    vol_node: NO_NODE,
                    waiting: false,
                    node: NO_NODE,
                    state: PodState::Pending,
                    ready_at: 0.0,
                    armed: false,
                    new: false,
                    listed: false,
                })
            })
            .collect();
        let workers = worker_zone.len();
        let mut slots = Vec::with_capacity(workloads.len());
        let mut next = 0;
        let mut replicas = Vec::with_capacity(workloads.len());
        for spec in workloads {
            slots.push((next, next + spec.slots));
            replicas.push(spec.replicas);
            next += spec.slots;
        }
        let mut spread_zones: Vec<u16> = worker_zone.clone();
        spread_zones.sort_unstable();
        spread_zones.dedup();
        let words = bits::words(workers);
        let mut zone_mask = vec![0; zones * words];
        for (n, &z) in worker_zone.iter().enumerate() {
            bits::set(&mut zone_mask[z as usize * words..], n);
        }
        let mut subsets = Vec::new();
        if zones <= MAX_SUBSET_ZONES {
            subsets = vec![0; (1 << zones) * words];
            for set in 1..1usize << zones {
                let z = set.trailing_zeros() as usize;
                for i in 0..words {
                    subsets[set * words + i] =
                        subsets[(set & (set - 1)) * words + i] | zone_mask[z * words + i];
                }
            }
        }
        let mut by_load = vec![0; LOAD_LEVELS * words];
        bits::fill_first(&mut by_load[..words], workers);
        let mut rows = 0;
        let node_row: Vec<u32> = workloads
            .iter()
            .map(|spec| {
                if counts_nodes(spec) {
                    rows += 1;
                    rows - 1
                } else {
                    NO_ROW
                }
            })
            .collect();
        Pods {
            pending: VecDeque::with_capacity(pods.len()),
            pods,
            slots,
            replicas,
            rules: workloads.iter().map(Rules::of).collect(),
            ready: vec![0; workloads.len()],
            pending_of: vec![0; workloads.len()],
            changed: Vec::with_capacity(workloads.len()),
            changed_flag: vec![false; workloads.len()],
            moves: vec![0; workloads.len()],
            starting: workloads
                .iter()
                .map(|spec| Vec::with_capacity(spec.slots as usize))
                .collect(),
            node_pods: vec![0; rows as usize * workers],
            node_row,
            zone_pods: vec![0; workloads.len() * zones],
            rack_pods: Vec::new(),
            node_load: vec![0; workers],
            node_list: vec![Vec::new(); workers],
            words,
            hosting: vec![0; workloads.len() * words],
            by_load,
            loaded: vec![0; words],
            level_count: std::array::from_fn(|l| if l == 0 { workers as u32 } else { 0 }),
            levels: u64::from(workers > 0),
            zone_mask,
            rack_workers: Vec::new(),
            cand: vec![0; words],
            subsets,
            racks_hosting: vec![0; words],
            zone_off: Vec::with_capacity(zones),
            zone_out: vec![false; zones],
            capacity: None,
            track_pending: false,
            requests: workloads.iter().map(|w| w.requests).collect(),
            nonzero: workloads
                .iter()
                .map(|w| {
                    let (cpu, memory) = w.requests;
                    (
                        if cpu == 0 { DEFAULT_CPU_REQUEST } else { cpu },
                        if memory == 0 {
                            DEFAULT_MEMORY_REQUEST
                        } else {
                            memory
                        },
                    )
                })
                .collect(),
            used: vec![(0, 0); workers],
            used_nonzero: vec![(0, 0); workers],
            #[cfg(test)]
            ties: Vec::with_capacity(workers),
            worker_rack: Vec::new(),
            worker_zone,
            spread_zones,
            present: {
                let mut present = vec![0; words];
                bits::fill_first(&mut present, workers);
                present
            },
            present_count: workers,
            present_at_start: workers,
            workers,
            zones,
            racks: 0,
            fast_instructions: bits::has_fast_instructions(),
        }
    }

    /// The same pods on workers with room `capacity` each.
    pub fn with_capacity(mut self, capacity: CapacityModel) -> Pods {
        self.capacity = Some(capacity);
        self.track_pending = true;
        self
    }

    /// The same pods where only the first `n` workers exist at the start
    /// (the others are the cluster autoscaler's, added by
    /// [`Self::set_present`]).
    pub fn with_present(mut self, n: usize) -> Pods {
        self.present_at_start = n;
        self.present.fill(0);
        bits::fill_first(&mut self.present, n);
        self.present_count = n;
        self
    }

    /// Worker n's Node now exists (`on`), or no longer does (it holds no pod).
    pub fn set_present(&mut self, n: usize, on: bool) {
        debug_assert!(on || self.node_list[n].is_empty());
        if bits::get(&self.present, n) != on {
            bits::put(&mut self.present, n, on);
            if on {
                self.present_count += 1;
            } else {
                self.present_count -= 1;
            }
        }
    }

    /// The same pods with each worker in its rack of `worker_rack`, of
    /// `racks` racks over all zones.
    pub fn in_racks(mut self, worker_rack: Vec<u16>, racks: usize) -> Pods {
        debug_assert_eq!(worker_rack.len(), self.workers);
        self.rack_pods = vec![0; self.slots.len() * racks];
        self.rack_workers = vec![Vec::new(); racks];
        for (n, &r) in worker_rack.iter().enumerate() {
            self.rack_workers[r as usize].push(n as u16);
        }
        self.worker_rack = worker_rack;
        self.racks = racks;
        self
    }

    /// Every replica Pending, in slot order; a rollout's room to surge empty.
    pub fn reset(&mut self) {
        for p in &mut self.pods {
            p.node = NO_NODE;
            p.state = PodState::Pending;
            p.new = false;
            p.vol_zone = NO_ZONE;
            p.vol_node = NO_NODE;
            p.waiting = false;
            p.listed = false;
        }
        for list in &mut self.starting {
            list.clear();
        }
        self.ready.fill(0);
        self.changed.clear();
        self.changed_flag.fill(false);
        self.node_pods.fill(0);
        self.zone_pods.fill(0);
        self.rack_pods.fill(0);
        self.node_load.fill(0);
        for list in &mut self.node_list {
            list.clear();
        }
        self.hosting.fill(0);
        self.by_load.fill(0);
        bits::fill_first(&mut self.by_load[..self.words], self.workers);
        self.loaded.fill(0);
        self.used.fill((0, 0));
        self.used_nonzero.fill((0, 0));
        self.level_count = [0; LOAD_LEVELS];
        self.level_count[0] = self.workers as u32;
        self.levels = u64::from(self.workers > 0);
        if self.present_count != self.present_at_start {
            self.present.fill(0);
            bits::fill_first(&mut self.present, self.present_at_start);
            self.present_count = self.present_at_start;
        }
        self.pending.clear();
        for (w, &(start, end)) in self.slots.iter().enumerate() {
            self.pending_of[w] = self.replicas[w];
            let replicas = start + self.replicas[w];
            self.pending.extend(start..replicas);
            for p in &mut self.pods[replicas as usize..end as usize] {
                p.state = PodState::Absent;
            }
        }
    }

    /// Removes pod `p` (a rollout scales it down): its slot is empty.
    pub fn remove(&mut self, p: u32) {
        match self.pods[p as usize].state {
            PodState::Absent => return,
            PodState::Pending => self.pending.retain(|&q| q != p),
            _ => {
                self.evict(p);
                self.pending.pop_back();
            }
        }
        let w = self.pods[p as usize].workload as usize;
        self.pending_of[w] -= 1;
        self.note_pending(w);
        let pod = &mut self.pods[p as usize];
        pod.state = PodState::Absent;
        pod.armed = false;
        pod.new = false;
        // Deleted by its controller: its volume is let go (see Workloads).
        pod.vol_node = NO_NODE;
        pod.waiting = false;
    }

    /// Adds a pod in empty slot `p`, Pending; `new`: of the release rolled out.
    pub fn add(&mut self, p: u32, new: bool) {
        let pod = &mut self.pods[p as usize];
        debug_assert_eq!(pod.state, PodState::Absent);
        pod.state = PodState::Pending;
        pod.new = new;
        pod.armed = false;
        self.pending.push_back(p);
        let w = pod.workload as usize;
        self.pending_of[w] += 1;
        self.note_pending(w);
    }

    /// Binds pending pod `p` to worker `n` in `state`.
    pub fn bind(&mut self, p: u32, n: u16, state: PodState) {
        let pod = &mut self.pods[p as usize];
        let w = pod.workload as usize;
        self.moves[w] = self.moves[w].wrapping_add(1);
        pod.node = n;
        pod.state = state;
        if pod.vol_zone == NO_ZONE {
            pod.vol_zone = self.worker_zone[n as usize];
        }
        if state == PodState::Ready {
            self.ready[w] += 1;
            self.mark(w);
        }
        self.pending_of[w] -= 1;
        self.note_pending(w);
        let n = n as usize;
        match self.node_row[w] {
            NO_ROW => bits::set(&mut self.hosting[w * self.words..], n),
            row => {
                let here = &mut self.node_pods[row as usize * self.workers + n];
                *here += 1;
                if *here == 1 {
                    bits::set(&mut self.hosting[w * self.words..], n);
                }
            }
        }
        self.zone_pods[w * self.zones + self.worker_zone[n] as usize] += 1;
        if self.racks > 0 {
            self.rack_pods[w * self.racks + self.worker_rack[n] as usize] += 1;
        }
        let list = &mut self.node_list[n];
        match list.last() {
            // Usually in slot order already.
            Some(&last) if last > p => {
                let at = list.partition_point(|&q| q < p);
                list.insert(at, p);
            }
            _ => list.push(p),
        }
        self.move_load(n, self.node_load[n] + 1);
        if self.capacity.is_some() {
            let (r, z) = (self.requests[w], self.nonzero[w]);
            let (u, v) = (&mut self.used[n], &mut self.used_nonzero[n]);
            *u = (u.0 + r.0, u.1 + r.1);
            *v = (v.0 + z.0, v.1 + z.1);
        }
    }

    /// Worker n now holds `load` bound pods.
    #[inline(always)]
    fn move_load(&mut self, n: usize, load: u32) {
        let words = self.words;
        match self.node_load[n] as usize {
            l if l < LOAD_LEVELS => {
                bits::clear(&mut self.by_load[l * words..], n);
                self.level_count[l] -= 1;
                if self.level_count[l] == 0 {
                    self.levels &= !(1 << l);
                }
            }
            _ => bits::clear(&mut self.loaded, n),
        }
        match load as usize {
            l if l < LOAD_LEVELS => {
                bits::set(&mut self.by_load[l * words..], n);
                self.level_count[l] += 1;
                self.levels |= 1 << l;
            }
            _ => bits::set(&mut self.loaded, n),
        }
        self.node_load[n] = load;
    }

    /// Deletes bound pod `p` (evicted or drained): its replacement takes the
    /// slot and joins the scheduling queue.
    pub fn evict(&mut self, p: u32) {
        let n = self.pods[p as usize].node as usize;
        debug_assert!(n != NO_NODE as usize);
        let list = &mut self.node_list[n];
        let at = list.binary_search(&p);
        if let Ok(at) = at {
            list.remove(at);
        }
        // Without a count, the list tells whether the workload has another
        // pod there: its pods are adjacent in it (slot order).
        let w = self.pods[p as usize].workload as usize;
        let left = at.is_ok_and(|at| {
            let (start, end) = self.slots[w];
            let of_w = |q: &u32| (start..end).contains(q);
            list[..at].last().is_some_and(of_w) || list.get(at).is_some_and(of_w)
        });
        self.unbind(p, left);
        self.move_load(n, self.node_load[n] - 1);
    }

    /// What an eviction of pod p changes but the list and load of its
    /// worker; `left`: another pod of its workload stays there (read only
    /// where the workload has no count per worker).
    #[inline(always)]
    fn unbind(&mut self, p: u32, left: bool) {
        let pod = &mut self.pods[p as usize];
        let (w, n) = (pod.workload as usize, pod.node as usize);
        self.moves[w] = self.moves[w].wrapping_add(1);
        pod.waiting = false;
        let was_ready = pod.state == PodState::Ready;
        pod.node = NO_NODE;
        pod.state = PodState::Pending;
        if was_ready {
            self.ready[w] -= 1;
            self.mark(w);
        }
        let left = match self.node_row[w] {
            NO_ROW => left,
            row => {
                let here = &mut self.node_pods[row as usize * self.workers + n];
                *here -= 1;
                *here > 0
            }
        };
        if !left {
            bits::clear(&mut self.hosting[w * self.words..], n);
        }
        self.zone_pods[w * self.zones + self.worker_zone[n] as usize] -= 1;
        if self.racks > 0 {
            self.rack_pods[w * self.racks + self.worker_rack[n] as usize] -= 1;
        }
        if self.capacity.is_some() {
            let (r, z) = (self.requests[w], self.nonzero[w]);
            let (u, v) = (&mut self.used[n], &mut self.used_nonzero[n]);
            *u = (u.0 - r.0, u.1 - r.1);
            *v = (v.0 - z.0, v.1 - z.1);
        }
        self.pending.push_back(p);
        self.pending_of[w] += 1;
        self.note_pending(w);
    }

    /// Notes a change of workload w's Pending pods, when they are tracked.
    #[inline]
    fn note_pending(&mut self, w: usize) {
        if self.track_pending {
            self.mark(w);
        }
    }

    /// The same pods, with changes of each workload's Pending pods noted
    /// (as changes of its ready count are) even without capacities.
    pub fn tracking_pending(mut self) -> Pods {
        self.track_pending = true;
        self
    }

    /// Workload w's Pending pods.
    #[inline]
    pub fn pending_of(&self, w: usize) -> u32 {
        self.pending_of[w]
    }

    /// Evicts every pod bound to worker n, in slot order; `each` is told
    /// each pod's workload.
    pub fn evict_node(&mut self, n: u16, mut each: impl FnMut(u16)) {
        let mut list = std::mem::take(&mut self.node_list[n as usize]);
        for &p in &list {
            // The worker keeps none of the workload's pods.
            self.unbind(p, false);
            each(self.pods[p as usize].workload);
        }
        // The load drops to none at once: the sets of workers by load end
        // as they would one pod at a time.
        if !list.is_empty() {
            self.move_load(n as usize, 0);
        }
        list.clear();
        self.node_list[n as usize] = list;
    }

    /// The pods bound to worker n, in slot order.
    #[inline]
    pub fn on_node(&self, n: u16) -> &[u32] {
        &self.node_list[n as usize]
    }

    /// Counts workload w's Starting pods whose `ready_at` has passed as
    /// Ready (see the cluster's lazy readiness), looking only at its list
    /// of started pods, not at every slot.
    #[inline]
    pub fn catch_up(&mut self, w: usize, now: f64) {
        let list = &mut self.starting[w];
        let mut i = 0;
        while i < list.len() {
            let pod = &mut self.pods[list[i] as usize];
            if pod.state == PodState::Starting && pod.ready_at > now {
                i += 1;
                continue;
            }
            if pod.state == PodState::Starting {
                pod.state = PodState::Ready;
                pod.armed = false;
                self.ready[w] += 1;
                note(&mut self.changed, &mut self.changed_flag, w);
            }
            // Ready now, or no longer Starting: off the list.
            pod.listed = false;
            list.swap_remove(i);
        }
    }

    /// Pod p of workload w has started, ready at its `ready_at`: the
    /// catch-up will look at it.
    #[inline]
    pub fn started(&mut self, p: u32, w: usize) {
        let pod = &mut self.pods[p as usize];
        if !pod.listed && pod.ready_at < f64::INFINITY {
            pod.listed = true;
            self.starting[w].push(p);
        }
    }

    /// Counts a move of one of workload w's pods (see `moves`).
    #[inline]
    pub fn moved(&mut self, w: usize) {
        self.moves[w] = self.moves[w].wrapping_add(1);
    }

    /// Workload w's count of moves (see `moves`).
    #[inline]
    pub fn moves(&self, w: usize) -> u32 {
        self.moves[w]
    }

    /// Whether workers have a capacity.
    #[inline]
    pub fn has_capacity(&self) -> bool {
        self.capacity.is_some()
    }

    /// Whether a ready count changed since [`Self::take_changed`].
    #[inline]
    pub fn has_changed(&self) -> bool {
        !self.changed.is_empty()
    }

    /// Notes that workload w's ready count changed.
    #[inline]
    pub fn mark(&mut self, w: usize) {
        note(&mut self.changed, &mut self.changed_flag, w);
    }

    /// The workloads whose ready count changed since the last call (or the
    /// last reset), each once; `clear` forgets them instead.
    #[inline]
    pub fn take_changed(&mut self, mut each: impl FnMut(usize)) {
        for &w in &self.changed {
            self.changed_flag[w as usize] = false;
            each(w as usize);
        }
        self.changed.clear();
    }

    /// Workload w's replicas.
    pub fn replicas_of(&self, w: usize) -> u32 {
        self.replicas[w]
    }

    /// Whether what worker n's pods request is below the cluster
    /// autoscaler's utilization threshold of its capacity, in CPU and in
    /// memory; always without capacities (nothing is known to be used).
    pub fn below_utilization(&self, n: usize) -> bool {
        let Some(cap) = self.capacity else {
            return true;
        };
        let (num, den) = super::autoscaler::UTILIZATION_THRESHOLD;
        let (cpu, memory) = self.used[n];
        cpu * den < cap.cpu * num && memory * den < cap.memory * num
    }

    /// Whether worker `n` holds any pod.
    pub fn node_has_pods(&self, n: u16) -> bool {
        self.node_load[n as usize] > 0
    }

    /// The best feasible worker for a pod of workload `w` (see the module
    /// docs), among the workers in `up` (a set of [`bits`]).
    ///
    /// The candidates start as the workers up, lose those the filters
    /// rule out, and are narrowed key by key in the score's order to those
    /// with the least value of that key: the workers left are the ties,
    /// one of which is drawn uniformly, as a scan scoring every worker
    /// would (the ties in worker order, one draw when there are two or
    /// more). Each step costs a pass over the set's words, or over the
    /// workload's own pods, not over every worker.
    #[cfg(test)]
    pub fn choose_node(
        &mut self,
        w: usize,
        spec: &WorkloadModel,
        up: &[u64],
        rng: &mut Rng,
    ) -> Option<u16> {
        self.choose_node_in(w, spec, up, NO_ZONE, rng)
    }

    /// [`Self::choose_node`] among the workers of zone `only` (a pod whose
    /// zonal volume is there), or of every zone ([`NO_ZONE`]).
    pub fn choose_node_in(
        &mut self,
        w: usize,
        spec: &WorkloadModel,
        up: &[u64],
        only: u16,
        rng: &mut Rng,
    ) -> Option<u16> {
        // The common choice reads the rules kept beside the counts.
        debug_assert_eq!(self.rules[w], Rules::of(spec));
        match self.choose_common(w, up, only, rng) {
            Some(choice) => choice,
            None => self.choose_general(w, spec, up, only, rng),
        }
    }

    /// [`Self::choose_node_in`] for the common rules, in a few passes over
    /// the words kept on the stack instead of a pass a filter or score: no
    /// capacities, no rack or node-spread rule, at most
    /// [`MAX_SUBSET_ZONES`] zones, and the score by node of the workload's
    /// pods moot (host anti-affinity, or no candidate holds one of them).
    /// The same choice as [`Self::choose_general`] from the same draws;
    /// `None` where that is not known to hold, before any draw.
    #[inline]
    fn choose_common(&self, w: usize, up: &[u64], only: u16, rng: &mut Rng) -> Option<Option<u16>> {
        #[cfg(target_arch = "x86_64")]
        if self.fast_instructions {
            // SAFETY: set only where the processor has them.
            return unsafe { self.common_fast(w, up, only, rng) };
        }
        self.common::<false>(w, up, only, rng)
    }

    /// [`Self::common`] built with the processor's bit instructions (see
    /// [`bits::has_fast_instructions`]).
    ///
    /// # Safety
    /// The processor has POPCNT, BMI1 and BMI2.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,bmi1,bmi2")]
    #[inline(never)]
    unsafe fn common_fast(
        &self,
        w: usize,
        up: &[u64],
        only: u16,
        rng: &mut Rng,
    ) -> Option<Option<u16>> {
        self.common::<true>(w, up, only, rng)
    }

    /// [`Self::choose_common`]'s work; `FAST`: built with the bit
    /// instructions (then called only where the processor has them).
    #[inline(always)]
    fn common<const FAST: bool>(
        &self,
        w: usize,
        up: &[u64],
        only: u16,
        rng: &mut Rng,
    ) -> Option<Option<u16>> {
        let rules = self.rules[w];
        if self.subsets.is_empty() || self.capacity.is_some() || !rules.common || self.levels == 0 {
            return None;
        }
        let (words, zones) = (self.words, self.zones);
        let zone_counts = &self.zone_pods[w * zones..(w + 1) * zones];
        // The filters by zone: the zones a candidate may be in, and whether
        // their counts tie (then the score by zone ranks none out).
        let limit = self.zone_limit(rules.zone_spread, zone_counts);
        let zone_rule = rules.anti_affinity == AntiAffinity::Zone;
        let (mut allowed, mut least, mut most) = (0usize, u32::MAX, 0);
        if !zone_rule && only == NO_ZONE {
            for (z, &count) in zone_counts.iter().enumerate() {
                if count < limit {
                    allowed |= 1 << z;
                    least = least.min(count);
                    most = most.max(count);
                }
            }
        } else {
            for (z, &count) in zone_counts.iter().enumerate() {
                if count < limit
                    && !(zone_rule && count > 0)
                    && (only == NO_ZONE || z == only as usize)
                {
                    allowed |= 1 << z;
                    least = least.min(count);
                    most = most.max(count);
                }
            }
        }
        if allowed == 0 {
            return Some(None);
        }
        let tied = least == most;
        if words == 1 {
            return self.choose_in_a_word::<FAST>(
                w,
                rules.anti_affinity,
                up[0],
                allowed,
                tied,
                rng,
            );
        }
        // Built for each count of words, so that the passes are unrolled
        // and the sets on the stack are no longer than the cluster needs.
        macro_rules! by_words {
            ($($n:literal)*) => {
                match (words, rules.anti_affinity == AntiAffinity::Host) {
                    $(
                        ($n, true) => self.choose_in_words::<true, FAST, $n>(w, up, allowed, tied, rng),
                        ($n, false) => self.choose_in_words::<false, FAST, $n>(w, up, allowed, tied, rng),
                    )*
                    _ => None,
                }
            };
        }
        const _: () = assert!(MAX_WORDS == 16, "by_words covers 2 to 16 words");
        by_words!(2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
    }

    /// [`Self::choose_common`] on a cluster of more than 64 workers (`None`
    /// beyond [`MAX_WORDS`] words), for a pod allowed in the zones of set
    /// `zones` (whose counts of the workload `tied`); `HOST`, with host
    /// anti-affinity. One pass over the words for the filters (and one
    /// for the score by zone when the zones' counts differ), one per level
    /// of load up to the lowest holding a candidate, one to count them and
    /// one to find the one drawn (with the bit instructions, `FAST`, the
    /// count is the look).
    #[inline(always)]
    fn choose_in_words<const HOST: bool, const FAST: bool, const N: usize>(
        &self,
        w: usize,
        up: &[u64],
        zones: usize,
        tied: bool,
        rng: &mut Rng,
    ) -> Option<Option<u16>> {
        let n = N;
        debug_assert_eq!(n, self.words);
        let up: &[u64; N] = up[..n].try_into().ok()?;
        let within: &[u64; N] = self.subsets[zones * n..][..n].try_into().ok()?;
        let hosting: &[u64; N] = self.hosting[w * n..][..n].try_into().ok()?;
        // The candidates.
        let mut x = [0u64; N];
        let (mut any, mut held) = (0, 0);
        for i in 0..n {
            let mut v = up[i] & within[i];
            if HOST {
                v &= !hosting[i];
            } else {
                held |= v & hosting[i];
            }
            x[i] = v;
            any |= v;
        }
        if held != 0 {
            // The score by node ranks some candidates out: the general passes.
            return None;
        }
        if any == 0 {
            return Some(None);
        }
        if !tied {
            // The score by zone: the zones with candidates and the fewest
            // of the workload's pods.
            let keep = self.fewest_in_zones(w, zones, |z| {
                let mask = &self.zone_mask[z * n..][..n];
                x.iter().zip(mask).any(|(a, b)| a & b != 0)
            });
            if keep != zones {
                let within = &self.subsets[keep * n..][..n];
                for (a, b) in x.iter_mut().zip(within) {
                    *a &= b;
                }
            }
        }
        // The score by load: the lowest level holding a candidate (none
        // below LOAD_LEVELS: the general passes).
        let mut levels = self.levels;
        while levels != 0 {
            let l = levels.trailing_zeros() as usize;
            levels &= levels - 1;
            let level: &[u64; N] = self.by_load[l * n..][..n].try_into().ok()?;
            // Counting is as cheap as looking with the bit instructions.
            if !FAST && !x.iter().zip(level).any(|(a, b)| a & b != 0) {
                continue;
            }
            let mut counts = [0u32; N];
            let mut found = 0;
            for i in 0..n {
                counts[i] = (x[i] & level[i]).count_ones();
                found += counts[i];
            }
            if found == 0 {
                continue;
            }
            let mut r = match found {
                1 => 0,
                // kube-scheduler picks uniformly among the top-scored nodes.
                n => uniform_below(rng, n),
            };
            for i in 0..n {
                if r < counts[i] {
                    return Some(Some((i * 64 + nth_one::<FAST>(x[i] & level[i], r)) as u16));
                }
                r -= counts[i];
            }
            unreachable!("a rank beyond the candidates' count");
        }
        None
    }

    /// [`Self::choose_common`] on a cluster of 64 workers or fewer, whose
    /// sets are a word each, for a pod allowed in the zones of set
    /// `zones` (whose counts of the workload `tied`).
    #[inline(always)]
    fn choose_in_a_word<const FAST: bool>(
        &self,
        w: usize,
        anti_affinity: AntiAffinity,
        up: u64,
        zones: usize,
        tied: bool,
        rng: &mut Rng,
    ) -> Option<Option<u16>> {
        let hosting = self.hosting[w];
        let mut x = up & self.subsets[zones];
        if anti_affinity == AntiAffinity::Host {
            x &= !hosting;
        } else if x & hosting != 0 {
            // The score by node ranks some candidates out: the general passes.
            return None;
        }
        if x == 0 {
            return Some(None);
        }
        if !tied {
            // The score by zone: the zones with candidates and the fewest
            // of the workload's pods.
            x &= self.subsets[self.fewest_in_zones(w, zones, |z| x & self.zone_mask[z] != 0)];
        }
        // The score by load: the lowest level holding a candidate (none
        // below LOAD_LEVELS: the general passes).
        let mut levels = self.levels;
        while levels != 0 {
            let l = levels.trailing_zeros() as usize;
            levels &= levels - 1;
            let y = x & self.by_load[l];
            if y != 0 {
                let r = match y.count_ones() {
                    1 => 0,
                    // kube-scheduler picks uniformly among the top-scored nodes.
                    n => uniform_below(rng, n),
                };
                return Some(Some(nth_one::<FAST>(y, r) as u16));
            }
        }
        None
    }

    /// The score by zone: of the zones of set `zones` that hold a
    /// candidate (`holds`), the set of those with the fewest pods of
    /// workload w.
    #[inline(always)]
    fn fewest_in_zones(&self, w: usize, zones: usize, holds: impl Fn(usize) -> bool) -> usize {
        let counts = &self.zone_pods[w * self.zones..(w + 1) * self.zones];
        let (mut keep, mut best) = (0, u32::MAX);
        let mut m = zones;
        while m != 0 {
            let z = m.trailing_zeros() as usize;
            m &= m - 1;
            if holds(z) {
                match counts[z].cmp(&best) {
                    std::cmp::Ordering::Less => (keep, best) = (1 << z, counts[z]),
                    std::cmp::Ordering::Equal => keep |= 1 << z,
                    std::cmp::Ordering::Greater => {}
                }
            }
        }
        keep
    }

    /// [`Self::choose_node_in`] by the filters and scores in turn, each a
    /// pass over the words.
    #[inline(never)]
    fn choose_general(
        &mut self,
        w: usize,
        spec: &WorkloadModel,
        up: &[u64],
        only: u16,
        rng: &mut Rng,
    ) -> Option<u16> {
        let mut c = std::mem::take(&mut self.cand);
        self.filter(&mut c, w, spec, up, only);
        if !c.iter().any(|&b| b != 0) {
            self.cand = c;
            self.zone_out.fill(false);
            return None;
        }
        // Score, key by key. Under host anti-affinity no candidate holds a
        // pod of w: the count on the node is 0 for all, and ranks none out.
        let host_rule = spec.anti_affinity == AntiAffinity::Host;
        if spec.prefer_rack {
            if spec.anti_affinity != AntiAffinity::Rack {
                self.fill_racks_hosting(w);
            }
            if spec.prefer_zone {
                self.least_in_zone(w, &mut c);
                self.least_in_rack(w, &mut c);
                self.least_here(w, &mut c, host_rule);
            } else {
                self.least_in_rack(w, &mut c);
                self.least_here(w, &mut c, host_rule);
                self.least_in_zone(w, &mut c);
            }
        } else if spec.prefer_zone {
            self.least_in_zone(w, &mut c);
            self.least_here(w, &mut c, host_rule);
        } else {
            self.least_here(w, &mut c, host_rule);
            self.least_in_zone(w, &mut c);
        }
        self.zone_out.fill(false);
        // With capacities, the resources' score first; the count of pods
        // (the default spreading) still ranks what it leaves tied.
        if self.capacity.is_some() {
            self.least_allocated(w, &mut c);
        }
        let choice = match self.least_loaded(&mut c) {
            0 => None,
            1 => Some(bits::select(&c, 0) as u16),
            // kube-scheduler picks uniformly among the top-scored nodes.
            n => Some(bits::select(&c, uniform_below(rng, n)) as u16),
        };
        self.cand = c;
        choice
    }

    /// Leaves in `c` the workers of `up` (in zone `only`, unless it is
    /// [`NO_ZONE`]) that pass the filters for a pod of workload `w`, and
    /// marks in `zone_out` the zones that hold none (cleared by the caller).
    #[inline(always)]
    fn filter(&mut self, c: &mut [u64], w: usize, spec: &WorkloadModel, up: &[u64], only: u16) {
        let words = self.words;
        let mut off = std::mem::take(&mut self.zone_off);
        let zone_counts = &self.zone_pods[w * self.zones..(w + 1) * self.zones];
        // Filter: zones the spread limit or zone anti-affinity rule out.
        let limit = self.zone_limit(spec.zone_spread, zone_counts);
        let zone_rule = spec.anti_affinity == AntiAffinity::Zone;
        off.clear();
        if limit != u32::MAX || zone_rule {
            for (z, &count) in zone_counts.iter().enumerate() {
                if count >= limit || (zone_rule && count > 0) {
                    off.push(z as u16);
                }
            }
        }
        // One zone left (a zone outage under a zone spread leaves the zone
        // that is down): without a worker up there, no candidate, and none
        // of the passes below, which every pending workload made anew. (On
        // a set of one word the passes cost no more than the test.)
        let last = if words == 1 {
            None
        } else if only != NO_ZONE {
            Some(only as usize)
        } else if off.len() + 1 == self.zones {
            (0..self.zones).find(|&z| !off.contains(&(z as u16)))
        } else {
            None
        };
        if let Some(z) = last
            && !bits::intersects(&up[..words], &self.zone_mask[z * words..(z + 1) * words])
        {
            c.fill(0);
            self.zone_off = off;
            return;
        }
        // The workers up, in zone `only` if any, off the zones ruled out
        // and (host anti-affinity) off the workers hosting w.
        c.copy_from_slice(&up[..words]);
        if only != NO_ZONE {
            let z = only as usize;
            bits::and(c, &self.zone_mask[z * words..(z + 1) * words]);
        }
        for &z in &off {
            let z = z as usize;
            bits::and_not(c, &self.zone_mask[z * words..(z + 1) * words]);
        }
        if spec.anti_affinity == AntiAffinity::Host {
            bits::and_not(c, &self.hosting[w * words..(w + 1) * words]);
        }
        for &z in &off {
            self.zone_out[z as usize] = true;
        }
        if only != NO_ZONE {
            for (z, out) in self.zone_out.iter_mut().enumerate() {
                *out |= z != only as usize;
            }
        }
        self.zone_off = off;
        if spec.anti_affinity == AntiAffinity::Rack {
            self.fill_racks_hosting(w);
            bits::and_not(c, &self.racks_hosting);
        }
        // Filter: nodes at the spread limit over nodes (every worker whose
        // Node exists a domain: the least count is 0 while one holds none).
        if let Some(skew) = spec.host_spread {
            let hosting = &self.hosting[w * words..(w + 1) * words];
            let node_counts = self.node_counts(w);
            let min = if (bits::count(hosting) as usize) < self.present_count {
                0
            } else if self.present_count == self.workers {
                node_counts.iter().copied().min().unwrap_or(0)
            } else {
                bits::ones(&self.present)
                    .map(|n| node_counts[n])
                    .min()
                    .unwrap_or(0)
            };
            for n in 0..words {
                let mut b = c[n] & hosting[n];
                while b != 0 {
                    let k = n * 64 + b.trailing_zeros() as usize;
                    b &= b - 1;
                    if node_counts[k] >= min + skew {
                        bits::clear(c, k);
                    }
                }
            }
        }
        // Filter: room for the pod's requests (NodeResourcesFit).
        if let Some(cap) = self.capacity {
            let (cpu, memory) = self.requests[w];
            bits::retain(c, |n| {
                let (used_cpu, used_memory) = self.used[n];
                self.node_load[n] < cap.pods
                    && used_cpu + cpu <= cap.cpu
                    && used_memory + memory <= cap.memory
            });
        }
    }

    /// Whether a pod of workload `w` passes the filters on one of the
    /// workers of `up` (in zone `only`, unless it is [`NO_ZONE`]): the
    /// scheduler would place it, though where is not drawn.
    pub fn fits(&mut self, w: usize, spec: &WorkloadModel, up: &[u64], only: u16) -> bool {
        let mut c = std::mem::take(&mut self.cand);
        self.filter(&mut c, w, spec, up, only);
        let any = c.iter().any(|&b| b != 0);
        self.cand = c;
        self.zone_out.fill(false);
        any
    }

    /// The count of the workload's pods a zone must stay below to take one
    /// more under its zone spread (topology spread with DoNotSchedule, whose
    /// minimum counts every zone with workers); no limit without one.
    #[inline]
    fn zone_limit(&self, zone_spread: Option<u32>, zone_counts: &[u32]) -> u32 {
        match zone_spread {
            // Usually every zone has workers.
            Some(skew) if self.spread_zones.len() == zone_counts.len() => {
                zone_counts.iter().copied().min().unwrap_or(0) + skew
            }
            Some(skew) => {
                let min = self
                    .spread_zones
                    .iter()
                    .map(|&z| zone_counts[z as usize])
                    .min()
                    .unwrap_or(0);
                min + skew
            }
            None => u32::MAX,
        }
    }

    /// Fills `racks_hosting` with the workers of every rack holding a pod
    /// of workload w.
    fn fill_racks_hosting(&mut self, w: usize) {
        let words = self.words;
        let r = &mut self.racks_hosting;
        r.fill(0);
        for n in bits::ones(&self.hosting[w * words..(w + 1) * words]) {
            // Its rack is in already when its own bit is.
            if !bits::get(r, n) {
                for &k in &self.rack_workers[self.worker_rack[n] as usize] {
                    bits::set(r, k as usize);
                }
            }
        }
    }

    /// Bound pods of workload w per worker; w is one of those with counts.
    #[inline]
    fn node_counts(&self, w: usize) -> &[u32] {
        let row = self.node_row[w] as usize;
        debug_assert!(row != NO_ROW as usize, "no counts kept for workload {w}");
        &self.node_pods[row * self.workers..(row + 1) * self.workers]
    }

    /// Bound pods of workload w on worker n, for any workload.
    #[cfg(test)]
    fn count_on(&self, w: usize, n: usize) -> u32 {
        if self.node_row[w] != NO_ROW {
            return self.node_counts(w)[n];
        }
        let (start, end) = self.slots[w];
        let list = &self.node_list[n];
        (list.partition_point(|&q| q < end) - list.partition_point(|&q| q < start)) as u32
    }

    /// Keeps the candidates with the fewest pods of workload w on the node.
    #[inline]
    fn least_here(&self, w: usize, c: &mut [u64], host_rule: bool) {
        if host_rule {
            return;
        }
        let words = self.words;
        let hosting = &self.hosting[w * words..(w + 1) * words];
        let node_counts = self.node_counts(w);
        least_by(c, hosting, |n| node_counts[n]);
    }

    /// Keeps the candidates in the racks with the fewest pods of workload w
    /// (`racks_hosting` filled).
    #[inline]
    fn least_in_rack(&self, w: usize, c: &mut [u64]) {
        let rack_counts = &self.rack_pods[w * self.racks..(w + 1) * self.racks];
        least_by(c, &self.racks_hosting, |n| {
            rack_counts[self.worker_rack[n] as usize]
        });
    }

    /// Keeps the candidates in the zones with the fewest pods of workload w.
    #[inline]
    fn least_in_zone(&self, w: usize, c: &mut [u64]) {
        let words = self.words;
        let zone_counts = &self.zone_pods[w * self.zones..(w + 1) * self.zones];
        // Zones in `zone_out` hold no candidate: skipped.
        let mut best = u32::MAX;
        for (z, &count) in zone_counts.iter().enumerate() {
            if count < best
                && !self.zone_out[z]
                && bits::intersects(c, &self.zone_mask[z * words..(z + 1) * words])
            {
                best = count;
            }
        }
        for (z, &count) in zone_counts.iter().enumerate() {
            if count > best && !self.zone_out[z] {
                bits::and_not(c, &self.zone_mask[z * words..(z + 1) * words]);
            }
        }
    }

    /// Keeps the candidates with the best score of kube-scheduler's
    /// default NodeResourcesFit strategy, LeastAllocated: per resource
    /// (CPU, memory, weight 1 each), `(capacity - requested) * 100 /
    /// capacity` with the pod's requests included, as scored (requests of
    /// 0 count as the defaults), averaged in integers.
    fn least_allocated(&self, w: usize, c: &mut [u64]) {
        let Some(cap) = self.capacity else {
            return;
        };
        let (cpu, memory) = self.nonzero[w];
        let score = |n: usize| {
            let (used_cpu, used_memory) = self.used_nonzero[n];
            (least_requested(used_cpu + cpu, cap.cpu)
                + least_requested(used_memory + memory, cap.memory))
                / 2
        };
        // The best score is the least shortfall from 100.
        keep_least(c, |n| (100 - score(n)) as u32);
    }

    /// Keeps the least loaded candidates (fewest bound pods of any
    /// workload); their count.
    #[inline]
    fn least_loaded(&self, c: &mut [u64]) -> u32 {
        let words = self.words;
        // The levels holding a worker, lowest first.
        let mut levels = self.levels;
        while levels != 0 {
            let l = levels.trailing_zeros() as usize;
            levels &= levels - 1;
            let level = &self.by_load[l * words..(l + 1) * words];
            if bits::intersects(c, level) {
                return bits::and_count(c, level);
            }
        }
        // All candidates hold LOAD_LEVELS pods or more: compare their loads.
        bits::and(c, &self.loaded);
        least_by(c, &self.loaded, |n| self.node_load[n]);
        bits::count(c)
    }

    /// [`Self::choose_node`] as a scan over every worker, scoring each: the
    /// reference the sets are tested against.
    #[cfg(test)]
    pub fn choose_node_scan(
        &mut self,
        w: usize,
        spec: &WorkloadModel,
        up: &[bool],
        rng: &mut Rng,
    ) -> Option<u16> {
        let zone_counts = &self.zone_pods[w * self.zones..(w + 1) * self.zones];
        // A zone may take a pod while its count stays within `limit`.
        let limit = self.zone_limit(spec.zone_spread, zone_counts);
        // Likewise a node, under a spread over nodes (every worker a domain).
        let node_limit = match spec.host_spread {
            Some(skew) => self.node_counts(w).iter().copied().min().unwrap_or(0) + skew,
            None => u32::MAX,
        };
        // Lexicographic scores. Counts are below 2^17 (MAX_PODS), so three
        // pack into a u64 without overlap; a rack preference adds a fourth.
        let pack = |a: u32, b: u32, c: u32| (a as u64) << 42 | (b as u64) << 21 | c as u64;
        let limits = (limit, node_limit);
        if spec.prefer_rack {
            let score = |here, in_zone, in_rack, load| {
                let (first, second, third) = if spec.prefer_zone {
                    (in_zone, in_rack, here)
                } else {
                    (in_rack, here, in_zone)
                };
                (first as u128) << 64 | pack(second, third, load) as u128
            };
            self.rank::<_, true>(w, spec, up, limits, u128::MAX, score);
        } else {
            let score = |here, in_zone, _, load| {
                if spec.prefer_zone {
                    pack(in_zone, here, load)
                } else {
                    pack(here, in_zone, load)
                }
            };
            // Racks are looked at only by a workload with a rule over them.
            if spec.anti_affinity == AntiAffinity::Rack {
                self.rank::<_, true>(w, spec, up, limits, u64::MAX, score);
            } else {
                self.rank::<_, false>(w, spec, up, limits, u64::MAX, score);
            }
        }
        let ties = &self.ties;
        match ties.len() {
            0 => None,
            1 => Some(ties[0]),
            // kube-scheduler picks uniformly among the top-scored nodes.
            n => Some(ties[uniform_below(rng, n as u32) as usize]),
        }
    }

    /// Puts in `ties` the feasible workers (up, allowed by the anti-affinity
    /// rule, and within `limits`: the zone's and the node's spread limits)
    /// with the least `score(pods of w on the node, in its zone, in its
    /// rack, pods on the node)`; `worst` is above every score.
    /// `RACKS`: the workload has a rule over racks (racks are looked at
    /// only then).
    #[cfg(test)]
    #[inline(always)]
    fn rank<S: Ord + Copy, const RACKS: bool>(
        &mut self,
        w: usize,
        spec: &WorkloadModel,
        up: &[bool],
        (limit, node_limit): (u32, u32),
        worst: S,
        score: impl Fn(u32, u32, u32, u32) -> S,
    ) {
        let zone_counts = &self.zone_pods[w * self.zones..(w + 1) * self.zones];
        let rack_counts = &self.rack_pods[w * self.racks..(w + 1) * self.racks];
        let node_counts: Vec<u32> = (0..self.workers).map(|n| self.count_on(w, n)).collect();
        let ties = &mut self.ties;
        ties.clear();
        let mut best = worst;
        for (n, ((&up, &here), &z)) in up
            .iter()
            .zip(&node_counts)
            .zip(&self.worker_zone)
            .enumerate()
        {
            let in_zone = zone_counts[z as usize];
            let in_rack = if RACKS {
                rack_counts[self.worker_rack[n] as usize]
            } else {
                0
            };
            let allowed =
                up && match spec.anti_affinity {
                    AntiAffinity::Host => here == 0,
                    AntiAffinity::Rack => in_rack == 0,
                    AntiAffinity::Zone => in_zone == 0,
                    AntiAffinity::None => true,
                } && in_zone < limit
                    && here < node_limit;
            if !allowed {
                continue;
            }
            let score = score(here, in_zone, in_rack, self.node_load[n]);
            if score < best {
                best = score;
                ties.clear();
            }
            if score == best {
                ties.push(n as u16);
            }
        }
    }
}

/// kube-scheduler's default CPU request for scoring a pod that gives
/// none (pkg/scheduler/util: DefaultMilliCPURequest).
pub const DEFAULT_CPU_REQUEST: u64 = 100;
/// Likewise for memory (DefaultMemoryRequest, 200 MB).
pub const DEFAULT_MEMORY_REQUEST: u64 = 200 * 1024 * 1024;

/// One resource's LeastAllocated score (leastRequestedScore in
/// pkg/scheduler/framework/plugins/noderesources/least_allocated.go).
fn least_requested(requested: u64, capacity: u64) -> u64 {
    if capacity == 0 || requested > capacity {
        return 0;
    }
    (capacity - requested) * 100 / capacity
}

/// Adds workload w to the `changed` list unless `flag` says it is in.
#[inline]
pub fn note(changed: &mut Vec<u16>, flag: &mut [bool], w: usize) {
    if !flag[w] {
        flag[w] = true;
        changed.push(w as u16);
    }
}

/// Keeps the candidates `c` with the least `value`, where `value` is 0
/// off `nonzero` (a superset of the workers where it may not be): any
/// candidate off it wins at 0; otherwise the candidates' values are compared.
#[inline]
fn least_by(c: &mut [u64], nonzero: &[u64], value: impl Fn(usize) -> u32) {
    let off = c.iter().zip(nonzero).any(|(x, y)| x & !y != 0);
    if off {
        bits::and_not(c, nonzero);
        return;
    }
    keep_least(c, value);
}

/// Keeps the candidates `c` with the least `value`.
#[inline]
fn keep_least(c: &mut [u64], value: impl Fn(usize) -> u32) {
    let best = bits::ones(c).map(&value).min().unwrap_or(u32::MAX);
    bits::retain(c, |n| value(n) == best);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Sampler;
    use crate::engine::{StreamId, stream};

    fn workload(replicas: u32, anti_affinity: AntiAffinity, spread: Option<u32>) -> WorkloadModel {
        WorkloadModel {
            name: "w".into(),
            replicas,
            min_available: 1,
            startup: Sampler::Fixed(0.0),
            anti_affinity,
            zone_spread: spread,
            host_spread: None,
            prefer_zone: false,
            slots: replicas,
            max_surge: 0,
            rollout_unavailable: 1,
            progress_deadline: 600.0,
            prefer_rack: false,
            stateful: false,
            volume: None,
            requests: (0, 0),
        }
    }

    /// A set of workers from one bool per worker.
    fn up_set(up: &[bool]) -> Vec<u64> {
        let mut b = vec![0; bits::words(up.len())];
        for (n, &u) in up.iter().enumerate() {
            bits::put(&mut b, n, u);
        }
        b
    }

    /// Places pending pods one at a time for up to `rounds` turns, each
    /// where `choose` says (given the pod's workload), and evicts a placed
    /// pod one turn in `evict_odds` and, with `node_odds`, a whole worker's
    /// pods one turn in that many.
    fn place_and_evict(
        pods: &mut Pods,
        dice: &mut Rng,
        rounds: usize,
        evict_odds: u32,
        node_odds: Option<u32>,
        mut choose: impl FnMut(&mut Pods, usize, &mut Rng) -> Option<u16>,
    ) {
        use crate::engine::uniform_below as below;
        for _ in 0..rounds {
            let Some(p) = pods.pending.pop_front() else {
                break;
            };
            let w = pods.pods[p as usize].workload as usize;
            match choose(pods, w, dice) {
                Some(n) => pods.bind(p, n, PodState::Ready),
                None => pods.pending.push_back(p),
            }
            if below(dice, evict_odds) == 0 {
                let q = below(dice, pods.pods.len() as u32);
                if pods.pods[q as usize].node != NO_NODE {
                    pods.evict(q);
                }
            }
            if let Some(odds) = node_odds
                && below(dice, odds) == 0
            {
                pods.evict_node(below(dice, pods.workers as u32) as u16, |_| {});
            }
        }
    }

    /// The sets choose exactly as a scan scoring every worker: the same
    /// worker and the same draws, over random clusters, rules, loads and
    /// workers down.
    #[test]
    fn the_sets_choose_as_the_scan() {
        use crate::engine::uniform_below as below;
        let mut dice = stream(9, 0, StreamId::new(2, 0));
        for case in 0..400 {
            let workers = 1 + below(&mut dice, 150) as usize;
            let zones = 1 + below(&mut dice, 4) as usize;
            let racks = below(&mut dice, 6) as usize;
            let zone_of: Vec<u16> = (0..workers)
                .map(|_| below(&mut dice, zones as u32) as u16)
                .collect();
            let specs: Vec<WorkloadModel> = (0..3)
                .map(|_| {
                    let anti = [
                        AntiAffinity::None,
                        AntiAffinity::Host,
                        AntiAffinity::Zone,
                        AntiAffinity::Rack,
                    ][below(&mut dice, if racks > 0 { 4 } else { 3 }) as usize];
                    let mut spec = workload(1 + below(&mut dice, 90), anti, None);
                    if below(&mut dice, 3) == 0 {
                        spec.zone_spread = Some(1 + below(&mut dice, 2));
                    }
                    if below(&mut dice, 3) == 0 {
                        spec.host_spread = Some(1 + below(&mut dice, 2));
                    }
                    spec.prefer_zone = below(&mut dice, 2) == 0;
                    spec.prefer_rack = racks > 0 && below(&mut dice, 2) == 0;
                    spec
                })
                .collect();
            let mut pods = Pods::new(&specs, zone_of, zones);
            if racks > 0 {
                let rack_of = (0..workers)
                    .map(|_| below(&mut dice, racks as u32) as u16)
                    .collect();
                pods = pods.in_racks(rack_of, racks);
            }
            pods.reset();
            let up: Vec<bool> = (0..workers).map(|_| below(&mut dice, 5) != 0).collect();
            let set = up_set(&up);
            let mut a = stream(case, 0, StreamId::new(1, 0));
            let mut b = a.clone();
            // Place, and now and then evict a placed pod or a whole node
            // (the list taken, see `evict`), comparing each choice.
            let rounds = 3 * pods.pods.len();
            place_and_evict(&mut pods, &mut dice, rounds, 4, Some(32), |pods, w, _| {
                let scan = pods.choose_node_scan(w, &specs[w], &up, &mut a);
                let sets = pods.choose_node(w, &specs[w], &set, &mut b);
                assert_eq!(scan, sets, "case {case}");
                sets
            });
            assert_eq!(
                below(&mut a, 1 << 30),
                below(&mut b, 1 << 30),
                "the same draws, case {case}"
            );
            // The lists and sets agree with the counts.
            for n in 0..workers {
                assert_eq!(pods.node_list[n].len() as u32, pods.node_load[n]);
                assert!(pods.node_list[n].windows(2).all(|x| x[0] < x[1]));
                for w in 0..specs.len() {
                    let hosting = &pods.hosting[w * pods.words..(w + 1) * pods.words];
                    assert_eq!(
                        bits::get(hosting, n),
                        pods.count_on(w, n) > 0,
                        "case {case}"
                    );
                }
            }
        }
    }

    /// The one-pass choice for the common rules is the general passes'
    /// choice, from the same draws, over random clusters (up to five words
    /// of workers and seven zones, some beyond the table of zone sets),
    /// rules, workers up, zones of a pod's volume, and loads deep enough
    /// that the lowest levels hold no candidate.
    #[test]
    fn the_common_pass_chooses_as_the_general_passes() {
        use crate::engine::uniform_below as below;
        let mut dice = stream(11, 0, StreamId::new(2, 0));
        let (mut common, mut tried) = (0, 0);
        for case in 0..300 {
            // Up to 300 workers, and one case in four up to MAX_HOSTS.
            let most = if case % 4 == 0 {
                crate::scenario::MAX_HOSTS
            } else {
                300
            };
            let workers = 1 + below(&mut dice, most) as usize;
            let zones = 1 + below(&mut dice, 7) as usize;
            let zone_of: Vec<u16> = (0..workers)
                .map(|_| below(&mut dice, zones as u32) as u16)
                .collect();
            let specs: Vec<WorkloadModel> = (0..4)
                .map(|_| {
                    let anti = [AntiAffinity::None, AntiAffinity::Host, AntiAffinity::Zone]
                        [below(&mut dice, 3) as usize];
                    let mut spec = workload(1 + below(&mut dice, 3 * workers as u32), anti, None);
                    if below(&mut dice, 2) == 0 {
                        spec.zone_spread = Some(1 + below(&mut dice, 3));
                    }
                    if below(&mut dice, 8) == 0 {
                        spec.host_spread = Some(1 + below(&mut dice, 2));
                    }
                    spec.prefer_zone = below(&mut dice, 2) == 0;
                    spec
                })
                .collect();
            let mut pods = Pods::new(&specs, zone_of, zones);
            pods.reset();
            let up: Vec<bool> = (0..workers).map(|_| below(&mut dice, 6) != 0).collect();
            let set = up_set(&up);
            let mut a = stream(case, 0, StreamId::new(1, 0));
            let mut b = a.clone();
            let mut c = a.clone();
            let rounds = 2 * pods.pods.len();
            place_and_evict(&mut pods, &mut dice, rounds, 5, None, |pods, w, dice| {
                let only = if below(dice, 4) == 0 {
                    below(dice, zones as u32) as u16
                } else {
                    NO_ZONE
                };
                tried += 1;
                let general = pods.choose_general(w, &specs[w], &set, only, &mut b);
                // The portable build of the common choice, beside the one
                // this processor runs (its bit instructions, where it has them).
                let portable = pods.common::<false>(w, &set, only, &mut c);
                match pods.choose_common(w, &set, only, &mut a) {
                    Some(choice) => {
                        common += 1;
                        assert_eq!(choice, general, "case {case}");
                        assert_eq!(portable, Some(choice), "case {case}");
                        choice
                    }
                    None => {
                        assert_eq!(portable, None, "case {case}");
                        pods.choose_general(w, &specs[w], &set, only, &mut c);
                        pods.choose_general(w, &specs[w], &set, only, &mut a)
                    }
                }
            });
            let next = below(&mut b, 1 << 30);
            assert_eq!(below(&mut a, 1 << 30), next, "the same draws, case {case}");
            assert_eq!(below(&mut c, 1 << 30), next, "the same draws, case {case}");
        }
        // Most choices took the one pass (the test would pass vacuously else).
        assert!(common * 2 > tried, "{common} of {tried}");
    }

    /// Places every pending pod with all workers up; returns pods per worker.
    fn place_all(pods: &mut Pods, spec: &WorkloadModel, rng: &mut Rng) -> Vec<u32> {
        let pending: Vec<u32> = pods.pending.drain(..).collect();
        for p in pending {
            match pods.choose_node(0, spec, &up_set(&[true; 8][..pods.workers]), rng) {
                Some(n) => pods.bind(p, n, PodState::Ready),
                None => pods.pending.push_back(p),
            }
        }
        pods.node_load.clone()
    }

    #[test]
    fn host_anti_affinity_leaves_extra_replicas_pending() {
        let spec = workload(5, AntiAffinity::Host, None);
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 1, 2, 0], 3);
        pods.reset();
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        let load = place_all(&mut pods, &spec, &mut rng);
        assert_eq!(load, vec![1, 1, 1, 1]);
        assert_eq!(pods.pending.len(), 1);
        assert_eq!(pods.ready[0], 4);
    }

    #[test]
    fn zone_spread_counts_every_zone_with_workers() {
        // Zones 0 and 1 have two workers each; with zone 1's workers down,
        // spread 1 lets zone 0 take one pod more than zone 1 holds.
        let spec = workload(4, AntiAffinity::None, Some(1));
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 0, 1, 1], 2);
        pods.reset();
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        let pending: Vec<u32> = pods.pending.drain(..).collect();
        for p in pending {
            match pods.choose_node(0, &spec, &up_set(&[true, true, false, false]), &mut rng) {
                Some(n) => pods.bind(p, n, PodState::Ready),
                None => pods.pending.push_back(p),
            }
        }
        assert_eq!(pods.ready[0], 1);
        assert_eq!(pods.pending.len(), 3);
    }

    #[test]
    fn scoring_spreads_over_nodes_then_zones() {
        let spec = workload(6, AntiAffinity::None, None);
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 1, 2, 0, 1, 2], 3);
        pods.reset();
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        assert_eq!(place_all(&mut pods, &spec, &mut rng), vec![1; 6]);
        // Zone anti-affinity: one per zone, the rest Pending.
        let spec = workload(4, AntiAffinity::Zone, None);
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 1, 2, 0, 1, 2], 3);
        pods.reset();
        let load = place_all(&mut pods, &spec, &mut rng);
        assert_eq!(load.iter().sum::<u32>(), 3);
        assert_eq!(pods.pending.len(), 1);
        let zones: Vec<usize> = (0..3)
            .map(|z| load[z] as usize + load[z + 3] as usize)
            .collect();
        assert_eq!(zones, vec![1, 1, 1]);
    }

    #[test]
    fn host_spread_counts_every_worker() {
        // Worker 2 is down and empty: under host_spread 1 no up worker may
        // hold more than 1, so one of three replicas stays Pending.
        let mut spec = workload(3, AntiAffinity::None, None);
        spec.host_spread = Some(1);
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 0, 0], 1);
        pods.reset();
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        let pending: Vec<u32> = pods.pending.drain(..).collect();
        for p in pending {
            match pods.choose_node(0, &spec, &up_set(&[true, true, false]), &mut rng) {
                Some(n) => pods.bind(p, n, PodState::Ready),
                None => pods.pending.push_back(p),
            }
        }
        assert_eq!(pods.node_load, vec![1, 1, 0]);
        assert_eq!(pods.pending.len(), 1);
        // Without the rule all three are placed.
        spec.host_spread = None;
        pods.reset();
        let pending: Vec<u32> = pods.pending.drain(..).collect();
        for p in pending {
            let n = pods.choose_node(0, &spec, &up_set(&[true, true, false]), &mut rng);
            pods.bind(p, n.expect("feasible"), PodState::Ready);
        }
        assert_eq!(pods.node_load.iter().sum::<u32>(), 3);
    }

    #[test]
    fn a_preferred_zone_rule_ranks_the_zone_first_and_filters_nothing() {
        // Zone 0 holds workers 0 and 1, zone 1 worker 2. Worker 0 has two
        // replicas, worker 2 one: by node count worker 1 is best (none
        // there), by zone count worker 2 (zone 1 holds fewer).
        let mut spec = workload(4, AntiAffinity::None, None);
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 0, 1], 2);
        pods.reset();
        for (p, n) in [(0, 0), (1, 0), (2, 2)] {
            pods.pending.retain(|&q| q != p);
            pods.bind(p, n, PodState::Ready);
        }
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        assert_eq!(
            pods.choose_node(0, &spec, &up_set(&[true; 3]), &mut rng),
            Some(1)
        );
        spec.prefer_zone = true;
        assert_eq!(
            pods.choose_node(0, &spec, &up_set(&[true; 3]), &mut rng),
            Some(2)
        );
        // Preferred, not required: a fourth replica over two zones is placed.
        let spec = WorkloadModel {
            prefer_zone: true,
            ..workload(4, AntiAffinity::None, None)
        };
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 1], 2);
        pods.reset();
        assert_eq!(place_all(&mut pods, &spec, &mut rng), vec![2, 2]);
        assert!(pods.pending.is_empty());
    }

    #[test]
    fn rack_anti_affinity_allows_one_replica_per_rack() {
        // Four workers in one zone, two racks: workers 0 and 2 in rack 0,
        // 1 and 3 in rack 1. Two replicas take one rack each; a third
        // stays Pending, as with zones.
        let spec = workload(3, AntiAffinity::Rack, None);
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        for _ in 0..50 {
            let mut pods =
                Pods::new(std::slice::from_ref(&spec), vec![0; 4], 1).in_racks(vec![0, 1, 0, 1], 2);
            pods.reset();
            let load = place_all(&mut pods, &spec, &mut rng);
            assert_eq!(load[0] + load[2], 1, "{load:?}");
            assert_eq!(load[1] + load[3], 1, "{load:?}");
            assert_eq!(pods.pending.len(), 1);
        }
    }

    #[test]
    fn a_preferred_rack_rule_ranks_the_rack_first_and_filters_nothing() {
        // Workers 0 and 1 in rack 0, worker 2 in rack 1, one zone. Worker 0
        // has a replica: by node count workers 1 and 2 tie; by rack count
        // worker 2 (rack 1 holds none) wins every time.
        let spec = WorkloadModel {
            prefer_rack: true,
            ..workload(4, AntiAffinity::None, None)
        };
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        for _ in 0..50 {
            let mut pods =
                Pods::new(std::slice::from_ref(&spec), vec![0; 3], 1).in_racks(vec![0, 0, 1], 2);
            pods.reset();
            pods.pending.retain(|&q| q != 0);
            pods.bind(0, 0, PodState::Ready);
            assert_eq!(
                pods.choose_node(0, &spec, &up_set(&[true; 3]), &mut rng),
                Some(2)
            );
            // Preferred, not required: all four replicas are placed.
            assert_eq!(place_all(&mut pods, &spec, &mut rng).iter().sum::<u32>(), 4);
            assert!(pods.pending.is_empty());
        }
    }

    /// With capacities, the least allocated node wins over the one with
    /// fewer pods (after the workload's own spreading); a node without room
    /// for the requests is ruled out.
    #[test]
    fn capacity_filters_and_scores_by_requests() {
        let mut big = workload(2, AntiAffinity::None, None);
        big.requests = (3000, 1 << 30);
        let mut small = workload(2, AntiAffinity::None, None);
        small.requests = (200, 1 << 28);
        let mut other = workload(1, AntiAffinity::None, None);
        other.requests = (100, 1 << 28);
        let cap = CapacityModel {
            cpu: 4000,
            memory: 8 << 30,
            pods: 110,
        };
        let specs = [big, small, other];
        let place = |pods: &mut Pods| {
            pods.reset();
            pods.pending.clear();
            // Worker 0: one big pod; worker 1: two small ones.
            pods.bind(0, 0, PodState::Ready);
            pods.bind(2, 1, PodState::Ready);
            pods.bind(3, 1, PodState::Ready);
        };
        let mut pods = Pods::new(&specs, vec![0, 0], 1).with_capacity(cap);
        place(&mut pods);
        let mut rng = stream(1, 0, StreamId::new(1, 0));
        let all = up_set(&[true; 2]);
        // For `other`: CPU, worker 0 (3100 of 4000) scores 22, worker 1
        // (500) 87: worker 1, though it holds more pods.
        assert_eq!(pods.choose_node(2, &specs[2], &all, &mut rng), Some(1));
        // Without capacities the count of pods decides.
        let mut plain = Pods::new(&specs, vec![0, 0], 1);
        place(&mut plain);
        assert_eq!(plain.choose_node(2, &specs[2], &all, &mut rng), Some(0));
        // A second big pod has room on worker 1 only (6000 > 4000 on 0).
        assert_eq!(pods.choose_node(0, &specs[0], &all, &mut rng), Some(1));
        pods.bind(1, 1, PodState::Ready);
        // Then a third big pod fits nowhere (worker 1: 3400 + 3000).
        assert_eq!(pods.choose_node(0, &specs[0], &all, &mut rng), None);
        // The pod limit rules a node out as well.
        let full = CapacityModel { pods: 1, ..cap };
        let mut pods = Pods::new(&specs, vec![0, 0], 1).with_capacity(full);
        pods.reset();
        pods.pending.clear();
        pods.bind(0, 0, PodState::Ready);
        assert_eq!(pods.choose_node(2, &specs[2], &all, &mut rng), Some(1));
    }

    #[test]
    fn ties_are_broken_uniformly() {
        let spec = workload(1, AntiAffinity::None, None);
        let mut pods = Pods::new(std::slice::from_ref(&spec), vec![0, 0, 0, 0], 1);
        let mut rng = stream(3, 0, StreamId::new(1, 0));
        let mut wins = [0u32; 4];
        for _ in 0..40_000 {
            pods.reset();
            let n = pods
                .choose_node(0, &spec, &up_set(&[true; 4]), &mut rng)
                .expect("feasible");
            wins[n as usize] += 1;
        }
        // Each count is binomial(40000, 1/4): sd 86.6; 5 sd is 433.
        for w in wins {
            assert!((w as f64 - 10_000.0).abs() < 433.0, "{wins:?}");
        }
    }
}
