//! `plumbline lint`.

use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use policy_core::scan::SourceSet;
use policy_core::{LintOptions, Linter, Problem, Report, Severity, Source};

use crate::baseline::{Budget, Recorder};
use crate::emit::human::count;
use crate::emit::{ConfigUsed, EmitContext, Format, Found};
use crate::spill::{Counts, Spill, Spilled};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

mod configs;
mod filter;
mod output;
mod plan;
mod progress;
mod sources;

use plan::Plan;
use progress::Progress;

#[derive(Args)]
pub(crate) struct LintArgs {
    /// Files or directories (*.yaml, *.yml, *.json, recursively); `-` reads stdin. Default: `.`
    paths: Vec<PathBuf>,
    /// Skip paths matching this glob while walking directories (repeatable; added to `exclude:`
    /// in plumbline.yaml): `*`, `?` and `**`, matched against the path, any run of its
    /// directories, or the file name (`charts/*/templates`, `*.tpl.yaml`).
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// Configuration file for every path. Default: for each file, the nearest plumbline.yaml in
    /// its directory or their parents, else the working directory's (or its parents'); files
    /// under different configurations are each judged by their own.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Print which configuration judges the paths and the effective configuration (its file
    /// with every rule parameter, defaults merged), then exit 0.
    #[arg(long)]
    show_config: bool,
    /// Output format; repeat with --output to write several (`--format sarif --output a.sarif --format human`).
    /// Without --format, each --output's extension decides: .sarif (or .sarif.json) SARIF,
    /// .json JSON, .xml JUnit, anything else human.
    #[arg(long, value_enum)]
    format: Vec<Format>,
    /// Output file for the format in the same position (the others go to stdout); an extension
    /// that names another format than the --format given is refused.
    #[arg(long)]
    output: Vec<PathBuf>,
    /// Only these rule ids or domains (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Skip these rule ids or domains (comma-separated or repeated).
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Verify image signatures (cosign) against the registries, with the keys in `signing:`.
    /// Unreachable registries make findings "unverifiable" (warnings), never a pass.
    #[arg(long)]
    verify_signatures: bool,
    /// Read images and signatures from this OCI image layout instead of registries (implies
    /// --verify-signatures).
    #[arg(long, value_name = "DIR")]
    signatures_from: Option<PathBuf>,
    /// Evaluate every object as in this environment (e.g. production), whatever its namespace says.
    #[arg(long)]
    environment: Option<String>,
    /// Exit 1 when a finding at or above this severity remains.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    #[command(flatten)]
    pack: super::PackArgs,
    /// File name under which stdin (`-`) is reported, e.g. overlays/prod/rendered.yaml; a
    /// directory (`chart/`) is refused, since findings and annotations must point at a file.
    #[arg(long, value_name = "FILE")]
    stdin_filename: Option<String>,
    /// Ignore in-object suppression annotations (ignore.plumbline.dev/*).
    #[arg(long)]
    strict: bool,
    /// Also list suppressed findings, with their reasons and expiry.
    #[arg(long)]
    show_suppressed: bool,
    /// Evaluate as of this instant (RFC 3339, e.g. 2026-11-27T10:00:00+01:00) instead of now.
    #[arg(long)]
    at: Option<String>,
    /// Print only findings and errors, no summary.
    #[arg(long, short)]
    quiet: bool,
    /// Record today's findings in FILE (e.g. .plumbline-baseline.json) to adopt the linter gradually.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
    /// Report only findings that are not in this baseline file.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,
    /// Follow symbolic links wherever they point. By default a link is read only when it
    /// resolves to a regular file inside the directories given (a link given as a file: inside
    /// its own directory); links to directories, out of the tree, to devices, FIFOs or /proc
    /// files are skipped with a note.
    #[arg(long)]
    follow_symlinks: bool,
    /// Colour: auto (when stdout is a terminal and NO_COLOR is unset), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
    Never,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorChoice {
    Auto,
    Always,
    Never,
}

pub(crate) fn run(args: LintArgs) -> anyhow::Result<u8> {
    let formats = output::resolve_formats(&args.format, &args.output)?;
    let stdin_name = stdin_name(&args)?;
    let file_paths: Vec<PathBuf> = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let file_paths: Vec<PathBuf> = file_paths
        .into_iter()
        .filter(|p| p.as_os_str() != "-")
        .collect();
    let (files, expand_problems, mut skipped) = Source::expand(&file_paths, args.follow_symlinks);
    let cwd = std::env::current_dir().context("the working directory")?;
    let (groups, walked_configs) =
        configs::group(args.config.as_deref(), files, stdin_name.as_deref(), &cwd);
    let mut plans = Vec::with_capacity(groups.len());
    for group in groups {
        plans.push(Plan::load(&args, group)?);
    }
    if args.show_config {
        return plan::show_config(&plans);
    }
    let now = args.at.as_deref().map(parse_instant).transpose()?;
    let baselines: Vec<PathBuf> = (args.baseline.iter().chain(&args.write_baseline))
        .cloned()
        .collect();
    filter::keep_manifests(
        &mut plans,
        &file_paths,
        &walked_configs,
        &baselines,
        &args.exclude,
        &mut skipped,
    );
    let explicit_names: HashSet<String> = file_paths
        .iter()
        .map(|p| filter::display_name(p))
        .chain(std::iter::once(
            stdin_name.clone().unwrap_or_else(|| "-".into()),
        ))
        .collect();
    let mut run = run_plans(&args, plans, now, stdin_name.as_deref())?;
    let Some(linter) = run.linters.first() else {
        bail!("no configuration to lint with");
    };
    run.report.problems.extend(expand_problems);
    run.report.problems.extend(run.input_problems);
    let problem_texts = run.linted.texts(
        (run.report.problems.iter())
            .filter(|p| p.document.is_some())
            .map(|p| p.file.as_str()),
    );
    sources::explain_problems(&mut run.report, &problem_texts, &explicit_names);
    drop(problem_texts);
    run.report.notes.extend(skipped);
    let spill = std::mem::take(&mut run.spill);
    let found = finish_findings(&args, spill, run.linters.len() > 1)?;
    let threshold = args.fail_on.threshold();
    let owned_texts = output::quoted_texts(&formats, &run.report, &run.linted);
    let texts: HashMap<&str, &str> = owned_texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let quoter = output::Quoter::new(&formats, &run.linted);
    let quote = |file: &str| quoter.quote(file);
    let ctx = EmitContext {
        pack: linter.pack(),
        texts: &texts,
        quote: &quote,
        color: false,
        show_suppressed: args.show_suppressed,
        quiet: args.quiet,
        fail_on: threshold,
        configs: &run.used,
    };
    let found = Found::Spilled(&found);
    output::write_all(&args, &formats, &run.report, &found, ctx)?;
    Ok(exit_code(&args, &run.report, found.counts(), threshold))
}

/// The name standard input is reported under, when `-` is among the paths (`--stdin-filename`,
/// else `-`); `--stdin-filename` without `-`, or naming a directory, is refused.
fn stdin_name(args: &LintArgs) -> anyhow::Result<Option<String>> {
    let reads_stdin = args.paths.iter().any(|p| p.as_os_str() == "-");
    if let Some(name) = &args.stdin_filename {
        if !reads_stdin {
            bail!(
                "--stdin-filename names standard input, but `-` is not among the paths; add `-` \
                 (e.g. `kubectl kustomize overlays/prod | plumbline lint - --stdin-filename overlays/prod/rendered.yaml`)"
            );
        }
        check_stdin_filename(name)?;
    }
    let name = args.stdin_filename.as_deref().unwrap_or("-");
    Ok(reads_stdin.then(|| name.to_string()))
}

/// What the runs of every configuration produced together.
struct Run {
    report: Report,
    /// Unreadable sources and standard input (reported after the rule errors).
    input_problems: Vec<Problem>,
    /// One linter per configuration, in the order of the plans.
    linters: Vec<Linter>,
    /// Which configuration judged how many files.
    used: Vec<ConfigUsed>,
    /// What the outputs may quote after the run: the files (read again for code frames) and
    /// standard input's text, the only source kept in memory.
    linted: sources::Linted,
    /// The findings, on disk as the files are judged.
    spill: Spill,
}

/// Lint each plan's files with its configuration (both passes), in the order of the plans;
/// findings of several configurations are sorted by place.
fn run_plans(
    args: &LintArgs,
    plans: Vec<Plan>,
    now: Option<jiff::Timestamp>,
    stdin_name: Option<&str>,
) -> anyhow::Result<Run> {
    let progress = Progress::default();
    let callback = progress.callback(!args.quiet && std::io::stderr().is_terminal());
    progress.set_total(
        plans.iter().map(|p| p.group.files.len()).sum::<usize>()
            + usize::from(stdin_name.is_some()),
    );
    let mut run = Run {
        report: Report::default(),
        input_problems: Vec::new(),
        linters: Vec::with_capacity(plans.len()),
        used: Vec::with_capacity(plans.len()),
        linted: sources::Linted::default(),
        spill: Spill::default(),
    };
    for (n, plan) in plans.into_iter().enumerate() {
        let options = lint_options(args, &plan, now, callback.clone());
        let mut stdin = None;
        if let (true, Some(name)) = (plan.group.stdin, stdin_name) {
            match Source::stdin(name) {
                Ok(s) => stdin = Some(s),
                Err(e) => run.input_problems.push(e),
            }
        }
        let set = sources::Files {
            stdin,
            files: plan.group.files,
        };
        // Compile the pack while the first pass reads the files and builds the inventory (in
        // parallel): both are serial start-up costs otherwise, and they count against the
        // parallel speed-up on large trees.
        let (linter, (mut scan, unreadable)) = rayon::join(
            || Linter::new(plan.pack, plan.config, options).inspect(|l| l.prepare()),
            || policy_core::scan::scan(&set),
        );
        let linter = linter?;
        run.input_problems.extend(unreadable);
        run.spill.set_part(n);
        let spill = &run.spill;
        let mut part = linter.lint_scanned_each(&set, &mut scan, &|i, f| spill.add(i, f));
        run.spill.add_tail(std::mem::take(&mut part.findings));
        let readable = scan.readable(set.count());
        progress.finished(readable);
        run.used.push(ConfigUsed {
            path: plan.group.path.map(|p| p.display().to_string()),
            files: readable,
        });
        add_part(&mut run.report, part, readable);
        run.linted.add(set, &scan);
        run.linters.push(linter);
    }
    Ok(run)
}

/// The options of one configuration's run, from the flags.
fn lint_options(
    args: &LintArgs,
    plan: &Plan,
    now: Option<jiff::Timestamp>,
    progress: Option<progress::Callback>,
) -> LintOptions {
    let mut options = LintOptions::default();
    options.select = args.select.clone();
    options.ignore = args.ignore.clone();
    options.strict = args.strict;
    options.environment = args.environment.clone();
    options.image_facts = plan.image_facts.clone();
    options.progress = progress;
    // No output format shows them (--format json, sarif, junit, github, human).
    options.keep_details = false;
    options.compile_cache = policy_core::default_cache_dir();
    if let Some(now) = now {
        options.now = now;
    }
    options
}

/// Add one configuration's report (of `files` readable files) to the run's.
fn add_part(report: &mut Report, part: Report, files: usize) {
    report.problems.extend(part.problems);
    report.notes.extend(part.notes);
    report.objects += part.objects;
    report.files += files;
}

/// The run's findings in report order (several configurations' sorted together), less those
/// `--baseline` knows; `--write-baseline` records them first.
fn finish_findings(args: &LintArgs, spill: Spill, sort_tails: bool) -> anyhow::Result<Spilled> {
    let mut recorder = args.write_baseline.as_ref().map(|_| Recorder::default());
    // An unreadable baseline is reported after --write-baseline wrote its own.
    let (mut applied, unreadable) = match args.baseline.as_deref().map(Budget::load).transpose() {
        Ok(b) => (b, None),
        Err(e) => (None, Some(e)),
    };
    let found = spill
        .finish(sort_tails, |f| {
            if let Some(r) = &mut recorder {
                r.add(f);
            }
            applied.as_mut().is_none_or(|b| b.keep(f))
        })
        .context("spilling the findings to a temporary file")?;
    if let (Some(r), Some(path)) = (recorder, &args.write_baseline) {
        let n = r.write(path)?;
        eprintln!(
            "plumbline: wrote {} to baseline {}",
            count(n, "finding"),
            path.display()
        );
    }
    if let Some(e) = unreadable {
        return Err(e);
    }
    if let (Some(b), Some(path)) = (applied, &args.baseline) {
        if !args.quiet {
            let known = b.dropped;
            eprintln!(
                "plumbline: {} {} in the baseline {} and not reported",
                count(known, "finding"),
                if known == 1 { "is" } else { "are" },
                path.display()
            );
        }
    }
    Ok(found)
}

/// 2 on input errors; else 0 after `--write-baseline`; else 1 when a finding reaches `--fail-on`.
fn exit_code(args: &LintArgs, report: &Report, counts: Counts, threshold: Option<Severity>) -> u8 {
    if !report.problems.is_empty() {
        return EXIT_ERROR;
    }
    if args.write_baseline.is_some() {
        // The baseline was written: recording findings is what was asked, not a failure.
        return EXIT_OK;
    }
    match threshold {
        Some(s) if counts.at_least(s) > 0 => EXIT_FINDINGS,
        _ => EXIT_OK,
    }
}

impl FailOn {
    /// The severity at or above which findings fail the run (`None`: never).
    fn threshold(self) -> Option<Severity> {
        match self {
            FailOn::Error => Some(Severity::Error),
            FailOn::Warning => Some(Severity::Warning),
            FailOn::Info => Some(Severity::Info),
            FailOn::Never => None,
        }
    }
}

/// `--stdin-filename` must name a file: findings, SARIF locations and GitHub annotations point
/// at it, and `chart/:3:1` attaches to nothing.
fn check_stdin_filename(name: &str) -> anyhow::Result<()> {
    let trimmed = name.trim_end_matches(['/', '\\']);
    let dir_like = name.is_empty()
        || trimmed.len() != name.len()
        || matches!(trimmed, "" | "." | "..")
        || trimmed.ends_with("/.")
        || trimmed.ends_with("/..")
        || Path::new(name).is_dir();
    if dir_like {
        let base = if matches!(trimmed, "" | ".") {
            String::new()
        } else {
            format!("{trimmed}/")
        };
        bail!(
            "--stdin-filename `{name}` is a directory; name a file, e.g. `{base}rendered.yaml`, \
             so that findings, SARIF results and GitHub annotations point at a file"
        );
    }
    Ok(())
}

/// RFC 3339 with offset (`2026-11-27T10:00:00+01:00`), or a civil date (`2026-11-27`, UTC midnight).
pub(crate) fn parse_instant(s: &str) -> anyhow::Result<jiff::Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Ok(t);
    }
    if let Ok(d) = s.parse::<jiff::civil::Date>() {
        return Ok(d.to_zoned(jiff::tz::TimeZone::UTC)?.timestamp());
    }
    bail!("--at `{s}` is not an RFC 3339 instant (e.g. 2026-11-27T10:00:00+01:00) or a date (2026-11-27)")
}
