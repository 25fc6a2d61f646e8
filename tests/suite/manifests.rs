//! Kubernetes manifests as workloads (`workloads: - manifest:`): the same
//! results as the workloads written with kubenines' own keys, Kubernetes'
//! rounding of percentages, and errors and warnings located in the manifest.

use std::io::Write as _;
use std::path::Path;

use assert_cmd::Command;
use kubenines::scenario::{
    AntiAffinity, Distribution, Preferred, RollingUpdate, Scenario, ScenarioError, Volume,
    WorkloadKind, load, parse_str,
};

/// The results JSON of `run`, without what names the file or measures speed.
fn results(path: &str) -> serde_json::Value {
    let out = Command::cargo_bin("kubenines")
        .expect("binary")
        .args(["run", path, "-o", "json", "-q"])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let object = json.as_object_mut().expect("an object");
    object.remove("performance");
    object.remove("scenario");
    json
}

#[test]
fn manifests_give_the_results_of_the_same_workloads_in_kubenines_keys() {
    let from_manifests = load(Path::new("tests/manifests/from-manifests.yaml")).unwrap();
    let keys = load(Path::new("tests/manifests/keys.yaml")).unwrap();
    assert_eq!(from_manifests.workloads, keys.workloads);
    assert_eq!(from_manifests.content_hash(), keys.content_hash());
    // Every workload has its budget, so there is nothing to warn about.
    assert_eq!(from_manifests.warnings, vec![]);
    let web = &from_manifests.workloads[0];
    assert_eq!(
        (web.name.as_str(), web.replicas, web.min_available),
        ("web", 5, 3),
        "minAvailable 50% of 5 rounds up to 3"
    );
    assert_eq!(
        web.startup,
        Distribution::Fixed(10.0),
        "initialDelaySeconds"
    );
    assert_eq!(web.anti_affinity, AntiAffinity::Host);
    assert_eq!((web.zone_spread, web.host_spread), (Some(1), None));
    assert_eq!(
        web.preferred,
        Preferred {
            zone: false,
            host: true,
            rack: false
        }
    );
    let api = &from_manifests.workloads[1];
    assert_eq!(
        (api.name.as_str(), api.replicas, api.min_available),
        ("api", 4, 3),
        "maxUnavailable 25% of 4 rounds up to 1"
    );
    assert_eq!(
        api.preferred,
        Preferred {
            zone: true,
            host: false,
            rack: false
        }
    );
    let cache = &from_manifests.workloads[2];
    assert_eq!(
        (cache.name.as_str(), cache.min_available, cache.host_spread),
        ("cache", 2, Some(1))
    );
    assert_eq!(
        results("tests/manifests/from-manifests.yaml"),
        results("tests/manifests/keys.yaml")
    );
}

/// A scenario with workers, to which `workloads` is appended.
const BASE: &str = "\
name: m
simulation: { horizon: 1y, replications: 10 }
zones: { count: 3 }
control_plane:
  topology: stacked
  nodes: 1
  node: { failure: never }
  load_balancer: none
workers:
  nodes: 6
  node: { failure: never }
";

fn own_keys(workload: &str) -> Result<Scenario, ScenarioError> {
    parse_str(
        &format!("{BASE}workloads:\n  - {workload}\n"),
        "s.yaml",
        kubenines::scenario::Format::Yaml,
    )
}

#[test]
fn percentages_round_up_as_the_disruption_controller_does() {
    let min = |replicas: u32, keys: &str| {
        own_keys(&format!("{{ name: w, replicas: {replicas}, {keys} }}"))
            .unwrap_or_else(|e| panic!("{e}"))
            .workloads[0]
            .min_available
    };
    assert_eq!(min(5, "min_available: 50%"), 3);
    assert_eq!(min(5, "min_available: 1%"), 1);
    assert_eq!(min(4, "min_available: 75%"), 3);
    assert_eq!(min(5, "min_available: 100%"), 5);
    assert_eq!(min(4, "max_unavailable: 25%"), 3);
    assert_eq!(
        min(5, "max_unavailable: 30%"),
        3,
        "30% of 5 is 1.5: 2 may go"
    );
    assert_eq!(min(5, "max_unavailable: 1%"), 4, "1% of 5 rounds up to 1");
    assert_eq!(min(5, "max_unavailable: 2"), 3);
    assert_eq!(min(5, "min_available: 2"), 2);
    assert_eq!(min(5, ""), 1);
    for (keys, key, says) in [
        ("min_available: 0%", "min_available", "none"),
        ("min_available: 101%", "min_available", "more than 100%"),
        ("min_available: 33.3%", "min_available", "whole percentage"),
        (
            "max_unavailable: 100%",
            "max_unavailable",
            "lets every replica go",
        ),
        (
            "max_unavailable: 5",
            "max_unavailable",
            "lets every replica go",
        ),
        (
            "min_available: 2, max_unavailable: 1",
            "max_unavailable",
            "not both",
        ),
    ] {
        let err = own_keys(&format!("{{ name: w, replicas: 5, {keys} }}")).unwrap_err();
        assert_eq!(
            err.key.as_deref(),
            Some(format!("workloads[0].{key}").as_str()),
            "{keys}: {err}"
        );
        assert!(err.message.contains(says), "{keys}: {err}");
        assert_eq!(err.line, Some(13), "{keys}: {err}");
    }
}

