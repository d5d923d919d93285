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

/// WebPKI chain verification, then the subject check.
#[derive(Debug)]
struct SubjectVerifier {
    inner: Arc<dyn ClientCertVerifier>,
    subjects: Vec<String>,
}

impl ClientCertVerifier for SubjectVerifier {
    fn offer_client_auth(&self) -> bool {
        true
    }

    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        self.inner.root_hint_subjects()
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let ok = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        if self.subjects.is_empty() {
            return Ok(ok);
        }
        let names = certificate_names(end_entity);
        if names.iter().any(|n| self.subjects.contains(n)) {
            Ok(ok)
        } else {
            tracing::warn!(names = ?names, "client certificate subject not allowed");
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// One DER element: (tag, contents, rest).
fn der(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |a, b| (a << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// Elements of a DER sequence or set.
fn elements(mut input: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while let Some((tag, body, rest)) = der(input) {
        out.push((tag, body));
        input = rest;
    }
    out
}

const OID_CN: &[u8] = &[0x55, 0x04, 0x03];
const OID_SAN: &[u8] = &[0x55, 0x1d, 0x11];

/// Subject common names and DNS subject alternative names of a certificate (a small DER walk:
/// the names only; the chain and signature were verified by webpki before).
pub fn certificate_names(cert: &[u8]) -> Vec<String> {
    let mut names = Vec::new();
    let Some((0x30, body, _)) = der(cert) else {
        return names;
    };
    let Some((0x30, tbs, _)) = der(body) else {
        return names;
    };
    let mut fields = elements(tbs);
    if fields.first().is_some_and(|(t, _)| *t == 0xa0) {
        fields.remove(0);
    }
    // serial, signature, issuer, validity, subject, spki, then optional [1] [2] [3].
    if let Some((0x30, subject)) = fields.get(4) {
        for (_, rdn) in elements(subject) {
            for (_, atv) in elements(rdn) {
                let parts = elements(atv);
                if let [(0x06, oid), (_, value)] = parts.as_slice() {
                    if *oid == OID_CN {
                        names.push(String::from_utf8_lossy(value).into_owned());
                    }
                }
            }
        }
    }
    for (tag, body) in fields.iter().skip(6) {
        if *tag != 0xa3 {
            continue;
        }
        let Some((0x30, exts, _)) = der(body) else {
            continue;
        };
        for (_, ext) in elements(exts) {
            let parts = elements(ext);
            let Some((0x06, oid)) = parts.first() else {
                continue;
            };
            if *oid != OID_SAN {
                continue;
            }
            let Some((0x04, value)) = parts.last() else {
                continue;
            };
            let Some((0x30, general_names, _)) = der(value) else {
                continue;
            };
            for (tag, name) in elements(general_names) {
                if tag == 0x82 {
                    names.push(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
    }
    names
}

/// rustls over TCP sockets with `TCP_NODELAY`. Without it, a connection's first answer waited for
/// the ACK of the session ticket sent after the handshake (Nagle), which the client delays by
/// 40 ms: one 40 ms stall per new connection from the API server (seen as the max of every load
/// run at one connection).
type TlsOverTcp = RustlsAcceptor<NoDelayAcceptor>;

/// Bounds on connections, applied by the [`Acceptor`].
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// A connection with no byte read or written for this long is closed.
    pub idle_timeout: Duration,
    /// Connections open at once; further ones are closed right after the TCP accept.
    pub max_connections: usize,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            handshake_timeout: Duration::from_secs(5),
            idle_timeout: Duration::from_secs(60),
            max_connections: 256,
        }
    }
}

/// The TLS acceptor: a connection slot (or the connection is closed at once), rustls within the
/// handshake timeout, an idle timeout on the stream, then, with mutual TLS, a gate that answers
/// 403 to connections without a client certificate on everything but `/healthz` and `/readyz`.
#[derive(Clone)]
pub struct Acceptor {
    inner: TlsOverTcp,
    require_client_cert: bool,
    limits: ConnectionLimits,
    connections: Arc<tokio::sync::Semaphore>,
    metrics: Option<Arc<Metrics>>,
}

impl Acceptor {
    /// Accept TLS with `config`; `require_client_cert`: only authenticated callers reach the API.
    pub fn new(config: RustlsConfig, require_client_cert: bool) -> Acceptor {
        let limits = ConnectionLimits::default();
        Acceptor {
            inner: RustlsAcceptor::new(config).acceptor(NoDelayAcceptor::new()),
            require_client_cert,
            connections: Arc::new(tokio::sync::Semaphore::new(limits.max_connections)),
            limits,
            metrics: None,
        }
    }

    /// The same acceptor with `limits`; refused connections and timeouts are counted in `metrics`.
    pub fn with_limits(mut self, limits: ConnectionLimits, metrics: Arc<Metrics>) -> Acceptor {
        let max = limits
            .max_connections
            .clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        self.connections = Arc::new(tokio::sync::Semaphore::new(max));
        self.limits = limits;
        self.metrics = Some(metrics);
        self
    }
}

impl std::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Acceptor")
            .field("require_client_cert", &self.require_client_cert)
            .field("limits", &self.limits)
            .finish()
    }
}

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<I, S> Accept<I, S> for Acceptor
where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
    S: Send + 'static,
    TlsOverTcp: Accept<I, S, Stream = tokio_rustls::server::TlsStream<I>, Service = S>,
    <TlsOverTcp as Accept<I, S>>::Future: Send + 'static,
{
    type Stream = Guarded<tokio_rustls::server::TlsStream<I>>;
    type Service = Authenticated<S>;
    type Future = BoxFuture<io::Result<(Self::Stream, Self::Service)>>;

    fn accept(&self, stream: I, service: S) -> Self::Future {
        let require = self.require_client_cert;
        let limits = self.limits;
        let metrics = self.metrics.clone();
        // Taken before the handshake: a flood of half-open connections counts against the cap.
        let permit = self.connections.clone().try_acquire_owned();
        let handshake = permit.is_ok().then(|| self.inner.accept(stream, service));
        Box::pin(async move {
            let (Ok(permit), Some(handshake)) = (permit, handshake) else {
                if let Some(m) = &metrics {
                    m.connection_refused("limit");
                }
                tracing::warn!(
                    max_connections = limits.max_connections,
                    "connection limit reached; connection closed"
                );
                return Err(io::Error::other("connection limit reached"));
            };
            let (stream, service) =
                match tokio::time::timeout(limits.handshake_timeout, handshake).await {
                    Ok(r) => r?,
                    Err(_) => {
                        if let Some(m) = &metrics {
                            m.connection_refused("handshake_timeout");
                        }
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "TLS handshake timed out",
                        ));
                    }
                };
            let has_cert = stream
                .get_ref()
                .1
                .peer_certificates()
                .is_some_and(|c| !c.is_empty());
            Ok((
                Guarded::new(stream, permit, limits.idle_timeout),
                Authenticated {
                    inner: service,
                    allowed: !require || has_cert,
                },
            ))
        })
    }
}

/// A connection's stream: holds its connection slot, and fails with `TimedOut` (closing the
/// connection) when nothing was read or written for the idle timeout.
pub struct Guarded<S> {
    inner: S,
    _permit: tokio::sync::OwnedSemaphorePermit,
    idle: Duration,
    timer: Pin<Box<tokio::time::Sleep>>,
}

impl<S> Guarded<S> {
    fn new(inner: S, permit: tokio::sync::OwnedSemaphorePermit, idle: Duration) -> Guarded<S> {
        Guarded {
            inner,
            _permit: permit,
            idle,
            timer: Box::pin(tokio::time::sleep(idle)),
        }
    }

