//! One replication: the cluster's state and its event loop.

use rand::RngExt;

use super::controllers::{Controller, Lease};
use super::etcd::{Election, Settle};
use super::streams::{Layout, Streams, slot};
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
            _ => Event::MemberRestart(payload as u16),
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
    down: bool,
    down_since: f64,
}

/// What a replication produced.
#[derive(Debug)]
pub struct ReplicationRun<'a> {
    /// One entry per indicator, in [`INDICATORS`] order.
    pub indicators: &'a [IndicatorRun],
    /// Events processed.
    pub events: u64,
}

const SCHEDULER: usize = 0;
const CONTROLLER_MANAGER: usize = 1;

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
    /// Up itself and its zone up.
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
    /// Indicators as of the last settle, in [`INDICATORS`] order.
    settled: [bool; 3],
    indicators: Vec<IndicatorRun>,
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
        Cluster {
            model,
            layout,
            streams,
            queue: EventQueue::new(model.horizon),
            zone_hosts,
            host_own_up: vec![true; n],
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
            settled: [true; 3],
            indicators: vec![IndicatorRun::default(); INDICATORS.len()],
            events: 0,
        }
    }

    /// Simulates replication `replication` from t = 0 to the horizon.
    /// `on_outage(indicator, seconds)` is called for each outage that ends
    /// within the horizon.
    pub fn run(
        &mut self,
        replication: u64,
        mut on_outage: impl FnMut(usize, f64),
    ) -> ReplicationRun<'_> {
        self.reset(replication);
        while let Some((now, event)) = self.queue.pop() {
            self.events += 1;
            self.apply(now, event);
            // Indicators are judged only after every event of an instant.
            if self.queue.peek_time().is_none_or(|t| t > now) {
                self.settle(now);
                if self.queue.peek_time().is_none_or(|t| t > now) {
                    self.record(now, &mut on_outage);
                }
            }
        }
        let horizon = self.model.horizon;
        for ind in &mut self.indicators {
            if ind.down {
                ind.downtime += horizon - ind.down_since;
                ind.censored = true;
            }
        }
        ReplicationRun {
            indicators: &self.indicators,
            events: self.events,
        }
    }

    /// t = 0: everything up, members in sync, leaders in place.
    fn reset(&mut self, replication: u64) {
        let m = self.model;
        self.streams.reseed(m.seed, replication);
        self.queue.reset(m.horizon);
        self.events = 0;
        self.host_own_up.fill(true);
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
        self.settled = [true; 3];
        self.indicators.fill(IndicatorRun::default());
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
                self.refresh_host(h);
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
                self.set_zone(z as usize, up);
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
                // Quorum may have gone at this same instant: then the next
                // settle abandons the election instead.
                if self.election.is_current(generation) && self.members_up >= m.quorum {
                    let leader = self.pick_up_member();
                    self.election.elected(leader);
                }
            }
            Event::LeaseAttempt(c, generation) => {
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
                let up = matches!(event, Event::MemberRestart(_));
                let j = j as usize;
                self.member_crashed[j] = !up;
                if self.host_up[m.member_hosts[j] as usize] {
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

    fn set_zone(&mut self, z: usize, up: bool) {
        self.zone_up[z] = up;
        for i in 0..self.zone_hosts[z].len() {
            let h = self.zone_hosts[z][i] as usize;
            self.refresh_host(h);
        }
    }

    /// Re-derives whether host `h` is up (itself and its zone) and keeps the
    /// member and apiserver counts in step.
    fn refresh_host(&mut self, h: usize) {
        let host = &self.model.hosts[h];
        let up = self.host_own_up[h] && self.zone_up[host.zone as usize];
        if up == self.host_up[h] {
            return;
        }
        self.host_up[h] = up;
        // A process counts as up when its host is up and it has not crashed.
        if let Some(member) = host.member
            && !self.member_crashed[member as usize]
        {
            count(&mut self.members_up, up);
        }
        if let Role::ControlPlane(i) = host.role {
            count(&mut self.cp_hosts_up, up);
            if !self.apiserver_crashed[i as usize] {
                count(&mut self.apiservers_up, up);
            }
        }
    }

    /// Member m is up: its host is up and its process has not crashed.
    #[inline]
    fn member_up(&self, m: u16) -> bool {
        self.host_up[self.model.member_hosts[m as usize] as usize]
            && !self.member_crashed[m as usize]
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
        let quorum = self.members_up >= m.quorum;
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
        self.settled = [etcd, api, control_plane];
    }

    /// Records indicator transitions at the end of an instant.
    fn record(&mut self, now: f64, on_outage: &mut impl FnMut(usize, f64)) {
        for (i, up) in self.settled.into_iter().enumerate() {
            let ind = &mut self.indicators[i];
            if ind.down == up {
                if up {
                    let d = now - ind.down_since;
                    ind.downtime += d;
                    ind.down = false;
                    on_outage(i, d);
                } else {
                    ind.down = true;
                    ind.down_since = now;
                    ind.outages += 1;
                }
            }
        }
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
        ];
        for e in events {
            assert_eq!(Event::unpack(e.pack()), e);
        }
    }
}
