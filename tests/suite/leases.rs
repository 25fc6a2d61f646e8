//! kube-scheduler and kube-controller-manager leases (MODEL.md,
//! "Controllers"), pinned with fixed durations so the expected outage
//! lengths are exact.

use crate::common::*;
use kubenines::report::IndicatorResult;
use kubenines::scenario::*;

/// Three perfect hosts behind a load balancer that fails every ~30 days for
/// `outage` seconds; leases of 15 s, renew deadline 10 s, retry 6 s; the
/// controllers reach the API through `wiring`.
fn lb_outages(outage: f64, wiring: Wiring) -> Scenario {
    let mut s = stacked(3, perfect());
    s.control_plane.wiring = wiring;
    s.control_plane.load_balancer = Some(host(exp(30.0 * DAY), fixed(outage)));
    s.control_plane.leader_election = LeaderElection {
        lease_duration: 15.0,
        renew_deadline: 10.0,
        retry_period: 6.0,
        release_on_stop: [true, false],
    };
    s.simulation.replications = 200;
    s
}

fn minutes(x: f64) -> f64 {
    x / 60.0
}

fn assert_close(a: f64, b: f64, what: &str) {
    assert!((a - b).abs() <= 1e-9 * b.abs(), "{what}: {a} vs {b}");
}

/// The mean of max(U1, U2)·retry over two controllers is 2/3·retry, with
/// standard deviation retry·sqrt(1/18).
fn assert_mean_extension(cp: &IndicatorResult, base: f64, retry: f64) {
    let o = &cp.outage_minutes;
    let mean = o.mean.unwrap();
    let se = minutes(retry * (1.0_f64 / 18.0).sqrt()) / (o.count as f64).sqrt();
    let exact = minutes(base + 2.0 / 3.0 * retry);
    assert!(
        (mean - exact).abs() <= 4.0 * se,
        "mean outage {mean} min, exact {exact} (se {se})"
    );
    assert!(
        o.max.unwrap() <= minutes(base + retry) * (1.0 + 1e-12),
        "max {:?}",
        o.max
    );
    assert!(o.count > 100, "too few outages ({}) to test", o.count);
}

/// An API outage shorter than renew_deadline costs no lease: the control
/// plane is down exactly as long as the API. (Controllers wired through the
/// load balancer, so that they see its outages.)
#[test]
fn short_api_outage_keeps_the_leases() {
    let r = run(&lb_outages(5.0, Wiring::LoadBalancer), 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert!(api.outage_minutes.count > 100);
    assert_eq!(cp.outage_minutes.count, api.outage_minutes.count);
    assert_close(
        cp.outage_minutes.mean.unwrap(),
        minutes(5.0),
        "control_plane mean outage",
    );
    assert_close(
        cp.outage_minutes.max.unwrap(),
        minutes(5.0),
        "control_plane max outage",
    );
}

/// An API outage longer than renew_deadline costs both leases; each is
/// re-taken U(0, retry_period) after the API returns, so the control plane
/// stays down max(U1, U2)·retry longer than the API. (Controllers wired
/// through the load balancer, so that they see its outages.)
#[test]
fn long_api_outage_loses_the_leases() {
    let r = run(&lb_outages(60.0, Wiring::LoadBalancer), 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert_close(
        api.outage_minutes.mean.unwrap(),
        minutes(60.0),
        "api mean outage",
    );
    assert_eq!(cp.outage_minutes.count, api.outage_minutes.count);
    assert_mean_extension(cp, 60.0, 6.0);
}

/// The same load-balancer outages with kubeadm's wiring: each controller
/// talks to its own host's apiserver, which never stops serving, so no
/// lease is lost and the control plane is down exactly when the API is
/// (`control_plane` requires `api`): same outages, same lengths.
#[test]
fn long_lb_outage_keeps_the_leases_with_kubeadm_wiring() {
    let r = run(&lb_outages(60.0, Wiring::Kubeadm), 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert!(api.outage_minutes.count > 100);
    assert_eq!(cp.outage_minutes.count, api.outage_minutes.count);
    assert_close(
        cp.outage_minutes.mean.unwrap(),
        api.outage_minutes.mean.unwrap(),
        "control_plane vs api mean outage",
    );
    assert_close(
        cp.outage_minutes.max.unwrap(),
        minutes(60.0),
        "control_plane max outage",
    );
    assert_close(
        cp.downtime_minutes_per_year.mean,
        api.downtime_minutes_per_year.mean,
        "control_plane vs api downtime",
    );
}

/// One node: its failure takes the API and both leaders' host. The leases
/// expire during the outage, candidates wait for the API, and take the
/// leases U(0, retry_period) after the node (and with it the API) returns.
#[test]
fn single_node_failure_delays_the_controllers_past_the_api() {
    let mut s = stacked(1, host(exp(10.0 * DAY), fixed(HOUR)));
    s.control_plane.leader_election = LeaderElection {
        lease_duration: 15.0,
        renew_deadline: 10.0,
        retry_period: 6.0,
        release_on_stop: [true, false],
    };
    let r = run(&s, 2);
    assert_close(
        indicator(&r, "api").outage_minutes.mean.unwrap(),
        minutes(HOUR),
        "api mean outage",
    );
    assert_mean_extension(indicator(&r, "control_plane"), HOUR, 6.0);
}

/// Five nodes behind a perfect load balancer (losing three at once, which
/// would cost quorum, is expected about 0.001 times in this run): a leader's host failing
/// leaves the API up, and its controller is leaderless for lease_duration +
/// U(0, retry_period); when both leaders sat on that host, for the later of
/// two such draws. So control-plane outages lie in [lease, lease + retry],
/// but for the rare union of two controllers' vacancies that overlap (the
/// other leader's host failing within those seconds): p99 stays inside.
#[test]
fn leader_host_failure_costs_a_lease_duration() {
    let mut s = stacked(5, host(exp(20.0 * DAY), fixed(60.0)));
    s.control_plane.load_balancer = Some(perfect());
    s.control_plane.leader_election = LeaderElection {
        lease_duration: 15.0,
        renew_deadline: 10.0,
        retry_period: 6.0,
        release_on_stop: [true, false],
    };
    let r = run(&s, 2);
    let o = &indicator(&r, "control_plane").outage_minutes;
    assert!(o.count > 100);
    // Quantiles are within the sketch's accuracy; max is exact.
    let lo = minutes(15.0) * (1.0 - kubenines::stats::RELATIVE_ACCURACY);
    assert!(o.p50.unwrap() >= lo, "p50 {:?}", o.p50);
    assert!(
        o.p99.unwrap() <= minutes(21.0) * (1.0 + kubenines::stats::RELATIVE_ACCURACY),
        "p99 {:?}",
        o.p99
    );
    // Mean extension is between retry/2 (one controller) and 2/3·retry (both).
    let mean = o.mean.unwrap();
    let se = minutes(6.0 / 12f64.sqrt()) / (o.count as f64).sqrt();
    assert!(
        mean >= minutes(15.0 + 3.0) - 4.0 * se && mean <= minutes(15.0 + 4.0) + 4.0 * se,
        "mean {mean}"
    );
    // The API itself never goes down: a quorum remains, and elections take
    // no time here.
    assert_eq!(indicator(&r, "api").outage_minutes.count, 0);
}
