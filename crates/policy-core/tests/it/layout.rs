//! What a lint run finds must not depend on how its input is split into files: the inventory
//! (what cross-resource rules read) is the same whether an object shares a file with the others
//! or sits in one of its own. Each fixture file is linted whole and then one document per source.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use policy_core::{Report, Source};

/// (rule, object, path, message) of every finding: everything but where the file put it.
fn verdicts(report: &Report) -> BTreeSet<(String, String, String, String)> {
    report
        .findings
        .iter()
        .map(|f| {
            let o = &f.object;
            (
                f.rule.clone(),
                format!("{}/{}/{}", o.kind, o.namespace, o.name),
                f.path.clone(),
                f.message.clone(),
            )
        })
        .collect()
}

/// The documents of a fixture file, each a text of its own (split at `---` lines), without their
/// comment lines (a comment naming a kind would make the first pass read a file it otherwise
/// skips).
fn documents(text: &str) -> Vec<String> {
    let mut docs = vec![String::new()];
    for line in text.lines() {
        if line.starts_with('#') {
            continue;
        }
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(d) = docs.last_mut() {
            d.push_str(line);
            d.push('\n');
        }
    }
    docs
}

fn yaml_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            yaml_files(&p, out);
        } else if p.file_name().is_some_and(|n| n != "suite.yaml")
            && p.extension().is_some_and(|e| e == "yaml")
        {
            out.push(p);
        }
    }
}

#[test]
fn findings_do_not_depend_on_how_the_input_is_split_into_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures");
    let mut files = Vec::new();
    yaml_files(&root, &mut files);
    files.sort();
    let linter = policy_core::default_linter().unwrap();
    let mut differ = Vec::new();
    let mut split_files = 0;
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        let docs = documents(&text);
        if docs.len() < 2 {
            continue;
        }
        split_files += 1;
        let name = path.display().to_string();
        let whole = linter.lint_sources(&[Source::new(name.as_str(), text.as_str())]);
        let parts: Vec<Source> = docs
            .iter()
            .enumerate()
            .map(|(i, d)| Source::new(format!("{name}#{i}"), d.as_str()))
            .collect();
        let split = linter.lint_sources(&parts);
        let (a, b) = (verdicts(&whole), verdicts(&split));
        if a != b {
            differ.push(format!(
                "{name}:\n  only whole: {:?}\n  only split: {:?}",
                a.difference(&b).collect::<Vec<_>>(),
                b.difference(&a).collect::<Vec<_>>()
            ));
        }
    }
    assert!(
        split_files > 50,
        "only {split_files} multi-document fixtures"
    );
    assert!(differ.is_empty(), "{}", differ.join("\n"));
}

/// The case that found the dependence: the only object of initech-prod in a file of its own.
/// Before namespaces were resolved by name, the first pass skipped that file (it names no
/// inventory kind) and three references into initech-prod went unreported.
#[test]
fn a_reference_into_a_namespace_seen_nowhere_else_is_found() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/tenant-isolation/cross-tenant-reference/fail.yaml"),
    )
    .unwrap();
    let linter = policy_core::default_linter().unwrap();
    let docs = documents(&text);
    let (sa, rest): (Vec<&String>, Vec<&String>) = docs.iter().partition(|d| {
        d.contains("kind: ServiceAccount\n") && d.contains("namespace: initech-prod")
    });
    assert_eq!(sa.len(), 1);
    let rest = rest
        .iter()
        .map(|d| d.as_str())
        .collect::<Vec<_>>()
        .join("---\n");
    for sources in [
        vec![Source::new("fail.yaml", &text)],
        vec![
            Source::new("rest.yaml", &rest),
            Source::new("sa.yaml", sa[0]),
        ],
        vec![Source::new("rest.yaml", &rest)],
    ] {
        let report = linter.lint_sources(&sources);
        let initech: BTreeSet<String> = report
            .findings
            .iter()
            .filter(|f| f.rule == "cross-tenant-reference" && f.message.contains("initech-prod"))
            .map(|f| f.object.name.clone())
            .collect();
        assert_eq!(
            initech,
            ["odoo-shadow", "pg-backup-reader", "postgres-from-backup"]
                .map(String::from)
                .into(),
            "{:?}",
            sources.iter().map(|s| &s.name).collect::<Vec<_>>()
        );
    }
}
