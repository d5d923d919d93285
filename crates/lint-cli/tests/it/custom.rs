//! Custom policies: `--policies` and `policies:` add to the built-in pack, `plumbline test`,
//! `plumbline new-rule`, `plumbline schema`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::{json_of, plumbline, plumbline_in, root};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plumbline-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// (rule, domain, line) of every finding of a JSON report.
fn findings(out: &std::process::Output) -> BTreeSet<(String, String, u64)> {
    json_of(out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["domain"].as_str().unwrap().to_string(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

/// The regression of issue 18: `--policies DIR` replaced the built-in pack, so its findings
/// silently disappeared. Now the built-in findings stay and the custom ones are added, with
/// their custom domain in JSON and SARIF; `--no-builtin` leaves only the custom ones.
#[test]
#[allow(clippy::too_many_lines)] // one scenario, read top to bottom
fn policies_flag_keeps_the_builtin_findings_and_adds_custom_ones() {
    // The ERP stack has built-in findings; the tutorial's Odoo installs an unlisted module.
    let manifest = root().join("examples/erp-stack");
    let odoo = root().join("examples/custom-policies/manifests");
    let custom = root().join("examples/custom-policies/policies");
    let m = manifest.to_str().unwrap();
    let o = odoo.to_str().unwrap();
    let c = custom.to_str().unwrap();
    let empty = temp_dir("no-config").join("plumbline.yaml");
    std::fs::write(&empty, "version: 1\n").unwrap();
    let cfg = empty.to_str().unwrap();
    let builtin = plumbline(&["lint", m, o, "--config", cfg, "--format", "json"]);
    let both = plumbline(&[
        "lint",
        m,
        o,
        "--config",
        cfg,
        "--format",
        "json",
        "--policies",
        c,
    ]);
    let builtin = findings(&builtin);
    let both = findings(&both);
    assert!(builtin.len() > 10, "{builtin:?}");
    assert!(builtin.is_subset(&both), "built-in findings were lost");
    let added: Vec<_> = both.difference(&builtin).collect();
    assert!(
        !added.is_empty()
            && added
                .iter()
                .all(|(r, d, _)| r == "odoo-module-allowlist" && d == "odoo"),
        "{added:?}"
    );
    let only = plumbline(&[
        "lint",
        m,
        o,
        "--config",
        cfg,
        "--format",
        "json",
        "--policies",
        c,
        "--no-builtin",
    ]);
    let only = findings(&only);
    assert_eq!(only.iter().collect::<Vec<_>>(), added);
    let sarif = plumbline(&[
        "lint",
        o,
        "--config",
        cfg,
        "--format",
        "sarif",
        "--policies",
        c,
        "--select",
        "odoo",
    ]);
    let sarif = json_of(&sarif);
    let rule = sarif["runs"][0]["tool"]["driver"]["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "odoo-module-allowlist")
        .unwrap();
    assert_eq!(rule["properties"]["domain"], "odoo");
    assert_eq!(
        sarif["runs"][0]["results"][0]["properties"]["domain"],
        "odoo"
    );
    // `plumbline rules` lists the custom rule and its domain.
    let rules = plumbline(&["rules", "--format", "json", "--policies", c]);
    let rules = json_of(&rules);
    assert!(rules["domains"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d == "odoo"));
    let r = rules["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "odoo-module-allowlist")
        .unwrap();
    assert_eq!(
        (&r["domain"], &r["builtin"]),
        (&"odoo".into(), &false.into())
    );
}

/// `policies:` in plumbline.yaml is read relative to the config file, from any directory.
#[test]
fn config_policies_are_relative_to_the_config() {
    let cwd = temp_dir("cfg-policies");
    let example = root().join("examples/custom-policies");
    let out = plumbline_in(
        &cwd,
        &[
            "lint",
            example.join("manifests").to_str().unwrap(),
            "--config",
            example.join("plumbline.yaml").to_str().unwrap(),
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let f = findings(&out);
    assert!(
        f.iter()
            .any(|(r, _, line)| r == "odoo-module-allowlist" && *line == 25),
        "{f:?}"
    );
}

/// A custom rule reusing a built-in id without `overrides:` is a load error naming the file and
/// the way out; with `overrides:` it replaces the built-in rule.
#[test]
fn reusing_a_builtin_id_needs_overrides() {
    let dir = temp_dir("override");
    let rule = dir.join("pinned-tags/image-tag-latest");
    std::fs::create_dir_all(&rule).unwrap();
    let meta = "id: image-tag-latest\ntitle: Our own latest check\ndomain: pinned-tags\n\
                severity: warning\nkinds: [Pod]\ndescription: d\nremediation: r\nexample: e\n";
    std::fs::write(rule.join("rule.yaml"), meta).unwrap();
    std::fs::write(
        rule.join("policy.rego"),
        "package plumbline.rules.image_tag_latest\n\nimport rego.v1\n\nviolation := set()\n",
    )
    .unwrap();
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - {name: a, image: nginx:latest}\n";
    let args = [
        "lint",
        "-",
        "--policies",
        dir.to_str().unwrap(),
        "--select",
        "image-tag-latest",
    ];
    let out = crate::plumbline_stdin(&args, Some(pod));
    assert_eq!(out.status.code(), Some(2));
    let t = text(&out);
    assert!(
        t.contains("pinned-tags/image-tag-latest/rule.yaml")
            && t.contains("already defined by <built-in>")
            && t.contains("overrides: image-tag-latest"),
        "{t}"
    );
    std::fs::write(
        rule.join("rule.yaml"),
        format!("{meta}overrides: image-tag-latest\n"),
    )
    .unwrap();
    let out = crate::plumbline_stdin(&args, Some(pod));
    assert_eq!(
        out.status.code(),
        Some(0),
        "the override finds nothing: {}",
        text(&out)
    );
}

/// `plumbline new-rule` scaffolds a rule that passes `plumbline test` at once, outside the
/// source tree; a broken expectation fails it (exit 1, JUnit failure), and `lint` runs it.
#[test]
fn new_rule_scaffold_passes_plumbline_test_and_a_broken_one_fails() {
    let dir = temp_dir("new-rule");
    let out = plumbline_in(&dir, &["new-rule", "acme/acme-owner-label"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let folder = dir.join("policies/acme/acme-owner-label");
    for f in [
        "rule.yaml",
        "policy.rego",
        "policy_test.rego",
        "suite.yaml",
        "samples/pass.yaml",
        "samples/fail.yaml",
    ] {
        assert!(folder.join(f).is_file(), "{f}");
    }
    // No DIR: ./policies.
    let out = plumbline_in(&dir, &["test"], None);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(t.contains("4 passed, 0 failed"), "{t}");
    assert!(t.contains("test_workload_with_owner_passes"), "{t}");
    let out = plumbline_in(&dir, &["new-rule", "acme/acme-owner-label"], None);
    assert_eq!(out.status.code(), Some(2), "refuses to overwrite");
    let out = plumbline_in(&dir, &["new-rule", "pinned-tags/image-tag-latest"], None);
    assert!(text(&out).contains("built-in rule id"), "{}", text(&out));

    // The scaffold lints like any rule (added to the built-in pack).
    let out = plumbline_in(
        &dir,
        &[
            "lint",
            "policies/acme/acme-owner-label/samples/fail.yaml",
            "--policies",
            "policies",
            "--select",
            "acme",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(findings(&out).len(), 1, "{}", text(&out));

    // Break the suite's expectation and a unit test: both fail, in human and JUnit form.
    let suite = folder.join("suite.yaml");
    let s = std::fs::read_to_string(&suite).unwrap();
    std::fs::write(&suite, s.replace("count: 1", "count: 2")).unwrap();
    let t = folder.join("policy_test.rego");
    let s = std::fs::read_to_string(&t).unwrap();
    std::fs::write(&t, s.replace("count(vs) == 0", "count(vs) == 3")).unwrap();
    let out = plumbline_in(&dir, &["test", "policies/acme/acme-owner-label"], None);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(1), "{t}");
    assert!(t.contains("2 passed, 2 failed"), "{t}");
    assert!(
        t.contains("Deployment/web: expected 2 `acme-owner-label` finding(s), got 1"),
        "{t}"
    );
    let out = plumbline_in(&dir, &["test", "--format", "junit"], None);
    assert_eq!(out.status.code(), Some(1));
    let xml = String::from_utf8_lossy(&out.stdout);
    assert!(
        xml.contains("tests=\"4\" failures=\"2\"")
            && xml.contains("name=\"test_workload_with_owner_passes\"")
            && xml.contains("<failure message=\"undefined"),
        "{xml}"
    );

    // A rule that emits violations without msg and path fails its suite, saying so.
    let rego = folder.join("policy.rego");
    let s = std::fs::read_to_string(&rego).unwrap();
    let start = s.find("\tv := {").unwrap();
    let broken = format!("{}\tv := {{\"details\": {{}}}}\n}}\n", &s[..start]);
    std::fs::write(&rego, broken).unwrap();
    let out = plumbline_in(&dir, &["test", "policies/acme/acme-owner-label"], None);
    let t = text(&out);
    assert!(t.contains("without a string `msg`"), "{t}");
}

/// Outside the source tree, `plumbline test` without a directory says what to give it (it used
/// to fail with "policy policies: No such file or directory").
#[test]
fn plumbline_test_outside_the_tree_says_what_to_give() {
    let dir = temp_dir("test-empty");
    let out = plumbline_in(&dir, &["test"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("nothing to test"), "{}", text(&out));
}

/// The built-in pack is tested like custom rules: fixtures and Rego unit tests.
#[test]
fn plumbline_test_runs_the_pack_with_its_unit_tests() {
    let out = plumbline(&["test", "policies", "--rule", "image-tag-latest"]);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.contains("fail.yaml") && t.contains("policy_test.rego test_"),
        "{t}"
    );
}

/// `plumbline schema` prints the config schema and the policy input schema, as JSON.
#[test]
fn schema_prints_both_schemas() {
    for (which, file) in [
        ("config", "plumbline.schema.json"),
        ("input", "policy-input.schema.json"),
    ] {
        let out = plumbline(&["schema", which]);
        assert_eq!(out.status.code(), Some(0));
        let printed = json_of(&out);
        let shipped: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(Path::new(&root()).join("schemas").join(file)).unwrap(),
        )
        .unwrap();
        assert_eq!(printed, shipped, "{which}");
    }
}

/// A custom directory is checked when it is loaded, by any command: a Rego syntax error at
/// file:line:column, a package that does not match the rule's folder.
#[test]
fn custom_rego_is_checked_at_load() {
    let dir = temp_dir("load-check");
    let out = plumbline_in(&dir, &["new-rule", "acme/acme-a"], None);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let rego = dir.join("policies/acme/acme-a/policy.rego");
    let good = std::fs::read_to_string(&rego).unwrap();
    std::fs::write(&rego, good.replace("owner == \"\"", "owner == \"\" +")).unwrap();
    let out = plumbline_in(&dir, &["rules", "--policies", "policies"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out).contains("policies/acme/acme-a/policy.rego:10:"),
        "{}",
        text(&out)
    );
    std::fs::write(
        &rego,
        good.replace("package plumbline.rules.acme_a", "package acme.a"),
    )
    .unwrap();
    let out = plumbline_in(&dir, &["rules", "--policies", "policies"], None);
    assert!(
        text(&out).contains("package is `data.acme.a`, expected `data.plumbline.rules.acme_a`"),
        "{}",
        text(&out)
    );
}
