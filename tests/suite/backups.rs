//! Application data (docs/model.md, "Data, backups and disaster
//! recovery"): backups as a list, Velero backups on cron schedules,
//! retention, and disasters scoped to a workload, against exact timelines
//! and closed forms.

use crate::common::*;
use kubenines::model::Model;
use kubenines::scenario::*;

const MINUTE: f64 = 60.0;

/// A cluster where nothing fails but the disasters: a `db` workload of one
/// replica starting in exactly 20 s, the given `backups` and `disasters`
/// (YAML, indented as list items), detection 5 min and restore 30 min.
fn scenario(horizon: &str, replications: u32, backups: &str, disasters: &str) -> String {
    format!(
        "name: app-data
simulation:
  horizon: {horizon}
  replications: {replications}
  seed: 7
control_plane:
  topology: stacked
  nodes: 3
  node: {{ failure: never, repair: 10m }}
  load_balancer: {{ failure: never, repair: 1m }}
workers:
  nodes: 3
  node: {{ failure: never, repair: 10m }}
workloads:
  - name: db
    replicas: 1
    min_available: 1
    startup: fixed(20s)
  - name: web
    replicas: 2
    min_available: 1
    startup: fixed(10s)
backups:
{backups}
recovery:
  detection: 5m
  force_new_cluster: fixed(1h)
  restore: fixed(30m)
disasters:
{disasters}
"
    )
}

fn load(text: &str) -> Scenario {
    parse_str(text, "test.yaml", Format::Yaml).expect("scenario loads")
}

/// Daily Velero backups at 00:00 by cron and one namespace deletion at a
/// fixed time t: the history lost is exactly t mod 24 h, the workload is
/// down exactly detection + restore + startup, and the API never.
#[test]
fn a_deleted_namespace_loses_the_time_since_midnight_and_nothing_else() {
    for t in [
        3.0 * DAY + 7.0 * HOUR + 13.0 * MINUTE,
        10.0 * DAY + 23.0 * HOUR + 59.0 * MINUTE,
        5.0 * DAY + 30.0 * MINUTE,
    ] {
        let horizon = t + DAY;
        let text = scenario(
            &format!("{}s", horizon),
            4,
            "  - { name: nightly, kind: velero, schedule: \"0 0 * * *\", duration: 10m, include: [workload/db] }",
            &format!("  - {{ name: delete-db, every: fixed({t}s), scope: workload/db }}"),
        );
        let s = load(&text);
        let r = run(&s, 2);
        let loss = cause(&r, "delete-db");
        let years = horizon / YEAR_SECONDS;
        let expected_rpo = t % DAY;
        let expected_rto = 5.0 * MINUTE + 30.0 * MINUTE + 20.0;
        assert_eq!(loss.rpo_minutes.count, 4, "one RPO per replication");
        let rpo = loss.rpo_minutes.mean.unwrap() * MINUTE;
        assert!(
            (rpo - expected_rpo).abs() < 1e-6,
            "RPO {rpo} s, want {expected_rpo}"
        );
        assert_eq!(loss.rpo_minutes.max.unwrap() * MINUTE, rpo);
        let rto = loss.rto_minutes.mean.unwrap() * MINUTE;
        assert!(
            (rto - expected_rto).abs() < 1e-6,
            "RTO {rto} s, want {expected_rto}"
        );
        assert!((loss.events_per_year.mean - 1.0 / years).abs() < 1e-9);
        assert_eq!(
            loss.lost_for_good_per_year.as_ref().unwrap().mean,
            0.0,
            "a backup was there"
        );
        let db = indicator(&r, "workload/db");
        let down = db.unavailability.mean * horizon;
        assert!((down - expected_rto).abs() < 1e-6, "db down {down} s");
        let charged = by_cause(db, kubenines::model::Cause::DisasterRecovery);
        let want = per_year_over(expected_rto, horizon);
        assert!(
            (charged - want).abs() < 1e-6,
            "charged {charged} min/y, want {want}"
        );
        assert_eq!(
            indicator(&r, "api").unavailability.mean,
            0.0,
            "the API stays up"
        );
        assert_eq!(indicator(&r, "etcd").unavailability.mean, 0.0);
        assert_eq!(
            indicator(&r, "workload/web").unavailability.mean,
            0.0,
            "web keeps its data"
        );
    }
}

