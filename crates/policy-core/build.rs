//! Embeds the built-in policy pack (`policies/` at the workspace root) into the library, so the
//! default run needs no files on disk.

use std::path::{Path, PathBuf};

fn main() {
    let manifest =
        PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let root = manifest.join("../../policies");
    let root = root
        .canonicalize()
        .expect("policies/ exists at the workspace root");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    collect(&root, &root, &mut files);
    files.sort();
    let mut out = String::from("/// (path relative to policies/, contents) of every embedded pack file.\npub(crate) static EMBEDDED: &[(&str, &str)] = &[\n");
    for (rel, abs) in &files {
        out.push_str(&format!("    ({rel:?}, include_str!({abs:?})),\n"));
    }
    out.push_str("];\n");
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("embedded_pack.rs"), out).expect("write embedded_pack.rs");
    std::fs::write(out_dir.join("rule_ids.rs"), rule_ids(&files)).expect("write rule_ids.rs");
}

/// One constant per built-in rule (`<domain>/<rule-id>/rule.yaml`), named after its id in upper
/// case (`change-freeze-active` -> `CHANGE_FREEZE_ACTIVE`), and `ALL` in id order: Rust names a
/// rule through these, so a renamed or removed rule is a compile error, not a silent mismatch.
/// (The pack loader checks that each `rule.yaml` says the `id:` of its folder.)
fn rule_ids(files: &[(String, String)]) -> String {
    let mut ids: Vec<&str> = files
        .iter()
        .filter_map(|(rel, _)| match rel.split('/').collect::<Vec<_>>()[..] {
            [domain, id, "rule.yaml"] if domain != "lib" => Some(id),
            _ => None,
        })
        .collect();
    ids.sort_unstable();
    let mut out = String::new();
    for id in &ids {
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'),
            "rule id `{id}`: lower-case letters, digits and dashes only"
        );
        let name = id.to_ascii_uppercase().replace('-', "_");
        out.push_str(&format!("/// `{id}`.\npub const {name}: &str = {id:?};\n"));
    }
    out.push_str("/// Every built-in rule id, sorted.\npub const ALL: &[&str] = &[\n");
    for id in &ids {
        out.push_str(&format!("    {id:?},\n"));
    }
    out.push_str("];\n");
    out
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<(String, String)>) {
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("read policies dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, files);
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("rego" | "yaml")
        ) {
            println!("cargo:rerun-if-changed={}", p.display());
            let rel = p
                .strip_prefix(root)
                .expect("under root")
                .to_string_lossy()
                .replace('\\', "/");
            files.push((rel, p.to_string_lossy().into_owned()));
        }
    }
}
