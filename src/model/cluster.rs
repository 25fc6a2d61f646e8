//! One replication: the cluster's state and its event loop.

mod attribution;
mod trace;

pub use trace::{TraceRow, UP};

use rand::RngExt;

use super::causes::{CAUSES, Cause};
use super::controllers::{Controller, Lease};
use super::data::{BackupLog, DataRun, Recovery, quorum_loss_cause};
use super::etcd::{Election, Settle};
use super::nodes::Nodes;
use super::streams::{Layout, Streams, slot};
use super::workloads::{PodState, Pods};
use super::{INDICATORS, Lifecycle, Model, Role};
use crate::engine::{EventQueue, Packed, Rng, uniform_below};

/// Everything that can happen. Indices are small (hosts, zones, controllers).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Event {
    HostFail(u16),
    HostRepair(u16),
    ZoneFail(u16),
    ZoneRepair(u16),
    LbFail,
    LbRepair,
    /// An etcd election of this generation completes.
    Elected(u32),
    /// Controller `0` (scheduler) or `1` (controller-manager) tries to take its lease.
    LeaseAttempt(u8, u32),
    /// The kube-apiserver process of control-plane host i crashes / is restarted.
    ApiserverCrash(u16),
    ApiserverRestart(u16),
    /// The process of etcd member m crashes / is restarted.
    MemberCrash(u16),
    MemberRestart(u16),
    /// Worker k's grace period after going down has run out.
    NodeGrace(u16),
    /// Worker k's eviction is due.
    NodeEvict(u16),
    /// Zone z may evict its next node.
    EvictionTick(u16),
    /// Pod p finishes starting.
    PodReady(u32),
    /// A maintenance round is due.
    MaintenanceRound,
    /// Host h's maintenance is over.
    MaintenanceEnd(u16),
    /// Disaster i strikes.
    DisasterStrike(u16),
    /// The recovery of this generation takes its next step.
    RecoveryStep(u32),
    /// Member j's replacement completes.
    MemberReplaced(u16),
}

/// Payloads: generations (24 bits, see [`super::GENERATION_MASK`]) or
/// indices (16 bits).
const PAYLOAD: u32 = super::GENERATION_MASK;

impl Packed for Event {
    #[inline]
    fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::HostFail(h) => (0, h as u32),
            Event::HostRepair(h) => (1, h as u32),
            Event::ZoneFail(z) => (2, z as u32),
            Event::ZoneRepair(z) => (3, z as u32),
            Event::LbFail => (4, 0),
            Event::LbRepair => (5, 0),
            Event::Elected(g) => (6, g & PAYLOAD),
            Event::LeaseAttempt(c, g) => (7 + c as u32, g & PAYLOAD),
            Event::ApiserverCrash(i) => (9, i as u32),
            Event::ApiserverRestart(i) => (10, i as u32),
            Event::MemberCrash(m) => (11, m as u32),
            Event::MemberRestart(m) => (12, m as u32),
            Event::NodeGrace(k) => (13, k as u32),
            Event::NodeEvict(k) => (14, k as u32),
            Event::EvictionTick(z) => (15, z as u32),
            Event::PodReady(p) => (16, p & PAYLOAD),
            Event::MaintenanceRound => (17, 0),
            Event::MaintenanceEnd(h) => (18, h as u32),
            Event::DisasterStrike(i) => (19, i as u32),
            Event::RecoveryStep(g) => (20, g & PAYLOAD),
            Event::MemberReplaced(j) => (21, j as u32),
        };
        tag << 24 | payload
    }

    #[inline]
    fn unpack(code: u32) -> Self {
        let payload = code & PAYLOAD;
        match code >> 24 {
            0 => Event::HostFail(payload as u16),
            1 => Event::HostRepair(payload as u16),
            2 => Event::ZoneFail(payload as u16),
            3 => Event::ZoneRepair(payload as u16),
            4 => Event::LbFail,
            5 => Event::LbRepair,
            6 => Event::Elected(payload),
            7 => Event::LeaseAttempt(0, payload),
            8 => Event::LeaseAttempt(1, payload),
            9 => Event::ApiserverCrash(payload as u16),
            10 => Event::ApiserverRestart(payload as u16),
            11 => Event::MemberCrash(payload as u16),
            12 => Event::MemberRestart(payload as u16),
            13 => Event::NodeGrace(payload as u16),
            14 => Event::NodeEvict(payload as u16),
            15 => Event::EvictionTick(payload as u16),
            16 => Event::PodReady(payload),
            17 => Event::MaintenanceRound,
            18 => Event::MaintenanceEnd(payload as u16),
            19 => Event::DisasterStrike(payload as u16),
            20 => Event::RecoveryStep(payload),
            _ => Event::MemberReplaced(payload as u16),
        }
    }
}

/// One indicator over one replication.
#[derive(Clone, Copy, Debug, Default)]
pub struct IndicatorRun {
    /// Seconds down, within the horizon.
    pub downtime: f64,
    /// Outages that began within the horizon (an open one included).
    pub outages: u32,
    /// An outage was still open at the horizon.
    pub censored: bool,
    /// Seconds down by cause, in [`Cause::ALL`] order; sums to `downtime`.
    pub downtime_by_cause: [f64; CAUSES],
    /// Indicators with requests ([`Model::has_requests`]) only, else 0: the
    /// time integral of the share of client requests that fail (a full
    /// outage counts 1 per second, 1 of 3 endpoints in rotation dead 1/3).
    pub failed_request_seconds: f64,
    /// Indicators with requests only, else 0: seconds up by time during
    /// which some requests fail (failing share > 0).
    pub degraded_seconds: f64,
    down: bool,
    down_since: f64,
    /// What the open outage is waiting for, and since when.
    cause: Option<Cause>,
    cause_since: f64,
}

impl IndicatorRun {
    /// The open outage's current cause ends at `now`.
    fn charge(&mut self, now: f64) {
        if let Some(c) = self.cause {
            self.downtime_by_cause[c as usize] += now - self.cause_since;
        }
    }
}

/// What a replication produced.
#[derive(Debug)]
pub struct ReplicationRun<'a> {
    /// One entry per indicator, in [`Model::indicator_keys`] order.
    pub indicators: &'a [IndicatorRun],
    /// Data lost, by cause.
    pub data: &'a DataRun,
    /// Events processed.
    pub events: u64,
    /// `Some(time reached)` when the replication stopped at its event
    /// budget ([`Model::event_limit`]) before the horizon: the figures
    /// above are then incomplete.
    pub exceeded: Option<f64>,
}

/// Where a replication's outage lengths (and, if it takes them, its
/// data-loss figures) go as they are decided. A closure `FnMut(usize, f64)`
/// is a sink of outages alone; data-loss figures then stay in
/// [`ReplicationRun::data`].
pub trait Sink {
    /// An outage of indicator `indicator` ended after `seconds`.
    fn outage(&mut self, indicator: usize, seconds: f64);
    /// Whether [`Sink::rpo`] and [`Sink::rto`] take the data-loss figures
    /// as they become final, rather than leaving them in the run's data.
    fn takes_data(&self) -> bool {
        false
    }
    /// History lost by one data-loss event of `cause`, seconds.
    fn rpo(&mut self, _cause: u16, _seconds: f64) {}
    /// Time until the API was writable again after one event of `cause`.
    fn rto(&mut self, _cause: u16, _seconds: f64) {}
}

