//! The infrastructure room: zones, racks and hosts.
//!
//! A host is up when it has not failed itself, its zone is up, its rack (if
//! the model has racks) is up, and it is not down for planned maintenance.
//! This room owns those facts and derives `host_up` from them. Each change of a host's `up` is returned to
//! the dispatcher, which hands it to the rooms whose processes run on hosts
//! (etcd, the endpoint, workloads) before the next host is looked at.

use super::bits;
use super::causes::Cause;
use super::cluster::Ctx;
use super::streams::slot;
use super::{Model, Role};

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    HostFail(u16),
    HostRepair(u16),
    ZoneFail(u16),
    ZoneRepair(u16),
    /// Rack r (numbered over all zones, see [`super::Host::rack`]) fails.
    RackFail(u16),
    RackRepair(u16),
    /// Host h, failed, is deleted by the cloud (its class is replaced, not
    /// repaired): its successor joins a provisioning time later.
    HostDeleted(u16),
    /// Region r fails: every zone of it is down until it is repaired.
    RegionFail(u16),
    RegionRepair(u16),
}

impl Event {
    #[inline(always)]
    pub(super) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::HostFail(h) => (0, h),
            Event::HostRepair(h) => (1, h),
            Event::ZoneFail(z) => (2, z),
            Event::ZoneRepair(z) => (3, z),
            Event::RackFail(r) => (4, r),
            Event::RackRepair(r) => (5, r),
            Event::HostDeleted(h) => (6, h),
            Event::RegionFail(r) => (7, r),
            Event::RegionRepair(r) => (8, r),
        };
        tag << 24 | payload as u32
    }

    #[inline]
    pub(super) fn unpack(code: u32) -> Self {
        let payload = code as u16;
        match code >> 24 {
            0 => Event::HostFail(payload),
            1 => Event::HostRepair(payload),
            2 => Event::ZoneFail(payload),
            3 => Event::ZoneRepair(payload),
            4 => Event::RackFail(payload),
            5 => Event::RackRepair(payload),
            6 => Event::HostDeleted(payload),
            7 => Event::RegionFail(payload),
            _ => Event::RegionRepair(payload),
        }
    }

    /// The scenario key of the component behind the event.
    pub(super) fn component(self, m: &Model) -> String {
        match self {
            Event::HostFail(h) | Event::HostRepair(h) | Event::HostDeleted(h) => {
                match m.hosts[h as usize].role {
                    Role::ControlPlane(_) => "control_plane.node",
                    Role::Etcd(_) => "control_plane.etcd_node",
                    Role::Worker(_) => "workers.node",
                }
                .into()
            }
            Event::ZoneFail(_) | Event::ZoneRepair(_) => "zones".into(),
            Event::RackFail(_) | Event::RackRepair(_) => "zones.racks".into(),
            Event::RegionFail(_) | Event::RegionRepair(_) => "regions".into(),
        }
    }
}

/// Zones, racks and hosts of one replication.
pub struct Infrastructure {
    /// Hosts of each zone.
    zone_hosts: Vec<Vec<u16>>,
    /// Hosts of each rack (numbered over all zones); empty without racks.
    rack_hosts: Vec<Vec<u16>>,
    /// A host's own state (failed or not), regardless of its zone.
    host_own_up: Vec<bool>,
    /// Down for planned maintenance.
    in_maintenance: Vec<bool>,
    /// The changes (a bit per change) holding each host down: a node-level
    /// change restarting a worker, or a bad one that left it NotReady.
    held: Vec<u64>,
    /// Up itself, its zone and rack up, not in maintenance, and not held by
    /// a change.
    host_up: Vec<bool>,
    /// Each zone is up: itself, and its region (with regions).
    zone_up: Vec<bool>,
    /// Each zone's own state, regardless of its region.
    zone_own_up: Vec<bool>,
    /// Each region's state (empty without regions).
    region_up: Vec<bool>,
    /// The zones of each region (empty without regions).
    region_zones: Vec<Vec<u16>>,
    /// Each rack's state; without racks one entry, rack 0 where every host
    /// is, always up.
    rack_up: Vec<bool>,
    /// The changes holding each control-plane host's control-plane
    /// processes (kube-apiserver, scheduler, controller-manager) down.
    cp_held: Vec<u64>,
    /// Each control-plane host is up and its control-plane processes are
    /// not held by a change: its controllers can lead.
    cp_live: Vec<bool>,
    /// Control-plane hosts in `cp_live`.
    cp_hosts_up: u32,
    /// Whether each host exists: all but the cluster autoscaler's worker
    /// slots it has not filled.
    present: Vec<bool>,
    /// The first host of the cluster autoscaler's slots (`hosts.len()`
    /// without), and when each slot's next failure, repair or deletion is
    /// due: a slot's clock starts when its worker joins, and the events of
    /// a worker it removed are stale.
    slot_host: usize,
    next_at: Vec<f64>,
    /// The workers up (`host_up` from the first worker on), as a set of
    /// [`bits`] for the scheduler.
    worker_up: Vec<u64>,
    /// Counts the changes of what [`Self::host_cause`], [`Self::zone_up`],
    /// [`Self::workers_down`] and [`Self::workers_up`] read (a cause
    /// judged, or a pod found no node, at one count holds while it stays).
    version: u64,
}

