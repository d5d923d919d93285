//! `--format junit`: one testsuite per file, one testcase per object with findings, a failure per
//! finding at or above `--fail-on`; an object whose findings are all below it (or suppressed) is a
//! passed testcase with them in `<system-out>`, so the report fails exactly when the exit code
//! does. Documents that failed to parse are testcases with an error.

use std::collections::BTreeMap;
use std::io::{self, Write};

use policy_core::{Finding, Problem, Report};

use super::{EmitContext, Emitter};

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
    fn emit(&self, report: &Report, ctx: &EmitContext<'_>, out: &mut dyn Write) -> io::Result<()> {
        let suites = suites(report, ctx);
        let failed = |findings: &Vec<&Finding>| findings.iter().any(|f| ctx.fails(f));
        let suite_failures = |s: &Suite<'_>| s.cases.values().filter(|fs| failed(fs)).count();
        let failures: usize = suites.values().map(suite_failures).sum();
        let cases: usize = suites.values().map(|s| s.cases.len()).sum();
        let errors: usize = suites.values().map(|s| s.errors.len()).sum();
        writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
        writeln!(
            out,
            r#"<testsuites name="plumbline" tests="{}" failures="{failures}" errors="{errors}">"#,
            report.objects.max(cases) + errors
        )?;
        for (file, suite) in &suites {
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
            writeln!(out, "  </testsuite>")?;
        }
        writeln!(out, "</testsuites>")
    }
}

/// The visible findings by file and object, and the input errors by file.
fn suites<'a>(report: &'a Report, ctx: &EmitContext<'a>) -> BTreeMap<&'a str, Suite<'a>> {
    let mut suites: BTreeMap<&str, Suite<'_>> = BTreeMap::new();
    for f in ctx.visible(report) {
        suites
            .entry(&f.file)
            .or_default()
            .cases
            .entry((f.document, f.object.to_string()))
            .or_default()
            .push(f);
    }
    for p in &report.problems {
        suites.entry(&p.file).or_default().errors.push(p);
    }
    suites
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
