//! The bundled examples: the multi-tenant stack shows each cross-resource rule firing before the
//! fix and passing after it.

use std::collections::BTreeSet;

use crate::{json_of, plumbline};

const CROSS_RESOURCE: [&str; 6] = [
    "tenant-namespace-mismatch",
    "cross-tenant-reference",
    "namespace-quota-missing",
    "namespace-network-policy-missing",
    "ingress-host-conflict",
    "workload-pdb-missing",
];

fn rules_of(dir: &str) -> (Option<i32>, BTreeSet<String>, serde_json::Value) {
    let out = plumbline(&["lint", dir, "--format", "json"]);
    let v = json_of(&out);
    let rules = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    (out.status.code(), rules, v)
}

#[test]
fn multi_tenant_before_fires_every_cross_resource_rule() {
    let (code, rules, v) = rules_of("examples/multi-tenant/before");
    assert_eq!(code, Some(1), "{}", v["errors"]);
    for r in CROSS_RESOURCE {
        assert!(rules.contains(r), "{r} does not fire on before/: {rules:?}");
    }
}

#[test]
fn multi_tenant_after_is_clean() {
    let (code, rules, v) = rules_of("examples/multi-tenant/after");
    assert_eq!(code, Some(0), "{rules:?} {}", v["errors"]);
    assert!(rules.is_empty(), "{rules:?}");
    assert_eq!(v["summary"]["inputErrors"], 0);
}
