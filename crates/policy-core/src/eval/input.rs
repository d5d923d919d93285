//! The policy input: what every rule reads as `input`, typed, and its one conversion to the
//! engine's value.
//!
//! The conversion builds regorus values directly: the object, oldObject and inventory by
//! reference, the small fields without a JSON intermediate (that intermediate and its conversion
//! were a fifth of the fixed cost per object). The JSON view (`Linter::build_input`) is this
//! value converted back, for inspection.

use std::borrow::Cow;
use std::collections::BTreeMap;

use regorus::value::Object;
use serde_json::{json, Map, Value};

use crate::calendar::{rfc3339, Window};
use crate::inventory::Inventory;
use crate::suppress::Annotation;
use crate::tenancy::{Source, Tier};

/// `input`: one object within one request, as the rules see it.
#[derive(Debug)]
pub(crate) struct PolicyInput<'a> {
    /// `input.operation`: CREATE, UPDATE, DELETE or CONNECT (the linter's: CREATE).
    pub(crate) operation: &'a str,
    /// `input.namespace`: the object's namespace (a Namespace's own name for a Namespace).
    pub(crate) namespace: NamespaceInput<'a>,
    /// `input.tenant`: the tenant, empty when unknown or a platform namespace.
    pub(crate) tenant: &'a str,
    /// `input.environment`: `{name, tier, source}`.
    pub(crate) environment: EnvironmentInput<'a>,
    /// `input.podSecurity.level`: privileged, baseline or restricted (the Namespace's
    /// `pod-security.kubernetes.io/enforce` label, else `params.podSecurity.level`, else by tier).
    pub(crate) pod_security_level: &'a str,
    /// `input.podSecurity.version`: `latest` or `v1.N` (the Namespace's
    /// `pod-security.kubernetes.io/enforce-version` label, else `params.podSecurity.version`,
    /// else latest).
    pub(crate) pod_security_version: &'a str,
    /// `input.images`: image reference → `{reference, name, error, digest, signature}`.
    pub(crate) images: Value,
    /// `input.suppressions`: rule id → the object's suppression annotation, judged
    /// (`{reason, expires?, problem?, carried?}`).
    pub(crate) suppressions: &'a BTreeMap<String, Annotation>,
    /// `input.change`: `{frozen, windows, ticketRequired, ticketPattern}`.
    pub(crate) change: ChangeInput<'a>,
    /// `input.now`: the instant evaluated at, RFC 3339 in UTC.
    pub(crate) now: jiff::Timestamp,
    /// `input.user`: `{"username": …, "groups": […]}` of the requester.
    pub(crate) user: &'a Value,
    /// `input.object`: the object as read.
    pub(crate) object: &'a Value,
    /// `input.oldObject`: the object before an UPDATE or DELETE, else null.
    pub(crate) old_object: Option<&'a Value>,
    /// `input.inventory`: namespaces, hosts, PodDisruptionBudgets, Middlewares, `known`
    /// (see docs/tenancy.md).
    pub(crate) inventory: &'a Inventory,
    /// `input.customResource`, present only when `object` is a view of a custom resource of
    /// the workloads table (`crate::workloads`): `{group, kind, source, path}`.
    pub(crate) custom_resource: Option<&'a Value>,
}

/// `input.namespace`.
#[derive(Debug)]
pub(crate) struct NamespaceInput<'a> {
    /// `name`.
    pub(crate) name: &'a str,
    /// `labels` (`{}` when the Namespace is not known).
    pub(crate) labels: Option<&'a Map<String, Value>>,
    /// `annotations` (`{}` when the Namespace is not known).
    pub(crate) annotations: Option<&'a Map<String, Value>>,
    /// `known`: whether the Namespace is in the inventory.
    pub(crate) known: bool,
}

/// `input.environment`.
#[derive(Debug)]
pub(crate) struct EnvironmentInput<'a> {
    /// `name`: the canonical environment name.
    pub(crate) name: &'a str,
    /// `tier`: dedicated, multi-tenant or sandbox.
    pub(crate) tier: Tier,
    /// `source`: where the environment came from (label, pattern, forced, default).
    pub(crate) source: Source,
}

/// `input.change`.
#[derive(Debug)]
pub(crate) struct ChangeInput<'a> {
    /// `windows`: the freeze windows active now (`{calendar, name, start, end}`); `frozen` is
    /// whether there is any.
    pub(crate) windows: Cow<'a, [Window]>,
    /// `ticketRequired`: whether the tier requires a change ticket.
    pub(crate) ticket_required: bool,
    /// `ticketPattern`: what a change ticket must match.
    pub(crate) ticket_pattern: &'a str,
}

