//! Finds where a key path such as `control_plane.placement[2]` sits in a YAML
//! (or JSON, which YAML's parser reads too) text, so that errors found after
//! deserialization, like a zone that does not exist, still point at a line.
//!
//! It walks the parser's event stream once, tracking the path of every node,
//! and returns the position of the node at that path: the key for a mapping
//! entry (what a reader looks for), the item itself for a sequence element.
//! When the path does not exist (a missing key), it falls back to the deepest
//! ancestor that does. Aliases are not followed: a value that comes from an
//! anchor is reported where it is used.

use granit_parser::{Event, Parser};

/// One step of a key path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// Splits `control_plane.placement[2]` into `control_plane`, `placement`, `[2]`.
/// Keys in our format never contain `.` or `[`, so no escaping is needed.
pub fn parse_path(path: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for part in path.split('.').filter(|p| !p.is_empty()) {
        let (key, mut rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if !key.is_empty() {
            out.push(Segment::Key(key.to_string()));
        }
        while let Some(open) = rest.strip_prefix('[') {
            let Some(close) = open.find(']') else { break };
            let (index, after) = open.split_at(close);
            match index.parse() {
                Ok(i) => out.push(Segment::Index(i)),
                Err(_) => return out,
            }
            rest = after.get(1..).unwrap_or("");
        }
    }
    out
}

/// Where a node starts: 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// The result of a lookup: the position, and whether it is the node itself
/// (`exact`) or the nearest ancestor that exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Found {
    pub position: Position,
    pub exact: bool,
}

/// A collection being walked.
enum Frame {
    Map {
        /// The next node is a key (else it is the value of `key`).
        expecting_key: bool,
        /// The current entry's key, `None` for a non-scalar key.
        key: Option<String>,
        /// Where the current entry's key starts.
        key_position: Position,
    },
    Seq {
        next_index: usize,
    },
}

/// An upper bound on events, so a pathological text cannot make the walk slow.
/// Files are at most 1 MiB, which cannot produce more events than bytes.
const MAX_EVENTS: usize = 2 << 20;

/// Finds the node at `path` in `text`; `None` if the text has no node at all.
pub fn locate(text: &str, path: &[Segment]) -> Option<Found> {
    walk(&mut Parser::new_from_str(text), path)
}

/// As [`locate`], in the `document`-th (0-based) document of a multi-document
/// stream, counting only documents that are not empty or null, as
/// serde-saphyr's `from_multiple` does.
pub fn locate_in_document(text: &str, document: usize, path: &[Segment]) -> Option<Found> {
    // The wanted document's index among all documents, null ones included.
    let mut parser = Parser::new_from_str(text);
    let (mut all, mut counted) = (0, 0);
    loop {
        let null = skip_document(&mut parser)?;
        if !null {
            if counted == document {
                break;
            }
            counted += 1;
        }
        all += 1;
    }
    let mut parser = Parser::new_from_str(text);
    for _ in 0..all {
        skip_document(&mut parser)?;
    }
    walk(&mut parser, path)
}

/// Reads the events of the next document; whether its root is null (empty,
/// `~` or `null`), or `None` when there is no next document.
fn skip_document<'a>(parser: &mut Parser<'a, granit_parser::StrInput<'a>>) -> Option<bool> {
    let mut depth = 0usize;
    let mut null = false;
    let mut nodes = 0usize;
    for _ in 0..MAX_EVENTS {
        let Ok((event, _)) = parser.next_event()? else {
            return None;
        };
        match event {
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                depth += 1;
                nodes += 1;
            }
            Event::SequenceEnd | Event::MappingEnd => depth = depth.saturating_sub(1),
            Event::Scalar(ref value, style, ..) => {
                nodes += 1;
                if depth == 0 {
                    null = matches!(style, granit_parser::ScalarStyle::Plain)
                        && matches!(value.as_ref(), "" | "~" | "null" | "Null" | "NULL");
                }
            }
            Event::Alias(_) => nodes += 1,
            Event::DocumentEnd => return Some(null || nodes == 0),
            Event::StreamEnd => return None,
            _ => {}
        }
    }
    None
}

