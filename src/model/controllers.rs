//! The controllers room: the leader leases of kube-scheduler and
//! kube-controller-manager.
//!
//! Each has one leader among the up control-plane hosts. When the leader's
//! host goes down, a new leader takes over at (down time + lease_duration +
//! U(0, retry_period)), or, if the API is down then, at (the API's return +
//! U(0, retry_period)). A leader that cannot renew its lease through an API
//! outage longer than renew_deadline loses it; re-election follows the API's
//! return the same way. With kubeadm's wiring "the API" is each host's own
//! apiserver ([`Controllers::settle_local`]); a drained leader hands its
//! lease over within retry_period if its controller releases on stop
//! ([`Controllers::release`]).

use rand::RngExt;

use super::cluster::Ctx;
use super::infrastructure::Infrastructure;
use super::nth_true;
use crate::engine::uniform_below;

/// kube-scheduler's lease.
pub const SCHEDULER: usize = 0;
/// kube-controller-manager's lease.
pub const CONTROLLER_MANAGER: usize = 1;

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// Controller `0` (scheduler) or `1` (controller-manager) tries to take its lease.
    LeaseAttempt(u8, u32),
}

impl Event {
    #[inline(always)]
    pub(super) fn pack(self) -> u32 {
        let Event::LeaseAttempt(c, g) = self;
        (c as u32) << 24 | (g & super::GENERATION_MASK)
    }

    #[inline]
    pub(super) fn unpack(code: u32) -> Self {
        Event::LeaseAttempt((code >> 24) as u8, code & super::GENERATION_MASK)
    }

    pub(super) fn component(self) -> String {
        "control_plane.leader_election".into()
    }
}

/// The two leader-elected controllers of one replication.
pub struct Controllers {
    leases: [Controller; 2],
    /// When the current API outage began (meaningless while the API is up).
    api_down_since: f64,
    /// kubeadm's wiring: when each stalled leader last renewed.
    stalled_since: [f64; 2],
    /// kubeadm's wiring: some control-plane host's own apiserver served at
    /// the last settle.
    local_any: bool,
}

impl Controllers {
    pub fn new() -> Self {
        Controllers {
            leases: [Controller::new(0); 2],
            api_down_since: 0.0,
            stalled_since: [0.0; 2],
            local_any: true,
        }
    }

    /// t = 0: each lease held by a control-plane host drawn at random.
    pub fn reset(&mut self, ctx: &mut Ctx) {
        let m = ctx.model;
        for c in [SCHEDULER, CONTROLLER_MANAGER] {
            let h = ctx
                .rng(ctx.layout.lease[c])
                .random_range(0..m.cp_hosts as u32) as u16;
            self.leases[c] = Controller::new(h);
        }
        self.api_down_since = 0.0;
        self.stalled_since = [0.0; 2];
        self.local_any = true;
    }

    /// Handles a lease attempt. Through the load balancer (`local` is
    /// `None`), `api` is whether the API is up now and every control-plane
    /// host that is up is a candidate; with kubeadm's wiring, `api` is
    /// whether etcd is writable and the candidates are the hosts marked in
    /// `local` (their own apiserver serves). With no candidate the lease
    /// waits for the API.
    #[inline]
    pub fn handle(
        &mut self,
        ctx: &mut Ctx,
        event: Event,
        api: bool,
        local: Option<&[bool]>,
        infra: &Infrastructure,
    ) {
        let Event::LeaseAttempt(c, generation) = event;
        let c = c as usize;
        if !self.leases[c].is_current(generation) {
            return;
        }
        let (candidates, marked) = match local {
            Some(local) => (local, local.iter().filter(|&&b| b).count() as u32),
            None => (infra.cp_hosts(), infra.cp_hosts_up()),
        };
        if api && marked > 0 {
            let stream = ctx.layout.lease[c];
            self.leases[c].lease = Lease::Held(pick(ctx, stream, candidates, marked));
        } else {
            self.leases[c].wait_for_api();
        }
    }

    /// Plans controller c's acquisition attempt `delay` plus U(0,
    /// retry_period) from now.
    #[inline]
    fn plan(&mut self, ctx: &mut Ctx, now: f64, c: usize, delay: f64) {
        let m = ctx.model;
        let generation = self.leases[c].plan_attempt();
        let jitter = m.retry_period * ctx.rng(ctx.layout.lease[c]).random::<f64>();
        ctx.schedule(
            now + delay + jitter,
            Event::LeaseAttempt(c as u8, generation),
        );
    }

    /// After an instant's events, with the controllers wired through the
    /// load balancer: `api` is the API now, `api_was` as of the last settle.
    ///
    /// A leader that cannot renew through an API outage longer than
    /// renew_deadline loses its lease. No event marks the deadline: what
    /// the loss changes is decided lazily, at the two moments it matters
    /// (the API's return, and the leader's host going down during the
    /// outage). While the API is down `control_plane` is down anyway.
    /// Settling never removes a leader that is up while quorum holds.
    #[inline]
    pub fn settle(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        api: bool,
        api_was: bool,
        infra: &Infrastructure,
    ) {
        let m = ctx.model;
        let lease_lost = !api_was && now - self.api_down_since > m.renew_deadline;
        if api != api_was {
            if api {
                for c in [SCHEDULER, CONTROLLER_MANAGER] {
                    let lease = self.leases[c].lease;
                    if lease == Lease::WaitingForApi
                        || (lease_lost && matches!(lease, Lease::Held(_)))
                    {
                        self.plan(ctx, now, c, 0.0);
                    }
                }
            } else {
                self.api_down_since = now;
            }
        }
        for c in [SCHEDULER, CONTROLLER_MANAGER] {
            if let Lease::Held(h) = self.leases[c].lease
                && !infra.cp_live(h as usize)
            {
                if !api && now - self.api_down_since > m.renew_deadline {
                    // Already lost to the API outage: candidates wait for its end.
                    self.leases[c].wait_for_api();
                } else {
                    self.plan(ctx, now, c, m.lease_duration);
                }
            }
        }
    }

