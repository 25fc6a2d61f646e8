//! The API endpoint room: the kube-apiservers, the load balancer in front of
//! them, its health check, and the DNS that leads clients to it
//! (docs/model.md, "The API endpoint").
//!
//! An apiserver *serves* when its host is up, its process has not crashed,
//! and, in a stacked design wired as kubeadm wires it, its local etcd member
//! is up. The load balancer sends requests to the apiservers *in rotation*:
//! without a health check, exactly those that serve; with one, an apiserver
//! that stops serving stays in rotation for interval × unhealthy_threshold,
//! and one that serves again rejoins interval × healthy_threshold later. The
//! API is up (by time) when etcd is writable, clients reach a working
//! load-balancer instance, and an apiserver in rotation serves; the share of
//! requests that fail while it is up (a dead apiserver still in rotation, a
//! lost zone's node still in DNS) is [`Endpoint::failing_share`].
//!
//! The load balancer's kinds:
//! - `single`: one instance, down while it has failed or its zone (if it
//!   has one) is down. With a new address on repair, clients reach the
//!   repaired instance only a DNS TTL after the repair.
//! - `pair` (keepalived VRRP, kube-vip): two instances, one active. When the
//!   active one goes down and the other is up, the other takes over after a
//!   `failover` draw, with probability `failover_success`; a takeover that
//!   fails leaves the endpoint down until the failed instance returns, which
//!   then serves again at once. When neither is up, the first to return
//!   takes over after `failover`. No preemption.
//! - `cloud`: a node in every zone holding a control-plane host, down while
//!   its zone (or the whole service) is; DNS lists every node, and clients
//!   spread evenly over the listed nodes. A node that goes down stays listed
//!   for `detection + ttl` (or until it returns, if sooner); each node sends
//!   to every apiserver in rotation, in any zone.
//!
//! With `load_balancer: none`, clients talk to cp-1's apiserver alone.

use rand::RngExt;

use super::causes::Cause;
use super::cluster::Ctx;
use super::etcd::Etcd;
use super::infrastructure::Infrastructure;
use super::{LoadBalancerKind, Model, Role, Wiring};

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// Load-balancer instance k (0 but for a pair's second) fails / is
    /// repaired; for `cloud`, the whole service.
    LbFail(u8),
    LbRepair(u8),
    /// The kube-apiserver process of control-plane host i crashes / is restarted.
    ApiserverCrash(u16),
    ApiserverRestart(u16),
    /// The health check's verdict on apiserver i falls due.
    HealthCheck(u16),
    /// A pair's takeover completes.
    Takeover,
    /// A repaired `single` instance's new address is known to clients.
    Reachable,
    /// A lost zone's cloud load-balancer node n is no longer used by clients.
    Unlisted(u16),
}

impl Event {
    #[inline(always)]
    pub(super) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::LbFail(k) => (0, k as u16),
            Event::LbRepair(k) => (1, k as u16),
            Event::ApiserverCrash(i) => (2, i),
            Event::ApiserverRestart(i) => (3, i),
            Event::HealthCheck(i) => (4, i),
            Event::Takeover => (5, 0),
            Event::Reachable => (6, 0),
            Event::Unlisted(n) => (7, n),
        };
        tag << 24 | payload as u32
    }

    #[inline]
    pub(super) fn unpack(code: u32) -> Self {
        let payload = code as u16;
        match code >> 24 {
            0 => Event::LbFail(payload as u8),
            1 => Event::LbRepair(payload as u8),
            2 => Event::ApiserverCrash(payload),
            3 => Event::ApiserverRestart(payload),
            4 => Event::HealthCheck(payload),
            5 => Event::Takeover,
            6 => Event::Reachable,
            _ => Event::Unlisted(payload),
        }
    }

    pub(super) fn component(self) -> String {
        match self {
            Event::LbFail(_) | Event::LbRepair(_) => "control_plane.load_balancer",
            Event::ApiserverCrash(_) | Event::ApiserverRestart(_) => "control_plane.apiserver",
            Event::HealthCheck(_) => "control_plane.load_balancer.health_check",
            Event::Takeover => "control_plane.load_balancer.failover",
            Event::Reachable | Event::Unlisted(_) => "control_plane.load_balancer.dns",
        }
        .into()
    }
}

