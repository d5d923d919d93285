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
    /// Traefik Middlewares by `namespace/name`: their `spec`.
    pub middlewares: Map<String, Value>,
    /// `input.inventory` as rules see it.
    pub data: Value,
    /// Where the host claims sit in their files: related locations of host conflicts.
    pub(crate) places: HostPlaces,
    /// `data` converted for the engine, once per worker thread: a value shared across threads
    /// makes every lookup contend on its atomic reference counts.
    rego: [OnceLock<regorus::Value>; THREAD_SLOTS],
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

/// Copies of the converted inventory (worker threads beyond this share slots).
const THREAD_SLOTS: usize = 8;

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

    /// `input.inventory`, converted once per worker thread for the policy engine.
    pub(crate) fn rego_value(&self) -> regorus::Value {
        let slot = rayon::current_thread_index().unwrap_or(0) % THREAD_SLOTS;
        self.rego[slot]
            .get_or_init(|| {
                if self.data.is_null() {
                    regorus::Value::from(json!({"known": self.known, "namespaces": {}, "hosts": {},
                        "podDisruptionBudgets": {}, "middlewares": self.middlewares}))
                } else {
                    regorus::Value::from(self.data.clone())
                }
            })
            .clone()
    }
}
