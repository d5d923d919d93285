//! The workspace's product code stays readable in files of at most [`MAX_LINES`] lines: every
//! `.rs` file under `crates/*/src` except unit-test modules (files declared by
//! `#[cfg(test)] mod name;`) and generated code (written to `OUT_DIR`, never under `src`).
//! Functions are held to 80 lines by clippy (`too_many_lines`, clippy.toml).

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 500;

/// The files of the modules `file` declares under `#[cfg(test)]` (`mod name;` on the next line).
fn test_modules(file: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).unwrap();
    let stem = file
        .file_stem()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let dir = file.parent().unwrap();
    let children = if matches!(stem, "mod" | "lib" | "main") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    lines
        .windows(2)
        .filter(|w| w[0] == "#[cfg(test)]")
        .filter_map(|w| w[1].strip_prefix("mod ")?.strip_suffix(';'))
        .flat_map(|name| {
            [
                children.join(format!("{name}.rs")),
                children.join(name).join("mod.rs"),
            ]
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_product_source_file_is_over_500_lines() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).unwrap().flatten() {
        let src = krate.path().join("src");
        if src.is_dir() {
            rust_files(&src, &mut files);
        }
    }
    assert!(files.len() > 50, "the workspace's sources were not found");
    let tests: Vec<PathBuf> = files.iter().flat_map(|f| test_modules(f)).collect();
    assert!(tests.len() > 10, "no unit-test module found: {tests:?}");
    let mut long: Vec<String> = files
        .iter()
        .filter(|p| !tests.contains(p))
        .filter_map(|p| {
            let lines = std::fs::read_to_string(p).unwrap().lines().count();
            (lines > MAX_LINES).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    long.sort();
    assert!(
        long.is_empty(),
        "split these at a real seam (tests go to a sibling tests.rs): {long:#?}"
    );
}
