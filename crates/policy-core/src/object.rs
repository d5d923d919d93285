//! Kubernetes objects read from sources, each keeping where it came from.

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::problem::Problem;
use crate::source::Source;
use crate::yaml::{self, NoteKind, Position, Positions, Span, YamlNote};

/// apiVersion, kind, namespace and name of an object (and its uid and resourceVersion, if any).
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
    /// `metadata.uid`, when the object has one (a live object, an UPDATE's object); not written
    /// when empty.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub uid: String,
    /// `metadata.resourceVersion`, when the object has one; not written when empty.
    #[serde(rename = "resourceVersion", skip_serializing_if = "String::is_empty")]
    pub resource_version: String,
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
            uid: s(&meta["uid"]),
            resource_version: s(&meta["resourceVersion"]),
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

    /// What a finding at `pointer` underlines (see [`Positions::nearest_span`]). A rule that
    /// matched inside a multi-line string reports the 0-based line of the match in
    /// `details.line_in_value`; in a literal block scalar (`|`), whose lines are the source's,
    /// the span is that line.
    pub fn span_of(&self, pointer: &str, details: &Value) -> Span {
        let line = details
            .get("line_in_value")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok());
        let text = self.value.pointer(pointer).and_then(Value::as_str);
        if let (Some(n), Some(text)) = (line, text) {
            if let Some(span) = self.positions.line_in_value(pointer, n, text) {
                return span;
            }
        }
        self.positions.nearest_span(pointer).unwrap_or_else(|| {
            let p = self.position_of(pointer);
            Span { start: p, end: p }
        })
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
    let problem = joined_manifests(file, document, item, pos, &notes)
        .or_else(|| not_an_object(file, document, &where_, &value, &positions, pos));
    if let Some(problem) = problem {
        problems.push(problem);
        return;
    }
    let mut notes = notes;
    note_non_string_metadata(&value["metadata"], &positions, pos, &mut notes);
    hide_sensitive_values(value["kind"].as_str().unwrap_or_default(), &mut notes);
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

/// The problem of a document (or List item) starting at `pos` that repeats `apiVersion` or
/// `kind`. Two manifests concatenated without `---` (`cat a.yaml b.yaml`) make one mapping whose
/// identity is the second's, holding fields of both: not an object to judge.
fn joined_manifests(
    file: &Arc<str>,
    document: usize,
    item: Option<usize>,
    pos: Position,
    notes: &[YamlNote],
) -> Option<Problem> {
    let repeated: Vec<&YamlNote> = notes
        .iter()
        .filter(|n| {
            n.kind == NoteKind::DuplicateKey
                && matches!(n.pointer.as_str(), "/apiVersion" | "/kind")
        })
        .collect();
    let first = repeated.first()?;
    let fields: Vec<String> = repeated
        .iter()
        .map(|n| format!("`{}` (line {})", &n.pointer[1..], n.position.line))
        .collect();
    Some(
        Problem::at(
            file,
            document,
            first.position.line,
            first.position.column,
            format!(
                "the {where_} starting at line {} holds a second {}: two manifests joined \
                 without a `---` line (e.g. `cat a.yaml b.yaml`)? Put `---` on a line of its \
                 own between them; this {where_} is not checked",
                pos.line,
                fields.join(" and "),
                where_ = if item.is_some() { "item" } else { "document" },
            ),
        )
        .with_path(first.pointer.clone()),
    )
}

/// The problem of a value that is no Kubernetes object: not a mapping, without a non-empty
/// string `apiVersion` and `kind`, or with a `metadata` that is no mapping. `where_` names it
/// (the document, or an item of a List).
fn not_an_object(
    file: &Arc<str>,
    document: usize,
    where_: &str,
    value: &Value,
    positions: &Positions,
    pos: Position,
) -> Option<Problem> {
    if !value.is_object() {
        return Some(Problem::at(
            file,
            document,
            pos.line,
            pos.column,
            format!("{where_} is not a Kubernetes object (a mapping with apiVersion and kind)"),
        ));
    }
    for field in ["apiVersion", "kind"] {
        let p = positions.nearest(&format!("/{field}")).unwrap_or(pos);
        match value.get(field) {
            Some(Value::String(s)) if !s.is_empty() => {}
            Some(_) => {
                return Some(
                    Problem::at(
                        file,
                        document,
                        p.line,
                        p.column,
                        format!("`{field}` must be a non-empty string"),
                    )
                    .with_path(format!("/{field}")),
                );
            }
            None => {
                return Some(
                    Problem::at(
                        file,
                        document,
                        pos.line,
                        pos.column,
                        format!("{where_} has no `{field}`"),
                    )
                    .with_path(format!("/{field}")),
                );
            }
        }
    }
    let meta = &value["metadata"];
    if !(meta.is_null() || meta.is_object()) {
        let p = positions.nearest("/metadata").unwrap_or(pos);
        return Some(
            Problem::at(
                file,
                document,
                p.line,
                p.column,
                "`metadata` must be a mapping",
            )
            .with_path("/metadata"),
        );
    }
    None
}

/// A note for each label or annotation value that is no string (kubectl rejects the object).
fn note_non_string_metadata(
    meta: &Value,
    positions: &Positions,
    pos: Position,
    notes: &mut Vec<YamlNote>,
) {
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
                        kind: NoteKind::Kubernetes,
                    });
                }
            }
        }
    }
}

/// Notes about fields that may hold a secret say where, not what, in an object of `kind`.
fn hide_sensitive_values(kind: &str, notes: &mut [YamlNote]) {
    for n in notes {
        // A duplicate-key note names the key only; the others may quote the value.
        if n.kind != NoteKind::DuplicateKey && is_sensitive_pointer(kind, &n.pointer) {
            n.message = format!(
                "the value at {} is read by kubectl as YAML 1.1 (not as the string written); quote it \
                 (value not shown: it may be secret)",
                n.pointer
            );
        }
    }
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
mod tests;
