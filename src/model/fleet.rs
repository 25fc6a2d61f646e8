//! Fleets: clusters simulated side by side, and the services they serve
//! together through global DNS (docs/model.md, "Fleets").
//!
//! Each cluster runs its own replication with its own streams; clusters in
//! one region draw that region's outages from the same streams, keyed by the
//! fleet's seed. A service is computed afterwards from the up and down
//! changes of the indicator serving it in each cluster: DNS health checks
//! notice a failure `interval × failures` after it (a shorter one never),
//! clients follow `ttl` later, and an active-passive standby accepts writes
//! `promote` (and, cold, `scale_up`) after DNS moved to it. Nothing is added
//! to the clusters' event queues.

use crate::engine::{Rng, Sampler, StreamId, stream};
use crate::scenario::{Replication, Scenario, ServiceMode};

use super::{BuildError, IndicatorRun, Model, sampler};

/// Random streams of a fleet's services, keyed by (fleet seed, replication,
/// kind, service). Kinds above every cluster's.
const SERVICE_PROMOTE: u32 = 60;
const SERVICE_LAG: u32 = 61;

/// A fleet compiled for simulation (the `fleet` of its face [`Model`]).
#[derive(Clone, Debug)]
pub struct FleetModel {
    pub clusters: Vec<FleetClusterModel>,
    pub services: Vec<ServiceModel>,
    /// The fleet's indicator keys (`scenario::fleet_indicator_keys`).
    pub keys: Vec<String>,
    /// The keys a comparison knows its indicators by
    /// (`scenario::fleet_compared_keys`), each with its indicator.
    pub compared: Vec<(String, usize)>,
}

/// One cluster of a fleet.
#[derive(Clone, Debug)]
pub struct FleetClusterModel {
    pub name: String,
    pub model: Model,
    /// Its first indicator's index among the fleet's.
    pub first_indicator: usize,
    /// Its first data-loss cause's index among the fleet's.
    pub first_data_cause: usize,
}

/// A service compiled.
#[derive(Clone, Debug)]
pub struct ServiceModel {
    pub name: String,
    /// (cluster, indicator in that cluster), primary first for active-passive.
    pub members: Vec<(usize, usize)>,
    /// Active-passive: the standby's promotion, then (cold) its scale-up.
    pub passive: Option<(Sampler, Option<Sampler>)>,
    /// Seconds from a change of a cluster's state until DNS notices it.
    pub detection: f64,
    /// DNS time to live, seconds.
    pub ttl: f64,
    /// Async replication's lag; `None`: a failover loses nothing.
    pub lag: Option<Sampler>,
    /// Where each member's causes start in the service's cause list
    /// (`dns_failover` is 0).
    pub cause_offsets: Vec<usize>,
    /// The service's cause keys: `dns_failover`, then `CLUSTER/CAUSE` for
    /// each member's causes.
    pub cause_keys: Vec<String>,
}

/// A change of an indicator: from `.0` on, up (`None`) or down waiting for
/// the cause in that slot of its cluster's list.
pub type Change = (f64, Option<u16>);

/// What one service did in one replication.
#[derive(Clone, Debug, Default)]
pub struct ServiceRun {
    pub indicator: IndicatorRun,
    /// Outage lengths that ended within the horizon, seconds.
    pub outages: Vec<f64>,
    /// (RPO, RTO if the service recovered within the horizon) per failover.
    pub failovers: Vec<(f64, Option<f64>)>,
}

