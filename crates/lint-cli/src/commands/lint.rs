//! `plumbline lint`.

use std::collections::{HashMap, HashSet};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use clap::{Args, ValueEnum};
use policy_core::scan::SourceSet;
use policy_core::startup::{self, Startup};
use policy_core::{
    Domain, LintOptions, Linter, PolicyPack, Problem, Report, Severity, Source, ValidConfig,
};

use crate::emit::human::count;
use crate::emit::{self, ConfigUsed, EmitContext, Format};
use crate::{EXIT_ERROR, EXIT_FINDINGS, EXIT_OK};

mod configs;
mod sources;

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

/// Runs over fewer files finish before a progress line would help.
const PROGRESS_MIN_FILES: usize = 200;

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
    let formats = resolve_formats(&args.format, &args.output)?;
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
    let stdin_name = args.stdin_filename.as_deref().unwrap_or("-");
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let file_paths: Vec<PathBuf> = paths
        .iter()
        .filter(|p| p.as_os_str() != "-")
        .cloned()
        .collect();
    let stdin_read = reads_stdin;
    let (files, expand_problems, mut skipped) = Source::expand(&file_paths, args.follow_symlinks);
    let cwd = std::env::current_dir().context("the working directory")?;
    let (groups, walked_configs) = configs::group(
        args.config.as_deref(),
        files,
        stdin_read.then_some(stdin_name),
        &cwd,
    );
    let mut plans = Vec::with_capacity(groups.len());
    for group in groups {
        plans.push(Plan::load(&args, group)?);
    }
    if args.show_config {
        return show_config(&plans);
    }
    // A progress line on stderr for long interactive runs only (never in CI logs or pipes).
    let total_files = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let done_before = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let progress: Option<std::sync::Arc<dyn Fn(usize) + Send + Sync>> =
        (!args.quiet && std::io::stderr().is_terminal()).then(|| {
            let total = total_files.clone();
            let before = done_before.clone();
            std::sync::Arc::new(move |n: usize| {
                let total = total.load(std::sync::atomic::Ordering::Relaxed);
                let n = n + before.load(std::sync::atomic::Ordering::Relaxed);
                if total >= PROGRESS_MIN_FILES && (n.is_multiple_of(50) || n == total) {
                    if n == total {
                        eprint!("\r\x1b[2K");
                    } else {
                        eprint!("\r\x1b[2Kplumbline: parsed {n}/{total} files");
                    }
                }
            }) as std::sync::Arc<dyn Fn(usize) + Send + Sync>
        });
    let now = args.at.as_deref().map(parse_instant).transpose()?;
    // Never lint a config or the baseline in use (both live next to the manifests, and
    // `plumbline init && plumbline lint` would read plumbline.yaml as one); skip excluded paths.
    let in_use: Vec<PathBuf> = plans
        .iter()
        .filter_map(|p| p.group.path.clone())
        .chain(args.baseline.clone())
        .chain(args.write_baseline.clone())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for f in &walked_configs {
        if file_paths.contains(f) {
            skipped.push(Problem::file(
                &display_name(f),
                "a configuration file (plumbline.yaml of its directory), not a manifest; skipped",
            ));
        }
    }
    let mut all_excludes: Vec<String> = args.exclude.clone();
    for plan in &mut plans {
        let excludes: Vec<String> = args
            .exclude
            .iter()
            .chain(&plan.config.config.exclude)
            .cloned()
            .collect();
        plan.group.files.retain(|f| {
            let explicit = file_paths.contains(f);
            let is_in_use = in_use.iter().any(|u| {
                u.file_name() == f.file_name() && std::fs::canonicalize(f).is_ok_and(|c| c == *u)
            });
            if is_in_use {
                if explicit {
                    skipped.push(Problem::file(
                        &display_name(f),
                        "the configuration or baseline file in use, not a manifest; skipped",
                    ));
                }
                return false;
            }
            explicit || !is_excluded(f, &excludes)
        });
        all_excludes.extend(plan.config.config.exclude.iter().cloned());
    }
    skipped.retain(|n| !is_excluded(Path::new(&n.file), &all_excludes));
    let explicit_names: HashSet<String> = file_paths
        .iter()
        .map(|p| display_name(p))
        .chain(std::iter::once(stdin_name.to_string()))
        .collect();
    total_files.store(
        plans.iter().map(|p| p.group.files.len()).sum::<usize>() + usize::from(stdin_read),
        std::sync::atomic::Ordering::Relaxed,
    );
    let mut problems: Vec<Problem> = expand_problems;
    let mut report = Report::default();
    let mut linters = Vec::with_capacity(plans.len());
    let mut used = Vec::with_capacity(plans.len());
    // What the outputs may quote after the run: the files (read again for code frames) and
    // standard input's text, the only source kept in memory.
    let mut linted = sources::Linted::default();
    for plan in plans {
        let mut options = LintOptions::default();
        options.select = args.select.clone();
        options.ignore = args.ignore.clone();
        options.strict = args.strict;
        options.environment = args.environment.clone();
        options.image_facts = plan.image_facts;
        options.progress = progress.clone();
        // No output format shows them (--format json, sarif, junit, github, human).
        options.keep_details = false;
        if let Some(now) = now {
            options.now = now;
        }
        let mut stdin = None;
        if plan.group.stdin {
            match Source::stdin(stdin_name) {
                Ok(s) => stdin = Some(s),
                Err(e) => problems.push(e),
            }
        }
        let set = sources::Files {
            stdin,
            files: plan.group.files,
        };
        // Compile the pack while the first pass reads the files and builds the inventory (in
        // parallel): both are serial start-up costs otherwise, and they count against the
        // parallel speed-up on large trees.
        let (linter, (scan, unreadable)) = rayon::join(
            || Linter::new(plan.pack, plan.config, options).inspect(|l| l.prepare()),
            || policy_core::scan::scan(&set),
        );
        let linter = linter?;
        problems.extend(unreadable);
        let part = linter.lint_scanned(&set, &scan);
        let readable = scan.readable(set.count());
        done_before.fetch_add(readable, std::sync::atomic::Ordering::Relaxed);
        used.push(ConfigUsed {
            path: plan.group.path.map(|p| p.display().to_string()),
            files: readable,
        });
        if report.findings.is_empty() {
            report.findings = part.findings;
        } else {
            report.findings.extend(part.findings);
        }
        report.problems.extend(part.problems);
        report.notes.extend(part.notes);
        report.objects += part.objects;
        report.files += readable;
        linted.add(set, &scan);
        linters.push(linter);
    }
    if linters.len() > 1 {
        report.findings.sort_by(|a, b| {
            (&a.file, a.document, a.line, a.column, &a.rule, &a.message)
                .cmp(&(&b.file, b.document, b.line, b.column, &b.rule, &b.message))
        });
    }
    let Some(linter) = linters.first() else {
        bail!("no configuration to lint with");
    };
    report.problems.extend(problems);
    let problem_texts = linted.texts(
        report
            .problems
            .iter()
            .filter(|p| p.document.is_some())
            .map(|p| p.file.as_str()),
    );
    sources::explain_problems(&mut report, &problem_texts, &explicit_names);
    drop(problem_texts);
    report.notes.extend(skipped);
    if let Some(path) = &args.write_baseline {
        let n = crate::baseline::write(&report, path)?;
        eprintln!(
            "plumbline: wrote {} to baseline {}",
            count(n, "finding"),
            path.display()
        );
    }
    if let Some(path) = &args.baseline {
        let known = crate::baseline::apply(&mut report, path)?;
        if !args.quiet {
            eprintln!(
                "plumbline: {} {} in the baseline {} and not reported",
                count(known, "finding"),
                if known == 1 { "is" } else { "are" },
                path.display()
            );
        }
    }

    let threshold = match args.fail_on {
        FailOn::Error => Some(Severity::Error),
        FailOn::Warning => Some(Severity::Warning),
        FailOn::Info => Some(Severity::Info),
        FailOn::Never => None,
    };
    // Only the human format quotes source lines: the files it quotes are read again.
    let owned_texts = if formats.contains(&Format::Human) {
        let files = (report.problems.iter().chain(&report.notes))
            .map(|p| p.file.as_str())
            .chain(report.findings.iter().map(|f| f.file.as_str()));
        linted.texts(files)
    } else {
        HashMap::new()
    };
    let texts: HashMap<&str, &str> = owned_texts
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    for (i, format) in formats.iter().enumerate() {
        let to_file = args.output.get(i);
        let color = match args.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                to_file.is_none()
                    && std::io::stdout().is_terminal()
                    && std::env::var_os("NO_COLOR").is_none()
            }
        };
        let ctx = EmitContext {
            pack: linter.pack(),
            texts: &texts,
            color,
            show_suppressed: args.show_suppressed,
            quiet: args.quiet,
            fail_on: threshold,
            configs: &used,
        };
        // Written as produced, not through a buffer of the whole output (the JSON of a large
        // run is as large as its input).
        match to_file {
            Some(path) => {
                let file = std::fs::File::create(path)
                    .with_context(|| format!("writing {}", path.display()))?;
                let mut w = std::io::BufWriter::new(file);
                emit::emitter(*format)
                    .emit(&report, &ctx, &mut w)
                    .and_then(|()| w.flush())
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            None => {
                let mut w = std::io::BufWriter::new(std::io::stdout().lock());
                emit::emitter(*format).emit(&report, &ctx, &mut w)?;
                w.flush()?;
            }
        }
    }

    if !report.problems.is_empty() {
        return Ok(EXIT_ERROR);
    }
    if args.write_baseline.is_some() {
        // The baseline was written: recording findings is what was asked, not a failure.
        return Ok(EXIT_OK);
    }
    Ok(match threshold {
        Some(s) if report.count_at_least(s) > 0 => EXIT_FINDINGS,
        _ => EXIT_OK,
    })
}

