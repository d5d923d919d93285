//! `plumbline-webhook`: flags → config → compiled policies → [`plumbline_webhook::start`] → wait for
//! SIGTERM or SIGINT → drain (a second signal forces exit 1).
//!
//! Exit codes: 0 clean shutdown; 1 runtime failure or forced exit; 2 bad flags (unreadable TLS
//! files included), config or policies.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use plumbline_webhook::{App, Limits, ServeOptions, TlsSource};
use policy_core::admission::AdmissionSettings;
use policy_core::startup::{PackChoice, Startup};
use policy_core::{Config, LintOptions, Linter};

/// Evaluation allocates and frees many small values per review; mimalloc (without transparent
/// huge pages, see the workspace Cargo.toml) takes ~15% off a review's instructions.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Plumbline validating admission webhook.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// plumbline.yaml (default: built-in production baseline).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Add the custom rules in DIR (laid out like policies/) to the built-in pack; repeatable,
    /// and added to the `policies:` directories of the config, as `plumbline lint` does.
    #[arg(long = "policies", value_name = "DIR")]
    policies: Vec<PathBuf>,
    /// Do not run the built-in rules (their libraries data.plumbline.lib.* stay loaded): only the
    /// rules of --policies and `policies:` run.
    #[arg(long)]
    no_builtin: bool,
    /// Certificate chain (PEM); reloaded when it changes.
    #[arg(long, required_unless_present = "self_signed")]
    tls_cert: Option<PathBuf>,
    /// Private key (PEM); reloaded when it changes.
    #[arg(long, required_unless_present = "self_signed")]
    tls_key: Option<PathBuf>,
    /// Generate a self-signed certificate for localhost (local runs only).
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    self_signed: bool,
    /// Address to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    listen: SocketAddr,
    /// Largest AdmissionReview accepted, in bytes (bigger: 413).
    #[arg(long, default_value_t = Limits::default().max_body_bytes)]
    max_body_bytes: usize,
    /// Evaluation deadline per request, in milliseconds (then the failure mode applies).
    #[arg(long, default_value_t = 3000)]
    deadline_ms: u64,
    /// Evaluations of ordinary reviews running at once (the small lane).
    #[arg(long, default_value_t = Limits::default().max_concurrent)]
    max_concurrent: usize,
    /// Evaluations of large reviews running at once (their own lane).
    #[arg(long, default_value_t = Limits::default().max_concurrent_large)]
    max_concurrent_large: usize,
    /// Reviews with a longer body use the large lane, in bytes.
    #[arg(long, default_value_t = Limits::default().large_body_bytes)]
    large_body_bytes: usize,
    /// Reviews with a higher estimated cost use the large lane, in bytes.
    #[arg(long, default_value_t = Limits::default().large_cost_bytes)]
    large_cost_bytes: usize,
    /// Reviews with a higher estimated cost are answered by the failure mode, in bytes.
    #[arg(long, default_value_t = Limits::default().max_review_cost_bytes)]
    max_review_cost_bytes: usize,
    /// Bytes of small-lane bodies being read or waiting, all together.
    #[arg(long, default_value_t = Limits::default().small_body_budget_bytes)]
    small_body_budget_bytes: usize,
    /// Bytes of large-lane bodies being read or waiting, all together.
    #[arg(long, default_value_t = Limits::default().large_body_budget_bytes)]
    large_body_budget_bytes: usize,
    /// Time to receive a request body, in milliseconds (then 408).
    #[arg(long, default_value_t = 10_000)]
    body_timeout_ms: u64,
    /// Time allowed for a TLS handshake, in milliseconds.
    #[arg(long, default_value_t = 5_000)]
    tls_handshake_timeout_ms: u64,
    /// HTTP/1: time to receive a request's headers (also the keep-alive idle time), in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    header_read_timeout_ms: u64,
    /// Close a connection with nothing read or written for this long, in seconds.
    #[arg(long, default_value_t = 60)]
    idle_timeout_secs: u64,
    /// Connections open at once; further ones are closed at once.
    #[arg(long, default_value_t = 256)]
    max_connections: usize,
    /// The webhook's own namespace, exempt by default (default: $POD_NAMESPACE, else plumbline-system).
    #[arg(long)]
    namespace: Option<String>,
    /// Seconds to keep serving after SIGTERM while reporting not ready (endpoint propagation).
    #[arg(long, default_value_t = 5)]
    shutdown_delay_secs: u64,
    /// Log format.
    #[arg(long, value_parser = ["text", "json"], default_value = "json")]
    log_format: String,
    /// Watch Namespaces (labels → tenant, environment) and the objects cross-resource rules read,
    /// using the in-cluster service account (needs the `cluster-cache` build feature).
    #[arg(long)]
    cluster_cache: bool,
    /// Audit the live cluster every this many seconds (0: never), as `plumbline audit` does, and
    /// export violation counts by rule and namespace on /metrics (needs --cluster-cache).
    #[arg(long, default_value_t = 0, value_name = "SECONDS")]
    audit_interval: u64,
    /// With --audit-interval: write OpenReports after each audit (a Report per namespace, a
    /// ClusterReport); needs the OpenReports CRDs and RBAC to write them.
    #[arg(long)]
    audit_write_reports: bool,
    /// Mutual TLS: PEM bundle of the CA issuing the API server's client certificate; only callers
    /// presenting one reach /validate and /metrics (overrides `admission.clientAuth.caFile`).
    #[arg(long)]
    client_ca: Option<PathBuf>,
    /// Mutual TLS: allowed client certificate subject CN or DNS name (repeatable; overrides
    /// `admission.clientAuth.subjects`).
    #[arg(long = "client-subject")]
    client_subjects: Vec<String>,
}

