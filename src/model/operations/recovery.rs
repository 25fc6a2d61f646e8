//! Backups, disasters and the operator's recovery (docs/model.md, "Data,
//! backups and disaster recovery"), tracked when the model has data at risk.

use rand::RngExt;

use super::super::cluster::Ctx;
use super::super::etcd::Etcd;
use super::super::infrastructure::Infrastructure;
use super::Event;
use super::data::{BackupLog, DataRun, Loss, Recovery, quorum_loss_cause};
use crate::scenario::{BackupKind, DisasterScope};

/// Where a workload's recovery from a disaster stands.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum Phase {
    #[default]
    Idle,
    /// Waiting the disaster's detection delay.
    Detecting,
    /// Restoring its backup.
    Restoring,
    /// Its pods start after the restore.
    Starting,
}

/// One workload's data: its recovery, and its last loss.
#[derive(Clone, Copy, Debug)]
struct WorkloadData {
    phase: Phase,
    /// The disaster being recovered from.
    cause: u16,
    /// When its data was last lost.
    lost_since: f64,
    /// The start of the backup restored (or to be restored) after it
    /// (-infinity: none, lost for good).
    restored_from: f64,
    /// When its last recovery completed.
    restored_at: f64,
    /// The backup entry restored from (`NO_ENTRY`: none).
    entry: u16,
    /// Its restore waits for that entry's store to be reachable again.
    waiting: bool,
}

/// No backup entry.
const NO_ENTRY: u16 = u16::MAX;

impl Default for WorkloadData {
    fn default() -> Self {
        WorkloadData {
            phase: Phase::Idle,
            cause: 0,
            lost_since: f64::INFINITY,
            restored_from: f64::NEG_INFINITY,
            restored_at: 0.0,
            entry: NO_ENTRY,
            waiting: false,
        }
    }
}

/// Where a backup entry's silent failures stand.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
enum SilentPhase {
    #[default]
    Healthy,
    /// Failing, unnoticed.
    Failing,
    /// Found, being fixed (its backups still unusable).
    Fixing,
}

/// One backup entry's silent failures.
#[derive(Clone, Copy, Debug, Default)]
struct Silent {
    phase: SilentPhase,
    generation: u32,
    /// When the current failure began.
    since: f64,
    /// Start of the newest good backup when it began.
    last_good: f64,
    /// The end of the last stretch counted as nothing restorable.
    nothing_until: f64,
}

/// Data and disaster recovery of one replication.
pub struct DataRecovery {
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
    generation: u32,
    /// Each backup entry's log, in the model's order (without entries, one
    /// etcd log holding only the snapshot at t = 0).
    logs: Vec<BackupLog>,
    /// Which logs hold etcd snapshots.
    etcd_logs: Vec<bool>,
    /// Which logs' stores are reachable (a `same_region` store is not
    /// while its region is down: no backup is made, none restored).
    reachable: Vec<bool>,
    /// etcd's restore waits for a store to be reachable again.
    waiting_store: bool,
    /// etcd is writable (as of the last settle).
    writable: bool,
    /// Each workload's data (empty without a workload disaster).
    workloads: Vec<WorkloadData>,
    /// Each workload's scope ([`crate::model::Model::workload_scopes`]).
    workload_scopes: Vec<u16>,
    /// How many scopes results give (0 without a workload disaster).
    scope_count: usize,
    /// Workloads whose data was lost (true) or is back (false) since the
    /// last [`Self::take_workload_changes`].
    changed: Vec<(u16, bool)>,
    /// Each backup entry's silent failures (empty when none can fail so).
    silent: Vec<Silent>,
    /// The replication's horizon.
    horizon: f64,
    /// Data-loss events whose RTO ends when the API is next up: (cause, start).
    rto_pending: Vec<(u16, f64)>,
    pub(in crate::model) data: DataRun,
}

