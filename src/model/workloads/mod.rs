//! The workloads room: Deployments' pods, kube-scheduler, and the node
//! lifecycle controller for workers.
//!
//! The pods and where the scheduler puts them are in [`pods`]; NotReady
//! marks and rate-limited evictions in [`nodes`]. This room reacts to
//! workers going down and coming back, and after each instant places
//! pending pods and evicts what is due, as far as the controllers it needs
//! (the API, and the scheduler's or controller-manager's leader) allow.

mod autoscaler;
mod nodes;
mod pods;
mod rollout;

pub use pods::{MAX_PODS, Pod, PodState};

use self::pods::NO_NODE;
pub use self::pods::NO_ZONE;
pub use rollout::{Outcome, Release};

use self::nodes::Nodes;
use self::pods::Pods;
use super::Model;
use super::cluster::Ctx;
use super::infrastructure::Infrastructure;

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// Worker k's grace period after going down has run out.
    NodeGrace(u16),
    /// Worker k's eviction is due.
    NodeEvict(u16),
    /// Zone z may evict its next node.
    EvictionTick(u16),
    /// Pod p finishes starting.
    PodReady(u32),
    /// Workload w's rollout deadline may have come.
    RolloutDeadline(u16),
    /// The operator taints worker k out-of-service (if it is still down).
    OutOfService(u16),
    /// Pod slot p's volume is detached by force from the node its pod left.
    VolumeDetach(u32),
    /// The cluster autoscaler's new worker k joins (if still coming).
    NodeJoin(u16),
    /// The cluster autoscaler's worker k has been unneeded long enough.
    NodeRemove(u16),
}

/// Why the pods of a worker are deleted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Eviction {
    /// The worker is drained while up: every pod goes, volumes detach at once.
    Drain,
    /// The node lifecycle controller's eviction of a worker that is down:
    /// a StatefulSet's pods stay (nothing confirms they stopped), and a
    /// volume is detached by force `force_detach` later.
    Lifecycle,
    /// The Node was deleted or tainted out-of-service: every pod goes, and
    /// volumes are detached at once.
    Freed,
}

impl Event {
    #[inline(always)]
    pub(in crate::model) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::NodeGrace(k) => (0, k as u32),
            Event::NodeEvict(k) => (1, k as u32),
            Event::EvictionTick(z) => (2, z as u32),
            Event::PodReady(p) => (3, p & crate::model::GENERATION_MASK),
            Event::RolloutDeadline(w) => (4, w as u32),
            Event::OutOfService(k) => (5, k as u32),
            Event::VolumeDetach(p) => (6, p & crate::model::GENERATION_MASK),
            Event::NodeJoin(k) => (7, k as u32),
            Event::NodeRemove(k) => (8, k as u32),
        };
        tag << 24 | payload
    }

    #[inline]
    pub(in crate::model) fn unpack(code: u32) -> Self {
        let payload = code & crate::model::GENERATION_MASK;
        match code >> 24 {
            0 => Event::NodeGrace(payload as u16),
            1 => Event::NodeEvict(payload as u16),
            2 => Event::EvictionTick(payload as u16),
            3 => Event::PodReady(payload),
            4 => Event::RolloutDeadline(payload as u16),
            5 => Event::OutOfService(payload as u16),
            6 => Event::VolumeDetach(payload),
            7 => Event::NodeJoin(payload as u16),
            _ => Event::NodeRemove(payload as u16),
        }
    }

    pub(in crate::model) fn component(self) -> String {
        match self {
            Event::PodReady(_) => "workloads (pod starts)",
            Event::RolloutDeadline(_) => "workloads (rollouts)",
            Event::VolumeDetach(_) => "workloads (volumes)",
            Event::NodeJoin(_) | Event::NodeRemove(_) => "autoscaler",
            _ => "workers (node lifecycle)",
        }
        .into()
    }
}

