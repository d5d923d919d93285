//! The policy pack: rules (Rego + `rule.yaml` metadata), shared libraries and default parameters.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::finding::{Domain, Severity};
use crate::yaml;
use crate::Error;

include!(concat!(env!("OUT_DIR"), "/embedded_pack.rs"));

mod load;

pub use load::PackSources;

/// Kinds whose objects carry a pod spec (`workloads` in `rule.yaml`).
pub const WORKLOAD_KINDS: [&str; 8] = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Job",
    "CronJob",
];

/// Domains whose rules are not suppressible in-object unless their `rule.yaml` says
/// `suppressible: true`: a tenant must not exempt itself from isolation, signing or change control
/// (config exemptions, reviewed in git, are the governed path).
pub(crate) const UNSUPPRESSIBLE_DOMAINS: [Domain; 3] = [
    Domain::TenantIsolation,
    Domain::ImageSigning,
    Domain::ChangeControl,
];

/// A rule's metadata, from its `rule.yaml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct RuleMeta {
    /// Stable kebab-case id; equal to the rule's folder name.
    pub id: String,
    /// One-line title.
    pub title: String,
    /// Domain.
    pub domain: Domain,
    /// Default severity.
    pub severity: Severity,
    /// Kinds the rule applies to; `workloads` stands for every kind with a pod spec; `*` for all.
    pub kinds: Vec<String>,
    /// What it checks and why it matters.
    pub description: String,
    /// How to fix a finding.
    pub remediation: String,
    /// A compliant example (YAML).
    pub example: String,
    /// Further reading.
    #[serde(default)]
    pub references: Vec<String>,
    /// Parameters (keys under `params` in `plumbline.yaml`) the rule reads.
    #[serde(default)]
    pub params: Vec<String>,
    /// Whether an in-object `ignore.plumbline.dev/<id>` annotation may suppress it.
    #[serde(default = "yes")]
    pub suppressible: bool,
    /// Admission operations the rule judges (default CREATE and UPDATE; a rule that must also
    /// judge deletions, like change-freeze-active, adds DELETE).
    #[serde(default = "create_update")]
    pub operations: Vec<String>,
    /// Which admission UPDATEs the rule judges, as its upstream does (`rules.update` in the
    /// config overrides it per rule; docs/webhook.md, "UPDATE requests").
    #[serde(default, skip_serializing_if = "UpdateMode::is_always")]
    pub update: UpdateMode,
    /// For a custom rule: the id of the rule it replaces (it must then use that id, and the
    /// replaced rule's domain). Without it, a custom rule reusing an id is a load error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overrides: Option<String>,
    /// Ids the rule had before it was renamed. A configuration, flag or annotation naming one is
    /// refused with a message that names the rule's id now (the semantics may have changed with
    /// the name, so nothing is redirected silently).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub formerly: Vec<String>,
}

/// Which admission UPDATEs a rule judges (`update:` in `rule.yaml`, `rules.update` in the config).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum UpdateMode {
    /// Every UPDATE (the default).
    #[default]
    Always,
    /// A Pod's UPDATE only when it is significant as Pod Security Admission defines it (an image,
    /// a seccomp annotation, the number of containers or a new ephemeral container changed);
    /// every UPDATE of other kinds.
    Significant,
    /// No UPDATE (Gatekeeper's `not is_update(input.review)`): CREATE alone is judged.
    Skip,
}

impl UpdateMode {
    /// `always`, `significant` or `skip`.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateMode::Always => "always",
            UpdateMode::Significant => "significant",
            UpdateMode::Skip => "skip",
        }
    }

    fn is_always(&self) -> bool {
        *self == UpdateMode::Always
    }
}

fn yes() -> bool {
    true
}

fn create_update() -> Vec<String> {
    vec!["CREATE".into(), "UPDATE".into()]
}

impl RuleMeta {
    /// Rego package of the rule: `plumbline.rules.<id with underscores>`.
    pub fn package(&self) -> String {
        format!("plumbline.rules.{}", self.id.replace('-', "_"))
    }

    /// Whether the rule applies to objects of `kind`.
    pub fn applies_to(&self, kind: &str) -> bool {
        self.kinds
            .iter()
            .any(|k| k == "*" || k == kind || (k == "workloads" && WORKLOAD_KINDS.contains(&kind)))
    }
}

/// One rule: metadata plus its Rego source.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Rule {
    /// Metadata.
    pub meta: RuleMeta,
    /// Path of `policy.rego`, relative to the pack root.
    pub rego_path: String,
    /// Rego source.
    pub rego: String,
    /// The rule's CEL form (`cel.yaml` beside it), for `plumbline export vap`.
    pub cel: Option<String>,
}

/// A complete policy pack.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PolicyPack {
    /// Rules, sorted by id.
    pub rules: Vec<Rule>,
    /// Shared Rego modules (`lib/`), (path, source).
    pub libs: Vec<(String, String)>,
    /// Default parameters (`params.yaml`), as JSON.
    pub default_params: serde_json::Value,
    /// Where each rule came from: rule id → the directory given (`<built-in>` for the embedded
    /// pack), for messages.
    pub origins: BTreeMap<String, String>,
}

