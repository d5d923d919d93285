//! End-to-end tests of plumbline-webhook: the real server on 127.0.0.1:0, real TLS handshakes.

mod budget;
#[cfg(feature = "cluster-cache")]
mod cluster_cache;
mod hardening;
mod image;
mod security;
mod support;

use std::time::Duration;

use plumbline_webhook::{Limits, TlsSource};
use policy_core::PolicyPack;
use serde_json::json;
use support::*;

async fn default_server() -> Result<Server> {
    Server::start(PolicyPack::builtin()?, CONFIG, Limits::default()).await
}

#[tokio::test]
async fn allows_a_compliant_pod_and_echoes_the_uid() -> Result<()> {
    let s = default_server().await?;
    let r = s.create_pod("u-allow", "shop", GOOD).await?;
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(v["kind"], "AdmissionReview");
    assert_eq!(v["response"]["uid"], "u-allow");
    assert_eq!(v["response"]["allowed"], true);
    assert!(v["response"].get("status").is_none(), "{v}");
    Ok(())
}

#[tokio::test]
async fn denies_with_403_naming_rule_and_field() -> Result<()> {
    let s = default_server().await?;
    let r = s.create_pod("u-deny", "shop", BAD).await?;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["response"]["uid"], "u-deny");
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 403);
    let msg = v["response"]["status"]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(
        msg.contains("image-tag-latest") && msg.contains("spec.containers[0].image"),
        "{msg}"
    );
    let m = s.get("/metrics").await?.text();
    assert!(
        m.contains(
            r#"plumbline_webhook_requests_total{operation="CREATE",kind="Pod",decision="deny"} 1"#
        ),
        "{m}"
    );
    assert!(
        m.contains(
            r#"plumbline_webhook_findings_total{rule="image-tag-latest",severity="error"} 1"#
        ),
        "{m}"
    );
    Ok(())
}

#[tokio::test]
async fn warn_environment_returns_bounded_warnings() -> Result<()> {
    let s = default_server().await?;
    let r = s.create_pod("u-warn", "shop-dev", BAD).await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    let w = v["response"]["warnings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(w.len(), 1, "{v}");
    let w0 = w[0].as_str().unwrap_or_default();
    assert!(
        w0.contains("image-tag-latest") && w0.chars().count() <= 256,
        "{w0}"
    );
    Ok(())
}

#[tokio::test]
async fn audit_environment_returns_audit_annotations() -> Result<()> {
    let s = default_server().await?;
    let r = s.create_pod("u-audit", "shop-sandbox", BAD).await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], true, "{v}");
    assert!(v["response"].get("warnings").is_none(), "{v}");
    let a = v["response"]["auditAnnotations"]["image-tag-latest"]
        .as_str()
        .unwrap_or_default();
    assert!(a.contains("spec.containers[0].image"), "{v}");
    Ok(())
}

#[tokio::test]
async fn exempt_namespaces_are_not_evaluated() -> Result<()> {
    let s = default_server().await?;
    for ns in ["legacy", "kube-system"] {
        let r = s.create_pod("u-ex", ns, BAD).await?;
        let v = r.json();
        assert_eq!(v["response"]["allowed"], true, "{ns}: {v}");
        assert!(v["response"].get("warnings").is_none(), "{v}");
    }
    // The default exemption list holds kube-system and the webhook's own namespace.
    let s = Server::start(PolicyPack::builtin()?, "version: 1\n", Limits::default()).await?;
    let r = s.create_pod("u-own", "plumbline-system", BAD).await?;
    assert_eq!(r.json()["response"]["allowed"], true);
    Ok(())
}

#[tokio::test]
async fn update_evaluates_the_new_object_and_delete_is_allowed() -> Result<()> {
    let s = default_server().await?;
    let fixing = review(
        "u-up1",
        "UPDATE",
        "shop",
        Some(pod("shop", GOOD)),
        Some(pod("shop", BAD)),
        false,
    );
    assert_eq!(s.post(&fixing).await?.json()["response"]["allowed"], true);
    let breaking = review(
        "u-up2",
        "UPDATE",
        "shop",
        Some(pod("shop", BAD)),
        Some(pod("shop", GOOD)),
        false,
    );
    let v = s.post(&breaking).await?.json();
    assert_eq!(
        (
            v["response"]["uid"].clone(),
            v["response"]["allowed"].clone()
        ),
        (json!("u-up2"), json!(false))
    );
    let delete = review(
        "u-del",
        "DELETE",
        "shop",
        None,
        Some(pod("shop", BAD)),
        false,
    );
    let v = s.post(&delete).await?.json();
    assert_eq!(
        (
            v["response"]["uid"].clone(),
            v["response"]["allowed"].clone()
        ),
        (json!("u-del"), json!(true))
    );
    Ok(())
}

#[tokio::test]
async fn dry_run_gets_the_same_answer_without_counting_findings() -> Result<()> {
    let s = default_server().await?;
    let r = s
        .post(&review(
            "u-dry",
            "CREATE",
            "shop",
            Some(pod("shop", BAD)),
            None,
            true,
        ))
        .await?;
    let v = r.json();
    assert_eq!(v["response"]["allowed"], false);
    assert_eq!(v["response"]["status"]["code"], 403);
    let m = s.get("/metrics").await?.text();
    assert!(!m.contains("plumbline_webhook_findings_total{"), "{m}");
    Ok(())
}

