//! The policy pack's fixture suite, shared by `plumbline test` and the test suite.
//!
//! Layout: `<fixtures>/<domain>/<rule-id>/` holds `pass*.yaml` and `fail*.yaml`, and optionally a
//! `plumbline.yaml` used for that rule's cases. Expectations, checked with only that rule enabled:
//! - in a `fail*` file, every object the rule applies to gets at least one finding of the rule,
//!   located at a field that exists in the object (or the parent of a missing field);
//! - in a `pass*` file, no object gets one;
//! - objects annotated `plumbline.dev/fixture: context` (a Namespace, a Middleware the case needs)
//!   are not judged;
//! - no rule fails to evaluate on any fixture.
//!
//! Completeness: every rule has pass and fail files; a rule on workloads has, among both its pass
//! and its fail objects, a Pod and a pod controller.
//!
//! A fixture folder with a `layout/` directory (an OCI image layout of images and signatures) is
//! run with image facts from a verifier built by the suite's [`FactsFactory`] from the folder's
//! `signing:` config and that layout, so signature rules prove both verdicts without a registry.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::imagefacts::ImageFacts;

/// Builds image facts for a fixture folder: (signing config, folder, layout dir).
pub type FactsFactory<'a> =
    &'a dyn Fn(&serde_json::Value, &Path, &Path) -> Result<Arc<dyn ImageFacts>, String>;

use crate::config::Config;
use crate::lint::{LintOptions, Linter};
use crate::object::{objects_from_source, Object};
use crate::pack::{PolicyPack, RuleMeta, WORKLOAD_KINDS};
use crate::source::Source;

/// Annotation that marks a fixture object as context, not judged.
pub const CONTEXT_ANNOTATION: &str = "plumbline.dev/fixture";

/// The instant fixtures are evaluated at, so expiry dates in fixtures are stable.
pub const FIXTURE_NOW: &str = "2026-11-22T12:00:00Z";

/// The outcome of one fixture file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct CaseResult {
    /// Rule id.
    pub rule: String,
    /// Fixture file.
    pub file: PathBuf,
    /// Objects judged.
    pub judged: usize,
    /// What went wrong (empty when the case passed).
    pub failures: Vec<String>,
}

/// The outcome of a whole suite.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SuiteReport {
    /// One entry per fixture file.
    pub cases: Vec<CaseResult>,
    /// Completeness failures (a rule without fixtures, …).
    pub incomplete: Vec<String>,
}

impl SuiteReport {
    /// True when every case passed and the suite is complete.
    pub fn ok(&self) -> bool {
        self.incomplete.is_empty() && self.cases.iter().all(|c| c.failures.is_empty())
    }
}

/// Run the fixtures of every rule of `pack` (or only `only`, when given).
pub fn run_suite(pack: &PolicyPack, fixtures: &Path, only: Option<&str>) -> SuiteReport {
    run_suite_with(pack, fixtures, only, None)
}

/// [`run_suite`] with a factory for image facts (signature verification).
pub fn run_suite_with(
    pack: &PolicyPack,
    fixtures: &Path,
    only: Option<&str>,
    facts: Option<FactsFactory<'_>>,
) -> SuiteReport {
    let mut report = SuiteReport::default();
    for rule in &pack.rules {
        let meta = &rule.meta;
        if only.is_some_and(|o| o != meta.id && o != meta.domain.as_str()) {
            continue;
        }
        let dir = fixtures.join(meta.domain.as_str()).join(&meta.id);
        run_rule(pack, meta, &dir, facts, &mut report);
    }
    report
}

