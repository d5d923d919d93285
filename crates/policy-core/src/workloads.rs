//! Workloads inside custom resources: the table of known operator CRDs whose objects describe
//! pods (a pod template, or the fields an operator builds its pods from), and the views through
//! which the workload rules judge them like a Deployment's pod template.
//!
//! The built-in table is `workloads.yaml` beside this file; `workloads.customResources` in
//! `plumbline.yaml` adds entries (an entry for the same group and kind replaces the built-in one).
//! docs/data-layer.md documents both.
//!
//! A view is a synthetic object shaped like a Deployment
//! (`{apiVersion, kind, metadata, spec: {template: {metadata, spec}}}`, the custom resource's own
//! apiVersion, kind and metadata) plus a map from the view's pointers back to the custom
//! resource's own fields, so a finding about `/spec/template/spec/containers/0/image` is
//! reported at, say, `/spec/imageName` of a CloudNativePG Cluster, on that line.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::Error;
use views::views_of;

mod views;

/// The built-in table.
const BUILTIN: &str = include_str!("workloads.yaml");

/// `workloads:` in `plumbline.yaml`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct WorkloadsConfig {
    /// Entries added to (or replacing, by group and kind) the built-in table.
    #[serde(default)]
    pub custom_resources: Vec<CustomWorkload>,
}

/// One custom resource kind whose objects describe pods.
///
/// Pointers are JSON pointers into the custom resource; a `*` segment stands for every element
/// of an array (or every value of a map). Pointers inside a pod or a container without a
/// leading `/` are relative to that pod's or container's `at`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct CustomWorkload {
    /// API group, e.g. `postgresql.cnpg.io`.
    pub group: String,
    /// Kind, e.g. `Cluster`.
    pub kind: String,
    /// API versions (empty: any).
    #[serde(default)]
    pub versions: Vec<String>,
    /// Plural resource name, for the ValidatingWebhookConfiguration (e.g. `clusters`).
    pub resource: String,
    /// Pointers to pod templates (`{metadata, spec}` objects, like a Deployment's
    /// `spec.template`).
    #[serde(default)]
    pub pod_templates: Vec<String>,
    /// Pods the operator builds from the resource's fields.
    #[serde(default)]
    pub pods: Vec<PodSource>,
    /// What the operator sets on the pods it builds, when the resource does not say: `pod`
    /// (pod spec fields) and `containers` (container name → container fields). Merged under the
    /// resource's own values, in pod templates and built pods alike.
    #[serde(default)]
    pub defaults: Defaults,
    /// What the operator sets whatever the resource says (same shape as `defaults`), merged
    /// over the resource's values.
    #[serde(default)]
    pub overrides: Defaults,
}

/// A pod an operator builds from a custom resource's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct PodSource {
    /// Where the pod's fields are (default `/spec`); a view per match.
    #[serde(default = "spec_pointer")]
    pub at: String,
    /// The pod-level securityContext.
    #[serde(default)]
    pub security_context: Option<String>,
    /// Containers built from fields.
    #[serde(default)]
    pub containers: Vec<ContainerSource>,
    /// Arrays of containers written in full (sidecars).
    #[serde(default)]
    pub container_lists: Vec<String>,
    /// Arrays of init containers written in full.
    #[serde(default)]
    pub init_container_lists: Vec<String>,
    /// Whether the Pod Security rules judge this pod: true when the resource exposes the
    /// security context (or `defaults` says what the operator sets), so an unset field is the
    /// author's to set; false when the operator decides it out of sight.
    #[serde(default)]
    pub judge_pod_security: bool,
}