#[tokio::test]
async fn malformed_json_is_400_with_a_reason() -> Result<()> {
    let s = default_server().await?;
    for body in [&b"{not json"[..], b"", b"[1,2]", br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"operation":"CREATE"}}"#] {
        let r = s.post(body).await?;
        assert_eq!(r.status, 400, "{}", r.text());
        assert!(!r.text().trim().is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn wrong_api_version_is_400() -> Result<()> {
    let s = default_server().await?;
    let mut v: serde_json::Value = serde_json::from_slice(&review(
        "u",
        "CREATE",
        "shop",
        Some(pod("shop", GOOD)),
        None,
        false,
    ))?;
    v["apiVersion"] = json!("admission.k8s.io/v1beta1");
    let r = s.post(&serde_json::to_vec(&v)?).await?;
    assert_eq!(r.status, 400);
    // The reason names what is served, never the value sent (attacker-controlled).
    assert!(
        r.text().contains("only admission.k8s.io/v1 is served") && !r.text().contains("v1beta1"),
        "{}",
        r.text()
    );
    Ok(())
}

#[tokio::test]
async fn a_16_mib_body_is_413() -> Result<()> {
    let s = default_server().await?;
    let r = s.conn().await?.send_large(16 * 1024 * 1024).await?;
    assert_eq!(r.status, 413, "{}", r.text());
    // The server is still fine.
    assert_eq!(s.get("/healthz").await?.status, 200);
    Ok(())
}

fn slow_review(uid: &str) -> Vec<u8> {
    let cm = json!({"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": "c", "namespace": "shop", "annotations": {"slow": "yes"}}});
    review(uid, "CREATE", "shop", Some(cm), None, false)
}