fn run_rule(
    pack: &PolicyPack,
    meta: &RuleMeta,
    dir: &Path,
    facts: Option<FactsFactory<'_>>,
    report: &mut SuiteReport,
) {
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.flatten().map(|e| e.path()).collect(),
        Err(_) => {
            report
                .incomplete
                .push(format!("{}: no fixture folder {}", meta.id, dir.display()));
            return;
        }
    };
    files.sort();
    let config = match dir.join("plumbline.yaml") {
        p if p.is_file() => Config::load(&p),
        _ => Ok(Config::default()),
    };
    let layout = dir.join("layout");
    let linter = config.and_then(|c| c.validate(pack)).and_then(|c| {
        let image_facts = match facts {
            Some(make) if layout.is_dir() => {
                Some(make(&c.config.signing, dir, &layout).map_err(crate::Error::Usage)?)
            }
            _ => None,
        };
        let opts = LintOptions {
            select: vec![meta.id.clone()],
            now: FIXTURE_NOW
                .parse()
                .unwrap_or_else(|_| jiff::Timestamp::now()),
            image_facts,
            ..LintOptions::default()
        };
        Linter::new(pack.clone(), c, opts)
    });
    if layout.is_dir() && facts.is_none() {
        report.incomplete.push(format!(
            "{}: fixtures need image facts from {} but no verifier was given",
            meta.id,
            layout.display()
        ));
        return;
    }
    let linter = match linter {
        Ok(l) => l,
        Err(e) => {
            report.incomplete.push(format!("{}: {e}", meta.id));
            return;
        }
    };
    let mut kinds = [Vec::new(), Vec::new()]; // [pass, fail]
    for file in files {
        let name = file
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let expect_fail = if name.starts_with("fail") {
            true
        } else if name.starts_with("pass") {
            false
        } else {
            continue;
        };
        if !name.ends_with(".yaml") && !name.ends_with(".yml") && !name.ends_with(".json") {
            continue;
        }
        let case = run_case(
            &linter,
            meta,
            &file,
            expect_fail,
            &mut kinds[usize::from(expect_fail)],
        );
        report.cases.push(case);
    }
    for (i, which) in ["pass", "fail"].iter().enumerate() {
        if kinds[i].is_empty() {
            report.incomplete.push(format!(
                "{}: no {which} fixture with a judged object",
                meta.id
            ));
        } else if meta.kinds.iter().any(|k| k == "workloads") {
            let has_pod = kinds[i].iter().any(|k| k == "Pod");
            let has_controller = kinds[i]
                .iter()
                .any(|k| k != "Pod" && WORKLOAD_KINDS.contains(&k.as_str()));
            if !(has_pod && has_controller) {
                report.incomplete.push(format!(
                    "{}: {which} fixtures need a Pod and a pod controller (have {:?})",
                    meta.id, kinds[i]
                ));
            }
        }
    }
}

fn is_context(o: &Object) -> bool {
    o.value["metadata"]["annotations"][CONTEXT_ANNOTATION].as_str() == Some("context")
}

fn run_case(
    linter: &Linter,
    meta: &RuleMeta,
    file: &Path,
    expect_fail: bool,
    kinds: &mut Vec<String>,
) -> CaseResult {
    let mut result = CaseResult {
        rule: meta.id.clone(),
        file: file.to_path_buf(),
        judged: 0,
        failures: Vec::new(),
    };
    let source = match Source::read(file) {
        Ok(s) => s,
        Err(p) => {
            result.failures.push(p.to_string());
            return result;
        }
    };
    let (objects, problems) = objects_from_source(&source);
    for p in problems {
        result.failures.push(format!("input problem: {p}"));
    }
    let report = linter.lint_objects(&objects);
    for p in &report.problems {
        result.failures.push(format!("rule error: {p}"));
    }
    for o in objects.iter().filter(|o| !is_context(o)) {
        if !meta.applies_to(&o.reference.kind) {
            result.failures.push(format!(
                "{} is not a kind `{}` applies to; annotate it `{CONTEXT_ANNOTATION}: context` if it is context",
                o.reference, meta.id
            ));
            continue;
        }
        result.judged += 1;
        kinds.push(o.reference.kind.clone());
        let found: Vec<_> = report
            .findings
            .iter()
            .filter(|f| f.rule == meta.id && f.object == o.reference && f.document == o.document)
            .collect();
        if expect_fail && found.is_empty() {
            result.failures.push(format!(
                "{} (document {}): expected a `{}` finding, got none",
                o.reference, o.document, meta.id
            ));
        }
        if !expect_fail {
            for f in &found {
                result.failures.push(format!(
                    "{} (line {}): unexpected finding: {}",
                    o.reference, f.line, f.message
                ));
            }
        }
        for f in &found {
            let exists = o.positions.get(&f.path).is_some()
                || f.path
                    .rfind('/')
                    .is_some_and(|i| o.positions.get(&f.path[..i]).is_some());
            if !exists {
                result.failures.push(format!(
                    "{}: finding path `{}` is neither a field of the object nor the parent of one",
                    o.reference, f.path
                ));
            }
            if f.message.trim().is_empty() {
                result
                    .failures
                    .push(format!("{}: empty message", o.reference));
            }
        }
    }
    result
}
