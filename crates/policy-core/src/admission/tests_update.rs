//! UPDATE requests judged per rule as upstream (`update:`, `rules.update`): real Pods through
//! the whole decision.

use serde_json::{json, Value};

use super::update::significant_pod_update;
use super::*;
use crate::config::Config;
use crate::lint::Linter;

fn linter(config: &str) -> Linter {
    let pack = crate::PolicyPack::builtin().unwrap();
    let config = Config::parse(config, "p.yaml")
        .unwrap()
        .validate(&pack)
        .unwrap();
    Linter::new(pack, config, crate::LintOptions::default()).unwrap()
}

/// A privileged Pod in namespace shop (Pod Security baseline: its environment is unknown).
fn privileged_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "registry.example.com/erp/odoo:17.0.20241105",
            "securityContext": {"privileged": true}}]}})
}

fn decide_on(linter: &Linter, op: &str, object: &Value, old: Option<&Value>) -> Outcome {
    let kind = object["kind"].as_str().unwrap_or_default();
    let body = serde_json::to_vec(
        &json!({"apiVersion": API_VERSION, "kind": "AdmissionReview",
        "request": {"uid": "u", "operation": op, "namespace": "shop", "name": "web",
            "kind": {"group": "", "version": "v1", "kind": kind},
            "userInfo": {"username": "alice"}, "object": object, "oldObject": old}}),
    )
    .unwrap();
    let req = parse_request(&body).unwrap();
    decide(
        linter,
        &AdmissionSettings::default(),
        &req,
        &Inventory::default(),
    )
}

fn judged(outcome: &Outcome, rule: &str) -> bool {
    outcome.findings.iter().any(|f| f.rule == rule)
}

/// The Pod after an UPDATE changing only its labels and tolerations, and after one changing its
/// image.
fn updates() -> (Value, Value) {
    let mut labels = privileged_pod();
    labels["metadata"]["labels"]["tier"] = json!("frontend");
    labels["spec"]["tolerations"] = json!([{"key": "spot", "operator": "Exists"}]);
    let mut image = privileged_pod();
    image["spec"]["containers"][0]["image"] = json!("registry.example.com/erp/odoo:17.0.20241201");
    (labels, image)
}

/// pss-* default to Pod Security Admission: a label/toleration UPDATE of a privileged Pod is
/// allowed, an image change is judged; CREATE always is.
#[test]
fn pss_rules_judge_significant_pod_updates_only() {
    let l = linter("version: 1\nrules: {select: [pss-privileged]}\n");
    let old = privileged_pod();
    let (labels, image) = updates();
    let created = decide_on(&l, "CREATE", &old, None);
    assert!(
        !created.allowed && judged(&created, "pss-privileged"),
        "{created:?}"
    );
    let o = decide_on(&l, "UPDATE", &labels, Some(&old));
    assert!(o.allowed && o.findings.is_empty(), "{:?}", o.findings);
    let o = decide_on(&l, "UPDATE", &image, Some(&old));
    assert!(
        !o.allowed && judged(&o, "pss-privileged"),
        "{:?}",
        o.response
    );
    // The whole built-in pack: the label UPDATE leaves every pss-* rule out.
    let all = linter("version: 1\n");
    let o = decide_on(&all, "UPDATE", &labels, Some(&old));
    assert!(
        !o.findings.iter().any(|f| f.rule.starts_with("pss-")),
        "{:?}",
        o.findings
    );
    let o = decide_on(&all, "UPDATE", &image, Some(&old));
    assert!(judged(&o, "pss-privileged"), "{:?}", o.findings);
}

/// `rules.update` overrides a rule's default: `always` judges both UPDATEs, `skip` neither.
#[test]
fn config_overrides_the_rule_default() {
    let old = privileged_pod();
    let (labels, image) = updates();
    let always =
        linter("version: 1\nrules: {select: [pss-privileged], update: {pss-privileged: always}}\n");
    for new in [&labels, &image] {
        let o = decide_on(&always, "UPDATE", new, Some(&old));
        assert!(
            !o.allowed && judged(&o, "pss-privileged"),
            "{:?}",
            o.findings
        );
    }
    let skip =
        linter("version: 1\nrules: {select: [pss-privileged], update: {pss-privileged: skip}}\n");
    for new in [&labels, &image] {
        let o = decide_on(&skip, "UPDATE", new, Some(&old));
        assert!(o.allowed && o.findings.is_empty(), "{:?}", o.findings);
    }
    let o = decide_on(&skip, "CREATE", &image, None);
    assert!(
        !o.allowed && judged(&o, "pss-privileged"),
        "CREATE still judged"
    );
    let e = Config::parse("rules: {update: {pss-privileged: sometimes}}\n", "p.yaml").unwrap_err();
    assert!(e.to_string().contains("significant"), "{e}");
    let pack = crate::PolicyPack::builtin().unwrap();
    let e = Config::parse("rules: {update: {pss-privilegd: skip}}\n", "p.yaml")
        .unwrap()
        .validate(&pack)
        .unwrap_err();
    assert!(
        e.to_string().contains("did you mean `pss-privileged`"),
        "{e}"
    );
}