#[tokio::test]
async fn slow_evaluation_times_out_into_the_failure_mode() -> Result<()> {
    let mut limits = Limits::default();
    limits.deadline = Duration::from_millis(1);
    for (config, allowed) in [
        ("version: 1\n", false),
        ("version: 1\nadmission: {failureMode: fail-open}\n", true),
    ] {
        let s = Server::start(slow_pack()?, config, limits.clone()).await?;
        let v = s.post(&slow_review("u-slow")).await?.json();
        assert_eq!(v["response"]["uid"], "u-slow");
        assert_eq!(v["response"]["allowed"], allowed, "{config}: {v}");
        assert_eq!(s.app.metrics().timeouts(), 1);
        let m = s.get("/metrics").await?.text();
        assert!(
            m.contains("plumbline_webhook_evaluation_timeouts_total 1"),
            "{m}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn certificate_rotation_mid_traffic_keeps_connections() -> Result<()> {
    let dir = std::env::temp_dir().join(format!("plumbline-webhook-it-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (cert, key) = (dir.join("tls.crt"), dir.join("tls.key"));
    let pki = Pki::new()?;
    let first = pki.leaf()?;
    std::fs::write(&cert, &first.pem.cert)?;
    std::fs::write(&key, &first.pem.key)?;
    let tls = TlsSource::Files {
        cert: cert.clone(),
        key: key.clone(),
    };
    let s = Server::start_with(
        PolicyPack::builtin()?,
        CONFIG,
        Limits::default(),
        pki,
        tls,
        Duration::from_millis(20),
    )
    .await?;

    let mut kept = s.conn().await?;
    assert_eq!(kept.peer_cert(), first.der);
    assert_eq!(kept.send("GET", "/healthz", b"").await?.status, 200);

    // Traffic on fresh connections throughout the rotation.
    let (addr, connector) = (s.running.addr, s.connector.clone());
    let traffic = tokio::spawn(async move {
        let mut n = 0;
        for i in 0..40 {
            let mut c = Conn::open(addr, &connector).await?;
            let r = c
                .send(
                    "POST",
                    "/validate",
                    &review(
                        &format!("t{i}"),
                        "CREATE",
                        "shop",
                        Some(pod("shop", GOOD)),
                        None,
                        false,
                    ),
                )
                .await?;
            if r.json()["response"]["uid"] != format!("t{i}") {
                return Err::<usize, BoxError>("wrong uid".into());
            }
            n += 1;
        }
        Ok(n)
    });

    // A half-written pair (new key, old cert) does not parse as a pair: the old one stays.
    let second = s.pki.leaf()?;
    std::fs::write(&key, &second.pem.key)?;
    let failed = poll(Duration::from_secs(10), || async {
        s.get("/metrics")
            .await
            .ok()
            .filter(|m| m.text().contains("reloads_total{result=\"failed\"} 1"))
            .map(|_| ())
    })
    .await;
    assert!(failed.is_some(), "mismatched pair was not rejected");
    assert_eq!(
        s.conn().await?.peer_cert(),
        first.der,
        "old certificate kept on failure"
    );

    std::fs::write(&cert, &second.pem.cert)?;
    let rotated = poll(Duration::from_secs(10), || async {
        let c = s.conn().await.ok()?;
        (c.peer_cert() == second.der).then_some(())
    })
    .await;
    assert!(rotated.is_some(), "new certificate never served");

    // The connection opened before the rotation still works.
    assert_eq!(kept.send("GET", "/healthz", b"").await?.status, 200);
    assert_eq!(traffic.await??, 40);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

#[tokio::test]
async fn shutdown_drains_in_flight_requests() -> Result<()> {
    // The binary calls the same `Running::shutdown` on SIGTERM.
    let mut limits = Limits::default();
    limits.deadline = Duration::from_secs(30);
    let s = Server::start(slow_pack()?, "version: 1\n", limits).await?;
    let mut c = s.conn().await?;
    let in_flight =
        tokio::spawn(async move { c.send("POST", "/validate", &slow_review("u-drain")).await });
    let started = poll(Duration::from_secs(10), || async {
        (s.app.metrics().in_flight() == 1).then_some(())
    })
    .await;
    assert!(started.is_some());
    let Server {
        running, pki, app, ..
    } = s;
    let addr = running.addr;
    running.shutdown().await?;
    let r = in_flight.await??;
    let v = r.json();
    assert_eq!(v["response"]["uid"], "u-drain", "{}", r.text());
    assert_eq!(v["response"]["allowed"], false, "the slow rule denies");
    assert_eq!(app.metrics().in_flight(), 0);
    assert!(
        Conn::open(addr, &pki.connector()?).await.is_err(),
        "no new connections after shutdown"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_clients_each_get_their_own_answer() -> Result<()> {
    let s = std::sync::Arc::new(default_server().await?);
    let mut tasks = Vec::new();
    for client in 0..16 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            let mut c = s.conn().await?;
            for i in 0..20 {
                let uid = format!("c{client}-{i}");
                let bad = (client + i) % 2 == 0;
                let r = c
                    .send(
                        "POST",
                        "/validate",
                        &review(
                            &uid,
                            "CREATE",
                            "shop",
                            Some(pod("shop", if bad { BAD } else { GOOD })),
                            None,
                            false,
                        ),
                    )
                    .await?;
                let v = r.json();
                if v["response"]["uid"] != uid.as_str() || v["response"]["allowed"] != !bad {
                    return Err::<(), BoxError>(format!("{uid}: {v}").into());
                }
            }
            Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let m = s.get("/metrics").await?.text();
    assert!(
        m.contains("plumbline_webhook_request_duration_seconds_count 320"),
        "{m}"
    );
    Ok(())
}

#[tokio::test]
async fn health_ready_and_metrics_endpoints() -> Result<()> {
    let s = default_server().await?;
    assert_eq!(s.get("/healthz").await?.status, 200);
    assert_eq!(s.get("/readyz").await?.status, 200);
    let m = s.get("/metrics").await?;
    assert_eq!(m.status, 200);
    assert!(m
        .text()
        .contains("# TYPE plumbline_webhook_request_duration_seconds histogram"));
    Ok(())
}

fn deploy_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy")
}

#[test]
fn deploy_manifests_pass_plumbline_lint() -> Result<()> {
    let (files, problems) = policy_core::expand_paths(&[deploy_dir()]);
    assert!(problems.is_empty(), "{problems:?}");
    let sources = files
        .iter()
        .map(|f| {
            Ok(policy_core::Source::new(
                f.display().to_string(),
                std::fs::read_to_string(f)?,
            ))
        })
        .collect::<Result<Vec<_>>>()?;
    let report = policy_core::default_linter()?.lint_sources(&sources);
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    // "Passes" as `plumbline lint` means it: no error-level finding (warnings such as
    // change-ticket-missing are for the pipeline that applies the base to stamp).
    let errors: Vec<_> = report
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none() && f.severity == policy_core::Severity::Error)
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    Ok(())
}

#[test]
fn deploy_config_is_a_valid_plumbline_yaml() -> Result<()> {
    let text = std::fs::read_to_string(deploy_dir().join("configmap.yaml"))?;
    let doc = policy_core::yaml::parse_stream(&text)
        .into_iter()
        .next()
        .ok_or("empty")?;
    let doc = doc.map_err(|e| e.message)?;
    let config_text = doc.value["data"]["plumbline.yaml"]
        .as_str()
        .ok_or("no data.plumbline.yaml")?;
    let config = policy_core::Config::parse(config_text, "deploy/configmap.yaml")?;
    let settings =
        policy_core::admission::AdmissionSettings::from_config(&config, Some("plumbline-system"))?;
    assert_eq!(
        settings.failure_mode,
        policy_core::admission::FailureMode::FailClosed
    );
    let pack = PolicyPack::builtin()?;
    let valid = config.validate(&pack)?;
    let linter = policy_core::Linter::new(pack, valid, policy_core::LintOptions::default())?;
    let dev = linter.resolver().resolve("shop-dev", None, None);
    assert_eq!(
        settings.enforcement_of(&dev.environment),
        policy_core::admission::Enforcement::Warn
    );
    Ok(())
}
