//! The path from a client to etcd (MODEL.md, "The API endpoint") and how
//! the controllers are wired to it ("Controllers"), pinned by closed forms
//! and deterministic timelines. Every tolerance comes from the run's own
//! confidence interval, or from a bound on what the closed form leaves out.

use crate::common::*;
use kubenines::report::IndicatorResult;
use kubenines::scenario::*;
use kubenines::stats::{Interval, RELATIVE_ACCURACY};

const MINUTE: f64 = 60.0;
const MINUTES_PER_YEAR: f64 = YEAR_SECONDS / 60.0;

/// Stacked-3 on perfect hosts in one perfect zone behind `lb` of `kind`.
fn behind(kind: LoadBalancerKind, lb: Option<HostSpec>) -> Scenario {
    let mut s = stacked(3, perfect());
    s.control_plane.load_balancer = lb;
    s.control_plane.load_balancer_kind = Some(kind);
    s
}

fn pair(placement: [u32; 2], failover: f64, failover_success: f64) -> LoadBalancerKind {
    LoadBalancerKind::Pair {
        placement,
        failover: fixed(failover),
        failover_success,
    }
}

fn single(zone: Option<u32>, new_address_ttl: Option<f64>) -> LoadBalancerKind {
    LoadBalancerKind::Single {
        zone,
        new_address_ttl,
    }
}

fn leases(lease_duration: f64, renew_deadline: f64, retry_period: f64) -> LeaderElection {
    LeaderElection {
        lease_duration,
        renew_deadline,
        retry_period,
        release_on_stop: [true, false],
    }
}

fn minutes(seconds: f64) -> f64 {
    seconds / MINUTE
}

/// Asserts that the run's mean is within 4 standard errors (about two 95%
/// half-widths) of `exact`, and that the interval is tight enough (10% of
/// the value) for that to mean something.
fn assert_mean(iv: &Interval, exact: f64, what: &str) {
    let half = iv.half_width().expect("interval");
    let se = half / 1.96;
    println!(
        "{what:<50} simulated {:.6e} ± {half:.1e} (95%)   exact {exact:.6e}   off by {:+.2} s.e.",
        iv.mean,
        (iv.mean - exact) / se
    );
    assert!(
        (iv.mean - exact).abs() <= 4.0 * se,
        "{what}: {:.6e} ± {half:.2e} (95%), exact {exact:.6e}",
        iv.mean
    );
    assert!(
        half < 0.1 * exact.abs(),
        "{what}: interval ±{half:.2e} too wide to test against {exact:.3e}"
    );
}

fn assert_close(a: f64, b: f64, relative: f64, what: &str) {
    assert!(
        (a - b).abs() <= relative * b.abs(),
        "{what}: {a} vs {b} (relative {relative})"
    );
}

fn degraded(api: &IndicatorResult) -> &Interval {
    api.degraded_minutes_per_year.as_ref().expect("degraded")
}

fn request_success(api: &IndicatorResult) -> &Interval {
    api.request_success.as_ref().expect("request_success")
}

/// Years simulated by one replication.
fn years(s: &Scenario) -> f64 {
    s.simulation.horizon / YEAR_SECONDS
}

/// Stationary unavailability of an alternating process with mean up time
/// `up` and mean down time `down` (renewal reward: any distributions).
fn down_fraction(up: f64, down: f64) -> f64 {
    down / (up + down)
}

// ---------------------------------------------------------------- pair

const PAIR_F: f64 = 10.0 * HOUR;
const PAIR_R: f64 = 1.0 * MINUTE;

fn pair_of_flaky_instances(failover_success: f64) -> Scenario {
    let mut s = behind(
        pair([0, 0], 3.0, failover_success),
        Some(host(exp(PAIR_F), exp(PAIR_R))),
    );
    s.simulation.replications = 200;
    s
}

/// A keepalived pair, each instance failing exponential(mean = 10 h) and
/// repaired exponential(mean = 1 min), failover fixed(3 s), everything else
/// perfect. With q = 1/601 the probability an instance is down, λ = 1/10 h
/// and μ = 1/1 min, the endpoint is down
/// - while both instances are down: q² (independent instances);
/// - 3 s after the active one fails while the other is up, at rate λ(1−q)²
///   (the failed one returning meanwhile is the standby: no preemption);
/// - 3 s after the first of two down instances returns, at rate 2μq²;
///
/// U = q² + 3 s × [λ(1−q)² + 2μq²]. What this leaves out needs a second
/// event inside a 3 s window (the taker failing during its takeover): of
/// relative size λ × 3 s ≈ 8e-5, below the run's relative interval (~1e-3).
/// The transient from the all-up start lasts about a minute of five years.
#[test]
fn pair_failover_costs_three_seconds_per_takeover() {
    let s = pair_of_flaky_instances(1.0);
    let (q, l, m) = (down_fraction(PAIR_F, PAIR_R), 1.0 / PAIR_F, 1.0 / PAIR_R);
    let failover = 3.0;
    let exact = q * q + failover * (l * (1.0 - q).powi(2) + 2.0 * m * q * q);
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "pair, failover 3 s");
}

