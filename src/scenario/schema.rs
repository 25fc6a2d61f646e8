//! The JSON Schema of scenario files, for editors (`kubenines schema`).

use super::raw::RawScenario;

/// The JSON Schema (draft 2020-12) of the scenario files this version accepts.
///
/// Derived from the same types the loader deserializes, so the two cannot
/// drift apart. What the types alone cannot say is added to them: that
/// `simulation` takes exactly one of `replications` and `precision` (a
/// `oneOf` of the two `required` lists).
pub fn json_schema() -> serde_json::Value {
    schemars::schema_for!(RawScenario).to_value()
}
