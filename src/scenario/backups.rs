//! `backups` as a list (etcd snapshots and Velero backups) and disasters'
//! `scope`: checked here, with their warnings (docs/model.md, "Data,
//! backups and disaster recovery").

use super::cron::CronSchedule;
use super::dist::Distribution;
use super::duration::format_duration;
use super::raw::{RawBackupEntry, RawBackupKind, RawInclude, RawStorage};
use super::types::{
    BackupEntry, BackupKind, BackupSchedule, BackupStorage, DisasterScope, Regions, RestoreTests,
    SilentFailure, Workload,
};
use super::validate::{Invalid, MIN_BACKUP_INTERVAL, Warning, invalid, name_problem, unique_name};

/// Upper bound on the entries of a `backups` list.
pub const MAX_BACKUPS: usize = 16;

/// Velero's default retention (`velero backup create --ttl`, 720h).
pub const VELERO_TTL: f64 = 720.0 * 3600.0;

/// The entries of a `backups` list, each checked on its own; every problem
/// goes to `problems`, and `None` is returned when there is any.
pub(super) fn backup_list(
    raw: Vec<RawBackupEntry>,
    workloads: Option<&[Workload]>,
    regions: Option<Option<&Regions>>,
    problems: &mut Vec<Invalid>,
) -> Option<Vec<BackupEntry>> {
    if raw.len() > MAX_BACKUPS {
        problems.push(invalid(
            "backups",
            format!(
                "{} backups is more than kubenines simulates ({MAX_BACKUPS} at most)",
                raw.len()
            ),
        ));
        return None;
    }
    if raw.is_empty() {
        problems.push(invalid(
            "backups",
            "the list is empty; leave `backups` out, or give at least one backup",
        ));
        return None;
    }
    let names: Vec<String> = raw.iter().map(|b| b.name.clone()).collect();
    let mut ok = true;
    let mut out = Vec::new();
    for (i, b) in raw.into_iter().enumerate() {
        match entry(i, b, &names[..i], workloads, regions) {
            Ok(e) => out.push(e),
            Err(found) => {
                ok = false;
                problems.extend(found);
            }
        }
    }
    ok.then_some(out)
}