impl PolicyPack {
    /// Add the rules, libraries and parameters of `other` (a custom directory) to this pack.
    /// A rule id already here is an error unless the new rule declares `overrides: <id>`; then
    /// it replaces the rule, and must keep its domain (so an override cannot move a rule out of
    /// a governed domain). A rule declaring `overrides:` for an id that is not loaded is an error
    /// too. Parameters merge deeply over the ones loaded before.
    pub fn add(&mut self, other: PolicyPack) -> Result<(), Error> {
        for rule in other.rules {
            let id = rule.meta.id.clone();
            let origin = other.origins.get(&id).cloned().unwrap_or_default();
            let err = |message: String| Error::Policy {
                path: rule_yaml_path(&rule),
                message,
            };
            let existing = self.rules.iter().position(|r| r.meta.id == id);
            match (existing, rule.meta.overrides.as_deref()) {
                (Some(i), Some(over)) if over == id => {
                    let old = &self.rules[i].meta;
                    if old.domain != rule.meta.domain {
                        return Err(err(format!(
                            "overrides `{id}` of domain `{}` but declares domain `{}`; an \
                             override keeps the domain of the rule it replaces",
                            old.domain, rule.meta.domain
                        )));
                    }
                    self.rules[i] = rule;
                }
                (Some(_), _) => {
                    let from = self.origins.get(&id).cloned().unwrap_or_default();
                    return Err(err(format!(
                        "rule id `{id}` is already defined by {from}; choose another id, or \
                         declare `overrides: {id}` in rule.yaml to replace that rule"
                    )));
                }
                (None, Some(over)) => {
                    return Err(err(format!(
                        "`overrides: {over}` names no loaded rule{}",
                        if over == id {
                            String::new()
                        } else {
                            format!(" (and an override must use the id it replaces, `{id}` here)")
                        }
                    )));
                }
                (None, None) => {
                    if let Some(now) = self.renamed(&id) {
                        return Err(err(format!(
                            "rule id `{id}` is a former id of `{now}` (its `formerly:`); choose another id"
                        )));
                    }
                    if let Some(old) = rule.meta.formerly.iter().find(|f| self.rule(f).is_some()) {
                        return Err(err(format!(
                            "`formerly: {old}` names a rule that is loaded; a former id must be free"
                        )));
                    }
                    self.rules.push(rule);
                }
            }
            self.origins.insert(id, origin);
        }
        self.rules.sort_by(|a, b| a.meta.id.cmp(&b.meta.id));
        self.libs.extend(other.libs);
        if self.default_params.is_null() {
            self.default_params = serde_json::json!({});
        }
        merge(&mut self.default_params, &other.default_params);
        Ok(())
    }

    /// Whether `name` is a built-in domain or the domain of a loaded rule.
    pub fn has_domain(&self, name: &str) -> bool {
        name.parse::<Domain>().is_ok() || self.rules.iter().any(|r| r.meta.domain.as_str() == name)
    }

    /// The domains of the loaded rules, built-in ones first, then custom ones by name.
    pub fn domains(&self) -> Vec<Domain> {
        let mut v: Vec<Domain> = self.rules.iter().map(|r| r.meta.domain).collect();
        v.sort_by_key(|d| (!d.is_builtin(), *d));
        v.dedup();
        v
    }

    /// Metadata of a rule by id.
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().map(|r| &r.meta).find(|m| m.id == id)
    }

    /// The id now of the rule that had `old` before it was renamed (`formerly:` in `rule.yaml`).
    pub fn renamed(&self, old: &str) -> Option<&str> {
        self.rules
            .iter()
            .map(|r| &r.meta)
            .find(|m| m.formerly.iter().any(|f| f == old))
            .map(|m| m.id.as_str())
    }

    /// What `id` names in the pack, for suppression annotations.
    pub fn named(&self, id: &str) -> crate::suppress::Named {
        use crate::suppress::Named;
        if self.rule(id).is_some() {
            Named::Rule
        } else if let Some(now) = self.renamed(id) {
            Named::Renamed(now.to_string())
        } else {
            Named::Unknown
        }
    }
}

/// Deep-merge `over` into `base`: objects merge, everything else replaces.
pub fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                merge(b.entry(k.clone()).or_insert(Value::Null), v);
            }
        }
        (b, o) if !o.is_null() => *b = o.clone(),
        _ => {}
    }
}

fn rule_yaml_path(rule: &Rule) -> String {
    match rule.rego_path.rsplit_once('/') {
        Some((dir, _)) => format!("{dir}/rule.yaml"),
        None => "rule.yaml".into(),
    }
}

/// Parse a single-document YAML text into JSON (pack files, calendar tests).
pub(crate) fn yaml_value(text: &str, path: &str) -> Result<Value, Error> {
    match yaml::parse_stream(text).into_iter().next() {
        None => Ok(Value::Null),
        Some(Ok(d)) => Ok(d.value),
        Some(Err(e)) => Err(Error::Policy {
            path: path.into(),
            message: format!("line {}: {}", e.position.line, e.message),
        }),
    }
}

#[cfg(test)]
mod governance_tests;

#[cfg(test)]
mod custom_tests;