#[test]
fn preferred_and_spread_forms_in_kubenines_keys() {
    let w = |keys: &str| {
        own_keys(&format!("{{ name: w, replicas: 3, {keys} }}"))
            .unwrap_or_else(|e| panic!("{e}"))
            .workloads[0]
            .clone()
    };
    let a = w("anti_affinity: { required: host, preferred: zone }");
    assert_eq!(a.anti_affinity, AntiAffinity::Host);
    assert!(a.preferred.zone && !a.preferred.host);
    let b = w("zone_spread: { max_skew: 2, when_unsatisfiable: schedule_anyway }");
    assert_eq!(b.zone_spread, None);
    assert!(b.preferred.zone);
    let c = w("zone_spread: { max_skew: 2 }, host_spread: 1");
    assert_eq!((c.zone_spread, c.host_spread), (Some(2), Some(1)));
    assert_eq!(c.preferred, Preferred::default());
    // The old forms read as before.
    let d = w("anti_affinity: zone, zone_spread: 1");
    assert_eq!(
        (d.anti_affinity, d.zone_spread),
        (AntiAffinity::Zone, Some(1))
    );
    let err = own_keys("{ name: w, replicas: 3, host_spread: 0 }").unwrap_err();
    assert_eq!(err.key.as_deref(), Some("workloads[0].host_spread"));
    let err = own_keys(
        "{ name: w, replicas: 3, zone_spread: { max_skew: 1, when_unsatisfiable: maybe } }",
    )
    .unwrap_err();
    assert!(err.message.contains("schedule_anyway"), "{err}");
}

/// A directory removed when dropped, holding a scenario and its manifests.
struct Dir(std::path::PathBuf);

