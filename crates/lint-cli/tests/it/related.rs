//! Related locations: a finding about two objects (two Ingresses claiming one host) points at the
//! other one too, in JSON (`related`), SARIF (`relatedLocations`) and the human format (`note:`).

use crate::{json_of, plumbline};

const DIR: &str = "crates/lint-cli/tests/it/host-conflict";
const SHOP_A: &str = "crates/lint-cli/tests/it/host-conflict/shop-a.yaml";
const SHOP_B: &str = "crates/lint-cli/tests/it/host-conflict/shop-b.yaml";

fn lint(format: &str) -> std::process::Output {
    let out = plumbline(&[
        "lint",
        DIR,
        "--select",
        "ingress-host-conflict",
        "--format",
        format,
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "two host conflicts fail the run"
    );
    out
}

#[test]
fn json_names_the_other_ingress_at_its_host_line() {
    let j = json_of(&lint("json"));
    let findings = j["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    let a = &findings[0];
    assert_eq!(
        (a["file"].as_str(), a["line"].as_u64()),
        (Some(SHOP_A), Some(9))
    );
    // shop-b.yaml's Ingress is its second document, and claims the host in its second rule
    // (line 19), not where the object starts.
    assert_eq!(
        a["related"],
        serde_json::json!([{
            "message": "Ingress team-b/storefront also claims host shop.example path /",
            "object": {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
                       "namespace": "team-b", "name": "storefront"},
            "file": SHOP_B, "document": 1, "line": 19, "column": 13, "endLine": 19,
            "endColumn": 25, "path": "/spec/rules/1/host",
        }])
    );
    let b = &findings[1];
    assert_eq!(
        (b["file"].as_str(), b["line"].as_u64()),
        (Some(SHOP_B), Some(19))
    );
    assert_eq!(b["related"][0]["file"].as_str(), Some(SHOP_A));
    assert_eq!(b["related"][0]["line"].as_u64(), Some(9));
    assert_eq!(b["related"][0]["path"].as_str(), Some("/spec/rules/0/host"));
}

#[test]
fn sarif_has_related_locations_with_region_and_message() {
    let s = json_of(&lint("sarif"));
    let result = &s["runs"][0]["results"][0];
    assert_eq!(
        result["relatedLocations"],
        serde_json::json!([{
            "id": 0,
            "physicalLocation": {
                "artifactLocation": {"uri": SHOP_B},
                "region": {"startLine": 19, "startColumn": 13, "endLine": 19, "endColumn": 25},
            },
            "logicalLocations": [{"fullyQualifiedName": "Ingress/team-b/storefront", "kind": "object"}],
            "message": {"text": "Ingress team-b/storefront also claims host shop.example path /"},
        }])
    );
}

#[test]
fn human_prints_a_note_pointing_at_the_other_ingress() {
    let out = lint("human");
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains(&format!(
            "= note: Ingress team-b/storefront also claims host shop.example path / at {SHOP_B}:19:13"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "= note: Ingress team-a/shop also claims host shop.example path / at {SHOP_A}:9:13"
        )),
        "{text}"
    );
}
