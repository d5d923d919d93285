//! `POST /validate` and the small GET endpoints. Every failure goes through [`reject`].
//!
//! A review goes: Content-Length checked (413 before any byte of the body is read) → a share of
//! its lane's body budget → the body, within the body timeout → its shape counted without parsing
//! ([`Shape`]) → over the cost limit: the failure mode; else a slot of its lane (small or large)
//! → parsed and decided on the blocking pool within the deadline.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use policy_core::admission::{self, AdmissionError, AdmissionRequest, Outcome};
use serde::Deserialize;

use crate::budget::{Lane, Shape};
use crate::App;

/// Characters kept of a request value in a log line or a response reason.
pub(crate) const MAX_FIELD_CHARS: usize = 128;
/// Bytes of an oversized body read and discarded after its 413, so that the client, still
/// sending, receives the answer instead of a connection reset.
const MAX_DRAIN_BYTES: u64 = 32 * 1024 * 1024;

/// Why a request is answered without an AdmissionReview.
enum Rejection {
    /// Body over the limit.
    TooLarge(usize),
    /// Body unreadable or malformed.
    BadRequest(String),
    /// The body did not arrive within the body timeout.
    Timeout,
    /// No body budget within the deadline (before the uid is known, so no AdmissionReview).
    Busy,
}

/// The one place errors become HTTP responses. `reason` texts never carry request values.
fn reject(app: &App, r: Rejection) -> Response {
    let (status, reason) = match r {
        Rejection::TooLarge(max) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("AdmissionReview larger than {max} bytes"),
        ),
        Rejection::BadRequest(reason) => (StatusCode::BAD_REQUEST, reason),
        Rejection::Timeout => (
            StatusCode::REQUEST_TIMEOUT,
            "request body not received in time".to_string(),
        ),
        Rejection::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            "webhook busy: no capacity for a review of this size in time".to_string(),
        ),
    };
    app.metrics.rejected(status.as_u16());
    tracing::warn!(status = status.as_u16(), %reason, "request rejected");
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{reason}\n"),
    )
        .into_response()
}

