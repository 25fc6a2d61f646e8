//! Data and disaster recovery (MODEL.md, "Data, backups and disaster
//! recovery"): RPO and RTO against closed forms, and deterministic
//! scenarios whose every figure is exact.

use crate::common::*;
use kubenines::engine::Sampler;
use kubenines::model::{Lifecycle, Model};
use kubenines::scenario::*;

fn with_recovery(mut s: Scenario, detection: f64, restore: Distribution) -> Scenario {
    s.recovery = Some(Recovery {
        detection,
        force_new_cluster: fixed(HOUR),
        restore,
    });
    s
}

fn with_backups(mut s: Scenario, interval: f64, duration: f64, success: f64) -> Scenario {
    s.backups = Some(Backups {
        interval,
        duration,
        success,
    });
    s
}

fn disaster(name: &str, every: Distribution) -> Disaster {
    Disaster {
        name: name.into(),
        every,
        scope: DisasterScope::Etcd,
        detection: None,
        restore: None,
    }
}

/// Asserts that a sample mean (minutes) is within 4 standard errors of `exact`.
fn assert_mean(mean: Option<f64>, sd: f64, count: u64, exact: f64, what: &str) {
    let mean = mean.expect("a sample");
    let se = sd / (count as f64).sqrt();
    println!("{what:<40} simulated {mean:.4} min (n = {count}, se {se:.4})   exact {exact:.4}");
    assert!(
        (mean - exact).abs() <= 4.0 * se,
        "{what}: mean {mean} min, exact {exact} (se {se}, n {count})"
    );
    assert!(count > 1000, "{what}: only {count} events");
}

/// Poisson disasters, backups every T succeeding with probability p and
/// taking no time: the history lost is the time since the last successful
/// snapshot, whose mean is T/2 + T(1 - p)/p.
#[test]
fn rpo_of_periodic_backups() {
    let (t, p) = (HOUR, 0.5);
    let mut s = with_backups(stacked(1, perfect()), t, 0.0, p);
    s = with_recovery(s, 0.0, fixed(1.0));
    // Disasters rare next to T: one that strikes within hours of the last
    // restore loses only what was written since it, not the time since the
    // snapshot (a bias of about (hours / mean gap) × T, negligible here).
    s.disasters = vec![disaster("corruption", exp(100.0 * DAY))];
    s.simulation.replications = 2400;
    s.simulation.horizon = 10.0 * YEAR_SECONDS;
    let r = run(&s, 2);
    let rpo = &cause(&r, "corruption").rpo_minutes;
    // RPO = U(0, T) + T × (failed slots before a success, geometric):
    // variance T²/12 + T²(1 - p)/p².
    let sd = (t / 60.0) * (1.0 / 12.0 + (1.0 - p) / (p * p)).sqrt();
    let exact = (t / 2.0 + t * (1.0 - p) / p) / 60.0;
    assert_mean(
        rpo.mean,
        sd,
        rpo.count,
        exact,
        "RPO, hourly backups, p = 0.5",
    );
    assert_eq!(r.data_loss.rpo_minutes.count, rpo.count);
}

/// The RTO of a disaster is the detection delay plus the restore (and no
/// election or endpoint delay here): mean detection + E[restore].
#[test]
fn rto_of_a_restore() {
    let (detection, restore_mean) = (5.0 * 60.0, 2.0 * HOUR);
    let mut s = with_recovery(stacked(1, perfect()), detection, exp(restore_mean));
    s.disasters = vec![disaster("delete", exp(20.0 * DAY))];
    s.simulation.replications = 400;
    let r = run(&s, 2);
    let rto = &cause(&r, "delete").rto_minutes;
    let exact = (detection + restore_mean) / 60.0;
    assert_mean(
        rto.mean,
        restore_mean / 60.0,
        rto.count,
        exact,
        "RTO, detection + restore",
    );
}

