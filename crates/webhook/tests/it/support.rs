//! Test support: a throwaway CA, a raw HTTP/1.1 client over real TLS, AdmissionReview builders.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plumbline_webhook::{App, Limits, PemPair, Running, ServeOptions, TlsSource};
use policy_core::admission::AdmissionSettings;
use policy_core::{Config, LintOptions, Linter, PolicyPack};
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

pub(crate) type BoxError = Box<dyn std::error::Error + Send + Sync>;
pub(crate) type Result<T, E = BoxError> = std::result::Result<T, E>;

/// A CA issuing server certificates for localhost / 127.0.0.1.
pub(crate) struct Pki {
    pub(crate) ca_der: Vec<u8>,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

/// An issued leaf.
pub(crate) struct Leaf {
    pub(crate) pem: PemPair,
    pub(crate) der: Vec<u8>,
}

impl Pki {
    pub(crate) fn new() -> Result<Pki> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "plumbline test CA");
        let cert = params.self_signed(&key)?;
        Ok(Pki {
            ca_der: cert.der().to_vec(),
            issuer: rcgen::Issuer::new(params, key),
        })
    }

    pub(crate) fn leaf(&self) -> Result<Leaf> {
        let key = rcgen::KeyPair::generate()?;
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_string(), "127.0.0.1".to_string()])?;
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok(Leaf {
            pem: PemPair {
                cert: cert.pem().into_bytes(),
                key: key.serialize_pem().into_bytes(),
            },
            der: cert.der().to_vec(),
        })
    }

    pub(crate) fn connector(&self) -> Result<TlsConnector> {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(CertificateDer::from(self.ca_der.clone()))?;
        let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        Ok(TlsConnector::from(Arc::new(cfg)))
    }
}

/// An HTTP response.
#[derive(Debug)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
    pub(crate) fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One keep-alive HTTP/1.1 connection over a verified TLS session.
pub(crate) struct Conn {
    stream: TlsStream<TcpStream>,
    buf: Vec<u8>,
}

impl Conn {
    pub(crate) async fn open(addr: SocketAddr, connector: &TlsConnector) -> Result<Conn> {
        let tcp = TcpStream::connect(addr).await?;
        let stream = connector
            .connect(ServerName::try_from("localhost")?, tcp)
            .await?;
        Ok(Conn {
            stream,
            buf: Vec::new(),
        })
    }