/// `backups[i]`, given the names before it.
fn entry(
    i: usize,
    b: RawBackupEntry,
    earlier: &[String],
    workloads: Option<&[Workload]>,
    regions: Option<Option<&Regions>>,
) -> Result<BackupEntry, Vec<Invalid>> {
    let key = |leaf: &str| format!("backups[{i}].{leaf}");
    let one = |k: &str, m: String| vec![invalid(key(k), m)];
    if let Some(why) = name_problem(&b.name, "velero-hourly") {
        return Err(one("name", why));
    }
    unique_name(&key("name"), &b.name, earlier, "backups", "backup").map_err(|e| vec![e])?;
    let schedule = match (b.schedule, b.interval) {
        (Some(_), Some(_)) => {
            return Err(one(
                "interval",
                "give `schedule` (cron) or `interval`, not both".into(),
            ));
        }
        (None, None) => {
            return Err(vec![invalid(
                format!("backups[{i}]"),
                "needs `schedule` (cron, e.g. `0 * * * *`) or `interval` (e.g. `1h`)",
            )]);
        }
        (Some(text), None) => BackupSchedule::Cron(Box::new(
            CronSchedule::parse(&text).map_err(|m| one("schedule", m))?,
        )),
        (None, Some(interval)) => {
            let interval = interval.0;
            if interval.is_nan() || interval <= 0.0 {
                return Err(one(
                    "interval",
                    "must be greater than 0: the time between backups, e.g. `1h`".into(),
                ));
            }
            if interval < MIN_BACKUP_INTERVAL {
                return Err(one(
                    "interval",
                    format!(
                        "{} between backups is less than the minimum of {}",
                        format_duration(interval),
                        format_duration(MIN_BACKUP_INTERVAL)
                    ),
                ));
            }
            BackupSchedule::Interval(interval)
        }
    };
    let spacing = spacing(&schedule);
    let duration = b.duration.0;
    if duration.is_nan() || duration < 0.0 {
        return Err(one(
            "duration",
            "must be at least 0: how long a backup takes, e.g. `2m`".into(),
        ));
    }
    if duration >= spacing {
        return Err(one(
            "duration",
            format!(
                "a backup taking {} is not shorter than the time between two ({}): it would \
                 overlap the next one; give a shorter duration or a sparser schedule",
                format_duration(duration),
                format_duration(spacing)
            ),
        ));
    }
    let success = b.success.unwrap_or(1.0);
    if !(success > 0.0 && success <= 1.0) {
        return Err(one(
            "success",
            format!(
                "{success} is not a usable probability of success; give a number above 0 and \
                 at most 1, e.g. `0.99`"
            ),
        ));
    }
    let kind = match b.kind {
        RawBackupKind::Etcd => BackupKind::Etcd,
        RawBackupKind::Velero => BackupKind::Velero,
    };
    let ttl = match b.ttl {
        Some(t) if t.0.is_nan() || t.0 <= 0.0 => {
            return Err(one(
                "ttl",
                "must be greater than 0: how long a backup is kept, e.g. `720h`".into(),
            ));
        }
        Some(t) => t.0,
        None if kind == BackupKind::Velero => VELERO_TTL,
        None => f64::INFINITY,
    };
    let include = match (kind, b.include) {
        (BackupKind::Etcd, Some(_)) => {
            return Err(one(
                "include",
                "an etcd snapshot holds etcd, not workloads; `include` is for `kind: velero`"
                    .into(),
            ));
        }
        (BackupKind::Etcd, None) => Vec::new(),
        (BackupKind::Velero, None | Some(RawInclude::All)) => {
            (0..workloads.map_or(0, <[Workload]>::len)).collect()
        }
        (BackupKind::Velero, Some(RawInclude::Some(list))) => {
            let mut found = Vec::new();
            let mut problems = Vec::new();
            for (j, name) in list.iter().enumerate() {
                let at = format!("backups[{i}].include[{j}]");
                match workload_index(name, workloads) {
                    Ok(Some(w)) if found.contains(&w) => {
                        problems.push(invalid(at, format!("`{name}` is listed twice")))
                    }
                    Ok(Some(w)) => found.push(w),
                    // The workloads are invalid, and said so.
                    Ok(None) => {}
                    Err(m) => problems.push(invalid(at, m)),
                }
            }
            if !problems.is_empty() {
                return Err(problems);
            }
            found
        }
    };
    let storage = match (b.storage, b.region) {
        (None | Some(RawStorage::OffSite), Some(_)) => {
            return Err(one(
                "region",
                "only a `same_region` store has a region; add `storage: same_region`, or leave \
                 `region` out"
                    .into(),
            ));
        }
        (None | Some(RawStorage::OffSite), None) => BackupStorage::OffSite,
        (Some(RawStorage::SameRegion), region) => match (regions, region) {
            // The zones are invalid, and said so.
            (None, _) => BackupStorage::SameRegion { region: None },
            (Some(None), Some(_)) => {
                return Err(one(
                    "region",
                    "this scenario has no `regions`: leave `region` out (the store is then \
                     only noted), or give `regions`"
                        .into(),
                ));
            }
            (Some(None), None) => BackupStorage::SameRegion { region: None },
            (Some(Some(r)), Some(n)) if n == 0 || n > r.count => {
                return Err(one(
                    "region",
                    format!(
                        "is {n}, but there are {} regions: give one from 1 to {}",
                        r.count, r.count
                    ),
                ));
            }
            (Some(Some(_)), Some(n)) => BackupStorage::SameRegion {
                region: Some(n - 1),
            },
            (Some(Some(r)), None) => BackupStorage::SameRegion {
                region: Some(r.of_zone.first().copied().unwrap_or(0)),
            },
        },
    };
    let silent_failure = match b.silent_failure {
        None => None,
        Some(f) => {
            super::validate::recurring(&key("silent_failure.every"), &f.every.0, |every| {
                format!(
                    "`{every}` gives no time between failures; give a positive mean, e.g. \
                     `exponential(mean=1y)`, or leave `silent_failure` out"
                )
            })
            .map_err(|e| vec![e])?;
            if f.fix.0 == Distribution::Never {
                return Err(one(
                    "silent_failure.fix",
                    "`never` would leave the job broken for good once found; give how long \
                     fixing it takes, e.g. `lognormal(median=4h, sigma=1)`"
                        .into(),
                ));
            }
            Some(SilentFailure {
                every: f.every.0,
                fix: f.fix.0,
            })
        }
    };
    let restore_tests = match b.restore_tests {
        None => None,
        Some(t) => {
            let (interval, duration) = (t.interval.0, t.duration.0);
            if interval.is_nan() || interval < MIN_BACKUP_INTERVAL {
                return Err(one(
                    "restore_tests.interval",
                    format!(
                        "must be at least {}: the time between restore tests, e.g. `1d`",
                        format_duration(MIN_BACKUP_INTERVAL)
                    ),
                ));
            }
            if duration.is_nan() || duration < 0.0 || duration >= interval {
                return Err(one(
                    "restore_tests.duration",
                    format!(
                        "must be at least 0 and shorter than the interval ({}): how long a test \
                         takes until its result is known, e.g. `1h`",
                        format_duration(interval)
                    ),
                ));
            }
            Some(RestoreTests { interval, duration })
        }
    };
    Ok(BackupEntry {
        name: b.name,
        kind,
        schedule,
        duration,
        success,
        ttl,
        include,
        storage,
        silent_failure,
        restore_tests,
    })
}

