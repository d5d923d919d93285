//! Pod Security Standards as a whole (issue 3): with every tenant-isolation rule enabled
//! (`--select tenant-isolation`), a compliant restricted Pod and Deployment give no finding, and
//! each object of a `pss-*` rule's fail fixtures gives findings of exactly that rule.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use policy_core::fixtures::{CONTEXT_ANNOTATION, FIXTURE_NOW};
use policy_core::{objects_from_source, Config, LintOptions, Linter, Object, PolicyPack, Source};

use crate::fixtures::root;

const DOMAIN: &str = "tenant-isolation";

/// Objects of a rule's fail fixtures that may also get a finding of another rule, because the
/// case inherently violates two controls: (rule under test, object name, other rule).
#[rustfmt::skip]
const ALLOWED: &[(&str, &str, &str)] = &[
    // The API server rejects privileged: true together with allowPrivilegeEscalation: false, so a
    // privileged container always also fails the restricted allowPrivilegeEscalation control.
    ("pss-privileged", "odoo-privileged", "pss-privilege-escalation"),
    ("pss-privileged", "privileged-init-container", "pss-privilege-escalation"),
    ("pss-privileged", "privileged-ephemeral-debugger", "pss-privilege-escalation"),
    ("pss-privileged", "privileged-sidecar", "pss-privilege-escalation"),
    ("pss-privileged", "pg-dump-privileged", "pss-privilege-escalation"),
    // The "container without any securityContext" case: restricted needs a container-level
    // allowPrivilegeEscalation: false and capabilities.drop [ALL], so it fails both controls.
    ("pss-privilege-escalation", "odoo-no-security-context", "pss-capabilities-restricted"),
    ("pss-capabilities-restricted", "odoo-no-security-context", "pss-privilege-escalation"),
    // A HostProcess pod must use the host network (API validation), which pss-host-namespaces
    // forbids.
    ("pss-windows-host-process", "pod-level-host-process", "pss-host-namespaces"),
    ("pss-windows-host-process", "container-level-host-process", "pss-host-namespaces"),
];

#[allow(clippy::field_reassign_with_default)] // LintOptions is non_exhaustive
fn linter(pack: &PolicyPack, config: Option<&Path>) -> Linter {
    let config = match config {
        Some(p) => Config::load(p).unwrap(),
        None => Config::default(),
    };
    let config = config.validate(pack).unwrap();
    let mut options = LintOptions::default();
    options.select = vec![DOMAIN.to_string()];
    options.now = FIXTURE_NOW.parse().unwrap();
    Linter::new(pack.clone(), config, options).unwrap()
}

fn objects(file: &Path) -> Vec<Object> {
    let source = Source::read(file).unwrap();
    let (objects, problems) = objects_from_source(&source);
    assert!(problems.is_empty(), "{}: {problems:?}", file.display());
    objects
}

fn is_context(o: &Object) -> bool {
    o.value["metadata"]["annotations"][CONTEXT_ANNOTATION].as_str() == Some("context")
}

#[test]
fn compliant_restricted_workloads_get_no_tenant_isolation_finding() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let file = root()
        .join("tests/fixtures")
        .join(DOMAIN)
        .join("compliant-restricted.yaml");
    let objects = objects(&file);
    let kinds: BTreeSet<_> = objects.iter().map(|o| o.reference.kind.as_str()).collect();
    assert!(
        kinds.contains("Pod") && kinds.contains("Deployment"),
        "{kinds:?}"
    );
    let report = linter(&pack, None).lint_objects(&objects);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let findings: Vec<_> = report
        .findings
        .iter()
        .map(|f| format!("{} {}: {} ({})", f.object, f.rule, f.message, f.path))
        .collect();
    assert!(
        findings.is_empty(),
        "unexpected findings:\n{}",
        findings.join("\n")
    );
}

