//! Security hardening (issue 8), end to end through the real server: exemption governance, no
//! weakening of suppressions on UPDATE, mutual TLS, and no secret value in any output.

use std::sync::{Arc, Mutex};

use plumbline_webhook::tls::ClientAuth;
use plumbline_webhook::{App, Limits, ServeOptions, TlsSource};
use policy_core::PolicyPack;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use serde_json::{json, Value};
use tokio_rustls::TlsConnector;

use crate::support::*;

/// Governed config: image-tag-latest is suppressible in-object, pss-privileged (tenant-isolation)
/// is not; platform-admins may suppress; one config exemption.
const GOVERNED: &str = r#"
version: 1
rules: {select: [image-tag-latest, suppression-invalid, pss-privileged]}
admission:
  suppressors: {groups: [platform-admins], users: [gitops-bot]}
exemptions:
  - rules: [image-tag-latest]
    namespace: legacy-*
    reason: "legacy ERP, replaced in Q3 (OPS-42)"
    expires: "2099-12-31"
"#;

const SUPPRESS: &str = "ignore.plumbline.dev/image-tag-latest";

fn review_as(
    uid: &str,
    op: &str,
    user: (&str, &[&str]),
    object: &Value,
    old: Option<&Value>,
) -> Vec<u8> {
    let ns = object["metadata"]["namespace"].as_str().unwrap_or("shop");
    let v = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": object["kind"]},
            "namespace": ns, "name": object["metadata"]["name"], "operation": op,
            "userInfo": {"username": user.0, "groups": user.1},
            "object": object, "oldObject": old,
        }
    });
    serde_json::to_vec(&v).unwrap_or_default()
}

fn annotated_pod(ns: &str, image: &str, annotations: Value) -> Value {
    let mut p = pod(ns, image);
    p["metadata"]["annotations"] = annotations;
    p
}

const TENANT: (&str, &[&str]) = ("alice", &["acme-devs", "system:authenticated"]);
const ADMIN: (&str, &[&str]) = ("bob", &["platform-admins", "system:authenticated"]);

async fn governed() -> Result<Server> {
    Server::start(PolicyPack::builtin()?, GOVERNED, Limits::default()).await
}

fn message(v: &Value) -> String {
    v["response"]["status"]["message"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn self_exemption_is_denied_for_a_tenant_and_honoured_for_an_admin() -> Result<()> {
    let s = governed().await?;
    let obj = annotated_pod(
        "shop",
        BAD,
        json!({SUPPRESS: "vendor ships latest only; OPS-7; expires=2099-01-01"}),
    );
    let logs = LogCapture::start();

    // The tenant's own suppression is not honoured, and is itself reported.
    let r = s
        .post(&review_as("u-tenant", "CREATE", TENANT, &obj, None))
        .await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], false, "{v}");
    let msg = message(&v);
    assert!(msg.contains("[image-tag-latest]"), "{msg}");
    assert!(msg.contains("[suppression-invalid]"), "{msg}");
    assert!(
        msg.contains("requester alice") && msg.contains("not allowed to suppress"),
        "{msg}"
    );
    assert!(v["response"].get("auditAnnotations").is_none(), "{v}");

    // The same object from a platform admin: honoured, and recorded.
    let r = s
        .post(&review_as("u-admin", "CREATE", ADMIN, &obj, None))
        .await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    let audit = &v["response"]["auditAnnotations"]["suppressed-image-tag-latest"];
    assert_eq!(
        audit, "annotation: vendor ships latest only; OPS-7; expires=2099-01-01",
        "{v}"
    );
    // A user listed by name may suppress too.
    let r = s
        .post(&review_as(
            "u-bot",
            "CREATE",
            ("gitops-bot", &[]),
            &obj,
            None,
        ))
        .await?;
    assert_eq!(r.json()["response"]["allowed"], true);

    let metrics = s.get("/metrics").await?.text();
    assert!(
        metrics.contains(
            "plumbline_webhook_suppressions_total{rule=\"image-tag-latest\",kind=\"annotation\"} 2"
        ),
        "{metrics}"
    );
    let log = logs.text();
    let line = log
        .lines()
        .find(|l| l.contains("u-admin") && l.contains("admission decision"))
        .unwrap_or_default();
    assert!(
        line.contains("image-tag-latest:annotation (vendor ships latest only; OPS-7)"),
        "decision log must record the suppression: {log}"
    );
    Ok(())
}

