//! Data and disaster recovery (docs/model.md, "Data, backups and disaster
//! recovery"): the backup log, and the operator's recovery state.
//!
//! **Backups without an event per period.** A snapshot starts at every
//! multiple of the interval; it counts only if etcd was writable at its
//! start, and it succeeds with its probability. Whether slot k succeeds is a
//! counter-based draw, a hash of (replication, k), so it needs no event and
//! no state: when etcd stops being writable, the slots of the writable
//! stretch that just ended are examined from the newest back until two
//! successes are found (about 1/p draws), and the log keeps the two newest
//! successful snapshot starts. Two suffice: a snapshot takes less than its
//! interval, so of the two newest at most one can still be in progress.
//! The snapshot at t = 0 always exists, complete (docs/model.md).

use crate::engine::rng::splitmix64;
use crate::scenario::CronSchedule;

/// When an entry's backups start.
#[derive(Clone, Debug)]
enum Slots {
    /// At every multiple of this many seconds (infinite: only at t = 0).
    Interval(f64),
    /// At a cron schedule's fire times; slot k is the one at minute k.
    Cron(Box<CronSchedule>),
}

/// The newest successful backups of one entry in one replication.
#[derive(Clone, Debug)]
pub struct BackupLog {
    key: u64,
    slots: Slots,
    duration: f64,
    success: f64,
    /// A backup can be restored until this long after its start.
    ttl: f64,
    /// Starts of the newest and the second newest successful snapshots
    /// (-infinity when there is none).
    newest: [f64; 2],
    /// The job is failing silently: its backups are unusable.
    pub failing: bool,
}

impl BackupLog {
    pub fn new(interval: f64, duration: f64, success: f64) -> BackupLog {
        BackupLog {
            key: 0,
            slots: Slots::Interval(interval),
            duration,
            success,
            ttl: f64::INFINITY,
            newest: [0.0, f64::NEG_INFINITY],
            failing: false,
        }
    }

    /// The log of a backup entry.
    pub fn of(b: &crate::model::BackupModel) -> BackupLog {
        let slots = match &b.schedule {
            crate::scenario::BackupSchedule::Interval(i) => Slots::Interval(*i),
            crate::scenario::BackupSchedule::Cron(c) => Slots::Cron(c.clone()),
        };
        BackupLog {
            slots,
            ttl: b.ttl,
            ..BackupLog::new(f64::INFINITY, b.duration, b.success)
        }
    }

    /// A new replication, whose slot draws hash from `key`.
    pub fn reset(&mut self, key: u64) {
        self.key = key;
        self.newest = [0.0, f64::NEG_INFINITY];
        self.failing = false;
    }

    /// The start of the first slot at or after `t` (`inclusive`), or after it.
    pub fn next_slot(&self, t: f64, inclusive: bool) -> f64 {
        match &self.slots {
            Slots::Interval(i) => {
                let k = (t / i).ceil();
                if !inclusive && k * i <= t {
                    (k + 1.0) * i
                } else {
                    k * i
                }
            }
            Slots::Cron(c) => c.next(t, inclusive),
        }
    }

    /// The start of the first slot at or after `t` whose backup succeeds
    /// by its draw (etcd taken to be writable then); infinite when none of
    /// the next 100,000 does.
    pub fn next_success(&self, t: f64) -> f64 {
        let mut s = self.next_slot(t, true);
        for _ in 0..100_000 {
            if !s.is_finite() || self.succeeds(self.slot_key(s)) {
                return s;
            }
            s = self.next_slot(s, false);
        }
        f64::INFINITY
    }

    /// The counter of the slot starting at `start`: its index for an
    /// interval, its minute for a cron schedule.
    #[inline]
    fn slot_key(&self, start: f64) -> u64 {
        match &self.slots {
            Slots::Interval(i) => (start / i).round() as u64,
            Slots::Cron(_) => (start / 60.0).round() as u64,
        }
    }

    /// Start of the newest successful backup logged (complete or not).
    pub fn newest_start(&self) -> f64 {
        self.newest[0]
    }

    /// Seconds a backup takes.
    pub fn duration(&self) -> f64 {
        self.duration
    }

    /// Seconds a backup can be restored after its start.
    pub fn ttl(&self) -> f64 {
        self.ttl
    }

    /// Whether the snapshot of slot k (started at k × interval while etcd
    /// was writable) succeeds. Slot 0 is the snapshot at t = 0.
    fn succeeds(&self, k: u64) -> bool {
        if k == 0 {
            return true;
        }
        let bits = splitmix64(self.key ^ splitmix64(k));
        let u = (bits >> 11) as f64 * (1.0 / (1u64 << 53) as f64);
        u < self.success
    }

    /// etcd was writable from `from` until `until` (exclusive): logs the
    /// successful snapshots that started then.
    pub fn writable(&mut self, from: f64, until: f64) {
        if until <= from || self.failing {
            return;
        }
        let mut found = 0;
        match &self.slots {
            Slots::Interval(interval) => {
                let interval = *interval;
                if !interval.is_finite() {
                    return;
                }
                let first = (from / interval).ceil() as u64;
                let end = (until / interval).ceil() as u64; // slots < end start before `until`
                let mut k = end;
                while k > first && found < 2 {
                    k -= 1;
                    if self.succeeds(k) {
                        self.record(k as f64 * interval);
                        found += 1;
                    }
                }
            }
            Slots::Cron(cron) => {
                let mut hits = [f64::NEG_INFINITY; 2];
                let mut start = cron.prev(until, false);
                while start >= from && found < 2 {
                    if self.succeeds(self.slot_key(start)) {
                        hits[found] = start;
                        found += 1;
                    }
                    start = cron.prev(start, false);
                }
                for &start in &hits[..found] {
                    self.record(start);
                }
            }
        }
    }