/// Pods, the scheduler and the node lifecycle of one replication.
pub struct Workloads {
    pods: Pods,
    /// Each workload's `min_available`, read on every pod move (apart from
    /// the rest of its model, for the cache).
    min_available: Vec<u32>,
    nodes: Nodes,
    /// The scheduler's leader and the API are up.
    scheduler_active: bool,
    /// Something changed that may let a pending pod be placed.
    schedule_dirty: bool,
    /// Scratch: the workloads with pods on one node, in slot order.
    touched: Vec<u16>,
    /// Each workload's rollout.
    rollouts: Vec<rollout::Rollout>,
    /// Rollouts replacing pods now.
    rolling: u32,
    /// Workloads restoring old pods after a rollback.
    restoring: u32,
    /// Workloads whose rollout is not idle (rolling, done but broken,
    /// rolling back, restoring): none in a model without rollouts.
    active: u32,
    /// Rollouts' outcomes for the changes room.
    outcomes: Vec<Outcome>,
    /// The scheduler's passes over the pending pods, counted; each
    /// workload's last pass that found no node for one of its pods.
    pass: u32,
    no_node_pass: Vec<u32>,
    /// Per workload, the infrastructure's version and the workload's pod
    /// moves when the scheduler last found no node for one of its pods
    /// (one without a zonal volume): while both stay, and with neither
    /// capacities nor the autoscaler (whose other workloads' pods and new
    /// Nodes change what fits), it finds none again and is not asked. A
    /// zone outage under a zone spread leaves hundreds of workloads
    /// pending for hours, each looked at in every pass.
    no_node_at: Vec<(u64, u32)>,
    /// Passes skipped so, each checked (tests only).
    #[cfg(test)]
    pub no_node_kept: u64,
    /// Every workload's minimum is to be looked at in the next
    /// [`Self::changed_minimums`] (a rollout was under way, or a
    /// workload's data was lost or restored).
    check_all: bool,
    /// Per workload: its data is lost (empty until a disaster strikes one).
    lost: Vec<bool>,
    any_lost: bool,
    changed_scratch: Vec<u16>,
    /// Some workload is a StatefulSet or has volumes: evictions take the
    /// slow path that looks at each pod.
    special: bool,
    /// Pods whose volume is still attached to a node they left, waiting
    /// to be detached.
    lingering: Vec<u32>,
    /// Each lingering volume's forced detach (by pod slot; infinite when none).
    detach_at: Vec<f64>,
    /// Per worker: when its out-of-service taint falls due (infinite: none).
    out_of_service_at: Vec<f64>,
    /// Scratch: the pods of one node.
    scratch: Vec<u32>,
    /// The cluster autoscaler, if the model has one.
    autoscaler: Option<autoscaler::Autoscaler>,
}

impl Workloads {
    pub fn new(m: &Model) -> Self {
        let worker_zone: Vec<u16> = m.hosts[m.first_worker as usize..]
            .iter()
            .map(|h| h.zone)
            .collect();
        let zones = m.zones as usize;
        let mut pods = Pods::new(&m.workloads, worker_zone.clone(), zones);
        if m.racks() > 0 {
            let worker_rack = m.hosts[m.first_worker as usize..]
                .iter()
                .map(|h| h.rack)
                .collect();
            pods = pods.in_racks(worker_rack, m.racks());
        }
        if let Some(capacity) = m.worker_capacity {
            pods = pods.with_capacity(capacity);
        }
        if m.tracks_pending() {
            pods = pods.tracking_pending();
        }
        let at_start = m.workers_at_start() as usize;
        if at_start < worker_zone.len() {
            pods = pods.with_present(at_start);
        }
        Workloads {
            pods,
            min_available: m.workloads.iter().map(|w| w.min_available).collect(),
            nodes: Nodes::new(&worker_zone, zones, m.node_monitor_grace_period)
                .with_present(at_start),
            scheduler_active: true,
            schedule_dirty: false,
            touched: Vec::with_capacity(m.workloads.len()),
            rollouts: vec![rollout::Rollout::default(); m.workloads.len()],
            rolling: 0,
            restoring: 0,
            active: 0,
            outcomes: Vec::new(),
            pass: 0,
            no_node_pass: vec![0; m.workloads.len()],
            no_node_at: vec![(u64::MAX, 0); m.workloads.len()],
            #[cfg(test)]
            no_node_kept: 0,
            check_all: false,
            lost: Vec::new(),
            any_lost: false,
            changed_scratch: Vec::with_capacity(m.workloads.len()),
            special: m.workloads.iter().any(|w| w.stateful || w.volume.is_some()),
            lingering: Vec::new(),
            detach_at: vec![f64::INFINITY; m.workloads.iter().map(|w| w.slots as usize).sum()],
            out_of_service_at: vec![f64::INFINITY; worker_zone.len()],
            scratch: Vec::new(),
            autoscaler: m
                .autoscaler
                .as_ref()
                .map(|a| autoscaler::Autoscaler::new(a, &worker_zone, zones)),
        }
    }

    /// t = 0: everything is up and the pods start out ready where the
    /// scheduler can place them; the rest stay Pending.
    pub fn reset(&mut self, ctx: &mut Ctx, infra: &Infrastructure) {
        self.nodes.reset();
        self.pods.reset();
        self.rollouts.fill(rollout::Rollout::default());
        self.rolling = 0;
        self.restoring = 0;
        self.active = 0;
        self.outcomes.clear();
        self.scheduler_active = true;
        if let Some(a) = &mut self.autoscaler {
            a.reset();
        }
        self.place_pending(ctx, 0.0, true, infra);
        self.schedule_dirty = false;
        if self.autoscaler.is_some() && !self.pods.pending.is_empty() {
            self.scale_up(ctx, 0.0, infra);
        }
        // The cluster looks at every workload at t = 0.
        self.pods.take_changed(|_| {});
        self.check_all = false;
        self.lost.clear();
        self.any_lost = false;
        self.lingering.clear();
        self.detach_at.fill(f64::INFINITY);
        self.out_of_service_at.fill(f64::INFINITY);
    }

