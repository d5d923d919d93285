//! `--format human`: a code frame per finding, with the rule id and a one-line fix.

use std::io::{self, Write};

use policy_core::{Finding, Problem, Report, Severity};

use super::{EmitContext, Emitter};

pub(crate) struct Human;

struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }
    fn severity(&self, s: Severity) -> String {
        match s {
            Severity::Error => self.paint("1;31", "error"),
            Severity::Warning => self.paint("1;33", "warning"),
            Severity::Info => self.paint("1;36", "info"),
        }
    }
}

impl Emitter for Human {
    fn emit(&self, report: &Report, ctx: &EmitContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let st = Style { on: ctx.color };
        for p in &report.problems {
            problem(out, &st, ctx, p, "input error", "1;31")?;
        }
        for f in ctx.visible(report) {
            finding(out, &st, ctx, f)?;
        }
        if !ctx.quiet {
            for n in &report.notes {
                problem(out, &st, ctx, n, "note", "1;36")?;
            }
            summary(out, &st, report)?;
        }
        Ok(())
    }
}

fn finding(out: &mut dyn Write, st: &Style, ctx: &EmitContext<'_>, f: &Finding) -> io::Result<()> {
    let sup = if f.suppressed.is_some() {
        st.paint("2", " (suppressed)")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}[{}]{sup}: {}",
        st.severity(f.severity),
        st.paint("1", &f.rule),
        f.message
    )?;
    writeln!(
        out,
        "  {} {}:{}:{} ({}, document {})",
        st.paint("1;34", "-->"),
        f.file,
        f.line,
        f.column,
        f.object,
        f.document
    )?;
    let sensitive = policy_core::is_sensitive_pointer(&f.object.kind, &f.path);
    frame(out, st, ctx, &f.file, f.line, f.column, sensitive)?;
    if let Some(s) = &f.suppressed {
        let exp = s
            .expires
            .as_deref()
            .map(|e| format!(" until {e}"))
            .unwrap_or_default();
        writeln!(
            out,
            "   {} suppressed by {}{exp}: {}",
            st.paint("1;34", "="),
            match s.kind {
                policy_core::SuppressionKind::Annotation => "annotation",
                policy_core::SuppressionKind::Exemption => "config exemption",
            },
            s.reason
        )?;
    }
    if let Some(meta) = ctx.pack.rule(&f.rule) {
        let fix = meta
            .remediation
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty())
            .unwrap_or_default();
        writeln!(out, "   {} fix: {fix}", st.paint("1;34", "="))?;
        writeln!(
            out,
            "   {} see: plumbline explain {}",
            st.paint("1;34", "="),
            f.rule
        )?;
    }
    writeln!(out)
}

fn problem(
    out: &mut dyn Write,
    st: &Style,
    ctx: &EmitContext<'_>,
    p: &Problem,
    label: &str,
    color: &str,
) -> io::Result<()> {
    writeln!(out, "{}: {}", st.paint(color, label), p.message)?;
    let mut loc = p.file.clone();
    if let Some(l) = p.line {
        loc.push_str(&format!(":{l}"));
        if let Some(c) = p.column {
            loc.push_str(&format!(":{c}"));
        }
    }
    let doc = p
        .document
        .map(|d| format!(" (document {d})"))
        .unwrap_or_default();
    let field = p
        .path
        .as_deref()
        .map(|x| format!(" at {x}"))
        .unwrap_or_default();
    writeln!(out, "  {} {loc}{doc}{field}", st.paint("1;34", "-->"))?;
    if let (Some(l), Some(c)) = (p.line, p.column) {
        // Notes about a secret's value carry its pointer; their lines are not shown.
        let sensitive = p.message.contains("value not shown");
        frame(out, st, ctx, &p.file, l, c, sensitive)?;
    }
    writeln!(out)
}

/// The offending line with a caret under the column; with `redact`, the value after the key is
/// masked (the line may hold a secret).
fn frame(
    out: &mut dyn Write,
    st: &Style,
    ctx: &EmitContext<'_>,
    file: &str,
    line: u32,
    column: u32,
    redact: bool,
) -> io::Result<()> {
    let Some(text) = ctx.texts.get(file) else {
        return Ok(());
    };
    let Some(src) = text.lines().nth(line.saturating_sub(1) as usize) else {
        return Ok(());
    };
    let masked;
    let src = if redact {
        masked = match src.find(": ") {
            Some(i) => format!("{}: ********", &src[..i]),
            None => format!("{}********", &src[..src.len() - src.trim_start().len()]),
        };
        masked.as_str()
    } else {
        src
    };
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    let bar = st.paint("1;34", "|");
    writeln!(out, "  {pad} {bar}")?;
    writeln!(out, "  {} {bar} {}", st.paint("1;34", &num), src.trim_end())?;
    let col = column.saturating_sub(1) as usize;
    let rest: String = src.chars().skip(col).collect();
    let width = rest
        .split(':')
        .next()
        .map_or(1, |w| w.trim_end().chars().count().clamp(1, 60));
    let indent: String = src
        .chars()
        .take(col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    writeln!(
        out,
        "  {pad} {bar} {indent}{}",
        st.paint("1;31", &"^".repeat(width))
    )
}

fn summary(out: &mut dyn Write, st: &Style, r: &Report) -> io::Result<()> {
    let active: Vec<&Finding> = r
        .findings
        .iter()
        .filter(|f| f.suppressed.is_none())
        .collect();
    let n = |s: Severity| active.iter().filter(|f| f.severity == s).count();
    let suppressed = r.findings.len() - active.len();
    let line = format!(
        "{} findings ({} errors, {} warnings, {} info), {} suppressed, {} input errors; {} objects in {} files",
        active.len(),
        n(Severity::Error),
        n(Severity::Warning),
        n(Severity::Info),
        suppressed,
        r.problems.len(),
        r.objects,
        r.files
    );
    let painted = if active.is_empty() && r.problems.is_empty() {
        st.paint("1;32", &line)
    } else {
        st.paint("1", &line)
    };
    writeln!(out, "{painted}")
}
