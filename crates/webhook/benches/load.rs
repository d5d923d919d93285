//! Load benchmark: starts the real `plumbline-webhook` binary (bench profile = release) on loopback
//! with TLS from a throwaway CA and the full built-in pack, then measures over keep-alive HTTP/1.1
//! connections:
//!
//! - closed loop at several concurrency levels, a fixed request count per level, for
//!   `GET /healthz` (the transport floor) and `POST /validate` with a realistic Deployment;
//! - an open loop paced at a fixed rate (default 500 req/s) for `/healthz` and `/validate`, each
//!   request released at its scheduled time by a pacer thread and its latency counted from that
//!   time (so a stall is not hidden by the client waiting);
//! - the server's peak RSS (`VmHWM` from `/proc/<pid>/status`);
//! - the same /validate loops with every rule off: the floor of transport, decoding and response
//!   without policy evaluation (`LOAD_NO_RULES=0` skips it);
//! - then the same /validate loops with signatures on: a real `docker-registry` on loopback holds
//!   the Deployment's two images, signed with the test platform key, and the webhook verifies
//!   them through its cache (`LOAD_SIGNATURES=0` skips this part).
//!
//! ```sh
//! cargo bench -p plumbline-webhook --bench load
//! LOAD_LEVELS=1,8,32,64 LOAD_REQUESTS=4000 LOAD_RATE=500 LOAD_RATE_SECS=10 cargo bench -p plumbline-webhook --bench load
//! ```
//!
//! Everything stays on 127.0.0.1 and every loop is bounded in count and time.

#![allow(clippy::unwrap_used)] // a benchmark: failing loudly is the point

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

#[allow(dead_code, unreachable_pub)]
#[path = "../../image-verify/tests/it/harness.rs"]
mod harness;

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = Error> = std::result::Result<T, E>;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const DIGEST: &str = "sha256:4b1d0c3f1e7f7d5e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

/// The Deployment's images when signatures are off: digest-pinned, on a registry never contacted.
fn unsigned_images() -> [String; 2] {
    [
        format!("registry.example.com/shop/web:1.4.2@{DIGEST}"),
        format!("registry.example.com/shop/exporter:0.9.1@{DIGEST}"),
    ]
}

/// A realistic production Deployment: two containers, probes, resources, restricted security
/// context, digest-pinned images, tenancy and change-control metadata.
fn deployment_review(uid: &str, images: [&str; 2]) -> Vec<u8> {
    let container = |name: &str, image: &str, port: u16| {
        json!({
            "name": name, "image": image,
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "env": [{"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "shop-db", "key": "password"}}}],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                "runAsNonRoot": true, "runAsUser": 10001,
                                "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
        })
    };
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": "web", "namespace": "shop-prod",
            "labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop",
                       "plumbline.dev/tenant": "shop"},
            "annotations": {"change.plumbline.dev/ticket": "CHG-1234", "owner": "team-shop@example.com"}
        },
        "spec": {
            "replicas": 3, "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop",
                                        "plumbline.dev/tenant": "shop"}},
                "spec": {
                    "serviceAccountName": "web", "automountServiceAccountToken": false,
                    "securityContext": {"runAsNonRoot": true, "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}}]}},
                    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}],
                    "containers": [
                        container("web", images[0], 8080),
                        container("metrics", images[1], 9100),
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
                }
            }
        }
    });
    let review = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": "web", "namespace": "shop-prod", "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:ci:deployer", "uid": "5d1f",
                         "groups": ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"]},
            "object": deployment, "oldObject": null, "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions", "fieldManager": "kubectl-client-side-apply"}
        }
    });
    serde_json::to_vec(&review).unwrap()
}

struct Pki {
    ca_der: Vec<u8>,
    cert_pem: String,
    key_pem: String,
}

fn pki() -> Result<Pki> {
    let ca_key = rcgen::KeyPair::generate()?;
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca_cert = ca.self_signed(&ca_key)?;
    let ca_der = ca_cert.der().to_vec();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate()?;
    let leaf = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])?
        .signed_by(&key, &issuer)?;
    Ok(Pki {
        ca_der,
        cert_pem: leaf.pem(),
        key_pem: key.serialize_pem(),
    })
}