/// Where a pair's virtual IP is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Vip {
    /// Held by this instance.
    Active(u8),
    /// This instance takes over when [`Endpoint::takeover_at`] comes.
    TakingOver(u8),
    /// A takeover failed: down until this instance (the one that failed) returns.
    Stuck(u8),
    /// Neither instance is up: the first to return takes over.
    Nobody,
}

/// The endpoint's state in one replication.
pub struct Endpoint {
    /// Each load-balancer instance's own state (for `cloud`, the service's):
    /// not failed, and not held by a change.
    lb_own_up: [bool; 2],
    /// Each instance has failed and is not repaired.
    lb_failed: [bool; 2],
    /// The changes (a bit each) holding each instance down.
    lb_held: [u64; 2],
    /// Apiservers whose host is up and whose process has not crashed.
    apiservers_up: u32,
    /// Crashed apiserver processes, per control-plane host.
    apiserver_crashed: Vec<bool>,
    /// Each apiserver serves, as of the last settle.
    serving: Vec<bool>,
    /// Some apiserver's serving changed since [`Self::take_serving_changed`].
    serving_changed: bool,
    /// Each apiserver is in the load balancer's rotation.
    in_rotation: Vec<bool>,
    /// When each apiserver's pending health-check verdict falls due
    /// (infinite when none is pending).
    check_at: Vec<f64>,
    // `single` with a new address on repair.
    /// Clients know the instance's current address.
    reachable: bool,
    reachable_at: f64,
    // `pair`.
    vip: Vip,
    takeover_at: f64,
    /// Each instance up (itself and its zone), as of the last settle.
    instance_up: [bool; 2],
    // `cloud`.
    /// Zone of each load-balancer node.
    node_zone: Vec<u16>,
    /// Each node up, as of the last settle.
    node_up: Vec<bool>,
    /// Each node in DNS (up, or down for less than detection + ttl).
    listed: Vec<bool>,
    unlist_at: Vec<f64>,
    /// Share of requests that fail, as of the last settle.
    failing: f64,
    /// See [`Self::watches_zones`].
    watches_zones: bool,
    /// `single` in no zone and with the same address after repairs: the
    /// load balancer works when its instance is up.
    plain: bool,
    /// Apiservers in rotation that serve, as of the last settle.
    usable: u32,
    /// A pair or a cloud load balancer: instances or nodes to follow.
    instances_move: bool,
    /// No health check and the load balancer's wiring: an apiserver serves
    /// when it is up, the rotation is the apiservers that serve, and
    /// [`Self::apiservers_up`] says all there is to know.
    counted: bool,
}

impl Endpoint {
    pub fn new(m: &Model) -> Self {
        let n = m.cp_hosts as usize;
        let mut node_zone: Vec<u16> = m.hosts[..n].iter().map(|h| h.zone).collect();
        node_zone.sort_unstable();
        node_zone.dedup();
        if !matches!(m.lb_kind, Some(LoadBalancerKind::Cloud { .. })) {
            node_zone.clear();
        }
        let nodes = node_zone.len();
        let watches_zones = match &m.lb_kind {
            Some(LoadBalancerKind::Single { zone, .. }) => zone.is_some(),
            Some(_) => true,
            None => false,
        };
        Endpoint {
            watches_zones,
            plain: matches!(
                m.lb_kind,
                Some(LoadBalancerKind::Single {
                    zone: None,
                    new_address_ttl: None
                })
            ),
            usable: n as u32,
            counted: m.health_check.is_none() && m.wiring == Wiring::LoadBalancer,
            instances_move: matches!(
                m.lb_kind,
                Some(LoadBalancerKind::Pair { .. } | LoadBalancerKind::Cloud { .. })
            ),
            lb_own_up: [true; 2],
            lb_failed: [false; 2],
            lb_held: [0; 2],
            apiservers_up: 0,
            apiserver_crashed: vec![false; n],
            serving: vec![true; n],
            serving_changed: false,
            in_rotation: vec![true; n],
            check_at: vec![f64::INFINITY; n],
            reachable: true,
            reachable_at: f64::INFINITY,
            vip: Vip::Active(0),
            takeover_at: f64::INFINITY,
            instance_up: [true; 2],
            node_zone,
            node_up: vec![true; nodes],
            listed: vec![true; nodes],
            unlist_at: vec![f64::INFINITY; nodes],
            failing: 0.0,
        }
    }

