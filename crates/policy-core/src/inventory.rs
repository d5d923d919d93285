//! What the whole input set (offline) or the cluster cache (webhook) knows beyond one object:
//! namespaces with their tenant, quotas, limit ranges and network policies; hosts claimed by
//! Ingresses and IngressRoutes; PodDisruptionBudgets; Traefik Middlewares; StorageClasses;
//! CloudNativePG ScheduledBackups and Barman Cloud ObjectStores. Cross-resource rules read it as
//! `input.inventory`; when `known` is false they report nothing (no false deny).
//! [`INVENTORY_KINDS`] is the one list of the kinds it reads: the webhook's cluster cache watches
//! them and `plumbline audit` lists them beside the kinds the rules judge.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::{json, Map, Value};

mod builder;
mod engine_value;
mod facts;
mod places;
pub use builder::InventoryBuilder;
pub(crate) use places::HostPlaces;

use crate::object::Object;
use crate::tenancy::Resolver;

/// Facts about a namespace known from the input set (or the cluster).
#[derive(Debug, Clone, Default, Serialize)]
pub struct NamespaceInfo {
    /// Name.
    pub name: String,
    /// Labels.
    pub labels: Map<String, Value>,
    /// Annotations.
    pub annotations: Map<String, Value>,
}

/// What the whole input set knows beyond one object.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Inventory {
    /// Whether this inventory is complete enough for cross-resource rules.
    pub known: bool,
    /// Namespace objects by name.
    pub namespaces: HashMap<String, NamespaceInfo>,
    /// Where the host claims sit in their files: related locations of host conflicts.
    pub(crate) places: HostPlaces,
    /// `input.inventory` as rules see it, in the engine's value type, built once by
    /// [`InventoryBuilder::finish`] (`None`: no entries, one value shared per `known` flag). It
    /// is the only copy: neither a JSON form (see [`Inventory::data`]) nor one per worker thread
    /// is kept (each was as large as the value; sharing it across threads measured no slower).
    value: Option<regorus::Value>,
}

/// A kind the inventory reads, as the API server serves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InventoryKind {
    /// API group (`""` for the core group).
    pub group: &'static str,
    /// Version listed and watched.
    pub version: &'static str,
    /// Kind.
    pub kind: &'static str,
    /// Resource (plural) name.
    pub plural: &'static str,
    /// A custom resource that may not be installed: its absence is "none of them", not an
    /// incomplete inventory.
    pub optional: bool,
}

const fn ik(
    group: &'static str,
    version: &'static str,
    kind: &'static str,
    plural: &'static str,
    optional: bool,
) -> InventoryKind {
    InventoryKind {
        group,
        version,
        kind,
        plural,
        optional,
    }
}

/// Every kind [`Inventory::from_objects`] reads (docs/webhook.md, "In-cluster cache").
pub const INVENTORY_KINDS: &[InventoryKind] = &[
    ik("", "v1", "Namespace", "namespaces", false),
    ik("", "v1", "ResourceQuota", "resourcequotas", false),
    ik("", "v1", "LimitRange", "limitranges", false),
    ik(
        "networking.k8s.io",
        "v1",
        "NetworkPolicy",
        "networkpolicies",
        false,
    ),
    ik("networking.k8s.io", "v1", "Ingress", "ingresses", false),
    ik(
        "policy",
        "v1",
        "PodDisruptionBudget",
        "poddisruptionbudgets",
        false,
    ),
    ik(
        "storage.k8s.io",
        "v1",
        "StorageClass",
        "storageclasses",
        false,
    ),
    ik("traefik.io", "v1alpha1", "Middleware", "middlewares", true),
    ik(
        "traefik.io",
        "v1alpha1",
        "IngressRoute",
        "ingressroutes",
        true,
    ),
    ik(
        "postgresql.cnpg.io",
        "v1",
        "ScheduledBackup",
        "scheduledbackups",
        true,
    ),
    ik(
        "barmancloud.cnpg.io",
        "v1",
        "ObjectStore",
        "objectstores",
        true,
    ),
];

impl Inventory {
    /// An inventory that knows nothing (the webhook without a cluster cache).
    pub fn unknown() -> Inventory {
        Inventory::default()
    }

    /// Build from a set of objects, resolving namespaces with `resolver`.
    pub fn from_objects(objects: &[Object], resolver: &Resolver) -> Inventory {
        let mut builder = InventoryBuilder::default();
        for o in objects {
            builder.add(o);
        }
        builder.finish(resolver)
    }

    /// `input.inventory` as rules see it, as JSON (for inspection and tests: converted from the
    /// engine's value on each call).
    pub fn data(&self) -> Value {
        crate::engine::to_json(&self.rego_value())
    }

    /// `input.inventory` for the policy engine (a reference-counted handle, not a copy).
    pub(crate) fn rego_value(&self) -> regorus::Value {
        match &self.value {
            Some(v) => v.clone(),
            None => empty_value(self.known),
        }
    }
}

/// An inventory value with no entries, built once per `known` flag (the webhook without a cluster
/// cache asks for one per review).
fn empty_value(known: bool) -> regorus::Value {
    static VALUES: [OnceLock<regorus::Value>; 2] = [OnceLock::new(), OnceLock::new()];
    VALUES[usize::from(known)]
        .get_or_init(|| {
            regorus::Value::from(json!({"known": known, "namespaces": {}, "hosts": {},
                "podDisruptionBudgets": {}, "middlewares": {}}))
        })
        .clone()
}