/// One group of files with its configuration loaded and validated, and its pack.
struct Plan {
    group: configs::ConfigGroup,
    config: ValidConfig,
    pack: PolicyPack,
    image_facts: Option<std::sync::Arc<dyn policy_core::imagefacts::ImageFacts>>,
}

impl Plan {
    fn load(args: &LintArgs, group: configs::ConfigGroup) -> anyhow::Result<Plan> {
        let config = startup::read_config(group.path.as_deref())?;
        let unchecked = Startup::begin(config, &args.pack.choice())?;
        check_rule_ids(&unchecked.pack, "--select", &args.select)?;
        check_rule_ids(&unchecked.pack, "--ignore", &args.ignore)?;
        let Startup { pack, config, .. } = unchecked.check()?;
        let image_facts = if args.verify_signatures || args.signatures_from.is_some() {
            Some(super::verifier(
                &config,
                group.path.as_deref(),
                args.signatures_from.as_deref(),
            )?)
        } else {
            None
        };
        Ok(Plan {
            group,
            config,
            pack,
            image_facts,
        })
    }
}

/// `--show-config`: for each configuration, a comment naming it and what it judges, then the
/// effective configuration (the file's sections, `params` with every rule default merged) as
/// JSON; several are separated by `---`, so the output is one YAML stream.
fn show_config(plans: &[Plan]) -> anyhow::Result<u8> {
    let mut out = String::new();
    for (i, plan) in plans.iter().enumerate() {
        if i > 0 {
            out.push_str("---\n");
        }
        let g = &plan.group;
        let what = {
            let mut w = count(g.files.len(), "file");
            if g.stdin {
                w.push_str(" and standard input");
            }
            w
        };
        let mut effective = match &g.path {
            Some(p) => {
                out.push_str(&format!("# config: {} (judges {what})\n", p.display()));
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading {}", p.display()))?;
                policy_core::yaml::parse_stream(&text)
                    .into_iter()
                    .find_map(Result::ok)
                    .map_or_else(|| serde_json::json!({}), |d| d.value)
            }
            None => {
                out.push_str(&format!(
                    "# config: none found, built-in defaults (judges {what}); `plumbline init` writes one\n"
                ));
                serde_json::json!({})
            }
        };
        if !effective.is_object() {
            effective = serde_json::json!({});
        }
        effective["params"] = plan.config.params.clone();
        out.push_str(&serde_json::to_string_pretty(&effective)?);
        out.push('\n');
    }
    print!("{out}");
    Ok(EXIT_OK)
}

