//! Regression tests of the hardening issue (webhook part): memory and cost per review, lanes,
//! connection timeouts and cap, bounded logs, reasons and metric labels.

use std::time::{Duration, Instant};

use plumbline_webhook::{Limits, ServeOptions, TlsSource};
use policy_core::PolicyPack;
use rustls::pki_types::ServerName;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::security::LogCapture;
use crate::support::*;

const FAIL_OPEN: &str = "version: 1\nadmission: {failureMode: fail-open}\n";

/// A pack with a slow ConfigMap rule and a Pod rule denying privileged or `:latest` containers.
fn slow_and_pod_pack() -> Result<PolicyPack> {
    let slow_meta = "id: slow-rule\ntitle: slow\ndomain: availability\nseverity: error\n\
        kinds: ['ConfigMap']\ndescription: burns CPU\nremediation: none\nexample: none\n";
    let slow = "package plumbline.rules.slow_rule\nimport rego.v1\n\
        violation contains v if {\n  input.object.metadata.annotations.slow == \"yes\"\n  \
        n := count([x | some x in numbers.range(1, 4000000); x % 3 == 0])\n  n > 0\n  \
        v := {\"msg\": sprintf(\"slow %d\", [n]), \"path\": \"/metadata\"}\n}\n";
    let pod_meta = "id: pod-privileged\ntitle: privileged\ndomain: tenant-isolation\n\
        severity: error\nkinds: ['Pod']\ndescription: none\nremediation: none\nexample: none\n";
    let pod = "package plumbline.rules.pod_privileged\nimport rego.v1\n\
        violation contains v if {\n  some i, c in input.object.spec.containers\n  \
        c.securityContext.privileged == true\n  \
        v := {\"msg\": \"privileged\", \"path\": sprintf(\"/spec/containers/%d\", [i])}\n}\n";
    Ok(PolicyPack::from_files(
        [
            ("availability/slow-rule/rule.yaml", slow_meta),
            ("availability/slow-rule/policy.rego", slow),
            ("tenant-isolation/pod-privileged/rule.yaml", pod_meta),
            ("tenant-isolation/pod-privileged/policy.rego", pod),
        ]
        .map(|(p, t)| (p.to_string(), t.to_string())),
        "test",
    )?)
}

fn privileged_pod() -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"containers": [{"name": "web", "image": "nginx:latest",
            "securityContext": {"privileged": true}}]}})
}

/// H2: four slow large reviews in flight do not take the slots of ordinary ones.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn privileged_pod_is_denied_fast_while_slow_large_reviews_are_in_flight() -> Result<()> {
    let mut limits = Limits::default();
    limits.max_concurrent = 4;
    limits.deadline = Duration::from_secs(4);
    let s = Server::start(slow_and_pod_pack()?, FAIL_OPEN, limits).await?;
    let padding = "x".repeat(300 * 1024);
    let mut slow = Vec::new();
    for i in 0..4 {
        let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": format!("c{i}"), "namespace": "shop", "annotations": {"slow": "yes"}},
            "data": {"blob": padding}});
        let body = review(
            &format!("u-slow-{i}"),
            "CREATE",
            "shop",
            Some(cm),
            None,
            false,
        );
        let conn = s.conn().await?;
        slow.push(tokio::spawn(async move {
            let mut conn = conn;
            conn.send("POST", "/validate", &body)
                .await
                .map(|r| r.status)
        }));
    }
    let m = s.app.metrics().clone();
    let all_in = poll(Duration::from_secs(10), || {
        let m = m.clone();
        async move { (m.in_flight() >= 4).then_some(()) }
    })
    .await;
    assert!(all_in.is_some(), "the slow reviews never got in flight");
    let started = Instant::now();
    let body = review(
        "u-priv",
        "CREATE",
        "shop",
        Some(privileged_pod()),
        None,
        false,
    );
    let v = s.post(&body).await?.json();
    let took = started.elapsed();
    assert_eq!(v["response"]["uid"], "u-priv");
    assert_eq!(v["response"]["allowed"], false, "{v}");
    assert_eq!(v["response"]["status"]["code"], 403, "{v}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
    for t in slow {
        t.abort();
    }
    Ok(())
}

