//! The linter: sources → objects → inventory → evaluation (`eval`) → report. Parsing
//! and evaluation run in parallel; each object is checked by the `Evaluator`.

mod codec;
mod features;
mod run;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use self::features::{selected, waiting_rules, Feature};
use crate::calendar::Calendars;
use crate::config::ValidConfig;
use crate::engine::CompiledPack;
use crate::eval::{Evaluator, Request, Settings};
use crate::finding::{Finding, Severity};
use crate::imagefacts::ImageFacts;
use crate::inventory::Inventory;
use crate::object::Object;
use crate::pack::{PolicyPack, RuleMeta};
use crate::problem::Problem;
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
    /// Keep each finding's rule-specific `details` in the report (default). The CLI's outputs
    /// never show them, so it drops them: on large inputs they were most of the findings' memory.
    pub keep_details: bool,
    /// Where compiled programs are kept between runs (`engine::default_cache_dir` is the
    /// CLI's); `None` (the default): compile every time.
    pub compile_cache: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for LintOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LintOptions")
            .field("select", &self.select)
            .field("ignore", &self.ignore)
            .field("now", &self.now)
            .field("strict", &self.strict)
            .field("environment", &self.environment)
            .field("keep_details", &self.keep_details)
            .field("compile_cache", &self.compile_cache)
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
            keep_details: true,
            compile_cache: None,
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
    /// Rules left off, or run only for an inventory that uses their feature, because the config
    /// does not turn the feature on (`FEATURE_RULES`).
    waiting: Vec<(&'static str, Feature)>,
}

impl Linter {
    /// Compile `pack` for `config` and `options`.
    pub fn new(
        pack: PolicyPack,
        config: ValidConfig,
        options: LintOptions,
    ) -> Result<Linter, Error> {
        check_selection(&pack, &options)?;
        // The config moves into the evaluator: its selection is copied for the closure.
        let cfg_select = config.config.rules.select.clone();
        let cfg_ignore = config.config.rules.ignore.clone();
        let cc = &config.config.change_control;
        let change_control =
            cc.ticket_pattern.is_some() || cc.ticket_tiers.is_some() || !cc.calendars.is_empty();
        let tenancy = config.config.tenancy.is_configured();
        let waiting = waiting_rules(&cfg_select, &options.select, tenancy, change_control);
        // Change control waits for the config alone, so its rules are not even compiled; tenancy
        // rules are, since the inventory may turn them on.
        let enabled = |m: &RuleMeta| {
            selected(m, &cfg_select, &cfg_ignore)
                && selected(m, &options.select, &options.ignore)
                && !waiting
                    .iter()
                    .any(|(id, f)| *id == m.id && *f == Feature::ChangeControl)
        };
        let settings = Settings {
            now: options.now,
            strict: options.strict,
            environment: options.environment.clone(),
            image_facts: options.image_facts.clone(),
            compile_cache: options.compile_cache.clone(),
        };
        let evaluator = Evaluator::new(pack, config, enabled, settings)?;
        let waiting = waiting
            .into_iter()
            .filter(|(id, _)| {
                let meta = evaluator.pack().rule(id);
                meta.is_some_and(|m| {
                    selected(m, &cfg_select, &cfg_ignore)
                        && selected(m, &options.select, &options.ignore)
                })
            })
            .collect();
        Ok(Linter {
            evaluator,
            options,
            waiting,
        })
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
        let (mut findings, problems) = self.evaluator.check(object, inventory, request);
        if !self.waiting.is_empty() && !findings.is_empty() {
            let off = self.waiting_for(inventory);
            findings.retain(|f| !off.contains(&f.rule.as_str()));
        }
        (findings, problems)
    }

    /// The policy input (docs/policy-input.md; documented field by field as `eval::PolicyInput`), as
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

/// An error naming the first id of `--select` or `--ignore` that is neither a rule nor a domain of
/// `pack`.
fn check_selection(pack: &PolicyPack, options: &LintOptions) -> Result<(), Error> {
    for id in options.select.iter().chain(&options.ignore) {
        let known = id == "*" || pack.has_domain(id) || pack.rule(id).is_some();
        if let (false, Some(now)) = (known, pack.renamed(id)) {
            return Err(Error::Usage(format!(
                "unknown rule or domain `{id}`: renamed `{now}`, use that id"
            )));
        }
        if !known {
            return Err(Error::Usage(format!(
                "unknown rule or domain `{id}`; `plumbline rules` lists rules, domains are {}",
                pack.domains()
                    .iter()
                    .map(|d| d.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
    }
    Ok(())
}

/// Build a linter with the built-in pack and default config (embedding convenience).
pub fn default_linter() -> Result<Arc<Linter>, Error> {
    let pack = PolicyPack::builtin()?;
    let config = crate::config::Config::default().validate(&pack)?;
    Ok(Arc::new(Linter::new(pack, config, LintOptions::default())?))
}
