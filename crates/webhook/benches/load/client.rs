//! The load client: keep-alive TLS connections, the closed and paced loops, their statistics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::ServerName;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::Result;

pub(crate) struct Conn {
    pub(crate) stream: TlsStream<TcpStream>,
    pub(crate) buf: Vec<u8>,
}

impl Conn {
    pub(crate) async fn open(addr: SocketAddr, tls: &TlsConnector) -> Result<Conn> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let stream = tls.connect(ServerName::try_from("localhost")?, tcp).await?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Send a prepared request, read the response; the status code.
    pub(crate) async fn roundtrip(&mut self, request: &[u8]) -> Result<u16> {
        self.stream.write_all(request).await?;
        self.stream.flush().await?;
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..end])?;
        let status: u16 = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .ok_or("no content-length")?;
        let total = end + 4 + len;
        while self.buf.len() < total {
            self.fill().await?;
        }
        self.buf.drain(..total);
        Ok(status)
    }

    async fn fill(&mut self) -> Result<()> {
        let mut chunk = [0u8; 16 * 1024];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            return Err("connection closed".into());
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

pub(crate) fn request(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

pub(crate) struct Stats {
    pub(crate) latencies_us: Vec<u64>,
    pub(crate) errors: usize,
    pub(crate) wall: Duration,
}

impl Stats {
    pub(crate) fn pct(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
    /// Requests answered per second of the run's wall time.
    pub(crate) fn throughput(&self) -> f64 {
        self.latencies_us.len() as f64 / self.wall.as_secs_f64()
    }
    pub(crate) fn line(&mut self, what: &str, conc: &str) -> String {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        format!(
            "| {what} | {conc} | {n} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            n as f64 / self.wall.as_secs_f64(),
            self.pct(0.50),
            self.pct(0.90),
            self.pct(0.99),
            self.pct(0.999),
            self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0,
            self.errors
        )
    }
}

/// Open `conns` connections, call `begin` (it returns the instant the run's wall time counts
/// from), then run `work(i, conn)` on each connection as its own task and gather the latencies
/// (µs) and error counts they return.
pub(crate) async fn drive<Fut>(
    addr: SocketAddr,
    tls: &TlsConnector,
    conns: usize,
    begin: impl FnOnce() -> Instant,
    mut work: impl FnMut(usize, Conn) -> Fut,
) -> Result<Stats>
where
    Fut: std::future::Future<Output = (Vec<u64>, usize)> + Send + 'static,
{
    let mut open = Vec::with_capacity(conns);
    for _ in 0..conns {
        open.push(Conn::open(addr, tls).await?);
    }
    let started = begin();
    let tasks: Vec<_> = open
        .into_iter()
        .enumerate()
        .map(|(i, c)| tokio::spawn(work(i, c)))
        .collect();
    let mut stats = Stats {
        latencies_us: Vec::new(),
        errors: 0,
        wall: Duration::ZERO,
    };
    for t in tasks {
        let (lat, errors) = t.await?;
        stats.latencies_us.extend(lat);
        stats.errors += errors;
    }
    stats.wall = started.elapsed();
    Ok(stats)
}

/// Closed loop: `conc` connections, `total` requests split among them, each sent as soon as the
/// previous answer on its connection arrived.
pub(crate) async fn closed_loop(
    addr: SocketAddr,
    tls: &TlsConnector,
    req: Arc<Vec<u8>>,
    conc: usize,
    total: usize,
) -> Result<Stats> {
    drive(addr, tls, conc, Instant::now, |i, mut c| {
        let per = total / conc + usize::from(i < total % conc);
        let req = req.clone();
        async move {
            let mut lat = Vec::with_capacity(per);
            let mut errors = 0;
            for _ in 0..per {
                let t = Instant::now();
                match c.roundtrip(&req).await {
                    Ok(200) => lat.push(t.elapsed().as_micros() as u64),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }
    })
    .await
}

/// Open loop at `rate` req/s for `secs`: request k of the run is due at `start + k/rate` and
/// goes out on connection `k % conns`; its latency counts from when it was due.
///
/// A pacer thread releases each request at its due time (`std::thread::sleep`, sub-millisecond):
/// tokio's timer has a 1 ms granularity, and sleeping on it made requests go out up to a
/// millisecond late, which the latency then counted (~1.3 ms at p50, the same for every
/// endpoint). A request still waits, and counts, while its connection is busy with an earlier one.
pub(crate) async fn paced(
    addr: SocketAddr,
    tls: &TlsConnector,
    req: Arc<Vec<u8>>,
    rate: u64,
    secs: u64,
    conns: usize,
) -> Result<Stats> {
    let total = (rate * secs) as usize;
    let interval = Duration::from_nanos(1_000_000_000 / rate.max(1));
    let (senders, receivers): (Vec<_>, Vec<_>) = (0..conns)
        .map(|_| tokio::sync::mpsc::unbounded_channel::<Instant>())
        .unzip();
    let mut receivers = receivers.into_iter();
    let begin = move || {
        let start = Instant::now() + Duration::from_millis(50);
        std::thread::spawn(move || {
            for k in 0..total {
                let due = start + interval * k as u32;
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                if senders[k % senders.len()].send(due).is_err() {
                    return;
                }
            }
        });
        start
    };
    drive(addr, tls, conns, begin, |_, mut c| {
        let req = req.clone();
        let mut due_times = receivers.next().expect("a receiver per connection");
        async move {
            let mut lat = Vec::new();
            let mut errors = 0;
            while let Some(due) = due_times.recv().await {
                match c.roundtrip(&req).await {
                    Ok(200) => lat.push(due.elapsed().as_micros() as u64),
                    _ => errors += 1,
                }
            }
            (lat, errors)
        }
    })
    .await
}

/// The highest paced rate the server sustains: paced runs of `secs` seconds at `start`, then
/// `step` times the last rate, until a run falls behind (answered fewer than 97% of the offered
/// rate, an error, or a p99 above `max_p99_ms`) or the rate passes `limit`. Returns the last
/// sustained rate and one table line per run. Bounded: at most `limit` req/s for `secs` each.
pub(crate) async fn max_rate(
    addr: SocketAddr,
    tls: &TlsConnector,
    req: Arc<Vec<u8>>,
    conns: usize,
    (start, step, limit): (u64, f64, u64),
    secs: u64,
    max_p99_ms: f64,
) -> Result<(u64, Vec<String>)> {
    let (mut rate, mut sustained, mut lines) = (start.max(1), 0, Vec::new());
    while rate <= limit {
        let mut s = paced(addr, tls, req.clone(), rate, secs, conns).await?;
        let ok = s.errors == 0
            && s.throughput() >= 0.97 * rate as f64
            && s.latencies_us.len() as u64 == rate * secs;
        let line = s.line(
            &format!("search: paced {rate}/s for {secs} s"),
            &conns.to_string(),
        );
        let ok = ok && s.pct(0.99) <= max_p99_ms;
        lines.push(format!(
            "{line} {}",
            if ok { "sustained" } else { "behind" }
        ));
        if !ok {
            break;
        }
        sustained = rate;
        rate = ((rate as f64 * step) as u64).max(rate + 1);
    }
    Ok((sustained, lines))
}
