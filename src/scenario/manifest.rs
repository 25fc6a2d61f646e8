//! Kubernetes manifests as workloads: `workloads: - manifest: web.yaml`.
//!
//! A manifest is a YAML file as kubectl writes it: one or more documents,
//! each an object or a `kind: List` of them. Its apps/v1 Deployments,
//! ReplicaSets and StatefulSets (a
//! `volumeClaimTemplates` entry is a zonal `volume` attached in
//! `MANIFEST_ATTACH`) become workloads (in file order), read with Kubernetes' own
//! types (k8s-openapi, in crates/kubenines-k8s); each takes its
//! `min_available` from the policy/v1 PodDisruptionBudget of the same files
//! that selects its pod template's labels. What a workload cannot express
//! but changes availability (node selectors, tolerations, a topology key
//! other than zone or hostname, ...) is a warning naming the field; what
//! Kubernetes would refuse, or kubenines cannot simulate, is an error. Both
//! are located in the manifest: file, line, column and the field's path.

use std::collections::BTreeMap;
use std::path::Path;

use kubenines_k8s::Object;
use kubenines_k8s::k8s_openapi::api::core::v1::{PodAffinityTerm, PodSpec, PodTemplateSpec};
use kubenines_k8s::k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use kubenines_k8s::k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use serde_json::Value;

use super::dist::Distribution;
use super::error::ScenarioError;
use super::load::{self, Format};
use super::locate;
use super::quantity;
use super::raw::{IntOrPercent, RawScenario, parse_whole_percent};
use super::types::{
    AntiAffinity, DEFAULT_FORCE_DETACH, DEFAULT_ROLLOUT_PERCENT, Preferred, Resources,
    RollingUpdate, ScenarioWarning, Volume, Workload, WorkloadKind,
};
use super::validate::{MAX_REPLICAS, desired_healthy, name_problem};

/// The zone label and its deprecated beta form.
const ZONE_KEYS: [&str; 2] = [
    "topology.kubernetes.io/zone",
    "failure-domain.beta.kubernetes.io/zone",
];
const HOST_KEY: &str = "kubernetes.io/hostname";

/// The workloads read from each workload entry's `manifest`, by entry
/// (`None` for an entry with kubenines' own keys).
pub(crate) type ManifestWorkloads = Vec<Option<Vec<Workload>>>;

/// The workloads of every `manifest` entry of `raw` (`None` for an entry
/// with kubenines' own keys), and the warnings about them. `source` names
/// the scenario; manifest paths are relative to its directory.
pub(crate) fn load_manifests(
    raw: &RawScenario,
    text: &str,
    source: &str,
    format: Format,
) -> Result<(ManifestWorkloads, Vec<ScenarioWarning>), ScenarioError> {
    let Some(entries) = &raw.workloads else {
        return Ok((Vec::new(), Vec::new()));
    };
    let base = Path::new(source).parent().unwrap_or(Path::new(""));
    let mut out = Vec::with_capacity(entries.len());
    let mut warnings = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        let Some(manifest) = &entry.manifest else {
            out.push(None);
            continue;
        };
        let (paths, listed) = manifest.paths();
        if paths.is_empty() {
            return Err(scenario_error(
                text,
                source,
                format,
                format!("workloads[{i}].manifest"),
                "lists no file; give the path of a manifest, e.g. `web.yaml`".into(),
            ));
        }
        let mut files = Vec::with_capacity(paths.len());
        for (j, path) in paths.into_iter().enumerate() {
            let key = if listed {
                format!("workloads[{i}].manifest[{j}]")
            } else {
                format!("workloads[{i}].manifest")
            };
            let file = base.join(path);
            let shown = file.display().to_string();
            let read = crate::fsio::read_limited(&file, load::MAX_FILE_BYTES as u64)
                .map_err(|e| match e {
                    crate::fsio::ReadError::TooLarge { .. } => format!(
                        "`{shown}` is more than {} bytes; manifests are limited to 1 MiB",
                        load::MAX_FILE_BYTES
                    ),
                    e => format!("cannot read the manifest `{shown}`: {e}"),
                })
                .map_err(|why| scenario_error(text, source, format, key.clone(), why))?;
            let manifest_text = load::utf8(read, &shown)?;
            files.push(File {
                name: shown,
                text: manifest_text,
            });
        }
        let mut reader = Reader {
            files: &files,
            warnings: Vec::new(),
        };
        out.push(Some(reader.workloads()?));
        warnings.append(&mut reader.warnings);
    }
    Ok((out, warnings))
}

