//! Lint runs: the streaming two-pass run over sources, and a run over parsed objects.

use std::borrow::Cow;

use rayon::prelude::*;
use serde_json::Value;

use super::{Linter, Report};
use crate::finding::Finding;
use crate::inventory::{Inventory, InventoryBuilder};
use crate::object::{objects_from_source, Object};
use crate::problem::Problem;
use crate::scan::{scan, Checked, Scan, SourceSet};
use crate::source::Source;

impl Linter {
    /// Lint sources in two streaming passes (see [`crate::scan`]): the inventory first, then
    /// each source parsed again and evaluated.
    pub fn lint_sources(&self, sources: &[Source]) -> Report {
        // The other workers' pack copies compile while the first pass parses, not when each
        // worker meets its first object (which left one thread evaluating alone meanwhile).
        let ((scan, _), ()) = rayon::join(|| scan(sources), || self.prepare());
        self.lint_scanned(sources, &scan)
    }

    /// Compile the pack copies of the other worker threads now (each compiles on its first
    /// object otherwise); run it beside [`scan`].
    pub fn prepare(&self) {
        self.evaluator.compile_thread_copies();
    }

    /// The second pass over `sources`, which [`scan`] scanned: each readable source is read and
    /// parsed again, and its objects evaluated against the scanned inventory and dropped.
    pub fn lint_scanned<S: SourceSet + ?Sized>(&self, sources: &S, scan: &Scan) -> Report {
        let per_source = std::sync::Mutex::new(Vec::new());
        let mut report = self.judge(sources, scan, scan.inventory.clone(), &|i, found| {
            per_source
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push((i, found));
        });
        let mut per_source = per_source
            .into_inner()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        per_source.sort_by_key(|(i, _)| *i);
        let expired = std::mem::take(&mut report.findings);
        report.findings = per_source.into_iter().flat_map(|(_, f)| f).collect();
        report
            .findings
            .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        report.findings.extend(expired);
        report
    }

    /// The second pass as [`Self::lint_scanned`] runs it, without keeping the findings: those of
    /// each readable source are handed to `each` with the source's index as soon as the source is
    /// judged (from worker threads, in no particular order), sorted by file, document, line,
    /// column, rule and message (ties in object order). The report's `findings` hold only the
    /// findings of no source: the config exemptions past their expiry, which
    /// [`Self::lint_scanned`] puts after the sorted findings. The scan's inventory is taken (left
    /// empty) instead of copied, so a run holds one inventory.
    pub fn lint_scanned_each<S: SourceSet + ?Sized>(
        &self,
        sources: &S,
        scan: &mut Scan,
        each: &(dyn Fn(usize, Vec<Finding>) + Sync),
    ) -> Report {
        let inventory = std::mem::take(&mut scan.inventory);
        self.judge(sources, scan, inventory, each)
    }

    /// The second pass over `sources` with `inventory` (built by the first pass): the report
    /// holds the expired exemptions as findings; each source's findings go to `each`.
    fn judge<S: SourceSet + ?Sized>(
        &self,
        sources: &S,
        scan: &Scan,
        inventory: InventoryBuilder,
        each: &(dyn Fn(usize, Vec<Finding>) + Sync),
    ) -> Report {
        let inventory = inventory.finish(self.resolver());
        let done = std::sync::atomic::AtomicUsize::new(0);
        let results = (0..sources.count())
            .into_par_iter()
            .fold(Checked::default, |mut acc, i| {
                if scan.is_readable(i) {
                    match sources.read(i) {
                        Ok(source) => each(i, self.judge_source(source, &inventory, &mut acc)),
                        Err(p) => acc.input_problems.push(p),
                    }
                    if let Some(p) = &self.options.progress {
                        p(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                    }
                }
                acc
            })
            .reduce(Checked::default, Checked::append);
        let kinds = results.kinds.clone();
        let mut report = into_report(results, self.waiting_note(&kinds, &inventory));
        report.files = scan.readable(sources.count());
        report.findings.extend(self.expired_exemptions());
        report.problems.sort_by(|a, b| {
            (&a.file, a.document, a.line, a.column).cmp(&(&b.file, b.document, b.line, b.column))
        });
        report
    }

    /// Parse `source` and judge its objects into `acc` (problems, notes, counts); its findings,
    /// sorted, are returned.
    fn judge_source(
        &self,
        source: Cow<'_, Source>,
        inventory: &Inventory,
        acc: &mut Checked,
    ) -> Vec<Finding> {
        let (objects, problems) = objects_from_source(&source);
        drop(source);
        acc.input_problems.extend(problems);
        let mut findings = Vec::new();
        for o in objects {
            let (f, p, n) = self.check_and_note(&o, inventory);
            findings.extend(f);
            acc.add(&o, (Vec::new(), p, n));
        }
        findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        findings
    }

    /// Lint objects that are already parsed.
    pub fn lint_objects(&self, objects: &[Object]) -> Report {
        let inventory = self.inventory(objects);
        let results = objects
            .par_iter()
            .fold(Checked::default, |mut acc, o| {
                acc.add(o, self.check_and_note(o, &inventory));
                acc
            })
            .reduce(Checked::default, Checked::append);
        let kinds = results.kinds.clone();
        into_report(results, self.waiting_note(&kinds, &inventory))
    }

    /// Findings and problems of one object, and its loader notes.
    fn check_and_note(
        &self,
        o: &Object,
        inventory: &Inventory,
    ) -> (Vec<Finding>, Vec<Problem>, Vec<Problem>) {
        let (mut findings, problems) = self.check_object(o, inventory);
        if !self.options.keep_details {
            for f in &mut findings {
                f.details = Value::Null;
            }
        }
        let notes = o
            .notes
            .iter()
            .map(|n| {
                Problem::at(
                    &o.file,
                    o.document,
                    n.position.line,
                    n.position.column,
                    &n.message,
                )
                .with_path(n.pointer.clone())
            })
            .collect();
        (findings, problems, notes)
    }
}

/// One report from `checked`, findings sorted, with the run's `note` after the loader notes.
fn into_report(checked: Checked, note: Option<Problem>) -> Report {
    let mut report = Report {
        objects: checked.objects,
        findings: checked.findings,
        problems: checked.problems,
        notes: checked.notes,
        ..Report::default()
    };
    report.problems.extend(checked.input_problems);
    report.notes.extend(note);
    report
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report
}
