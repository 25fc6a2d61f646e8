//! Changes: upgrades, configuration pushes, image rollouts and releases,
//! rolled out to their targets step by step (docs/model.md, "Changes").
//!
//! A change starts every `every` (one draw after t = 0, then one draw
//! after each start; a start that finds the last change still under way is
//! skipped). Each step reaches `batch` targets (all of them when all at
//! once). A good step restarts its targets: they are down for a `restart`
//! draw, then the next step follows `pause` later. A bad change (with
//! probability `bad`) leaves every target it reached down: at the end of
//! each step (`restart` + `pause` after it went live) a health gate catches
//! it with probability `caught`; uncaught, the next step goes live, until
//! someone notices `detection` after the first step. Caught or noticed, the
//! rollout stops and a `rollback` later every target reached is restored.
//!
//! This room keeps each change's progress and the certificates' expiry,
//! and tells the dispatcher which targets to hold down or let go
//! ([`Effect`]); the rooms that own the targets do the rest.

use std::ops::Range;

use rand::RngExt;

use super::super::cluster::Ctx;
use super::super::streams::change_stream as stream;
use super::super::workloads::Release;
use super::super::{ChangeTarget, Model};
use super::Event;

/// Where one change stands.
#[derive(Clone, Copy, Debug, Default)]
struct Run {
    /// A rollout or a rollback is under way.
    active: bool,
    /// The change under way is bad.
    bad: bool,
    /// The step live now (or last live).
    step: u16,
    /// Targets reached so far: `0..reached`.
    reached: u16,
    /// Bumped when a rollout starts and when its rollback starts, so stale
    /// events are ignored.
    generation: u32,
}

/// What the dispatcher does after a change's event: let go of `release`,
/// then hold `hold` (gracefully stopped first when `graceful`), for change
/// `change`; and renew the certificates when `renew`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Effect {
    pub change: u16,
    pub release: Range<u16>,
    pub hold: Range<u16>,
    /// The held targets are restarted by a good change: a worker is drained
    /// and an etcd leader hands over first. A bad change's workers and
    /// members break as by a failure. (A control-plane host's controllers
    /// release their leases either way, as `release_on_stop` says: the
    /// change stops the old processes itself.)
    pub graceful: bool,
    pub renew: bool,
    /// A workload's rollout starts, of this release.
    pub rollout: Option<Release>,
    /// A workload's rollout stops where it is (a bad release was noticed).
    pub stop: bool,
    /// A workload's rollback is done.
    pub rolled_back: bool,
}

/// The certificates' state.
#[derive(Clone, Copy, Debug, Default)]
struct Certificates {
    expired: bool,
    generation: u32,
    /// Expired or renewed since the last [`Changes::take_certificates_changed`].
    changed: bool,
}

/// Every change's progress, and the certificates, in one replication.
pub struct Changes {
    runs: Vec<Run>,
    certificates: Certificates,
}

/// Generations in a change's events wrap at 18 bits (the change index
/// takes the payload's other 6).
const GENERATION_BITS: u32 = 18;
const GENERATION: u32 = (1 << GENERATION_BITS) - 1;

/// A draw from change c's stream `k` (one of [`stream`]'s).
#[inline]
fn draw(ctx: &mut Ctx, c: u16, k: usize, sampler: &crate::engine::Sampler) -> f64 {
    let slot = ctx.layout.change(c as usize) + k;
    sampler.sample(ctx.rng(slot))
}

/// True with probability `p`, drawn on change c's stream `k` only when `p`
/// is strictly between 0 and 1.
#[inline]
fn chance(ctx: &mut Ctx, c: u16, k: usize, p: f64) -> bool {
    p >= 1.0 || (p > 0.0 && ctx.rng(ctx.layout.change(c as usize) + k).random::<f64>() < p)
}

/// A change's index and generation as an event's payload.
#[inline]
pub(super) fn payload(c: u16, generation: u32) -> u32 {
    (c as u32) << GENERATION_BITS | (generation & GENERATION)
}

/// An event's payload as a change's index and generation.
#[inline]
pub(super) fn unpayload(p: u32) -> (u16, u32) {
    ((p >> GENERATION_BITS) as u16, p & GENERATION)
}

impl Changes {
    pub fn new(m: &Model) -> Self {
        Changes {
            runs: vec![Run::default(); m.changes.len()],
            certificates: Certificates::default(),
        }
    }

