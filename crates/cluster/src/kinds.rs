//! Which resources an audit lists: every kind a rule of the pack applies to, found by API
//! discovery in whatever group and version the API server serves it.

use std::collections::BTreeSet;

use kube::api::ApiResource;
use kube::discovery::{verbs, Discovery, Scope};
use policy_core::{rule_ids, RuleMeta, INVENTORY_KINDS, WORKLOAD_KINDS};

/// Rules that judge a change rather than a state, with why an audit leaves them out. An object
/// that exists is not being changed: there is no freeze to break, no ticket to carry, no label
/// being set by someone.
pub const NOT_AUDITED: [(&str, &str); 3] = [
    (
        rule_ids::CHANGE_FREEZE_ACTIVE,
        "judges a change made during a freeze window; a live object is not a change",
    ),
    (
        rule_ids::CHANGE_TICKET_MISSING,
        "judges whether a change carries a ticket; a live object is not a change",
    ),
    (
        rule_ids::NAMESPACE_LABELS_PROTECTED,
        "judges who changes a Namespace's protected labels; a live object has no requester",
    ),
];

/// The kinds the active rules apply to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditPlan {
    /// Kinds to list (`Deployment`, `IngressRoute`, …), whatever their group.
    pub kinds: BTreeSet<String>,
    /// Rules that apply to every kind (`kinds: ["*"]`): they judge each listed object, but do
    /// not widen what is listed (listing every resource of a cluster would read its Secrets,
    /// Events and Leases to no purpose).
    pub any_kind_rules: Vec<String>,
}

/// The plan for `rules` (the linter's active rules); rules in [`NOT_AUDITED`] do not add kinds.
pub fn plan(rules: &[RuleMeta]) -> AuditPlan {
    let mut plan = AuditPlan::default();
    for r in rules {
        if NOT_AUDITED.iter().any(|(id, _)| *id == r.id) {
            continue;
        }
        for k in &r.kinds {
            match k.as_str() {
                "*" => plan.any_kind_rules.push(r.id.clone()),
                "workloads" => plan
                    .kinds
                    .extend(WORKLOAD_KINDS.iter().map(|k| (*k).to_string())),
                k => {
                    plan.kinds.insert(k.to_string());
                }
            }
        }
    }
    // The inventory cross-resource rules read (tenant and environment of each namespace, the
    // quotas and network policies of namespace-quota-missing and namespace-network-policy-missing,
    // PDBs, Middlewares, StorageClasses, backup schedules): without them those rules would see
    // an inventory that knows the namespace but none of what it holds, and report objects that
    // are covered.
    plan.kinds
        .extend(INVENTORY_KINDS.iter().map(|k| k.kind.to_string()));
    plan
}

impl AuditPlan {
    /// The served resources of the planned kinds, one per (group, kind) at the group's preferred
    /// version, with whether each is namespaced. Sorted by group, then kind.
    pub fn resolve(&self, discovery: &Discovery) -> Vec<(ApiResource, bool)> {
        let mut out = Vec::new();
        for group in discovery.groups() {
            for (ar, caps) in group.recommended_resources() {
                if self.kinds.contains(&ar.kind) && caps.supports_operation(verbs::LIST) {
                    out.push((ar, caps.scope == Scope::Namespaced));
                }
            }
        }
        out.sort_by(|(a, _), (b, _)| (&a.group, &a.kind).cmp(&(&b.group, &b.kind)));
        out
    }

    /// Planned kinds that no served resource provides.
    pub fn absent(&self, resolved: &[(ApiResource, bool)]) -> Vec<String> {
        self.kinds
            .iter()
            .filter(|k| !resolved.iter().any(|(ar, _)| &ar.kind == *k))
            .cloned()
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plan_covers_the_pack_and_leaves_out_change_rules() {
        let pack = policy_core::PolicyPack::builtin().expect("built-in pack");
        let rules: Vec<RuleMeta> = pack.rules.iter().map(|r| r.meta.clone()).collect();
        let plan = plan(&rules);
        for k in WORKLOAD_KINDS {
            assert!(plan.kinds.contains(k), "{k} missing");
        }
        for k in [
            "Namespace",
            "ResourceQuota",
            "LimitRange",
            "Middleware",
            "ScheduledBackup",
            "Service",
            "Ingress",
            "IngressRoute",
            "ConfigMap",
        ] {
            assert!(plan.kinds.contains(k), "{k} missing from {:?}", plan.kinds);
        }
        assert!(!plan.kinds.contains("*"));
        assert!(!plan.kinds.contains("workloads"));
        for (id, why) in NOT_AUDITED {
            assert!(pack.rule(id).is_some(), "{id} is not a rule of the pack");
            assert!(!why.is_empty());
            assert!(!plan.any_kind_rules.iter().any(|r| r == id));
        }
    }

    #[test]
    fn a_rule_for_every_kind_does_not_list_everything() {
        let pack = policy_core::PolicyPack::builtin().expect("built-in pack");
        let mut meta = pack.rules[0].meta.clone();
        meta.id = "every-kind".into();
        meta.kinds = vec!["*".into()];
        let plan = plan(&[meta]);
        assert_eq!(plan.any_kind_rules, vec!["every-kind".to_string()]);
        let inventory: BTreeSet<String> =
            INVENTORY_KINDS.iter().map(|k| k.kind.to_string()).collect();
        assert_eq!(plan.kinds, inventory);
    }
}
