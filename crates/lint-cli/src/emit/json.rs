//! `--format json`: one object, `{"version":1,"summary":{…},"configs":[…],"findings":[…],"errors":[…],"notes":[…]}`.

use std::io::{self, Write};

use policy_core::{RelatedLocation, Report, Severity};
use serde_json::{json, Value};

use super::{stream, EmitContext, Emitter, Found};

pub(crate) struct Json;

/// A related location as the findings' own location is written (camelCase end fields).
fn related(r: &RelatedLocation) -> Value {
    let mut v = json!({
        "message": r.message, "object": r.object, "file": r.file, "document": r.document,
        "line": r.line, "column": r.column, "endLine": r.end_line, "endColumn": r.end_column,
        "path": r.path,
    });
    if let Some(i) = r.item {
        v["item"] = json!(i);
    }
    v
}

impl Emitter for Json {
    fn emit(
        &self,
        report: &Report,
        found: &Found<'_>,
        ctx: &EmitContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let findings = found.values(|f| ctx.shows(f), |f| {
            let mut v = json!({
                "rule": f.rule, "domain": f.domain, "severity": f.severity, "message": f.message,
                "object": f.object, "file": f.file, "document": f.document, "line": f.line,
                "column": f.column, "endLine": f.end_line, "endColumn": f.end_column, "path": f.path,
            });
            if let Some(i) = f.item {
                v["item"] = json!(i);
            }
            if let Some(s) = &f.suppressed {
                v["suppressed"] = json!(s);
            }
            if !f.related.is_empty() {
                v["related"] = f.related.iter().map(related).collect();
            }
            v
        });
        let errors: Vec<Value> = report
            .problems
            .iter()
            .map(|p| json!({"file": p.file, "document": p.document, "line": p.line, "column": p.column, "path": p.path, "message": p.message}))
            .collect();
        let notes: Vec<Value> = report
            .notes
            .iter()
            .map(|p| json!({"file": p.file, "document": p.document, "line": p.line, "column": p.column, "path": p.path, "message": p.message}))
            .collect();
        let counts = found.counts();
        let summary = json!({
            "files": report.files,
            "objects": report.objects,
            "findings": counts.active(),
            "errors": counts.at(Severity::Error),
            "warnings": counts.at(Severity::Warning),
            "infos": counts.at(Severity::Info),
            "suppressed": counts.suppressed,
            "inputErrors": report.problems.len(),
        });
        let configs: Vec<Value> = ctx
            .configs
            .iter()
            .map(|c| json!({"path": c.path, "files": c.files}))
            .collect();
        let doc = json!({"version": 1, "summary": summary, "configs": configs, "findings": stream::slot(0), "errors": errors, "notes": notes});
        stream::write_pretty(out, &doc, vec![Box::new(findings)])?;
        writeln!(out)
    }
}
