//! `plumbline export vap`: the rules with a CEL form as ValidatingAdmissionPolicies and bindings.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, Subcommand};
use policy_core::{LintOptions, Linter};

use crate::EXIT_OK;
use policy_core::startup::Startup;

#[derive(Args)]
pub(crate) struct ExportArgs {
    #[command(subcommand)]
    what: ExportWhat,
}

#[derive(Subcommand)]
enum ExportWhat {
    /// ValidatingAdmissionPolicy + ValidatingAdmissionPolicyBinding for every rule with a CEL
    /// form, as a JSON `List` for `kubectl apply -f`: a backstop the API server enforces while
    /// the webhook is down. Rules without a form are named on stderr with why.
    Vap(VapArgs),
}

#[derive(Args)]
struct VapArgs {
    /// Configuration file (default: plumbline.yaml in the current directory or its parents):
    /// parameters are written into the policies, `admission.enforcement` decides the bindings.
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    pack: super::PackArgs,
    /// Only these rule ids (repeatable).
    #[arg(long = "rule", value_name = "ID")]
    rules: Vec<String>,
    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Do not list the rules left out.
    #[arg(long, short)]
    quiet: bool,
}

pub(crate) fn run(args: ExportArgs) -> anyhow::Result<u8> {
    let ExportWhat::Vap(args) = args.what;
    let config = super::load_config(args.config.as_deref())?;
    let unchecked = Startup::begin(config, &args.pack.choice())?;
    for r in &args.rules {
        if unchecked.pack.rule(r).is_none() {
            anyhow::bail!("--rule {r}: no such rule (see `plumbline rules`)");
        }
    }
    let Startup { pack, config, .. } = unchecked.check()?;
    let linter = Linter::new(pack, config, LintOptions::default())?;
    let export = policy_core::vap::export(&linter, &args.rules)?;
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": export.objects});
    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).with_context(|| format!("writing {}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    serde_json::to_writer_pretty(&mut out, &list)?;
    writeln!(out)?;
    out.flush()?;
    if !args.quiet {
        let policies = export
            .objects
            .iter()
            .filter(|o| o["kind"] == "ValidatingAdmissionPolicy")
            .count();
        eprintln!(
            "plumbline: {} with a CEL form exported; {} left out:",
            crate::emit::human::count(policies, "rule"),
            export.without.len()
        );
        for (id, why) in &export.without {
            eprintln!("  {id}: {why}");
        }
    }
    Ok(EXIT_OK)
}
