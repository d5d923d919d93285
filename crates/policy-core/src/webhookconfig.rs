//! What the ValidatingWebhookConfiguration must send: the API resources and operations of the
//! pack's rules (`kinds` and `operations` in each `rule.yaml`), and a check of a configuration
//! against them. `deploy/validatingwebhookconfiguration.yaml` is kept consistent with the pack by
//! a test over [`uncovered`]: a rule on a kind or an operation the API server never sends is a rule
//! that never runs in the cluster.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::pack::{PolicyPack, WORKLOAD_KINDS};
use crate::workloads::WorkloadTable;

/// An API resource a rule kind is served as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct KindResource {
    /// The kind in `rule.yaml`.
    pub kind: &'static str,
    /// API groups that serve it (`""` for the core group).
    pub groups: &'static [&'static str],
    /// Plural lower-case resource name.
    pub resource: &'static str,
    /// Namespaced (else cluster-scoped).
    pub namespaced: bool,
}

const fn kr(
    kind: &'static str,
    groups: &'static [&'static str],
    resource: &'static str,
    namespaced: bool,
) -> KindResource {
    KindResource {
        kind,
        groups,
        resource,
        namespaced,
    }
}

const TRAEFIK: &[&str] = &["traefik.io", "traefik.containo.us"];

/// Every kind a rule of the pack may name, with its resource. A `rule.yaml` naming a kind not
/// listed here fails [`required`]: add the kind here and to the shipped configuration.
pub const KIND_RESOURCES: &[KindResource] = &[
    kr("Pod", &[""], "pods", true),
    kr(
        "ReplicationController",
        &[""],
        "replicationcontrollers",
        true,
    ),
    kr("ConfigMap", &[""], "configmaps", true),
    kr(
        "PersistentVolumeClaim",
        &[""],
        "persistentvolumeclaims",
        true,
    ),
    kr("StorageClass", &["storage.k8s.io"], "storageclasses", false),
    kr(
        "ObjectStore",
        &["barmancloud.cnpg.io"],
        "objectstores",
        true,
    ),
    kr("Secret", &[""], "secrets", true),
    kr("Service", &[""], "services", true),
    kr("ServiceAccount", &[""], "serviceaccounts", true),
    kr("Namespace", &[""], "namespaces", false),
    kr("Deployment", &["apps"], "deployments", true),
    kr("StatefulSet", &["apps"], "statefulsets", true),
    kr("DaemonSet", &["apps"], "daemonsets", true),
    kr("ReplicaSet", &["apps"], "replicasets", true),
    kr("Job", &["batch"], "jobs", true),
    kr("CronJob", &["batch"], "cronjobs", true),
    kr("Ingress", &["networking.k8s.io"], "ingresses", true),
    kr(
        "NetworkPolicy",
        &["networking.k8s.io"],
        "networkpolicies",
        true,
    ),
    kr(
        "PodDisruptionBudget",
        &["policy"],
        "poddisruptionbudgets",
        true,
    ),
    kr(
        "HorizontalPodAutoscaler",
        &["autoscaling"],
        "horizontalpodautoscalers",
        true,
    ),
    kr(
        "RoleBinding",
        &["rbac.authorization.k8s.io"],
        "rolebindings",
        true,
    ),
    kr(
        "ClusterRoleBinding",
        &["rbac.authorization.k8s.io"],
        "clusterrolebindings",
        false,
    ),
    kr("IngressRoute", TRAEFIK, "ingressroutes", true),
    kr("IngressRouteTCP", TRAEFIK, "ingressroutetcps", true),
    kr("IngressRouteUDP", TRAEFIK, "ingressrouteudps", true),
    kr("TraefikService", TRAEFIK, "traefikservices", true),
];

/// Subresources the webhook judges, with the operations that reach them:
/// `pods/ephemeralcontainers` (`kubectl debug`) is judged as the Pod.
pub const SUBRESOURCES: &[(&str, &str, &str)] = &[("", "pods/ephemeralcontainers", "UPDATE")];

/// The API resources of a kind: [`KIND_RESOURCES`], else the custom resources of that kind in
/// the built-in workloads table (`crate::workloads`), as (group, resource) pairs.
fn resources_of(kind: &str) -> Vec<(&'static str, &'static str)> {
    if let Some(kr) = KIND_RESOURCES.iter().find(|r| r.kind == kind) {
        return kr.groups.iter().map(|g| (*g, kr.resource)).collect();
    }
    WorkloadTable::builtin()
        .iter()
        .filter(|e| e.kind == kind)
        .map(|e| (e.group.as_str(), e.resource.as_str()))
        .collect()
}

