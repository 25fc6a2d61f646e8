//! The random streams of a replication, one per component and use.
//!
//! The `kind` numbers are part of the reproducibility contract (see
//! `engine::rng`): the same component in two designs gets the same stream,
//! which is what makes paired comparisons of designs tight.

use crate::engine::{Rng, StreamId, replication_key, stream, stream_of};

use super::{Model, Role};
use crate::scenario::DisasterScope;

const ZONE_FAILURE: u32 = 1;
const ZONE_REPAIR: u32 = 2;
const CP_HOST_FAILURE: u32 = 3;
const CP_HOST_REPAIR: u32 = 4;
const ETCD_HOST_FAILURE: u32 = 5;
const ETCD_HOST_REPAIR: u32 = 6;
const LB_FAILURE: u32 = 7;
const LB_REPAIR: u32 = 8;
const ETCD_ELECTION: u32 = 9;
const LEASE_SCHEDULER: u32 = 10;
const LEASE_CONTROLLER_MANAGER: u32 = 11;
const APISERVER_CRASH: u32 = 12;
const APISERVER_RESTART: u32 = 13;
const MEMBER_CRASH: u32 = 14;
const MEMBER_RESTART: u32 = 15;
const WORKER_FAILURE: u32 = 16;
const WORKER_REPAIR: u32 = 17;
/// Pod startup times, one stream per workload.
const POD_STARTUP: u32 = 18;
/// kube-scheduler's choice among equally good nodes.
const SCHEDULER_TIES: u32 = 19;
/// The member an etcd leader hands over to when its host is drained.
const ETCD_TRANSFER: u32 = 20;
/// Whether a member's host failure destroys its data, per member.
const DISK_LOSS: u32 = 21;
const MEMBER_REPLACE: u32 = 22;
/// Time between strikes, per disaster.
const DISASTER: u32 = 23;
/// The operator's recovery durations.
const RECOVERY: u32 = 24;
/// The key of the counter-based snapshot draws.
const BACKUP: u32 = 25;
/// A load-balancer pair's takeover durations, then whether each succeeds.
const LB_FAILOVER: u32 = 26;
const LB_FAILOVER_SUCCESS: u32 = 27;
// 28 and 29 are the racks'.
/// Per change: the time between two, whether one is bad, whether a gate
/// catches it, its detection, its rollback, and its targets' restarts.
const CHANGE_EVERY: u32 = 40;
const CHANGE_BAD: u32 = 41;
const CHANGE_CAUGHT: u32 = 42;
const CHANGE_DETECTION: u32 = 43;
const CHANGE_ROLLBACK: u32 = 44;
const CHANGE_RESTART: u32 = 45;
/// The renewal of expired certificates.
const CERTIFICATE_RENEW: u32 = 46;
/// Volume attachments, one stream per workload with volumes.
const VOLUME_ATTACH: u32 = 47;
/// The operator's out-of-service taint, per worker.
const OUT_OF_SERVICE: u32 = 48;
/// A replaced host's deletion, then its successor's provisioning, per host.
const REPLACE_AFTER: u32 = 49;
const REPLACE_PROVISION: u32 = 50;
/// The cluster autoscaler's scale-ups, per zone.
const SCALE_UP: u32 = 51;
/// Region outages and repairs, per region.
const REGION_FAILURE: u32 = 52;
const REGION_REPAIR: u32 = 53;
/// Per backup entry after the first: the key of its counter-based draws
/// (the first entry's is `BACKUP`'s, as when `backups` was one mapping).
const BACKUP_ENTRY: u32 = 54;
/// Per workload a disaster can strike: its restore, then its pods' start.
const WORKLOAD_RESTORE: u32 = 55;
const WORKLOAD_RESTART: u32 = 56;
/// Per backup entry that fails silently: the time until it fails, its fix.
const SILENT_EVERY: u32 = 57;
const SILENT_FIX: u32 = 58;

/// Streams per change, at `Layout::change(c)` on.
pub const CHANGE_STREAMS: usize = 6;

/// Where each of a change's streams sits after `Layout::change(c)`.
pub mod change_stream {
    pub const EVERY: usize = 0;
    pub const BAD: usize = 1;
    pub const CAUGHT: usize = 2;
    pub const DETECTION: usize = 3;
    pub const ROLLBACK: usize = 4;
    pub const RESTART: usize = 5;
}
/// Rack outages and repairs, keyed by the rack's index over all zones.
const RACK_FAILURE: u32 = 28;
const RACK_REPAIR: u32 = 29;

