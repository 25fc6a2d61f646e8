//! Deployment rollouts: a change targeting `workload/NAME` replaces the
//! workload's pods as the Deployment controller's rolling update does
//! (pkg/controller/deployment/rolling.go).
//!
//! With R replicas, surge S and unavailability U (resolved as Kubernetes'
//! `ResolveFenceposts` does), after every instant while a rollout runs:
//! 1. new pods are added while the total stays within R + S and the new
//!    pods number at most R (`reconcileNewReplicaSet`); each is Pending
//!    until the scheduler places it, like any pod, so a surge pod that fits
//!    nowhere waits;
//! 2. old pods are taken away, those not ready first, as far as the total
//!    minus (R − U) minus the new pods not yet ready allows
//!    (`reconcileOldReplicaSets`, `cleanupUnhealthyReplicas`);
//! 3. the rollout is complete once R new pods are ready and no old one is
//!    left.
//!
//! A release that fails readiness never gets a new pod ready: the rollout
//! stalls with the old pods serving, until `progress_deadline` after its
//! last progress, then is rolled back. A broken release that passes
//! readiness rolls out to every replica; its ready pods count for the
//! rollout but not for the workload's availability, until someone notices
//! it and it is rolled back. A rollback (a `rollback` draw after it
//! starts) puts the old release back: broken pods become good ones in
//! place; pods that never became ready are removed and old pods started
//! in their stead; the workload is brought back to R pods.

use super::super::cluster::Ctx;
use super::pods::PodState;
use super::{Event, Workloads};

/// What the release rolled out does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Release {
    /// Its pods start and serve.
    Good,
    /// Its pods never become ready (readiness catches the bad release).
    FailsReadiness,
    /// Its pods become ready but do not serve (a bad release that passes
    /// readiness).
    Broken,
}

/// Where a workload's rollout stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Idle,
    /// Replacing pods.
    Rolling,
    /// Every pod replaced by a broken release, which waits to be noticed.
    Done,
    /// Being rolled back: no pod is added or taken away until it is done.
    RollingBack,
    /// Rolled back, with old pods started again in place of the release's
    /// that never became ready: until they are all ready, the workload is
    /// still the change's (its starting pods are charged to it).
    Restoring,
}

/// One workload's rollout.
#[derive(Clone, Copy, Debug)]
pub(super) struct Rollout {
    phase: Phase,
    release: Release,
    /// The change rolling out.
    change: u16,
    /// When the rollout last made progress (a new pod became ready), and
    /// the deadline that follows from it.
    deadline_at: f64,
    /// New pods ready at the last look, to tell progress.
    new_ready: u32,
}

impl Default for Rollout {
    fn default() -> Self {
        Rollout {
            phase: Phase::Idle,
            release: Release::Good,
            change: 0,
            deadline_at: f64::INFINITY,
            new_ready: 0,
        }
    }
}

/// What a rollout tells the changes room, after an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Change c's rollout completed (every replica replaced and ready).
    Completed(u16),
    /// Change c's rollout made no progress within its deadline: roll it back.
    DeadlineExceeded(u16),
}

impl Workloads {
    /// Change c starts rolling `release` out to workload w. Returns false
    /// (nothing done) when a rollout of w is already under way.
    pub fn start_rollout(
        &mut self,
        ctx: &mut Ctx,
        now: f64,
        w: usize,
        c: u16,
        release: Release,
    ) -> bool {
        if self.rollouts[w].phase != Phase::Idle {
            return false;
        }
        let deadline = ctx.model.workloads[w].progress_deadline;
        self.rollouts[w] = Rollout {
            phase: Phase::Rolling,
            release,
            change: c,
            deadline_at: now + deadline,
            new_ready: 0,
        };
        ctx.schedule(now + deadline, Event::RolloutDeadline(w as u16));
        self.rolling += 1;
        self.active += 1;
        true
    }

    /// Whether workload w's rollout rolls out a release whose pods never
    /// become ready.
    #[inline]
    pub(super) fn fails_readiness(&self, w: usize) -> bool {
        if self.active == 0 {
            return false;
        }
        let r = &self.rollouts[w];
        r.phase != Phase::Idle && r.release == Release::FailsReadiness
    }

