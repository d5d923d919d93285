//! Symbolic links in linted trees come from untrusted contributors: a link out of the tree or to a
//! kernel file is not read (its content would land in a code frame of the CI log), and every link
//! not followed is a note naming it and why. `--follow-symlinks` follows them all.

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const CANARY: &str = "canary-CI-secret-7c1d";

const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: acme-prod}\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n";

/// A fresh directory for one test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("plumbline-links-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `plumbline` with a secret in its environment, as a CI job has.
fn run(args: &[&str], cwd: &Path) -> (Output, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_plumbline"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("PLUMBLINE_TEST_TOKEN", CANARY)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out, text)
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stdout));
    })
}

/// The note about `file`, if any.
fn note_for<'a>(v: &'a serde_json::Value, file: &str) -> Option<&'a str> {
    v["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["file"] == file)
        .map(|n| n["message"].as_str().unwrap())
}

fn files_with_findings(v: &serde_json::Value) -> Vec<String> {
    let mut files: Vec<String> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["file"].as_str().unwrap().to_string())
        .collect();
    files.dedup();
    files
}

#[test]
fn link_to_proc_environ_is_not_read_and_is_noted() {
    let dir = scratch("environ");
    let tree = dir.join("chart");
    std::fs::create_dir_all(&tree).unwrap();
    std::fs::write(tree.join("pod.yaml"), POD).unwrap();
    symlink("/proc/self/environ", tree.join("values.yaml")).unwrap();
    for format in ["human", "json", "sarif", "junit", "github"] {
        let (out, text) = run(&["lint", "chart", "--format", format], &dir);
        assert!(
            !text.contains(CANARY),
            "{format} prints the environment:\n{text}"
        );
        assert_eq!(out.status.code(), Some(1), "{format}: {text}");
    }
    let (out, text) = run(&["lint", "chart", "--format", "human"], &dir);
    assert!(
        text.contains("chart/values.yaml") && text.contains("/proc/self/environ"),
        "{text}"
    );
    let v = json(&run(&["lint", "chart", "--format", "json"], &dir).0);
    let note = note_for(&v, "chart/values.yaml").expect("a note names the link");
    assert!(
        note.contains("kernel pseudo-file") && note.contains("not read"),
        "{note}"
    );
    assert_eq!(files_with_findings(&v), ["chart/pod.yaml"]);
    assert!(
        v["errors"].as_array().unwrap().is_empty(),
        "{}",
        v["errors"]
    );
    drop(out);
}

#[test]
fn link_out_of_the_tree_is_noted_and_followed_only_when_asked() {
    let dir = scratch("outside");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("sub")).unwrap();
    std::fs::create_dir_all(dir.join("outside")).unwrap();
    // A file outside the linted tree (CI secrets, another checkout …).
    std::fs::write(dir.join("outside/pod.yaml"), POD).unwrap();
    std::fs::write(
        dir.join("outside/creds.yaml"),
        format!("token: {CANARY}: [\n"),
    )
    .unwrap();
    symlink("../../outside/pod.yaml", tree.join("sub/linked.yaml")).unwrap();
    symlink("../outside/creds.yaml", tree.join("creds.yaml")).unwrap();
    // A link inside the tree is read.
    std::fs::write(tree.join("sub/real.yaml"), POD).unwrap();
    symlink("sub/real.yaml", tree.join("alias.yaml")).unwrap();

    let (out, text) = run(&["lint", "tree", "--format", "json"], &dir);
    assert!(!text.contains(CANARY), "{text}");
    let v = json(&out);
    for link in ["tree/sub/linked.yaml", "tree/creds.yaml"] {
        let note = note_for(&v, link).unwrap_or_else(|| panic!("no note for {link}: {v}"));
        assert!(
            note.contains("outside the directories being linted"),
            "{note}"
        );
        assert!(note.contains("--follow-symlinks"), "{note}");
    }
    assert_eq!(
        files_with_findings(&v),
        ["tree/alias.yaml", "tree/sub/real.yaml"]
    );
    assert_eq!(out.status.code(), Some(1));

    // Two roots: a link from one into the other is inside.
    let (out, _) = run(
        &["lint", "tree", "outside/pod.yaml", "--format", "json"],
        &dir,
    );
    let v = json(&out);
    assert!(note_for(&v, "tree/sub/linked.yaml").is_some());
    let (out, _) = run(&["lint", "tree", "outside", "--format", "json"], &dir);
    let v = json(&out);
    assert!(note_for(&v, "tree/sub/linked.yaml").is_none(), "{v}");

    let (out, text) = run(
        &["lint", "tree", "--format", "json", "--follow-symlinks"],
        &dir,
    );
    let v = json(&out);
    assert_eq!(
        files_with_findings(&v),
        [
            "tree/alias.yaml",
            "tree/sub/linked.yaml",
            "tree/sub/real.yaml"
        ],
        "{text}"
    );
    // Followed on request, and its parse error is reported (the frame is the user's choice).
    assert_eq!(v["errors"][0]["file"], "tree/creds.yaml", "{text}");
}

