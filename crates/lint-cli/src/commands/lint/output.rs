//! The outputs of a run: each `--format` with its `--output` (or stdout), checked against the
//! file's extension, written as produced.

use std::collections::HashMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::ValueEnum;
use policy_core::Report;

use super::{ColorChoice, LintArgs};
use crate::emit::{self, EmitContext, Format, Found};

/// The format a file name implies: `.sarif` (or `.sarif.json`) SARIF, `.json` JSON, `.xml` JUnit.
fn format_of_file(path: &Path) -> Option<Format> {
    let name = path.file_name()?.to_str()?.to_ascii_lowercase();
    if name.ends_with(".sarif") || name.ends_with(".sarif.json") {
        Some(Format::Sarif)
    } else if name.ends_with(".json") {
        Some(Format::Json)
    } else if name.ends_with(".xml") {
        Some(Format::Junit)
    } else {
        None
    }
}

fn format_name(f: Format) -> String {
    f.to_possible_value()
        .map(|v| v.get_name().to_string())
        .unwrap_or_default()
}

/// The format of each output, in order: `--format` as given (each checked against its
/// `--output`'s extension), else inferred from the `--output` extensions, else human.
pub(super) fn resolve_formats(
    formats: &[Format],
    outputs: &[PathBuf],
) -> anyhow::Result<Vec<Format>> {
    if formats.is_empty() {
        if outputs.is_empty() {
            return Ok(vec![Format::Human]);
        }
        return Ok(outputs
            .iter()
            .map(|o| format_of_file(o).unwrap_or(Format::Human))
            .collect());
    }
    if outputs.len() > formats.len() {
        bail!(
            "--output given {} times for {} --format; pair each --output with a --format \
             (or give no --format to infer each from its extension)",
            outputs.len(),
            formats.len()
        );
    }
    for (f, o) in formats.iter().zip(outputs) {
        if let Some(implied) = format_of_file(o) {
            if implied != *f {
                bail!(
                    "--format {} does not match --output {}, whose extension means {}; \
                     use --format {} or another file name (without --format the extension decides)",
                    format_name(*f),
                    o.display(),
                    format_name(implied),
                    format_name(implied)
                );
            }
        }
    }
    Ok(formats.to_vec())
}

/// Write `report` in each format of `formats` to its `--output` (or stdout), quoting `texts`.
pub(super) fn write_all(
    args: &LintArgs,
    formats: &[Format],
    report: &Report,
    found: &Found<'_>,
    ctx: EmitContext<'_>,
) -> anyhow::Result<()> {
    for (i, format) in formats.iter().enumerate() {
        let to_file = args.output.get(i);
        let ctx = EmitContext {
            color: use_color(args.color, to_file.is_none()),
            ..ctx
        };
        // Written as produced, not through a buffer of the whole output (the JSON of a large
        // run is as large as its input).
        match to_file {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("writing {}", path.display()))?;
                let mut w = std::io::BufWriter::new(file);
                emit::emitter(*format)
                    .emit(report, found, &ctx, &mut w)
                    .and_then(|()| w.flush())
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            None => {
                let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                emit::emitter(*format).emit(report, found, &ctx, &mut w)?;
                w.flush()?;
            }
        }
    }
    Ok(())
}

/// `--color`: auto colours stdout when it is a terminal and NO_COLOR is unset.
fn use_color(choice: ColorChoice, to_stdout: bool) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            to_stdout && std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
        }
    }
}

/// The source texts the human format quotes for problems and notes, read again (no other
/// format quotes any; the texts of findings are read as their findings are written, by
/// [`Quoter`]).
pub(super) fn quoted_texts(
    formats: &[Format],
    report: &Report,
    linted: &super::sources::Linted,
) -> HashMap<String, String> {
    if !formats.contains(&Format::Human) {
        return HashMap::new();
    }
    let files = (report.problems.iter().chain(&report.notes)).map(|p| p.file.as_str());
    linted.texts(files)
}

/// Reads the text of a linted file again, by name, for the human format's code frames.
pub(super) struct Quoter<'a> {
    linted: &'a super::sources::Linted,
    /// Linted files by name (only when the human format is written).
    names: HashMap<String, usize>,
}

impl<'a> Quoter<'a> {
    pub(super) fn new(formats: &[Format], linted: &'a super::sources::Linted) -> Quoter<'a> {
        let names = if formats.contains(&Format::Human) {
            linted.names()
        } else {
            HashMap::new()
        };
        Quoter { linted, names }
    }

    /// The text of the linted source named `file`.
    pub(super) fn quote(&self, file: &str) -> Option<String> {
        self.linted.text(file, self.names.get(file).copied())
    }
}
