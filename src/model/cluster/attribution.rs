//! What each down indicator is waiting for (see [`Cause`]): judged from the
//! cluster's state at the end of an instant, only while it is down.

use super::super::causes::Cause;
use super::super::data::Recovery;
use super::super::workloads::PodState;
use super::super::{INDICATORS, Role};
use super::{CONTROLLER_MANAGER, Cluster, SCHEDULER};

impl Cluster<'_> {
    /// The cause charged for indicator `i`, which is down at `now`.
    pub(super) fn blocking_cause(&self, i: usize, now: f64) -> Cause {
        match i {
            0 => self.etcd_cause(),
            1 => self.api_cause(),
            2 => self.control_plane_cause(),
            _ => self.workload_cause(i - INDICATORS.len(), now),
        }
    }

    /// Why host h is down, if it is.
    fn host_cause(&self, h: usize) -> Option<Cause> {
        if !self.zone_up[self.model.hosts[h].zone as usize] {
            Some(Cause::ZoneOutage)
        } else if !self.host_own_up[h] {
            Some(Cause::HostFailure)
        } else if self.in_maintenance[h] {
            Some(Cause::Maintenance)
        } else {
            None
        }
    }

    fn etcd_cause(&self) -> Cause {
        let m = self.model;
        if self.corrupted || self.recovery != Recovery::Idle {
            return Cause::DisasterRecovery;
        }
        if self.members_up >= m.quorum {
            return Cause::EtcdElection;
        }
        let mut worst = None;
        for (j, &h) in m.member_hosts.iter().enumerate() {
            let cause = self.host_cause(h as usize).or(if self.member_crashed[j] {
                Some(Cause::ProcessCrash)
            } else if self.member_empty[j] {
                Some(Cause::HostFailure)
            } else {
                None
            });
            if let Some(c) = cause {
                worst = Cause::worst(worst, c);
            }
        }
        worst.unwrap_or(Cause::EtcdElection)
    }

    fn api_cause(&self) -> Cause {
        if !self.settled[0] {
            return self.etcd_cause();
        }
        // etcd is fine: the endpoint reaches no apiserver.
        let apiserver_cause = |i: usize| {
            self.host_cause(i)
                .or(self.apiserver_crashed[i].then_some(Cause::ProcessCrash))
        };
        match self.model.load_balancer {
            Some(_) if !self.lb_up => Cause::LoadBalancer,
            Some(_) => (0..self.model.cp_hosts as usize)
                .filter_map(apiserver_cause)
                .min()
                .unwrap_or(Cause::HostFailure),
            None => apiserver_cause(0).unwrap_or(Cause::HostFailure),
        }
    }

    fn control_plane_cause(&self) -> Cause {
        if !self.settled[1] {
            self.api_cause()
        } else {
            Cause::ControllerFailover
        }
    }

    /// What a pod waiting for controller `c` (to evict or to schedule it)
    /// waits for when that controller is not active.
    fn controller_cause(&self, c: usize) -> Option<Cause> {
        if !self.settled[1] {
            Some(self.api_cause())
        } else if !self.controllers[c].has_leader() {
            Some(Cause::ControllerFailover)
        } else {
            None
        }
    }

    /// The most severe reason over the workload's pods that are not ready.
    fn workload_cause(&self, w: usize, now: f64) -> Cause {
        let first = self.model.first_worker as usize;
        let (start, end) = self.pods.slots[w];
        let mut worst = None;
        for pod in &self.pods.pods[start as usize..end as usize] {
            let cause = match pod.state {
                PodState::Ready => continue,
                // Readiness is applied lazily where it cannot change an indicator.
                PodState::Starting if pod.ready_at <= now => continue,
                PodState::Starting => Cause::EvictionOrScheduling,
                PodState::Down => {
                    let h = first + pod.node as usize;
                    match self.host_cause(h) {
                        Some(Cause::ZoneOutage) => Cause::ZoneOutage,
                        _ => self
                            .controller_cause(CONTROLLER_MANAGER)
                            .unwrap_or(Cause::EvictionOrScheduling),
                    }
                }
                PodState::Pending => self
                    .controller_cause(SCHEDULER)
                    .unwrap_or_else(|| self.no_feasible_node_cause()),
            };
            worst = Cause::worst(worst, cause);
        }
        worst.unwrap_or(Cause::EvictionOrScheduling)
    }

    /// Why the scheduler finds no node for a pod: the most severe reason a
    /// worker is down, or the scheduling rules themselves when all are up.
    fn no_feasible_node_cause(&self) -> Cause {
        let m = self.model;
        (m.first_worker as usize..m.hosts.len())
            .filter(|&h| matches!(m.hosts[h].role, Role::Worker(_)))
            .filter_map(|h| self.host_cause(h))
            .min()
            .unwrap_or(Cause::EvictionOrScheduling)
    }
}
