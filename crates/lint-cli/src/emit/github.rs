//! `--format github`: GitHub Actions workflow commands, shown as annotations on the pull request.

use std::io::{self, Write};

use policy_core::{Report, Severity};

use super::{EmitContext, Emitter, Found};

pub(crate) struct Github;

/// Escape a workflow-command message.
fn data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property value.
fn prop(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl Emitter for Github {
    fn emit(
        &self,
        report: &Report,
        found: &Found<'_>,
        ctx: &EmitContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        for p in &report.problems {
            let mut props = format!("file={}", prop(&super::sarif::artifact_uri(&p.file)));
            if let Some(l) = p.line {
                props.push_str(&format!(",line={l}"));
            }
            if let Some(c) = p.column {
                props.push_str(&format!(",col={c}"));
            }
            writeln!(
                out,
                "::error {props},title={}::{}",
                prop("plumbline input error"),
                data(&p.message)
            )?;
        }
        for run in found.runs() {
            for f in run?.iter().filter(|f| f.suppressed.is_none()) {
                let cmd = match f.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                    Severity::Info => "notice",
                };
                writeln!(
                    out,
                    "::{cmd} file={},line={},col={},title={}::{}",
                    prop(&super::sarif::artifact_uri(&f.file)),
                    f.line,
                    f.column,
                    prop(&format!("{} ({})", f.rule, f.object)),
                    data(&format!("{} (plumbline explain {})", f.message, f.rule))
                )?;
            }
        }
        let _ = ctx;
        Ok(())
    }
}