/// `s` for a log line or a reason: at most `max` characters, control characters as `?`, `…`
/// when cut.
pub(crate) fn bounded(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

/// `text` with every quoted or backticked span (serde and policy-core quote the offending
/// value so) replaced by `…`, bounded: a reason says what is wrong, never echoes the value.
fn redact(text: &str) -> String {
    let mut out = String::new();
    let mut close: Option<char> = None;
    for c in text.chars() {
        match close {
            Some(end) if c == end => close = None,
            Some(_) => {}
            None if c == '"' || c == '`' || c == '\'' => {
                out.push('…');
                close = Some(c);
            }
            None => out.push(c),
        }
    }
    bounded(&out, 2 * MAX_FIELD_CHARS)
}

/// The 400 reason of a malformed review, without the request's values.
fn reason_of(e: &AdmissionError) -> String {
    match e {
        AdmissionError::ApiVersion(_) => {
            "unsupported apiVersion: only admission.k8s.io/v1 is served".into()
        }
        AdmissionError::Kind(_) => "unsupported kind: expected AdmissionReview".into(),
        AdmissionError::Missing(field) => format!("AdmissionReview is missing `{field}`"),
        AdmissionError::Malformed(m) => format!("malformed AdmissionReview: {}", redact(m)),
        _ => "malformed AdmissionReview".into(),
    }
}

fn json(value: &serde_json::Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

/// Only the uid, to answer a review that will not be parsed in full (serde skips the rest
/// without allocating).
#[derive(Deserialize)]
struct UidOnly {
    #[serde(default)]
    request: Option<UidRequest>,
}

#[derive(Deserialize)]
struct UidRequest {
    #[serde(default)]
    uid: String,
}

fn uid_of(body: &[u8]) -> Option<String> {
    let r: UidOnly = serde_json::from_slice(body).ok()?;
    r.request.map(|r| r.uid).filter(|u| !u.is_empty())
}

/// The 400 of a review without a uid: the parser's reason.
fn malformed(app: &App, body: &[u8]) -> Response {
    match admission::parse_request(body) {
        Err(e) => reject(app, Rejection::BadRequest(reason_of(&e))),
        Ok(_) => reject(
            app,
            Rejection::BadRequest("malformed AdmissionReview".into()),
        ),
    }
}

/// Read and discard what is left of an oversized body (bounded in bytes and time), so the client
/// gets to read its 413 instead of a reset.
fn drain(body: Body, timeout: Duration) {
    tokio::spawn(async move {
        use http_body_util::BodyExt as _;
        let mut body = body;
        let mut seen: u64 = 0;
        let _ = tokio::time::timeout(timeout, async {
            while let Some(Ok(frame)) = body.frame().await {
                seen += frame.data_ref().map_or(0, |d| d.len() as u64);
                if seen > MAX_DRAIN_BYTES {
                    break;
                }
            }
        })
        .await;
    });
}

pub(crate) async fn validate(State(app): State<App>, headers: HeaderMap, body: Body) -> Response {
    let started = Instant::now();
    let deadline = started + app.limits.deadline;
    let _in_flight = app.metrics.in_flight_guard();
    let (body, body_permit, mut lane) = match receive(&app, &headers, body, deadline).await {
        Ok(received) => received,
        Err(response) => return response,
    };
    let shape = Shape::of(&body);
    let cost = shape.cost();
    if cost > app.limits.large_cost_bytes {
        lane = Lane::Large;
    }
    // The failure modes below answer with the review's uid, read without parsing the object
    // (`uid_of`) only on those paths: a review that gets its slot is parsed once, in full.
    if cost > app.limits.max_review_cost_bytes {
        return over_budget(&app, &body, &shape, started);
    }
    let permit = match slot(&app, &body, lane, deadline, started).await {
        Ok(p) => p,
        Err(response) => return response,
    };
    // Parsed only now: reviews waiting for a slot hold their raw body, not its parsed copies.
    let req = match admission::parse_request(&body) {
        Ok(r) => Arc::new(r),
        Err(e) => return reject(&app, Rejection::BadRequest(reason_of(&e))),
    };
    drop(body);
    drop(body_permit);
    let outcome = evaluate(&app, &req, deadline, lane, permit).await;
    record(&app, &req, &outcome, started);
    json(&outcome.response)
}

/// The body, read within its budget and timeout, with its share of the lane's body budget and
/// the lane its declared size puts it in; the rejection otherwise.
async fn receive(
    app: &App,
    headers: &HeaderMap,
    body: Body,
    deadline: Instant,
) -> Result<(axum::body::Bytes, tokio::sync::OwnedSemaphorePermit, Lane), Response> {
    let max = app.limits.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|n| n > max as u64) {
        // Answered before reading; the rest is read and dropped so the answer reaches the client.
        drain(body, app.limits.body_timeout);
        let mut r = reject(app, Rejection::TooLarge(max));
        r.headers_mut().insert(
            header::CONNECTION,
            header::HeaderValue::from_static("close"),
        );
        return Err(r);
    }
    // No Content-Length (chunked): as large as allowed until read.
    let expected = declared.map_or(max, |n| usize::try_from(n).unwrap_or(max));
    let lane = if declared.is_none() || expected > app.limits.large_body_bytes {
        Lane::Large
    } else {
        Lane::Small
    };
    let budget = match lane {
        Lane::Small => &app.small,
        Lane::Large => &app.large,
    };
    let Ok(Some(body_permit)) =
        tokio::time::timeout_at(deadline.into(), budget.reserve_body(expected)).await
    else {
        return Err(reject(app, Rejection::Busy));
    };
    match tokio::time::timeout(app.limits.body_timeout, axum::body::to_bytes(body, max)).await {
        Ok(Ok(b)) => Ok((b, body_permit, lane)),
        Ok(Err(e)) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                reject(app, Rejection::TooLarge(max))
            } else {
                reject(app, Rejection::BadRequest("request body unreadable".into()))
            })
        }
        Err(_) => Err(reject(app, Rejection::Timeout)),
    }
}