    /// The change rolling out to workload w, and whether its ready new pods
    /// are broken, while a rollout or its rollback is under way.
    #[inline]
    pub fn rollout_change(&self, w: usize) -> Option<(u16, bool)> {
        if self.active == 0 {
            return None;
        }
        let r = &self.rollouts[w];
        (r.phase != Phase::Idle).then_some((r.change, r.release == Release::Broken))
    }

    /// A rollout deadline fell due for workload w: one event per rollout,
    /// which, when progress moved the deadline on, waits again until then.
    pub(super) fn rollout_deadline(&mut self, ctx: &mut Ctx, w: usize, now: f64) {
        let r = &mut self.rollouts[w];
        if r.phase == Phase::Rolling && r.deadline_at > now {
            ctx.schedule(r.deadline_at, Event::RolloutDeadline(w as u16));
        } else if r.phase == Phase::Rolling && r.deadline_at == now {
            r.phase = Phase::RollingBack;
            self.rolling -= 1;
            self.outcomes.push(Outcome::DeadlineExceeded(r.change));
        }
    }

    /// The rollout's outcomes decided since the last call.
    pub fn take_outcomes(&mut self) -> Vec<Outcome> {
        std::mem::take(&mut self.outcomes)
    }

    /// Some rollout outcome waits for [`Self::take_outcomes`].
    #[inline]
    pub fn has_outcomes(&self) -> bool {
        !self.outcomes.is_empty()
    }

    /// A bad change to workload w is noticed: the rollout stops where it is.
    pub fn stop_rollout(&mut self, w: usize) {
        let r = &mut self.rollouts[w];
        if r.phase == Phase::Rolling {
            self.rolling -= 1;
        }
        if r.phase != Phase::Idle {
            r.phase = Phase::RollingBack;
        }
    }

    /// Workload w's rollback is done: the old release is back on R pods.
    pub fn finish_rollback(&mut self, ctx: &mut Ctx, now: f64, w: usize) {
        let r = &mut self.rollouts[w];
        if r.phase == Phase::Rolling {
            self.rolling -= 1;
        }
        if r.phase != Phase::Idle {
            self.active -= 1;
        }
        r.phase = Phase::Idle;
        r.release = Release::Good;
        r.deadline_at = f64::INFINITY;
        let (start, end) = self.pods.slots[w];
        let mut restarted = false;
        for p in start..end {
            let pod = &mut self.pods.pods[p as usize];
            if !pod.new {
                continue;
            }
            if pod.state == PodState::Starting && pod.ready_at == f64::INFINITY {
                // Never ready: replaced by an old pod, started afresh.
                self.pods.remove(p);
                self.pods.add(p, true);
                self.schedule_dirty = true;
                restarted = true;
            } else {
                pod.new = false;
            }
        }
        self.trim(w);
        if restarted {
            self.rollouts[w].phase = Phase::Restoring;
            self.restoring += 1;
            self.active += 1;
        }
        self.recheck(ctx, w, now);
    }

    /// After an instant: a restoring workload whose pods are all ready (or
    /// gone) is the change's no more.
    pub(super) fn settle_restoring(&mut self, now: f64) {
        for w in 0..self.rollouts.len() {
            if self.rollouts[w].phase != Phase::Restoring {
                continue;
            }
            self.pods.catch_up(w, now);
            let (start, end) = self.pods.slots[w];
            let pods = &mut self.pods.pods[start as usize..end as usize];
            if pods
                .iter()
                .all(|p| !p.new || matches!(p.state, PodState::Ready | PodState::Absent))
            {
                for p in pods {
                    p.new = false;
                }
                self.rollouts[w].phase = Phase::Idle;
                self.restoring -= 1;
                self.active -= 1;
            }
        }
    }

    /// Brings workload w back to R pods: those not ready go first.
    fn trim(&mut self, w: usize) {
        let replicas = self.pods.replicas_of(w);
        let (old, new, _) = self.census(w);
        self.take_away(w, (old + new).saturating_sub(replicas), |_| true);
    }

