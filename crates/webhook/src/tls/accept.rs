//! Accepting connections: bounds on connections and handshakes, the guarded stream, and the
//! service wrapper that lets only authenticated callers reach `/validate`.

use super::*;

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
