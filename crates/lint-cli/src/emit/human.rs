//! `--format human`: a code frame per finding, with the rule id and a one-line fix.

use std::collections::HashMap;
use std::io::{self, Write};

use policy_core::{Finding, Problem, Report, Severity};

use super::{mask, EmitContext, Emitter};

pub(crate) struct Human;

/// The emit context and the source texts frames are taken from, split into lines.
struct Frames<'a> {
    ctx: &'a EmitContext<'a>,
    texts: HashMap<&'a str, mask::Text<'a>>,
}

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
        // Each file a frame is taken from is split into lines once.
        let mut texts: HashMap<&str, mask::Text<'_>> = HashMap::new();
        let files = (report.problems.iter().chain(&report.notes))
            .map(|p| p.file.as_str())
            .chain(report.findings.iter().map(|f| &*f.file));
        for file in files {
            if !texts.contains_key(file) {
                if let Some((name, text)) = ctx.texts.get_key_value(file) {
                    texts.insert(name, mask::Text::new(text));
                }
            }
        }
        let ctx = &Frames { ctx, texts };
        for p in &report.problems {
            problem(out, &st, ctx, p, "input error", "1;31")?;
        }
        for f in ctx.ctx.visible(report) {
            finding(out, &st, ctx, f)?;
        }
        if !ctx.ctx.quiet {
            for n in &report.notes {
                problem(out, &st, ctx, n, "note", "1;36")?;
            }
            summary(out, &st, report)?;
        }
        Ok(())
    }
}

fn finding(out: &mut dyn Write, st: &Style, ctx: &Frames<'_>, f: &Finding) -> io::Result<()> {
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
    // A Secret's line that holds more than one field (flow style, JSON on one line) may hold its
    // data whatever the finding's field is.
    let sensitive = policy_core::is_sensitive_pointer(&f.object.kind, &f.path)
        || (f.object.kind == "Secret"
            && source_line(ctx, &f.file, f.line).is_some_and(|l| l.contains(['{', '['])));
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
    if let Some(meta) = ctx.ctx.pack.rule(&f.rule) {
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
    ctx: &Frames<'_>,
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
        // Notes about a secret's value say so; input errors and other notes have no parsed
        // object to ask, so the text decides (Secret documents, env values).
        let sensitive = p.message.contains("value not shown")
            || ctx
                .texts
                .get(p.file.as_str())
                .is_some_and(|t| t.may_hold_secret(l));
        frame(out, st, ctx, &p.file, l, c, sensitive)?;
    }
    writeln!(out)
}

fn source_line<'a>(ctx: &Frames<'a>, file: &str, line: u32) -> Option<&'a str> {
    ctx.texts.get(file)?.line(line)
}

/// The offending line with a caret under the column; with `redact`, the value after the key is
/// masked (the line may hold a secret). Credentials (URL passwords, `password=` settings, flow
/// env values) are masked on every line shown.
fn frame(
    out: &mut dyn Write,
    st: &Style,
    ctx: &Frames<'_>,
    file: &str,
    line: u32,
    column: u32,
    redact: bool,
) -> io::Result<()> {
    let Some(src) = source_line(ctx, file, line) else {
        return Ok(());
    };
    let masked = if redact {
        mask::after_key(src)
    } else {
        src.to_string()
    };
    let masked = mask::credentials(&masked);
    let src: &str = &masked;
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
        "{} ({}, {}, {} info), {} suppressed, {}; {} in {}",
        count(active.len(), "finding"),
        count(n(Severity::Error), "error"),
        count(n(Severity::Warning), "warning"),
        n(Severity::Info),
        suppressed,
        count(r.problems.len(), "input error"),
        count(r.objects, "object"),
        count(r.files, "file")
    );
    let painted = if active.is_empty() && r.problems.is_empty() {
        st.paint("1;32", &line)
    } else {
        st.paint("1", &line)
    };
    writeln!(out, "{painted}")
}

/// `1 file`, `2 files`, `0 files`.
pub(crate) fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::count;

    #[test]
    fn counts_are_singular_for_one_only() {
        assert_eq!(count(0, "finding"), "0 findings");
        assert_eq!(count(1, "input error"), "1 input error");
        assert_eq!(count(2, "file"), "2 files");
    }
}