impl Dir {
    fn new(name: &str, files: &[(&str, &str)]) -> Dir {
        let path =
            std::env::temp_dir().join(format!("kubenines-manifests-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creates a temporary directory");
        for (file, text) in files {
            std::fs::File::create(path.join(file))
                .and_then(|mut f| f.write_all(text.as_bytes()))
                .expect("writes");
        }
        Dir(path)
    }

    fn file(&self, name: &str) -> String {
        self.0.join(name).display().to_string()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Loads a scenario whose one workload is `manifest: m.yaml`, with that manifest.
fn with_manifest(name: &str, manifest: &str) -> (Dir, Result<Scenario, ScenarioError>) {
    let scenario = format!("{BASE}workloads:\n  - manifest: m.yaml\n");
    let dir = Dir::new(name, &[("s.yaml", &scenario), ("m.yaml", manifest)]);
    let loaded = load(Path::new(&dir.file("s.yaml")));
    (dir, loaded)
}

/// The 1-based line and column of the first occurrence of `needle`.
fn position(text: &str, needle: &str) -> (u32, u32) {
    let at = text
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} in the text"));
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    (line as u32, column as u32)
}

fn deployment(spec_extra: &str, pod_extra: &str) -> String {
    format!(
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {{ app: web }}
{spec_extra}  template:
    metadata:
      labels: {{ app: web }}
    spec:
{pod_extra}      containers:
        - name: web
          image: nginx
"
    )
}

const PDB: &str = "\
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: web
spec:
  maxUnavailable: 1
  selector:
    matchLabels: { app: web }
";

/// An error in a manifest names the manifest, the line and column of the
/// field, and the field's path.
fn assert_located(err: &ScenarioError, dir: &Dir, manifest: &str, key: &str, needle: &str) {
    assert_eq!(err.file, dir.file("m.yaml"), "{err}");
    assert_eq!(err.key.as_deref(), Some(key), "{err}");
    let (line, column) = position(manifest, needle);
    assert_eq!((err.line, err.column), (Some(line), Some(column)), "{err}");
}

#[test]
fn errors_are_located_in_the_manifest() {
    // A bad value in the second document, after an empty one.
    let manifest = format!(
        "---\n---\n{PDB}---\n{}",
        deployment("", "").replace("replicas: 3", "replicas: three")
    );
    let (dir, err) = with_manifest("bad-replicas", &manifest);
    let err = err.unwrap_err();
    assert_located(&err, &dir, &manifest, "spec.replicas", "replicas: three");
    assert!(err.message.contains("three"), "{err}");

    // An object kubenines does not read, inside a List.
    let manifest = "\
apiVersion: v1
kind: List
items:
  - apiVersion: v1
    kind: Service
    metadata: { name: web }
";
    let (dir, err) = with_manifest("service", manifest);
    let err = err.unwrap_err();
    assert_located(&err, &dir, manifest, "items[0].kind", "kind: Service");
    assert!(err.message.contains("apps/v1 Deployment"), "{err}");

    // An old API version.
    let manifest = PDB.replace("policy/v1", "policy/v1beta1");
    let (dir, err) = with_manifest("beta", &manifest);
    let err = err.unwrap_err();
    assert_located(&err, &dir, &manifest, "apiVersion", "apiVersion");
    assert!(err.message.contains("use `policy/v1`"), "{err}");

    // What Kubernetes' validation refuses.
    let spread = "      topologySpreadConstraints:\n        - topologyKey: kubernetes.io/hostname\n          maxSkew: 0\n          whenUnsatisfiable: DoNotSchedule\n          labelSelector: { matchLabels: { app: web } }\n";
    let manifest = deployment("", spread);
    let (dir, err) = with_manifest("skew", &manifest);
    let err = err.unwrap_err();
    assert_located(
        &err,
        &dir,
        &manifest,
        "spec.template.spec.topologySpreadConstraints[0].maxSkew",
        "maxSkew: 0",
    );
    let manifest = deployment(
        "",
        &spread
            .replace("maxSkew: 0", "maxSkew: 1")
            .replace("DoNotSchedule", "Never"),
    );
    let (dir, err) = with_manifest("when", &manifest);
    assert_located(
        &err.unwrap_err(),
        &dir,
        &manifest,
        "spec.template.spec.topologySpreadConstraints[0].whenUnsatisfiable",
        "whenUnsatisfiable",
    );
    let manifest = format!(
        "{}---\n{}",
        deployment("", ""),
        PDB.replace("maxUnavailable: 1", "maxUnavailable: 1\n  minAvailable: 2")
    );
    let (dir, err) = with_manifest("both", &manifest);
    assert_located(
        &err.unwrap_err(),
        &dir,
        &manifest,
        "spec.maxUnavailable",
        "maxUnavailable",
    );
    let manifest = format!(
        "{}---\n{}",
        deployment("", ""),
        PDB.replace("maxUnavailable: 1", "minAvailable: 4")
    );
    let (dir, err) = with_manifest("above", &manifest);
    let err = err.unwrap_err();
    assert_located(&err, &dir, &manifest, "spec.minAvailable", "minAvailable");
    assert!(err.message.contains("more than replicas (3)"), "{err}");
    let manifest = deployment("", "").replace("labels: { app: web }", "labels: { app: api }");
    let (dir, err) = with_manifest("selector", &manifest);
    assert_located(
        &err.unwrap_err(),
        &dir,
        &manifest,
        "spec.selector",
        "selector",
    );

    // A manifest that is not there is an error in the scenario.
    let scenario = format!("{BASE}workloads:\n  - manifest: [m.yaml, gone.yaml]\n");
    let dir = Dir::new("gone", &[("s.yaml", &scenario), ("m.yaml", PDB)]);
    let err = load(Path::new(&dir.file("s.yaml"))).unwrap_err();
    assert_eq!(err.file, dir.file("s.yaml"));
    assert_eq!(err.key.as_deref(), Some("workloads[0].manifest[1]"));
    let (line, column) = position(&scenario, "gone.yaml");
    assert_eq!((err.line, err.column), (Some(line), Some(column)), "{err}");

    // Keys that come from the manifest are refused beside it.
    let scenario = format!("{BASE}workloads:\n  - manifest: m.yaml\n    replicas: 3\n");
    let dir = Dir::new(
        "beside",
        &[("s.yaml", &scenario), ("m.yaml", &deployment("", ""))],
    );
    let err = load(Path::new(&dir.file("s.yaml"))).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("workloads[0].replicas"), "{err}");
    assert_eq!(err.line, Some(14), "{err}");
}

#[test]
fn fields_that_change_availability_are_warnings_naming_them() {
    let pod = "      nodeSelector: { disk: ssd }
      tolerations:
        - { key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, tolerationSeconds: 30 }
      topologySpreadConstraints:
        - topologyKey: topology.kubernetes.io/region
          maxSkew: 1
          whenUnsatisfiable: DoNotSchedule
          labelSelector: { matchLabels: { app: web } }
        - topologyKey: topology.kubernetes.io/zone
          maxSkew: 1
          whenUnsatisfiable: DoNotSchedule
          labelSelector: { matchLabels: { app: other } }
";
    let manifest = format!(
        "{}---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata: {{ name: web }}\n",
        deployment("  strategy: { type: Recreate }\n", pod).replace(
            "image: nginx",
            "image: nginx\n          resources: { requests: { cpu: 500m } }"
        )
    );
    let (dir, loaded) = with_manifest("warnings", &manifest);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    let keys: Vec<&str> = s.warnings.iter().map(|w| w.key.as_str()).collect();
    assert_eq!(
        keys,
        vec![
            "kind",
            "spec.template.spec.nodeSelector",
            "spec.template.spec.tolerations",
            "spec.template.spec.topologySpreadConstraints[0].topologyKey",
            "spec.template.spec.topologySpreadConstraints[1].labelSelector",
            "metadata.name",
            // The requests are read; without capacities they are ignored.
            "workloads[0].manifest",
        ]
    );
    assert_eq!(s.workloads[0].requests.cpu_millicores, 500);
    assert!(
        s.warnings[6].message.contains("workers.node.capacity"),
        "{}",
        s.warnings[6]
    );
    for w in &s.warnings[..6] {
        assert_eq!(w.file, dir.file("m.yaml"));
        assert!(w.line.is_some() && w.column.is_some(), "{w}");
    }
    assert_eq!(s.warnings[6].file, dir.file("s.yaml"));
    assert_eq!((s.warnings[1].line, s.warnings[1].column), {
        let (line, column) = position(&manifest, "nodeSelector");
        (Some(line), Some(column))
    });
    assert!(s.warnings[0].message.contains("HorizontalPodAutoscaler"));
    assert!(s.warnings[5].message.contains("no PodDisruptionBudget"));
    // The ignored constraints leave the workload without spread rules.
    assert_eq!(s.workloads[0].zone_spread, None);
}

/// A Deployment's rollout settings are read as the workload's own keys
/// would give them: `strategy.rollingUpdate` resolved as Kubernetes'
/// `ResolveFenceposts` (surge up, unavailability down, 25% when unset),
/// Recreate as no surge with every pod unavailable, and
/// `progressDeadlineSeconds`; both fenceposts 0 is refused where written.
#[test]
fn a_deployments_rollout_settings_are_read() {
    let read = |spec: &str| {
        let (_dir, loaded) = with_manifest("rollout", &deployment(spec, ""));
        loaded
    };
    let w = |spec: &str| read(spec).unwrap_or_else(|e| panic!("{e}")).workloads[0].clone();
    let rolling = w("  strategy:\n    rollingUpdate: { maxSurge: 1, maxUnavailable: 0 }\n");
    assert_eq!(
        rolling.rolling_update,
        Some(RollingUpdate {
            max_surge: 1,
            max_unavailable: 0
        })
    );
    // 3 replicas: 50% surge rounds up to 2, 25% unavailable down to 0.
    let percent =
        w("  strategy:\n    rollingUpdate: { maxSurge: 50% }\n  progressDeadlineSeconds: 300\n");
    assert_eq!(
        percent.rolling_update,
        Some(RollingUpdate {
            max_surge: 2,
            max_unavailable: 0
        })
    );
    assert_eq!(percent.progress_deadline, Some(300.0));
    let recreate = w("  strategy: { type: Recreate }\n");
    assert_eq!(
        recreate.rolling_update,
        Some(RollingUpdate {
            max_surge: 0,
            max_unavailable: 3
        })
    );
    // Unset: the workload's defaults, as with kubenines' keys.
    assert_eq!(w("").rolling_update, None);
    let err =
        read("  strategy:\n    rollingUpdate: { maxSurge: 0, maxUnavailable: 0 }\n").unwrap_err();
    assert_eq!(
        err.key.as_deref(),
        Some("spec.strategy.rollingUpdate.maxUnavailable"),
        "{err}"
    );
}

/// The complaint: a Deployment given as the scenario says what to do.
#[test]
fn a_manifest_given_as_the_scenario_points_to_manifest() {
    let err = load(Path::new("tests/manifests/replicaset.yaml")).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("apiVersion"));
    assert_eq!((err.line, err.column), (Some(1), Some(1)));
    assert!(
        err.message.contains("workloads: [{ manifest: FILE }]"),
        "{err}"
    );
}

