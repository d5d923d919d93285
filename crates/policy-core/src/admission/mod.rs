//! AdmissionReview v1 in, AdmissionReview v1 out: the webhook's decision as a pure function.
//!
//! The webhook (`plumbline-webhook`) and the offline replay (`plumbline admit review.json`) both call
//! [`review`] (or [`parse_request`] then [`decide`]), so the replay prints exactly what the webhook
//! would answer. No I/O, no clock beyond the linter's, no logging: the caller decides what to
//! record, from the typed [`Outcome`].
//!
//! - [`request`](parse_request): the wire types, a body checked into an [`AdmissionRequest`];
//! - `scope`: the request's namespace resolved once (tenant, environment, tier, enforcement) and
//!   the resolution the engine evaluates under;
//! - [`decide`]: skips, the engine, emergencies during a freeze;
//! - `update`: which rules an UPDATE leaves out, as each rule's upstream (`update:` in
//!   `rule.yaml`, `rules.update` in the config);
//! - [`Outcome`] and [`Decision`]: what was decided, and how findings become a verdict;
//! - the response: typed, with its bounds ([`MAX_WARNINGS`], [`MAX_MESSAGE_CHARS`], [`audit_key`]).

mod decide;
mod outcome;
mod request;
mod response;
mod scope;
mod settings;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_update;
mod update;

use serde_json::Value;

pub use crate::admission_config::{
    AdmissionConfig, ClientAuthConfig, EmergencyConfig, Enforcement, FailureMode, Suppressors,
};
pub use decide::decide;
pub use outcome::{failure, Decision, Outcome};
pub use request::{parse_request, AdmissionError, AdmissionRequest};
pub use response::{
    audit_key, MAX_MESSAGE_CHARS, MAX_WARNINGS, MAX_WARNING_BYTES, MAX_WARNING_CHARS,
};
pub use settings::AdmissionSettings;

use crate::inventory::Inventory;
use crate::lint::Linter;

/// The only AdmissionReview version served.
pub const API_VERSION: &str = "admission.k8s.io/v1";
/// Key of the audit annotation recording an honoured emergency change.
pub const AUDIT_EMERGENCY: &str = "emergency-change";
/// Key of the audit annotation recording a refused emergency change.
pub const AUDIT_EMERGENCY_REFUSED: &str = "emergency-refused";
/// Key of the audit annotation recording a failed evaluation (fail-open).
pub const AUDIT_EVALUATION_ERROR: &str = "evaluation-error";

/// Decide an AdmissionReview body: the full AdmissionReview v1 response, or why the body is malformed.
pub fn review(
    linter: &Linter,
    settings: &AdmissionSettings,
    body: &[u8],
    namespaces: &Inventory,
) -> Result<Value, AdmissionError> {
    let req = parse_request(body)?;
    Ok(decide(linter, settings, &req, namespaces).response)
}