/// (group, resource) → operations the pack needs sent, from every rule's kinds and operations;
/// `workloads` includes the custom resources of the built-in workloads table (entries added in
/// `workloads.customResources` need their own rule in the configuration: docs/data-layer.md).
/// Rules on every kind (`*`) run on whatever is sent and add nothing. Errors name kinds missing
/// from [`KIND_RESOURCES`] and from the workloads table.
pub fn required(pack: &PolicyPack) -> Result<BTreeMap<(String, String), BTreeSet<String>>, String> {
    let mut out: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
    let mut unknown = BTreeSet::new();
    for rule in &pack.rules {
        let m = &rule.meta;
        let kinds: Vec<&str> = m
            .kinds
            .iter()
            .flat_map(|k| match k.as_str() {
                "workloads" => WORKLOAD_KINDS.to_vec(),
                "*" => Vec::new(),
                k => vec![k],
            })
            .collect();
        let mut resources: Vec<(&str, &str)> = Vec::new();
        for kind in kinds {
            let found = resources_of(kind);
            if found.is_empty() {
                unknown.insert(format!("{kind} (rule {})", m.id));
            }
            resources.extend(found);
        }
        if m.kinds.iter().any(|k| k == "workloads") {
            resources.extend(
                WorkloadTable::builtin()
                    .iter()
                    .map(|e| (e.group.as_str(), e.resource.as_str())),
            );
        }
        for (g, r) in resources {
            out.entry((g.to_string(), r.to_string()))
                .or_default()
                .extend(m.operations.iter().cloned());
        }
    }
    for (g, r, op) in SUBRESOURCES {
        out.entry((g.to_string(), r.to_string()))
            .or_default()
            .insert(op.to_string());
    }
    if unknown.is_empty() {
        Ok(out)
    } else {
        Err(format!(
            "kinds with no known API resource: {}",
            unknown.into_iter().collect::<Vec<_>>().join(", ")
        ))
    }
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

/// Whether a webhook's namespaceSelector can be switched off by a namespace's own
/// `plumbline.dev/admission` label (so a change of that label on the Namespace is never sent).
fn selector_honours_admission_label(webhook: &Value) -> bool {
    let sel = &webhook["namespaceSelector"];
    sel["matchLabels"].get("plumbline.dev/admission").is_some()
        || sel["matchExpressions"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|e| e["key"].as_str() == Some("plumbline.dev/admission"))
}

/// What `vwc` (a ValidatingWebhookConfiguration as JSON) fails to send, or sends malformed:
/// one message per missing (group, resource, operation), Namespaces that only reach a webhook
/// whose namespaceSelector honours `plumbline.dev/admission`, and rules without the fields the
/// API server requires. Empty: consistent with the pack.
pub fn uncovered(vwc: &Value, pack: &PolicyPack) -> Vec<String> {
    let mut problems = Vec::new();
    let required = match required(pack) {
        Ok(r) => r,
        Err(e) => return vec![e],
    };
    // (group, resource, operation) → whether a webhook that ignores the admission label sends it.
    let mut sent = Sent::new();
    let webhooks = vwc["webhooks"].as_array().cloned().unwrap_or_default();
    if vwc["kind"].as_str() != Some("ValidatingWebhookConfiguration") || webhooks.is_empty() {
        return vec!["not a ValidatingWebhookConfiguration with webhooks".to_string()];
    }
    for (wi, w) in webhooks.iter().enumerate() {
        let strict = !selector_honours_admission_label(w);
        for (ri, rule) in w["rules"].as_array().into_iter().flatten().enumerate() {
            let at = format!("webhooks[{wi}].rules[{ri}]");
            add_rule(&at, rule, strict, &mut sent, &mut problems);
        }
    }
    for ((g, r), ops) in &required {
        for op in ops {
            match covered(&sent, g, r, op) {
                None => problems.push(format!(
                    "{op} of {r} ({}) is not sent",
                    if g.is_empty() { "core" } else { g.as_str() }
                )),
                Some(false) if r == "namespaces" => problems.push(format!(
                    "{op} of namespaces is only sent by a webhook whose namespaceSelector \
                     honours plumbline.dev/admission: labelling a namespace admission-disabled \
                     would never be judged"
                )),
                Some(_) => {}
            }
        }
    }
    problems
}

/// (group, resource, operation) a webhook rule names → whether a webhook that ignores the
/// admission label sends it.
type Sent = BTreeMap<(String, String, String), bool>;

/// Record what the webhook rule at `at` sends (`strict`: its webhook ignores the admission
/// label) in `sent`, and what the API server would reject in it in `problems`.
fn add_rule(at: &str, rule: &Value, strict: bool, sent: &mut Sent, problems: &mut Vec<String>) {
    let groups = strings(&rule["apiGroups"]);
    let versions = strings(&rule["apiVersions"]);
    let resources = strings(&rule["resources"]);
    let operations = strings(&rule["operations"]);
    if groups.is_empty() || versions.is_empty() || resources.is_empty() {
        problems.push(format!(
            "{at}: apiGroups, apiVersions and resources are required"
        ));
    }
    if operations.is_empty() {
        problems.push(format!("{at}: operations are required"));
    }
    if !matches!(rule["scope"].as_str(), Some("*" | "Namespaced" | "Cluster")) {
        problems.push(format!("{at}: scope must be *, Namespaced or Cluster"));
    }
    for r in &resources {
        if r.chars().any(|c| c.is_ascii_uppercase()) {
            problems.push(format!("{at}: resource {r:?} must be lower-case plural"));
        }
    }
    for g in &groups {
        for r in &resources {
            for op in &operations {
                let e = sent
                    .entry((g.to_string(), r.to_string(), op.to_string()))
                    .or_insert(false);
                *e |= strict;
            }
        }
    }
}

/// Whether `op` of resource `r` in group `g` is sent: None when no rule matches it, else whether
/// some webhook that ignores the admission label sends it.
fn covered(sent: &Sent, g: &str, r: &str, op: &str) -> Option<bool> {
    let mut best: Option<bool> = None;
    for ((sg, sr, sop), strict) in sent {
        let g_ok = sg == "*" || sg == g;
        let r_ok = sr == r
            || (sr == "*" && !r.contains('/'))
            || (sr == "*/*")
            || sr
                .strip_suffix("/*")
                .is_some_and(|base| r.split('/').next() == Some(base) && r.contains('/'));
        let op_ok = sop == "*" || sop == op;
        if g_ok && r_ok && op_ok {
            best = Some(best.unwrap_or(false) || *strict);
        }
    }
    best
}

#[cfg(test)]
mod tests;
