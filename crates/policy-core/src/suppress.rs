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
    /// In admission: the stored object (oldObject) carried the same suppression, but the requester
    /// of this request may not suppress, so it is not honoured for this request (reported by
    /// `suppression-invalid` as a warning: the suppressed findings count again, which is the point).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub carried: bool,
}

impl Annotation {
    /// Whether it suppresses findings.
    pub fn is_valid(&self) -> bool {
        self.problem.is_none()
    }
}

/// What the rule id of an annotation names in the pack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Named {
    /// A rule of the pack.
    Rule,
    /// An id a rule had before it was renamed (`formerly:` in its `rule.yaml`): the rule's id now.
    Renamed(String),
    /// Nothing the pack knows.
    Unknown,
}

/// Read every suppression annotation of an object, judged as of `today` (YYYY-MM-DD).
/// `named` tells what a rule id names in the pack.
pub fn read(
    object: &Value,
    today: &str,
    named: impl Fn(&str) -> Named,
) -> BTreeMap<String, Annotation> {
    let mut out = BTreeMap::new();
    let Some(annotations) = object["metadata"]["annotations"].as_object() else {
        return out;
    };
    for (key, value) in annotations {
        let Some(rule) = key.strip_prefix(PREFIX) else {
            continue;
        };
        let text = value.as_str().unwrap_or_default();
        let a = parse(text, today, &named(rule), rule);
        out.insert(rule.to_string(), a);
    }
    out
}

/// Whether `date` (YYYY-MM-DD) is a real calendar date.
pub fn is_date(date: &str) -> bool {
    date.parse::<jiff::civil::Date>().is_ok() && date.len() == 10
}

/// Who asks for an in-object suppression in an admission request, and whether they may.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Governance<'a> {
    /// The requester's username (for messages).
    pub requester: String,
    /// Whether the requester may add or change in-object suppressions (`admission.suppressors`).
    pub allowed: bool,
    /// The object before an UPDATE. It only shapes the message: a suppression the stored object
    /// carried is *not* honoured for a requester who may not suppress, because nothing proves it
    /// was ever approved (it may have been written while the webhook did not judge the object:
    /// a warn or audit rollout, fail-open during an outage, the `plumbline.dev/admission=disabled`
    /// namespace label, or before the webhook was installed).
    pub previous: Option<&'a Value>,
}

/// Apply suppression governance to annotations read by [`read`]:
///
/// - a suppression of a rule that is not suppressible in-object (`suppressible: false`) is not
///   honoured and says so;
/// - in admission (`governance` given), an in-object suppression is honoured only when the
///   requester of *this* request may suppress (`admission.suppressors`). A validating webhook keeps
///   no state and cannot mark what it approved, so the approval of a suppression the stored object
///   carries cannot be established: for anyone else it is not honoured (a suppression they add or
///   weaken is an error; one carried unchanged from the stored object is marked `carried`, which
///   `suppression-invalid` reports as a warning) and the findings it would cover count. Durable
///   exceptions that must survive tenants' own edits are config exemptions, reviewed in git.
///
/// Annotations already invalid keep their problem. Offline (`governance` None) anyone who can edit
/// the files may suppress: the files are reviewed in git, and `--strict` ignores them altogether.
pub fn govern(
    annotations: &mut BTreeMap<String, Annotation>,
    today: &str,
    suppressible: impl Fn(&str) -> bool,
    governance: Option<&Governance<'_>>,
) {
    let previous = governance
        .and_then(|g| g.previous)
        .map(|old| read(old, today, |_| Named::Rule));
    for (rule, a) in annotations.iter_mut() {
        if a.problem.is_some() {
            continue;
        }
        if !suppressible(rule) {
            a.problem = Some(format!(
                "suppresses `{rule}`, which may not be suppressed in-object; \
                 a config exemption (plumbline.yaml `exemptions:`, reviewed in git) is the governed path"
            ));
            continue;
        }
        let Some(g) = governance.filter(|g| !g.allowed) else {
            continue;
        };
        let who = if g.requester.is_empty() {
            "(unknown)"
        } else {
            g.requester.as_str()
        };
        a.problem = Some(match previous.as_ref().and_then(|p| p.get(rule)) {
            None => format!(
                "is set by requester {who}, who is not allowed to suppress (admission.suppressors)"
            ),
            Some(old) => match weakened(old, a) {
                Some(how) => format!(
                    "{how}; requester {who} is not allowed to change suppressions (admission.suppressors)"
                ),
                None => {
                    a.carried = true;
                    format!(
                        "is carried from the stored object, but requester {who} is not allowed to suppress \
                         (admission.suppressors) and no approval of the stored suppression can be \
                         established (it may have been written while the webhook did not judge the \
                         object); the findings it covers count for this request"
                    )
                }
            },
        });
    }
}

/// How `new` weakens `old`, if it does: another reason, no expiry where there was one, or a later one.
fn weakened(old: &Annotation, new: &Annotation) -> Option<String> {
    if old.reason != new.reason {
        return Some(format!(
            "changes the reason of an existing suppression (was \"{}\")",
            old.reason
        ));
    }
    if old.problem.is_some() {
        // An expired, undated or otherwise invalid stored suppression approves nothing: any
        // expiry written over it is a new suppression.
        return Some("replaces an invalid or expired suppression".to_string());
    }
    match (&old.expires, &new.expires) {
        (Some(o), None) => Some(format!("removes the expiry {o} of an existing suppression")),
        (None, Some(_)) | (None, None) => None,
        (Some(o), Some(n)) if n > o => Some(format!(
            "extends the expiry of an existing suppression from {o} to {n}"
        )),
        (Some(_), Some(_)) => None,
    }
}

