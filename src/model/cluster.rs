//! One replication: the dispatcher that routes each event to the room that
//! owns it and settles the rooms after every instant (docs/model.md, "The
//! model's rooms").
//!
//! Each concern is a room that owns its state and its events:
//! [`Infrastructure`] (zones, racks, hosts), [`Etcd`] (members, quorum, election,
//! data held), [`Endpoint`] (apiservers, load balancer), [`Controllers`]
//! (leases), [`Workloads`] (pods, scheduler, node lifecycle), and the
//! operations ([`Maintenance`], and [`DataRecovery`]: backups, disasters,
//! recovery). A room reads the others through their accessors and changes
//! them only through their commands; the dispatcher decides the order.
//!
//! **After each event**, a host whose `up` changed is handed to etcd, the
//! endpoint and workloads, in that order (host by host, as each changes),
//! before the event's room queues what comes next.
//!
//! **After each instant** (every event at one time applied), the rooms
//! settle in this fixed order: if a control-plane component changed, etcd
//! (elections), then the API (from etcd and the endpoint), then the
//! controllers (leases), then data (writable stretches, sync points,
//! replacements, recovery); then workloads (NotReady marks, evictions,
//! placements); then maintenance, whose drain is a change of the instant
//! and settles everything once more. Then the indicators are recorded.

mod attribution;
use attribution::Judged;
mod trace;

pub use trace::{ABSENT, TraceRow, UP};

use super::bits;
use super::causes::{Cause, CauseList};
use super::controllers::{self, CONTROLLER_MANAGER, Controllers, SCHEDULER};
use super::endpoint::{self, Endpoint};
use super::etcd::{self, Etcd};
use super::infrastructure::{self, Infrastructure};
use super::operations::{self, Changes, DataRecovery, DataRun, Effect, Loss, Maintenance};
use super::streams::{Layout, Streams};
use super::workloads::{self, Workloads};
use super::{ChangeTarget, INDICATORS, Lifecycle, Model, Role, Wiring};
use crate::engine::{EventQueue, Packed, Rng};

/// What every room may use: the model, the random streams and the queue.
pub struct Ctx<'m> {
    pub model: &'m Model,
    pub layout: Layout,
    pub streams: Streams,
    pub queue: EventQueue<Event>,
}

impl Ctx<'_> {
    #[inline]
    pub fn rng(&mut self, slot: usize) -> &mut Rng {
        &mut self.streams.rngs[slot]
    }

    #[inline]
    pub fn schedule(&mut self, time: f64, event: impl Into<Event>) {
        let code = event.into().pack();
        self.queue.schedule_packed(time, code);
    }

    /// Schedules `next`, the end of the phase a component just entered: a
    /// draw from its failure distribution (on `slots.0`) if it is now up, from
    /// its repair distribution (on `slots.1`) if it is now down.
    #[inline(always)]
    pub fn end_of_phase(
        &mut self,
        now: f64,
        life: &Lifecycle,
        up: bool,
        slots: (usize, usize),
        next: impl Into<Event>,
    ) -> f64 {
        let d = if up {
            life.failure.sample(self.rng(slots.0))
        } else {
            life.repair.sample(self.rng(slots.1))
        };
        self.schedule(now + d, next);
        now + d
    }
}

/// Every event, by the room that owns it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    Infrastructure(infrastructure::Event),
    Etcd(etcd::Event),
    Endpoint(endpoint::Event),
    Controllers(controllers::Event),
    Workloads(workloads::Event),
    Operations(operations::Event),
}

impl From<infrastructure::Event> for Event {
    #[inline]
    fn from(e: infrastructure::Event) -> Event {
        Event::Infrastructure(e)
    }
}
impl From<etcd::Event> for Event {
    #[inline]
    fn from(e: etcd::Event) -> Event {
        Event::Etcd(e)
    }
}
impl From<endpoint::Event> for Event {
    #[inline]
    fn from(e: endpoint::Event) -> Event {
        Event::Endpoint(e)
    }
}
impl From<controllers::Event> for Event {
    #[inline]
    fn from(e: controllers::Event) -> Event {
        Event::Controllers(e)
    }
}
impl From<workloads::Event> for Event {
    #[inline]
    fn from(e: workloads::Event) -> Event {
        Event::Workloads(e)
    }
}
impl From<operations::Event> for Event {
    #[inline]
    fn from(e: operations::Event) -> Event {
        Event::Operations(e)
    }
}

/// A room's events pack into 29 bits (a 5-bit tag and a 24-bit payload:
/// generations, see [`super::GENERATION_MASK`], or indices); the room's
/// number takes the top 3.
impl Packed for Event {
    #[inline(always)]
    fn pack(self) -> u32 {
        let (room, code) = match self {
            Event::Infrastructure(e) => (0, e.pack()),
            Event::Etcd(e) => (1, e.pack()),
            Event::Endpoint(e) => (2, e.pack()),
            Event::Controllers(e) => (3, e.pack()),
            Event::Workloads(e) => (4, e.pack()),
            Event::Operations(e) => (5, e.pack()),
        };
        room << 29 | code
    }

