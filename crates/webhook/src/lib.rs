//! The Plumbline validating admission webhook: an axum router over [`policy_core::admission`],
//! served over rustls with certificate hot reload, limits, metrics and graceful shutdown.
//!
//! The binary (`plumbline-webhook`) only parses flags, loads the config and calls [`start`]; tests
//! drive the same [`start`] on `127.0.0.1:0`.

pub mod audit;
pub mod budget;
pub mod cache;
mod handler;
pub mod metrics;
pub mod tls;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::routing::{get, post};
use axum::Router;
use axum_server::Handle;
use policy_core::admission::AdmissionSettings;
use policy_core::Linter;

use budget::LaneBudget;

pub use cache::SharedInventory;
pub use metrics::Metrics;
pub use tls::{PemPair, TlsSource};

/// Per-request limits.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Limits {
    /// Largest AdmissionReview body accepted (bigger: HTTP 413, before the body is read).
    pub max_body_bytes: usize,
    /// Time allowed for one evaluation, waiting for a slot included; then the failure mode applies.
    pub deadline: Duration,
    /// Evaluations of ordinary reviews running at once (the small lane).
    pub max_concurrent: usize,
    /// Evaluations of large reviews running at once (the large lane; never takes a small slot).
    pub max_concurrent_large: usize,
    /// Reviews whose body is longer than this use the large lane.
    pub large_body_bytes: usize,
    /// Reviews whose estimated cost ([`budget::Shape::cost`]) is above this use the large lane.
    pub large_cost_bytes: usize,
    /// Reviews whose estimated cost is above this are not evaluated: the failure mode answers.
    pub max_review_cost_bytes: usize,
    /// Bytes of small-lane bodies being read or waiting for a slot, all together.
    pub small_body_budget_bytes: usize,
    /// Bytes of large-lane bodies being read or waiting for a slot, all together.
    pub large_body_budget_bytes: usize,
    /// Time allowed to receive a request body once its headers are in (then 408).
    pub body_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // The API server caps objects at ~3 MiB; an UPDATE review carries two of them.
            max_body_bytes: 7 * 1024 * 1024,
            // Below the ValidatingWebhookConfiguration's timeoutSeconds (5), so we answer first.
            deadline: Duration::from_secs(3),
            // Evaluations are CPU-bound: more than ~2 per core adds no throughput, only memory (a
            // policy VM each) and latency spread (docs/webhook.md, load benchmark).
            max_concurrent: std::thread::available_parallelism()
                .map_or(4, |n| (n.get() * 2).max(4)),
            // One large evaluation at a time: its memory is what the pod limit must hold.
            max_concurrent_large: 1,
            // A Deployment UPDATE with managed fields is ~20-40 KiB; 128 KiB is already unusual.
            large_body_bytes: 128 * 1024,
            large_cost_bytes: 4 * 1024 * 1024,
            // With the 24 MiB the process needs at rest, one review at this cap stays far below
            // the pod's 128 MiB limit, next to the small lane and the body budgets.
            max_review_cost_bytes: 32 * 1024 * 1024,
            small_body_budget_bytes: 8 * 1024 * 1024,
            large_body_budget_bytes: 8 * 1024 * 1024,
            body_timeout: Duration::from_secs(10),
        }
    }
}

/// Shared state of the router: the compiled policies and everything a request needs.
#[derive(Clone)]
pub struct App {
    pub(crate) linter: Arc<Linter>,
    pub(crate) settings: Arc<AdmissionSettings>,
    pub(crate) inventory: SharedInventory,
    pub(crate) limits: Limits,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) small: Arc<LaneBudget>,
    pub(crate) large: Arc<LaneBudget>,
    pub(crate) ready: Arc<AtomicBool>,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("limits", &self.limits).finish()
    }
}