#[tokio::test]
async fn tenant_isolation_is_not_suppressible_in_object_even_by_an_admin() -> Result<()> {
    let s = governed().await?;
    let mut obj = annotated_pod(
        "shop",
        GOOD,
        json!({"ignore.plumbline.dev/pss-privileged": "needs the GPU driver; OPS-9"}),
    );
    obj["spec"]["containers"][0]["securityContext"] = json!({"privileged": true});
    let r = s
        .post(&review_as("u-priv", "CREATE", ADMIN, &obj, None))
        .await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], false, "{v}");
    let msg = message(&v);
    assert!(msg.contains("[pss-privileged]"), "{msg}");
    assert!(msg.contains("may not be suppressed in-object"), "{msg}");
    Ok(())
}

#[tokio::test]
async fn config_exemptions_are_recorded() -> Result<()> {
    let s = governed().await?;
    let obj = pod("legacy-erp", BAD);
    let r = s
        .post(&review_as("u-ex", "CREATE", TENANT, &obj, None))
        .await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    assert_eq!(
        v["response"]["auditAnnotations"]["suppressed-image-tag-latest"],
        "exemption: legacy ERP, replaced in Q3 (OPS-42); expires=2099-12-31"
    );
    let metrics = s.get("/metrics").await?.text();
    assert!(
        metrics.contains(
            "plumbline_webhook_suppressions_total{rule=\"image-tag-latest\",kind=\"exemption\"} 1"
        ),
        "{metrics}"
    );
    Ok(())
}

#[tokio::test]
async fn update_may_not_weaken_a_suppression_without_permission() -> Result<()> {
    let s = governed().await?;
    let approved = "vendor ships latest only; OPS-7; expires=2099-01-01";
    let old = annotated_pod("shop", BAD, json!({SUPPRESS: approved}));
    let post = |uid: &'static str, user, new: Value| {
        let body = review_as(uid, "UPDATE", user, &new, Some(&old));
        let s = &s;
        async move { Ok::<_, BoxError>(s.post(&body).await?.json()) }
    };

    // A validating webhook keeps no state: nothing proves the stored suppression was approved
    // (it may have been written during a warn rollout, an outage or before install), so a
    // tenant's UPDATE is judged without it, unchanged or shortened alike; the same request by
    // a suppressor approves it again.
    let mut same = old.clone();
    same["metadata"]["labels"] = json!({"release": "2"});
    let shorter = annotated_pod(
        "shop",
        BAD,
        json!({SUPPRESS: "vendor ships latest only; OPS-7; expires=2098-01-01"}),
    );
    for (uid, new) in [("u-same", same), ("u-short", shorter)] {
        let v = post(uid, TENANT, new.clone()).await?;
        assert_eq!(v["response"]["allowed"], false, "{uid}: {v}");
        assert!(message(&v).contains("[image-tag-latest]"), "{uid}: {v}");
        // Reported by suppression-invalid (a warning in this tier; the finding it covered denies).
        assert!(
            v["response"]["warnings"]
                .to_string()
                .contains("carried from the stored object"),
            "{uid}: {v}"
        );
        let v = post(uid, ADMIN, new).await?;
        assert_eq!(v["response"]["allowed"], true, "{uid} by admin: {v}");
    }

    for (uid, value, expect) in [
        (
            "u-extend",
            "vendor ships latest only; OPS-7; expires=2100-01-01",
            "extends the expiry of an existing suppression from 2099-01-01 to 2100-01-01",
        ),
        (
            "u-forever",
            "vendor ships latest only; OPS-7",
            "removes the expiry 2099-01-01",
        ),
        (
            "u-reason",
            "we like latest; expires=2099-01-01",
            "changes the reason of an existing suppression",
        ),
    ] {
        let new = annotated_pod("shop", BAD, json!({SUPPRESS: value}));
        let v = post(uid, TENANT, new.clone()).await?;
        assert_eq!(v["response"]["allowed"], false, "{uid}: {v}");
        let msg = message(&v);
        assert!(msg.contains(expect), "{uid}: {msg}");
        assert!(
            msg.contains("requester alice is not allowed to change suppressions"),
            "{msg}"
        );
        // The same change by an admin is allowed.
        let v = post(uid, ADMIN, new).await?;
        assert_eq!(v["response"]["allowed"], true, "{uid} by admin: {v}");
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Mutual TLS

struct ClientPki {
    ca_pem: Vec<u8>,
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
}

impl ClientPki {
    fn new(name: &str) -> Result<ClientPki> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, name);
        let cert = params.self_signed(&key)?;
        Ok(ClientPki {
            ca_pem: cert.pem().into_bytes(),
            issuer: rcgen::Issuer::new(params, key),
        })
    }

    /// A client certificate with subject CN `cn`.
    fn client(&self, cn: &str) -> Result<(CertificateDer<'static>, PrivateKeyDer<'static>)> {
        let key = rcgen::KeyPair::generate()?;
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, cn);
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.signed_by(&key, &self.issuer)?;
        Ok((
            cert.der().clone(),
            PrivateKeyDer::try_from(key.serialize_der())?,
        ))
    }
}

