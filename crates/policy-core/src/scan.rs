//! The streaming lint run (docs/architecture.md, "Lint pipeline"). Peak memory must not grow with
//! the input's parsed objects, so no pass keeps them:
//!
//! 1. [`scan`] reads every source, parses it and folds its objects into an [`InventoryBuilder`]
//!    (names, labels, selectors, hosts: what cross-resource rules read), then drops the text
//!    and the objects. Sources that cannot hold an inventory object are not parsed at all.
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
                        if may_hold_inventory(&source.text) {
                            let (objects, _) = objects_from_source(&source);
                            for o in &objects {
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
