//! The operations room: what people and schedules do to the cluster.
//! Rolling maintenance ([`maintenance`]), and, when data can be lost,
//! backups, disasters and the operator's recovery ([`recovery`], with the
//! backup log in [`data`]).

mod data;
mod maintenance;
mod recovery;

pub use data::DataRun;
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
}

impl Event {
    #[inline(always)]
    pub(in crate::model) fn pack(self) -> u32 {
        let (tag, payload) = match self {
            Event::MaintenanceRound => (0, 0),
            Event::MaintenanceEnd(h) => (1, h as u32),
            Event::DisasterStrike(i) => (2, i as u32),
            Event::RecoveryStep(g) => (3, g & super::GENERATION_MASK),
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
            _ => Event::RecoveryStep(payload),
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
        }
    }
}