#[test]
fn pss_fail_fixtures_give_exactly_their_rule() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let fixtures = root().join("tests/fixtures");
    let mut failures = Vec::new();
    let mut used = BTreeSet::new();
    let mut rules = 0;
    for rule in pack.rules.iter().filter(|r| r.meta.id.starts_with("pss-")) {
        let id = rule.meta.id.as_str();
        rules += 1;
        let dir = fixtures.join(rule.meta.domain.as_str()).join(id);
        let config = dir.join("plumbline.yaml");
        let linter = linter(&pack, config.is_file().then_some(config.as_path()));
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                name.starts_with("fail") && (name.ends_with(".yaml") || name.ends_with(".yml"))
            })
            .collect();
        files.sort();
        assert!(!files.is_empty(), "{id}: no fail fixture");
        for file in files {
            let objects = objects(&file);
            let report = linter.lint_objects(&objects);
            let shown = file
                .strip_prefix(&fixtures)
                .unwrap_or(&file)
                .display()
                .to_string();
            for p in &report.problems {
                failures.push(format!("{id} {shown}: rule error: {p}"));
            }
            for o in objects.iter().filter(|o| !is_context(o)) {
                let mine = report
                    .findings
                    .iter()
                    .filter(|f| f.object == o.reference && f.document == o.document);
                let mut own = 0;
                for f in mine {
                    if f.rule == id {
                        own += 1;
                        continue;
                    }
                    let allowed = ALLOWED.iter().position(|(r, name, other)| {
                        *r == id && *name == o.reference.name && *other == f.rule
                    });
                    match allowed {
                        Some(i) => {
                            used.insert(i);
                        }
                        None => failures.push(format!(
                            "{id} {shown} {} (document {}): unexpected `{}` finding: {} ({})",
                            o.reference, o.document, f.rule, f.message, f.path
                        )),
                    }
                }
                if own == 0 {
                    failures.push(format!(
                        "{id} {shown} {} (document {}): no `{id}` finding",
                        o.reference, o.document
                    ));
                }
            }
        }
    }
    assert!(rules >= 17, "only {rules} pss- rules");
    for (i, (rule, name, other)) in ALLOWED.iter().enumerate() {
        if !used.contains(&i) {
            failures.push(format!(
                "allow-list entry ({rule}, {name}, {other}) is not needed any more"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Parameter and version cases (issue 17): each `tests/fixtures/<domain>/<rule>/params/<case>/`
/// holds a `plumbline.yaml` that sets the rule's parameters (or `podSecurity.version`) and
/// `pass*.yaml` / `fail*.yaml`, judged with that config and only that rule as the fixture suite
/// judges a rule folder: every object of a fail file gets a finding of the rule, no object of a
/// pass file does (objects annotated `plumbline.dev/fixture: context` are not judged).
#[test]
#[allow(clippy::too_many_lines)] // one table of cases, read top to bottom
fn parameter_cases_give_their_verdicts() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let fixtures = root().join("tests/fixtures");
    let mut failures = Vec::new();
    let mut cases = 0;
    for rule in &pack.rules {
        let id = rule.meta.id.as_str();
        let dir = fixtures
            .join(rule.meta.domain.as_str())
            .join(id)
            .join("params");
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut case_dirs: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        case_dirs.sort();
        for case in case_dirs {
            cases += 1;
            let shown = case
                .strip_prefix(&fixtures)
                .unwrap_or(&case)
                .display()
                .to_string();
            let config = Config::load(&case.join("plumbline.yaml"))
                .and_then(|c| c.validate(&pack))
                .unwrap_or_else(|e| panic!("{shown}/plumbline.yaml: {e}"));
            #[allow(clippy::field_reassign_with_default)] // LintOptions is non_exhaustive
            let linter = {
                let mut options = LintOptions::default();
                options.select = vec![id.to_string()];
                options.now = FIXTURE_NOW.parse().unwrap();
                Linter::new(pack.clone(), config, options).unwrap()
            };
            let mut files: Vec<PathBuf> = std::fs::read_dir(&case)
                .unwrap()
                .flatten()
                .map(|e| e.path())
                .filter(|p| {
                    let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
                    (name.starts_with("pass") || name.starts_with("fail"))
                        && name.ends_with(".yaml")
                })
                .collect();
            files.sort();
            let mut judged = 0;
            for file in files {
                let expect_fail = file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("fail"));
                let objects = objects(&file);
                let report = linter.lint_objects(&objects);
                for p in &report.problems {
                    failures.push(format!("{shown}: rule error: {p}"));
                }
                for o in objects.iter().filter(|o| !is_context(o)) {
                    judged += 1;
                    let own = report
                        .findings
                        .iter()
                        .filter(|f| {
                            f.rule == id && f.object == o.reference && f.document == o.document
                        })
                        .count();
                    if expect_fail && own == 0 {
                        failures.push(format!("{shown} {}: no `{id}` finding", o.reference));
                    }
                    if !expect_fail && own > 0 {
                        failures.push(format!(
                            "{shown} {}: unexpected `{id}` finding",
                            o.reference
                        ));
                    }
                }
            }
            if judged == 0 {
                failures.push(format!("{shown}: no judged object"));
            }
        }
    }
    assert!(cases >= 15, "only {cases} parameter cases");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One hostPort, one finding (issue 17): with both host-port rules running, a host port gives
/// exactly one finding at every level (pss-host-ports where baseline or restricted is in force,
/// pod-host-ports at privileged), and listing it in `params.network.allowedHostPorts` (a port
/// or a range) clears it at every level.
#[test]
fn one_host_port_gives_one_finding_and_the_list_clears_it() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let objects_for = |level: &str| {
        let text = format!(
            "apiVersion: v1\nkind: Namespace\nmetadata: {{name: shop, labels: \
             {{pod-security.kubernetes.io/enforce: {level}}}}}\n---\n\
             apiVersion: v1\nkind: Pod\nmetadata: {{name: agent, namespace: shop}}\n\
             spec: {{containers: [{{name: agent, image: agent:1.0, \
             ports: [{{containerPort: 9100, hostPort: 9100}}]}}]}}\n"
        );
        let (objects, problems) = objects_from_source(&Source::new("ports.yaml", &text));
        assert!(problems.is_empty(), "{problems:?}");
        objects
    };
    for (allowed, want) in [("[]", 1), ("[9100]", 0), ("[{min: 9000, max: 9199}]", 0)] {
        let config = Config::parse(
            &format!("version: 1\nparams:\n  network:\n    allowedHostPorts: {allowed}\n"),
            "plumbline.yaml",
        )
        .and_then(|c| c.validate(&pack))
        .unwrap();
        #[allow(clippy::field_reassign_with_default)] // LintOptions is non_exhaustive
        let linter = {
            let mut options = LintOptions::default();
            options.select = vec!["pss-host-ports".into(), "pod-host-ports".into()];
            options.now = FIXTURE_NOW.parse().unwrap();
            Linter::new(pack.clone(), config, options).unwrap()
        };
        for (level, rule) in [
            ("privileged", "pod-host-ports"),
            ("baseline", "pss-host-ports"),
            ("restricted", "pss-host-ports"),
        ] {
            let report = linter.lint_objects(&objects_for(level));
            let found: Vec<_> = report.findings.iter().map(|f| f.rule.as_str()).collect();
            let expected: Vec<&str> = std::iter::repeat_n(rule, want).collect();
            assert_eq!(found, expected, "allowedHostPorts {allowed}, level {level}");
        }
    }
}
