//! The linter: sources → objects → policy input → evaluation → findings, with suppressions.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::calendar::{rfc3339, Calendars, Window};
use crate::config::{glob_match, ValidConfig};
use crate::engine::CompiledPack;
use crate::finding::{Domain, Finding, Severity, Suppression, SuppressionKind};
use crate::imagefacts::{ImageContext, ImageFacts};
use crate::inventory::Inventory;
use crate::object::{objects_from_source, Object};
use crate::pack::{PolicyPack, RuleMeta};
use crate::problem::Problem;
use crate::source::Source;
use crate::tenancy::{Resolved, Resolver, Tier};
use crate::{image, suppress, Error};

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

/// The admission request around an object (the linter checks every object as a CREATE).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request<'a> {
    /// CREATE, UPDATE, DELETE or CONNECT.
    pub operation: &'a str,
    /// The object before an UPDATE or DELETE.
    pub old_object: Option<&'a Value>,
    /// `{"username": …, "groups": […]}` of the requester.
    pub user: Value,
    /// The instant to evaluate at (default: the linter's).
    pub now: Option<jiff::Timestamp>,
    /// Who may suppress in-object (admission); None offline.
    pub governance: Option<suppress::Governance<'a>>,
    /// The object's tenant, environment and tier when the caller resolved them already, as
    /// [`Linter::resolve`] would (admission resolves once per request); None: resolved here.
    pub resolved: Option<Resolved>,
    /// The freeze windows active for `resolved` at `now` when the caller computed them already;
    /// None: computed here.
    pub windows: Option<Vec<Window>>,
}

impl Default for Request<'_> {
    fn default() -> Self {
        Request {
            operation: "CREATE",
            old_object: None,
            user: json!({"username": "", "groups": []}),
            now: None,
            governance: None,
            resolved: None,
            windows: None,
        }
    }
}

/// Domains whose errors are lowered to warnings in sandboxes unless the config says otherwise.
const SANDBOX_LENIENT: [Domain; 4] = [
    Domain::PinnedTags,
    Domain::Resources,
    Domain::Availability,
    Domain::ChangeControl,
];