/// A single stacked node whose every failure destroys its disk loses data
/// on every failure: events at rate 1/(MTTF + MTTR) (exactly, from an
/// all-up start: the failure rate times the expected up time).
#[test]
fn a_single_node_losing_its_disk_loses_data_on_every_failure() {
    let (mttf, mttr) = (10.0 * DAY, 1.0 * DAY);
    let mut s = stacked(1, host(exp(mttf), exp(mttr)));
    s.control_plane.node_disk_loss = 1.0;
    s = with_recovery(s, 0.0, fixed(1.0));
    s.simulation.replications = 400;
    let r = run(&s, 2);
    let events = &r.data_loss.events_per_year;
    let (l, m) = (1.0 / mttf, 1.0 / mttr);
    let horizon = s.simulation.horizon;
    let up_fraction = time_average(|t| point_availability(l, m, t), 1.0 / (l + m), horizon);
    let exact = l * up_fraction * YEAR_SECONDS;
    let half = events.ci_high.unwrap() - events.mean;
    println!(
        "single node, disk_loss 1: {:.3} ± {half:.3} events/yr, exact {exact:.3} (1/(MTTF+MTTR) = {:.3})",
        events.mean,
        YEAR_SECONDS / (mttf + mttr)
    );
    assert!(
        (events.mean - exact).abs() <= 2.0 * half,
        "{} vs {exact}",
        events.mean
    );
    let quorum = cause(&r, "quorum-loss-no-member");
    assert_eq!(quorum.events_per_year.mean, events.mean);
}

/// Stacked-3 with fixed durations. cp-1 fails at day 10 and loses its
/// disk; it is back an hour later, empty, and its replacement (2 h) starts.
/// cp-2 fails at day 10 + 2 h, before the replacement ends, for 30 min:
/// quorum is lost (cp-3 alone holds a working member).
fn replacement_interrupted(cp2_loses_disk: bool) -> (Model, Scenario) {
    let mut s = stacked(3, perfect());
    s.simulation.horizon = 20.0 * DAY;
    s.simulation.replications = 4;
    s.control_plane.node_disk_loss = 1.0;
    s.control_plane.etcd.member_replace = Some(fixed(2.0 * HOUR));
    s = with_backups(s, HOUR, 0.0, 1.0);
    s = with_recovery(s, 5.0 * 60.0, fixed(3.0 * HOUR));
    let mut model = Model::build(&s).unwrap();
    let life = |f: f64, r: f64| Lifecycle {
        failure: Sampler::fixed(f).unwrap(),
        repair: Sampler::fixed(r).unwrap(),
    };
    model.host_classes = vec![
        life(10.0 * DAY, HOUR),
        life(10.0 * DAY + 2.0 * HOUR, 30.0 * 60.0),
        Lifecycle {
            failure: Sampler::Never,
            repair: Sampler::Never,
        },
    ];
    model.disk_loss = vec![1.0, if cp2_loses_disk { 1.0 } else { 0.0 }, 0.0];
    // Every host class needs its entry (None: repaired in place).
    model.replacement = vec![None; model.host_classes.len()];
    for (h, host) in model.hosts.iter_mut().enumerate() {
        host.class = h as u8;
    }
    (model, s)
}

/// cp-2 keeps its disk: two intact members (cp-2, cp-3) are a quorum, so
/// etcd heals by itself when cp-2 returns: one outage of exactly 30 min,
/// no data lost.
#[test]
fn quorum_loss_with_a_quorum_of_intact_members_heals() {
    let (model, s) = replacement_interrupted(false);
    let r = run_model(&model, s.simulation.replications);
    let etcd = indicator(&r, "etcd");
    assert_eq!(etcd.outage_minutes.count, 4);
    assert_eq!(etcd.outage_minutes.max, Some(30.0));
    assert_eq!(r.data_loss.events_per_year.mean, 0.0);
}

/// cp-2 loses its disk too: one intact member (cp-3) is not a quorum, so
/// after 5 min of detection the operator forces a new cluster from cp-3,
/// whose data is current to the quorum loss (newer than the 10 d + 1 h
/// snapshot): nothing is lost (RPO 0), and etcd is back after 5 min + 1 h.
#[test]
fn quorum_loss_without_enough_intact_members_needs_the_operator() {
    let (model, s) = replacement_interrupted(true);
    let r = run_model(&model, s.simulation.replications);
    let etcd = indicator(&r, "etcd");
    assert_eq!(etcd.outage_minutes.count, 4);
    assert_eq!(etcd.outage_minutes.max, Some(65.0));
    let q = cause(&r, "quorum-loss");
    assert_eq!(q.rpo_minutes.count, 4);
    assert_eq!(q.rpo_minutes.max, Some(0.0));
    assert_eq!(q.rto_minutes.max, Some(65.0));
    assert_eq!(q.rto_minutes.mean, Some(65.0));
    assert_eq!(cause(&r, "quorum-loss-no-member").rpo_minutes.count, 0);
}

