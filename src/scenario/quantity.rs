//! Kubernetes resource quantities (`500m`, `2`, `1.5Gi`) for
//! `workers.node.capacity` and `workloads[].requests`, parsed with the
//! `kube_quantity` crate (which reads k8s-openapi's `Quantity` as the API
//! server's grammar does: a signed decimal number, then an SI suffix `n u m
//! k M G T P`, a binary one `Ki Mi Gi Ti Pi`, or an exponent `e3`; the
//! crate reads a capital `E` as the start of an exponent, so the exa
//! suffixes `E` and `Ei`, which no node's capacity needs, are refused).
//!
//! CPU is kept in millicores, memory in bytes, both `u64`. What Kubernetes
//! refuses is refused here, while the deserializer still knows where the
//! value is: a malformed number or an unknown suffix (`1K`, `1gb`), a
//! negative quantity; and, as kubenines counts CPU in whole millicores (the
//! scheduler's unit, `MilliValue`), CPU finer than `1m`. Memory is rounded
//! up to a whole byte, as `Quantity.Value()` does.

use std::borrow::Cow;
use std::fmt;

use kube_quantity::ParsedQuantity;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, Visitor};

/// A CPU quantity in millicores (`500m` is 500, `2` is 2000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CpuQuantity(pub u64);

/// A memory quantity in bytes (`1Gi` is 1073741824, `1G` is 1000000000).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryQuantity(pub u64);

/// The largest whole number below 2^64 that an `f64` holds (2^64 - 2048).
const MAX_U64_F64: f64 = 18_446_744_073_709_549_568.0;

/// A CPU quantity's millicores, as written in a manifest.
pub(crate) fn cpu_millicores(text: &str) -> Result<u64, String> {
    parse(text, 1000.0, false, "cpu")
}

/// A memory quantity's bytes, as written in a manifest.
pub(crate) fn memory_bytes(text: &str) -> Result<u64, String> {
    parse(text, 1.0, true, "memory")
}

/// A value of `text` in units of `unit` (1000 for millicores, 1 for
/// bytes), rounded up to a whole unit when `round_up`, or refused when not
/// whole. `what` names the resource in messages.
fn parse(text: &str, unit: f64, round_up: bool, what: &str) -> Result<u64, String> {
    let shown = text.escape_debug();
    let example = if what == "cpu" {
        "`500m` (half a core) or `2`"
    } else {
        "`512Mi`, `1.5Gi` or `1G`"
    };
    let malformed = || {
        format!(
            "`{shown}` is not a Kubernetes quantity; write a number with an optional suffix, \
             e.g. {example} (suffixes: m, k, M, G, T, P, Ki, Mi, Gi, Ti, Pi)"
        )
    };
    // kube_quantity reads a bare suffix (`Mi`) as 0; Kubernetes wants digits.
    if !text.bytes().any(|b| b.is_ascii_digit()) {
        return Err(malformed());
    }
    let quantity = ParsedQuantity::try_from(text).map_err(|_| malformed())?;
    if quantity < ParsedQuantity::default() {
        return Err(format!(
            "`{shown}` is negative; Kubernetes refuses a negative {what} quantity"
        ));
    }
    let value = quantity.to_bytes_f64().ok_or_else(malformed)? * unit;
    if !value.is_finite() || value > MAX_U64_F64 {
        return Err(format!("`{shown}` is too large a {what} quantity"));
    }
    // The crate reads the number as an f64, so `1.1` × 1000 can come out a
    // rounding error away from 1100: a value within a few units in the last
    // place of a whole number is that number.
    let whole = value.round();
    let rounding = 4.0 * f64::EPSILON * value.abs().max(1.0);
    let value = if (value - whole).abs() <= rounding {
        whole
    } else if round_up {
        value.ceil()
    } else {
        return Err(format!(
            "`{shown}` is finer than a millicore; kubenines, like the scheduler, counts CPU \
             in whole millicores, so write at least `1m` and whole millicores (`0.5` is \
             `500m`, `0.0005` is not a whole millicore)"
        ));
    };
    Ok(value as u64)
}

/// Reads a quantity written as text or as a YAML/JSON/TOML number.
struct QuantityVisitor {
    /// Millicores per core (1000) for CPU, 1 for memory.
    unit: f64,
    round_up: bool,
    what: &'static str,
}