fn scenario_error(
    text: &str,
    source: &str,
    format: Format,
    key: String,
    message: String,
) -> ScenarioError {
    let (line, column) = load::locate_key(&key, text, format);
    ScenarioError {
        file: source.to_string(),
        line,
        column,
        key: Some(key),
        message,
    }
}

/// A manifest file as read.
struct File {
    /// As errors name it: the scenario's directory joined with the path.
    name: String,
    text: String,
}

/// Where an object sits: its file, its document (0-based among documents
/// that are not empty) and its path there (`items[3]` in a List, else empty).
#[derive(Clone)]
struct Origin {
    file: usize,
    document: usize,
    prefix: String,
}

/// A Deployment, ReplicaSet or StatefulSet, as far as kubenines reads it.
struct Controller {
    origin: Origin,
    kind: &'static str,
    metadata: ObjectMeta,
    replicas: Option<i32>,
    selector: Option<LabelSelector>,
    template: Option<PodTemplateSpec>,
    recreate: bool,
    /// `spec.strategy.rollingUpdate`: max surge and max unavailable.
    rolling_update: Option<(Option<IntOrString>, Option<IntOrString>)>,
    /// `spec.progressDeadlineSeconds`.
    progress_deadline: Option<i32>,
    /// A StatefulSet's `spec.volumeClaimTemplates` is not empty.
    claims_volumes: bool,
}

/// Seconds to attach the volume of a StatefulSet read from a manifest (a
/// `volumeClaimTemplates` entry), which the manifest cannot say: a cloud
/// block disk's attachment takes some tens of seconds.
pub(crate) const MANIFEST_ATTACH: f64 = 30.0;

struct Budget {
    origin: Origin,
    name: String,
    namespace: String,
    spec: Option<kubenines_k8s::k8s_openapi::api::policy::v1::PodDisruptionBudgetSpec>,
}

struct Reader<'a> {
    files: &'a [File],
    warnings: Vec<ScenarioWarning>,
}