/// Slots of the per-replication generators, laid out once per model.
#[derive(Clone, Debug)]
pub struct Streams {
    ids: Vec<StreamId>,
    pub rngs: Vec<Rng>,
    /// In a fleet's cluster: the index of the first region stream and the
    /// fleet's seed, which keys them (so clusters in one region share its
    /// outages).
    shared: Option<(usize, u64)>,
}

/// Where each component's streams sit in [`Streams::rngs`].
pub mod slot {
    /// Host `h`'s failure stream is `host_failure(h)`, its repair stream the next.
    pub const fn host_failure(h: usize) -> usize {
        2 * h
    }
    pub const fn host_repair(h: usize) -> usize {
        2 * h + 1
    }
}

/// Slots after the hosts'.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub zone_base: usize,
    /// The (first) load-balancer instance's failure stream; its repair stream the next.
    lb_base: usize,
    /// A pair's second instance's failure stream; its repair stream the next.
    lb_second: usize,
    /// A pair's takeover durations; whether each succeeds is the next.
    pub lb_failover: usize,
    pub election: usize,
    /// Scheduler, then controller-manager.
    pub lease: [usize; 2],
    /// Apiserver i's crash stream is `apiserver_base + 2i`, its restart
    /// stream the next (present only when apiservers crash).
    pub apiserver_base: usize,
    /// Likewise for etcd member processes.
    pub member_base: usize,
    /// Workload w's startup stream is `startup_base + w`.
    pub startup_base: usize,
    pub scheduler: usize,
    pub transfer: usize,
    /// Member j's disk-loss stream is `disk_loss_base + 2j`, its replacement stream the next.
    pub disk_loss_base: usize,
    pub disaster_base: usize,
    pub recovery: usize,
    pub backup: usize,
    /// Change c's streams are `change_base + CHANGE_STREAMS * c` on: its
    /// time between changes, then bad, caught, detection, rollback and
    /// restart.
    pub change_base: usize,
    /// The certificates' renewal.
    pub certificate_renew: usize,
    /// Rack r's failure stream is `rack_base + 2r` (r over all zones), its
    /// repair stream the next (present only with racks).
    pub rack_base: usize,
    /// Workload w's attach stream is `attach_base + w` (present only when
    /// a workload has volumes).
    pub attach_base: usize,
    /// Worker k's out-of-service stream is `out_of_service_base + k`
    /// (present only with `out_of_service`).
    pub out_of_service_base: usize,
    /// Host h's deletion stream is `replace_base + 2h`, its successor's
    /// provisioning stream the next (present only with replacement).
    pub replace_base: usize,
    /// Zone z's scale-up stream is `scale_up_base + z` (present only with
    /// the cluster autoscaler).
    pub scale_up_base: usize,
    /// Backup entry e's key stream (e >= 1) is `backup_entry_base + e - 1`;
    /// entry 0's is `backup`.
    pub backup_entry_base: usize,
    /// Workload w's restore stream is `restore_base + 2w`, its pods' start
    /// after a restore the next (present only with a workload disaster).
    pub restore_base: usize,
    /// Backup entry e's time-to-failure stream is `silent_base + 2e`, its
    /// fix stream the next (present only when an entry fails silently).
    pub silent_base: usize,
    /// Region r's failure stream is `region_base + 2r`, its repair stream
    /// the next (present only with regions).
    pub region_base: usize,
}

impl Layout {
    /// Change c's first stream (the time between two); the others follow.
    pub fn change(&self, c: usize) -> usize {
        self.change_base + CHANGE_STREAMS * c
    }
    /// Load-balancer instance k's failure stream.
    pub fn lb_failure(&self, k: usize) -> usize {
        if k == 0 { self.lb_base } else { self.lb_second }
    }
    pub fn lb_repair(&self, k: usize) -> usize {
        self.lb_failure(k) + 1
    }
    pub fn region_failure(&self, r: usize) -> usize {
        self.region_base + 2 * r
    }
    pub fn region_repair(&self, r: usize) -> usize {
        self.region_base + 2 * r + 1
    }
    pub fn zone_failure(&self, z: usize) -> usize {
        self.zone_base + 2 * z
    }
    pub fn zone_repair(&self, z: usize) -> usize {
        self.zone_base + 2 * z + 1
    }
    pub fn apiserver_crash(&self, i: usize) -> usize {
        self.apiserver_base + 2 * i
    }
    pub fn apiserver_restart(&self, i: usize) -> usize {
        self.apiserver_base + 2 * i + 1
    }
    pub fn member_crash(&self, m: usize) -> usize {
        self.member_base + 2 * m
    }
    pub fn member_restart(&self, m: usize) -> usize {
        self.member_base + 2 * m + 1
    }
    pub fn rack_failure(&self, r: usize) -> usize {
        self.rack_base + 2 * r
    }
    pub fn rack_repair(&self, r: usize) -> usize {
        self.rack_base + 2 * r + 1
    }
}

