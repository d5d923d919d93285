//! One module per subcommand.

use std::path::Path;

use std::sync::Arc;

use anyhow::{bail, Context};
use policy_core::fixtures::run_suite_with;
use policy_core::imagefacts::ImageFacts;
use policy_core::{Config, PolicyPack, ValidConfig};

use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

pub(crate) mod admit;
pub(crate) mod calendar;
pub(crate) mod lint;
pub(crate) mod rules;
pub(crate) mod verify_image;

/// The signature verifier for `signing:` in the config; keys are read relative to the config file.
pub(crate) fn verifier(
    config: &ValidConfig,
    config_path: Option<&Path>,
    layout: Option<&Path>,
) -> anyhow::Result<Arc<dyn ImageFacts>> {
    let dir = config_path
        .and_then(Path::parent)
        .or_else(|| Path::new(&config.config.path).parent())
        .unwrap_or(Path::new("."));
    let v = image_verify::Verifier::from_config(&config.config.signing, dir, layout)
        .context("signing configuration")?;
    Ok(Arc::new(v))
}

/// `--config F`, else `plumbline.yaml` in the working directory or its parents, else defaults.
pub(crate) fn load_config(path: Option<&Path>) -> anyhow::Result<Config> {
    Ok(match path {
        Some(p) => Config::load(p)?,
        None => match std::env::current_dir()
            .ok()
            .and_then(|d| Config::discover(&d))
        {
            Some(p) => Config::load(&p)?,
            None => Config::default(),
        },
    })
}

/// The built-in pack, or the one in `dir`.
pub(crate) fn load_pack(dir: Option<&Path>) -> anyhow::Result<PolicyPack> {
    Ok(match dir {
        Some(d) => PolicyPack::from_dir(d)?,
        None => PolicyPack::builtin()?,
    })
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

/// `plumbline test`.
pub(crate) fn test(policies: &Path, fixtures: &Path, rule: Option<&str>) -> anyhow::Result<u8> {
    let pack = PolicyPack::from_dir(policies)?;
    if let Some(r) = rule {
        if pack.rule(r).is_none() && r.parse::<policy_core::Domain>().is_err() {
            bail!("unknown rule or domain `{r}`");
        }
    }
    let verifier = |signing: &serde_json::Value,
                    dir: &Path,
                    layout: &Path|
     -> Result<Arc<dyn ImageFacts>, String> {
        image_verify::Verifier::from_config(signing, dir, Some(layout))
            .map(|v| Arc::new(v) as Arc<dyn ImageFacts>)
            .map_err(|e| e.to_string())
    };
    let report = run_suite_with(&pack, fixtures, rule, Some(&verifier));
    let mut failed = 0;
    for c in &report.cases {
        if c.failures.is_empty() {
            println!(
                "ok    {:<32} {} ({} objects)",
                c.rule,
                c.file.display(),
                c.judged
            );
        } else {
            failed += 1;
            println!("FAIL  {:<32} {}", c.rule, c.file.display());
            for f in &c.failures {
                println!("      - {f}");
            }
        }
    }
    for i in &report.incomplete {
        println!("INCOMPLETE  {i}");
    }
    let passed = report.cases.len() - failed;
    println!("{passed} passed, {failed} failed");
    Ok(if report.ok() {
        EXIT_OK
    } else if failed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_ERROR
    })
}
