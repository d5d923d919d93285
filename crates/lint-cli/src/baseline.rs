//! Baselines: adopt the linter in an existing repository by recording today's findings, then
//! failing only on new ones. Findings are matched by [`policy_core::Finding::fingerprint`] (rule,
//! file, object identity, field path), counted, so reordering documents or shifting lines keeps a
//! finding in the baseline while a second identical finding on the same field is still new.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{bail, Context};
use policy_core::Finding;
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

/// The unsuppressed findings of a run, recorded one by one for `--write-baseline`.
#[derive(Default)]
pub(crate) struct Recorder {
    findings: BTreeMap<String, Entry>,
    n: usize,
}

impl Recorder {
    /// Record `f` when it is unsuppressed.
    pub(crate) fn add(&mut self, f: &Finding) {
        if f.suppressed.is_some() {
            return;
        }
        self.n += 1;
        self.findings
            .entry(f.fingerprint())
            .and_modify(|e| e.count += 1)
            .or_insert(Entry {
                rule: f.rule.clone(),
                object: format!("{} in {}", f.object, f.file),
                path: f.path.clone(),
                count: 1,
            });
    }

    /// Write the findings recorded as a baseline; returns how many there were.
    pub(crate) fn write(self, path: &Path) -> anyhow::Result<usize> {
        let text = serde_json::to_string_pretty(&Baseline {
            version: 1,
            findings: self.findings,
        })?;
        std::fs::write(path, text + "\n").with_context(|| format!("writing {}", path.display()))?;
        Ok(self.n)
    }
}

/// A baseline being applied: how many findings of each fingerprint it still forgives.
pub(crate) struct Budget {
    left: BTreeMap<String, usize>,
    /// Findings dropped so far.
    pub(crate) dropped: usize,
}

impl Budget {
    /// The baseline at `path`.
    pub(crate) fn load(path: &Path) -> anyhow::Result<Budget> {
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
        let left = (baseline.findings.into_iter())
            .map(|(k, e)| (k, e.count))
            .collect();
        Ok(Budget { left, dropped: 0 })
    }

    /// Whether `f` is reported: suppressed, or unsuppressed and not (or no longer) forgiven. Findings
    /// are offered in report order, so the first ones of a fingerprint are those forgiven.
    pub(crate) fn keep(&mut self, f: &Finding) -> bool {
        if f.suppressed.is_some() {
            return true;
        }
        match self.left.get_mut(&f.fingerprint()) {
            Some(n) if *n > 0 => {
                *n -= 1;
                self.dropped += 1;
                false
            }
            _ => true,
        }
    }
}