impl Infrastructure {
    pub fn new(m: &Model) -> Self {
        let mut zone_hosts = vec![Vec::new(); m.zones as usize];
        let mut rack_hosts = vec![Vec::new(); m.racks()];
        for (h, host) in m.hosts.iter().enumerate() {
            zone_hosts[host.zone as usize].push(h as u16);
            if let Some(hosts) = rack_hosts.get_mut(host.rack as usize) {
                hosts.push(h as u16);
            }
        }
        let n = m.hosts.len();
        Infrastructure {
            zone_hosts,
            rack_hosts,
            host_own_up: vec![true; n],
            in_maintenance: vec![false; n],
            held: vec![0; n],
            host_up: vec![true; n],
            zone_up: vec![true; m.zones as usize],
            zone_own_up: vec![true; m.zones as usize],
            region_up: vec![true; m.regions as usize],
            region_zones: (0..m.regions)
                .map(|r| {
                    (0..m.zones)
                        .filter(|&z| m.zone_region[z as usize] == r)
                        .collect()
                })
                .collect(),
            cp_held: vec![0; m.cp_hosts as usize],
            cp_live: vec![true; m.cp_hosts as usize],
            rack_up: vec![true; m.racks().max(1)],
            cp_hosts_up: 0,
            present: vec![true; n],
            slot_host: m.first_worker as usize + m.workers_at_start() as usize,
            next_at: vec![f64::INFINITY; m.workers as usize - m.workers_at_start() as usize],
            worker_up: vec![0; bits::words(m.workers as usize)],
            version: 0,
        }
    }

    /// t = 0: everything up.
    pub fn reset(&mut self, m: &Model) {
        self.version += 1;
        self.host_own_up.fill(true);
        self.in_maintenance.fill(false);
        self.held.fill(0);
        self.host_up.fill(true);
        self.zone_up.fill(true);
        self.zone_own_up.fill(true);
        self.region_up.fill(true);
        self.cp_held.fill(0);
        self.cp_live.fill(true);
        self.rack_up.fill(true);
        self.cp_hosts_up = m.cp_hosts as u32;
        let at_start = m.workers_at_start() as usize;
        bits::fill_first(&mut self.worker_up, at_start);
        if at_start < m.workers as usize {
            let first = m.first_worker as usize + at_start;
            self.present.fill(true);
            self.present[first..].fill(false);
            self.host_up[first..].fill(false);
            self.next_at.fill(f64::INFINITY);
        }
    }

    /// Host h (a slot) has joined at `now`: its failure clock starts.
    pub fn start_host(&mut self, ctx: &mut Ctx, h: usize, now: f64) {
        let m = ctx.model;
        let life = &m.host_classes[m.hosts[h].class as usize];
        let at = now + life.failure.sample(ctx.rng(slot::host_failure(h)));
        self.next_at[h - self.slot_host] = at;
        ctx.schedule(at, Event::HostFail(h as u16));
    }

    /// Host h (a slot) was removed: its pending events are stale.
    pub fn forget_host(&mut self, h: usize) {
        self.next_at[h - self.slot_host] = f64::INFINITY;
    }

    /// Whether an event of host h's lifecycle at `now` is current (not one
    /// of a worker the autoscaler has removed since).
    #[inline(always)]
    pub fn current(&self, h: usize, now: f64) -> bool {
        h < self.slot_host || self.next_at[h - self.slot_host] == now
    }