    /// A successful backup started at `start`.
    #[inline]
    fn record(&mut self, start: f64) {
        if start > self.newest[0] {
            self.newest = [start, self.newest[0]];
        } else if start > self.newest[1] {
            self.newest[1] = start;
        }
    }

    /// Start of the newest backup complete at `now` that can still be
    /// restored at `at` (its `ttl` not passed), if any.
    pub fn restorable(&self, now: f64, at: f64) -> Option<f64> {
        let b = self.last_complete(now);
        (at - b <= self.ttl).then_some(b)
    }

    /// Start of the newest successful snapshot complete at `now`.
    pub fn last_complete(&self, now: f64) -> f64 {
        let [a, b] = self.newest;
        if a == 0.0 || a + self.duration <= now {
            a
        } else {
            b
        }
    }
}

/// Why data was lost: a named disaster (its index), or a quorum loss that
/// did not heal.
pub fn quorum_loss_cause(disasters: usize, intact_member: bool) -> u16 {
    (disasters + if intact_member { 0 } else { 1 }) as u16
}

/// Where the operator's recovery stands.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Recovery {
    Idle,
    /// Waiting `recovery.detection` before acting.
    Detecting {
        cause: u16,
    },
    /// Will force a new cluster from member `member` once its host is up;
    /// the state it brings back is from `surviving`.
    WaitingForMember {
        cause: u16,
        member: u16,
        surviving: f64,
    },
    /// Forcing a new cluster or restoring; etcd is back with the state of
    /// `surviving` when it completes.
    Running {
        surviving: f64,
    },
}

/// One data-loss figure: its cause (in
/// [`crate::model::Model::data_causes`] order), its scope (in
/// [`crate::model::Model::data_scopes`] order; 0, etcd, when the model has
/// no scopes), and seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Loss {
    pub cause: u16,
    pub scope: u16,
    pub seconds: f64,
}

/// What one replication lost, by cause (in [`crate::model::Model::data_causes`] order).
#[derive(Clone, Debug, Default)]
pub struct DataRun {
    /// Data-loss events per cause.
    pub events: Vec<u32>,
    /// History lost, one per decided recovery.
    pub rpo: Vec<Loss>,
    /// Seconds until the API was writable again (or the workload served
    /// again), one per recovery that ended within the horizon.
    pub rto: Vec<Loss>,
    /// Data-loss events per cause with no backup to restore (lost for
    /// good): they have no RPO.
    pub lost: Vec<u32>,
    /// Events and those lost for good per scope (empty when the model has
    /// no scopes: [`crate::model::Model::data_scopes`]).
    pub scope_events: Vec<u32>,
    pub scope_lost: Vec<u32>,
    /// Per backup entry (when some entry fails silently): seconds its job
    /// was failing unnoticed or being fixed, seconds nothing of it was
    /// restorable because of that, and failures found.
    pub failing: Vec<f64>,
    pub nothing: Vec<f64>,
    pub found: Vec<u32>,
}

impl DataRun {
    pub fn reset(&mut self, causes: usize, scopes: usize) {
        self.events.clear();
        self.events.resize(causes, 0);
        self.lost.clear();
        self.lost.resize(causes, 0);
        for v in [&mut self.scope_events, &mut self.scope_lost] {
            v.clear();
            v.resize(scopes, 0);
        }
        for v in [&mut self.failing, &mut self.nothing] {
            v.iter_mut().for_each(|x| *x = 0.0);
        }
        self.found.iter_mut().for_each(|x| *x = 0);
        self.rpo.clear();
        self.rto.clear();
    }

    /// One more event of `cause` in `scope`.
    #[inline]
    pub fn count(&mut self, cause: u16, scope: u16) {
        self.events[cause as usize] += 1;
        if let Some(n) = self.scope_events.get_mut(scope as usize) {
            *n += 1;
        }
    }

    /// One more event of `cause` in `scope` with nothing to restore.
    #[inline]
    pub fn count_lost(&mut self, cause: u16, scope: u16) {
        self.lost[cause as usize] += 1;
        if let Some(n) = self.scope_lost.get_mut(scope as usize) {
            *n += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_keeps_the_newest_complete_snapshot() {
        let mut log = BackupLog::new(3600.0, 120.0, 1.0);
        log.reset(7);
        assert_eq!(log.last_complete(10.0), 0.0);
        // Writable from 0 to 10,000 s: snapshots at 0, 3600 and 7200.
        log.writable(0.0, 10_000.0);
        assert_eq!(log.last_complete(10_000.0), 7200.0);
        // Just after 7200 the one then is still in progress.
        assert_eq!(log.last_complete(7250.0), 3600.0);
        // A slot at exactly the end of the stretch is not in it.
        log.writable(10_000.0, 10_800.0);
        assert_eq!(log.last_complete(20_000.0), 7200.0);
        log.writable(10_800.0, 10_801.0);
        assert_eq!(log.last_complete(20_000.0), 10_800.0);
    }

    #[test]
    fn slot_draws_succeed_with_their_probability() {
        let mut log = BackupLog::new(60.0, 0.0, 0.3);
        log.reset(11);
        let n = 100_000u64;
        let hits = (1..=n).filter(|&k| log.succeeds(k)).count() as f64;
        // Binomial(100000, 0.3): sd 145; 5 sd.
        assert!((hits - 30_000.0).abs() < 725.0, "{hits}");
    }
}
