//! What both binaries do before their first object: read the configuration, load the pack it
//! names (the built-in rules unless turned off, its `policies:` directories, then the command
//! line's), and check the two together. `plumbline` and `plumbline-webhook` differ only in how
//! they find the configuration (the linter also discovers `plumbline.yaml` upwards) and in what
//! they build on the result (image verifier, admission settings).

use std::path::{Path, PathBuf};

use crate::config::{Config, ValidConfig};
use crate::pack::{PackSources, PolicyPack};
use crate::Error;

/// Which rules to load besides the configuration's `policies:` directories.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PackChoice {
    /// Directories laid out like `policies/` (`--policies DIR`), added after the config's.
    pub dirs: Vec<PathBuf>,
    /// Leave the built-in rules out (`--no-builtin`); their libraries and params stay.
    pub no_builtin: bool,
}

impl PackChoice {
    /// The built-in pack plus `dirs`.
    pub fn with_dirs(dirs: Vec<PathBuf>, no_builtin: bool) -> PackChoice {
        PackChoice { dirs, no_builtin }
    }
}

/// A configuration and the pack it runs, validated together.
#[derive(Debug)]
#[non_exhaustive]
pub struct Startup {
    /// The pack: built-in, then the config's `policies:`, then [`PackChoice::dirs`].
    pub pack: PolicyPack,
    /// The configuration, checked against the pack (rule ids exist), params merged.
    pub config: ValidConfig,
}

impl Startup {
    /// Read the configuration at `path` (defaults when `None`) and load its pack.
    pub fn load(path: Option<&Path>, choice: &PackChoice) -> Result<Startup, Error> {
        let config = match path {
            Some(p) => Config::load(p)?,
            None => Config::default(),
        };
        Startup::from_config(config, choice)
    }

    /// Load the pack `config` names and validate `config` against it.
    pub fn from_config(config: Config, choice: &PackChoice) -> Result<Startup, Error> {
        let pack = load_pack(&config, choice)?;
        let config = config.validate(&pack)?;
        Ok(Startup { pack, config })
    }
}

/// The pack of `config` and `choice`: built-in rules (unless `no_builtin`), the config's
/// `policies:` directories (relative to the config file), then `choice.dirs`.
pub fn load_pack(config: &Config, choice: &PackChoice) -> Result<PolicyPack, Error> {
    let mut dirs = config.policy_dirs();
    dirs.extend(choice.dirs.iter().cloned());
    if choice.no_builtin && dirs.is_empty() {
        return Err(Error::Usage(
            "--no-builtin leaves no rules: add --policies DIR or `policies:` in plumbline.yaml"
                .into(),
        ));
    }
    let mut sources = PackSources::with_dirs(dirs);
    sources.builtin = !choice.no_builtin;
    sources.load()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_load_the_builtin_pack() {
        let s = Startup::load(None, &PackChoice::default()).unwrap();
        assert!(s.pack.rule(crate::rule_ids::PSS_PRIVILEGED).is_some());
        assert!(s.config.params["resources"].is_object());
    }

    #[test]
    fn no_builtin_without_rules_is_a_usage_error() {
        let e = Startup::load(None, &PackChoice::with_dirs(Vec::new(), true)).unwrap_err();
        assert!(
            matches!(e, Error::Usage(ref m) if m.contains("--no-builtin")),
            "{e}"
        );
    }

    #[test]
    fn config_is_checked_against_the_pack() {
        let config = Config::parse("version: 1\nrules:\n  ignore: [nope]\n", "p.yaml").unwrap();
        let e = Startup::from_config(config, &PackChoice::default()).unwrap_err();
        assert!(e.to_string().contains("p.yaml:3"), "{e}");
    }
}