/// Finds the node at `path` in the next document of `parser`.
fn walk<'a>(
    parser: &mut Parser<'a, granit_parser::StrInput<'a>>,
    path: &[Segment],
) -> Option<Found> {
    let mut stack: Vec<Frame> = Vec::new();
    // The path of the node the next event belongs to is rebuilt from the stack;
    // `None` marks a step no path can name (inside a complex key).
    let mut current: Vec<Option<Segment>> = Vec::new();
    let mut best: Option<(usize, Position)> = None;

    for _ in 0..MAX_EVENTS {
        let Some(Ok((event, span))) = parser.next_event() else {
            break;
        };
        let position = Position {
            line: u32::try_from(span.start.line()).unwrap_or(u32::MAX),
            // granit-parser columns are 0-based; editors and compilers count from 1.
            column: u32::try_from(span.start.col().saturating_add(1)).unwrap_or(u32::MAX),
        };
        let starts_node = matches!(
            event,
            Event::Scalar(..)
                | Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
        );
        if starts_node {
            // Work out this node's role and path from its parent.
            let mut is_key = false;
            let mut report_at = position;
            match stack.last_mut() {
                None => current.clear(),
                Some(Frame::Map {
                    expecting_key: true,
                    key,
                    key_position,
                }) => {
                    is_key = true;
                    *key = match &event {
                        Event::Scalar(text, ..) => Some(text.to_string()),
                        _ => None,
                    };
                    *key_position = position;
                }
                Some(Frame::Map {
                    expecting_key: false,
                    key,
                    key_position,
                }) => {
                    current.push(key.clone().map(Segment::Key));
                    report_at = *key_position;
                }
                Some(Frame::Seq { next_index }) => {
                    current.push(Some(Segment::Index(*next_index)));
                }
            }
            if is_key {
                // Keys are matched through their values (above); a complex
                // key's contents are unreachable by any path.
                current.push(None);
            } else if let Some(depth) = prefix_depth(&current, path) {
                if depth == path.len() {
                    return Some(Found {
                        position: report_at,
                        exact: true,
                    });
                }
                if best.is_none_or(|(d, _)| depth > d) {
                    best = Some((depth, report_at));
                }
            }
            match event {
                Event::SequenceStart(..) => stack.push(Frame::Seq { next_index: 0 }),
                Event::MappingStart(..) => stack.push(Frame::Map {
                    expecting_key: true,
                    key: None,
                    key_position: position,
                }),
                _ => node_done(&mut stack, &mut current),
            }
        } else {
            match event {
                Event::SequenceEnd | Event::MappingEnd => {
                    stack.pop();
                    node_done(&mut stack, &mut current);
                }
                // One document is all a scenario file has.
                Event::DocumentEnd | Event::StreamEnd => break,
                _ => {}
            }
        }
    }
    best.map(|(_, position)| Found {
        position,
        exact: false,
    })
}

/// A node (scalar, alias, or a collection at its end) is complete: advance its parent.
fn node_done(stack: &mut [Frame], current: &mut Vec<Option<Segment>>) {
    current.pop();
    match stack.last_mut() {
        Some(Frame::Map { expecting_key, .. }) => *expecting_key = !*expecting_key,
        Some(Frame::Seq { next_index }) => *next_index += 1,
        None => {}
    }
}

/// If `node` is a prefix of `target`, its length.
fn prefix_depth(node: &[Option<Segment>], target: &[Segment]) -> Option<usize> {
    if node.len() > target.len() {
        return None;
    }
    node.iter()
        .zip(target)
        .all(|(n, t)| n.as_ref() == Some(t))
        .then_some(node.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str, path: &str) -> Option<(u32, u32, bool)> {
        locate(text, &parse_path(path)).map(|f| (f.position.line, f.position.column, f.exact))
    }

    const YAML: &str = "\
name: x
control_plane:
  nodes: 3
  placement: [1, 2, 4]
  node:
    failure: never
  etcd_placement:
    - 1
    - 2
zones: {count: 3}
";

    #[test]
    fn parses_paths() {
        assert_eq!(
            parse_path("control_plane.placement[2]"),
            vec![
                Segment::Key("control_plane".into()),
                Segment::Key("placement".into()),
                Segment::Index(2)
            ]
        );
        assert_eq!(parse_path(""), vec![]);
        assert_eq!(
            parse_path("a[1][2]"),
            vec![
                Segment::Key("a".into()),
                Segment::Index(1),
                Segment::Index(2)
            ]
        );
    }

    #[test]
    fn finds_keys_and_items_one_based() {
        assert_eq!(at(YAML, "name"), Some((1, 1, true)));
        assert_eq!(at(YAML, "control_plane"), Some((2, 1, true)));
        assert_eq!(at(YAML, "control_plane.nodes"), Some((3, 3, true)));
        assert_eq!(at(YAML, "control_plane.placement"), Some((4, 3, true)));
        assert_eq!(at(YAML, "control_plane.placement[2]"), Some((4, 21, true)));
        assert_eq!(at(YAML, "control_plane.node.failure"), Some((6, 5, true)));
        assert_eq!(
            at(YAML, "control_plane.etcd_placement[1]"),
            Some((9, 7, true))
        );
        assert_eq!(at(YAML, "zones.count"), Some((10, 9, true)));
    }

    #[test]
    fn falls_back_to_the_nearest_ancestor() {
        assert_eq!(at(YAML, "control_plane.load_balancer"), Some((2, 1, false)));
        assert_eq!(at(YAML, "control_plane.node.repair"), Some((5, 3, false)));
        assert_eq!(at(YAML, "control_plane.placement[7]"), Some((4, 3, false)));
        assert_eq!(at(YAML, "simulation"), Some((1, 1, false)));
    }

    #[test]
    fn reads_json() {
        let json =
            "{\n  \"name\": \"x\",\n  \"control_plane\": {\n    \"placement\": [1, 2, 4]\n  }\n}\n";
        assert_eq!(
            at(json, "control_plane.placement[2]").map(|(l, _, e)| (l, e)),
            Some((4, true))
        );
        assert_eq!(at(json, "name").map(|(l, _, e)| (l, e)), Some((2, true)));
    }

    #[test]
    fn survives_bad_input() {
        assert_eq!(at("", "name"), None);
        assert!(at("a: [1, 2\n", "a[5]").is_some_and(|(_, _, exact)| !exact));
        assert_eq!(at("? [a, b]\n: c\nd: e\n", "d"), Some((3, 1, true)));
    }
}