fn connector(
    server_ca: &[u8],
    client: Option<(CertificateDer<'static>, PrivateKeyDer<'static>)>,
) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(server_ca.to_vec()))?;
    let b = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()?
    .with_root_certificates(roots);
    let cfg = match client {
        Some((cert, key)) => b.with_client_auth_cert(vec![cert], key)?,
        None => b.with_no_client_auth(),
    };
    Ok(TlsConnector::from(Arc::new(cfg)))
}

/// POST a review over a fresh connection; Err when the handshake or the exchange fails.
async fn post_with(addr: std::net::SocketAddr, c: &TlsConnector, path: &str) -> Result<Resp> {
    let mut conn = Conn::open(addr, c).await?;
    let body = review(
        "u-mtls",
        "CREATE",
        "shop",
        Some(pod("shop", GOOD)),
        None,
        false,
    );
    let method = if path == "/validate" { "POST" } else { "GET" };
    conn.send(method, path, if method == "POST" { &body } else { b"" })
        .await
}

#[tokio::test]
async fn mutual_tls_rejects_callers_without_the_right_certificate() -> Result<()> {
    let server_pki = Pki::new()?;
    let leaf = server_pki.leaf()?;
    let api_ca = ClientPki::new("kube-apiserver client CA")?;
    let rogue_ca = ClientPki::new("rogue CA")?;
    let (linter, settings) = linter(PolicyPack::builtin()?, CONFIG)?;
    let app = App::new(linter, settings, Limits::default());
    let mut opts = ServeOptions::new("127.0.0.1:0".parse()?, TlsSource::Pem(leaf.pem));
    opts.client_auth = Some(ClientAuth::new(
        api_ca.ca_pem.clone(),
        vec!["kube-apiserver".into()],
    ));
    let running = plumbline_webhook::start(app, opts).await?;
    let addr = running.addr;
    let ca = &server_pki.ca_der;

    // No certificate: the handshake succeeds (kubelet probes have none), the API does not.
    let none = connector(ca, None)?;
    let r = post_with(addr, &none, "/validate").await?;
    assert_eq!(r.status, 403, "{}", r.text());
    assert!(r.text().contains("client certificate required"));
    assert_eq!(post_with(addr, &none, "/metrics").await?.status, 403);
    assert_eq!(post_with(addr, &none, "/healthz").await?.status, 200);
    assert_eq!(post_with(addr, &none, "/readyz").await?.status, 200);

    // A certificate from another CA: the handshake fails.
    let wrong = connector(ca, Some(rogue_ca.client("kube-apiserver")?))?;
    assert!(
        post_with(addr, &wrong, "/validate").await.is_err(),
        "a certificate from an unknown CA must be refused"
    );

    // The right CA but a subject that is not allowed: refused.
    let other = connector(ca, Some(api_ca.client("tenant-ci")?))?;
    assert!(
        post_with(addr, &other, "/validate").await.is_err(),
        "a subject not in the allowed list must be refused"
    );

    // The right certificate: served.
    let good = connector(ca, Some(api_ca.client("kube-apiserver")?))?;
    let r = post_with(addr, &good, "/validate").await?;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["response"]["allowed"], true);

    // Only TLS 1.2 and 1.3, on AEAD suites with forward secrecy.
    let (version, suite) = negotiated(addr, &good).await?;
    assert_eq!(version, Some(rustls::ProtocolVersion::TLSv1_3));
    assert!(
        suite.contains("GCM") || suite.contains("CHACHA20"),
        "{suite}"
    );
    let tls12 = tls12_connector(ca, api_ca.client("kube-apiserver")?)?;
    let (version, suite) = negotiated(addr, &tls12).await?;
    assert_eq!(version, Some(rustls::ProtocolVersion::TLSv1_2));
    assert!(suite.contains("ECDHE") && suite.contains("GCM"), "{suite}");
    running.shutdown().await?;
    Ok(())
}