    /// Host h (a worker slot of the cluster autoscaler) joins (`on`) or is
    /// removed: its new `up`, if that changed. It joins in working order.
    pub fn set_present(&mut self, m: &Model, h: usize, on: bool) -> Option<bool> {
        self.version += 1;
        self.present[h] = on;
        self.host_own_up[h] = true;
        self.refresh(m, h)
    }

    /// Host h exists (see [`Self::set_present`]).
    #[inline]
    pub fn present(&self, h: usize) -> bool {
        self.present[h]
    }

    /// Queues every host's, zone's, rack's and region's first failure, in
    /// that order.
    pub fn start(&self, ctx: &mut Ctx) {
        let m = ctx.model;
        for (h, host) in m.hosts.iter().enumerate().take(self.slot_host) {
            let t = m.host_classes[host.class as usize]
                .failure
                .sample(ctx.rng(slot::host_failure(h)));
            ctx.schedule(t, Event::HostFail(h as u16));
        }
        for z in 0..m.zones as usize {
            let t = m
                .zone_lifecycle
                .failure
                .sample(ctx.rng(ctx.layout.zone_failure(z)));
            ctx.schedule(t, Event::ZoneFail(z as u16));
        }
        for r in 0..m.racks() {
            let t = m
                .rack_lifecycle
                .failure
                .sample(ctx.rng(ctx.layout.rack_failure(r)));
            ctx.schedule(t, Event::RackFail(r as u16));
        }
        for r in 0..m.regions as usize {
            let t = m
                .region_lifecycle
                .failure
                .sample(ctx.rng(ctx.layout.region_failure(r)));
            ctx.schedule(t, Event::RegionFail(r as u16));
        }
    }

    /// Host h failed (`up` false) or was repaired: its new `up`, if that changed.
    #[inline]
    pub fn set_host(&mut self, m: &Model, h: usize, up: bool) -> Option<bool> {
        self.version += 1;
        self.host_own_up[h] = up;
        self.refresh(m, h)
    }

    /// Zone z failed or was repaired. Its hosts follow: [`Self::refresh`]
    /// each of [`Self::zone_hosts`].
    #[inline]
    pub fn set_zone(&mut self, m: &Model, z: usize, up: bool) {
        self.version += 1;
        self.zone_own_up[z] = up;
        self.zone_up[z] = up && self.region_of_zone_up(m, z);
    }

    /// Whether zone z's region is up (always, without regions).
    #[inline]
    fn region_of_zone_up(&self, m: &Model, z: usize) -> bool {
        m.zone_region
            .get(z)
            .is_none_or(|&r| self.region_up[r as usize])
    }

    /// Region r failed or was repaired: its zones follow, and their hosts
    /// follow them ([`Self::refresh`] each host of each of
    /// [`Self::region_zones`]).
    #[inline]
    pub fn set_region(&mut self, r: usize, up: bool) {
        self.version += 1;
        self.region_up[r] = up;
        for &z in &self.region_zones[r] {
            let z = z as usize;
            self.zone_up[z] = up && self.zone_own_up[z];
        }
    }

    /// The zones of region r.
    #[inline]
    pub fn region_zones(&self, r: usize) -> &[u16] {
        &self.region_zones[r]
    }

    /// Every region's state, in order; empty without regions.
    #[inline]
    pub fn regions(&self) -> &[bool] {
        &self.region_up
    }

    /// Why zone z is down, if it is: its region first, then itself.
    #[inline]
    pub fn zone_cause(&self, m: &Model, z: usize) -> Option<Cause> {
        if self.zone_up[z] {
            None
        } else if !self.region_of_zone_up(m, z) {
            Some(Cause::RegionOutage)
        } else {
            Some(Cause::ZoneOutage)
        }
    }

    /// The hosts of zone z.
    #[inline]
    pub fn zone_hosts(&self, z: usize) -> &[u16] {
        &self.zone_hosts[z]
    }

    /// Rack r failed or was repaired. Its hosts follow: [`Self::refresh`]
    /// each of [`Self::rack_hosts`].
    #[inline]
    pub fn set_rack(&mut self, r: usize, up: bool) {
        self.version += 1;
        self.rack_up[r] = up;
    }

    /// The hosts of rack r.
    #[inline]
    pub fn rack_hosts(&self, r: usize) -> &[u16] {
        &self.rack_hosts[r]
    }

