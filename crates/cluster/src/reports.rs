//! OpenReports (`openreports.io/v1alpha1`) `Report` and `ClusterReport` objects from an audit:
//! one `Report` per namespace, one `ClusterReport` for cluster-scoped objects, each bounded in
//! size.
//!
//! Mapping (documented in docs/audit.md):
//! - a finding of severity `error` → result `fail`, severity `high`, scored;
//! - `warning` → `warn`, severity `medium`; `info` → `warn`, severity `info` (not scored);
//! - a suppressed finding (annotation or config exemption) → `skip`, its reason in
//!   `properties.suppressed`;
//! - a rule that could not be evaluated on an object → `error`;
//! - every rule that applies to an object and found nothing counts once in `summary.pass`
//!   (pass results are counted, not listed, so a report's size follows its problems, not the
//!   namespace's size).
//!
//! Results beyond `max_results` per report are dropped, worst first kept (fail, error, warn,
//! skip); the summary still counts every result and `configuration.limits.maxResults` says that
//! the list is bounded.

use std::collections::BTreeMap;

use policy_core::{Finding, Object, Report, RuleMeta, Severity};
use serde_json::{json, Map, Value};

use crate::kinds::NOT_AUDITED;

/// Name of the report Plumbline writes in each namespace (and of its ClusterReport).
pub const REPORT_NAME: &str = "plumbline-audit";

/// The `source` of every report and result.
pub const SOURCE: &str = "plumbline";

/// Longest message kept in a result (characters).
const MAX_MESSAGE: usize = 1024;

/// How reports are built.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReportOptions {
    /// Most results listed per report (the summary counts all).
    pub max_results: usize,
    /// When the audit ran: Unix seconds and nanoseconds.
    pub timestamp: (i64, i32),
}

impl ReportOptions {
    /// Options with `max_results` and the time of the audit.
    pub fn new(max_results: usize, timestamp: (i64, i32)) -> ReportOptions {
        ReportOptions {
            max_results,
            timestamp,
        }
    }
}

#[derive(Default)]
struct Summary {
    pass: usize,
    fail: usize,
    warn: usize,
    error: usize,
    skip: usize,
}

#[derive(Default)]
struct Scope {
    summary: Summary,
    /// (rank, result): rank orders what is kept when the list is cut.
    results: Vec<(u8, Value)>,
}

/// The reports for an audit of `objects` whose evaluation gave `report`, judged by `rules`
/// (the linter's active rules). Namespaced reports first, sorted by namespace, one for every
/// audited Namespace and every namespace with audited objects; the ClusterReport last, when
/// there are cluster-scoped objects.
pub fn build(
    report: &Report,
    objects: &[Object],
    rules: &[RuleMeta],
    options: &ReportOptions,
) -> Vec<Value> {
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_file.entry(f.file.as_str()).or_default().push(f);
    }
    let mut errors: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in &report.problems {
        errors.entry(p.file.as_str()).or_default().push(&p.message);
    }
    let audited: Vec<&RuleMeta> = rules
        .iter()
        .filter(|r| !NOT_AUDITED.iter().any(|(id, _)| *id == r.id))
        .collect();
    let mut scopes: BTreeMap<String, Scope> = BTreeMap::new();
    // Every audited Namespace gets its report, empty or not, so a rerun replaces the results of
    // objects that have since been fixed or deleted.
    for o in objects {
        if o.reference.kind == "Namespace" && o.reference.api_version == "v1" {
            scopes.entry(o.reference.name.clone()).or_default();
        }
    }
    for o in objects {
        let scope = scopes.entry(o.reference.namespace.clone()).or_default();
        let subject = subject(o);
        let findings = by_file.get(&*o.file).map(Vec::as_slice).unwrap_or(&[]);
        let applicable = audited
            .iter()
            .filter(|r| r.applies_to(&o.reference.kind))
            .count();
        let mut judged: Vec<&str> = findings.iter().map(|f| f.rule.as_str()).collect();
        judged.sort_unstable();
        judged.dedup();
        scope.summary.pass += applicable.saturating_sub(judged.len());
        for f in findings {
            let (rank, result) = result_of(f);
            match result {
                "fail" => scope.summary.fail += 1,
                "warn" => scope.summary.warn += 1,
                _ => scope.summary.skip += 1,
            }
            scope
                .results
                .push((rank, finding_result(f, result, &subject, options)));
        }
        for message in errors.get(&*o.file).map(Vec::as_slice).unwrap_or(&[]) {
            scope.summary.error += 1;
            scope.results.push((
                1,
                json!({
                    "source": SOURCE,
                    "policy": "evaluation-error",
                    "result": "error",
                    "message": clip(message),
                    "timestamp": timestamp(options),
                    "resources": [subject.clone()],
                }),
            ));
        }
    }
    let mut out = Vec::new();
    let cluster = scopes.remove("");
    for (ns, scope) in scopes {
        out.push(render("Report", Some(&ns), scope, options));
    }
    if let Some(scope) = cluster {
        out.push(render("ClusterReport", None, scope, options));
    }
    out
}