    /// Handles one of this room's events.
    #[inline]
    pub fn handle(&mut self, ctx: &mut Ctx, now: f64, event: Event, infra: &Infrastructure) {
        let m = ctx.model;
        let first = m.first_worker as usize;
        match event {
            Event::NodeGrace(k) => {
                let k = k as usize;
                let since = self.nodes.down_since[k];
                if !infra.host_up(first + k) && since + m.node_monitor_grace_period == now {
                    // Marked NotReady in settle, now or when the controller is back.
                    self.nodes.grace_expired.push((k as u16, since));
                }
            }
            Event::NodeEvict(k) => {
                let k = k as usize;
                if !infra.host_up(first + k)
                    && self.nodes.not_ready_at[k] + m.eviction_timeout == now
                {
                    let zone = m.hosts[first + k].zone as usize;
                    let since = self.nodes.down_since[k];
                    self.nodes.eviction_queue[zone].push_back((k as u16, since));
                    self.nodes.queued += 1;
                }
            }
            // A wake-up: settle evicts what the zone's rate allows.
            Event::EvictionTick(_) => {}
            Event::RolloutDeadline(w) => self.rollout_deadline(ctx, w as usize, now),
            Event::OutOfService(k) => {
                if !infra.host_up(first + k as usize) && self.out_of_service_at[k as usize] == now {
                    self.out_of_service_at[k as usize] = f64::INFINITY;
                    self.free_worker(ctx, k, now);
                }
            }
            Event::VolumeDetach(p) => {
                if self.detach_at[p as usize] == now {
                    self.detach(ctx, p, now);
                }
            }
            Event::PodReady(p) => {
                let pod = &mut self.pods.pods[p as usize];
                if pod.state == PodState::Starting && pod.ready_at == now {
                    pod.state = PodState::Ready;
                    pod.armed = false;
                    let w = pod.workload as usize;
                    self.pods.ready[w] += 1;
                    self.pods.mark(w);
                    self.pods.moved(w);
                    // A removal a disruption budget held may go now.
                    if let Some(a) = &mut self.autoscaler {
                        a.retry |= a.blocked_count > 0;
                    }
                }
            }
            // The cluster carries these out (see `Cluster::node_joins`).
            Event::NodeJoin(_) | Event::NodeRemove(_) => {}
        }
    }

    /// Worker k went down (`up` false) or came back.
    #[inline]
    pub fn worker_changed(&mut self, ctx: &mut Ctx, k: usize, up: bool, now: f64) {
        let m = ctx.model;
        if let Some(a) = &mut self.autoscaler {
            a.dirty = true;
        }
        if up {
            self.nodes.not_ready_at[k] = f64::INFINITY;
            self.out_of_service_at[k] = f64::INFINITY;
            self.schedule_dirty = true;
            // Its kubelet unmounts what its evicted pods left: detached now.
            if !self.lingering.is_empty() {
                self.detach_from(ctx, k as u16, now);
            }
            // Back before eviction: its pods restart in place.
            for i in 0..self.pods.on_node(k as u16).len() {
                let p = self.pods.on_node(k as u16)[i];
                let pod = self.pods.pods[p as usize];
                if pod.state == PodState::Down {
                    self.start_pod(ctx, p, pod.workload as usize, now);
                }
            }
        } else {
            self.nodes.down_since[k] = now;
            if self.pods.node_has_pods(k as u16) {
                self.touched.clear();
                let pods = &mut self.pods;
                for &p in &pods.node_list[k] {
                    let pod = &mut pods.pods[p as usize];
                    if pod.state == PodState::Ready {
                        pods.ready[pod.workload as usize] -= 1;
                        pods::note(
                            &mut pods.changed,
                            &mut pods.changed_flag,
                            pod.workload as usize,
                        );
                    }
                    pod.state = PodState::Down;
                    touch(&mut self.touched, pod.workload);
                }
                self.recheck_touched(ctx, now);
                ctx.schedule(
                    now + m.node_monitor_grace_period,
                    Event::NodeGrace(k as u16),
                );
            }
        }
    }

    /// Deletes the pods bound to worker k (see [`Eviction`] for which, and
    /// what becomes of their volumes); replacements join the scheduling queue.
    #[inline]
    pub fn evict_worker(&mut self, ctx: &mut Ctx, k: u16, now: f64, how: Eviction) {
        if !self.pods.node_has_pods(k) {
            return;
        }
        self.touched.clear();
        if self.special {
            self.evict_each(ctx, k, now, how);
        } else {
            let touched = &mut self.touched;
            self.pods.evict_node(k, |w| touch(touched, w));
        }
        self.schedule_dirty = true;
        if let Some(a) = &mut self.autoscaler {
            a.dirty = true;
        }
        self.recheck_touched(ctx, now);
    }