/// A path as sources and problems name it (without a leading `./`).
fn display_name(p: &Path) -> String {
    let s = p.to_string_lossy();
    s.strip_prefix("./").unwrap_or(&s).to_string()
}

/// True when a glob of `excludes` matches the path, a run of its components, or its file name.
fn is_excluded(path: &Path, excludes: &[String]) -> bool {
    if excludes.is_empty() {
        return false;
    }
    let parts: Vec<String> = path
        .components()
        .filter_map(|c| match c {
            std::path::Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    excludes.iter().any(|pattern| {
        // Every run of components is tried, so a leading `**/` or trailing `/**` adds nothing;
        // `a/**/b` is `a/b` or `a/*/b` (`*` crosses `/`).
        let mut p = pattern.trim_end_matches('/');
        p = p.strip_prefix("./").unwrap_or(p);
        while let Some(rest) = p.strip_prefix("**/") {
            p = rest;
        }
        while let Some(rest) = p.strip_suffix("/**") {
            p = rest;
        }
        let variants = [
            p.replace("/**/", "/").replace("**", "*"),
            p.replace("**", "*"),
        ];
        variants.iter().any(|v| {
            (0..parts.len()).any(|i| {
                (i + 1..=parts.len())
                    .any(|j| policy_core::config::glob_match(v, &parts[i..j].join("/")))
            })
        })
    })
}

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
fn resolve_formats(formats: &[Format], outputs: &[PathBuf]) -> anyhow::Result<Vec<Format>> {
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

/// Every id of `--select`/`--ignore` is a rule id, a domain or `*`; a typo gets the closest one.
fn check_rule_ids(pack: &PolicyPack, flag: &str, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        if id == "*" || pack.has_domain(id) || pack.rule(id).is_some() {
            continue;
        }
        let mut candidates: Vec<&str> = pack.rules.iter().map(|r| r.meta.id.as_str()).collect();
        for d in Domain::ALL.into_iter().chain(pack.domains()) {
            candidates.push(d.as_str());
        }
        let candidates = candidates.into_iter();
        let best = candidates
            .map(|c| (policy_core::config::edit_distance(id, c), c))
            .min()
            .filter(|(d, c)| *d <= 3.max(c.chars().count() / 3));
        match best {
            Some((_, c)) => bail!(
                "{flag}: unknown rule or domain `{id}`; did you mean `{c}`? (`plumbline rules` lists them)"
            ),
            None => bail!("{flag}: unknown rule or domain `{id}`; `plumbline rules` lists them"),
        }
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
