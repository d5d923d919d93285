//! The streaming lint run (docs/architecture.md, "Lint pipeline"). Peak memory must not grow with
//! the input's parsed objects, so no pass keeps them:
//!
//! 1. [`scan`] reads every source, parses it and folds its objects into an [`InventoryBuilder`]
//!    (names, labels, selectors, hosts: what cross-resource rules read), then drops the text
//!    and the objects. Sources that cannot hold an inventory object are not parsed at all, and of
//!    the others only the documents that may hold one (`inventory_documents`).
//! 2. [`crate::Linter::lint_scanned`] reads and parses each source again, evaluates its objects
//!    against the finished inventory and keeps only findings, problems and notes.
//!
//! Both passes run over the sources in parallel; each worker holds one source's text and objects
//! at a time. Sources come from a [`SourceSet`], which reads (or re-reads) them by index.

use std::borrow::Cow;
use std::collections::BTreeSet;

use rayon::prelude::*;

use crate::finding::Finding;
use crate::inventory::{InventoryBuilder, INVENTORY_KINDS};
use crate::object::{objects_from_source, Object};
use crate::problem::Problem;
use crate::source::Source;

/// The sources of a lint run, read by index, once per pass (a file is read from disk again in
/// the second pass instead of kept in memory).
pub trait SourceSet: Sync {
    /// How many sources there are.
    fn count(&self) -> usize;
    /// Read the source at `index` (< [`Self::count`]).
    fn read(&self, index: usize) -> Result<Cow<'_, Source>, Problem>;
}

impl SourceSet for [Source] {
    fn count(&self) -> usize {
        self.len()
    }

    fn read(&self, index: usize) -> Result<Cow<'_, Source>, Problem> {
        self.get(index)
            .map(Cow::Borrowed)
            .ok_or_else(|| Problem::file("-", format!("no source number {index}")))
    }
}

/// What the first pass learned: the inventory of the whole input, and which sources could not
/// be read (the second pass skips them; their problems were returned by [`scan`]).
#[derive(Debug, Clone, Default)]
pub struct Scan {
    pub(crate) inventory: InventoryBuilder,
    /// Indices of unreadable sources, ascending.
    pub(crate) unreadable: Vec<usize>,
}

impl Scan {
    /// How many of `sources` sources could be read.
    pub fn readable(&self, sources: usize) -> usize {
        sources.saturating_sub(self.unreadable.len())
    }

    /// Whether the source at `index` could be read in the first pass.
    pub fn is_readable(&self, index: usize) -> bool {
        self.unreadable.binary_search(&index).is_err()
    }
}

/// The first pass: the inventory of `sources`, and the problems of the sources that could not be
/// read (in source order). Parse errors are left to the second pass, which reports them.
pub fn scan<S: SourceSet + ?Sized>(sources: &S) -> (Scan, Vec<Problem>) {
    let (scan, problems) = (0..sources.count())
        .into_par_iter()
        .fold(
            || (Scan::default(), Vec::new()),
            |(mut scan, mut problems), i| {
                match sources.read(i) {
                    Ok(source) => {
                        let blanked;
                        let to_parse = match inventory_documents(&source.text) {
                            ToParse::Nothing => None,
                            ToParse::Whole => Some(&*source),
                            ToParse::Blanked(text) => {
                                blanked = Source::new(source.name.clone(), text);
                                Some(&blanked)
                            }
                        };
                        if let Some(s) = to_parse {
                            for o in &objects_from_source(s).0 {
                                scan.inventory.add(o);
                            }
                        }
                    }
                    Err(p) => {
                        scan.unreadable.push(i);
                        problems.push(p);
                    }
                }
                (scan, problems)
            },
        )
        .reduce(
            || (Scan::default(), Vec::new()),
            |(mut a, mut ap), (b, bp)| {
                a.inventory.merge(b.inventory);
                a.unreadable.extend(b.unreadable);
                ap.extend(bp);
                (a, ap)
            },
        );
    (scan, problems)
}

/// False when no object of `text` can be of a kind the inventory reads: none of their names
/// occurs in it (a YAML alias or a JSON string names the kind literally too), and no escape
/// sequence could spell one. Such a text need not be parsed in the first pass.
fn may_hold_inventory(text: &str) -> bool {
    text.contains('\\') || INVENTORY_KINDS.iter().any(|k| text.contains(k.kind))
}

