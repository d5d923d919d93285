//! `plumbline`: lint Kubernetes manifests against the Plumbline policy pack.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

mod baseline;
mod commands;
mod emit;
mod spill;

/// Exit code: no finding at or above --fail-on.
pub(crate) const EXIT_OK: u8 = 0;
/// Exit code: findings at or above --fail-on.
pub(crate) const EXIT_FINDINGS: u8 = 1;
/// Exit code: usage, configuration or input errors.
pub(crate) const EXIT_ERROR: u8 = 2;

#[derive(Parser)]
#[command(
    name = "plumbline",
    version,
    about = "Policy-as-code for Kubernetes manifests: pinned images, resources, tenant isolation, network exposure, encryption, change control.",
    after_help = "Exit codes:\n  0  no finding at or above --fail-on\n  1  findings at or above --fail-on\n  2  usage, configuration or input errors (every unreadable file or document is still reported, the rest still checked)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Lint manifests (files, directories, or - for stdin).
    Lint(commands::lint::LintArgs),
    /// List the rules.
    Rules {
        /// Output format.
        #[arg(long, value_enum, default_value_t = ListFormat::Human)]
        format: ListFormat,
        #[command(flatten)]
        pack: commands::PackArgs,
        /// Configuration file (its `policies:` directories are listed too).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Explain a rule: why it matters, how to fix, an example.
    Explain {
        /// Rule id.
        rule: String,
        #[command(flatten)]
        pack: commands::PackArgs,
        /// Configuration file (its `policies:` directories are searched too).
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Write a commented plumbline.yaml template.
    Init {
        /// Where to write it.
        #[arg(default_value = "plumbline.yaml")]
        path: PathBuf,
        /// Overwrite an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Replay an AdmissionReview offline: print the webhook's exact response (exit 1 when denied).
    Admit(commands::admit::AdmitArgs),
    /// Audit a live cluster: list what the pack judges, report findings, write OpenReports.
    Audit(commands::audit::AuditArgs),
    /// Export rules to other forms: `export vap` writes ValidatingAdmissionPolicies (a backstop while the webhook is down).
    Export(commands::export::ExportArgs),
    /// Verify one image's signatures: digest, signatures found, which key verified, and why not.
    VerifyImage(commands::verify_image::VerifyImageArgs),
    /// Print the change-freeze windows ahead, to plan releases.
    Calendar(commands::calendar::CalendarArgs),
    /// Test rules: each rule folder's suite (suite.yaml and samples, or the pack's fixtures) and
    /// its Rego unit tests (policy_test.rego); exit 1 when one fails.
    Test(commands::test::TestArgs),
    /// Scaffold a custom rule folder <domain>/<id>/ that passes `plumbline test` at once.
    NewRule(commands::new_rule::NewRuleArgs),
    /// Print a JSON Schema: `config` (plumbline.yaml) or `input` (what a rule reads as `input`).
    Schema(commands::schema::SchemaArgs),
}

#[derive(Clone, Copy, ValueEnum)]
pub(crate) enum ListFormat {
    Human,
    Json,
}

/// Evaluation allocates many small, short-lived values; see the workspace Cargo.toml.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    // regorus reports undefined builtin results as anyhow errors; with RUST_BACKTRACE=1 each
    // would capture a backtrace on the evaluation path (~25% of lint time measured). Panics keep
    // their backtraces: they read RUST_BACKTRACE, not RUST_LIB_BACKTRACE.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Lint(args) => commands::lint::run(args),
        Command::Rules {
            format,
            pack,
            config,
        } => commands::rules::list(format, &pack, config.as_deref()),
        Command::Explain { rule, pack, config } => {
            commands::rules::explain(&rule, &pack, config.as_deref())
        }
        Command::Init { path, force } => commands::init(&path, force),
        Command::Calendar(args) => commands::calendar::run(args),
        Command::Admit(args) => commands::admit::run(args),
        Command::Audit(args) => commands::audit::run(args),
        Command::Export(args) => commands::export::run(args),
        Command::VerifyImage(args) => commands::verify_image::run(args),
        Command::Test(args) => commands::test::run(args),
        Command::NewRule(args) => commands::new_rule::run(args),
        Command::Schema(args) => commands::schema::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("plumbline: error: {e:#}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