    /// [`Self::evict_worker`] pod by pod, for StatefulSets and volumes.
    #[inline(never)]
    fn evict_each(&mut self, ctx: &mut Ctx, k: u16, now: f64, how: Eviction) {
        let m = ctx.model;
        let mut list = std::mem::take(&mut self.scratch);
        list.clear();
        list.extend_from_slice(self.pods.on_node(k));
        for &p in &list {
            let w = self.pods.pods[p as usize].workload;
            let spec = &m.workloads[w as usize];
            if how == Eviction::Lifecycle && spec.stateful {
                continue;
            }
            // A pod still waiting for its volume leaves it where it is.
            let volume_here = self.pods.pods[p as usize].vol_node == k;
            self.pods.evict(p);
            touch(&mut self.touched, w);
            if let Some(volume) = &spec.volume
                && volume_here
            {
                if how == Eviction::Lifecycle {
                    // Still attached to the node that is down: forced later.
                    let at = now + volume.force_detach;
                    self.detach_at[p as usize] = at;
                    self.lingering.push(p);
                    ctx.schedule(at, Event::VolumeDetach(p));
                } else {
                    self.pods.pods[p as usize].vol_node = NO_NODE;
                }
            }
        }
        self.scratch = list;
    }

    /// Worker k's Node was deleted, or tainted out-of-service while it is
    /// down: its pods are deleted, StatefulSets' too, and every volume
    /// attached to it is detached at once.
    pub fn free_worker(&mut self, ctx: &mut Ctx, k: u16, now: f64) {
        self.evict_worker(ctx, k, now, Eviction::Freed);
        if !self.lingering.is_empty() {
            self.detach_from(ctx, k, now);
        }
    }

    /// Detaches every lingering volume attached to worker k.
    fn detach_from(&mut self, ctx: &mut Ctx, k: u16, now: f64) {
        let mut i = 0;
        while i < self.lingering.len() {
            let p = self.lingering[i];
            if self.pods.pods[p as usize].vol_node == k {
                self.detach(ctx, p, now);
            } else {
                i += 1;
            }
        }
    }

    /// Pod slot p's volume is detached from the node its pod left; a pod
    /// waiting for it starts attaching it.
    fn detach(&mut self, ctx: &mut Ctx, p: u32, now: f64) {
        self.detach_at[p as usize] = f64::INFINITY;
        if let Some(i) = self.lingering.iter().position(|&q| q == p) {
            self.lingering.swap_remove(i);
        }
        let pod = &mut self.pods.pods[p as usize];
        pod.vol_node = NO_NODE;
        // A waiting pod whose node is down attaches when the node is back.
        let start = pod.waiting && pod.state == PodState::Starting;
        pod.waiting = false;
        if start {
            let w = pod.workload as usize;
            self.start_pod(ctx, p, w, now);
            if self.pods.ready[w] < self.min_available[w] {
                self.arm(ctx, w);
            }
        }
    }

    /// Lazy readiness. A pod that starts while its workload has
    /// min_available ready replicas without it cannot change the workload's
    /// indicator by becoming ready, so it gets no `PodReady` event; it is
    /// counted Ready when its workload's count is next needed
    /// ([`Pods::catch_up`]). Whenever a workload drops below min_available,
    /// it is caught up and each of its Starting pods gets its event
    /// ("armed"), so the indicator returns at exactly the right instant.
    /// Invariant: a workload below min_available has every Starting pod
    /// armed. Results are the same as with an event per pod start.
    #[inline]
    fn recheck_touched(&mut self, ctx: &mut Ctx, now: f64) {
        for i in 0..self.touched.len() {
            let w = self.touched[i] as usize;
            let min = self.min_available[w];
            // Catching up only adds ready pods: needed only below the minimum.
            if self.pods.ready[w] < min {
                self.pods.catch_up(w, now);
                if self.pods.ready[w] < min {
                    self.arm(ctx, w);
                }
            }
        }
    }

    /// Queues a `PodReady` event for each Starting pod of workload w that has none.
    #[inline]
    fn arm(&mut self, ctx: &mut Ctx, w: usize) {
        let (start, end) = self.pods.slots[w];
        for p in start..end {
            let pod = &mut self.pods.pods[p as usize];
            if pod.state == PodState::Starting && !pod.armed {
                pod.armed = true;
                ctx.schedule(pod.ready_at, Event::PodReady(p));
            }
        }
    }

