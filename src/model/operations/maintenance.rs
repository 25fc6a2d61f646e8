//! Rolling maintenance: every `interval`, each host in turn is drained and
//! down for `duration`, when the API is up, every control-plane host and
//! etcd member is up, and its pods' disruption budgets allow.

use super::super::Model;
use super::super::Role;
use super::super::cluster::Ctx;
use super::super::etcd::Etcd;
use super::super::infrastructure::Infrastructure;
use super::super::workloads::Workloads;
use super::Event;

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

/// The maintenance round of one replication.
pub struct Maintenance {
    phase: Phase,
    /// The host whose maintenance is next or under way (an index into hosts).
    cursor: usize,
}

impl Maintenance {
    pub fn new() -> Self {
        Maintenance {
            phase: Phase::Idle,
            cursor: 0,
        }
    }

    /// t = 0: no round under way.
    pub fn reset(&mut self) {
        self.phase = Phase::Idle;
        self.cursor = 0;
    }

    /// Queues the first round.
    pub fn start(&self, ctx: &mut Ctx) {
        if let Some(maintenance) = &ctx.model.maintenance {
            ctx.schedule(maintenance.interval, Event::MaintenanceRound);
        }
    }

    /// A round is due: the next is queued; this one starts unless the last
    /// is still under way (then this one is skipped).
    #[inline]
    pub fn round(&mut self, ctx: &mut Ctx, now: f64) {
        if let Some(maintenance) = &ctx.model.maintenance {
            ctx.schedule(now + maintenance.interval, Event::MaintenanceRound);
            if self.phase == Phase::Idle {
                self.phase = Phase::Waiting;
                self.cursor = 0;
            }
        }
    }

    /// Host h is back from maintenance: the round goes on with the next host.
    #[inline]
    pub fn host_done(&mut self, h: usize) {
        self.cursor = h + 1;
        self.phase = Phase::Waiting;
    }

    /// A host is waiting for its drain.
    #[inline]
    pub fn waiting(&self) -> bool {
        self.phase == Phase::Waiting
    }

    /// The host whose drain may start now in the maintenance round, if any:
    /// the API is up, every control-plane host and etcd member is up, and
    /// no workload would go below min_available. Hosts that are already
    /// down are skipped; past the last host the round is over.
    #[inline]
    pub fn next_drain(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        api: bool,
        infra: &Infrastructure,
        etcd: &Etcd,
        workloads: &mut Workloads,
    ) -> Option<usize> {
        let m: &Model = ctx.model;
        while self.cursor < m.hosts.len() && !infra.host_up(self.cursor) {
            self.cursor += 1;
        }
        if self.cursor >= m.hosts.len() {
            self.phase = Phase::Idle;
            return None;
        }
        if !api
            || infra.cp_hosts_up() < m.cp_hosts as u32
            || etcd.members_up() < m.member_hosts.len() as u32
        {
            return None;
        }
        if let Role::Worker(k) = m.hosts[self.cursor].role
            && !workloads.budget_allows_drain(ctx, k, now)
        {
            return None;
        }
        self.phase = Phase::Busy;
        Some(self.cursor)
    }
}
