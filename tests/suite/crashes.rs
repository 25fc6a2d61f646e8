//! Process crashes of kube-apiserver and etcd members (MODEL.md, "Process
//! crashes"): independent of hosts, a crashed instance counts as down.
//! Expected values are exact time averages from an all-up start.

use crate::common::*;
use kubenines::scenario::*;

const HOST_F: f64 = 12.0 * DAY;
const HOST_R: f64 = 1.0 * DAY;
const API_F: f64 = 5.0 * DAY;
const API_R: f64 = 1.0 * DAY;
const MEM_F: f64 = 7.0 * DAY;
const MEM_R: f64 = 1.0 * DAY;

fn avail(f: f64, r: f64, t: f64) -> f64 {
    point_availability(1.0 / f, 1.0 / r, t)
}

fn with_crashes(mut s: Scenario, apiserver: bool, member: bool) -> Scenario {
    s.control_plane.apiserver = apiserver.then(|| host(exp(API_F), exp(API_R)));
    s.control_plane.etcd_member = member.then(|| host(exp(MEM_F), exp(MEM_R)));
    s.control_plane.load_balancer = Some(perfect());
    s
}

/// Perfect hosts, crashing apiservers behind a perfect load balancer: the
/// API is up iff any of the three apiservers is; etcd never goes down.
#[test]
fn apiserver_crashes_need_all_three_down() {
    let s = with_crashes(stacked(3, perfect()), true, false);
    let exact = time_average(
        |t| (1.0 - avail(API_F, API_R, t)).powi(3),
        API_R,
        s.simulation.horizon,
    );
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "3 crashing apiservers");
    assert_eq!(indicator(&r, "etcd").outage_minutes.count, 0);
}

/// Perfect hosts, crashing members: etcd is a majority of processes.
#[test]
fn member_crashes_are_a_quorum_of_processes() {
    let s = with_crashes(stacked(3, perfect()), false, true);
    let exact = 1.0
        - time_average(
            |t| k_of_n(2, 3, avail(MEM_F, MEM_R, t)),
            MEM_R,
            s.simulation.horizon,
        );
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "etcd"), exact, "3 crashing members");
}

/// Stacked: host i carries apiserver i and member i, so one host failure
/// costs both; the API needs a quorum of members and any apiserver. Exact
/// value by enumerating each host's joint (apiserver up, member up) state.
/// With the load balancer's wiring an apiserver uses any member, so any
/// apiserver will do.
#[test]
fn stacked_host_failure_costs_apiserver_and_member_together() {
    let mut s = with_crashes(stacked(3, host(exp(HOST_F), exp(HOST_R))), true, true);
    s.control_plane.wiring = Wiring::LoadBalancer;
    let exact = 1.0 - time_average(stacked_api(false), HOST_R, s.simulation.horizon);
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "stacked-3 with crashes");
}

/// The same with kubeadm's wiring: a stacked apiserver talks to its own
/// member only (`--etcd-servers=https://127.0.0.1:2379`), so it counts only
/// while the member on its host is up: the API needs a quorum of members and
/// a host whose apiserver and member are both up.
#[test]
fn stacked_apiserver_needs_its_own_member_with_kubeadm_wiring() {
    let mut s = with_crashes(stacked(3, host(exp(HOST_F), exp(HOST_R))), true, true);
    s.control_plane.wiring = Wiring::Kubeadm;
    let exact = 1.0 - time_average(stacked_api(true), HOST_R, s.simulation.horizon);
    let r = run(&s, 2);
    assert_unavailability(
        indicator(&r, "api"),
        exact,
        "stacked-3 with crashes, kubeadm",
    );
}