/// (rank, result) of a finding: lower rank is kept first when a report is cut.
fn result_of(f: &Finding) -> (u8, &'static str) {
    if f.suppressed.is_some() {
        return (3, "skip");
    }
    match f.severity {
        Severity::Error => (0, "fail"),
        _ => (2, "warn"),
    }
}

fn finding_result(f: &Finding, result: &str, subject: &Value, options: &ReportOptions) -> Value {
    let severity = match f.severity {
        Severity::Error => "high",
        Severity::Warning => "medium",
        _ => "info",
    };
    let mut properties = Map::new();
    properties.insert("path".into(), json!(f.path));
    properties.insert("fingerprint".into(), json!(f.fingerprint()));
    if let Some(s) = &f.suppressed {
        properties.insert("suppressed".into(), json!(clip(&s.reason)));
    }
    json!({
        "source": SOURCE,
        "policy": f.rule,
        "rule": f.rule,
        "category": f.domain.to_string(),
        "severity": severity,
        "result": result,
        "scored": result == "fail",
        "message": clip(&f.message),
        "timestamp": timestamp(options),
        "resources": [subject],
        "properties": properties,
    })
}

/// The `ObjectReference` of a live object.
fn subject(o: &Object) -> Value {
    let meta = &o.value["metadata"];
    let mut r = Map::new();
    r.insert("apiVersion".into(), json!(o.reference.api_version));
    r.insert("kind".into(), json!(o.reference.kind));
    if !o.reference.namespace.is_empty() {
        r.insert("namespace".into(), json!(o.reference.namespace));
    }
    r.insert("name".into(), json!(o.reference.name));
    for (from, to) in [("uid", "uid"), ("resourceVersion", "resourceVersion")] {
        if let Some(s) = meta[from].as_str() {
            r.insert(to.into(), json!(s));
        }
    }
    Value::Object(r)
}

fn render(kind: &str, namespace: Option<&str>, mut scope: Scope, options: &ReportOptions) -> Value {
    // Stable order: worst first, then as evaluated (objects in list order, findings sorted).
    scope.results.sort_by_key(|(rank, _)| *rank);
    scope.results.truncate(options.max_results);
    let mut metadata = json!({
        "name": REPORT_NAME,
        "labels": {"app.kubernetes.io/managed-by": SOURCE},
    });
    if let Some(ns) = namespace {
        metadata["namespace"] = json!(ns);
    }
    let s = &scope.summary;
    json!({
        "apiVersion": "openreports.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "source": SOURCE,
        "configuration": {"limits": {"maxResults": options.max_results}},
        "summary": {"pass": s.pass, "fail": s.fail, "warn": s.warn, "error": s.error, "skip": s.skip},
        "results": scope.results.into_iter().map(|(_, v)| v).collect::<Vec<_>>(),
    })
}

fn timestamp(options: &ReportOptions) -> Value {
    json!({"seconds": options.timestamp.0, "nanos": options.timestamp.1})
}