    #[inline]
    fn unpack(code: u32) -> Self {
        let inner = code & ((1 << 29) - 1);
        match code >> 29 {
            0 => Event::Infrastructure(infrastructure::Event::unpack(inner)),
            1 => Event::Etcd(etcd::Event::unpack(inner)),
            2 => Event::Endpoint(endpoint::Event::unpack(inner)),
            3 => Event::Controllers(controllers::Event::unpack(inner)),
            4 => Event::Workloads(workloads::Event::unpack(inner)),
            _ => Event::Operations(operations::Event::unpack(inner)),
        }
    }
}

impl Event {
    /// The scenario key of the component the event belongs to.
    fn component(self, m: &Model) -> String {
        match self {
            Event::Infrastructure(e) => e.component(m),
            Event::Etcd(e) => e.component(),
            Event::Endpoint(e) => e.component(),
            Event::Controllers(e) => e.component(),
            Event::Workloads(e) => e.component(),
            Event::Operations(e) => e.component(m),
        }
    }
}

/// One indicator over one replication.
#[derive(Clone, Debug, Default)]
pub struct IndicatorRun {
    /// Seconds down, within the horizon.
    pub downtime: f64,
    /// Outages that began within the horizon (an open one included).
    pub outages: u32,
    /// An outage was still open at the horizon.
    pub censored: bool,
    /// Seconds down by cause, in [`Model::causes`] order; sums to `downtime`.
    pub downtime_by_cause: Vec<f64>,
    /// Indicators with requests ([`Model::has_requests`]) only, else 0: the
    /// time integral of the share of client requests that fail (a full
    /// outage counts 1 per second, 1 of 3 endpoints in rotation dead 1/3).
    pub failed_request_seconds: f64,
    /// Indicators with requests only, else 0: seconds up by time during
    /// which some requests fail (failing share > 0).
    pub degraded_seconds: f64,
    /// Workloads in a model with capacities or the autoscaler ([`Model::tracks_pending`])
    /// only, else 0: seconds during which at least one of its pods is
    /// Pending (bound to no node).
    pub pending_seconds: f64,
    pending: bool,
    pending_since: f64,
    down: bool,
    down_since: f64,
    /// What the open outage is waiting for, and since when.
    cause: Option<Cause>,
    cause_since: f64,
}

impl IndicatorRun {
    /// An indicator up since t = 0, charging downtime to `causes`.
    fn new(causes: &CauseList) -> IndicatorRun {
        IndicatorRun {
            downtime_by_cause: vec![0.0; causes.len()],
            ..IndicatorRun::default()
        }
    }

    /// An indicator up since t = 0 with `causes` causes.
    pub(crate) fn new_with(causes: usize) -> IndicatorRun {
        IndicatorRun {
            downtime_by_cause: vec![0.0; causes],
            ..IndicatorRun::default()
        }
    }

    /// Back to up since t = 0, keeping the causes' vector (and its allocation).
    fn clear(&mut self) {
        let mut by_cause = std::mem::take(&mut self.downtime_by_cause);
        by_cause.fill(0.0);
        *self = IndicatorRun {
            downtime_by_cause: by_cause,
            ..IndicatorRun::default()
        };
    }

