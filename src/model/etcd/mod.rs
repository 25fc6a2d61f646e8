//! The etcd room: members, quorum, the leader election, and the data each
//! member holds (when data can be lost).
//!
//! A member is up when its host is up, its process has not crashed, and it
//! holds its data. etcd is writable when a quorum of members is up, a leader
//! is elected and up, and no disaster has made the data unusable.

mod election;

use rand::RngExt;

use self::election::{Election, Settle};
use super::cluster::Ctx;
use super::infrastructure::Infrastructure;
use super::{Model, nth_true};
use crate::engine::uniform_below;

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// An etcd election of this generation completes.
    Elected(u32),
    /// The process of etcd member m crashes / is restarted.
    MemberCrash(u16),
    MemberRestart(u16),
    /// Member j's replacement completes.
    MemberReplaced(u16),
}

impl Event {
    #[inline(always)]
    pub(in crate::model) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::Elected(g) => (0, g & super::GENERATION_MASK),
            Event::MemberCrash(j) => (1, j as u32),
            Event::MemberRestart(j) => (2, j as u32),
            Event::MemberReplaced(j) => (3, j as u32),
        };
        tag << 24 | payload
    }

    #[inline]
    pub(in crate::model) fn unpack(code: u32) -> Self {
        let payload = code & super::GENERATION_MASK;
        match code >> 24 {
            0 => Event::Elected(payload),
            1 => Event::MemberCrash(payload as u16),
            2 => Event::MemberRestart(payload as u16),
            _ => Event::MemberReplaced(payload as u16),
        }
    }

    pub(in crate::model) fn component(self) -> String {
        match self {
            Event::Elected(_) => "control_plane.etcd.election",
            Event::MemberCrash(_) | Event::MemberRestart(_) => "control_plane.etcd_member",
            Event::MemberReplaced(_) => "control_plane.etcd.member_replace",
        }
        .into()
    }
}

/// etcd's state in one replication.
pub struct Etcd {
    members_up: u32,
    /// Each member is up ([`Self::member_up`]): kept with `members_up` as
    /// its host, process and data change, so that reading it needs no
    /// look into the host's state.
    member_live: Vec<bool>,
    /// Crashed member processes.
    member_crashed: Vec<bool>,
    /// The changes (a bit each) holding each member down.
    member_held: Vec<u64>,
    election: Election,
    // Tracked when the model has data at risk.
    /// Members whose data is gone, until replaced or recovered.
    member_empty: Vec<bool>,
    /// When each emptied member's replacement completes (infinite when none runs).
    replace_done_at: Vec<f64>,
    /// Each member's sync point, while it is not syncing.
    sync_point: Vec<f64>,
    /// Member up while etcd is writable, as of the last settle.
    syncing: Vec<bool>,
}

impl Etcd {
    pub fn new(m: &Model) -> Self {
        let n = m.member_hosts.len();
        Etcd {
            members_up: 0,
            member_live: vec![true; n],
            member_crashed: vec![false; n],
            member_held: vec![0; n],
            election: Election::default(),
            member_empty: vec![false; n],
            replace_done_at: vec![f64::INFINITY; n],
            sync_point: vec![0.0; n],
            syncing: vec![true; n],
        }
    }

    /// t = 0: every member up and in sync, a leader drawn at random.
    pub fn reset(&mut self, ctx: &mut Ctx) {
        let m = ctx.model;
        self.members_up = m.member_hosts.len() as u32;
        self.member_live.fill(true);
        self.member_crashed.fill(false);
        self.member_held.fill(0);
        let leader = ctx
            .rng(ctx.layout.election)
            .random_range(0..m.member_hosts.len() as u32) as u16;
        self.election.start(leader);
        if m.data_at_risk {
            self.member_empty.fill(false);
            self.replace_done_at.fill(f64::INFINITY);
            self.sync_point.fill(0.0);
            self.syncing.fill(true);
        }
    }

    /// Queues each member process's first crash, when processes crash.
    pub fn start(&self, ctx: &mut Ctx) {
        let m = ctx.model;
        if let Some(crash) = &m.member_crash {
            for j in 0..m.member_hosts.len() {
                let t = crash.failure.sample(ctx.rng(ctx.layout.member_crash(j)));
                ctx.schedule(t, Event::MemberCrash(j as u16));
            }
        }
    }

