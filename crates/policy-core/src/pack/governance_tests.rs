use super::*;

#[test]
fn governed_domains_are_not_suppressible_in_object() {
    let pack = PolicyPack::builtin().unwrap();
    for r in &pack.rules {
        if UNSUPPRESSIBLE_DOMAINS.contains(&r.meta.domain) {
            assert!(
                !r.meta.suppressible,
                "{} ({}) must not be suppressible in-object",
                r.meta.id, r.meta.domain
            );
        }
    }
    assert!(pack.rule("image-tag-latest").unwrap().suppressible);
    // The loader applies the default to packs that do not say it.
    let meta = "id: r\ntitle: t\ndomain: tenant-isolation\nseverity: error\nkinds: [Pod]\n\
                    description: d\nremediation: r\nexample: e\n";
    let rego = "package plumbline.rules.r\n";
    let p = PolicyPack::from_files(
        [
            ("tenant-isolation/r/rule.yaml".to_string(), meta.to_string()),
            (
                "tenant-isolation/r/policy.rego".to_string(),
                rego.to_string(),
            ),
        ],
        "test",
    )
    .unwrap();
    assert!(!p.rule("r").unwrap().suppressible);
    let p = PolicyPack::from_files(
        [
            (
                "tenant-isolation/r/rule.yaml".to_string(),
                format!("{meta}suppressible: true\n"),
            ),
            (
                "tenant-isolation/r/policy.rego".to_string(),
                rego.to_string(),
            ),
        ],
        "test",
    )
    .unwrap();
    assert!(p.rule("r").unwrap().suppressible);
}

#[test]
fn rule_ids_name_every_builtin_rule() {
    let pack = PolicyPack::builtin().unwrap();
    let mut ids: Vec<&str> = pack.rules.iter().map(|r| r.meta.id.as_str()).collect();
    ids.sort_unstable();
    assert_eq!(ids, crate::rule_ids::ALL);
    assert_eq!(
        crate::rule_ids::CHANGE_FREEZE_ACTIVE,
        "change-freeze-active"
    );
}