impl FleetModel {
    /// The fleet of `s` (whose `fleet` is set), and its face.
    pub fn build(s: &Scenario) -> Result<Model, BuildError> {
        let fleet = s
            .fleet
            .as_ref()
            .ok_or_else(|| BuildError("not a fleet".into()))?;
        let mut clusters = Vec::with_capacity(fleet.clusters.len());
        let mut first_indicator = fleet.services.len();
        let mut first_data_cause = fleet.services.len();
        for (c, fc) in fleet.clusters.iter().enumerate() {
            let mut scenario = fc.scenario.clone();
            scenario.simulation.horizon = s.simulation.horizon;
            scenario.simulation.seed = cluster_seed(s.simulation.seed, c);
            // The fleet's event budget, when it gives one, binds each cluster.
            if s.simulation.max_events_per_year.is_some() {
                scenario.simulation.max_events_per_year = s.simulation.max_events_per_year;
            }
            let mut model = Model::build(&scenario)
                .map_err(|e| BuildError(format!("cluster {}: {e}", fc.name)))?;
            if model.regions > 0 {
                model.shared_region = Some((s.simulation.seed, fc.region));
            }
            let n = model.indicator_count();
            let d = model.data_cause_count();
            clusters.push(FleetClusterModel {
                name: fc.name.clone(),
                model,
                first_indicator,
                first_data_cause,
            });
            first_indicator += n;
            first_data_cause += d;
        }
        let mut services = Vec::with_capacity(fleet.services.len());
        for sv in &fleet.services {
            let err = |e| BuildError(format!("service {}: {e}", sv.name));
            let mut members = Vec::new();
            let mut cause_offsets = Vec::new();
            let mut cause_keys = vec!["dns_failover".to_string()];
            for (c, key) in &sv.members {
                let cluster = &clusters[*c];
                let i = cluster
                    .model
                    .indicator_keys()
                    .iter()
                    .position(|k| k == key)
                    .ok_or_else(|| BuildError(format!("no indicator {key} in {}", cluster.name)))?;
                members.push((*c, i));
                cause_offsets.push(cause_keys.len());
                cause_keys.extend(
                    cluster
                        .model
                        .causes
                        .keys()
                        .into_iter()
                        .map(|k| format!("{}/{k}", cluster.name)),
                );
            }
            let passive = match &sv.mode {
                ServiceMode::ActiveActive => None,
                ServiceMode::ActivePassive { promote, scale_up } => Some((
                    sampler(promote).map_err(err)?,
                    scale_up.as_ref().map(sampler).transpose().map_err(err)?,
                )),
            };
            let lag = match &sv.replication {
                Replication::Async { lag } => Some(sampler(lag).map_err(err)?),
                Replication::None | Replication::Sync => None,
            };
            services.push(ServiceModel {
                name: sv.name.clone(),
                members,
                passive,
                detection: sv.detection(),
                ttl: sv.ttl,
                lag,
                cause_offsets,
                cause_keys,
            });
        }
        // The face: the first cluster's model under the fleet's name,
        // seed and horizon; never run as a cluster.
        let mut face_scenario = fleet.clusters[0].scenario.clone();
        face_scenario.name = s.name.clone();
        face_scenario.simulation = s.simulation.clone();
        let mut face = Model::build(&face_scenario)?;
        // Pending pods are not reported for a fleet's clusters.
        face.worker_capacity = None;
        face.autoscaler = None;
        face.monthly_cost = clusters
            .iter()
            .map(|c| c.model.monthly_cost)
            .sum::<Option<f64>>();
        // Each cluster stops at its own budget; the face reports the largest.
        face.event_limit = clusters
            .iter()
            .map(|c| c.model.event_limit)
            .max()
            .unwrap_or(face.event_limit);
        let keys = crate::scenario::fleet_indicator_keys(&fleet.services, &fleet.clusters);
        let compared = crate::scenario::fleet_compared_keys(fleet);
        face.fleet = Some(Box::new(FleetModel {
            clusters,
            services,
            keys,
            compared,
        }));
        Ok(face)
    }

    /// Indicators: one per service, then each cluster's.
    pub fn indicator_count(&self) -> usize {
        self.services.len()
            + self
                .clusters
                .iter()
                .map(|c| c.model.indicator_count())
                .sum::<usize>()
    }

    pub fn indicator_keys(&self) -> Vec<String> {
        self.keys.clone()
    }

    /// The cluster indicator `i` is, and its index there; `None` for a service.
    pub fn cluster_of(&self, i: usize) -> Option<(&FleetClusterModel, usize)> {
        self.clusters
            .iter()
            .rev()
            .find(|c| c.first_indicator <= i)
            .map(|c| (c, i - c.first_indicator))
    }

