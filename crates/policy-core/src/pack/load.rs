//! Loading packs: the built-in pack, directories laid out like `policies/`, and the
//! (relative path, contents) pairs both are read from.

use std::collections::BTreeMap;
use std::path::Path;

use super::{yaml_value, PolicyPack, Rule, RuleMeta, EMBEDDED, UNSUPPRESSIBLE_DOMAINS};
use crate::Error;

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
            let meta = rule_meta(origin, &rule, &meta_path, &meta_text)?;
            let err = |message: String| Error::Policy {
                path: format!("{origin}/{meta_path}"),
                message,
            };
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
}

/// The metadata of the rule `rule` read from its `rule.yaml` (`meta_path`, relative to `origin`):
/// its id must be its folder's name and its domain the folder above.
fn rule_meta(
    origin: &str,
    rule: &str,
    meta_path: &str,
    meta_text: &str,
) -> Result<RuleMeta, Error> {
    let err = |message: String| Error::Policy {
        path: format!("{origin}/{meta_path}"),
        message,
    };
    let value = yaml_value(meta_text, &format!("{origin}/{meta_path}"))?;
    let explicit = value.get("suppressible").is_some();
    let mut meta: RuleMeta =
        serde_json::from_value(value).map_err(|e| err(format!("invalid rule.yaml: {e}")))?;
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
    Ok(meta)
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
