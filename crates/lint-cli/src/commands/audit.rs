//! `plumbline audit`: judge what is already in a cluster with the same pack and config.

use std::collections::HashMap;
use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use plumbline_cluster::{
    AuditOptions, ConnectOptions, Listing, ReportOptions, Session, NOT_AUDITED,
};
use policy_core::{LintOptions, Linter, Report, Severity};

use crate::emit::human::count;
use crate::emit::{self, EmitContext, Format};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};
use policy_core::startup::Startup;

#[derive(Args)]
pub(crate) struct AuditArgs {
    /// Kubeconfig file (default: KUBECONFIG, ~/.kube/config, then the in-cluster service account).
    #[arg(long, value_name = "FILE")]
    kubeconfig: Option<PathBuf>,
    /// Kubeconfig context (default: the current context).
    #[arg(long)]
    context: Option<String>,
    /// Only this namespace (repeatable); cluster-scoped objects other than these Namespaces are
    /// then not audited. Default: every namespace and the cluster-scoped kinds.
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    namespace: Vec<String>,
    /// Configuration file (default: plumbline.yaml in the current directory or its parents).
    #[arg(long)]
    config: Option<PathBuf>,
    #[command(flatten)]
    pack: super::PackArgs,
    /// Output format: a lint format, or `openreports` (the Report / ClusterReport objects as
    /// a JSON List, what --write-reports writes).
    #[arg(long, value_enum, default_value_t = AuditFormat::Human)]
    format: AuditFormat,
    /// Write the output to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write the reports to the cluster (server-side apply, field manager `plumbline`): one
    /// `Report` named plumbline-audit per namespace, one `ClusterReport` for cluster-scoped
    /// objects (not with --namespace, which sees only part of them). Needs the OpenReports CRDs
    /// (openreports.io/v1alpha1).
    #[arg(long)]
    write_reports: bool,
    /// Most results listed in one report; the summary counts all.
    #[arg(long, default_value_t = 1000, value_name = "N")]
    max_results: usize,
    /// Objects per list request (pagination continues until every object is read).
    #[arg(long, default_value_t = 500, value_name = "N")]
    page_size: u32,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = AuditFailOn::Error)]
    fail_on: AuditFailOn,
    /// Print only findings and errors, no summary.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuditFormat {
    Human,
    Json,
    Sarif,
    Junit,
    Github,
    Openreports,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum AuditFailOn {
    Error,
    Warning,
    Info,
    Never,
}

pub(crate) fn run(args: AuditArgs) -> anyhow::Result<u8> {
    let Startup { pack, config, .. } = super::start(args.config.as_deref(), &args.pack)?;
    let linter = Linter::new(pack, config, LintOptions::default())?;
    let connect = ConnectOptions::new(args.kubeconfig.clone(), args.context.clone());
    let mut options = AuditOptions::default();
    options.namespaces = args.namespace.clone();
    options.page_size = args.page_size;
    let session = Session::connect(&connect)?;
    let (listing, report) = session.audit(&linter, &options)?;
    let now = jiff::Timestamp::now();
    let reports = plumbline_cluster::reports::build(
        &report,
        &listing.objects,
        linter.active_rules(),
        &ReportOptions::new(args.max_results, (now.as_second(), now.subsec_nanosecond())),
    );
    if !args.quiet {
        say_what_was_audited(&listing, &linter);
    }
    let threshold = args.fail_on.threshold();
    write_output(&args, &report, &reports, &linter, threshold)?;
    if args.write_reports {
        write_to_cluster(&args, &session, reports)?;
    }
    if !report.problems.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(match threshold {
        Some(s) if report.count_at_least(s) > 0 => EXIT_FINDINGS,
        _ => EXIT_OK,
    })
}

/// On stderr: how much was listed, the kinds the cluster does not serve, the rules left out.
fn say_what_was_audited(listing: &Listing, linter: &Linter) {
    eprintln!(
        "plumbline: audited {} in {} ({} list requests)",
        count(listing.objects.len(), "object"),
        count(listing.resources.len(), "resource"),
        listing.requests
    );
    if !listing.absent_kinds.is_empty() {
        eprintln!(
            "plumbline: not served by this cluster, so not audited: {}",
            listing.absent_kinds.join(", ")
        );
    }
    let skipped: Vec<&str> = NOT_AUDITED
        .iter()
        .filter(|(id, _)| linter.active_rules().iter().any(|r| r.id == *id))
        .map(|(id, _)| *id)
        .collect();
    if !skipped.is_empty() {
        eprintln!(
            "plumbline: rules that judge changes, not live objects, are left out: {}",
            skipped.join(", ")
        );
    }
}

/// The report in `--format` (a lint format, or the OpenReports objects) to `--output` or stdout.
fn write_output(
    args: &AuditArgs,
    report: &Report,
    reports: &[serde_json::Value],
    linter: &Linter,
    threshold: Option<Severity>,
) -> anyhow::Result<()> {
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("writing {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    match args.format.lint_format() {
        Some(format) => {
            let texts = HashMap::new();
            let ctx = EmitContext {
                pack: linter.pack(),
                texts: &texts,
                quote: &|_| None,
                color: false,
                show_suppressed: false,
                quiet: args.quiet,
                fail_on: threshold,
                configs: &[],
            };
            let found = emit::Found::listed(&report.findings);
            emit::emitter(format).emit(report, &found, &ctx, &mut out)?;
        }
        None => {
            let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": reports});
            serde_json::to_writer_pretty(&mut out, &list)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `--write-reports`: apply the reports to the cluster.
fn write_to_cluster(
    args: &AuditArgs,
    session: &Session,
    reports: Vec<serde_json::Value>,
) -> anyhow::Result<()> {
    // A namespace-limited audit saw only part of the cluster-scoped objects: it does not
    // overwrite the ClusterReport of a full audit.
    let reports: Vec<_> = reports
        .into_iter()
        .filter(|r| args.namespace.is_empty() || r["kind"] != "ClusterReport")
        .collect();
    let n = session.write_reports(&reports)?;
    if !args.quiet {
        eprintln!(
            "plumbline: wrote {} (openreports.io/v1alpha1)",
            count(n, "report")
        );
    }
    Ok(())
}

impl AuditFormat {
    /// The lint format it is, or `None` for `openreports`.
    fn lint_format(self) -> Option<Format> {
        match self {
            AuditFormat::Human => Some(Format::Human),
            AuditFormat::Json => Some(Format::Json),
            AuditFormat::Sarif => Some(Format::Sarif),
            AuditFormat::Junit => Some(Format::Junit),
            AuditFormat::Github => Some(Format::Github),
            AuditFormat::Openreports => None,
        }
    }
}

impl AuditFailOn {
    /// The severity at or above which findings fail the audit (`None`: never).
    fn threshold(self) -> Option<Severity> {
        match self {
            AuditFailOn::Error => Some(Severity::Error),
            AuditFailOn::Warning => Some(Severity::Warning),
            AuditFailOn::Info => Some(Severity::Info),
            AuditFailOn::Never => None,
        }
    }
}