impl DataRecovery {
    pub fn new(ctx: &Ctx) -> Self {
        DataRecovery {
            writable_from: 0.0,
            last_write: 0.0,
            corrupted: false,
            recovered_at: 0.0,
            recovery: Recovery::Idle,
            generation: 0,
            logs: if ctx.model.backups.is_empty() {
                vec![BackupLog::new(f64::INFINITY, 0.0, 1.0)]
            } else {
                ctx.model.backups.iter().map(BackupLog::of).collect()
            },
            etcd_logs: if ctx.model.backups.is_empty() {
                vec![true]
            } else {
                ctx.model
                    .backups
                    .iter()
                    .map(|b| b.kind == BackupKind::Etcd)
                    .collect()
            },
            reachable: vec![true; ctx.model.backups.len().max(1)],
            waiting_store: false,
            writable: true,
            workloads: if ctx
                .model
                .disasters
                .iter()
                .any(|d| d.scope != DisasterScope::Etcd)
            {
                vec![WorkloadData::default(); ctx.model.workloads.len()]
            } else {
                Vec::new()
            },
            workload_scopes: ctx.model.workload_scopes(),
            scope_count: ctx.model.data_scopes().len(),
            changed: Vec::new(),
            horizon: ctx.model.horizon,
            silent: if ctx.model.tracks_silent_failures() {
                vec![Silent::default(); ctx.model.backups.len()]
            } else {
                Vec::new()
            },
            rto_pending: Vec::new(),
            data: DataRun::default(),
        }
    }

    /// t = 0: nothing lost, the snapshot log keyed for this replication,
    /// and each disaster's first strike queued.
    pub fn reset(&mut self, ctx: &mut Ctx) {
        let m = ctx.model;
        self.data.reset(m.data_cause_count(), self.scope_count);
        if m.data_at_risk {
            self.writable_from = 0.0;
            self.last_write = 0.0;
            self.corrupted = false;
            self.recovered_at = 0.0;
            self.recovery = Recovery::Idle;
            self.rto_pending.clear();
            self.writable = true;
            self.reachable.fill(true);
            self.waiting_store = false;
            self.workloads.fill(WorkloadData::default());
            self.changed.clear();
            for (e, log) in self.logs.iter_mut().enumerate() {
                let stream = match e {
                    0 => ctx.layout.backup,
                    _ => ctx.layout.backup_entry_base + e - 1,
                };
                log.reset(ctx.rng(stream).random::<u64>());
            }
            for (i, d) in m.disasters.iter().enumerate() {
                let t = d.every.sample(ctx.rng(ctx.layout.disaster_base + i));
                ctx.schedule(t, Event::DisasterStrike(i as u16));
            }
            if !self.silent.is_empty() {
                let n = m.backups.len();
                self.data.failing = vec![0.0; n];
                self.data.nothing = vec![0.0; n];
                self.data.found = vec![0; n];
                self.silent.fill(Silent::default());
                for e in 0..n {
                    self.arm_silent_failure(ctx, 0.0, e);
                }
            }
        }
    }

    /// A disaster strikes; returns whether it changed etcd (a disaster
    /// during a recovery is undone by that recovery's restore).
    #[inline]
    pub fn strike(&mut self, ctx: &mut Ctx, now: f64, i: u16) -> bool {
        let d = &ctx.model.disasters[i as usize];
        let next = d
            .every
            .sample(ctx.rng(ctx.layout.disaster_base + i as usize));
        ctx.schedule(now + next, Event::DisasterStrike(i));
        match d.scope {
            DisasterScope::Etcd => {}
            DisasterScope::Workload(w) => {
                self.strike_workload(ctx, now, i, w);
                return false;
            }
            DisasterScope::AllWorkloads => {
                for w in 0..self.workloads.len() {
                    self.strike_workload(ctx, now, i, w);
                }
                return false;
            }
        }
        if self.recovery == Recovery::Idle && !self.corrupted {
            self.corrupted = true;
            self.start(ctx, i, now, now);
            return true;
        }
        false
    }

    /// A recovery step of `generation` is due; returns whether it was the
    /// live one (and so changed etcd). `etcd_was`: etcd was writable at the
    /// last settle.
    #[inline]
    pub fn step_due(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        generation: u32,
        etcd_was: bool,
        etcd: &mut Etcd,
        infra: &Infrastructure,
    ) -> bool {
        if generation != self.generation {
            return false;
        }
        self.step(ctx, now, etcd_was, etcd, infra);
        true
    }

    /// A disaster made the data unusable, and no restore has undone it yet.
    #[inline]
    pub fn corrupted(&self) -> bool {
        self.corrupted
    }

    /// A recovery is under way.
    #[inline]
    pub fn recovering(&self) -> bool {
        self.recovery != Recovery::Idle
    }