impl<F: FnMut(usize, f64)> Sink for F {
    #[inline]
    fn outage(&mut self, indicator: usize, seconds: f64) {
        self(indicator, seconds)
    }
}

/// Data-loss figures a replication holds before handing them to a sink
/// that takes them, so memory stays bounded however many there are.
const DATA_SPILL: usize = 256;

/// How far [`Cluster::probe`] got.
#[derive(Clone, Copy, Debug)]
pub struct Probe {
    /// Events processed.
    pub events: u64,
    /// Simulated seconds reached (the horizon when finished).
    pub reached: f64,
    /// The replication ran to its horizon.
    pub finished: bool,
}

/// The events of a replication's beginning by the component that caused them.
#[derive(Clone, Debug)]
pub struct Census {
    /// Events counted.
    pub events: u64,
    /// Simulated seconds they cover.
    pub reached: f64,
    /// (scenario key, events), most first.
    pub by_component: Vec<(String, u64)>,
}

/// The scenario key of the component an event belongs to.
fn component_of(m: &Model, e: Event) -> String {
    let host = |h: u16| match m.hosts[h as usize].role {
        Role::ControlPlane(_) => "control_plane.node",
        Role::Etcd(_) => "control_plane.etcd_node",
        Role::Worker(_) => "workers.node",
    };
    match e {
        Event::HostFail(h) | Event::HostRepair(h) => host(h).into(),
        Event::ZoneFail(_) | Event::ZoneRepair(_) => "zones".into(),
        Event::LbFail | Event::LbRepair => "control_plane.load_balancer".into(),
        Event::Elected(_) => "control_plane.etcd.election".into(),
        Event::LeaseAttempt(..) => "control_plane.leader_election".into(),
        Event::ApiserverCrash(_) | Event::ApiserverRestart(_) => "control_plane.apiserver".into(),
        Event::MemberCrash(_) | Event::MemberRestart(_) => "control_plane.etcd_member".into(),
        Event::NodeGrace(_) | Event::NodeEvict(_) | Event::EvictionTick(_) => {
            "workers (node lifecycle)".into()
        }
        Event::PodReady(_) => "workloads (pod starts)".into(),
        Event::MaintenanceRound | Event::MaintenanceEnd(_) => "maintenance".into(),
        Event::DisasterStrike(i) => match m.disasters.get(i as usize) {
            Some(d) => format!("disasters.{}", d.name),
            None => "disasters".into(),
        },
        Event::RecoveryStep(_) => "recovery".into(),
        Event::MemberReplaced(_) => "control_plane.etcd.member_replace".into(),
    }
}

const SCHEDULER: usize = 0;
const CONTROLLER_MANAGER: usize = 1;

/// Where the rolling maintenance stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// No round under way.
    Idle,
    /// The host at the cursor is next, once a drain may start.
    Waiting,
    /// The cursor's host is being drained, or is down for maintenance.
    Busy,
}

/// The mutable state of one replication. Build one per worker thread and
/// call [`Cluster::run`] for each replication: allocations are reused.
pub struct Cluster<'m> {
    model: &'m Model,
    layout: Layout,
    streams: Streams,
    queue: EventQueue<Event>,
    /// Hosts of each zone.
    zone_hosts: Vec<Vec<u16>>,
    /// A host's own state (failed or not), regardless of its zone.
    host_own_up: Vec<bool>,
    /// Down for planned maintenance.
    in_maintenance: Vec<bool>,
    /// Up itself, its zone up, and not in maintenance.
    host_up: Vec<bool>,
    zone_up: Vec<bool>,
    lb_up: bool,
    members_up: u32,
    /// Up control-plane hosts (where controllers can lead).
    cp_hosts_up: u32,
    /// Apiservers whose host is up and whose process has not crashed.
    apiservers_up: u32,
    /// Crashed apiserver processes, per control-plane host.
    apiserver_crashed: Vec<bool>,
    /// Crashed etcd member processes, per member.
    member_crashed: Vec<bool>,
    election: Election,
    /// When the current API outage began (meaningless while the API is up).
    api_down_since: f64,
    controllers: [Controller; 2],
    pods: Pods,
    nodes: Nodes,
    /// The scheduler's leader and the API are up.
    scheduler_active: bool,
    /// Something changed that may let a pending pod be placed.
    schedule_dirty: bool,
    phase: Phase,
    /// The host whose maintenance is next or under way (an index into hosts).
    cursor: usize,
    /// Scratch: the workloads with pods on one node, in slot order.
    touched: Vec<u16>,
    /// Indicators as of the last settle, in [`Model::indicator_keys`] order.
    settled: Vec<bool>,
    /// A control-plane component (host, zone, member, apiserver, load
    /// balancer, election, lease) changed since the last settle.
    control_plane_changed: bool,
    // Data and disaster recovery, tracked when the model has data at risk.
    /// Members whose data is gone, until replaced or recovered.
    member_empty: Vec<bool>,
    /// When each emptied member's replacement completes (infinite when none runs).
    replace_done_at: Vec<f64>,
    /// Each member's sync point, while it is not syncing.
    sync_point: Vec<f64>,
    /// Member up while etcd is writable, as of the last settle.
    syncing: Vec<bool>,
    /// Since when etcd has been writable (while it is).
    writable_from: f64,
    /// The last instant etcd was writable (while it is not).
    last_write: f64,
    /// A disaster struck and no restore has undone it yet.
    corrupted: bool,
    /// When the last recovery completed: history before it that a later
    /// recovery loses again was already counted lost.
    recovered_at: f64,
    recovery: Recovery,
    recovery_generation: u32,
    backups: BackupLog,
    /// Data-loss events whose RTO ends when the API is next up: (cause, start).
    rto_pending: Vec<(u16, f64)>,
    data: DataRun,
    indicators: Vec<IndicatorRun>,
    /// Indicators recorded down.
    indicators_down: u32,
    events: u64,
}

impl<'m> Cluster<'m> {
    pub fn new(model: &'m Model) -> Self {
        let (streams, layout) = Streams::new(model);
        let mut zone_hosts = vec![Vec::new(); model.zones as usize];
        for (h, host) in model.hosts.iter().enumerate() {
            zone_hosts[host.zone as usize].push(h as u16);
        }
        let n = model.hosts.len();
        let worker_zone: Vec<u16> = model.hosts[model.first_worker as usize..]
            .iter()
            .map(|h| h.zone)
            .collect();
        let zones = model.zones as usize;
        Cluster {
            model,
            layout,
            streams,
            queue: EventQueue::new(model.horizon),
            zone_hosts,
            host_own_up: vec![true; n],
            in_maintenance: vec![false; n],
            host_up: vec![true; n],
            zone_up: vec![true; model.zones as usize],
            lb_up: true,
            members_up: 0,
            cp_hosts_up: 0,
            apiservers_up: 0,
            apiserver_crashed: vec![false; model.cp_hosts as usize],
            member_crashed: vec![false; model.member_hosts.len()],
            election: Election::default(),
            api_down_since: 0.0,
            controllers: [Controller::new(0); 2],
            pods: Pods::new(&model.workloads, worker_zone.clone(), zones),
            nodes: Nodes::new(&worker_zone, zones, model.node_monitor_grace_period),
            scheduler_active: true,
            schedule_dirty: false,
            phase: Phase::Idle,
            cursor: 0,
            touched: Vec::with_capacity(model.workloads.len()),
            settled: vec![true; model.indicator_count()],
            control_plane_changed: true,
            member_empty: vec![false; model.member_hosts.len()],
            replace_done_at: vec![f64::INFINITY; model.member_hosts.len()],
            sync_point: vec![0.0; model.member_hosts.len()],
            syncing: vec![true; model.member_hosts.len()],
            writable_from: 0.0,
            last_write: 0.0,
            corrupted: false,
            recovered_at: 0.0,
            recovery: Recovery::Idle,
            recovery_generation: 0,
            backups: match model.backups {
                Some((interval, duration, success)) => BackupLog::new(interval, duration, success),
                None => BackupLog::new(f64::INFINITY, 0.0, 1.0),
            },
            rto_pending: Vec::new(),
            data: DataRun::default(),
            indicators: vec![IndicatorRun::default(); model.indicator_count()],
            indicators_down: 0,
            events: 0,
        }
    }

