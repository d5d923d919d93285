//! `plumbline admit REVIEW.json`: replay an AdmissionReview offline and print the exact response
//! the webhook would give (the same `policy_core::admission::review`).

use std::io::Read;
use std::path::PathBuf;

use anyhow::{bail, Context};
use clap::Args;
use policy_core::admission::{review, AdmissionSettings};
use policy_core::{expand_paths, objects_from_source, LintOptions, Linter, Source};

use policy_core::startup::Startup;

use super::load_config;
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

#[derive(Args)]
pub(crate) struct AdmitArgs {
    /// AdmissionReview v1 JSON file, or - for stdin.
    review: PathBuf,
    /// Configuration file (default: plumbline.yaml in the current directory or its parents).
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    pack: super::PackArgs,
    /// Manifests (files or directories) standing in for the cluster: Namespaces, quotas, network
    /// policies… (the webhook's cache). Without it the inventory is unknown, as in a webhook
    /// without a cache.
    #[arg(long)]
    cluster: Vec<PathBuf>,
    /// The webhook's own namespace (exempt by default).
    #[arg(long)]
    own_namespace: Option<String>,
    /// Decide as of this instant (RFC 3339 or YYYY-MM-DD) instead of now.
    #[arg(long)]
    at: Option<String>,
}

pub(crate) fn run(args: AdmitArgs) -> anyhow::Result<u8> {
    let body = if args.review.as_os_str() == "-" {
        let mut b = Vec::new();
        std::io::stdin()
            .take(policy_core::MAX_FILE_BYTES)
            .read_to_end(&mut b)?;
        b
    } else {
        std::fs::read(&args.review).with_context(|| format!("reading {}", args.review.display()))?
    };
    let unchecked = Startup::begin(load_config(args.config.as_deref())?, &args.pack.choice())?;
    let mut settings =
        AdmissionSettings::from_config(&unchecked.config, args.own_namespace.as_deref())?;
    let mut options = LintOptions::default();
    if let Some(at) = &args.at {
        let t = super::lint::parse_instant(at)?;
        options.now = t;
        settings.now = Some(t);
    }
    let Startup { pack, config, .. } = unchecked.check()?;
    let linter = Linter::new(pack, config, options)?;
    let inventory = if args.cluster.is_empty() {
        policy_core::Inventory::unknown()
    } else {
        let (files, problems) = expand_paths(&args.cluster);
        if let Some(p) = problems.first() {
            bail!("--cluster: {p}");
        }
        let mut objects = Vec::new();
        for f in files {
            let src = Source::read(&f).map_err(|p| anyhow::anyhow!("--cluster: {p}"))?;
            let (objs, problems) = objects_from_source(&src);
            if let Some(p) = problems.first() {
                bail!("--cluster: {p}");
            }
            objects.extend(objs);
        }
        linter.inventory(&objects)
    };
    match review(&linter, &settings, &body, &inventory) {
        Ok(response) => {
            println!("{}", serde_json::to_string_pretty(&response)?);
            Ok(if response["response"]["allowed"] == true {
                EXIT_OK
            } else {
                EXIT_FINDINGS
            })
        }
        Err(e) => {
            eprintln!(
                "plumbline: {}: {e} (the webhook answers HTTP 400)",
                args.review.display()
            );
            Ok(EXIT_ERROR)
        }
    }
}