/// The same pair with failover_success p = 0.5. When the active instance
/// fails with the other up (rate λ(1−q)²), the takeover succeeds with
/// probability p and costs its 3 s; otherwise the endpoint stays down until
/// the failed instance returns, a repair time R with mean 1/μ (memoryless:
/// whenever the failure is decided, what is left of R has mean 1/μ), and
/// then serves at once. Both down (q²) and the takeover by the first to
/// return (3 s at rate 2μq², always successful) are as before:
///
/// U = q² + 3 s × 2μq² + λ(1−q)² × [p × 3 s + (1−p)/μ] − overlap.
///
/// The overlap is the time both instances are down inside a failed
/// takeover's wait, counted in q² too: the standby (up at the start) is down
/// at t with probability λ/(λ+μ)·(1 − e^{−(λ+μ)t}), and the wait lasts past
/// t with probability e^{−μt}, so each failed takeover holds
/// ∫ = λ/(μ(λ+2μ)) ≈ 0.05 s of it: 1.6e-3 of U, about one standard error
/// here, so it is subtracted rather than neglected.
#[test]
fn failed_pair_takeover_waits_for_the_failed_instance() {
    let p = 0.5;
    let s = pair_of_flaky_instances(p);
    let (q, l, m) = (down_fraction(PAIR_F, PAIR_R), 1.0 / PAIR_F, 1.0 / PAIR_R);
    let failover = 3.0;
    let failed_takeovers = l * (1.0 - q).powi(2) * (1.0 - p);
    let overlap = failed_takeovers * l / (m * (l + 2.0 * m));
    let exact =
        q * q + failover * 2.0 * m * q * q + l * (1.0 - q).powi(2) * (p * failover + (1.0 - p) / m)
            - overlap;
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "pair, failover_success 0.5");
}

const ZONE_F: f64 = 1.0 * DAY;

/// Stacked-3 on perfect hosts, one per zone, zones failing
/// exponential(mean = 1 d) and repaired fixed(`zone_repair`), behind a pair
/// of perfect instances both in zone 1.
fn pair_in_zone_one(failover: f64, zone_repair: f64) -> Scenario {
    let mut s = with_zones(stacked(3, perfect()), 3, exp(ZONE_F), fixed(zone_repair));
    s.control_plane.load_balancer = Some(perfect());
    s.control_plane.load_balancer_kind = Some(pair([0, 0], failover, 1.0));
    s
}

/// API down exactly when zone z is down or zones x and y both are (quorum
/// lost), zones independent, each down a fraction qz of the time:
/// 1 − (1 − qz)(1 − qz²).
fn zone_or_quorum(qz: f64) -> f64 {
    1.0 - (1.0 - qz) * (1.0 - qz * qz)
}

/// A pair in one zone (placement [1, 1]) of perfect instances, failover
/// fixed(0 s): both instances share zone 1's fate, and when zone 1 returns
/// both instances return and one takes over at once. So the API is down
/// exactly when zone 1 is down, or zones 2 and 3 both are (quorum lost;
/// elections take no time here): U = 1 − (1 − qz)(1 − qz²), with qz = 4 h
/// / (1 d + 4 h) by renewal reward (fixed repairs). Zones are down often
/// here so that the quorum term (qz² ≈ 11% of U) is measured, not just
/// zone 1. Starting all up shifts each zone's downtime by about one repair
/// over the horizon (relative 4 h / 5 y ≈ 1e-4): the stationary value is the
/// time average.
#[test]
fn pair_in_one_zone_is_down_with_its_zone() {
    let zone_repair = 4.0 * HOUR;
    let s = pair_in_zone_one(0.0, zone_repair);
    let exact = zone_or_quorum(down_fraction(ZONE_F, zone_repair));
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "pair in zone 1, failover 0 s");
}

