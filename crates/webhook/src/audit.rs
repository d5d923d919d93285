//! The background audit (`--audit-interval`, with the `cluster-cache` build feature): every
//! interval, the same audit as `plumbline audit` (discovery, paginated lists, evaluation with
//! the webhook's own linter and config), exported as metrics and, with `--audit-write-reports`,
//! written as OpenReports.
//!
//! The audit lists the cluster each time rather than keeping every audited object in the cluster
//! cache: the cache holds only what cross-resource rules read (Namespaces, policies, routes…),
//! and holding every Pod and Deployment between audits would make the webhook's memory grow
//! with the cluster. An audit holds the listed objects only while it runs.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use policy_core::Report;

/// Series of `plumbline_audit_violations` kept; further (rule, namespace, severity) sets are
/// added into `namespace="other"`.
const MAX_SERIES: usize = 1000;

/// What the last audits found, as metrics.
#[derive(Debug, Default)]
pub struct AuditStatus {
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    runs_ok: u64,
    runs_failed: u64,
    /// From the last successful run.
    last: Option<LastRun>,
}

#[derive(Debug, Default)]
struct LastRun {
    finished_unix: f64,
    duration: Duration,
    objects: usize,
    reports_written: usize,
    violations: BTreeMap<(String, String, String), u64>,
}

impl AuditStatus {
    /// Record a successful audit of `objects` that gave `report`.
    pub fn succeeded(
        &self,
        report: &Report,
        objects: usize,
        duration: Duration,
        reports_written: usize,
    ) {
        let mut violations: BTreeMap<(String, String, String), u64> = BTreeMap::new();
        for f in report.findings.iter().filter(|f| f.suppressed.is_none()) {
            let key = (
                crate::metrics::label(&f.rule),
                crate::metrics::label(&f.object.namespace),
                f.severity.as_str().to_string(),
            );
            let key = if violations.len() >= MAX_SERIES && !violations.contains_key(&key) {
                (key.0, "other".into(), key.2)
            } else {
                key
            };
            *violations.entry(key).or_default() += 1;
        }
        let finished_unix = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or_default();
        if let Ok(mut i) = self.inner.lock() {
            i.runs_ok += 1;
            i.last = Some(LastRun {
                finished_unix,
                duration,
                objects,
                reports_written,
                violations,
            });
        }
    }

    /// Record a failed audit (the previous results stay exported).
    pub fn failed(&self) {
        if let Ok(mut i) = self.inner.lock() {
            i.runs_failed += 1;
        }
    }

    /// The audit's metric families, Prometheus text format.
    pub fn render(&self, out: &mut String) {
        let Ok(i) = self.inner.lock() else {
            return;
        };
        out.push_str("# HELP plumbline_audit_runs_total Background audits, by result.\n");
        out.push_str("# TYPE plumbline_audit_runs_total counter\n");
        let _ = writeln!(
            out,
            "plumbline_audit_runs_total{{result=\"ok\"}} {}",
            i.runs_ok
        );
        let _ = writeln!(
            out,
            "plumbline_audit_runs_total{{result=\"failed\"}} {}",
            i.runs_failed
        );
        let Some(last) = &i.last else {
            return;
        };
        out.push_str("# HELP plumbline_audit_violations Unsuppressed findings on live objects at the last successful audit, by rule, namespace and severity.\n");
        out.push_str("# TYPE plumbline_audit_violations gauge\n");
        for ((rule, ns, sev), n) in &last.violations {
            let _ = writeln!(
                out,
                "plumbline_audit_violations{{rule=\"{}\",namespace=\"{}\",severity=\"{}\"}} {n}",
                crate::metrics::esc(rule),
                crate::metrics::esc(ns),
                crate::metrics::esc(sev)
            );
        }
        out.push_str(
            "# HELP plumbline_audit_objects Live objects judged by the last successful audit.\n",
        );
        out.push_str("# TYPE plumbline_audit_objects gauge\n");
        let _ = writeln!(out, "plumbline_audit_objects {}", last.objects);
        out.push_str("# HELP plumbline_audit_reports_written OpenReports written by the last successful audit.\n");
        out.push_str("# TYPE plumbline_audit_reports_written gauge\n");
        let _ = writeln!(
            out,
            "plumbline_audit_reports_written {}",
            last.reports_written
        );
        out.push_str(
            "# HELP plumbline_audit_duration_seconds Time the last successful audit took.\n",
        );
        out.push_str("# TYPE plumbline_audit_duration_seconds gauge\n");
        let _ = writeln!(
            out,
            "plumbline_audit_duration_seconds {}",
            last.duration.as_secs_f64()
        );
        out.push_str("# HELP plumbline_audit_last_success_timestamp_seconds When the last successful audit finished (Unix time).\n");
        out.push_str("# TYPE plumbline_audit_last_success_timestamp_seconds gauge\n");
        let _ = writeln!(
            out,
            "plumbline_audit_last_success_timestamp_seconds {}",
            last.finished_unix
        );
    }
}

