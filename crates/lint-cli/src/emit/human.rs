//! `--format human`: a code frame per finding, with the rule id and a one-line fix.

use std::collections::HashMap;
use std::io::{self, Write};

use policy_core::{Finding, Problem, Report, Severity};

use super::{mask, ConfigUsed, EmitContext, Emitter, Found};
use crate::spill::Counts;

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
    fn emit(
        &self,
        report: &Report,
        found: &Found<'_>,
        ctx: &EmitContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let st = Style { on: ctx.color };
        // Each file a frame is taken from is split into lines once: those of problems and notes
        // here, each file with findings when its findings are written.
        let mut texts: HashMap<&str, mask::Text<'_>> = HashMap::new();
        for p in report.problems.iter().chain(&report.notes) {
            if !texts.contains_key(p.file.as_str()) {
                if let Some((name, text)) = ctx.texts.get_key_value(p.file.as_str()) {
                    texts.insert(name, mask::Text::new(text));
                }
            }
        }
        let frames = &Frames { ctx, texts };
        for p in &report.problems {
            problem(out, &st, frames, p, "input error", "1;31")?;
        }
        for run in found.runs() {
            let run = run?;
            let Some(first) = run.iter().find(|f| ctx.shows(f)) else {
                continue;
            };
            let text = (ctx.quote)(&first.file);
            let mut texts = HashMap::new();
            if let Some(t) = &text {
                texts.insert(first.file.as_str(), mask::Text::new(t));
            }
            let run_frames = &Frames { ctx, texts };
            for f in run.iter().filter(|f| ctx.shows(f)) {
                finding(out, &st, run_frames, f)?;
            }
        }
        if !ctx.quiet {
            for n in &report.notes {
                problem(out, &st, frames, n, "note", "1;36")?;
            }
            configs(out, &st, ctx.configs)?;
            summary(out, &st, report, found.counts())?;
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
    let item = f
        .item
        .map(|i| format!(", List item {i}"))
        .unwrap_or_default();
    writeln!(
        out,
        "  {} {}:{}:{} ({}, document {}{item})",
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
    let caret = Caret {
        line: f.line,
        column: f.column,
        // Underlined to the end of the span on its line (to the line's end when it goes on).
        width: (f.end_line == f.line)
            .then(|| f.end_column.saturating_sub(f.column) as usize)
            .or((f.end_line > f.line).then_some(usize::MAX)),
        color: severity_color(f.severity),
    };
    frame(out, st, ctx, &f.file, caret, sensitive)?;
    related_notes(out, st, f)?;
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
    fix_and_see(out, st, ctx, f)?;
    writeln!(out)
}

/// The rule's remediation, reflowed, and where to read more.
fn fix_and_see(out: &mut dyn Write, st: &Style, ctx: &Frames<'_>, f: &Finding) -> io::Result<()> {
    let Some(meta) = ctx.ctx.pack.rule(&f.rule) else {
        return Ok(());
    };
    let mut lines = reflow(&meta.remediation, FIX_WIDTH).into_iter();
    writeln!(
        out,
        "   {} fix: {}",
        st.paint("1;34", "="),
        lines.next().unwrap_or_default()
    )?;
    for l in lines {
        writeln!(out, "          {l}")?;
    }
    writeln!(
        out,
        "   {} see: plumbline explain {}",
        st.paint("1;34", "="),
        f.rule
    )?;
    Ok(())
}

/// One `note:` line per related location (the other Ingress claiming the host), naming where.
fn related_notes(out: &mut dyn Write, st: &Style, f: &Finding) -> io::Result<()> {
    for r in &f.related {
        writeln!(
            out,
            "   {} note: {} at {}:{}:{}",
            st.paint("1;34", "="),
            r.message,
            r.file,
            r.line,
            r.column
        )?;
    }
    Ok(())
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
        let caret = Caret {
            line: l,
            column: c,
            width: None,
            color,
        };
        frame(out, st, ctx, &p.file, caret, sensitive)?;
    }
    writeln!(out)
}

fn source_line<'a>(ctx: &Frames<'a>, file: &str, line: u32) -> Option<&'a str> {
    ctx.texts.get(file)?.line(line)
}

/// Where the caret goes and how it looks.
struct Caret<'a> {
    line: u32,
    column: u32,
    /// Characters to underline; `None`: the key at the column (up to its `:`), `usize::MAX`: to
    /// the end of the line.
    width: Option<usize>,
    /// The colour of the severity or label.
    color: &'a str,
}

fn severity_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

