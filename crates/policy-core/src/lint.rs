//! The linter: sources → objects → inventory → evaluation (`eval`) → report. Parsing
//! and evaluation run in parallel; each object is checked by the `Evaluator`.

use std::collections::BTreeSet;
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
use crate::scan::{scan, Checked, Scan, SourceSet};
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
    /// Keep each finding's rule-specific `details` in the report (default). The CLI's outputs
    /// never show them, so it drops them: on large inputs they were most of the findings' memory.
    pub keep_details: bool,
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

/// A feature that some rules judge only once it is in use: on unannotated input they would report
/// every object (a change ticket missing on all of them, every Namespace without a tenant).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Feature {
    /// `tenancy:` in plumbline.yaml, or a Namespace in the inventory carrying the tenant label.
    Tenancy,
    /// `changeControl:` in plumbline.yaml.
    ChangeControl,
}

/// The rules that wait for their feature (docs/tenancy.md, "Rules that wait for their
/// configuration"). Naming one by id in `--select` or `rules.select` runs it regardless.
/// The tenancy ones judge only namespaces with a tenant, which without configuration or labels is
/// a guess from the namespace name (`shop-prod` → tenant `shop`).
const FEATURE_RULES: [(&str, Feature); 6] = [
    ("tenant-label-missing", Feature::Tenancy),
    ("tenant-namespace-mismatch", Feature::Tenancy),
    ("cross-tenant-reference", Feature::Tenancy),
    ("namespace-quota-missing", Feature::Tenancy),
    ("namespace-network-policy-missing", Feature::Tenancy),
    ("change-ticket-missing", Feature::ChangeControl),
];