/// PSA evaluates pod controllers on every UPDATE: `significant` judges a Deployment whose
/// UPDATE changed only a label.
#[test]
fn significant_judges_every_update_of_other_kinds() {
    let l = linter("version: 1\nrules: {select: [pss-privileged]}\n");
    let pod = privileged_pod();
    let deployment = |labels: Value| {
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "web", "labels": labels},
            "spec": {"selector": {"matchLabels": {"app": "web"}},
                "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod["spec"]}}})
    };
    let (old, new) = (
        deployment(json!({})),
        deployment(json!({"tier": "frontend"})),
    );
    let o = decide_on(&l, "UPDATE", &new, Some(&old));
    assert!(
        !o.allowed && judged(&o, "pss-privileged"),
        "{:?}",
        o.findings
    );
}

/// psp-* default to Gatekeeper's templates: CREATE judged, no UPDATE.
#[test]
fn psp_rules_skip_updates() {
    let l = linter(
        "version: 1\nrules: {select: [psp-read-only-root-filesystem]}\nparams: {podSecurity: {readOnlyRootFilesystem: true}}\n",
    );
    let mut pod = privileged_pod();
    pod["spec"]["containers"][0]["securityContext"] = json!({});
    let (mut new, _) = updates();
    new["spec"]["containers"][0]["securityContext"] = json!({});
    new["spec"]["containers"][0]["image"] = json!("registry.example.com/erp/odoo:18.0.20250101");
    let o = decide_on(&l, "CREATE", &pod, None);
    assert!(
        judged(&o, "psp-read-only-root-filesystem"),
        "{:?}",
        o.findings
    );
    let o = decide_on(&l, "UPDATE", &new, Some(&pod));
    assert!(o.findings.is_empty(), "{:?}", o.findings);
}

/// `isSignificantPodUpdate`, case by case.
#[test]
fn significant_pod_updates_as_psa() {
    let old = json!({"metadata": {"annotations": {"a": "b"}},
        "spec": {"containers": [{"name": "app", "image": "x:1"}],
            "initContainers": [{"name": "init", "image": "i:1"}],
            "ephemeralContainers": [{"name": "dbg", "image": "busybox:1"}]}});
    let with = |pointer: &str, v: Value| {
        let mut n = old.clone();
        if let Some(slot) = n.pointer_mut(pointer) {
            *slot = v;
        }
        n
    };
    assert!(!significant_pod_update(&old, &old));
    assert!(!significant_pod_update(
        &with("/metadata/annotations/a", json!("c")),
        &old
    ));
    assert!(!significant_pod_update(
        &with("/spec/containers/0/resources", json!({})),
        &old
    ));
    let seccomp = json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"});
    assert!(significant_pod_update(
        &with("/metadata/annotations", seccomp),
        &old
    ));
    let per_container =
        json!({"container.seccomp.security.alpha.kubernetes.io/init": "unconfined"});
    assert!(significant_pod_update(
        &with("/metadata/annotations", per_container),
        &old
    ));
    let unrelated = json!({"container.seccomp.security.alpha.kubernetes.io/other": "unconfined"});
    assert!(!significant_pod_update(
        &with("/metadata/annotations", unrelated),
        &old
    ));
    assert!(significant_pod_update(
        &with("/spec/initContainers/0/image", json!("i:2")),
        &old
    ));
    assert!(significant_pod_update(
        &with("/spec/containers", json!([])),
        &old
    ));
    let added = json!([{"name": "dbg", "image": "busybox:1"}, {"name": "dbg2", "image": "b:1"}]);
    assert!(significant_pod_update(
        &with("/spec/ephemeralContainers", added),
        &old
    ));
    let removed_one = with("/spec/ephemeralContainers", json!([]));
    assert!(!significant_pod_update(&removed_one, &old));
    assert!(significant_pod_update(
        &with("/spec/ephemeralContainers/0/image", json!("b:2")),
        &old
    ));
}
