//! The linter: sources → objects → inventory → evaluation (`eval`) → report. Parsing
//! and evaluation run in parallel; each object is checked by the `Evaluator`.

use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::Value;

use crate::calendar::Calendars;
use crate::config::ValidConfig;
use crate::engine::CompiledPack;
use crate::eval::{Evaluator, Request, Settings};
use crate::finding::{Finding, Severity};
use crate::imagefacts::ImageFacts;
use crate::inventory::Inventory;
use crate::object::{objects_from_source, Object};
use crate::pack::{PolicyPack, RuleMeta};
use crate::problem::Problem;
use crate::source::Source;
use crate::tenancy::{Resolved, Resolver};
use crate::Error;

/// Options of one lint run, beyond the config file.
#[derive(Clone)]
#[non_exhaustive]
pub struct LintOptions {
    /// Rule ids or domains to run (empty: as configured).
    pub select: Vec<String>,
    /// Rule ids or domains to skip.
    pub ignore: Vec<String>,
    /// The instant to evaluate as of (expiry dates, freeze windows).
    pub now: jiff::Timestamp,
    /// Ignore in-object suppression annotations.
    pub strict: bool,
    /// Evaluate every object as in this environment (`--environment`).
    pub environment: Option<String>,
    /// Digest and signature facts about images (signature verification), if configured.
    pub image_facts: Option<Arc<dyn ImageFacts>>,
    /// Called with the number of files parsed so far (from worker threads), for progress display.
    pub progress: Option<Arc<dyn Fn(usize) + Send + Sync>>,
}

impl std::fmt::Debug for LintOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LintOptions")
            .field("select", &self.select)
            .field("ignore", &self.ignore)
            .field("now", &self.now)
            .field("strict", &self.strict)
            .field("environment", &self.environment)
            .finish_non_exhaustive()
    }
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            select: Vec::new(),
            ignore: Vec::new(),
            now: jiff::Timestamp::now(),
            strict: false,
            environment: None,
            image_facts: None,
            progress: None,
        }
    }
}

/// The result of a lint run.
#[derive(Debug, Clone, Default, Serialize)]
#[non_exhaustive]
pub struct Report {
    /// Findings, sorted by file, document, line, column, rule.
    pub findings: Vec<Finding>,
    /// Input problems (unreadable files, broken documents, rule errors).
    pub problems: Vec<Problem>,
    /// YAML notes: ambiguous scalars and duplicate keys (they do not fail a run).
    pub notes: Vec<Problem>,
    /// Files read.
    pub files: usize,
    /// Objects checked.
    pub objects: usize,
}

impl Report {
    /// Unsuppressed findings at or above `severity`.
    pub fn count_at_least(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| f.suppressed.is_none() && f.severity >= severity)
            .count()
    }
}

/// A configured, compiled linter. Cheap to share across threads.
#[derive(Debug)]
pub struct Linter {
    evaluator: Evaluator,
    options: LintOptions,
}

fn selected(meta: &RuleMeta, select: &[String], ignore: &[String]) -> bool {
    let hit = |ids: &[String]| {
        ids.iter()
            .any(|s| s == "*" || *s == meta.id || s == meta.domain.as_str())
    };
    (select.is_empty() || hit(select)) && !hit(ignore)
}

impl Linter {
    /// Compile `pack` for `config` and `options`.
    pub fn new(
        pack: PolicyPack,
        config: ValidConfig,
        options: LintOptions,
    ) -> Result<Linter, Error> {
        for id in options.select.iter().chain(&options.ignore) {
            let known = id == "*" || id.parse::<crate::Domain>().is_ok() || pack.rule(id).is_some();
            if !known {
                return Err(Error::Usage(format!(
                    "unknown rule or domain `{id}`; `plumbline rules` lists rules, domains are {}",
                    crate::Domain::ALL.map(|d| d.as_str()).join(", ")
                )));
            }
        }
        // The config moves into the evaluator: its selection is copied for the closure.
        let cfg_select = config.config.rules.select.clone();
        let cfg_ignore = config.config.rules.ignore.clone();
        let enabled = |m: &RuleMeta| {
            selected(m, &cfg_select, &cfg_ignore) && selected(m, &options.select, &options.ignore)
        };
        let settings = Settings {
            now: options.now,
            strict: options.strict,
            environment: options.environment.clone(),
            image_facts: options.image_facts.clone(),
        };
        let evaluator = Evaluator::new(pack, config, enabled, settings)?;
        Ok(Linter { evaluator, options })
    }

    /// The tenant/environment resolver.
    pub fn resolver(&self) -> &Resolver {
        self.evaluator.resolver()
    }

    /// The freeze calendars.
    pub fn calendars(&self) -> &Calendars {
        self.evaluator.calendars()
    }

    /// The configuration.
    pub fn config(&self) -> &ValidConfig {
        self.evaluator.config()
    }

    /// The inventory of a set of objects.
    pub fn inventory(&self, objects: &[Object]) -> Inventory {
        Inventory::from_objects(objects, self.resolver())
    }

    /// The environment every object is evaluated as in (`--environment`), if one is forced.
    pub fn forced_environment(&self) -> Option<&str> {
        self.evaluator.forced_environment()
    }

    /// Tenant, environment and tier of an object.
    pub fn resolve(&self, object: &Object, inventory: &Inventory) -> Resolved {
        self.evaluator.resolve(object, inventory)
    }

