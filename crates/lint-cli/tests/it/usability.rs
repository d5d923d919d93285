//! The first hour with the linter: what a platform engineer types (`--output x.sarif`,
//! `--stdin-filename chart/`, `plumbline init && plumbline lint`, an unrendered Helm chart, a
//! mistyped rule id) gets the result or the message that ruff, kube-linter or cargo users expect.

use std::path::PathBuf;
use std::process::Output;

use crate::{plumbline, plumbline_in as run_in, plumbline_stdin};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: acme-prod}\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n";

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plumbline-usab-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn output_extension_decides_the_format_without_format() {
    let dir = scratch("infer");
    std::fs::write(dir.join("pod.yaml"), POD).unwrap();
    let out = run_in(
        &dir,
        &[
            "lint", "pod.yaml", "--output", "x.sarif", "--output", "x.json", "--output", "x.xml",
            "--output", "x.txt",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("x.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("x.json")).unwrap()).unwrap();
    assert_eq!(json["version"], 1);
    let xml = std::fs::read_to_string(dir.join("x.xml")).unwrap();
    assert!(xml.starts_with("<?xml"), "{xml}");
    let txt = std::fs::read_to_string(dir.join("x.txt")).unwrap();
    assert!(txt.contains("error[image-tag-latest]"), "{txt}");
}

#[test]
fn format_that_contradicts_the_output_extension_is_refused() {
    let dir = scratch("mismatch");
    std::fs::write(dir.join("pod.yaml"), POD).unwrap();
    let out = run_in(
        &dir,
        &[
            "lint", "pod.yaml", "--format", "json", "--output", "x.sarif",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--format json does not match --output x.sarif") && err.contains("sarif"),
        "{err}"
    );
    assert!(!dir.join("x.sarif").exists(), "nothing written");
    // The matching pair, and an extension that names no format, are fine.
    let ok = run_in(
        &dir,
        &[
            "lint", "pod.yaml", "--format", "sarif", "--output", "x.sarif",
        ],
        None,
    );
    assert_eq!(ok.status.code(), Some(1), "{}", stderr(&ok));
    let ok = run_in(
        &dir,
        &[
            "lint", "pod.yaml", "--format", "junit", "--output", "report",
        ],
        None,
    );
    assert_eq!(ok.status.code(), Some(1), "{}", stderr(&ok));
}

#[test]
fn stdin_filename_must_name_a_file() {
    for name in ["chart/", "chart\\", ".", "crates"] {
        // Refused before stdin is read (so none is piped: the write would race the exit).
        let out = plumbline(&["lint", "-", "--stdin-filename", name]);
        assert_eq!(out.status.code(), Some(2), "{name}");
        let err = stderr(&out);
        assert!(
            err.contains(&format!("--stdin-filename `{name}` is a directory"))
                && err.contains("rendered.yaml"),
            "{name}: {err}"
        );
        assert!(stdout(&out).is_empty(), "{name}: nothing linted");
    }
    let out = plumbline_stdin(
        &["lint", "-", "--stdin-filename", "chart/rendered.yaml"],
        Some(POD),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    // Column 12: the finding points at the image value, not its key.
    assert!(stdout(&out).contains("chart/rendered.yaml:7:12"));
}

#[test]
fn stdin_filename_without_stdin_is_a_usage_error() {
    let out = plumbline(&[
        "lint",
        "examples/erp-stack",
        "--stdin-filename",
        "overlays/prod/rendered.yaml",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--stdin-filename names standard input, but `-` is not among the paths"),
        "{err}"
    );
}

#[test]
fn summary_counts_are_singular_for_one() {
    let out = plumbline_stdin(
        &[
            "lint",
            "-",
            "--stdin-filename",
            "pod.yaml",
            "--select",
            "image-tag-latest",
        ],
        Some(POD),
    );
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "1 finding (1 error, 0 warnings, 0 info), 0 suppressed, 0 input errors; 1 object in 1 file"
        ),
        "{text}"
    );
}

#[test]
fn junit_fails_only_at_or_above_fail_on() {
    let junit = |extra: &[&str]| {
        let mut args = vec![
            "lint",
            "-",
            "--stdin-filename",
            "pod.yaml",
            "--select",
            "service-account-token-automount",
            "--format",
            "junit",
        ];
        args.extend_from_slice(extra);
        let out = plumbline_stdin(&args, Some(POD));
        (out.status.code(), stdout(&out))
    };
    // A warning under the default --fail-on error: exit 0, and no failure in the report.
    let (code, xml) = junit(&[]);
    assert_eq!(code, Some(0));
    assert!(
        xml.contains(r#"tests="1" failures="0" errors="0""#),
        "{xml}"
    );
    assert!(!xml.contains("<failure"), "{xml}");
    assert!(
        xml.contains(
            "<system-out>below --fail-on, not failing:\nservice-account-token-automount: pod.yaml:"
        ),
        "{xml}"
    );
    let (code, xml) = junit(&["--fail-on", "warning"]);
    assert_eq!(code, Some(1));
    assert!(
        xml.contains(r#"failures="1""#)
            && xml.contains("<failure type=\"service-account-token-automount\""),
        "{xml}"
    );
}

#[test]
fn write_baseline_exits_0_once_written() {
    let dir = scratch("baseline");
    std::fs::write(dir.join("pod.yaml"), POD).unwrap();
    let out = run_in(
        &dir,
        &["lint", "pod.yaml", "--write-baseline", "base.json"],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("plumbline: wrote "),
        "{}",
        stderr(&out)
    );
    assert!(dir.join("base.json").is_file());
    let out = run_in(&dir, &["lint", "pod.yaml", "--baseline", "base.json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn mistyped_rule_id_gets_the_closest_one() {
    let out = plumbline(&[
        "lint",
        "examples/erp-stack",
        "--select",
        "image-tag-lastest",
    ]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("--select: unknown rule or domain `image-tag-lastest`; did you mean `image-tag-latest`?"),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "one line, no dump: {err}");
    let out = plumbline(&["lint", "examples/erp-stack", "--ignore", "zzzzzzzzzzzzzzzz"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains(
            "--ignore: unknown rule or domain `zzzzzzzzzzzzzzzz`; `plumbline rules` lists them"
        ),
        "{err}"
    );
}

#[test]
fn color_is_in_the_help() {
    let out = plumbline(&["lint", "--help"]);
    assert!(stdout(&out).contains("--color <COLOR>"), "{}", stdout(&out));
}

const PINNED: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: acme-prod}\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - name: web\n    image: nginx:1.27\n";

fn json_out(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", stdout(out), stderr(out)))
}

#[test]
fn init_then_lint_skips_the_config_baseline_and_non_manifests() {
    let dir = scratch("init");
    assert_eq!(run_in(&dir, &["init"], None).status.code(), Some(0));
    std::fs::create_dir_all(dir.join("chart/templates")).unwrap();
    std::fs::create_dir_all(dir.join("ci")).unwrap();
    std::fs::write(dir.join("pod.yaml"), PINNED).unwrap();
    std::fs::write(
        dir.join("chart/values.yaml"),
        "replicas: 2\nimage: {tag: x}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("chart/Chart.yaml"),
        "apiVersion: v2\nname: erp\nversion: 1.0.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ci/build.yml"),
        "name: build\non: [push]\njobs: {}\n",
    )
    .unwrap();
    let select = ["--select", "image-tag-latest"];
    let out = run_in(&dir, &["lint", "--write-baseline", "base.json"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let mut args = vec!["lint", "--baseline", "base.json", "--format", "json"];
    args.extend_from_slice(&select);
    let out = run_in(&dir, &args, None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let v = json_out(&out);
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
    let notes = v["notes"].to_string();
    for f in ["chart/values.yaml", "chart/Chart.yaml", "ci/build.yml"] {
        assert!(
            notes.contains(f) && notes.contains("not a Kubernetes manifest: no apiVersion/kind"),
            "{f}: {notes}"
        );
    }
    assert!(
        !notes.contains("plumbline.yaml") && !notes.contains("base.json"),
        "{notes}"
    );
    // Named explicitly, a non-manifest is still an error.
    let out = run_in(&dir, &["lint", "chart/values.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn exclude_globs_from_flags_and_config_skip_walked_paths() {
    let dir = scratch("exclude");
    std::fs::create_dir_all(dir.join("vendor/x")).unwrap();
    std::fs::write(dir.join("pod.yaml"), PINNED).unwrap();
    std::fs::write(dir.join("vendor/x/bad.yaml"), "kind: [broken\n").unwrap();
    std::fs::write(dir.join("odd.tpl.yaml"), "kind: [broken\n").unwrap();
    let out = run_in(&dir, &["lint", "."], None);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let out = run_in(
        &dir,
        &[
            "lint",
            ".",
            "--select",
            "image-tag-latest",
            "--exclude",
            "vendor",
            "--exclude",
            "*.tpl.yaml",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    std::fs::write(
        dir.join("plumbline.yaml"),
        "version: 1\nexclude: [\"vendor/*\", \"**/*.tpl.yaml\"]\n",
    )
    .unwrap();
    let out = run_in(&dir, &["lint", "--select", "image-tag-latest"], None);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // A file named explicitly is linted whatever the excludes say.
    let out = run_in(&dir, &["lint", "odd.tpl.yaml"], None);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unrendered_helm_template_says_how_to_render_it() {
    let tpl = "{{- if .Values.enabled }}\napiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n{{- end }}\n";
    let out = plumbline_stdin(
        &["lint", "-", "--stdin-filename", "chart/templates/pod.yaml"],
        Some(tpl),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stdout(&out).contains("this looks like a Helm template; render it first: helm template <release> <chart> | plumbline lint - --stdin-filename <chart>/rendered.yaml"),
        "{}",
        stdout(&out)
    );
    // Plain syntax errors get no such hint.
    let out = plumbline_stdin(&["lint", "-"], Some("kind: [broken\n"));
    assert!(!stdout(&out).contains("Helm"), "{}", stdout(&out));
}