    /// The cause keys of indicator `i`'s downtime.
    pub fn cause_keys(&self, i: usize) -> Vec<String> {
        match self.cluster_of(i) {
            Some((c, _)) => c.model.causes.keys(),
            None => self.services[i].cause_keys.clone(),
        }
    }

    /// Data-loss causes: each service's failovers (`service/NAME`), then
    /// each cluster's own, prefixed by its name.
    pub fn data_causes(&self) -> Vec<String> {
        self.services
            .iter()
            .map(|s| format!("service/{}", s.name))
            .chain(self.clusters.iter().flat_map(|c| {
                c.model
                    .data_causes()
                    .into_iter()
                    .map(move |k| format!("{}/{k}", c.name))
            }))
            .collect()
    }
}

/// Cluster `c`'s seed in a fleet of seed `seed`: the first cluster has the
/// fleet's (so it draws as the same scenario run alone, and a comparison
/// of one cluster against the fleet is paired), the others their own.
pub fn cluster_seed(seed: u64, c: usize) -> u64 {
    if c == 0 {
        seed
    } else {
        crate::engine::rng::splitmix64(
            crate::engine::rng::splitmix64(seed ^ 0x666c_6565_742d_636c) ^ c as u64,
        )
    }
}

/// The down intervals `[from, to)` of a change list over `[0, horizon)`.
fn down_intervals(changes: &[Change], horizon: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut since: Option<f64> = None;
    for &(t, cause) in changes {
        match (since, cause) {
            (None, Some(_)) => since = Some(t),
            (Some(from), None) => {
                if t > from {
                    out.push((from, t));
                }
                since = None;
            }
            _ => {}
        }
    }
    if let Some(from) = since {
        out.push((from, horizon));
    }
    out
}

/// When DNS takes a cluster out and puts it back: a down interval longer
/// than `detection` is noticed `detection` after it began; the cluster is
/// back once it has been up `detection` without a break. Each interval:
/// (noticed, back, when the failure that was noticed began).
fn unhealthy(down: &[(f64, f64)], detection: f64) -> Vec<(f64, f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < down.len() {
        let (a, b) = down[i];
        if b - a <= detection && !(detection == 0.0 && b > a) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < down.len() && down[j + 1].0 - down[j].1 <= detection {
            j += 1;
        }
        out.push((a + detection, down[j].1 + detection, a));
        i = j + 1;
    }
    out
}

/// Whether `t` falls in one of `intervals` (sorted, disjoint), from the
/// cursor on (moved forward as `t` grows).
fn inside(intervals: &[(f64, f64, f64)], cursor: &mut usize, t: f64) -> bool {
    while *cursor < intervals.len() && intervals[*cursor].1 <= t {
        *cursor += 1;
    }
    intervals.get(*cursor).is_some_and(|iv| iv.0 <= t)
}

/// A member's state at `t`, from the cursor on (moved forward as `t` grows).
fn state_at(changes: &[Change], cursor: &mut usize, t: f64) -> Option<u16> {
    while *cursor + 1 < changes.len() && changes[*cursor + 1].0 <= t {
        *cursor += 1;
    }
    match changes.get(*cursor) {
        Some(&(at, cause)) if at <= t => cause,
        _ => None,
    }
}

/// One stretch of a service outage: its length, the members clients were
/// sent to (a bit each), and each member's cause slot (`None`: up).
struct Stretch {
    from: f64,
    to: f64,
    clients: u64,
    causes: Vec<Option<u16>>,
}

