//! In-object suppressions: `ignore.plumbline.dev/<rule-id>: "<reason>[; expires=YYYY-MM-DD]"`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// Annotation prefix of in-object suppressions.
pub const PREFIX: &str = "ignore.plumbline.dev/";

/// One suppression annotation as read from an object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// Reason (may be empty: then it is invalid).
    pub reason: String,
    /// Expiry date, if given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    /// Why it cannot be honoured, if so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl Annotation {
    /// Whether it suppresses findings.
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }
}

/// Read every suppression annotation of an object, judged as of `today` (YYYY-MM-DD).
/// `known` tells whether a rule id exists.
pub fn read(object: &Value, today: &str, known: impl Fn(&str) -> bool) -> BTreeMap<String, Annotation> {
    let mut out = BTreeMap::new();
    let Some(annotations) = object["metadata"]["annotations"].as_object() else {
        return out;
    };
    for (key, value) in annotations {
        let Some(rule) = key.strip_prefix(PREFIX) else {
            continue;
        };
        let text = value.as_str().unwrap_or_default();
        let a = parse(text, today, known(rule), rule);
        out.insert(rule.to_string(), a);
    }
    out
}

/// Whether `date` (YYYY-MM-DD) is a real calendar date.
pub fn is_date(date: &str) -> bool {
    date.parse::<jiff::civil::Date>().is_ok() && date.len() == 10
}

fn parse(text: &str, today: &str, known: bool, rule: &str) -> Annotation {
    let mut reason_parts = Vec::new();
    let mut expires = None;
    for part in text.split(';') {
        let p = part.trim();
        if let Some(d) = p.strip_prefix("expires=") {
            expires = Some(d.trim().to_string());
        } else if !p.is_empty() {
            reason_parts.push(p);
        }
    }
    let reason = reason_parts.join("; ");
    let problem = if !known {
        Some(format!("suppresses `{rule}`, which is not a rule; `plumbline rules` lists them"))
    } else if reason.is_empty() {
        Some("has no reason; write why, e.g. \"vendor image, tracked in OPS-123\"".to_string())
    } else {
        match &expires {
            Some(d) if !is_date(d) => Some(format!("has expiry `{d}`, which is not a YYYY-MM-DD date")),
            Some(d) if d.as_str() < today => Some(format!("expired on {d}")),
            _ => None,
        }
    };
    Annotation {
        reason,
        expires,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reasons_and_expiry() {
        let obj = json!({"metadata": {"annotations": {
            "ignore.plumbline.dev/a": "vendor image; expires=2026-12-31",
            "ignore.plumbline.dev/b": "",
            "ignore.plumbline.dev/c": "old; expires=2020-01-01",
            "ignore.plumbline.dev/d": "x; expires=2026-02-30",
            "ignore.plumbline.dev/nope": "x",
            "other": "y"
        }}});
        let s = read(&obj, "2026-11-22", |r| r != "nope");
        assert!(s["a"].is_valid());
        assert_eq!(s["a"].reason, "vendor image");
        assert!(s["b"].problem.as_deref().unwrap().contains("no reason"));
        assert!(s["c"].problem.as_deref().unwrap().contains("expired"));
        assert!(s["d"].problem.as_deref().unwrap().contains("not a YYYY-MM-DD"));
        assert!(s["nope"].problem.as_deref().unwrap().contains("not a rule"));
        assert_eq!(s.len(), 5);
    }
}
