//! `--format junit`: one testsuite per file, one testcase per object with findings, a failure per
//! finding at or above `--fail-on`; an object whose findings are all below it (or suppressed) is a
//! passed testcase with them in `<system-out>`, so the report fails exactly when the exit code
//! does. Documents that failed to parse are testcases with an error.

use std::collections::BTreeMap;
use std::io::{self, Write};

use policy_core::{Finding, Problem, Report};

use super::{EmitContext, Emitter, Found};

pub(crate) struct Junit;

fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&apos;"),
            c if (c as u32) < 0x20 && c != '\n' && c != '\t' && c != '\r' => {}
            c => o.push(c),
        }
    }
    o
}

#[derive(Default)]
struct Suite<'a> {
    /// (document, object display) → findings
    cases: BTreeMap<(usize, String), Vec<&'a Finding>>,
    errors: Vec<&'a Problem>,
}

impl Emitter for Junit {
    fn emit(
        &self,
        report: &Report,
        found: &Found<'_>,
        ctx: &EmitContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()> {
        let failed = |findings: &Vec<&Finding>| findings.iter().any(|f| ctx.fails(f));
        let suite_failures = |s: &Suite<'_>| s.cases.values().filter(|fs| failed(fs)).count();
        // The totals come first: a first reading of the findings counts them.
        let (mut failures, mut cases, mut errors) = (0, 0, 0);
        each_suite(report, found, ctx, &mut |_, suite| {
            failures += suite_failures(suite);
            cases += suite.cases.len();
            errors += suite.errors.len();
            Ok(())
        })?;
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="plumbline" tests="{}" failures="{failures}" errors="{errors}">"#,
            report.objects.max(cases) + errors
        )?;
        each_suite(report, found, ctx, &mut |file, suite| {
            writeln!(
                out,
                r#"  <testsuite name="{}" tests="{}" failures="{}" errors="{}">"#,
                esc(file),
                suite.cases.len() + suite.errors.len(),
                suite_failures(suite),
                suite.errors.len()
            )?;
            for ((doc, object), findings) in &suite.cases {
                object_case(out, ctx, file, (*doc, object), findings)?;
            }
            for p in &suite.errors {
                error_case(out, file, p)?;
            }
            writeln!(out, "  </testsuite>")
        })?;
        writeln!(out, "</testsuites>")
    }
}

/// `f(file, suite)` for each file with visible findings or input errors, in name order: its
/// visible findings by object, and its input errors.
fn each_suite(
    report: &Report,
    found: &Found<'_>,
    ctx: &EmitContext<'_>,
    f: &mut dyn FnMut(&str, &Suite<'_>) -> io::Result<()>,
) -> io::Result<()> {
    let mut problems: BTreeMap<&str, Vec<&Problem>> = BTreeMap::new();
    for p in &report.problems {
        problems.entry(&p.file).or_default().push(p);
    }
    let mut files = found.by_file().peekable();
    let mut errors = problems.into_iter().peekable();
    loop {
        let next = (files.peek().map(|x| x.0), errors.peek().map(|x| x.0));
        let name = match next {
            (None, None) => return Ok(()),
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) | (None, Some(a)) => a,
        };
        let findings = match files.next_if(|(n, _)| *n == name) {
            Some((_, found)) => found?,
            None => Vec::new(),
        };
        let errs = (errors.next_if(|(n, _)| *n == name))
            .map(|(_, e)| e)
            .unwrap_or_default();
        let mut suite = Suite {
            errors: errs,
            ..Suite::default()
        };
        for x in findings.iter().filter(|x| ctx.shows(x)) {
            suite
                .cases
                .entry((x.document, x.object.to_string()))
                .or_default()
                .push(x);
        }
        if !suite.cases.is_empty() || !suite.errors.is_empty() {
            f(name, &suite)?;
        }
    }
}

/// One object's testcase: a failure per finding at or above `--fail-on`, the others listed in
/// `<system-out>`.
fn object_case(
    out: &mut dyn Write,
    ctx: &EmitContext<'_>,
    file: &str,
    (doc, object): (usize, &str),
    findings: &[&Finding],
) -> io::Result<()> {
    writeln!(
        out,
        r#"    <testcase classname="{}" name="{} (document {doc})">"#,
        esc(file),
        esc(object)
    )?;
    let mut passed = Vec::new();
    for f in findings {
        let sup = if f.suppressed.is_some() {
            " (suppressed)"
        } else {
            ""
        };
        let text = format!(
            "{}:{}:{} {} [{}] {}",
            f.file, f.line, f.column, f.severity, f.path, f.message
        );
        if !ctx.fails(f) {
            passed.push(format!("{}{sup}: {text}", f.rule));
            continue;
        }
        writeln!(
            out,
            r#"      <failure type="{}" message="{}{sup}: {}">{}</failure>"#,
            esc(&f.rule),
            esc(&f.rule),
            esc(&f.message),
            esc(&text)
        )?;
    }
    if !passed.is_empty() {
        writeln!(
            out,
            "      <system-out>below --fail-on, not failing:\n{}</system-out>",
            esc(&passed.join("\n"))
        )?;
    }
    writeln!(out, "    </testcase>")
}

/// A testcase with an error for a file or document that could not be read.
fn error_case(out: &mut dyn Write, file: &str, p: &Problem) -> io::Result<()> {
    let doc = p
        .document
        .map(|d| format!("document {d}"))
        .unwrap_or_else(|| "file".into());
    writeln!(
        out,
        r#"    <testcase classname="{}" name="{doc}">"#,
        esc(file)
    )?;
    writeln!(
        out,
        r#"      <error type="input" message="{}">{}</error>"#,
        esc(&p.message),
        esc(&p.to_string())
    )?;
    writeln!(out, "    </testcase>")
}