/// Retention: a backup older than its `ttl` when the restore starts
/// cannot be restored; with none left, the data is lost for good (counted
/// as such, with no RPO), and the workload still comes back (empty) after
/// detection + restore + startup.
#[test]
fn a_backup_past_its_ttl_leaves_the_data_lost_for_good() {
    // The deletion 3 h after midnight; the restore starts 5 min later, when
    // the midnight backup is 3 h 5 min old.
    let t = 4.0 * DAY + 3.0 * HOUR;
    let horizon = t + DAY;
    for (ttl, kept) in [("3h", false), ("3h5m", true), ("2d", true)] {
        let text = scenario(
            &format!("{horizon}s"),
            2,
            &format!(
                "  - {{ name: nightly, kind: velero, schedule: \"@daily\", duration: 10m, ttl: {ttl} }}"
            ),
            &format!("  - {{ name: delete-db, every: fixed({t}s), scope: workload/db }}"),
        );
        let r = run(&load(&text), 1);
        let loss = cause(&r, "delete-db");
        let lost = loss.lost_for_good_per_year.as_ref().unwrap().mean;
        let years = horizon / YEAR_SECONDS;
        if kept {
            assert_eq!(lost, 0.0, "ttl {ttl}");
            assert_eq!(loss.rpo_minutes.count, 2);
            assert!((loss.rpo_minutes.mean.unwrap() - 180.0).abs() < 1e-9);
        } else {
            assert!((lost - 1.0 / years).abs() < 1e-9, "ttl {ttl}: lost {lost}");
            assert_eq!(loss.rpo_minutes.count, 0, "no RPO for data lost for good");
            let total = r.data_loss.lost_for_good_per_year.as_ref().unwrap().mean;
            assert!((total - 1.0 / years).abs() < 1e-9);
        }
        let rto = loss.rto_minutes.mean.unwrap() * MINUTE;
        assert!(
            (rto - (35.0 * MINUTE + 20.0)).abs() < 1e-6,
            "ttl {ttl}: RTO {rto}"
        );
    }
}

/// A workload no backup holds is lost for good at every strike; one in
/// `all_workloads` is struck with the rest, each restored on its own.
#[test]
fn all_workloads_strikes_each_and_an_unheld_one_is_lost_for_good() {
    let t = 2.0 * DAY + 6.0 * HOUR;
    let horizon = t + DAY;
    let text = scenario(
        &format!("{horizon}s"),
        2,
        "  - { name: hourly, kind: velero, schedule: \"0 * * * *\", duration: 5m, include: [workload/db] }",
        &format!("  - {{ name: wipe, every: fixed({t}s), scope: all_workloads }}"),
    );
    let s = load(&text);
    assert!(
        s.warnings.iter().any(|w| w
            .message
            .contains("no Velero backup includes `workload/web`")),
        "{:?}",
        s.warnings
    );
    let r = run(&s, 1);
    let loss = cause(&r, "wipe");
    let years = horizon / YEAR_SECONDS;
    // Two events a strike: db restored from 05:00 (the 06:00 backup starts
    // at the strike, incomplete: RPO 1 h), web lost for good.
    assert!((loss.events_per_year.mean - 2.0 / years).abs() < 1e-9);
    assert!((loss.lost_for_good_per_year.as_ref().unwrap().mean - 1.0 / years).abs() < 1e-9);
    assert_eq!(loss.rpo_minutes.count, 2);
    assert_eq!(loss.rpo_minutes.max, Some(60.0));
    let web = indicator(&r, "workload/web").unavailability.mean * horizon;
    assert!(
        (web - (35.0 * MINUTE + 10.0)).abs() < 1e-6,
        "web down {web}"
    );
    assert_eq!(indicator(&r, "api").unavailability.mean, 0.0);
}