    /// Pod p (bound) starts; it is ready after a startup draw. Its
    /// `PodReady` event is queued only if its workload is below
    /// min_available (see [`Self::recheck_touched`]).
    #[inline]
    fn start_pod(&mut self, ctx: &mut Ctx, p: u32, w: usize, now: f64) {
        let m = ctx.model;
        let spec = &m.workloads[w];
        let new = self.pods.pods[p as usize].new;
        let fails = new && self.fails_readiness(w);
        // A rollout watches its new pods become ready.
        let armed =
            !m.lazy_readiness || self.pods.ready[w] < self.min_available[w] || (new && !fails);
        let mut attach = 0.0;
        // (The model's volume is read only when some workload has one.)
        if self.special
            && let Some(volume) = &spec.volume
        {
            let pod = &mut self.pods.pods[p as usize];
            if pod.vol_node == NO_NODE {
                attach = volume.attach.sample(ctx.rng(ctx.layout.attach_base + w));
                pod.vol_node = pod.node;
            } else if pod.vol_node != pod.node {
                // Still attached to the node it left: wait for the detach.
                pod.state = PodState::Starting;
                pod.ready_at = f64::INFINITY;
                pod.waiting = true;
                pod.armed = false;
                return;
            }
        }
        let d = spec.startup.sample(ctx.rng(ctx.layout.startup_base + w));
        let pod = &mut self.pods.pods[p as usize];
        pod.state = PodState::Starting;
        pod.ready_at = if fails {
            f64::INFINITY
        } else {
            now + attach + d
        };
        pod.armed = armed;
        if armed {
            ctx.schedule(pod.ready_at, Event::PodReady(p));
        }
        self.pods.started(p, w);
    }

    /// Places pending pods, oldest first, where the scheduler allows; the
    /// others stay Pending. At t = 0 (`initial`) placed pods are ready at once.
    #[inline]
    fn place_pending(&mut self, ctx: &mut Ctx, now: f64, initial: bool, infra: &Infrastructure) {
        let m = ctx.model;
        let up = infra.workers_up();
        // A workload with no node for one pod has none for the next of this
        // pass: placing other workloads' pods changes only loads, which rank
        // nodes and rule none out.
        let keep = !self.pods.has_capacity() && self.autoscaler.is_none();
        self.pass = self.pass.wrapping_add(1);
        if self.pass == 0 {
            self.no_node_pass.fill(0);
            self.pass = 1;
        }
        for _ in 0..self.pods.pending.len() {
            let Some(p) = self.pods.pending.pop_front() else {
                break;
            };
            let w = self.pods.pods[p as usize].workload as usize;
            if self.no_node_pass[w] == self.pass {
                self.pods.pending.push_back(p);
                continue;
            }
            let spec = &m.workloads[w];
            // A zonal volume keeps its pod in its zone.
            let only = if self.special {
                zone_of_volume(spec, &self.pods.pods[p as usize])
            } else {
                NO_ZONE
            };
            let key = (infra.version(), self.pods.moves(w));
            if keep && only == NO_ZONE && self.no_node_at[w] == key {
                // Checked against the scheduler in tests and debug builds (no
                // node: no draw either).
                if cfg!(any(test, debug_assertions)) {
                    let rng = &mut ctx.streams.rngs[ctx.layout.scheduler];
                    assert_eq!(self.pods.choose_node_in(w, spec, up, only, rng), None);
                    #[cfg(test)]
                    {
                        self.no_node_kept += 1;
                    }
                }
                self.no_node_pass[w] = self.pass;
                self.pods.pending.push_back(p);
                continue;
            }
            let choice = self.pods.choose_node_in(
                w,
                spec,
                up,
                only,
                &mut ctx.streams.rngs[ctx.layout.scheduler],
            );
            match choice {
                Some(k) if initial => {
                    self.pods.bind(p, k, PodState::Ready);
                    self.pods.pods[p as usize].vol_node = k;
                }
                Some(k) => {
                    self.pods.bind(p, k, PodState::Starting);
                    self.start_pod(ctx, p, w, now);
                    if let Some(a) = &mut self.autoscaler {
                        a.dirty = true;
                    }
                }
                None => {
                    // Pods of one workload differ only by their volume's zone.
                    if only == NO_ZONE {
                        self.no_node_pass[w] = self.pass;
                        self.no_node_at[w] = key;
                    }
                    self.pods.pending.push_back(p);
                }
            }
        }
    }

