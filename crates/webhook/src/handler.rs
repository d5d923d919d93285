//! `POST /validate` and the small GET endpoints. Every failure goes through [`reject`].

use std::sync::atomic::Ordering;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use policy_core::admission::{self, AdmissionRequest, Outcome};

use crate::App;

/// Why a request is answered without an AdmissionReview.
enum Rejection {
    /// Body over the limit.
    TooLarge(usize),
    /// Body unreadable or malformed.
    BadRequest(String),
}

/// The one place errors become HTTP responses.
fn reject(app: &App, r: Rejection) -> Response {
    let (status, reason) = match r {
        Rejection::TooLarge(max) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("AdmissionReview larger than {max} bytes"),
        ),
        Rejection::BadRequest(reason) => (StatusCode::BAD_REQUEST, reason),
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

fn json(value: &serde_json::Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

pub(crate) async fn validate(
    State(app): State<App>,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let started = Instant::now();
    let _in_flight = app.metrics.in_flight_guard();
    let body = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return reject(&app, Rejection::TooLarge(app.limits.max_body_bytes))
        }
        Err(e) => return reject(&app, Rejection::BadRequest(e.body_text())),
    };
    let req = match admission::parse_request(&body) {
        Ok(r) => r,
        Err(e) => return reject(&app, Rejection::BadRequest(e.to_string())),
    };
    drop(body);
    let outcome = evaluate(&app, &req, started).await;
    record(&app, &req, &outcome, started);
    json(&outcome.response)
}

/// Evaluate within the deadline and the concurrency cap; the failure mode answers otherwise.
async fn evaluate(app: &App, req: &AdmissionRequest, started: Instant) -> Outcome {
    let deadline = started + app.limits.deadline;
    let timed_out = |what: &str| {
        app.metrics.timeout();
        let reason = format!("{what} after {} ms", app.limits.deadline.as_millis());
        tracing::warn!(uid = %req.uid, object = %req.display_object(), %reason,
            failure_mode = ?app.settings.failure_mode, "evaluation deadline exceeded; failure mode applied");
        admission::failure(&app.settings, &req.uid, &reason)
    };
    let permit = match tokio::time::timeout_at(deadline.into(), app.permits.clone().acquire_owned())
        .await
    {
        Ok(Ok(p)) => p,
        Ok(Err(_)) => return admission::failure(&app.settings, &req.uid, "webhook shutting down"),
        Err(_) => return timed_out("no evaluation slot free"),
    };
    let (linter, settings, inventory, r) = (
        app.linter.clone(),
        app.settings.clone(),
        app.inventory.get(),
        req.clone(),
    );
    // The permit moves into the blocking task: an evaluation that outlives its deadline still
    // holds its slot, so runaway evaluations cannot pile up beyond the cap.
    let task = tokio::task::spawn_blocking(move || {
        let out = admission::decide(&linter, &settings, &r, &inventory);
        drop(permit);
        out
    });
    match tokio::time::timeout_at(deadline.into(), task).await {
        Ok(Ok(outcome)) => {
            if !outcome.errors.is_empty() {
                tracing::warn!(uid = %req.uid, errors = ?outcome.errors,
                    failure_mode = ?app.settings.failure_mode, "policy evaluation failed; failure mode applied");
            }
            outcome
        }
        Ok(Err(e)) => {
            tracing::error!(uid = %req.uid, error = %e, "evaluation task failed");
            admission::failure(&app.settings, &req.uid, "evaluation failed")
        }
        Err(_) => timed_out("policy evaluation timed out"),
    }
}

/// The decision line, and metrics unless dry run.
fn record(app: &App, req: &AdmissionRequest, o: &Outcome, started: Instant) {
    let latency = started.elapsed();
    let mut rules: Vec<&str> = o.findings.iter().map(|f| f.rule.as_str()).collect();
    rules.dedup();
    // Every honoured suppression or exemption is on the record: rule:kind, then the reason.
    let suppressed: Vec<String> = o
        .suppressed
        .iter()
        .filter_map(|f| {
            let s = f.suppressed.as_ref()?;
            Some(format!("{}:{} ({})", f.rule, suppression_kind(s), s.reason))
        })
        .collect();
    // An emergency change let through a freeze window (change.plumbline.dev/emergency).
    let emergency = o.response["response"]["auditAnnotations"]["plumbline.dev/emergency-change"]
        .as_str()
        .unwrap_or_default();
    tracing::info!(
        uid = %req.uid,
        operation = %req.operation,
        object = %req.display_object(),
        dry_run = req.dry_run,
        environment = %o.environment,
        enforcement = o.enforcement.as_str(),
        decision = o.decision,
        allowed = o.allowed,
        rules = %rules.join(","),
        skipped = o.skipped.unwrap_or(""),
        suppressed = %suppressed.join("; "),
        emergency = emergency,
        latency_us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
        "admission decision"
    );
    app.metrics
        .request(&req.operation, &req.kind, o.decision, latency);
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
