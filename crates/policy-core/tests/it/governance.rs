//! Admission governance against tenants as adversaries: emergency changes through a freeze,
//! suppressions carried by the stored object, the scope of an approval, ephemeral containers,
//! and who may relabel a Namespace. Every case goes through `policy_core::admission::decide`,
//! which the webhook and `plumbline admit` share.

use policy_core::admission::{decide, parse_request, AdmissionSettings, Outcome, API_VERSION};
use policy_core::{Config, Inventory, LintOptions, Linter, PolicyPack};
use serde_json::{json, Value};

use crate::fixtures::root;

/// A freeze on the 24th–28th of every month, Berlin time, for production.
const FREEZE: &str = "changeControl:\n  calendars:\n  - name: erp\n    timeZone: Europe/Berlin\n    environments: [production]\n    freezes:\n    - {name: payroll, monthlyDays: {from: 24, to: 28}}\n";

/// Inside the payroll freeze.
const FROZEN_AT: &str = "2026-11-25T10:00:00Z";

fn setup(config: &str, now: &str) -> (Linter, AdmissionSettings) {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let config = Config::parse(config, "plumbline.yaml").unwrap();
    let mut settings = AdmissionSettings::from_config(&config, None).unwrap();
    settings.now = Some(now.parse().unwrap());
    let valid = config.validate(&pack).unwrap();
    let mut options = LintOptions::default();
    options.now = now.parse().unwrap();
    let linter = Linter::new(pack, valid, options).unwrap();
    (linter, settings)
}

struct Review {
    operation: &'static str,
    namespace: &'static str,
    kind: &'static str,
    sub_resource: Option<&'static str>,
    user: Value,
    object: Value,
    old: Value,
}

impl Review {
    fn new(operation: &'static str, object: Value) -> Review {
        Review {
            operation,
            namespace: "acme-prod",
            kind: "ConfigMap",
            sub_resource: None,
            user: json!({"username": "alice", "groups": ["system:authenticated", "tenant-acme"]}),
            object,
            old: Value::Null,
        }
    }

    fn decide(&self, linter: &Linter, settings: &AdmissionSettings) -> Outcome {
        let (object, old) = if self.operation == "DELETE" {
            (Value::Null, self.object.clone())
        } else {
            (self.object.clone(), self.old.clone())
        };
        let mut request = json!({"uid": "u-1", "operation": self.operation,
            "namespace": self.namespace,
            "name": self.object["metadata"]["name"],
            "kind": {"group": "", "version": "v1", "kind": self.kind},
            "userInfo": self.user, "object": object, "oldObject": old});
        if let Some(s) = self.sub_resource {
            request["subResource"] = json!(s);
        }
        let body = serde_json::to_vec(
            &json!({"apiVersion": API_VERSION, "kind": "AdmissionReview", "request": request}),
        )
        .unwrap();
        let req = parse_request(&body).unwrap();
        decide(linter, settings, &req, &Inventory::default())
    }
}

fn config_map(annotations: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "odoo-conf", "annotations": annotations}, "data": {"a": "b"}})
}

