//! The Kubernetes objects `tests/suite/deploy.rs` reads, as k8s-openapi's types
//! (generated from Kubernetes' OpenAPI spec, here of Kubernetes 1.33).

pub use k8s_openapi;
use k8s_openapi::api::batch::v1::Job;
use k8s_openapi::api::core::v1::{PersistentVolumeClaim, Pod};
use serde_json::Value;

/// A document of a manifest, typed by its `apiVersion` and `kind`.
#[derive(Clone, Debug)]
pub enum Object {
    Job(Box<Job>),
    Pod(Box<Pod>),
    PersistentVolumeClaim(Box<PersistentVolumeClaim>),
}

/// Reads a document as the API type its `apiVersion` and `kind` name. The
/// types ignore unknown fields; [`write`] shows which were dropped.
pub fn read(document: &Value) -> Result<Object, String> {
    fn typed<T: k8s_openapi::serde::de::DeserializeOwned>(v: &Value) -> Result<T, String> {
        serde_path_to_error::deserialize(v).map_err(|e| e.to_string())
    }
    let field = |k: &str| document.get(k).and_then(Value::as_str).unwrap_or("");
    match (field("apiVersion"), field("kind")) {
        ("batch/v1", "Job") => typed(document).map(Object::Job),
        ("v1", "Pod") => typed(document).map(Object::Pod),
        ("v1", "PersistentVolumeClaim") => typed(document).map(Object::PersistentVolumeClaim),
        (api, kind) => Err(format!(
            "no schema for apiVersion {api:?} kind {kind:?}: add its k8s-openapi type to tests/k8s-schema"
        )),
    }
}

/// The object written back out, as the API server would read it.
pub fn write(object: &Object) -> Value {
    match object {
        Object::Job(o) => serde_json::to_value(o),
        Object::Pod(o) => serde_json::to_value(o),
        Object::PersistentVolumeClaim(o) => serde_json::to_value(o),
    }
    .expect("API objects serialise")
}
