use super::*;

fn custom(domain: &str, id: &str, extra: &str) -> PolicyPack {
    let meta = format!(
        "id: {id}\ntitle: t\ndomain: {domain}\nseverity: warning\nkinds: [Pod]\n\
             description: d\nremediation: r\nexample: e\n{extra}"
    );
    let rego = format!(
        "package plumbline.rules.{}\n\nimport rego.v1\n\nviolation := set()\n",
        id.replace('-', "_")
    );
    PolicyPack::from_files(
        [
            (format!("{domain}/{id}/rule.yaml"), meta),
            (format!("{domain}/{id}/policy.rego"), rego),
        ],
        "custom",
    )
    .unwrap()
}

/// Custom rules add to the built-in pack; a built-in id is reused only with `overrides:`,
/// in the same domain; custom domains are open and not governed.
#[test]
fn custom_rules_add_and_override_only_when_declared() {
    let builtin = PolicyPack::builtin().unwrap();
    let n = builtin.rules.len();

    let mut pack = builtin.clone();
    pack.add(custom("odoo", "odoo-cost-centre", "")).unwrap();
    assert_eq!(pack.rules.len(), n + 1);
    let meta = pack.rule("odoo-cost-centre").unwrap();
    assert_eq!(meta.domain.as_str(), "odoo");
    assert!(!meta.domain.is_builtin() && meta.suppressible);
    assert!(pack.has_domain("odoo") && !builtin.has_domain("odoo"));
    assert_eq!(pack.domains().last().map(|d| d.as_str()), Some("odoo"));

    let mut pack = builtin.clone();
    let e = pack
        .add(custom("pinned-tags", "image-tag-latest", ""))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("already defined by <built-in>") && e.contains("overrides: image-tag-latest"),
        "{e}"
    );

    let mut pack = builtin.clone();
    pack.add(custom(
        "pinned-tags",
        "image-tag-latest",
        "overrides: image-tag-latest\n",
    ))
    .unwrap();
    assert_eq!(pack.rules.len(), n);
    assert_eq!(pack.origins["image-tag-latest"], "custom");
    assert_eq!(pack.rule("image-tag-latest").unwrap().title, "t");

    let mut pack = builtin.clone();
    let e = pack
        .add(custom(
            "odoo",
            "image-tag-latest",
            "overrides: image-tag-latest\n",
        ))
        .unwrap_err()
        .to_string();
    assert!(e.contains("keeps the domain"), "{e}");

    let mut pack = builtin.clone();
    let e = pack
        .add(custom("odoo", "odoo-x", "overrides: odoo-y\n"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("names no loaded rule"), "{e}");

    // A custom rule in a governed built-in domain keeps that domain's governance.
    let p = custom("tenant-isolation", "acme-isolation", "");
    assert!(!p.rule("acme-isolation").unwrap().suppressible);
    // Names that are not kebab-case are refused with the rule.
    let e = PolicyPack::from_files(
        [(
            "Odoo/r/rule.yaml".to_string(),
            "id: r\ntitle: t\ndomain: Odoo\nseverity: warning\nkinds: [Pod]\n\
                 description: d\nremediation: r\nexample: e\n"
                .to_string(),
        )],
        "custom",
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("invalid domain `Odoo`"), "{e}");
}