/// Hourly backups by cron, each succeeding with probability p: the mean
/// history lost at a Poisson disaster is T/2 + T(1 - p)/p (the time since
/// the last successful backup), as for etcd's snapshots.
#[test]
fn hourly_cron_backups_that_fail_at_times_lose_the_closed_form_mean() {
    let text = scenario(
        "100y",
        40,
        "  - { name: hourly, kind: velero, schedule: \"0 * * * *\", duration: 0s, success: 0.5 }",
        "  - { name: corrupt-db, every: exponential(mean=100d), scope: workload/db }",
    );
    let r = run(&load(&text), 2);
    let loss = cause(&r, "corrupt-db");
    let count = loss.rpo_minutes.count;
    let mean = loss.rpo_minutes.mean.unwrap();
    // The time since the last slot (uniform over the hour) plus a whole
    // number of failed slots (geometric: mean (1 - p)/p, variance (1 - p)/p²).
    let p: f64 = 0.5;
    let exact = 30.0 + 60.0 * (1.0 - p) / p;
    let sd = 60.0 * (1.0 / 12.0 + (1.0 - p) / (p * p)).sqrt();
    let se = sd / (count as f64).sqrt();
    println!("RPO mean {mean:.3} min (n {count}, se {se:.3}), exact {exact}");
    assert!(count > 10_000, "{count}");
    assert!(
        (mean - exact).abs() < 4.0 * se,
        "mean {mean}, exact {exact}, se {se}"
    );
}

/// Today's one `backups` mapping and a list of one etcd entry with the same
/// figures are the same model: results identical to the last bit.
#[test]
fn one_etcd_entry_in_a_list_is_the_mapping() {
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/production.yaml"
    ))
    .unwrap();
    let mapping = "backups:\n  interval: 1h\n  duration: 2m\n  success: 0.99\n";
    assert!(base.contains(mapping));
    let list = base.replace(
        mapping,
        "backups:\n  - { name: etcd, kind: etcd, interval: 1h, duration: 2m, success: 0.99 }\n",
    );
    let runs: Vec<String> = [base.as_str(), list.as_str()]
        .iter()
        .map(|text| {
            let mut s = load(text);
            s.simulation.replications = 20;
            let model = Model::build(&s).unwrap();
            let r = run_model(&model, 20);
            serde_json::to_string(&(&r.indicators, &r.data_loss)).unwrap()
        })
        .collect();
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn bad_backups_and_scopes_are_refused_where_they_are() {
    let case = |backups: &str, disasters: &str| scenario("1y", 1, backups, disasters);
    let etcd = "  - { name: corrupt, every: exponential(mean=5y) }";
    let text = case(
        "  - name: nightly\n    kind: velero\n    schedule: \"61 0 * * *\"\n    duration: 10m",
        etcd,
    );
    assert_refused_at(
        &text,
        "backups[0].schedule",
        "schedule:",
        "minute 61 is out of range 0-59",
    );
    let text = case(
        "  - name: nightly\n    kind: velero\n    schedule: \"0 0 * * 8\"\n    duration: 10m",
        etcd,
    );
    assert_refused_at(
        &text,
        "backups[0].schedule",
        "schedule:",
        "day of week 8 is out of range 0-7",
    );
    let text = case(
        "  - name: nightly\n    kind: velero\n    schedule: \"0 0 * *\"\n    duration: 10m",
        etcd,
    );
    assert_refused_at(&text, "backups[0].schedule", "schedule:", "has 4 fields");
    let text = case(
        "  - name: nightly\n    kind: velero\n    interval: 1d\n    duration: 10m\n    include: [workload/cache]",
        etcd,
    );
    assert_refused_at(
        &text,
        "backups[0].include[0]",
        "workload/cache",
        "`workload/cache` is not a workload of this scenario",
    );
    let text = case(
        "  - name: snap\n    kind: etcd\n    interval: 1h\n    duration: 2m\n    include: all",
        etcd,
    );
    assert_refused_at(
        &text,
        "backups[0].include",
        "include:",
        "`include` is for `kind: velero`",
    );
    let text = case(
        "  - name: nightly\n    kind: velero\n    interval: 1d\n    schedule: \"0 0 * * *\"\n    duration: 10m",
        etcd,
    );
    assert_refused_at(&text, "backups[0].interval", "interval:", "not both");
    let text = case(
        "  - name: nightly\n    kind: velero\n    schedule: \"0 * * * *\"\n    duration: 1h",
        etcd,
    );
    assert_refused_at(
        &text,
        "backups[0].duration",
        "duration: 1h",
        "not shorter than the time between two",
    );
    let held = "  - { name: nightly, kind: velero, interval: 1d, duration: 10m }";
    let text = case(
        held,
        "  - name: gone\n    every: 5y\n    scope: workload/cache",
    );
    assert_refused_at(
        &text,
        "disasters[0].scope",
        "scope:",
        "`workload/cache` is not a workload of this scenario",
    );
    let text = case(held, "  - name: gone\n    every: 5y\n    scope: namespace");
    assert_refused_at(&text, "disasters[0].scope", "scope:", "is not a scope");
    let text = case(held, "  - name: gone\n    every: 5y\n    restore: 1h");
    assert_refused_at(
        &text,
        "disasters[0].restore",
        "restore: 1h",
        "for a workload scope",
    );
    // A store's region: only for `same_region`, only with regions, and one
    // of them.
    let store = |keys: &str| {
        format!("  - name: nightly\n    kind: velero\n    interval: 1d\n    duration: 10m\n{keys}")
    };
    let text = case(&store("    region: 1"), etcd);
    assert_refused_at(
        &text,
        "backups[0].region",
        "region: 1",
        "only a `same_region` store has a region",
    );
    let text = case(&store("    storage: same_region\n    region: 1"), etcd);
    assert_refused_at(
        &text,
        "backups[0].region",
        "region: 1",
        "this scenario has no `regions`",
    );
    let text = stretched(
        30.0 * DAY,
        &store("    storage: same_region\n    region: 4"),
        "  - { name: corrupt, every: 5y }",
    );
    assert_refused_at(
        &text,
        "backups[0].region",
        "region: 4",
        "is 4, but there are 3 regions",
    );
}