fn main() -> std::process::ExitCode {
    // regorus reports undefined builtin results as anyhow errors; with RUST_BACKTRACE=1 each
    // would capture a backtrace on the evaluation path (~25% of lint time measured). Panics keep
    // their backtraces: they read RUST_BACKTRACE, not RUST_LIB_BACKTRACE.
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    let args = Args::parse();
    init_tracing(&args.log_format);
    // The configuration is read once; the app and the TLS client check both start from it.
    let app = match load_config(&args).and_then(|config| {
        let client_auth = config.admission.client_auth.clone();
        Ok((build(&args, config)?, client_auth))
    }) {
        Ok(a) => a,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "startup failed");
            return std::process::ExitCode::from(2);
        }
    };
    if let Err(e) = check_tls_files(&args) {
        tracing::error!(error = format!("{e:#}"), "startup failed");
        return std::process::ExitCode::from(2);
    }
    let (app, configured_client_auth) = app;
    let client_auth = match client_auth(&args, configured_client_auth) {
        Ok(c) => c,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "startup failed");
            return std::process::ExitCode::from(2);
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the runtime");
            return std::process::ExitCode::from(1);
        }
    };
    match rt.block_on(run(args, app, client_auth)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "webhook failed");
            std::process::ExitCode::from(1)
        }
    }
}

fn init_tracing(format: &str) {
    // RUST_LOG is a plain level here (error, warn, info, debug, trace); default info.
    let level = std::env::var("RUST_LOG")
        .ok()
        .and_then(|l| l.parse::<tracing::Level>().ok())
        .unwrap_or(tracing::Level::INFO);
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_ansi(false);
    if format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
}

/// `--config`, else the defaults.
fn load_config(args: &Args) -> anyhow::Result<Config> {
    Ok(match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    })
}

fn build(args: &Args, config: Config) -> anyhow::Result<App> {
    if args.cluster_cache && !cfg!(feature = "cluster-cache") {
        anyhow::bail!("--cluster-cache: this binary was built without the `cluster-cache` feature");
    }
    if args.audit_interval > 0 && !args.cluster_cache {
        anyhow::bail!(
            "--audit-interval needs --cluster-cache (the audit reads the cluster with its client)"
        );
    }
    if args.audit_write_reports && args.audit_interval == 0 {
        anyhow::bail!("--audit-write-reports needs --audit-interval");
    }
    let own_ns = args
        .namespace
        .clone()
        .or_else(|| std::env::var("POD_NAMESPACE").ok())
        .unwrap_or_else(|| "plumbline-system".into());
    let settings = AdmissionSettings::from_config(&config, Some(&own_ns))?;
    let Startup {
        pack,
        config: valid,
        ..
    } = Startup::from_config(config, &pack_choice(args))?;
    let mut options = LintOptions::default();
    // Image signatures are verified when `signing.keys` is configured; lookups are cached and
    // bounded by signing.timeoutMs, inside the request's evaluation deadline.
    if valid.config.signing["keys"]
        .as_array()
        .is_some_and(|k| !k.is_empty())
    {
        let verifier =
            image_verify::Verifier::for_config(&valid, None).context("signing configuration")?;
        options.image_facts = Some(Arc::new(verifier));
    }
    let linter = Linter::new(pack, valid, options).context("compiling the policy pack")?;
    let mut limits = Limits::default();
    limits.max_body_bytes = args.max_body_bytes;
    limits.deadline = Duration::from_millis(args.deadline_ms);
    limits.max_concurrent = args.max_concurrent;
    limits.max_concurrent_large = args.max_concurrent_large;
    limits.large_body_bytes = args.large_body_bytes;
    limits.large_cost_bytes = args.large_cost_bytes;
    limits.max_review_cost_bytes = args.max_review_cost_bytes;
    limits.small_body_budget_bytes = args.small_body_budget_bytes;
    limits.large_body_budget_bytes = args.large_body_budget_bytes;
    limits.body_timeout = Duration::from_millis(args.body_timeout_ms);
    Ok(App::new(Arc::new(linter), settings, limits))
}