/// Names are unique over both kinds of entry, and a placement warning about
/// a manifest's workload names it.
#[test]
fn manifest_workloads_meet_the_scenario_rules() {
    let scenario =
        format!("{BASE}workloads:\n  - {{ name: web, replicas: 1 }}\n  - manifest: m.yaml\n");
    let dir = Dir::new(
        "duplicate",
        &[("s.yaml", &scenario), ("m.yaml", &deployment("", ""))],
    );
    let err = load(Path::new(&dir.file("s.yaml"))).unwrap_err();
    assert_eq!(err.key.as_deref(), Some("workloads[1].manifest"), "{err}");
    assert!(
        err.message.contains("already the name of workloads[0]"),
        "{err}"
    );

    let anti = "      affinity:\n        podAntiAffinity:\n          requiredDuringSchedulingIgnoredDuringExecution:\n            - topologyKey: topology.kubernetes.io/zone\n              labelSelector: { matchLabels: { app: web } }\n";
    let manifest = format!(
        "{}---\n{PDB}",
        deployment("", anti).replace("replicas: 3", "replicas: 4")
    );
    let (_dir, loaded) = with_manifest("placement", &manifest);
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.workloads[0].anti_affinity, AntiAffinity::Zone);
    assert_eq!(s.warnings.len(), 1, "{:?}", s.warnings);
    let w = &s.warnings[0];
    assert_eq!(w.key, "workloads[0].manifest");
    assert!(
        w.message
            .starts_with("`web` (from the manifest): 4 replicas but at most 3"),
        "{w}"
    );
}

