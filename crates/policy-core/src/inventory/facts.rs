//! The facts an [`InventoryBuilder`](super::InventoryBuilder) keeps per object, typed: a JSON
//! object of the same fields costs several times their size (a tree node, and every key a
//! string of its own, per claim or policy), and at the end of a large run's first pass the
//! builder is the largest thing alive. Each fact becomes the engine object rules read (docs/
//! policy-input.md, `input.inventory`) only when the inventory is finished; the objects'
//! own content (selectors, specs) stays JSON until then.

use serde_json::{Map, Value};

use super::engine_value::{Interner, IntoEngine};
use crate::tenancy::Resolved;

/// The quotas, limit ranges and network policies filed under one namespace, in object order.
#[derive(Debug, Clone, Default)]
pub(super) struct Space {
    /// ResourceQuota names.
    pub(super) resource_quotas: Vec<String>,
    /// LimitRange names.
    pub(super) limit_ranges: Vec<String>,
    /// NetworkPolicies.
    pub(super) network_policies: Vec<NetworkPolicyFacts>,
}

impl Space {
    /// Append the lists of the objects that follow this space's.
    pub(super) fn append(&mut self, later: Space) {
        self.resource_quotas.extend(later.resource_quotas);
        self.limit_ranges.extend(later.limit_ranges);
        self.network_policies.extend(later.network_policies);
    }
}

/// A NetworkPolicy as `input.inventory.namespaces[ns].networkPolicies` lists it.
#[derive(Debug, Clone)]
pub(super) struct NetworkPolicyFacts {
    pub(super) name: String,
    /// `spec.podSelector` (null when unset).
    pub(super) pod_selector: Value,
    /// `spec.policyTypes` (null when unset).
    pub(super) policy_types: Value,
    pub(super) default_deny_ingress: bool,
    pub(super) default_deny_egress: bool,
}

impl IntoEngine for NetworkPolicyFacts {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        let fields = [
            ("name", strings.string(self.name)),
            ("podSelector", self.pod_selector.into_engine(strings)),
            ("policyTypes", self.policy_types.into_engine(strings)),
            (
                "defaultDenyIngress",
                regorus::Value::from(self.default_deny_ingress),
            ),
            (
                "defaultDenyEgress",
                regorus::Value::from(self.default_deny_egress),
            ),
        ];
        strings.object(fields)
    }
}

/// A namespace entry of `input.inventory.namespaces`: its lists, its Namespace object's labels
/// and how it resolved.
#[derive(Debug)]
pub(super) struct NamespaceEntry {
    pub(super) space: Space,
    /// The Namespace object's labels (`{}` when it is not known).
    pub(super) labels: Map<String, Value>,
    /// Whether a Namespace object of this name is in the input.
    pub(super) known: bool,
    pub(super) resolved: Resolved,
}

impl IntoEngine for NamespaceEntry {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        let Space {
            resource_quotas,
            limit_ranges,
            network_policies,
        } = self.space;
        let tier = serde_json::to_value(self.resolved.tier).unwrap_or_default();
        let fields = [
            ("resourceQuotas", resource_quotas.into_engine(strings)),
            ("limitRanges", limit_ranges.into_engine(strings)),
            ("networkPolicies", network_policies.into_engine(strings)),
            ("labels", self.labels.into_engine(strings)),
            ("known", regorus::Value::from(self.known)),
            ("tenant", strings.string(self.resolved.tenant)),
            ("environment", strings.string(self.resolved.environment)),
            ("tier", tier.into_engine(strings)),
        ];
        strings.object(fields)
    }
}

/// One (host, path) pair an Ingress rule or IngressRoute route claims.
#[derive(Debug, Clone)]
pub(super) struct HostClaim {
    /// Lowercased host (empty for a rule without one).
    pub(super) host: String,
    /// The path as written (empty for none).
    pub(super) path: String,
    pub(super) namespace: String,
    /// `Ingress` or `IngressRoute`.
    pub(super) kind: &'static str,
    pub(super) name: String,
}

/// A claim as `input.inventory.hosts[host][path]` lists it: with the tenant and environment of
/// its namespace (empty when the namespace has no entry).
#[derive(Debug)]
pub(super) struct PlacedClaim {
    pub(super) claim: HostClaim,
    pub(super) tenant: String,
    pub(super) environment: String,
}

impl IntoEngine for PlacedClaim {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        let HostClaim {
            host,
            path,
            namespace,
            kind,
            name,
        } = self.claim;
        let fields = [
            ("host", strings.string(host)),
            ("path", strings.string(path)),
            ("namespace", strings.string(namespace)),
            ("kind", strings.str(kind)),
            ("name", strings.string(name)),
            ("tenant", strings.string(self.tenant)),
            ("environment", strings.string(self.environment)),
        ];
        strings.object(fields)
    }
}

/// A PodDisruptionBudget as `input.inventory.podDisruptionBudgets[ns]` lists it.
#[derive(Debug, Clone)]
pub(super) struct Budget {
    pub(super) name: String,
    /// `spec.selector` (null when unset).
    pub(super) selector: Value,
}

impl IntoEngine for Budget {
    fn into_engine(self, strings: &mut Interner) -> regorus::Value {
        let fields = [
            ("name", strings.string(self.name)),
            ("selector", self.selector.into_engine(strings)),
        ];
        strings.object(fields)
    }
}