/// The same pack as the linter's: built-in (unless --no-builtin), the config's `policies:`
/// (relative to the config file), then --policies.
fn pack_choice(args: &Args) -> PackChoice {
    PackChoice::with_dirs(args.policies.clone(), args.no_builtin)
}

/// `--tls-cert` and `--tls-key` must be readable files at startup: a wrong path is a bad flag
/// (exit 2, naming the path), not a runtime failure at the first handshake.
fn check_tls_files(args: &Args) -> anyhow::Result<()> {
    let files = [("--tls-cert", &args.tls_cert), ("--tls-key", &args.tls_key)];
    for (flag, path) in files {
        let Some(path) = path else { continue };
        let readable = std::fs::metadata(path).and_then(|m| {
            if m.is_file() {
                std::fs::File::open(path).map(drop)
            } else {
                Err(std::io::Error::other("not a regular file"))
            }
        });
        readable.with_context(|| format!("{flag} {}: cannot read it", path.display()))?;
    }
    Ok(())
}

/// Mutual TLS settings from the flags, else from `admission.clientAuth`; the CA file is read now.
fn client_auth(
    args: &Args,
    configured: Option<policy_core::admission::ClientAuthConfig>,
) -> anyhow::Result<Option<plumbline_webhook::tls::ClientAuth>> {
    let ca = args
        .client_ca
        .clone()
        .or_else(|| configured.as_ref().map(|c| PathBuf::from(&c.ca_file)));
    let Some(ca) = ca else {
        if !args.client_subjects.is_empty() {
            anyhow::bail!("--client-subject needs --client-ca (or admission.clientAuth.caFile)");
        }
        return Ok(None);
    };
    let pem = std::fs::read(&ca).with_context(|| format!("reading client CA {}", ca.display()))?;
    let subjects = if args.client_subjects.is_empty() {
        configured.map(|c| c.subjects).unwrap_or_default()
    } else {
        args.client_subjects.clone()
    };
    let auth = plumbline_webhook::tls::ClientAuth::new(pem, subjects);
    // Fail at startup, not at the first handshake, on a CA file without certificates.
    plumbline_webhook::tls::check_client_auth(&auth)?;
    Ok(Some(auth))
}