/// H1: a review whose estimated cost is over the limit is answered by the failure mode, without
/// being evaluated (and fast).
#[tokio::test]
async fn a_review_over_the_cost_limit_gets_the_failure_mode() -> Result<()> {
    let paths: Vec<Value> = (0..2000)
        .map(|j| {
            json!({"path": format!("/p{j}"), "pathType": "Prefix",
            "backend": {"service": {"name": "svc", "port": {"number": 80}}}})
        })
        .collect();
    let ingress = json!({"apiVersion": "networking.k8s.io/v1", "kind": "Ingress",
        "metadata": {"name": "big", "namespace": "shop"},
        "spec": {"rules": [{"host": "a.example.com", "http": {"paths": paths}}]}});
    let body = review("u-dense", "CREATE", "shop", Some(ingress), None, true);
    let mut limits = Limits::default();
    limits.max_review_cost_bytes = 4 * 1024 * 1024;
    for (config, allowed) in [("version: 1\n", false), (FAIL_OPEN, true)] {
        let s = Server::start(PolicyPack::builtin()?, config, limits.clone()).await?;
        let v = s.post(&body).await?.json();
        assert_eq!(v["response"]["uid"], "u-dense");
        assert_eq!(v["response"]["allowed"], allowed, "{config}: {v}");
        assert!(
            v.to_string().contains("review too large to evaluate"),
            "{v}"
        );
        let m = s.get("/metrics").await?.text();
        assert!(m.contains("plumbline_webhook_over_budget_total 1"), "{m}");
    }
    Ok(())
}

async fn closed_within(stream: &mut (impl AsyncReadExt + Unpin), limit: Duration) -> bool {
    let mut buf = [0u8; 1024];
    let end = Instant::now() + limit;
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
            Err(_) => return false,
        }
    }
}

async fn timed_server(max_connections: usize) -> Result<(plumbline_webhook::Running, Pki)> {
    let pki = Pki::new()?;
    let leaf = pki.leaf()?;
    let (linter, settings) = linter(PolicyPack::builtin()?, CONFIG)?;
    let mut limits = Limits::default();
    limits.body_timeout = Duration::from_millis(300);
    let app = plumbline_webhook::App::new(linter, settings, limits);
    let mut opts = ServeOptions::new("127.0.0.1:0".parse()?, TlsSource::Pem(leaf.pem));
    opts.handshake_timeout = Duration::from_millis(300);
    opts.header_read_timeout = Duration::from_millis(300);
    opts.idle_timeout = Duration::from_millis(600);
    opts.max_connections = max_connections;
    Ok((plumbline_webhook::start(app, opts).await?, pki))
}

/// M4: handshake, header, idle and body timeouts close slow connections.
#[tokio::test]
async fn slow_and_idle_connections_are_closed() -> Result<()> {
    let (running, pki) = timed_server(64).await?;
    let connector = pki.connector()?;
    // No TLS handshake at all.
    let mut tcp = TcpStream::connect(running.addr).await?;
    assert!(
        closed_within(&mut tcp, Duration::from_secs(5)).await,
        "handshake"
    );
    // Handshake, then nothing.
    let tcp = TcpStream::connect(running.addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost")?, tcp)
        .await?;
    assert!(
        closed_within(&mut tls, Duration::from_secs(5)).await,
        "idle"
    );
    // Half a header.
    let tcp = TcpStream::connect(running.addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost")?, tcp)
        .await?;
    tls.write_all(b"POST /validate HTTP/1.1\r\nHost: local")
        .await?;
    assert!(
        closed_within(&mut tls, Duration::from_secs(5)).await,
        "header"
    );
    // A body that never completes: 408.
    let tcp = TcpStream::connect(running.addr).await?;
    let mut tls = connector
        .connect(ServerName::try_from("localhost")?, tcp)
        .await?;
    tls.write_all(
        b"POST /validate HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n{\"a\"",
    )
    .await?;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), tls.read(&mut buf)).await??;
    let head = String::from_utf8_lossy(&buf[..n]).into_owned();
    assert!(head.starts_with("HTTP/1.1 408"), "{head}");
    Ok(())
}

