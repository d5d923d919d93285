use super::*;
use crate::{Config, LintOptions, PolicyPack};

fn linter(config: &str) -> Linter {
    let pack = PolicyPack::builtin().expect("pack");
    let config = Config::parse(config, "plumbline.yaml")
        .expect("config")
        .validate(&pack)
        .expect("valid");
    Linter::new(pack, config, LintOptions::default()).expect("linter")
}

#[test]
fn every_cel_form_parses_and_substitutes() {
    let l = linter("{}");
    let e = export(&l, &[]).expect("export");
    let policies: Vec<&Value> = e
        .objects
        .iter()
        .filter(|o| o["kind"] == "ValidatingAdmissionPolicy")
        .collect();
    assert!(policies.len() >= 5, "{:?}", e.without);
    for p in &policies {
        let text = p.to_string();
        assert!(!text.contains("${"), "unsubstituted parameter in {text}");
        assert!(!p["spec"]["validations"].as_array().expect("v").is_empty());
        assert!(!p["spec"]["matchConstraints"]["resourceRules"]
            .as_array()
            .expect("rules")
            .is_empty());
    }
    // Every active rule is either exported or listed with a reason.
    for r in l.active_rules() {
        let exported = policies
            .iter()
            .any(|p| p["metadata"]["labels"]["plumbline.dev/rule"] == r.id.as_str());
        let listed = e
            .without
            .iter()
            .any(|(id, why)| id == &r.id && !why.is_empty());
        assert!(
            exported != listed,
            "{}: exported {exported}, listed {listed}",
            r.id
        );
    }
    let tag = policies
        .iter()
        .find(|p| p["metadata"]["name"] == "plumbline-image-tag-latest")
        .expect("image-tag-latest has a CEL form");
    assert!(tag.to_string().contains(r#"[\"latest\"]"#), "{tag}");
}

#[test]
fn bindings_follow_enforcement_and_severity() {
    let l = linter("admission:\n  enforcement: {dev: warn, sandbox: \"off\"}\n");
    let e = export(&l, &["image-tag-latest".to_string()]).expect("export");
    let b: Vec<&Value> = e
        .objects
        .iter()
        .filter(|o| o["kind"] == "ValidatingAdmissionPolicyBinding")
        .collect();
    assert_eq!(b.len(), 2, "{b:#?}");
    assert_eq!(b[0]["spec"]["validationActions"], json!(["Deny"]));
    assert_eq!(
        b[0]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"],
        json!(["dev", "sandbox"])
    );
    assert_eq!(b[1]["spec"]["validationActions"], json!(["Warn", "Audit"]));
    assert_eq!(
        b[1]["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"][0]["values"],
        json!(["dev"])
    );
    // Configured at warning: never denies.
    let l = linter("rules:\n  severity: {image-tag-latest: warning}\n");
    let e = export(&l, &["image-tag-latest".to_string()]).expect("export");
    let b = e
        .objects
        .iter()
        .find(|o| o["kind"] == "ValidatingAdmissionPolicyBinding")
        .expect("binding");
    assert_eq!(b["spec"]["validationActions"], json!(["Warn", "Audit"]));
}

#[test]
fn a_parameter_the_form_does_not_express_leaves_the_rule_out() {
    let l = linter("params:\n  images:\n    exemptImages: [\"docker.io/library/odoo:*\"]\n");
    let e = export(&l, &["image-tag-latest".to_string()]).expect("export");
    assert!(e.objects.is_empty());
    assert!(
        e.without[0].1.contains("params.images.exemptImages"),
        "{:?}",
        e.without
    );
}

#[test]
fn substitution_names_an_unknown_parameter() {
    let err = substitute("x in ${no.such}", &json!({}), "r").expect_err("unknown");
    assert!(err.to_string().contains("params.no.such"), "{err}");
    assert_eq!(
        substitute("t in ${a.b}", &json!({"a": {"b": ["x", "y"]}}), "r").expect("ok"),
        r#"t in ["x","y"]"#
    );
}