/// A configured, compiled linter. Cheap to share across threads.
#[derive(Debug)]
pub struct Linter {
    pack: PolicyPack,
    compiled: CompiledPack,
    /// One more compiled copy per extra rayon worker thread, compiled while a lint run parses
    /// (or on the worker's first object, whichever comes first): regorus values are reference-counted with atomics, so threads sharing one
    /// program's literals contend on their counters. Callers that never evaluate on rayon
    /// workers (the webhook) never compile them. `None`: compiling failed, use `compiled`.
    per_thread: Vec<OnceLock<Option<CompiledPack>>>,
    config: ValidConfig,
    options: LintOptions,
    resolver: Resolver,
    calendars: Calendars,
    ticket_pattern: String,
    ticket_tiers: Vec<Tier>,
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
        let cfg_rules = &config.config.rules;
        let enabled = |m: &RuleMeta| {
            selected(m, &cfg_rules.select, &cfg_rules.ignore)
                && selected(m, &options.select, &options.ignore)
        };
        let compiled = CompiledPack::compile(&pack, &config.params, enabled)?;
        let threads = rayon::current_num_threads().clamp(1, 8);
        let per_thread = (1..threads).map(|_| OnceLock::new()).collect();
        let path = config.config.path.clone();
        let resolver = Resolver::new(&config.config.tenancy, &config.params, &path)?;
        if let Some(env) = &options.environment {
            if resolver.canonical(env).is_none() {
                return Err(Error::Usage(format!(
                    "unknown environment `{env}`; known: {}",
                    resolver.environment_names().join(", ")
                )));
            }
        }
        let cc = &config.config.change_control;
        let calendars = Calendars::new(cc, &path)?;
        let ticket_pattern = cc
            .ticket_pattern
            .clone()
            .unwrap_or_else(|| "^[A-Z][A-Z0-9]+-[0-9]+$".to_string());
        regex::Regex::new(&ticket_pattern).map_err(|e| Error::Config {
            path: path.clone(),
            line: 0,
            message: format!("changeControl.ticketPattern: {e}"),
        })?;
        let ticket_tiers = cc
            .ticket_tiers
            .clone()
            .unwrap_or_else(|| vec![Tier::Dedicated]);
        Ok(Linter {
            pack,
            per_thread,
            compiled,
            config,
            options,
            resolver,
            calendars,
            ticket_pattern,
            ticket_tiers,
        })
    }

    /// The tenant/environment resolver.
    pub fn resolver(&self) -> &Resolver {
        &self.resolver
    }

    /// The freeze calendars.
    pub fn calendars(&self) -> &Calendars {
        &self.calendars
    }

    /// The configuration.
    pub fn config(&self) -> &ValidConfig {
        &self.config
    }

    /// The inventory of a set of objects.
    pub fn inventory(&self, objects: &[Object]) -> Inventory {
        Inventory::from_objects(objects, &self.resolver)
    }

    /// The environment every object is evaluated as in (`--environment`), if one is forced.
    pub fn forced_environment(&self) -> Option<&str> {
        self.options.environment.as_deref()
    }

    /// Tenant, environment and tier of an object.
    pub fn resolve(&self, object: &Object, inventory: &Inventory) -> Resolved {
        let ns = self.namespace_of(object);
        let labels = inventory.namespaces.get(&ns).map(|n| &n.labels);
        let labels = if object.reference.kind == "Namespace" {
            object.value["metadata"]["labels"].as_object().or(labels)
        } else {
            labels
        };
        self.resolver
            .resolve(&ns, labels, self.options.environment.as_deref())
    }

    fn namespace_of(&self, object: &Object) -> String {
        if object.reference.kind == "Namespace" && object.reference.namespace.is_empty() {
            object.reference.name.clone()
        } else {
            object.reference.namespace.clone()
        }
    }

    /// Effective severity of a rule's finding in a tier, before a violation's own cap.
    fn severity(&self, meta: &RuleMeta, tier: Tier) -> Severity {
        let rules = &self.config.config.rules;
        let base = rules
            .severity
            .get(&meta.id)
            .copied()
            .unwrap_or(meta.severity);
        if let Some(t) = rules.tiers.get(tier.as_str()) {
            if let Some(s) = t.get(&meta.id).or_else(|| t.get(meta.domain.as_str())) {
                return *s;
            }
        }
        if tier == Tier::Sandbox
            && SANDBOX_LENIENT.contains(&meta.domain)
            && !rules.severity.contains_key(&meta.id)
        {
            return base.min(Severity::Warning);
        }
        base
    }

    /// The pack (all rules, selected or not).
    pub fn pack(&self) -> &PolicyPack {
        &self.pack
    }

    /// Rules that run.
    pub fn active_rules(&self) -> &[RuleMeta] {
        self.compiled.rules()
    }

    /// The compiled pack.
    pub fn compiled(&self) -> &CompiledPack {
        &self.compiled
    }

    /// Stop each evaluation of the shared pack after `limit` of wall-clock time (the rules then
    /// fail with a time-limit error). The webhook sets it so an evaluation that overran the
    /// request's deadline ends and frees its slot instead of running on.
    pub fn set_evaluation_deadline(&mut self, limit: Option<std::time::Duration>) {
        self.compiled.set_deadline(limit);
    }

    /// Lint sources: parse in parallel, build the inventory, evaluate in parallel.
    pub fn lint_sources(&self, sources: &[Source]) -> Report {
        let done = std::sync::atomic::AtomicUsize::new(0);
        // The other workers' pack copies compile while the files parse, not when each worker
        // meets its first object (which left one thread evaluating alone meanwhile).
        let extra = rayon::current_num_threads()
            .saturating_sub(1)
            .min(self.per_thread.len());
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
            || {
                self.per_thread[..extra].par_iter().for_each(|slot| {
                    self.copy_in(slot);
                })
            },
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
        let Some(meta) = self
            .compiled
            .rules()
            .iter()
            .find(|m| m.id == "suppression-invalid")
        else {
            return Vec::new();
        };
        let today = self.today_at(None);
        let cfg = &self.config.config;
        cfg.exemptions
            .iter()
            .enumerate()
            .filter_map(|(i, ex)| {
                let d = ex.expires.as_deref()?;
                let problem = if !suppress::is_date(d) {
                    format!("has expiry `{d}`, which is not a date")
                } else if d < today.as_str() {
                    format!("expired on {d}")
                } else {
                    return None;
                };
                Some(Finding {
                    rule: meta.id.clone(),
                    domain: meta.domain,
                    severity: meta.severity,
                    message: format!(
                        "exemption for {} ({}) {problem}; it no longer applies: renew it with a reason or remove it",
                        ex.rules.join(", "),
                        ex.reason
                    ),
                    object: crate::ObjectRef {
                        api_version: "plumbline.dev/v1".into(),
                        kind: "PlumblineConfig".into(),
                        namespace: String::new(),
                        name: format!("exemptions[{i}]"),
                    },
                    file: cfg.path.clone(),
                    document: 0,
                    line: ex.line,
                    column: 1,
                    path: format!("/exemptions/{i}/expires"),
                    details: json!({"exemption": i}),
                    suppressed: None,
                })
            })
            .collect()
    }

    fn today_at(&self, now: Option<jiff::Timestamp>) -> String {
        now.unwrap_or(self.options.now)
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string()
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
        let mut rules = self.compiled.rules_for_kind(&object.reference.kind);
        let for_kind = rules.len();
        let all = self.compiled.rules();
        rules.retain(|&i| all[i].operations.iter().any(|o| o == request.operation));
        if rules.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let every_rule_of_kind = rules.len() == for_kind;
        let today = self.today_at(request.now);
        let suppressions = self.suppressions(object, &today, request);
        let resolved = match &request.resolved {
            Some(r) => r.clone(),
            None => self.resolve(object, inventory),
        };
        let input = self.rego_input(object, inventory, &suppressions, &resolved, request);
        let pack = self.pack_for_this_thread();
        let outcomes = if every_rule_of_kind {
            pack.evaluate_kind(input, &object.reference.kind)
        } else {
            pack.evaluate(input, &rules)
        };
        let mut findings = Vec::new();
        let mut problems = Vec::new();
        for (idx, outcome) in outcomes {
            let meta = &self.compiled.rules()[idx];
            match outcome {
                Ok(violations) => {
                    for v in violations {
                        let pos = object.position_of(&v.path);
                        let severity = self.severity(meta, resolved.tier);
                        let severity = v.severity.map_or(severity, |cap| severity.min(cap));
                        let mut f = Finding {
                            rule: meta.id.clone(),
                            domain: meta.domain,
                            severity,
                            message: v.msg,
                            object: object.reference.clone(),
                            file: object.file.to_string(),
                            document: object.document,
                            line: pos.line,
                            column: pos.column,
                            path: v.path,
                            details: v.details,
                            suppressed: None,
                        };
                        f.suppressed = self.suppression_for(&f, meta, &suppressions, &today);
                        findings.push(f);
                    }
                }
                Err(e) => {
                    let pos = object.position();
                    problems.push(Problem::at(
                        &object.file,
                        object.document,
                        pos.line,
                        pos.column,
                        format!("rule `{}` failed on {}: {e}", meta.id, object.reference),
                    ));
                }
            }
        }
        (findings, problems)
    }

    /// The compiled copy of the current rayon worker (compiled now on its first use).
    fn pack_for_this_thread(&self) -> &CompiledPack {
        match rayon::current_thread_index() {
            Some(i) if i > 0 && !self.per_thread.is_empty() => {
                self.copy_in(&self.per_thread[(i - 1) % self.per_thread.len()])
            }
            _ => &self.compiled,
        }
    }

    /// The pack copy in `slot`, compiled on first use (the shared one if that fails).
    fn copy_in<'a>(&'a self, slot: &'a OnceLock<Option<CompiledPack>>) -> &'a CompiledPack {
        slot.get_or_init(|| {
            let enabled = |m: &RuleMeta| self.compiled.rules().iter().any(|r| r.id == m.id);
            CompiledPack::compile(&self.pack, &self.config.params, enabled).ok()
        })
        .as_ref()
        .unwrap_or(&self.compiled)
    }

    /// The object's suppression annotations, judged: reason, expiry, known rule, then governance
    /// (rules not suppressible in-object; in admission, requesters not allowed to suppress).
    fn suppressions(
        &self,
        object: &Object,
        today: &str,
        request: &Request<'_>,
    ) -> BTreeMap<String, suppress::Annotation> {
        let mut s = suppress::read(&object.value, today, |r| self.pack.rule(r).is_some());
        suppress::govern(
            &mut s,
            today,
            |r| self.pack.rule(r).is_none_or(|m| m.suppressible),
            request.governance.as_ref(),
        );
        s
    }

    fn suppression_for(
        &self,
        f: &Finding,
        meta: &RuleMeta,
        annotations: &BTreeMap<String, suppress::Annotation>,
        today: &str,
    ) -> Option<Suppression> {
        if meta.suppressible && !self.options.strict {
            if let Some(a) = annotations.get(&meta.id).filter(|a| a.is_valid()) {
                return Some(Suppression {
                    kind: SuppressionKind::Annotation,
                    reason: a.reason.clone(),
                    expires: a.expires.clone(),
                });
            }
        }
        let image = f.details["image"].as_str();
        self.config
            .config
            .exemptions
            .iter()
            .find(|ex| {
                let rule_ok = ex
                    .rules
                    .iter()
                    .any(|r| r == "*" || *r == meta.id || r == meta.domain.as_str());
                let date_ok = ex.expires.as_deref().is_none_or(|d| d >= today);
                let glob = |pat: &Option<String>, val: &str| {
                    pat.as_deref().is_none_or(|p| glob_match(p, val))
                };
                let image_ok = match (&ex.image, image) {
                    (None, _) => true,
                    (Some(p), Some(i)) => glob_match(p, i),
                    (Some(_), None) => false,
                };
                rule_ok
                    && date_ok
                    && image_ok
                    && glob(&ex.namespace, &f.object.namespace)
                    && glob(&ex.name, &f.object.name)
                    && ex.kind.as_deref().is_none_or(|k| k == f.object.kind)
            })
            .map(|ex| Suppression {
                kind: SuppressionKind::Exemption,
                reason: ex.reason.clone(),
                expires: ex.expires.clone(),
            })
    }

    /// The policy input of DESIGN.md §3, as JSON (for inspection: the same value evaluation
    /// builds in the engine's value type).
    pub fn build_input(
        &self,
        object: &Object,
        inventory: &Inventory,
        request: &Request<'_>,
    ) -> Value {
        let today = self.today_at(request.now);
        let suppressions = self.suppressions(object, &today, request);
        let resolved = self.resolve(object, inventory);
        crate::engine::to_json(&self.rego_input(
            object,
            inventory,
            &suppressions,
            &resolved,
            request,
        ))
    }

    /// The policy input, built directly in the engine's value type: the object, oldObject and
    /// inventory by reference, the small fields without a JSON intermediate (that intermediate
    /// and its conversion were a fifth of the fixed cost per object).
    fn rego_input(
        &self,
        object: &Object,
        inventory: &Inventory,
        suppressions: &BTreeMap<String, suppress::Annotation>,
        resolved: &Resolved,
        request: &Request<'_>,
    ) -> regorus::Value {
        type RMap = BTreeMap<regorus::Value, regorus::Value>;
        fn obj<const N: usize>(fields: [(&str, regorus::Value); N]) -> regorus::Value {
            regorus::Value::from(
                fields
                    .into_iter()
                    .map(|(k, v)| (regorus::Value::from(k), v))
                    .collect::<RMap>(),
            )
        }
        fn map(m: &Map<String, Value>) -> regorus::Value {
            regorus::Value::from(
                m.iter()
                    .map(|(k, v)| (regorus::Value::from(k.as_str()), to_rego(v)))
                    .collect::<RMap>(),
            )
        }
        let s = |x: &str| regorus::Value::from(x);

        let ns_name = self.namespace_of(object);
        let known = inventory.namespaces.get(&ns_name);
        let namespace = match known {
            Some(ns) => obj([
                ("name", s(&ns.name)),
                ("labels", map(&ns.labels)),
                ("annotations", map(&ns.annotations)),
                ("known", regorus::Value::from(true)),
            ]),
            None => obj([
                ("name", s(&ns_name)),
                ("labels", regorus::Value::new_object()),
                ("annotations", regorus::Value::new_object()),
                ("known", regorus::Value::from(false)),
            ]),
        };
        let configured_level = self.config.config.params["podSecurity"]["level"].as_str();
        let tier_level = if resolved.tier == Tier::Dedicated {
            "restricted"
        } else {
            "baseline"
        };
        let label_level = known.and_then(|ns| ns.labels.get("pod-security.kubernetes.io/enforce"));
        let pss_level = match label_level.and_then(Value::as_str) {
            Some(l @ ("privileged" | "baseline" | "restricted")) => l,
            _ => configured_level.unwrap_or(tier_level),
        };
        let now = request.now.unwrap_or(self.options.now);
        let active;
        let active: &[Window] = match &request.windows {
            Some(w) => w,
            None => {
                active = self
                    .calendars
                    .active(&resolved.environment, resolved.tier, now);
                &active
            }
        };
        let windows: Vec<regorus::Value> = active
            .iter()
            .map(|w| {
                obj([
                    ("calendar", s(&w.calendar)),
                    ("name", s(&w.name)),
                    ("start", s(&rfc3339(&w.start))),
                    ("end", s(&rfc3339(&w.end))),
                ])
            })
            .collect();
        let ctx = ImageContext {
            tenant: &resolved.tenant,
            environment: &resolved.environment,
            tier: resolved.tier.as_str(),
            namespace: &ns_name,
        };
        let images = images_of(
            &object.value,
            &object.reference.kind,
            self.options.image_facts.as_deref(),
            &ctx,
        );
        let suppressions = if suppressions.is_empty() {
            regorus::Value::new_object()
        } else {
            to_rego(&json!(suppressions))
        };
        obj([
            ("operation", s(request.operation)),
            ("namespace", namespace),
            ("tenant", s(&resolved.tenant)),
            (
                "environment",
                obj([
                    ("name", s(&resolved.environment)),
                    ("tier", to_rego(&json!(resolved.tier))),
                    ("source", to_rego(&json!(resolved.source))),
                ]),
            ),
            ("podSecurity", obj([("level", s(pss_level))])),
            ("images", to_rego(&images)),
            ("suppressions", suppressions),
            (
                "change",
                obj([
                    ("frozen", regorus::Value::from(!windows.is_empty())),
                    ("windows", regorus::Value::from(windows)),
                    (
                        "ticketRequired",
                        regorus::Value::from(self.ticket_tiers.contains(&resolved.tier)),
                    ),
                    ("ticketPattern", s(&self.ticket_pattern)),
                ]),
            ),
            ("now", s(&now.to_string())),
            ("user", to_rego(&request.user)),
            ("object", to_rego(&object.value)),
            (
                "oldObject",
                request.old_object.map_or(regorus::Value::Null, to_rego),
            ),
            ("inventory", inventory.rego_value()),
        ])
    }
}