/// A container an operator builds from a custom resource's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct ContainerSource {
    /// The container's name in the pods the operator builds.
    pub name: String,
    /// Where its fields are (default: the pod's `at`); no container when absent.
    #[serde(default)]
    pub at: Option<String>,
    /// A boolean that must be true for the container to exist (e.g. `exporter/enabled`).
    #[serde(default)]
    pub enabled: Option<String>,
    /// Its image.
    #[serde(default)]
    pub image: Option<String>,
    /// Its resources (requests and limits); when unset, the resources rules do not judge
    /// the pod (the resource has no field for them).
    #[serde(default)]
    pub resources: Option<String>,
    /// Its securityContext.
    #[serde(default)]
    pub security_context: Option<String>,
    /// Its env list.
    #[serde(default)]
    pub env: Option<String>,
}

/// What an operator sets on its pods when the resource does not say.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[non_exhaustive]
pub struct Defaults {
    /// Pod spec fields.
    #[serde(default)]
    pub pod: Map<String, Value>,
    /// Container name → container fields.
    #[serde(default)]
    pub containers: Map<String, Value>,
}

fn spec_pointer() -> String {
    "/spec".to_string()
}

/// The table: built-in entries with the configured ones over them.
#[derive(Debug, Clone, Default)]
pub struct WorkloadTable {
    entries: Vec<CustomWorkload>,
}

/// The pointer of the pod spec inside a view.
pub const VIEW_POD_SPEC: &str = "/spec/template/spec";

/// A custom resource seen as a workload.
#[derive(Debug, Clone)]
pub struct View {
    /// The synthetic object the rules read as `input.object`.
    pub object: Value,
    /// `input.customResource`: `{group, kind, source, path}` (`source`: `template` or `fields`).
    pub info: Value,
    /// (view pointer prefix, resource pointer), longest prefixes first.
    map: Vec<(String, String)>,
    /// Whether the Pod Security rules judge this view.
    pub judge_pod_security: bool,
    /// Whether the resources rules judge this view.
    pub judge_resources: bool,
    /// Whether the pod spec was written by the resource's author (a pod template) rather than
    /// assembled from fields (whose other pod-level settings the operator decides).
    pub template: bool,
}

/// Rules that do not judge custom resources' pods: the operator owns their ServiceAccount and
/// decides the token mount. service-account-token-automount: database operators' pods call the
/// Kubernetes API (Patroni's and CloudNativePG's instance managers keep the cluster state there,
/// CloudNativePG's PgBouncer pods read their Pooler), most resources have no
/// automountServiceAccountToken field, and a pod template that sets it false breaks them.
const OPERATOR_DECIDED_RULES: [&str; 1] = [crate::rule_ids::SERVICE_ACCOUNT_TOKEN_AUTOMOUNT];

/// Whether a rule (its id, `kinds` and `params`) judges the views with these settings: see
/// [`View::judged_by`]. The compiled pack keeps one dispatch group per setting, so a view's
/// rules run in one execution.
pub fn judges_views(
    id: &str,
    kinds: &[String],
    params: &[String],
    judge_pod_security: bool,
    judge_resources: bool,
) -> bool {
    if !kinds.iter().any(|k| k == "workloads") {
        return false;
    }
    let reads = |prefix: &str| params.iter().any(|p| p.starts_with(prefix));
    if reads("podSecurity.") && !judge_pod_security {
        return false;
    }
    if reads("resources.") && !judge_resources {
        return false;
    }
    !OPERATOR_DECIDED_RULES.contains(&id)
}

impl View {
    /// Whether a violation found in this view stands: a container without an image is not one
    /// (every operator in the table runs its own default image, pinned by its release, when the
    /// resource names none; in a pod template it completes its own container by name).
    pub fn keeps(&self, details: &Value) -> bool {
        !(details["reason"] == "missing" && details["image"] == "")
    }

