//! Availability against closed forms. Each expected value is exact (k-of-n
//! formulas, zone conditioning, renewal theory), time-averaged over the
//! horizon from an all-up start; each tolerance comes from the run's own
//! confidence interval.

use crate::common::*;
use kubenines::scenario::*;

const MTTF: f64 = 10.0 * DAY;
const MTTR: f64 = 1.0 * DAY;

fn node_availability(t: f64) -> f64 {
    point_availability(1.0 / MTTF, 1.0 / MTTR, t)
}

/// Majority quorum of 1, 2, 3, 5 and 7 stacked nodes with exponential
/// failure and repair: etcd is up iff at least floor(n/2)+1 nodes are.
#[test]
fn stacked_quorum_matches_k_of_n() {
    for n in [1, 2, 3, 5, 7] {
        let s = stacked(n, host(exp(MTTF), exp(MTTR)));
        let q = n / 2 + 1;
        let exact = 1.0
            - time_average(
                |t| k_of_n(q, n, node_availability(t)),
                MTTR,
                s.simulation.horizon,
            );
        let r = run(&s, 2);
        assert_unavailability(indicator(&r, "etcd"), exact, &format!("stacked-{n} etcd"));
    }
}

/// Without a load balancer the API is cp-1's apiserver: up iff cp-1 is up
/// and etcd has quorum, i.e. cp-1 and at least one of the other two.
#[test]
fn api_without_load_balancer_needs_cp1() {
    let s = stacked(3, host(exp(MTTF), exp(MTTR)));
    let exact = 1.0
        - time_average(
            |t| {
                let a = node_availability(t);
                a * (1.0 - (1.0 - a).powi(2))
            },
            MTTR,
            s.simulation.horizon,
        );
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "stacked-3 api without LB");
}

/// External etcd: the API needs etcd quorum among the etcd hosts, the load
/// balancer, and any one control-plane host; all independent.
#[test]
fn external_design_is_the_product_of_its_parts() {
    let (cp_f, cp_r) = (8.0 * DAY, 1.0 * DAY);
    let (etcd_f, etcd_r) = (12.0 * DAY, 1.0 * DAY);
    let (lb_f, lb_r) = (30.0 * DAY, 6.0 * HOUR);
    let mut s = stacked(2, host(exp(cp_f), exp(cp_r)));
    s.control_plane.topology = Topology::External;
    s.control_plane.etcd_hosts = Some(EtcdHosts {
        nodes: 3,
        placement: vec![0; 3],
        node: host(exp(etcd_f), exp(etcd_r)),
        disk_loss: 0.0,
    });
    s.control_plane.load_balancer = Some(host(exp(lb_f), exp(lb_r)));
    let horizon = s.simulation.horizon;
    let exact = 1.0
        - time_average(
            |t| {
                let cp = point_availability(1.0 / cp_f, 1.0 / cp_r, t);
                let etcd = point_availability(1.0 / etcd_f, 1.0 / etcd_r, t);
                let lb = point_availability(1.0 / lb_f, 1.0 / lb_r, t);
                k_of_n(2, 3, etcd) * lb * (1.0 - (1.0 - cp).powi(2))
            },
            cp_r,
            horizon,
        );
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "external 2x3 api");
    let etcd_exact = 1.0
        - time_average(
            |t| k_of_n(2, 3, point_availability(1.0 / etcd_f, 1.0 / etcd_r, t)),
            etcd_r,
            horizon,
        );
    assert_unavailability(indicator(&r, "etcd"), etcd_exact, "external 2x3 etcd");
}

const ZONE_MTTF: f64 = 20.0 * DAY;
const ZONE_MTTR: f64 = 2.0 * DAY;

fn zone_availability(t: f64) -> f64 {
    point_availability(1.0 / ZONE_MTTF, 1.0 / ZONE_MTTR, t)
}

/// Perfect hosts, one per zone in three zones: etcd is up iff two zones are,
/// 3a² − 2a³ with a the zone availability.
#[test]
fn three_zones_one_node_each() {
    let s = with_zones(stacked(3, perfect()), 3, exp(ZONE_MTTF), exp(ZONE_MTTR));
    let exact = 1.0
        - time_average(
            |t| {
                let a = zone_availability(t);
                3.0 * a * a - 2.0 * a * a * a
            },
            ZONE_MTTR,
            s.simulation.horizon,
        );
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "etcd"), exact, "3 nodes in 3 zones");
}

/// Three perfect nodes in two zones (cp-1 and cp-3 share zone 1): quorum
/// survives zone 2's loss but not zone 1's, so etcd is up iff zone 1 is.
#[test]
fn three_nodes_in_two_zones_follow_the_bigger_zone() {
    let s = with_zones(stacked(3, perfect()), 2, exp(ZONE_MTTF), exp(ZONE_MTTR));
    let exact = 1.0 - time_average(zone_availability, ZONE_MTTR, s.simulation.horizon);
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "etcd"), exact, "3 nodes in 2 zones");
}