fn clip(s: &str) -> String {
    match s.char_indices().nth(MAX_MESSAGE) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::list::to_object;

    fn objects() -> Vec<Object> {
        let deploy = json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "odoo", "namespace": "shop", "uid": "u-1", "resourceVersion": "42"},
            "spec": {"selector": {"matchLabels": {"app": "odoo"}}, "template": {
                "metadata": {"labels": {"app": "odoo"}},
                "spec": {"containers": [{"name": "odoo", "image": "odoo:latest"}]}}}
        });
        let ns = json!({"apiVersion": "v1", "kind": "Namespace",
                        "metadata": {"name": "shop", "uid": "u-0", "resourceVersion": "7"}});
        vec![to_object(ns), to_object(deploy)]
    }

    fn audit() -> (Vec<Object>, Report, Vec<RuleMeta>) {
        let linter = policy_core::default_linter().expect("default linter");
        let objects = objects();
        let report = crate::evaluate(&linter, &objects);
        (objects, report, linter.active_rules().to_vec())
    }

    #[test]
    fn one_report_per_namespace_and_a_cluster_report() {
        let (objects, report, rules) = audit();
        let out = build(
            &report,
            &objects,
            &rules,
            &ReportOptions::new(100, (1_700_000_000, 5)),
        );
        assert_eq!(out.len(), 2, "{out:#?}");
        // With the Deployment gone, the namespace still gets its (now clean) report.
        let without: Vec<Object> = objects
            .iter()
            .filter(|o| o.reference.kind == "Namespace")
            .cloned()
            .collect();
        let report2 = crate::evaluate(&policy_core::default_linter().expect("linter"), &without);
        let out2 = build(&report2, &without, &rules, &ReportOptions::new(100, (0, 0)));
        assert_eq!(out2[0]["kind"], "Report");
        assert_eq!(out2[0]["metadata"]["namespace"], "shop");
        assert_eq!(out2[0]["results"], json!([]));
        assert_eq!(out2[0]["summary"]["fail"], 0);
        assert_eq!(out[0]["kind"], "Report");
        assert_eq!(out[0]["metadata"]["namespace"], "shop");
        assert_eq!(out[0]["metadata"]["name"], REPORT_NAME);
        assert_eq!(out[1]["kind"], "ClusterReport");
        assert!(out[1]["metadata"].get("namespace").is_none());
        let results = out[0]["results"].as_array().expect("results");
        let latest = results
            .iter()
            .find(|r| r["policy"] == "image-tag-latest")
            .expect("image-tag-latest result");
        assert_eq!(latest["result"], "fail");
        assert_eq!(latest["severity"], "high");
        assert_eq!(latest["category"], "pinned-tags");
        assert_eq!(
            latest["properties"]["path"],
            "/spec/template/spec/containers/0/image"
        );
        assert_eq!(
            latest["timestamp"],
            json!({"seconds": 1_700_000_000, "nanos": 5})
        );
        let subject = &latest["resources"][0];
        assert_eq!(subject["uid"], "u-1");
        assert_eq!(subject["resourceVersion"], "42");
        assert_eq!(subject["namespace"], "shop");
        // Every result is counted once in the summary; applicable rules without a finding pass.
        let s = &out[0]["summary"];
        let counted = ["fail", "warn", "error", "skip"]
            .iter()
            .map(|k| s[*k].as_u64().unwrap_or(0))
            .sum::<u64>();
        assert_eq!(counted as usize, results.len());
        assert!(s["pass"].as_u64().unwrap_or(0) > 0, "{s}");
    }

    #[test]
    fn findings_name_the_live_object_by_uid_and_resource_version() {
        let (_, report, _) = audit();
        let f = report
            .findings
            .iter()
            .find(|f| f.rule == "image-tag-latest")
            .expect("image-tag-latest finding");
        let v = serde_json::to_value(f).expect("finding as JSON");
        assert_eq!(v["object"]["uid"], "u-1");
        assert_eq!(v["object"]["resourceVersion"], "42");
        assert_eq!(v["file"], "cluster:deployment.apps/shop/odoo");
        // A manifest without them writes neither key.
        let plain = policy_core::ObjectRef::of(&json!({"apiVersion": "v1", "kind": "Pod",
                                                        "metadata": {"name": "p"}}));
        let pv = serde_json::to_value(&plain).expect("ref as JSON");
        assert!(
            pv.get("uid").is_none() && pv.get("resourceVersion").is_none(),
            "{pv}"
        );
    }

    #[test]
    fn a_report_is_cut_at_max_results_worst_first_and_still_counts_all() {
        let (objects, report, rules) = audit();
        let full = build(&report, &objects, &rules, &ReportOptions::new(1000, (0, 0)));
        let total = full[0]["results"].as_array().map_or(0, Vec::len);
        assert!(total >= 2, "need at least two results: {full:#?}");
        let cut = build(&report, &objects, &rules, &ReportOptions::new(1, (0, 0)));
        let results = cut[0]["results"].as_array().expect("results");
        assert_eq!(results.len(), 1);
        assert_eq!(results[0]["result"], "fail");
        assert_eq!(cut[0]["summary"], full[0]["summary"]);
        assert_eq!(cut[0]["configuration"]["limits"]["maxResults"], 1);
    }

    #[test]
    fn long_messages_are_clipped() {
        let long = "x".repeat(5000);
        let c = clip(&long);
        assert_eq!(c.chars().count(), MAX_MESSAGE + 1);
        assert_eq!(clip("short"), "short");
    }
}