impl Reader<'_> {
    /// The located error at `path` (below the object's prefix).
    fn error(&self, origin: &Origin, path: &str, message: String) -> ScenarioError {
        let (file, line, column, key) = self.locate(origin, path);
        ScenarioError {
            file,
            line,
            column,
            key: Some(key),
            message,
        }
    }

    /// Whether a rule's `topologyKey` (at `at`) is the zone (true) or the
    /// node (false); any other key is warned about and the rule ignored
    /// (`None`).
    fn zone_or_host(
        &mut self,
        o: &Origin,
        at: &str,
        what: &str,
        rule: &str,
        key: &str,
    ) -> Option<bool> {
        if ZONE_KEYS.contains(&key) {
            return Some(true);
        }
        if key == HOST_KEY {
            return Some(false);
        }
        self.warn(
            o,
            &format!("{at}.topologyKey"),
            format!(
                "{what}: kubenines knows zones (`{}`) and nodes (`{HOST_KEY}`) only; this \
                 {rule} on `{key}` is ignored",
                ZONE_KEYS[0]
            ),
        );
        None
    }

    fn warn(&mut self, origin: &Origin, path: &str, message: String) {
        let (file, line, column, key) = self.locate(origin, path);
        self.warnings.push(ScenarioWarning {
            file,
            line,
            column,
            key,
            message,
        });
    }

    fn locate(&self, origin: &Origin, path: &str) -> (String, Option<u32>, Option<u32>, String) {
        let key = match (origin.prefix.is_empty(), path.is_empty()) {
            (true, _) => path.to_string(),
            (false, true) => origin.prefix.clone(),
            (false, false) => format!("{}.{path}", origin.prefix),
        };
        let file = &self.files[origin.file];
        let found =
            locate::locate_in_document(&file.text, origin.document, &locate::parse_path(&key));
        (
            file.name.clone(),
            found.map(|f| f.position.line),
            found.map(|f| f.position.column),
            key,
        )
    }

    /// Every object of every file, typed.
    fn objects(&mut self) -> Result<(Vec<Controller>, Vec<Budget>), ScenarioError> {
        let mut controllers = Vec::new();
        let mut budgets = Vec::new();
        for (f, file) in self.files.iter().enumerate() {
            let documents: Vec<Value> = load::from_yaml_documents(&file.text)
                .map_err(|failure| failure.into_error(&file.text, &file.name, Format::Yaml))?;
            for (d, document) in documents.iter().enumerate() {
                let origin = Origin {
                    file: f,
                    document: d,
                    prefix: String::new(),
                };
                let (api_version, kind) = self.type_of(&origin, document)?;
                if (api_version, kind) == ("v1", "List") {
                    let Some(items) = document.get("items").and_then(Value::as_array) else {
                        return Err(self.error(
                            &origin,
                            "items",
                            "a List needs `items`, a list of objects".into(),
                        ));
                    };
                    for (k, item) in items.iter().enumerate() {
                        let origin = Origin {
                            prefix: format!("items[{k}]"),
                            ..origin.clone()
                        };
                        let (api_version, kind) = self.type_of(&origin, item)?;
                        self.object(
                            origin,
                            api_version,
                            kind,
                            item,
                            &mut controllers,
                            &mut budgets,
                        )?;
                    }
                } else {
                    self.object(
                        origin,
                        api_version,
                        kind,
                        document,
                        &mut controllers,
                        &mut budgets,
                    )?;
                }
            }
        }
        Ok((controllers, budgets))
    }

    fn type_of<'v>(
        &self,
        origin: &Origin,
        value: &'v Value,
    ) -> Result<(&'v str, &'v str), ScenarioError> {
        if !value.is_object() {
            return Err(self.error(
                origin,
                "",
                "expected a Kubernetes object (a mapping with `apiVersion` and `kind`)".into(),
            ));
        }
        let field = |name: &str| {
            value.get(name).and_then(Value::as_str).ok_or_else(|| {
                self.error(
                    origin,
                    name,
                    format!("missing required key `{name}` (a string)"),
                )
            })
        };
        Ok((field("apiVersion")?, field("kind")?))
    }

    fn object(
        &mut self,
        origin: Origin,
        api_version: &str,
        kind: &str,
        value: &Value,
        controllers: &mut Vec<Controller>,
        budgets: &mut Vec<Budget>,
    ) -> Result<(), ScenarioError> {
        let object = match kubenines_k8s::read(api_version, kind, value) {
            Some(Ok(object)) => object,
            Some(Err(e)) => {
                let path = load::render_path(&load::from_tracked(e.path()));
                let message = e.inner().to_string();
                return Err(self.error(&origin, &path, message));
            }
            None if kind == "HorizontalPodAutoscaler" => {
                self.warn(
                    &origin,
                    "kind",
                    "kubenines keeps each workload at its `replicas`; this \
                     HorizontalPodAutoscaler is ignored"
                        .into(),
                );
                return Ok(());
            }
            None => {
                let (key, why) = match kind {
                    "Deployment" | "ReplicaSet" | "StatefulSet" => {
                        ("apiVersion", format!("use `apps/v1` for a {kind}"))
                    }
                    "PodDisruptionBudget" => (
                        "apiVersion",
                        "use `policy/v1` for a PodDisruptionBudget".to_string(),
                    ),
                    _ => ("kind", "keep it in another file".to_string()),
                };
                return Err(self.error(
                    &origin,
                    key,
                    format!(
                        "`{api_version}` `{kind}` is not an object kubenines reads (apps/v1 \
                         Deployment, ReplicaSet and StatefulSet, policy/v1 PodDisruptionBudget, \
                         and a v1 List of them); {why}"
                    ),
                ));
            }
        };
        match object {
            Object::Deployment(d) => {
                let spec = d.spec.unwrap_or_default();
                let recreate = spec
                    .strategy
                    .as_ref()
                    .and_then(|s| s.type_.as_deref())
                    .is_some_and(|t| t == "Recreate");
                controllers.push(Controller {
                    origin,
                    kind: "Deployment",
                    metadata: d.metadata,
                    replicas: spec.replicas,
                    selector: Some(spec.selector),
                    template: Some(spec.template),
                    recreate,
                    rolling_update: spec
                        .strategy
                        .as_ref()
                        .and_then(|s| s.rolling_update.as_ref())
                        .map(|r| (r.max_surge.clone(), r.max_unavailable.clone())),
                    progress_deadline: spec.progress_deadline_seconds,
                    claims_volumes: false,
                });
            }
            Object::ReplicaSet(r) => {
                let spec = r.spec.unwrap_or_default();
                controllers.push(Controller {
                    origin,
                    kind: "ReplicaSet",
                    metadata: r.metadata,
                    replicas: spec.replicas,
                    selector: Some(spec.selector),
                    template: spec.template,
                    recreate: false,
                    rolling_update: None,
                    progress_deadline: None,
                    claims_volumes: false,
                });
            }
            Object::StatefulSet(s) => {
                let spec = s.spec.unwrap_or_default();
                controllers.push(Controller {
                    origin,
                    kind: "StatefulSet",
                    metadata: s.metadata,
                    replicas: spec.replicas,
                    selector: Some(spec.selector),
                    template: Some(spec.template),
                    recreate: false,
                    rolling_update: None,
                    progress_deadline: None,
                    claims_volumes: spec
                        .volume_claim_templates
                        .is_some_and(|claims| !claims.is_empty()),
                });
            }
            Object::PodDisruptionBudget(p) => budgets.push(Budget {
                origin,
                name: p.metadata.name.clone().unwrap_or_default(),
                namespace: namespace(&p.metadata),
                spec: p.spec,
            }),
        }
        Ok(())
    }

    /// The workloads of the files, in file order.
    fn workloads(&mut self) -> Result<Vec<Workload>, ScenarioError> {
        let (controllers, budgets) = self.objects()?;
        if controllers.is_empty() {
            let origin = Origin {
                file: 0,
                document: 0,
                prefix: String::new(),
            };
            return Err(self.error(
                &origin,
                "",
                "holds no Deployment, ReplicaSet or StatefulSet (apps/v1); a manifest workload \
                 needs one"
                    .into(),
            ));
        }
        let mut out = Vec::with_capacity(controllers.len());
        let mut labels_of = Vec::with_capacity(controllers.len());
        for c in &controllers {
            let (workload, labels) = self.workload(c)?;
            out.push(workload);
            labels_of.push(labels);
        }
        // Each PodDisruptionBudget, on the one workload it selects.
        let mut budget_of: Vec<Option<usize>> = vec![None; controllers.len()];
        for (b, budget) in budgets.iter().enumerate() {
            let what = format!("PodDisruptionBudget `{}`", budget.name);
            let Some(spec) = &budget.spec else {
                self.warn(
                    &budget.origin,
                    "",
                    format!("{what} has no `spec`; it is ignored"),
                );
                continue;
            };
            let Some(selector) = &spec.selector else {
                self.warn(
                    &budget.origin,
                    "spec",
                    format!("{what} has no `selector`, so it selects no pods; it is ignored"),
                );
                continue;
            };
            let selected: Vec<usize> = (0..controllers.len())
                .filter(|&w| {
                    namespace(&controllers[w].metadata) == budget.namespace
                        && selects(selector, &labels_of[w])
                })
                .collect();
            match selected[..] {
                [] => {
                    self.warn(
                        &budget.origin,
                        "spec.selector",
                        format!(
                            "{what} selects the pods of none of the manifest's Deployments and \
                             ReplicaSets; it is ignored"
                        ),
                    );
                    continue;
                }
                [w] => {
                    if let Some(earlier) = budget_of[w] {
                        return Err(self.error(
                            &budget.origin,
                            "spec.selector",
                            format!(
                                "{what} selects the pods of `{}`, as PodDisruptionBudget `{}` \
                                 does; Kubernetes refuses to evict a pod that more than one \
                                 budget covers: keep one",
                                out[w].name, budgets[earlier].name
                            ),
                        ));
                    }
                    budget_of[w] = Some(b);
                }
                _ => {
                    let names: Vec<String> = selected
                        .iter()
                        .map(|&w| format!("`{}`", out[w].name))
                        .collect();
                    return Err(self.error(
                        &budget.origin,
                        "spec.selector",
                        format!(
                            "{what} selects the pods of {}; kubenines gives each workload its own \
                             budget: narrow the selector to one",
                            names.join(" and ")
                        ),
                    ));
                }
            }
            let w = selected[0];
            let min =
                self.int_or_percent(&budget.origin, "spec.minAvailable", &spec.min_available)?;
            let max =
                self.int_or_percent(&budget.origin, "spec.maxUnavailable", &spec.max_unavailable)?;
            if min.is_some() && max.is_some() {
                return Err(self.error(
                    &budget.origin,
                    "spec.maxUnavailable",
                    format!(
                        "{what} gives both `minAvailable` and `maxUnavailable`; Kubernetes \
                         accepts one of them"
                    ),
                ));
            }
            out[w].min_available = desired_healthy(
                min,
                max,
                out[w].replicas,
                ("minAvailable", "maxUnavailable"),
            )
            .map_err(|(which, why)| {
                self.error(
                    &budget.origin,
                    &format!("spec.{which}"),
                    format!("{what}: {why}"),
                )
            })?;
            if spec.unhealthy_pod_eviction_policy.as_deref() == Some("AlwaysAllow") {
                self.warn(
                    &budget.origin,
                    "spec.unhealthyPodEvictionPolicy",
                    format!(
                        "{what}: kubenines applies the IfHealthyBudget policy (a drain waits \
                         for pods that are not ready too); AlwaysAllow is ignored"
                    ),
                );
            }
        }
        for (w, c) in controllers.iter().enumerate() {
            if budget_of[w].is_none() {
                self.warn(
                    &c.origin,
                    "metadata.name",
                    format!(
                        "no PodDisruptionBudget in the manifest selects {} `{}`: kubenines counts \
                         it available while at least 1 replica is ready and, as for \
                         `min_available: 1`, makes a drain wait to keep 1 ready, where a real \
                         drain would not wait",
                        c.kind, out[w].name
                    ),
                );
            }
        }
        Ok(out)
    }

    fn int_or_percent(
        &self,
        origin: &Origin,
        path: &str,
        value: &Option<IntOrString>,
    ) -> Result<Option<IntOrPercent>, ScenarioError> {
        match value {
            None => Ok(None),
            Some(IntOrString::Int(n)) => u64::try_from(*n)
                .map(|n| Some(IntOrPercent::Int(n)))
                .map_err(|_| self.error(origin, path, format!("`{n}` is negative"))),
            Some(IntOrString::String(s)) => parse_whole_percent(s)
                .map(|p| Some(IntOrPercent::Percent(p)))
                .map_err(|why| self.error(origin, path, why)),
        }
    }

    /// A Deployment's rolling update, resolved for `replicas`: Recreate is
    /// every old pod taken away before any new one is added (no surge, all
    /// unavailable); a RollingUpdate's unset fields are Kubernetes' 25%.
    fn rolling_update(
        &self,
        c: &Controller,
        what: &str,
        replicas: u32,
    ) -> Result<Option<RollingUpdate>, ScenarioError> {
        if c.recreate {
            return Ok(Some(RollingUpdate {
                max_surge: 0,
                max_unavailable: replicas,
            }));
        }
        let Some((surge, unavailable)) = &c.rolling_update else {
            return Ok(None);
        };
        let base = "spec.strategy.rollingUpdate";
        let default = IntOrPercent::Percent(DEFAULT_ROLLOUT_PERCENT);
        let part = |path: &str, v: &Option<IntOrString>| -> Result<(u32, bool), ScenarioError> {
            let path = format!("{base}.{path}");
            match self.int_or_percent(&c.origin, &path, v)?.unwrap_or(default) {
                IntOrPercent::Int(n) => u32::try_from(n)
                    .map(|n| (n, false))
                    .map_err(|_| self.error(&c.origin, &path, format!("{what}: {n} is too many"))),
                IntOrPercent::Percent(p) => Ok((p, true)),
            }
        };
        let surge = part("maxSurge", surge)?;
        let unavailable = part("maxUnavailable", unavailable)?;
        if surge.0 == 0 && unavailable.0 == 0 {
            return Err(self.error(
                &c.origin,
                &format!("{base}.maxUnavailable"),
                format!(
                    "{what}: maxSurge and maxUnavailable may not both be 0 (Kubernetes refuses it)"
                ),
            ));
        }
        Ok(Some(RollingUpdate::resolve(surge, unavailable, replicas)))
    }

    /// A Deployment, ReplicaSet or StatefulSet as a workload (its `min_available` 1 until
    /// a budget says otherwise), and its pod template's labels.
    fn workload(
        &mut self,
        c: &Controller,
    ) -> Result<(Workload, BTreeMap<String, String>), ScenarioError> {
        let o = &c.origin;
        let kind = c.kind;
        let Some(name) = c.metadata.name.clone() else {
            return Err(self.error(
                o,
                "metadata.name",
                format!("a {kind} needs `metadata.name`"),
            ));
        };
        if let Some(why) = name_problem(&name, "web") {
            return Err(self.error(o, "metadata.name", why));
        }
        let what = format!("{kind} `{name}`");
        let replicas = c.replicas.unwrap_or(1);
        if replicas < 1 {
            return Err(self.error(
                o,
                "spec.replicas",
                format!("{what} has {replicas} replicas; kubenines simulates at least 1"),
            ));
        }
        if replicas as u32 > MAX_REPLICAS {
            return Err(self.error(
                o,
                "spec.replicas",
                format!(
                    "{replicas} is more than kubenines simulates ({MAX_REPLICAS} replicas per \
                     workload at most)"
                ),
            ));
        }
        let template = c.template.clone().unwrap_or_default();
        let labels = template
            .metadata
            .as_ref()
            .and_then(|m| m.labels.clone())
            .unwrap_or_default();
        if let Some(selector) = &c.selector
            && !selects(selector, &labels)
        {
            return Err(self.error(
                o,
                "spec.selector",
                format!(
                    "{what}: the selector does not select the pod template's labels \
                     (`spec.template.metadata.labels`), which Kubernetes refuses"
                ),
            ));
        }
        let rolling_update = self.rolling_update(c, &what, replicas as u32)?;
        let progress_deadline = match c.progress_deadline {
            None => None,
            Some(s) if s > 0 => Some(f64::from(s)),
            Some(s) => {
                return Err(self.error(
                    o,
                    "spec.progressDeadlineSeconds",
                    format!("{what}: progressDeadlineSeconds must be greater than 0, not {s}"),
                ));
            }
        };
        let pod = template.spec.unwrap_or_default();
        let mut workload = Workload {
            name,
            replicas: replicas as u32,
            min_available: 1,
            startup: Distribution::Fixed(readiness_delay(&pod)),
            anti_affinity: AntiAffinity::None,
            zone_spread: None,
            host_spread: None,
            preferred: Preferred::default(),
            rolling_update,
            progress_deadline,
            kind: if c.kind == "StatefulSet" {
                WorkloadKind::StatefulSet
            } else {
                WorkloadKind::Deployment
            },
            // A claim template gives each replica a volume: a cloud block
            // disk, zonal, attached in `MANIFEST_ATTACH` (the manifest
            // cannot say how long), detached by force after Kubernetes'
            // default wait.
            volume: c.claims_volumes.then_some(Volume {
                zonal: true,
                attach: Distribution::Fixed(MANIFEST_ATTACH),
                force_detach: DEFAULT_FORCE_DETACH,
            }),
            requests: Resources::default(),
        };
        workload.requests = self.requests(o, &what, &pod)?;
        self.unsupported(o, &what, &pod);
        self.spread(o, &what, &pod, &labels, &mut workload)?;
        self.anti_affinity(o, &what, &pod, &labels, &mut workload);
        Ok((workload, labels))
    }

    /// Warnings for the pod spec's fields that change where pods may run or
    /// when they are evicted, which kubenines does not simulate.
    fn unsupported(&mut self, o: &Origin, what: &str, pod: &PodSpec) {
        let base = "spec.template.spec";
        if pod.node_selector.as_ref().is_some_and(|m| !m.is_empty()) {
            self.warn(
                o,
                &format!("{base}.nodeSelector"),
                format!("{what}: kubenines places pods on any worker; the nodeSelector is ignored"),
            );
        }
        if pod.node_name.is_some() {
            self.warn(
                o,
                &format!("{base}.nodeName"),
                format!("{what}: kubenines places pods on any worker; nodeName is ignored"),
            );
        }
        if let Some(affinity) = &pod.affinity {
            if affinity.node_affinity.is_some() {
                self.warn(
                    o,
                    &format!("{base}.affinity.nodeAffinity"),
                    format!(
                        "{what}: kubenines places pods on any worker; the nodeAffinity is ignored"
                    ),
                );
            }
            if affinity.pod_affinity.is_some() {
                self.warn(
                    o,
                    &format!("{base}.affinity.podAffinity"),
                    format!(
                        "{what}: kubenines does not simulate pod affinity to other pods; the \
                         podAffinity is ignored"
                    ),
                );
            }
        }
        if pod.tolerations.as_ref().is_some_and(|t| !t.is_empty()) {
            self.warn(
                o,
                &format!("{base}.tolerations"),
                format!(
                    "{what}: kubenines evicts every pod `workers.eviction_timeout` after its node \
                     is NotReady and knows no taints; the tolerations are ignored"
                ),
            );
        }
    }

    /// The pod's CPU and memory requests: its containers' summed (init
    /// containers, which run before them, and pod overhead are left out).
    fn requests(&self, o: &Origin, what: &str, pod: &PodSpec) -> Result<Resources, ScenarioError> {
        let mut total = Resources::default();
        for (c, container) in pod.containers.iter().enumerate() {
            let Some(requests) = container
                .resources
                .as_ref()
                .and_then(|r| r.requests.as_ref())
            else {
                continue;
            };
            let at = |name: &str| {
                format!("spec.template.spec.containers[{c}].resources.requests.{name}")
            };
            if let Some(q) = requests.get("cpu") {
                let m = quantity::cpu_millicores(&q.0)
                    .map_err(|e| self.error(o, &at("cpu"), format!("{what}: {e}")))?;
                total.cpu_millicores = total.cpu_millicores.saturating_add(m);
            }
            if let Some(q) = requests.get("memory") {
                let b = quantity::memory_bytes(&q.0)
                    .map_err(|e| self.error(o, &at("memory"), format!("{what}: {e}")))?;
                total.memory_bytes = total.memory_bytes.saturating_add(b);
            }
        }
        Ok(total)
    }

    fn spread(
        &mut self,
        o: &Origin,
        what: &str,
        pod: &PodSpec,
        labels: &BTreeMap<String, String>,
        workload: &mut Workload,
    ) -> Result<(), ScenarioError> {
        let constraints = pod
            .topology_spread_constraints
            .as_deref()
            .unwrap_or_default();
        for (k, c) in constraints.iter().enumerate() {
            let at = format!("spec.template.spec.topologySpreadConstraints[{k}]");
            let Some(zone) = self.zone_or_host(o, &at, what, "constraint", &c.topology_key) else {
                continue;
            };
            if c.max_skew < 1 {
                return Err(self.error(
                    o,
                    &format!("{at}.maxSkew"),
                    format!("{what}: maxSkew must be at least 1, not {}", c.max_skew),
                ));
            }
            let anyway = match c.when_unsatisfiable.as_str() {
                "DoNotSchedule" => false,
                "ScheduleAnyway" => true,
                other => {
                    return Err(self.error(
                        o,
                        &format!("{at}.whenUnsatisfiable"),
                        format!(
                            "{what}: `{other}` is not a whenUnsatisfiable; expected \
                             `DoNotSchedule` or `ScheduleAnyway`"
                        ),
                    ));
                }
            };
            if !self.selects_own(o, what, &at, c.label_selector.as_ref(), labels) {
                continue;
            }
            for (field, set) in [
                ("minDomains", c.min_domains.is_some()),
                (
                    "matchLabelKeys",
                    c.match_label_keys
                        .as_ref()
                        .is_some_and(|keys| keys.iter().any(|k| k != "pod-template-hash")),
                ),
                (
                    "nodeAffinityPolicy",
                    c.node_affinity_policy
                        .as_deref()
                        .is_some_and(|p| p != "Honor"),
                ),
                (
                    "nodeTaintsPolicy",
                    c.node_taints_policy
                        .as_deref()
                        .is_some_and(|p| p != "Ignore"),
                ),
            ] {
                if set {
                    self.warn(
                        o,
                        &format!("{at}.{field}"),
                        format!(
                            "{what}: kubenines does not simulate `{field}` (it changes which \
                             nodes or pods the skew counts); it is ignored"
                        ),
                    );
                }
            }
            let skew = c.max_skew as u32;
            match (zone, anyway) {
                (true, true) => workload.preferred.zone = true,
                (false, true) => workload.preferred.host = true,
                (true, false) => {
                    workload.zone_spread = Some(workload.zone_spread.map_or(skew, |s| s.min(skew)))
                }
                (false, false) => {
                    workload.host_spread = Some(workload.host_spread.map_or(skew, |s| s.min(skew)))
                }
            }
        }
        Ok(())
    }

    fn anti_affinity(
        &mut self,
        o: &Origin,
        what: &str,
        pod: &PodSpec,
        labels: &BTreeMap<String, String>,
        workload: &mut Workload,
    ) {
        let Some(anti) = pod
            .affinity
            .as_ref()
            .and_then(|a| a.pod_anti_affinity.as_ref())
        else {
            return;
        };
        let base = "spec.template.spec.affinity.podAntiAffinity";
        let required = anti
            .required_during_scheduling_ignored_during_execution
            .as_deref()
            .unwrap_or_default();
        for (k, term) in required.iter().enumerate() {
            let at = format!("{base}.requiredDuringSchedulingIgnoredDuringExecution[{k}]");
            match self.term(o, what, &at, term, labels) {
                Some(true) => workload.anti_affinity = AntiAffinity::Zone,
                Some(false) if workload.anti_affinity == AntiAffinity::None => {
                    workload.anti_affinity = AntiAffinity::Host
                }
                _ => {}
            }
        }
        let preferred = anti
            .preferred_during_scheduling_ignored_during_execution
            .as_deref()
            .unwrap_or_default();
        for (k, weighted) in preferred.iter().enumerate() {
            let at = format!(
                "{base}.preferredDuringSchedulingIgnoredDuringExecution[{k}].podAffinityTerm"
            );
            match self.term(o, what, &at, &weighted.pod_affinity_term, labels) {
                Some(true) => workload.preferred.zone = true,
                Some(false) => workload.preferred.host = true,
                None => {}
            }
        }
    }

    /// A pod anti-affinity term: `Some(true)` over zones, `Some(false)` over
    /// nodes, `None` (with a warning) when kubenines cannot use it.
    fn term(
        &mut self,
        o: &Origin,
        what: &str,
        at: &str,
        term: &PodAffinityTerm,
        labels: &BTreeMap<String, String>,
    ) -> Option<bool> {
        let zone = self.zone_or_host(o, at, what, "anti-affinity", &term.topology_key)?;
        if !self.selects_own(o, what, at, term.label_selector.as_ref(), labels) {
            return None;
        }
        for (field, set) in [
            (
                "namespaces",
                term.namespaces.as_ref().is_some_and(|n| !n.is_empty()),
            ),
            ("namespaceSelector", term.namespace_selector.is_some()),
            (
                "matchLabelKeys",
                term.match_label_keys
                    .as_ref()
                    .is_some_and(|k| !k.is_empty()),
            ),
            (
                "mismatchLabelKeys",
                term.mismatch_label_keys
                    .as_ref()
                    .is_some_and(|k| !k.is_empty()),
            ),
        ] {
            if set {
                self.warn(
                    o,
                    &format!("{at}.{field}"),
                    format!(
                        "{what}: kubenines counts the workload's own replicas only; `{field}` is \
                         ignored"
                    ),
                );
            }
        }
        Some(zone)
    }

    /// Whether a rule's label selector selects the workload's own pods (if
    /// not, a warning: the rule is about other pods, and is ignored).
    fn selects_own(
        &mut self,
        o: &Origin,
        what: &str,
        at: &str,
        selector: Option<&LabelSelector>,
        labels: &BTreeMap<String, String>,
    ) -> bool {
        match selector {
            Some(selector) if selects(selector, labels) => true,
            Some(_) => {
                self.warn(
                    o,
                    &format!("{at}.labelSelector"),
                    format!(
                        "{what}: the labelSelector does not select the pod template's labels, so \
                         the rule counts other pods than this workload's; kubenines ignores it"
                    ),
                );
                false
            }
            None => {
                self.warn(
                    o,
                    at,
                    format!(
                        "{what}: without a labelSelector the rule counts no pods; kubenines \
                         ignores it"
                    ),
                );
                false
            }
        }
    }
}

