//! What each down indicator is waiting for (see [`Cause`]): judged from the
//! rooms' state at the end of an instant, only while it is down.

use super::super::INDICATORS;
use super::super::causes::Cause;
use super::super::workloads::{NO_ZONE, PodState};
use super::{CONTROLLER_MANAGER, Cluster, SCHEDULER};

/// The causes judged so far in one instant. etcd's and the API's are what
/// every indicator above them falls back on (the API, the control plane,
/// pods waiting for a controller), so each is judged once per instant.
#[derive(Default)]
pub(super) struct Judged {
    etcd: Option<Cause>,
    api: Option<Cause>,
    /// Why the scheduler finds no node (the same for every pending pod).
    no_node: Option<Cause>,
}

/// A workload's cause of downtime as judged at `epoch` with its pods'
/// `moves` (an epoch of `u64::MAX`: none that holds).
#[derive(Clone, Copy, Debug)]
pub(super) struct CachedCause {
    epoch: u64,
    moves: u32,
    cause: Cause,
}

impl CachedCause {
    /// Whether it holds at `epoch` with the workload's pod `moves`.
    #[inline]
    pub(super) fn holds(&self, epoch: u64, moves: u32) -> bool {
        self.epoch == epoch && self.moves == moves
    }
}

impl Default for CachedCause {
    fn default() -> Self {
        CachedCause {
            epoch: u64::MAX,
            moves: 0,
            cause: Cause::EvictionOrScheduling,
        }
    }
}

