//! TLS: the ring provider, loading, hot reload on file change, self-signed certificates, and
//! optional mutual TLS (only callers with a certificate from a configured CA, optionally with an
//! allowed subject, reach `/validate`).
//!
//! Protocols: TLS 1.3 and 1.2 only. Cipher suites are ring's rustls defaults, all AEAD with
//! forward secrecy: TLS13_AES_256_GCM_SHA384, TLS13_AES_128_GCM_SHA256,
//! TLS13_CHACHA20_POLY1305_SHA256, TLS_ECDHE_{ECDSA,RSA}_WITH_AES_256_GCM_SHA384,
//! TLS_ECDHE_{ECDSA,RSA}_WITH_AES_128_GCM_SHA256, TLS_ECDHE_{ECDSA,RSA}_WITH_CHACHA20_POLY1305_SHA256;
//! key exchange X25519, secp256r1, secp384r1.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime};

use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum_server::accept::{Accept, NoDelayAcceptor};
use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use rustls::client::danger::HandshakeSignatureValid;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::server::WebPkiClientVerifier;
use rustls::{DigitallySignedStruct, DistinguishedName, ServerConfig, SignatureScheme};

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

/// Mutual TLS: who may call the webhook.
#[derive(Clone)]
#[non_exhaustive]
pub struct ClientAuth {
    /// PEM bundle of the CA(s) that issue callers' certificates.
    pub ca_pem: Vec<u8>,
    /// Allowed subject common names or DNS names of the caller's certificate; empty: any
    /// certificate the CA issued.
    pub subjects: Vec<String>,
}

impl ClientAuth {
    /// Callers with a certificate from `ca_pem` whose subject CN or a DNS name is in `subjects`
    /// (any, if empty).
    pub fn new(ca_pem: Vec<u8>, subjects: Vec<String>) -> ClientAuth {
        ClientAuth { ca_pem, subjects }
    }
}

impl std::fmt::Debug for ClientAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientAuth")
            .field("ca_bytes", &self.ca_pem.len())
            .field("subjects", &self.subjects)
            .finish()
    }
}

/// Check that the client CA bundle holds at least one usable CA certificate.
pub fn check_client_auth(client: &ClientAuth) -> io::Result<()> {
    client_verifier(client, Arc::new(rustls::crypto::ring::default_provider())).map(|_| ())
}

fn client_verifier(
    client: &ClientAuth,
    provider: Arc<rustls::crypto::CryptoProvider>,
) -> io::Result<Arc<dyn ClientCertVerifier>> {
    let mut roots = rustls::RootCertStore::empty();
    for ca in CertificateDer::pem_slice_iter(&client.ca_pem) {
        roots.add(ca.map_err(invalid)?).map_err(invalid)?;
    }
    if roots.is_empty() {
        return Err(invalid("no CA certificate in the client CA file"));
    }
    let inner = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
        .allow_unauthenticated()
        .build()
        .map_err(invalid)?;
    Ok(Arc::new(SubjectVerifier {
        inner,
        subjects: client.subjects.clone(),
    }))
}

fn invalid(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, e.to_string())
}

/// The rustls server configuration: TLS 1.2+ on ring's default (AEAD, ECDHE) suites, HTTP/2 and
/// HTTP/1.1 by ALPN, and, with `client`, a verifier that checks callers' certificates.
///
/// A handshake without a client certificate still succeeds when `client` is set (kubelet probes
/// present none); the [`Acceptor`] then only lets such connections reach `/healthz` and `/readyz`.
/// A certificate that does not chain to the CA, or whose subject is not allowed, fails the
/// handshake.
pub fn server_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    client: Option<&ClientAuth>,
) -> io::Result<Arc<ServerConfig>> {
    let certs = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(invalid)?;
    if certs.is_empty() {
        return Err(invalid("no certificate in the certificate file"));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(invalid)?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
        .map_err(invalid)?;
    let builder = match client {
        None => builder.with_no_client_auth(),
        Some(c) => builder.with_client_cert_verifier(client_verifier(c, provider)?),
    };
    let mut config = builder.with_single_cert(certs, key).map_err(invalid)?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// Build the rustls configuration from a source.
pub async fn load(source: &TlsSource) -> io::Result<RustlsConfig> {
    load_with(source, None).await
}

/// Build the rustls configuration from a source, with optional mutual TLS.
pub async fn load_with(
    source: &TlsSource,
    client: Option<&ClientAuth>,
) -> io::Result<RustlsConfig> {
    install_provider();
    let (cert, key) = match source {
        TlsSource::Files { cert, key } => {
            (tokio::fs::read(cert).await?, tokio::fs::read(key).await?)
        }
        TlsSource::Pem(p) => (p.cert.clone(), p.key.clone()),
    };
    Ok(RustlsConfig::from_config(server_config(
        &cert, &key, client,
    )?))
}

mod accept;
mod subject;

pub use accept::*;
pub use subject::certificate_names;
use subject::SubjectVerifier;

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
    spawn_reloader_with(config, cert, key, interval, metrics, None)
}

/// [`spawn_reloader`] keeping the mutual TLS settings across reloads.
pub fn spawn_reloader_with(
    config: RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
    interval: Duration,
    metrics: Arc<Metrics>,
    client: Option<ClientAuth>,
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
                Ok((c, k)) => {
                    server_config(&c, &k, client.as_ref()).map(|sc| config.reload_from_config(sc))
                }
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
