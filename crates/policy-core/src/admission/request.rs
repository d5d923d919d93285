//! The wire side of a review: the AdmissionReview v1 body as the API server sends it, checked
//! into an [`AdmissionRequest`] or rejected with an [`AdmissionError`] (the webhook's HTTP 400).
//!
//! The AdmissionReview types are plain serde structs (`kube::core::admission` would pull
//! `k8s-openapi`, minutes of build time for the handful of fields used here).

use serde::Deserialize;
use serde_json::Value;

use super::API_VERSION;

/// A malformed AdmissionReview (the webhook answers HTTP 400 with this reason).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdmissionError {
    /// Not JSON, or not the shape of an AdmissionReview.
    #[error("malformed AdmissionReview: {0}")]
    Malformed(String),
    /// `apiVersion` other than `admission.k8s.io/v1`.
    #[error("unsupported apiVersion `{0}`: only admission.k8s.io/v1 is served")]
    ApiVersion(String),
    /// `kind` other than `AdmissionReview`.
    #[error("unsupported kind `{0}`: expected AdmissionReview")]
    Kind(String),
    /// A required field is missing or empty.
    #[error("AdmissionReview is missing `{0}`")]
    Missing(&'static str),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReviewIn {
    #[serde(default)]
    api_version: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    request: Option<RequestIn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RequestIn {
    #[serde(default)]
    uid: String,
    #[serde(default)]
    kind: Option<Gvk>,
    #[serde(default)]
    sub_resource: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    namespace: Option<String>,
    #[serde(default)]
    operation: String,
    #[serde(default)]
    user_info: Value,
    #[serde(default)]
    object: Option<Value>,
    #[serde(default)]
    old_object: Option<Value>,
    #[serde(default)]
    dry_run: Option<bool>,
}

#[derive(Deserialize, Default)]
struct Gvk {
    #[serde(default)]
    kind: String,
}

/// A well-formed admission request, ready to decide.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AdmissionRequest {
    /// Request uid (echoed in every answer).
    pub uid: String,
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    pub operation: String,
    /// Kind of the object (`request.kind.kind`, else the object's `kind`).
    pub kind: String,
    /// Namespace (empty for cluster-scoped objects).
    pub namespace: String,
    /// Name (may be empty on CREATE with generateName).
    pub name: String,
    /// Subresource, empty for the main resource.
    pub sub_resource: String,
    /// Dry run: no side effects.
    pub dry_run: bool,
    /// The new object (CREATE, UPDATE).
    pub object: Option<Value>,
    /// The old object (UPDATE, DELETE).
    pub old_object: Option<Value>,
    /// `userInfo`.
    pub user: Value,
}

impl AdmissionRequest {
    /// `Kind/namespace/name` for logs.
    pub fn display_object(&self) -> String {
        if self.namespace.is_empty() {
            format!("{}/{}", self.kind, self.name)
        } else {
            format!("{}/{}/{}", self.kind, self.namespace, self.name)
        }
    }
}

/// Parse and check an AdmissionReview v1 body.
pub fn parse_request(body: &[u8]) -> Result<AdmissionRequest, AdmissionError> {
    let review: ReviewIn =
        serde_json::from_slice(body).map_err(|e| AdmissionError::Malformed(e.to_string()))?;
    match review.api_version.as_deref() {
        Some(API_VERSION) => {}
        Some(other) => return Err(AdmissionError::ApiVersion(other.to_string())),
        None => return Err(AdmissionError::Missing("apiVersion")),
    }
    match review.kind.as_deref() {
        Some("AdmissionReview") => {}
        Some(other) => return Err(AdmissionError::Kind(other.to_string())),
        None => return Err(AdmissionError::Missing("kind")),
    }
    let r = review.request.ok_or(AdmissionError::Missing("request"))?;
    if r.uid.is_empty() {
        return Err(AdmissionError::Missing("request.uid"));
    }
    let operation = r.operation;
    match operation.as_str() {
        "CREATE" | "UPDATE" => {
            if !r.object.as_ref().is_some_and(Value::is_object) {
                return Err(AdmissionError::Missing("request.object"));
            }
        }
        "DELETE" | "CONNECT" => {}
        "" => return Err(AdmissionError::Missing("request.operation")),
        other => {
            return Err(AdmissionError::Malformed(format!(
                "unknown operation `{other}` (expected CREATE, UPDATE, DELETE or CONNECT)"
            )))
        }
    }
    let gvk = r.kind.unwrap_or_default();
    let kind = if gvk.kind.is_empty() {
        r.object
            .as_ref()
            .and_then(|o| o["kind"].as_str())
            .unwrap_or_default()
            .to_string()
    } else {
        gvk.kind
    };
    let name = r
        .name
        .filter(|n| !n.is_empty())
        .or_else(|| {
            r.object
                .as_ref()
                .and_then(|o| o["metadata"]["name"].as_str().map(str::to_string))
        })
        .unwrap_or_default();
    Ok(AdmissionRequest {
        uid: r.uid,
        operation,
        kind,
        namespace: r.namespace.unwrap_or_default(),
        name,
        sub_resource: r.sub_resource.unwrap_or_default(),
        dry_run: r.dry_run.unwrap_or(false),
        object: r.object,
        old_object: r.old_object,
        user: r.user_info,
    })
}
