//! A readable trace of one replication, for the timeline chart: the state
//! of each component and indicator after every instant.

use super::super::Role;
use super::super::causes::Cause;
use super::super::controllers::Lease;
use super::Cluster;

/// One row of a trace: a component or an indicator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceRow {
    pub label: String,
    /// An indicator (`etcd`, `api`, ...) rather than a component.
    pub indicator: bool,
}

/// The state every row reports when nothing is wrong with it.
pub const UP: &str = "up";
/// The state of a cluster autoscaler's slot with no worker.
pub const ABSENT: &str = "absent";

impl Cluster<'_> {
    /// The rows [`Self::trace_state`] reports, in order: zones, racks (with
    /// racks), regions (with regions), the load balancer, hosts, the etcd leader, the two
    /// controllers, then the indicators.
    pub fn trace_rows(&self) -> Vec<TraceRow> {
        let m = self.ctx.model;
        let component = |label: String| TraceRow {
            label,
            indicator: false,
        };
        let mut rows: Vec<TraceRow> = (1..=m.zones)
            .map(|z| component(format!("zone {z}")))
            .collect();
        let per_zone = m.racks_per_zone as usize;
        rows.extend((0..m.racks()).map(|r| {
            component(format!(
                "zone {} rack {}",
                r / per_zone + 1,
                r % per_zone + 1
            ))
        }));
        rows.extend((1..=m.regions).map(|r| component(format!("region {r}"))));
        if m.lb_kind.is_some() {
            rows.push(component("load balancer".into()));
        }
        for host in &m.hosts {
            rows.push(component(match host.role {
                Role::ControlPlane(i) => format!("cp-{}", i + 1),
                Role::Etcd(j) => format!("etcd-{}", j + 1),
                Role::Worker(k) => format!("worker-{}", k + 1),
            }));
        }
        rows.push(component("etcd leader".into()));
        rows.push(component("kube-scheduler lease".into()));
        rows.push(component("controller-manager lease".into()));
        rows.extend(m.indicator_keys().into_iter().map(|label| TraceRow {
            label,
            indicator: true,
        }));
        rows
    }

    /// Each row's state now, appended to `out` in [`Self::trace_rows`] order.
    /// Indicators report `up` or the cause they are waiting for.
    pub fn trace_state(&self, now: f64, out: &mut Vec<&'static str>) {
        let m = self.ctx.model;
        out.extend(
            self.infra
                .zones()
                .iter()
                .map(|&up| if up { UP } else { "down" }),
        );
        out.extend(
            self.infra
                .racks(m)
                .iter()
                .map(|&up| if up { UP } else { "down" }),
        );
        out.extend(
            self.infra
                .regions()
                .iter()
                .map(|&up| if up { UP } else { "down" }),
        );
        if m.lb_kind.is_some() {
            out.push(if self.endpoint.lb_up(m, &self.infra) {
                UP
            } else {
                "failed"
            });
        }
        for (h, host) in m.hosts.iter().enumerate() {
            let member = host.member.map(|j| j as usize);
            let state = match self.infra.host_cause(m, h) {
                _ if !self.infra.present(h) => ABSENT,
                Some(Cause::RegionOutage) => "region down",
                Some(Cause::ZoneOutage) => "zone down",
                Some(Cause::RackOutage) => "rack down",
                Some(Cause::HostFailure) => "failed",
                Some(Cause::Change(_)) => "change",
                Some(_) => "maintenance",
                None if matches!(host.role, Role::ControlPlane(i) if self.infra.cp_change(i as usize).is_some()) => {
                    "change"
                }
                None if member.is_some_and(|j| self.etcd.member_change(j).is_some()) => "change",
                None if matches!(host.role, Role::ControlPlane(i) if self.endpoint.apiserver_crashed(i as usize)) => {
                    "apiserver crashed"
                }
                None if member.is_some_and(|j| self.etcd.member_crashed(j)) => "etcd crashed",
                None if member.is_some_and(|j| self.etcd.member_empty(j)) => "disk lost",
                None => UP,
            };
            out.push(state);
        }
        out.push(if self.recovery.corrupted() || self.recovery.recovering() {
            "recovering"
        } else if self.etcd.members_up() < m.quorum {
            "no quorum"
        } else if self.etcd.electing() {
            "electing"
        } else if self.etcd.has_leader() {
            UP
        } else {
            "no leader"
        });
        for lease in self.controllers.leases() {
            out.push(match lease {
                Lease::Held(_) => UP,
                Lease::Pending => "failover",
                Lease::WaitingForApi => "waiting for API",
                Lease::Stalled(_) => "own apiserver down",
            });
        }
        for i in 0..self.settled.len() {
            out.push(if self.settled[i] {
                UP
            } else {
                self.blocking_cause(i, now).label()
            });
        }
    }
}