/// The offending line with a caret under the span; with `redact`, the value after the key is
/// masked (the line may hold a secret). Credentials (URL passwords, `password=` settings, flow
/// env values) are masked on every line shown.
fn frame(
    out: &mut dyn Write,
    st: &Style,
    ctx: &Frames<'_>,
    file: &str,
    caret: Caret<'_>,
    redact: bool,
) -> io::Result<()> {
    let Some(src) = source_line(ctx, file, caret.line) else {
        return Ok(());
    };
    let masked = if redact {
        mask::after_key(src)
    } else {
        src.to_string()
    };
    let masked = mask::credentials(&masked);
    let src: &str = masked.trim_end();
    let num = caret.line.to_string();
    let pad = " ".repeat(num.len());
    let bar = st.paint("1;34", "|");
    writeln!(out, "  {pad} {bar}")?;
    writeln!(out, "  {} {bar} {src}", st.paint("1;34", &num))?;
    let col = caret.column.saturating_sub(1) as usize;
    let rest: String = src.chars().skip(col).collect();
    let rest_len = rest.chars().count();
    let width = match caret.width {
        // A masked value is shorter or longer than the source's: never past the line shown.
        Some(w) if w > 0 => w.min(rest_len),
        _ => rest
            .split(':')
            .next()
            .map_or(1, |w| w.trim_end().chars().count().min(60)),
    }
    .max(1);
    let indent: String = src
        .chars()
        .take(col)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    writeln!(
        out,
        "  {pad} {bar} {indent}{}",
        st.paint(caret.color, &"^".repeat(width))
    )
}

/// Width of the remediation text after `= fix: `.
const FIX_WIDTH: usize = 88;

fn in_item(blocks: &[(String, String)]) -> bool {
    blocks.last().is_some_and(|(bullet, _)| !bullet.is_empty())
}

/// A hard-wrapped text as lines of at most `width` characters (longer words stay whole):
/// paragraphs (split at empty lines) and list items (`- `) each start a line, other line breaks
/// are spaces.
fn reflow(text: &str, width: usize) -> Vec<String> {
    let mut blocks: Vec<(String, String)> = Vec::new();
    let mut open = false;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            open = false;
            continue;
        }
        if let Some(item) = t.strip_prefix("- ") {
            blocks.push(("- ".into(), item.trim().to_string()));
            open = true;
        } else if open && !(line.starts_with(char::is_alphanumeric) && in_item(&blocks)) {
            // An unindented line after a list item starts a paragraph of its own.
            if let Some((_, body)) = blocks.last_mut() {
                body.push(' ');
                body.push_str(t);
            }
        } else {
            blocks.push((String::new(), t.to_string()));
            open = true;
        }
    }
    let mut out = Vec::new();
    for (bullet, body) in blocks {
        let hang = " ".repeat(bullet.len());
        let mut cur = bullet.clone();
        let mut empty = true;
        for word in body.split_whitespace() {
            let len = cur.chars().count();
            if !empty && len + 1 + word.chars().count() > width {
                out.push(std::mem::replace(&mut cur, hang.clone()));
                empty = true;
            }
            if !empty {
                cur.push(' ');
            }
            cur.push_str(word);
            empty = false;
        }
        out.push(cur);
    }
    out
}

/// Which configuration judged the files: one line before the summary.
fn configs(out: &mut dyn Write, st: &Style, used: &[ConfigUsed]) -> io::Result<()> {
    let name = |c: &ConfigUsed| {
        c.path
            .clone()
            .unwrap_or_else(|| "none found, built-in defaults".to_string())
    };
    match used {
        [] => Ok(()),
        [one] => {
            let hint = if one.path.is_none() {
                " (`plumbline init` writes one)"
            } else {
                ""
            };
            writeln!(out, "{} {}{hint}", st.paint("1", "config:"), name(one))
        }
        many => {
            let list: Vec<String> = many
                .iter()
                .map(|c| format!("{} ({})", name(c), count(c.files, "file")))
                .collect();
            writeln!(out, "{} {}", st.paint("1", "configs:"), list.join(", "))
        }
    }
}

fn summary(out: &mut dyn Write, st: &Style, r: &Report, counts: Counts) -> io::Result<()> {
    let line = format!(
        "{} ({}, {}, {} info), {} suppressed, {}; {} in {}",
        count(counts.active(), "finding"),
        count(counts.at(Severity::Error), "error"),
        count(counts.at(Severity::Warning), "warning"),
        counts.at(Severity::Info),
        counts.suppressed,
        count(r.problems.len(), "input error"),
        count(r.objects, "object"),
        count(r.files, "file")
    );
    let painted = if counts.active() == 0 && r.problems.is_empty() {
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
    use super::{count, reflow};

    #[test]
    fn remediation_is_reflowed_whole() {
        let text = "Use a digest, e.g.\n`odoo@sha256:...`, and keep\nit.\n\nAlso:\n- one item\n  wrapped\n- two\nThen this.\n";
        assert_eq!(
            reflow(text, 32),
            [
                "Use a digest, e.g.",
                "`odoo@sha256:...`, and keep it.",
                "Also:",
                "- one item wrapped",
                "- two",
                "Then this."
            ]
        );
        // Nothing is cut: every word of the source is printed.
        let words = |s: &str| s.split_whitespace().filter(|w| *w != "-").count();
        let joined = reflow(text, 32).join(" ");
        assert_eq!(words(&joined), words(text));
    }

    #[test]
    fn counts_are_singular_for_one_only() {
        assert_eq!(count(0, "finding"), "0 findings");
        assert_eq!(count(1, "input error"), "1 input error");
        assert_eq!(count(2, "file"), "2 files");
    }
}