    fn touch(&mut self) {
        self.timer
            .as_mut()
            .reset(tokio::time::Instant::now() + self.idle);
    }

    /// Pending I/O: an error once the idle timer has fired (its waker is registered otherwise).
    fn idle_expired<T>(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<T>> {
        match self.timer.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "connection idle timeout",
            ))),
            Poll::Pending => Poll::Pending,
        }
    }
}

impl<S> std::fmt::Debug for Guarded<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Guarded").field("idle", &self.idle).finish()
    }
}

impl<S: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for Guarded<S> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending => this.idle_expired(cx),
        }
    }
}

impl<S: tokio::io::AsyncWrite + Unpin> tokio::io::AsyncWrite for Guarded<S> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write(cx, buf) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending => this.idle_expired(cx),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_flush(cx) {
            Poll::Ready(r) => Poll::Ready(r),
            Poll::Pending => this.idle_expired(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_write_vectored(cx, bufs) {
            Poll::Ready(r) => {
                this.touch();
                Poll::Ready(r)
            }
            Poll::Pending => this.idle_expired(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// A connection's service, gated on its client certificate.
#[derive(Clone, Debug)]
pub struct Authenticated<S> {
    inner: S,
    allowed: bool,
}

impl<S, B> tower_service::Service<Request<B>> for Authenticated<S>
where
    S: tower_service::Service<Request<B>, Response = Response>,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
{
    type Response = Response;
    type Error = S::Error;
    type Future = BoxFuture<Result<Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<B>) -> Self::Future {
        if !self.allowed && !matches!(req.uri().path(), "/healthz" | "/readyz") {
            tracing::warn!(
                path = req.uri().path(),
                "request without a client certificate refused"
            );
            let resp = (
                StatusCode::FORBIDDEN,
                "client certificate required (mutual TLS)\n",
            )
                .into_response();
            return Box::pin(std::future::ready(Ok(resp)));
        }
        Box::pin(self.inner.call(req))
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
