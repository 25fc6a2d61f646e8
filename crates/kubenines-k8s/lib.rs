//! The Kubernetes objects a kubenines manifest may hold, as k8s-openapi's
//! types (generated from Kubernetes' OpenAPI spec, here of Kubernetes 1.33).

pub use k8s_openapi;
use k8s_openapi::api::apps::v1::{Deployment, ReplicaSet, StatefulSet};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use serde_json::Value;

/// A document of a manifest, typed by its `apiVersion` and `kind`.
#[derive(Clone, Debug)]
pub enum Object {
    Deployment(Box<Deployment>),
    ReplicaSet(Box<ReplicaSet>),
    StatefulSet(Box<StatefulSet>),
    PodDisruptionBudget(Box<PodDisruptionBudget>),
}

/// Why a document is not the object its `apiVersion` and `kind` name: the
/// key path of the bad value and serde's message.
pub type Error = serde_path_to_error::Error<serde_json::Error>;

/// Reads `document` as the type `(apiVersion, kind)` names, or `None` when
/// that is not one of [`Object`]'s. Unknown fields are ignored, as the
/// types do.
pub fn read(api_version: &str, kind: &str, document: &Value) -> Option<Result<Object, Error>> {
    fn typed<T: k8s_openapi::serde::de::DeserializeOwned>(v: &Value) -> Result<T, Error> {
        serde_path_to_error::deserialize(v)
    }
    Some(match (api_version, kind) {
        ("apps/v1", "Deployment") => typed(document).map(|o| Object::Deployment(Box::new(o))),
        ("apps/v1", "ReplicaSet") => typed(document).map(|o| Object::ReplicaSet(Box::new(o))),
        ("apps/v1", "StatefulSet") => typed(document).map(|o| Object::StatefulSet(Box::new(o))),
        ("policy/v1", "PodDisruptionBudget") => {
            typed(document).map(|o| Object::PodDisruptionBudget(Box::new(o)))
        }
        _ => return None,
    })
}