/// An engine object of fixed keys.
fn obj<const N: usize>(mut fields: [(&str, regorus::Value); N]) -> regorus::Value {
    fields.sort_unstable_by(|a, b| a.0.cmp(b.0));
    regorus::Value::from(Object::from_sorted_entries(
        fields
            .into_iter()
            .map(|(k, v)| (regorus::Value::from(k), v))
            .collect(),
    ))
}

/// An engine object of a JSON map's entries, by reference. A JSON map iterates its keys in
/// order, which is the engine's order of string keys, so the entries are stored as they come.
fn map(m: &Map<String, Value>) -> regorus::Value {
    regorus::Value::from(Object::from_sorted_entries(
        m.iter()
            .map(|(k, v)| (regorus::Value::from(k.as_str()), to_rego(v)))
            .collect(),
    ))
}

fn s(x: &str) -> regorus::Value {
    regorus::Value::from(x)
}

impl PolicyInput<'_> {
    /// The input in the engine's value type: the one conversion.
    pub(crate) fn to_value(&self) -> regorus::Value {
        let suppressions = if self.suppressions.is_empty() {
            regorus::Value::new_object()
        } else {
            to_rego(&json!(self.suppressions))
        };
        let mut value = obj([
            ("operation", s(self.operation)),
            ("namespace", self.namespace.to_value()),
            ("tenant", s(self.tenant)),
            ("environment", self.environment.to_value()),
            (
                "podSecurity",
                obj([
                    ("level", s(self.pod_security_level)),
                    ("version", s(self.pod_security_version)),
                ]),
            ),
            ("images", to_rego(&self.images)),
            ("suppressions", suppressions),
            ("change", self.change.to_value()),
            ("now", s(&self.now.to_string())),
            ("user", to_rego(self.user)),
            ("object", to_rego(self.object)),
            (
                "oldObject",
                self.old_object.map_or(regorus::Value::Null, to_rego),
            ),
            ("inventory", self.inventory.rego_value()),
        ]);
        if let Some(cr) = self.custom_resource {
            if let Ok(m) = value.as_object_mut() {
                m.insert(s("customResource"), to_rego(cr));
            }
        }
        value
    }
}

impl NamespaceInput<'_> {
    fn to_value(&self) -> regorus::Value {
        let or_empty =
            |m: Option<&Map<String, Value>>| m.map_or_else(regorus::Value::new_object, map);
        obj([
            ("name", s(self.name)),
            ("labels", or_empty(self.labels)),
            ("annotations", or_empty(self.annotations)),
            ("known", regorus::Value::from(self.known)),
        ])
    }
}

impl EnvironmentInput<'_> {
    fn to_value(&self) -> regorus::Value {
        obj([
            ("name", s(self.name)),
            ("tier", to_rego(&json!(self.tier))),
            ("source", to_rego(&json!(self.source))),
        ])
    }
}

impl ChangeInput<'_> {
    fn to_value(&self) -> regorus::Value {
        let windows: Vec<regorus::Value> = self
            .windows
            .iter()
            .map(|w| {
                obj([
                    ("calendar", s(&w.calendar)),
                    ("name", s(&w.name)),
                    ("start", s(&rfc3339(&w.start))),
                    ("end", s(&rfc3339(&w.end))),
                ])
            })
            .collect();
        obj([
            ("frozen", regorus::Value::from(!windows.is_empty())),
            ("windows", regorus::Value::from(windows)),
            ("ticketRequired", regorus::Value::from(self.ticket_required)),
            ("ticketPattern", s(self.ticket_pattern)),
        ])
    }
}

/// Convert JSON to the engine's value type by reference: no deep copy of the object first, no
/// serde round trip (numbers map as regorus' own deserializer maps them: u64, i64, else f64).
pub(crate) fn to_rego(v: &Value) -> regorus::Value {
    match v {
        Value::Null => regorus::Value::Null,
        Value::Bool(b) => regorus::Value::from(*b),
        Value::Number(n) => crate::engine::number_to_rego(n),
        Value::String(s) => regorus::Value::from(s.as_str()),
        Value::Array(a) => regorus::Value::from(a.iter().map(to_rego).collect::<Vec<_>>()),
        Value::Object(m) => map(m),
    }
}
