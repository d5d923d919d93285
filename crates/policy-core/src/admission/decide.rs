//! [`decide`]: a parsed request, the linter, the settings and the inventory in, an [`Outcome`]
//! out. Pure but for the wall clock when `settings.now` is not set.

use serde_json::{Map, Value};

use super::outcome::{failure, skip, verdict, EmergencyNote, Outcome};
use super::scope::{engine_user, Scope};
use super::update;
use super::{AdmissionRequest, AdmissionSettings};
use crate::admission_config::Enforcement;
use crate::calendar::Window;
use crate::emergency::{self, Verdict};
use crate::eval::Request;
use crate::finding::Finding;
use crate::inventory::Inventory;
use crate::lint::Linter;
use crate::object::Object;
use crate::problem::Problem;
use crate::suppress::Governance;

/// The rule whose findings an honoured emergency change lets through.
const FREEZE_RULE: &str = crate::rule_ids::CHANGE_FREEZE_ACTIVE;

/// Decide a parsed request.
pub fn decide(
    linter: &Linter,
    settings: &AdmissionSettings,
    req: &AdmissionRequest,
    namespaces: &Inventory,
) -> Outcome {
    let scope = Scope::of(linter, settings, req, namespaces);
    if !scope.namespace.is_empty()
        && settings
            .exempt_namespaces
            .iter()
            .any(|n| n == scope.namespace)
    {
        return skip(req, scope.judged(), "exempt namespace");
    }
    // `pods/ephemeralcontainers` carries the whole Pod with its new ephemeral containers: judge
    // it as the Pod (a privileged debug container is a privileged container). Other subresources
    // (status, scale, binding, eviction…) are not judged.
    let ephemeral = req.sub_resource == "ephemeralcontainers"
        && (req.kind == "Pod"
            || req.object.as_ref().and_then(|o| o["kind"].as_str()) == Some("Pod"));
    if !req.sub_resource.is_empty() && !ephemeral {
        return skip(req, scope.judged(), "subresource");
    }
    if scope.enforcement == Enforcement::Off {
        return skip(req, scope.judged(), "enforcement off");
    }
    let Some(value) = subject(req) else {
        return skip(req, scope.judged(), "operation not evaluated");
    };
    let (mut findings, problems, note) = evaluate(linter, settings, req, namespaces, &scope, value);
    // An UPDATE is judged by each rule as its upstream judges it (`update:`, `rules.update`).
    let left_out = update::left_out(linter, req);
    if !left_out.is_empty() {
        findings.retain(|f| !left_out.contains(&f.rule));
    }
    // The ephemeral-containers subresource changes nothing but the ephemeral containers: only
    // findings about them count (the rest of the Pod was judged when it was created).
    if ephemeral {
        findings.retain(|f| f.path.starts_with("/spec/ephemeralContainers"));
    }
    let (suppressed, findings): (Vec<Finding>, Vec<Finding>) =
        findings.into_iter().partition(|f| f.suppressed.is_some());
    let errors: Vec<String> = problems.into_iter().map(|p| p.message).collect();
    if !errors.is_empty() {
        let mut o = failure(settings, &req.uid, &errors.join("; "));
        o.environment = scope.environment;
        o.enforcement = scope.enforcement;
        o.findings = findings;
        o.suppressed = suppressed;
        o.errors = errors;
        return o;
    }
    verdict(req, scope.judged(), findings, suppressed, note)
}

/// What is judged: the new object on CREATE and UPDATE, the object being deleted on DELETE
/// (only rules that opt in to DELETE, like change-freeze-active, see it); CONNECT is not judged.
/// The request's namespace is authoritative (CREATE often omits `metadata.namespace`).
fn subject(req: &AdmissionRequest) -> Option<Value> {
    let mut value = match req.operation.as_str() {
        "CREATE" | "UPDATE" => req.object.clone(),
        "DELETE" => req.old_object.clone(),
        _ => None,
    }?;
    if !req.namespace.is_empty() && req.kind != "Namespace" {
        if let Some(meta) = value.as_object_mut().map(|o| {
            o.entry("metadata")
                .or_insert_with(|| Value::Object(Map::new()))
        }) {
            if let Some(m) = meta.as_object_mut() {
                m.insert("namespace".into(), Value::String(req.namespace.clone()));
            }
        }
    }
    Some(value)
}