/// P(api up) at t for stacked-3 with host, apiserver and member failures:
/// a quorum of members and an apiserver that serves, which with `own_member`
/// (kubeadm's wiring) needs the member on its host up.
fn stacked_api(own_member: bool) -> impl Fn(f64) -> f64 {
    move |t: f64| {
        let (h, a, e) = (
            avail(HOST_F, HOST_R, t),
            avail(API_F, API_R, t),
            avail(MEM_F, MEM_R, t),
        );
        // P(apiserver up, member up) for one host, by state (api, mem).
        let joint = [
            ((true, true), h * a * e),
            ((true, false), h * a * (1.0 - e)),
            ((false, true), h * (1.0 - a) * e),
            (
                (false, false),
                1.0 - h * a * e - h * a * (1.0 - e) - h * (1.0 - a) * e,
            ),
        ];
        let mut up = 0.0;
        for &(s1, p1) in &joint {
            for &(s2, p2) in &joint {
                for &(s3, p3) in &joint {
                    let members = [s1.1, s2.1, s3.1].iter().filter(|&&m| m).count();
                    let serves = |(api, mem): (bool, bool)| api && (mem || !own_member);
                    let any_api = serves(s1) || serves(s2) || serves(s3);
                    if members >= 2 && any_api {
                        up += p1 * p2 * p3;
                    }
                }
            }
        }
        up
    }
}

/// External: apiservers and members sit on different hosts, so the API is
/// the product of (a quorum of member processes on etcd hosts) and (any
/// apiserver process on an up control-plane host).
#[test]
fn external_separates_apiserver_and_member_failures() {
    let (etcd_f, etcd_r) = (20.0 * DAY, 1.0 * DAY);
    let mut s = stacked(2, host(exp(HOST_F), exp(HOST_R)));
    s.control_plane.topology = Topology::External;
    s.control_plane.etcd_hosts = Some(EtcdHosts {
        nodes: 3,
        placement: vec![0; 3],
        node: host(exp(etcd_f), exp(etcd_r)),
        disk_loss: 0.0,
    });
    let s = with_crashes(s, true, true);
    let exact = 1.0
        - time_average(
            |t| {
                let apiserver = avail(HOST_F, HOST_R, t) * avail(API_F, API_R, t);
                let member = avail(etcd_f, etcd_r, t) * avail(MEM_F, MEM_R, t);
                k_of_n(2, 3, member) * (1.0 - (1.0 - apiserver).powi(2))
            },
            HOST_R,
            s.simulation.horizon,
        );
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "external 2x3 with crashes");
}

/// Without a load balancer only cp-1's apiserver serves: its crashes are
/// API outages even while the others run.
#[test]
fn without_load_balancer_cp1_apiserver_crash_is_an_outage() {
    let mut s = with_crashes(stacked(3, perfect()), true, false);
    s.control_plane.load_balancer = None;
    let exact = 1.0 - time_average(|t| avail(API_F, API_R, t), API_R, s.simulation.horizon);
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "cp-1 apiserver crashes, no LB");
}

/// A crash of the leader's process (quorum intact) costs exactly one
/// election: with fixed 5 s elections every etcd outage lasts 5 s, and
/// they come at the leader's crash rate, 1/MTTF of one member process.
/// Losing quorum needs two of three crashed within the same 10 s restart,
/// expected about once in this run's 2,000 cluster-years: so p50 and p99
/// must be exactly the election, and the mean very nearly.
#[test]
fn leader_process_crash_costs_one_election() {
    let crash_mttf = 30.0 * DAY;
    let mut s = stacked(3, perfect());
    s.control_plane.load_balancer = Some(perfect());
    s.control_plane.etcd_member = Some(host(exp(crash_mttf), fixed(10.0)));
    s.control_plane.etcd.election = fixed(5.0);
    let r = run(&s, 2);
    let etcd = indicator(&r, "etcd");
    let o = &etcd.outage_minutes;
    assert!(o.count > 1000, "{} outages", o.count);
    let election = 5.0 / 60.0;
    let accuracy = kubenines::stats::RELATIVE_ACCURACY * election;
    assert!(
        (o.p50.unwrap() - election).abs() <= accuracy,
        "p50 {:?} min",
        o.p50
    );
    assert!(
        (o.p99.unwrap() - election).abs() <= accuracy,
        "p99 {:?} min",
        o.p99
    );
    assert!(
        (o.mean.unwrap() - election).abs() < 1e-3 * election,
        "mean outage {:?} min",
        o.mean
    );
    let rate = YEAR_SECONDS / crash_mttf;
    let per_year = &etcd.outages_per_year;
    let half = per_year.half_width().unwrap();
    println!(
        "leader-crash elections/yr: simulated {:.3} ± {half:.3}, exact {rate:.3}",
        per_year.mean
    );
    assert!(
        (per_year.mean - rate).abs() <= 2.05 * half,
        "{} ± {half} vs {rate}",
        per_year.mean
    );
}
