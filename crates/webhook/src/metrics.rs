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
const MAX_SERIES: usize = 1000;

/// The webhook's counters.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, String), u64>>,
    findings: Mutex<BTreeMap<(String, String), u64>>,
    suppressions: Mutex<BTreeMap<(String, String), u64>>,
    rejected: Mutex<BTreeMap<u16, u64>>,
    buckets: [AtomicU64; BUCKETS.len()],
    latency_count: AtomicU64,
    latency_sum_micros: AtomicU64,
    timeouts: AtomicU64,
    in_flight: AtomicU64,
    cert_reloads_ok: AtomicU64,
    cert_reloads_failed: AtomicU64,
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
            (
                operation.to_string(),
                kind.to_string(),
                decision.to_string(),
            ),
            ("other".into(), "other".into(), decision.to_string()),
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
            (rule.to_string(), severity.to_string()),
            ("other".into(), severity.to_string()),
        );
    }

    /// An honoured suppression: `kind` is `annotation` (in the object) or `exemption` (config).
    pub fn suppression(&self, rule: &str, kind: &str) {
        bump(
            &self.suppressions,
            (rule.to_string(), kind.to_string()),
            ("other".into(), kind.to_string()),
        );
    }

    /// A request refused before evaluation (400, 413, …).
    pub fn rejected(&self, status: u16) {
        bump(&self.rejected, status, 0);
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

    /// Prometheus text exposition format 0.0.4.
    pub fn render(&self) -> String {
        let mut out = String::new();
        out.push_str("# HELP plumbline_webhook_requests_total AdmissionReviews answered, by operation, kind and decision.\n");
        out.push_str("# TYPE plumbline_webhook_requests_total counter\n");
        if let Ok(m) = self.requests.lock() {
            for ((op, kind, decision), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "plumbline_webhook_requests_total{{operation=\"{}\",kind=\"{}\",decision=\"{}\"}} {n}",
                    esc(op),
                    esc(kind),
                    esc(decision)
                );
            }
        }
        out.push_str("# HELP plumbline_webhook_findings_total Findings that counted in a decision, by rule and severity.\n");
        out.push_str("# TYPE plumbline_webhook_findings_total counter\n");
        if let Ok(m) = self.findings.lock() {
            for ((rule, sev), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "plumbline_webhook_findings_total{{rule=\"{}\",severity=\"{}\"}} {n}",
                    esc(rule),
                    esc(sev)
                );
            }
        }
        out.push_str("# HELP plumbline_webhook_suppressions_total Findings suppressed by an honoured annotation or config exemption, by rule and kind.\n");
        out.push_str("# TYPE plumbline_webhook_suppressions_total counter\n");
        if let Ok(m) = self.suppressions.lock() {
            for ((rule, kind), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "plumbline_webhook_suppressions_total{{rule=\"{}\",kind=\"{}\"}} {n}",
                    esc(rule),
                    esc(kind)
                );
            }
        }
        out.push_str("# HELP plumbline_webhook_rejected_requests_total Requests refused before evaluation, by HTTP status.\n");
        out.push_str("# TYPE plumbline_webhook_rejected_requests_total counter\n");
        if let Ok(m) = self.rejected.lock() {
            for (code, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "plumbline_webhook_rejected_requests_total{{code=\"{code}\"}} {n}"
                );
            }
        }
        out.push_str("# HELP plumbline_webhook_request_duration_seconds Time to answer an AdmissionReview.\n");
        out.push_str("# TYPE plumbline_webhook_request_duration_seconds histogram\n");
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
        out.push_str("# HELP plumbline_webhook_evaluation_timeouts_total Evaluations that exceeded the deadline (failure mode applied).\n");
        out.push_str("# TYPE plumbline_webhook_evaluation_timeouts_total counter\n");
        let _ = writeln!(
            out,
            "plumbline_webhook_evaluation_timeouts_total {}",
            self.timeouts()
        );
        out.push_str("# HELP plumbline_webhook_in_flight AdmissionReviews being answered.\n");
        out.push_str("# TYPE plumbline_webhook_in_flight gauge\n");
        let _ = writeln!(out, "plumbline_webhook_in_flight {}", self.in_flight());
        out.push_str("# HELP plumbline_webhook_certificate_reloads_total Certificate reload attempts, by result.\n");
        out.push_str("# TYPE plumbline_webhook_certificate_reloads_total counter\n");
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
        out
    }
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
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars().take(128) {
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
        assert!(t.contains(r#"kind="Po\"d\n",decision="deny"} 1"#), "{t}");
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
}
