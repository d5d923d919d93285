//! Where manifests come from: files, directories (recursive) and standard input.

use std::collections::HashSet;
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

    /// Read a file, at most [`MAX_FILE_BYTES`] of it (a device or FIFO given explicitly is read
    /// up to the limit, never without end).
    pub fn read(path: &Path) -> Result<Source, Problem> {
        let name = display(path);
        let file = std::fs::File::open(path).map_err(|e| Problem::file(&name, io_msg(&e)))?;
        let meta = file
            .metadata()
            .map_err(|e| Problem::file(&name, io_msg(&e)))?;
        if meta.is_dir() {
            return Err(Problem::file(&name, "is a directory"));
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(Problem::file(
                &name,
                format!(
                    "file is {} bytes, over the {MAX_FILE_BYTES}-byte limit",
                    meta.len()
                ),
            ));
        }
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| Problem::file(&name, io_msg(&e)))?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Problem::file(
                &name,
                format!("input over the {MAX_FILE_BYTES}-byte limit"),
            ));
        }
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
///
/// Symbolic links are treated as [`Source::expand`] treats them without `follow_symlinks`; a link
/// it does not follow is returned as a problem here (this signature has no notes).
pub fn expand_paths(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Problem>) {
    let (files, mut problems, notes) = Source::expand(paths, false);
    problems.extend(notes);
    (files, problems)
}

impl Source {
    /// Expand paths into the files to read: `(files, problems, notes)`.
    ///
    /// Files are taken as given (whatever their extension), directories walked recursively for
    /// `*.yaml`, `*.yml`, `*.json` in sorted order, hidden entries skipped. Missing paths are
    /// problems.
    ///
    /// Manifests come from untrusted contributors, so symbolic links are not followed blindly
    /// (a `values.yaml -> /proc/self/environ` would otherwise put the CI job's environment in a
    /// parse error's code frame). Unless `follow_symlinks`:
    /// - a link met while walking a directory is read only when it resolves to a regular file
    ///   inside one of the directories given (the roots);
    /// - a link given explicitly as a file is read only when it resolves to a regular file inside
    ///   the link's own directory (as in a ConfigMap volume, `x.yaml -> ..data/x.yaml`) or inside
    ///   a root;
    /// - files under `/proc`, `/sys` and `/dev` are never regular files here;
    /// - links to directories are not followed (a link given explicitly is: the caller named it).
    ///
    /// Each link not followed, and each special file (FIFO, device, socket) met in a walk, is a
    /// note naming its path and why. With `follow_symlinks` every link is followed, directories
    /// once each (no cycles).
    #[allow(clippy::type_complexity)]
    pub fn expand(
        paths: &[PathBuf],
        follow_symlinks: bool,
    ) -> (Vec<PathBuf>, Vec<Problem>, Vec<Problem>) {
        let roots = paths
            .iter()
            .filter(|p| std::fs::metadata(p).is_ok_and(|m| m.is_dir()))
            .filter_map(|p| std::fs::canonicalize(p).ok())
            .collect();
        let mut w = Walker {
            follow: follow_symlinks,
            roots,
            visited: HashSet::new(),
            files: Vec::new(),
            problems: Vec::new(),
            notes: Vec::new(),
        };
        for p in paths {
            let link = std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink());
            match std::fs::metadata(p) {
                Ok(m) if m.is_dir() => {
                    if let Ok(c) = std::fs::canonicalize(p) {
                        w.visited.insert(c);
                    }
                    w.walk(p);
                }
                Ok(m) if link && !w.follow => {
                    let parent = p
                        .parent()
                        .map(|d| {
                            if d.as_os_str().is_empty() {
                                Path::new(".")
                            } else {
                                d
                            }
                        })
                        .and_then(|d| std::fs::canonicalize(d).ok());
                    match w.judge_link_target(p, &m, parent.as_deref()) {
                        Ok(()) => w.files.push(p.clone()),
                        Err(why) => w.skip(p, why),
                    }
                }
                Ok(_) => w.files.push(p.clone()),
                Err(e) => w.problems.push(Problem::file(&display(p), io_msg(&e))),
            }
        }
        (w.files, w.problems, w.notes)
    }
}

struct Walker {
    follow: bool,
    /// Canonical directories given: links that resolve inside them are followed.
    roots: Vec<PathBuf>,
    /// Canonical directories walked (with `follow`, links to them are not walked again).
    visited: HashSet<PathBuf>,
    files: Vec<PathBuf>,
    problems: Vec<Problem>,
    notes: Vec<Problem>,
}

/// Pseudo-file systems whose "regular" files are kernel state (`/proc/self/environ`).
const KERNEL_DIRS: [&str; 3] = ["/proc", "/sys", "/dev"];

