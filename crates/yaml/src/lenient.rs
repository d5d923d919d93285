//! The fallback for documents YAML 1.2 rejects but kubectl's YAML 1.1 reader accepts.

use serde_json::{Map, Number, Value};

use crate::documents::is_document_marker;
use crate::{NoteKind, Position, Positions, YamlDocument, YamlNote};

/// kubectl's YAML reader (go-yaml, like libyaml) accepts some indentation that YAML 1.2 forbids
/// (continuation lines of a quoted scalar at column 0, a flow sequence's `]` under its key). Such a
/// document is read again with libyaml's rules; it then has no per-field positions (findings point
/// at the document) and YAML 1.2 scalars, and a note says so.
pub(crate) fn lenient(
    text: &str,
    first_line: u32,
    strict_pos: Position,
    strict_msg: &str,
) -> Option<YamlDocument> {
    let value: yaml_serde::Value = yaml_serde::from_str(text).ok()?;
    let value = from_yaml_serde(value)?;
    if value.is_null() {
        return None;
    }
    let start = text
        .lines()
        .position(|l| {
            let t = l.trim();
            !(t.is_empty() || t.starts_with('#') || is_document_marker(l))
        })
        .unwrap_or(0) as u32;
    let pos = Position {
        line: first_line + start,
        column: 1,
    };
    Some(YamlDocument {
        index: 0,
        value,
        positions: Positions::from_single(pos),
        notes: vec![YamlNote {
            pointer: String::new(),
            position: strict_pos,
            message: format!(
                "not valid YAML 1.2 ({strict_msg}) but accepted by kubectl's YAML 1.1 reader; \
                 read leniently, so findings in this document point at its first line"
            ),
            kind: NoteKind::Yaml11,
        }],
    })
}

fn from_yaml_serde(v: yaml_serde::Value) -> Option<Value> {
    Some(match v {
        yaml_serde::Value::Null => Value::Null,
        yaml_serde::Value::Bool(b) => Value::Bool(b),
        yaml_serde::Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                Value::from(i)
            } else if let Some(u) = n.as_u64() {
                Value::from(u)
            } else {
                Number::from_f64(n.as_f64()?).map_or(Value::Null, Value::Number)
            }
        }
        yaml_serde::Value::String(s) => Value::String(s),
        yaml_serde::Value::Sequence(items) => Value::Array(
            items
                .into_iter()
                .map(from_yaml_serde)
                .collect::<Option<_>>()?,
        ),
        yaml_serde::Value::Mapping(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let key = match k {
                    yaml_serde::Value::String(s) => s,
                    yaml_serde::Value::Bool(b) => b.to_string(),
                    yaml_serde::Value::Number(n) => n.to_string(),
                    yaml_serde::Value::Null => "null".to_string(),
                    _ => return None,
                };
                out.insert(key, from_yaml_serde(v)?);
            }
            Value::Object(out)
        }
        yaml_serde::Value::Tagged(t) => from_yaml_serde(t.value)?,
    })
}