    /// Removes up to `n` of workload w's pods for which `which(new)` holds,
    /// those not ready first, in slot order.
    fn take_away(&mut self, w: usize, mut n: u32, which: impl Fn(bool) -> bool) {
        let (start, end) = self.pods.slots[w];
        for ready_pass in [false, true] {
            for p in start..end {
                if n == 0 {
                    return;
                }
                let pod = self.pods.pods[p as usize];
                if pod.state != PodState::Absent
                    && which(pod.new)
                    && (pod.state == PodState::Ready) == ready_pass
                {
                    self.pods.remove(p);
                    n -= 1;
                }
            }
        }
    }

    /// Workload w's pods (not absent), in one look: old ones, new ones, and
    /// new ones ready.
    fn census(&self, w: usize) -> (u32, u32, u32) {
        let (start, end) = self.pods.slots[w];
        let mut counts = (0, 0, 0);
        for p in &self.pods.pods[start as usize..end as usize] {
            match (p.state, p.new) {
                (PodState::Absent, _) => {}
                (_, false) => counts.0 += 1,
                (state, true) => {
                    counts.1 += 1;
                    counts.2 += u32::from(state == PodState::Ready);
                }
            }
        }
        counts
    }

    /// Catches workload w's readiness up and arms its Starting pods if it
    /// is below its minimum (the lazy readiness invariant).
    fn recheck(&mut self, ctx: &mut Ctx, w: usize, now: f64) {
        self.touched.clear();
        self.touched.push(w as u16);
        self.recheck_touched(ctx, now);
    }

    /// After an instant: every running rollout takes the steps the
    /// Deployment controller would.
    pub(super) fn advance_rollouts(&mut self, ctx: &mut Ctx, now: f64) {
        for w in 0..self.rollouts.len() {
            // Each pass either changes the pods or ends; taking an old pod
            // away may let a new one be added, as the controller's next
            // sync would at once.
            while self.rollouts[w].phase == Phase::Rolling && self.advance(ctx, now, w) {}
        }
    }

    /// One sync of workload w's rollout: whether it added or took away a pod.
    fn advance(&mut self, ctx: &mut Ctx, now: f64, w: usize) -> bool {
        let spec = &ctx.model.workloads[w];
        let (replicas, surge, unavailable) =
            (spec.replicas, spec.max_surge, spec.rollout_unavailable);
        self.pods.catch_up(w, now);
        let (old, new, new_ready) = self.census(w);
        let r = &mut self.rollouts[w];
        if new_ready > r.new_ready {
            // Progress: the deadline starts again.
            r.new_ready = new_ready;
            r.deadline_at = now + spec.progress_deadline;
        }
        if new == replicas && new_ready == replicas && old == 0 {
            let r = &mut self.rollouts[w];
            self.rolling -= 1;
            if r.release == Release::Broken {
                r.phase = Phase::Done;
            } else {
                r.phase = Phase::Idle;
                self.active -= 1;
                self.outcomes.push(Outcome::Completed(r.change));
                let (start, end) = self.pods.slots[w];
                for pod in &mut self.pods.pods[start as usize..end as usize] {
                    pod.new = false;
                }
            }
            return false;
        }
        // Scale the new pods up.
        let total = old + new;
        let add = (replicas + surge)
            .saturating_sub(total)
            .min(replicas.saturating_sub(new));
        let (start, end) = self.pods.slots[w];
        let mut added = 0;
        for p in start..end {
            if added == add {
                break;
            }
            if self.pods.pods[p as usize].state == PodState::Absent {
                self.pods.add(p, true);
                added += 1;
            }
        }
        if added > 0 {
            self.schedule_dirty = true;
        }
        // Scale the old pods down, those not ready first.
        let total = total + added;
        let new_unready = new + added - new_ready;
        let floor = replicas.saturating_sub(unavailable) + new_unready;
        let down = total.saturating_sub(floor).min(old);
        if down > 0 {
            self.take_away(w, down, |new| !new);
            self.recheck(ctx, w, now);
        }
        added > 0 || down > 0
    }
}
