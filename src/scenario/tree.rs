//! A scenario as a generic, ordered value tree: what a study reads its base
//! into, overrides key by key, and writes back out as YAML for the normal
//! scenario loader to parse and validate.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

use super::locate::Segment;

/// Any YAML, TOML or JSON value, with mappings in the order written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Node {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(String, Node)>),
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Node;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("any value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Node, E> {
                Ok(Node::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Node, E> {
                Ok(Node::Int(v.into()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Node, E> {
                Ok(Node::Int(v.into()))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Node, E> {
                Ok(Node::Int(v))
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Node, E> {
                i128::try_from(v)
                    .map(Node::Int)
                    .map_err(|_| E::custom(format_args!("{v} is too large")))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Node, E> {
                Ok(Node::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Node, E> {
                Ok(Node::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Node, E> {
                Ok(Node::Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Node, E> {
                Ok(Node::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Node, D::Error> {
                Node::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Node, A::Error> {
                let mut items = Vec::new();
                while let Some(item) = seq.next_element()? {
                    items.push(item);
                }
                Ok(Node::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Node, A::Error> {
                ordered_entries(map).map(Node::Map)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// The entries of a mapping in order; keys are text (numbers and booleans
/// are written out), and a key given twice is an error.
fn ordered_entries<'de, A: MapAccess<'de>, T: Deserialize<'de>>(
    mut map: A,
) -> Result<Vec<(String, T)>, A::Error> {
    let mut entries: Vec<(String, T)> = Vec::new();
    while let Some(key) = map.next_key::<Node>()? {
        let key = match key {
            Node::Str(s) => s,
            Node::Int(i) => i.to_string(),
            Node::Bool(b) => b.to_string(),
            other => {
                return Err(de::Error::custom(format_args!(
                    "a key must be text, not {}",
                    other.describe()
                )));
            }
        };
        if entries.iter().any(|(k, _)| *k == key) {
            return Err(de::Error::custom(format_args!("duplicate key `{key}`")));
        }
        let value = map.next_value()?;
        entries.push((key, value));
    }
    Ok(entries)
}

impl JsonSchema for Node {
    fn schema_name() -> Cow<'static, str> {
        "Value".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "description": "Any value: a number, a text such as a duration or a distribution, a list or a mapping."
        })
    }
}

/// A mapping whose entries keep the order written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct OrderedMap<T>(pub Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OrderedMap<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OrderedMap<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping of key paths (such as `control_plane.nodes`) to values")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                ordered_entries(map).map(OrderedMap)
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

impl<T: JsonSchema> JsonSchema for OrderedMap<T> {
    fn schema_name() -> Cow<'static, str> {
        format!("Map_of_{}", T::schema_name()).into()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        let value = generator.subschema_for::<T>();
        json_schema!({
            "type": "object",
            "propertyNames": { "pattern": KEY_PATH_PATTERN },
            "additionalProperties": value
        })
    }
}

/// A key path: dotted names, each optionally followed by `[index]`s.
pub(crate) const KEY_PATH_PATTERN: &str = r"^[a-z0-9_]+(\[[0-9]+\])*(\.[a-z0-9_]+(\[[0-9]+\])*)*$";

/// Splits a key path such as `workloads[0].replicas` into its steps, or says
/// why it is not one.
pub(crate) fn parse_key_path(key: &str) -> Result<Vec<Segment>, String> {
    let refuse = || {
        format!(
            "`{}` is not a key path; write the scenario's keys joined by `.`, e.g. \
             `control_plane.nodes`, `control_plane.node.repair.median` or `workloads[0].replicas`",
            key.escape_debug()
        )
    };
    let mut out = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if name.is_empty()
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        {
            return Err(refuse());
        }
        out.push(Segment::Key(name.to_string()));
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[').ok_or_else(refuse)?;
            let close = inner.find(']').ok_or_else(refuse)?;
            let index = inner[..close].parse::<usize>().map_err(|_| refuse())?;
            out.push(Segment::Index(index));
            rest = &inner[close + 1..];
        }
    }
    Ok(out)
}

impl Node {
    /// `a mapping`, `a list`, `` `stacked` ``: for messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            Node::Null => "empty".into(),
            Node::Map(_) => "a mapping".into(),
            Node::Seq(_) => "a list".into(),
            scalar => format!("`{}`", scalar.text()),
        }
    }

    /// The value as one line of text: scalars as written (a whole float
    /// without `.0`), lists and mappings in flow style.
    pub(crate) fn text(&self) -> String {
        match self {
            Node::Str(s) => s.clone(),
            Node::Float(f) if f.is_finite() => format!("{f}"),
            other => {
                let mut out = String::new();
                other.write_flow(&mut out, false);
                out
            }
        }
    }

    /// Flow style (`{a: 1, b: [x, y]}`). With `json`, strictly JSON (every
    /// string quoted), which YAML reads too.
    fn write_flow(&self, out: &mut String, json: bool) {
        match self {
            Node::Null => out.push_str("null"),
            Node::Bool(b) => {
                let _ = write!(out, "{b}");
            }
            Node::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Node::Float(f) => out.push_str(&float_text(*f)),
            Node::Str(s) => {
                if !json && flow_plain(s) {
                    out.push_str(s);
                } else {
                    out.push_str(&quoted(s));
                }
            }
            Node::Seq(items) => {
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    item.write_flow(out, json);
                }
                out.push(']');
            }
            Node::Map(entries) => {
                out.push('{');
                for (i, (k, v)) in entries.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    if !json && flow_plain(k) {
                        out.push_str(k);
                    } else {
                        out.push_str(&quoted(k));
                    }
                    out.push_str(": ");
                    v.write_flow(out, json);
                }
                out.push('}');
            }
        }
    }

    /// The node at `path`, if there is one. A last step that names a
    /// parameter of a distribution (`...repair.median`) gives that
    /// parameter's value as text.
    pub(crate) fn get(&self, path: &[Segment]) -> Option<Node> {
        let mut node = self;
        for (i, segment) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            node = match (node, segment) {
                (Node::Map(entries), Segment::Key(k)) => {
                    &entries.iter().find(|(key, _)| key == k)?.1
                }
                (Node::Seq(items), Segment::Index(n)) => items.get(*n)?,
                (Node::Str(s), Segment::Key(k)) if last => {
                    let (_, params) = split_distribution(s)?;
                    let (_, v) = params.into_iter().find(|(name, _)| name == k)?;
                    return Some(Node::Str(v));
                }
                _ => return None,
            };
        }
        Some(node.clone())
    }

    /// Sets the value at `path`, creating the mappings on the way that are
    /// missing. A last step under a distribution text such as
    /// `lognormal(median=1h, sigma=1.0)` replaces that parameter's value.
    pub(crate) fn set(&mut self, path: &[Segment], value: &Node) -> Result<(), String> {
        let mut node = self;
        for (i, segment) in path.iter().enumerate() {
            let last = i + 1 == path.len();
            let here = render(&path[..i]);
            if let (Node::Str(s), Segment::Key(param)) = (&mut *node, segment) {
                if !last {
                    return Err(format!(
                        "`{here}` is `{s}`, not a mapping, so it has no `{param}`"
                    ));
                }
                let value = match value {
                    Node::Str(v) => v.clone(),
                    Node::Int(_) | Node::Float(_) => value.text(),
                    other => {
                        return Err(format!(
                            "a distribution parameter takes a number or a duration, not {}",
                            other.describe()
                        ));
                    }
                };
                *s = replace_parameter(s, param, &value)
                    .map_err(|why| format!("`{here}` is `{s}`: {why}"))?;
                return Ok(());
            }
            match segment {
                Segment::Key(k) => {
                    if *node == Node::Null {
                        *node = Node::Map(Vec::new());
                    }
                    let described = node.describe();
                    let Node::Map(entries) = node else {
                        return Err(format!(
                            "`{here}` is {described}, not a mapping, so it has no `{k}`"
                        ));
                    };
                    let at = match entries.iter().position(|(key, _)| key == k) {
                        Some(at) => at,
                        None => {
                            entries.push((k.clone(), Node::Null));
                            entries.len() - 1
                        }
                    };
                    let slot = &mut entries[at].1;
                    if last {
                        *slot = value.clone();
                        return Ok(());
                    }
                    node = slot;
                }
                Segment::Index(n) => {
                    let described = node.describe();
                    let Node::Seq(items) = node else {
                        return Err(format!(
                            "`{here}` is {described}, not a list, so it has no entry [{n}]"
                        ));
                    };
                    let len = items.len();
                    let Some(slot) = items.get_mut(*n) else {
                        return Err(format!(
                            "`{here}` has {len} entries, numbered from 0, so it has no [{n}]"
                        ));
                    };
                    if last {
                        *slot = value.clone();
                        return Ok(());
                    }
                    node = slot;
                }
            }
        }
        // An empty path replaces the whole tree.
        *node = value.clone();
        Ok(())
    }
}

impl Node {
    /// Removes the mapping entry at `path`, if there is one.
    pub(crate) fn remove(&mut self, path: &[Segment]) {
        let Some((last, parents)) = path.split_last() else {
            return;
        };
        let mut node = self;
        for segment in parents {
            let next = match (node, segment) {
                (Node::Map(entries), Segment::Key(k)) => {
                    entries.iter_mut().find(|(key, _)| key == k).map(|(_, v)| v)
                }
                (Node::Seq(items), Segment::Index(n)) => items.get_mut(*n),
                _ => None,
            };
            let Some(next) = next else { return };
            node = next;
        }
        if let (Node::Map(entries), Segment::Key(k)) = (node, last) {
            entries.retain(|(key, _)| key != k);
        }
    }
}

/// `control_plane.placement[2]`.
fn render(path: &[Segment]) -> String {
    super::load::render_path(path)
}

/// `lognormal(median=1h, sigma=1.0)` as its name and `(parameter, value)`
/// pairs, read generically; `None` for anything else (`never`, `1h`, `fixed(1h)`).
pub(crate) fn split_distribution(text: &str) -> Option<(String, Vec<(String, String)>)> {
    let text = text.trim();
    let open = text.find('(')?;
    let inner = text.strip_suffix(')')?.get(open + 1..)?;
    let name = text[..open].trim();
    if name.is_empty() || inner.contains('(') || inner.contains(')') {
        return None;
    }
    let params = inner
        .split(',')
        .map(|arg| {
            let (k, v) = arg.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect::<Option<Vec<_>>>()?;
    Some((name.to_string(), params))
}

/// The distribution text with `param` set to `value`.
fn replace_parameter(text: &str, param: &str, value: &str) -> Result<String, String> {
    let Some((name, mut params)) = split_distribution(text) else {
        return Err(format!(
            "not a distribution with named parameters such as `lognormal(median=1h, \
             sigma=1.0)`, so it has no parameter `{param}`"
        ));
    };
    let Some(slot) = params.iter_mut().find(|(k, _)| k == param) else {
        let names: Vec<String> = params.iter().map(|(k, _)| format!("`{k}`")).collect();
        return Err(format!(
            "{name} here has no parameter `{param}`; its parameters are {}",
            names.join(", ")
        ));
    };
    slot.1 = value.to_string();
    let args: Vec<String> = params.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(format!("{name}({})", args.join(", ")))
}

/// A float as YAML reads it back as a float (`2.0`, not `2`).
fn float_text(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf" } else { "-.inf" }.into();
    }
    let text = format!("{f}");
    if text.contains(['.', 'e', 'E']) {
        text
    } else {
        format!("{text}.0")
    }
}

/// A double-quoted scalar (JSON's escapes are YAML's). Controls JSON
/// leaves raw (DEL, C1) are escaped too: YAML refuses them raw.
fn quoted(s: &str) -> String {
    serde_json::to_string(s)
        .map(|json| crate::text::json_visible(&json).into_owned())
        .unwrap_or_else(|_| format!("\"{}\"", s.escape_default()))
}

/// Whether `s` can be written bare inside `{...}` or `[...]`.
fn flow_plain(s: &str) -> bool {
    block_plain(s) && !s.contains([',', '[', ']', '{', '}'])
}

/// Whether `s` can be written bare as a block value and reads back as the
/// same text: conservative characters, and the YAML parser itself agrees.
fn block_plain(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    let simple = s
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || " _.,()=+-/%[]{}".contains(c));
    if !simple
        || !(first.is_ascii_alphanumeric() || first == '(' || first == '.')
        || s.ends_with(' ')
        || s.contains("  ")
    {
        return false;
    }
    // Numbers, booleans and nulls written bare would not read back as text.
    let probe = format!("v: {s}\n");
    matches!(
        serde_saphyr::from_str::<Node>(&probe),
        Ok(Node::Map(entries)) if entries.len() == 1 && entries[0].1 == Node::Str(s.to_string())
    )
}

/// The tree as a YAML document in block style, which reads back (with the
/// scenario loader's YAML parser) as the same tree. Should the block text
/// not read back identically, the document is written as JSON instead,
/// which YAML reads too.
pub(crate) fn to_yaml(root: &Node) -> String {
    let mut out = String::new();
    match root {
        Node::Map(entries) if !entries.is_empty() => write_block_map(entries, 0, &mut out, false),
        other => {
            other.write_flow(&mut out, false);
            out.push('\n');
        }
    }
    let reads_back = serde_saphyr::from_str::<Node>(&out).is_ok_and(|back| back == *root);
    if reads_back {
        out
    } else {
        let mut json = String::new();
        root.write_flow(&mut json, true);
        json.push('\n');
        json
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

/// Entries at `level` spaces; with `inline_first`, the first key continues
/// a line already started (a list item's `- `).
fn write_block_map(entries: &[(String, Node)], level: usize, out: &mut String, inline_first: bool) {
    for (i, (key, value)) in entries.iter().enumerate() {
        if !(inline_first && i == 0) {
            indent(out, level);
        }
        if block_plain(key) && !key.contains([',', '[', ']', '{', '}']) {
            out.push_str(key);
        } else {
            out.push_str(&quoted(key));
        }
        out.push(':');
        write_block_value(value, level, out);
    }
}

/// A value after `key:` (the line's rest, or an indented block below).
fn write_block_value(value: &Node, level: usize, out: &mut String) {
    match value {
        Node::Map(entries) if !entries.is_empty() => {
            out.push('\n');
            write_block_map(entries, level + 2, out, false);
        }
        Node::Seq(items)
            if items
                .iter()
                .any(|i| matches!(i, Node::Map(_) | Node::Seq(_))) =>
        {
            out.push('\n');
            for item in items {
                indent(out, level + 2);
                out.push_str("- ");
                match item {
                    Node::Map(entries) if !entries.is_empty() => {
                        write_block_map(entries, level + 4, out, true);
                    }
                    other => {
                        other.write_flow(out, false);
                        out.push('\n');
                    }
                }
            }
        }
        Node::Str(s) if s.contains('\n') => {
            out.push(' ');
            write_text(s, level + 2, out);
        }
        Node::Str(s) => {
            out.push(' ');
            if block_plain(s) {
                out.push_str(s);
            } else {
                out.push_str(&quoted(s));
            }
            out.push('\n');
        }
        other => {
            out.push(' ');
            other.write_flow(out, false);
            out.push('\n');
        }
    }
}

/// Text of several lines as a literal block (`|`), when that reads back
/// exactly; quoted otherwise.
fn write_text(s: &str, level: usize, out: &mut String) {
    let body = s.trim_end_matches('\n');
    let trailing = s.len() - body.len();
    let literal_ok = !body.is_empty()
        && !body.starts_with([' ', '\n'])
        && body
            .chars()
            .all(|c| c == '\n' || (!c.is_control() && c != '\u{feff}'))
        && body.lines().all(|l| !l.ends_with(' '));
    if !literal_ok {
        out.push_str(&quoted(s));
        out.push('\n');
        return;
    }
    out.push_str(match trailing {
        0 => "|-",
        1 => "|",
        _ => "|+",
    });
    out.push('\n');
    for line in body.split('\n') {
        if !line.is_empty() {
            indent(out, level);
            out.push_str(line);
        }
        out.push('\n');
    }
    for _ in 1..trailing {
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(yaml: &str) -> Node {
        serde_saphyr::from_str(yaml).expect("parses")
    }

    fn path(key: &str) -> Vec<Segment> {
        parse_key_path(key).expect("a key path")
    }

    #[test]
    fn reads_scalars_by_type_in_order() {
        let n = node("b: 3\na: 0.8\nc: 10y\nd: true\ne: ~\nf: \"3\"\n");
        assert_eq!(
            n,
            Node::Map(vec![
                ("b".into(), Node::Int(3)),
                ("a".into(), Node::Float(0.8)),
                ("c".into(), Node::Str("10y".into())),
                ("d".into(), Node::Bool(true)),
                ("e".into(), Node::Null),
                ("f".into(), Node::Str("3".into())),
            ])
        );
    }

    #[test]
    fn yaml_reads_back_identically() {
        let text = "\
name: x
description: >
  folded text: with a colon
  and more

simulation: { horizon: 10y, replications: 20, seed: 1 }
control_plane:
  placement: [1, 2, 3]
  node:
    failure: weibull(shape=0.8, mean=2y)
    repair: \"lognormal(median=1h, sigma=1.0)\"
    disk_loss: 0.0
  load_balancer: none
workloads:
  - name: web
    replicas: 3
  - { name: api, startup: 0 }
odd: ['yes', 'no', '1.5', '', ' padded', 'a: b', '#x', '-x', \"tab\\there\", 'true']
nested: [[1, 2], {a: 1}]
literal: |
  line one
    indented
  line three
empty_map: {}
empty_list: []
big: 1e300
small: 1.0e-7
neg: -3
";
        let tree = node(text);
        let yaml = to_yaml(&tree);
        assert_eq!(node(&yaml), tree, "{yaml}");
        // Block style, not the JSON fallback.
        assert!(yaml.starts_with("name: x\n"), "{yaml}");
        assert!(
            yaml.contains("    failure: weibull(shape=0.8, mean=2y)\n"),
            "{yaml}"
        );
        assert!(yaml.contains("  - name: web\n    replicas: 3\n"), "{yaml}");
    }

    #[test]
    fn sets_keys_creating_mappings() {
        let mut tree = node("a:\n  b: 1\nlist: [x, {w: 1}]\n");
        tree.set(&path("a.c.d"), &Node::Int(2)).unwrap();
        tree.set(&path("a.b"), &Node::Str("z".into())).unwrap();
        tree.set(&path("list[1].w"), &Node::Int(5)).unwrap();
        tree.set(&path("top"), &node("{k: v}")).unwrap();
        assert_eq!(
            tree,
            node("a:\n  b: z\n  c: {d: 2}\nlist: [x, {w: 5}]\ntop: {k: v}\n")
        );
        let err = tree.set(&path("list[7]"), &Node::Null).unwrap_err();
        assert!(err.contains("has 2 entries"), "{err}");
        let err = tree.set(&path("a.b.c.d"), &Node::Null).unwrap_err();
        assert!(err.contains("`a.b` is `z`, not a mapping"), "{err}");
        let err = tree.set(&path("list.x"), &Node::Null).unwrap_err();
        assert!(err.contains("a list, not a mapping"), "{err}");
    }

    #[test]
    fn removes_keys() {
        let mut tree = node("simulation: { horizon: 10y, replications: 20, seed: 1 }\nname: x\n");
        tree.remove(&path("simulation.replications"));
        tree.remove(&path("simulation.precision"));
        tree.remove(&path("zones.count"));
        assert_eq!(
            tree,
            node("simulation: { horizon: 10y, seed: 1 }\nname: x\n")
        );
    }

    #[test]
    fn sets_one_distribution_parameter() {
        let mut tree = node("repair: lognormal(median=1h, sigma=1.0)\nfixed: 1h\n");
        tree.set(&path("repair.median"), &Node::Str("5m".into()))
            .unwrap();
        tree.set(&path("repair.sigma"), &Node::Float(0.5)).unwrap();
        assert_eq!(
            tree.get(&path("repair")),
            Some(Node::Str("lognormal(median=5m, sigma=0.5)".into()))
        );
        assert_eq!(
            tree.get(&path("repair.median")),
            Some(Node::Str("5m".into()))
        );
        let err = tree
            .set(&path("repair.mean"), &Node::Str("5m".into()))
            .unwrap_err();
        assert!(
            err.contains("no parameter `mean`") && err.contains("`median`, `sigma`"),
            "{err}"
        );
        let err = tree
            .set(&path("fixed.median"), &Node::Str("5m".into()))
            .unwrap_err();
        assert!(
            err.contains("not a distribution with named parameters"),
            "{err}"
        );
    }

    #[test]
    fn key_paths() {
        assert_eq!(
            parse_key_path("workloads[0].replicas").unwrap(),
            vec![
                Segment::Key("workloads".into()),
                Segment::Index(0),
                Segment::Key("replicas".into())
            ]
        );
        for bad in ["", "a..b", "a.", "A", "a[x]", "a[1", "a b", "a[1]b"] {
            assert!(parse_key_path(bad).is_err(), "{bad:?}");
        }
    }
}