    /// The node lifecycle controller and the scheduler, after an instant's
    /// events: NotReady marks, evictions, and placements of pending pods.
    /// `controller` and `scheduler`: whether the API and that controller's
    /// leader are up.
    #[inline]
    pub fn settle(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        controller: bool,
        scheduler: bool,
        infra: &Infrastructure,
    ) {
        if controller != self.nodes.controller_active {
            self.nodes.controller_active = controller;
            if !controller {
                self.nodes.inactive_since = now;
            }
        }
        if controller {
            if !self.nodes.grace_expired.is_empty() {
                self.mark_not_ready(ctx, now, infra);
            }
            if self.nodes.queued > 0 {
                self.evict_due(ctx, now, infra);
            }
        }
        if scheduler != self.scheduler_active {
            self.scheduler_active = scheduler;
            self.schedule_dirty |= scheduler;
        }
        if self.active > 0 {
            if self.rolling > 0 {
                self.advance_rollouts(ctx, now);
            }
            if self.restoring > 0 {
                self.settle_restoring(now);
            }
        }
        if scheduler && self.schedule_dirty {
            self.schedule_dirty = false;
            if !self.pods.pending.is_empty() {
                self.place_pending(ctx, now, false, infra);
                if self.autoscaler.is_some() && !self.pods.pending.is_empty() {
                    self.scale_up(ctx, now, infra);
                }
            }
        }
        if scheduler && self.autoscaler.as_ref().is_some_and(|a| a.dirty) {
            self.judge_added(ctx, now, infra);
        }
    }

    /// The cluster autoscaler looks at the pods the scheduler left Pending:
    /// in each zone up with no scale-up under way, if one of them would be
    /// placed on an empty new worker there, a worker is asked for, up to
    /// `max_workers`.
    #[inline(never)]
    fn scale_up(&mut self, ctx: &mut Ctx, now: f64, infra: &Infrastructure) {
        let m = ctx.model;
        let (Some(am), Some(a)) = (&m.autoscaler, &mut self.autoscaler) else {
            return;
        };
        let mut pending = std::mem::take(&mut self.scratch);
        pending.clear();
        pending.extend(self.pods.pending.iter().copied());
        for z in 0..a.provisioning.len() {
            if a.nodes >= am.max_workers {
                break;
            }
            if a.provisioning[z] != NO_NODE || !infra.zone_up(z) {
                continue;
            }
            let Some(k) = a.free_slot(z) else {
                continue;
            };
            a.scratch.fill(0);
            super::bits::set(&mut a.scratch, k as usize);
            // Pods of one workload differ only by their volume's zone.
            let mut tried = (u16::MAX, NO_ZONE);
            let wanted = pending.iter().any(|&p| {
                let pod = &self.pods.pods[p as usize];
                let spec = &m.workloads[pod.workload as usize];
                let only = zone_of_volume(spec, pod);
                if (pod.workload, only) == tried {
                    return false;
                }
                tried = (pod.workload, only);
                self.pods
                    .fits(pod.workload as usize, spec, &a.scratch, only)
            });
            if wanted {
                let at = now + am.scale_up.sample(ctx.rng(ctx.layout.scale_up_base + z));
                a.request(z, k, at);
                ctx.schedule(at, Event::NodeJoin(k));
            }
        }
        self.scratch = pending;
    }

    /// The cluster autoscaler judges the workers it added. A candidate is
    /// up, and its pods request less than half its capacity (CPU and
    /// memory). In worker order, a candidate is unneeded if each of its
    /// pods would be placed on a worker up that is not a candidate or was
    /// found needed before it (so that no two workers are removed for each
    /// other's room), each pod against the cluster as it is. A removal
    /// falls due `scale_down_after` after the worker became unneeded, and
    /// is called off if it becomes needed first.
    #[inline(never)]
    fn judge_added(&mut self, ctx: &mut Ctx, now: f64, infra: &Infrastructure) {
        let m = ctx.model;
        let (Some(am), Some(a)) = (&m.autoscaler, &mut self.autoscaler) else {
            return;
        };
        a.dirty = false;
        let first = m.first_worker as usize;
        let candidate =
            |pods: &Pods, k: usize| infra.host_up(first + k) && pods.below_utilization(k);
        // Where the candidates' pods may go.
        a.scratch.copy_from_slice(infra.workers_up());
        for &k in &a.added {
            if candidate(&self.pods, k as usize) {
                super::bits::clear(&mut a.scratch, k as usize);
            }
        }
        for i in 0..a.added.len() {
            let k = a.added[i] as usize;
            let mut unneeded = candidate(&self.pods, k);
            if unneeded {
                for j in 0..self.pods.node_list[k].len() {
                    let pod = self.pods.pods[self.pods.node_list[k][j] as usize];
                    let spec = &m.workloads[pod.workload as usize];
                    let only = zone_of_volume(spec, &pod);
                    if !self
                        .pods
                        .fits(pod.workload as usize, spec, &a.scratch, only)
                    {
                        unneeded = false;
                        super::bits::set(&mut a.scratch, k);
                        break;
                    }
                }
            }
            let s = a.slot(k);
            if !unneeded {
                a.remove_at[s] = f64::INFINITY;
                a.unblock(k);
            } else if a.remove_at[s] == f64::INFINITY {
                a.remove_at[s] = now + am.scale_down_after;
                ctx.schedule(a.remove_at[s], Event::NodeRemove(k as u16));
            }
        }
    }

