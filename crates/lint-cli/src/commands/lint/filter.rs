//! Which of the files found are linted: never a configuration or the baseline in use (both live
//! next to the manifests, and `plumbline init && plumbline lint` would read plumbline.yaml as
//! one), and no path an `--exclude` or `exclude:` glob matches unless given explicitly.

use std::path::{Path, PathBuf};

use policy_core::Problem;

use super::plan::Plan;

/// Drop the configurations, baselines and excluded paths from each plan's files, adding a
/// note to `skipped` for each one given explicitly; drop the notes of excluded paths.
pub(super) fn keep_manifests(
    plans: &mut [Plan],
    explicit: &[PathBuf],
    walked_configs: &[PathBuf],
    baselines: &[PathBuf],
    exclude: &[String],
    skipped: &mut Vec<Problem>,
) {
    let in_use: Vec<PathBuf> = plans
        .iter()
        .filter_map(|p| p.group.path.clone())
        .chain(baselines.iter().cloned())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    for f in walked_configs {
        if explicit.contains(f) {
            skipped.push(Problem::file(
                &display_name(f),
                "a configuration file (plumbline.yaml of its directory), not a manifest; skipped",
            ));
        }
    }
    let mut all_excludes: Vec<String> = exclude.to_vec();
    for plan in plans {
        let excludes: Vec<String> = exclude
            .iter()
            .chain(&plan.config.config.exclude)
            .cloned()
            .collect();
        plan.group.files.retain(|f| {
            let is_explicit = explicit.contains(f);
            let is_in_use = in_use.iter().any(|u| {
                u.file_name() == f.file_name() && std::fs::canonicalize(f).is_ok_and(|c| c == *u)
            });
            if is_in_use {
                if is_explicit {
                    skipped.push(Problem::file(
                        &display_name(f),
                        "the configuration or baseline file in use, not a manifest; skipped",
                    ));
                }
                return false;
            }
            is_explicit || !is_excluded(f, &excludes)
        });
        all_excludes.extend(plan.config.config.exclude.iter().cloned());
    }
    skipped.retain(|n| !is_excluded(Path::new(&n.file), &all_excludes));
}

/// A path as sources and problems name it (without a leading `./`).
pub(super) fn display_name(p: &Path) -> String {
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
