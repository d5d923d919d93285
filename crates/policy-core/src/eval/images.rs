//! `input.images`: every container image of an object, parsed, with digest and signature facts.

use serde_json::{json, Map, Value};

use crate::image;
use crate::imagefacts::{ImageContext, ImageFacts};

/// Pointer of the pod spec inside an object of `kind`, if it has one.
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => Some("/spec/template/spec"),
        _ => None,
    }
}

/// `input.images`: every container image of the object, parsed, with digest and signature facts
/// when a verifier is configured.
pub(super) fn images_of(
    object: &Value,
    kind: &str,
    facts: Option<&dyn ImageFacts>,
    ctx: &ImageContext<'_>,
) -> Value {
    let spec = pod_spec_pointer(kind).and_then(|p| object.pointer(p));
    images_in(spec, facts, ctx)
}

/// `input.images` of a pod spec (a custom resource's view: `crate::workloads`).
pub(super) fn images_in(
    spec: Option<&Value>,
    facts: Option<&dyn ImageFacts>,
    ctx: &ImageContext<'_>,
) -> Value {
    let mut out = Map::new();
    let Some(spec) = spec else {
        return Value::Object(out);
    };
    for field in ["containers", "initContainers", "ephemeralContainers"] {
        for c in spec[field].as_array().into_iter().flatten() {
            let Some(img) = c["image"].as_str() else {
                continue;
            };
            if out.contains_key(img) {
                continue;
            }
            let parsed = match image::parse_image(img) {
                Ok(r) => json!({"reference": r, "name": r.name(), "error": null}),
                Err(e) => json!({"reference": null, "name": null, "error": e.reason}),
            };
            let mut entry = parsed;
            entry["digest"] = Value::Null;
            entry["signature"] = Value::Null;
            if let Some(f) = facts {
                let fact = f.facts(img, ctx);
                entry["digest"] = json!(fact.digest);
                entry["signature"] = json!(fact.signature);
            }
            out.insert(img.to_string(), entry);
        }
    }
    Value::Object(out)
}