    /// t = 0: everything up and in rotation.
    pub fn reset(&mut self, m: &Model) {
        self.lb_own_up = [true; 2];
        self.lb_failed = [false; 2];
        self.lb_held = [0; 2];
        self.apiservers_up = m.cp_hosts as u32;
        self.apiserver_crashed.fill(false);
        self.serving.fill(true);
        self.serving_changed = false;
        self.in_rotation.fill(true);
        self.check_at.fill(f64::INFINITY);
        self.reachable = true;
        self.reachable_at = f64::INFINITY;
        self.vip = Vip::Active(0);
        self.takeover_at = f64::INFINITY;
        self.instance_up = [true; 2];
        self.node_up.fill(true);
        self.listed.fill(true);
        self.unlist_at.fill(f64::INFINITY);
        self.failing = 0.0;
        self.usable = m.cp_hosts as u32;
    }

    /// Host h's etcd member changed (after the change): with kubeadm's
    /// wiring a stacked apiserver there serves only with it.
    #[inline]
    pub fn member_changed(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        h: usize,
        infra: &Infrastructure,
        etcd: &Etcd,
    ) {
        let m = ctx.model;
        if m.wiring == Wiring::Kubeadm && h < m.cp_hosts as usize {
            self.refresh(ctx, now, h, infra, etcd);
        }
    }

    /// Every member may have changed (a recovery completed).
    #[inline]
    pub fn members_changed(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        infra: &Infrastructure,
        etcd: &Etcd,
    ) {
        if ctx.model.wiring == Wiring::Kubeadm {
            for i in 0..ctx.model.cp_hosts as usize {
                self.refresh(ctx, now, i, infra, etcd);
            }
        }
    }

    /// Queues the load balancer's first failures and each apiserver
    /// process's first crash.
    pub fn start(&self, ctx: &mut Ctx) {
        let m = ctx.model;
        if let Some(lb) = &m.load_balancer {
            // A cloud load balancer's one failure process is the service's.
            for k in 0..m.lb_instances() as usize {
                let t = lb.failure.sample(ctx.rng(ctx.layout.lb_failure(k)));
                ctx.schedule(t, Event::LbFail(k as u8));
            }
        }
        if let Some(crash) = &m.apiserver_crash {
            for i in 0..m.cp_hosts as usize {
                let t = crash.failure.sample(ctx.rng(ctx.layout.apiserver_crash(i)));
                ctx.schedule(t, Event::ApiserverCrash(i as u16));
            }
        }
    }

    /// Handles one of this room's events. Every one may change the API.
    #[inline]
    pub fn handle(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        event: Event,
        infra: &Infrastructure,
        etcd: &Etcd,
    ) {
        let m = ctx.model;
        match event {
            Event::LbFail(k) | Event::LbRepair(k) => {
                let up = matches!(event, Event::LbRepair(_));
                self.lb_failed[k as usize] = !up;
                self.lb_own_up[k as usize] = up && self.lb_held[k as usize] == 0;
                if up
                    && let Some(LoadBalancerKind::Single {
                        new_address_ttl: Some(ttl),
                        ..
                    }) = m.lb_kind
                {
                    self.reachable = false;
                    self.reachable_at = now + ttl;
                    ctx.schedule(now + ttl, Event::Reachable);
                }
                if let Some(lb) = &m.load_balancer {
                    let next = if up {
                        Event::LbFail(k)
                    } else {
                        Event::LbRepair(k)
                    };
                    let k = k as usize;
                    let slots = (ctx.layout.lb_failure(k), ctx.layout.lb_repair(k));
                    ctx.end_of_phase(now, lb, up, slots, next);
                }
            }
            Event::ApiserverCrash(i) | Event::ApiserverRestart(i) => {
                let up = matches!(event, Event::ApiserverRestart(_));
                let i = i as usize;
                self.apiserver_crashed[i] = !up;
                if infra.cp_live(i) {
                    super::count(&mut self.apiservers_up, up);
                }
                self.refresh(ctx, now, i, infra, etcd);
                if let Some(crash) = &m.apiserver_crash {
                    let next = if up {
                        Event::ApiserverCrash(i as u16)
                    } else {
                        Event::ApiserverRestart(i as u16)
                    };
                    let slots = (
                        ctx.layout.apiserver_crash(i),
                        ctx.layout.apiserver_restart(i),
                    );
                    ctx.end_of_phase(now, crash, up, slots, next);
                }
            }
            Event::HealthCheck(i) => {
                let i = i as usize;
                if self.check_at[i] == now {
                    self.check_at[i] = f64::INFINITY;
                    let before = self.in_rotation[i] && self.serving[i];
                    self.in_rotation[i] = self.serving[i];
                    self.recount(i, before);
                }
            }
            Event::Takeover => {
                if let Vip::TakingOver(k) = self.vip
                    && self.takeover_at == now
                {
                    self.vip = Vip::Active(k);
                    self.takeover_at = f64::INFINITY;
                }
            }
            Event::Reachable => {
                if self.reachable_at == now {
                    self.reachable = true;
                    self.reachable_at = f64::INFINITY;
                }
            }
            Event::Unlisted(n) => {
                let n = n as usize;
                if self.unlist_at[n] == now {
                    self.listed[n] = false;
                    self.unlist_at[n] = f64::INFINITY;
                }
            }
        }
    }