impl App {
    /// State over a compiled linter.
    ///
    /// When this is the only reference to `linter`, its evaluations are also stopped inside the
    /// engine after half the deadline ([`Linter::set_evaluation_deadline`]): an evaluation that
    /// overran the request's deadline then ends and frees its slot instead of running on.
    pub fn new(mut linter: Arc<Linter>, settings: AdmissionSettings, limits: Limits) -> App {
        match Arc::get_mut(&mut linter) {
            Some(l) => l.set_evaluation_deadline(Some(engine_limit(limits.deadline))),
            None => tracing::warn!(
                "the linter is shared: evaluations are not stopped at the deadline inside the engine"
            ),
        }
        App {
            linter,
            settings: Arc::new(settings),
            inventory: SharedInventory::default(),
            small: Arc::new(LaneBudget::new(
                limits.max_concurrent,
                limits.small_body_budget_bytes,
            )),
            large: Arc::new(LaneBudget::new(
                limits.max_concurrent_large,
                limits.large_body_budget_bytes,
            )),
            limits,
            metrics: Arc::new(Metrics::default()),
            ready: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The metrics.
    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.metrics
    }

    /// The inventory requests are decided against (unknown unless a cluster cache fills it).
    pub fn inventory(&self) -> &SharedInventory {
        &self.inventory
    }

    /// The router: `POST /validate`, `GET /healthz`, `GET /readyz`, `GET /metrics`.
    pub fn router(&self) -> Router {
        Router::new()
            .route("/validate", post(handler::validate))
            .route("/healthz", get(|| async { "ok" }))
            .route("/readyz", get(handler::readyz))
            .route("/metrics", get(handler::metrics))
            .with_state(self.clone())
    }
}

/// The engine's wall-clock limit per execution: half the request deadline, so that with the
/// engine's one retry (each rule alone after a failed combined run) a runaway evaluation holds its
/// slot for about one deadline.
fn engine_limit(deadline: Duration) -> Duration {
    (deadline / 2).max(Duration::from_millis(1))
}

/// How to serve.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ServeOptions {
    /// Address to listen on (port 0: any free port).
    pub listen: SocketAddr,
    /// Certificate source.
    pub tls: TlsSource,
    /// How often certificate files are checked for changes.
    pub reload_interval: Duration,
    /// How long in-flight requests may take to finish on shutdown.
    pub drain_timeout: Duration,
    /// Mutual TLS: only callers with a certificate from this CA (and allowed subject) reach
    /// `/validate` and `/metrics`; None: any TLS client.
    pub client_auth: Option<tls::ClientAuth>,
    /// Time allowed for the TLS handshake after the TCP connection is accepted.
    pub handshake_timeout: Duration,
    /// HTTP/1: time allowed to receive a request's headers, counted from the end of the previous
    /// response on a kept-alive connection (so it is also the HTTP/1 idle timeout).
    pub header_read_timeout: Duration,
    /// Any connection with no byte read or written for this long is closed (HTTP/2 included).
    pub idle_timeout: Duration,
    /// Connections open at once; further ones are closed right after the TCP accept.
    pub max_connections: usize,
}

impl ServeOptions {
    /// Defaults: reload check every 10 s, 25 s drain (within the pod's 30 s grace period), 5 s TLS
    /// handshake, 10 s for headers, 60 s idle, 256 connections.
    pub fn new(listen: SocketAddr, tls: TlsSource) -> ServeOptions {
        ServeOptions {
            listen,
            tls,
            reload_interval: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(25),
            client_auth: None,
            handshake_timeout: Duration::from_secs(5),
            header_read_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 256,
        }
    }
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// The bound address.
    pub addr: SocketAddr,
    handle: Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    reloader: Option<tokio::task::JoinHandle<()>>,
    ready: Arc<AtomicBool>,
    drain: Duration,
}

impl Running {
    /// Report not ready (`/readyz` 503) while still serving, so the Service's endpoints drop this
    /// pod before it stops accepting connections.
    pub fn set_unready(&self) {
        self.ready.store(false, Ordering::SeqCst);
    }

    /// Stop accepting connections, let in-flight requests finish (up to the drain timeout), return.
    /// This is what SIGTERM does in the binary.
    pub async fn shutdown(self) -> std::io::Result<()> {
        self.ready.store(false, Ordering::SeqCst);
        self.handle.graceful_shutdown(Some(self.drain));
        if let Some(r) = &self.reloader {
            r.abort();
        }
        match self.task.await {
            Ok(r) => r,
            Err(e) => Err(std::io::Error::other(e)),
        }
    }

    /// Open connections.
    pub fn connections(&self) -> usize {
        self.handle.connection_count()
    }
}

/// Bind, load TLS, start serving and (for file certificates) watching for rotation.
pub async fn start(app: App, opts: ServeOptions) -> std::io::Result<Running> {
    let config = tls::load_with(&opts.tls, opts.client_auth.as_ref()).await?;
    let reloader = match &opts.tls {
        TlsSource::Files { cert, key } => Some(tls::spawn_reloader_with(
            config.clone(),
            cert.clone(),
            key.clone(),
            opts.reload_interval,
            app.metrics.clone(),
            opts.client_auth.clone(),
        )),
        TlsSource::Pem(_) => None,
    };
    let listener = std::net::TcpListener::bind(opts.listen)?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let handle: Handle<SocketAddr> = Handle::new();
    let acceptor = tls::Acceptor::new(config, opts.client_auth.is_some()).with_limits(
        tls::ConnectionLimits {
            handshake_timeout: opts.handshake_timeout,
            idle_timeout: opts.idle_timeout,
            max_connections: opts.max_connections,
        },
        app.metrics.clone(),
    );
    let mut server = axum_server::from_tcp(listener)?
        .acceptor(acceptor)
        .handle(handle.clone());
    // hyper's header read timeout needs a timer; without one it is not armed at all.
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(opts.header_read_timeout);
    let service = app.router().into_make_service();
    let task = tokio::spawn(async move { server.serve(service).await });
    let ready = app.ready.clone();
    ready.store(true, Ordering::SeqCst);
    tracing::info!(%addr, rules = app.linter.active_rules().len(), "plumbline-webhook listening");
    Ok(Running {
        addr,
        handle,
        task,
        reloader,
        ready,
        drain: opts.drain_timeout,
    })
}
