//! One resolver for every object's tenant, environment and tier (docs/tenancy.md): Namespace labels
//! when the Namespace is known, else namespace-name patterns, else the default environment
//! (`unknown` unless configured: tier multi-tenant, so unannotated input is judged neither as
//! production nor as a sandbox; docs/tenancy.md).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;

/// How strict an environment is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Tier {
    /// A tenant's own cluster or production: the strictest stance.
    Dedicated,
    /// Shared clusters with several tenants.
    MultiTenant,
    /// Development and experiments.
    Sandbox,
}

impl Tier {
    /// Kebab-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Dedicated => "dedicated",
            Tier::MultiTenant => "multi-tenant",
            Tier::Sandbox => "sandbox",
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An environment definition in `tenancy.environments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnvironmentDef {
    /// Tier.
    pub tier: Tier,
    /// Other names that mean this environment (`prod` for `production`).
    #[serde(default)]
    pub aliases: Vec<String>,
}

/// `tenancy:` in `plumbline.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TenancyConfig {
    /// Label naming the tenant.
    #[serde(default)]
    pub tenant_label: Option<String>,
    /// Label naming the environment.
    #[serde(default)]
    pub environment_label: Option<String>,
    /// Namespace-name patterns with `tenant` and `env` groups.
    #[serde(default)]
    pub namespace_patterns: Option<Vec<String>>,
    /// Environments by canonical name.
    #[serde(default)]
    pub environments: Option<BTreeMap<String, EnvironmentDef>>,
    /// Environment of objects that resolve to none.
    #[serde(default)]
    pub default_environment: Option<String>,
}

impl TenancyConfig {
    /// Whether `plumbline.yaml` sets any `tenancy:` key: then the tenancy rules run on every
    /// input (docs/tenancy.md, "Rules that wait for their configuration").
    pub fn is_configured(&self) -> bool {
        self.tenant_label.is_some()
            || self.environment_label.is_some()
            || self.namespace_patterns.is_some()
            || self.environments.is_some()
            || self.default_environment.is_some()
    }
}

/// Where an environment was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// The Namespace's labels.
    Label,
    /// A namespace-name pattern.
    Pattern,
    /// `--environment` on the command line.
    Forced,
    /// The default environment.
    Default,
}

/// The resolution of one namespace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Resolved {
    /// Tenant, empty when unknown or a platform namespace.
    pub tenant: String,
    /// Canonical environment name.
    pub environment: String,
    /// Tier of the environment.
    pub tier: Tier,
    /// Where the environment came from.
    pub source: Source,
}

/// The compiled resolver.
#[derive(Debug, Clone)]
pub struct Resolver {
    tenant_label: String,
    environment_label: String,
    patterns: Vec<regex::Regex>,
    /// (canonical name, tier, aliases)
    environments: Vec<(String, Tier, Vec<String>)>,
    default_environment: String,
    system_namespaces: Vec<String>,
}

const DEFAULT_PATTERN: &str =
    r"^(?P<tenant>[a-z0-9-]+)-(?P<env>prod|production|staging|stage|dev|test|sandbox)$";

/// The environment of a namespace nothing names an environment for (no label, no pattern match),
/// unless `tenancy.defaultEnvironment` says otherwise. Unannotated input is not assumed to be
/// production: that stance (Pod Security restricted, change tickets, production-only availability
/// rules) is for namespaces that say so.
pub const UNKNOWN_ENVIRONMENT: &str = "unknown";

/// The tier of [`UNKNOWN_ENVIRONMENT`]: the rules' own severities and Pod Security baseline.
pub const UNKNOWN_TIER: Tier = Tier::MultiTenant;