    /// The open outage's current cause ends at `now`.
    fn charge(&mut self, causes: &CauseList, now: f64) {
        if let Some(c) = self.cause {
            self.downtime_by_cause[causes.slot(c)] += now - self.cause_since;
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
    /// History lost by one data-loss event, seconds.
    fn rpo(&mut self, _loss: Loss) {}
    /// Time until the API was writable again (or the workload served
    /// again) after one data-loss event, seconds.
    fn rto(&mut self, _loss: Loss) {}
    /// Whether [`Sink::state`] wants every change of an indicator's state
    /// (a fleet's services are computed from them).
    fn takes_states(&self) -> bool {
        false
    }
    /// Indicator `indicator` is, from `now` on, up (`None`) or down waiting
    /// for `cause`; called at each change, and at t = 0 for those down then.
    fn state(&mut self, _indicator: usize, _now: f64, _cause: Option<Cause>) {}
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

/// The mutable state of one replication. Build one per worker thread and
/// call [`Cluster::run`] for each replication: allocations are reused.
pub struct Cluster<'m> {
    ctx: Ctx<'m>,
    infra: Infrastructure,
    etcd: Etcd,
    endpoint: Endpoint,
    controllers: Controllers,
    workloads: Workloads,
    maintenance: Maintenance,
    recovery: DataRecovery,
    changes: Changes,
    /// A control-plane component (host, zone, member, apiserver, load
    /// balancer, election, data) changed since the last settle: only then
    /// can etcd, the API or the leases change.
    control_plane_changed: bool,
    /// A lease attempt ran since the last settle. It changes that lease
    /// only: with nothing else changed, settling the control plane again
    /// would find etcd, the API and the other rooms as they were, so only
    /// `control_plane` is judged again.
    lease_attempted: bool,
    /// Indicators as of the last settle, in [`Model::indicator_keys`] order.
    settled: Vec<bool>,
    /// The workloads whose indicator is down or not settled up (a set of
    /// [`bits`]): the only ones `record` looks at.
    watch: Vec<u64>,
    indicators: Vec<IndicatorRun>,
    /// Indicators recorded down.
    indicators_down: u32,
    /// The share of `api`'s requests that fail, as last recorded, and since when.
    failing: f64,
    failing_since: f64,
    events: u64,
    /// Each workload's cause of downtime as last judged, and when (see
    /// `workload_cause_cached`): it holds while `cause_epoch` and the
    /// workload's pod moves stay. The epoch counts the events other than
    /// the node lifecycle controller's evictions and pods becoming ready,
    /// the settling of the control plane (the API, the controllers'
    /// leaders), and changes of the infrastructure (its version as last
    /// seen, `cause_infra`).
    cause_cache: Vec<attribution::CachedCause>,
    cause_epoch: u64,
    cause_infra: u64,
    /// Causes taken as kept, each checked (tests only).
    #[cfg(test)]
    cause_hits: u64,
}

impl<'m> Cluster<'m> {
    pub fn new(model: &'m Model) -> Self {
        let (streams, layout) = Streams::new(model);
        let ctx = Ctx {
            model,
            layout,
            streams,
            queue: EventQueue::new(model.horizon),
        };
        let recovery = DataRecovery::new(&ctx);
        Cluster {
            infra: Infrastructure::new(model),
            etcd: Etcd::new(model),
            endpoint: Endpoint::new(model),
            controllers: Controllers::new(),
            workloads: Workloads::new(model),
            maintenance: Maintenance::new(),
            recovery,
            changes: Changes::new(model),
            ctx,
            control_plane_changed: true,
            lease_attempted: false,
            settled: vec![true; model.indicator_count()],
            watch: vec![0; bits::words(model.workloads.len())],
            indicators: vec![IndicatorRun::new(&model.causes); model.indicator_count()],
            indicators_down: 0,
            failing: 0.0,
            failing_since: 0.0,
            events: 0,
            cause_cache: vec![attribution::CachedCause::default(); model.workloads.len()],
            cause_epoch: 0,
            cause_infra: u64::MAX,
            #[cfg(test)]
            cause_hits: 0,
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
        if sink.takes_states() {
            for (i, ind) in self.indicators.iter().enumerate() {
                if ind.down {
                    sink.state(i, 0.0, ind.cause);
                }
            }
        }
        observe(self, 0.0);
        let limit = self.ctx.model.event_limit;
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
                        reached: self.ctx.model.horizon,
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
        let model = self.ctx.model;
        let mut counts: Vec<(String, u64)> = Vec::new();
        let mut sink = |_: usize, _: f64| {};
        let stopped = self.advance(max_events, &mut sink, &mut |_, _| {}, &mut |e| {
            let key = e.component(model);
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
            let (t, event) = self.ctx.queue.pop()?;
            now = t;
            self.events += 1;
            on_event(event);
            self.apply(now, event);
            // Indicators are judged only after every event of an instant.
            if self.ctx.queue.peek_time().is_none_or(|t| t > now) {
                self.settle(now);
                if self.ctx.queue.peek_time().is_none_or(|t| t > now) {
                    self.record(now, sink);
                    if sink.takes_data()
                        && self.recovery.data.rpo.len() + self.recovery.data.rto.len() >= DATA_SPILL
                    {
                        self.spill_data(sink, true);
                    }
                    observe(self, now);
                }
            }
        }
        if self.ctx.queue.is_empty() {
            None
        } else {
            Some(now)
        }
    }

    /// The end of a replication: open outages are charged up to the
    /// horizon, and data-loss figures handed to a sink that takes them.
    fn finish(&mut self, stopped: Option<f64>, sink: &mut impl Sink) -> ReplicationRun<'_> {
        let m = self.ctx.model;
        let horizon = m.horizon;
        self.requests_until(horizon);
        for ind in &mut self.indicators {
            if ind.down {
                ind.downtime += horizon - ind.down_since;
                ind.censored = true;
                ind.charge(&m.causes, horizon);
            }
            if ind.pending {
                ind.pending_seconds += horizon - ind.pending_since;
            }
        }
        self.recovery.close(horizon);
        if sink.takes_data() {
            self.spill_data(sink, false);
        }
        ReplicationRun {
            indicators: &self.indicators,
            data: &self.recovery.data,
            events: self.events,
            exceeded: stopped,
        }
    }

    /// Hands the data-loss figures decided so far to `sink`, in order, and
    /// forgets them; with `keep_last`, the newest RPO stays: it is the
    /// running recovery's, which may yet be decided again.
    fn spill_data(&mut self, sink: &mut impl Sink, keep_last: bool) {
        let keep = usize::from(keep_last).min(self.recovery.data.rpo.len());
        let give = self.recovery.data.rpo.len() - keep;
        for &loss in &self.recovery.data.rpo[..give] {
            sink.rpo(loss);
        }
        self.recovery.data.rpo.drain(..give);
        for &loss in &self.recovery.data.rto {
            sink.rto(loss);
        }
        self.recovery.data.rto.clear();
    }

    /// t = 0: everything up, members in sync, leaders in place. The first
    /// events are queued in a fixed order (it decides same-instant ties):
    /// maintenance, disasters, hosts, zones, racks, the endpoint, etcd
    /// processes.
    fn reset(&mut self, replication: u64) {
        let m = self.ctx.model;
        let ctx = &mut self.ctx;
        ctx.streams.reseed(m.seed, replication);
        ctx.queue.reset(m.horizon);
        self.events = 0;
        self.cause_epoch += 1;
        self.infra.reset(m);
        self.endpoint.reset(m);
        self.etcd.reset(ctx);
        self.controllers.reset(ctx);
        self.maintenance.reset();
        self.workloads.reset(ctx, &self.infra);
        self.settled.fill(true);
        self.control_plane_changed = true;
        self.lease_attempted = false;
        self.indicators.iter_mut().for_each(IndicatorRun::clear);
        self.indicators_down = 0;
        self.failing = 0.0;
        self.failing_since = 0.0;
        self.watch.fill(0);
        for w in 0..m.workloads.len() {
            if !self.workloads.meets_minimum(w) {
                let i = INDICATORS.len() + w;
                self.settled[i] = false;
                bits::set(&mut self.watch, w);
                let cause = self.blocking_cause(i, 0.0);
                let ind = &mut self.indicators[i];
                ind.down = true;
                ind.outages = 1;
                ind.cause = Some(cause);
                self.indicators_down += 1;
            }
            if m.tracks_pending() && self.workloads.pending_of(w) > 0 {
                let ind = &mut self.indicators[INDICATORS.len() + w];
                ind.pending = true;
                ind.pending_since = 0.0;
            }
        }
        let ctx = &mut self.ctx;
        self.maintenance.start(ctx);
        self.recovery.reset(ctx);
        self.infra.start(ctx);
        self.endpoint.start(ctx);
        self.etcd.start(ctx);
        self.changes.reset(ctx);
    }

    /// Routes an event to the room that owns it.
    #[inline]
    fn apply(&mut self, now: f64, event: Event) {
        let m = self.ctx.model;
        // Evictions and readiness change only their pods (and those the
        // scheduler places after), whose workloads' moves count them.
        if !matches!(
            event,
            Event::Workloads(
                workloads::Event::EvictionTick(_)
                    | workloads::Event::NodeEvict(_)
                    | workloads::Event::PodReady(_)
            )
        ) {
            self.cause_epoch += 1;
        }
        if let Event::Infrastructure(e) = event {
            if let infrastructure::Event::HostFail(h)
            | infrastructure::Event::HostRepair(h)
            | infrastructure::Event::HostDeleted(h) = e
                && !self.infra.current(h as usize, now)
            {
                return;
            }
            match e {
                infrastructure::Event::HostFail(h) | infrastructure::Event::HostRepair(h) => {
                    let up = matches!(e, infrastructure::Event::HostRepair(_));
                    if let Some(up) = self.infra.set_host(m, h as usize, up) {
                        self.host_changed(h as usize, up, now);
                    }
                }
                infrastructure::Event::ZoneFail(z) | infrastructure::Event::ZoneRepair(z) => {
                    let z = z as usize;
                    self.infra
                        .set_zone(m, z, matches!(e, infrastructure::Event::ZoneRepair(_)));
                    self.control_plane_changed |= self.endpoint.watches_zones();
                    self.zone_changed(z, now);
                }
                // Every zone of the region at once, each as a zone's outage.
                infrastructure::Event::RegionFail(r) | infrastructure::Event::RegionRepair(r) => {
                    let up = matches!(e, infrastructure::Event::RegionRepair(_));
                    self.recovery.region_changed(&mut self.ctx, now, r, up);
                    let r = r as usize;
                    self.infra.set_region(r, up);
                    self.control_plane_changed |= self.endpoint.watches_zones();
                    for i in 0..self.infra.region_zones(r).len() {
                        self.zone_changed(self.infra.region_zones(r)[i] as usize, now);
                    }
                }
                // The host was down already; a worker's Node is gone with it.
                infrastructure::Event::HostDeleted(h) => {
                    if let Role::Worker(k) = m.hosts[h as usize].role {
                        self.workloads.free_worker(&mut self.ctx, k, now);
                    }
                }
                // As a zone's, without the load balancer: no instance is in a rack.
                infrastructure::Event::RackFail(r) | infrastructure::Event::RackRepair(r) => {
                    let r = r as usize;
                    self.infra
                        .set_rack(r, matches!(e, infrastructure::Event::RackRepair(_)));
                    for i in 0..self.infra.rack_hosts(r).len() {
                        let h = self.infra.rack_hosts(r)[i] as usize;
                        if let Some(up) = self.infra.refresh(m, h) {
                            self.host_changed(h, up, now);
                        }
                    }
                }
            }
            if let infrastructure::Event::HostFail(h) = e
                && m.data_at_risk
                && self.etcd.maybe_lose_disk(&mut self.ctx, h as usize)
            {
                self.control_plane_changed = true;
                self.endpoint.member_changed(
                    &mut self.ctx,
                    now,
                    h as usize,
                    &self.infra,
                    &self.etcd,
                );
            }
            self.infra.next_phase(&mut self.ctx, now, e);
            return;
        }
        let ctx = &mut self.ctx;
        match event {
            Event::Infrastructure(_) => {}
            Event::Etcd(e) => {
                self.control_plane_changed = true;
                self.etcd.handle(ctx, now, e, &self.infra);
                if let etcd::Event::MemberCrash(j)
                | etcd::Event::MemberRestart(j)
                | etcd::Event::MemberReplaced(j) = e
                {
                    let h = m.member_hosts[j as usize] as usize;
                    self.endpoint
                        .member_changed(&mut self.ctx, now, h, &self.infra, &self.etcd);
                }
            }
            Event::Endpoint(e) => {
                self.control_plane_changed = true;
                self.endpoint.handle(ctx, now, e, &self.infra, &self.etcd);
            }
            Event::Controllers(e) => {
                self.lease_attempted = true;
                match m.wiring {
                    Wiring::LoadBalancer => {
                        let api = self.api_now();
                        self.controllers
                            .handle(&mut self.ctx, e, api, None, &self.infra);
                    }
                    Wiring::Kubeadm => {
                        // Each host's own apiserver, which the endpoint
                        // follows as it changes; etcd must be writable.
                        let etcd = self.etcd.writable(m, &self.infra)
                            && !self.changes.certificates_expired();
                        let serving = self.endpoint.serving_all();
                        self.controllers
                            .handle(&mut self.ctx, e, etcd, Some(serving), &self.infra);
                    }
                }
            }
            Event::Workloads(workloads::Event::NodeJoin(k)) => self.node_joins(k as usize, now),
            Event::Workloads(workloads::Event::NodeRemove(k)) => {
                if self.workloads.removal_due(k as usize, now) {
                    self.remove_node(k as usize, now);
                }
            }
            Event::Workloads(e) => self.workloads.handle(ctx, now, e, &self.infra),
            Event::Operations(e) => match e {
                operations::Event::MaintenanceRound => self.maintenance.round(ctx, now),
                operations::Event::MaintenanceEnd(h) => {
                    if let Some(up) = self.infra.set_maintenance(m, h as usize, false) {
                        self.host_changed(h as usize, up, now);
                    }
                    self.maintenance.host_done(h as usize);
                }
                operations::Event::DisasterStrike(i) => {
                    self.control_plane_changed |= self.recovery.strike(ctx, now, i);
                    if self.recovery.workloads_changed() {
                        self.apply_workload_data();
                    }
                }
                operations::Event::SilentFailure(_)
                | operations::Event::SilentFound(_)
                | operations::Event::SilentFixed(_) => {
                    self.recovery.silent_event(ctx, now, e);
                }
                operations::Event::WorkloadRestore(w) => {
                    self.recovery.workload_step(ctx, now, w);
                    if self.recovery.workloads_changed() {
                        self.apply_workload_data();
                    }
                }
                operations::Event::CertificatesExpire(_)
                | operations::Event::CertificatesRenewed(_) => {
                    self.changes.handle(ctx, now, e);
                    self.control_plane_changed = true;
                }
                operations::Event::ChangeDue(_)
                | operations::Event::ChangeStep(_)
                | operations::Event::ChangeRestarted(_)
                | operations::Event::ChangeGate(_)
                | operations::Event::ChangeDetected(_)
                | operations::Event::ChangeRolledBack(_) => {
                    let effect = self.changes.handle(ctx, now, e);
                    self.apply_change(effect, now);
                }
                operations::Event::RecoveryStep(generation) => {
                    let etcd_was = self.settled[0];
                    if self.recovery.step_due(
                        ctx,
                        now,
                        generation,
                        etcd_was,
                        &mut self.etcd,
                        &self.infra,
                    ) {
                        self.control_plane_changed = true;
                        self.endpoint
                            .members_changed(&mut self.ctx, now, &self.infra, &self.etcd);
                    }
                }
            },
        }
    }

    /// Zone z went down or came back (itself or with its region): each of
    /// its hosts whose `up` changed goes to [`Self::host_changed`].
    #[inline]
    fn zone_changed(&mut self, z: usize, now: f64) {
        let m = self.ctx.model;
        for i in 0..self.infra.zone_hosts(z).len() {
            let h = self.infra.zone_hosts(z)[i] as usize;
            if let Some(up) = self.infra.refresh(m, h) {
                self.host_changed(h, up, now);
            }
        }
    }

    /// Hands a host whose `up` changed to the rooms whose processes run on
    /// it, in order: etcd (its member), the endpoint (its apiserver),
    /// workloads (its pods).
    #[inline]
    fn host_changed(&mut self, h: usize, up: bool, now: f64) {
        let m = self.ctx.model;
        self.etcd.host_changed(m, h, up);
        match m.hosts[h].role {
            Role::Worker(k) => self
                .workloads
                .worker_changed(&mut self.ctx, k as usize, up, now),
            Role::ControlPlane(_) => {
                self.control_plane_changed = true;
                self.endpoint
                    .host_changed(&mut self.ctx, now, h, up, &self.infra, &self.etcd);
            }
            Role::Etcd(_) => self.control_plane_changed = true,
        }
    }

    /// The cluster autoscaler's worker k joins, if its scale-up falls due
    /// now: its host comes up (unless its zone or rack is down) and its
    /// failure clock starts.
    fn node_joins(&mut self, k: usize, now: f64) {
        let m = self.ctx.model;
        if !self.workloads.node_joins(k, now) {
            return;
        }
        let h = m.first_worker as usize + k;
        if let Some(up) = self.infra.set_present(m, h, true) {
            self.host_changed(h, up, now);
        }
        self.infra.start_host(&mut self.ctx, h, now);
    }

    /// The cluster autoscaler removes its worker k: drained through the API
    /// as far as the disruption budgets allow (otherwise held), then
    /// deleted. Its host's pending events are stale from now on.
    fn remove_node(&mut self, k: usize, now: f64) {
        let m = self.ctx.model;
        let h = m.first_worker as usize + k;
        if !self.infra.host_up(h) || !self.settled[1] {
            self.workloads.removal_held(k, false);
            return;
        }
        if !self
            .workloads
            .budget_allows_drain(&mut self.ctx, k as u16, now)
        {
            self.workloads.removal_held(k, true);
            return;
        }
        self.workloads
            .evict_worker(&mut self.ctx, k as u16, now, workloads::Eviction::Drain);
        self.workloads.node_removed(k);
        if let Some(up) = self.infra.set_present(m, h, false) {
            self.host_changed(h, up, now);
        }
        self.infra.forget_host(h);
    }

    /// etcd writable, the endpoint up and the certificates valid, now.
    #[inline]
    fn api_now(&self) -> bool {
        let m = self.ctx.model;
        self.etcd.writable(m, &self.infra)
            && self.endpoint.up(m, &self.infra)
            && !self.changes.certificates_expired()
    }

    /// Carries out what a change's event decided: its targets let go, then
    /// those of the step going live held down (a good change stops them
    /// gracefully first: leases released, an etcd leader handing over, a
    /// worker drained); and the certificates renewed.
    #[inline(never)]
    fn apply_change(&mut self, effect: Effect, now: f64) {
        let c = effect.change;
        if let ChangeTarget::Workload(w) = self.ctx.model.changes[c as usize].target {
            let w = w as usize;
            if let Some(release) = effect.rollout
                && !self
                    .workloads
                    .start_rollout(&mut self.ctx, now, w, c, release)
            {
                self.changes.abandon(c);
            }
            if effect.stop {
                self.workloads.stop_rollout(w);
            }
            if effect.rolled_back {
                self.workloads.finish_rollback(&mut self.ctx, now, w);
            }
            return;
        }
        for t in effect.release.clone() {
            self.hold_target(c, t as usize, false, false, now);
        }
        for t in effect.hold.clone() {
            self.hold_target(c, t as usize, true, effect.graceful, now);
        }
        if effect.renew {
            self.changes.renew(&mut self.ctx, now);
            self.control_plane_changed = true;
        }
    }

    /// Holds target t of change c down, or lets it go.
    fn hold_target(&mut self, c: u16, t: usize, hold: bool, graceful: bool, now: f64) {
        let m = self.ctx.model;
        match m.changes[c as usize].target {
            ChangeTarget::ControlPlane => {
                self.control_plane_changed = true;
                if hold {
                    self.controllers.release(&mut self.ctx, now, t as u16);
                }
                if let Some(live) = self.infra.set_cp_held(t, c, hold) {
                    self.endpoint.processes_changed(
                        &mut self.ctx,
                        now,
                        t,
                        live,
                        &self.infra,
                        &self.etcd,
                    );
                }
            }
            ChangeTarget::Etcd => {
                self.control_plane_changed = true;
                let h = m.member_hosts[t] as usize;
                if hold && graceful {
                    self.etcd.drain(&mut self.ctx, h, &self.infra);
                }
                if self.etcd.set_held(m, t, c, hold, &self.infra) {
                    self.endpoint
                        .member_changed(&mut self.ctx, now, h, &self.infra, &self.etcd);
                }
            }
            ChangeTarget::Workers => {
                if hold && graceful {
                    self.workloads.evict_worker(
                        &mut self.ctx,
                        t as u16,
                        now,
                        workloads::Eviction::Drain,
                    );
                }
                let h = m.first_worker as usize + t;
                if let Some(up) = self.infra.set_held(m, h, c, hold) {
                    self.host_changed(h, up, now);
                }
            }
            ChangeTarget::LoadBalancer => {
                self.control_plane_changed = true;
                self.endpoint.set_lb_held(t, c, hold);
            }
            ChangeTarget::Workload(_) => {}
        }
    }

    /// Drains host `h` (its pods are evicted through the API at once) and
    /// takes it down for maintenance. An etcd leader on it hands over first.
    fn drain(&mut self, h: usize, now: f64) {
        let m = self.ctx.model;
        if let Role::Worker(k) = m.hosts[h].role {
            self.workloads
                .evict_worker(&mut self.ctx, k, now, workloads::Eviction::Drain);
        }
        self.etcd.drain(&mut self.ctx, h, &self.infra);
        if let Role::ControlPlane(_) = m.hosts[h].role {
            self.controllers.release(&mut self.ctx, now, h as u16);
        }
        if let Some(up) = self.infra.set_maintenance(m, h, true) {
            self.host_changed(h, up, now);
        }
        if let Some(maintenance) = &m.maintenance {
            self.ctx.schedule(
                now + maintenance.duration,
                operations::Event::MaintenanceEnd(h as u16),
            );
        }
    }

    /// Derived reactions after all events of an instant, room by room in
    /// the documented order.
    fn settle(&mut self, now: f64) {
        let m = self.ctx.model;
        // Only events of control-plane components can change etcd, the API
        // or the leases; the many worker and pod events skip that part.
        if self.control_plane_changed {
            self.control_plane_changed = false;
            self.lease_attempted = false;
            self.settle_control_plane(now);
            // The API and the controllers' leaders (read by the causes of
            // downtime) change only here.
            self.cause_epoch += 1;
        } else if self.lease_attempted {
            self.lease_attempted = false;
            self.settled[2] = self.settled[1] && self.controllers.all_lead();
            self.cause_epoch += 1;
        }
        if m.workers > 0 {
            if m.autoscaler.is_some() {
                for k in self.workloads.removals_to_retry() {
                    self.remove_node(k as usize, now);
                }
            }
            let api = self.settled[1];
            let controller = api && self.controllers.has_leader(CONTROLLER_MANAGER);
            let scheduler = api && self.controllers.has_leader(SCHEDULER);
            self.workloads
                .settle(&mut self.ctx, now, controller, scheduler, &self.infra);
            if self.workloads.has_outcomes() {
                self.take_rollout_outcomes(now);
            }
            let settled = &mut self.settled[INDICATORS.len()..];
            let indicators = &mut self.indicators[INDICATORS.len()..];
            let watch = &mut self.watch;
            let pending = m.tracks_pending();
            let any_down = self.indicators_down > 0;
            self.workloads.changed_minimums(|workloads, w| {
                let met = workloads.meets_minimum(w);
                settled[w] = met;
                // The indicator is read only when it may matter (for the cache).
                if met && !any_down && !pending {
                    bits::clear(watch, w);
                    return;
                }
                let ind = &mut indicators[w];
                bits::put(watch, w, !met || ind.down);
                if pending {
                    let now_pending = workloads.pending_of(w) > 0;
                    if now_pending && !ind.pending {
                        ind.pending_since = now;
                    } else if !now_pending && ind.pending {
                        ind.pending_seconds += now - ind.pending_since;
                    }
                    ind.pending = now_pending;
                }
            });
        }
        if self.maintenance.waiting() {
            self.settle_maintenance(now);
        }
    }

    /// Workloads whose data a disaster destroyed, or a restore brought
    /// back: they stop (or may again) count as serving.
    #[inline(never)]
    fn apply_workload_data(&mut self) {
        for (w, lost) in self.recovery.take_workload_changes() {
            self.workloads.set_lost(w as usize, lost);
        }
        self.cause_epoch += 1;
    }

    /// Hands the rollouts' outcomes to the changes room.
    #[inline(never)]
    fn take_rollout_outcomes(&mut self, now: f64) {
        for outcome in self.workloads.take_outcomes() {
            match outcome {
                workloads::Outcome::Completed(c) => self.changes.completed(c),
                workloads::Outcome::DeadlineExceeded(c) => {
                    self.changes.deadline_exceeded(&mut self.ctx, now, c)
                }
            }
        }
    }

    /// Starts the round's next drain if it may start now. The drain is a
    /// change of this instant: settle again after it (once: the round is
    /// busy until the host is back).
    #[inline(never)]
    fn settle_maintenance(&mut self, now: f64) {
        let api = self.settled[1];
        if let Some(h) = self.maintenance.next_drain(
            &mut self.ctx,
            now,
            api,
            &self.infra,
            &self.etcd,
            &mut self.workloads,
        ) {
            self.drain(h, now);
            self.settle(now);
        }
    }

    /// etcd elections, the API's transitions, the controllers' leases and
    /// data.
    fn settle_control_plane(&mut self, now: f64) {
        let m = self.ctx.model;
        let ctx = &mut self.ctx;
        let etcd = self
            .etcd
            .settle(ctx, now, self.recovery.corrupted(), &self.infra);
        self.endpoint.settle(ctx, now, &self.infra);
        let certificates = !self.changes.certificates_expired();
        let api = etcd && self.endpoint.up(m, &self.infra) && certificates;
        self.endpoint.set_api(m, api);
        match m.wiring {
            Wiring::LoadBalancer => {
                self.controllers
                    .settle(&mut self.ctx, now, api, self.settled[1], &self.infra)
            }
            // settle_local reads only etcd and each apiserver's serving,
            // and does nothing when neither changed since it last ran.
            Wiring::Kubeadm
                if self.endpoint.take_serving_changed()
                    || etcd != self.settled[0]
                    || self.changes.take_certificates_changed() =>
            {
                self.controllers.settle_local(
                    &mut self.ctx,
                    now,
                    etcd && certificates,
                    self.endpoint.serving_all(),
                    &self.infra,
                );
            }
            Wiring::Kubeadm => {}
        }
        let ctx = &mut self.ctx;
        let control_plane = api && self.controllers.all_lead();
        if m.data_at_risk {
            let was = self.settled[0];
            self.recovery.settle_writable(now, etcd, was);
            self.etcd.settle_members(ctx, now, etcd, &self.infra);
            self.recovery
                .settle(ctx, now, etcd, was, &mut self.etcd, &self.infra);
            if api {
                self.recovery.api_up(now);
            }
        }
        self.settled[0] = etcd;
        self.settled[1] = api;
        self.settled[2] = control_plane;
    }

    /// Records indicator transitions at the end of an instant, and what
    /// each down indicator is waiting for (its downtime's cause).
    #[inline]
    fn record(&mut self, now: f64, on_outage: &mut impl Sink) {
        let failing = self.endpoint.failing_share();
        if failing != self.failing {
            self.requests_until(now);
            self.failing = failing;
        }
        // Most instants change nothing: every indicator up and staying up.
        let control_plane = INDICATORS.len();
        if self.indicators_down == 0
            && !self.settled[..control_plane].contains(&false)
            && !self.watch.iter().any(|&b| b != 0)
        {
            return;
        }
        if self.infra.version() != self.cause_infra {
            self.cause_infra = self.infra.version();
            self.cause_epoch += 1;
        }
        let mut judged = Judged::default();
        for i in 0..control_plane {
            if !self.settled[i] || self.indicators[i].down {
                self.record_one(i, now, on_outage, &mut judged);
            }
        }
        // The workloads down or going down, in order. One down before and
        // still, whose cause is kept, has nothing to record (in tests and
        // debug builds it is recorded, to check the kept cause).
        let keep = self.settled[1] && !self.workloads.rolling_out();
        for word in 0..self.watch.len() {
            let mut b = self.watch[word];
            while b != 0 {
                let w = word * 64 + b.trailing_zeros() as usize;
                b &= b - 1;
                let i = control_plane + w;
                if !cfg!(any(test, debug_assertions))
                    && keep
                    && !self.settled[i]
                    && self.indicators[i].down
                    && self.cause_cache[w].holds(self.cause_epoch, self.workloads.moves(w))
                {
                    continue;
                }
                self.record_one(i, now, on_outage, &mut judged);
                let watched = !self.settled[i] || self.indicators[i].down;
                bits::put(&mut self.watch, w, watched);
            }
        }
    }

    /// Charges `api`'s failing requests from the last change of their share
    /// up to `now`.
    #[inline(never)]
    fn requests_until(&mut self, now: f64) {
        let api = &mut self.indicators[1];
        let (f, d) = (self.failing, now - self.failing_since);
        api.failed_request_seconds += f * d;
        if f > 0.0 && f < 1.0 {
            api.degraded_seconds += d;
        }
        self.failing_since = now;
    }

    #[inline(never)]
    fn record_one(&mut self, i: usize, now: f64, on_outage: &mut impl Sink, judged: &mut Judged) {
        let up = self.settled[i];
        let cause = if up {
            None
        } else if i >= INDICATORS.len() {
            Some(self.workload_cause_cached(i - INDICATORS.len(), now, judged))
        } else {
            Some(self.blocking_cause_judged(i, now, judged))
        };
        let causes = &self.ctx.model.causes;
        let ind = &mut self.indicators[i];
        if ind.down == up {
            if up {
                let d = now - ind.down_since;
                ind.downtime += d;
                ind.down = false;
                self.indicators_down -= 1;
                ind.charge(causes, now);
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
            on_outage.state(i, now, cause);
        } else if cause != ind.cause {
            ind.charge(causes, now);
            ind.cause = cause;
            ind.cause_since = now;
            on_outage.state(i, now, cause);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_survive_packing() {
        let events: [Event; 27] = [
            infrastructure::Event::HostFail(0).into(),
            infrastructure::Event::HostRepair(999).into(),
            infrastructure::Event::ZoneFail(2).into(),
            infrastructure::Event::ZoneRepair(65_535).into(),
            infrastructure::Event::RackFail(0).into(),
            infrastructure::Event::RackRepair(65_535).into(),
            endpoint::Event::LbFail(0).into(),
            endpoint::Event::LbRepair(1).into(),
            endpoint::Event::HealthCheck(6).into(),
            endpoint::Event::Takeover.into(),
            endpoint::Event::Reachable.into(),
            endpoint::Event::Unlisted(2).into(),
            etcd::Event::Elected(super::super::GENERATION_MASK).into(),
            controllers::Event::LeaseAttempt(0, 17).into(),
            controllers::Event::LeaseAttempt(1, 0).into(),
            endpoint::Event::ApiserverCrash(6).into(),
            endpoint::Event::ApiserverRestart(0).into(),
            etcd::Event::MemberCrash(4).into(),
            etcd::Event::MemberRestart(65_535).into(),
            etcd::Event::MemberReplaced(3).into(),
            workloads::Event::NodeGrace(999).into(),
            workloads::Event::NodeEvict(0).into(),
            workloads::Event::EvictionTick(7).into(),
            workloads::Event::PodReady(super::super::workloads::MAX_PODS - 1).into(),
            operations::Event::MaintenanceRound.into(),
            operations::Event::MaintenanceEnd(2_999).into(),
            operations::Event::RecoveryStep(super::super::GENERATION_MASK).into(),
        ];
        for e in events {
            assert_eq!(Event::unpack(e.pack()), e);
        }
    }
}