/// Stationary availability of independent alternating renewal processes
/// depends only on the means: Weibull, lognormal, gamma, uniform and fixed
/// times with the same means as the exponential give the same k-of-n value.
#[test]
fn other_distributions_with_the_same_means_give_the_same_availability() {
    let a = MTTF / (MTTF + MTTR);
    let exact = 1.0 - k_of_n(2, 3, a);
    let designs = [
        (
            "weibull/lognormal",
            Distribution::Weibull {
                shape: 0.8,
                scale: MTTF / kubenines::special::gamma(1.0 + 1.0 / 0.8),
            },
            Distribution::LogNormal {
                mu: MTTR.ln() - 0.5,
                sigma: 1.0,
            },
        ),
        (
            "gamma/uniform",
            Distribution::Gamma {
                shape: 2.5,
                scale: MTTF / 2.5,
            },
            Distribution::Uniform {
                min: 0.5 * MTTR,
                max: 1.5 * MTTR,
            },
        ),
        (
            "lognormal/fixed",
            Distribution::LogNormal {
                mu: MTTF.ln() - 0.32,
                sigma: 0.8,
            },
            fixed(MTTR),
        ),
    ];
    for (what, failure, repair) in designs {
        let mut s = stacked(3, host(failure, repair));
        // A long horizon makes the start-up transient (all up at t = 0) negligible.
        s.simulation.horizon = 40.0 * YEAR_SECONDS;
        s.simulation.replications = 200;
        let r = run(&s, 2);
        assert_unavailability(indicator(&r, "etcd"), exact, what);
    }
}

/// A single node: outages begin at rate 1/(MTTF + MTTR) (exactly, with the
/// start-up term for an all-up start) and last MTTR on average.
#[test]
fn single_node_outage_rate_and_length() {
    let repair_mean = 4.0 * HOUR;
    let sigma: f64 = 0.9;
    let s = {
        let mut s = stacked(
            1,
            host(
                exp(MTTF),
                Distribution::LogNormal {
                    mu: repair_mean.ln() - sigma * sigma / 2.0,
                    sigma,
                },
            ),
        );
        s.simulation.replications = 800;
        s
    };
    let r = run(&s, 2);
    let etcd = indicator(&r, "etcd");
    // Failures of an alternating renewal process started up: for exponential
    // up-times, E[N(T)] = T/(MTTF+MTTR) + O(MTTR/MTTF)·MTTR/(MTTF+MTTR) per
    // horizon; the rate is exact for the stationary process and the start-up
    // correction is below 1e-4 of it here, far inside the interval.
    let years = s.simulation.horizon / YEAR_SECONDS;
    let rate = YEAR_SECONDS / (MTTF + repair_mean);
    let o = &etcd.outages_per_year;
    let half = o.half_width().unwrap();
    println!(
        "single node outages/yr: simulated {:.4} ± {half:.4}, exact 1/(MTTF+MTTR) = {rate:.4}",
        o.mean
    );
    assert!(
        (o.mean - rate).abs() <= 2.05 * half,
        "outages/yr {} ± {half}, exact {rate}",
        o.mean
    );
    assert!(half < 0.05 * rate);
    // Outage lengths are the repair times: mean within 4 standard errors.
    let m = &etcd.outage_minutes;
    let count = m.count as f64;
    let sd = repair_mean * ((sigma * sigma).exp() - 1.0).sqrt() / 60.0;
    let mean = m.mean.unwrap();
    println!(
        "single node mean outage: simulated {mean:.2} min over {count} outages, exact {:.2} min",
        repair_mean / 60.0
    );
    assert!(
        (mean - repair_mean / 60.0).abs() <= 4.0 * sd / count.sqrt(),
        "mean outage {mean} min, exact {}",
        repair_mean / 60.0
    );
    assert!(count > 0.9 * rate * years * s.simulation.replications as f64);
    // The lognormal's median is exp(mu): p50 within the sketch's accuracy
    // plus sampling error (binomial standard error of the median's rank).
    let median = (repair_mean.ln() - sigma * sigma / 2.0).exp() / 60.0;
    let p50 = m.p50.unwrap();
    let rank_err = 4.0 * 0.5 / count.sqrt(); // 4 s.e. of the empirical CDF at the median
    let density_at_median = 1.0 / (median * sigma * (2.0 * std::f64::consts::PI).sqrt());
    assert!(
        (p50 - median).abs() <= rank_err / density_at_median + 0.005 * median,
        "p50 {p50}, exact {median}"
    );
}