    /// The cluster autoscaler's worker k joins, if its scale-up falls due
    /// now: its Node exists, empty (the cluster brings its host up).
    pub fn node_joins(&mut self, k: usize, now: f64) -> bool {
        let Some(a) = &mut self.autoscaler else {
            return false;
        };
        if !a.join(k, now) {
            return false;
        }
        let z = a.zone_of(k);
        self.pods.set_present(k, true);
        self.nodes.set_present(k, z, true);
        self.nodes.down_since[k] = now;
        self.schedule_dirty = true;
        true
    }

    /// Whether the removal of the cluster autoscaler's worker k falls due now.
    pub fn removal_due(&self, k: usize, now: f64) -> bool {
        self.autoscaler
            .as_ref()
            .is_some_and(|a| a.removal_due(k, now))
    }

    /// The removal of worker k is held: by a disruption budget (`budget`:
    /// retried when a pod becomes ready), or by the API or the worker
    /// being down (judged again).
    pub fn removal_held(&mut self, k: usize, budget: bool) {
        if let Some(a) = &mut self.autoscaler {
            if budget {
                a.block(k);
            } else {
                let s = a.slot(k);
                a.remove_at[s] = f64::INFINITY;
                a.dirty = true;
            }
        }
    }

    /// The cluster autoscaler's worker k, drained, is deleted.
    pub fn node_removed(&mut self, k: usize) {
        let Some(a) = &mut self.autoscaler else {
            return;
        };
        a.remove(k);
        let z = a.zone_of(k);
        self.pods.set_present(k, false);
        self.nodes.set_present(k, z, false);
        // Room under max_workers: a pod left Pending may ask for a node.
        self.schedule_dirty = true;
    }

    /// The removals a disruption budget held, to try again now (a pod
    /// became ready).
    pub fn removals_to_retry(&mut self) -> Vec<u16> {
        match &mut self.autoscaler {
            Some(a) if a.retry => {
                a.retry = false;
                a.blocked_slots().collect()
            }
            _ => Vec::new(),
        }
    }

    /// The nodes whose grace period expired while the controller-manager
    /// was inactive are marked NotReady now, in the order they fell due (so
    /// evictions queue in that order).
    #[inline(never)]
    fn mark_not_ready(&mut self, ctx: &mut Ctx, now: f64, infra: &Infrastructure) {
        let m = ctx.model;
        let first = m.first_worker as usize;
        let mut expired = std::mem::take(&mut self.nodes.grace_expired);
        for &(k, since) in &expired {
            let k = k as usize;
            if !infra.host_up(first + k) && self.nodes.down_since[k] == since {
                self.nodes.not_ready_at[k] = now;
                ctx.schedule(now + m.eviction_timeout, Event::NodeEvict(k as u16));
                if let Some(taint) = &m.out_of_service {
                    let at = now + taint.sample(ctx.rng(ctx.layout.out_of_service_base + k));
                    self.out_of_service_at[k] = at;
                    ctx.schedule(at, Event::OutOfService(k as u16));
                }
            }
        }
        expired.clear();
        self.nodes.grace_expired = expired;
    }

    /// Evicts the nodes whose eviction is due, as far as each zone's state
    /// and rate allow (see `nodes`).
    #[inline(never)]
    fn evict_due(&mut self, ctx: &mut Ctx, now: f64, infra: &Infrastructure) {
        let first = ctx.model.first_worker as usize;
        let up = infra.hosts_up_from(first);
        if self.nodes.all_fully_disrupted(up, now) {
            return;
        }
        for z in 0..self.nodes.eviction_queue.len() {
            // Drop workers that came back, or have nothing left to evict.
            while let Some(&(k, since)) = self.nodes.eviction_queue[z].front() {
                let k_up = up[k as usize];
                if k_up || self.nodes.down_since[k as usize] != since || !self.pods.node_has_pods(k)
                {
                    self.nodes.eviction_queue[z].pop_front();
                    self.nodes.queued -= 1;
                } else {
                    break;
                }
            }
            if self.nodes.eviction_queue[z].is_empty() {
                continue;
            }
            let Some(state) = self.nodes.zone_state(z, up, infra.workers_up(), now) else {
                continue;
            };
            let Some(period) = self.nodes.eviction_period(z, state) else {
                continue;
            };
            let mut next = self.nodes.last_eviction[z] + period;
            if now >= next
                && let Some((k, _)) = self.nodes.eviction_queue[z].pop_front()
            {
                self.nodes.queued -= 1;
                self.evict_worker(ctx, k, now, Eviction::Lifecycle);
                self.nodes.last_eviction[z] = now;
                next = now + period;
            }
            if !self.nodes.eviction_queue[z].is_empty() && self.nodes.tick_at[z] != next {
                self.nodes.tick_at[z] = next;
                ctx.schedule(next, Event::EvictionTick(z as u16));
            }
        }
    }

