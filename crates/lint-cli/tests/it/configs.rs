//! Which plumbline.yaml judges a file: the nearest one above the file (like ruff and cargo), not
//! the one above the working directory; the run says which, and `--show-config` prints it.

use std::path::PathBuf;
use std::process::Output;

use crate::{json_of, plumbline_in};

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n";

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plumbline-cfg-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// A tree with a config at the top (image-tag-latest is a warning) and one in `team/` (the rule
/// is ignored), the same Pod in both, and a working directory elsewhere.
fn tree(name: &str) -> PathBuf {
    let dir = scratch(name);
    std::fs::create_dir_all(dir.join("repo/team")).unwrap();
    std::fs::create_dir_all(dir.join("elsewhere")).unwrap();
    std::fs::write(
        dir.join("repo/plumbline.yaml"),
        "version: 1\nrules:\n  select: [image-tag-latest]\n  severity:\n    image-tag-latest: warning\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("repo/team/plumbline.yaml"),
        "version: 1\nrules:\n  select: [image-tag-latest]\n  ignore: [image-tag-latest]\n",
    )
    .unwrap();
    std::fs::write(dir.join("repo/pod.yaml"), POD).unwrap();
    std::fs::write(dir.join("repo/team/pod.yaml"), POD).unwrap();
    dir
}

#[test]
fn the_same_file_gets_the_same_findings_from_any_working_directory() {
    let dir = tree("cwd");
    let from_repo = plumbline_in(
        &dir.join("repo"),
        &["lint", "pod.yaml", "--format", "json"],
        None,
    );
    let from_elsewhere = plumbline_in(
        &dir.join("elsewhere"),
        &["lint", "../repo/pod.yaml", "--format", "json"],
        None,
    );
    for out in [&from_repo, &from_elsewhere] {
        // A warning now (the config says so), not the built-in error: exit 0.
        assert_eq!(out.status.code(), Some(0), "{}", text(out));
        let j = json_of(out);
        assert_eq!(j["summary"]["warnings"], 1, "{j}");
        assert_eq!(j["configs"].as_array().unwrap().len(), 1, "{j}");
        assert_eq!(j["configs"][0]["files"], 1);
    }
    assert_eq!(json_of(&from_repo)["configs"][0]["path"], "plumbline.yaml");
    let shown = json_of(&from_elsewhere)["configs"][0]["path"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        PathBuf::from(&shown).ends_with("repo/plumbline.yaml"),
        "{shown}"
    );
}

#[test]
fn files_under_different_configs_are_judged_by_their_own() {
    let dir = tree("mixed");
    let out = plumbline_in(&dir.join("repo"), &["lint", ".", "--color", "never"], None);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    // team/pod.yaml: the rule is ignored there; pod.yaml: a warning. Neither config is linted.
    assert!(t.contains("warning[image-tag-latest]"), "{t}");
    assert!(t.contains("--> pod.yaml:7:12"), "{t}");
    assert!(!t.contains("team/pod.yaml:"), "{t}");
    assert!(!t.contains("plumbline.yaml:"), "{t}");
    assert!(
        t.contains("configs: plumbline.yaml (1 file), team/plumbline.yaml (1 file)"),
        "{t}"
    );
    assert!(t.contains("1 finding (0 errors, 1 warning, 0 info)"), "{t}");
    // --config judges everything with one config.
    let out = plumbline_in(
        &dir.join("repo"),
        &[
            "lint",
            ".",
            "--config",
            "plumbline.yaml",
            "--format",
            "json",
        ],
        None,
    );
    let j = json_of(&out);
    assert_eq!(j["summary"]["warnings"], 2, "{j}");
    assert_eq!(
        j["configs"],
        serde_json::json!([{"path": "plumbline.yaml", "files": 2}])
    );
}

#[test]
fn stdin_is_judged_by_the_config_of_its_stdin_filename() {
    let dir = tree("stdin");
    let out = plumbline_in(
        &dir.join("repo"),
        &[
            "lint",
            "-",
            "--stdin-filename",
            "team/rendered.yaml",
            "--format",
            "json",
        ],
        Some(POD),
    );
    let j = json_of(&out);
    assert_eq!(j["summary"]["findings"], 0, "{j}");
    assert_eq!(j["configs"][0]["path"], "team/plumbline.yaml", "{j}");
}

#[test]
fn without_a_config_the_run_says_so() {
    let dir = scratch("none");
    std::fs::write(dir.join("pod.yaml"), POD).unwrap();
    let out = plumbline_in(&dir, &["lint", "pod.yaml", "--color", "never"], None);
    let t = text(&out);
    assert!(
        t.contains("config: none found, built-in defaults (`plumbline init` writes one)"),
        "{t}"
    );
    assert_eq!(
        json_of(&plumbline_in(
            &dir,
            &["lint", "pod.yaml", "--format", "json"],
            None
        ))["configs"][0]["path"],
        serde_json::Value::Null
    );
}

#[test]
fn show_config_prints_the_path_and_the_effective_config() {
    let dir = tree("show");
    let out = plumbline_in(&dir.join("repo"), &["lint", "--show-config", "team"], None);
    let t = text(&out);
    assert_eq!(out.status.code(), Some(0), "{t}");
    assert!(
        t.starts_with("# config: team/plumbline.yaml (judges 1 file)\n"),
        "{t}"
    );
    // The rest is the file's sections with every rule parameter merged in: JSON, so YAML too.
    let body: serde_json::Value = serde_json::from_str(t.split_once('\n').unwrap().1).unwrap();
    assert_eq!(
        body["rules"]["ignore"],
        serde_json::json!(["image-tag-latest"])
    );
    assert!(body["params"]["images"].is_object(), "{body}");
    // Nothing linted: no findings printed.
    assert!(!t.contains("image-tag-latest]"), "{t}");
}
