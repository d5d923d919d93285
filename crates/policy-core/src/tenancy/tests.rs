use super::*;
use serde_json::json;

fn resolver() -> Resolver {
    let params = json!({"tenancy": {"tenantLabel": "plumbline.dev/tenant", "systemNamespaces": ["kube-system"]}});
    Resolver::new(&TenancyConfig::default(), &params, "p.yaml").unwrap()
}

#[test]
fn labels_then_patterns_then_default() {
    let r = resolver();
    let by_pattern = r.resolve("acme-prod", None, None);
    assert_eq!(
        (
            by_pattern.tenant.as_str(),
            by_pattern.environment.as_str(),
            by_pattern.tier
        ),
        ("acme", "production", Tier::Dedicated)
    );
    assert_eq!(by_pattern.source, Source::Pattern);
    let labels = json!({"plumbline.dev/tenant": "globex", "plumbline.dev/environment": "dev"});
    let by_label = r.resolve("shared-erp", labels.as_object(), None);
    assert_eq!(
        (
            by_label.tenant.as_str(),
            by_label.environment.as_str(),
            by_label.tier
        ),
        ("globex", "dev", Tier::Sandbox)
    );
    let unknown = r.resolve("monitoring", None, None);
    assert_eq!(
        (
            unknown.tenant.as_str(),
            unknown.environment.as_str(),
            unknown.tier,
            unknown.source
        ),
        ("", "unknown", Tier::MultiTenant, Source::Default)
    );
    assert_eq!(r.resolve("kube-system", None, None).tenant, "");
    assert_eq!(
        r.resolve("acme-prod", None, Some("staging")).tier,
        Tier::MultiTenant
    );
}

/// Unannotated input (no label, no pattern match, no namespace at all) is not production
/// unless the config says so; configs that list their own environments still get `unknown`.
#[test]
fn unknown_namespaces_are_not_production_by_default() {
    let r = resolver();
    for ns in ["", "shop", "argocd"] {
        let got = r.resolve(ns, None, None);
        assert_eq!(
            (got.environment.as_str(), got.tier),
            ("unknown", Tier::MultiTenant),
            "{ns:?}"
        );
    }
    let strict = TenancyConfig {
        default_environment: Some("production".into()),
        ..TenancyConfig::default()
    };
    let r = Resolver::new(&strict, &json!({}), "p.yaml").unwrap();
    assert_eq!(r.resolve("shop", None, None).tier, Tier::Dedicated);
    let own: BTreeMap<String, EnvironmentDef> = serde_json::from_value(json!({
        "prd": {"tier": "dedicated"}, "lab": {"tier": "sandbox"}
    }))
    .unwrap();
    let cfg = TenancyConfig {
        environments: Some(own),
        ..TenancyConfig::default()
    };
    let r = Resolver::new(&cfg, &json!({}), "p.yaml").unwrap();
    assert_eq!(r.resolve("shop", None, None).environment, "unknown");
    assert_eq!(r.environment_names(), ["lab", "prd", "unknown"]);
}

#[test]
fn bad_patterns_are_config_errors() {
    let cfg = TenancyConfig {
        namespace_patterns: Some(vec!["^(".into()]),
        ..TenancyConfig::default()
    };
    assert!(Resolver::new(&cfg, &json!({}), "p.yaml").is_err());
    let cfg = TenancyConfig {
        namespace_patterns: Some(vec!["^x$".into()]),
        ..TenancyConfig::default()
    };
    assert!(Resolver::new(&cfg, &json!({}), "p.yaml")
        .unwrap_err()
        .to_string()
        .contains("group"));
}