impl Walker {
    fn skip(&mut self, p: &Path, why: String) {
        self.notes.push(Problem::file(&display(p), why));
    }

    /// Whether the link `p` (whose target's metadata is `meta`) may be read as a manifest without
    /// `follow`: Ok, or why not.
    fn judge_link_target(
        &self,
        p: &Path,
        meta: &std::fs::Metadata,
        also_inside: Option<&Path>,
    ) -> Result<(), String> {
        let target = link_text(p);
        let Ok(canon) = std::fs::canonicalize(p) else {
            return Err(format!(
                "symbolic link to `{target}`, which cannot be resolved; not read"
            ));
        };
        if !meta.is_file() {
            return Err(format!(
                "symbolic link to `{target}`, {}; not read (--follow-symlinks reads it)",
                special_kind(meta)
            ));
        }
        if KERNEL_DIRS.iter().any(|d| canon.starts_with(d)) {
            return Err(format!(
                "symbolic link to `{target}`, a kernel pseudo-file, not a regular file; not read \
                 (--follow-symlinks reads it)"
            ));
        }
        let inside = self
            .roots
            .iter()
            .map(PathBuf::as_path)
            .chain(also_inside)
            .any(|r| canon.starts_with(r));
        if !inside {
            return Err(format!(
                "symbolic link to `{target}`, outside the directories being linted; not read \
                 (--follow-symlinks reads it)"
            ));
        }
        Ok(())
    }

    fn walk(&mut self, dir: &Path) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                self.problems.push(Problem::file(&display(dir), io_msg(&e)));
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
            if !hidden {
                self.visit(p);
            }
        }
    }

    /// One entry of a walked directory: a directory is walked, a manifest file kept, a link
    /// judged by its target.
    fn visit(&mut self, p: PathBuf) {
        let Ok(lmeta) = std::fs::symlink_metadata(&p) else {
            return;
        };
        if lmeta.is_dir() {
            self.walk(&p);
            return;
        }
        if lmeta.file_type().is_symlink() {
            self.visit_link(p);
            return;
        }
        if !is_manifest_name(&p) {
            return;
        }
        if lmeta.is_file() {
            self.keep(p);
        } else {
            let why = format!("{}, not a regular file; not read", special_kind(&lmeta));
            self.skip(&p, why);
        }
    }

    /// Keep a file found by walking. The run holds the list to its end (the second pass and
    /// the outputs read the files again), and a walked path has the spare capacity of its
    /// directory's joined to its name (about twice its length): 10 MB at 57,000 files.
    fn keep(&mut self, mut p: PathBuf) {
        p.shrink_to_fit();
        self.files.push(p);
    }

    /// A symbolic link met in a walk: a link to a directory is walked (with `follow`, once), a
    /// link to a manifest kept if its target may be read.
    fn visit_link(&mut self, p: PathBuf) {
        let meta = match std::fs::metadata(&p) {
            Ok(m) => m,
            Err(_) => {
                if is_manifest_name(&p) {
                    let why = format!(
                        "symbolic link to `{}`, which cannot be resolved; not read",
                        link_text(&p)
                    );
                    self.skip(&p, why);
                }
                return;
            }
        };
        if meta.is_dir() {
            self.visit_linked_dir(&p);
            return;
        }
        if !is_manifest_name(&p) {
            return;
        }
        if self.follow {
            self.keep(p);
            return;
        }
        match self.judge_link_target(&p, &meta, None) {
            Ok(()) => self.keep(p),
            Err(why) => self.skip(&p, why),
        }
    }

    /// A symbolic link to a directory: walked with `follow` unless already walked (a cycle).
    fn visit_linked_dir(&mut self, p: &Path) {
        if !self.follow {
            let why = format!(
                "symbolic link to the directory `{}`; not followed (--follow-symlinks \
                 follows it)",
                link_text(p)
            );
            self.skip(p, why);
            return;
        }
        let fresh = std::fs::canonicalize(p).is_ok_and(|c| self.visited.insert(c));
        match fresh {
            true => self.walk(p),
            false => {
                let why = format!(
                    "symbolic link to the directory `{}`, which is already being walked \
                     (a cycle); not followed again",
                    link_text(p)
                );
                self.skip(p, why);
            }
        }
    }
}

/// What kind of non-regular file `meta` describes.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// A link's target as written, with control characters escaped (it is shown in CI logs).
fn link_text(p: &Path) -> String {
    match std::fs::read_link(p) {
        Ok(t) => t
            .to_string_lossy()
            .chars()
            .flat_map(|c| {
                if c.is_control() {
                    c.escape_default().collect::<Vec<_>>()
                } else {
                    vec![c]
                }
            })
            .collect(),
        Err(_) => "?".to_string(),
    }
}