/// The answer to a review whose estimated cost is over the limit: the failure mode, with its uid.
fn over_budget(app: &App, body: &[u8], shape: &Shape, started: Instant) -> Response {
    let Some(uid) = uid_of(body) else {
        return malformed(app, body);
    };
    app.metrics.over_budget();
    let reason = format!(
        "review too large to evaluate: estimated {} MiB (body {} KiB, {} values, {} lines) over the {} MiB limit",
        shape.cost() >> 20,
        shape.bytes >> 10,
        shape.nodes,
        shape.lines,
        app.limits.max_review_cost_bytes >> 20
    );
    tracing::warn!(uid = %bounded(&uid, MAX_FIELD_CHARS), %reason,
        failure_mode = ?app.settings.failure_mode, "review over budget; failure mode applied");
    let outcome = admission::failure(&app.settings, &uid, &reason);
    app.metrics.request(
        "unknown",
        "unknown",
        outcome.decision.as_str(),
        started.elapsed(),
    );
    json(&outcome.response)
}

/// A slot of the lane within the deadline; the failure mode's answer (with the uid) otherwise.
async fn slot(
    app: &App,
    body: &[u8],
    lane: Lane,
    deadline: Instant,
    started: Instant,
) -> Result<tokio::sync::OwnedSemaphorePermit, Response> {
    let slots = match lane {
        Lane::Small => &app.small.slots,
        Lane::Large => &app.large.slots,
    };
    match tokio::time::timeout_at(deadline.into(), slots.clone().acquire_owned()).await {
        Ok(Ok(p)) => Ok(p),
        Ok(Err(_)) => {
            let Some(uid) = uid_of(body) else {
                return Err(malformed(app, body));
            };
            Err(json(
                &admission::failure(&app.settings, &uid, "webhook shutting down").response,
            ))
        }
        Err(_) => {
            let Some(uid) = uid_of(body) else {
                return Err(malformed(app, body));
            };
            let o = timed_out(app, &uid, "", lane, "no evaluation slot free");
            app.metrics
                .request("unknown", "unknown", o.decision.as_str(), started.elapsed());
            Err(json(&o.response))
        }
    }
}

fn timed_out(app: &App, uid: &str, object: &str, lane: Lane, what: &str) -> Outcome {
    app.metrics.timeout();
    let reason = format!("{what} after {} ms", app.limits.deadline.as_millis());
    tracing::warn!(uid = %bounded(uid, MAX_FIELD_CHARS), object = %object, lane = lane.as_str(), %reason,
        failure_mode = ?app.settings.failure_mode, "evaluation deadline exceeded; failure mode applied");
    admission::failure(&app.settings, uid, &reason)
}