/// The same with every snapshot past its `ttl` (30 min, so 10 d + 1 h's
/// is too old when the operator acts at 10 d + 2 h 5 min): the intact
/// member still holds everything, so the operator forces a new cluster
/// from it as before: RPO 0, nothing lost for good.
#[test]
fn quorum_loss_with_no_restorable_snapshot_uses_the_intact_member() {
    let (mut model, s) = replacement_interrupted(true);
    model.backups[0].ttl = 30.0 * 60.0;
    assert!(model.can_lose_for_good());
    let r = run_model(&model, s.simulation.replications);
    let q = cause(&r, "quorum-loss");
    assert_eq!(q.rpo_minutes.count, 4);
    assert_eq!(q.rpo_minutes.max, Some(0.0));
    assert_eq!(q.rto_minutes.max, Some(65.0));
    assert_eq!(q.lost_for_good_per_year.as_ref().unwrap().mean, 0.0);
}

/// Backups need etcd writable at their start. cp-1 and cp-2 are down from
/// day 10 + 30 min to day 10 + 5 h 30 min (quorum lost, healing by itself);
/// a disaster strikes at day 10 + 5 h 45 min. The hourly snapshots of
/// 10 d + 1 h ... 10 d + 5 h were skipped, so the restore goes back to
/// 10 d: 5 h 45 min of history lost.
#[test]
fn backups_are_skipped_during_quorum_loss() {
    let mut s = stacked(3, perfect());
    s.simulation.horizon = 20.0 * DAY;
    s.simulation.replications = 4;
    s = with_backups(s, HOUR, 0.0, 1.0);
    s = with_recovery(s, 0.0, fixed(HOUR));
    s.disasters = vec![disaster("delete", fixed(10.0 * DAY + 5.75 * HOUR))];
    let mut model = Model::build(&s).unwrap();
    model.host_classes.push(Lifecycle {
        failure: Sampler::fixed(10.0 * DAY + 0.5 * HOUR).unwrap(),
        repair: Sampler::fixed(5.0 * HOUR).unwrap(),
    });
    model.disk_loss.push(0.0);
    model.replacement.push(None);
    model.hosts[0].class = 1;
    model.hosts[1].class = 1;
    let r = run_model(&model, s.simulation.replications);
    let rpo = &cause(&r, "delete").rpo_minutes;
    assert_eq!(rpo.count, 4);
    assert_eq!(rpo.max, Some(5.75 * 60.0));
    assert_eq!(rpo.mean, Some(5.75 * 60.0));
}

/// Backups cost no event per period: with hourly snapshots over ten years
/// (87,600 periods per replication) the run processes exactly as many
/// events as without them; only the history lost changes.
#[test]
fn hourly_backups_add_no_events() {
    let mut s = stacked(3, host(exp(30.0 * DAY), exp(HOUR)));
    s = with_recovery(s, 5.0 * 60.0, exp(HOUR));
    s.disasters = vec![disaster("delete", exp(YEAR_SECONDS))];
    s.simulation.replications = 200;
    s.simulation.horizon = 10.0 * YEAR_SECONDS;
    let without = run(&s, 2);
    let with = run(&with_backups(s, HOUR, 2.0 * 60.0, 0.99), 2);
    assert_eq!(with.performance.events, without.performance.events);
    let (a, b) = (&with.data_loss.rpo_minutes, &without.data_loss.rpo_minutes);
    assert_eq!(a.count, b.count);
    assert!(a.mean.unwrap() < b.mean.unwrap() / 100.0, "{a:?} vs {b:?}");
}

/// A snapshot holds the state at its start and is usable once its
/// duration has passed. Hourly snapshots taking 30 min; a disaster at day
/// 10 + 15 min, while the day-10 snapshot is being taken. Decided at once,
/// the restore goes back to the 9 d 23 h snapshot (1 h 15 min lost);
/// decided 20 min later, to the day-10 one (15 min lost).
#[test]
fn a_snapshot_counts_once_complete_and_holds_its_start() {
    for (detection, lost) in [(0.0, 75.0), (20.0 * 60.0, 15.0)] {
        let mut s = with_backups(stacked(1, perfect()), HOUR, 0.5 * HOUR, 1.0);
        s = with_recovery(s, detection, fixed(HOUR));
        s.disasters = vec![disaster("delete", fixed(10.0 * DAY + 0.25 * HOUR))];
        s.simulation.horizon = 15.0 * DAY;
        s.simulation.replications = 2;
        let r = run(&s, 1);
        let rpo = &cause(&r, "delete").rpo_minutes;
        assert_eq!(
            (rpo.count, rpo.max),
            (2, Some(lost)),
            "detection {detection} s"
        );
    }
}
