//! The `image-signature-unverified` rule through the linter, with the verifier as its
//! `ImageFacts`: on the committed fixtures (layout source) and against a real registry.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use image_verify::Verifier;
use policy_core::{Config, LintOptions, Linter, PolicyPack, Report, Severity, Source};
use serde_json::{json, Value};

use crate::harness::{platform, TestRegistry};
use crate::layout::fixture_dir;

const RULE: &str = "image-signature-unverified";

fn linter(config_yaml: &str, verifier: Option<Verifier>) -> Linter {
    let pack = PolicyPack::from_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../policies"))
        .expect("pack");
    let config = Config::parse(config_yaml, "plumbline.yaml")
        .expect("config")
        .validate(&pack)
        .expect("valid config");
    let mut opts = LintOptions::default();
    opts.select = vec![RULE.into()];
    opts.image_facts = verifier.map(|v| Arc::new(v) as Arc<dyn policy_core::ImageFacts>);
    Linter::new(pack, config, opts).expect("linter")
}

/// Findings of the rule per object name: (severity, message).
fn by_object(report: &Report) -> BTreeMap<String, Vec<(Severity, String)>> {
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let mut out: BTreeMap<String, Vec<(Severity, String)>> = BTreeMap::new();
    for f in report.findings.iter().filter(|f| f.rule == RULE) {
        out.entry(f.object.name.clone())
            .or_default()
            .push((f.severity, f.message.clone()));
    }
    out
}

fn fixture_signing() -> (String, Value) {
    let text =
        std::fs::read_to_string(fixture_dir().join("plumbline.yaml")).expect("fixture config");
    let signing = Config::parse(&text, "plumbline.yaml")
        .expect("parse")
        .signing;
    (text, signing)
}

#[test]
fn fixtures_judged_with_the_layout_verifier() {
    let dir = fixture_dir();
    let (text, signing) = fixture_signing();
    let v = Verifier::from_config(&signing, &dir, Some(&dir.join("layout"))).expect("verifier");
    let l = linter(&text, Some(v));
    let read = |name: &str| {
        Source::new(
            name,
            std::fs::read_to_string(dir.join(name)).expect("fixture"),
        )
    };
    let pass = by_object(&l.lint_sources(&[read("pass.yaml")]));
    assert!(pass.is_empty(), "{pass:#?}");
    let fail = by_object(&l.lint_sources(&[read("fail.yaml")]));
    let names: Vec<&str> = fail.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "odoo-absent",
            "odoo-debug",
            "odoo-digest-mismatch",
            "odoo-migrate",
            "odoo-rogue-key",
            "odoo-unsigned",
            "worker-in-other-tenant"
        ]
    );
    for (name, findings) in &fail {
        assert_eq!(findings.len(), 1, "{name}: {findings:?}");
        let (severity, msg) = &findings[0];
        let want = if name == "odoo-absent" {
            Severity::Warning
        } else {
            Severity::Error
        };
        assert_eq!(*severity, want, "{name}: {msg}");
    }
    let msg = |n: &str| fail[n][0].1.clone();
    assert!(
        msg("odoo-absent").contains("could not be checked"),
        "{}",
        msg("odoo-absent")
    );
    assert!(
        msg("odoo-migrate").contains("init container \"migrate\""),
        "{}",
        msg("odoo-migrate")
    );
    assert!(
        msg("worker-in-other-tenant").contains("not trusted here: acme"),
        "{}",
        msg("worker-in-other-tenant")
    );
    assert!(
        msg("odoo-digest-mismatch").contains("payload signs digest"),
        "{}",
        msg("odoo-digest-mismatch")
    );
}

#[test]
fn without_a_verifier_the_rule_is_silent() {
    let dir = fixture_dir();
    let (text, _) = fixture_signing();
    let l = linter(&text, None);
    let src = Source::new(
        "fail.yaml",
        std::fs::read_to_string(dir.join("fail.yaml")).expect("fixture"),
    );
    assert!(by_object(&l.lint_sources(&[src])).is_empty());
}

#[test]
fn linter_against_a_real_registry() {
    let mut reg = TestRegistry::start();
    let (signed, digest) = reg.push_image("erp/odoo", "17.0", "lint-odoo");
    reg.pusher()
        .push_signatures(&signed, &digest, &[platform().sign_image(&signed, &digest)])
        .expect("push");
    let (unsigned, _) = reg.push_image("erp/redis", "7.2", "lint-redis");
    let manifests = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: signed, namespace: erp-prod}}\nspec:\n  containers:\n  - {{name: odoo, image: \"{signed}\"}}\n\
---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: unsigned, namespace: erp-prod}}\nspec:\n  selector: {{matchLabels: {{app: r}}}}\n  template:\n    metadata: {{labels: {{app: r}}}}\n    spec:\n      containers:\n      - {{name: redis, image: \"{unsigned}\"}}\n"
    );
    let config = format!(
        "version: 1\nsigning:\n  insecureRegistries: [\"{}\"]\n  keys:\n  - name: platform\n    publicKey: |\n{}",
        reg.addr,
        platform().public_key_pem().lines().map(|l| format!("      {l}\n")).collect::<String>()
    );
    let signing = Config::parse(&config, "plumbline.yaml")
        .expect("config")
        .signing;
    let v = Verifier::from_config(&signing, Path::new("."), None).expect("verifier");
    let l = linter(&config, Some(v.clone()));
    let found = by_object(&l.lint_sources(&[Source::new("app.yaml", manifests.clone())]));
    assert_eq!(found.keys().collect::<Vec<_>>(), ["unsigned"]);
    let (severity, msg) = &found["unsigned"][0];
    assert_eq!(*severity, Severity::Error);
    assert!(
        msg.contains(&unsigned) && msg.contains("no cosign signature"),
        "{msg}"
    );

    // Registry down: every image is reported at warning level, none passes silently.
    reg.stop();
    let down = Verifier::from_config(&signing, Path::new("."), None).expect("verifier");
    let l = linter(&config, Some(down));
    let found = by_object(&l.lint_sources(&[Source::new("app.yaml", manifests)]));
    assert_eq!(found.keys().collect::<Vec<_>>(), ["signed", "unsigned"]);
    assert!(
        found.values().all(|f| f[0].0 == Severity::Warning),
        "{found:?}"
    );
    let _ = json!(null);
}