impl ServiceModel {
    /// The service over one replication of `horizon` seconds, from each
    /// member's changes (sorted by time; up at 0 unless a change at 0 says
    /// otherwise). `seed` and `replication` key its draws.
    pub fn run(
        &self,
        members: &[&[Change]],
        horizon: f64,
        seed: u64,
        replication: u64,
        index: u32,
    ) -> ServiceRun {
        let k = self.members.len();
        let down: Vec<Vec<(f64, f64)>> =
            members.iter().map(|c| down_intervals(c, horizon)).collect();
        let dns: Vec<Vec<(f64, f64, f64)>> =
            down.iter().map(|d| unhealthy(d, self.detection)).collect();
        let mut promote_rng: Rng = stream(seed, replication, StreamId::new(SERVICE_PROMOTE, index));
        let mut lag_rng: Rng = stream(seed, replication, StreamId::new(SERVICE_LAG, index));

        // Where DNS sends clients, as a list of (from, target set, writable
        // from): active-active every healthy member (all when none is);
        // active-passive the first healthy member (the primary when none
        // is), a standby writable once promoted. Clients follow `ttl` later.
        let mut points: Vec<f64> = vec![0.0];
        for d in &dns {
            for &(a, b, _) in d {
                points.push(a);
                points.push(b);
            }
        }
        points.retain(|&t| t < horizon);
        points.sort_by(f64::total_cmp);
        points.dedup();
        let all: u64 = if k >= 64 { u64::MAX } else { (1u64 << k) - 1 };
        let mut targets: Vec<(f64, u64, f64)> = Vec::new();
        let mut cursors = vec![0usize; k];
        // (moved, member that failed, when its failure began)
        let mut failovers: Vec<(f64, usize, f64)> = Vec::new();
        let mut healthy_before = all;
        for &t in &points {
            let mut healthy = 0u64;
            for m in 0..k {
                if !inside(&dns[m], &mut cursors[m], t) {
                    healthy |= 1 << m;
                }
            }
            let taken_out = healthy_before & !healthy;
            healthy_before = healthy;
            let (set, writable) = match &self.passive {
                None => {
                    // Each member taken out of DNS: its clients fail over.
                    for m in 0..k {
                        if taken_out & (1 << m) != 0 {
                            failovers.push((t, m, dns[m][cursors[m]].2));
                        }
                    }
                    (if healthy == 0 { all } else { healthy }, t)
                }
                Some((promote, scale_up)) => {
                    let m = if healthy == 0 {
                        0
                    } else {
                        healthy.trailing_zeros() as usize
                    };
                    let set = 1u64 << m;
                    match targets.last() {
                        Some(&(_, last, ready)) if last == set => (set, ready),
                        _ if m == 0 => (set, t),
                        last => {
                            // The target moves to a standby. A failover when
                            // the member it leaves was taken out of DNS.
                            if let Some(&(_, last, _)) = last {
                                let from = last.trailing_zeros() as usize;
                                if healthy & last == 0 {
                                    failovers.push((t, from, dns[from][cursors[from]].2));
                                }
                            }
                            let mut p = promote.sample(&mut promote_rng);
                            if let Some(s) = scale_up {
                                p += s.sample(&mut promote_rng);
                            }
                            (set, t + p)
                        }
                    }
                }
            };
            if targets.last().is_none_or(|&(_, last, _)| last != set) {
                targets.push((t, set, writable));
            }
        }
        let clients: Vec<(f64, u64, f64)> = targets
            .iter()
            .map(|&(t, set, ready)| {
                if t == 0.0 {
                    (0.0, set, ready)
                } else {
                    (t + self.ttl, set, ready)
                }
            })
            .collect();

        // The sweep over every change of a member or of the clients.
        let mut times: Vec<f64> = clients.iter().map(|c| c.0).collect();
        times.extend(clients.iter().map(|c| c.2));
        for m in members {
            times.extend(m.iter().map(|c| c.0));
        }
        times.retain(|&t| (0.0..horizon).contains(&t));
        times.push(0.0);
        times.sort_by(f64::total_cmp);
        times.dedup();
        times.push(horizon);

        let mut run = ServiceRun {
            indicator: IndicatorRun::new_with(self.cause_keys.len()),
            ..ServiceRun::default()
        };
        let mut state_cursor = vec![0usize; k];
        let mut client_cursor = 0usize;
        let mut outage: Vec<Stretch> = Vec::new();
        let mut down_since: Option<f64> = None;
        let mut causes = vec![None; k];
        for w in times.windows(2) {
            let (t, next) = (w[0], w[1]);
            if next <= t {
                continue;
            }
            for m in 0..k {
                causes[m] = state_at(members[m], &mut state_cursor[m], t);
            }
            while client_cursor + 1 < clients.len() && clients[client_cursor + 1].0 <= t {
                client_cursor += 1;
            }
            let (_, set, ready) = clients[client_cursor];
            let sent = set.count_ones() as f64;
            let failing = (0..k)
                .filter(|&m| set & (1 << m) != 0)
                .filter(|&m| causes[m].is_some() || t < ready)
                .count() as f64;
            let share = failing / sent;
            let dt = next - t;
            run.indicator.failed_request_seconds += share * dt;
            if share > 0.0 && share < 1.0 {
                run.indicator.degraded_seconds += dt;
            }
            if share >= 1.0 {
                if down_since.is_none() {
                    down_since = Some(t);
                    run.indicator.outages += 1;
                }
                outage.push(Stretch {
                    from: t,
                    to: next,
                    clients: set,
                    causes: causes.clone(),
                });
            } else if let Some(since) = down_since.take() {
                // Up again at t: the member serving clients now ends it.
                let serving = (0..k).find(|&m| set & (1 << m) != 0 && causes[m].is_none());
                self.charge(&mut run.indicator, &outage, serving);
                outage.clear();
                run.indicator.downtime += t - since;
                run.outages.push(t - since);
            }
        }
        if let Some(since) = down_since {
            self.charge(&mut run.indicator, &outage, None);
            run.indicator.downtime += horizon - since;
            run.indicator.censored = true;
        }

        // Failovers: the data they lose, and how long until the clients
        // that were sent to the failed member were served again.
        for &(moved, m, began) in &failovers {
            let rpo = self.lag.as_ref().map_or(0.0, |l| l.sample(&mut lag_rng));
            let back = self.served_again(m, moved, members, &clients, horizon);
            run.failovers.push((rpo, back.map(|b| b - began)));
        }
        run
    }

