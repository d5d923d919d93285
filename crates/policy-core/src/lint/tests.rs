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

const SEVERAL: &str = r#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop, annotations: {ignore.plumbline.dev/image-tag-latest: "reason=legacy"}}
spec:
  template:
    spec:
      containers: [{name: app, image: "nginx:latest"}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: shop}
spec: {containers: [{name: app, image: "nginx"}]}
"#;

/// The compact form reads back every finding as it was, details, suppressions and all.
#[test]
fn findings_read_back_from_their_compact_form() {
    let r = lint("version: 1\n", &[], SEVERAL);
    assert!(r.findings.len() > 3, "{:?}", r.findings);
    let mut bytes = Vec::new();
    for f in &r.findings {
        f.encode(&mut bytes);
    }
    let mut rest = bytes.as_slice();
    for f in &r.findings {
        assert_eq!(Finding::decode(&mut rest).as_ref(), Some(f));
    }
    assert!(rest.is_empty());
    let mut one = Vec::new();
    r.findings[0].encode(&mut one);
    assert_eq!(Finding::decode(&mut &one[..one.len() - 1]), None);
}

/// The streaming second pass hands over the same findings the collecting one reports, each
/// source's sorted, and keeps only the findings of no source in its report.
#[test]
fn streamed_findings_are_the_collected_ones() {
    let pack = PolicyPack::builtin().expect("pack");
    let config = Config::default().validate(&pack).expect("valid");
    let linter = Linter::new(pack, config, LintOptions::default()).expect("linter");
    let sources = [
        Source::new("b.yaml", SEVERAL),
        Source::new("a.yaml", UNANNOTATED),
        Source::new("c.yaml", SEVERAL),
    ];
    let (mut scan, _) = crate::scan::scan(&sources[..]);
    let collected = linter.lint_scanned(&sources[..], &scan);
    let handed = std::sync::Mutex::new(Vec::new());
    let report = linter.lint_scanned_each(&sources[..], &mut scan, &|i, f| {
        handed.lock().expect("lock").push((i, f));
    });
    assert!(report.findings.is_empty());
    assert_eq!(report.objects, collected.objects);
    let mut handed = handed.into_inner().expect("lock");
    handed.sort_by_key(|(i, _)| *i);
    let mut all: Vec<Finding> = handed.into_iter().flat_map(|(_, f)| f).collect();
    all.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    assert_eq!(all, collected.findings);
}