    /// Handles one of this room's events. Every one may change etcd.
    #[inline]
    pub fn handle(&mut self, ctx: &mut Ctx, now: f64, event: Event, infra: &Infrastructure) {
        let m = ctx.model;
        match event {
            Event::Elected(generation) => {
                // Quorum may have gone at this same instant: then the next
                // settle abandons the election instead.
                if self.election.is_current(generation) && self.members_up >= m.quorum {
                    let leader = self.pick_up_member(ctx, infra);
                    self.election.elected(leader);
                }
            }
            Event::MemberCrash(j) | Event::MemberRestart(j) => {
                let up = matches!(event, Event::MemberRestart(_));
                let j = j as usize;
                self.member_crashed[j] = !up;
                if infra.host_up(m.member_hosts[j] as usize)
                    && !self.member_empty[j]
                    && self.member_held[j] == 0
                {
                    self.set_live(j, up);
                }
                if let Some(crash) = &m.member_crash {
                    let next = if up {
                        Event::MemberCrash(j as u16)
                    } else {
                        Event::MemberRestart(j as u16)
                    };
                    let slots = (ctx.layout.member_crash(j), ctx.layout.member_restart(j));
                    ctx.end_of_phase(now, crash, up, slots, next);
                }
            }
            Event::MemberReplaced(j) => {
                let j = j as usize;
                if self.replace_done_at[j] == now && self.member_empty[j] {
                    self.replace_done_at[j] = f64::INFINITY;
                    self.refill(m, j, infra);
                }
            }
        }
    }

    /// Host h (which holds member j, if any) went up or down.
    #[inline]
    pub fn host_changed(&mut self, m: &Model, h: usize, up: bool) {
        if let Some(j) = m.hosts[h].member
            && !self.member_crashed[j as usize]
            && !self.member_empty[j as usize]
            && self.member_held[j as usize] == 0
        {
            self.set_live(j as usize, up);
        }
    }

    /// Holds member j down for change `c`, or lets it go (a command of the
    /// changes room). Returns whether the member's `up` changed.
    #[inline]
    pub fn set_held(
        &mut self,
        m: &Model,
        j: usize,
        c: u16,
        held: bool,
        infra: &Infrastructure,
    ) -> bool {
        let was = self.member_live[j];
        super::infrastructure::set_bit(&mut self.member_held[j], c, held);
        let live = infra.host_up(m.member_hosts[j] as usize)
            && !self.member_crashed[j]
            && !self.member_empty[j]
            && self.member_held[j] == 0;
        if live != was {
            self.set_live(j, live);
        }
        live != was
    }

    /// The change holding member j down, if any (the first in the
    /// scenario's order).
    #[inline]
    pub fn member_change(&self, j: usize) -> Option<u16> {
        super::infrastructure::first_bit(self.member_held[j])
    }

    /// Host h failed: with its class's probability, its member's data is
    /// gone. Returns whether it was.
    #[inline]
    pub fn maybe_lose_disk(&mut self, ctx: &mut Ctx, h: usize) -> bool {
        let m = ctx.model;
        let host = &m.hosts[h];
        let (Some(j), p) = (host.member, m.disk_loss[host.class as usize]) else {
            return false;
        };
        let j = j as usize;
        if p > 0.0 && ctx.rng(ctx.layout.disk_loss_base + 2 * j).random::<f64>() < p {
            // The host is down, so the member was not counted up.
            self.member_empty[j] = true;
            self.replace_done_at[j] = f64::INFINITY;
            return true;
        }
        false
    }

    /// Member j holds data again (replaced, or recovered).
    #[inline]
    fn refill(&mut self, m: &Model, j: usize, infra: &Infrastructure) {
        self.member_empty[j] = false;
        if infra.host_up(m.member_hosts[j] as usize)
            && !self.member_crashed[j]
            && self.member_held[j] == 0
        {
            self.set_live(j, true);
        }
    }

    /// A recovery completed with the state of `surviving`: every member
    /// holds it (members on hosts that are down resync when they return).
    #[inline]
    pub fn restore(&mut self, m: &Model, surviving: f64, infra: &Infrastructure) {
        for j in 0..m.member_hosts.len() {
            self.replace_done_at[j] = f64::INFINITY;
            self.sync_point[j] = surviving;
            if self.member_empty[j] {
                self.refill(m, j, infra);
            }
        }
    }

    /// Member j is up: its host is up, its process has not crashed, and it
    /// holds its data.
    #[inline]
    pub fn member_up(&self, m: &Model, j: u16, infra: &Infrastructure) -> bool {
        debug_assert_eq!(
            self.member_live[j as usize],
            infra.host_up(m.member_hosts[j as usize] as usize)
                && !self.member_crashed[j as usize]
                && !self.member_empty[j as usize]
                && self.member_held[j as usize] == 0
        );
        self.member_live[j as usize]
    }

    /// Member j came up or went down (its host, process or data).
    #[inline]
    fn set_live(&mut self, j: usize, up: bool) {
        self.member_live[j] = up;
        super::count(&mut self.members_up, up);
    }

