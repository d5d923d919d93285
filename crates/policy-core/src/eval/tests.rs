//! The engine input carries its documented fields.

use serde_json::{json, Value};

use super::{Evaluator, Request, Settings};
use crate::config::Config;
use crate::inventory::Inventory;
use crate::object::{objects_from_source, Object};
use crate::pack::PolicyPack;
use crate::source::Source;

/// An evaluator of the built-in pack with the default config, every rule enabled.
pub(super) fn default_evaluator() -> Evaluator {
    let pack = PolicyPack::builtin().expect("pack");
    let config = Config::default().validate(&pack).expect("config");
    let settings = Settings {
        now: jiff::Timestamp::now(),
        strict: false,
        environment: None,
        image_facts: None,
        compile_cache: None,
    };
    Evaluator::new(pack, config, |_| true, settings).expect("evaluator")
}

const OBJECTS: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {plumbline.dev/tenant: acme}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: odoo
  namespace: shop
  annotations: {a: "yes", ignore.plumbline.dev/image-tag-latest: x}
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  template:
    spec:
      containers:
        - name: odoo
          image: odoo:17
          env: [{name: RATIO, value: "0.5"}]
          resources: {limits: {cpu: 1.5, memory: -1}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop}
data: {k: v, empty: ""}
"#;

/// The engine input carries the documented fields with the object and oldObject exactly as
/// read (every number form), on CREATE and UPDATE, and its JSON view converts back to the same
/// engine value.
#[test]
fn engine_input_has_the_documented_fields() {
    let evaluator = default_evaluator();
    let (objects, problems) = objects_from_source(&Source::new("t.yaml", OBJECTS));
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(objects.len(), 3);
    let inventory = Inventory::from_objects(&objects, evaluator.resolver());
    let old = json!({"metadata": {"name": "odoo", "generation": 7}, "spec": {"x": [1, -1, 2.25, null, true]}});
    for old_object in [None, Some(&old)] {
        let request = Request {
            operation: if old_object.is_some() {
                "UPDATE"
            } else {
                "CREATE"
            },
            old_object,
            ..Request::default()
        };
        for o in &objects {
            let json = evaluator.input_json(o, &inventory, &request);
            let today = evaluator.today_at(request.now);
            let suppressions = evaluator.suppressions(o, &today, &request);
            let resolved = evaluator.resolve(o, &inventory);
            let direct = evaluator
                .input(o, &inventory, &suppressions, &resolved, &request)
                .to_value();
            let r = o.reference.to_string();
            // The object and oldObject as the serde conversion reads them.
            assert_eq!(
                direct["object"],
                regorus::Value::from(o.value.clone()),
                "{r}"
            );
            let old_value = old_object.cloned().unwrap_or(Value::Null);
            assert_eq!(direct["oldObject"], regorus::Value::from(old_value), "{r}");
            assert_eq!(direct, regorus::Value::from(json.clone()), "{r}");
            assert_eq!(json["tenant"], resolved.tenant.as_str(), "{r}");
            assert_eq!(
                json["environment"]["name"],
                resolved.environment.as_str(),
                "{r}"
            );
            assert_eq!(json["environment"]["tier"], json!(resolved.tier), "{r}");
            assert_eq!(json["environment"]["source"], json!(resolved.source), "{r}");
            assert_documented_fields(&json, o, &request);
        }
    }
}

/// The fields of `json`, the input of `o` in `request`, that do not depend on the resolution.
fn assert_documented_fields(json: &Value, o: &Object, request: &Request<'_>) {
    let r = o.reference.to_string();
    assert_eq!(json["operation"], request.operation, "{r}");
    assert_eq!(json["namespace"]["name"], "shop", "{r}");
    assert_eq!(json["namespace"]["known"], true, "{r}");
    assert_eq!(
        json["namespace"]["labels"]["plumbline.dev/tenant"], "acme",
        "{r}"
    );
    assert!(json["podSecurity"]["level"].is_string(), "{r}");
    assert_eq!(json["podSecurity"]["version"], "latest", "{r}");
    assert_eq!(json["change"]["frozen"], false, "{r}");
    assert_eq!(json["change"]["windows"], json!([]), "{r}");
    assert!(json["change"]["ticketPattern"].is_string(), "{r}");
    assert!(json["change"]["ticketRequired"].is_boolean(), "{r}");
    assert_eq!(json["user"], request.user, "{r}");
    assert!(
        json["now"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{r}"
    );
    assert!(json["inventory"]["namespaces"]["shop"].is_object(), "{r}");
    if o.reference.kind == "Deployment" {
        assert_eq!(json["images"]["odoo:17"]["reference"]["tag"], "17");
        assert_eq!(json["images"]["odoo:17"]["error"], Value::Null);
        let s = &json["suppressions"]["image-tag-latest"];
        assert_eq!(s["reason"], "x", "{s}");
    } else {
        assert_eq!(json["images"], json!({}), "{r}");
        assert_eq!(json["suppressions"], json!({}), "{r}");
    }
}

/// The Pod Security level and version come from the Namespace's labels as Pod Security
/// Admission reads them (api.PolicyToEvaluate): an invalid level label counts as restricted, an
/// invalid version label as latest, and an absent label leaves the configured default.
#[test]
fn pod_security_labels_are_read_as_pod_security_admission_reads_them() {
    let evaluator = default_evaluator();
    let cases = [
        // (enforce, enforce-version, level, version); the tier alone gives baseline here.
        (None, None, "baseline", "latest"),
        (Some("restricted"), Some("v1.24"), "restricted", "v1.24"),
        (Some("privileged"), None, "privileged", "latest"),
        (Some("Restricted"), Some("v1.024"), "restricted", "latest"),
        (Some(""), Some("1.30"), "restricted", "latest"),
        (None, Some("v1.0"), "baseline", "v1.0"),
        (Some("baseline"), Some("latest"), "baseline", "latest"),
    ];
    for (enforce, version, want_level, want_version) in cases {
        let mut labels = String::from("plumbline.dev/tenant: acme");
        if let Some(l) = enforce {
            labels.push_str(&format!(", pod-security.kubernetes.io/enforce: {l:?}"));
        }
        if let Some(v) = version {
            labels.push_str(&format!(
                ", pod-security.kubernetes.io/enforce-version: {v:?}"
            ));
        }
        let text = format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop, labels: {{{labels}}}}}\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: shop}}\n\
             spec: {{containers: [{{name: c, image: c:1}}]}}\n"
        );
        let (objects, problems) = objects_from_source(&Source::new("t.yaml", &text));
        assert!(problems.is_empty(), "{problems:?}");
        let inventory = Inventory::from_objects(&objects, evaluator.resolver());
        let json = evaluator.input_json(&objects[1], &inventory, &Request::default());
        assert_eq!(
            (
                json["podSecurity"]["level"].as_str(),
                json["podSecurity"]["version"].as_str()
            ),
            (Some(want_level), Some(want_version)),
            "{labels}"
        );
    }
    for (v, ok) in [
        ("latest", true),
        ("v1.0", true),
        ("v1.37", true),
        ("v1.01", false),
        ("v2.0", false),
        ("v1.", false),
        ("1.30", false),
    ] {
        assert_eq!(super::evaluator::valid_pod_security_version(v), ok, "{v}");
    }
}