/// An object's namespace (`default` when it names none).
fn namespace(metadata: &ObjectMeta) -> String {
    metadata
        .namespace
        .clone()
        .unwrap_or_else(|| "default".to_string())
}

/// Whether `selector` selects a pod with `labels` (matchLabels, and
/// matchExpressions with In, NotIn, Exists and DoesNotExist, as
/// apimachinery's `LabelSelectorAsSelector`); an empty selector selects
/// every pod.
fn selects(selector: &LabelSelector, labels: &BTreeMap<String, String>) -> bool {
    let by_labels = selector
        .match_labels
        .iter()
        .flatten()
        .all(|(k, v)| labels.get(k) == Some(v));
    let by_expressions = selector.match_expressions.iter().flatten().all(|e| {
        let value = labels.get(&e.key);
        let values = e.values.as_deref().unwrap_or_default();
        match e.operator.as_str() {
            "In" => value.is_some_and(|v| values.contains(v)),
            "NotIn" => value.is_none_or(|v| !values.contains(v)),
            "Exists" => value.is_some(),
            "DoesNotExist" => value.is_none(),
            _ => false,
        }
    });
    by_labels && by_expressions
}

/// Seconds before a pod can first be ready: the longest `initialDelaySeconds`
/// of its containers' readiness probes (0 without any). The kubelet runs a
/// readiness probe no earlier than that, and one success makes the pod Ready.
fn readiness_delay(pod: &PodSpec) -> f64 {
    pod.containers
        .iter()
        .filter_map(|c| c.readiness_probe.as_ref()?.initial_delay_seconds)
        .map(|s| f64::from(s.max(0)))
        .fold(0.0, f64::max)
}