    /// A data-loss event of `cause` whose outage began at `since`: the
    /// operator acts after the detection delay.
    fn start(&mut self, ctx: &mut Ctx, cause: u16, since: f64, now: f64) {
        let Some(recovery) = &ctx.model.recovery else {
            return;
        };
        self.data.count(cause, 0);
        self.rto_pending.push((cause, since));
        self.recovery = Recovery::Detecting { cause };
        self.generation = crate::model::next_generation(self.generation);
        ctx.schedule(
            now + recovery.detection,
            Event::RecoveryStep(self.generation),
        );
    }

    /// The operator acts (after detection), or a recovery completes.
    #[inline]
    fn step(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        etcd_was: bool,
        etcd: &mut Etcd,
        infra: &Infrastructure,
    ) {
        let m = ctx.model;
        let Some(recovery) = &m.recovery else {
            return;
        };
        match self.recovery {
            Recovery::Detecting { cause } => {
                // With no detection delay this instant's settle has not yet
                // closed the writable stretch the event ended: close it here.
                if etcd_was {
                    self.end_writable_stretch(now);
                }
                // The newest state that survives: the most current intact
                // member (not after a disaster, which struck them all), or
                // the newest restorable snapshot in a reachable store. With
                // neither, but a snapshot in a store whose region is down,
                // the operator waits for that region.
                let newest = |reachable: bool| {
                    self.logs
                        .iter()
                        .zip(&self.etcd_logs)
                        .zip(&self.reachable)
                        .filter(|((_, etcd), r)| **etcd && (**r || !reachable))
                        .filter_map(|((log, _), _)| log.restorable(now, now))
                        .reduce(f64::max)
                };
                let backup = newest(true);
                let best = (cause as usize >= m.disasters.len())
                    .then(|| etcd.most_current_intact())
                    .flatten();
                let out_of_reach = if backup.is_none() {
                    newest(false)
                } else {
                    None
                };
                if let Some(held) = out_of_reach
                    && best.is_none_or(|(_, sync)| sync <= held)
                {
                    self.waiting_store = true;
                    return;
                }
                for e in 0..self.silent.len() {
                    if self.etcd_logs[e] {
                        self.restore_finds(ctx, now, e);
                    }
                }
                // With nothing restorable, etcd is rebuilt empty: its
                // history is lost for good.
                let lost = backup.is_none();
                let newer = |sync: f64| sync > backup.unwrap_or(f64::NEG_INFINITY);
                let backup = backup.unwrap_or(now);
                let surviving = match best {
                    Some((j, sync)) if newer(sync) => {
                        self.recovery = Recovery::WaitingForMember {
                            cause,
                            member: j as u16,
                            surviving: sync,
                        };
                        self.force_new_cluster_if_ready(ctx, now, etcd, infra);
                        sync
                    }
                    _ => {
                        let d = recovery.restore.sample(ctx.rng(ctx.layout.recovery));
                        self.recovery = Recovery::Running { surviving: backup };
                        ctx.schedule(now + d, Event::RecoveryStep(self.generation));
                        backup
                    }
                };
                if lost && surviving == backup {
                    self.data.count_lost(cause, 0);
                } else {
                    let lost_from = surviving.max(self.recovered_at);
                    self.data.rpo.push(Loss {
                        cause,
                        scope: 0,
                        seconds: (self.last_write - lost_from).max(0.0),
                    });
                }
            }
            Recovery::Running { surviving } => {
                // etcd is back with the surviving state on every member;
                // members on hosts that are down resync when they return.
                self.corrupted = false;
                self.recovered_at = now;
                etcd.restore(m, surviving, infra);
                self.recovery = Recovery::Idle;
            }
            Recovery::WaitingForMember { .. } | Recovery::Idle => {}
        }
    }

    /// Forces a new cluster from the chosen member once its host is up.
    #[inline]
    fn force_new_cluster_if_ready(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        etcd: &Etcd,
        infra: &Infrastructure,
    ) {
        let m = ctx.model;
        if let Recovery::WaitingForMember {
            member, surviving, ..
        } = self.recovery
            && infra.host_up(m.member_hosts[member as usize] as usize)
            && !etcd.member_crashed(member as usize)
            && etcd.member_change(member as usize).is_none()
            && let Some(recovery) = &m.recovery
        {
            let d = recovery
                .force_new_cluster
                .sample(ctx.rng(ctx.layout.recovery));
            self.recovery = Recovery::Running { surviving };
            ctx.schedule(now + d, Event::RecoveryStep(self.generation));
        }
    }