fn message(o: &Outcome) -> String {
    o.response["response"]["status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn audit(o: &Outcome, key: &str) -> String {
    o.response["response"]["auditAnnotations"][key]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

fn emergency_config() -> String {
    format!(
        "version: 1\nrules: {{select: [change-freeze-active]}}\nadmission:\n  emergency:\n    requesters: {{groups: [oncall]}}\n    maxHours: 8\n{FREEZE}"
    )
}

fn oncall() -> Value {
    json!({"username": "bob", "groups": ["system:authenticated", "oncall"]})
}

/// M2: any tenant could declare an emergency ("x" sufficed) and walk through a freeze.
#[test]
fn m2_emergency_from_a_tenant_does_not_pass_a_freeze() {
    let (linter, settings) = setup(&emergency_config(), FROZEN_AT);
    for value in ["x", "INC-4711; expires=2026-11-25T12:00:00Z"] {
        let r = Review::new(
            "UPDATE",
            config_map(json!({"change.plumbline.dev/emergency": value})),
        );
        let o = r.decide(&linter, &settings);
        assert!(!o.allowed, "{value}: {}", o.response);
        let msg = message(&o);
        assert!(
            msg.contains("[change-freeze-active]")
                && msg.contains("requester alice may not declare emergency changes"),
            "{msg}"
        );
        let refused = audit(&o, "emergency-refused");
        assert!(
            refused.contains("alice") && refused.contains("payroll"),
            "{refused}"
        );
        assert_eq!(audit(&o, "emergency-change"), "");
    }
}

/// M2: an emergency requester still needs a ticket of the configured format and a bounded expiry;
/// an honoured emergency is recorded with its ticket, requester and expiry.
#[test]
fn m2_emergency_needs_ticket_format_and_bounded_expiry() {
    let (linter, settings) = setup(&emergency_config(), FROZEN_AT);
    for (value, why) in [
        (
            "x; expires=2026-11-25T12:00:00Z",
            "does not match the ticket pattern",
        ),
        ("INC-4711", "has no expires="),
        (
            "INC-4711; expires=2026-11-26T10:00:00Z",
            "more than 8 hours ahead",
        ),
        ("INC-4711; expires=next week", "not an RFC 3339 instant"),
    ] {
        let mut r = Review::new(
            "UPDATE",
            config_map(json!({"change.plumbline.dev/emergency": value})),
        );
        r.user = oncall();
        let o = r.decide(&linter, &settings);
        assert!(!o.allowed, "{value}: {}", o.response);
        assert!(message(&o).contains(why), "{value}: {}", message(&o));
    }
    let mut r = Review::new(
        "UPDATE",
        config_map(
            json!({"change.plumbline.dev/emergency": "INC-4711; expires=2026-11-25T16:00:00Z"}),
        ),
    );
    r.user = oncall();
    let o = r.decide(&linter, &settings);
    assert!(o.allowed, "{}", o.response);
    let rec = audit(&o, "emergency-change");
    assert!(
        rec.contains("INC-4711")
            && rec.contains("by bob")
            && rec.contains("2026-11-25T16:00:00Z")
            && rec.contains("payroll"),
        "{rec}"
    );
}

/// M2: the annotation stays on the object, but once expired it no longer lets later UPDATEs or the
/// DELETE through, and it never works for another requester.
#[test]
fn m2_emergency_does_not_outlive_its_expiry_or_its_requester() {
    let annotated = config_map(
        json!({"change.plumbline.dev/emergency": "INC-4711; expires=2026-11-25T16:00:00Z"}),
    );
    let (linter, settings) = setup(&emergency_config(), "2026-11-25T17:00:00Z");
    for op in ["UPDATE", "DELETE"] {
        let mut r = Review::new(op, annotated.clone());
        r.old = annotated.clone();
        r.user = oncall();
        let o = r.decide(&linter, &settings);
        assert!(!o.allowed, "{op}: {}", o.response);
        assert!(message(&o).contains("it expired at"), "{}", message(&o));
    }
    let (linter, settings) = setup(&emergency_config(), FROZEN_AT);
    let mut r = Review::new("DELETE", annotated.clone());
    r.user = json!({"username": "alice", "groups": []});
    let o = r.decide(&linter, &settings);
    assert!(!o.allowed, "a tenant's DELETE: {}", o.response);
}

fn deployment(images: &[&str], annotations: Value) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "annotations": annotations},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": containers}}}})
}

fn suppression_config() -> &'static str {
    "version: 1\nrules: {select: [image-tag-latest, suppression-invalid]}\nadmission:\n  suppressors: {groups: [platform-admins]}\n"
}

fn admin() -> Value {
    json!({"username": "carol", "groups": ["platform-admins"]})
}

