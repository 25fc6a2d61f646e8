//! The path from a client (or a controller) to an apiserver, compiled: the
//! load balancer's kind, its health check of the apiservers, and how the
//! control-plane components are wired to the apiservers and etcd.
//!
//! These are the compiled forms of `control_plane.load_balancer`'s `kind`,
//! `zone`, `placement`, `failover`, `failover_success`, `dns`,
//! `replaced_with_new_address` and `health_check`, of `control_plane.wiring`,
//! and of `control_plane.leader_election.release_on_stop`. The load balancer's
//! own failure process stays in [`super::Model::load_balancer`]. Zones are
//! 0-based here.

use crate::engine::Sampler;
use crate::scenario;

use super::{BuildError, sampler, small};

/// The kind of load balancer in front of the apiservers.
#[derive(Clone, Debug)]
pub enum LoadBalancerKind {
    /// One instance. `zone`: down while that zone is (`None`: no zone outage
    /// reaches it). `new_address_ttl`: a repaired instance comes back at a new
    /// address, which clients reach only after this DNS TTL (seconds).
    Single {
        zone: Option<u16>,
        new_address_ttl: Option<f64>,
    },
    /// Two instances active-standby behind a virtual IP (keepalived VRRP,
    /// kube-vip), in these zones (possibly the same). When the active one
    /// fails, the standby takes over after a `failover` sample, succeeding
    /// with probability `failover_success` (in (0, 1]); no preemption: a
    /// repaired instance becomes the standby.
    Pair {
        placement: [u16; 2],
        failover: Sampler,
        failover_success: f64,
    },
    /// A managed load balancer with one node in each zone that holds a
    /// control-plane host, behind DNS: a lost node's address is withdrawn
    /// `detection` seconds after it goes down, and clients move on within
    /// `ttl` seconds more. [`super::Model::load_balancer`], if any, is the
    /// outages of the whole service.
    Cloud { detection: f64, ttl: f64 },
}

/// The load balancer's active health check of the apiservers.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HealthCheck {
    /// Seconds between checks of one apiserver, > 0.
    pub interval: f64,
    /// Failed checks in a row before an apiserver is out of rotation, >= 1.
    pub unhealthy_threshold: u32,
    /// Passed checks in a row before a returning apiserver is back, >= 1.
    pub healthy_threshold: u32,
}

impl HealthCheck {
    /// Seconds a down apiserver keeps receiving requests: interval ×
    /// unhealthy_threshold.
    pub fn down_after(&self) -> f64 {
        self.interval * f64::from(self.unhealthy_threshold)
    }

    /// Seconds before a returning apiserver is used again: interval ×
    /// healthy_threshold.
    pub fn up_after(&self) -> f64 {
        self.interval * f64::from(self.healthy_threshold)
    }
}

/// Which apiserver the scheduler and controller-manager talk to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Wiring {
    /// kubeadm's: each to its own host's apiserver, and a stacked apiserver
    /// to its local etcd member only.
    #[default]
    Kubeadm,
    /// The scheduler and controller-manager go through the load balancer.
    LoadBalancer,
}

/// The compiled kind of the scenario's load balancer, `None` without one. A
/// scenario built in code with a `load_balancer` but no kind has a `single`
/// one in no zone, as before kinds existed.
pub(super) fn lb_kind(cp: &scenario::ControlPlane) -> Result<Option<LoadBalancerKind>, BuildError> {
    let zone = |z: u32| small("zones", z as usize);
    Ok(match &cp.load_balancer_kind {
        None if cp.load_balancer.is_some() => Some(LoadBalancerKind::Single {
            zone: None,
            new_address_ttl: None,
        }),
        None => None,
        Some(scenario::LoadBalancerKind::Single {
            zone: z,
            new_address_ttl,
        }) => Some(LoadBalancerKind::Single {
            zone: z.map(zone).transpose()?,
            new_address_ttl: *new_address_ttl,
        }),
        Some(scenario::LoadBalancerKind::Pair {
            placement,
            failover,
            failover_success,
        }) => Some(LoadBalancerKind::Pair {
            placement: [zone(placement[0])?, zone(placement[1])?],
            failover: sampler(failover)
                .map_err(|e| BuildError(format!("control_plane.load_balancer.failover: {e}")))?,
            failover_success: *failover_success,
        }),
        Some(scenario::LoadBalancerKind::Cloud { detection, ttl }) => {
            Some(LoadBalancerKind::Cloud {
                detection: *detection,
                ttl: *ttl,
            })
        }
    })
}

/// The compiled health check, `None` for instant detection.
pub(super) fn health_check(cp: &scenario::ControlPlane) -> Option<HealthCheck> {
    cp.health_check.as_ref().map(|h| HealthCheck {
        interval: h.interval,
        unhealthy_threshold: h.unhealthy_threshold,
        healthy_threshold: h.healthy_threshold,
    })
}

/// The compiled wiring.
pub(super) fn wiring(cp: &scenario::ControlPlane) -> Wiring {
    match cp.wiring {
        scenario::Wiring::Kubeadm => Wiring::Kubeadm,
        scenario::Wiring::LoadBalancer => Wiring::LoadBalancer,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn health_check_delays_are_interval_times_threshold() {
        let h = HealthCheck {
            interval: 10.0,
            unhealthy_threshold: 3,
            healthy_threshold: 2,
        };
        assert_eq!(h.down_after(), 30.0);
        assert_eq!(h.up_after(), 20.0);
    }
}
