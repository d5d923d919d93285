//! No secret value reaches any output: Secret data, stringData and env var values are never quoted
//! in messages, code frames, notes or any format.

use crate::plumbline;

const SECRETS: &[&str] = &[
    "hunter2-Odoo-DB",
    "0755",
    "c3VwZXJzZWNyZXQ=",
    "pg-Sup3r-Secret",
    "redis-pw-9876",
    // URL passwords on lines that db-connection-plaintext flags (args, ConfigMap data).
    "pg-url-pass-4411",
    "redis-url-pw-5522",
    "cm-url-pass-3131",
    // An env value in flow style on the line of another finding.
    "flow-secret-9966",
];

/// Values in documents that do not parse, and in a note's line: no parsed object says where they
/// are, so the text does.
const BROKEN_SECRETS: &[&str] = &[
    "broken-secret-6633",
    "env-broken-7744",
    "dup-secret-8855",
    "json-secret-2299",
];

const BROKEN: &str = r#"apiVersion: v1
kind: Secret
metadata: {name: broken, namespace: acme-prod}
stringData:
  password: "broken-secret-6633
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: acme-prod}
spec:
  containers:
  - name: p
    image: odoo:17.0
    env:
    - name: DB_PASSWORD
      value: 'env-broken-7744
---
apiVersion: v1
kind: Secret
metadata: {name: dup, namespace: acme-prod}
stringData:
  token: first
  token: dup-secret-8855
---
{"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "j", "namespace": 7}, "data": {"k": "json-secret-2299"}}
"#;

const MANIFEST: &str = r#"apiVersion: v1
kind: Secret
metadata:
  name: odoo-db
  namespace: acme-prod
type: Opaque
stringData:
  password: hunter2-Odoo-DB
  pin: 0755
data:
  token: c3VwZXJzZWNyZXQ=
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: odoo
  namespace: acme-prod
spec:
  selector: {matchLabels: {app: odoo}}
  template:
    metadata: {labels: {app: odoo}}
    spec:
      containers:
      - name: odoo
        image: odoo:17.0
        env:
        - name: PASSWORD
          value: pg-Sup3r-Secret
        - name: REDIS_URL
          value: redis://:redis-pw-9876@redis:6379/0
        - name: PGSSLMODE
          value: disable
        args:
        - --db-uri=postgres://odoo:pg-url-pass-4411@db:5432/odoo?sslmode=disable
        - redis://:redis-url-pw-5522@redis:6379/0
      - {name: side, image: "busybox:latest", env: [{name: TOKEN, value: flow-secret-9966}]}
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: odoo-conf
  namespace: acme-prod
data:
  DATABASE_URL: postgresql://odoo:cm-url-pass-3131@db/odoo?sslmode=prefer
"#;

#[test]
fn no_secret_value_in_any_output() {
    let dir = std::env::temp_dir().join(format!("plumbline-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secrets.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    let f = file.to_str().unwrap();
    let broken = dir.join("broken.yaml");
    std::fs::write(&broken, BROKEN).unwrap();
    let b = broken.to_str().unwrap();
    let mut saw_env_finding = false;
    let mut saw_url_findings = 0;
    for format in ["human", "json", "sarif", "junit", "github"] {
        let out = plumbline(&[
            "lint",
            f,
            b,
            "--format",
            format,
            "--show-suppressed",
            "--color",
            "never",
        ]);
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for secret in SECRETS.iter().chain(BROKEN_SECRETS) {
            assert!(
                !text.contains(secret),
                "{format} output leaks {secret}:\n{text}"
            );
        }
        saw_env_finding |= text.contains("secret-in-env-literal") && text.contains("PASSWORD");
        if format == "human" {
            // The frames are still shown, masked: the broken documents, the note, the URLs.
            for masked in [
                "password: ********",
                "value: ********",
                "token: ********",
                "postgres://odoo:********@db:5432/odoo?sslmode=disable",
                "redis://:********@redis:6379/0",
                "postgresql://odoo:********@db/odoo?sslmode=prefer",
                "value: ********}",
            ] {
                assert!(text.contains(masked), "no frame with `{masked}`:\n{text}");
            }
            assert_eq!(text.matches("YAML syntax error").count(), 2, "{text}");
            assert!(text.contains("/stringData/token"), "{text}");
            saw_url_findings = text.matches("db-connection-plaintext").count();
        }
    }
    assert!(
        saw_env_finding,
        "the literal PASSWORD must still be reported, by name"
    );
    assert!(saw_url_findings >= 3, "the URLs must still be flagged");
}

/// `plumbline admit` over AdmissionReviews of the same Secret and Deployment (CREATE and UPDATE,
/// in a denying, a warning and an auditing environment): the response never quotes a value.
#[test]
fn no_secret_value_in_admit_output() {
    let dir = std::env::temp_dir().join(format!("plumbline-admit-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("plumbline.yaml");
    std::fs::write(
        &config,
        "version: 1\nadmission:\n  enforcement: {production: deny, dev: warn, sandbox: audit}\n",
    )
    .unwrap();
    let objects: Vec<serde_json::Value> = policy_core::yaml::parse_stream(MANIFEST)
        .into_iter()
        .map(|d| d.unwrap().value)
        .collect();
    let mut saw_env_finding = false;
    for (i, obj) in objects.iter().enumerate() {
        for ns in ["acme-prod", "acme-dev", "acme-sandbox"] {
            for op in ["CREATE", "UPDATE"] {
                let mut obj = obj.clone();
                obj["metadata"]["namespace"] = serde_json::json!(ns);
                let review = serde_json::json!({
                    "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
                    "request": {"uid": format!("u{i}"), "operation": op, "namespace": ns,
                        "kind": {"group": "", "version": "v1", "kind": obj["kind"]},
                        "userInfo": {"username": "alice", "groups": ["acme"]},
                        "object": obj, "oldObject": if op == "UPDATE" { obj.clone() } else { serde_json::Value::Null }}
                });
                let file = dir.join(format!("review-{i}-{ns}-{op}.json"));
                std::fs::write(&file, serde_json::to_vec(&review).unwrap()).unwrap();
                let out = plumbline(&[
                    "admit",
                    file.to_str().unwrap(),
                    "--config",
                    config.to_str().unwrap(),
                ]);
                let text = format!(
                    "{}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
                assert!(text.contains("\"uid\""), "admit answered no review: {text}");
                for secret in SECRETS {
                    assert!(
                        !text.contains(secret),
                        "admit output leaks {secret}:\n{text}"
                    );
                }
                saw_env_finding |=
                    text.contains("secret-in-env-literal") && text.contains("PASSWORD");
            }
        }
    }
    assert!(
        saw_env_finding,
        "the literal PASSWORD must still be reported, by name"
    );
}