    /// Queues the end of the phase the event began: the component's next
    /// failure if it came back, its repair if it failed.
    #[inline]
    pub fn next_phase(&mut self, ctx: &mut Ctx, now: f64, event: Event) {
        let m = ctx.model;
        // A replaced host is deleted `after` its failure, and its successor
        // joins `provision` after that.
        if let Event::HostFail(h) | Event::HostDeleted(h) = event
            && let Some(replacement) = m.replacement_of(m.hosts[h as usize].class)
        {
            let base = ctx.layout.replace_base + 2 * h as usize;
            let (at, next) = if let Event::HostFail(_) = event {
                let d = replacement.after.sample(ctx.rng(base));
                (now + d, Event::HostDeleted(h))
            } else {
                let d = replacement.provision.sample(ctx.rng(base + 1));
                (now + d, Event::HostRepair(h))
            };
            ctx.schedule(at, next);
            self.note_next(h as usize, at);
            return;
        }
        match event {
            // Only replaced hosts are deleted (above).
            Event::HostDeleted(_) => {}
            Event::HostFail(h) | Event::HostRepair(h) => {
                let up = matches!(event, Event::HostRepair(_));
                let life = &m.host_classes[m.hosts[h as usize].class as usize];
                let next = if up {
                    Event::HostFail(h)
                } else {
                    Event::HostRepair(h)
                };
                let h = h as usize;
                let at = ctx.end_of_phase(
                    now,
                    life,
                    up,
                    (slot::host_failure(h), slot::host_repair(h)),
                    next,
                );
                self.note_next(h, at);
            }
            Event::ZoneFail(z) | Event::ZoneRepair(z) => {
                let up = matches!(event, Event::ZoneRepair(_));
                let next = if up {
                    Event::ZoneFail(z)
                } else {
                    Event::ZoneRepair(z)
                };
                let slots = (
                    ctx.layout.zone_failure(z as usize),
                    ctx.layout.zone_repair(z as usize),
                );
                ctx.end_of_phase(now, &m.zone_lifecycle, up, slots, next);
            }
            Event::RackFail(r) | Event::RackRepair(r) => {
                let up = matches!(event, Event::RackRepair(_));
                let next = if up {
                    Event::RackFail(r)
                } else {
                    Event::RackRepair(r)
                };
                let slots = (
                    ctx.layout.rack_failure(r as usize),
                    ctx.layout.rack_repair(r as usize),
                );
                ctx.end_of_phase(now, &m.rack_lifecycle, up, slots, next);
            }
            Event::RegionFail(r) | Event::RegionRepair(r) => {
                let up = matches!(event, Event::RegionRepair(_));
                let next = if up {
                    Event::RegionFail(r)
                } else {
                    Event::RegionRepair(r)
                };
                let slots = (
                    ctx.layout.region_failure(r as usize),
                    ctx.layout.region_repair(r as usize),
                );
                ctx.end_of_phase(now, &m.region_lifecycle, up, slots, next);
            }
        }
    }

    /// Notes when host h's next lifecycle event is due, if it is a slot.
    #[inline(always)]
    fn note_next(&mut self, h: usize, at: f64) {
        if h >= self.slot_host {
            self.next_at[h - self.slot_host] = at;
        }
    }

    /// Takes host h down for maintenance, or brings it back (a command of
    /// the operations room): its new `up`, if that changed.
    #[inline]
    pub fn set_maintenance(&mut self, m: &Model, h: usize, down: bool) -> Option<bool> {
        self.version += 1;
        self.in_maintenance[h] = down;
        self.refresh(m, h)
    }

    /// Holds host h down for change `c` (`held`), or lets it go (a command
    /// of the changes room): its new `up`, if that changed.
    #[inline]
    pub fn set_held(&mut self, m: &Model, h: usize, c: u16, held: bool) -> Option<bool> {
        self.version += 1;
        set_bit(&mut self.held[h], c, held);
        self.refresh(m, h)
    }

    /// Holds control-plane host i's control-plane processes down for change
    /// `c`, or lets them go: whether they can now run (`cp_live`), if that
    /// changed.
    #[inline]
    pub fn set_cp_held(&mut self, i: usize, c: u16, held: bool) -> Option<bool> {
        self.version += 1;
        set_bit(&mut self.cp_held[i], c, held);
        self.refresh_cp(i)
    }