    /// etcd stops being writable at `now`: the last write, and the
    /// snapshots of the stretch that ends. Closing twice at one instant
    /// changes nothing.
    #[inline]
    fn end_writable_stretch(&mut self, now: f64) {
        self.last_write = now;
        self.flush(now);
    }

    /// Logs the backups of the writable stretch up to `now`, which goes on
    /// from `now` if etcd is still writable.
    #[inline]
    fn flush(&mut self, now: f64) {
        for (log, &reachable) in self.logs.iter_mut().zip(&self.reachable) {
            if reachable {
                log.writable(self.writable_from, now);
            }
        }
        self.writable_from = now;
    }

    /// Region r went down or came back: the `same_region` stores in it
    /// become unreachable (their backups up to now are logged first) or
    /// reachable again (a restore waiting for one goes on).
    pub fn region_changed(&mut self, ctx: &mut Ctx, now: f64, r: u16, up: bool) {
        let m = ctx.model;
        if !m.data_at_risk || !m.backups.iter().any(|b| b.store_region == Some(r)) {
            return;
        }
        if self.writable {
            self.flush(now);
        }
        for (e, b) in m.backups.iter().enumerate() {
            if b.store_region == Some(r) {
                self.reachable[e] = up;
            }
        }
        if !up {
            return;
        }
        if self.waiting_store {
            self.waiting_store = false;
            ctx.schedule(now, Event::RecoveryStep(self.generation));
        }
        for w in 0..self.workloads.len() {
            let st = &mut self.workloads[w];
            if st.waiting && self.reachable[st.entry as usize] {
                st.waiting = false;
                ctx.schedule(now, Event::WorkloadRestore(w as u16));
            }
        }
    }

    /// Queues entry e's next silent failure, one `every` draw after `now`.
    fn arm_silent_failure(&mut self, ctx: &mut Ctx, now: f64, e: usize) {
        if let Some((every, _)) = &ctx.model.backups[e].silent {
            let t = every.sample(ctx.rng(ctx.layout.silent_base + 2 * e));
            let g = self.silent[e].generation;
            ctx.schedule(now + t, Event::SilentFailure(super::silent_payload(e, g)));
        }
    }

    /// A silent-failure event of entry e and generation g: the job starts
    /// failing, the failure is found, or it is fixed. Stale events (of an
    /// earlier failure) are ignored.
    pub fn silent_event(&mut self, ctx: &mut Ctx, now: f64, event: Event) {
        let (p, phase) = match event {
            Event::SilentFailure(p) => (p, SilentPhase::Healthy),
            Event::SilentFound(p) => (p, SilentPhase::Failing),
            Event::SilentFixed(p) => (p, SilentPhase::Fixing),
            _ => return,
        };
        let e = (p >> 16) as usize;
        if self.silent[e].phase != phase || (self.silent[e].generation & 0xFFFF) != (p & 0xFFFF) {
            return;
        }
        let m = ctx.model;
        match phase {
            SilentPhase::Healthy => {
                // Backups before now count as they were; none from now on.
                if self.writable {
                    self.flush(now);
                }
                let log = &mut self.logs[e];
                log.failing = true;
                let st = &mut self.silent[e];
                st.phase = SilentPhase::Failing;
                st.since = now;
                st.last_good = log.newest_start();
                // A test restores the newest backup: it finds the failure
                // once a backup made during it is complete.
                if let Some(t) = &m.backups[e].tests {
                    let bad = log.next_slot(now, true) + log.duration();
                    let test = (bad / t.interval).ceil() * t.interval;
                    ctx.schedule(test + t.duration, Event::SilentFound(p));
                }
            }
            SilentPhase::Failing => {
                self.silent[e].phase = SilentPhase::Fixing;
                self.data.found[e] += 1;
                if let Some((_, fix)) = &m.backups[e].silent {
                    let d = fix.sample(ctx.rng(ctx.layout.silent_base + 2 * e + 1));
                    ctx.schedule(now + d, Event::SilentFixed(p));
                }
            }
            SilentPhase::Fixing => {
                if self.writable {
                    self.flush(now);
                }
                self.logs[e].failing = false;
                let back = self.logs[e].next_success(now) + self.logs[e].duration();
                self.close_silent(e, now, back);
                let st = &mut self.silent[e];
                st.phase = SilentPhase::Healthy;
                st.generation = st.generation.wrapping_add(1);
                self.arm_silent_failure(ctx, now, e);
            }
        }
    }