/// M4: connections beyond the cap are closed at once; a freed slot is usable again.
#[tokio::test]
async fn connections_are_capped() -> Result<()> {
    let (running, pki) = timed_server(2).await?;
    let connector = pki.connector()?;
    let a = Conn::open(running.addr, &connector).await?;
    let b = Conn::open(running.addr, &connector).await?;
    let third = Conn::open(running.addr, &connector).await;
    let refused = match third {
        Err(_) => true,
        Ok(mut c) => c.send("GET", "/healthz", b"").await.is_err(),
    };
    assert!(refused, "a third connection was served");
    drop((a, b));
    let again = poll(Duration::from_secs(5), || {
        let connector = connector.clone();
        async move {
            let mut c = Conn::open(running.addr, &connector).await.ok()?;
            c.send("GET", "/healthz", b"").await.ok().map(|r| r.status)
        }
    })
    .await;
    assert_eq!(again, Some(200));
    Ok(())
}

/// L3 and L5: 400 reasons and logs do not echo request values; decision log fields are bounded.
#[tokio::test]
async fn reasons_and_logs_do_not_echo_request_values() -> Result<()> {
    let s = Server::start(PolicyPack::builtin()?, CONFIG, Limits::default()).await?;
    let logs = LogCapture::start();
    let marker = "EVIL-MARKER-4242";
    let bodies = [
        json!({"apiVersion": format!("{marker}/v1"), "kind": "AdmissionReview", "request": {"uid": "u"}}),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": marker, "request": {"uid": "u"}}),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "operation": marker}}),
        json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
            "request": {"uid": "u", "operation": "CREATE", "dryRun": marker, "object": {}}}),
    ];
    let mut out = String::new();
    for b in bodies {
        let r = s.post(&serde_json::to_vec(&b)?).await?;
        assert_eq!(r.status, 400, "{}", r.text());
        out.push_str(&r.text());
    }
    assert!(!out.contains(marker), "{out}");
    // A decision on an object with a huge kind, namespace-like name and uid.
    let long = "n".repeat(100_000);
    let mut pod = pod("shop", GOOD);
    pod["metadata"]["name"] = json!(long);
    let body = review(
        &"u".repeat(50_000),
        "CREATE",
        "shop",
        Some(pod),
        None,
        false,
    );
    assert_eq!(s.post(&body).await?.status, 200);
    let log = logs.text();
    assert!(!log.contains(marker), "{log}");
    assert!(log.contains("admission decision"), "{log}");
    let longest = log.lines().map(str::len).max().unwrap_or(0);
    assert!(longest < 4096, "a log line of {longest} bytes");
    Ok(())
}

/// L4: an oversized body is answered 413 before it is read, and the client, still sending,
/// receives it (no reset).
#[tokio::test]
async fn an_oversized_body_gets_a_visible_413() -> Result<()> {
    let s = Server::start(PolicyPack::builtin()?, CONFIG, Limits::default()).await?;
    let len = 12 * 1024 * 1024;
    let mut conn = s.conn().await?;
    // A plain client: the whole body first, then the answer.
    let r = conn.send("POST", "/validate", &vec![b' '; len]).await?;
    assert_eq!(r.status, 413, "{}", r.text());
    let m = s.get("/metrics").await?.text();
    assert!(
        m.contains(r#"plumbline_webhook_rejected_requests_total{code="413"} 1"#),
        "{m}"
    );
    Ok(())
}

/// M7: label values are cut when stored, not only when rendered.
#[tokio::test]
async fn metric_labels_are_bounded_when_stored() -> Result<()> {
    let s = Server::start(PolicyPack::builtin()?, CONFIG, Limits::default()).await?;
    for i in 0..30 {
        let kind = format!("K{i}{}", "k".repeat(100 * 1024));
        let obj = json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": "x", "namespace": "shop"}});
        let r = s
            .post(&review(
                &format!("u{i}"),
                "CREATE",
                "shop",
                Some(obj),
                None,
                false,
            ))
            .await?;
        assert_eq!(r.status, 200);
    }
    let held = s.app.metrics().label_bytes();
    assert!(held < 30 * 256, "label values hold {held} bytes");
    Ok(())
}
