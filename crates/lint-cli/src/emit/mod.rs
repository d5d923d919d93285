//! Output formats: one emitter per format behind one trait; evaluation never prints.

use std::collections::HashMap;
use std::io::{self, Write};

use clap::ValueEnum;
use policy_core::{Finding, PolicyPack, Report};

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
    /// Source texts by file name, for code frames.
    pub(crate) texts: &'a HashMap<&'a str, &'a str>,
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

    /// Findings to show: unsuppressed ones, plus suppressed ones when asked.
    pub(crate) fn visible<'r>(
        &self,
        report: &'r Report,
    ) -> impl Iterator<Item = &'r Finding> + use<'r, '_> {
        let show = self.show_suppressed;
        report
            .findings
            .iter()
            .filter(move |f| show || f.suppressed.is_none())
    }
}

/// Writes a report in one format.
pub(crate) trait Emitter {
    fn emit(&self, report: &Report, ctx: &EmitContext<'_>, out: &mut dyn Write) -> io::Result<()>;
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
