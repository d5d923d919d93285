//! Output formats: one emitter per format behind one trait; evaluation never prints.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::io::{self, Write};
use std::ops::Range;

use clap::ValueEnum;
use policy_core::{Finding, PolicyPack, Report};

use crate::spill::{Counts, Spilled};

mod github;
pub(crate) mod human;
mod json;
mod junit;
mod mask;
pub(crate) mod sarif;
mod stream;

/// An output format.
#[derive(Clone, Copy, PartialEq, Eq, Debug, ValueEnum)]
pub(crate) enum Format {
    /// Code frames with the offending line, rule id and a one-line fix.
    Human,
    /// One JSON object: findings, problems, notes, configs and counts.
    Json,
    /// SARIF 2.1.0 (code scanning).
    Sarif,
    /// JUnit XML (test reports).
    Junit,
    /// GitHub Actions workflow commands (pull-request annotations).
    Github,
}

/// What an emitter may read besides the report.
pub(crate) struct EmitContext<'a> {
    pub(crate) pack: &'a PolicyPack,
    /// Source texts by file name, for the code frames of problems and notes.
    pub(crate) texts: &'a HashMap<&'a str, &'a str>,
    /// The source text of a file, for the code frames of its findings (read when its findings
    /// are written; `None`: not quoted).
    pub(crate) quote: &'a dyn Fn(&str) -> Option<String>,
    pub(crate) color: bool,
    pub(crate) show_suppressed: bool,
    pub(crate) quiet: bool,
    /// `--fail-on`: findings at or above it fail the run (`None`: `--fail-on never`).
    pub(crate) fail_on: Option<policy_core::Severity>,
    /// The configurations that judged the files (empty: not a lint run over files).
    pub(crate) configs: &'a [ConfigUsed],
}

/// One configuration of a run and how many files it judged.
#[derive(Debug, Clone)]
pub(crate) struct ConfigUsed {
    /// The file as given or found (relative to the working directory when inside it); `None`:
    /// none was found, the built-in defaults judged.
    pub(crate) path: Option<String>,
    /// Files (stdin included) it judged.
    pub(crate) files: usize,
}

impl EmitContext<'_> {
    /// True when `f` makes the run fail: unsuppressed and at or above `--fail-on`.
    pub(crate) fn fails(&self, f: &Finding) -> bool {
        f.suppressed.is_none() && self.fail_on.is_some_and(|t| f.severity >= t)
    }

    /// Whether `f` is shown: unsuppressed, or suppressed and shown when asked.
    pub(crate) fn shows(&self, f: &Finding) -> bool {
        self.show_suppressed || f.suppressed.is_none()
    }
}

/// The findings of a report, in report order: held (a [`Report`]'s) or spilled to disk (a lint
/// run's), read run by run (the consecutive findings of one file).
pub(crate) enum Found<'a> {
    Listed(&'a [Finding], Vec<Range<usize>>),
    Spilled(&'a Spilled),
}

impl<'a> Found<'a> {
    /// The findings held in `findings`, in their order.
    pub(crate) fn listed(findings: &'a [Finding]) -> Found<'a> {
        let mut runs: Vec<Range<usize>> = Vec::new();
        for (i, f) in findings.iter().enumerate() {
            match runs.last_mut() {
                Some(r) if findings[r.start].file == f.file => r.end = i + 1,
                _ => runs.push(i..i + 1),
            }
        }
        Found::Listed(findings, runs)
    }

    fn len(&self) -> usize {
        match self {
            Found::Listed(_, runs) => runs.len(),
            Found::Spilled(s) => s.runs().len(),
        }
    }

    fn file(&self, run: usize) -> &str {
        match self {
            Found::Listed(f, runs) => &f[runs[run].start].file,
            Found::Spilled(s) => &s.runs()[run].file,
        }
    }

    /// The findings of the `run`-th run.
    fn read(&self, run: usize) -> io::Result<Cow<'a, [Finding]>> {
        match self {
            Found::Listed(f, runs) => Ok(Cow::Borrowed(&f[runs[run].clone()])),
            Found::Spilled(s) => s.read(run).map(Cow::Owned),
        }
    }

    /// Every run's findings, in report order.
    pub(crate) fn runs(&self) -> impl Iterator<Item = io::Result<Cow<'a, [Finding]>>> + '_ {
        (0..self.len()).map(|i| self.read(i))
    }

    /// Each `f(finding)` of the findings that `keep` keeps, in report order (for a streamed
    /// JSON array).
    pub(crate) fn values<T: 'a>(
        &'a self,
        keep: impl Fn(&Finding) -> bool + 'a,
        f: impl Fn(&Finding) -> T + 'a,
    ) -> impl Iterator<Item = io::Result<T>> + 'a {
        self.runs().flat_map(move |run| match run {
            Ok(run) => run
                .iter()
                .filter(|x| keep(x))
                .map(|x| Ok(f(x)))
                .collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        })
    }

    /// The files with findings, in name order, each with its findings in report order.
    pub(crate) fn by_file(&self) -> impl Iterator<Item = (&str, io::Result<Vec<Finding>>)> + '_ {
        let mut files: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for i in 0..self.len() {
            files.entry(self.file(i)).or_default().push(i);
        }
        files.into_iter().map(|(file, runs)| {
            let mut all = Vec::new();
            for r in runs {
                match self.read(r) {
                    Ok(f) => all.extend(f.iter().cloned()),
                    Err(e) => return (file, Err(e)),
                }
            }
            (file, Ok(all))
        })
    }

    /// How many findings there are.
    pub(crate) fn counts(&self) -> Counts {
        match self {
            Found::Listed(f, _) => Counts::of(f),
            Found::Spilled(s) => s.counts(),
        }
    }
}

/// Writes a report in one format.
pub(crate) trait Emitter {
    fn emit(
        &self,
        report: &Report,
        found: &Found<'_>,
        ctx: &EmitContext<'_>,
        out: &mut dyn Write,
    ) -> io::Result<()>;
}

pub(crate) fn emitter(format: Format) -> Box<dyn Emitter> {
    match format {
        Format::Human => Box::new(human::Human),
        Format::Json => Box::new(json::Json),
        Format::Sarif => Box::new(sarif::Sarif),
        Format::Junit => Box::new(junit::Junit),
        Format::Github => Box::new(github::Github),
    }
}