fn connector(ca_der: &[u8]) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(ca_der.to_vec()))?;
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(cfg)))
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TlsStream<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr, tls: &TlsConnector) -> Result<Conn> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let stream = tls.connect(ServerName::try_from("localhost")?, tcp).await?;
        Ok(Conn {
            stream,
            buf: Vec::with_capacity(16 * 1024),
        })
    }

    /// Send a prepared request, read the response; the status code.
    async fn roundtrip(&mut self, request: &[u8]) -> Result<u16> {
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

fn request(method: &str, path: &str, body: &[u8]) -> Vec<u8> {
    let mut r = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    r.extend_from_slice(body);
    r
}

struct Stats {
    latencies_us: Vec<u64>,
    errors: usize,
    wall: Duration,
}

impl Stats {
    fn pct(&self, p: f64) -> f64 {
        if self.latencies_us.is_empty() {
            return f64::NAN;
        }
        let i = ((self.latencies_us.len() as f64 - 1.0) * p).round() as usize;
        self.latencies_us[i] as f64 / 1000.0
    }
    fn line(&mut self, what: &str, conc: &str) -> String {
        self.latencies_us.sort_unstable();
        let n = self.latencies_us.len();
        format!(
            "| {what} | {conc} | {n} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            n as f64 / self.wall.as_secs_f64(),
            self.pct(0.50),
            self.pct(0.90),
            self.pct(0.99),
            self.latencies_us.last().copied().unwrap_or(0) as f64 / 1000.0,
            self.errors
        )
    }
}

/// Open `conns` connections, call `begin` (it returns the instant the run's wall time counts
/// from), then run `work(i, conn)` on each connection as its own task and gather the latencies
/// (µs) and error counts they return.
async fn drive<Fut>(
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
async fn closed_loop(
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
async fn paced(
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

fn proc_status(pid: u32, key: &str) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(key))
                .map(|l| l[key.len()..].trim().to_string())
        })
        .unwrap_or_else(|| "?".into())
}

struct ServerProc(Child);

impl Drop for ServerProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Where the time of one `/validate` goes, in process (no TLS, no HTTP): JSON parse of the
/// AdmissionReview, `decide` (input build + Rego evaluation + response), response serialisation.
fn breakdown(body: &[u8], n: usize) -> Result<()> {
    use policy_core::admission::{self, AdmissionSettings};
    use policy_core::{Config, LintOptions, Linter, PolicyPack};
    let pack = PolicyPack::builtin()?;
    let config = Config::default();
    let settings = AdmissionSettings::from_config(&config, Some("plumbline-system"))?;
    let valid = config.validate(&pack)?;
    let linter = Linter::new(pack, valid, LintOptions::default())?;
    let inventory = policy_core::Inventory::unknown();
    let (mut parse, mut decide, mut ser) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..n + 50 {
        let t = Instant::now();
        let req = admission::parse_request(body)?;
        let t1 = Instant::now();
        let out = admission::decide(&linter, &settings, &req, &inventory);
        let t2 = Instant::now();
        let bytes = serde_json::to_vec(&out.response)?;
        let t3 = Instant::now();
        std::hint::black_box(bytes);
        if i >= 50 {
            parse.push((t1 - t).as_micros() as u64);
            decide.push((t2 - t1).as_micros() as u64);
            ser.push((t3 - t2).as_micros() as u64);
        }
    }
    let med = |v: &mut Vec<u64>| {
        v.sort_unstable();
        v[v.len() / 2]
    };
    println!(
        "in-process, one thread, {n} iterations, median µs: parse_request {} | decide {} | serialise response {} ({} rules active)",
        med(&mut parse),
        med(&mut decide),
        med(&mut ser),
        linter.active_rules().len()
    );
    Ok(())
}