    /// The pack (all rules, selected or not).
    pub fn pack(&self) -> &PolicyPack {
        self.evaluator.pack()
    }

    /// Rules that run.
    pub fn active_rules(&self) -> &[RuleMeta] {
        self.evaluator.compiled().rules()
    }

    /// The compiled pack.
    pub fn compiled(&self) -> &CompiledPack {
        self.evaluator.compiled()
    }

    /// Stop each evaluation of the shared pack after `limit` of wall-clock time (the rules then
    /// fail with a time-limit error). The webhook sets it so an evaluation that overran the
    /// request's deadline ends and frees its slot instead of running on.
    pub fn set_evaluation_deadline(&mut self, limit: Option<std::time::Duration>) {
        self.evaluator.compiled_mut().set_deadline(limit);
    }

    /// Lint sources: parse in parallel, build the inventory, evaluate in parallel.
    pub fn lint_sources(&self, sources: &[Source]) -> Report {
        let done = std::sync::atomic::AtomicUsize::new(0);
        // The other workers' pack copies compile while the files parse, not when each worker
        // meets its first object (which left one thread evaluating alone meanwhile).
        let (parsed, ()) = rayon::join(
            || {
                sources
                    .par_iter()
                    .map(|s| {
                        let r = objects_from_source(s);
                        if let Some(p) = &self.options.progress {
                            p(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1);
                        }
                        r
                    })
                    .collect::<Vec<(Vec<Object>, Vec<Problem>)>>()
            },
            || self.evaluator.compile_thread_copies(),
        );
        let mut objects = Vec::new();
        let mut problems = Vec::new();
        for (o, p) in parsed {
            objects.extend(o);
            problems.extend(p);
        }
        // The objects are consumed: each is dropped on the worker that evaluated it, instead of
        // all of them on one thread at the end (a tenth of a large run's wall time).
        let mut report = self.lint_owned(objects);
        report.files = sources.len();
        report.findings.extend(self.expired_exemptions());
        report.problems.extend(problems);
        report.problems.sort_by(|a, b| {
            (&a.file, a.document, a.line, a.column).cmp(&(&b.file, b.document, b.line, b.column))
        });
        report
    }

    /// Lint objects that are already parsed.
    pub fn lint_objects(&self, objects: &[Object]) -> Report {
        let inventory = self.inventory(objects);
        let results: Vec<Checked> = objects
            .par_iter()
            .map(|o| self.check_and_note(o, &inventory))
            .collect();
        assemble(objects.len(), results)
    }

    /// [`Self::lint_objects`] on objects it may drop as it goes.
    fn lint_owned(&self, objects: Vec<Object>) -> Report {
        let inventory = self.inventory(&objects);
        let count = objects.len();
        let results: Vec<Checked> = objects
            .into_par_iter()
            .map(|o| self.check_and_note(&o, &inventory))
            .collect();
        assemble(count, results)
    }

    /// Findings and problems of one object, and its loader notes.
    fn check_and_note(&self, o: &Object, inventory: &Inventory) -> Checked {
        let (findings, problems) = self.check_object(o, inventory);
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

    /// The UTC date of `now` (default: the linter's instant). The webhook passes each request's
    /// instant, so an expiry passes while the process runs.
    /// Config exemptions past their expiry (or with an impossible date) no longer apply; they are
    /// reported as `suppression-invalid` findings on the config line, so they get renewed or removed.
    pub fn expired_exemptions(&self) -> Vec<Finding> {
        self.evaluator.expired_exemptions()
    }

    /// Evaluate one object against the rules for its kind, as a CREATE.
    pub fn check_object(
        &self,
        object: &Object,
        inventory: &Inventory,
    ) -> (Vec<Finding>, Vec<Problem>) {
        self.check_object_as(object, inventory, &Request::default())
    }

    /// Evaluate one object within an admission request.
    pub fn check_object_as(
        &self,
        object: &Object,
        inventory: &Inventory,
        request: &Request<'_>,
    ) -> (Vec<Finding>, Vec<Problem>) {
        self.evaluator.check(object, inventory, request)
    }

    /// The policy input of DESIGN.md §3 (documented field by field as `eval::PolicyInput`), as
    /// JSON (for inspection: the same value evaluation builds in the engine's value type).
    pub fn build_input(
        &self,
        object: &Object,
        inventory: &Inventory,
        request: &Request<'_>,
    ) -> Value {
        self.evaluator.input_json(object, inventory, request)
    }
}

/// What one object's check produced: findings, problems, loader notes.
type Checked = (Vec<Finding>, Vec<Problem>, Vec<Problem>);

/// One report from per-object results (in object order), findings sorted.
fn assemble(objects: usize, results: Vec<Checked>) -> Report {
    let mut report = Report {
        objects,
        ..Report::default()
    };
    for (f, p, n) in results {
        report.findings.extend(f);
        report.problems.extend(p);
        report.notes.extend(n);
    }
    report
        .findings
        .sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    report
}

/// Build a linter with the built-in pack and default config (embedding convenience).
pub fn default_linter() -> Result<Arc<Linter>, Error> {
    let pack = PolicyPack::builtin()?;
    let config = crate::config::Config::default().validate(&pack)?;
    Ok(Arc::new(Linter::new(pack, config, LintOptions::default())?))
}
