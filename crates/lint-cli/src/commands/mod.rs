//! One module per subcommand.

use std::path::Path;

use std::sync::Arc;

use anyhow::{bail, Context};
use policy_core::imagefacts::ImageFacts;
use policy_core::startup::{self, PackChoice, Startup};
use policy_core::{Config, PolicyPack, ValidConfig};

use crate::EXIT_OK;

pub(crate) mod admit;
pub(crate) mod audit;
pub(crate) mod calendar;
pub(crate) mod export;
pub(crate) mod lint;
pub(crate) mod new_rule;
pub(crate) mod rules;
pub(crate) mod schema;
pub(crate) mod test;
pub(crate) mod verify_image;

/// The signature verifier for `signing:` in the config; keys are read relative to the config file.
pub(crate) fn verifier(
    config: &ValidConfig,
    layout: Option<&Path>,
) -> anyhow::Result<Arc<dyn ImageFacts>> {
    let v = image_verify::Verifier::for_config(config, layout).context("signing configuration")?;
    Ok(Arc::new(v))
}

/// `--config F`, else `plumbline.yaml` in the working directory or its parents, else defaults.
pub(crate) fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    let cwd = std::env::current_dir().ok();
    Ok(startup::discover_config(path, cwd.as_deref())?)
}

/// The configuration of `--config` (or found from the working directory) with its pack loaded
/// and checked: the start-up the webhook shares, for commands with nothing to check in between.
pub(crate) fn start(config: Option<&Path>, pack: &PackArgs) -> anyhow::Result<Startup> {
    Ok(Startup::from_config(load_config(config)?, &pack.choice())?)
}

/// Which policies a command loads (`--policies DIR`..., `--no-builtin`).
#[derive(clap::Args, Debug, Default, Clone)]
pub(crate) struct PackArgs {
    /// Add the custom rules in DIR (laid out like policies/: <domain>/<rule-id>/) to the built-in
    /// pack; repeatable, and added to the `policies:` directories of plumbline.yaml.
    #[arg(long = "policies", value_name = "DIR")]
    pub(crate) policies: Vec<std::path::PathBuf>,
    /// Do not run the built-in rules (their libraries data.plumbline.lib.* stay loaded): only the
    /// rules of --policies and `policies:` run.
    #[arg(long)]
    pub(crate) no_builtin: bool,
}

impl PackArgs {
    /// The same choice as policy-core's start-up takes it.
    pub(crate) fn choice(&self) -> PackChoice {
        PackChoice::with_dirs(self.policies.clone(), self.no_builtin)
    }
}

/// The pack alone, for commands that list rules without judging objects (`rules`, `explain`):
/// the built-in pack (unless `--no-builtin`), the config's `policies:`, then `--policies`.
pub(crate) fn load_pack(args: &PackArgs, config: &Config) -> anyhow::Result<PolicyPack> {
    Ok(startup::load_pack(config, &args.choice())?)
}

/// `plumbline init`.
pub(crate) fn init(path: &Path, force: bool) -> anyhow::Result<u8> {
    if path.exists() && !force {
        bail!("{} exists; use --force to overwrite", path.display());
    }
    std::fs::write(path, policy_core::config::TEMPLATE)
        .with_context(|| format!("writing {}", path.display()))?;
    // The template must always be a valid config.
    Config::parse(policy_core::config::TEMPLATE, &path.display().to_string())?;
    eprintln!("wrote {}", path.display());
    Ok(EXIT_OK)
}