#[cfg(feature = "cluster-cache")]
pub use background::{spawn, AuditSettings};

#[cfg(feature = "cluster-cache")]
mod background {
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use plumbline_cluster::{AuditOptions, ReportOptions};
    use tokio::task::JoinHandle;

    use crate::App;

    /// How the background audit runs.
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct AuditSettings {
        /// Time between the end of one audit and the start of the next.
        pub interval: Duration,
        /// Write OpenReports (`Report` per namespace, `ClusterReport`) after each audit.
        pub write_reports: bool,
        /// Most results per report.
        pub max_results: usize,
        /// Objects per list request.
        pub page_size: u32,
    }

    impl AuditSettings {
        /// Settings with this interval, reports not written.
        pub fn new(interval: Duration) -> AuditSettings {
            AuditSettings {
                interval,
                write_reports: false,
                max_results: 1000,
                page_size: 500,
            }
        }
    }

    /// Start the audit loop: a first audit at once, then one `interval` after each ends. The
    /// task ends with the runtime.
    pub fn spawn(app: &App, client: kube::Client, settings: AuditSettings) -> JoinHandle<()> {
        let linter = app.linter.clone();
        let status = app.metrics.audit_status().clone();
        tokio::spawn(async move {
            loop {
                let started = Instant::now();
                match run_once(&client, &linter, &settings).await {
                    Ok((report, objects, written)) => {
                        tracing::info!(
                            objects,
                            findings = report.findings.len(),
                            reports_written = written,
                            duration_ms = started.elapsed().as_millis() as u64,
                            "background audit done"
                        );
                        status.succeeded(&report, objects, started.elapsed(), written);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "background audit failed");
                        status.failed();
                    }
                }
                tokio::time::sleep(settings.interval).await;
            }
        })
    }

    async fn run_once(
        client: &kube::Client,
        linter: &Arc<policy_core::Linter>,
        settings: &AuditSettings,
    ) -> anyhow::Result<(policy_core::Report, usize, usize)> {
        let mut options = AuditOptions::default();
        options.page_size = settings.page_size;
        let listing = plumbline_cluster::list_cluster(client, linter, &options).await?;
        let objects = listing.objects.len();
        // Evaluation is CPU work: off the async workers, like admission's.
        let l = linter.clone();
        let (report, listing) = tokio::task::spawn_blocking(move || {
            let report = plumbline_cluster::evaluate(&l, &listing.objects);
            (report, listing)
        })
        .await?;
        let mut written = 0;
        if settings.write_reports {
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default();
            let reports = plumbline_cluster::reports::build(
                &report,
                &listing.objects,
                linter.active_rules(),
                &ReportOptions::new(
                    settings.max_results,
                    (
                        i64::try_from(now.as_secs()).unwrap_or(i64::MAX),
                        i32::try_from(now.subsec_nanos()).unwrap_or(0),
                    ),
                ),
            );
            drop(listing);
            written = plumbline_cluster::write::apply_reports(client, &reports).await?;
        }
        Ok((report, objects, written))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn violations_are_exported_by_rule_namespace_and_severity() {
        let linter = policy_core::default_linter().expect("linter");
        let src = policy_core::Source::new(
            "a.yaml",
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  containers:\n  - name: web\n    image: nginx:latest\n",
        );
        let report = linter.lint_sources(&[src]);
        let status = AuditStatus::default();
        let mut before = String::new();
        status.render(&mut before);
        assert!(
            before.contains("plumbline_audit_runs_total{result=\"ok\"} 0"),
            "{before}"
        );
        assert!(!before.contains("plumbline_audit_violations"), "{before}");
        status.succeeded(&report, 1, Duration::from_millis(1500), 0);
        status.failed();
        let mut out = String::new();
        status.render(&mut out);
        assert!(
            out.contains(
                "plumbline_audit_violations{rule=\"image-tag-latest\",namespace=\"shop\",severity=\"error\"} 1"
            ),
            "{out}"
        );
        assert!(
            out.contains("plumbline_audit_runs_total{result=\"ok\"} 1"),
            "{out}"
        );
        assert!(
            out.contains("plumbline_audit_runs_total{result=\"failed\"} 1"),
            "{out}"
        );
        assert!(out.contains("plumbline_audit_objects 1"), "{out}");
        assert!(
            out.contains("plumbline_audit_duration_seconds 1.5"),
            "{out}"
        );
    }
}
