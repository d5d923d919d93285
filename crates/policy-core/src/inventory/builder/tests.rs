use super::*;

/// The objects of `text` (which must parse) and the default resolver.
fn objects_and_resolver(text: &str) -> (Vec<Object>, Resolver) {
    let (objects, problems) =
        crate::object::objects_from_source(&crate::Source::new("in.yaml", text));
    assert!(problems.is_empty(), "{problems:?}");
    let resolver = Resolver::new(
        &crate::tenancy::TenancyConfig::default(),
        &json!({}),
        "plumbline.yaml",
    )
    .expect("resolver");
    (objects, resolver)
}

/// Builders of consecutive parts, merged, build what adding every object in order builds.
#[test]
fn merged_parts_equal_one_builder() {
    let text = r#"
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {x: "1"}}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q1, namespace: a}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i1, namespace: a}
spec: {rules: [{host: Shop.example, http: {paths: [{path: /}]}}]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: q2, namespace: a}
---
apiVersion: v1
kind: Namespace
metadata: {name: a, labels: {x: "2"}}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: p, namespace: b}
spec: {selector: {matchLabels: {app: x}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: i2, namespace: b}
spec: {rules: [{host: shop.example}]}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: m, namespace: b}
spec: {headers: {}}
---
apiVersion: traefik.io/v1alpha1
kind: Middleware
metadata: {name: m, namespace: b}
spec: {redirectScheme: {}}
"#;
    let (objects, resolver) = objects_and_resolver(text);
    let whole = Inventory::from_objects(&objects, &resolver);
    for split in 0..=objects.len() {
        let mut first = InventoryBuilder::default();
        objects[..split].iter().for_each(|o| first.add(o));
        let mut second = InventoryBuilder::default();
        objects[split..].iter().for_each(|o| second.add(o));
        first.merge(second);
        assert_eq!(
            first.finish(&resolver).data(),
            whole.data(),
            "split at {split}"
        );
    }
}

#[test]
fn traefik_match_hosts_and_paths() {
    assert_eq!(
        traefik_hosts("Host(`erp.acme.example`, `ERP.acme.io`) && PathPrefix(`/web`)"),
        vec![
            ("erp.acme.example".to_string(), "/web".to_string()),
            ("erp.acme.io".to_string(), "/web".to_string())
        ]
    );
    assert_eq!(traefik_hosts("HostRegexp(`.*`)"), vec![]);
    assert_eq!(
        traefik_hosts("Host(`a.example`)"),
        vec![("a.example".to_string(), String::new())]
    );
}

#[test]
fn default_deny_policies() {
    assert!(default_deny(
        &json!({"podSelector": {}, "policyTypes": ["Ingress"]}),
        "Ingress"
    ));
    assert!(default_deny(&json!({"podSelector": {}}), "Ingress"));
    assert!(!default_deny(&json!({"podSelector": {}}), "Egress"));
    assert!(!default_deny(
        &json!({"podSelector": {"matchLabels": {"app": "odoo"}}, "policyTypes": ["Ingress"]}),
        "Ingress"
    ));
    assert!(!default_deny(
        &json!({"podSelector": {}, "ingress": [{}]}),
        "Ingress"
    ));
    assert!(default_deny(
        &json!({"podSelector": {}, "policyTypes": ["Ingress", "Egress"], "egress": []}),
        "Egress"
    ));
}

/// A namespace gets an entry from its Namespace object or from an object of a kind the inventory
/// reads, not from any other object: the inventory is the same whichever documents of the input
/// the first pass parsed (it parses only those that may hold an inventory object).
#[test]
fn only_inventory_kinds_give_a_namespace_an_entry() {
    let text = r#"
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: only-configmaps}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: d, namespace: only-configmaps}
---
apiVersion: v1
kind: LimitRange
metadata: {name: l, namespace: with-limits}
---
apiVersion: v1
kind: Namespace
metadata: {name: declared}
"#;
    let (objects, resolver) = objects_and_resolver(text);
    let data = Inventory::from_objects(&objects, &resolver).data();
    let names: Vec<&String> = data["namespaces"]
        .as_object()
        .expect("namespaces")
        .keys()
        .collect();
    assert_eq!(names, ["declared", "with-limits"]);
}
