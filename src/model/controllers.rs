//! Leader leases of kube-scheduler and kube-controller-manager.
//!
//! Each has one leader among the up control-plane hosts. When the leader's
//! host goes down, a new leader takes over at (down time + lease_duration +
//! U(0, retry_period)), or, if the API is down then, at (the API's return +
//! U(0, retry_period)). A leader that cannot renew its lease through an API
//! outage longer than renew_deadline loses it; re-election follows the API's
//! return the same way.

/// The lease of one controller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lease {
    /// Held by control-plane host `h`.
    Held(u16),
    /// No leader; an acquisition attempt is scheduled (its event carries the
    /// controller's generation).
    Pending,
    /// No leader, and candidates wait for the API to return.
    WaitingForApi,
}

/// One leader-elected controller.
#[derive(Clone, Copy, Debug)]
pub struct Controller {
    pub lease: Lease,
    /// Bumped on every change of plan, so stale attempt events are ignored.
    pub generation: u32,
}

impl Controller {
    pub fn new(leader: u16) -> Self {
        Controller {
            lease: Lease::Held(leader),
            generation: 0,
        }
    }

    pub fn has_leader(&self) -> bool {
        matches!(self.lease, Lease::Held(_))
    }

    /// Plans an acquisition attempt; returns the generation its event must carry.
    pub fn plan_attempt(&mut self) -> u32 {
        self.lease = Lease::Pending;
        self.generation = super::next_generation(self.generation);
        self.generation
    }

    /// Whether an attempt event of `generation` is still the plan.
    pub fn is_current(&self, generation: u32) -> bool {
        self.lease == Lease::Pending && self.generation == generation
    }

    /// Gives the lease up until the API returns.
    pub fn wait_for_api(&mut self) {
        self.lease = Lease::WaitingForApi;
        self.generation = super::next_generation(self.generation);
    }
}
