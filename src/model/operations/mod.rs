//! The operations room: what people and schedules do to the cluster.
//! Rolling maintenance ([`maintenance`]), and, when data can be lost,
//! backups, disasters and the operator's recovery ([`recovery`], with the
//! backup log in [`data`]).

mod changes;
mod data;
mod maintenance;
mod recovery;

pub use changes::{Changes, Effect};
pub use data::{DataRun, Loss};
pub use maintenance::Maintenance;
pub use recovery::DataRecovery;

use super::Model;

/// The events this room owns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event {
    /// A maintenance round is due.
    MaintenanceRound,
    /// Host h's maintenance is over.
    MaintenanceEnd(u16),
    /// Disaster i strikes.
    DisasterStrike(u16),
    /// The recovery of this generation takes its next step.
    RecoveryStep(u32),
    /// Change c is due to start.
    ChangeDue(u16),
    /// A change's next step goes live (payload: change and generation).
    ChangeStep(u32),
    /// A good change's step has restarted its targets.
    ChangeRestarted(u32),
    /// A bad change's step meets its health gate.
    ChangeGate(u32),
    /// Someone notices a bad change that no gate caught.
    ChangeDetected(u32),
    /// A bad change's rollback is done.
    ChangeRolledBack(u32),
    /// The certificates of this generation expire.
    CertificatesExpire(u32),
    /// Expired certificates of this generation are renewed.
    CertificatesRenewed(u32),
    /// Workload w's recovery from a disaster takes its next step.
    WorkloadRestore(u16),
    /// A backup entry's job starts failing silently (payload: entry and
    /// generation, see [`silent_payload`]).
    SilentFailure(u32),
    /// A silent failure is found (by a restore test or a restore).
    SilentFound(u32),
    /// A silent failure is fixed.
    SilentFixed(u32),
}

/// A backup entry and a generation of its silent failures as a payload.
#[inline]
pub(super) fn silent_payload(e: usize, generation: u32) -> u32 {
    (e as u32) << 16 | (generation & 0xFFFF)
}

impl Event {
    #[inline(always)]
    pub(in crate::model) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::MaintenanceRound => (0, 0),
            Event::MaintenanceEnd(h) => (1, h as u32),
            Event::DisasterStrike(i) => (2, i as u32),
            Event::RecoveryStep(g) => (3, g & super::GENERATION_MASK),
            Event::ChangeDue(c) => (4, c as u32),
            Event::ChangeStep(p) => (5, p),
            Event::ChangeRestarted(p) => (6, p),
            Event::ChangeGate(p) => (7, p),
            Event::ChangeDetected(p) => (8, p),
            Event::ChangeRolledBack(p) => (9, p),
            Event::CertificatesExpire(g) => (10, g & super::GENERATION_MASK),
            Event::CertificatesRenewed(g) => (11, g & super::GENERATION_MASK),
            Event::WorkloadRestore(w) => (12, w as u32),
            Event::SilentFailure(p) => (13, p),
            Event::SilentFound(p) => (14, p),
            Event::SilentFixed(p) => (15, p),
        };
        tag << 24 | payload
    }

    #[inline]
    pub(in crate::model) fn unpack(code: u32) -> Self {
        let payload = code & super::GENERATION_MASK;
        match code >> 24 {
            0 => Event::MaintenanceRound,
            1 => Event::MaintenanceEnd(payload as u16),
            2 => Event::DisasterStrike(payload as u16),
            3 => Event::RecoveryStep(payload),
            4 => Event::ChangeDue(payload as u16),
            5 => Event::ChangeStep(payload),
            6 => Event::ChangeRestarted(payload),
            7 => Event::ChangeGate(payload),
            8 => Event::ChangeDetected(payload),
            9 => Event::ChangeRolledBack(payload),
            10 => Event::CertificatesExpire(payload),
            11 => Event::CertificatesRenewed(payload),
            12 => Event::WorkloadRestore(payload as u16),
            13 => Event::SilentFailure(payload),
            14 => Event::SilentFound(payload),
            _ => Event::SilentFixed(payload),
        }
    }

    pub(in crate::model) fn component(self, m: &Model) -> String {
        match self {
            Event::MaintenanceRound | Event::MaintenanceEnd(_) => "maintenance".into(),
            Event::DisasterStrike(i) => match m.disasters.get(i as usize) {
                Some(d) => format!("disasters.{}", d.name),
                None => "disasters".into(),
            },
            Event::RecoveryStep(_) => "recovery".into(),
            Event::SilentFailure(p) | Event::SilentFound(p) | Event::SilentFixed(p) => {
                format!("backups[{}].silent_failure", p >> 16)
            }
            Event::WorkloadRestore(w) => match m.workloads.get(w as usize) {
                Some(x) => format!("recovery of workload/{}", x.name),
                None => "recovery".into(),
            },
            Event::ChangeDue(c) => change_key(m, c),
            Event::ChangeStep(p)
            | Event::ChangeRestarted(p)
            | Event::ChangeGate(p)
            | Event::ChangeDetected(p)
            | Event::ChangeRolledBack(p) => change_key(m, changes::unpayload(p).0),
            Event::CertificatesExpire(_) | Event::CertificatesRenewed(_) => {
                "control_plane.certificates".into()
            }
        }
    }
}

/// The scenario key of change c.
fn change_key(m: &Model, c: u16) -> String {
    match m.changes.get(c as usize) {
        Some(change) => format!("changes.{}", change.name),
        None => "changes".into(),
    }
}