    /// Whether evicting worker k's pods keeps every workload at or above
    /// min_available (PodDisruptionBudgets, with Kubernetes' default
    /// IfHealthyBudget policy for pods that are not ready). A workload that
    /// blocks the drain gets its Starting pods armed, so that the drain is
    /// reconsidered when one of them becomes ready.
    #[inline]
    pub fn budget_allows_drain(&mut self, ctx: &mut Ctx, k: u16, now: f64) -> bool {
        if !self.pods.node_has_pods(k) {
            return true;
        }
        let mut allowed = true;
        // The worker's pods are in slot order: each workload's are a run.
        let mut i = 0;
        while let Some(&first) = self.pods.on_node(k).get(i) {
            let w = self.pods.pods[first as usize].workload as usize;
            self.pods.catch_up(w, now);
            let end = self.pods.slots[w].1;
            let mut ready_here = 0;
            for &p in &self.pods.on_node(k)[i..] {
                if p >= end {
                    break;
                }
                ready_here += u32::from(self.pods.pods[p as usize].state == PodState::Ready);
                i += 1;
            }
            if self.pods.ready[w] - ready_here < self.min_available[w] {
                allowed = false;
                self.arm(ctx, w);
            }
        }
        allowed
    }

    /// Calls `each` with every workload whose [`Self::meets_minimum`] may
    /// have changed since the last call: those whose ready count changed,
    /// or all while a rollout is under way (and once after).
    #[inline]
    pub fn changed_minimums(&mut self, mut each: impl FnMut(&Self, usize)) {
        if self.active > 0 || self.check_all {
            self.check_all = self.active > 0;
            self.pods.take_changed(|_| {});
            for w in 0..self.rollouts.len() {
                each(self, w);
            }
        } else if self.pods.has_changed() {
            let mut changed = std::mem::take(&mut self.changed_scratch);
            self.pods.take_changed(|w| changed.push(w as u16));
            for &w in &changed {
                each(self, w as usize);
            }
            changed.clear();
            self.changed_scratch = changed;
        }
    }

    /// Workload w's data was destroyed by a disaster (`lost`) or restored:
    /// while lost it does not serve, whatever its pods.
    pub fn set_lost(&mut self, w: usize, lost: bool) {
        if self.lost.is_empty() {
            self.lost = vec![false; self.min_available.len()];
        }
        self.lost[w] = lost;
        self.any_lost = self.lost.iter().any(|&l| l);
        self.check_all = true;
    }

    /// Workload w's data is destroyed and not yet restored.
    #[inline]
    pub fn is_lost(&self, w: usize) -> bool {
        self.any_lost && self.lost[w]
    }

    /// Workload w has at least min_available ready pods that serve (as
    /// counted so far: see lazy readiness): a broken release's do not,
    /// nor any while its data is lost.
    #[inline]
    pub fn meets_minimum(&self, w: usize) -> bool {
        if self.is_lost(w) {
            return false;
        }
        let min = self.min_available[w];
        if self.pods.ready[w] < min {
            return false;
        }
        match self.rollout_change(w) {
            Some((_, true)) => self.count_serving(w) >= min,
            _ => true,
        }
    }

    /// Workload w's ready pods that are not of a broken release.
    #[inline(never)]
    fn count_serving(&self, w: usize) -> u32 {
        let (start, end) = self.pods.slots[w];
        self.pods.pods[start as usize..end as usize]
            .iter()
            .filter(|p| p.state == PodState::Ready && !p.new)
            .count() as u32
    }

    /// Workload w's Pending pods (tracked with capacities or the autoscaler only).
    #[inline]
    pub fn pending_of(&self, w: usize) -> u32 {
        self.pods.pending_of(w)
    }

    /// Workload w's count of binds and evictions (see [`Pods::moves`]).
    #[inline]
    pub fn moves(&self, w: usize) -> u32 {
        self.pods.moves(w)
    }

    /// Whether a rollout is not idle (see `active`).
    #[inline]
    pub fn rolling_out(&self) -> bool {
        self.active > 0
    }

    /// Workload w's pods, for attribution.
    pub fn pods_of(&self, w: usize) -> &[Pod] {
        let (start, end) = self.pods.slots[w];
        &self.pods.pods[start as usize..end as usize]
    }
}

/// The zone a pod's zonal volume holds it to, or [`NO_ZONE`].
#[inline]
fn zone_of_volume(spec: &crate::model::WorkloadModel, pod: &Pod) -> u16 {
    match &spec.volume {
        Some(v) if v.zonal => pod.vol_zone,
        _ => NO_ZONE,
    }
}

/// Adds workload w to `touched` (visited in slot order, so each once).
#[inline]
fn touch(touched: &mut Vec<u16>, w: u16) {
    if touched.last() != Some(&w) {
        touched.push(w);
    }
}
