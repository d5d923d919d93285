//! Embedding Plumbline in another Rust program: lint a manifest held in memory with the built-in
//! policy pack and a config, and act on the findings.
//!
//! Run: `cargo run -p plumbline-policy-core --example embed`

use policy_core::{Config, LintOptions, Linter, PolicyPack, Severity, Source};

const MANIFEST: &str = r#"
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
        image: odoo:latest
"#;

const CONFIG: &str = "version: 1\nrules:\n  select: [pinned-tags, resources]\n";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Compile once; the linter is Send + Sync and can be shared across threads.
    let pack = PolicyPack::builtin()?;
    let config = Config::parse(CONFIG, "inline-config.yaml")?.validate(&pack)?;
    let linter = Linter::new(pack, config, LintOptions::default())?;

    let report = linter.lint_sources(&[Source::new("odoo.yaml", MANIFEST)]);
    for f in &report.findings {
        println!(
            "{}:{}:{} {} [{}] {}",
            f.file, f.line, f.column, f.severity, f.rule, f.message
        );
    }
    for p in &report.problems {
        println!("input error: {p}");
    }
    let blocking = report.count_at_least(Severity::Error);
    println!("{blocking} blocking findings");
    Ok(())
}
