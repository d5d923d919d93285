//! Unit tests of the admission decision.

use serde_json::{json, Value};

use super::response::{bound_warnings, display_path};
use super::*;
use crate::config::Config;
use crate::lint::Linter;

/// The API server keeps an audit annotation only when `<webhook name>/<key>` is a qualified
/// name (k8s.io/apiserver `checkKeyFormat`): one `/`, a name part of at most 63 characters of
/// `[A-Za-z0-9._-]` starting and ending alphanumeric. `plumbline.dev/<rule>` never was one.
#[test]
fn audit_keys_are_qualified_name_parts() {
    let re = regex::Regex::new(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$").unwrap();
    for key in [
        audit_key("image-tag-latest"),
        audit_key("suppressed-namespace-network-policy-missing"),
        audit_key(&format!("suppressed-{}", "x".repeat(80))),
        audit_key("custom/rule id!"),
        audit_key("-"),
        AUDIT_EMERGENCY.to_string(),
        AUDIT_EMERGENCY_REFUSED.to_string(),
        AUDIT_EVALUATION_ERROR.to_string(),
    ] {
        assert!(re.is_match(&key), "{key:?}");
    }
    assert_eq!(audit_key("image-tag-latest"), "image-tag-latest");
    assert_eq!(audit_key("custom/rule id!"), "custom-rule-id");
}

#[test]
fn warnings_are_bounded() {
    let lines: Vec<String> = (0..100)
        .map(|i| format!("{i} {}", "x".repeat(400)))
        .collect();
    let w = bound_warnings(&lines);
    assert!(w.len() <= MAX_WARNINGS, "{}", w.len());
    assert!(w.iter().all(|l| l.chars().count() <= MAX_WARNING_CHARS));
    assert!(w.iter().map(String::len).sum::<usize>() <= MAX_WARNING_BYTES + 64);
    assert!(w.last().is_some_and(|l| l.contains("more finding")));
    assert_eq!(
        bound_warnings(&["a".into()]),
        vec!["plumbline: a".to_string()]
    );
}

#[test]
fn paths_read_like_fields() {
    assert_eq!(
        display_path("/spec/containers/0/image"),
        "spec.containers[0].image"
    );
    assert_eq!(display_path(""), "(object)");
}

#[test]
fn review_denies_with_403_and_uid() {
    let linter = crate::default_linter().unwrap();
    let body = serde_json::to_vec(&json!({
        "apiVersion": API_VERSION, "kind": "AdmissionReview",
        "request": {"uid": "u1", "operation": "CREATE", "namespace": "shop",
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                "spec": {"containers": [{"name": "c", "image": "nginx:latest"}]}}}
    }))
    .unwrap();
    let v = review(
        &linter,
        &AdmissionSettings::default(),
        &body,
        &Inventory::default(),
    )
    .unwrap();
    assert_eq!(v["response"]["uid"], "u1");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 403);
    let msg = v["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("[image-tag-latest] spec.containers[0].image"),
        "{msg}"
    );
    let mut exempt = AdmissionSettings::default();
    exempt.exempt_namespaces.push("shop".into());
    let v = review(&linter, &exempt, &body, &Inventory::default()).unwrap();
    assert_eq!(v["response"]["allowed"], true);
}

