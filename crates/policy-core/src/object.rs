//! Kubernetes objects read from sources, each keeping where it came from.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::problem::Problem;
use crate::source::Source;
use crate::yaml::{self, Position, Positions, YamlNote};

/// apiVersion, kind, namespace and name of an object.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Default)]
pub struct ObjectRef {
    /// `apiVersion`.
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace`, empty when unset.
    pub namespace: String,
    /// `metadata.name` (or `generateName`).
    pub name: String,
}

impl ObjectRef {
    /// Read the reference fields of an object.
    pub fn of(value: &Value) -> ObjectRef {
        let s = |v: &Value| v.as_str().unwrap_or_default().to_string();
        let meta = &value["metadata"];
        let name = match meta["name"].as_str() {
            Some(n) => n.to_string(),
            None => s(&meta["generateName"]),
        };
        ObjectRef {
            api_version: s(&value["apiVersion"]),
            kind: s(&value["kind"]),
            namespace: s(&meta["namespace"]),
            name,
        }
    }

    /// API group (empty for the core group).
    pub fn group(&self) -> &str {
        self.api_version.rsplit_once('/').map_or("", |(g, _)| g)
    }
}

impl std::fmt::Display for ObjectRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.namespace.is_empty() {
            write!(f, "{}/{}", self.kind, self.name)
        } else {
            write!(f, "{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// One Kubernetes object with its origin.
#[derive(Debug, Clone)]
pub struct Object {
    /// The object as JSON.
    pub value: Value,
    /// Its reference fields.
    pub reference: ObjectRef,
    /// File it came from.
    pub file: Arc<str>,
    /// 0-based document index in the file.
    pub document: usize,
    /// Index in the `items` of a `List` document, when it came from one.
    pub item: Option<usize>,
    /// Pointer → position index, rooted at this object.
    pub positions: Arc<Positions>,
    /// YAML notes (ambiguous scalars, duplicate keys) inside this object.
    pub notes: Vec<YamlNote>,
}

impl Object {
    /// Build an object that did not come from a file (an AdmissionReview, a test).
    pub fn from_value(value: Value, file: &str) -> Object {
        Object {
            reference: ObjectRef::of(&value),
            value,
            file: file.into(),
            document: 0,
            item: None,
            positions: Arc::new(Positions::from_single(Position { line: 1, column: 1 })),
            notes: Vec::new(),
        }
    }

    /// Position of the field at `pointer`, or of its nearest existing ancestor.
    pub fn position_of(&self, pointer: &str) -> Position {
        self.positions
            .nearest(pointer)
            .unwrap_or(Position { line: 1, column: 1 })
    }

    /// The object's own position (its first line).
    pub fn position(&self) -> Position {
        self.position_of("")
    }
}

/// Parse a source into objects; unreadable documents and non-objects become problems.
pub fn objects_from_source(source: &Source) -> (Vec<Object>, Vec<Problem>) {
    let mut objects = Vec::new();
    let mut problems = Vec::new();
    let file = &source.name;
    for doc in yaml::parse_stream(&source.text) {
        let doc = match doc {
            Ok(d) => d,
            Err(e) => {
                problems.push(Problem::at(
                    file,
                    e.index,
                    e.position.line,
                    e.position.column,
                    format!("YAML syntax error: {}", e.message),
                ));
                continue;
            }
        };
        let positions = Arc::new(doc.positions);
        let is_list = doc.value["kind"]
            .as_str()
            .is_some_and(|k| k == "List" || k.ends_with("List"))
            && doc.value["items"].is_array();
        if is_list {
            let Value::Object(mut map) = doc.value else {
                continue;
            };
            let items = match map.remove("items") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            };
            for (i, item) in items.into_iter().enumerate() {
                let prefix = format!("/items/{i}");
                let sub = Arc::new(positions.subtree(&prefix));
                let notes = notes_under(&doc.notes, &prefix);
                push_object(
                    &mut objects,
                    &mut problems,
                    file,
                    doc.index,
                    Some(i),
                    item,
                    sub,
                    notes,
                );
            }
        } else {
            push_object(
                &mut objects,
                &mut problems,
                file,
                doc.index,
                None,
                doc.value,
                positions,
                doc.notes,
            );
        }
    }
    (objects, problems)
}

fn notes_under(notes: &[YamlNote], prefix: &str) -> Vec<YamlNote> {
    notes
        .iter()
        .filter_map(|n| {
            let rest = n.pointer.strip_prefix(prefix)?;
            (rest.is_empty() || rest.starts_with('/')).then(|| YamlNote {
                pointer: rest.to_string(),
                ..n.clone()
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn push_object(
    objects: &mut Vec<Object>,
    problems: &mut Vec<Problem>,
    file: &Arc<str>,
    document: usize,
    item: Option<usize>,
    value: Value,
    positions: Arc<Positions>,
    notes: Vec<YamlNote>,
) {
    let pos = positions.get("").unwrap_or(Position { line: 1, column: 1 });
    let where_ = match item {
        Some(i) => format!("item {i} of the List"),
        None => "document".to_string(),
    };
    if !value.is_object() {
        problems.push(Problem::at(
            file,
            document,
            pos.line,
            pos.column,
            format!("{where_} is not a Kubernetes object (a mapping with apiVersion and kind)"),
        ));
        return;
    }
    for field in ["apiVersion", "kind"] {
        let p = positions.nearest(&format!("/{field}")).unwrap_or(pos);
        match value.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => {
                problems.push(
                    Problem::at(
                        file,
                        document,
                        p.line,
                        p.column,
                        format!("`{field}` must be a non-empty string"),
                    )
                    .with_path(format!("/{field}")),
                );
                return;
            }
            None => {
                problems.push(
                    Problem::at(
                        file,
                        document,
                        pos.line,
                        pos.column,
                        format!("{where_} has no `{field}`"),
                    )
                    .with_path(format!("/{field}")),
                );
                return;
            }
        }
    }
    let meta = &value["metadata"];
    if !(meta.is_null() || meta.is_object()) {
        let p = positions.nearest("/metadata").unwrap_or(pos);
        problems.push(
            Problem::at(
                file,
                document,
                p.line,
                p.column,
                "`metadata` must be a mapping",
            )
            .with_path("/metadata"),
        );
        return;
    }
    let mut notes = notes;
    for field in ["labels", "annotations"] {
        if let Some(m) = meta.get(field).and_then(Value::as_object) {
            for (k, v) in m {
                if !v.is_string() {
                    let ptr = format!("/metadata/{field}/{}", yaml::escape(k));
                    let position = positions.nearest(&ptr).unwrap_or(pos);
                    notes.push(YamlNote {
                        pointer: ptr,
                        position,
                        message: format!(
                            "{field} value of `{k}` must be a string, got {v}; quote it (kubectl rejects this object)"
                        ),
                    });
                }
            }
        }
    }
    let kind = value["kind"].as_str().unwrap_or_default();
    for n in &mut notes {
        if is_sensitive_pointer(kind, &n.pointer) {
            n.message = format!(
                "the value at {} is read by kubectl as YAML 1.1 (not as the string written); quote it \
                 (value not shown: it may be secret)",
                n.pointer
            );
        }
    }
    objects.push(Object {
        reference: ObjectRef::of(&value),
        value,
        file: file.clone(),
        document,
        item,
        positions,
        notes,
    });
}

/// Whether the field at `pointer` of an object of `kind` may hold a secret: anything in a Secret
/// other than its metadata, and env var values anywhere. Outputs never quote such values.
pub fn is_sensitive_pointer(kind: &str, pointer: &str) -> bool {
    (kind == "Secret"
        && !pointer.starts_with("/metadata")
        && !pointer.starts_with("/apiVersion")
        && !pointer.starts_with("/kind"))
        || (pointer.contains("/env/") && pointer.ends_with("/value"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_items_keep_their_own_positions() {
        let src = Source::new(
            "l.yaml",
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: v1\n  kind: Service\n  metadata: {name: b}\n",
        );
        let (objs, problems) = objects_from_source(&src);
        assert!(problems.is_empty());
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[1].reference.kind, "Service");
        assert_eq!(objs[1].item, Some(1));
        assert_eq!(objs[1].position_of("/kind").line, 8);
    }

    #[test]
    fn non_objects_are_problems_with_lines() {
        let src = Source::new("x.yaml", "just a string\n---\nkind: Pod\n---\n- a\n");
        let (objs, problems) = objects_from_source(&src);
        assert!(objs.is_empty());
        assert_eq!(problems.len(), 3);
        assert_eq!(problems[1].document, Some(1));
        assert_eq!(problems[1].line, Some(3));
        assert!(problems[1].message.contains("apiVersion"));
    }
}
