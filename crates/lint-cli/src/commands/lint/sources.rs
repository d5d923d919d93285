//! The sources of a lint run as the two passes read them (files again from disk, standard input
//! from memory), and what the outputs quote of them afterwards.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use policy_core::scan::{Scan, SourceSet};
use policy_core::{Problem, Report, Source};

use super::filter::display_name;

/// The sources of one configuration's files: standard input first (read once, kept), then the
/// files, read from disk by each pass.
pub(super) struct Files {
    pub(super) stdin: Option<Source>,
    pub(super) files: Vec<PathBuf>,
}

impl SourceSet for Files {
    fn count(&self) -> usize {
        usize::from(self.stdin.is_some()) + self.files.len()
    }

    fn read(&self, index: usize) -> Result<Cow<'_, Source>, Problem> {
        let index = match &self.stdin {
            Some(s) if index == 0 => return Ok(Cow::Borrowed(s)),
            Some(_) => index - 1,
            None => index,
        };
        match self.files.get(index) {
            Some(path) => Source::read(path).map(Cow::Owned),
            None => Err(Problem::file("-", format!("no source number {index}"))),
        }
    }
}

/// The sources that were linted (read by the first pass).
#[derive(Default)]
pub(super) struct Linted {
    stdin: Option<Source>,
    files: Vec<PathBuf>,
}

impl Linted {
    /// Add the readable sources of `set`.
    pub(super) fn add(&mut self, set: Files, scan: &Scan) {
        let offset = usize::from(set.stdin.is_some());
        if set.stdin.is_some() {
            self.stdin = set.stdin;
        }
        self.files.extend(
            set.files
                .into_iter()
                .enumerate()
                .filter(|(i, _)| scan.is_readable(i + offset))
                .map(|(_, f)| f),
        );
    }

    /// The texts of the linted sources named in `names`, by name (files read again).
    pub(super) fn texts<'a>(
        &self,
        names: impl Iterator<Item = &'a str>,
    ) -> HashMap<String, String> {
        let wanted: HashSet<&str> = names.collect();
        let mut texts = HashMap::new();
        if wanted.is_empty() {
            return texts;
        }
        if let Some(s) = self.stdin.as_ref().filter(|s| wanted.contains(&*s.name)) {
            texts.insert(s.name.to_string(), s.text.clone());
        }
        for f in &self.files {
            let name = display_name(f);
            if wanted.contains(name.as_str()) {
                if let Ok(s) = Source::read(f) {
                    texts.insert(name, s.text);
                }
            }
        }
        texts
    }

    /// The linted files by name: the index of the last file of each name.
    pub(super) fn names(&self) -> HashMap<String, usize> {
        (self.files.iter().enumerate())
            .map(|(i, f)| (display_name(f), i))
            .collect()
    }

    /// The text of the linted source named `file`, which is the `index`-th file when it is one
    /// (a file read again wins over standard input of the same name, as in [`Self::texts`]).
    pub(super) fn text(&self, file: &str, index: Option<usize>) -> Option<String> {
        if let Some(path) = index.and_then(|i| self.files.get(i)) {
            if let Ok(s) = Source::read(path) {
                return Some(s.text);
            }
        }
        (self.stdin.as_ref())
            .filter(|s| &*s.name == file)
            .map(|s| s.text.clone())
    }
}

/// Documents the run should not call errors, or should explain: in files found by walking a
/// directory, a mapping with neither `apiVersion` nor `kind` (or no `kind` and no `metadata`:
/// Helm's Chart.yaml) is not a Kubernetes manifest (values.yaml, workflows) and becomes a note;
/// a syntax error in a document holding `{{` says how to render the Helm template first.
/// `texts` holds the texts of the problems' files.
pub(super) fn explain_problems(
    report: &mut Report,
    texts: &HashMap<String, String>,
    explicit: &HashSet<String>,
) {
    let mut parsed: HashMap<String, Vec<policy_core::yaml::YamlDocument>> = HashMap::new();
    let mut notes = Vec::new();
    let problems = std::mem::take(&mut report.problems);
    for mut p in problems {
        let (Some(doc), Some(text)) = (p.document, texts.get(p.file.as_str())) else {
            report.problems.push(p);
            continue;
        };
        if p.message.starts_with("YAML syntax error") {
            if document_text(text, doc).is_some_and(|d| d.contains("{{")) {
                p.message.push_str(
                    "; this looks like a Helm template; render it first: helm template <release> <chart> | plumbline lint - --stdin-filename <chart>/rendered.yaml",
                );
            }
            report.problems.push(p);
            continue;
        }
        let missing_field = p.message.starts_with("document has no `")
            && matches!(p.path.as_deref(), Some("/apiVersion" | "/kind"));
        if !missing_field || explicit.contains(&p.file) {
            report.problems.push(p);
            continue;
        }
        let docs = parsed.entry(p.file.clone()).or_insert_with(|| {
            policy_core::yaml::parse_stream(text)
                .into_iter()
                .flatten()
                .collect()
        });
        let not_manifest = docs.iter().find(|d| d.index == doc).is_some_and(|d| {
            let has = |k: &str| d.value.get(k).is_some();
            (!has("apiVersion") && !has("kind")) || (!has("kind") && !has("metadata"))
        });
        if not_manifest {
            let mut note = Problem::file(
                &p.file,
                "not a Kubernetes manifest: no apiVersion/kind; skipped (name the file to lint it anyway)",
            );
            note.document = Some(doc);
            notes.push(note);
        } else {
            report.problems.push(p);
        }
    }
    report.notes.extend(notes);
}

/// The text of the `index`-th document of a stream (documents split at `---` lines, as parsed).
fn document_text(text: &str, index: usize) -> Option<&str> {
    let mut start = 0usize;
    let mut offset = 0usize;
    let mut n = 0usize;
    for line in text.split_inclusive('\n') {
        let marker = line
            .strip_prefix("---")
            .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t', '\n', '\r']));
        if offset > start && marker {
            if n == index {
                return text.get(start..offset);
            }
            n += 1;
            start = offset;
        }
        offset += line.len();
    }
    (n == index).then(|| text.get(start..)).flatten()
}