impl Cluster<'_> {
    /// The cause charged for workload w, down at `now`: as judged at an
    /// earlier instant if nothing it reads changed since. A zone outage
    /// evicts hundreds of workloads' pods a node at a time, each node an
    /// instant, and each instant judged every workload down anew.
    ///
    /// What the judgement reads, and what changes it: the pods of w (their
    /// binds, evictions and readiness events count in its moves; any other
    /// change of a pod is the work of an event other than those, which
    /// starts a new epoch); the infrastructure (its version: a change
    /// starts a new epoch); the API and the controllers' leaders (settling
    /// them starts a new epoch). Not kept: judgements made with the API down (its
    /// cause is judged each instant), during a rollout, or that saw a pod
    /// Starting with no `PodReady` event (time alone makes it ready).
    pub(super) fn workload_cause_cached(
        &mut self,
        w: usize,
        now: f64,
        judged: &mut Judged,
    ) -> Cause {
        let moves = self.workloads.moves(w);
        let keep = self.settled[1] && !self.workloads.rolling_out();
        let was_down = self.indicators[INDICATORS.len() + w].down;
        let cached = self.cause_cache[w];
        if keep && was_down && cached.holds(self.cause_epoch, moves) {
            // Checked against a judgement anew in tests and debug builds.
            if cfg!(any(test, debug_assertions)) {
                assert_eq!(
                    cached.cause,
                    self.workload_cause(w, now, judged).0,
                    "workload {w}'s cause at {now}"
                );
                #[cfg(test)]
                {
                    self.cause_hits += 1;
                }
            }
            return cached.cause;
        }
        let (cause, holds) = self.workload_cause(w, now, judged);
        self.cause_cache[w] = CachedCause {
            epoch: if keep && holds {
                self.cause_epoch
            } else {
                u64::MAX
            },
            moves,
            cause,
        };
        cause
    }

    /// The cause charged for indicator `i`, which is down at `now`.
    pub(super) fn blocking_cause(&self, i: usize, now: f64) -> Cause {
        self.blocking_cause_judged(i, now, &mut Judged::default())
    }

    /// [`Self::blocking_cause`], reusing (and adding to) what was judged
    /// earlier in the same instant.
    pub(super) fn blocking_cause_judged(&self, i: usize, now: f64, judged: &mut Judged) -> Cause {
        match i {
            0 => self.etcd_cause(judged),
            1 => self.api_cause(judged),
            2 => self.control_plane_cause(judged),
            _ => self.workload_cause(i - INDICATORS.len(), now, judged).0,
        }
    }

    fn etcd_cause(&self, judged: &mut Judged) -> Cause {
        *judged.etcd.get_or_insert_with(|| self.judge_etcd())
    }

    fn judge_etcd(&self) -> Cause {
        let m = self.ctx.model;
        if self.recovery.corrupted() || self.recovery.recovering() {
            return Cause::DisasterRecovery;
        }
        if self.etcd.members_up() >= m.quorum {
            return Cause::EtcdElection;
        }
        let mut worst = None;
        for (j, &h) in m.member_hosts.iter().enumerate() {
            let cause = self.infra.host_cause(m, h as usize).or(
                if let Some(c) = self.etcd.member_change(j) {
                    Some(Cause::Change(c))
                } else if self.etcd.member_crashed(j) {
                    Some(Cause::ProcessCrash)
                } else if self.etcd.member_empty(j) {
                    Some(Cause::HostFailure)
                } else {
                    None
                },
            );
            if let Some(c) = cause {
                worst = Cause::worst(worst, c);
            }
        }
        worst.unwrap_or(Cause::EtcdElection)
    }

    fn api_cause(&self, judged: &mut Judged) -> Cause {
        if let Some(cause) = judged.api {
            return cause;
        }
        let m = self.ctx.model;
        let cause = if !self.settled[0] {
            self.etcd_cause(judged)
        } else if self.changes.certificates_expired() {
            // etcd is fine; the certificates expired, and perhaps the
            // endpoint reaches no apiserver either.
            if self.endpoint.up(m, &self.infra) {
                Cause::CertificateExpiry
            } else {
                self.endpoint
                    .cause(m, &self.infra, &self.etcd)
                    .min(Cause::CertificateExpiry)
            }
        } else {
            // etcd is fine: the endpoint reaches no apiserver.
            self.endpoint.cause(m, &self.infra, &self.etcd)
        };
        judged.api = Some(cause);
        cause
    }

    fn control_plane_cause(&self, judged: &mut Judged) -> Cause {
        if !self.settled[1] {
            self.api_cause(judged)
        } else {
            Cause::ControllerFailover
        }
    }

    /// What a pod waiting for controller `c` (to evict or to schedule it)
    /// waits for when that controller is not active.
    fn controller_cause(&self, c: usize, judged: &mut Judged) -> Option<Cause> {
        if !self.settled[1] {
            Some(self.api_cause(judged))
        } else if !self.controllers.has_leader(c) {
            Some(Cause::ControllerFailover)
        } else {
            None
        }
    }

    /// The most severe reason over the workload's pods that are not ready,
    /// and whether it holds until something changes (no rollout, no pod
    /// seen Starting without its `PodReady` event: see
    /// [`Self::workload_cause_cached`]).
    fn workload_cause(&self, w: usize, now: f64, judged: &mut Judged) -> (Cause, bool) {
        let m = self.ctx.model;
        // Its data is being restored after a disaster.
        if self.workloads.is_lost(w) {
            return (Cause::DisasterRecovery, true);
        }
        let first = m.first_worker as usize;
        let mut worst = None;
        let rollout = self.workloads.rollout_change(w);
        let mut holds = rollout.is_none();
        let spec = &m.workloads[w];
        // The most severe cause a pod can have: with the API up, none below
        // a zone outage (the API's cause is looked at only while it is
        // down). Once charged, the other pods cannot change the answer: in
        // a zone outage every instant judges hundreds of workloads, and
        // their first pod not ready is usually in the zone.
        let floor = if self.settled[1] {
            m.worst_outage()
        } else {
            Cause::DisasterRecovery
        };
        for pod in self.workloads.pods_of(w) {
            // Most pods of a workload down are ready: nothing to judge.
            if pod.state == PodState::Ready && rollout.is_none() {
                continue;
            }
            let (state, node, ready_at, new) = (pod.state, pod.node, pod.ready_at, pod.new);
            if let Some((c, broken)) = rollout
                && new
                && (state != PodState::Ready || broken)
                && state != PodState::Absent
            {
                // A pod of the release rolled out: starting, stuck, or broken.
                worst = Cause::worst(worst, Cause::Change(c));
                continue;
            }
            let cause = match state {
                PodState::Ready | PodState::Absent => continue,
                // Readiness is applied lazily where it cannot change an indicator.
                PodState::Starting if ready_at <= now => continue,
                // Waiting for its volume to leave the node its pod left.
                PodState::Starting if pod.waiting => {
                    holds = false;
                    self.infra
                        .host_cause(m, first + pod.vol_node as usize)
                        .unwrap_or(Cause::EvictionOrScheduling)
                }
                // Its `PodReady` event, armed, counts in the moves.
                PodState::Starting => {
                    holds &= pod.armed;
                    Cause::EvictionOrScheduling
                }
                PodState::Down => {
                    let h = first + node as usize;
                    match self.infra.host_cause(m, h) {
                        // A StatefulSet's pod waits for its node (or for
                        // the Node's deletion, which is the node's fate too).
                        Some(c) if spec.stateful => c,
                        Some(c @ (Cause::RegionOutage | Cause::ZoneOutage)) => c,
                        // A change holds its node: the pod waits for it.
                        Some(Cause::Change(c)) => Cause::Change(c),
                        Some(Cause::RackOutage) => Cause::RackOutage,
                        _ => self
                            .controller_cause(CONTROLLER_MANAGER, judged)
                            .unwrap_or(Cause::EvictionOrScheduling),
                    }
                }
                PodState::Pending => match self.controller_cause(SCHEDULER, judged) {
                    Some(cause) => cause,
                    // A zonal volume's pod waits for its zone.
                    None if spec.volume.as_ref().is_some_and(|v| v.zonal)
                        && pod.vol_zone != NO_ZONE
                        && !self.infra.zone_up(pod.vol_zone as usize) =>
                    {
                        self.infra
                            .zone_cause(m, pod.vol_zone as usize)
                            .unwrap_or(Cause::ZoneOutage)
                    }
                    None => *judged
                        .no_node
                        .get_or_insert_with(|| self.no_feasible_node_cause()),
                },
            };
            worst = Cause::worst(worst, cause);
            if worst == Some(floor) {
                break;
            }
        }
        (worst.unwrap_or(Cause::EvictionOrScheduling), holds)
    }

    /// Why the scheduler finds no node for a pod: the most severe reason a
    /// worker is down, or the scheduling rules themselves when all are up.
    fn no_feasible_node_cause(&self) -> Cause {
        let m = self.ctx.model;
        let first = m.first_worker as usize;
        // A worker up has no cause; none is below a zone outage (a region's,
        // with regions), which ends the search (a zone's workers are all
        // down with it).
        let worst = m.worst_outage();
        let mut least = None;
        for k in self.infra.workers_down(m) {
            if let Some(c) = self.infra.host_cause(m, first + k) {
                least = Cause::worst(least, c);
                if c == worst {
                    break;
                }
            }
        }
        least.unwrap_or(Cause::EvictionOrScheduling)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Model;
    use crate::model::cluster::Cluster;
    use crate::scenario::{Format, parse_str};

    /// A workload's cause judged at an earlier instant, where it is taken
    /// as holding, is the cause judged anew (the check in
    /// `workload_cause_cached`), and a pod the scheduler is not asked
    /// about again finds no node (the check in `place_pending`), over zone
    /// outages every few months that
    /// evict 20 workloads' pods a node at a time, worker failures, monthly
    /// maintenance, StatefulSets on zonal volumes, and a workload on every
    /// worker.
    #[test]
    fn what_is_kept_is_what_is_judged_anew() {
        let mut text = String::from(
            "name: causes\n\
             simulation: {horizon: 3y, replications: 4, seed: 7}\n\
             zones: {count: 3, failure: exponential(mean=90d), repair: 'lognormal(median=4h, sigma=1.0)'}\n\
             control_plane: {topology: stacked, nodes: 3, node: {failure: exponential(mean=1y), repair: fixed(30m)}, load_balancer: none}\n\
             workers:\n  nodes: 30\n  node: {failure: exponential(mean=1y), repair: 'lognormal(median=10m, sigma=1.0)'}\n\
             maintenance: {interval: 30d, duration: 15m}\n\
             workloads:\n",
        );
        for w in 0..20 {
            let extra = if w % 5 == 4 {
                "kind: statefulset, volume: {attach: fixed(30s)}, "
            } else {
                ""
            };
            text.push_str(&format!(
                "  - {{name: app-{w}, replicas: 5, min_available: 4, {extra}\
                 startup: 'lognormal(median=20s, sigma=0.5)', anti_affinity: host, zone_spread: 1}}\n"
            ));
        }
        // A pod on every worker: one whose worker fails has nowhere to go,
        // its cause changing at its eviction.
        text.push_str(
            "  - {name: everywhere, replicas: 30, min_available: 30, \
             startup: 'lognormal(median=20s, sigma=0.5)', anti_affinity: host}\n",
        );
        let scenario = parse_str(&text, "causes.yaml", Format::Yaml).expect("a valid scenario");
        let model = Model::build(&scenario).expect("a model");
        let mut cluster = Cluster::new(&model);
        for r in 0..4 {
            let _ = cluster.run(r, |_, _| {});
        }
        // The checks ran (the test would pass vacuously else).
        assert!(
            cluster.cause_hits > 1000,
            "{} kept causes",
            cluster.cause_hits
        );
        let kept = cluster.workloads.no_node_kept;
        assert!(kept > 1000, "{kept} passes without a node kept");
    }
}