    /// t = 0: nothing under way, certificates fresh; the first changes and
    /// the first expiry queued.
    pub fn reset(&mut self, ctx: &mut Ctx) {
        let m = ctx.model;
        self.runs.fill(Run::default());
        self.certificates = Certificates::default();
        for (c, change) in m.changes.iter().enumerate() {
            let t = draw(ctx, c as u16, stream::EVERY, &change.every);
            ctx.schedule(t, Event::ChangeDue(c as u16));
        }
        if let Some(certificates) = &m.certificates {
            ctx.schedule(certificates.lifetime, Event::CertificatesExpire(0));
        }
    }

    /// The control plane's certificates have expired and are not renewed.
    #[inline]
    pub fn certificates_expired(&self) -> bool {
        self.certificates.expired
    }

    /// Whether the certificates expired or were renewed since the last call.
    #[inline]
    pub fn take_certificates_changed(&mut self) -> bool {
        std::mem::take(&mut self.certificates.changed)
    }

    /// Handles one of the changes' or certificates' events.
    pub fn handle(&mut self, ctx: &mut Ctx, now: f64, event: Event) -> Effect {
        let m = ctx.model;
        match event {
            Event::ChangeDue(c) => {
                let change = &m.changes[c as usize];
                let next = draw(ctx, c, stream::EVERY, &change.every);
                ctx.schedule(now + next, Event::ChangeDue(c));
                self.start(ctx, now, c)
            }
            Event::ChangeStep(p) => {
                let (c, g) = unpayload(p);
                if !self.current(c, g) {
                    return Effect::default();
                }
                self.go_live(ctx, now, c)
            }
            Event::ChangeRestarted(p) => {
                let (c, g) = unpayload(p);
                if !self.current(c, g) {
                    return Effect::default();
                }
                self.restarted(ctx, now, c)
            }
            Event::ChangeGate(p) => {
                let (c, g) = unpayload(p);
                if !self.current(c, g) {
                    return Effect::default();
                }
                let change = &m.changes[c as usize];
                let caught = chance(ctx, c, stream::CAUGHT, change.caught);
                let run = &mut self.runs[c as usize];
                if caught {
                    self.roll_back(ctx, now, c);
                    Effect::default()
                } else if run.step + 1 < change.steps() {
                    run.step += 1;
                    self.go_live(ctx, now, c)
                } else {
                    // Every target reached: only detection stops it now.
                    Effect::default()
                }
            }
            Event::ChangeDetected(p) => {
                let (c, g) = unpayload(p);
                if !self.current(c, g) {
                    return Effect::default();
                }
                self.roll_back(ctx, now, c);
                Effect {
                    change: c,
                    stop: true,
                    ..Effect::default()
                }
            }
            Event::ChangeRolledBack(p) => {
                let (c, g) = unpayload(p);
                if !self.current(c, g) {
                    return Effect::default();
                }
                let run = &mut self.runs[c as usize];
                run.active = false;
                Effect {
                    change: c,
                    release: 0..run.reached,
                    rolled_back: true,
                    ..Effect::default()
                }
            }
            Event::CertificatesExpire(g) => {
                let certs = &mut self.certificates;
                if let Some(model) = &m.certificates
                    && g == certs.generation
                {
                    certs.expired = true;
                    certs.changed = true;
                    let d = model.renew.sample(ctx.rng(ctx.layout.certificate_renew));
                    ctx.schedule(now + d, Event::CertificatesRenewed(g));
                }
                Effect::default()
            }
            Event::CertificatesRenewed(g) => {
                if g == self.certificates.generation {
                    self.renew(ctx, now);
                }
                Effect::default()
            }
            _ => Effect::default(),
        }
    }

    /// Renews the certificates now: valid for their lifetime from now.
    pub fn renew(&mut self, ctx: &mut Ctx, now: f64) {
        let Some(model) = &ctx.model.certificates else {
            return;
        };
        let certs = &mut self.certificates;
        certs.changed |= certs.expired;
        certs.expired = false;
        certs.generation = super::super::next_generation(certs.generation);
        ctx.schedule(
            now + model.lifetime,
            Event::CertificatesExpire(certs.generation),
        );
    }

    /// Change c's rollout to a workload completed.
    pub fn completed(&mut self, c: u16) {
        self.runs[c as usize].active = false;
    }

    /// Change c could not start (its workload's last rollout is still
    /// under way): it is dropped, with whatever it had planned.
    pub fn abandon(&mut self, c: u16) {
        let run = &mut self.runs[c as usize];
        run.active = false;
        run.generation = (run.generation + 1) & GENERATION;
    }

