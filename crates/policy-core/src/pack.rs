//! The policy pack: rules (Rego + `rule.yaml` metadata), shared libraries and default parameters.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::finding::{Domain, Severity};
use crate::yaml;
use crate::Error;

include!(concat!(env!("OUT_DIR"), "/embedded_pack.rs"));

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

/// Which policies to load: the built-in pack or not, and extra directories added to it.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PackSources {
    /// Start from the built-in pack's rules (the default; `--no-builtin` turns them off). Its
    /// libraries and default parameters are always loaded.
    pub builtin: bool,
    /// Directories laid out like `policies/` (`<domain>/<rule-id>/{policy.rego,rule.yaml}`,
    /// optional `lib/*.rego` and `params.yaml`), added in order.
    pub dirs: Vec<std::path::PathBuf>,
}

impl Default for PackSources {
    fn default() -> Self {
        PackSources {
            builtin: true,
            dirs: Vec::new(),
        }
    }
}

impl PackSources {
    /// The built-in pack plus `dirs`.
    pub fn with_dirs(dirs: Vec<std::path::PathBuf>) -> PackSources {
        PackSources {
            builtin: true,
            dirs,
        }
    }

    /// Load them: the built-in pack (unless turned off), then each directory added with
    /// [`PolicyPack::add`].
    pub fn load(&self) -> Result<PolicyPack, Error> {
        let mut pack = PolicyPack::builtin()?;
        if !self.builtin {
            // The built-in rules are off; their libraries (data.plumbline.lib.…) and default
            // parameters stay, since custom rules build on them.
            pack.rules.clear();
            pack.origins.clear();
        }
        let mut seen = std::collections::BTreeSet::new();
        for dir in &self.dirs {
            // The same directory from the config and the command line is loaded once.
            let key = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            if seen.insert(key) {
                pack.add(PolicyPack::from_dir(dir)?)?;
            }
        }
        if pack.default_params.is_null() {
            pack.default_params = serde_json::json!({});
        }
        Ok(pack)
    }
}

impl PolicyPack {
    /// The pack built into this binary.
    pub fn builtin() -> Result<PolicyPack, Error> {
        Self::from_files(
            EMBEDDED.iter().map(|(p, s)| (p.to_string(), s.to_string())),
            "<built-in>",
        )
    }

