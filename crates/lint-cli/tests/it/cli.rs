use crate::{json_of, plumbline, plumbline_stdin};

const BROKEN: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:latest\n---\nkind: [unclosed\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n  - name: b\n    image: redis\n";

#[test]
fn example_stack_has_findings_and_exits_1() {
    let out = plumbline(&["lint", "examples/erp-stack", "--format", "json"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(v["version"], 1);
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "image-tag-latest")
        .expect("image-tag-latest finding");
    for key in [
        "rule", "domain", "severity", "message", "object", "file", "document", "line", "column",
        "path",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    assert_eq!(f["file"], "examples/erp-stack/odoo.yaml");
    assert_eq!(f["path"], "/spec/template/spec/containers/0/image");
    assert_eq!(f["object"]["kind"], "Deployment");
    assert_eq!(f["object"]["namespace"], "acme-prod");
    let line = f["line"].as_u64().unwrap() as usize;
    let text = std::fs::read_to_string(crate::root().join("examples/erp-stack/odoo.yaml")).unwrap();
    assert!(text
        .lines()
        .nth(line - 1)
        .unwrap()
        .contains("image: odoo:latest"));
}

#[test]
fn broken_document_is_reported_and_the_rest_still_checked() {
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--stdin-filename",
            "rendered/prod.yaml",
            "--format",
            "json",
        ],
        Some(BROKEN),
    );
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], "rendered/prod.yaml");
    assert_eq!(errors[0]["document"], 1);
    assert_eq!(errors[0]["line"], 9);
    let names: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "image-tag-latest")
        .map(|f| f["object"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["a", "b"],
        "documents before and after the broken one are checked"
    );
}

#[test]
fn human_format_shows_the_offending_line() {
    let out = plumbline_stdin(&["lint", "-", "--select", "image-tag-latest"], Some(BROKEN));
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("error[image-tag-latest]"), "{s}");
    // The image value (column 12), underlined, not its key.
    assert!(s.contains("-:7:12"), "{s}");
    assert!(s.contains("|            ^^^^^^^^^^^^\n"), "{s}");
    assert!(s.contains("image: nginx:latest"), "{s}");
    assert!(s.contains("fix:"), "{s}");
    assert!(s.contains("input error: YAML syntax error"), "{s}");
}

#[test]
fn fail_on_and_select() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - name: a\n    image: nginx:latest\n";
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--select",
            "image-tag-latest",
            "--fail-on",
            "never",
        ],
        Some(pod),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = plumbline_stdin(&["lint", "-", "--select", "image-tag-latest"], Some(pod));
    assert_eq!(out.status.code(), Some(1));
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--ignore",
            "pinned-tags",
            "--select",
            "pinned-tags",
        ],
        Some(pod),
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn unknown_rule_is_a_usage_error_naming_valid_choices() {
    let out = plumbline_stdin(&["lint", "-", "--select", "image-tag-lates"], Some(""));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("image-tag-lates") && err.contains("did you mean `image-tag-latest`?"),
        "{err}"
    );
}

