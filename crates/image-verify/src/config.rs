//! The `signing:` section of `plumbline.yaml`, parsed and validated into trusted keys.

use std::path::Path;
use std::time::Duration;

use p256::ecdsa::VerifyingKey;
use p256::pkcs8::DecodePublicKey;
use serde::Deserialize;
use serde_json::Value;

use crate::Error;

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawSigning {
    required_environments: Option<Vec<String>>,
    required_tiers: Option<Vec<String>>,
    #[serde(default)]
    keys: Vec<RawKey>,
    #[serde(default)]
    insecure_registries: Vec<String>,
    timeout_ms: Option<u64>,
    cache_ttl_seconds: Option<u64>,
    negative_cache_ttl_seconds: Option<u64>,
    cache_entries: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RawKey {
    name: String,
    public_key: Option<String>,
    public_key_file: Option<String>,
    #[serde(default)]
    images: Vec<String>,
    #[serde(default)]
    tenants: Vec<String>,
    #[serde(default)]
    environments: Vec<String>,
}

/// A public key trusted to sign some images, in some tenants and environments.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// Name (reported as `signature.by`).
    pub name: String,
    pub(crate) key: VerifyingKey,
    /// Image globs (on `registry/repository` or the reference as written); empty: all.
    pub images: Vec<String>,
    /// Tenants; empty: all (a platform key).
    pub tenants: Vec<String>,
    /// Environments; empty: all.
    pub environments: Vec<String>,
}

impl TrustedKey {
    /// Whether the key may sign `name` (normalised `registry/repository`) written as `written`.
    pub(crate) fn covers_image(&self, name: &str, written: &str) -> bool {
        self.images.is_empty()
            || self.images.iter().any(|g| {
                policy_core::config::glob_match(g, name)
                    || policy_core::config::glob_match(g, written)
            })
    }

    /// Whether the key is trusted in this tenant and environment (`None`: any).
    pub(crate) fn covers_context(&self, tenant: Option<&str>, environment: Option<&str>) -> bool {
        let ok = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_none_or(|v| list.iter().any(|x| x == v))
        };
        ok(&self.tenants, tenant) && ok(&self.environments, environment)
    }

    /// Describe the scope for messages: `platform key`, `key of tenant acme`, …
    pub(crate) fn scope(&self) -> String {
        let mut parts = Vec::new();
        if !self.tenants.is_empty() {
            parts.push(format!("tenants {}", self.tenants.join(",")));
        }
        if !self.environments.is_empty() {
            parts.push(format!("environments {}", self.environments.join(",")));
        }
        if !self.images.is_empty() {
            parts.push(format!("images {}", self.images.join(",")));
        }
        if parts.is_empty() {
            "all images, tenants and environments".into()
        } else {
            parts.join("; ")
        }
    }
}

/// The validated `signing:` configuration.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct TrustConfig {
    /// Trusted keys.
    pub keys: Vec<TrustedKey>,
    /// Environments where signatures are required (`None`: every environment, unless tiers are set).
    pub required_environments: Option<Vec<String>>,
    /// Tiers where signatures are required.
    pub required_tiers: Option<Vec<String>>,
    /// Registries reached over plain HTTP.
    pub insecure_registries: Vec<String>,
    /// Deadline of one lookup (all its requests together).
    pub timeout: Duration,
    /// How long a lookup that found a valid signature is reused.
    pub ttl: Duration,
    /// How long a lookup that found none (or failed) is reused.
    pub negative_ttl: Duration,
    /// Bound of the cache.
    pub cache_entries: usize,
}

impl TrustConfig {
    /// Parse the `signing:` value; key files are relative to `config_dir`.
    pub fn from_value(signing: &Value, config_dir: &Path) -> Result<TrustConfig, Error> {
        let raw: RawSigning = if signing.is_null() {
            RawSigning::default()
        } else {
            serde_json::from_value(signing.clone())
                .map_err(|e| Error::Config(format!("signing: {e}")))?
        };
        let mut keys = Vec::new();
        for (i, k) in raw.keys.into_iter().enumerate() {
            let pem = match (&k.public_key, &k.public_key_file) {
                (Some(p), None) => p.clone(),
                (None, Some(f)) => {
                    let path = config_dir.join(f);
                    std::fs::read_to_string(&path).map_err(|e| {
                        Error::Config(format!(
                            "signing.keys[{i}] `{}`: cannot read {}: {e}",
                            k.name,
                            path.display()
                        ))
                    })?
                }
                _ => {
                    return Err(Error::Config(format!(
                        "signing.keys[{i}] `{}`: give exactly one of publicKey and publicKeyFile",
                        k.name
                    )))
                }
            };
            let key = parse_public_key(&pem)
                .map_err(|e| Error::Config(format!("signing.keys[{i}] `{}`: {e}", k.name)))?;
            keys.push(TrustedKey {
                name: k.name,
                key,
                images: k.images,
                tenants: k.tenants,
                environments: k.environments,
            });
        }
        Ok(TrustConfig {
            keys,
            required_environments: raw.required_environments,
            required_tiers: raw.required_tiers,
            insecure_registries: raw.insecure_registries,
            timeout: Duration::from_millis(raw.timeout_ms.unwrap_or(1500).max(1)),
            ttl: Duration::from_secs(raw.cache_ttl_seconds.unwrap_or(300)),
            negative_ttl: Duration::from_secs(raw.negative_cache_ttl_seconds.unwrap_or(30)),
            cache_entries: raw.cache_entries.unwrap_or(10_000).max(1),
        })
    }

    /// Whether signatures are required in this environment / tier. With neither
    /// `requiredEnvironments` nor `requiredTiers` set, they are required everywhere.
    pub fn required(&self, environment: &str, tier: &str) -> bool {
        match (&self.required_environments, &self.required_tiers) {
            (None, None) => true,
            (envs, tiers) => {
                envs.as_deref()
                    .unwrap_or_default()
                    .iter()
                    .any(|e| e == environment)
                    || tiers
                        .as_deref()
                        .unwrap_or_default()
                        .iter()
                        .any(|t| t == tier)
            }
        }
    }
}

/// Parse a PEM `PUBLIC KEY` (SubjectPublicKeyInfo) holding an ECDSA P-256 key, as `cosign
/// generate-key-pair` writes `cosign.pub`.
pub fn parse_public_key(pem: &str) -> Result<VerifyingKey, Error> {
    VerifyingKey::from_public_key_pem(pem.trim()).map_err(|e| {
        Error::Config(format!(
            "not a PEM ECDSA P-256 public key ({e}); only ECDSA P-256 (cosign's default) is supported"
        ))
    })
}
