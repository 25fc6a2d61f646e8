//! Why an indicator is down: the causes downtime is attributed to.
//!
//! The rule (README, "Downtime by cause"): each moment of an outage is
//! charged to what the indicator is waiting for at that moment, judged
//! after every instant's events. An outage's cause can therefore change
//! while it lasts (a lost etcd quorum is `host_failure` until the host
//! returns, then `etcd_election` until a leader is elected), and the parts
//! sum to the downtime exactly. When several things block at once, the one
//! first in precedence order (the most severe: [`Cause`]'s order) is
//! charged.
//!
//! Nine causes are in every model's results ([`Cause::ALWAYS`]); the
//! others appear only in models that can have them: `region_outage` with
//! regions, `rack_outage` with racks, `certificate_expiry` with certificates, and one
//! `change/NAME` per change ([`CauseList`]).

/// What an indicator is waiting for while it is down. The order is the
/// precedence when several apply, and the order of results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// A disaster or an unhealable quorum loss is being recovered from
    /// (detection, waiting for a member, force-new-cluster or restore).
    DisasterRecovery,
    /// A region holding what is needed is down (every zone of it with it).
    RegionOutage,
    /// A zone holding what is needed is down.
    ZoneOutage,
    /// A rack holding what is needed is down.
    RackOutage,
    /// The load balancer in front of the apiservers is down.
    LoadBalancer,
    /// The control plane's certificates expired and are not yet renewed.
    CertificateExpiry,
    /// A bad change (the model's change `i`) reached what is needed and is
    /// not yet rolled back, or a change is restarting it.
    Change(u16),
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

/// Number of causes every model reports ([`Cause::ALWAYS`]).
pub const CAUSES: usize = 9;

/// Number of kinds of cause (a change's cause is one kind whatever its index).
const KINDS: usize = 13;

impl Cause {
    /// The causes every model reports, in result order.
    pub const ALWAYS: [Cause; CAUSES] = [
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

    /// One cause of each kind (changes' as change 0), in precedence order.
    pub const EVERY_KIND: [Cause; KINDS] = [
        Cause::DisasterRecovery,
        Cause::RegionOutage,
        Cause::ZoneOutage,
        Cause::RackOutage,
        Cause::LoadBalancer,
        Cause::CertificateExpiry,
        Cause::Change(0),
        Cause::HostFailure,
        Cause::Maintenance,
        Cause::ProcessCrash,
        Cause::EtcdElection,
        Cause::ControllerFailover,
        Cause::EvictionOrScheduling,
    ];

    /// The cause's kind: its position among the kinds, in precedence order.
    #[inline]
    fn kind(self) -> usize {
        match self {
            Cause::DisasterRecovery => 0,
            Cause::RegionOutage => 1,
            Cause::ZoneOutage => 2,
            Cause::RackOutage => 3,
            Cause::LoadBalancer => 4,
            Cause::CertificateExpiry => 5,
            Cause::Change(_) => 6,
            Cause::HostFailure => 7,
            Cause::Maintenance => 8,
            Cause::ProcessCrash => 9,
            Cause::EtcdElection => 10,
            Cause::ControllerFailover => 11,
            Cause::EvictionOrScheduling => 12,
        }
    }

    /// The cause's key in results; a change's is `change/NAME`, which
    /// [`CauseList::key`] gives.
    pub fn key(self) -> &'static str {
        match self {
            Cause::DisasterRecovery => "disaster_recovery",
            Cause::RegionOutage => "region_outage",
            Cause::ZoneOutage => "zone_outage",
            Cause::RackOutage => "rack_outage",
            Cause::LoadBalancer => "load_balancer",
            Cause::CertificateExpiry => "certificate_expiry",
            Cause::Change(_) => "change",
            Cause::HostFailure => "host_failure",
            Cause::Maintenance => "maintenance",
            Cause::ProcessCrash => "process_crash",
            Cause::EtcdElection => "etcd_election",
            Cause::ControllerFailover => "controller_failover",
            Cause::EvictionOrScheduling => "eviction_or_scheduling",
        }
    }