/// A ConfigMap review in acme-prod by an on-call engineer.
fn review_of(op: &str, annotations: Value) -> Vec<u8> {
    let obj = json!({"apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "odoo-conf", "annotations": annotations}, "data": {}});
    let (object, old) = if op == "DELETE" {
        (Value::Null, obj)
    } else {
        (obj, Value::Null)
    };
    serde_json::to_vec(
        &json!({"apiVersion": API_VERSION, "kind": "AdmissionReview",
        "request": {"uid": "u", "operation": op, "namespace": "acme-prod",
            "kind": {"group": "", "version": "v1", "kind": "ConfigMap"},
            "userInfo": {"username": "bob", "groups": ["oncall"]},
            "object": object, "oldObject": old}}),
    )
    .unwrap()
}

/// Inside a freeze window a change is denied naming the window, an emergency change with a
/// ticket is let through and recorded, and a DELETE is judged too (issue: change control).
#[test]
fn freeze_windows_deny_and_emergencies_are_recorded() {
    let config = Config::parse(
        "version: 1\nrules: {select: [change-freeze-active]}\nadmission: {emergency: {requesters: {groups: [oncall]}}}\nchangeControl:\n  calendars:\n  - name: erp\n    timeZone: Europe/Berlin\n    environments: [production]\n    freezes:\n    - {name: payroll, monthlyDays: {from: 24, to: 28}}\n",
        "p.yaml",
    )
    .unwrap();
    let mut settings = AdmissionSettings::from_config(&config, None).unwrap();
    settings.now = Some("2026-11-25T10:00:00Z".parse().unwrap());
    let pack = crate::PolicyPack::builtin().unwrap();
    let linter = Linter::new(
        pack,
        config
            .validate(&crate::PolicyPack::builtin().unwrap())
            .unwrap(),
        crate::LintOptions::default(),
    )
    .unwrap();
    let v = review(
        &linter,
        &settings,
        &review_of("CREATE", json!({})),
        &Inventory::default(),
    )
    .unwrap();
    assert_eq!(v["response"]["allowed"], false, "{v}");
    let msg = v["response"]["status"]["message"].as_str().unwrap();
    assert!(
        msg.contains("payroll") && msg.contains("2026-11-29T00:00:00+01:00"),
        "{msg}"
    );
    let v = review(
        &linter,
        &settings,
        &review_of("DELETE", json!({})),
        &Inventory::default(),
    )
    .unwrap();
    assert_eq!(
        v["response"]["allowed"], false,
        "a DELETE in a freeze is denied too: {v}"
    );
    let emergency =
        json!({"change.plumbline.dev/emergency": "INC-4711; expires=2026-11-25T18:00:00Z"});
    let v = review(
        &linter,
        &settings,
        &review_of("UPDATE", emergency),
        &Inventory::default(),
    )
    .unwrap();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    let audit = v["response"]["auditAnnotations"][AUDIT_EMERGENCY]
        .as_str()
        .unwrap();
    assert!(
        audit.contains("INC-4711") && audit.contains("payroll"),
        "{audit}"
    );
    settings.now = Some("2026-11-20T10:00:00Z".parse().unwrap());
    let v = review(
        &linter,
        &settings,
        &review_of("CREATE", json!({})),
        &Inventory::default(),
    )
    .unwrap();
    assert_eq!(v["response"]["allowed"], true, "outside the window: {v}");
}

#[test]
fn settings_from_config() {
    let c = Config::parse(
        "version: 1\nadmission:\n  enforcement: {dev: warn}\n",
        "p.yaml",
    )
    .unwrap();
    let s = AdmissionSettings::from_config(&c, Some("plumbline-system")).unwrap();
    assert_eq!(s.enforcement_of("dev"), Enforcement::Warn);
    assert_eq!(s.enforcement_of("production"), Enforcement::Deny);
    assert_eq!(s.exempt_namespaces, ["kube-system", "plumbline-system"]);
    assert_eq!(s.failure_mode, FailureMode::FailClosed);
    let bad = Config::parse("admission: {failureMode: maybe}\n", "p.yaml").unwrap_err();
    assert!(bad.to_string().contains("fail-open"), "{bad}");
}

#[test]
fn garbage_is_an_error_not_a_panic() {
    for body in [
        &b""[..],
        b"{",
        b"[]",
        b"null",
        b"{\"apiVersion\":1}",
        b"{\"request\":{}}",
    ] {
        assert!(parse_request(body).is_err());
    }
    let e = parse_request(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#);
    assert!(matches!(e, Err(AdmissionError::ApiVersion(_))));
}
