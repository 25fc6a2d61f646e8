//! The JSON Schema of scenario files, for editors (`kubenines schema`).

use super::raw::RawScenario;

/// The JSON Schema (draft 2020-12) of the scenario files this version accepts.
///
/// Derived from the same types the loader deserializes, so the two cannot
/// drift apart. Keys of the format that this version does not read yet
/// (`simulation.precision`) are left out: the schema describes what loads.
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(RawScenario).to_value()
}
