//! The admission request around an object.

use serde_json::{json, Value};

use crate::calendar::Window;
use crate::suppress;
use crate::tenancy::Resolved;

/// The admission request around an object (the linter checks every object as a CREATE).
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Request<'a> {
    /// CREATE, UPDATE, DELETE or CONNECT.
    pub operation: &'a str,
    /// The object before an UPDATE or DELETE.
    pub old_object: Option<&'a Value>,
    /// `{"username": …, "groups": […]}` of the requester.
    pub user: Value,
    /// The instant to evaluate at (default: the linter's).
    pub now: Option<jiff::Timestamp>,
    /// Who may suppress in-object (admission); None offline.
    pub governance: Option<suppress::Governance<'a>>,
    /// The object's tenant, environment and tier when the caller resolved them already, as
    /// [`crate::Linter::resolve`] would (admission resolves once per request); None: resolved here.
    pub resolved: Option<Resolved>,
    /// The freeze windows active for `resolved` at `now` when the caller computed them already;
    /// None: computed here.
    pub windows: Option<Vec<Window>>,
}

impl Default for Request<'_> {
    fn default() -> Self {
        Request {
            operation: "CREATE",
            old_object: None,
            user: json!({"username": "", "groups": []}),
            now: None,
            governance: None,
            resolved: None,
            windows: None,
        }
    }
}
