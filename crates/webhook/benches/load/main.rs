//! Load benchmark: starts the real `plumbline-webhook` binary (bench profile = release) on loopback
//! with TLS from a throwaway CA and the full built-in pack, then measures over keep-alive HTTP/1.1
//! connections:
//!
//! - closed loop at several concurrency levels, a fixed request count per level, for
//!   `GET /healthz` (the transport floor) and `POST /validate` with a realistic Deployment;
//! - open loops paced at fixed rates (default 1,000 and 2,000 req/s, `LOAD_RATE=1000,2000`) for
//!   `/healthz` and `/validate`, each request released at its scheduled time by a pacer thread
//!   and its latency counted from that time (so a stall is not hidden by the client waiting);
//!   p50/p90/p99/p99.9/max;
//! - the maximum sustainable `/validate` rate of the full pack: paced runs from 1,000 req/s up
//!   by x1.25 until one falls behind (`LOAD_MAX_RATE=0` skips it; see [`client::max_rate`]);
//! - the server's peak RSS (`VmHWM` from `/proc/<pid>/status`);
//! - the same /validate loops with every rule off: the floor of transport, decoding and response
//!   without policy evaluation (`LOAD_NO_RULES=0` skips it);
//! - then the same /validate loops with signatures on: a real `docker-registry` on loopback holds
//!   the Deployment's two images, signed with the test platform key, and the webhook verifies
//!   them through its cache (`LOAD_SIGNATURES=0` skips this part).
//!
//! ```sh
//! cargo bench -p plumbline-webhook --bench load
//! LOAD_LEVELS=1,8,32,64 LOAD_REQUESTS=4000 LOAD_RATE=1000,2000 LOAD_RATE_SECS=10 cargo bench -p plumbline-webhook --bench load
//! ```
//!
//! Everything stays on 127.0.0.1 and every loop is bounded in count and time.

#![allow(clippy::unwrap_used)] // a benchmark: failing loudly is the point
#![allow(clippy::too_many_lines)] // a benchmark's phases read best in order, as tests do

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::CertificateDer;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_rustls::TlsConnector;

mod client;
#[allow(dead_code, unreachable_pub)]
#[path = "../../../image-verify/tests/it/harness.rs"]
mod harness;
mod review;

use client::{closed_loop, max_rate, paced, request, Conn};
use review::{deployment_review, unsigned_images};

type Error = Box<dyn std::error::Error + Send + Sync>;
type Result<T, E = Error> = std::result::Result<T, E>;

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
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
    rates: Vec<u64>,
    rate_secs: u64,
    /// The max-rate search (`LOAD_MAX_RATE=1`): first rate, growth factor, highest rate.
    search: Option<(u64, f64, u64)>,
    search_secs: u64,
    search_p99_ms: f64,
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
            println!("| endpoint | connections | requests | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | errors |");
            println!("|---|---|---|---|---|---|---|---|---|---|");
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
            for &rate in self.rates.iter().filter(|&&r| r > 0 && self.rate_secs > 0) {
                for (name, req) in endpoints {
                    let mut s = paced(addr, &tls, (*req).clone(), rate, self.rate_secs, self.rate_conns).await?;
                    println!(
                        "{}",
                        s.line(
                            &format!("{name} paced {rate}/s for {} s", self.rate_secs),
                            &self.rate_conns.to_string()
                        )
                    );
                }
            }
            if let Some(search) = self.search.filter(|_| floor) {
                let (best, lines) = max_rate(addr, &tls, validate.clone(), self.rate_conns, search,
                    self.search_secs, self.search_p99_ms).await?;
                for l in lines {
                    println!("{l}");
                }
                println!();
                println!(
                    "max sustained POST /validate rate: {best} req/s ({} s runs, x{} steps from {}, \
                     p99 <= {} ms, >= 97% answered, no errors)",
                    self.search_secs, search.1, search.0, self.search_p99_ms
                );
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
        rates: std::env::var("LOAD_RATE")
            .unwrap_or_else(|_| "1000,2000".into())
            .split(',')
            .filter_map(|s| s.trim().parse().ok())
            .collect(),
        search: (env_or("LOAD_MAX_RATE", 1) == 1).then(|| {
            (
                env_or("LOAD_MAX_START", 1000),
                env_or("LOAD_MAX_STEP", 1.25f64).max(1.01),
                env_or("LOAD_MAX_LIMIT", 20_000),
            )
        }),
        search_secs: env_or("LOAD_MAX_SECS", 3).clamp(1, 30),
        search_p99_ms: env_or("LOAD_MAX_P99_MS", 10.0),
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
