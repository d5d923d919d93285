use super::*;
use serde_json::json;

#[test]
fn every_builtin_kind_has_a_resource() {
    let pack = PolicyPack::builtin().unwrap_or_default();
    let req = required(&pack);
    assert!(req.is_ok(), "{req:?}");
    let req = req.unwrap_or_default();
    assert!(req[&("".to_string(), "pods".to_string())].contains("DELETE"));
    assert!(req.contains_key(&(
        "traefik.containo.us".to_string(),
        "ingressroutes".to_string()
    )));
}

#[test]
fn custom_resources_of_the_workloads_table_are_required() {
    let pack = PolicyPack::builtin().unwrap_or_default();
    let req = required(&pack).unwrap_or_default();
    for (g, r) in [
        ("postgresql.cnpg.io", "clusters"),
        ("postgresql.cnpg.io", "poolers"),
        ("databases.spotahome.com", "redisfailovers"),
        ("elasticsearch.k8s.elastic.co", "elasticsearches"),
    ] {
        let ops = req.get(&(g.to_string(), r.to_string()));
        assert!(
            ops.is_some_and(|o| o.contains("CREATE") && o.contains("UPDATE")),
            "{g}/{r}: {ops:?}"
        );
    }
}

#[test]
fn missing_operations_and_admission_hidden_namespaces_are_reported() {
    let pack = PolicyPack::builtin().unwrap_or_default();
    let vwc = json!({"kind": "ValidatingWebhookConfiguration", "webhooks": [{
            "namespaceSelector": {"matchExpressions": [
                {"key": "plumbline.dev/admission", "operator": "NotIn", "values": ["disabled"]}]},
            "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"],
                "resources": ["pods", "namespaces"], "scope": "*"}]}]});
    let p = uncovered(&vwc, &pack);
    assert!(
        p.iter().any(|m| m == "DELETE of pods (core) is not sent"),
        "{p:?}"
    );
    assert!(
        p.iter()
            .any(|m| m.contains("UPDATE of namespaces is only sent")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|m| m.contains("ingressroutes (traefik.io)")),
        "{p:?}"
    );
    assert!(
        p.iter().any(|m| m.contains("pods/ephemeralcontainers")),
        "{p:?}"
    );
}
