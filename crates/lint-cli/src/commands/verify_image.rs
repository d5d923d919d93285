//! `plumbline verify-image REF`: digest, signatures found, which key verified, and why not.

use std::path::PathBuf;

use clap::Args;
use policy_core::imagefacts::{ImageContext, SignatureState};

use crate::{ListFormat, EXIT_FINDINGS, EXIT_OK};

#[derive(Args)]
pub(crate) struct VerifyImageArgs {
    /// Image reference, e.g. registry.example.com/erp/odoo:17.0.
    reference: String,
    /// Configuration file with the `signing:` keys (default: plumbline.yaml here or in a parent).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Read from this OCI image layout instead of the registry.
    #[arg(long, value_name = "DIR")]
    signatures_from: Option<PathBuf>,
    /// Judge keys as for this tenant (tenant-scoped keys apply only to their tenant).
    #[arg(long)]
    tenant: Option<String>,
    /// Judge keys as in this environment.
    #[arg(long)]
    environment: Option<String>,
    /// Output format (as for `plumbline lint` and `plumbline rules`).
    #[arg(long, value_enum, default_value_t = ListFormat::Human)]
    format: ListFormat,
    /// Same as `--format json`.
    #[arg(long, conflicts_with = "format")]
    json: bool,
}

pub(crate) fn run(args: VerifyImageArgs) -> anyhow::Result<u8> {
    let config = super::start(args.config.as_deref(), &super::PackArgs::default())?.config;
    // Keys are read relative to the config in use, given or found.
    let verifier = image_verify::Verifier::for_config(&config, args.signatures_from.as_deref())?;
    let tenant = args.tenant.clone().unwrap_or_default();
    let environment = args.environment.clone().unwrap_or_default();
    let ctx = ImageContext {
        tenant: &tenant,
        environment: &environment,
        tier: "",
        namespace: "",
    };
    let scoped = args.tenant.is_some() || args.environment.is_some();
    let report = verifier.verify_image(&args.reference, scoped.then_some(&ctx));
    if args.json || matches!(args.format, ListFormat::Json) {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        let text = report.to_string();
        print!("{text}");
        if !text.ends_with('\n') {
            println!();
        }
    }
    Ok(if report.state == SignatureState::Verified {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    })
}
