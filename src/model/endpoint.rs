//! The API endpoint room: the kube-apiservers and the load balancer in
//! front of them.
//!
//! An apiserver is up when its host is up and its process has not crashed.
//! The endpoint reaches an up apiserver through an up load balancer; with
//! `load_balancer: none`, clients talk to cp-1's apiserver alone.

use super::causes::Cause;
use super::cluster::Ctx;
use super::infrastructure::Infrastructure;
use super::{Model, Role};

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    LbFail,
    LbRepair,
    /// The kube-apiserver process of control-plane host i crashes / is restarted.
    ApiserverCrash(u16),
    ApiserverRestart(u16),
}

impl Event {
    #[inline]
    pub(super) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::LbFail => (0, 0),
            Event::LbRepair => (1, 0),
            Event::ApiserverCrash(i) => (2, i),
            Event::ApiserverRestart(i) => (3, i),
        };
        tag << 24 | payload as u32
    }

    #[inline]
    pub(super) fn unpack(code: u32) -> Self {
        let payload = code as u16;
        match code >> 24 {
            0 => Event::LbFail,
            1 => Event::LbRepair,
            2 => Event::ApiserverCrash(payload),
            _ => Event::ApiserverRestart(payload),
        }
    }

    pub(super) fn component(self) -> String {
        match self {
            Event::LbFail | Event::LbRepair => "control_plane.load_balancer",
            Event::ApiserverCrash(_) | Event::ApiserverRestart(_) => "control_plane.apiserver",
        }
        .into()
    }
}

/// The endpoint's state in one replication.
pub struct Endpoint {
    lb_up: bool,
    /// Apiservers whose host is up and whose process has not crashed.
    apiservers_up: u32,
    /// Crashed apiserver processes, per control-plane host.
    apiserver_crashed: Vec<bool>,
}

impl Endpoint {
    pub fn new(m: &Model) -> Self {
        Endpoint {
            lb_up: true,
            apiservers_up: 0,
            apiserver_crashed: vec![false; m.cp_hosts as usize],
        }
    }

    /// t = 0: everything up.
    pub fn reset(&mut self, m: &Model) {
        self.lb_up = true;
        self.apiservers_up = m.cp_hosts as u32;
        self.apiserver_crashed.fill(false);
    }

    /// Queues the load balancer's first failure and each apiserver
    /// process's first crash.
    pub fn start(&self, ctx: &mut Ctx) {
        let m = ctx.model;
        if let Some(lb) = &m.load_balancer {
            let t = lb.failure.sample(ctx.rng(ctx.layout.lb_failure));
            ctx.schedule(t, Event::LbFail);
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
    pub fn handle(&mut self, ctx: &mut Ctx, now: f64, event: Event, infra: &Infrastructure) {
        let m = ctx.model;
        match event {
            Event::LbFail | Event::LbRepair => {
                let up = event == Event::LbRepair;
                self.lb_up = up;
                if let Some(lb) = &m.load_balancer {
                    let next = if up { Event::LbFail } else { Event::LbRepair };
                    let slots = (ctx.layout.lb_failure, ctx.layout.lb_repair);
                    ctx.end_of_phase(now, lb, up, slots, next);
                }
            }
            Event::ApiserverCrash(i) | Event::ApiserverRestart(i) => {
                let up = matches!(event, Event::ApiserverRestart(_));
                let i = i as usize;
                self.apiserver_crashed[i] = !up;
                if infra.host_up(i) {
                    super::count(&mut self.apiservers_up, up);
                }
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
        }
    }

    /// Host h went up or down: its apiserver with it, unless crashed.
    #[inline]
    pub fn host_changed(&mut self, m: &Model, h: usize, up: bool) {
        if let Role::ControlPlane(i) = m.hosts[h].role
            && !self.apiserver_crashed[i as usize]
        {
            super::count(&mut self.apiservers_up, up);
        }
    }

    /// The endpoint reaches an up apiserver: any, through an up load
    /// balancer; cp-1's alone without one.
    #[inline]
    pub fn up(&self, m: &Model, infra: &Infrastructure) -> bool {
        match m.load_balancer {
            Some(_) => self.lb_up && self.apiservers_up > 0,
            None => infra.host_up(0) && !self.apiserver_crashed[0],
        }
    }

    /// The load balancer is up (always, without one).
    #[inline]
    pub fn lb_up(&self) -> bool {
        self.lb_up
    }

    /// Control-plane host i's apiserver process has crashed.
    #[inline]
    pub fn apiserver_crashed(&self, i: usize) -> bool {
        self.apiserver_crashed[i]
    }

    /// Why the endpoint reaches no apiserver (etcd being fine).
    pub fn cause(&self, m: &Model, infra: &Infrastructure) -> Cause {
        let apiserver_cause = |i: usize| {
            infra
                .host_cause(m, i)
                .or(self.apiserver_crashed[i].then_some(Cause::ProcessCrash))
        };
        match m.load_balancer {
            Some(_) if !self.lb_up => Cause::LoadBalancer,
            Some(_) => (0..m.cp_hosts as usize)
                .filter_map(apiserver_cause)
                .min()
                .unwrap_or(Cause::HostFailure),
            None => apiserver_cause(0).unwrap_or(Cause::HostFailure),
        }
    }
}