    /// DER of the certificate the server presented.
    pub(crate) fn peer_cert(&self) -> Vec<u8> {
        let (_, session) = self.stream.get_ref();
        session
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.to_vec())
            .unwrap_or_default()
    }

    pub(crate) async fn send(&mut self, method: &str, path: &str, body: &[u8]) -> Result<Resp> {
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(body).await?;
        self.stream.flush().await?;
        self.read_response().await
    }

    async fn read_response(&mut self) -> Result<Resp> {
        let end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            self.fill().await?;
        };
        let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
        self.buf.drain(..end + 4);
        let status: u16 = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
        let len: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .ok_or_else(|| format!("no content-length in {head}"))?;
        while self.buf.len() < len {
            self.fill().await?;
        }
        let body = self.buf.drain(..len).collect();
        Ok(Resp { status, body })
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

    /// Send `len` bytes of body while reading the response (the server may answer before reading it all).
    pub(crate) async fn send_large(self, len: usize) -> Result<Resp> {
        let (mut rd, mut wr) = tokio::io::split(self.stream);
        let writer = tokio::spawn(async move {
            let head = format!(
                "POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
            );
            wr.write_all(head.as_bytes()).await?;
            let chunk = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < len {
                let n = chunk.len().min(len - sent);
                wr.write_all(&chunk[..n]).await?;
                sent += n;
            }
            Ok::<_, std::io::Error>(wr)
        });
        let mut buf = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let n = rd.read(&mut chunk).await?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
            if find(&buf, b"\r\n\r\n").is_some() {
                break;
            }
        }
        writer.abort();
        let head = String::from_utf8_lossy(&buf).into_owned();
        let status: u16 = head.split_whitespace().nth(1).ok_or("no status")?.parse()?;
        Ok(Resp { status, body: buf })
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Poll `f` until it returns Some, up to `limit`.
pub(crate) async fn poll<T, F, Fut>(limit: Duration, mut f: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let end = Instant::now() + limit;
    while Instant::now() < end {
        if let Some(v) = f().await {
            return Some(v);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// Only image-tag-latest runs, so the tests do not depend on the rest of the pack.
pub(crate) const CONFIG: &str = r#"
version: 1
rules: {select: [image-tag-latest]}
tenancy:
  environments:
    production: {tier: dedicated, aliases: [prod]}
    dev: {tier: sandbox}
    sandbox: {tier: sandbox}
admission:
  enforcement: {dev: warn, sandbox: audit}
  exemptNamespaces: [kube-system, plumbline-system, legacy]
"#;

pub(crate) fn linter(pack: PolicyPack, config: &str) -> Result<(Arc<Linter>, AdmissionSettings)> {
    let config = Config::parse(config, "plumbline.yaml")?;
    let settings = AdmissionSettings::from_config(&config, Some("plumbline-system"))?;
    let valid = config.validate(&pack)?;
    Ok((
        Arc::new(Linter::new(pack, valid, LintOptions::default())?),
        settings,
    ))
}

/// A pack with one deliberately slow rule, for deadline tests.
pub(crate) fn slow_pack() -> Result<PolicyPack> {
    let meta =
        "id: slow-rule\ntitle: slow\ndomain: availability\nseverity: error\nkinds: ['ConfigMap']\n\
                description: burns CPU\nremediation: none\nexample: none\n";
    let rego = "package plumbline.rules.slow_rule\nimport rego.v1\n\
                violation contains v if {\n  input.object.metadata.annotations.slow == \"yes\"\n  \
                n := count([x | some x in numbers.range(1, 400000); x % 3 == 0])\n  n > 0\n  \
                v := {\"msg\": sprintf(\"slow %d\", [n]), \"path\": \"/metadata\"}\n}\n";
    Ok(PolicyPack::from_files(
        [
            (
                "availability/slow-rule/rule.yaml".to_string(),
                meta.to_string(),
            ),
            (
                "availability/slow-rule/policy.rego".to_string(),
                rego.to_string(),
            ),
        ],
        "test",
    )?)
}

/// A server on 127.0.0.1:0 with in-memory TLS.
pub(crate) struct Server {
    pub(crate) running: Running,
    pub(crate) app: App,
    pub(crate) pki: Pki,
    pub(crate) connector: TlsConnector,
}

impl Server {
    pub(crate) async fn start(pack: PolicyPack, config: &str, limits: Limits) -> Result<Server> {
        let pki = Pki::new()?;
        let leaf = pki.leaf()?;
        Self::start_with(
            pack,
            config,
            limits,
            pki,
            TlsSource::Pem(leaf.pem),
            Duration::from_secs(10),
        )
        .await
    }

    pub(crate) async fn start_with(
        pack: PolicyPack,
        config: &str,
        limits: Limits,
        pki: Pki,
        tls: TlsSource,
        reload: Duration,
    ) -> Result<Server> {
        let (linter, settings) = linter(pack, config)?;
        let app = App::new(linter, settings, limits);
        let mut opts = ServeOptions::new("127.0.0.1:0".parse()?, tls);
        opts.reload_interval = reload;
        let running = plumbline_webhook::start(app.clone(), opts).await?;
        let connector = pki.connector()?;
        Ok(Server {
            running,
            app,
            pki,
            connector,
        })
    }

    pub(crate) async fn conn(&self) -> Result<Conn> {
        Conn::open(self.running.addr, &self.connector).await
    }

    pub(crate) async fn post(&self, body: &[u8]) -> Result<Resp> {
        self.conn().await?.send("POST", "/validate", body).await
    }

    /// POST a CREATE review of the test Pod with `image` in namespace `ns`.
    pub(crate) async fn create_pod(&self, uid: &str, ns: &str, image: &str) -> Result<Resp> {
        self.post(&review(
            uid,
            "CREATE",
            ns,
            Some(pod(ns, image)),
            None,
            false,
        ))
        .await
    }

    pub(crate) async fn get(&self, path: &str) -> Result<Resp> {
        self.conn().await?.send("GET", path, b"").await
    }
}

pub(crate) fn pod(ns: &str, image: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": "web", "namespace": ns},
           "spec": {"containers": [{"name": "web", "image": image}]}})
}

pub(crate) fn review(
    uid: &str,
    op: &str,
    ns: &str,
    object: Option<Value>,
    old: Option<Value>,
    dry_run: bool,
) -> Vec<u8> {
    let kind = object
        .as_ref()
        .or(old.as_ref())
        .and_then(|o| o["kind"].as_str())
        .unwrap_or("Pod")
        .to_string();
    let v = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": kind},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": ns, "name": "web", "operation": op,
            "userInfo": {"username": "alice", "groups": ["dev"]},
            "object": object, "oldObject": old, "dryRun": dry_run,
        }
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

pub(crate) const GOOD: &str = "registry.example.com/shop/web:1.4.2";
pub(crate) const BAD: &str = "nginx:latest";
