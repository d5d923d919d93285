//! deploy/validatingwebhookconfiguration.yaml sends every kind and operation the pack's rules judge
//! (rule.yaml `kinds` and `operations`), `pods/ephemeralcontainers`, and Namespaces through a
//! webhook that `plumbline.dev/admission=disabled` cannot switch off.

use policy_core::webhookconfig::uncovered;
use policy_core::PolicyPack;

use crate::fixtures::root;

#[test]
fn shipped_webhook_configuration_sends_every_pack_kind_and_operation() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let path = root().join("deploy/validatingwebhookconfiguration.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let doc = policy_core::yaml::parse_stream(&text)
        .into_iter()
        .next()
        .unwrap()
        .unwrap();
    let problems = uncovered(&doc.value, &pack);
    assert!(
        problems.is_empty(),
        "{} does not match the pack (rule.yaml kinds/operations; see policy_core::webhookconfig):\n{}",
        path.display(),
        problems.join("\n")
    );
    // The names and the service the end-to-end test and cert-manager rely on stay as they are.
    let v = &doc.value;
    assert_eq!(v["metadata"]["name"], "plumbline");
    assert_eq!(
        v["metadata"]["annotations"]["cert-manager.io/inject-ca-from"],
        "plumbline-system/plumbline-webhook"
    );
    assert_eq!(v["webhooks"][0]["name"], "validate.plumbline.dev");
    for w in v["webhooks"].as_array().unwrap() {
        let svc = &w["clientConfig"]["service"];
        assert_eq!(
            (&svc["name"], &svc["namespace"], &svc["path"], &svc["port"]),
            (
                &serde_json::json!("plumbline-webhook"),
                &serde_json::json!("plumbline-system"),
                &serde_json::json!("/validate"),
                &serde_json::json!(443)
            )
        );
    }
}