    /// Entry e's failure (begun at `since`) ends at `end`; its first good
    /// backup is complete at `back`: the failing time, and the time nothing
    /// of it was restorable (its last good backup expired before `back`),
    /// both up to `horizon` at most.
    fn close_silent(&mut self, e: usize, end: f64, back: f64) {
        let st = &mut self.silent[e];
        self.data.failing[e] += end - st.since;
        let expired = (st.last_good + self.logs[e].ttl()).max(st.nothing_until);
        let until = back.min(self.horizon);
        if until > expired {
            self.data.nothing[e] += until - expired;
            st.nothing_until = until;
        }
    }

    /// A restore looks at entry e's backups at `at`: a silent failure with
    /// a backup made during it complete by then is found then.
    fn restore_finds(&mut self, ctx: &mut Ctx, at: f64, e: usize) {
        if let Some(st) = self.silent.get(e)
            && st.phase == SilentPhase::Failing
            && self.logs[e].next_slot(st.since, true) + self.logs[e].duration() <= at
        {
            let p = super::silent_payload(e, st.generation);
            ctx.schedule(at, Event::SilentFound(p));
        }
    }

    /// The horizon: failures still open are counted up to it.
    pub fn close(&mut self, horizon: f64) {
        for e in 0..self.silent.len() {
            if self.silent[e].phase != SilentPhase::Healthy {
                self.close_silent(e, horizon, f64::INFINITY);
            }
        }
    }

    /// Workload w's data is destroyed by disaster i (a deleted namespace,
    /// corrupted application data): it is down until the operator, after
    /// the disaster's detection delay, restores the newest backup that
    /// holds it and can still be restored then, and its pods start.
    fn strike_workload(&mut self, ctx: &mut Ctx, now: f64, i: u16, w: usize) {
        let m = ctx.model;
        if self.workloads[w].phase != Phase::Idle {
            return;
        }
        if self.writable {
            self.flush(now);
        }
        let d = &m.disasters[i as usize];
        let restore_at = now + d.detection;
        let st = &self.workloads[w];
        // The newest backup holding it, from a store reachable now; with
        // none, from one whose region is down (the restore then waits).
        let newest = |reachable: bool| {
            self.logs
                .iter()
                .zip(&m.backups)
                .enumerate()
                .filter(|(e, (_, b))| {
                    b.kind == BackupKind::Velero
                        && b.include.contains(&w)
                        && (self.reachable[*e] || !reachable)
                })
                .filter_map(|(e, (log, b))| {
                    let mut start = log.last_complete(now);
                    // Taken while this workload's data was lost: it holds
                    // nothing of it; the one restored then is the newest.
                    if start >= st.lost_since && start < st.restored_at {
                        start = st.restored_from;
                    }
                    (restore_at - start <= b.ttl).then_some((start, e as u16))
                })
                .reduce(|a, b| if b.0 > a.0 { b } else { a })
        };
        let chosen = newest(true).or_else(|| newest(false));
        let backup = chosen.map(|(start, _)| start);
        for e in 0..self.silent.len() {
            let b = &m.backups[e];
            if b.kind == BackupKind::Velero && b.include.contains(&w) {
                self.restore_finds(ctx, restore_at, e);
            }
        }
        let st = &mut self.workloads[w];
        st.phase = Phase::Detecting;
        st.cause = i;
        st.lost_since = now;
        st.restored_from = backup.unwrap_or(f64::NEG_INFINITY);
        st.entry = chosen.map_or(NO_ENTRY, |(_, e)| e);
        self.data.count(i, self.workload_scopes[w]);
        self.changed.push((w as u16, true));
        ctx.schedule(restore_at, Event::WorkloadRestore(w as u16));
    }