    /// Re-derives whether host `h` is up: its new `up`, if that changed.
    #[inline(always)]
    pub fn refresh(&mut self, m: &Model, h: usize) -> Option<bool> {
        let host = &m.hosts[h];
        let up = self.host_own_up[h]
            && self.zone_up[host.zone as usize]
            && self.rack_up[host.rack as usize]
            && !self.in_maintenance[h]
            && self.held[h] == 0
            && self.present[h];
        if up == self.host_up[h] {
            return None;
        }
        self.version += 1;
        self.host_up[h] = up;
        match host.role {
            Role::ControlPlane(_) => {
                self.refresh_cp(h);
            }
            Role::Worker(k) => bits::put(&mut self.worker_up, k as usize, up),
            Role::Etcd(_) => {}
        }
        Some(up)
    }

    /// Re-derives whether control-plane host i's processes can run.
    #[inline(always)]
    fn refresh_cp(&mut self, i: usize) -> Option<bool> {
        let live = self.host_up[i] && self.cp_held[i] == 0;
        if live == self.cp_live[i] {
            return None;
        }
        self.cp_live[i] = live;
        super::count(&mut self.cp_hosts_up, live);
        Some(live)
    }

    /// Host h is up (itself, its zone, its rack, not in maintenance, not
    /// held by a change).
    #[inline]
    pub fn host_up(&self, h: usize) -> bool {
        self.host_up[h]
    }

    /// Whether each host from `first` on is up (the workers' view).
    #[inline]
    pub fn hosts_up_from(&self, first: usize) -> &[bool] {
        &self.host_up[first..]
    }

    /// See `version`.
    #[inline]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The workers up, as a set of [`bits`] (worker k is bit k).
    #[inline]
    pub fn workers_up(&self) -> &[u64] {
        &self.worker_up
    }

    /// The workers down, in order (worker indices).
    #[inline]
    pub fn workers_down(&self, m: &Model) -> impl Iterator<Item = usize> + '_ {
        bits::zeros(&self.worker_up, m.workers as usize)
    }

    /// Whether each control-plane host is up with its control-plane
    /// processes not held by a change (where controllers can lead).
    #[inline]
    pub fn cp_hosts(&self) -> &[bool] {
        &self.cp_live
    }

    /// Control-plane host i is up and its processes are not held by a change.
    #[inline]
    pub fn cp_live(&self, i: usize) -> bool {
        self.cp_live[i]
    }

    /// The change holding control-plane host i's processes, if any (the
    /// first in the scenario's order).
    #[inline]
    pub fn cp_change(&self, i: usize) -> Option<u16> {
        first_bit(self.cp_held[i])
    }

    /// Control-plane hosts up with their processes not held ([`Self::cp_hosts`]).
    #[inline]
    pub fn cp_hosts_up(&self) -> u32 {
        self.cp_hosts_up
    }

    /// Zone z is up.
    #[inline]
    pub fn zone_up(&self, z: usize) -> bool {
        self.zone_up[z]
    }

    /// Every zone's state, in order.
    #[inline]
    pub fn zones(&self) -> &[bool] {
        &self.zone_up
    }

    /// Every rack's state, in order (zone 1's racks first); empty without racks.
    #[inline]
    pub fn racks(&self, m: &Model) -> &[bool] {
        &self.rack_up[..m.racks()]
    }

    /// Why host h is down, if it is: its region, then its zone, then its rack, then a
    /// change holding it, then itself, then maintenance; nothing for a
    /// slot with no worker.
    #[inline]
    pub fn host_cause(&self, m: &Model, h: usize) -> Option<Cause> {
        let host = &m.hosts[h];
        // An autoscaler's slot with no worker is down for no reason of its own.
        if !self.present[h] {
            None
        } else if !self.zone_up[host.zone as usize] {
            self.zone_cause(m, host.zone as usize)
        } else if !self.rack_up[host.rack as usize] {
            Some(Cause::RackOutage)
        } else if let Some(c) = first_bit(self.held[h]) {
            Some(Cause::Change(c))
        } else if !self.host_own_up[h] {
            Some(Cause::HostFailure)
        } else if self.in_maintenance[h] {
            Some(Cause::Maintenance)
        } else {
            None
        }
    }
}

/// Sets or clears bit `c` of a mask of changes.
#[inline]
pub(super) fn set_bit(mask: &mut u64, c: u16, on: bool) {
    if on {
        *mask |= 1 << c;
    } else {
        *mask &= !(1 << c);
    }
}

/// The lowest change in a mask of changes, if any.
#[inline]
pub(super) fn first_bit(mask: u64) -> Option<u16> {
    (mask != 0).then(|| mask.trailing_zeros() as u16)
}