    /// Change c's rollout made no progress in time: it is rolled back.
    pub fn deadline_exceeded(&mut self, ctx: &mut Ctx, now: f64, c: u16) {
        if self.runs[c as usize].active {
            self.roll_back(ctx, now, c);
        }
    }

    /// Whether an event of change c's `generation` is still the plan.
    #[inline]
    fn current(&self, c: u16, generation: u32) -> bool {
        let run = &self.runs[c as usize];
        run.active && run.generation & GENERATION == generation
    }

    /// Change c is due: it starts, unless the last one is still under way.
    fn start(&mut self, ctx: &mut Ctx, now: f64, c: u16) -> Effect {
        let m = ctx.model;
        let change = &m.changes[c as usize];
        let run = &mut self.runs[c as usize];
        if run.active || change.targets == 0 {
            return Effect::default();
        }
        let bad = chance(ctx, c, stream::BAD, change.bad);
        *run = Run {
            active: true,
            bad,
            step: 0,
            reached: 0,
            generation: (run.generation + 1) & GENERATION,
        };
        // A workload's rolling update takes the steps, and its readiness
        // catches a bad release (it fails readiness) once, at the start; a
        // stepped change meets a gate at each step.
        let workload = matches!(change.target, ChangeTarget::Workload(_));
        let fails = workload && bad && chance(ctx, c, stream::CAUGHT, change.caught);
        let noticed = bad
            && if workload {
                !fails
            } else {
                change.caught < 1.0
            };
        if noticed {
            let d = draw(ctx, c, stream::DETECTION, &change.detection);
            ctx.schedule(now + d, Event::ChangeDetected(payload(c, run.generation)));
        }
        if workload {
            return Effect {
                change: c,
                rollout: Some(match (bad, fails) {
                    (false, _) => Release::Good,
                    (true, true) => Release::FailsReadiness,
                    (true, false) => Release::Broken,
                }),
                ..Effect::default()
            };
        }
        self.go_live(ctx, now, c)
    }

    /// Change c's current step goes live: its targets are held; a good
    /// change's come back after a restart, a bad change meets its gate at
    /// the end of the step.
    fn go_live(&mut self, ctx: &mut Ctx, now: f64, c: u16) -> Effect {
        let m = ctx.model;
        let change = &m.changes[c as usize];
        let run = &mut self.runs[c as usize];
        let from = run.step * change.batch;
        let to = (from + change.batch).min(change.targets);
        run.reached = to;
        let restart = draw(ctx, c, stream::RESTART, &change.restart);
        let p = payload(c, run.generation);
        if run.bad {
            ctx.schedule(now + restart + change.pause, Event::ChangeGate(p));
        } else {
            ctx.schedule(now + restart, Event::ChangeRestarted(p));
        }
        Effect {
            change: c,
            hold: from..to,
            graceful: !run.bad,
            ..Effect::default()
        }
    }

    /// A good change's step has restarted its targets: they are let go, and
    /// the next step follows after the pause, or the change is complete.
    fn restarted(&mut self, ctx: &mut Ctx, now: f64, c: u16) -> Effect {
        let m = ctx.model;
        let change = &m.changes[c as usize];
        let run = &mut self.runs[c as usize];
        let release = run.step * change.batch..run.reached;
        if run.step + 1 < change.steps() {
            run.step += 1;
            if change.pause > 0.0 {
                let p = payload(c, run.generation);
                ctx.schedule(now + change.pause, Event::ChangeStep(p));
            } else {
                let next = self.go_live(ctx, now, c);
                return Effect { release, ..next };
            }
            return Effect {
                change: c,
                release,
                ..Effect::default()
            };
        }
        run.active = false;
        Effect {
            change: c,
            release,
            renew: m
                .certificates
                .as_ref()
                .is_some_and(|certs| certs.renewed_by == Some(c)),
            ..Effect::default()
        }
    }

    /// A bad change is caught or noticed: the rollout stops, and every
    /// target reached comes back a rollback later.
    fn roll_back(&mut self, ctx: &mut Ctx, now: f64, c: u16) {
        let change = &ctx.model.changes[c as usize];
        let run = &mut self.runs[c as usize];
        run.generation = (run.generation + 1) & GENERATION;
        let d = draw(ctx, c, stream::ROLLBACK, &change.rollback);
        ctx.schedule(now + d, Event::ChangeRolledBack(payload(c, run.generation)));
    }
}