async fn negotiated(
    addr: std::net::SocketAddr,
    c: &TlsConnector,
) -> Result<(Option<rustls::ProtocolVersion>, String)> {
    let tcp = tokio::net::TcpStream::connect(addr).await?;
    let tls = c.connect(ServerName::try_from("localhost")?, tcp).await?;
    let session = tls.get_ref().1;
    Ok((
        session.protocol_version(),
        format!("{:?}", session.negotiated_cipher_suite().map(|s| s.suite())),
    ))
}

fn tls12_connector(
    server_ca: &[u8],
    (cert, key): (CertificateDer<'static>, PrivateKeyDer<'static>),
) -> Result<TlsConnector> {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(CertificateDer::from(server_ca.to_vec()))?;
    let cfg = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_protocol_versions(&[&rustls::version::TLS12])?
    .with_root_certificates(roots)
    .with_client_auth_cert(vec![cert], key)?;
    Ok(TlsConnector::from(Arc::new(cfg)))
}

#[test]
fn certificate_names_reads_cn_and_dns_sans() -> Result<()> {
    let key = rcgen::KeyPair::generate()?;
    let mut params = rcgen::CertificateParams::new(vec!["webhook.example".to_string()])?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kube-apiserver");
    let cert = params.self_signed(&key)?;
    let names = plumbline_webhook::tls::certificate_names(cert.der());
    assert_eq!(names, ["kube-apiserver", "webhook.example"]);
    assert!(plumbline_webhook::tls::certificate_names(b"\x30\x82garbage").is_empty());
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// No secret leaks

/// Known secret values: plain, base64 (as in `data`), and inside env values.
const SECRETS: &[&str] = &[
    "hunter2-Odoo-DB",
    "aHVudGVyMi1PZG9vLURC",
    "tok-XYZ-98765",
    "pg-Sup3r-Secret",
    "redis-pw-9876",
    "c3VwZXJzZWNyZXQ=",
];

fn secret_objects() -> Vec<Value> {
    vec![
        json!({"apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "odoo-db", "namespace": "shop",
                         "annotations": {"kubectl.kubernetes.io/last-applied-configuration":
                            "{\"stringData\":{\"password\":\"hunter2-Odoo-DB\"}}"}},
            "type": "Opaque",
            "data": {"password": "aHVudGVyMi1PZG9vLURC", "token": "c3VwZXJzZWNyZXQ="},
            "stringData": {"api": "tok-XYZ-98765"}}),
        json!({"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "odoo", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "odoo"}},
                "template": {"metadata": {"labels": {"app": "odoo"}},
                    "spec": {"containers": [{"name": "odoo", "image": "odoo:latest",
                        "env": [
                            {"name": "PASSWORD", "value": "pg-Sup3r-Secret"},
                            {"name": "REDIS_URL", "value": "redis://:redis-pw-9876@redis:6379/0"},
                            {"name": "PGSSLMODE", "value": "disable"}]}]}}}}),
    ]
}

