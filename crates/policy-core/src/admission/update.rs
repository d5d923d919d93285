//! UPDATE requests judged as each rule's upstream judges them: which rules an UPDATE leaves out
//! (`update:` in `rule.yaml`, `rules.update` in the config; docs/webhook.md, "UPDATE requests").
//!
//! - `always`: every UPDATE;
//! - `significant`: a Pod's UPDATE only when Pod Security Admission would evaluate it
//!   (`isSignificantPodUpdate` in k8s.io/pod-security-admission `admission/admission.go`); every
//!   UPDATE of other kinds (PSA evaluates pod controllers on every UPDATE);
//! - `skip`: no UPDATE (Gatekeeper's PSP templates, `not is_update(input.review)`).

use std::collections::BTreeSet;

use serde_json::Value;

use super::AdmissionRequest;
use crate::config::UpdateMode;
use crate::lint::Linter;

/// The pod-level seccomp annotation (`corev1.SeccompPodAnnotationKey`).
const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// The prefix of the per-container seccomp annotation (`corev1.SeccompContainerAnnotationKeyPrefix`).
const SECCOMP_CONTAINER: &str = "container.seccomp.security.alpha.kubernetes.io/";

/// Ids of the rules whose findings this request does not judge: none unless it is an UPDATE.
pub(super) fn left_out(linter: &Linter, req: &AdmissionRequest) -> BTreeSet<String> {
    if req.operation != "UPDATE" {
        return BTreeSet::new();
    }
    let config = linter.config();
    // Computed at most once, and only when a rule asks.
    let mut insignificant: Option<bool> = None;
    let mut out = BTreeSet::new();
    for rule in linter.active_rules() {
        let leave = match config.update_mode(rule) {
            UpdateMode::Skip => true,
            UpdateMode::Significant => {
                *insignificant.get_or_insert_with(|| insignificant_pod_update(req))
            }
            _ => false,
        };
        if leave {
            out.insert(rule.id.clone());
        }
    }
    out
}

/// A Pod UPDATE that Pod Security Admission lets through without evaluating it. Anything that is
/// not a Pod with both objects, and every Pod UPDATE PSA would evaluate, is judged.
fn insignificant_pod_update(req: &AdmissionRequest) -> bool {
    let is_pod = |o: &Value| o["kind"].as_str().is_none_or(|k| k == "Pod");
    match (&req.object, &req.old_object) {
        (Some(new), Some(old)) if req.kind == "Pod" && is_pod(new) && is_pod(old) => {
            !significant_pod_update(new, old)
        }
        _ => false,
    }
}

/// `isSignificantPodUpdate`: the pod's seccomp annotation, the number of containers or init
/// containers, a container's image or seccomp annotation (by index), an ephemeral container
/// added or changed (by name). Everything else a Pod UPDATE may change (labels, annotations,
/// tolerations, activeDeadlineSeconds, resources in place) is immutable or irrelevant to PSA.
pub(crate) fn significant_pod_update(new: &Value, old: &Value) -> bool {
    let (na, oa) = (
        &new["metadata"]["annotations"],
        &old["metadata"]["annotations"],
    );
    if text(&na[SECCOMP_POD]) != text(&oa[SECCOMP_POD]) {
        return true;
    }
    let changed = |c: &Value, o: &Value| {
        let key = format!("{SECCOMP_CONTAINER}{}", text(&c["name"]));
        text(&c["image"]) != text(&o["image"]) || text(&na[&key]) != text(&oa[&key])
    };
    for field in ["containers", "initContainers"] {
        let (n, o) = (list(&new["spec"][field]), list(&old["spec"][field]));
        if n.len() != o.len() || n.iter().zip(o).any(|(c, o)| changed(c, o)) {
            return true;
        }
    }
    let old_ephemeral = list(&old["spec"]["ephemeralContainers"]);
    list(&new["spec"]["ephemeralContainers"]).iter().any(|c| {
        match old_ephemeral
            .iter()
            .find(|o| text(&o["name"]) == text(&c["name"]))
        {
            None => true,
            Some(o) => changed(c, o),
        }
    })
}

/// A string field as Go reads it: absent (or not a string) is "".
fn text(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

fn list(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}
