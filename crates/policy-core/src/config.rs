//! `plumbline.yaml`: parsed, validated against `schemas/plumbline.schema.json`, then checked
//! against the policy pack into a [`ValidConfig`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

use crate::finding::Severity;
use crate::pack::PolicyPack;
/// Which admission UPDATEs a rule judges (`update:` in `rule.yaml`, `rules.update` here).
pub use crate::pack::UpdateMode;
use crate::yaml::{self, Positions};
use crate::Error;

/// The JSON Schema of `plumbline.yaml`.
pub const SCHEMA: &str = include_str!("../../../schemas/plumbline.schema.json");

/// The JSON Schema of the policy input, the document every rule reads as `input`
/// (docs/policy-input.md; `plumbline schema input`). Its `$id` carries the version.
pub const INPUT_SCHEMA: &str = include_str!("../../../schemas/policy-input.schema.json");

/// The commented template written by `plumbline init`.
pub const TEMPLATE: &str = include_str!("../../../schemas/plumbline.template.yaml");

/// File name looked up in the working directory and its parents.
pub const FILE_NAME: &str = "plumbline.yaml";

/// Rule selection and severity overrides.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RulesConfig {
    /// Rule ids or domains to run (empty: all).
    #[serde(default)]
    pub select: Vec<String>,
    /// Rule ids or domains not to run.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Severity per rule id.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    /// Severity per tier, then rule id or domain (applied after `severity`).
    #[serde(default)]
    pub tiers: BTreeMap<String, BTreeMap<String, Severity>>,
    /// Which admission UPDATEs a rule judges, per rule id (over its `rule.yaml` default).
    #[serde(default)]
    pub update: BTreeMap<String, UpdateMode>,
}

/// A governed exception: a rule does not count for matching objects.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Exemption {
    /// Rule ids or domains (`*` for all).
    pub rules: Vec<String>,
    /// Namespace glob.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Object name glob.
    #[serde(default)]
    pub name: Option<String>,
    /// Kind (exact).
    #[serde(default)]
    pub kind: Option<String>,
    /// Image glob, matched against the image a finding is about.
    #[serde(default)]
    pub image: Option<String>,
    /// Why (mandatory).
    pub reason: String,
    /// Last day it applies (YYYY-MM-DD).
    #[serde(default)]
    pub expires: Option<String>,
    /// 1-based line in the config file.
    #[serde(skip)]
    pub line: u32,
}

/// `plumbline.yaml` as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Config {
    /// Schema version (1).
    #[serde(default)]
    pub version: Option<u32>,
    /// Rule selection.
    #[serde(default)]
    pub rules: RulesConfig,
    /// Rule parameters, merged over the pack defaults.
    #[serde(default)]
    pub params: Value,
    /// Exemptions.
    #[serde(default)]
    pub exemptions: Vec<Exemption>,
    /// Tenant and environment resolution.
    #[serde(default)]
    pub tenancy: crate::tenancy::TenancyConfig,
    /// Freeze calendars and change tickets.
    #[serde(default)]
    pub change_control: crate::calendar::ChangeControlConfig,
    /// Image signature verification (read by the verifier; opaque here, schema-validated).
    #[serde(default)]
    pub signing: Value,
    /// Admission webhook settings (`admission:`).
    #[serde(default)]
    pub admission: crate::admission_config::AdmissionConfig,
    /// Globs of paths the linter skips while walking directories (`exclude:`).
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Directories of custom rules added to the built-in pack (`policies:`), relative to the
    /// config file; [`Config::policy_dirs`] resolves them.
    #[serde(default)]
    pub policies: Vec<String>,
    /// Custom resources whose objects describe pods (`workloads.customResources`), added to the
    /// built-in table of `crate::workloads`.
    #[serde(default)]
    pub workloads: crate::workloads::WorkloadsConfig,
    /// Where it was read from (empty for the built-in default).
    #[serde(skip)]
    pub path: String,
    /// Where each field was written (JSON pointer -> line), for errors found after the schema.
    #[serde(skip)]
    positions: Positions,
}

/// A config checked against the pack: ids exist, params merged.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ValidConfig {
    /// The config.
    pub config: Config,
    /// Pack default params with the config's merged over them.
    pub params: Value,
}

impl ValidConfig {
    /// Which admission UPDATEs `rule` judges: `rules.update` in the config, else its `rule.yaml`.
    pub fn update_mode(&self, rule: &crate::pack::RuleMeta) -> UpdateMode {
        self.config
            .rules
            .update
            .get(&rule.id)
            .copied()
            .unwrap_or(rule.update)
    }
}

impl Config {
    /// Parse and schema-validate a config text; errors name the line and field.
    pub fn parse(text: &str, path: &str) -> Result<Config, Error> {
        let docs = yaml::parse_stream(text);
        let (value, positions) = match docs.into_iter().next() {
            None => (serde_json::json!({}), Positions::default()),
            Some(Err(e)) => {
                return Err(Error::Config {
                    path: path.into(),
                    line: e.position.line,
                    message: format!("YAML syntax error: {}", e.message),
                })
            }
            Some(Ok(d)) => (d.value, d.positions),
        };
        validate_schema(&value, &positions, path)?;
        let mut config: Config = serde_json::from_value(value).map_err(|e| Error::Config {
            path: path.into(),
            line: 1,
            message: e.to_string(),
        })?;
        for (i, ex) in config.exemptions.iter_mut().enumerate() {
            ex.line = positions
                .nearest(&format!("/exemptions/{i}"))
                .map_or(1, |p| p.line);
        }
        config.path = path.to_string();
        config.positions = positions;
        Ok(config)
    }