/// The same with failover fixed(3 s), and zones repaired fixed(1 min) so
/// that the 3 s show (5% of U, which is measured to about 0.3%): when zone 1
/// returns both instances return at once and the first takes over after
/// the master-down interval, so every return of zone 1 costs 3 s more. Zone
/// 1 returns at the renewal rate 1/(1 d + 1 min) (the horizon's edge changes
/// the count by under one return in 1,800 per replication), so
/// U = 1 − (1 − qz)(1 − qz²) + 3 s / (1 d + 1 min), qz = 1 min / (1 d + 1 min).
#[test]
fn pair_in_one_zone_waits_out_the_failover_when_the_zone_returns() {
    let zone_repair = 1.0 * MINUTE;
    let s = pair_in_zone_one(3.0, zone_repair);
    let returns_per_second = 1.0 / (ZONE_F + zone_repair);
    let exact = zone_or_quorum(down_fraction(ZONE_F, zone_repair)) + 3.0 * returns_per_second;
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "pair in zone 1, failover 3 s");
}

// ---------------------------------------------------------------- cloud

const CLOUD_ZONE_F: f64 = 30.0 * DAY;
const CLOUD_ZONE_R: f64 = 4.0 * HOUR;

/// A `cloud` load balancer without service outages: a node per zone, stacked-3
/// on perfect hosts one per zone, zones failing exponential(mean = 30 d) and
/// repaired fixed(4 h), DNS detection 30 s and TTL 60 s, no health check.
///
/// By time, the API needs etcd's quorum (two zones up) and any node (one up
/// zone), so U = 1 − P(at least 2 of 3 zones up), qz = 4 h / (30 d + 4 h)
/// (start-up transient: relative 4 h / 5 y).
///
/// Requests: a zone failing while the other two are up leaves its node
/// listed, down, for min(outage, 30 s + 60 s) = 90 s, while the API is up
/// (quorum holds) and no apiserver in rotation fails (no health check:
/// rotation is the apiservers that serve): 1/3 of requests fail for 90 s.
/// Such outages come at rate 3 × ν × (1 − qz)², ν = 1/(30 d + 4 h) (a zone's
/// failure is independent of the others' state). So degraded minutes per
/// year = 1.5 min × 3ν(1 − qz)² × year. Left out: a second zone failing
/// inside the 90 s (relative 2 × 90 s / 30 d ≈ 7e-5), and the tail of a
/// window reopening when quorum returns inside it (relative qz × 90 s / 4 h
/// ≈ 3e-5), both far below the interval (~0.5%).
///
/// While the API is up the failing share is 1/3 or 0 (two nodes down would
/// be a quorum loss), so by the definition of `request_success`,
/// (1 − request_success) − (1 − availability) = degraded / 3 exactly.
#[test]
fn cloud_zone_outage_fails_a_third_of_requests_until_dns_moves_on() {
    let mut s = with_zones(
        stacked(3, perfect()),
        3,
        exp(CLOUD_ZONE_F),
        fixed(CLOUD_ZONE_R),
    );
    s.control_plane.load_balancer = None;
    s.control_plane.load_balancer_kind = Some(LoadBalancerKind::Cloud {
        detection: 30.0,
        ttl: 60.0,
    });
    s.simulation.replications = 2000;
    let qz = down_fraction(CLOUD_ZONE_F, CLOUD_ZONE_R);
    let r = run(&s, 2);
    let api = indicator(&r, "api");
    assert_unavailability(api, 1.0 - k_of_n(2, 3, 1.0 - qz), "cloud, quorum of zones");

    let isolated_per_year = 3.0 / (CLOUD_ZONE_F + CLOUD_ZONE_R) * (1.0 - qz).powi(2) * YEAR_SECONDS;
    assert_mean(
        degraded(api),
        minutes(90.0) * isolated_per_year,
        "cloud, degraded minutes per year",
    );

    let failed_request_fraction = (1.0 - request_success(api).mean) - (1.0 - api.availability.mean);
    let degraded_fraction = degraded(api).mean / MINUTES_PER_YEAR;
    println!(
        "cloud, failed requests while up: {failed_request_fraction:.9e}, degraded/3 {:.9e}",
        degraded_fraction / 3.0
    );
    // Means of time averages near 1: a few ulps of 1 per replication.
    assert!(
        (failed_request_fraction - degraded_fraction / 3.0).abs() <= 1e-12,
        "failed-request share while up {failed_request_fraction:e} vs degraded/3 {:e}",
        degraded_fraction / 3.0
    );
    // Hence request_success ≈ availability − 30 s per isolated outage.
    let expected_gap = 30.0 * isolated_per_year / YEAR_SECONDS;
    let gap = api.availability.mean - request_success(api).mean;
    let tolerance = 4.0 * degraded(api).half_width().unwrap() / 1.96 / 3.0 / MINUTES_PER_YEAR;
    assert!(
        (gap - expected_gap).abs() <= tolerance,
        "availability − request_success {gap:e}, expected {expected_gap:e} ± {tolerance:e}"
    );
}

