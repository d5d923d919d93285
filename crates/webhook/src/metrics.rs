//! Prometheus text metrics, written by hand (a metrics crate would cost more build time than this file).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds (seconds) of the latency histogram buckets.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];
/// Distinct label sets kept per counter family; further ones are folded into `other`.
const MAX_SERIES: usize = 500;
/// Characters kept of a label value, at insertion (a Kubernetes kind is at most 63).
pub const MAX_LABEL_CHARS: usize = 64;

/// The webhook's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, String), u64>>,
    findings: Mutex<BTreeMap<(String, String), u64>>,
    suppressions: Mutex<BTreeMap<(String, String), u64>>,
    rule_budget: Mutex<BTreeMap<String, u64>>,
    rejected: Mutex<BTreeMap<u16, u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    timeouts: AtomicU64,
    in_flight: AtomicU64,
    cert_reloads_ok: AtomicU64,
    cert_reloads_failed: AtomicU64,
    over_budget: AtomicU64,
    connections_refused: Mutex<BTreeMap<&'static str, u64>>,
    audit: std::sync::Arc<crate::audit::AuditStatus>,
}

/// A label value as stored: at most [`MAX_LABEL_CHARS`] characters, control characters as `?`.
pub(crate) fn label(s: &str) -> String {
    s.chars()
        .take(MAX_LABEL_CHARS)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K, other: K) {
    if let Ok(mut m) = map.lock() {
        let key = if m.len() >= MAX_SERIES && !m.contains_key(&key) {
            other
        } else {
            key
        };
        *m.entry(key).or_default() += 1;
    }
}