/// Convert JSON to the engine's value type by reference: no deep copy of the object first, no
/// serde round trip (numbers map as regorus' own deserializer maps them: u64, i64, else f64).
fn to_rego(v: &Value) -> regorus::Value {
    match v {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::from(*b),
        Value::Number(n) => {
            if let Some(u) = n.as_u64() {
                regorus::Value::from(u)
            } else if let Some(i) = n.as_i64() {
                regorus::Value::from(i)
            } else {
                n.as_f64()
                    .map_or(regorus::Value::Undefined, regorus::Value::from)
            }
        }
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(a) => regorus::Value::from(a.iter().map(to_rego).collect::<Vec<_>>()),
        Value::Object(m) => regorus::Value::from(
            m.iter()
                .map(|(k, v)| (regorus::Value::from(k.as_str()), to_rego(v)))
                .collect::<BTreeMap<_, _>>(),
        ),
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

/// Pointer of the pod spec inside an object of `kind`, if it has one.
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        "Deployment"
        | "StatefulSet"
        | "DaemonSet"
        | "ReplicaSet"
        | "ReplicationController"
        | "Job" => Some("/spec/template/spec"),
        _ => None,
    }
}

/// `input.images`: every container image of the object, parsed, with digest and signature facts
/// when a verifier is configured.
fn images_of(
    object: &Value,
    kind: &str,
    facts: Option<&dyn ImageFacts>,
    ctx: &ImageContext<'_>,
) -> Value {
    let mut out = Map::new();
    let Some(spec) = pod_spec_pointer(kind).and_then(|p| object.pointer(p)) else {
        return Value::Object(out);
    };
    for field in ["containers", "initContainers", "ephemeralContainers"] {
        for c in spec[field].as_array().into_iter().flatten() {
            let Some(img) = c["image"].as_str() else {
                continue;
            };
            if out.contains_key(img) {
                continue;
            }
            let parsed = match image::parse_image(img) {
                Ok(r) => json!({"reference": r, "name": r.name(), "error": null}),
                Err(e) => json!({"reference": null, "name": null, "error": e.reason}),
            };
            let mut entry = parsed;
            entry["digest"] = Value::Null;
            entry["signature"] = Value::Null;
            if let Some(f) = facts {
                let fact = f.facts(img, ctx);
                entry["digest"] = json!(fact.digest);
                entry["signature"] = json!(fact.signature);
            }
            out.insert(img.to_string(), entry);
        }
    }
    Value::Object(out)
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

    /// The engine input carries the documented fields (DESIGN.md §3) with the object and
    /// oldObject exactly as read (every number form), on CREATE and UPDATE, and its JSON view
    /// converts back to the same engine value.
    #[test]
    fn engine_input_has_the_documented_fields() {
        let linter = default_linter().expect("linter");
        let text = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {plumbline.dev/tenant: acme}}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: odoo
  namespace: shop
  annotations: {a: "yes", ignore.plumbline.dev/image-tag-latest: x}
spec:
  replicas: 3
  progressDeadlineSeconds: 600
  template:
    spec:
      containers:
        - name: odoo
          image: odoo:17
          env: [{name: RATIO, value: "0.5"}]
          resources: {limits: {cpu: 1.5, memory: -1}}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: shop}