    /// Members up.
    #[inline]
    pub fn members_up(&self) -> u32 {
        self.members_up
    }

    /// A quorum of members is up and the leader is elected and up.
    #[inline]
    pub fn writable(&self, m: &Model, infra: &Infrastructure) -> bool {
        self.members_up >= m.quorum
            && self
                .election
                .leader
                .is_some_and(|l| self.member_up(m, l, infra))
    }

    /// An election is under way.
    pub fn electing(&self) -> bool {
        self.election.electing
    }

    /// A leader is elected (up or not).
    #[inline]
    pub fn has_leader(&self) -> bool {
        self.election.leader.is_some()
    }

    #[inline]
    pub fn member_crashed(&self, j: usize) -> bool {
        self.member_crashed[j]
    }

    #[inline]
    pub fn member_empty(&self, j: usize) -> bool {
        self.member_empty[j]
    }

    /// Members that hold their data.
    pub fn intact_members(&self) -> u32 {
        self.member_empty.iter().filter(|e| !**e).count() as u32
    }

    /// The intact member with the newest sync point, and that point.
    pub fn most_current_intact(&self) -> Option<(usize, f64)> {
        (0..self.member_empty.len())
            .filter(|&j| !self.member_empty[j])
            .map(|j| (j, self.sync_point[j]))
            .max_by(|a, b| a.1.total_cmp(&b.1))
    }

    /// A uniformly chosen up member (the caller checked that one is up).
    #[inline]
    fn pick_up_member(&mut self, ctx: &mut Ctx, infra: &Infrastructure) -> u16 {
        let m = ctx.model;
        let k = uniform_below(ctx.rng(ctx.layout.election), self.members_up);
        let members = m.member_hosts.len() as u16;
        nth_true((0..members).map(|j| self.member_up(m, j, infra)), k)
    }

    /// Host h is drained: an etcd leader on it hands over to another up
    /// member first, as etcd does when stopped gracefully, if the others
    /// keep quorum.
    #[inline]
    pub fn drain(&mut self, ctx: &mut Ctx, h: usize, infra: &Infrastructure) {
        let m = ctx.model;
        if let Some(j) = m.hosts[h].member
            && self.election.leader == Some(j)
            && self.member_up(m, j, infra)
            && self.members_up > m.quorum
        {
            let others = self.members_up - 1;
            let k = uniform_below(ctx.rng(ctx.layout.transfer), others);
            let members = m.member_hosts.len() as u16;
            let to = nth_true(
                (0..members).map(|i| i != j && self.member_up(m, i, infra)),
                k,
            );
            self.election.transfer(to);
        }
    }

    /// After an instant's events: starts or abandons an election as the
    /// members require (`corrupted`: a disaster left the data unusable, as
    /// without quorum). Returns whether etcd is writable.
    #[inline]
    pub fn settle(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        corrupted: bool,
        infra: &Infrastructure,
    ) -> bool {
        let m = ctx.model;
        let quorum = self.members_up >= m.quorum && !corrupted;
        let leader_up = self
            .election
            .leader
            .is_some_and(|l| self.member_up(m, l, infra));
        if let Settle::StartElection { generation } = self.election.settle(quorum, leader_up) {
            let d = m.election.sample(ctx.rng(ctx.layout.election));
            ctx.schedule(now + d, Event::Elected(generation));
        }
        quorum && leader_up
    }

    /// With data at risk, after an instant's events: members' sync points
    /// (`writable`: etcd is), and the replacement of emptied members, which
    /// needs etcd writable and the member's host up.
    #[inline]
    pub fn settle_members(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        writable: bool,
        infra: &Infrastructure,
    ) {
        let m = ctx.model;
        for j in 0..m.member_hosts.len() {
            let live = writable && self.member_up(m, j as u16, infra);
            if self.syncing[j] && !live {
                self.sync_point[j] = now;
            }
            self.syncing[j] = live;
            if self.member_empty[j] {
                let host_up = infra.host_up(m.member_hosts[j] as usize)
                    && !self.member_crashed[j]
                    && self.member_held[j] == 0;
                let can = writable && host_up;
                if self.replace_done_at[j].is_finite() {
                    if !can {
                        self.replace_done_at[j] = f64::INFINITY;
                    }
                } else if can && let Some(replace) = &m.member_replace {
                    let d = replace.sample(ctx.rng(ctx.layout.disk_loss_base + 2 * j + 1));
                    self.replace_done_at[j] = now + d;
                    ctx.schedule(now + d, Event::MemberReplaced(j as u16));
                }
            }
        }
    }
}
