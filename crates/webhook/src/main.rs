//! `plumbline-webhook`: flags → config → compiled policies → [`plumbline_webhook::start`] → wait for
//! SIGTERM → drain.
//!
//! Exit codes: 0 clean shutdown; 1 runtime failure; 2 bad flags, config or policies.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Parser;
use plumbline_webhook::{App, Limits, ServeOptions, TlsSource};
use policy_core::admission::AdmissionSettings;
use policy_core::{Config, LintOptions, Linter, PolicyPack};

/// Plumbline validating admission webhook.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// plumbline.yaml (default: built-in production baseline).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Policy pack directory (default: the built-in pack).
    #[arg(long)]
    policies: Option<PathBuf>,
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
    /// Evaluations running at once.
    #[arg(long, default_value_t = Limits::default().max_concurrent)]
    max_concurrent: usize,
    /// The webhook's own namespace, exempt by default (default: $POD_NAMESPACE, else plumbline-system).
    #[arg(long)]
    namespace: Option<String>,
    /// Seconds to keep serving after SIGTERM while reporting not ready (endpoint propagation).
    #[arg(long, default_value_t = 5)]
    shutdown_delay_secs: u64,
    /// Log format.
    #[arg(long, value_parser = ["text", "json"], default_value = "json")]
    log_format: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    init_tracing(&args.log_format);
    let app = match build(&args) {
        Ok(a) => a,
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
    match rt.block_on(run(args, app)) {
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

fn build(args: &Args) -> anyhow::Result<App> {
    let pack = match &args.policies {
        Some(dir) => PolicyPack::from_dir(dir)?,
        None => PolicyPack::builtin()?,
    };
    let config = match &args.config {
        Some(p) => Config::load(p)?,
        None => Config::default(),
    };
    let own_ns = args
        .namespace
        .clone()
        .or_else(|| std::env::var("POD_NAMESPACE").ok())
        .unwrap_or_else(|| "plumbline-system".into());
    let settings = AdmissionSettings::from_config(&config, Some(&own_ns))?;
    let valid = config.validate(&pack)?;
    let linter =
        Linter::new(pack, valid, LintOptions::default()).context("compiling the policy pack")?;
    let mut limits = Limits::default();
    limits.max_body_bytes = args.max_body_bytes;
    limits.deadline = Duration::from_millis(args.deadline_ms);
    limits.max_concurrent = args.max_concurrent;
    Ok(App::new(Arc::new(linter), settings, limits))
}

async fn run(args: Args, app: App) -> anyhow::Result<()> {
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
    let running = plumbline_webhook::start(app, ServeOptions::new(args.listen, tls))
        .await
        .context("starting the server")?;
    shutdown_signal().await;
    running.set_unready();
    tracing::info!(
        delay_secs = args.shutdown_delay_secs,
        "SIGTERM: not ready, still serving"
    );
    tokio::time::sleep(Duration::from_secs(args.shutdown_delay_secs)).await;
    tracing::info!(
        connections = running.connections(),
        "shutting down: draining in-flight requests"
    );
    running.shutdown().await?;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
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
        () = ctrl_c => {}
        () = term => {}
    }
}