async fn run(
    args: Args,
    app: App,
    client_auth: Option<plumbline_webhook::tls::ClientAuth>,
) -> anyhow::Result<()> {
    let tls = match (&args.tls_cert, &args.tls_key) {
        (Some(cert), Some(key)) => TlsSource::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => TlsSource::Pem(plumbline_webhook::tls::self_signed(&[
            "localhost",
            "127.0.0.1",
        ])?),
    };
    #[cfg(feature = "cluster-cache")]
    let _cache = if args.cluster_cache {
        let client = kube::Client::try_default()
            .await
            .context("--cluster-cache: no usable in-cluster or kubeconfig credentials")?;
        Some(plumbline_webhook::cache::ClusterCache::spawn(
            &app,
            client,
            plumbline_webhook::cache::default_kinds(),
        ))
    } else {
        None
    };
    #[cfg(feature = "cluster-cache")]
    let _audit = if args.audit_interval > 0 {
        let client = kube::Client::try_default()
            .await
            .context("--audit-interval: no usable in-cluster or kubeconfig credentials")?;
        let mut settings =
            plumbline_webhook::audit::AuditSettings::new(Duration::from_secs(args.audit_interval));
        settings.write_reports = args.audit_write_reports;
        Some(plumbline_webhook::audit::spawn(&app, client, settings))
    } else {
        None
    };
    let mut opts = ServeOptions::new(args.listen, tls);
    opts.client_auth = client_auth;
    opts.handshake_timeout = Duration::from_millis(args.tls_handshake_timeout_ms);
    opts.header_read_timeout = Duration::from_millis(args.header_read_timeout_ms);
    opts.idle_timeout = Duration::from_secs(args.idle_timeout_secs);
    opts.max_connections = args.max_connections;
    let running = plumbline_webhook::start(app, opts)
        .await
        .context("starting the server")?;
    let signal = shutdown_signal().await;
    running.set_unready();
    tracing::info!(
        signal,
        delay_secs = args.shutdown_delay_secs,
        "{signal}: not ready, still serving"
    );
    // A second signal during the delay or the drain means "now": exit without waiting.
    tokio::spawn(async {
        let again = shutdown_signal().await;
        tracing::error!(
            signal = again,
            "second signal ({again}) while shutting down: forcing exit"
        );
        std::process::exit(1);
    });
    tokio::time::sleep(Duration::from_secs(args.shutdown_delay_secs)).await;
    tracing::info!(
        connections = running.connections(),
        "shutting down: draining in-flight requests"
    );
    running.shutdown().await?;
    tracing::info!("stopped");
    Ok(())
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM and returns which one came.
async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "SIGINT",
        () = term => "SIGTERM",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `policies:` of the config (relative to it) adds custom rules to the built-in pack, as in
    /// the linter; --policies adds more; --no-builtin leaves only the custom ones.
    #[test]
    fn custom_policies_from_the_config_add_to_the_builtin_pack() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let config = root.join("examples/custom-policies/plumbline.yaml");
        let parse = |extra: &[&str]| {
            let mut argv = vec![
                "plumbline-webhook".to_string(),
                "--self-signed".to_string(),
                "--config".to_string(),
                config.display().to_string(),
            ];
            argv.extend(extra.iter().map(|s| s.to_string()));
            match Args::try_parse_from(argv) {
                Ok(a) => a,
                Err(e) => panic!("flags parse: {e}"),
            }
        };
        let loaded = |args: &Args| {
            let cfg = Config::load(args.config.as_deref().unwrap_or(std::path::Path::new("")))
                .map_err(|e| e.to_string())?;
            policy_core::startup::load_pack(&cfg, &pack_choice(args)).map_err(|e| format!("{e:#}"))
        };
        let builtin = policy_core::PolicyPack::builtin().map_err(|e| e.to_string());
        let Ok(builtin) = builtin else {
            panic!("built-in pack: {builtin:?}")
        };
        let pack = loaded(&parse(&[]));
        let Ok(pack) = pack else { panic!("{pack:?}") };
        assert!(pack.rule("odoo-module-allowlist").is_some());
        assert_eq!(pack.rules.len(), builtin.rules.len() + 1);
        let config = load_config(&parse(&[]));
        assert!(
            config.and_then(|c| build(&parse(&[]), c)).is_ok(),
            "the webhook starts with them"
        );
        let only = loaded(&parse(&["--no-builtin"]));
        let Ok(only) = only else { panic!("{only:?}") };
        assert_eq!(only.rules.len(), 1);
        // The same directory from the config and the flag is loaded once.
        let dir = root.join("examples/custom-policies/policies");
        let twice = loaded(&parse(&["--policies", &dir.display().to_string()]));
        assert!(twice.is_ok_and(|p| p.rules.len() == builtin.rules.len() + 1));
    }

    #[test]
    fn missing_tls_file_is_named() {
        let dir = std::env::temp_dir();
        let args = Args::try_parse_from([
            "plumbline-webhook",
            "--tls-cert",
            "/nonexistent/plumbline/tls.crt",
            "--tls-key",
            "/nonexistent/plumbline/tls.key",
        ]);
        let Ok(args) = args else {
            panic!("flags parse");
        };
        let err = check_tls_files(&args).err().map(|e| format!("{e:#}"));
        assert!(
            err.as_deref()
                .is_some_and(|e| e.contains("--tls-cert /nonexistent/plumbline/tls.crt")),
            "{err:?}"
        );
        let dir_args = Args::try_parse_from([
            "plumbline-webhook",
            "--tls-cert",
            &dir.display().to_string(),
            "--tls-key",
            "/nonexistent/k",
        ]);
        let Ok(dir_args) = dir_args else {
            panic!("flags parse");
        };
        assert!(
            check_tls_files(&dir_args).is_err(),
            "a directory is not a cert"
        );
        let ok = Args::try_parse_from(["plumbline-webhook", "--self-signed"]);
        assert!(ok.is_ok_and(|a| check_tls_files(&a).is_ok()));
    }
}
