//! Baselines: adopt the linter in an existing repository by recording today's findings, then
//! failing only on new ones. Findings are matched by [`policy_core::Finding::fingerprint`] (rule,
//! file, object identity, field path), counted, so reordering documents or shifting lines keeps a
//! finding in the baseline while a second identical finding on the same field is still new.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use policy_core::Report;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
struct Entry {
    rule: String,
    object: String,
    path: String,
    count: usize,
}

#[derive(Serialize, Deserialize)]
struct Baseline {
    version: u32,
    findings: BTreeMap<String, Entry>,
}

/// Write the unsuppressed findings of `report` as a baseline.
pub(crate) fn write(report: &Report, path: &Path) -> anyhow::Result<usize> {
    let mut findings: BTreeMap<String, Entry> = BTreeMap::new();
    let mut n = 0;
    for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
        n += 1;
        findings
            .entry(f.fingerprint())
            .and_modify(|e| e.count += 1)
            .or_insert(Entry {
                rule: f.rule.clone(),
                object: format!("{} in {}", f.object, f.file),
                path: f.path.clone(),
                count: 1,
            });
    }
    let text = serde_json::to_string_pretty(&Baseline {
        version: 1,
        findings,
    })?;
    std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
    Ok(n)
}

/// Drop the findings recorded in the baseline at `path`; returns how many were dropped.
pub(crate) fn apply(report: &mut Report, path: &Path) -> anyhow::Result<usize> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading baseline {}", path.display()))?;
    let baseline: Baseline = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a plumbline baseline", path.display()))?;
    if baseline.version != 1 {
        bail!(
            "{}: baseline version {} is not supported (expected 1)",
            path.display(),
            baseline.version
        );
    }
    let mut budget: BTreeMap<String, usize> = baseline
        .findings
        .into_iter()
        .map(|(k, e)| (k, e.count))
        .collect();
    let before = report.findings.len();
    report.findings.retain(|f| {
        if f.suppressed.is_some() {
            return true;
        }
        match budget.get_mut(&f.fingerprint()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        }
    });
    Ok(before - report.findings.len())
}