/// What the first pass parses of a text.
#[derive(Debug, PartialEq, Eq)]
enum ToParse {
    /// No document can hold an inventory object.
    Nothing,
    /// The text as it is.
    Whole,
    /// The text with the documents that cannot hold one blanked.
    Blanked(String),
}

/// What the first pass parses of `text`: only the documents that may hold an inventory object.
/// A multi-document file often holds one Namespace or Ingress among many workloads and CRDs (on
/// the corpus, the inventory documents are 7% of the text). A document cannot hold one when its
/// column-0 `kind:` plainly names another kind ([`of_another_kind`]) or its text names no
/// inventory kind ([`may_hold_inventory`]). A blanked document keeps only its `---` marker and its
/// line breaks, so the documents kept are parsed at the same lines, columns and document numbers
/// as in the whole text (positions hold no byte offsets); a blanked first document with content
/// becomes `~` (still a document). When documents cannot be told apart by their `---` markers
/// alone (directives `%`, document end markers `...`, a byte order mark), the whole text is
/// parsed if it names an inventory kind.
fn inventory_documents(text: &str) -> ToParse {
    // A text that names no inventory kind has no document that does: no need to split it.
    if !may_hold_inventory(text) {
        return ToParse::Nothing;
    }
    if text.starts_with('\u{feff}') {
        return ToParse::Whole;
    }
    // Byte offsets where each document's text begins: 0, then every `---` marker line.
    let mut starts = vec![0];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let marker = |m: &str| {
            line.strip_prefix(m)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']))
        };
        if line.starts_with('%') || marker("...") {
            return ToParse::Whole;
        }
        if marker("---") && offset > 0 {
            starts.push(offset);
        }
        offset += line.len();
    }
    starts.push(text.len());
    let docs: Vec<&str> = starts.windows(2).map(|r| &text[r[0]..r[1]]).collect();
    let kept: Vec<bool> = docs
        .iter()
        .map(|d| !of_another_kind(d) && may_hold_inventory(d))
        .collect();
    if !kept.contains(&true) {
        return ToParse::Nothing;
    }
    if !kept.contains(&false) {
        return ToParse::Whole;
    }
    let mut out = String::with_capacity(text.len());
    for (i, (doc, keep)) in docs.iter().zip(kept).enumerate() {
        if keep {
            out.push_str(doc);
            continue;
        }
        let marker = if doc.starts_with("---") { 3 } else { 0 };
        out.push_str(&doc[..marker]);
        if i == 0 && marker == 0 && has_content(doc) {
            out.push('~');
        }
        for b in doc[marker..].bytes() {
            if b == b'\n' || b == b'\r' {
                out.push(char::from(b));
            }
        }
    }
    ToParse::Blanked(out)
}

/// Whether a document's text shows that its object is of a kind the inventory does not read
/// (and is no `List`, whose items may be): a block mapping at column 0 whose keys there are plain
/// scalars, exactly one of them `kind` with a plain value that names no inventory kind. Any other
/// shape (flow or JSON, quoted or complex keys, anchors, aliases and tags at column 0, a `kind`
/// value that is quoted, aliased or tagged) is not shown to be another kind, and is parsed.
fn of_another_kind(doc: &str) -> bool {
    let mut kind = None;
    for line in doc.lines() {
        let Some(first) = line.chars().next() else {
            continue;
        };
        if first == ' ' || first == '#' {
            continue;
        }
        if let Some(rest) = line.strip_prefix("---") {
            if !blank_or_comment(rest) {
                return false;
            }
            continue;
        }
        if !(first.is_ascii_alphanumeric() || first == '_') {
            return false;
        }
        let Some(rest) = line.strip_prefix("kind") else {
            continue;
        };
        let Some(value) = rest.strip_prefix(':') else {
            return false;
        };
        let value = value.trim_start_matches([' ', '\t']);
        let end = value
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(value.len());
        let (name, after) = value.split_at(end);
        if kind.is_some() || name.is_empty() || !blank_or_comment(after) {
            return false;
        }
        kind = Some(name);
    }
    kind.is_some_and(|k| !k.ends_with("List") && INVENTORY_KINDS.iter().all(|i| i.kind != k))
}

/// Whether the rest of a line is blank or a comment (`#` after a blank).
fn blank_or_comment(rest: &str) -> bool {
    let t = rest.trim_start_matches([' ', '\t', '\r']);
    t.is_empty() || (t.starts_with('#') && t.len() < rest.len())
}

