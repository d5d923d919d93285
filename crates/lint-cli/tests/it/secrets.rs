//! No secret value reaches any output: Secret data, stringData and env var values are never quoted
//! in messages, code frames, notes or any format.

use crate::plumbline;

const SECRETS: &[&str] = &["hunter2-Odoo-DB", "0755", "c3VwZXJzZWNyZXQ=", "pg-Sup3r-Secret", "redis-pw-9876"];

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
"#;

#[test]
fn no_secret_value_in_any_output() {
    let dir = std::env::temp_dir().join(format!("plumbline-secrets-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("secrets.yaml");
    std::fs::write(&file, MANIFEST).unwrap();
    let f = file.to_str().unwrap();
    let mut saw_env_finding = false;
    for format in ["human", "json", "sarif", "junit", "github"] {
        let out = plumbline(&["lint", f, "--format", format, "--show-suppressed", "--color", "never"]);
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        for secret in SECRETS {
            assert!(!text.contains(secret), "{format} output leaks {secret}:\n{text}");
        }
        saw_env_finding |= text.contains("secret-in-env-literal") && text.contains("PASSWORD");
    }
    assert!(saw_env_finding, "the literal PASSWORD must still be reported, by name");
}