    /// The cause in words, for tables, charts and traces; a change's is
    /// `change NAME`, which [`CauseList::label`] gives.
    pub fn label(self) -> &'static str {
        match self {
            Cause::DisasterRecovery => "disaster recovery",
            Cause::RegionOutage => "region outage",
            Cause::ZoneOutage => "zone outage",
            Cause::RackOutage => "rack outage",
            Cause::LoadBalancer => "load balancer",
            Cause::CertificateExpiry => "certificate expiry",
            Cause::Change(_) => "change",
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

/// The causes one model reports, in result order, and where each is
/// charged: [`Cause::ALWAYS`] with, in their places, `region_outage` (with
/// regions), `rack_outage` (with racks), `certificate_expiry` (with certificates) and one `change/NAME`
/// per change.
#[derive(Clone, Debug)]
pub struct CauseList {
    causes: Vec<Cause>,
    /// Per kind, the slot of its (first) cause; `usize::MAX` when absent.
    base: [usize; KINDS],
    /// Change names, by index.
    changes: Vec<String>,
}

impl CauseList {
    /// The list of a model with or without regions, racks and
    /// certificates, and with these changes.
    pub fn new(regions: bool, racks: bool, certificates: bool, changes: Vec<String>) -> CauseList {
        let mut all: Vec<Cause> = Cause::ALWAYS.to_vec();
        if regions {
            all.push(Cause::RegionOutage);
        }
        if racks {
            all.push(Cause::RackOutage);
        }
        if certificates {
            all.push(Cause::CertificateExpiry);
        }
        all.extend((0..changes.len()).map(|i| Cause::Change(i as u16)));
        all.sort();
        let mut base = [usize::MAX; KINDS];
        for (slot, c) in all.iter().enumerate().rev() {
            base[c.kind()] = slot;
        }
        CauseList {
            causes: all,
            base,
            changes,
        }
    }

    /// Number of causes.
    #[inline]
    pub fn len(&self) -> usize {
        self.causes.len()
    }

    /// Always false: every model has [`Cause::ALWAYS`].
    pub fn is_empty(&self) -> bool {
        self.causes.is_empty()
    }

    /// The causes in result order.
    pub fn all(&self) -> &[Cause] {
        &self.causes
    }

    /// Where `c`'s downtime is charged in a vector in result order.
    #[inline]
    pub fn slot(&self, c: Cause) -> usize {
        let base = self.base[c.kind()];
        debug_assert!(base != usize::MAX, "{c:?} is not one of the model's causes");
        match c {
            Cause::Change(i) => base + i as usize,
            _ => base,
        }
    }

    /// The cause's key in results.
    pub fn key(&self, c: Cause) -> String {
        match c {
            Cause::Change(i) => format!("change/{}", self.changes[i as usize]),
            _ => c.key().to_string(),
        }
    }

    /// The cause in words.
    pub fn label(&self, c: Cause) -> String {
        match c {
            Cause::Change(i) => format!("change {}", self.changes[i as usize]),
            _ => c.label().to_string(),
        }
    }

    /// Every key, in result order.
    pub fn keys(&self) -> Vec<String> {
        self.causes.iter().map(|&c| self.key(c)).collect()
    }

    /// The model's cause whose key is `key`.
    pub fn find(&self, key: &str) -> Option<Cause> {
        self.causes.iter().copied().find(|&c| self.key(c) == key)
    }

    /// The causes of several models together, as (key, label), in
    /// precedence order; causes of one kind (changes) in the order they
    /// first appear.
    pub fn union<'a>(lists: impl IntoIterator<Item = &'a CauseList>) -> Vec<(String, String)> {
        let mut all: Vec<(usize, String, String)> = Vec::new();
        for list in lists {
            for &c in list.all() {
                let key = list.key(c);
                if !all.iter().any(|(_, k, _)| *k == key) {
                    all.push((c.kind(), key, list.label(c)));
                }
            }
        }
        // Stable: changes keep the order they first appeared in.
        all.sort_by_key(|(kind, _, _)| *kind);
        all.into_iter().map(|(_, k, l)| (k, l)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_is_precedence_and_keys_are_unique() {
        let list = CauseList::new(true, true, true, vec!["a".into(), "b".into()]);
        for (i, c) in list.all().iter().enumerate() {
            assert_eq!(list.slot(*c), i);
        }
        assert!(list.all().windows(2).all(|w| w[0] < w[1]));
        for (k, c) in Cause::EVERY_KIND.iter().enumerate() {
            assert_eq!(c.kind(), k);
        }
        let mut keys = list.keys();
        assert_eq!(keys.len(), CAUSES + 5);
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), CAUSES + 5);
        assert_eq!(
            Cause::worst(Some(Cause::EtcdElection), Cause::HostFailure),
            Some(Cause::HostFailure)
        );
        assert_eq!(
            Cause::worst(Some(Cause::Change(1)), Cause::Change(0)),
            Some(Cause::Change(0))
        );
        assert_eq!(
            Cause::worst(None, Cause::Maintenance),
            Some(Cause::Maintenance)
        );
    }

    #[test]
    fn a_model_without_the_new_causes_reports_the_nine() {
        let list = CauseList::new(false, false, false, Vec::new());
        assert_eq!(list.all(), &Cause::ALWAYS);
        for (i, c) in Cause::ALWAYS.iter().enumerate() {
            assert_eq!(list.slot(*c), i);
        }
    }
}