// ---------------------------------------------------------------- health check

const CRASH_F: f64 = 30.0 * DAY;
const CRASH_R: f64 = 5.0 * MINUTE;

/// A health check every 5 s, unhealthy after 3 failures, healthy after 3
/// passes, on stacked-3 perfect hosts behind a perfect single load balancer,
/// apiserver processes crashing exponential(mean = 30 d) and restarted
/// fixed(5 min). Each crash leaves the apiserver in rotation, not serving,
/// for 5 s × 3 = 15 s: 1/3 of requests fail. Then it is out of rotation
/// (nothing fails); it serves again 5 min after the crash and rejoins 15 s
/// later (nothing fails). So every crash costs 15 s degraded and 5 s of
/// failed requests. Crashes come at 3/(30 d + 5 min) (renewal rate; the
/// horizon's edge shifts the count by ~r/m ≈ 1e-4 of one crash).
///
/// While degraded the failing share is x/r, which is 1/3 only when the other
/// two apiservers are in rotation and serve. Not so when B crashes u seconds
/// after A: A in rotation and not serving (u < 15 s) makes it 2/3, A out of
/// rotation (15 s to 5 min + 15 s after its crash) makes it 1/2. So
/// (1 − request_success) − (1 − availability) − degraded/3 is the excess
/// x(u) = ∫ (share − 1/3) over B's window:
/// (15 − u)/3 + u/6 for u < 15 s, 15/6 up to 300 s, (315 − u)/6 up to 315 s.
/// Such pairs start at rate 3ν × 2ν du (ν = 1/(30 d + 5 min) per apiserver),
/// so the excess is 6ν² ∫x du of the time, with the compound-Poisson standard
/// deviation √(6ν² ∫x² du × run) / run (about 18 pairs in the run, each
/// ~2.5 s of failed requests). Three crashes so close are left out.
///
/// By time the API needs an apiserver in rotation that serves: down only if
/// all three are crashed or not yet back, each within a window of 5 min +
/// 15 s after its crash: the run expects 3 ν (ν w)² × run time ≈ 1e-3 such
/// events, so availability is exactly 1.
#[test]
fn health_check_delay_fails_a_third_of_requests_for_fifteen_seconds_per_crash() {
    let mut s = behind(single(None, None), Some(perfect()));
    s.control_plane.health_check = Some(HealthCheck {
        interval: 5.0,
        unhealthy_threshold: 3,
        healthy_threshold: 3,
    });
    s.control_plane.apiserver = Some(host(exp(CRASH_F), fixed(CRASH_R)));
    let run_years = years(&s) * s.simulation.replications as f64;
    let crash_rate = 3.0 / (CRASH_F + CRASH_R);
    let crashes_per_year = crash_rate * YEAR_SECONDS;
    let r = run(&s, 2);
    let api = indicator(&r, "api");

    assert_mean(
        degraded(api),
        minutes(15.0) * crashes_per_year,
        "health check, degraded minutes per year",
    );

    let failed_request_fraction = (1.0 - request_success(api).mean) - (1.0 - api.availability.mean);
    let degraded_fraction = degraded(api).mean / MINUTES_PER_YEAR;
    let nu = 1.0 / (CRASH_F + CRASH_R);
    let excess = |u: f64| {
        if u < 15.0 {
            (15.0 - u) / 3.0 + u / 6.0
        } else if u < CRASH_R {
            15.0 / 6.0
        } else {
            (CRASH_R + 15.0 - u).max(0.0) / 6.0
        }
    };
    // ∫ over u in [0, 315 s] by the midpoint rule, 1 ms steps (x is piecewise linear).
    let (mut x1, mut x2) = (0.0, 0.0);
    let du = 1e-3;
    for k in 0..((CRASH_R + 15.0) / du) as usize {
        let x = excess((k as f64 + 0.5) * du);
        x1 += x * du;
        x2 += x * x * du;
    }
    let run_seconds = run_years * YEAR_SECONDS;
    let expected_excess = 6.0 * nu * nu * x1;
    let sd = (6.0 * nu * nu * x2 * run_seconds).sqrt() / run_seconds;
    let observed_excess = failed_request_fraction - degraded_fraction / 3.0;
    println!(
        "health check, failed requests beyond degraded/3: {observed_excess:.4e}, expected {expected_excess:.4e} (sd {sd:.1e})"
    );
    assert!(
        (observed_excess - expected_excess).abs() <= 4.0 * sd + 1e-12,
        "failed-request share while up {failed_request_fraction:e}, degraded/3 {:e}: \
         excess {observed_excess:e}, expected {expected_excess:e} (sd {sd:e})",
        degraded_fraction / 3.0
    );

    let window = CRASH_R + 15.0;
    let expected_all_down = 3.0 * nu * (nu * window).powi(2) * run_years * YEAR_SECONDS;
    assert!(expected_all_down < 0.01, "{expected_all_down}");
    assert_eq!(api.outage_minutes.count, 0);
    assert_eq!(api.availability.mean, 1.0);
}

