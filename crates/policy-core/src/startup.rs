//! What both binaries do before their first object: read the configuration, load the pack it
//! names (the built-in rules unless turned off, its `policies:` directories, then the command
//! line's), and check the two together. `plumbline` and `plumbline-webhook` differ only in how
//! they find the configuration (the linter also discovers `plumbline.yaml` upwards) and in what
//! they build on the result (image verifier, admission settings).
//!
//! Start-up runs in two steps, [`Startup::begin`] (configuration read, pack loaded) and
//! [`Unchecked::check`] (configuration validated against the pack), so that a command can
//! check its own flags against the pack in between (`plumbline lint --select`, `export
//! --rule`) and report them before a configuration error, as it always has. [`Startup::load`]
//! and [`Startup::from_config`] run both steps at once. The linter judges each file by its
//! nearest `plumbline.yaml`: it starts once per configuration found, each through
//! [`Startup::begin`] with that configuration's path.

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

/// A configuration and its loaded pack, not yet validated together: the moment to check
/// command-line choices against the pack before [`Unchecked::check`].
#[derive(Debug)]
#[non_exhaustive]
pub struct Unchecked {
    /// The pack: built-in, then the config's `policies:`, then [`PackChoice::dirs`].
    pub pack: PolicyPack,
    /// The configuration as read, not yet checked against `pack`.
    pub config: Config,
}

impl Unchecked {
    /// Validate the configuration against the pack (rule ids exist, params merged).
    pub fn check(self) -> Result<Startup, Error> {
        let config = self.config.validate(&self.pack)?;
        Ok(Startup {
            pack: self.pack,
            config,
        })
    }
}

impl Startup {
    /// Read the configuration at `path` (defaults when `None`) and load its pack.
    pub fn load(path: Option<&Path>, choice: &PackChoice) -> Result<Startup, Error> {
        Startup::from_config(read_config(path)?, choice)
    }

    /// Load the pack `config` names and validate `config` against it.
    pub fn from_config(config: Config, choice: &PackChoice) -> Result<Startup, Error> {
        Startup::begin(config, choice)?.check()
    }

    /// The first step alone: load the pack `config` names, leave the validation to
    /// [`Unchecked::check`].
    pub fn begin(config: Config, choice: &PackChoice) -> Result<Unchecked, Error> {
        let pack = load_pack(&config, choice)?;
        Ok(Unchecked { pack, config })
    }
}

/// The configuration at `path`, or the defaults when `None`.
pub fn read_config(path: Option<&Path>) -> Result<Config, Error> {
    match path {
        Some(p) => Config::load(p),
        None => Ok(Config::default()),
    }
}

/// The configuration at `given`, else the nearest `plumbline.yaml` in `dir` or its parents
/// (`None`: no directory to search), else the defaults. The linter's way; the webhook reads
/// only a given file.
pub fn discover_config(given: Option<&Path>, dir: Option<&Path>) -> Result<Config, Error> {
    match given {
        Some(p) => Config::load(p),
        None => read_config(dir.and_then(Config::discover).as_deref()),
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
    fn begin_loads_the_pack_and_leaves_the_config_unchecked() {
        let config = Config::parse("version: 1\nrules:\n  ignore: [nope]\n", "p.yaml").unwrap();
        let unchecked = Startup::begin(config, &PackChoice::default()).unwrap();
        assert!(unchecked
            .pack
            .rule(crate::rule_ids::PSS_PRIVILEGED)
            .is_some());
        assert_eq!(unchecked.config.path, "p.yaml");
        let e = unchecked.check().unwrap_err();
        assert!(e.to_string().contains("p.yaml:3"), "{e}");
    }

    #[test]
    fn discover_finds_the_nearest_config_upwards() {
        let root = std::env::temp_dir().join(format!("plumbline-startup-{}", std::process::id()));
        let nested = root.join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        let file = root.join("a").join(crate::config::FILE_NAME);
        std::fs::write(&file, "version: 1\n").unwrap();
        let found = discover_config(None, Some(&nested)).unwrap();
        assert_eq!(found.path, file.display().to_string());
        // A given file wins over discovery; no file anywhere means the defaults.
        let other = root.join("other.yaml");
        std::fs::write(&other, "version: 1\n").unwrap();
        let given = discover_config(Some(&other), Some(&nested)).unwrap();
        assert_eq!(given.path, other.display().to_string());
        let none = discover_config(None, None).unwrap();
        assert_eq!(none.path, Config::default().path);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_given_config_is_an_error() {
        let e = read_config(Some(Path::new("/nonexistent/plumbline.yaml"))).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/plumbline.yaml"), "{e}");
    }

    #[test]
    fn config_is_checked_against_the_pack() {
        let config = Config::parse("version: 1\nrules:\n  ignore: [nope]\n", "p.yaml").unwrap();
        let e = Startup::from_config(config, &PackChoice::default()).unwrap_err();
        assert!(e.to_string().contains("p.yaml:3"), "{e}");
    }
}
