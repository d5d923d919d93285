//! The AdmissionReview response, typed, and the bounds the API server and kubectl need: warnings
//! (count, length, total bytes), the deny message and audit annotation values (length, no control
//! characters), audit annotation keys (qualified-name parts, [`audit_key`]).

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::{API_VERSION, AUDIT_EVALUATION_ERROR};

/// Most warnings returned (kubectl prints each one).
pub const MAX_WARNINGS: usize = 20;
/// Longest warning, in characters.
pub const MAX_WARNING_CHARS: usize = 256;
/// Most bytes of all warnings together.
pub const MAX_WARNING_BYTES: usize = 4096;
/// Longest deny message or audit annotation value, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4096;

/// An audit annotation key: the API server stores each one as `<webhook name>/<key>` and drops
/// (with only a log line) any whose result is not a qualified name, so a key has no `/` and is
/// at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric.
pub fn audit_key(name: &str) -> String {
    let mut key: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '-'
            }
        })
        .take(63)
        .collect();
    while key.ends_with(|c: char| !c.is_ascii_alphanumeric()) {
        key.pop();
    }
    while key.starts_with(|c: char| !c.is_ascii_alphanumeric()) {
        key.remove(0);
    }
    if key.is_empty() {
        key.push_str("finding");
    }
    key
}

/// `response.status` of a refused request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Status {
    /// HTTP-like code: 403 denied by policy, 500 evaluation failed (fail-closed).
    pub(crate) code: u16,
    /// `Forbidden` or `InternalError`.
    pub(crate) reason: &'static str,
    /// What kubectl prints.
    pub(crate) message: String,
}

/// `response` of an AdmissionReview, built only through the bounded setters below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Response {
    uid: String,
    allowed: bool,
    status: Option<Status>,
    warnings: Vec<String>,
    audit_annotations: BTreeMap<String, String>,
}

impl Response {
    /// An allowing answer to request `uid`, nothing else said.
    pub(crate) fn allow(uid: &str) -> Response {
        Response {
            uid: uid.to_string(),
            allowed: true,
            status: None,
            warnings: Vec::new(),
            audit_annotations: BTreeMap::new(),
        }
    }

    /// Denied by policy: HTTP 403 with a message of at most [`MAX_MESSAGE_CHARS`].
    pub(crate) fn deny(mut self, message: &str) -> Response {
        self.allowed = false;
        self.status = Some(Status {
            code: 403,
            reason: "Forbidden",
            message: truncate(message, MAX_MESSAGE_CHARS),
        });
        self
    }

    /// Finding lines as kubectl warnings, prefixed `plumbline:` and bounded ([`bound_warnings`]).
    pub(crate) fn warn(mut self, lines: &[String]) -> Response {
        self.warnings = bound_warnings(lines);
        self
    }

    /// The evaluation failed and the failure mode allows: one warning (at most
    /// [`MAX_WARNING_CHARS`]) and the reason as the `evaluation-error` audit annotation.
    pub(crate) fn fail_open(mut self, reason: &str) -> Response {
        let reason = truncate(reason, MAX_MESSAGE_CHARS);
        self.warnings = vec![truncate(
            &format!("plumbline: policy evaluation failed, allowed (fail-open): {reason}"),
            MAX_WARNING_CHARS,
        )];
        self.audit_annotations
            .insert(AUDIT_EVALUATION_ERROR.to_string(), reason);
        self
    }

    /// The evaluation failed and the failure mode denies: HTTP 500 naming the reason (at most
    /// [`MAX_MESSAGE_CHARS`] of it).
    pub(crate) fn fail_closed(mut self, reason: &str) -> Response {
        self.allowed = false;
        self.status = Some(Status {
            code: 500,
            reason: "InternalError",
            message: format!(
                "plumbline: policy evaluation failed, denied (fail-closed): {}",
                truncate(reason, MAX_MESSAGE_CHARS)
            ),
        });
        self
    }

    /// Audit annotations: the values of a key joined with `; ` and bounded. Keys are the caller's
    /// ([`audit_key`] or one of the `AUDIT_*` constants).
    pub(crate) fn audit(mut self, audits: BTreeMap<String, Vec<String>>) -> Response {
        self.audit_annotations = audits
            .into_iter()
            .map(|(k, v)| (k, truncate(&v.join("; "), MAX_MESSAGE_CHARS)))
            .collect();
        self
    }

    /// Whether the request is allowed.
    pub(crate) fn allowed(&self) -> bool {
        self.allowed
    }

    /// Whether any warning is returned.
    pub(crate) fn has_warnings(&self) -> bool {
        !self.warnings.is_empty()
    }

    /// The whole AdmissionReview v1 answer.
    pub(crate) fn into_review(self) -> Value {
        let mut r = Map::new();
        r.insert("uid".into(), Value::String(self.uid));
        r.insert("allowed".into(), Value::Bool(self.allowed));
        if let Some(s) = self.status {
            r.insert(
                "status".into(),
                json!({"code": s.code, "reason": s.reason, "message": s.message}),
            );
        }
        if !self.warnings.is_empty() {
            r.insert("warnings".into(), json!(self.warnings));
        }
        if !self.audit_annotations.is_empty() {
            let a: Map<String, Value> = self
                .audit_annotations
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect();
            r.insert("auditAnnotations".into(), Value::Object(a));
        }
        json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": Value::Object(r)})
    }
}

/// A JSON pointer as a field path: `/spec/containers/0/image` → `spec.containers[0].image`.
pub(crate) fn display_path(pointer: &str) -> String {
    if pointer.is_empty() {
        return "(object)".into();
    }
    let mut out = String::new();
    for seg in pointer.trim_start_matches('/').split('/') {
        let seg = seg.replace("~1", "/").replace("~0", "~");
        if !seg.is_empty() && seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(&seg);
        }
    }
    out
}

/// At most `max` characters, control characters replaced, `…` marking a cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    let clean = s.chars().map(|c| if c.is_control() { ' ' } else { c });
    let mut out: String = clean.clone().take(max).collect();
    if clean.count() > max {
        out.pop();
        out.push('…');
    }
    out
}

/// Warning lines prefixed `plumbline:`, at most [`MAX_WARNINGS`] of at most [`MAX_WARNING_CHARS`]
/// and [`MAX_WARNING_BYTES`] together; the rest summarised as "N more finding(s) not shown".
pub(crate) fn bound_warnings(lines: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut total = 0;
    for (i, l) in lines.iter().enumerate() {
        let w = truncate(&format!("plumbline: {l}"), MAX_WARNING_CHARS);
        if out.len() + 1 == MAX_WARNINGS && i + 1 < lines.len()
            || total + w.len() > MAX_WARNING_BYTES
        {
            out.push(format!(
                "plumbline: {} more finding(s) not shown",
                lines.len() - i
            ));
            break;
        }
        total += w.len();
        out.push(w);
    }
    out
}