// ---------------------------------------------------------------- wiring

/// Three perfect hosts behind a single load balancer failing
/// exponential(mean = 10 d), repaired fixed(60 s); leases 15/10/6 s.
fn lb_outages(wiring: Wiring) -> Scenario {
    let mut s = behind(single(None, None), Some(host(exp(10.0 * DAY), fixed(60.0))));
    s.control_plane.leader_election = leases(15.0, 10.0, 6.0);
    s.control_plane.wiring = wiring;
    s.simulation.replications = 100;
    s
}

/// kubeadm's wiring: the controllers use their own host's apiserver, so a
/// load-balancer outage (60 s, longer than renew_deadline) costs no lease:
/// `control_plane` (which requires `api`) is down exactly when `api` is.
/// Through the load balancer, the same outages cost both leases, and the
/// control plane stays down longer (tests/suite/leases.rs pins by how much).
#[test]
fn kubeadm_wiring_rides_out_load_balancer_outages() {
    let r = run(&lb_outages(Wiring::Kubeadm), 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert!(
        api.outage_minutes.count > 100,
        "{}",
        api.outage_minutes.count
    );
    assert_eq!(cp.outage_minutes.count, api.outage_minutes.count);
    assert_close(
        cp.outage_minutes.mean.unwrap(),
        api.outage_minutes.mean.unwrap(),
        1e-9,
        "control_plane vs api mean outage",
    );
    assert_close(
        cp.downtime_minutes_per_year.mean,
        api.downtime_minutes_per_year.mean,
        1e-9,
        "control_plane vs api downtime",
    );

    let r = run(&lb_outages(Wiring::LoadBalancer), 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert!(
        cp.downtime_minutes_per_year.mean > api.downtime_minutes_per_year.mean,
        "load balancer's wiring: control_plane {} vs api {}",
        cp.downtime_minutes_per_year.mean,
        api.downtime_minutes_per_year.mean
    );
    assert!(cp.outage_minutes.mean.unwrap() > api.outage_minutes.mean.unwrap());
}

/// Stacked-3 perfect hosts behind a perfect single load balancer, apiserver
/// crashes exponential(mean = 20 d) restarted after `restart`, leases 15/10/6 s.
fn apiserver_crashes(restart: f64) -> Scenario {
    let mut s = behind(single(None, None), Some(perfect()));
    s.control_plane.apiserver = Some(host(exp(20.0 * DAY), fixed(restart)));
    s.control_plane.leader_election = leases(15.0, 10.0, 6.0);
    s
}

/// kubeadm's wiring: a crash of the apiserver on a leader's host stalls that
/// leader at once; it cannot renew, and another host (one whose apiserver
/// serves, chosen uniformly) takes the lease when it expires, 15 s + U(0, 6 s)
/// later: mean 18 s; when both leaders sat there, the later of two such
/// draws, mean 15 + 2/3 × 6 = 19 s. The API stays up (another apiserver
/// serves).
///
/// Where the leaders sit is not independent uniform for long. Let π be the
/// probability both sit on one host (1/3 at t = 0, independent draws). A
/// crash of that host (rate λ = 1/20 d) moves both, each uniformly to one of
/// the two others: together again with probability 1/2. With the leaders
/// apart, a crash of either host (rate 2λ) moves that one to the other's host
/// with probability 1/2. So dπ/dt = λ(1 − π) − (λ/2)π: π(t) = 2/3 −
/// (1/3)e^{−3λt/2}. Crashes take out both leaders at rate λπ and one at rate
/// 2λ(1 − π), so, integrated over the horizon,
/// - control_plane outages per year = λ(π̄ + 2(1 − π̄)),
/// - downtime = λ(19 s × π̄ + 18 s × 2(1 − π̄)),
/// - mean outage = their ratio (18.5 s in the long run).
///
/// (With independent uniform leaders, π = 1/3, it would be 30.4 outages a year
/// of mean 18.2 s: the test tells them apart by far.) Left out: a second
/// crash within the ~20 s of an outage (relative ~λ × 20 s ≈ 1e-5 per
/// outage; about one outage of the run's 50,000 is a merger of two, so the
/// max is checked against two outages' worth, the p99 against one).
#[test]
fn kubeadm_wiring_apiserver_crash_costs_its_leaders_a_lease() {
    let s = apiserver_crashes(5.0 * MINUTE);
    let l = 1.0 / (20.0 * DAY);
    let t = s.simulation.horizon;
    // Time average of π over the horizon.
    let pi = 2.0 / 3.0 - (1.0 / 3.0) * (2.0 / (3.0 * l * t)) * (1.0 - (-1.5 * l * t).exp());
    let outages_per_year = l * (pi + 2.0 * (1.0 - pi)) * YEAR_SECONDS;
    let downtime_per_year = l * (19.0 * pi + 18.0 * 2.0 * (1.0 - pi)) * YEAR_SECONDS / MINUTE;
    let mean_outage = downtime_per_year * MINUTE / outages_per_year;

    let r = run(&s, 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert_eq!(api.outage_minutes.count, 0);
    assert_mean(
        &cp.outages_per_year,
        outages_per_year,
        "apiserver crash, control_plane outages per year",
    );
    assert_mean(
        &cp.downtime_minutes_per_year,
        downtime_per_year,
        "apiserver crash, control_plane minutes per year",
    );
    let o = &cp.outage_minutes;
    // Mean outage: the outages' own spread (U(0, 6 s) or its max of two,
    // sd ≤ √3 s) plus the mixture of 18 and 19 s (sd ≤ 1/2 s), the latter
    // counted three times over for the leaders' positions' correlation from
    // one crash to the next (lag correlation at most 1/2: factor (1+ρ)/(1−ρ)).
    let sd = (3.0 + 3.0 * 0.25_f64).sqrt();
    let se = minutes(sd) / (o.count as f64).sqrt();
    let mean = o.mean.unwrap();
    println!(
        "apiserver crash, mean control_plane outage {:.4} s, exact {mean_outage:.4} s (se {:.4} s)",
        mean * MINUTE,
        se * MINUTE
    );
    assert!(
        (mean - minutes(mean_outage)).abs() <= 4.0 * se,
        "mean outage {} s, exact {mean_outage} s",
        mean * MINUTE
    );
    assert!(
        o.p50.unwrap() >= minutes(15.0) * (1.0 - RELATIVE_ACCURACY),
        "p50 {:?}",
        o.p50
    );
    assert!(
        o.p99.unwrap() <= minutes(21.0) * (1.0 + RELATIVE_ACCURACY),
        "p99 {:?}",
        o.p99
    );
    assert!(o.max.unwrap() <= minutes(2.0 * 21.0), "max {:?}", o.max);
}

/// The same with the apiserver restarted within renew_deadline (fixed 5 s):
/// the stalled leader renews when its apiserver serves again and leads on,
/// so every control_plane outage is exactly the 5 s stall. Leaders then
/// never move: they sit where t = 0 put them, independently and uniformly,
/// on one host (probability 1/3) or two, so control_plane outages come at
/// ν × (1/3 × 1 + 2/3 × 2) = (5/3)ν, ν = 1/(20 d + 5 s). Two leader hosts
/// crashing within 5 s of each other would merge two stalls: the run expects
/// N × 5 s / 20 d ≈ 0.04 of them among its N ≈ 12,000 outages.
#[test]
fn kubeadm_wiring_restart_within_renew_deadline_keeps_the_lease() {
    let mut s = apiserver_crashes(5.0);
    s.simulation.horizon = 2.0 * YEAR_SECONDS;
    s.simulation.replications = 200;
    let nu = 1.0 / (20.0 * DAY + 5.0);
    let r = run(&s, 2);
    let (api, cp) = (indicator(&r, "api"), indicator(&r, "control_plane"));
    assert_eq!(api.outage_minutes.count, 0);
    let o = &cp.outage_minutes;
    let expected_mergers = o.count as f64 * 5.0 / (20.0 * DAY);
    assert!(expected_mergers < 0.05, "{expected_mergers}");
    assert_close(
        o.max.unwrap(),
        minutes(5.0),
        1e-9,
        "max control_plane outage",
    );
    assert_close(
        o.mean.unwrap(),
        minutes(5.0),
        1e-9,
        "mean control_plane outage",
    );
    assert_mean(
        &cp.outages_per_year,
        5.0 / 3.0 * nu * YEAR_SECONDS,
        "restart within renew_deadline, outages per year",
    );
}

// ---------------------------------------------------------------- release on stop

const DRAIN_EVERY: f64 = 30.0 * DAY;
const DRAIN_FOR: f64 = 15.0 * MINUTE;

/// Stacked-3 perfect hosts behind a perfect single load balancer, drained one
/// after another for 15 min every 30 days; leases 15/10/6 s.
fn drained(release_on_stop: [bool; 2]) -> Scenario {
    let mut s = behind(single(None, None), Some(perfect()));
    s.control_plane.leader_election = leases(15.0, 10.0, 6.0);
    s.control_plane.leader_election.release_on_stop = release_on_stop;
    s.maintenance = Some(Maintenance {
        interval: DRAIN_EVERY,
        duration: DRAIN_FOR,
    });
    s
}

/// Expected drains per replication that hit the scheduler's leader alone, the
/// controller-manager's alone, and both. Rounds start at every multiple of
/// the interval from the first (all within the horizon here complete), and
/// drain cp-1, cp-2, cp-3 in turn, each after the previous is back. A drained
/// leader's successor is chosen uniformly among the two other hosts (the
/// drained one's apiserver does not serve), so each leader's host is a Markov
/// chain driven by the drains, the two independent (independent draws at
/// t = 0 and at every hand-over): P(both) = p², P(one alone) = p(1 − p),
/// where p is the probability one leader sits on the drained host.
fn drain_hits(s: &Scenario) -> (f64, f64, f64) {
    let rounds = ((s.simulation.horizon - 3.0 * DRAIN_FOR) / DRAIN_EVERY).floor() as usize;
    let mut p = [1.0 / 3.0; 3];
    let (mut scheduler_alone, mut manager_alone, mut both) = (0.0, 0.0, 0.0);
    for _ in 0..rounds {
        for h in 0..3 {
            let hit = p[h];
            both += hit * hit;
            scheduler_alone += hit * (1.0 - hit);
            manager_alone += hit * (1.0 - hit);
            p[h] = 0.0;
            for (j, pj) in p.iter_mut().enumerate() {
                if j != h {
                    *pj += hit / 2.0;
                }
            }
        }
    }
    (scheduler_alone, manager_alone, both)
}

/// `leader_election.release_on_stop` as a scenario file that does not set it
/// gets it.
fn default_release_on_stop() -> [bool; 2] {
    let text = "name: defaults\nsimulation:\n  horizon: 1y\n  replications: 1\n  seed: 1\ncontrol_plane:\n  topology: stacked\n  nodes: 3\n  node:\n    failure: never\n  load_balancer: none\n";
    let s = parse_str(text, "defaults.yaml", Format::Yaml).expect("loads");
    s.control_plane.leader_election.release_on_stop
}

/// Checks control_plane's outages per year and downtime against the drain
/// chain, each kind of drain with its mean outage in seconds.
fn assert_drain_outages(
    cp: &IndicatorResult,
    s: &Scenario,
    mean_scheduler_alone: f64,
    mean_manager_alone: f64,
    mean_both: f64,
    what: &str,
) {
    let (sa, ma, b) = drain_hits(s);
    let y = years(s);
    assert_mean(
        &cp.outages_per_year,
        (sa + ma + b) / y,
        &format!("{what}, outages per year"),
    );
    assert_mean(
        &cp.downtime_minutes_per_year,
        minutes(sa * mean_scheduler_alone + ma * mean_manager_alone + b * mean_both) / y,
        &format!("{what}, minutes per year"),
    );
}

/// Both controllers release their lease on a drain: a successor takes it
/// U(0, retry_period) later, the later of two such draws when both leaders
/// were drained together: every control_plane outage is at most 6 s (means
/// 3 s alone, 4 s together).
#[test]
fn released_leases_are_taken_within_retry_period() {
    let s = drained([true, true]);
    let r = run(&s, 2);
    let cp = indicator(&r, "control_plane");
    assert_eq!(indicator(&r, "api").outage_minutes.count, 0);
    assert!(
        cp.outage_minutes.max.unwrap() <= minutes(6.0),
        "max {:?}",
        cp.outage_minutes.max
    );
    assert_drain_outages(cp, &s, 3.0, 3.0, 4.0, "release both");
}

/// Neither releases: a drained leader's lease expires, and is taken
/// lease_duration plus U(0, retry_period) after the drain: outages in
/// [15 s, 21 s] (means 18 s alone, 19 s together).
#[test]
fn unreleased_leases_expire_on_a_drain() {
    let s = drained([false, false]);
    let r = run(&s, 2);
    let cp = indicator(&r, "control_plane");
    let o = &cp.outage_minutes;
    assert!(o.max.unwrap() <= minutes(21.0), "max {:?}", o.max);
    assert!(
        o.p50.unwrap() >= minutes(15.0) * (1.0 - RELATIVE_ACCURACY),
        "p50 {:?}",
        o.p50
    );
    assert_drain_outages(cp, &s, 18.0, 18.0, 19.0, "release none");
}

/// The default, [scheduler]: kube-scheduler releases on a drain (an outage of
/// U(0, 6 s) when its leader is drained alone), kube-controller-manager does
/// not (15 s + U(0, 6 s), alone or together, since the scheduler's
/// hand-over ends first). In the long run a drain hits each leader with
/// probability 2/3, so only a quarter of outages are short: p50 is a long one.
#[test]
fn by_default_only_the_scheduler_releases_its_lease() {
    let mut s = drained([false, false]);
    s.control_plane.leader_election.release_on_stop = default_release_on_stop();
    assert_eq!(
        s.control_plane.leader_election.release_on_stop,
        [true, false]
    );
    let r = run(&s, 2);
    let cp = indicator(&r, "control_plane");
    let o = &cp.outage_minutes;
    assert!(o.max.unwrap() <= minutes(21.0), "max {:?}", o.max);
    assert!(
        o.p50.unwrap() >= minutes(15.0) * (1.0 - RELATIVE_ACCURACY),
        "p50 {:?}",
        o.p50
    );
    assert_drain_outages(cp, &s, 3.0, 18.0, 18.0, "release scheduler");
}

// ---------------------------------------------------------------- single

/// A `single` load balancer replaced at a new address on every repair: it
/// fails exponential(mean = 30 d), is replaced after fixed(10 min), and
/// clients reach the new address when their cached answer expires, DNS TTL
/// 120 s later. Every API outage lasts exactly 10 min + 120 s. The new
/// instance failing within those 120 s would merge two outages: the run
/// expects N × 120 s / 30 d ≈ 0.05 of them among its N ≈ 1,000 outages.
#[test]
fn replaced_load_balancer_is_reached_a_ttl_after_its_repair() {
    let mut s = behind(
        single(None, Some(120.0)),
        Some(host(exp(30.0 * DAY), fixed(10.0 * MINUTE))),
    );
    s.simulation.replications = 16;
    let r = run(&s, 2);
    let o = &indicator(&r, "api").outage_minutes;
    assert!(o.count > 500, "{}", o.count);
    assert!(o.count as f64 * 120.0 / (30.0 * DAY) < 0.1);
    assert_close(o.mean.unwrap(), 12.0, 1e-9, "mean api outage");
    assert_close(o.max.unwrap(), 12.0, 1e-9, "max api outage");
}

const SINGLE_ZONE_F: f64 = 1.0 * DAY;
const SINGLE_ZONE_R: f64 = 6.0 * HOUR;

/// A perfect `single` load balancer in zone 2, stacked-3 perfect hosts one
/// per zone, zones failing exponential(mean = 1 d), repaired fixed(6 h):
/// the API is down when zone 2 is, or zones 1 and 3 both are (quorum lost):
/// U = 1 − (1 − qz)(1 − qz²), qz = 6 h / (1 d + 6 h) (the quorum term is
/// 16% of U; start-up transient: relative 6 h / 5 y).
#[test]
fn single_load_balancer_in_a_zone_is_down_with_it() {
    let mut s = with_zones(
        stacked(3, perfect()),
        3,
        exp(SINGLE_ZONE_F),
        fixed(SINGLE_ZONE_R),
    );
    s.control_plane.load_balancer = Some(perfect());
    s.control_plane.load_balancer_kind = Some(single(Some(1), None));
    let exact = zone_or_quorum(down_fraction(SINGLE_ZONE_F, SINGLE_ZONE_R));
    let r = run(&s, 2);
    assert_unavailability(indicator(&r, "api"), exact, "single in zone 2");
}