    /// Holds load-balancer instance k down for change `c`, or lets it go (a
    /// command of the changes room). [`Self::settle`] follows.
    #[inline]
    pub fn set_lb_held(&mut self, k: usize, c: u16, held: bool) {
        super::infrastructure::set_bit(&mut self.lb_held[k], c, held);
        self.lb_own_up[k] = !self.lb_failed[k] && self.lb_held[k] == 0;
    }

    /// Host h went up or down: its apiserver with it, unless crashed.
    #[inline]
    pub fn host_changed(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        h: usize,
        up: bool,
        infra: &Infrastructure,
        etcd: &Etcd,
    ) {
        if let Role::ControlPlane(i) = ctx.model.hosts[h].role {
            let i = i as usize;
            if !self.apiserver_crashed[i] && infra.cp_change(i).is_none() {
                super::count(&mut self.apiservers_up, up);
            }
            self.refresh(ctx, now, i, infra, etcd);
        }
    }

    /// Control-plane host i's processes were held down by a change or let
    /// go, on a host that is up: its apiserver with them (`live`), unless
    /// crashed.
    #[inline]
    pub fn processes_changed(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        i: usize,
        live: bool,
        infra: &Infrastructure,
        etcd: &Etcd,
    ) {
        if !self.apiserver_crashed[i] {
            super::count(&mut self.apiservers_up, live);
        }
        self.refresh(ctx, now, i, infra, etcd);
    }

    /// Apiserver i serves now: its host up, its process running, and (stacked,
    /// kubeadm's wiring) its local etcd member up.
    #[inline]
    pub fn serves(&self, m: &Model, i: usize, infra: &Infrastructure, etcd: &Etcd) -> bool {
        infra.cp_live(i)
            && !self.apiserver_crashed[i]
            && (m.wiring == Wiring::LoadBalancer
                || m.hosts[i]
                    .member
                    .is_none_or(|j| etcd.member_up(m, j, infra)))
    }

    /// Load-balancer instance k is up now: itself and its zone.
    #[inline]
    fn instance_up_now(&self, m: &Model, k: usize, infra: &Infrastructure) -> bool {
        let zone = match &m.lb_kind {
            Some(LoadBalancerKind::Single { zone, .. }) => *zone,
            Some(LoadBalancerKind::Pair { placement, .. }) => Some(placement[k]),
            _ => None,
        };
        self.lb_own_up[k] && zone.is_none_or(|z| infra.zone_up(z as usize))
    }

    /// Clients reach a working load balancer now (always, without one).
    #[inline(always)]
    fn lb_path_now(&self, m: &Model, infra: &Infrastructure) -> bool {
        if self.plain {
            return self.lb_own_up[0];
        }
        match &m.lb_kind {
            None => true,
            Some(LoadBalancerKind::Single { .. }) => {
                self.reachable && self.instance_up_now(m, 0, infra)
            }
            Some(LoadBalancerKind::Pair { .. }) => {
                matches!(self.vip, Vip::Active(k) if self.instance_up_now(m, k as usize, infra))
            }
            Some(LoadBalancerKind::Cloud { .. }) => {
                self.lb_own_up[0] && self.node_zone.iter().any(|&z| infra.zone_up(z as usize))
            }
        }
    }

    /// Apiserver i's serving, re-derived after a change it depends on,
    /// and the health check's verdict it calls for. Nothing to follow in
    /// `counted` mode.
    #[inline(always)]
    fn refresh(&mut self, ctx: &mut Ctx, now: f64, i: usize, infra: &Infrastructure, etcd: &Etcd) {
        if !self.counted {
            self.follow(ctx, now, i, infra, etcd);
        }
    }

