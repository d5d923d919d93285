//! Where a request lands, resolved once: its namespace's tenant, environment and tier, the
//! enforcement that applies, and the resolution the engine evaluates the object under (reused
//! from the request's, never resolved a second time when its inputs are the same).

use serde_json::Value;

use super::outcome::Judged;
use super::{AdmissionRequest, AdmissionSettings};
use crate::admission_config::Enforcement;
use crate::inventory::Inventory;
use crate::lint::Linter;
use crate::object::Object;
use crate::tenancy::Resolved;

/// A request's namespace, resolved once.
#[derive(Debug, Clone)]
pub(crate) struct Scope<'r> {
    /// The namespace the request is about (a Namespace request: the one it names).
    pub(crate) namespace: &'r str,
    /// The namespace resolved as the inventory knows it: its labels when known, else name
    /// patterns, else the default environment (the one resolver, docs/tenancy.md).
    pub(crate) resolved: Resolved,
    /// A Namespace request: its stored labels and its new labels resolved, when it has them.
    labelled: [Option<Resolved>; 2],
    /// The environment whose enforcement applies.
    pub(crate) environment: String,
    /// That enforcement.
    pub(crate) enforcement: Enforcement,
}

/// Index in [`Scope::labelled`] of the stored object.
const OLD: usize = 0;
/// Index in [`Scope::labelled`] of the new object.
const NEW: usize = 1;

impl<'r> Scope<'r> {
    /// Resolve the request's namespace and choose its enforcement.
    pub(crate) fn of(
        linter: &Linter,
        settings: &AdmissionSettings,
        req: &'r AdmissionRequest,
        namespaces: &Inventory,
    ) -> Scope<'r> {
        // A Namespace request is about the namespace it names (its request.namespace may be empty).
        let namespace = if req.kind == "Namespace" && req.namespace.is_empty() {
            req.name.as_str()
        } else {
            req.namespace.as_str()
        };
        let labels = namespaces.namespaces.get(namespace).map(|n| &n.labels);
        let resolved = linter.resolver().resolve(namespace, labels, None);
        let mut scope = Scope {
            namespace,
            environment: resolved.environment.clone(),
            enforcement: settings.enforcement_of(&resolved.environment),
            resolved,
            labelled: [None, None],
        };
        // A Namespace's own labels choose its environment, so a change of them is judged by the
        // strictest of the stored labels, the new ones and the cache's: relabelling a namespace
        // into a lenient environment cannot lower the enforcement of that very change.
        if req.kind == "Namespace" {
            for (i, o) in [(OLD, &req.old_object), (NEW, &req.object)] {
                let Some(l) = o.as_ref().and_then(|o| o["metadata"]["labels"].as_object()) else {
                    continue;
                };
                let r = linter.resolver().resolve(namespace, Some(l), None);
                let e = settings.enforcement_of(&r.environment);
                if e.strictness() > scope.enforcement.strictness() {
                    scope.enforcement = e;
                    scope.environment = r.environment.clone();
                }
                scope.labelled[i] = Some(r);
            }
        }
        scope
    }

    /// The environment and enforcement the request is judged under.
    pub(crate) fn judged(&self) -> Judged {
        Judged {
            environment: self.environment.clone(),
            enforcement: self.enforcement,
        }
    }

    /// The resolution the engine evaluates `object` (the request's `subject`) under: exactly
    /// what [`Linter::resolve`] computes, taken from this scope when its inputs are the ones
    /// already resolved (the same namespace, the inventory's labels or the Namespace's own, no
    /// forced environment), resolved here only otherwise (an object naming another namespace
    /// than the request, `--environment`).
    pub(crate) fn for_object(
        &self,
        linter: &Linter,
        req: &AdmissionRequest,
        object: &Object,
        namespaces: &Inventory,
    ) -> Resolved {
        let reference = &object.reference;
        let object_namespace = if reference.kind == "Namespace" && reference.namespace.is_empty() {
            &reference.name
        } else {
            &reference.namespace
        };
        let own_labels = reference.kind == "Namespace"
            && object.value["metadata"]["labels"].as_object().is_some();
        let reused = if linter.forced_environment().is_some() || object_namespace != self.namespace
        {
            None
        } else if !own_labels {
            Some(&self.resolved)
        } else if req.kind == "Namespace" {
            let i = if req.operation == "DELETE" { OLD } else { NEW };
            self.labelled[i].as_ref()
        } else {
            None
        };
        let resolved = match reused {
            Some(r) => r.clone(),
            None => linter.resolve(object, namespaces),
        };
        debug_assert_eq!(resolved, linter.resolve(object, namespaces));
        resolved
    }
}

/// The requester as the engine sees it: never an empty username, so rules that judge the
/// requester (namespace-labels-protected) cannot mistake an admission request for an offline
/// lint, where the requester is empty.
pub(crate) fn engine_user(req: &AdmissionRequest) -> Value {
    let mut user = req.user.clone();
    if req.user["username"].as_str().unwrap_or_default().is_empty() {
        match user.as_object_mut() {
            Some(u) => {
                u.insert("username".into(), Value::String("(unknown)".into()));
            }
            None => user = serde_json::json!({"username": "(unknown)", "groups": []}),
        }
    }
    user
}
