use std::path::{Path, PathBuf};

use policy_core::fixtures::{run_suite_with, write_fixture_suites};
use policy_core::PolicyPack;

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every rule's pass and fail fixtures give the expected verdicts (the pack is read from
/// `policies/`, the source of truth; the embedded copy is checked against it below).
#[test]
fn every_rule_proves_both_verdicts() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    // PLUMBLINE_FIXTURE_RULE=<rule id or domain> runs one rule's (or domain's) fixtures.
    let only = std::env::var("PLUMBLINE_FIXTURE_RULE").ok();
    let verifier = image_verify::Verifier::fixture_facts;
    // PLUMBLINE_WRITE_SUITES=1 rewrites each fixture folder's suite.yaml from today's findings
    // (review the diff before committing it).
    if std::env::var_os("PLUMBLINE_WRITE_SUITES").is_some() {
        let written = write_fixture_suites(
            &pack,
            &root().join("tests/fixtures"),
            only.as_deref(),
            Some(&verifier),
        )
        .unwrap();
        eprintln!("wrote {} suites", written.len());
    }
    let report = run_suite_with(
        &pack,
        &root().join("tests/fixtures"),
        only.as_deref(),
        Some(&verifier),
    );
    let mut failures = report.incomplete.clone();
    for c in &report.cases {
        for f in &c.failures {
            failures.push(format!("{} {}: {f}", c.rule, c.file.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    if only.is_none() {
        assert!(report.cases.len() >= 2 * pack.rules.len());
    }
}

#[test]
fn embedded_pack_matches_policies_dir() {
    let dir = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let builtin = PolicyPack::builtin().unwrap();
    let ids = |p: &PolicyPack| {
        p.rules
            .iter()
            .map(|r| (r.meta.id.clone(), r.rego.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&dir), ids(&builtin));
}

/// Rule ids are kebab-case, folder == id, package == plumbline.rules.<id_with_underscores>
/// (checked at load), and every rule documents what, why, how to fix, and an example.
#[test]
fn rule_metadata_is_complete() {
    let pack = PolicyPack::builtin().unwrap();
    for r in &pack.rules {
        let m = &r.meta;
        assert!(
            m.id.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
            "{}",
            m.id
        );
        assert!(m.title.len() > 10, "{}: title", m.id);
        assert!(
            m.description.len() > 80,
            "{}: description must say what and why",
            m.id
        );
        assert!(m.remediation.len() > 30, "{}: remediation", m.id);
        assert!(!m.example.trim().is_empty(), "{}: example", m.id);
        assert!(!m.kinds.is_empty(), "{}: kinds", m.id);
        assert!(
            r.rego.contains(&format!("package {}", m.package())),
            "{}",
            m.id
        );
    }
}

/// Rules reach other packages' rules by full path: an aliased reference (`k8s.containers`)
/// compiles to a whole-document lookup that evaluates every rule of the package on each use.
#[test]
fn no_whole_document_lookups_in_the_compiled_pack() {
    let pack = PolicyPack::from_dir(&root().join("policies")).unwrap();
    let config = policy_core::Config::default().validate(&pack).unwrap();
    let linter =
        policy_core::Linter::new(pack, config, policy_core::LintOptions::default()).unwrap();
    let lookups = linter.compiled().whole_document_lookups();
    assert!(
        lookups.is_empty(),
        "{} whole-document lookups, e.g. data.{}: reference rules of other packages by full path (data.plumbline.lib.k8s.containers), not through an import alias",
        lookups.len(),
        lookups.first().map(String::as_str).unwrap_or_default()
    );
}

/// No `import` a module does not use (OPA's `opa check --strict` rejects them, and one misleads
/// a reader into writing `k8s.containers`, which the test above forbids). An import is used when
/// its alias (the last path segment, or `as NAME`) appears as a word elsewhere in the module.
#[test]
fn no_unused_imports_in_the_pack() {
    let import = regex::Regex::new(r"(?m)^import (data(?:\.\w+)+)(?: as (\w+))?[ \t]*$").unwrap();
    let mut files = Vec::new();
    rego_files(&root().join("policies"), &mut files);
    let mut unused = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        for m in import.captures_iter(&text) {
            let whole = m.get(0).unwrap();
            let alias = m.get(2).map_or_else(
                || m[1].rsplit('.').next().unwrap_or_default(),
                |a| a.as_str(),
            );
            let rest = format!("{}{}", &text[..whole.start()], &text[whole.end()..]);
            let used = regex::Regex::new(&format!(r"(^|[^\w.]){}\b", regex::escape(alias)))
                .unwrap()
                .is_match(&rest);
            if !used {
                unused.push(format!("{}: {}", path.display(), whole.as_str()));
            }
        }
    }
    assert!(unused.is_empty(), "unused imports:\n{}", unused.join("\n"));
    assert!(files.len() > 100, "found only {} Rego files", files.len());
}

fn rego_files(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            rego_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rego") {
            out.push(p);
        }
    }
}
