use super::*;
use crate::config::Config;
use crate::source::Source;

const UNANNOTATED: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop-prod}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop-prod}
data: {a: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: erp}
"#;

fn lint(config: &str, select: &[&str], text: &str) -> Report {
    let pack = PolicyPack::builtin().expect("pack");
    let config = Config::parse(config, "plumbline.yaml")
        .expect("config")
        .validate(&pack)
        .expect("valid");
    let options = LintOptions {
        select: select.iter().map(|s| s.to_string()).collect(),
        ..LintOptions::default()
    };
    let linter = Linter::new(pack, config, options).expect("linter");
    linter.lint_sources(&[Source::new("in.yaml", text)])
}

fn fired(r: &Report, rule: &str) -> usize {
    r.findings.iter().filter(|f| f.rule == rule).count()
}

/// Unconfigured change control and tenancy report nothing, and say so once per run.
#[test]
fn feature_rules_wait_for_their_configuration_and_say_so_once() {
    let r = lint("version: 1\n", &[], UNANNOTATED);
    for rule in [
        "change-ticket-missing",
        "tenant-label-missing",
        "namespace-quota-missing",
    ] {
        assert_eq!(fired(&r, rule), 0, "{rule}: {:?}", r.findings);
    }
    let notes: Vec<_> = r
        .notes
        .iter()
        .filter(|n| n.message.starts_with("not run until configured"))
        .collect();
    assert_eq!(notes.len(), 1, "{:?}", r.notes);
    let m = &notes[0].message;
    assert!(
        m.contains("change-ticket-missing (add `changeControl:`)"),
        "{m}"
    );
    assert!(m.contains("tenant-label-missing"), "{m}");
    assert!(m.contains("label a Namespace plumbline.dev/tenant"), "{m}");
}

/// Opt-in rules are off by their parameter: `odoo:17` passes until
/// params.images.requireVersionedTags turns image-tag-unversioned on.
#[test]
fn opt_in_rules_report_nothing_until_their_parameter_is_set() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: odoo}\nspec:\n  containers:\n  - {name: odoo, image: 'odoo:17'}\n";
    let r = lint("version: 1\n", &[], pod);
    assert_eq!(fired(&r, "image-tag-unversioned"), 0, "{:?}", r.findings);
    let on = "version: 1\nparams: {images: {requireVersionedTags: true}}\n";
    let r = lint(on, &[], pod);
    assert_eq!(fired(&r, "image-tag-unversioned"), 1, "{:?}", r.findings);
}

/// Configured (or labelled, or named by id), they run as before and no note is given.
#[test]
fn feature_rules_run_once_configured_labelled_or_selected() {
    let cc = "version: 1\nchangeControl: {ticketTiers: [dedicated]}\n";
    let r = lint(cc, &[], UNANNOTATED);
    // The ConfigMap in shop-prod (production by its name): Namespaces need no ticket.
    assert_eq!(fired(&r, "change-ticket-missing"), 1, "{:?}", r.findings);
    let r = lint("version: 1\n", &["change-ticket-missing"], UNANNOTATED);
    assert_eq!(fired(&r, "change-ticket-missing"), 1, "{:?}", r.findings);
    assert!(r.notes.is_empty(), "{:?}", r.notes);

    let tenancy = "version: 1\ntenancy: {tenantLabel: plumbline.dev/tenant}\n";
    let r = lint(tenancy, &[], UNANNOTATED);
    assert_eq!(fired(&r, "tenant-label-missing"), 2, "{:?}", r.findings);
    assert_eq!(fired(&r, "namespace-quota-missing"), 2, "{:?}", r.findings);
    let labelled = format!(
        "{UNANNOTATED}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: acme, labels: {{plumbline.dev/tenant: acme}}}}\n"
    );
    let r = lint("version: 1\n", &[], &labelled);
    assert_eq!(fired(&r, "tenant-label-missing"), 2, "{:?}", r.findings);
    assert!(
        r.notes
            .iter()
            .all(|n| !n.message.contains("tenant-label-missing")),
        "{:?}",
        r.notes
    );
}
