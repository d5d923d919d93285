//! `plumbline test [DIR...]`: each rule folder's suite and its Rego unit tests.
//!
//! A DIR is a directory of rules laid out like `policies/` (`<domain>/<rule-id>/`) or one rule
//! folder. A directory with both `params.yaml` and `lib/` at its root is a complete pack (like
//! `policies/`) and is tested alone; any other is tested added to the built-in pack, as `lint
//! --policies DIR` runs it. For each rule of the DIR:
//! - its suite: `suite.yaml` in the rule folder (samples beside it, per-object expectations;
//!   `policy_core::fixtures::run_rule_suite`), else the fixture folder
//!   `<fixtures>/<domain>/<rule-id>/` (pass*/fail* files; `--fixtures`, by default
//!   `tests/fixtures` beside the DIR), else the rule fails for having no suite;
//! - its Rego unit tests: every `test_…` rule of `*_test.rego` files in the rule folder.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use policy_core::fixtures::{
    run_rego_tests, run_rule_suite, run_suite_with, CaseResult, SUITE_FILE,
};
use policy_core::startup::{self, PackChoice};
use policy_core::{Config, PolicyPack, Rule};

use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

#[derive(Args)]
pub(crate) struct TestArgs {
    /// Directories of rules (like policies/) or rule folders; default: the `policies:` of
    /// plumbline.yaml, else ./policies.
    dirs: Vec<PathBuf>,
    /// Fixtures of the pack's rules (<domain>/<rule-id>/pass*.yaml, fail*.yaml); default:
    /// tests/fixtures beside the directory, when it exists.
    #[arg(long, value_name = "DIR")]
    fixtures: Option<PathBuf>,
    /// Only this rule id or domain.
    #[arg(long)]
    rule: Option<String>,
    /// Output format: human, or junit (one testcase per fixture, sample case and Rego test).
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    format: TestFormat,
    /// Write the report to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Configuration file (for its `policies:` when no DIR is given).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Test custom rules without the built-in rules beside them (the libraries stay).
    #[arg(long)]
    no_builtin: bool,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum TestFormat {
    Human,
    Junit,
}

/// The cases of one run, and rules that could not be tested at all.
#[derive(Default)]
struct Outcome {
    cases: Vec<CaseResult>,
    incomplete: Vec<String>,
}

pub(crate) fn run(args: TestArgs) -> anyhow::Result<u8> {
    let dirs = if args.dirs.is_empty() {
        let config = super::load_config(args.config.as_deref())?;
        // Shown relative to the working directory, as a DIR argument would be.
        let cwd = std::env::current_dir().unwrap_or_default();
        let from_config: Vec<PathBuf> = config
            .policy_dirs()
            .into_iter()
            .map(|d| d.strip_prefix(&cwd).map(Path::to_path_buf).unwrap_or(d))
            .collect();
        if !from_config.is_empty() {
            from_config
        } else if Path::new("policies").is_dir() {
            vec![PathBuf::from("policies")]
        } else {
            bail!(
                "nothing to test: give a directory of rules or a rule folder (`plumbline test \
                 policies/`), or list `policies:` in plumbline.yaml"
            );
        }
    } else {
        args.dirs.clone()
    };
    let mut outcome = Outcome::default();
    for dir in &dirs {
        test_dir(&args, dir, &mut outcome)?;
    }
    if let Some(r) = &args.rule {
        if outcome.cases.is_empty() && outcome.incomplete.is_empty() {
            bail!("unknown rule or domain `{r}` in {}", join(&dirs));
        }
    }
    let failed = outcome
        .cases
        .iter()
        .filter(|c| !c.failures.is_empty())
        .count()
        + outcome.incomplete.len();
    let passed = outcome.cases.len() + outcome.incomplete.len() - failed;
    let text = match args.format {
        TestFormat::Human => human(&outcome, passed, failed),
        TestFormat::Junit => junit(&outcome, failed),
    };
    match &args.output {
        Some(p) => {
            std::fs::write(p, &text).with_context(|| format!("writing {}", p.display()))?;
            eprintln!("{passed} passed, {failed} failed");
        }
        None => std::io::stdout().write_all(text.as_bytes())?,
    }
    Ok(if failed == 0 {
        EXIT_OK
    } else if outcome.cases.iter().any(|c| !c.failures.is_empty()) {
        EXIT_FINDINGS
    } else {
        EXIT_ERROR
    })
}

fn join(dirs: &[PathBuf]) -> String {
    dirs.iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Test the rules of one DIR (a directory of rules or one rule folder).
fn test_dir(args: &TestArgs, dir: &Path, outcome: &mut Outcome) -> anyhow::Result<()> {
    if !dir.is_dir() {
        bail!("{}: no such directory", dir.display());
    }
    let (root, only_rule) = pack_root(dir);
    let complete = root.join("params.yaml").is_file() && root.join("lib").is_dir();
    let own = PolicyPack::from_dir(&root)?;
    let pack = if complete {
        own.clone()
    } else {
        // The rules beside the built-in pack, loaded as every command loads `--policies DIR`.
        let choice = PackChoice::with_dirs(vec![root.clone()], args.no_builtin);
        startup::load_pack(&Config::default(), &choice)?
    };
    let fixtures = args.fixtures.clone().or_else(|| {
        // `policies/` beside `tests/fixtures/`, as in the source tree.
        let parent = root.parent().unwrap_or(Path::new(""));
        let f = if parent.as_os_str().is_empty() {
            PathBuf::from("tests/fixtures")
        } else {
            parent.join("tests/fixtures")
        };
        f.is_dir().then_some(f)
    });
    for rule in &own.rules {
        let meta = &rule.meta;
        if only_rule.as_deref().is_some_and(|id| id != meta.id) {
            continue;
        }
        if args
            .rule
            .as_deref()
            .is_some_and(|r| r != meta.id && r != meta.domain.as_str())
        {
            continue;
        }
        test_rule(&pack, rule, fixtures.as_deref(), outcome)?;
    }
    Ok(())
}

/// The pack root of DIR, and the one rule to test when DIR is a rule folder (whose root is two
/// levels up: <root>/<domain>/<rule-id>).
fn pack_root(dir: &Path) -> (PathBuf, Option<String>) {
    if !dir.join("rule.yaml").is_file() {
        return (dir.to_path_buf(), None);
    }
    let root = dir
        .parent()
        .and_then(Path::parent)
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let id = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    (root.to_path_buf(), Some(id))
}

/// One rule's cases: its folder's suite, else its fixtures, else a note that it has none; then
/// its Rego unit tests.
fn test_rule(
    pack: &PolicyPack,
    rule: &Rule,
    fixtures: Option<&Path>,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    let meta = &rule.meta;
    let folder = Path::new(&rule.rego_path)
        .parent()
        .unwrap_or(Path::new("."))
        .to_path_buf();
    let fixture_dir = fixtures
        .map(|f| f.join(meta.domain.as_str()).join(&meta.id))
        .filter(|d| d.is_dir());
    if folder.join(SUITE_FILE).is_file() {
        outcome
            .cases
            .extend(run_rule_suite(pack, &meta.id, &folder));
    } else if let (Some(f), Some(_)) = (fixtures, &fixture_dir) {
        let verifier = image_verify::Verifier::fixture_facts;
        let report = run_suite_with(pack, f, Some(&meta.id), Some(&verifier));
        outcome.cases.extend(report.cases);
        outcome.incomplete.extend(report.incomplete);
    } else {
        outcome.incomplete.push(format!(
            "{}: no suite: add {} with samples (`plumbline new-rule` writes one){}",
            meta.id,
            folder.join(SUITE_FILE).display(),
            fixtures
                .map(|f| format!(
                    " or fixtures in {}",
                    f.join(meta.domain.as_str()).join(&meta.id).display()
                ))
                .unwrap_or_default()
        ));
    }
    let tests = rego_test_files(&folder)?;
    if !tests.is_empty() {
        outcome.cases.extend(run_rego_tests(pack, &meta.id, &tests));
    }
    Ok(())
}

/// `*_test.rego` files of a rule folder, sorted.
fn rego_test_files(folder: &Path) -> anyhow::Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    let entries =
        std::fs::read_dir(folder).with_context(|| format!("reading {}", folder.display()))?;
    for e in entries.flatten() {
        let p = e.path();
        let name = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name.ends_with("_test.rego") && p.is_file() {
            let text =
                std::fs::read_to_string(&p).with_context(|| format!("reading {}", p.display()))?;
            out.push((p, text));
        }
    }
    out.sort();
    Ok(out)
}

fn human(outcome: &Outcome, passed: usize, failed: usize) -> String {
    let mut s = String::new();
    for c in &outcome.cases {
        let what = if c.name.starts_with("test_") {
            format!("{} {}", c.file.display(), c.name)
        } else if c.judged > 0 {
            let s = if c.judged == 1 { "" } else { "s" };
            format!("{} ({} object{s})", c.file.display(), c.judged)
        } else {
            c.file.display().to_string()
        };
        if c.failures.is_empty() {
            s.push_str(&format!("ok    {:<32} {what}\n", c.rule));
        } else {
            s.push_str(&format!("FAIL  {:<32} {what}\n", c.rule));
            for f in &c.failures {
                s.push_str(&format!("      - {f}\n"));
            }
        }
    }
    for i in &outcome.incomplete {
        s.push_str(&format!("FAIL  {i}\n"));
    }
    s.push_str(&format!("{passed} passed, {failed} failed\n"));
    s
}

fn esc(s: &str) -> String {
    s.chars()
        .filter(|c| matches!(c, '\t' | '\n' | '\r') || !c.is_control())
        .collect::<String>()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn junit(outcome: &Outcome, failed: usize) -> String {
    let total = outcome.cases.len() + outcome.incomplete.len();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s.push_str(&format!(
        "<testsuites name=\"plumbline test\" tests=\"{total}\" failures=\"{failed}\">\n  <testsuite name=\"plumbline test\" tests=\"{total}\" failures=\"{failed}\">\n"
    ));
    for c in &outcome.cases {
        let name = if c.name.starts_with("test_") {
            c.name.clone()
        } else {
            c.file.display().to_string()
        };
        s.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"{}\" file=\"{}\"",
            esc(&c.rule),
            esc(&name),
            esc(&c.file.display().to_string())
        ));
        if c.failures.is_empty() {
            s.push_str("/>\n");
        } else {
            s.push_str(&format!(
                ">\n      <failure message=\"{}\">{}</failure>\n    </testcase>\n",
                esc(&c.failures[0]),
                esc(&c.failures.join("\n"))
            ));
        }
    }
    for i in &outcome.incomplete {
        let rule = i.split(':').next().unwrap_or_default();
        s.push_str(&format!(
            "    <testcase classname=\"{}\" name=\"suite\">\n      <failure message=\"{}\"/>\n    </testcase>\n",
            esc(rule),
            esc(i)
        ));
    }
    s.push_str("  </testsuite>\n</testsuites>\n");
    s
}