/// M3: a suppression the stored object carries proves no approval (it may have been written in a
/// warn/audit rollout, a fail-open outage, a namespace labelled admission=disabled, or before
/// install): a tenant's UPDATE is judged without it.
#[test]
fn m3_stored_suppression_is_not_honoured_for_a_tenant() {
    let (linter, settings) = setup(suppression_config(), FROZEN_AT);
    let sup = json!({"ignore.plumbline.dev/image-tag-latest": "vendor image; expires=2027-01-31"});
    let obj = deployment(&["odoo:latest"], sup);
    let mut r = Review::new("UPDATE", obj.clone());
    r.kind = "Deployment";
    r.old = obj.clone();
    let o = r.decide(&linter, &settings);
    assert!(!o.allowed, "{}", o.response);
    assert!(
        message(&o).contains("[image-tag-latest]"),
        "{}",
        message(&o)
    );
    assert!(o.suppressed.is_empty());
    let carried = o
        .findings
        .iter()
        .find(|f| f.rule == "suppression-invalid")
        .unwrap();
    assert_eq!(carried.severity.as_str(), "warning");
    assert!(
        carried.message.contains("carried from the stored object"),
        "{}",
        carried.message
    );
    // The same request by a suppressor is honoured and recorded.
    r.user = admin();
    let o = r.decide(&linter, &settings);
    assert!(o.allowed, "{}", o.response);
    assert!(audit(&o, "suppressed-image-tag-latest").contains("vendor image"));
}

/// M3: an invalid stored expiry let a tenant write any expiry over it.
#[test]
fn m3_invalid_stored_expiry_does_not_let_a_tenant_set_any_expiry() {
    let (linter, settings) = setup(suppression_config(), FROZEN_AT);
    let mut r = Review::new(
        "UPDATE",
        deployment(
            &["odoo:latest"],
            json!({"ignore.plumbline.dev/image-tag-latest": "vendor; expires=2099-12-31"}),
        ),
    );
    r.kind = "Deployment";
    r.old = deployment(
        &["odoo:latest"],
        json!({"ignore.plumbline.dev/image-tag-latest": "vendor; expires=someday"}),
    );
    let o = r.decide(&linter, &settings);
    assert!(!o.allowed, "{}", o.response);
    let msg = message(&o);
    assert!(
        msg.contains("[image-tag-latest]") && msg.contains("replaces an invalid or expired"),
        "{msg}"
    );
}

/// L6: an approved suppression covered the rule for the whole object, so a tenant's later UPDATE
/// adding another `:latest` container stayed suppressed.
#[test]
fn l6_suppression_does_not_cover_a_tenants_new_findings() {
    let (linter, settings) = setup(suppression_config(), FROZEN_AT);
    let sup = json!({"ignore.plumbline.dev/image-tag-latest": "vendor image; expires=2027-01-31"});
    let mut r = Review::new(
        "UPDATE",
        deployment(&["odoo:latest", "evil:latest"], sup.clone()),
    );
    r.kind = "Deployment";
    r.old = deployment(&["odoo:latest"], sup);
    let o = r.decide(&linter, &settings);
    assert!(!o.allowed, "{}", o.response);
    let msg = message(&o);
    assert!(
        msg.contains("[image-tag-latest] spec.template.spec.containers[1].image"),
        "{msg}"
    );
    // A suppressor approves what it sends, the new container included.
    r.user = admin();
    let o = r.decide(&linter, &settings);
    assert!(o.allowed, "{}", o.response);
    assert_eq!(o.suppressed.len(), 2);
}

fn debug_pod(ephemeral: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "shop"},
        "spec": {
            "securityContext": {"runAsNonRoot": true, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "web", "image": "registry.example.com/web:1.2.3",
                "securityContext": {"allowPrivilegeEscalation": false,
                    "capabilities": {"drop": ["ALL"]}}}],
            "ephemeralContainers": [ephemeral]}})
}

