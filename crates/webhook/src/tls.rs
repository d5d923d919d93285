//! TLS: the ring provider, loading, hot reload on file change, and self-signed certificates.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use axum_server::tls_rustls::RustlsConfig;

use crate::metrics::Metrics;

/// Install ring as the process-wide rustls provider (idempotent).
///
/// Only ring is compiled in; installing it explicitly avoids rustls' "no process-level provider"
/// panic and would surface a second provider at build review time (`cargo tree -i aws-lc-rs`).
pub fn install_provider() {
    // Err means a provider is already installed (a second server in the same process): fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A certificate chain and key, PEM.
#[derive(Clone)]
pub struct PemPair {
    /// Certificate chain (leaf first).
    pub cert: Vec<u8>,
    /// Private key.
    pub key: Vec<u8>,
}

impl std::fmt::Debug for PemPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PemPair")
            .field("cert_bytes", &self.cert.len())
            .finish()
    }
}

/// Where the server's certificate comes from.
#[derive(Debug, Clone)]
pub enum TlsSource {
    /// Files, watched for changes.
    Files {
        /// Certificate chain file (PEM).
        cert: PathBuf,
        /// Private key file (PEM).
        key: PathBuf,
    },
    /// In memory (`--self-signed`, tests); never reloaded.
    Pem(PemPair),
}

/// A self-signed certificate for `names` (DNS names or IP addresses), for local runs.
pub fn self_signed(names: &[&str]) -> Result<PemPair, rcgen::Error> {
    let ck = rcgen::generate_simple_self_signed(
        names.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    )?;
    Ok(PemPair {
        cert: ck.cert.pem().into_bytes(),
        key: ck.signing_key.serialize_pem().into_bytes(),
    })
}

/// Build the rustls configuration from a source.
pub async fn load(source: &TlsSource) -> std::io::Result<RustlsConfig> {
    install_provider();
    match source {
        TlsSource::Files { cert, key } => RustlsConfig::from_pem_file(cert, key).await,
        TlsSource::Pem(p) => RustlsConfig::from_pem(p.cert.clone(), p.key.clone()).await,
    }
}

type Stamp = Option<(SystemTime, u64)>;

fn stamp(p: &Path) -> Stamp {
    let m = std::fs::metadata(p).ok()?;
    Some((m.modified().ok()?, m.len()))
}

/// Poll the files every `interval`; when either changed, reload, but only if both parse and the key
/// matches the certificate. On failure the old certificate stays in use and the attempt is logged
/// once per change. Open connections keep their session: only new handshakes see the new certificate.
pub fn spawn_reloader(
    config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
    interval: Duration,
    metrics: Arc<Metrics>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut current = (stamp(&cert), stamp(&key));
        let mut failed: Option<(Stamp, Stamp)> = None;
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = (stamp(&cert), stamp(&key));
            if now == current || failed.as_ref() == Some(&now) {
                continue;
            }
            let read = async {
                Ok::<_, std::io::Error>((
                    tokio::fs::read(&cert).await?,
                    tokio::fs::read(&key).await?,
                ))
            };
            let result = match read.await {
                Ok((c, k)) => config.reload_from_pem(c, k).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => {
                    tracing::info!(cert = %cert.display(), "TLS certificate reloaded");
                    metrics.cert_reload(true);
                    current = now;
                    failed = None;
                }
                Err(e) => {
                    tracing::warn!(cert = %cert.display(), error = %e, "TLS certificate reload failed; keeping the previous certificate");
                    metrics.cert_reload(false);
                    failed = Some(now);
                }
            }
        }
    })
}