/// Whether some Namespace of `inventory` carries the tenant label: the input set (or the cluster)
/// uses tenancy even when plumbline.yaml does not configure it.
fn labels_tenants(inventory: &Inventory, tenant_label: &str) -> bool {
    inventory.namespaces.values().any(|n| {
        n.labels
            .get(tenant_label)
            .and_then(Value::as_str)
            .is_some_and(|t| !t.trim().is_empty())
    })
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
            let known = id == "*" || pack.has_domain(id) || pack.rule(id).is_some();
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
        // The config moves into the evaluator: its selection is copied for the closure.
        let cfg_select = config.config.rules.select.clone();
        let cfg_ignore = config.config.rules.ignore.clone();
        let cc = &config.config.change_control;
        let change_control =
            cc.ticket_pattern.is_some() || cc.ticket_tiers.is_some() || !cc.calendars.is_empty();
        let tenancy = config.config.tenancy.is_configured();
        let waiting: Vec<(&'static str, Feature)> = FEATURE_RULES
            .into_iter()
            .filter(|(id, feature)| {
                let named = cfg_select.iter().chain(&options.select).any(|s| s == id);
                let on = match feature {
                    Feature::Tenancy => tenancy,
                    Feature::ChangeControl => change_control,
                };
                !named && !on
            })
            .collect();
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
        let inventory = scan.inventory.clone().finish(self.resolver());
        let done = std::sync::atomic::AtomicUsize::new(0);
        let results = (0..sources.count())
            .into_par_iter()
            .fold(Checked::default, |mut acc, i| {
                if scan.is_readable(i) {
                    match sources.read(i) {
                        Ok(source) => {
                            let (objects, problems) = objects_from_source(&source);
                            drop(source);
                            acc.input_problems.extend(problems);
                            for o in objects {
                                acc.add(&o, self.check_and_note(&o, &inventory));
                            }
                        }
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

    /// Rules that wait for their feature and are off for `inventory`.
    fn waiting_for(&self, inventory: &Inventory) -> Vec<&'static str> {
        let mut tenant_labels = None;
        self.waiting
            .iter()
            .filter(|(_, f)| match f {
                Feature::ChangeControl => true,
                Feature::Tenancy => !*tenant_labels.get_or_insert_with(|| {
                    labels_tenants(inventory, self.resolver().tenant_label())
                }),
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// One note per run (not per object) naming the rules that waited for their configuration
    /// and would have judged some object here, and how to turn them on.
    fn waiting_note(&self, kinds: &BTreeSet<String>, inventory: &Inventory) -> Option<Problem> {
        let off = self.waiting_for(inventory);
        let applies = |id: &str| {
            self.pack()
                .rule(id)
                .is_some_and(|m| kinds.iter().any(|k| m.applies_to(k)))
        };
        let group = |feature: Feature| -> Vec<&str> {
            self.waiting
                .iter()
                .filter(|(id, f)| *f == feature && off.contains(id) && applies(id))
                .map(|(id, _)| *id)
                .collect()
        };
        let (tenancy, change) = (group(Feature::Tenancy), group(Feature::ChangeControl));
        let mut parts = Vec::new();
        if !change.is_empty() {
            parts.push(format!("{} (add `changeControl:`)", change.join(", ")));
        }
        if !tenancy.is_empty() {
            parts.push(format!(
                "{} (add `tenancy:`, or label a Namespace {})",
                tenancy.join(", "),
                self.resolver().tenant_label()
            ));
        }
        if parts.is_empty() {
            return None;
        }
        let config = &self.config().config.path;
        let file = if config.is_empty() {
            crate::config::FILE_NAME
        } else {
            config.as_str()
        };
        Some(Problem::file(
            file,
            format!(
                "not run until configured: {} (docs/tenancy.md)",
                parts.join("; ")
            ),
        ))
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

/// Build a linter with the built-in pack and default config (embedding convenience).
pub fn default_linter() -> Result<Arc<Linter>, Error> {
    let pack = PolicyPack::builtin()?;
    let config = crate::config::Config::default().validate(&pack)?;
    Ok(Arc::new(Linter::new(pack, config, LintOptions::default())?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;

    const UNANNOTATED: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop-prod}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings, namespace: shop-prod}
data: {a: b}
---
apiVersion: v1
kind: Namespace
metadata: {name: erp}
"#;

    fn lint(config: &str, select: &[&str], text: &str) -> Report {
        let pack = PolicyPack::builtin().expect("pack");
        let config = Config::parse(config, "plumbline.yaml")
            .expect("config")
            .validate(&pack)
            .expect("valid");
        let options = LintOptions {
            select: select.iter().map(|s| s.to_string()).collect(),
            ..LintOptions::default()
        };
        let linter = Linter::new(pack, config, options).expect("linter");
        linter.lint_sources(&[Source::new("in.yaml", text)])
    }

    fn fired(r: &Report, rule: &str) -> usize {
        r.findings.iter().filter(|f| f.rule == rule).count()
    }

    /// Unconfigured change control and tenancy report nothing, and say so once per run.
    #[test]
    fn feature_rules_wait_for_their_configuration_and_say_so_once() {
        let r = lint("version: 1\n", &[], UNANNOTATED);
        for rule in [
            "change-ticket-missing",
            "tenant-label-missing",
            "namespace-quota-missing",
        ] {
            assert_eq!(fired(&r, rule), 0, "{rule}: {:?}", r.findings);
        }
        let notes: Vec<_> = r
            .notes
            .iter()
            .filter(|n| n.message.starts_with("not run until configured"))
            .collect();
        assert_eq!(notes.len(), 1, "{:?}", r.notes);
        let m = &notes[0].message;
        assert!(
            m.contains("change-ticket-missing (add `changeControl:`)"),
            "{m}"
        );
        assert!(m.contains("tenant-label-missing"), "{m}");
        assert!(m.contains("label a Namespace plumbline.dev/tenant"), "{m}");
    }

    /// Opt-in rules are off by their parameter: `odoo:17` passes until
    /// params.images.requireVersionedTags turns image-tag-unversioned on.
    #[test]
    fn opt_in_rules_report_nothing_until_their_parameter_is_set() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: odoo}\nspec:\n  containers:\n  - {name: odoo, image: 'odoo:17'}\n";
        let r = lint("version: 1\n", &[], pod);
        assert_eq!(fired(&r, "image-tag-unversioned"), 0, "{:?}", r.findings);
        let on = "version: 1\nparams: {images: {requireVersionedTags: true}}\n";
        let r = lint(on, &[], pod);
        assert_eq!(fired(&r, "image-tag-unversioned"), 1, "{:?}", r.findings);
    }

    /// Configured (or labelled, or named by id), they run as before and no note is given.
    #[test]
    fn feature_rules_run_once_configured_labelled_or_selected() {
        let cc = "version: 1\nchangeControl: {ticketTiers: [dedicated]}\n";
        let r = lint(cc, &[], UNANNOTATED);
        // The ConfigMap in shop-prod (production by its name): Namespaces need no ticket.
        assert_eq!(fired(&r, "change-ticket-missing"), 1, "{:?}", r.findings);
        let r = lint("version: 1\n", &["change-ticket-missing"], UNANNOTATED);
        assert_eq!(fired(&r, "change-ticket-missing"), 1, "{:?}", r.findings);
        assert!(r.notes.is_empty(), "{:?}", r.notes);

        let tenancy = "version: 1\ntenancy: {tenantLabel: plumbline.dev/tenant}\n";
        let r = lint(tenancy, &[], UNANNOTATED);
        assert_eq!(fired(&r, "tenant-label-missing"), 2, "{:?}", r.findings);
        assert_eq!(fired(&r, "namespace-quota-missing"), 2, "{:?}", r.findings);
        let labelled = format!(
            "{UNANNOTATED}---\napiVersion: v1\nkind: Namespace\nmetadata: {{name: acme, labels: {{plumbline.dev/tenant: acme}}}}\n"
        );
        let r = lint("version: 1\n", &[], &labelled);
        assert_eq!(fired(&r, "tenant-label-missing"), 2, "{:?}", r.findings);
        assert!(
            r.notes
                .iter()
                .all(|n| !n.message.contains("tenant-label-missing")),
            "{:?}",
            r.notes
        );
    }
}
