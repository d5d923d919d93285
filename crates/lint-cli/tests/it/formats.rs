//! Every output format, from one input mixing errors, warnings, suppressed findings and a broken
//! document. Golden files live in tests/it/snapshots; `PLUMBLINE_UPDATE_SNAPSHOTS=1` rewrites them.

use std::path::PathBuf;

use crate::{json_of, plumbline, root};

const INPUT: &str = "crates/lint-cli/tests/it/snapshots/input.yaml";
const SELECT: &str = "image-tag-latest,suppression-invalid,service-account-token-automount";

fn snapshot_dir() -> PathBuf {
    root().join("crates/lint-cli/tests/it/snapshots")
}

fn run(format: &str, extra: &[&str]) -> String {
    let mut args = vec![
        "lint", INPUT, "--select", SELECT, "--format", format, "--color", "never",
    ];
    args.extend_from_slice(extra);
    let out = plumbline(&args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "the broken document makes the run exit 2"
    );
    String::from_utf8(out.stdout).unwrap()
}

fn check_snapshot(name: &str, actual: &str) {
    let path = snapshot_dir().join(name);
    let actual = actual.replace(env!("CARGO_PKG_VERSION"), "<version>");
    if std::env::var_os("PLUMBLINE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{name} differs from its snapshot; rerun with PLUMBLINE_UPDATE_SNAPSHOTS=1 and review the diff.\n--- actual ---\n{actual}"
    );
}

#[test]
fn snapshot_human() {
    check_snapshot("human.txt", &run("human", &["--show-suppressed"]));
}

#[test]
fn snapshot_json() {
    check_snapshot("json.json", &run("json", &["--show-suppressed"]));
}

#[test]
fn snapshot_junit() {
    check_snapshot("junit.xml", &run("junit", &[]));
}

#[test]
fn snapshot_github() {
    let out = run("github", &[]);
    assert!(out.contains("::error file=crates/lint-cli/tests/it/snapshots/input.yaml,line=11,col=12,title=image-tag-latest"), "{out}");
    check_snapshot("github.txt", &out);
}

#[test]
fn snapshot_sarif() {
    check_snapshot("sarif.json", &run("sarif", &[]));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let out = run("sarif", &[]);
    let sarif: serde_json::Value = serde_json::from_str(&out).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("schemas/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    let suppressed: Vec<_> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        suppressed[0]["suppressions"][0]["justification"],
        "vendor publishes only latest; OPS-7"
    );
    let first = &results[0];
    assert_eq!(
        first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        INPUT
    );
    assert!(
        first["locations"][0]["physicalLocation"]["region"]["startLine"]
            .as_u64()
            .unwrap()
            > 1
    );
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap();
    let idx = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[idx]["id"], first["ruleId"]);
}

#[test]
fn several_formats_in_one_run() {
    let dir = std::env::temp_dir().join(format!("plumbline-multi-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let sarif = dir.join("a.sarif");
    let out = plumbline(&[
        "lint",
        INPUT,
        "--select",
        SELECT,
        "--format",
        "sarif",
        "--output",
        sarif.to_str().unwrap(),
        "--format",
        "human",
        "--color",
        "never",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    assert_eq!(s["version"], "2.1.0");
    assert!(String::from_utf8_lossy(&out.stdout).contains("error[image-tag-latest]"));
}

#[test]
fn baseline_reports_only_new_findings_and_survives_reordering() {
    let dir = std::env::temp_dir().join(format!("plumbline-baseline-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = dir.join("app.yaml");
    let a = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - {name: a, image: nginx:latest}\n";
    let b = "apiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n  - {name: b, image: redis}\n";
    std::fs::write(&manifest, format!("{a}---\n{b}")).unwrap();
    let baseline = dir.join("baseline.json");
    let m = manifest.to_str().unwrap();
    let out = plumbline(&[
        "lint",
        m,
        "--select",
        "image-tag-latest",
        "--write-baseline",
        baseline.to_str().unwrap(),
    ]);
    // Writing the baseline is what was asked: exit 0 despite the findings it records.
    assert_eq!(out.status.code(), Some(0));
    // Reorder the documents and shift lines: nothing new.
    std::fs::write(&manifest, format!("# moved\n\n{b}---\n{a}")).unwrap();
    let out = plumbline(&[
        "lint",
        m,
        "--select",
        "image-tag-latest",
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("2 findings are in the baseline"));
    // A new finding is reported.
    let c = "apiVersion: v1\nkind: Pod\nmetadata: {name: c}\nspec:\n  containers:\n  - {name: c, image: odoo}\n";
    std::fs::write(&manifest, format!("{b}---\n{a}---\n{c}")).unwrap();
    let out = plumbline(&[
        "lint",
        m,
        "--select",
        "image-tag-latest",
        "--baseline",
        baseline.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json_of(&out);
    let names: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["c"]);
}