/// M5: `kubectl debug --profile=sysadmin` adds a privileged ephemeral container through the
/// `pods/ephemeralcontainers` subresource, which was never evaluated.
#[test]
fn m5_privileged_ephemeral_container_is_judged() {
    let (linter, settings) = setup("version: 1\n", FROZEN_AT);
    let privileged = json!({"name": "debugger", "image": "busybox:1.36", "stdin": true,
        "securityContext": {"privileged": true}});
    let mut r = Review::new("UPDATE", debug_pod(privileged));
    r.namespace = "shop";
    r.kind = "Pod";
    r.sub_resource = Some("ephemeralcontainers");
    r.old = debug_pod(json!(null));
    r.old["spec"]
        .as_object_mut()
        .unwrap()
        .remove("ephemeralContainers");
    let o = r.decide(&linter, &settings);
    assert!(!o.allowed, "{}", o.response);
    let msg = message(&o);
    assert!(
        msg.contains("[pss-privileged] spec.ephemeralContainers[0].securityContext.privileged"),
        "{msg}"
    );
    assert!(
        o.findings
            .iter()
            .all(|f| f.path.starts_with("/spec/ephemeralContainers")),
        "only the ephemeral containers are judged: {:?}",
        o.findings.iter().map(|f| &f.path).collect::<Vec<_>>()
    );
    // Other subresources are still not judged.
    r.sub_resource = Some("status");
    let o = r.decide(&linter, &settings);
    assert_eq!(o.skipped, Some("subresource"));
}

fn namespace(labels: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
        "metadata": {"name": "initech-staging", "labels": labels}})
}

fn namespace_review(old: Value, new: Value) -> Review {
    let mut r = Review::new("UPDATE", new);
    r.kind = "Namespace";
    r.namespace = "initech-staging";
    r.old = old;
    r
}

/// L7: a tenant could relabel its Namespace (environment, Pod Security level, admission=disabled)
/// with at most a warning; now only params.namespaceLabels.requesters may.
#[test]
fn l7_tenant_may_not_relabel_its_namespace() {
    let config = "version: 1\nrules: {select: [namespace-labels-protected]}\nadmission:\n  enforcement: {staging: deny, dev: warn}\nparams:\n  namespaceLabels:\n    requesters: {groups: [platform-admins]}\n";
    let (linter, settings) = setup(config, FROZEN_AT);
    let old = namespace(json!({"plumbline.dev/tenant": "initech",
        "plumbline.dev/environment": "staging"}));
    for (key, value) in [
        ("plumbline.dev/admission", "disabled"),
        ("pod-security.kubernetes.io/enforce", "privileged"),
        ("plumbline.dev/environment", "dev"),
        ("plumbline.dev/tenant", "globex"),
    ] {
        let mut new = old.clone();
        new["metadata"]["labels"][key] = json!(value);
        let r = namespace_review(old.clone(), new);
        let o = r.decide(&linter, &settings);
        // Moving to `dev` (warn) is judged by the stricter enforcement of the old environment.
        assert!(!o.allowed, "{key}={value}: {}", o.response);
        let msg = message(&o);
        assert!(
            msg.contains("[namespace-labels-protected]")
                && msg.contains("requester alice changes")
                && msg.contains(key),
            "{msg}"
        );
    }
    // Removing a protected label is a change too.
    let r = namespace_review(
        old.clone(),
        namespace(json!({"plumbline.dev/tenant": "initech"})),
    );
    let o = r.decide(&linter, &settings);
    assert!(
        !o.allowed && message(&o).contains("removed"),
        "{}",
        o.response
    );
    // The platform may; and tenants may change labels that decide nothing.
    let mut new = old.clone();
    new["metadata"]["labels"]["plumbline.dev/environment"] = json!("dev");
    let mut r = namespace_review(old.clone(), new);
    r.user = admin();
    assert!(r.decide(&linter, &settings).allowed);
    let mut new = old.clone();
    new["metadata"]["labels"]["team"] = json!("erp");
    let r = namespace_review(old.clone(), new);
    let o = r.decide(&linter, &settings);
    assert!(o.allowed && o.findings.is_empty(), "{}", o.response);
}
