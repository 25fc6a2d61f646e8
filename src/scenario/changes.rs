//! `changes` and `control_plane.certificates`, checked: names, targets,
//! strategies, probabilities and the timings a bad change needs; and the
//! change that renews the certificates.

use super::dist::Distribution;
use super::raw::{RawCertificates, RawChange, RawStrategy};
use super::types::{Certificates, Change, ChangeTarget, Workload};
use super::validate::{Invalid, invalid, name_problem, recurring, unique_name};

/// Upper bound on the number of changes (each has a bit in a target's
/// mask of the changes holding it).
pub const MAX_CHANGES: usize = 64;

/// What the targets a change may name exist as: the workloads (when they
/// are valid) and whether there is a load balancer (when the control plane
/// is valid).
pub(super) struct Targets<'a> {
    pub workloads: Option<&'a [Workload]>,
    pub load_balancer: Option<bool>,
    /// The scenario has `workers`.
    pub workers: bool,
}

/// The changes, each checked on its own (the errors of all of them).
pub(super) fn changes(raw: Vec<RawChange>, targets: &Targets) -> Result<Vec<Change>, Vec<Invalid>> {
    if raw.len() > MAX_CHANGES {
        return Err(vec![invalid(
            "changes",
            format!(
                "{} changes is more than kubenines simulates ({MAX_CHANGES} at most)",
                raw.len()
            ),
        )]);
    }
    let names: Vec<String> = raw.iter().map(|c| c.name.clone()).collect();
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for (i, c) in raw.into_iter().enumerate() {
        match change(i, c, &names[..i], targets) {
            Ok(c) => out.push(c),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A probability from 0 to 1, default 0.
fn probability(key: &str, given: Option<f64>, example: &str) -> Result<f64, Invalid> {
    let p = given.unwrap_or(0.0);
    if !(0.0..=1.0).contains(&p) {
        return Err(invalid(
            key,
            format!("{p} is not a probability; give a number from 0 to 1, e.g. `{example}`"),
        ));
    }
    Ok(p)
}

/// A duration or distribution that must not be `never` and has a finite,
/// non-negative mean.
fn timing(key: &str, d: Distribution, what: &str) -> Result<Distribution, Invalid> {
    let mean = d.mean();
    if d == Distribution::Never || mean.is_nan() || mean.is_infinite() || mean < 0.0 {
        return Err(invalid(
            key,
            format!("`{d}` is not a usable time {what}; give a duration such as `30m`"),
        ));
    }
    Ok(d)
}

/// `changes[i]`, given the names of the changes before it.
fn change(
    i: usize,
    c: RawChange,
    earlier: &[String],
    targets: &Targets,
) -> Result<Change, Invalid> {
    let key = |leaf: &str| format!("changes[{i}].{leaf}");
    if let Some(why) = name_problem(&c.name, "cp-upgrade") {
        return Err(invalid(key("name"), why));
    }
    if c.name == "never" {
        return Err(invalid(
            key("name"),
            "`never` is reserved: `control_plane.certificates.renewed_by: never` means no \
             change renews the certificates; call the change something else, e.g. `cp-upgrade`",
        ));
    }
    unique_name(&key("name"), &c.name, earlier, "changes", "change")?;
    let every = c.every.0;
    recurring(&key("every"), &every, |every| {
        format!(
            "`{every}` gives no time between changes; it must have a positive mean, e.g. \
             `fixed(30d)`"
        )
    })?;
    let target = target(&key("target"), &c.target, targets)?;
    let batch = match (c.strategy.unwrap_or(RawStrategy::Rolling), c.batch) {
        (RawStrategy::AllAtOnce, Some(_)) => {
            return Err(invalid(
                key("batch"),
                "`batch` is for a `rolling` change; an `all_at_once` change reaches every \
                 target in one step",
            ));
        }
        (RawStrategy::AllAtOnce, None) => None,
        (RawStrategy::Rolling, Some(0)) => {
            return Err(invalid(
                key("batch"),
                "must be at least 1: the targets each step of the rollout reaches",
            ));
        }
        (RawStrategy::Rolling, b) => Some(b.unwrap_or(1)),
    };
    let pause = c.pause.map_or(0.0, |p| p.0);
    if pause.is_nan() || pause < 0.0 {
        return Err(invalid(key("pause"), "must be 0 or more, e.g. `10m`"));
    }
    let restart = match c.restart {
        Some(r) => timing(&key("restart"), r.0, "for a restart")?,
        None => Distribution::Fixed(0.0),
    };
    let bad = probability(&key("bad"), c.bad, "0.02")?;
    let caught = probability(&key("caught"), c.caught, "0.9")?;
    let detection = match c.detection {
        Some(d) => timing(&key("detection"), d.0, "to detect a bad change")?,
        None if bad > 0.0 && caught < 1.0 => {
            return Err(invalid(
                key("detection"),
                "a bad change that no gate catches waits to be noticed: give `detection`, the \
                 time from its first step going live to someone noticing, e.g. `30m`",
            ));
        }
        None => Distribution::Fixed(0.0),
    };
    let rollback = match c.rollback {
        Some(d) => timing(&key("rollback"), d.0, "to roll a change back")?,
        None if bad > 0.0 => {
            return Err(invalid(
                key("rollback"),
                "a bad change is rolled back: give `rollback`, the time to undo it, e.g. `15m`",
            ));
        }
        None => Distribution::Fixed(0.0),
    };
    Ok(Change {
        name: c.name,
        every,
        target,
        batch,
        pause,
        restart,
        bad,
        caught,
        detection,
        rollback,
    })
}

/// A change's `target`.
fn target(key: &str, text: &str, targets: &Targets) -> Result<ChangeTarget, Invalid> {
    match text {
        "control_plane" => return Ok(ChangeTarget::ControlPlane),
        "etcd" => return Ok(ChangeTarget::Etcd),
        "workers" if !targets.workers => {
            return Err(invalid(
                key,
                "the scenario has no `workers`, so no worker nodes to change",
            ));
        }
        "workers" => return Ok(ChangeTarget::Workers),
        "load_balancer" => {
            return match targets.load_balancer {
                Some(false) => Err(invalid(
                    key,
                    "the scenario has `load_balancer: none`, so no load balancer to change",
                )),
                _ => Ok(ChangeTarget::LoadBalancer),
            };
        }
        _ => {}
    }
    if let Some(name) = text.strip_prefix("workload/") {
        let Some(workloads) = targets.workloads else {
            // The workloads are invalid themselves: reported there.
            return Ok(ChangeTarget::Workload(usize::MAX));
        };
        if let Some(w) = workloads.iter().position(|w| w.name == name) {
            return Ok(ChangeTarget::Workload(w));
        }
        let names: Vec<String> = workloads
            .iter()
            .take(20)
            .map(|w| format!("`workload/{}`", w.name))
            .collect();
        return Err(invalid(
            key,
            if names.is_empty() {
                format!(
                    "`{}` names no workload: the scenario has no `workloads`",
                    text.escape_debug()
                )
            } else {
                format!(
                    "`{}` names no workload of this scenario; use one of {}",
                    text.escape_debug(),
                    names.join(", ")
                )
            },
        ));
    }
    Err(invalid(
        key,
        format!(
            "`{}` is not a target; use `control_plane`, `etcd`, `workers`, `load_balancer` or \
             `workload/NAME`",
            text.escape_debug()
        ),
    ))
}

/// `control_plane.certificates`, given the changes (`None` when they are
/// invalid: then `renewed_by` is not checked against them, and only the
/// other keys' errors are reported).
pub(super) fn certificates(
    raw: RawCertificates,
    changes: Option<&[Change]>,
) -> Result<Certificates, Invalid> {
    let lifetime = raw.lifetime.0;
    if lifetime.is_nan() || lifetime <= 0.0 {
        return Err(invalid(
            "control_plane.certificates.lifetime",
            "must be greater than 0, e.g. `1y` (kubeadm's certificates are valid one year)",
        ));
    }
    let renew = timing(
        "control_plane.certificates.renew",
        raw.renew.0,
        "to renew expired certificates",
    )?;
    let renewed_by = if raw.renewed_by == "never" {
        None
    } else if let Some(changes) = changes {
        let Some(i) = changes.iter().position(|c| c.name == raw.renewed_by) else {
            return Err(invalid(
                "control_plane.certificates.renewed_by",
                format!(
                    "`{}` names no change; give the name of a change targeting \
                     `control_plane` (an upgrade renews the certificates), or `never`",
                    raw.renewed_by.escape_debug()
                ),
            ));
        };
        if changes[i].target != ChangeTarget::ControlPlane {
            return Err(invalid(
                "control_plane.certificates.renewed_by",
                format!(
                    "change `{}` does not target `control_plane`; only a control-plane change \
                     (`kubeadm upgrade apply`) renews the certificates",
                    raw.renewed_by
                ),
            ));
        }
        Some(i)
    } else {
        // The changes are invalid: their errors are reported instead.
        None
    };
    Ok(Certificates {
        lifetime,
        renewed_by,
        renew,
    })
}