    /// [`Self::refresh`] outside `counted` mode.
    #[inline(never)]
    fn follow(&mut self, ctx: &mut Ctx, now: f64, i: usize, infra: &Infrastructure, etcd: &Etcd) {
        let m = ctx.model;
        let serves = self.serves(m, i, infra, etcd);
        if serves == self.serving[i] {
            return;
        }
        let before = self.in_rotation[i] && self.serving[i];
        self.serving[i] = serves;
        self.serving_changed = true;
        match &m.health_check {
            None => self.in_rotation[i] = serves,
            Some(check) => {
                if serves == self.in_rotation[i] {
                    // Back before the check noticed: nothing changes.
                    self.check_at[i] = f64::INFINITY;
                } else {
                    let delay = if serves {
                        check.up_after()
                    } else {
                        check.down_after()
                    };
                    self.check_at[i] = now + delay;
                    ctx.schedule(now + delay, Event::HealthCheck(i as u16));
                }
            }
        }
        self.recount(i, before);
    }

    /// Keeps [`Self::usable`] in step with apiserver i, which counted
    /// `before`.
    #[inline]
    fn recount(&mut self, i: usize, before: bool) {
        let after = self.in_rotation[i] && self.serving[i];
        if after != before {
            super::count(&mut self.usable, after);
        }
    }

    /// The endpoint reaches a serving apiserver now: through a working load
    /// balancer, to one in rotation; without one, cp-1's. Serving and the
    /// rotation are followed as they change (or, in `counted` mode, are
    /// the apiservers up), so this needs no scan.
    #[inline]
    pub fn up(&self, m: &Model, infra: &Infrastructure) -> bool {
        if self.counted {
            return if m.lb_kind.is_none() {
                infra.cp_live(0) && !self.apiserver_crashed[0]
            } else {
                self.apiservers_up > 0 && self.lb_path_now(m, infra)
            };
        }
        if m.lb_kind.is_none() {
            return self.serving[0];
        }
        self.usable > 0 && self.lb_path_now(m, infra)
    }

    /// Whether each apiserver serves now (not in `counted` mode).
    #[inline]
    pub fn serving_all(&self) -> &[bool] {
        &self.serving
    }

    /// Whether some apiserver's serving changed since the last call.
    #[inline]
    pub fn take_serving_changed(&mut self) -> bool {
        std::mem::take(&mut self.serving_changed)
    }

    /// After an instant's events (if a control-plane component changed):
    /// the health check's view of each apiserver, a pair's takeovers, and
    /// the cloud nodes in DNS. [`Self::set_api`] follows.
    #[inline]
    pub fn settle(&mut self, ctx: &mut Ctx, now: f64, infra: &Infrastructure) {
        if self.instances_move {
            self.settle_instances(ctx, now, infra);
        }
    }

    /// A pair's takeovers and the cloud nodes in DNS.
    #[inline(never)]
    fn settle_instances(&mut self, ctx: &mut Ctx, now: f64, infra: &Infrastructure) {
        let m = ctx.model;
        match &m.lb_kind {
            Some(LoadBalancerKind::Pair {
                failover,
                failover_success,
                ..
            }) => {
                for k in 0..2 {
                    let up = self.instance_up_now(m, k, infra);
                    if up == self.instance_up[k] {
                        continue;
                    }
                    self.instance_up[k] = up;
                    let other = 1 - k;
                    let other_up = self.instance_up_now(m, other, infra);
                    let takeover = |ctx: &mut Ctx, to: usize, draw_success: bool| {
                        let d = failover.sample(ctx.rng(ctx.layout.lb_failover));
                        let ok = !draw_success
                            || *failover_success >= 1.0
                            || ctx.rng(ctx.layout.lb_failover + 1).random::<f64>()
                                < *failover_success;
                        if ok {
                            ctx.schedule(now + d, Event::Takeover);
                            (Vip::TakingOver(to as u8), now + d)
                        } else {
                            (Vip::Stuck(k as u8), f64::INFINITY)
                        }
                    };
                    match (self.vip, up) {
                        // The active instance, or the one taking over, went down.
                        (Vip::Active(a) | Vip::TakingOver(a), false) if a as usize == k => {
                            (self.vip, self.takeover_at) = if other_up {
                                takeover(ctx, other, true)
                            } else {
                                (Vip::Nobody, f64::INFINITY)
                            };
                        }
                        // The instance a failed takeover waits for is back.
                        (Vip::Stuck(s), true) if s as usize == k => self.vip = Vip::Active(k as u8),
                        // The first to return when neither was up.
                        (Vip::Nobody, true) => {
                            (self.vip, self.takeover_at) = takeover(ctx, k, false);
                        }
                        _ => {}
                    }
                }
            }
            Some(LoadBalancerKind::Cloud { detection, ttl }) => {
                for n in 0..self.node_zone.len() {
                    let up = self.lb_own_up[0] && infra.zone_up(self.node_zone[n] as usize);
                    if up == self.node_up[n] {
                        continue;
                    }
                    self.node_up[n] = up;
                    if up {
                        self.listed[n] = true;
                        self.unlist_at[n] = f64::INFINITY;
                    } else if self.listed[n] {
                        let at = now + detection + ttl;
                        self.unlist_at[n] = at;
                        ctx.schedule(at, Event::Unlisted(n as u16));
                    }
                }
            }
            _ => {}
        }
    }