data: {k: v, empty: ""}
"#;
        let (objects, problems) = objects_from_source(&Source::new("t.yaml", text));
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(objects.len(), 3);
        let inventory = linter.inventory(&objects);
        let old = json!({"metadata": {"name": "odoo", "generation": 7}, "spec": {"x": [1, -1, 2.25, null, true]}});
        for old_object in [None, Some(&old)] {
            let request = Request {
                operation: if old_object.is_some() {
                    "UPDATE"
                } else {
                    "CREATE"
                },
                old_object,
                ..Request::default()
            };
            for o in &objects {
                let json = linter.build_input(o, &inventory, &request);
                let today = linter.today_at(request.now);
                let suppressions = linter.suppressions(o, &today, &request);
                let resolved = linter.resolve(o, &inventory);
                let direct = linter.rego_input(o, &inventory, &suppressions, &resolved, &request);
                let r = o.reference.to_string();
                // The object and oldObject as the serde conversion reads them.
                assert_eq!(
                    direct["object"],
                    regorus::Value::from(o.value.clone()),
                    "{r}"
                );
                let old_value = old_object.cloned().unwrap_or(Value::Null);
                assert_eq!(direct["oldObject"], regorus::Value::from(old_value), "{r}");
                assert_eq!(direct, regorus::Value::from(json.clone()), "{r}");
                assert_eq!(json["operation"], request.operation, "{r}");
                assert_eq!(json["namespace"]["name"], "shop", "{r}");
                assert_eq!(json["namespace"]["known"], true, "{r}");
                assert_eq!(
                    json["namespace"]["labels"]["plumbline.dev/tenant"], "acme",
                    "{r}"
                );
                assert_eq!(json["tenant"], resolved.tenant.as_str(), "{r}");
                assert_eq!(
                    json["environment"]["name"],
                    resolved.environment.as_str(),
                    "{r}"
                );
                assert_eq!(json["environment"]["tier"], json!(resolved.tier), "{r}");
                assert_eq!(json["environment"]["source"], json!(resolved.source), "{r}");
                assert!(json["podSecurity"]["level"].is_string(), "{r}");
                assert_eq!(json["change"]["frozen"], false, "{r}");
                assert_eq!(json["change"]["windows"], json!([]), "{r}");
                assert!(json["change"]["ticketPattern"].is_string(), "{r}");
                assert!(json["change"]["ticketRequired"].is_boolean(), "{r}");
                assert_eq!(json["user"], request.user, "{r}");
                assert!(
                    json["now"].as_str().is_some_and(|t| t.ends_with('Z')),
                    "{r}"
                );
                assert!(json["inventory"]["namespaces"]["shop"].is_object(), "{r}");
                if o.reference.kind == "Deployment" {
                    assert_eq!(json["images"]["odoo:17"]["reference"]["tag"], "17");
                    assert_eq!(json["images"]["odoo:17"]["error"], Value::Null);
                    let s = &json["suppressions"]["image-tag-latest"];
                    assert_eq!(s["reason"], "x", "{s}");
                } else {
                    assert_eq!(json["images"], json!({}), "{r}");
                    assert_eq!(json["suppressions"], json!({}), "{r}");
                }
            }
        }
    }
}