impl Resolver {
    /// Build from config; `params` supplies `tenancy.systemNamespaces` and the rules' tenant label.
    pub fn new(cfg: &TenancyConfig, params: &Value, path: &str) -> Result<Resolver, Error> {
        let err = |message: String| Error::Config {
            path: path.to_string(),
            line: 0,
            message,
        };
        let patterns = namespace_patterns(cfg, &err)?;
        let environments = environments(cfg);
        let default_environment = cfg
            .default_environment
            .clone()
            .unwrap_or_else(|| UNKNOWN_ENVIRONMENT.into());
        let r = Resolver {
            tenant_label: cfg
                .tenant_label
                .clone()
                .or_else(|| {
                    params["tenancy"]["tenantLabel"]
                        .as_str()
                        .map(str::to_string)
                })
                .unwrap_or_else(|| "plumbline.dev/tenant".into()),
            environment_label: cfg
                .environment_label
                .clone()
                .unwrap_or_else(|| "plumbline.dev/environment".into()),
            patterns,
            environments,
            default_environment: default_environment.clone(),
            system_namespaces: params["tenancy"]["systemNamespaces"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default(),
        };
        if r.canonical(&default_environment).is_none() {
            return Err(err(format!(
                "tenancy.defaultEnvironment `{default_environment}` is not an environment; known: {}",
                r.environment_names().join(", ")
            )));
        }
        Ok(r)
    }

    /// Canonical names of the configured environments.
    pub fn environment_names(&self) -> Vec<String> {
        self.environments
            .iter()
            .map(|(n, _, _)| n.clone())
            .collect()
    }

    /// Canonical name and tier of an environment name or alias.
    pub fn canonical(&self, name: &str) -> Option<(String, Tier)> {
        self.environments
            .iter()
            .find(|(n, _, aliases)| n == name || aliases.iter().any(|a| a == name))
            .map(|(n, t, _)| (n.clone(), *t))
    }

    /// The label naming tenants.
    pub fn tenant_label(&self) -> &str {
        &self.tenant_label
    }

    /// What [`Resolver::resolve`] reads to name the tenant of a namespace with no labels known,
    /// for rules to resolve a namespace the inventory has no entry for (`input.inventory.tenancy`):
    /// `{namespacePatterns: [{regex, tenantGroup}], systemNamespaces}`, patterns in order (the
    /// first that matches decides), `tenantGroup` the index of the `tenant` group (absent when the
    /// pattern has none).
    pub(crate) fn by_name(&self) -> Value {
        let patterns: Vec<Value> = self
            .patterns
            .iter()
            .map(|re| {
                let mut p = Map::new();
                p.insert("regex".into(), Value::from(re.as_str()));
                if let Some(i) = re.capture_names().position(|n| n == Some("tenant")) {
                    p.insert("tenantGroup".into(), Value::from(i));
                }
                Value::Object(p)
            })
            .collect();
        serde_json::json!({
            "namespacePatterns": patterns,
            "systemNamespaces": self.system_namespaces,
        })
    }

    /// Resolve a namespace. `labels` are the Namespace's labels when the Namespace is known;
    /// `forced` is an environment given on the command line.
    pub fn resolve(
        &self,
        namespace: &str,
        labels: Option<&Map<String, Value>>,
        forced: Option<&str>,
    ) -> Resolved {
        let system = self.system_namespaces.iter().any(|s| s == namespace);
        let label = |key: &str| {
            labels
                .and_then(|l| l.get(key))
                .and_then(Value::as_str)
                .filter(|s| !s.trim().is_empty())
                .map(str::to_string)
        };
        let captures = self.patterns.iter().find_map(|p| p.captures(namespace));
        let cap = |name: &str| {
            captures
                .as_ref()
                .and_then(|c| c.name(name))
                .map(|m| m.as_str().to_string())
        };
        let tenant = if system {
            String::new()
        } else {
            label(&self.tenant_label)
                .or_else(|| cap("tenant"))
                .unwrap_or_default()
        };
        let (env, source) = if let Some(f) = forced {
            (Some(f.to_string()), Source::Forced)
        } else if let Some(e) =
            label(&self.environment_label).filter(|e| self.canonical(e).is_some())
        {
            (Some(e), Source::Label)
        } else if let Some(e) = cap("env").filter(|e| self.canonical(e).is_some()) {
            (Some(e), Source::Pattern)
        } else {
            (None, Source::Default)
        };
        let (environment, tier) = env
            .and_then(|e| self.canonical(&e))
            .or_else(|| self.canonical(&self.default_environment))
            .unwrap_or((UNKNOWN_ENVIRONMENT.into(), UNKNOWN_TIER));
        Resolved {
            tenant,
            environment,
            tier,
            source,
        }
    }
}

/// The compiled `tenancy.namespacePatterns` (default: [`DEFAULT_PATTERN`]); each must name a
/// tenant or an environment group.
fn namespace_patterns(
    cfg: &TenancyConfig,
    err: &dyn Fn(String) -> Error,
) -> Result<Vec<regex::Regex>, Error> {
    let pattern_texts = cfg
        .namespace_patterns
        .clone()
        .unwrap_or_else(|| vec![DEFAULT_PATTERN.to_string()]);
    let mut patterns = Vec::new();
    for p in &pattern_texts {
        let re = regex::Regex::new(p)
            .map_err(|e| err(format!("tenancy.namespacePatterns: `{p}`: {e}")))?;
        let names: Vec<_> = re.capture_names().flatten().collect();
        if !names.contains(&"tenant") && !names.contains(&"env") {
            return Err(err(format!(
                "tenancy.namespacePatterns: `{p}` has neither a (?P<tenant>…) nor a (?P<env>…) group"
            )));
        }
        patterns.push(re);
    }
    Ok(patterns)
}

/// The configured environments (default: production, staging and dev) with their tiers and
/// aliases, and always [`UNKNOWN_ENVIRONMENT`].
fn environments(cfg: &TenancyConfig) -> Vec<(String, Tier, Vec<String>)> {
    let mut environments: Vec<(String, Tier, Vec<String>)> = match &cfg.environments {
        Some(m) => m
            .iter()
            .map(|(k, d)| (k.clone(), d.tier, d.aliases.clone()))
            .collect(),
        None => vec![
            ("production".into(), Tier::Dedicated, vec!["prod".into()]),
            (
                "staging".into(),
                Tier::MultiTenant,
                vec!["stage".into(), "test".into()],
            ),
            (
                "dev".into(),
                Tier::Sandbox,
                vec!["sandbox".into(), "development".into()],
            ),
        ],
    };
    // Always defined, so configs that list their own environments keep a default to fall
    // back to; a configured environment of that name replaces it.
    if !environments
        .iter()
        .any(|(n, _, a)| n == UNKNOWN_ENVIRONMENT || a.iter().any(|a| a == UNKNOWN_ENVIRONMENT))
    {
        environments.push((UNKNOWN_ENVIRONMENT.into(), UNKNOWN_TIER, Vec::new()));
    }
    environments
}

#[cfg(test)]
mod tests;