    /// The API is `api` after this instant: the share of requests that fail.
    #[inline]
    pub fn set_api(&mut self, m: &Model, api: bool) {
        self.failing = if !api {
            1.0
        } else if m.health_check.is_none() && self.node_zone.is_empty() {
            0.0
        } else {
            self.failing_while_up(m)
        };
    }

    /// Whether a zone's outage can change the load balancer (an instance
    /// or node placed in a zone).
    #[inline]
    pub fn watches_zones(&self) -> bool {
        self.watches_zones
    }

    /// The share of requests that fail while the API is up: those sent to
    /// an apiserver in rotation that does not serve, and (cloud) those sent
    /// to a listed node that is down.
    fn failing_while_up(&self, m: &Model) -> f64 {
        let (mut rotation, mut dead) = (0u32, 0u32);
        for i in 0..m.cp_hosts as usize {
            if self.in_rotation[i] {
                rotation += 1;
                dead += u32::from(!self.serving[i]);
            }
        }
        let to_apiservers = if rotation == 0 {
            1.0
        } else {
            f64::from(dead) / f64::from(rotation)
        };
        if self.node_zone.is_empty() {
            return to_apiservers;
        }
        let (mut listed, mut dead_nodes) = (0u32, 0u32);
        for n in 0..self.node_zone.len() {
            if self.listed[n] {
                listed += 1;
                dead_nodes += u32::from(!self.node_up[n]);
            }
        }
        let lost = f64::from(dead_nodes) / f64::from(listed.max(1));
        lost + (1.0 - lost) * to_apiservers
    }

    /// The share of client requests that fail, as of the last settle.
    #[inline]
    pub fn failing_share(&self) -> f64 {
        self.failing
    }

    /// The load balancer works (always, without one).
    pub fn lb_up(&self, m: &Model, infra: &Infrastructure) -> bool {
        self.lb_path_now(m, infra)
    }

    /// Control-plane host i's apiserver process has crashed.
    pub fn apiserver_crashed(&self, i: usize) -> bool {
        self.apiserver_crashed[i]
    }

    /// Why the endpoint reaches no serving apiserver (etcd being fine).
    pub fn cause(&self, m: &Model, infra: &Infrastructure, etcd: &Etcd) -> Cause {
        let member_cause = |i: usize| {
            let j = m.hosts[i].member? as usize;
            if m.wiring != Wiring::Kubeadm {
                None
            } else if let Some(c) = etcd.member_change(j) {
                Some(Cause::Change(c))
            } else if etcd.member_crashed(j) {
                Some(Cause::ProcessCrash)
            } else if etcd.member_empty(j) {
                Some(Cause::HostFailure)
            } else {
                None
            }
        };
        let apiserver_cause = |i: usize| {
            infra
                .host_cause(m, i)
                .or(infra.cp_change(i).map(Cause::Change))
                .or(self.apiserver_crashed[i].then_some(Cause::ProcessCrash))
                .or_else(|| member_cause(i))
        };
        match m.lb_kind {
            Some(_) if !self.lb_path_now(m, infra) => {
                match super::infrastructure::first_bit(self.lb_held[0] | self.lb_held[1]) {
                    Some(c) => Cause::Change(c),
                    None => Cause::LoadBalancer,
                }
            }
            Some(_) => (0..m.cp_hosts as usize)
                .filter_map(apiserver_cause)
                .min()
                // Every apiserver serves: the health check has not yet put
                // a returning one back.
                .unwrap_or(Cause::LoadBalancer),
            None => apiserver_cause(0).unwrap_or(Cause::HostFailure),
        }
    }
}