/// The shortest time between two of a schedule's backups.
pub fn spacing(schedule: &BackupSchedule) -> f64 {
    match schedule {
        BackupSchedule::Interval(i) => *i,
        BackupSchedule::Cron(c) => c.min_gap(),
    }
}

/// The index of `workload/NAME` among `workloads`; `Ok(None)` when the
/// workloads are themselves invalid (any name passes).
fn workload_index(name: &str, workloads: Option<&[Workload]>) -> Result<Option<usize>, String> {
    let Some(workloads) = workloads else {
        return Ok(None);
    };
    let list = || {
        let names: Vec<String> = workloads
            .iter()
            .take(20)
            .map(|w| format!("`workload/{}`", w.name))
            .collect();
        if names.is_empty() {
            "this scenario has no workloads".to_string()
        } else {
            format!("use one of {}", names.join(", "))
        }
    };
    let Some(short) = name.strip_prefix("workload/") else {
        return Err(format!(
            "`{}` is not a workload; write `workload/NAME` ({})",
            name.escape_debug(),
            list()
        ));
    };
    match workloads.iter().position(|w| w.name == short) {
        Some(w) => Ok(Some(w)),
        None => Err(format!(
            "`{}` is not a workload of this scenario; {}",
            name.escape_debug(),
            list()
        )),
    }
}

/// A disaster's `scope` (`None`: `etcd`), at `key`.
pub(super) fn scope(
    key: &str,
    scope: Option<&str>,
    workloads: Option<&[Workload]>,
) -> Result<DisasterScope, Invalid> {
    match scope {
        None | Some("etcd") => Ok(DisasterScope::Etcd),
        Some("all_workloads") => Ok(DisasterScope::AllWorkloads),
        Some(s) if s.starts_with("workload/") => match workload_index(s, workloads) {
            Ok(Some(w)) => Ok(DisasterScope::Workload(w)),
            Ok(None) => Ok(DisasterScope::AllWorkloads),
            Err(m) => Err(invalid(key, m)),
        },
        Some(s) => Err(invalid(
            key,
            format!(
                "`{}` is not a scope; use `etcd` (every etcd member's data), `workload/NAME` \
                 (one workload's data) or `all_workloads`",
                s.escape_debug()
            ),
        )),
    }
}

/// Backups that may leave nothing to restore: retention shorter than the
/// time between two, and workloads a disaster can strike that no backup
/// holds.
pub(super) fn warnings(
    entries: &[BackupEntry],
    list: bool,
    struck: &[(usize, usize)],
    workloads: &[Workload],
    regions: bool,
) -> Vec<Warning> {
    let mut out = Vec::new();
    if list {
        for (i, e) in entries.iter().enumerate() {
            if e.storage == (BackupStorage::SameRegion { region: None }) && !regions {
                out.push(Warning {
                    key: format!("backups[{i}].storage"),
                    message: "kept in the cluster's region: this scenario has no regions, so \
                              nothing takes the store away (noted only)"
                        .into(),
                });
            }
            let gap = match &e.schedule {
                BackupSchedule::Interval(i) => *i,
                // The longest gap is not known; the shortest decides
                // whether any backup outlives the next.
                BackupSchedule::Cron(c) => c.min_gap(),
            };
            if e.ttl < gap + e.duration {
                out.push(Warning {
                    key: format!("backups[{i}].ttl"),
                    message: format!(
                        "a backup is kept {} but the next one is complete only {} after it \
                         starts: at times nothing of `{}` is restorable",
                        format_duration(e.ttl),
                        format_duration(gap + e.duration),
                        e.name
                    ),
                });
            }
            if e.restore_tests.is_some() && e.silent_failure.is_none() {
                out.push(Warning {
                    key: format!("backups[{i}].restore_tests"),
                    message: "restore tests find silent failures, and this entry has no \
                              `silent_failure`: they change nothing here"
                        .into(),
                });
            }
            if e.kind == BackupKind::Velero && e.include.is_empty() {
                out.push(Warning {
                    key: format!("backups[{i}]"),
                    message: "this Velero backup holds no workload (the scenario has none)".into(),
                });
            }
        }
    }
    for &(d, w) in struck {
        let held = entries
            .iter()
            .any(|e| e.kind == BackupKind::Velero && e.include.contains(&w));
        if !held {
            out.push(Warning {
                key: format!("disasters[{d}].scope"),
                message: format!(
                    "no Velero backup includes `workload/{}`: each strike loses its data for \
                     good (the workload comes back empty); add it to a `kind: velero` entry \
                     of `backups`",
                    workloads[w].name
                ),
            });
        }
    }
    out
}
