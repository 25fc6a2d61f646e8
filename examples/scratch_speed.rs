use kubenines::model::Model;
use kubenines::runner::{RunOptions, run};
use kubenines::scenario::*;
fn main() {
    let y = YEAR_SECONDS;
    let wb = |mean: f64| Distribution::Weibull {
        shape: 0.8,
        scale: mean / kubenines::special::gamma(1.0 + 1.0 / 0.8),
    };
    let ln = |median: f64, sigma: f64| Distribution::LogNormal {
        mu: median.ln(),
        sigma,
    };
    let s = Scenario {
        name: "stacked-3".into(),
        description: None,
        source: String::new(),
        simulation: Simulation {
            horizon: 10.0 * y,
            replications: 20000,
            seed: 1,
        },
        zones: Zones {
            count: 3,
            failure: Distribution::Exponential { mean: 5.0 * y },
            repair: ln(4.0 * 3600.0, 1.2),
        },
        control_plane: ControlPlane {
            topology: Topology::Stacked,
            nodes: 3,
            placement: vec![0, 1, 2],
            node: HostSpec {
                failure: wb(2.0 * y),
                repair: ln(1800.0, 1.0),
            },
            etcd_hosts: None,
            etcd: Etcd {
                election: Distribution::Uniform { min: 1.0, max: 2.0 },
            },
            leader_election: LeaderElection {
                lease_duration: 15.0,
                renew_deadline: 10.0,
                retry_period: 2.0,
            },
            load_balancer: Some(HostSpec {
                failure: Distribution::Exponential { mean: y },
                repair: ln(300.0, 0.8),
            }),
        },
    };
    let m = Model::build(&s).unwrap();
    for threads in [1] {
        let r = run(
            &m,
            &RunOptions {
                replications: 20000,
                first: 0,
                threads,
            },
            &|_| {},
        )
        .unwrap();
        let secs = r.wall.as_secs_f64();
        println!(
            "threads {threads}: {:.0} cluster-years/s, {:.1} events/cluster-year, {:.1} ns/event, api U={:.3e}",
            200000.0 / secs,
            r.summary.events as f64 / 200000.0,
            secs * 1e9 / r.summary.events as f64 * threads as f64,
            r.summary.indicators[1].unavailability.mean()
        );
    }
}