impl Streams {
    pub fn new(model: &Model) -> (Streams, Layout) {
        let mut ids = Vec::new();
        for host in &model.hosts {
            let (f, r, i) = match host.role {
                Role::ControlPlane(i) => (CP_HOST_FAILURE, CP_HOST_REPAIR, i),
                Role::Etcd(j) => (ETCD_HOST_FAILURE, ETCD_HOST_REPAIR, j),
                Role::Worker(k) => (WORKER_FAILURE, WORKER_REPAIR, k),
            };
            ids.push(StreamId::new(f, i as u32));
            ids.push(StreamId::new(r, i as u32));
        }
        let zone_base = ids.len();
        for z in 0..model.zones as u32 {
            ids.push(StreamId::new(ZONE_FAILURE, z));
            ids.push(StreamId::new(ZONE_REPAIR, z));
        }
        let lb_failure = ids.len();
        ids.push(StreamId::new(LB_FAILURE, 0));
        ids.push(StreamId::new(LB_REPAIR, 0));
        let election = ids.len();
        ids.push(StreamId::new(ETCD_ELECTION, 0));
        let lease = [ids.len(), ids.len() + 1];
        ids.push(StreamId::new(LEASE_SCHEDULER, 0));
        ids.push(StreamId::new(LEASE_CONTROLLER_MANAGER, 0));
        // Process streams exist only where processes crash, so designs
        // without crashes re-key no more streams than they use.
        let apiserver_base = ids.len();
        if model.apiserver_crash.is_some() {
            for i in 0..model.cp_hosts as u32 {
                ids.push(StreamId::new(APISERVER_CRASH, i));
                ids.push(StreamId::new(APISERVER_RESTART, i));
            }
        }
        let member_base = ids.len();
        if model.member_crash.is_some() {
            for m in 0..model.member_hosts.len() as u32 {
                ids.push(StreamId::new(MEMBER_CRASH, m));
                ids.push(StreamId::new(MEMBER_RESTART, m));
            }
        }
        let startup_base = ids.len();
        for w in 0..model.workloads.len() as u32 {
            ids.push(StreamId::new(POD_STARTUP, w));
        }
        let scheduler = ids.len();
        if !model.workloads.is_empty() {
            ids.push(StreamId::new(SCHEDULER_TIES, 0));
        }
        let transfer = ids.len();
        let etcd_changes = model
            .changes
            .iter()
            .any(|c| c.target == super::ChangeTarget::Etcd);
        if model.maintenance.is_some() || etcd_changes {
            ids.push(StreamId::new(ETCD_TRANSFER, 0));
        }
        let disk_loss_base = ids.len();
        let disaster_base;
        let (recovery, backup);
        if model.data_at_risk {
            for j in 0..model.member_hosts.len() as u32 {
                ids.push(StreamId::new(DISK_LOSS, j));
                ids.push(StreamId::new(MEMBER_REPLACE, j));
            }
            disaster_base = ids.len();
            for i in 0..model.disasters.len() as u32 {
                ids.push(StreamId::new(DISASTER, i));
            }
            recovery = ids.len();
            ids.push(StreamId::new(RECOVERY, 0));
            backup = ids.len();
            ids.push(StreamId::new(BACKUP, 0));
        } else {
            (disaster_base, recovery, backup) = (ids.len(), ids.len(), ids.len());
        }
        // A pair's streams come last, so other designs' layouts do not move.
        let lb_second = ids.len();
        let lb_failover = lb_second + 2;
        if matches!(model.lb_kind, Some(super::LoadBalancerKind::Pair { .. })) {
            ids.push(StreamId::new(LB_FAILURE, 1));
            ids.push(StreamId::new(LB_REPAIR, 1));
            ids.push(StreamId::new(LB_FAILOVER, 0));
            ids.push(StreamId::new(LB_FAILOVER_SUCCESS, 0));
        }
        // Racks' streams after every other, so designs without racks keep
        // their layout (and their draws) as they were.
        let rack_base = ids.len();
        for r in 0..model.racks() as u32 {
            ids.push(StreamId::new(RACK_FAILURE, r));
            ids.push(StreamId::new(RACK_REPAIR, r));
        }
        // Changes and certificates after everything else, for the same reason.
        let change_base = ids.len();
        for c in 0..model.changes.len() as u32 {
            for kind in [
                CHANGE_EVERY,
                CHANGE_BAD,
                CHANGE_CAUGHT,
                CHANGE_DETECTION,
                CHANGE_ROLLBACK,
                CHANGE_RESTART,
            ] {
                ids.push(StreamId::new(kind, c));
            }
        }
        let certificate_renew = ids.len();
        if model.certificates.is_some() {
            ids.push(StreamId::new(CERTIFICATE_RENEW, 0));
        }
        // Volumes, out-of-service taints and replacement last of all.
        let attach_base = ids.len();
        if model.workloads.iter().any(|w| w.volume.is_some()) {
            for w in 0..model.workloads.len() as u32 {
                ids.push(StreamId::new(VOLUME_ATTACH, w));
            }
        }
        let out_of_service_base = ids.len();
        if model.out_of_service.is_some() {
            for k in 0..model.workers as u32 {
                ids.push(StreamId::new(OUT_OF_SERVICE, k));
            }
        }
        let replace_base = ids.len();
        if model.replacement.iter().any(Option::is_some) {
            for h in 0..model.hosts.len() as u32 {
                ids.push(StreamId::new(REPLACE_AFTER, h));
                ids.push(StreamId::new(REPLACE_PROVISION, h));
            }
        }
        let scale_up_base = ids.len();
        if model.autoscaler.is_some() {
            for z in 0..model.zones as u32 {
                ids.push(StreamId::new(SCALE_UP, z));
            }
        }
        // Backup entries after the first, and workloads' restores, before
        // the regions (which a fleet shares), after every other.
        let backup_entry_base = ids.len();
        if model.data_at_risk {
            for e in 1..model.backups.len() as u32 {
                ids.push(StreamId::new(BACKUP_ENTRY, e));
            }
        }
        let restore_base = ids.len();
        if model.data_at_risk
            && model
                .disasters
                .iter()
                .any(|d| d.scope != DisasterScope::Etcd)
        {
            for w in 0..model.workloads.len() as u32 {
                ids.push(StreamId::new(WORKLOAD_RESTORE, w));
                ids.push(StreamId::new(WORKLOAD_RESTART, w));
            }
        }
        let silent_base = ids.len();
        if model.data_at_risk && model.backups.iter().any(|b| b.silent.is_some()) {
            for e in 0..model.backups.len() as u32 {
                ids.push(StreamId::new(SILENT_EVERY, e));
                ids.push(StreamId::new(SILENT_FIX, e));
            }
        }
        // Regions' streams after every other, so designs without regions
        // keep their layout as it was.
        // In a fleet, a cluster's regions are the fleet's, numbered from
        // its first and keyed by the fleet's seed.
        let region_base = ids.len();
        let first_region = model.shared_region.map_or(0, |(_, r)| r);
        for r in 0..model.regions as u32 {
            ids.push(StreamId::new(REGION_FAILURE, first_region + r));
            ids.push(StreamId::new(REGION_REPAIR, first_region + r));
        }
        let shared = model.shared_region.map(|(seed, _)| (region_base, seed));
        let rngs = ids.iter().map(|&id| stream(0, 0, id)).collect();
        let layout = Layout {
            zone_base,
            lb_base: lb_failure,
            lb_second,
            lb_failover,
            election,
            lease,
            apiserver_base,
            member_base,
            startup_base,
            scheduler,
            transfer,
            disk_loss_base,
            disaster_base,
            recovery,
            backup,
            change_base,
            certificate_renew,
            rack_base,
            attach_base,
            out_of_service_base,
            replace_base,
            scale_up_base,
            backup_entry_base,
            restore_base,
            silent_base,
            region_base,
        };
        (Streams { ids, rngs, shared }, layout)
    }

    /// Re-keys every generator for one replication.
    pub fn reseed(&mut self, seed: u64, replication: u64) {
        let key = replication_key(seed, replication);
        let (own, shared_key) = match self.shared {
            Some((base, fleet_seed)) => (base, replication_key(fleet_seed, replication)),
            None => (self.ids.len(), key),
        };
        for (i, (rng, &id)) in self.rngs.iter_mut().zip(&self.ids).enumerate() {
            *rng = stream_of(if i < own { key } else { shared_key }, id);
        }
    }
}
