//! etcd quorum and leader election.
//!
//! With M members, q = floor(M/2) + 1. etcd is writable iff at least q
//! members are up and a leader is elected. When quorum is (re)gained, or the
//! leader's member goes down while quorum remains, there is no leader for a
//! draw from the election distribution; then a leader is chosen uniformly
//! among the up members. A follower going down interrupts nothing.

/// What [`Election::settle`] asks the cluster to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settle {
    Nothing,
    /// Start an election: schedule `Elected(generation)` after an election draw.
    StartElection {
        generation: u32,
    },
}

/// The leader and election state of the etcd cluster.
#[derive(Clone, Debug, Default)]
pub struct Election {
    /// The leading member, if one is elected.
    pub leader: Option<u16>,
    /// An election is under way (its completion event carries `generation`).
    pub electing: bool,
    /// Bumped whenever a pending election is started or abandoned, so a
    /// stale completion event is recognised and ignored.
    pub generation: u32,
}

impl Election {
    /// At t = 0 everything is up and in sync, with an elected leader.
    pub fn start(&mut self, leader: u16) {
        self.leader = Some(leader);
        self.electing = false;
        self.generation = 0;
    }

    /// Brings the election state in line with the members after all events
    /// of an instant: `quorum` is whether q members are up, `leader_up`
    /// whether the current leader's member is up.
    pub fn settle(&mut self, quorum: bool, leader_up: bool) -> Settle {
        if !quorum {
            if self.leader.is_some() || self.electing {
                self.leader = None;
                self.electing = false;
                self.generation = crate::model::next_generation(self.generation);
            }
            return Settle::Nothing;
        }
        if self.electing || (self.leader.is_some() && leader_up) {
            return Settle::Nothing;
        }
        // Quorum regained with no leader, or the leader's member went down.
        self.leader = None;
        self.electing = true;
        self.generation = crate::model::next_generation(self.generation);
        Settle::StartElection {
            generation: self.generation,
        }
    }

    /// Whether a completion event of `generation` is still the live election.
    pub fn is_current(&self, generation: u32) -> bool {
        self.electing && self.generation == generation
    }

    /// The leader hands over to `member` at once (etcd's leadership
    /// transfer on a graceful stop); no election is needed.
    pub fn transfer(&mut self, member: u16) {
        self.leader = Some(member);
    }

    /// The election completes with `leader`.
    pub fn elected(&mut self, leader: u16) {
        self.leader = Some(leader);
        self.electing = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follower_loss_interrupts_nothing() {
        let mut e = Election::default();
        e.start(0);
        assert_eq!(e.settle(true, true), Settle::Nothing);
        assert_eq!(e.leader, Some(0));
    }

    #[test]
    fn leader_loss_with_quorum_starts_an_election() {
        let mut e = Election::default();
        e.start(1);
        let s = e.settle(true, false);
        assert!(matches!(s, Settle::StartElection { .. }));
        assert_eq!(e.leader, None);
        // Settling again while electing changes nothing.
        assert_eq!(e.settle(true, false), Settle::Nothing);
    }

    #[test]
    fn quorum_loss_abandons_the_election_and_regain_restarts_it() {
        let mut e = Election::default();
        e.start(0);
        let Settle::StartElection { generation: first } = e.settle(true, false) else {
            panic!()
        };
        assert_eq!(e.settle(false, false), Settle::Nothing);
        assert!(!e.is_current(first));
        let Settle::StartElection { generation: second } = e.settle(true, false) else {
            panic!()
        };
        assert!(e.is_current(second));
        e.elected(2);
        assert_eq!(e.leader, Some(2));
        assert!(!e.is_current(second));
    }
}