/// Evaluate within the deadline, holding the lane's slot; the failure mode answers otherwise.
///
/// The request is shared with the blocking task, not copied: a deep copy of the object and its
/// drop were a third of the no-rules floor's decoding cost. With no rule active there is nothing
/// to evaluate (the decision is the scope's: tenancy, enforcement, skips), so it is decided here
/// without the round trip through the blocking pool, which cost two thread wake-ups per review.
async fn evaluate(
    app: &App,
    req: &Arc<AdmissionRequest>,
    deadline: Instant,
    lane: Lane,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Outcome {
    if app.linter.active_rules().is_empty() {
        let outcome = admission::decide(&app.linter, &app.settings, req, &app.inventory.get());
        drop(permit);
        return outcome;
    }
    let (linter, settings, inventory, r) = (
        app.linter.clone(),
        app.settings.clone(),
        app.inventory.get(),
        Arc::clone(req),
    );
    // The permit moves into the blocking task: an evaluation that outlives its deadline still
    // holds its slot until the engine's own time limit stops it, so runaway evaluations cannot
    // pile up beyond the lane's cap.
    let task = tokio::task::spawn_blocking(move || {
        let out = admission::decide(&linter, &settings, &r, &inventory);
        drop(permit);
        out
    });
    match tokio::time::timeout_at(deadline.into(), task).await {
        Ok(Ok(outcome)) => {
            if !outcome.errors.is_empty() {
                let errors: Vec<String> = outcome
                    .errors
                    .iter()
                    .take(5)
                    .map(|e| bounded(e, 2 * MAX_FIELD_CHARS))
                    .collect();
                tracing::warn!(uid = %bounded(&req.uid, MAX_FIELD_CHARS), errors = ?errors,
                    failure_mode = ?app.settings.failure_mode, "policy evaluation failed; failure mode applied");
            }
            outcome
        }
        Ok(Err(e)) => {
            tracing::error!(uid = %bounded(&req.uid, MAX_FIELD_CHARS), error = %e, "evaluation task failed");
            admission::failure(&app.settings, &req.uid, "evaluation failed")
        }
        Err(_) => timed_out(
            app,
            &req.uid,
            &object_of(req),
            lane,
            "policy evaluation timed out",
        ),
    }
}

/// `Kind/namespace/name`, each part bounded (a Kubernetes kind is at most 63 characters, a
/// namespace 63, a name 253).
pub(crate) fn object_of(req: &AdmissionRequest) -> String {
    let (kind, ns, name) = (
        bounded(&req.kind, 63),
        bounded(&req.namespace, 63),
        bounded(&req.name, 253),
    );
    if ns.is_empty() {
        format!("{kind}/{name}")
    } else {
        format!("{kind}/{ns}/{name}")
    }
}

/// The decision line, and metrics unless dry run.
fn record(app: &App, req: &AdmissionRequest, o: &Outcome, started: Instant) {
    let latency = started.elapsed();
    let mut rules: Vec<&str> = o.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.dedup();
    let rules = bounded(&rules.join(","), 1024);
    // Every honoured suppression or exemption is on the record: rule:kind, then the reason (the
    // reason is the requester's text: bounded).
    let suppressed: Vec<String> = o
        .suppressed
        .iter()
        .filter_map(|f| {
            let s = f.suppressed.as_ref()?;
            Some(format!(
                "{}:{} ({})",
                bounded(&f.rule, MAX_FIELD_CHARS),
                suppression_kind(s),
                bounded(&s.reason, MAX_FIELD_CHARS)
            ))
        })
        .take(20)
        .collect();
    // An emergency change let through a freeze window (change.plumbline.dev/emergency).
    let emergency = o.emergency.as_deref().unwrap_or_default();
    tracing::info!(
        uid = %bounded(&req.uid, MAX_FIELD_CHARS),
        operation = %bounded(&req.operation, 16),
        object = %object_of(req),
        dry_run = req.dry_run,
        environment = %bounded(&o.environment, MAX_FIELD_CHARS),
        enforcement = o.enforcement.as_str(),
        decision = o.decision.as_str(),
        allowed = o.allowed,
        rules = %rules,
        skipped = o.skipped.unwrap_or(""),
        suppressed = %bounded(&suppressed.join("; "), 2048),
        emergency = %bounded(emergency, 2 * MAX_FIELD_CHARS),
        latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        "admission decision"
    );
    app.metrics
        .request(&req.operation, &req.kind, o.decision.as_str(), latency);
    app.metrics.rule_errors(&o.errors);
    // Dry-run requests change nothing in the cluster; they do not count as policy findings.
    if !req.dry_run {
        for f in &o.findings {
            app.metrics.finding(&f.rule, f.severity.as_str());
        }
        for f in &o.suppressed {
            if let Some(s) = &f.suppressed {
                app.metrics.suppression(&f.rule, suppression_kind(s));
            }
        }
    }
}

fn suppression_kind(s: &policy_core::Suppression) -> &'static str {
    match s.kind {
        policy_core::SuppressionKind::Annotation => "annotation",
        policy_core::SuppressionKind::Exemption => "exemption",
    }
}

pub(crate) async fn readyz(State(app): State<App>) -> Response {
    if app.ready.load(Ordering::SeqCst) {
        (StatusCode::OK, "ready").into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
    }
}

pub(crate) async fn metrics(State(app): State<App>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.metrics.render(),
    )
        .into_response()
}