    /// Load a pack from a directory laid out like `policies/`.
    pub fn from_dir(dir: &Path) -> Result<PolicyPack, Error> {
        let mut files = Vec::new();
        let what = |e: std::io::Error| Error::Policy {
            path: dir.display().to_string(),
            message: format!("cannot read the policy directory: {e}"),
        };
        if !dir.is_dir() {
            return Err(what(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "no such directory",
            )));
        }
        collect(dir, dir, &mut files).map_err(what)?;
        let origin = dir.display().to_string();
        let mut pack = Self::from_files(files, &origin)?;
        // Paths name the file on disk, so engine errors (parse errors at line:column) point at it.
        let root = origin.trim_end_matches('/');
        for r in &mut pack.rules {
            r.rego_path = format!("{root}/{}", r.rego_path);
        }
        for (path, _) in &mut pack.libs {
            *path = format!("{root}/{path}");
        }
        pack.check_rego()?;
        if pack.rules.is_empty() && pack.libs.is_empty() {
            return Err(Error::Policy {
                path: dir.display().to_string(),
                message: "no rules found: expected <domain>/<rule-id>/rule.yaml and policy.rego \
                          beneath it (`plumbline new-rule <domain>/<rule-id>` makes one)"
                    .into(),
            });
        }
        Ok(pack)
    }

    /// Parse every Rego file and check each rule's package against its folder, so a directory
    /// of custom rules fails when it is loaded (any command, `plumbline rules` included) with the
    /// file, line and column of a syntax error. Functions regorus lacks show when the pack is
    /// compiled (lint, test, admit, the webhook's start), with whether OPA has them.
    fn check_rego(&self) -> Result<(), Error> {
        let parse = |path: &str, text: &str| -> Result<String, Error> {
            regorus::Engine::new()
                .add_policy(path.to_string(), text.to_string())
                .map_err(|e| Error::Policy {
                    path: path.to_string(),
                    message: e.to_string(),
                })
        };
        for (path, text) in &self.libs {
            parse(path, text)?;
        }
        for r in &self.rules {
            let pkg = parse(&r.rego_path, &r.rego)?;
            let expected = format!("data.{}", r.meta.package());
            if pkg != expected {
                return Err(Error::Policy {
                    path: r.rego_path.clone(),
                    message: format!(
                        "package is `{pkg}`, expected `{expected}` (the package names the rule's \
                         folder: `{}`)",
                        r.meta.id
                    ),
                });
            }
        }
        Ok(())
    }

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
                (None, None) => self.rules.push(rule),
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

    /// Build a pack from (relative path, contents) pairs.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
        origin: &str,
    ) -> Result<PolicyPack, Error> {
        let mut metas: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut regos: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut cels: BTreeMap<String, String> = BTreeMap::new();
        let mut pack = PolicyPack::default();
        for (path, text) in files {
            let parts: Vec<&str> = path.split('/').collect();
            match parts.as_slice() {
                ["params.yaml"] => {
                    pack.default_params = yaml_value(&text, &path)?;
                }
                ["lib", ..] if path.ends_with(".rego") => pack.libs.push((path.clone(), text)),
                [_domain, rule, "rule.yaml"] => {
                    metas.insert(rule.to_string(), (path.clone(), text));
                }
                [_domain, rule, "policy.rego"] => {
                    regos.insert(rule.to_string(), (path.clone(), text));
                }
                [_domain, rule, "cel.yaml"] => {
                    cels.insert(rule.to_string(), text);
                }
                // Rego unit tests and other files are not part of the evaluated pack.
                _ => {}
            }
        }
        for (rule, (meta_path, meta_text)) in metas {
            let err = |message: String| Error::Policy {
                path: format!("{origin}/{meta_path}"),
                message,
            };
            let value = yaml_value(&meta_text, &format!("{origin}/{meta_path}"))?;
            let explicit = value.get("suppressible").is_some();
            let mut meta: RuleMeta = serde_json::from_value(value)
                .map_err(|e| err(format!("invalid rule.yaml: {e}")))?;
            // Governed domains are not suppressible in-object unless a rule says so explicitly.
            if !explicit && UNSUPPRESSIBLE_DOMAINS.contains(&meta.domain) {
                meta.suppressible = false;
            }
            if meta.id != rule {
                return Err(err(format!(
                    "id `{}` differs from its folder name `{rule}`",
                    meta.id
                )));
            }
            let domain_dir = meta_path.split('/').next().unwrap_or_default();
            if domain_dir != meta.domain.as_str() {
                return Err(err(format!(
                    "rule of domain `{}` lives under `{domain_dir}/`",
                    meta.domain
                )));
            }
            let (rego_path, rego) = regos
                .remove(&rule)
                .ok_or_else(|| err("rule.yaml without a policy.rego beside it".into()))?;
            pack.origins.insert(meta.id.clone(), origin.to_string());
            pack.rules.push(Rule {
                cel: cels.remove(&rule),
                meta,
                rego_path,
                rego,
            });
        }
        if let Some((rule, (path, _))) = regos.into_iter().next() {
            return Err(Error::Policy {
                path: format!("{origin}/{path}"),
                message: format!("policy.rego of `{rule}` has no rule.yaml"),
            });
        }
        if pack.default_params.is_null() {
            pack.default_params = serde_json::json!({});
        }
        Ok(pack)
    }

    /// Metadata of a rule by id.
    pub fn rule(&self, id: &str) -> Option<&RuleMeta> {
        self.rules.iter().map(|r| &r.meta).find(|m| m.id == id)
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

fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            collect(root, &p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("rego" | "yaml")
        ) {
            let rel = p
                .strip_prefix(root)
                .map(|r| r.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default();
            out.push((rel, std::fs::read_to_string(&p)?));
        }
    }
    Ok(())
}

#[cfg(test)]
mod governance_tests;

#[cfg(test)]
mod custom_tests;