/// Everything tracing writes while alive goes to a buffer (thread-local default subscriber: the
/// tests' current-thread runtime runs the server's tasks on this thread).
pub(crate) struct LogCapture {
    buf: Arc<Mutex<Vec<u8>>>,
    _guard: tracing::subscriber::DefaultGuard,
}

#[derive(Clone)]
struct BufWriter(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for BufWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        if let Ok(mut v) = self.0.lock() {
            v.extend_from_slice(b);
        }
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl LogCapture {
    pub(crate) fn start() -> LogCapture {
        let buf = Arc::new(Mutex::new(Vec::new()));
        let writer = BufWriter(buf.clone());
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .json()
            .flatten_event(true)
            .with_writer(move || writer.clone())
            .finish();
        LogCapture {
            buf,
            _guard: tracing::subscriber::set_default(subscriber),
        }
    }

    pub(crate) fn text(&self) -> String {
        self.buf
            .lock()
            .map(|v| String::from_utf8_lossy(&v).into_owned())
            .unwrap_or_default()
    }
}

#[tokio::test]
async fn no_secret_value_in_responses_logs_or_metrics() -> Result<()> {
    // The whole built-in pack, denying, warning and auditing (one namespace per enforcement).
    let config =
        "version: 1\nadmission:\n  enforcement: {production: deny, dev: warn, sandbox: audit}\n";
    let s = Server::start(PolicyPack::builtin()?, config, Limits::default()).await?;
    let logs = LogCapture::start();
    let mut out = String::new();
    let mut saw_env_finding = false;
    for (i, obj) in secret_objects().into_iter().enumerate() {
        for ns in ["shop", "shop-dev", "shop-sandbox"] {
            let mut obj = obj.clone();
            obj["metadata"]["namespace"] = json!(ns);
            for op in ["CREATE", "UPDATE"] {
                let old = (op == "UPDATE").then(|| obj.clone());
                let body = review_as(&format!("u-{i}-{ns}-{op}"), op, TENANT, &obj, old.as_ref());
                let r = s.post(&body).await?;
                assert_eq!(r.status, 200, "{}", r.text());
                let text = r.text();
                saw_env_finding |=
                    text.contains("secret-in-env-literal") && text.contains("PASSWORD");
                out.push_str(&text);
            }
        }
        // A malformed variant (400 path) must not echo the body either.
        let mut broken = serde_json::to_string(&obj)?;
        broken.push_str(",,,");
        let r = s.post(broken.as_bytes()).await?;
        assert_eq!(r.status, 400);
        out.push_str(&r.text());
    }
    let metrics = s.get("/metrics").await?.text();
    let log = logs.text();
    assert!(
        log.contains("admission decision"),
        "logs were not captured: {log}"
    );
    for secret in SECRETS {
        assert!(!out.contains(secret), "response leaks {secret}:\n{out}");
        assert!(!log.contains(secret), "logs leak {secret}:\n{log}");
        assert!(
            !metrics.contains(secret),
            "metrics leak {secret}:\n{metrics}"
        );
    }
    assert!(
        saw_env_finding,
        "the literal PASSWORD must still be reported, by name:\n{out}"
    );
    Ok(())
}