impl Metrics {
    /// One answered AdmissionReview.
    pub fn request(&self, operation: &str, kind: &str, decision: &str, latency: Duration) {
        bump(
            &self.requests,
            (label(operation), label(kind), label(decision)),
            ("other".into(), "other".into(), label(decision)),
        );
        let secs = latency.as_secs_f64();
        for (i, b) in BUCKETS.iter().enumerate() {
            if secs <= *b {
                self.buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_count.fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// One counted finding.
    pub fn finding(&self, rule: &str, severity: &str) {
        bump(
            &self.findings,
            (label(rule), label(severity)),
            ("other".into(), label(severity)),
        );
    }

    /// An honoured suppression: `kind` is `annotation` (in the object) or `exemption` (config).
    pub fn suppression(&self, rule: &str, kind: &str) {
        bump(
            &self.suppressions,
            (label(rule), label(kind)),
            ("other".into(), label(kind)),
        );
    }

    /// The rules that exceeded their evaluation budget in one review (from its errors).
    pub fn rule_errors(&self, errors: &[String]) {
        for e in errors {
            if let Some(rule) = policy_core::budget_exceeded_rule(e) {
                bump(&self.rule_budget, label(rule), "other".into());
            }
        }
    }

    /// How often `rule` exceeded its evaluation budget.
    pub fn rule_budget_exceeded(&self, rule: &str) -> u64 {
        self.rule_budget
            .lock()
            .map(|m| m.get(rule).copied().unwrap_or(0))
            .unwrap_or(0)
    }

    /// A request refused before evaluation (400, 413, …).
    pub fn rejected(&self, status: u16) {
        bump(&self.rejected, status, 0);
    }

    /// A review not evaluated because its estimated cost is over the per-review limit.
    pub fn over_budget(&self) {
        self.over_budget.fetch_add(1, Ordering::Relaxed);
    }

    /// A connection closed by the acceptor: `limit` (too many open) or `handshake_timeout`.
    pub fn connection_refused(&self, reason: &'static str) {
        bump(&self.connections_refused, reason, "other");
    }

    /// Bytes of label values held by the counters (bounded by the series cap times the label cap).
    pub fn label_bytes(&self) -> usize {
        let three = |m: &Mutex<BTreeMap<(String, String, String), u64>>| {
            m.lock().map_or(0, |m| {
                m.keys().map(|(a, b, c)| a.len() + b.len() + c.len()).sum()
            })
        };
        let two = |m: &Mutex<BTreeMap<(String, String), u64>>| {
            m.lock()
                .map_or(0, |m| m.keys().map(|(a, b)| a.len() + b.len()).sum())
        };
        let one = self
            .rule_budget
            .lock()
            .map_or(0, |m| m.keys().map(String::len).sum::<usize>());
        three(&self.requests) + two(&self.findings) + two(&self.suppressions) + one
    }

    /// An evaluation that ran out of time.
    pub fn timeout(&self) {
        self.timeouts.fetch_add(1, Ordering::Relaxed);
    }

    /// A certificate reload attempt.
    pub fn cert_reload(&self, ok: bool) {
        let c = if ok {
            &self.cert_reloads_ok
        } else {
            &self.cert_reloads_failed
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Count a request in flight until the guard drops.
    pub fn in_flight_guard(self: &std::sync::Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        InFlight(self.clone())
    }

    /// AdmissionReviews being answered now.
    pub fn in_flight(&self) -> u64 {
        self.in_flight.load(Ordering::SeqCst)
    }

    /// Evaluation timeouts so far.
    pub fn timeouts(&self) -> u64 {
        self.timeouts.load(Ordering::Relaxed)
    }

    /// The background audit's results (exported with the other metrics).
    pub fn audit_status(&self) -> &std::sync::Arc<crate::audit::AuditStatus> {
        &self.audit
    }

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::new();
        self.render_decisions(&mut out);
        self.render_latency(&mut out);
        self.render_health(&mut out);
        self.audit.render(&mut out);
        out
    }

    /// Decisions, findings, suppressions, budget stops and rejections, by their labels.
    fn render_decisions(&self, out: &mut String) {
        counters(
            out,
            "plumbline_webhook_requests_total",
            "AdmissionReviews answered, by operation, kind and decision.",
            &self.requests,
            |(op, kind, decision)| {
                format!(
                    "operation=\"{}\",kind=\"{}\",decision=\"{}\"",
                    esc(op),
                    esc(kind),
                    esc(decision)
                )
            },
        );
        counters(
            out,
            "plumbline_webhook_findings_total",
            "Findings that counted in a decision, by rule and severity.",
            &self.findings,
            |(rule, sev)| format!("rule=\"{}\",severity=\"{}\"", esc(rule), esc(sev)),
        );
        counters(
            out,
            "plumbline_webhook_suppressions_total",
            "Findings suppressed by an honoured annotation or config exemption, by rule and kind.",
            &self.suppressions,
            |(rule, kind)| format!("rule=\"{}\",kind=\"{}\"", esc(rule), esc(kind)),
        );
        counters(
            out,
            "plumbline_webhook_rule_budget_exceeded_total",
            "Rule evaluations stopped at their time or instruction budget, by rule (the review then gets the failure mode).",
            &self.rule_budget,
            |rule| format!("rule=\"{}\"", esc(rule)),
        );
        counters(
            out,
            "plumbline_webhook_rejected_requests_total",
            "Requests refused before evaluation, by HTTP status.",
            &self.rejected,
            |code| format!("code=\"{code}\""),
        );
    }

    /// The answer-time histogram.
    fn render_latency(&self, out: &mut String) {
        header(
            out,
            "plumbline_webhook_request_duration_seconds",
            "histogram",
            "Time to answer an AdmissionReview.",
        );
        for (i, b) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "plumbline_webhook_request_duration_seconds_bucket{{le=\"{b}\"}} {}",
                self.buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_count.load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "plumbline_webhook_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let sum = self.latency_sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "plumbline_webhook_request_duration_seconds_sum {sum}");
        let _ = writeln!(
            out,
            "plumbline_webhook_request_duration_seconds_count {count}"
        );
    }

    /// Timeouts, cost refusals, refused connections, in-flight reviews, certificate reloads.
    fn render_health(&self, out: &mut String) {
        header(
            out,
            "plumbline_webhook_evaluation_timeouts_total",
            "counter",
            "Evaluations that exceeded the deadline (failure mode applied).",
        );
        let _ = writeln!(
            out,
            "plumbline_webhook_evaluation_timeouts_total {}",
            self.timeouts()
        );
        header(out, "plumbline_webhook_over_budget_total", "counter", "Reviews not evaluated because their estimated cost is over the limit (failure mode applied).");
        let _ = writeln!(
            out,
            "plumbline_webhook_over_budget_total {}",
            self.over_budget.load(Ordering::Relaxed)
        );
        counters(
            out,
            "plumbline_webhook_connections_refused_total",
            "Connections closed by the acceptor, by reason.",
            &self.connections_refused,
            |reason| format!("reason=\"{reason}\""),
        );
        header(
            out,
            "plumbline_webhook_in_flight",
            "gauge",
            "AdmissionReviews being answered.",
        );
        let _ = writeln!(out, "plumbline_webhook_in_flight {}", self.in_flight());
        header(
            out,
            "plumbline_webhook_certificate_reloads_total",
            "counter",
            "Certificate reload attempts, by result.",
        );
        let _ = writeln!(
            out,
            "plumbline_webhook_certificate_reloads_total{{result=\"ok\"}} {}",
            self.cert_reloads_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "plumbline_webhook_certificate_reloads_total{{result=\"failed\"}} {}",
            self.cert_reloads_failed.load(Ordering::Relaxed)
        );
    }
}

/// A counter family with one sample per key of `values`, labelled by `labels`.
fn counters<K>(
    out: &mut String,
    name: &str,
    help: &str,
    values: &Mutex<BTreeMap<K, u64>>,
    labels: impl Fn(&K) -> String,
) {
    header(out, name, "counter", help);
    if let Ok(m) = values.lock() {
        for (k, n) in m.iter() {
            let _ = writeln!(out, "{name}{{{}}} {n}", labels(k));
        }
    }
}

/// The `# HELP` and `# TYPE` lines of a metric family.
fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} {kind}");
}

/// Decrements the in-flight gauge when dropped.
#[derive(Debug)]
pub struct InFlight(std::sync::Arc<Metrics>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Escape a label value.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().take(MAX_LABEL_CHARS) {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_escaped_labels_and_histogram() {
        let m = Metrics::default();
        m.request("CREATE", "Po\"d\n", "deny", Duration::from_millis(3));
        m.finding("image-tag-latest", "error");
        let t = m.render();
        assert!(t.contains(r#"kind="Po\"d?",decision="deny"} 1"#), "{t}");
        assert!(
            t.contains("request_duration_seconds_bucket{le=\"0.005\"} 1"),
            "{t}"
        );
        assert!(
            t.contains("request_duration_seconds_bucket{le=\"0.001\"} 0"),
            "{t}"
        );
        assert!(t.contains("request_duration_seconds_count 1"), "{t}");
    }

    #[test]
    fn label_sets_are_bounded() {
        let m = Metrics::default();
        for i in 0..(MAX_SERIES + 50) {
            m.request("CREATE", &format!("K{i}"), "allow", Duration::ZERO);
        }
        let n = m.requests.lock().map(|m| m.len()).unwrap_or_default();
        assert_eq!(n, MAX_SERIES + 1);
    }

    #[test]
    fn label_values_are_bounded_when_stored() {
        let m = Metrics::default();
        let huge = "K".repeat(1024 * 1024);
        for i in 0..30 {
            m.request("CREATE", &format!("{i}{huge}"), "allow", Duration::ZERO);
            m.finding(&format!("{i}{huge}"), "error");
        }
        // Today's 30 MiB of kinds would be held in full; each value is cut to 64 characters.
        assert!(
            m.label_bytes() <= 60 * (3 * MAX_LABEL_CHARS),
            "{}",
            m.label_bytes()
        );
        assert!(m.render().lines().all(|l| l.len() < 400));
    }
}