    /// When clients of member `m`, failed over at `moved`, are served
    /// again: active-passive, the service's next moment up; active-active,
    /// when they leave `m` (`ttl` after the move) or `m` recovers, if sooner.
    fn served_again(
        &self,
        m: usize,
        moved: f64,
        members: &[&[Change]],
        clients: &[(f64, u64, f64)],
        horizon: f64,
    ) -> Option<f64> {
        let recovered = members[m]
            .iter()
            .find(|c| c.0 >= moved - self.detection && c.1.is_none())
            .map(|c| c.0);
        let left = moved + self.ttl;
        let t = match &self.passive {
            None => recovered.map_or(left, |r| r.min(left)),
            Some(_) => {
                // The client list entry that follows the move.
                let entry = clients.iter().find(|c| c.0 >= left)?;
                let member = entry.1.trailing_zeros() as usize;
                let up = members[member]
                    .iter()
                    .rev()
                    .find(|c| c.0 <= entry.2.max(entry.0))
                    .is_none_or(|c| c.1.is_none());
                let at = entry.2.max(entry.0);
                if up {
                    at
                } else {
                    members[member]
                        .iter()
                        .find(|c| c.0 > at && c.1.is_none())
                        .map(|c| c.0)?
                }
            }
        };
        (t < horizon).then_some(t)
    }

    /// Charges an outage's stretches: to the cause of the member that ended
    /// it (`serving`) where clients were already sent to it and it was
    /// down, else to `dns_failover` (clients were elsewhere, or it waited
    /// for its promotion). Censored (`serving` `None`): to the first member
    /// clients were sent to that was down, else `dns_failover`.
    fn charge(&self, ind: &mut IndicatorRun, outage: &[Stretch], serving: Option<usize>) {
        for s in outage {
            let d = s.to - s.from;
            let member = match serving {
                Some(m) => (s.clients & (1 << m) != 0 && s.causes[m].is_some()).then_some(m),
                None => (0..self.members.len())
                    .find(|&m| s.clients & (1 << m) != 0 && s.causes[m].is_some()),
            };
            let slot = match member {
                Some(m) => self.cause_offsets[m] + s.causes[m].unwrap_or(0) as usize,
                None => 0,
            };
            ind.downtime_by_cause[slot] += d;
        }
    }
}