#[test]
fn explicit_link_arguments_are_read_only_when_they_stay_home() {
    let dir = scratch("explicit");
    std::fs::create_dir_all(dir.join("mount/..data")).unwrap();
    std::fs::write(dir.join("mount/..data/pod.yaml"), POD).unwrap();
    // A ConfigMap volume: pod.yaml -> ..data/pod.yaml, in the link's own directory.
    symlink("..data/pod.yaml", dir.join("mount/pod.yaml")).unwrap();
    symlink("/proc/self/environ", dir.join("mount/env.yaml")).unwrap();
    std::fs::write(dir.join("elsewhere.yaml"), POD).unwrap();
    symlink("../elsewhere.yaml", dir.join("mount/up.yaml")).unwrap();
    // As `plumbline lint $(git ls-files '*.yaml')` passes them.
    let (out, text) = run(
        &[
            "lint",
            "mount/pod.yaml",
            "mount/env.yaml",
            "mount/up.yaml",
            "--format",
            "json",
        ],
        &dir,
    );
    assert!(!text.contains(CANARY), "{text}");
    let v = json(&out);
    assert_eq!(files_with_findings(&v), ["mount/pod.yaml"], "{text}");
    assert!(note_for(&v, "mount/env.yaml")
        .unwrap()
        .contains("kernel pseudo-file"));
    assert!(note_for(&v, "mount/up.yaml").unwrap().contains("outside"));
    let (out, _) = run(
        &[
            "lint",
            "mount/up.yaml",
            "--format",
            "json",
            "--follow-symlinks",
        ],
        &dir,
    );
    assert_eq!(files_with_findings(&json(&out)), ["mount/up.yaml"]);
}

#[test]
fn links_to_fifos_directories_and_nowhere_are_noted() {
    let dir = scratch("special");
    let tree = dir.join("tree");
    std::fs::create_dir_all(tree.join("real")).unwrap();
    std::fs::write(tree.join("real/pod.yaml"), POD).unwrap();
    let status = Command::new("mkfifo")
        .arg(tree.join("pipe"))
        .status()
        .unwrap();
    assert!(status.success());
    // Reading a FIFO without a writer would block the run for ever.
    symlink("pipe", tree.join("pipe.yaml")).unwrap();
    symlink("real", tree.join("dirlink")).unwrap();
    symlink("missing.yaml", tree.join("dangling.yaml")).unwrap();
    symlink(".", tree.join("real/loop")).unwrap();
    let (out, text) = run(&["lint", "tree", "--format", "json"], &dir);
    let v = json(&out);
    assert!(
        note_for(&v, "tree/pipe.yaml").unwrap().contains("a FIFO"),
        "{text}"
    );
    assert!(note_for(&v, "tree/dirlink")
        .unwrap()
        .contains("not followed"));
    assert!(note_for(&v, "tree/dangling.yaml")
        .unwrap()
        .contains("cannot be resolved"));
    assert!(note_for(&v, "tree/real/loop")
        .unwrap()
        .contains("not followed"));
    assert_eq!(files_with_findings(&v), ["tree/real/pod.yaml"]);

    // Followed: each directory once (the loop back is noted). --follow-symlinks would read the
    // FIFO, which has no writer here, so its link goes first.
    std::fs::remove_file(tree.join("pipe.yaml")).unwrap();
    let (out, text) = run(
        &["lint", "tree", "--format", "json", "--follow-symlinks"],
        &dir,
    );
    let v = json(&out);
    assert!(
        note_for(&v, "tree/real/loop").unwrap().contains("cycle"),
        "{text}"
    );
    assert_eq!(
        files_with_findings(&v),
        ["tree/dirlink/pod.yaml", "tree/real/pod.yaml"],
        "{text}"
    );
}