/// Run the engine on the subject, with the scope's resolution and the freeze windows computed
/// once; then put any emergency annotation met during a freeze on the record.
fn evaluate(
    linter: &Linter,
    settings: &AdmissionSettings,
    req: &AdmissionRequest,
    namespaces: &Inventory,
    scope: &Scope<'_>,
    mut value: Value,
) -> (Vec<Finding>, Vec<Problem>, EmergencyNote) {
    let now = settings.now.unwrap_or_else(jiff::Timestamp::now);
    let requester = req.user["username"].as_str().unwrap_or_default();
    // An emergency is judged for this request (requester, ticket, bounded validity). One that is
    // not honoured is taken out of the evaluated copy, so the freeze rule judges the change as
    // if it were absent (and an unhonoured emergency ticket is no change ticket either).
    let emergency = emergency::annotation(&value)
        .map(|v| judge_emergency(linter, settings, req, requester, now, v));
    if emergency.as_ref().is_some_and(|e| !e.honoured()) {
        if let Some(a) = value["metadata"]["annotations"].as_object_mut() {
            a.remove(emergency::ANNOTATION);
        }
    }
    let object = Object::from_value(value, &format!("admission:{}", req.uid));
    let resolved = scope.for_object(linter, req, &object, namespaces);
    let windows = linter
        .calendars()
        .active(&resolved.environment, resolved.tier, now);
    let same_windows = (&resolved.environment, resolved.tier)
        == (&scope.resolved.environment, scope.resolved.tier);
    // In-object suppressions are honoured only for requesters allowed to suppress: a validating
    // webhook cannot know whether a suppression the stored object carries was ever approved.
    let governance = Governance {
        requester: requester.to_string(),
        allowed: settings.suppressors.allows(&req.user),
        previous: match req.operation.as_str() {
            "UPDATE" => req.old_object.as_ref(),
            _ => None,
        },
    };
    let request = Request {
        operation: &req.operation,
        old_object: req.old_object.as_ref(),
        user: engine_user(req),
        now: Some(now),
        governance: Some(governance),
        resolved: Some(resolved),
        windows: Some(windows),
    };
    let (mut findings, problems) = linter.check_object_as(&object, namespaces, &request);
    // The windows of the request's namespace (the engine's, unless a Namespace's own labels
    // moved it to another environment or tier).
    let note = match emergency {
        None => EmergencyNote::default(),
        Some(e) => {
            let own;
            let windows = match request.windows.as_deref() {
                Some(w) if same_windows => w,
                _ => {
                    own = linter.calendars().active(
                        &scope.resolved.environment,
                        scope.resolved.tier,
                        now,
                    );
                    &own
                }
            };
            emergency_note(&e, windows, requester, &mut findings)
        }
    };
    (findings, problems, note)
}

/// Judge an emergency annotation for this request.
fn judge_emergency(
    linter: &Linter,
    settings: &AdmissionSettings,
    req: &AdmissionRequest,
    requester: &str,
    now: jiff::Timestamp,
    annotation: &Value,
) -> Verdict {
    let pattern = linter
        .config()
        .config
        .change_control
        .ticket_pattern
        .clone()
        .unwrap_or_else(|| crate::calendar::DEFAULT_TICKET_PATTERN.to_string());
    emergency::judge(
        annotation,
        &emergency::Rules {
            requester,
            requester_allowed: settings.emergency_requesters.allows(&req.user),
            ticket_pattern: &pattern,
            now,
            max_hours: settings.emergency_max_hours,
        },
    )
}

/// Record an emergency met during a freeze: an honoured one lets the change through (unless the
/// freeze rule still found something), a refused one says why in the freeze finding.
fn emergency_note(
    e: &Verdict,
    windows: &[Window],
    requester: &str,
    findings: &mut [Finding],
) -> EmergencyNote {
    let mut note = EmergencyNote::default();
    if windows.is_empty() {
        return note;
    }
    let names: Vec<String> = windows
        .iter()
        .map(|w| format!("{} ({})", w.name, w.calendar))
        .collect();
    match &e.problem {
        None if !findings.iter().any(|f| f.rule == FREEZE_RULE) => {
            let until = e.expires.map(|t| t.to_string()).unwrap_or_default();
            let who = if requester.is_empty() {
                "(unknown)"
            } else {
                requester
            };
            note.honoured = Some(format!(
                "ticket {} by {who} until {until} during freeze: {}",
                e.ticket,
                names.join(", ")
            ));
        }
        None => {}
        Some(problem) => {
            for f in findings.iter_mut().filter(|f| f.rule == FREEZE_RULE) {
                f.message.push_str(&format!(
                    " Its {} annotation ({:?}) is not honoured: {problem}.",
                    emergency::ANNOTATION,
                    e.text
                ));
            }
            note.refused = Some(format!(
                "{:?} during freeze {}: {problem}",
                e.text,
                names.join(", ")
            ));
        }
    }
    note
}
