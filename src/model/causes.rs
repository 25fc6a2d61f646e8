//! Why an indicator is down: the causes downtime is attributed to.
//!
//! The rule (README, "Downtime by cause"): each moment of an outage is
//! charged to what the indicator is waiting for at that moment, judged
//! after every instant's events. An outage's cause can therefore change
//! while it lasts (a lost etcd quorum is `host_failure` until the host
//! returns, then `etcd_election` until a leader is elected), and the parts
//! sum to the downtime exactly. When several things block at once, the one
//! first in [`Cause::ALL`] (the most severe) is charged.

/// What an indicator is waiting for while it is down. The order is the
/// order of results and the precedence when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// A disaster or an unhealable quorum loss is being recovered from
    /// (detection, waiting for a member, force-new-cluster or restore).
    DisasterRecovery,
    /// A zone holding what is needed is down.
    ZoneOutage,
    /// The load balancer in front of the apiservers is down.
    LoadBalancer,
    /// A host (control plane, etcd or worker) failed and is not repaired,
    /// or lost its disk and its member is not yet replaced.
    HostFailure,
    /// A host is drained for planned maintenance.
    Maintenance,
    /// An apiserver or etcd process crashed and is not restarted.
    ProcessCrash,
    /// etcd has a quorum but no leader yet.
    EtcdElection,
    /// The API is up but the scheduler or controller-manager has no leader.
    ControllerFailover,
    /// Pods wait to be evicted from a failed worker, to be scheduled, or to
    /// start.
    EvictionOrScheduling,
}

/// Number of causes.
pub const CAUSES: usize = 9;

impl Cause {
    /// Every cause, in result order (and precedence).
    pub const ALL: [Cause; CAUSES] = [
        Cause::DisasterRecovery,
        Cause::ZoneOutage,
        Cause::LoadBalancer,
        Cause::HostFailure,
        Cause::Maintenance,
        Cause::ProcessCrash,
        Cause::EtcdElection,
        Cause::ControllerFailover,
        Cause::EvictionOrScheduling,
    ];

    /// The cause's key in results.
    pub fn key(self) -> &'static str {
        match self {
            Cause::DisasterRecovery => "disaster_recovery",
            Cause::ZoneOutage => "zone_outage",
            Cause::LoadBalancer => "load_balancer",
            Cause::HostFailure => "host_failure",
            Cause::Maintenance => "maintenance",
            Cause::ProcessCrash => "process_crash",
            Cause::EtcdElection => "etcd_election",
            Cause::ControllerFailover => "controller_failover",
            Cause::EvictionOrScheduling => "eviction_or_scheduling",
        }
    }

    /// The cause in words, for tables and charts.
    pub fn label(self) -> &'static str {
        match self {
            Cause::DisasterRecovery => "disaster recovery",
            Cause::ZoneOutage => "zone outage",
            Cause::LoadBalancer => "load balancer",
            Cause::HostFailure => "host failure",
            Cause::Maintenance => "maintenance",
            Cause::ProcessCrash => "process crash",
            Cause::EtcdElection => "etcd election",
            Cause::ControllerFailover => "controller failover",
            Cause::EvictionOrScheduling => "eviction or scheduling",
        }
    }

    /// The more severe of two causes (the one charged when both block).
    #[inline]
    pub fn worst(a: Option<Cause>, b: Cause) -> Option<Cause> {
        Some(a.map_or(b, |a| a.min(b)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_precedence_and_keys_are_unique() {
        for (i, c) in Cause::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i);
        }
        let mut keys: Vec<_> = Cause::ALL.iter().map(|c| c.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), CAUSES);
        assert_eq!(
            Cause::worst(Some(Cause::EtcdElection), Cause::HostFailure),
            Some(Cause::HostFailure)
        );
        assert_eq!(
            Cause::worst(None, Cause::Maintenance),
            Some(Cause::Maintenance)
        );
    }
}