    /// After an instant's events, with kubeadm's wiring: control-plane
    /// host h's own apiserver works when etcd is writable (`etcd`) and it
    /// serves (`serving[h]`).
    ///
    /// A leader whose own apiserver stops serving cannot renew: it stops
    /// acting at once ("stalled"), and others may take the lease when it
    /// expires, lease_duration plus U(0, retry_period) later. If its
    /// apiserver serves again within renew_deadline it renews and leads on;
    /// after that it has given the lease up. Candidates wait for an
    /// apiserver of their own that serves.
    #[inline]
    pub fn settle_local(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        etcd: bool,
        serving: &[bool],
        infra: &Infrastructure,
    ) {
        let m = ctx.model;
        let local = |h: u16| etcd && serving[h as usize];
        let any = etcd && serving.contains(&true);
        if any && !self.local_any {
            for c in [SCHEDULER, CONTROLLER_MANAGER] {
                if self.leases[c].lease == Lease::WaitingForApi {
                    self.plan(ctx, now, c, 0.0);
                }
            }
        }
        self.local_any = any;
        for c in [SCHEDULER, CONTROLLER_MANAGER] {
            match self.leases[c].lease {
                Lease::Held(h) if !infra.cp_live(h as usize) => {
                    self.plan(ctx, now, c, m.lease_duration);
                }
                Lease::Held(h) if !local(h) => {
                    self.plan(ctx, now, c, m.lease_duration);
                    self.leases[c].lease = Lease::Stalled(h);
                    self.stalled_since[c] = now;
                }
                Lease::Stalled(h)
                    if local(h) && now - self.stalled_since[c] <= m.renew_deadline =>
                {
                    self.leases[c].keep(h);
                }
                _ => {}
            }
        }
    }

    /// Host h is stopped gracefully (drained): the leases it holds that its
    /// controllers release on a stop are taken within retry_period (at
    /// U(0, retry_period)); the others expire as after a failure.
    pub fn release(&mut self, ctx: &mut Ctx, now: f64, h: u16) {
        let m = ctx.model;
        for c in [SCHEDULER, CONTROLLER_MANAGER] {
            if m.release_on_stop[c]
                && matches!(self.leases[c].lease, Lease::Held(x) | Lease::Stalled(x) if x == h)
            {
                self.plan(ctx, now, c, 0.0);
            }
        }
    }

    /// Controller c has a leader that acts.
    #[inline]
    pub fn has_leader(&self, c: usize) -> bool {
        self.leases[c].has_leader()
    }

    /// Both controllers have a leader that acts.
    #[inline]
    pub fn all_lead(&self) -> bool {
        self.leases.iter().all(Controller::has_leader)
    }

    /// Each controller's lease, scheduler first.
    pub fn leases(&self) -> [Lease; 2] {
        [self.leases[0].lease, self.leases[1].lease]
    }
}

/// A uniformly chosen control-plane host among the `marked` (at least one)
/// of `candidates`.
fn pick(ctx: &mut Ctx, stream: usize, candidates: &[bool], marked: u32) -> u16 {
    let k = uniform_below(ctx.rng(stream), marked);
    nth_true(candidates.iter().copied(), k)
}

/// The lease of one controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lease {
    /// Held by control-plane host `h`.
    Held(u16),
    /// No leader; an acquisition attempt is scheduled (its event carries the
    /// controller's generation).
    Pending,
    /// No leader, and candidates wait for the API to return.
    WaitingForApi,
    /// Held by host `h`, whose own apiserver does not serve (kubeadm's
    /// wiring): it does not act, and an acquisition attempt is scheduled
    /// for when the lease expires.
    Stalled(u16),
}

/// One leader-elected controller.
#[derive(Clone, Copy, Debug)]
pub struct Controller {
    pub lease: Lease,
    /// Bumped on every change of plan, so stale attempt events are ignored.
    pub generation: u32,
}

impl Controller {
    pub fn new(leader: u16) -> Self {
        Controller {
            lease: Lease::Held(leader),
            generation: 0,
        }
    }

    #[inline]
    pub fn has_leader(&self) -> bool {
        matches!(self.lease, Lease::Held(_))
    }

    /// Plans an acquisition attempt; returns the generation its event must carry.
    #[inline]
    pub fn plan_attempt(&mut self) -> u32 {
        self.lease = Lease::Pending;
        self.generation = super::next_generation(self.generation);
        self.generation
    }

    /// Whether an attempt event of `generation` is still the plan.
    #[inline]
    pub fn is_current(&self, generation: u32) -> bool {
        matches!(self.lease, Lease::Pending | Lease::Stalled(_)) && self.generation == generation
    }

    /// A stalled leader renews in time: it leads on, and the planned
    /// attempt is void.
    #[inline]
    pub fn keep(&mut self, h: u16) {
        self.lease = Lease::Held(h);
        self.generation = super::next_generation(self.generation);
    }

    /// Gives the lease up until the API returns.
    #[inline]
    pub fn wait_for_api(&mut self) {
        self.lease = Lease::WaitingForApi;
        self.generation = super::next_generation(self.generation);
    }
}