    /// Simulates replication `replication` from t = 0 to the horizon, or
    /// until it has processed [`Model::event_limit`] events (then
    /// [`ReplicationRun::exceeded`] is set and the rest is meaningless).
    /// `on_outage(indicator, seconds)` is called for each outage that ends
    /// within the horizon.
    pub fn run(
        &mut self,
        replication: u64,
        on_outage: impl FnMut(usize, f64),
    ) -> ReplicationRun<'_> {
        self.run_observed(replication, on_outage, |_, _| {})
    }

    /// As [`Self::run`], with outages (and data-loss figures, if it takes
    /// them) handed to `sink`.
    pub fn run_with(&mut self, replication: u64, sink: impl Sink) -> ReplicationRun<'_> {
        self.run_observed(replication, sink, |_, _| {})
    }

    /// As [`Self::run`], and calls `observe(cluster, now)` at the end of
    /// every instant, once its indicators are recorded (for traces; the
    /// observer cannot change the run).
    pub fn run_observed(
        &mut self,
        replication: u64,
        mut sink: impl Sink,
        mut observe: impl FnMut(&Self, f64),
    ) -> ReplicationRun<'_> {
        self.reset(replication);
        observe(self, 0.0);
        let limit = self.model.event_limit;
        let stopped = self.advance(limit, &mut sink, &mut observe, &mut |_| {});
        self.finish(stopped, &mut sink)
    }

    /// Replication `replication` run in steps of `step` events, asking
    /// `go_on()` between steps whether to continue (for a calibration
    /// against the clock): how far it got. Nothing is recorded.
    pub fn probe(&mut self, replication: u64, step: u64, mut go_on: impl FnMut() -> bool) -> Probe {
        self.reset(replication);
        let mut sink = |_: usize, _: f64| {};
        loop {
            let until = self.events.saturating_add(step.max(1));
            match self.advance(until, &mut sink, &mut |_, _| {}, &mut |_| {}) {
                None => {
                    return Probe {
                        events: self.events,
                        reached: self.model.horizon,
                        finished: true,
                    };
                }
                Some(reached) if !go_on() => {
                    return Probe {
                        events: self.events,
                        reached,
                        finished: false,
                    };
                }
                Some(_) => {}
            }
        }
    }

    /// Replication `replication`'s first `max_events` events, counted by
    /// the scenario key of the component that scheduled them (to say which
    /// one floods a run that exceeds its event budget).
    pub fn census(&mut self, replication: u64, max_events: u64) -> Census {
        self.reset(replication);
        let model = self.model;
        let mut counts: Vec<(String, u64)> = Vec::new();
        let mut sink = |_: usize, _: f64| {};
        let stopped = self.advance(max_events, &mut sink, &mut |_, _| {}, &mut |e| {
            let key = component_of(model, e);
            match counts.iter_mut().find(|(k, _)| *k == key) {
                Some((_, n)) => *n += 1,
                None => counts.push((key, 1)),
            }
        });
        counts.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Census {
            events: self.events,
            reached: stopped.unwrap_or(model.horizon),
            by_component: counts,
        }
    }

    /// Processes events until the queue is empty (`None`) or `until`
    /// events have been processed in all with more pending (`Some(the
    /// time of the last one)`). Stopping and going on again is the same
    /// as not stopping: all the state is in `self`.
    #[inline]
    fn advance(
        &mut self,
        until: u64,
        sink: &mut impl Sink,
        observe: &mut impl FnMut(&Self, f64),
        on_event: &mut impl FnMut(Event),
    ) -> Option<f64> {
        let mut now = 0.0;
        while self.events < until {
            let (t, event) = self.queue.pop()?;
            now = t;
            self.events += 1;
            on_event(event);
            self.apply(now, event);
            // Indicators are judged only after every event of an instant.
            if self.queue.peek_time().is_none_or(|t| t > now) {
                self.settle(now);
                if self.queue.peek_time().is_none_or(|t| t > now) {
                    self.record(now, sink);
                    if sink.takes_data() && self.data.rpo.len() + self.data.rto.len() >= DATA_SPILL
                    {
                        self.spill_data(sink, true);
                    }
                    observe(self, now);
                }
            }
        }
        if self.queue.is_empty() {
            None
        } else {
            Some(now)
        }
    }

    /// The end of a replication: open outages are charged up to the
    /// horizon, and data-loss figures handed to a sink that takes them.
    fn finish(&mut self, stopped: Option<f64>, sink: &mut impl Sink) -> ReplicationRun<'_> {
        let horizon = self.model.horizon;
        for ind in &mut self.indicators {
            if ind.down {
                ind.downtime += horizon - ind.down_since;
                ind.censored = true;
                ind.charge(horizon);
            }
        }
        // Placeholder until the model tracks requests: every request of
        // `api` fails while it is down, and none while it is up.
        let api = &mut self.indicators[1];
        api.failed_request_seconds = api.downtime;
        api.degraded_seconds = 0.0;
        if sink.takes_data() {
            self.spill_data(sink, false);
        }
        ReplicationRun {
            indicators: &self.indicators,
            data: &self.data,
            events: self.events,
            exceeded: stopped,
        }
    }

    /// Hands the data-loss figures decided so far to `sink`, in order, and
    /// forgets them; with `keep_last`, the newest RPO stays: it is the
    /// running recovery's, which may yet be decided again.
    fn spill_data(&mut self, sink: &mut impl Sink, keep_last: bool) {
        let keep = usize::from(keep_last).min(self.data.rpo.len());
        let give = self.data.rpo.len() - keep;
        for &(cause, seconds) in &self.data.rpo[..give] {
            sink.rpo(cause, seconds);
        }
        self.data.rpo.drain(..give);
        for &(cause, seconds) in &self.data.rto {
            sink.rto(cause, seconds);
        }
        self.data.rto.clear();
    }

    /// t = 0: everything up, members in sync, leaders in place.
    fn reset(&mut self, replication: u64) {
        let m = self.model;
        self.streams.reseed(m.seed, replication);
        self.queue.reset(m.horizon);
        self.events = 0;
        self.host_own_up.fill(true);
        self.in_maintenance.fill(false);
        self.host_up.fill(true);
        self.zone_up.fill(true);
        self.lb_up = true;
        self.members_up = m.member_hosts.len() as u32;
        self.cp_hosts_up = m.cp_hosts as u32;
        self.apiservers_up = m.cp_hosts as u32;
        self.apiserver_crashed.fill(false);
        self.member_crashed.fill(false);
        let leader = self
            .rng(self.layout.election)
            .random_range(0..m.member_hosts.len() as u32) as u16;
        self.election.start(leader);
        for c in [SCHEDULER, CONTROLLER_MANAGER] {
            let h = self
                .rng(self.layout.lease[c])
                .random_range(0..m.cp_hosts as u32) as u16;
            self.controllers[c] = Controller::new(h);
        }
        self.api_down_since = 0.0;
        self.nodes.reset();
        self.pods.reset();
        self.scheduler_active = true;
        self.phase = Phase::Idle;
        self.cursor = 0;
        // Everything is up at t = 0 and the pods start out ready where the
        // scheduler can place them; the rest stay Pending.
        self.place_pending(0.0, true);
        self.schedule_dirty = false;
        self.settled.fill(true);
        self.control_plane_changed = true;
        self.indicators.fill(IndicatorRun::default());
        self.indicators_down = 0;
        for w in 0..m.workloads.len() {
            if self.pods.ready[w] < m.workloads[w].min_available {
                let i = INDICATORS.len() + w;
                self.settled[i] = false;
                let cause = self.blocking_cause(i, 0.0);
                let ind = &mut self.indicators[i];
                ind.down = true;
                ind.outages = 1;
                ind.cause = Some(cause);
                self.indicators_down += 1;
            }
        }
        if let Some(maintenance) = &m.maintenance {
            self.queue
                .schedule(maintenance.interval, Event::MaintenanceRound);
        }
        self.data.reset(m.data_cause_count());
        if m.data_at_risk {
            self.member_empty.fill(false);
            self.replace_done_at.fill(f64::INFINITY);
            self.sync_point.fill(0.0);
            self.syncing.fill(true);
            self.writable_from = 0.0;
            self.last_write = 0.0;
            self.corrupted = false;
            self.recovered_at = 0.0;
            self.recovery = Recovery::Idle;
            self.rto_pending.clear();
            let key = self.rng(self.layout.backup).random::<u64>();
            self.backups.reset(key);
            for (i, d) in m.disasters.iter().enumerate() {
                let t = d.every.sample(self.rng(self.layout.disaster_base + i));
                self.queue.schedule(t, Event::DisasterStrike(i as u16));
            }
        }
        for (h, host) in m.hosts.iter().enumerate() {
            let t = m.host_classes[host.class as usize]
                .failure
                .sample(self.rng(slot::host_failure(h)));
            self.queue.schedule(t, Event::HostFail(h as u16));
        }
        for z in 0..m.zones as usize {
            let t = m
                .zone_lifecycle
                .failure
                .sample(self.rng(self.layout.zone_failure(z)));
            self.queue.schedule(t, Event::ZoneFail(z as u16));
        }
        if let Some(lb) = &m.load_balancer {
            let t = lb.failure.sample(self.rng(self.layout.lb_failure));
            self.queue.schedule(t, Event::LbFail);
        }
        if let Some(crash) = &m.apiserver_crash {
            for i in 0..m.cp_hosts as usize {
                let t = crash
                    .failure
                    .sample(self.rng(self.layout.apiserver_crash(i)));
                self.queue.schedule(t, Event::ApiserverCrash(i as u16));
            }
        }
        if let Some(crash) = &m.member_crash {
            for j in 0..m.member_hosts.len() {
                let t = crash.failure.sample(self.rng(self.layout.member_crash(j)));
                self.queue.schedule(t, Event::MemberCrash(j as u16));
            }
        }
    }

    #[inline]
    fn rng(&mut self, slot: usize) -> &mut Rng {
        &mut self.streams.rngs[slot]
    }

    fn apply(&mut self, now: f64, event: Event) {
        let m = self.model;
        match event {
            Event::HostFail(h) | Event::HostRepair(h) => {
                let up = matches!(event, Event::HostRepair(_));
                let h = h as usize;
                self.host_own_up[h] = up;
                self.refresh_host(h, now);
                if !up && m.data_at_risk {
                    self.maybe_lose_disk(h);
                }
                let life = &m.host_classes[m.hosts[h].class as usize];
                let next = if up {
                    Event::HostFail(h as u16)
                } else {
                    Event::HostRepair(h as u16)
                };
                self.end_of_phase(
                    now,
                    life,
                    up,
                    (slot::host_failure(h), slot::host_repair(h)),
                    next,
                );
            }
            Event::ZoneFail(z) | Event::ZoneRepair(z) => {
                let up = matches!(event, Event::ZoneRepair(_));
                self.set_zone(z as usize, up, now);
                let next = if up {
                    Event::ZoneFail(z)
                } else {
                    Event::ZoneRepair(z)
                };
                let slots = (
                    self.layout.zone_failure(z as usize),
                    self.layout.zone_repair(z as usize),
                );
                self.end_of_phase(now, &m.zone_lifecycle, up, slots, next);
            }
            Event::LbFail | Event::LbRepair => {
                self.control_plane_changed = true;
                let up = event == Event::LbRepair;
                self.lb_up = up;
                if let Some(lb) = &m.load_balancer {
                    let next = if up { Event::LbFail } else { Event::LbRepair };
                    self.end_of_phase(
                        now,
                        lb,
                        up,
                        (self.layout.lb_failure, self.layout.lb_repair),
                        next,
                    );
                }
            }
            Event::Elected(generation) => {
                self.control_plane_changed = true;
                // Quorum may have gone at this same instant: then the next
                // settle abandons the election instead.
                if self.election.is_current(generation) && self.members_up >= m.quorum {
                    let leader = self.pick_up_member();
                    self.election.elected(leader);
                }
            }
            Event::LeaseAttempt(c, generation) => {
                self.control_plane_changed = true;
                let c = c as usize;
                if self.controllers[c].is_current(generation) {
                    if self.api_now() {
                        let h = self.pick_up_cp_host(self.layout.lease[c]);
                        self.controllers[c].lease = Lease::Held(h);
                    } else {
                        self.controllers[c].wait_for_api();
                    }
                }
            }
            Event::ApiserverCrash(i) | Event::ApiserverRestart(i) => {
                self.control_plane_changed = true;
                let up = matches!(event, Event::ApiserverRestart(_));
                let i = i as usize;
                self.apiserver_crashed[i] = !up;
                if self.host_up[i] {
                    count(&mut self.apiservers_up, up);
                }
                if let Some(crash) = &m.apiserver_crash {
                    let next = if up {
                        Event::ApiserverCrash(i as u16)
                    } else {
                        Event::ApiserverRestart(i as u16)
                    };
                    let slots = (
                        self.layout.apiserver_crash(i),
                        self.layout.apiserver_restart(i),
                    );
                    self.end_of_phase(now, crash, up, slots, next);
                }
            }
            Event::MemberCrash(j) | Event::MemberRestart(j) => {
                self.control_plane_changed = true;
                let up = matches!(event, Event::MemberRestart(_));
                let j = j as usize;
                self.member_crashed[j] = !up;
                if self.host_up[m.member_hosts[j] as usize] && !self.member_empty[j] {
                    count(&mut self.members_up, up);
                }
                if let Some(crash) = &m.member_crash {
                    let next = if up {
                        Event::MemberCrash(j as u16)
                    } else {
                        Event::MemberRestart(j as u16)
                    };
                    let slots = (self.layout.member_crash(j), self.layout.member_restart(j));
                    self.end_of_phase(now, crash, up, slots, next);
                }
            }
            Event::NodeGrace(k) => {
                let k = k as usize;
                let since = self.nodes.down_since[k];
                if !self.worker_up(k) && since + m.node_monitor_grace_period == now {
                    // Marked NotReady in settle, now or when the controller is back.
                    self.nodes.grace_expired.push((k as u16, since));
                }
            }
            Event::NodeEvict(k) => {
                let k = k as usize;
                if !self.worker_up(k) && self.nodes.not_ready_at[k] + m.eviction_timeout == now {
                    let zone = m.hosts[m.first_worker as usize + k].zone as usize;
                    let since = self.nodes.down_since[k];
                    self.nodes.eviction_queue[zone].push_back((k as u16, since));
                    self.nodes.queued += 1;
                }
            }
            // A wake-up: settle evicts what the zone's rate allows.
            Event::EvictionTick(_) => {}
            Event::PodReady(p) => {
                let pod = &mut self.pods.pods[p as usize];
                if pod.state == PodState::Starting && pod.ready_at == now {
                    pod.state = PodState::Ready;
                    pod.armed = false;
                    self.pods.ready[pod.workload as usize] += 1;
                }
            }
            Event::MaintenanceRound => {
                if let Some(maintenance) = &m.maintenance {
                    self.queue
                        .schedule(now + maintenance.interval, Event::MaintenanceRound);
                    // A round still under way makes this one skipped.
                    if self.phase == Phase::Idle {
                        self.phase = Phase::Waiting;
                        self.cursor = 0;
                    }
                }
            }
            Event::DisasterStrike(i) => {
                let d = &m.disasters[i as usize];
                let next = d
                    .every
                    .sample(self.rng(self.layout.disaster_base + i as usize));
                self.queue.schedule(now + next, Event::DisasterStrike(i));
                // A disaster during a recovery is undone by that recovery's restore.
                if self.recovery == Recovery::Idle && !self.corrupted {
                    self.corrupted = true;
                    self.control_plane_changed = true;
                    self.start_recovery(i, now, now);
                }
            }
            Event::RecoveryStep(generation) => {
                if generation == self.recovery_generation {
                    self.control_plane_changed = true;
                    self.recovery_step(now);
                }
            }
            Event::MemberReplaced(j) => {
                let j = j as usize;
                if self.replace_done_at[j] == now && self.member_empty[j] {
                    self.replace_done_at[j] = f64::INFINITY;
                    self.refill_member(j);
                    self.control_plane_changed = true;
                }
            }
            Event::MaintenanceEnd(h) => {
                let h = h as usize;
                self.in_maintenance[h] = false;
                self.refresh_host(h, now);
                self.cursor = h + 1;
                self.phase = Phase::Waiting;
            }
        }
    }

    /// Host h failed: with its class's probability, its etcd member's data is gone.
    fn maybe_lose_disk(&mut self, h: usize) {
        let m = self.model;
        let host = &m.hosts[h];
        let (Some(j), p) = (host.member, m.disk_loss[host.class as usize]) else {
            return;
        };
        let j = j as usize;
        if p > 0.0 && self.rng(self.layout.disk_loss_base + 2 * j).random::<f64>() < p {
            // The host is down, so the member was not counted up.
            self.member_empty[j] = true;
            self.replace_done_at[j] = f64::INFINITY;
            self.control_plane_changed = true;
        }
    }

    /// Member j holds data again (replaced, or recovered).
    fn refill_member(&mut self, j: usize) {
        self.member_empty[j] = false;
        if self.host_up[self.model.member_hosts[j] as usize] && !self.member_crashed[j] {
            self.members_up += 1;
        }
    }

    /// A data-loss event of `cause` whose outage began at `since`: the
    /// operator acts after the detection delay.
    fn start_recovery(&mut self, cause: u16, since: f64, now: f64) {
        let Some(recovery) = &self.model.recovery else {
            return;
        };
        self.data.events[cause as usize] += 1;
        self.rto_pending.push((cause, since));
        self.recovery = Recovery::Detecting { cause };
        self.recovery_generation = super::next_generation(self.recovery_generation);
        self.queue.schedule(
            now + recovery.detection,
            Event::RecoveryStep(self.recovery_generation),
        );
    }

    /// The operator acts (after detection), or a recovery completes.
    fn recovery_step(&mut self, now: f64) {
        let m = self.model;
        let Some(recovery) = &m.recovery else {
            return;
        };
        match self.recovery {
            Recovery::Detecting { cause } => {
                // With no detection delay this instant's settle has not yet
                // closed the writable stretch the event ended: close it here.
                if self.settled[0] {
                    self.end_writable_stretch(now);
                }
                // The newest state that survives: the most current intact
                // member (not after a disaster, which struck them all), or
                // the last complete snapshot.
                let backup = self.backups.last_complete(now);
                let best = (cause as usize >= m.disasters.len())
                    .then(|| {
                        (0..m.member_hosts.len())
                            .filter(|&j| !self.member_empty[j])
                            .map(|j| (j, self.sync_point[j]))
                            .max_by(|a, b| a.1.total_cmp(&b.1))
                    })
                    .flatten();
                let surviving = match best {
                    Some((j, sync)) if sync > backup => {
                        self.recovery = Recovery::WaitingForMember {
                            cause,
                            member: j as u16,
                            surviving: sync,
                        };
                        self.force_new_cluster_if_ready(now);
                        sync
                    }
                    _ => {
                        let d = recovery.restore.sample(self.rng(self.layout.recovery));
                        self.recovery = Recovery::Running { surviving: backup };
                        self.queue
                            .schedule(now + d, Event::RecoveryStep(self.recovery_generation));
                        backup
                    }
                };
                let lost_from = surviving.max(self.recovered_at);
                self.data
                    .rpo
                    .push((cause, (self.last_write - lost_from).max(0.0)));
            }
            Recovery::Running { surviving } => {
                // etcd is back with the surviving state on every member;
                // members on hosts that are down resync when they return.
                self.corrupted = false;
                self.recovered_at = now;
                for j in 0..m.member_hosts.len() {
                    self.replace_done_at[j] = f64::INFINITY;
                    self.sync_point[j] = surviving;
                    if self.member_empty[j] {
                        self.refill_member(j);
                    }
                }
                self.recovery = Recovery::Idle;
            }
            Recovery::WaitingForMember { .. } | Recovery::Idle => {}
        }
    }

    /// Forces a new cluster from the chosen member once its host is up.
    fn force_new_cluster_if_ready(&mut self, now: f64) {
        let m = self.model;
        if let Recovery::WaitingForMember {
            member, surviving, ..
        } = self.recovery
            && self.host_up[m.member_hosts[member as usize] as usize]
            && !self.member_crashed[member as usize]
            && let Some(recovery) = &m.recovery
        {
            let d = recovery
                .force_new_cluster
                .sample(self.rng(self.layout.recovery));
            self.recovery = Recovery::Running { surviving };
            self.queue
                .schedule(now + d, Event::RecoveryStep(self.recovery_generation));
        }
    }

    /// etcd stops being writable at `now`: the last write, and the
    /// snapshots of the stretch that ends. Closing twice at one instant
    /// changes nothing.
    fn end_writable_stretch(&mut self, now: f64) {
        self.last_write = now;
        self.backups.writable(self.writable_from, now);
        self.writable_from = now;
    }

    /// After an instant's events, with data at risk: the writable stretch
    /// (for backups and the last write), members' sync points, member
    /// replacements, and quorum losses that cannot heal.
    fn settle_data(&mut self, now: f64, etcd: bool) {
        let m = self.model;
        if etcd != self.settled[0] {
            if etcd {
                self.writable_from = now;
            } else {
                self.end_writable_stretch(now);
            }
        }
        let members = m.member_hosts.len();
        for j in 0..members {
            let live = etcd && self.member_up(j as u16);
            if self.syncing[j] && !live {
                self.sync_point[j] = now;
            }
            self.syncing[j] = live;
            if self.member_empty[j] {
                let host_up = self.host_up[m.member_hosts[j] as usize] && !self.member_crashed[j];
                let can = etcd && host_up;
                if self.replace_done_at[j].is_finite() {
                    if !can {
                        self.replace_done_at[j] = f64::INFINITY;
                    }
                } else if can && let Some(replace) = &m.member_replace {
                    let d = replace.sample(self.rng(self.layout.disk_loss_base + 2 * j + 1));
                    self.replace_done_at[j] = now + d;
                    self.queue
                        .schedule(now + d, Event::MemberReplaced(j as u16));
                }
            }
        }
        match self.recovery {
            Recovery::Idle if !etcd && !self.corrupted => {
                let intact = self.member_empty.iter().filter(|e| !**e).count() as u32;
                if intact < m.quorum {
                    let cause = quorum_loss_cause(m.disasters.len(), intact > 0);
                    self.start_recovery(cause, self.last_write, now);
                }
            }
            Recovery::WaitingForMember { cause, member, .. } => {
                if self.member_empty[member as usize] {
                    // The member chosen lost its disk while the operator
                    // waited for it: decide again, without it.
                    self.data.rpo.pop();
                    self.recovery = Recovery::Detecting { cause };
                    self.recovery_step(now);
                } else {
                    self.force_new_cluster_if_ready(now);
                }
            }
            _ => {}
        }
    }

    #[inline]
    fn worker_up(&self, k: usize) -> bool {
        self.host_up[self.model.first_worker as usize + k]
    }

    /// Drains host `h` (its pods are evicted through the API at once) and
    /// takes it down for maintenance. An etcd leader on it hands over to
    /// another member first, as etcd does when stopped gracefully, if the
    /// others keep quorum.
    fn drain(&mut self, h: usize, now: f64) {
        let m = self.model;
        if let Role::Worker(k) = m.hosts[h].role {
            self.evict_worker(k, now);
        }
        if let Some(j) = m.hosts[h].member
            && self.election.leader == Some(j)
            && self.member_up(j)
            && self.members_up > m.quorum
        {
            let others = self.members_up - 1;
            let k = uniform_below(self.rng(self.layout.transfer), others);
            let members = m.member_hosts.len() as u16;
            let to = nth_true((0..members).map(|i| i != j && self.member_up(i)), k);
            self.election.transfer(to);
        }
        self.in_maintenance[h] = true;
        self.refresh_host(h, now);
        if let Some(maintenance) = &m.maintenance {
            self.queue
                .schedule(now + maintenance.duration, Event::MaintenanceEnd(h as u16));
        }
    }

    /// Deletes every pod bound to worker k; replacements join the
    /// scheduling queue.
    fn evict_worker(&mut self, k: u16, now: f64) {
        if !self.pods.node_has_pods(k) {
            return;
        }
        self.touched.clear();
        for p in 0..self.pods.pods.len() {
            if self.pods.pods[p].node == k {
                self.pods.evict(p as u32);
                touch(&mut self.touched, self.pods.pods[p].workload);
            }
        }
        self.schedule_dirty = true;
        self.recheck_touched(now);
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
    fn recheck_touched(&mut self, now: f64) {
        for i in 0..self.touched.len() {
            let w = self.touched[i] as usize;
            let min = self.model.workloads[w].min_available;
            // Catching up only adds ready pods: needed only below the minimum.
            if self.pods.ready[w] < min {
                self.pods.catch_up(w, now);
                if self.pods.ready[w] < min {
                    self.arm(w);
                }
            }
        }
    }

    /// Queues a `PodReady` event for each Starting pod of workload w that has none.
    fn arm(&mut self, w: usize) {
        let (start, end) = self.pods.slots[w];
        for p in start..end {
            let pod = &mut self.pods.pods[p as usize];
            if pod.state == PodState::Starting && !pod.armed {
                pod.armed = true;
                self.queue.schedule(pod.ready_at, Event::PodReady(p));
            }
        }
    }

    /// Worker k went down (`up` false) or came back.
    fn worker_changed(&mut self, k: usize, up: bool, now: f64) {
        let m = self.model;
        if up {
            self.nodes.not_ready_at[k] = f64::INFINITY;
            self.schedule_dirty = true;
            if self.pods.node_has_pods(k as u16) {
                // Back before eviction: its pods restart in place.
                for p in 0..self.pods.pods.len() {
                    let pod = self.pods.pods[p];
                    if pod.node == k as u16 && pod.state == PodState::Down {
                        self.start_pod(p as u32, pod.workload as usize, now);
                    }
                }
            }
        } else {
            self.nodes.down_since[k] = now;
            if self.pods.node_has_pods(k as u16) {
                self.touched.clear();
                for pod in &mut self.pods.pods {
                    if pod.node == k as u16 {
                        if pod.state == PodState::Ready {
                            self.pods.ready[pod.workload as usize] -= 1;
                        }
                        pod.state = PodState::Down;
                        touch(&mut self.touched, pod.workload);
                    }
                }
                self.recheck_touched(now);
                self.queue.schedule(
                    now + m.node_monitor_grace_period,
                    Event::NodeGrace(k as u16),
                );
            }
        }
    }

    /// Pod p (bound) starts; it is ready after a startup draw. Its
    /// `PodReady` event is queued only if its workload is below
    /// min_available (see [`Self::recheck_touched`]).
    fn start_pod(&mut self, p: u32, w: usize, now: f64) {
        let spec = &self.model.workloads[w];
        let d = spec.startup.sample(self.rng(self.layout.startup_base + w));
        let armed = !self.model.lazy_readiness || self.pods.ready[w] < spec.min_available;
        let pod = &mut self.pods.pods[p as usize];
        pod.state = PodState::Starting;
        pod.ready_at = now + d;
        pod.armed = armed;
        if armed {
            self.queue.schedule(pod.ready_at, Event::PodReady(p));
        }
    }

    /// Places pending pods, oldest first, where the scheduler allows; the
    /// others stay Pending. At t = 0 (`initial`) placed pods are ready at once.
    fn place_pending(&mut self, now: f64, initial: bool) {
        let m = self.model;
        let first = m.first_worker as usize;
        for _ in 0..self.pods.pending.len() {
            let Some(p) = self.pods.pending.pop_front() else {
                break;
            };
            let w = self.pods.pods[p as usize].workload as usize;
            let choice = self.pods.choose_node(
                w,
                &m.workloads[w],
                &self.host_up[first..],
                &mut self.streams.rngs[self.layout.scheduler],
            );
            match choice {
                Some(k) if initial => self.pods.bind(p, k, PodState::Ready),
                Some(k) => {
                    self.pods.bind(p, k, PodState::Starting);
                    self.start_pod(p, w, now);
                }
                None => self.pods.pending.push_back(p),
            }
        }
    }

    /// Schedules `next`, the end of the phase a component just entered: a
    /// draw from its failure distribution (on `slots.0`) if it is now up, from
    /// its repair distribution (on `slots.1`) if it is now down.
    #[inline(always)]
    fn end_of_phase(
        &mut self,
        now: f64,
        life: &Lifecycle,
        up: bool,
        slots: (usize, usize),
        next: Event,
    ) {
        let d = if up {
            life.failure.sample(self.rng(slots.0))
        } else {
            life.repair.sample(self.rng(slots.1))
        };
        self.queue.schedule(now + d, next);
    }

    fn set_zone(&mut self, z: usize, up: bool, now: f64) {
        self.zone_up[z] = up;
        for i in 0..self.zone_hosts[z].len() {
            let h = self.zone_hosts[z][i] as usize;
            self.refresh_host(h, now);
        }
    }

    /// Re-derives whether host `h` is up (itself, its zone, not in
    /// maintenance) and keeps the member and apiserver counts and the
    /// worker's pods in step.
    fn refresh_host(&mut self, h: usize, now: f64) {
        let host = &self.model.hosts[h];
        let up = self.host_own_up[h] && self.zone_up[host.zone as usize] && !self.in_maintenance[h];
        if up == self.host_up[h] {
            return;
        }
        self.host_up[h] = up;
        // A process counts as up when its host is up and it has not crashed.
        if let Some(member) = host.member
            && !self.member_crashed[member as usize]
            && !self.member_empty[member as usize]
        {
            count(&mut self.members_up, up);
        }
        self.control_plane_changed |= !matches!(host.role, Role::Worker(_));
        match host.role {
            Role::ControlPlane(i) => {
                count(&mut self.cp_hosts_up, up);
                if !self.apiserver_crashed[i as usize] {
                    count(&mut self.apiservers_up, up);
                }
            }
            Role::Worker(k) => self.worker_changed(k as usize, up, now),
            Role::Etcd(_) => {}
        }
    }

    /// Member m is up: its host is up, its process has not crashed, and it
    /// holds its data.
    #[inline]
    fn member_up(&self, m: u16) -> bool {
        self.host_up[self.model.member_hosts[m as usize] as usize]
            && !self.member_crashed[m as usize]
            && !self.member_empty[m as usize]
    }

    fn etcd_writable(&self) -> bool {
        self.members_up >= self.model.quorum
            && self.election.leader.is_some_and(|l| self.member_up(l))
    }

    /// The endpoint reaches an up apiserver: any, through an up load
    /// balancer; cp-1's alone without one.
    fn endpoint_up(&self) -> bool {
        match self.model.load_balancer {
            Some(_) => self.lb_up && self.apiservers_up > 0,
            None => self.host_up[0] && !self.apiserver_crashed[0],
        }
    }

    fn api_now(&self) -> bool {
        self.etcd_writable() && self.endpoint_up()
    }

    /// A uniformly chosen up member (the caller checked that one is up).
    fn pick_up_member(&mut self) -> u16 {
        let up = self.members_up;
        let k = uniform_below(self.rng(self.layout.election), up);
        let members = self.model.member_hosts.len() as u16;
        nth_true((0..members).map(|m| self.member_up(m)), k)
    }

    /// A uniformly chosen up control-plane host (the API is up, so one is).
    fn pick_up_cp_host(&mut self, stream: usize) -> u16 {
        let up = self.cp_hosts_up.max(1);
        let k = uniform_below(self.rng(stream), up);
        nth_true(
            self.host_up[..self.model.cp_hosts as usize].iter().copied(),
            k,
        )
    }

    /// Derived reactions after all events of an instant: elections, the
    /// API's transitions, and leases whose holder went down.
    fn settle(&mut self, now: f64) {
        let m = self.model;
        // Only events of control-plane components can change etcd, the API
        // or the leases; the many worker and pod events skip that part.
        if self.control_plane_changed {
            self.control_plane_changed = false;
            self.settle_control_plane(now);
        }
        if m.workers > 0 {
            self.settle_workers(now);
        }
        if self.phase == Phase::Waiting {
            self.settle_maintenance(now);
        }
    }

    /// Starts the round's next drain if it may start now. The drain is a
    /// change of this instant: settle again after it (once: the round is
    /// busy until the host is back).
    #[inline(never)]
    fn settle_maintenance(&mut self, now: f64) {
        if let Some(h) = self.next_drain(self.settled[1], now) {
            self.drain(h, now);
            self.settle(now);
        }
    }

    /// etcd elections, the API's transitions and the controllers' leases.
    fn settle_control_plane(&mut self, now: f64) {
        let m = self.model;
        // A disaster leaves etcd unusable until a restore undoes it.
        let quorum = self.members_up >= m.quorum && !self.corrupted;
        let leader_up = self.election.leader.is_some_and(|l| self.member_up(l));
        if let Settle::StartElection { generation } = self.election.settle(quorum, leader_up) {
            let d = m.election.sample(self.rng(self.layout.election));
            self.queue.schedule(now + d, Event::Elected(generation));
        }
        // A leader that cannot renew through an API outage longer than
        // renew_deadline loses its lease. No event marks the deadline: what
        // the loss changes is decided lazily, at the two moments it matters
        // (the API's return, and the leader's host going down during the
        // outage). While the API is down `control_plane` is down anyway.
        // Settling never removes a leader that is up while quorum holds.
        let etcd = quorum && leader_up;
        let api = etcd && self.endpoint_up();
        let api_was = self.settled[1];
        let lease_lost = !api_was && now - self.api_down_since > m.renew_deadline;
        if api != api_was {
            if api {
                for c in [SCHEDULER, CONTROLLER_MANAGER] {
                    let lease = self.controllers[c].lease;
                    if lease == Lease::WaitingForApi
                        || (lease_lost && matches!(lease, Lease::Held(_)))
                    {
                        let generation = self.controllers[c].plan_attempt();
                        let jitter =
                            m.retry_period * self.rng(self.layout.lease[c]).random::<f64>();
                        self.queue
                            .schedule(now + jitter, Event::LeaseAttempt(c as u8, generation));
                    }
                }
            } else {
                self.api_down_since = now;
            }
        }
        for c in [SCHEDULER, CONTROLLER_MANAGER] {
            if let Lease::Held(h) = self.controllers[c].lease
                && !self.host_up[h as usize]
            {
                if !api && now - self.api_down_since > m.renew_deadline {
                    // Already lost to the API outage: candidates wait for its end.
                    self.controllers[c].wait_for_api();
                } else {
                    let generation = self.controllers[c].plan_attempt();
                    let jitter = m.retry_period * self.rng(self.layout.lease[c]).random::<f64>();
                    self.queue.schedule(
                        now + m.lease_duration + jitter,
                        Event::LeaseAttempt(c as u8, generation),
                    );
                }
            }
        }
        let control_plane = api && self.controllers.iter().all(Controller::has_leader);
        if m.data_at_risk {
            self.settle_data(now, etcd);
            if api {
                for (cause, since) in self.rto_pending.drain(..) {
                    self.data.rto.push((cause, now - since));
                }
            }
        }
        self.settled[0] = etcd;
        self.settled[1] = api;
        self.settled[2] = control_plane;
    }

    /// The node lifecycle controller and the scheduler, after an instant's
    /// events: NotReady marks, evictions, and placements of pending pods;
    /// then the workloads' indicators.
    fn settle_workers(&mut self, now: f64) {
        let m = self.model;
        let api = self.settled[1];
        let controller = api && self.controllers[CONTROLLER_MANAGER].has_leader();
        let scheduler = api && self.controllers[SCHEDULER].has_leader();
        if controller != self.nodes.controller_active {
            self.nodes.controller_active = controller;
            if !controller {
                self.nodes.inactive_since = now;
            }
        }
        if controller {
            if !self.nodes.grace_expired.is_empty() {
                // In the order they fell due, so evictions queue in that order.
                let mut expired = std::mem::take(&mut self.nodes.grace_expired);
                for &(k, since) in &expired {
                    let k = k as usize;
                    if !self.worker_up(k) && self.nodes.down_since[k] == since {
                        self.nodes.not_ready_at[k] = now;
                        self.queue
                            .schedule(now + m.eviction_timeout, Event::NodeEvict(k as u16));
                    }
                }
                expired.clear();
                self.nodes.grace_expired = expired;
            }
            if self.nodes.queued > 0 {
                self.evict_due(now);
            }
        }
        if scheduler != self.scheduler_active {
            self.scheduler_active = scheduler;
            self.schedule_dirty |= scheduler;
        }
        if scheduler && self.schedule_dirty {
            self.schedule_dirty = false;
            if !self.pods.pending.is_empty() {
                self.place_pending(now, false);
            }
        }
        for (w, spec) in m.workloads.iter().enumerate() {
            self.settled[INDICATORS.len() + w] = self.pods.ready[w] >= spec.min_available;
        }
    }

    /// Evicts the nodes whose eviction is due, as far as each zone's state
    /// and rate allow (see `nodes`).
    fn evict_due(&mut self, now: f64) {
        let first = self.model.first_worker as usize;
        if self.nodes.all_fully_disrupted(&self.host_up[first..], now) {
            return;
        }
        for z in 0..self.nodes.eviction_queue.len() {
            // Drop workers that came back, or have nothing left to evict.
            while let Some(&(k, since)) = self.nodes.eviction_queue[z].front() {
                let k_up = self.worker_up(k as usize);
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
            let Some(state) = self.nodes.zone_state(z, &self.host_up[first..], now) else {
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
                self.evict_worker(k, now);
                self.nodes.last_eviction[z] = now;
                next = now + period;
            }
            if !self.nodes.eviction_queue[z].is_empty() && self.nodes.tick_at[z] != next {
                self.nodes.tick_at[z] = next;
                self.queue.schedule(next, Event::EvictionTick(z as u16));
            }
        }
    }

    /// The host whose drain may start now in the maintenance round, if any:
    /// the API is up, every control-plane host and etcd member is up, and
    /// no workload would go below min_available. Hosts that are already
    /// down are skipped; past the last host the round is over.
    fn next_drain(&mut self, api: bool, now: f64) -> Option<usize> {
        let m = self.model;
        while self.cursor < m.hosts.len() && !self.host_up[self.cursor] {
            self.cursor += 1;
        }
        if self.cursor >= m.hosts.len() {
            self.phase = Phase::Idle;
            return None;
        }
        if !api
            || self.cp_hosts_up < m.cp_hosts as u32
            || self.members_up < m.member_hosts.len() as u32
        {
            return None;
        }
        if let Role::Worker(k) = m.hosts[self.cursor].role
            && !self.budget_allows_drain(k, now)
        {
            return None;
        }
        self.phase = Phase::Busy;
        Some(self.cursor)
    }

    /// Whether evicting worker k's pods keeps every workload at or above
    /// min_available (PodDisruptionBudgets, with Kubernetes' default
    /// IfHealthyBudget policy for pods that are not ready). A workload that
    /// blocks the drain gets its Starting pods armed, so that the drain is
    /// reconsidered when one of them becomes ready.
    fn budget_allows_drain(&mut self, k: u16, now: f64) -> bool {
        if !self.pods.node_has_pods(k) {
            return true;
        }
        self.touched.clear();
        for pod in &self.pods.pods {
            if pod.node == k {
                touch(&mut self.touched, pod.workload);
            }
        }
        let mut allowed = true;
        for i in 0..self.touched.len() {
            let w = self.touched[i] as usize;
            self.pods.catch_up(w, now);
            let (start, end) = self.pods.slots[w];
            let ready_here = self.pods.pods[start as usize..end as usize]
                .iter()
                .filter(|pod| pod.node == k && pod.state == PodState::Ready)
                .count() as u32;
            if self.pods.ready[w] - ready_here < self.model.workloads[w].min_available {
                allowed = false;
                self.arm(w);
            }
        }
        allowed
    }

    /// Records indicator transitions at the end of an instant, and what
    /// each down indicator is waiting for (its downtime's cause).
    #[inline]
    fn record(&mut self, now: f64, on_outage: &mut impl Sink) {
        // Most instants change nothing: every indicator up and staying up.
        if self.indicators_down == 0 && !self.settled.contains(&false) {
            return;
        }
        for i in 0..self.settled.len() {
            if !self.settled[i] || self.indicators[i].down {
                self.record_one(i, now, on_outage);
            }
        }
    }

    #[inline(never)]
    fn record_one(&mut self, i: usize, now: f64, on_outage: &mut impl Sink) {
        let up = self.settled[i];
        let cause = if up {
            None
        } else {
            Some(self.blocking_cause(i, now))
        };
        let ind = &mut self.indicators[i];
        if ind.down == up {
            if up {
                let d = now - ind.down_since;
                ind.downtime += d;
                ind.down = false;
                self.indicators_down -= 1;
                ind.charge(now);
                ind.cause = None;
                on_outage.outage(i, d);
            } else {
                ind.down = true;
                self.indicators_down += 1;
                ind.down_since = now;
                ind.outages += 1;
                ind.cause = cause;
                ind.cause_since = now;
            }
        } else if cause != ind.cause {
            ind.charge(now);
            ind.cause = cause;
            ind.cause_since = now;
        }
    }
}

/// Adds workload w to `touched` (visited in slot order, so each once).
#[inline]
fn touch(touched: &mut Vec<u16>, w: u16) {
    if touched.last() != Some(&w) {
        touched.push(w);
    }
}

/// Keeps an up-count in step with one member going up or down.
#[inline]
fn count(n: &mut u32, up: bool) {
    if up { *n += 1 } else { *n -= 1 }
}

/// The position of the k-th (0-based) `true` among `up`.
#[inline]
fn nth_true(up: impl Iterator<Item = bool>, k: u32) -> u16 {
    let mut seen = 0;
    for (i, u) in up.enumerate() {
        if u {
            if seen == k {
                return i as u16;
            }
            seen += 1;
        }
    }
    0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_packing() {
        let events = [
            Event::HostFail(0),
            Event::HostRepair(999),
            Event::ZoneFail(2),
            Event::ZoneRepair(65_535),
            Event::LbFail,
            Event::LbRepair,
            Event::Elected(super::super::GENERATION_MASK),
            Event::LeaseAttempt(0, 17),
            Event::LeaseAttempt(1, 0),
            Event::ApiserverCrash(6),
            Event::ApiserverRestart(0),
            Event::MemberCrash(4),
            Event::MemberRestart(65_535),
            Event::NodeGrace(999),
            Event::NodeEvict(0),
            Event::EvictionTick(7),
            Event::PodReady(super::super::workloads::MAX_PODS - 1),
            Event::MaintenanceRound,
            Event::MaintenanceEnd(2_999),
        ];
        for e in events {
            assert_eq!(Event::unpack(e.pack()), e);
        }
    }
}
