//! Downtime by cause (README, "Downtime by cause"): the split sums to the
//! downtime in every replication, and known outages are charged to what
//! they wait for.

use crate::common::*;
use kubenines::model::{CAUSES, Cause, Cluster, Model};
use kubenines::scenario::*;

/// In every replication of the production design (zones, load balancer,
/// maintenance, workers, process crashes, disasters and restores), each
/// indicator's downtime by cause sums to its downtime.
#[test]
fn the_split_sums_to_the_downtime_in_every_replication() {
    let s = load(std::path::Path::new("scenarios/production.yaml")).expect("loads");
    let model = Model::build(&s).unwrap();
    let mut cluster = Cluster::new(&model);
    let mut charged = [0.0; CAUSES];
    for r in 0..150 {
        let run = cluster.run(r, |_, _| {});
        for (i, ind) in run.indicators.iter().enumerate() {
            let sum: f64 = ind.downtime_by_cause.iter().sum();
            assert!(
                (sum - ind.downtime).abs() <= 1e-6,
                "replication {r}, indicator {i}: {sum} s by cause, {} s down",
                ind.downtime
            );
            assert!(ind.downtime_by_cause.iter().all(|&d| d >= 0.0));
            for (a, b) in charged.iter_mut().zip(&ind.downtime_by_cause) {
                *a += b;
            }
        }
    }
    // The design exercises most causes; a classifier that charged
    // everything to one would not.
    let seen = charged.iter().filter(|&&d| d > 0.0).count();
    assert!(seen >= 5, "causes seen: {charged:?}");
}

/// Every zone down for exactly an hour, hosts perfect: etcd is down for the
/// hour (zone outage), then for exactly the 1 s election.
#[test]
fn a_zone_outage_then_the_election() {
    let mut s = with_zones(stacked(3, perfect()), 3, fixed(100.0 * DAY), fixed(HOUR));
    s.simulation.horizon = 150.0 * DAY;
    s.simulation.replications = 64;
    s.control_plane.etcd.election = fixed(1.0);
    let r = run(&s, 2);
    for key in ["etcd", "api"] {
        let ind = indicator(&r, key);
        let minutes = |c: Cause| {
            ind.downtime_minutes_per_year_by_cause
                .0
                .iter()
                .find(|(k, _)| k == c.key())
                .unwrap()
                .1
                .mean
        };
        let per_year = |seconds: f64| seconds / s.simulation.horizon * YEAR_SECONDS / 60.0;
        assert!((minutes(Cause::ZoneOutage) - per_year(HOUR)).abs() < 1e-9);
        assert!((minutes(Cause::EtcdElection) - per_year(1.0)).abs() < 1e-9);
        assert!((ind.downtime_minutes_per_year.mean - per_year(HOUR + 1.0)).abs() < 1e-9);
    }
    // The controllers lost their leases in the outage and take them back
    // within retry_period of the API's return.
    let cp = indicator(&r, "control_plane");
    let failover = cp
        .downtime_minutes_per_year_by_cause
        .0
        .iter()
        .find(|(k, _)| k == Cause::ControllerFailover.key())
        .unwrap()
        .1
        .mean;
    let most = 2.0 / s.simulation.horizon * YEAR_SECONDS / 60.0;
    assert!(
        failover > 0.0 && failover <= most,
        "{failover} vs at most {most}"
    );
}