    /// Whether a rule (its id, `kinds` and `params` from its `rule.yaml`) judges this view: a
    /// rule on `workloads`; the Pod Security rules (those reading `podSecurity.*`) only where the
    /// view's security context is the author's to set; the resources rules (`resources.*`) only
    /// where the resource has a resources field. (Plain fields, not `RuleMeta`: this module stays
    /// a leaf that config, eval and webhookconfig import.)
    pub fn judged_by(&self, id: &str, kinds: &[String], params: &[String]) -> bool {
        judges_views(
            id,
            kinds,
            params,
            self.judge_pod_security,
            self.judge_resources,
        )
    }

    /// The custom resource's pointer for a pointer into the view.
    pub fn resource_pointer(&self, view_pointer: &str) -> String {
        for (prefix, target) in &self.map {
            if let Some(rest) = view_pointer.strip_prefix(prefix.as_str()) {
                if rest.is_empty() || rest.starts_with('/') {
                    return format!("{target}{rest}");
                }
            }
        }
        String::new()
    }
}

impl WorkloadTable {
    /// The built-in table.
    pub fn builtin() -> &'static [CustomWorkload] {
        static TABLE: OnceLock<Vec<CustomWorkload>> = OnceLock::new();
        TABLE.get_or_init(|| parse_builtin().unwrap_or_default())
    }

    /// The built-in table with `config`'s entries over it; an invalid pointer is an error naming
    /// the entry and field.
    pub fn new(config: &WorkloadsConfig, path: &str) -> Result<WorkloadTable, Error> {
        let mut entries: Vec<CustomWorkload> = Self::builtin().to_vec();
        for (i, e) in config.custom_resources.iter().enumerate() {
            check(e).map_err(|message| Error::Config {
                path: path.to_string(),
                line: 0,
                message: format!(
                    "workloads.customResources[{i}] ({}/{}): {message}",
                    e.group, e.kind
                ),
            })?;
            entries.retain(|b| !(b.group == e.group && b.kind == e.kind));
            entries.push(e.clone());
        }
        Ok(WorkloadTable { entries })
    }

    /// Every entry.
    pub fn entries(&self) -> &[CustomWorkload] {
        &self.entries
    }

    /// The entry for an object's apiVersion and kind.
    pub fn entry(&self, api_version: &str, kind: &str) -> Option<&CustomWorkload> {
        let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
        self.entries.iter().find(|e| {
            e.kind == kind
                && e.group == group
                && (e.versions.is_empty() || e.versions.iter().any(|v| v == version))
        })
    }

    /// The views of an object (none when its kind is not in the table).
    pub fn views(&self, object: &Value) -> Vec<View> {
        let api_version = object["apiVersion"].as_str().unwrap_or_default();
        let kind = object["kind"].as_str().unwrap_or_default();
        match self.entry(api_version, kind) {
            Some(e) => views_of(e, object),
            None => Vec::new(),
        }
    }
}

fn parse_builtin() -> Result<Vec<CustomWorkload>, String> {
    let doc = crate::yaml::parse_stream(BUILTIN)
        .into_iter()
        .next()
        .ok_or("empty")?
        .map_err(|e| e.message)?;
    let entries: Vec<CustomWorkload> =
        serde_json::from_value(doc.value).map_err(|e| e.to_string())?;
    for e in &entries {
        check(e)?;
    }
    Ok(entries)
}

/// Pointer syntax of an entry: absolute pointers start with `/`; relative ones only inside pods.
fn check(e: &CustomWorkload) -> Result<(), String> {
    let absolute = |field: &str, p: &str| {
        if p.starts_with('/') {
            Ok(())
        } else {
            Err(format!(
                "{field} `{p}` must be a JSON pointer starting with /"
            ))
        }
    };
    if e.group.is_empty() || e.kind.is_empty() || e.resource.is_empty() {
        return Err("group, kind and resource must not be empty".into());
    }
    for p in &e.pod_templates {
        absolute("podTemplates", p)?;
    }
    for pod in &e.pods {
        absolute("pods[].at", &pod.at)?;
    }
    if e.pod_templates.is_empty() && e.pods.is_empty() {
        return Err("needs podTemplates or pods".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