/// Whether a YAML text before any `---` marker is a document: it has a line that is neither
/// blank nor a comment.
fn has_content(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        !t.is_empty() && !t.starts_with('#')
    })
}

/// What the checks of a run of consecutive objects produced, in object order.
#[derive(Default)]
pub(crate) struct Checked {
    pub(crate) objects: usize,
    pub(crate) findings: Vec<Finding>,
    /// Rule errors.
    pub(crate) problems: Vec<Problem>,
    /// Loader notes.
    pub(crate) notes: Vec<Problem>,
    /// Unreadable sources and broken documents (reported after the rule errors).
    pub(crate) input_problems: Vec<Problem>,
    /// The kinds of the objects.
    pub(crate) kinds: BTreeSet<String>,
}

impl Checked {
    pub(crate) fn add(
        &mut self,
        o: &Object,
        (f, p, n): (Vec<Finding>, Vec<Problem>, Vec<Problem>),
    ) {
        self.objects += 1;
        if !self.kinds.contains(&o.reference.kind) {
            self.kinds.insert(o.reference.kind.clone());
        }
        self.findings.extend(f);
        self.problems.extend(p);
        self.notes.extend(n);
    }

    /// These results followed by `later`'s.
    pub(crate) fn append(mut self, later: Checked) -> Checked {
        self.objects += later.objects;
        self.findings.extend(later.findings);
        self.problems.extend(later.problems);
        self.notes.extend(later.notes);
        self.input_problems.extend(later.input_problems);
        self.kinds.extend(later.kinds);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_without_inventory_kinds_are_not_parsed() {
        assert!(!may_hold_inventory(
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, namespace: b}\n"
        ));
        assert!(may_hold_inventory(
            "{\"apiVersion\": \"v1\", \"kind\": \"Namespace\"}"
        ));
        assert!(may_hold_inventory("kind: \"Na\\x6Despace\"\n"));
    }

    /// The inventory objects of `text` as the first pass sees them: document, item, reference,
    /// value, every position and every YAML note.
    fn inventory_objects(text: &str) -> Vec<String> {
        let (objects, _) = objects_from_source(&Source::new("f.yaml", text));
        objects
            .iter()
            .filter(|o| INVENTORY_KINDS.iter().any(|k| k.kind == o.reference.kind))
            .map(|o| {
                format!(
                    "{} {:?} {:?} {} {:?} {:?}",
                    o.document, o.item, o.reference, o.value, o.positions, o.notes
                )
            })
            .collect()
    }

    fn same_inventory_objects(text: &str) {
        let whole = inventory_objects(text);
        match inventory_documents(text) {
            ToParse::Whole => {}
            ToParse::Nothing => assert_eq!(whole, Vec::<String>::new(), "{text:?}"),
            ToParse::Blanked(masked) => {
                let breaks = |t: &str| t.matches(['\n', '\r']).count();
                assert_eq!(breaks(&masked), breaks(text), "{text:?}");
                assert_eq!(
                    inventory_objects(&masked),
                    whole,
                    "{text:?}\n->\n{masked:?}"
                );
            }
        }
    }