/// Issue 16: an apps/v1 StatefulSet is read as a workload of `kind:
/// statefulset`, with its PodDisruptionBudget, and a `volumeClaimTemplates`
/// entry as a zonal `volume` (attached in 30 s, detached by force after
/// Kubernetes' 6 minutes).
#[test]
fn a_statefulset_is_read() {
    let statefulset = deployment("  serviceName: web\n", "")
        .replace("kind: Deployment", "kind: StatefulSet")
        + "  volumeClaimTemplates:\n    - metadata: { name: data }\n      spec:\n        \
           accessModes: [ReadWriteOnce]\n        resources: { requests: { storage: 10Gi } }\n";
    let manifest = format!("{statefulset}---\n{PDB}");
    let scenario = format!("{BASE}workloads:\n  - manifest: m.yaml\n");
    let dir = Dir::new(
        "statefulset",
        &[("s.yaml", &scenario), ("m.yaml", &manifest)],
    );
    let source = dir.file("s.yaml");
    let s = kubenines::scenario::parse_str(&scenario, &source, kubenines::scenario::Format::Yaml)
        .unwrap_or_else(|e| panic!("{e}"));
    let w = &s.workloads[0];
    assert_eq!(
        (w.name.as_str(), w.replicas, w.min_available),
        ("web", 3, 2)
    );
    assert_eq!(w.kind, WorkloadKind::StatefulSet);
    assert_eq!(
        w.volume,
        Some(Volume {
            zonal: true,
            attach: Distribution::Fixed(30.0),
            force_detach: 360.0,
        })
    );
    // Simulated: the scenario loads as it is.
    load(Path::new(&source)).unwrap_or_else(|e| panic!("{e}"));
    // Without claim templates, no volume; still a StatefulSet.
    let (_dir, loaded) = with_manifest(
        "statefulset-plain",
        &statefulset[..statefulset.find("  volumeClaimTemplates").unwrap()],
    );
    let s = loaded.unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.workloads[0].kind, WorkloadKind::StatefulSet);
    assert_eq!(s.workloads[0].volume, None);
    // A StatefulSet of another apiVersion says which one to use.
    let (dir, loaded) = with_manifest(
        "statefulset-beta",
        &statefulset.replace("apps/v1", "apps/v1beta2"),
    );
    let err = loaded.unwrap_err();
    assert_located(&err, &dir, &statefulset, "apiVersion", "apiVersion");
    assert!(
        err.message.contains("use `apps/v1` for a StatefulSet"),
        "{err}"
    );
}
