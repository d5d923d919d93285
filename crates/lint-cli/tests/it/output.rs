//! What a finding shows: the whole fix, a caret under the offending value in the severity's
//! colour, SARIF regions with an end, List items told apart, and input that is two manifests
//! glued together or a Secret with a repeated key reported as what it is.

use crate::{json_of, plumbline_stdin};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: web\n    image: \"nginx:latest\" # floating\n";

fn text(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn lint(args: &[&str], stdin: &str) -> std::process::Output {
    let mut all = vec!["lint", "-", "--select", "image-tag-latest"];
    all.extend_from_slice(args);
    plumbline_stdin(&all, Some(stdin))
}

#[test]
fn the_caret_underlines_the_value_in_the_severity_colour() {
    let out = lint(&["--color", "never"], POD);
    let t = text(&out);
    assert!(
        t.contains(
            "  7 |     image: \"nginx:latest\" # floating\n    |            ^^^^^^^^^^^^^^\n"
        ),
        "{t}"
    );
    // A warning's caret is yellow like its label, not red.
    let t = text(&lint(&["--color", "always"], POD));
    assert!(t.contains("\x1b[1;31m^^^^"), "an error's caret is red: {t}");
    let warn = plumbline_stdin(
        &[
            "lint",
            "-",
            "--select",
            "workload-probes-missing",
            "--color",
            "always",
        ],
        Some(POD),
    );
    let t = text(&warn);
    assert!(t.contains("\x1b[1;33mwarning"), "{t}");
    assert!(
        t.contains("\x1b[1;33m^"),
        "a warning's caret is yellow: {t}"
    );
    assert!(!t.contains("\x1b[1;31m^"), "{t}");
}

#[test]
fn the_fix_is_the_whole_remediation_reflowed() {
    let t = text(&lint(&["--color", "never"], POD));
    let fix: Vec<&str> = t
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("= fix:"))
        .take_while(|l| !l.trim_start().starts_with("= see:"))
        .collect();
    let joined = fix
        .iter()
        .map(|l| l.trim().trim_start_matches("= fix:").trim())
        .collect::<Vec<_>>()
        .join(" ");
    // Every word of the rule's remediation, in order, none cut at a line end.
    let pack = policy_core::PolicyPack::builtin().unwrap();
    let remediation = &pack.rule("image-tag-latest").unwrap().remediation;
    let words: Vec<&str> = remediation.split_whitespace().collect();
    assert_eq!(joined.split_whitespace().collect::<Vec<_>>(), words, "{t}");
    assert!(
        fix.len() > 1 && fix.iter().all(|l| l.chars().count() <= 100),
        "{fix:#?}"
    );
}

#[test]
fn sarif_and_json_regions_end_where_the_value_ends() {
    let out = lint(&["--format", "sarif"], POD);
    let s = json_of(&out);
    let region = &s["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"];
    assert_eq!(
        region,
        &serde_json::json!({"startLine": 7, "startColumn": 12, "endLine": 7, "endColumn": 26})
    );
    let j = json_of(&lint(&["--format", "json"], POD));
    let f = &j["findings"][0];
    assert_eq!(
        (&f["line"], &f["column"], &f["endLine"], &f["endColumn"]),
        (&7.into(), &12.into(), &7.into(), &26.into())
    );
}

#[test]
fn list_items_are_told_apart() {
    let list = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a, namespace: shop}\n  spec:\n    containers:\n    - {name: a, image: nginx:latest}\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: b, namespace: shop}\n  spec:\n    containers:\n    - {name: b, image: redis:latest}\n";
    let out = lint(&["--color", "never"], list);
    let t = text(&out);
    assert!(
        t.contains("-> -:9:24 (Pod/shop/a, document 0, List item 0)"),
        "{t}"
    );
    assert!(
        t.contains("-> -:15:24 (Pod/shop/b, document 0, List item 1)"),
        "{t}"
    );
    let j = json_of(&lint(&["--format", "json"], list));
    let items: Vec<_> = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["item"].clone())
        .collect();
    assert_eq!(items, [0, 1]);
}

#[test]
fn manifests_glued_without_a_separator_are_an_input_error() {
    // `cat a.yaml b.yaml | plumbline lint -` where a.yaml has no trailing `---`.
    let glued =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c}}\ndata: {{a: b}}\n{POD}");
    let out = lint(&["--format", "json"], &glued);
    assert_eq!(out.status.code(), Some(2), "an input error: exit 2");
    let j = json_of(&out);
    let errors = j["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{j}");
    assert_eq!(errors[0]["file"], "-");
    assert_eq!(errors[0]["document"], 0);
    assert_eq!(errors[0]["line"], 5);
    assert_eq!(errors[0]["path"], "/apiVersion");
    let msg = errors[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("holds a second `apiVersion` (line 5) and `kind` (line 6)")
            && msg.contains("`---`"),
        "{msg}"
    );
    assert!(
        j["notes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|n| !n["message"].as_str().unwrap().contains("duplicate key")),
        "{j}"
    );
}

#[test]
fn a_duplicate_key_in_a_secret_gets_the_duplicate_key_note() {
    let secret = "apiVersion: v1\nkind: Secret\nmetadata: {name: s, namespace: shop}\nstringData:\n  password: hunter2\n  password: hunter3\n";
    let out = plumbline_stdin(&["lint", "-", "--format", "json"], Some(secret));
    let j = json_of(&out);
    let notes: Vec<&str> = j["notes"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["message"].as_str())
        .collect();
    assert!(
        notes
            .iter()
            .any(|n| n.starts_with("duplicate key `password`")),
        "{notes:?}"
    );
    assert!(notes.iter().all(|n| !n.contains("YAML 1.1")), "{notes:?}");
    assert!(
        !String::from_utf8_lossy(&out.stdout).contains("hunter"),
        "no value shown"
    );
}

#[test]
fn verify_image_takes_format_json_like_the_other_commands() {
    let dir = "tests/fixtures/image-signing/image-signature-unverified";
    let config = format!("{dir}/plumbline.yaml");
    let layout = format!("{dir}/layout");
    let run = |extra: &[&str]| {
        let mut args = vec![
            "verify-image",
            "registry.example.com/erp/odoo:17.0",
            "--config",
            &config,
            "--signatures-from",
            &layout,
        ];
        args.extend_from_slice(extra);
        crate::plumbline(&args)
    };
    let format = run(&["--format", "json"]);
    let report = json_of(&format);
    assert!(report["state"].is_string(), "{report}");
    // `--json` stays as the same thing, and a contradicting pair is refused.
    assert_eq!(json_of(&run(&["--json"])), report);
    let both = run(&["--json", "--format", "human"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}

#[test]
fn a_finding_inside_a_block_scalar_points_at_its_line() {
    // odoo.conf is a literal block in a ConfigMap; `db_sslmode = disable` is its line 135.
    let out = crate::plumbline(&[
        "lint",
        "tests/fixtures/encryption/db-connection-plaintext/fail.yaml",
        "--select",
        "db-connection-plaintext",
        "--format",
        "json",
    ]);
    let j = json_of(&out);
    let f = j["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["object"]["name"] == "odoo-conf")
        .unwrap_or_else(|| panic!("{j}"));
    assert_eq!((&f["line"], &f["column"]), (&135.into(), &5.into()), "{f}");
    assert_eq!(f["path"], "/data/odoo.conf");
    let lines = std::fs::read_to_string(
        crate::root().join("tests/fixtures/encryption/db-connection-plaintext/fail.yaml"),
    )
    .unwrap();
    assert_eq!(lines.lines().nth(134), Some("    db_sslmode = disable"));
}