    #[test]
    fn blanked_documents_leave_the_inventory_objects_where_they_were() {
        let ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: acme-prod\n";
        let ing = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: acme-prod}\nspec:\n  rules:\n  - host: \"erp.example\"\n";
        let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: acme-prod}\ndata:\n  k: |\n    multi\n    line ü\n";
        let cases = [
            format!("{cm}---\n{ns}---\n{cm}---\n{ing}"),
            format!("# leading comment\n---\n{cm}---\n{ing}"),
            format!("---\n{cm}---\n---\n{ns}"),
            format!("{cm}--- \n{ns}\r\n---\r\n{cm}"),
            "--- {kind: ConfigMap}\n--- {apiVersion: v1, kind: Namespace, metadata: {name: x}}\n"
                .to_string(),
            format!("{cm}---\n{ing}---\n{cm}"),
            format!("kind: List\nitems: []\n---\n{ns}"),
            format!("{cm}---\nbroken: [\n---\n{ns}"),
            format!("{cm}---\n{ns}...\n---\n{cm}"),
            format!("%YAML 1.2\n---\n{cm}---\n{ns}"),
            // Shapes that are not shown to be another kind, and are parsed.
            format!("{cm}---\nkind: ConfigMapList\nitems:\n- {{apiVersion: v1, kind: Namespace, metadata: {{name: l}}}}\n"),
            format!("{cm}---\nx: &k Namespace\nkind: *k\nmetadata: {{name: a}}\n---\n{cm}"),
            format!("{cm}---\nkind: !!str Namespace\nmetadata: {{name: a}}\n---\n{cm}"),
            format!("{cm}---\n\"kind\": Namespace\nmetadata: {{name: a}}\n"),
            format!("{cm}---\nkind: ConfigMap\nkind: Namespace\nmetadata: {{name: a}}\n"),
            format!("{cm}---\n{{\"kind\": \"Namespace\", \"metadata\": {{\"name\": \"j\"}}}}\n"),
            format!("{cm}---\n  kind: Namespace\n  metadata: {{name: a}}\n"),
            format!("{cm}---\nkind: ConfigMap#Namespace\n"),
            format!("{cm}---\n? kind\n: Namespace\nmetadata: {{name: a}}\n"),
        ];
        for text in &cases {
            same_inventory_objects(text);
        }
        let blanked = |text: &str| match inventory_documents(text) {
            ToParse::Blanked(masked) => Some(masked),
            _ => None,
        };
        assert!(blanked(&cases[0]).is_some());
        for text in &cases[10..] {
            let masked = blanked(text).unwrap_or_default();
            let second = text[cm.len()..].split("---\n").nth(1).unwrap_or_default();
            assert!(
                !second.is_empty() && masked.contains(second),
                "the second document is parsed: {masked:?}"
            );
        }
        assert_eq!(
            inventory_documents(&cases[8]),
            ToParse::Whole,
            "`...` parses whole"
        );
        assert_eq!(
            inventory_documents(&cases[9]),
            ToParse::Whole,
            "directives parse whole"
        );
        assert_eq!(inventory_documents(ns), ToParse::Whole, "nothing to blank");
        assert_eq!(
            inventory_documents(&format!("{cm}---\n{cm}")),
            ToParse::Nothing
        );
        assert_eq!(
            inventory_documents("{\"kind\": \"ConfigMap\"}"),
            ToParse::Nothing,
            "names no inventory kind"
        );
    }

    #[test]
    fn blanked_documents_leave_the_inventory_objects_of_every_fixture_unchanged() {
        // Every file under `dir`; with `manifests`, only YAML and JSON ones.
        fn walk(dir: &std::path::Path, manifests: bool, out: &mut Vec<std::path::PathBuf>) {
            for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, manifests, out);
                } else if !manifests
                    || p.extension()
                        .is_some_and(|x| x == "yaml" || x == "yml" || x == "json")
                {
                    out.push(p);
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in ["tests/fixtures", "examples", "crates/lint-cli/tests"] {
            walk(&root.join(dir), true, &mut files);
        }
        // The YAML fuzz target's corpus and regressions: crafted streams of every shape.
        for dir in ["fuzz/corpus/yaml_loader", "fuzz/regressions"] {
            walk(&root.join(dir), false, &mut files);
        }
        let mut blanked = 0;
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            if matches!(inventory_documents(&text), ToParse::Blanked(_)) {
                blanked += 1;
            }
            same_inventory_objects(&text);
        }
        assert!(blanked > 20, "only {blanked} files had documents to blank");
    }

    #[test]
    fn unreadable_sources_are_remembered_in_order() {
        struct Flaky;
        impl SourceSet for Flaky {
            fn count(&self) -> usize {
                5
            }
            fn read(&self, index: usize) -> Result<Cow<'_, Source>, Problem> {
                if index % 2 == 1 {
                    return Err(Problem::file(&format!("f{index}"), "unreadable"));
                }
                Ok(Cow::Owned(Source::new(
                    format!("f{index}"),
                    format!("apiVersion: v1\nkind: Namespace\nmetadata: {{name: ns{index}}}\n"),
                )))
            }
        }
        let (scan, problems) = scan(&Flaky);
        assert_eq!(scan.unreadable, vec![1, 3]);
        assert_eq!(
            problems.iter().map(|p| p.file.as_str()).collect::<Vec<_>>(),
            vec!["f1", "f3"]
        );
        assert_eq!(scan.readable(5), 3);
        let names: std::collections::BTreeSet<_> =
            scan.inventory.namespace_names().into_iter().collect();
        assert_eq!(names.len(), 3);
    }
}
