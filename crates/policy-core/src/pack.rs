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
        collect(dir, dir, &mut files).map_err(|e| Error::Policy {
            path: dir.display().to_string(),
            message: e.to_string(),
        })?;
        Self::from_files(files, &dir.display().to_string())
    }

    /// Build a pack from (relative path, contents) pairs.
    pub fn from_files(
        files: impl IntoIterator<Item = (String, String)>,
        origin: &str,
    ) -> Result<PolicyPack, Error> {
        let mut metas: BTreeMap<String, (String, String)> = BTreeMap::new();
        let mut regos: BTreeMap<String, (String, String)> = BTreeMap::new();
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
                // Rego unit tests and other files are not part of the evaluated pack.
                _ => {}
            }
        }
        for (rule, (meta_path, meta_text)) in metas {
            let err = |message: String| Error::Policy {
                path: format!("{origin}/{meta_path}"),
                message,
            };
            let value = yaml_value(&meta_text, &meta_path)?;
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
            pack.rules.push(Rule {
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
mod governance_tests {
    use super::*;

    #[test]
    fn governed_domains_are_not_suppressible_in_object() {
        let pack = PolicyPack::builtin().unwrap();
        for r in &pack.rules {
            if UNSUPPRESSIBLE_DOMAINS.contains(&r.meta.domain) {
                assert!(
                    !r.meta.suppressible,
                    "{} ({}) must not be suppressible in-object",
                    r.meta.id, r.meta.domain
                );
            }
        }
        assert!(pack.rule("image-tag-latest").unwrap().suppressible);
        // The loader applies the default to packs that do not say it.
        let meta = "id: r\ntitle: t\ndomain: tenant-isolation\nseverity: error\nkinds: [Pod]\n\
                    description: d\nremediation: r\nexample: e\n";
        let rego = "package plumbline.rules.r\n";
        let p = PolicyPack::from_files(
            [
                ("tenant-isolation/r/rule.yaml".to_string(), meta.to_string()),
                (
                    "tenant-isolation/r/policy.rego".to_string(),
                    rego.to_string(),
                ),
            ],
            "test",
        )
        .unwrap();
        assert!(!p.rule("r").unwrap().suppressible);
        let p = PolicyPack::from_files(
            [
                (
                    "tenant-isolation/r/rule.yaml".to_string(),
                    format!("{meta}suppressible: true\n"),
                ),
                (
                    "tenant-isolation/r/policy.rego".to_string(),
                    rego.to_string(),
                ),
            ],
            "test",
        )
        .unwrap();
        assert!(p.rule("r").unwrap().suppressible);
    }
}
