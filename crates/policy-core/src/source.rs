//! Where manifests come from: files, directories (recursive) and standard input.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::problem::Problem;

/// Largest manifest file read; a larger one is reported, not loaded.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// A manifest text with the name it is reported under.
#[derive(Debug, Clone)]
pub struct Source {
    /// Display name: the path as given, or `-` / the `--stdin-filename` for standard input.
    pub name: Arc<str>,
    /// The text.
    pub text: String,
}

impl Source {
    /// A source from a string (tests, embedding, stdin).
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<String>) -> Self {
        Source {
            name: name.into(),
            text: text.into(),
        }
    }

    /// Read a file.
    pub fn read(path: &Path) -> Result<Source, Problem> {
        let name = display(path);
        let meta = std::fs::metadata(path).map_err(|e| Problem::file(&name, io_msg(&e)))?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(Problem::file(
                &name,
                format!(
                    "file is {} bytes, over the {MAX_FILE_BYTES}-byte limit",
                    meta.len()
                ),
            ));
        }
        let bytes = std::fs::read(path).map_err(|e| Problem::file(&name, io_msg(&e)))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Problem::file(
                &name,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(Source::new(name, text))
    }

    /// Read standard input, reported as `name`.
    pub fn stdin(name: &str) -> Result<Source, Problem> {
        let mut buf = Vec::new();
        std::io::stdin()
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| Problem::file(name, io_msg(&e)))?;
        if buf.len() as u64 > MAX_FILE_BYTES {
            return Err(Problem::file(
                name,
                format!("input over the {MAX_FILE_BYTES}-byte limit"),
            ));
        }
        let text = String::from_utf8(buf).map_err(|e| {
            Problem::file(
                name,
                format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            )
        })?;
        Ok(Source::new(name, text))
    }
}

fn display(path: &Path) -> String {
    let s = path.to_string_lossy();
    s.strip_prefix("./")
        .map(str::to_string)
        .unwrap_or_else(|| s.into_owned())
}

fn io_msg(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".to_string(),
        std::io::ErrorKind::PermissionDenied => "permission denied".to_string(),
        _ => e.to_string(),
    }
}

/// True for the file names the linter reads when walking a directory.
pub fn is_manifest_name(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("yaml" | "yml" | "json")
    )
}

/// Expand paths: files as given (whatever their extension), directories walked recursively for
/// `*.yaml`, `*.yml`, `*.json` in sorted order, hidden entries skipped. Missing paths are problems.
pub fn expand_paths(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(m) if m.is_dir() => walk(p, &mut files, &mut problems),
            Ok(_) => files.push(p.clone()),
            Err(e) => problems.push(Problem::file(&display(p), io_msg(&e))),
        }
    }
    (files, problems)
}

fn walk(dir: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => {
            problems.push(Problem::file(&display(dir), io_msg(&e)));
            return;
        }
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let hidden = p
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        // Do not follow symlinked directories (cycles); symlinked files are read.
        let Ok(meta) = std::fs::symlink_metadata(&p) else {
            continue;
        };
        if meta.is_dir() {
            walk(&p, files, problems);
        } else if is_manifest_name(&p) && (meta.is_file() || p.is_file()) {
            files.push(p);
        }
    }
}