#[test]
fn config_errors_name_the_line() {
    let dir = std::env::temp_dir().join(format!("plumbline-cfg-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("plumbline.yaml");
    std::fs::write(
        &cfg,
        "version: 1\nparams:\n  images:\n    requireDigest: maybe\n",
    )
    .unwrap();
    let out = plumbline_stdin(&["lint", "-", "--config", cfg.to_str().unwrap()], Some(""));
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("plumbline.yaml:4"), "{err}");
    assert!(err.contains("requireDigest"), "{err}");
}

#[test]
fn missing_file_is_reported_and_others_checked() {
    let out = plumbline(&[
        "lint",
        "no/such/file.yaml",
        "examples/erp-stack/redis.yaml",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let v = json_of(&out);
    assert_eq!(v["errors"][0]["file"], "no/such/file.yaml");
    assert!(v["summary"]["objects"].as_u64().unwrap() >= 1);
}

#[test]
fn suppressions_need_reasons() {
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n  annotations:\n    ignore.plumbline.dev/image-tag-latest: \"vendor image; expires=2099-01-01\"\nspec:\n  containers:\n  - name: a\n    image: nginx:latest\n";
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--select",
            "image-tag-latest,suppression-invalid",
            "--format",
            "json",
        ],
        Some(pod),
    );
    assert_eq!(out.status.code(), Some(0));
    let out = plumbline_stdin(
        &["lint", "-", "--select", "image-tag-latest", "--strict"],
        Some(pod),
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "--strict ignores in-object suppressions"
    );
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--select",
            "image-tag-latest",
            "--show-suppressed",
            "--format",
            "json",
        ],
        Some(pod),
    );
    let v = json_of(&out);
    assert_eq!(v["findings"][0]["suppressed"]["reason"], "vendor image");
    let bad = pod.replace("vendor image; expires=2099-01-01", "");
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--select",
            "image-tag-latest,suppression-invalid",
            "--format",
            "json",
        ],
        Some(&bad),
    );
    assert_eq!(out.status.code(), Some(1));
    let rules: Vec<String> = json_of(&out)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert!(rules.contains(&"suppression-invalid".to_string()));
}

#[test]
fn rules_explain_init() {
    let out = plumbline(&["rules", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out);
    assert!(v["rules"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "image-tag-latest"));
    let out = plumbline(&["explain", "image-tag-latest"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("## Why it matters") && s.contains("## How to fix") && s.contains("## Example"),
        "{s}"
    );
    let out = plumbline(&["explain", "nope"]);
    assert_eq!(out.status.code(), Some(2));
    let dir = std::env::temp_dir().join(format!("plumbline-init-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("plumbline.yaml");
    let _ = std::fs::remove_file(&path);
    let out = plumbline(&["init", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let out = plumbline(&["init", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "refuses to overwrite");
    let out = plumbline_stdin(&["lint", "-", "--config", path.to_str().unwrap()], Some(""));
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plumbline_test_runs_the_fixture_suite() {
    let out = plumbline(&["test", "--rule", "image-tag-latest"]);
    let s = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{s}");
    // 2 fixture files, the same 2 judged by their suite.yaml, and 4 Rego unit tests.
    assert!(s.contains("8 passed, 0 failed"), "{s}");
}

#[test]
fn expired_config_exemptions_are_findings() {
    let dir = std::env::temp_dir().join(format!("plumbline-exempt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("plumbline.yaml");
    std::fs::write(
        &cfg,
        "version: 1\nexemptions:\n- rules: [image-tag-latest]\n  name: a\n  reason: vendor image\n  expires: \"2020-01-31\"\n- rules: [image-tag-latest]\n  name: b\n  reason: vendor image, OPS-9\n  expires: \"2099-01-31\"\n",
    )
    .unwrap();
    let pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - {name: a, image: nginx:latest}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n  - {name: b, image: nginx:latest}\n";
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--config",
            cfg.to_str().unwrap(),
            "--select",
            "image-tag-latest,suppression-invalid",
            "--format",
            "json",
            "--show-suppressed",
        ],
        Some(pods),
    );
    let v = json_of(&out);
    let findings = v["findings"].as_array().unwrap();
    let expired: Vec<_> = findings
        .iter()
        .filter(|f| f["rule"] == "suppression-invalid")
        .collect();
    assert_eq!(expired.len(), 1, "{findings:?}");
    assert_eq!(expired[0]["line"], 3);
    assert!(expired[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("plumbline.yaml"));
    assert!(expired[0]["message"]
        .as_str()
        .unwrap()
        .contains("expired on 2020-01-31"));
    // The expired one no longer suppresses pod a; the live one still suppresses pod b.
    let a = findings
        .iter()
        .find(|f| f["rule"] == "image-tag-latest" && f["object"]["name"] == "a")
        .unwrap();
    assert!(a.get("suppressed").is_none());
    let b = findings
        .iter()
        .find(|f| f["rule"] == "image-tag-latest" && f["object"]["name"] == "b")
        .unwrap();
    assert_eq!(b["suppressed"]["kind"], "exemption");
    assert_eq!(out.status.code(), Some(1));
}
