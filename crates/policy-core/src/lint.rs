//! The linter: sources → objects → policy input → evaluation → findings, with suppressions.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::config::{glob_match, ValidConfig};
use crate::engine::CompiledPack;
use crate::finding::{Finding, Severity, Suppression, SuppressionKind};
use crate::object::{objects_from_source, Object};
use crate::pack::{PolicyPack, RuleMeta};
use crate::problem::Problem;
use crate::source::Source;
use crate::{image, suppress, Error};

/// Options of one lint run, beyond the config file.
#[derive(Debug, Clone)]
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
}

impl Default for LintOptions {
    fn default() -> Self {
        LintOptions {
            select: Vec::new(),
            ignore: Vec::new(),
            now: jiff::Timestamp::now(),
            strict: false,
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

/// Facts about a namespace known from the input set (or the cluster).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NamespaceInfo {
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: Map<String, Value>,
    /// Annotations.
    pub annotations: Map<String, Value>,
}

/// What the whole input set knows beyond one object.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Inventory {
    /// Namespaces by name.
    pub namespaces: HashMap<String, NamespaceInfo>,
    /// Traefik Middlewares by `namespace/name`: their `spec` (rules read `ipAllowList`).
    pub middlewares: Map<String, Value>,
}

impl Inventory {
    /// Build from a set of objects.
    pub fn from_objects(objects: &[Object]) -> Inventory {
        let mut inv = Inventory::default();
        for o in objects {
            if o.reference.kind == "Namespace" && o.reference.api_version == "v1" {
                let m = &o.value["metadata"];
                inv.namespaces.insert(
                    o.reference.name.clone(),
                    NamespaceInfo {
                        name: o.reference.name.clone(),
                        labels: m["labels"].as_object().cloned().unwrap_or_default(),
                        annotations: m["annotations"].as_object().cloned().unwrap_or_default(),
                    },
                );
            }
            let traefik = matches!(o.reference.group(), "traefik.io" | "traefik.containo.us");
            if traefik && o.reference.kind == "Middleware" {
                let ns = if o.reference.namespace.is_empty() { "default" } else { &o.reference.namespace };
                inv.middlewares
                    .insert(format!("{ns}/{}", o.reference.name), o.value["spec"].clone());
            }
        }
        inv
    }
}

/// A configured, compiled linter. Cheap to share across threads.
#[derive(Debug)]
pub struct Linter {
    pack: PolicyPack,
    compiled: CompiledPack,
    config: ValidConfig,
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
    pub fn new(pack: PolicyPack, config: ValidConfig, options: LintOptions) -> Result<Linter, Error> {
        for id in options.select.iter().chain(&options.ignore) {
            let known = id == "*"
                || id.parse::<crate::Domain>().is_ok()
                || pack.rule(id).is_some();
            if !known {
                return Err(Error::Usage(format!(
                    "unknown rule or domain `{id}`; `plumbline rules` lists rules, domains are {}",
                    crate::Domain::ALL.map(|d| d.as_str()).join(", ")
                )));
            }
        }
        let cfg_rules = &config.config.rules;
        let compiled = CompiledPack::compile(&pack, &config.params, |m| {
            selected(m, &cfg_rules.select, &cfg_rules.ignore)
                && selected(m, &options.select, &options.ignore)
        })?;
        Ok(Linter {
            pack,
            compiled,
            config,
            options,
        })
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

    /// Lint sources: parse in parallel, build the inventory, evaluate in parallel.
    pub fn lint_sources(&self, sources: &[Source]) -> Report {
        let parsed: Vec<(Vec<Object>, Vec<Problem>)> =
            sources.par_iter().map(objects_from_source).collect();
        let mut objects = Vec::new();
        let mut problems = Vec::new();
        for (o, p) in parsed {
            objects.extend(o);
            problems.extend(p);
        }
        let mut report = self.lint_objects(&objects);
        report.files = sources.len();
        report.problems.extend(problems);
        report.problems.sort_by(|a, b| {
            (&a.file, a.document, a.line, a.column).cmp(&(&b.file, b.document, b.line, b.column))
        });
        report
    }

    /// Lint objects that are already parsed.
    pub fn lint_objects(&self, objects: &[Object]) -> Report {
        let inventory = Inventory::from_objects(objects);
        let results: Vec<(Vec<Finding>, Vec<Problem>)> = objects
            .par_iter()
            .map(|o| self.check_object(o, &inventory))
            .collect();
        let mut report = Report {
            objects: objects.len(),
            ..Report::default()
        };
        for (f, p) in results {
            report.findings.extend(f);
            report.problems.extend(p);
        }
        for o in objects {
            for n in &o.notes {
                report.notes.push(
                    Problem::at(&o.file, o.document, n.position.line, n.position.column, &n.message)
                        .with_path(n.pointer.clone()),
                );
            }
        }
        report.findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        report
    }

    fn today(&self) -> String {
        self.options
            .now
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date()
            .to_string()
    }

    /// Evaluate one object against the rules for its kind.
    pub fn check_object(&self, object: &Object, inventory: &Inventory) -> (Vec<Finding>, Vec<Problem>) {
        let rules = self.compiled.rules_for_kind(&object.reference.kind);
        if rules.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let today = self.today();
        let suppressions = suppress::read(&object.value, &today, |r| self.pack.rule(r).is_some());
        let input = self.build_input(object, inventory, &suppressions);
        let outcomes = self.compiled.evaluate(regorus::Value::from(input), &rules);
        let mut findings = Vec::new();
        let mut problems = Vec::new();
        for (idx, outcome) in outcomes {
            let meta = &self.compiled.rules()[idx];
            match outcome {
                Ok(violations) => {
                    for v in violations {
                        let pos = object.position_of(&v.path);
                        let severity = self
                            .config
                            .config
                            .rules
                            .severity
                            .get(&meta.id)
                            .copied()
                            .unwrap_or(meta.severity);
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

    /// The policy input of DESIGN.md §3 for an object checked offline.
    pub fn build_input(
        &self,
        object: &Object,
        inventory: &Inventory,
        suppressions: &BTreeMap<String, suppress::Annotation>,
    ) -> Value {
        let ns_name = if object.reference.namespace.is_empty() && object.reference.kind == "Namespace" {
            object.reference.name.clone()
        } else {
            object.reference.namespace.clone()
        };
        let namespace = match inventory.namespaces.get(&ns_name) {
            Some(ns) => json!({"name": ns.name, "labels": ns.labels, "annotations": ns.annotations, "known": true}),
            None => json!({"name": ns_name, "labels": {}, "annotations": {}, "known": false}),
        };
        let pss_level = match namespace["labels"]["pod-security.kubernetes.io/enforce"].as_str() {
            Some(l @ ("privileged" | "baseline" | "restricted")) => l.to_string(),
            _ => self.config.params["podSecurity"]["level"]
                .as_str()
                .unwrap_or("restricted")
                .to_string(),
        };
        json!({
            "object": object.value,
            "podSecurity": {"level": pss_level},
            "oldObject": null,
            "operation": "CREATE",
            "namespace": namespace,
            "images": images_of(&object.value, &object.reference.kind),
            "suppressions": suppressions,
            "inventory": {"middlewares": inventory.middlewares},
            "now": self.options.now.to_string(),
            "user": {"username": "", "groups": []},
        })
    }
}

/// Pointer of the pod spec inside an object of `kind`, if it has one.
pub fn pod_spec_pointer(kind: &str) -> Option<&'static str> {
    match kind {
        "Pod" => Some("/spec"),
        "CronJob" => Some("/spec/jobTemplate/spec/template/spec"),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "ReplicationController" | "Job" => {
            Some("/spec/template/spec")
        }
        _ => None,
    }
}

/// `input.images`: every container image of the object, parsed.
fn images_of(object: &Value, kind: &str) -> Value {
    let mut out = Map::new();
    let Some(spec) = pod_spec_pointer(kind).and_then(|p| object.pointer(p)) else {
        return Value::Object(out);
    };
    for field in ["containers", "initContainers", "ephemeralContainers"] {
        for c in spec[field].as_array().into_iter().flatten() {
            let Some(img) = c["image"].as_str() else { continue };
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