#[test]
fn a_ttl_shorter_than_the_interval_is_warned_of_and_runs() {
    let text = scenario(
        "1y",
        2,
        "  - { name: nightly, kind: velero, schedule: \"0 0 * * *\", duration: 10m, ttl: 12h }",
        "  - { name: delete-db, every: exponential(mean=1y), scope: workload/db }",
    );
    let out = kubenines_on("ttl.yaml", &text, &["run", "-q"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("backups[0].ttl"), "{stderr}");
    assert!(
        stderr.contains("at times nothing of `nightly` is restorable"),
        "{stderr}"
    );
}

/// An hourly Velero backup whose job fails silently at a fixed time, with
/// the given `ttl`, restore tests every day taking 1 h, and a fix of 2 h.
fn silent_scenario(horizon: f64, ttl: &str, disaster: &str) -> String {
    scenario(
        &format!("{horizon}s"),
        2,
        &format!(
            "  - name: hourly
    kind: velero
    schedule: \"0 * * * *\"
    duration: 0s
    ttl: {ttl}
    include: [workload/db]
    silent_failure: {{ every: fixed({}s), fix: fixed(2h) }}
    restore_tests: {{ interval: 1d, duration: 1h }}",
            3.0 * DAY + 5.5 * HOUR
        ),
        disaster,
    )
}

/// A silent failure at 3 d 05:30: the first unusable backup is 06:00's,
/// the next daily test (4 d 00:00, taking 1 h) finds it exactly at
/// 4 d 01:00, and the job is fixed 2 h later. With a ttl of 6 h the last
/// good backup (05:00) expires at 11:00 and nothing is restorable until
/// the first backup after the fix, at 4 d 03:00: 16 h.
#[test]
fn a_silent_failure_is_found_at_the_next_restore_test() {
    let horizon = 5.0 * DAY;
    let never = "  - { name: delete-db, every: never, scope: workload/db }";
    for (ttl, nothing) in [("6h", 16.0 * HOUR), ("720h", 0.0)] {
        let r = run(&load(&silent_scenario(horizon, ttl, never)), 1);
        let b = r.backups.get("hourly").expect("the entry is reported");
        let failing = b.silently_failing.mean * horizon;
        let want = (4.0 * DAY + 3.0 * HOUR) - (3.0 * DAY + 5.5 * HOUR);
        assert!(
            (failing - want).abs() < 1e-6,
            "ttl {ttl}: failing {failing} s, want {want}"
        );
        let none = b.nothing_restorable.mean * horizon;
        assert!(
            (none - nothing).abs() < 1e-6,
            "ttl {ttl}: nothing {none} s, want {nothing}"
        );
        let years = horizon / YEAR_SECONDS;
        assert!((b.failures_found_per_year.mean - 1.0 / years).abs() < 1e-9);
    }
}

/// A namespace deletion during the silent failure (3 d 20:00) restores the
/// last good backup, 05:00's: RPO 15 h. The restore, at 20:05, finds the
/// failure before the test would: fixed at 22:05.
#[test]
fn a_restore_during_a_silent_failure_goes_back_to_the_last_good_backup_and_finds_it() {
    let horizon = 5.0 * DAY;
    let strike = format!(
        "  - {{ name: delete-db, every: fixed({}s), scope: workload/db }}",
        3.0 * DAY + 20.0 * HOUR
    );
    let r = run(&load(&silent_scenario(horizon, "720h", &strike)), 1);
    let loss = cause(&r, "delete-db");
    assert!((loss.rpo_minutes.mean.unwrap() - 15.0 * 60.0).abs() < 1e-9);
    let b = r.backups.get("hourly").unwrap();
    let failing = b.silently_failing.mean * horizon;
    let want = (3.0 * DAY + 22.0 * HOUR + 5.0 * MINUTE) - (3.0 * DAY + 5.5 * HOUR);
    assert!(
        (failing - want).abs() < 1e-6,
        "failing {failing} s, want {want}"
    );
}

/// Events with nothing to restore count as above any RPO objective: a
/// design that loses its data for good at every strike violates
/// `rpo p95 <= 1h` (it was once judged on the restorable events alone,
/// of which there are none).
#[test]
fn data_lost_for_good_violates_an_rpo_objective() {
    let t = 4.0 * DAY + 3.0 * HOUR;
    let text = scenario(
        &format!("{}s", t + DAY),
        20,
        "  - { name: nightly, kind: velero, schedule: \"@daily\", duration: 10m, ttl: 3h }",
        &format!("  - {{ name: delete-db, every: fixed({t}s), scope: workload/db }}"),
    ) + "slos:\n  - { metric: rpo, quantile: 0.95, max: 1h }\n";
    let out = kubenines_on("lost.yaml", &text, &["check", "-q"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("violated"), "{stdout}");
    assert!(stdout.contains("lost for good"), "{stdout}");
    assert!(stdout.contains("events above 1h (100.00%)"), "{stdout}");
}

/// Hourly etcd snapshots and hourly Velero backups of db; etcd corrupted
/// at 2 d 05:00 and every workload wiped at 3 d 06:00, each once.
fn scoped_scenario(replications: u32, extra: &str) -> (String, f64) {
    let (t_etcd, t_wipe) = (2.0 * DAY + 5.0 * HOUR, 3.0 * DAY + 6.0 * HOUR);
    let horizon = t_wipe + 12.0 * HOUR;
    let text = scenario(
        &format!("{horizon}s"),
        replications,
        "  - { name: snap, kind: etcd, interval: 1h, duration: 2m }\n  - { name: hourly, kind: velero, schedule: \"0 * * * *\", duration: 5m, include: [workload/db] }",
        &format!(
            "  - {{ name: corrupt, every: fixed({t_etcd}s) }}\n  - {{ name: wipe, every: fixed({t_wipe}s), scope: all_workloads }}"
        ),
    ) + extra;
    (text, horizon)
}

/// Data loss per scope: etcd's event and each workload's, with their own
/// RPO, RTO and losses for good, on an exact timeline.
#[test]
fn data_loss_is_reported_per_scope() {
    let (text, horizon) = scoped_scenario(3, "");
    let r = run(&load(&text), 2);
    let years = horizon / YEAR_SECONDS;
    let scopes: Vec<&str> = r
        .data_loss
        .by_scope
        .0
        .iter()
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(scopes, ["etcd", "workload/db", "workload/web"]);
    let scope = |k: &str| r.data_loss.by_scope.get(k).expect("scope");
    let once = |l: &kubenines::report::CauseLoss, what: &str| {
        assert!(
            (l.events_per_year.mean - 1.0 / years).abs() < 1e-9,
            "{what}: one event a replication"
        );
    };
    // etcd: the 05:00 snapshot starts at the strike, so 04:00's is restored.
    let etcd = scope("etcd");
    once(etcd, "etcd");
    assert_eq!(etcd.rpo_minutes.count, 3);
    assert_eq!(etcd.rpo_minutes.max, Some(60.0));
    assert_eq!(etcd.rpo_minutes.mean, Some(60.0));
    assert_eq!(etcd.lost_for_good_per_year.as_ref().unwrap().mean, 0.0);
    let corrupt = cause(&r, "corrupt");
    assert_eq!(etcd.rto_minutes.mean, corrupt.rto_minutes.mean);
    assert_eq!(etcd.rto_minutes.count, 3);
    // db: restored from 05:00 (06:00's starts at the strike), back after
    // detection + restore + startup.
    let db = scope("workload/db");
    once(db, "db");
    assert_eq!(db.rpo_minutes.count, 3);
    assert_eq!(db.rpo_minutes.max, Some(60.0));
    assert_eq!(db.lost_for_good_per_year.as_ref().unwrap().mean, 0.0);
    let rto = db.rto_minutes.max.unwrap() * MINUTE;
    assert!((rto - (35.0 * MINUTE + 20.0)).abs() < 1e-6, "db RTO {rto}");
    // web: no backup holds it, so lost for good: no RPO, back empty.
    let web = scope("workload/web");
    once(web, "web");
    assert_eq!(web.rpo_minutes.count, 0);
    let lost = web.lost_for_good_per_year.as_ref().unwrap().mean;
    assert!((lost - 1.0 / years).abs() < 1e-9, "web lost {lost}");
    let rto = web.rto_minutes.max.unwrap() * MINUTE;
    assert!((rto - (35.0 * MINUTE + 10.0)).abs() < 1e-6, "web RTO {rto}");
    // The scopes partition every event.
    let total: f64 = r
        .data_loss
        .by_scope
        .0
        .iter()
        .map(|(_, l)| l.events_per_year.mean)
        .sum();
    assert!((total - r.data_loss.events_per_year.mean).abs() < 1e-9);
    // A scenario without workload disasters has no scopes.
    let plain = scenario(
        "30d",
        2,
        "  - { name: snap, kind: etcd, interval: 1h, duration: 2m }",
        "  - { name: corrupt, every: fixed(10d) }",
    );
    assert!(run(&load(&plain), 1).data_loss.by_scope.is_empty());
}

/// `check` judges an SLO on one scope's events only; a workload no
/// disaster strikes meets any.
#[test]
fn check_judges_each_scope_on_its_own_events() {
    let (text, _) = scoped_scenario(
        20,
        "slos:
  - { metric: rpo, quantile: 0.5, max: 30m, scope: workload/db }
  - { metric: rpo, quantile: 0.5, max: 2h, scope: workload/db }
  - { metric: rpo, quantile: 0.5, max: 2h, scope: workload/web }
  - { metric: rto, quantile: 0.5, max: 36m, scope: workload/db }
  - { metric: rto, quantile: 0.5, max: 35m, scope: workload/db }
  - { metric: rpo, quantile: 0.5, max: 2h, scope: etcd }
  - { metric: rpo, quantile: 0.5, max: 30m, scope: etcd }
",
    );
    let out = kubenines_on("scoped.yaml", &text, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let want = [
        "violated", "met", "violated", "met", "violated", "met", "violated",
    ];
    for (k, w) in want.iter().enumerate() {
        assert_eq!(verdict_of(&stdout, k), *w, "slos[{k}]\n{stdout}");
    }
    assert!(stdout.contains("workload/db rpo p50 <= 30m"), "{stdout}");
    assert!(stdout.contains("p50 = lost for good"), "{stdout}");
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // Only the etcd disaster: the workloads lose nothing, etcd all there is.
    let only_etcd = scenario(
        "30d",
        20,
        "  - { name: snap, kind: etcd, interval: 1h, duration: 2m }",
        "  - { name: corrupt, every: fixed(10d) }",
    ) + "slos:
  - { metric: rpo, quantile: 0.5, max: 1m, scope: workload/db }
  - { metric: rpo, quantile: 0.5, max: 1m, scope: etcd }
";
    let out = kubenines_on("etcd.yaml", &only_etcd, &["check"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(verdict_of(&stdout, 0), "met", "{stdout}");
    assert!(
        stdout.contains("no disaster strikes `workload/db`'s data"),
        "{stdout}"
    );
    assert_eq!(verdict_of(&stdout, 1), "violated", "{stdout}");
}

fn verdict_of(stdout: &str, k: usize) -> String {
    let line = stdout
        .lines()
        .find(|l| l.trim_start().starts_with(&format!("slos[{k}] ")))
        .unwrap_or_else(|| panic!("no slos[{k}] in {stdout}"));
    line.split_whitespace()
        .nth(1)
        .unwrap()
        .trim_end_matches(':')
        .to_string()
}

/// Scopes and losses for good in the CSV and the table; a scope naming no
/// workload, or in a fleet, is refused where it is.
#[test]
fn scopes_are_in_every_output_and_checked() {
    let (text, horizon) = scoped_scenario(2, "");
    let out = kubenines_on("scoped.yaml", &text, &["run", "-o", "csv"]);
    let csv = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let head = &rows[0];
    assert_eq!(
        head[head.len() - 3..],
        [
            "lost_for_good_per_year",
            "lost_for_good_per_year_ci_low",
            "lost_for_good_per_year_ci_high"
        ]
    );
    let row = |name: &str| {
        rows.iter()
            .find(|r| r[1] == name)
            .unwrap_or_else(|| panic!("no row {name} in {csv}"))
    };
    let web = row("data_loss_by_scope/workload/web");
    assert_eq!(web.len(), head.len());
    let lost: f64 = web[head.len() - 3].parse().unwrap();
    assert!((lost - YEAR_SECONDS / horizon).abs() < 1e-6, "{lost}");
    assert_eq!(row("data_loss_by_scope/etcd")[head.len() - 3], "0");
    assert_eq!(
        row("etcd")[head.len() - 3],
        "",
        "indicator rows leave it empty"
    );
    let out = kubenines_on("scoped.yaml", &text, &["run"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("data loss by scope"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with("workload/web ")),
        "{table}"
    );

    let (bad, _) = scoped_scenario(
        2,
        "slos:\n  - { metric: rpo, quantile: 0.95, max: 1h, scope: workload/cache }\n",
    );
    assert_refused_at(
        &bad,
        "slos[0].scope",
        "workload/cache",
        "`workload/cache` is not a scope of this scenario's data",
    );
    let (bad, _) = scoped_scenario(
        2,
        "slos:\n  - { indicator: api, availability: 99.9%, scope: etcd }\n",
    );
    assert_refused_at(
        &bad,
        "slos[0].scope",
        "scope: etcd",
        "`scope` does not go with `indicator`",
    );
}

/// A cluster stretched over three regions, one zone and one etcd member
/// each; region outages every 20 days on average, 6 h each. `backups` and
/// `disasters` as in [`scenario`].
fn stretched(horizon: f64, backups: &str, disasters: &str) -> String {
    format!(
        "name: stretched
simulation: {{ horizon: {horizon}s, replications: 1, seed: 11 }}
zones:
  count: 3
  region_of: [1, 2, 3]
regions: {{ count: 3, failure: exponential(mean=20d), repair: fixed(6h) }}
control_plane:
  topology: stacked
  nodes: 3
  node: {{ failure: never }}
  etcd: {{ election: fixed(1ms) }}
  load_balancer: none
workers:
  nodes: 3
  node: {{ failure: never }}
workloads:
  - name: db
    replicas: 1
    min_available: 1
    startup: fixed(20s)
backups:
{backups}
recovery:
  detection: 5m
  force_new_cluster: fixed(1h)
  restore: fixed(30m)
disasters:
{disasters}
"
    )
}

/// The first outage of region 3, [start, end), that starts after 2 days
/// while regions 1 and 2 stay up from an hour before it to an hour after
/// (so etcd stays writable), in replication 0 of `text`.
fn lone_outage_of_region_3(text: &str) -> (f64, f64) {
    let s = load(text);
    let model = Model::build(&s).unwrap();
    let mut cluster = kubenines::model::Cluster::new(&model);
    let rows: Vec<String> = cluster.trace_rows().into_iter().map(|r| r.label).collect();
    let at = |label: &str| rows.iter().position(|l| l == label).expect(label);
    let regions = [at("region 1"), at("region 2"), at("region 3")];
    let mut seen: Vec<(f64, [bool; 3])> = Vec::new();
    cluster.run_observed(
        0,
        |_: usize, _: f64| {},
        |c: &kubenines::model::Cluster, now| {
            let mut out = Vec::new();
            c.trace_state(now, &mut out);
            let up = regions.map(|r| out[r] == "up");
            if seen.last().is_none_or(|(_, was)| *was != up) {
                seen.push((now, up));
            }
        },
    );
    // Region k is up at `from` and stays up until `to`.
    let up_over = |k: usize, from: f64, to: f64| {
        let before = seen.iter().take_while(|(t, _)| *t <= from).last();
        before.is_none_or(|(_, up)| up[k])
            && seen
                .iter()
                .filter(|(t, _)| *t > from && *t <= to)
                .all(|(_, up)| up[k])
    };
    for (i, (t, up)) in seen.iter().enumerate() {
        if *t < 2.0 * DAY || up[2] {
            continue;
        }
        let end = seen[i + 1..].iter().find(|(_, u)| u[2]).map(|(e, _)| *e);
        if let Some(end) = end
            && up_over(0, t - HOUR, end + HOUR)
            && up_over(1, t - HOUR, end + HOUR)
        {
            return (*t, end);
        }
    }
    panic!("no lone outage of region 3: {seen:?}");
}

/// A `same_region` store is unreachable while its region is down: no
/// backup is made then (etcd, in the other regions, stays writable), and
/// a restore that needs it waits for the region. Against the outage's own
/// times, read from the run's timeline: RPO and RTO exactly.
#[test]
fn a_same_region_store_is_out_of_reach_while_its_region_is_down() {
    let velero = |storage: &str| {
        format!(
            "  - {{ name: hourly, kind: velero, schedule: \"0 * * * *\", duration: 5m, include: [workload/db], {storage} }}"
        )
    };
    // The region draws do not depend on the disasters, nor on the horizon.
    let probe = stretched(
        200.0 * DAY,
        &velero("storage: same_region, region: 3"),
        "  - { name: delete-db, every: fixed(1000d), scope: workload/db }",
    );
    let (a, b) = lone_outage_of_region_3(&probe);
    assert!((b - a - 6.0 * HOUR).abs() < 1e-6, "a 6 h outage: {a}..{b}");
    // The namespace is deleted half-way through the outage.
    let t = (a + b) / 2.0;
    let horizon = t + DAY;
    assert!(horizon < 2.0 * t, "one strike only");
    let disaster = format!("  - {{ name: delete-db, every: fixed({t}s), scope: workload/db }}");
    let rpo_rto = |storage: &str| {
        let r = run(&load(&stretched(horizon, &velero(storage), &disaster)), 1);
        let loss = cause(&r, "delete-db");
        assert_eq!(loss.rpo_minutes.count, 1, "{storage}");
        (
            loss.rpo_minutes.max.unwrap() * MINUTE,
            loss.rto_minutes.max.unwrap() * MINUTE,
        )
    };
    let hour_before = |x: f64| (x / HOUR).ceil() * HOUR - HOUR;
    // Off site: the last backup complete at the strike, and no wait.
    let (rpo, rto) = rpo_rto("storage: off_site");
    let last = if t - hour_before(t) >= 5.0 * MINUTE {
        hour_before(t)
    } else {
        hour_before(t) - HOUR
    };
    assert!((rpo - (t - last)).abs() < 1e-6, "off site RPO {rpo}");
    assert!(
        (rto - (35.0 * MINUTE + 20.0)).abs() < 1e-6,
        "off site RTO {rto}"
    );
    // In region 3: the last backup started before the outage, and the
    // restore starts when the region is back.
    let (rpo, rto) = rpo_rto("storage: same_region, region: 3");
    assert!(
        (rpo - (t - hour_before(a))).abs() < 1e-6,
        "same region RPO {rpo}"
    );
    let want = b - t + 30.0 * MINUTE + 20.0;
    assert!(
        (rto - want).abs() < 1e-6,
        "same region RTO {rto}, want {want}"
    );
    // In region 1, which stays up: as off site.
    let (rpo, rto) = rpo_rto("storage: same_region, region: 1");
    assert!((rpo - (t - last)).abs() < 1e-6 && (rto - (35.0 * MINUTE + 20.0)).abs() < 1e-6);

    // etcd's snapshots in region 3, etcd's data corrupted in the outage:
    // the restore waits for the region too.
    let etcd_run = |storage: &str| {
        let text = stretched(
            horizon,
            &format!("  - {{ name: snap, kind: etcd, interval: 1h, duration: 2m, {storage} }}"),
            &format!("  - {{ name: corrupt, every: fixed({t}s) }}"),
        );
        let r = run(&load(&text), 1);
        let loss = cause(&r, "corrupt");
        (
            loss.rpo_minutes.max.unwrap() * MINUTE,
            loss.rto_minutes.max.unwrap() * MINUTE,
        )
    };
    let (rpo, rto) = etcd_run("storage: same_region, region: 3");
    assert!((rpo - (t - hour_before(a))).abs() < 1e-6, "etcd RPO {rpo}");
    let waited = b - t + 30.0 * MINUTE;
    assert!(
        rto >= waited - 1e-6 && rto < waited + 1.0,
        "etcd RTO {rto}, want {waited}"
    );
    let (_, rto) = etcd_run("storage: off_site");
    assert!(rto < 35.0 * MINUTE + 1.0, "off site etcd RTO {rto}");
}
