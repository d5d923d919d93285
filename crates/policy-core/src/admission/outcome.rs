//! What a decision is: the typed [`Decision`] and [`Outcome`], and how findings become one under
//! an enforcement ([`verdict`]), or the failure mode answers ([`failure`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::response::{display_path, truncate, Response, MAX_MESSAGE_CHARS};
use super::{
    audit_key, AdmissionRequest, AdmissionSettings, AUDIT_EMERGENCY, AUDIT_EMERGENCY_REFUSED,
};
use crate::admission_config::{Enforcement, FailureMode};
use crate::finding::{Finding, Severity, SuppressionKind};

/// What was decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Decision {
    /// Allowed, nothing to say.
    Allow,
    /// Allowed with warnings.
    Warn,
    /// Allowed, findings recorded as audit annotations.
    Audit,
    /// Denied by policy.
    Deny,
    /// Allowed without evaluation (exempt namespace, subresource, enforcement off, operation).
    Skip,
    /// The evaluation failed; the failure mode answered.
    Error,
}

impl Decision {
    /// `allow`, `warn`, `audit`, `deny`, `skip` or `error` (log lines and metric labels).
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Warn => "warn",
            Decision::Audit => "audit",
            Decision::Deny => "deny",
            Decision::Skip => "skip",
            Decision::Error => "error",
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What was decided and why, beside the response itself (for logs and metrics).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Outcome {
    /// The full AdmissionReview response.
    pub response: Value,
    /// Allowed or not.
    pub allowed: bool,
    /// What was decided.
    pub decision: Decision,
    /// Environment resolved for the namespace.
    pub environment: String,
    /// Enforcement applied.
    pub enforcement: Enforcement,
    /// Unsuppressed findings that counted.
    pub findings: Vec<Finding>,
    /// Findings suppressed by an honoured annotation or a config exemption (recorded, not counted).
    pub suppressed: Vec<Finding>,
    /// Why the request was not evaluated, if it was not.
    pub skipped: Option<&'static str>,
    /// Rule errors (the failure mode was applied).
    pub errors: Vec<String>,
    /// The record of an emergency change let through a freeze window, as in the
    /// [`AUDIT_EMERGENCY`] audit annotation.
    pub emergency: Option<String>,
}

/// What an emergency annotation met during a freeze left on the record.
#[derive(Debug, Clone, Default)]
pub(crate) struct EmergencyNote {
    /// Honoured: ticket, requester, expiry and windows.
    pub(crate) honoured: Option<String>,
    /// Not honoured: the annotation, the windows and why.
    pub(crate) refused: Option<String>,
}

/// The environment and enforcement a request was judged under.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    /// Environment of the request.
    pub(crate) environment: String,
    /// Its enforcement.
    pub(crate) enforcement: Enforcement,
}

/// Allowed without evaluation, for `why`.
pub(crate) fn skip(req: &AdmissionRequest, judged: Judged, why: &'static str) -> Outcome {
    Outcome {
        response: Response::allow(&req.uid).into_review(),
        allowed: true,
        decision: Decision::Skip,
        environment: judged.environment,
        enforcement: judged.enforcement,
        findings: Vec::new(),
        suppressed: Vec::new(),
        skipped: Some(why),
        errors: Vec::new(),
        emergency: None,
    }
}

/// The answer when evaluation failed or timed out, following the failure mode.
pub fn failure(settings: &AdmissionSettings, uid: &str, reason: &str) -> Outcome {
    let response = match settings.failure_mode {
        FailureMode::FailOpen => Response::allow(uid).fail_open(reason),
        FailureMode::FailClosed => Response::allow(uid).fail_closed(reason),
    };
    Outcome {
        allowed: response.allowed(),
        response: response.into_review(),
        decision: Decision::Error,
        environment: String::new(),
        enforcement: Enforcement::Deny,
        findings: Vec::new(),
        suppressed: Vec::new(),
        skipped: None,
        errors: vec![truncate(reason, MAX_MESSAGE_CHARS)],
        emergency: None,
    }
}

/// Findings under an enforcement: error findings deny (`deny`) or warn (`warn`), warnings warn
/// (`deny`, `warn`), the rest is audited; honoured suppressions and the emergency note are
/// recorded as audit annotations.
pub(crate) fn verdict(
    req: &AdmissionRequest,
    judged: Judged,
    findings: Vec<Finding>,
    suppressed: Vec<Finding>,
    note: EmergencyNote,
) -> Outcome {
    let mut denials = Vec::new();
    let mut warnings = Vec::new();
    let mut audits: BTreeMap<String, Vec<String>> = BTreeMap::new();
    if let Some(n) = &note.honoured {
        audits.insert(AUDIT_EMERGENCY.to_string(), vec![n.clone()]);
    }
    if let Some(n) = note.refused {
        audits.insert(AUDIT_EMERGENCY_REFUSED.to_string(), vec![n]);
    }
    for f in &findings {
        let path = display_path(&f.path);
        match (judged.enforcement, f.severity) {
            (Enforcement::Deny, Severity::Error) => {
                denials.push(format!("[{}] {path}: {}", f.rule, f.message))
            }
            (Enforcement::Deny | Enforcement::Warn, Severity::Error | Severity::Warning) => {
                warnings.push(format!("[{}] {path}: {}", f.rule, f.message))
            }
            _ => audits
                .entry(audit_key(&f.rule))
                .or_default()
                .push(format!("{path}: {}", f.message)),
        }
    }
    // Findings decide `audit`; the record of honoured suppressions below does not.
    let judged_audit = !audits.is_empty();
    record_suppressions(&suppressed, &mut audits);
    let mut response = Response::allow(&req.uid);
    if !denials.is_empty() {
        response = response.deny(&format!(
            "plumbline denied {} ({} violation{}): {}",
            req.display_object(),
            denials.len(),
            if denials.len() == 1 { "" } else { "s" },
            denials.join("; ")
        ));
    }
    let response = response.warn(&warnings).audit(audits);
    let decision = if !response.allowed() {
        Decision::Deny
    } else if response.has_warnings() {
        Decision::Warn
    } else if judged_audit {
        Decision::Audit
    } else {
        Decision::Allow
    };
    Outcome {
        allowed: response.allowed(),
        response: response.into_review(),
        decision,
        environment: judged.environment,
        enforcement: judged.enforcement,
        findings,
        suppressed,
        skipped: None,
        errors: Vec::new(),
        emergency: note.honoured.map(|n| truncate(&n, MAX_MESSAGE_CHARS)),
    }
}

/// Every honoured suppression as `suppressed-<rule>: "<kind>: <reason>[; expires=…]"`, once.
fn record_suppressions(suppressed: &[Finding], audits: &mut BTreeMap<String, Vec<String>>) {
    for f in suppressed {
        let Some(sup) = &f.suppressed else {
            continue;
        };
        let kind = match sup.kind {
            SuppressionKind::Annotation => "annotation",
            SuppressionKind::Exemption => "exemption",
        };
        let expires = sup
            .expires
            .as_deref()
            .map(|d| format!("; expires={d}"))
            .unwrap_or_default();
        let line = format!("{kind}: {}{expires}", sup.reason);
        let entry = audits
            .entry(audit_key(&format!("suppressed-{}", f.rule)))
            .or_default();
        if !entry.contains(&line) {
            entry.push(line);
        }
    }
}