    /// Workload w's recovery takes its next step: the restore starts, the
    /// restore is done (its pods start), or its pods are ready.
    pub fn workload_step(&mut self, ctx: &mut Ctx, now: f64, w: u16) {
        let m = ctx.model;
        let wi = w as usize;
        let st = &mut self.workloads[wi];
        let cause = st.cause as usize;
        let scope = self.workload_scopes[wi];
        match st.phase {
            // Its backup's store is in a region that is down: the restore
            // waits for the region (see `region_changed`).
            Phase::Detecting if st.entry != NO_ENTRY && !self.reachable[st.entry as usize] => {
                st.waiting = true;
            }
            Phase::Detecting => {
                if st.restored_from > f64::NEG_INFINITY {
                    let lost_from = st.restored_from.max(st.restored_at);
                    let rpo = Loss {
                        cause: st.cause,
                        scope,
                        seconds: (st.lost_since - lost_from).max(0.0),
                    };
                    // etcd's RPO while it waits for a member may yet be
                    // decided again: it stays the newest (see `settle`).
                    match self.recovery {
                        Recovery::WaitingForMember { .. } => {
                            let at = self.data.rpo.len().saturating_sub(1);
                            self.data.rpo.insert(at, rpo);
                        }
                        _ => self.data.rpo.push(rpo),
                    }
                } else {
                    self.data.count_lost(st.cause, scope);
                }
                st.phase = Phase::Restoring;
                let d = m.disasters[cause]
                    .restore
                    .sample(ctx.rng(ctx.layout.restore_base + 2 * wi));
                ctx.schedule(now + d, Event::WorkloadRestore(w));
            }
            Phase::Restoring => {
                st.phase = Phase::Starting;
                let d = m.workloads[wi]
                    .startup
                    .sample(ctx.rng(ctx.layout.restore_base + 2 * wi + 1));
                ctx.schedule(now + d, Event::WorkloadRestore(w));
            }
            Phase::Starting => {
                st.phase = Phase::Idle;
                st.restored_at = now;
                self.data.rto.push(Loss {
                    cause: st.cause,
                    scope,
                    seconds: now - st.lost_since,
                });
                self.changed.push((w, false));
            }
            Phase::Idle => {}
        }
    }

    /// Workloads whose data was lost (true) or came back (false) since the
    /// last call, in order.
    #[inline]
    pub fn take_workload_changes(&mut self) -> std::vec::Drain<'_, (u16, bool)> {
        self.changed.drain(..)
    }

    /// Whether any workload's data was lost or came back since the last
    /// [`Self::take_workload_changes`].
    #[inline]
    pub fn workloads_changed(&self) -> bool {
        !self.changed.is_empty()
    }

    /// The writable stretch after an instant's events (`writable` now,
    /// `was` at the last settle), for backups and the last write.
    #[inline]
    pub fn settle_writable(&mut self, now: f64, writable: bool, was: bool) {
        self.writable = writable;
        if writable != was {
            if writable {
                self.writable_from = now;
            } else {
                self.end_writable_stretch(now);
            }
        }
    }

    /// After the members have settled (`writable` now, `was` at the last
    /// settle): a quorum loss that cannot heal starts a recovery; one
    /// waiting for a member goes on when it can.
    #[inline]
    pub fn settle(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        writable: bool,
        was: bool,
        etcd: &mut Etcd,
        infra: &Infrastructure,
    ) {
        let m = ctx.model;
        match self.recovery {
            Recovery::Idle if !writable && !self.corrupted => {
                let intact = etcd.intact_members();
                if intact < m.quorum {
                    let cause = quorum_loss_cause(m.disasters.len(), intact > 0);
                    self.start(ctx, cause, self.last_write, now);
                }
            }
            Recovery::WaitingForMember { cause, member, .. } => {
                if etcd.member_empty(member as usize) {
                    // The member chosen lost its disk while the operator
                    // waited for it: decide again, without it.
                    self.data.rpo.pop();
                    self.recovery = Recovery::Detecting { cause };
                    self.step(ctx, now, was, etcd, infra);
                } else {
                    self.force_new_cluster_if_ready(ctx, now, etcd, infra);
                }
            }
            _ => {}
        }
    }

    /// The API is up: the RTO of every data-loss event waiting for it ends.
    #[inline]
    pub fn api_up(&mut self, now: f64) {
        for (cause, since) in self.rto_pending.drain(..) {
            self.data.rto.push(Loss {
                cause,
                scope: 0,
                seconds: now - since,
            });
        }
    }
}
