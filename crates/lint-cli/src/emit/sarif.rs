//! `--format sarif`: SARIF 2.1.0 for code-scanning tools (one run; rule descriptors from rule.yaml).

use std::io::{self, Write};

use policy_core::{Finding, RelatedLocation, Report, Severity, SuppressionKind};
use serde_json::{json, Value};

use super::{stream, EmitContext, Emitter, Found};

pub(crate) struct Sarif;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// `image-tag-latest` → `ImageTagLatest` (SARIF rule names are identifiers).
fn pascal(id: &str) -> String {
    id.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// Artifact URI relative to the working directory, with forward slashes and percent-encoding of
/// characters that may not appear in a URI reference.
pub(crate) fn artifact_uri(file: &str) -> String {
    let cwd = std::env::current_dir().ok();
    let rel = cwd
        .as_deref()
        .and_then(|c| std::path::Path::new(file).strip_prefix(c).ok())
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.to_string())
        .replace('\\', "/");
    let mut out = String::new();
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Emitter for Sarif {
    fn emit(
        &self,
        report: &Report,
        found: &Found<'_>,
        ctx: &EmitContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let rules: Vec<Value> = ctx
            .pack
            .rules
            .iter()
            .map(|r| {
                let m = &r.meta;
                let mut d = json!({
                    "id": m.id,
                    "name": pascal(&m.id),
                    "shortDescription": {"text": m.title},
                    "fullDescription": {"text": m.description.trim()},
                    "help": {"text": m.remediation.trim(), "markdown": policy_core::docs::rule_markdown(m)},
                    "defaultConfiguration": {"level": level(m.severity)},
                    "properties": {"tags": [m.domain.as_str(), "kubernetes"], "domain": m.domain},
                });
                if let Some(uri) = m.references.first() {
                    d["helpUri"] = json!(uri);
                }
                d
            })
            .collect();
        let index = |id: &str| ctx.pack.rules.iter().position(|r| r.meta.id == id);
        // Suppressed findings are always included, marked with `suppressions` (SARIF consumers
        // hide them), so code scanning can close an alert when a suppression is added.
        let results = found.values(|_| true, move |f| result(f, index(&f.rule)));
        let notifications: Vec<Value> = report
            .problems
            .iter()
            .map(|p| {
                let mut n = json!({"level": "error", "message": {"text": p.message}});
                let mut region = json!({});
                if let Some(l) = p.line {
                    region["startLine"] = json!(l);
                }
                if let Some(c) = p.column {
                    region["startColumn"] = json!(c);
                }
                let mut loc = json!({"physicalLocation": {"artifactLocation": {"uri": artifact_uri(&p.file)}}});
                if p.line.is_some() {
                    loc["physicalLocation"]["region"] = region;
                }
                n["locations"] = json!([loc]);
                n
            })
            .collect();
        let doc = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": {"driver": {
                    "name": "plumbline",
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": "https://kubernetes.io/docs/concepts/security/pod-security-standards/",
                    "rules": rules,
                }},
                "columnKind": "unicodeCodePoints",
                "results": stream::slot(0),
                "invocations": [{
                    "executionSuccessful": report.problems.is_empty(),
                    "toolExecutionNotifications": notifications,
                }],
            }],
        });
        stream::write_pretty(out, &doc, vec![Box::new(results)])?;
        writeln!(out)
    }
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule,
        "level": level(f.severity),
        "message": {"text": f.message},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(&f.file)},
                "region": region(f.line, f.column, f.end_line, f.end_column),
            },
            "logicalLocations": [{"fullyQualifiedName": f.object.to_string(), "kind": "object"}],
        }],
        "partialFingerprints": {"plumbline/v1": f.fingerprint()},
        "properties": {"domain": f.domain, "path": f.path, "document": f.document},
    });
    if let Some(i) = f.item {
        r["properties"]["item"] = json!(i);
    }
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if !f.related.is_empty() {
        r["relatedLocations"] = f
            .related
            .iter()
            .enumerate()
            .map(|(id, l)| related_location(id, l))
            .collect();
    }
    if let Some(s) = &f.suppressed {
        let kind = match s.kind {
            SuppressionKind::Annotation => "inSource",
            SuppressionKind::Exemption => "external",
        };
        let mut sup = json!({"kind": kind, "status": "accepted", "justification": s.reason});
        if let Some(e) = &s.expires {
            sup["properties"] = json!({"expires": e});
        }
        r["suppressions"] = json!([sup]);
    }
    r
}

/// A related location (the other Ingress claiming the host): SARIF `relatedLocations` entry
/// `id`, with its own region and message, and the other object as its logical location.
fn related_location(id: usize, l: &RelatedLocation) -> Value {
    json!({
        "id": id,
        "physicalLocation": {
            "artifactLocation": {"uri": artifact_uri(&l.file)},
            "region": region(l.line, l.column, l.end_line, l.end_column),
        },
        "logicalLocations": [{"fullyQualifiedName": l.object.to_string(), "kind": "object"}],
        "message": {"text": l.message},
    })
}

/// The region of a span (1-based; `end_column` after the last character). SARIF's `endColumn`
/// is exclusive too; an empty span is a position only, and a span that ends with its line ends
/// at `endLine` without `endColumn` (which then means the whole last line).
fn region(line: u32, column: u32, end_line: u32, end_column: u32) -> Value {
    let mut r = json!({"startLine": line, "startColumn": column});
    if (end_line, end_column) <= (line, column) {
        return r;
    }
    if end_column == 1 && end_line > line {
        r["endLine"] = json!(end_line - 1);
    } else {
        r["endLine"] = json!(end_line);
        r["endColumn"] = json!(end_column);
    }
    r
}