impl Visitor<'_> for QuantityVisitor {
    type Value = u64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.what == "cpu" {
            f.write_str("a CPU quantity such as `500m` or `2`")
        } else {
            f.write_str("a memory quantity such as `512Mi` or `1.5Gi`")
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<u64, E> {
        parse(v, self.unit, self.round_up, self.what).map_err(E::custom)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
        self.visit_str(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
        if !v.is_finite() {
            return Err(E::custom(format_args!(
                "`{v}` is not a Kubernetes quantity; write a number such as `2` or `1.5Gi`"
            )));
        }
        self.visit_str(&v.to_string())
    }
}

impl<'de> Deserialize<'de> for CpuQuantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(QuantityVisitor {
                unit: 1000.0,
                round_up: false,
                what: "cpu",
            })
            .map(CpuQuantity)
    }
}

impl<'de> Deserialize<'de> for MemoryQuantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_any(QuantityVisitor {
                unit: 1.0,
                round_up: true,
                what: "memory",
            })
            .map(MemoryQuantity)
    }
}

/// Kubernetes' quantity grammar (`resource.Quantity`), non-negative.
const QUANTITY_PATTERN: &str =
    r"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+|[numkMGTP]|[KMGTP]i)?$";

impl JsonSchema for CpuQuantity {
    fn schema_name() -> Cow<'static, str> {
        "CpuQuantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A Kubernetes CPU quantity: cores (`2`, `0.5`) or millicores (`500m`); at least 0, in whole millicores.",
            "anyOf": [
                { "type": "string", "pattern": QUANTITY_PATTERN },
                { "type": "number", "minimum": 0 }
            ],
            "examples": ["500m", "2", 0.25]
        })
    }
}

impl JsonSchema for MemoryQuantity {
    fn schema_name() -> Cow<'static, str> {
        "MemoryQuantity".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "A Kubernetes memory quantity in bytes, with an optional suffix: binary (`Ki`, `Mi`, `Gi`, `Ti`, `Pi`) or decimal (`k`, `M`, `G`, `T`, `P`); at least 0.",
            "anyOf": [
                { "type": "string", "pattern": QUANTITY_PATTERN },
                { "type": "number", "minimum": 0 }
            ],
            "examples": ["512Mi", "1.5Gi", "8G"]
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(text: &str) -> Result<u64, String> {
        parse(text, 1000.0, false, "cpu")
    }

    fn memory(text: &str) -> Result<u64, String> {
        parse(text, 1.0, true, "memory")
    }

    #[test]
    fn cpu_in_millicores() {
        assert_eq!(cpu("500m"), Ok(500));
        assert_eq!(cpu("2"), Ok(2000));
        assert_eq!(cpu("0.5"), Ok(500));
        assert_eq!(cpu("1.1"), Ok(1100));
        assert_eq!(cpu("0.001"), Ok(1));
        assert_eq!(cpu("1e3"), Ok(1_000_000));
        assert_eq!(cpu("0"), Ok(0));
        assert_eq!(cpu("+1"), Ok(1000));
    }

    #[test]
    fn memory_in_bytes() {
        assert_eq!(memory("1Gi"), Ok(1 << 30));
        assert_eq!(memory("1.5Gi"), Ok(3 << 29));
        assert_eq!(memory("1G"), Ok(1_000_000_000));
        assert_eq!(memory("1.1k"), Ok(1100));
        assert_eq!(memory("512Mi"), Ok(512 << 20));
        assert_eq!(memory("128974848"), Ok(128_974_848));
        // A fraction of a byte is rounded up, as Quantity.Value() does.
        assert_eq!(memory("0.5"), Ok(1));
        assert_eq!(memory("1500m"), Ok(2));
    }

    /// Why the value is taken as an `f64`: the crate's integer conversions
    /// drop a fraction of the number before scaling it.
    #[test]
    fn the_crates_integer_conversion_is_not_used() {
        let q = ParsedQuantity::try_from("1.5Gi").unwrap();
        assert_eq!(q.to_bytes_u64(), Some(1 << 30));
        assert_eq!(memory("1.5Gi"), Ok(3 << 29));
    }

    #[test]
    fn refuses_what_kubernetes_refuses() {
        // `1E` and `1Ei` too: the crate reads `E` as the start of an exponent.
        for bad in [
            "", "Mi", "m", "1K", "1gb", "1 Gi", "one", "1.2.3", "1Gi ", "nan", "inf", "1Ei",
        ] {
            let err = memory(bad).unwrap_err();
            assert!(
                err.contains("is not a Kubernetes quantity"),
                "{bad:?}: {err}"
            );
        }
        assert!(cpu("-1").unwrap_err().contains("negative"));
        assert!(memory("-1Gi").unwrap_err().contains("negative"));
        assert!(cpu("0.5m").unwrap_err().contains("finer than a millicore"));
        assert!(cpu("100u").unwrap_err().contains("finer than a millicore"));
        let err = memory("100000P").unwrap_err();
        assert!(err.contains("too large"), "{err}");
    }
}
