//! Reading a rule's `violation` value into [`Violation`]s, and regorus values as JSON.

use regorus::Value as RValue;

use super::Violation;

/// Violations read of one rule on one object. Beyond it the object is hostile or broken either
/// way, and each further finding costs ~3 KiB of copies (message, details, finding, response
/// line): a 1.4 MiB ConfigMap of sslmode lines made 24,000 findings and took the webhook from 24
/// to 131 MiB.
pub(crate) const MAX_VIOLATIONS_PER_RULE: usize = 100;

/// The message of a violation without a string `msg` (`plumbline test` fails it).
pub(crate) const NO_MSG: &str = "rule emitted a violation without a `msg`";
/// Appended to the message of a violation without a string `path`.
pub(crate) const NO_PATH: &str = " (the rule emitted no `path`)";

/// Read `violation` set members (at most [`MAX_VIOLATIONS_PER_RULE`]); malformed members become a
/// violation that says so.
pub(super) fn violations(v: &RValue) -> Vec<Violation> {
    let mut out = Vec::new();
    let items: Vec<&RValue> = match v {
        RValue::Set(s) => s.iter().take(MAX_VIOLATIONS_PER_RULE).collect(),
        RValue::Array(a) => a.iter().take(MAX_VIOLATIONS_PER_RULE).collect(),
        _ => return out,
    };
    thread_local! {
        // The member keys as engine strings, built once per thread (a key built from a `&str`
        // on each lookup is an allocation).
        static KEYS: [RValue; 4] =
            ["msg", "path", "details", "severity"].map(RValue::from);
    }
    KEYS.with(|[msg_key, path_key, details_key, severity_key]| {
        for item in items {
            // A match, not `as_string()`: its error for a missing key is an anyhow error, which
            // captured a backtrace per finding (~70K instructions) in some builds.
            let s = |key: &RValue| -> Option<String> {
                match &item[key] {
                    RValue::String(s) => Some(s.to_string()),
                    _ => None,
                }
            };
            let details = to_json(&item[details_key]);
            let path = s(path_key);
            let mut msg = s(msg_key).unwrap_or_else(|| NO_MSG.into());
            if path.is_none() {
                msg.push_str(NO_PATH);
            }
            out.push(Violation {
                msg,
                path: path.unwrap_or_default(),
                details,
                severity: s(severity_key).and_then(|x| x.parse().ok()),
            });
        }
    });
    out.sort_by(|a, b| (&a.path, &a.msg).cmp(&(&b.path, &b.msg)));
    out
}

/// A rule's value as JSON, converted directly (no JSON text round trip): sets become arrays and
/// non-string object keys their JSON text, as regorus' own serializer writes them; undefined is null.
pub(crate) fn to_json(v: &RValue) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        RValue::Null | RValue::Undefined => J::Null,
        RValue::Bool(b) => J::Bool(*b),
        RValue::String(s) => J::String(s.to_string()),
        RValue::Number(n) => {
            if let Some(u) = n.as_u64() {
                J::from(u)
            } else if let Some(i) = n.as_i64() {
                J::from(i)
            } else {
                // Big or fractional: through its decimal text, as regorus serializes it.
                serde_json::to_value(n).unwrap_or(J::Null)
            }
        }
        RValue::Array(a) => J::Array(a.iter().map(to_json).collect()),
        RValue::Set(s) => J::Array(s.iter().map(to_json).collect()),
        RValue::Object(o) => J::Object(
            o.iter()
                .map(|(k, v)| {
                    let key = match k {
                        RValue::String(s) => s.to_string(),
                        other => serde_json::to_string(other).unwrap_or_default(),
                    };
                    (key, to_json(v))
                })
                .collect(),
        ),
    }
}

/// A JSON number as the engine's own deserializer maps it: u64, i64, else f64 (the inverse of
/// [`to_json`] for numbers; the policy input and the inventory convert their JSON with it).
pub(crate) fn number_to_rego(n: &serde_json::Number) -> RValue {
    if let Some(u) = n.as_u64() {
        RValue::from(u)
    } else if let Some(i) = n.as_i64() {
        RValue::from(i)
    } else {
        n.as_f64().map_or(RValue::Undefined, RValue::from)
    }
}