    /// Read a config file.
    pub fn load(path: &Path) -> Result<Config, Error> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            path: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        Config::parse(&text, &path.display().to_string())
    }

    /// The `policies:` directories, resolved against the config file's directory.
    pub fn policy_dirs(&self) -> Vec<PathBuf> {
        let base = Path::new(&self.path)
            .parent()
            .unwrap_or(Path::new(""))
            .to_path_buf();
        self.policies
            .iter()
            .map(|p| {
                let p = Path::new(p);
                if p.is_absolute() || base.as_os_str().is_empty() {
                    p.to_path_buf()
                } else {
                    base.join(p)
                }
            })
            .collect()
    }

    /// `plumbline.yaml` in `dir` or its parents.
    pub fn discover(dir: &Path) -> Option<PathBuf> {
        let mut d = Some(dir);
        while let Some(cur) = d {
            let p = cur.join(FILE_NAME);
            if p.is_file() {
                return Some(p);
            }
            d = cur.parent();
        }
        None
    }

    /// Check ids against the pack and merge params.
    pub fn validate(self, pack: &PolicyPack) -> Result<ValidConfig, Error> {
        // The error names the line of the field (`pointer`), as schema errors do.
        let err = |pointer: &str, message: String| Error::Config {
            path: self.path.clone(),
            line: self.positions.nearest(pointer).map_or(0, |p| p.line),
            message,
        };
        let check = |what: &str, pointer: &str, id: &str| -> Result<(), Error> {
            if id == "*" || pack.has_domain(id) || pack.rule(id).is_some() {
                Ok(())
            } else {
                Err(err(
                    pointer,
                    format!(
                        "{what}: unknown rule or domain `{id}`{}; `plumbline rules` lists them",
                        suggest(id, pack)
                    ),
                ))
            }
        };
        for (what, ids) in [
            ("select", &self.rules.select),
            ("ignore", &self.rules.ignore),
        ] {
            for (i, id) in ids.iter().enumerate() {
                check(&format!("rules.{what}"), &format!("/rules/{what}/{i}"), id)?;
            }
        }
        for (what, id) in (self.rules.severity.keys().map(|k| ("severity", k)))
            .chain(self.rules.update.keys().map(|k| ("update", k)))
        {
            if pack.rule(id).is_none() {
                return Err(err(
                    &format!("/rules/{what}/{}", pointer_token(id)),
                    format!("rules.{what}: unknown rule `{id}`{}", suggest(id, pack)),
                ));
            }
        }
        for (i, ex) in self.exemptions.iter().enumerate() {
            for (j, id) in ex.rules.iter().enumerate() {
                check(
                    &format!("exemption at line {}", ex.line),
                    &format!("/exemptions/{i}/rules/{j}"),
                    id,
                )?;
            }
            if ex.reason.trim().is_empty() {
                return Err(Error::Config {
                    path: self.path.clone(),
                    line: ex.line,
                    message: "exemption without a reason".into(),
                });
            }
        }
        let mut params = pack.default_params.clone();
        merge(&mut params, &self.params);
        Ok(ValidConfig {
            config: self,
            params,
        })
    }
}

/// A mapping key as a JSON-pointer token (RFC 6901: `~` as `~0`, `/` as `~1`).
fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

fn suggest(id: &str, pack: &PolicyPack) -> String {
    if let Some(now) = pack.renamed(id) {
        return format!(" (renamed `{now}`: use that id)");
    }
    let best = pack
        .rules
        .iter()
        .map(|r| (edit_distance(id, &r.meta.id), &r.meta.id))
        .min();
    match best {
        Some((d, name)) if d <= 3 => format!(" (did you mean `{name}`?)"),
        _ => String::new(),
    }
}

/// Levenshtein distance, in characters (for "did you mean" suggestions).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Deep-merge `over` into `base`: objects merge, everything else replaces. (It lives in `pack`,
/// which merges custom directories' parameters and must not import this module.)
pub use crate::pack::merge;

fn validate_schema(value: &Value, positions: &Positions, path: &str) -> Result<(), Error> {
    let schema: Value = serde_json::from_str(SCHEMA).map_err(|e| Error::Config {
        path: "schemas/plumbline.schema.json".into(),
        line: e.line() as u32,
        message: e.to_string(),
    })?;
    let validator = jsonschema::validator_for(&schema).map_err(|e| Error::Config {
        path: "schemas/plumbline.schema.json".into(),
        line: 0,
        message: e.to_string(),
    })?;
    let mut errors: Vec<(u32, String)> = validator
        .iter_errors(value)
        .map(|e| {
            let ptr = e.instance_path().as_str().to_string();
            let line = positions.nearest(&ptr).map_or(1, |p| p.line);
            let field = if ptr.is_empty() {
                "(top level)".to_string()
            } else {
                ptr
            };
            (line, format!("{field}: {e}"))
        })
        .collect();
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort();
    let line = errors[0].0;
    let message = errors
        .iter()
        .map(|(l, m)| format!("line {l}: {m}"))
        .collect::<Vec<_>>()
        .join("\n");
    Err(Error::Config {
        path: path.into(),
        line,
        message,
    })
}

/// Match `text` against a glob with `*` (any run) and `?` (one character).
pub fn glob_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let (mut star, mut mark) = (None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

#[cfg(test)]
mod tests;