/// What one server run measures.
struct Run {
    levels: Vec<usize>,
    requests: usize,
    rate: u64,
    rate_secs: u64,
    rate_conns: usize,
    bin: PathBuf,
    log_level: String,
}

impl Run {
    /// Start the server (with `config`, if any), check the verdict, then the closed loops at
    /// every level and the paced loop, for /validate and, when `floor`, /healthz beside it.
    fn measure(
        &self,
        label: &str,
        config: Option<&std::path::Path>,
        body: &[u8],
        floor: bool,
    ) -> Result<()> {
        let pki = pki()?;
        let dir =
            std::env::temp_dir().join(format!("plumbline-load-{}-{label}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("tls.crt"), &pki.cert_pem)?;
        std::fs::write(dir.join("tls.key"), &pki.key_pem)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
        let mut cmd = Command::new(&self.bin);
        cmd.args(["--listen", &addr.to_string(), "--shutdown-delay-secs", "0"])
            .arg("--tls-cert")
            .arg(dir.join("tls.crt"))
            .arg("--tls-key")
            .arg(dir.join("tls.key"));
        if let Some(c) = config {
            cmd.arg("--config").arg(c);
        }
        let server = ServerProc(
            cmd.env("RUST_LOG", &self.log_level)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()?,
        );
        let pid = server.0.id();

        // The client: one thread, so it takes at most one of the machine's cores from the server.
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        rt.block_on(async move {
            let tls = connector(&pki.ca_der)?;
            let ready = Instant::now();
            loop {
                if let Ok(mut c) = Conn::open(addr, &tls).await {
                    if c.roundtrip(&request("GET", "/readyz", b"")).await.ok() == Some(200) {
                        break;
                    }
                }
                if ready.elapsed() > Duration::from_secs(30) {
                    return Err::<(), Error>("server not ready within 30 s".into());
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            println!();
            println!("## {label}");
            println!(
                "server pid {pid} ({}), ready in {} ms, RSS after start {}",
                self.bin.display(),
                ready.elapsed().as_millis(),
                proc_status(pid, "VmRSS:")
            );
            println!(
                "POST /validate body: {} bytes (Deployment, 2 containers); GET /healthz; {} requests per level; server log level {}",
                body.len(),
                self.requests,
                self.log_level
            );
            let validate = Arc::new(request("POST", "/validate", body));
            let healthz = Arc::new(request("GET", "/healthz", b""));
            // Check the verdict once (this also warms the signature cache) and warm up.
            let verdict = {
                let mut c = Conn::open(addr, &tls).await?;
                c.stream.write_all(&validate).await?;
                let mut buf = vec![0u8; 64 * 1024];
                let n = c.stream.read(&mut buf).await?;
                let text = String::from_utf8_lossy(&buf[..n]).to_string();
                text.split("\r\n\r\n").nth(1).unwrap_or("").to_string()
            };
            println!("verdict: {}", verdict.chars().take(300).collect::<String>());
            if config.is_some() && verdict.contains("image-signature-unverified") {
                return Err::<(), Error>(format!("signed images not verified: {verdict}").into());
            }
            closed_loop(addr, &tls, validate.clone(), 8, 400).await?;
            closed_loop(addr, &tls, healthz.clone(), 8, 400).await?;

            println!();
            println!("| endpoint | connections | requests | req/s | p50 ms | p90 ms | p99 ms | max ms | errors |");
            println!("|---|---|---|---|---|---|---|---|---|");
            let endpoints: &[(&str, &Arc<Vec<u8>>)] = if floor {
                &[("GET /healthz", &healthz), ("POST /validate", &validate)]
            } else {
                &[("POST /validate", &validate)]
            };
            for &conc in &self.levels {
                for (name, req) in endpoints {
                    let mut s = closed_loop(addr, &tls, (*req).clone(), conc, self.requests).await?;
                    println!("{}", s.line(name, &conc.to_string()));
                }
            }
            if self.rate > 0 && self.rate_secs > 0 {
                for (name, req) in endpoints {
                    let mut s = paced(addr, &tls, (*req).clone(), self.rate, self.rate_secs, self.rate_conns).await?;
                    println!(
                        "{}",
                        s.line(
                            &format!("{name} paced {}/s for {} s", self.rate, self.rate_secs),
                            &self.rate_conns.to_string()
                        )
                    );
                }
            }
            println!();
            println!(
                "server peak RSS (VmHWM): {}; RSS now (VmRSS): {}",
                proc_status(pid, "VmHWM:"),
                proc_status(pid, "VmRSS:")
            );
            Ok(())
        })?;
        drop(server);
        let _ = std::fs::remove_dir_all(&dir);
        Ok(())
    }
}

/// Signatures on: a real `docker-registry` on loopback holding the Deployment's two images, each
/// signed (cosign format) with the platform key; the webhook verifies them with its cache.
/// Returns the registry (kept running), the config file and the review body.
fn signed_setup() -> Result<(harness::TestRegistry, PathBuf, Vec<u8>)> {
    let reg = harness::TestRegistry::start();
    let mut images = Vec::new();
    for (repo, tag) in [("shop/web", "1.4.2"), ("shop/exporter", "0.9.1")] {
        let (image, digest) = reg.push_image(repo, tag, repo);
        reg.pusher().push_signatures(
            &image,
            &digest,
            &[harness::platform().sign_image(&image, &digest)],
        )?;
        images.push(format!("{image}@{digest}"));
    }
    let config = json!({
        "version": 1,
        "signing": {
            "insecureRegistries": [reg.addr],
            "timeoutMs": 2000,
            "keys": [{"name": "platform", "publicKey": harness::platform().public_key_pem()}],
        }
    });
    let path = std::env::temp_dir().join(format!(
        "plumbline-load-{}-signing.yaml",
        std::process::id()
    ));
    std::fs::write(&path, serde_json::to_vec_pretty(&config)?)?;
    let body = deployment_review("bench-0000", [&images[0], &images[1]]);
    Ok((reg, path, body))
}

fn main() -> Result<()> {
    let run = Run {
        levels: std::env::var("LOAD_LEVELS")
            .unwrap_or_else(|_| "1,8,32,64".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
        requests: env_or("LOAD_REQUESTS", 4000),
        rate: env_or("LOAD_RATE", 500),
        rate_secs: env_or("LOAD_RATE_SECS", 10).min(120),
        rate_conns: env_or("LOAD_RATE_CONNS", 16),
        bin: std::env::var("PLUMBLINE_WEBHOOK_BIN")
            .map(PathBuf::from)
            .unwrap_or_else(|_| PathBuf::from(env!("CARGO_BIN_EXE_plumbline-webhook"))),
        log_level: std::env::var("LOAD_LOG_LEVEL").unwrap_or_else(|_| "info".into()),
    };
    let images = unsigned_images();
    let body = deployment_review("bench-0000", [&images[0], &images[1]]);
    breakdown(&body, env_or("LOAD_BREAKDOWN", 500))?;
    run.measure("full pack, signatures off", None, &body, true)?;
    // The same requests with every rule off: what the transport, the AdmissionReview decoding,
    // tenancy resolution and the response cost without evaluating a policy (LOAD_NO_RULES=0 skips).
    if env_or("LOAD_NO_RULES", 1) == 1 {
        let path = std::env::temp_dir().join(format!(
            "plumbline-load-{}-no-rules.yaml",
            std::process::id()
        ));
        std::fs::write(&path, r#"{"version": 1, "rules": {"ignore": ["*"]}}"#)?;
        run.measure("no rules (every rule off)", Some(&path), &body, false)?;
        let _ = std::fs::remove_file(path);
    }
    // LOAD_SIGNATURES=0 skips the signed run (it needs Debian's docker-registry).
    if env_or("LOAD_SIGNATURES", 1) == 1 {
        let (_registry, config, body) = signed_setup()?;
        run.measure(
            "full pack, signatures on (2 signed images, registry on loopback, warm cache)",
            Some(&config),
            &body,
            false,
        )?;
        let _ = std::fs::remove_file(config);
    }
    Ok(())
}