fn parse(text: &str, today: &str, named: &Named, rule: &str) -> Annotation {
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
    let problem = if let Named::Renamed(now) = named {
        Some(format!(
            "suppresses `{rule}`, which was renamed `{now}`: use ignore.plumbline.dev/{now}"
        ))
    } else if *named == Named::Unknown {
        Some(format!(
            "suppresses `{rule}`, which is not a rule; `plumbline rules` lists them"
        ))
    } else if reason.is_empty() {
        Some("has no reason; write why, e.g. \"vendor image, tracked in OPS-123\"".to_string())
    } else {
        match &expires {
            Some(d) if !is_date(d) => {
                Some(format!("has expiry `{d}`, which is not a YYYY-MM-DD date"))
            }
            Some(d) if d.as_str() < today => Some(format!("expired on {d}")),
            _ => None,
        }
    };
    Annotation {
        reason,
        expires,
        problem,
        carried: false,
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
            "ignore.plumbline.dev/old-name": "x",
            "other": "y"
        }}});
        let s = read(&obj, "2026-11-22", |r| match r {
            "nope" => Named::Unknown,
            "old-name" => Named::Renamed("new-name".into()),
            _ => Named::Rule,
        });
        assert!(s["a"].is_valid());
        assert_eq!(s["a"].reason, "vendor image");
        assert!(s["b"].problem.as_deref().unwrap().contains("no reason"));
        assert!(s["c"].problem.as_deref().unwrap().contains("expired"));
        assert!(s["d"]
            .problem
            .as_deref()
            .unwrap()
            .contains("not a YYYY-MM-DD"));
        assert!(s["nope"].problem.as_deref().unwrap().contains("not a rule"));
        assert_eq!(
            s["old-name"].problem.as_deref(),
            Some("suppresses `old-name`, which was renamed `new-name`: use ignore.plumbline.dev/new-name")
        );
        assert_eq!(s.len(), 6);
    }

    fn governed(obj: &Value, old: Option<&Value>, allowed: bool) -> BTreeMap<String, Annotation> {
        let mut s = read(obj, "2026-11-22", |_| Named::Rule);
        let g = Governance {
            requester: "alice".into(),
            allowed,
            previous: old,
        };
        govern(&mut s, "2026-11-22", |r| r != "pss-privileged", Some(&g));
        s
    }

    fn annotated(pairs: &[(&str, &str)]) -> Value {
        let mut m = serde_json::Map::new();
        for (k, v) in pairs {
            m.insert(format!("{PREFIX}{k}"), json!(v));
        }
        json!({"metadata": {"annotations": m}})
    }

    #[test]
    fn requesters_and_suppressible_rules() {
        let obj = annotated(&[
            ("a", "vendor; expires=2026-12-31"),
            ("pss-privileged", "needed"),
        ]);
        let s = governed(&obj, None, false);
        let p = s["a"].problem.as_deref().unwrap();
        assert_eq!(
            p,
            "is set by requester alice, who is not allowed to suppress (admission.suppressors)"
        );
        assert!(s["pss-privileged"]
            .problem
            .as_deref()
            .unwrap()
            .contains("may not be suppressed in-object"));
        let s = governed(&obj, None, true);
        assert!(s["a"].is_valid());
        assert!(
            !s["pss-privileged"].is_valid(),
            "admins cannot suppress unsuppressible rules in-object"
        );
        // Offline: no governance, only suppressibility.
        let mut s = read(&obj, "2026-11-22", |_| Named::Rule);
        govern(&mut s, "2026-11-22", |r| r != "pss-privileged", None);
        assert!(s["a"].is_valid() && !s["pss-privileged"].is_valid());
    }

    #[test]
    fn updates_may_not_weaken_without_permission() {
        let old = annotated(&[("a", "vendor; expires=2026-12-31")]);
        let case = |new: &str| governed(&annotated(&[("a", new)]), Some(&old), false)["a"].clone();
        // M3: a stored suppression proves no approval; for a non-suppressor it is not honoured,
        // unchanged or shortened (a warning: `carried`), and the findings it covers count.
        for same in ["vendor; expires=2026-12-31", "vendor; expires=2026-12-24"] {
            let a = case(same);
            assert!(!a.is_valid() && a.carried, "{same}: {a:?}");
            assert!(
                a.problem
                    .as_deref()
                    .unwrap()
                    .contains("carried from the stored object"),
                "{a:?}"
            );
        }
        let p = case("vendor; expires=2027-12-31").problem.unwrap();
        assert!(
            p.contains("extends the expiry") && p.contains("2027-12-31"),
            "{p}"
        );
        assert!(case("vendor")
            .problem
            .unwrap()
            .contains("removes the expiry"));
        assert!(case("other; expires=2026-12-31")
            .problem
            .unwrap()
            .contains("changes the reason"));
        // An invalid stored expiry approves nothing: any expiry over it is a new suppression.
        let bad_old = annotated(&[("a", "vendor; expires=someday")]);
        let a = governed(
            &annotated(&[("a", "vendor; expires=2099-01-01")]),
            Some(&bad_old),
            false,
        )["a"]
            .clone();
        assert!(!a.is_valid() && !a.carried, "{a:?}");
        assert!(a.problem.unwrap().contains("replaces an invalid"));
        // The same edits by a suppressor are fine.
        let ok = governed(&annotated(&[("a", "other")]), Some(&old), true);
        assert!(ok["a"].is_valid());
    }
}
