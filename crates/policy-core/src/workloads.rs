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
use serde_json::{json, Map, Value};

use crate::Error;

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
        if !kinds.iter().any(|k| k == "workloads") {
            return false;
        }
        let reads = |prefix: &str| params.iter().any(|p| p.starts_with(prefix));
        if reads("podSecurity.") && !self.judge_pod_security {
            return false;
        }
        if reads("resources.") && !self.judge_resources {
            return false;
        }
        !OPERATOR_DECIDED_RULES.contains(&id)
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

/// Every (pointer, value) matching a pointer with `*` segments.
fn matches<'a>(root: &'a Value, pointer: &str) -> Vec<(String, &'a Value)> {
    let mut out = vec![(String::new(), root)];
    for seg in pointer.split('/').skip(1) {
        let mut next = Vec::new();
        for (p, v) in out {
            if seg == "*" {
                match v {
                    Value::Array(a) => {
                        for (i, x) in a.iter().enumerate() {
                            next.push((format!("{p}/{i}"), x));
                        }
                    }
                    Value::Object(m) => {
                        for (k, x) in m {
                            next.push((format!("{p}/{}", escape(k)), x));
                        }
                    }
                    _ => {}
                }
            } else {
                let key = seg.replace("~1", "/").replace("~0", "~");
                let child = match v {
                    Value::Object(m) => m.get(&key),
                    Value::Array(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
                    _ => None,
                };
                if let Some(x) = child {
                    next.push((format!("{p}/{seg}"), x));
                }
            }
        }
        out = next;
    }
    out
}

fn escape(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// A pointer relative to `base` unless absolute.
fn resolve(base: &str, p: &str) -> String {
    if p.starts_with('/') {
        p.to_string()
    } else {
        format!("{base}/{p}")
    }
}

/// `over` merged over `under` (objects key by key, recursively; anything else: `over`).
fn merge(under: &Value, over: &Value) -> Value {
    match (under, over) {
        (Value::Object(u), Value::Object(o)) => {
            let mut out = u.clone();
            for (k, v) in o {
                let merged = match u.get(k) {
                    Some(uv) => merge(uv, v),
                    None => v.clone(),
                };
                out.insert(k.clone(), merged);
            }
            Value::Object(out)
        }
        _ => over.clone(),
    }
}

fn views_of(e: &CustomWorkload, object: &Value) -> Vec<View> {
    let mut views = Vec::new();
    let head = |template_meta: Value, spec: Value| {
        json!({
            "apiVersion": object["apiVersion"],
            "kind": object["kind"],
            "metadata": object.get("metadata").cloned().unwrap_or_else(|| json!({})),
            "spec": {"template": {"metadata": template_meta, "spec": spec}},
        })
    };
    let info = |source: &str, path: &str| json!({"group": e.group, "kind": e.kind, "source": source, "path": path});
    for t in &e.pod_templates {
        for (ptr, tpl) in matches(object, t) {
            let Some(spec) = tpl.get("spec").filter(|s| s.is_object()) else {
                continue;
            };
            let spec = with_operator_settings(spec.clone(), e);
            let meta = tpl.get("metadata").cloned().unwrap_or_else(|| json!({}));
            let mut map = vec![
                ("/spec/template".to_string(), ptr.clone()),
                ("/metadata".to_string(), "/metadata".to_string()),
            ];
            map.push((String::new(), ptr.clone()));
            views.push(View {
                object: head(meta, spec),
                info: info("template", &ptr),
                map: sorted(map),
                judge_pod_security: true,
                judge_resources: true,
                template: true,
            });
        }
    }
    for pod in &e.pods {
        for (at, _) in matches(object, &pod.at) {
            if let Some(v) = pod_view(e, pod, &at, object, &head) {
                views.push(View {
                    info: info("fields", &at),
                    ..v
                });
            }
        }
    }
    views
}

/// A pod spec with the operator's defaults under it and its overrides over it, pod and
/// containers (by name).
fn with_operator_settings(spec: Value, e: &CustomWorkload) -> Value {
    let mut spec = merge(&Value::Object(e.defaults.pod.clone()), &spec);
    spec = merge(&spec, &Value::Object(e.overrides.pod.clone()));
    if e.defaults.containers.is_empty() && e.overrides.containers.is_empty() {
        return spec;
    }
    for field in ["containers", "initContainers"] {
        if let Some(list) = spec.get_mut(field).and_then(Value::as_array_mut) {
            for c in list.iter_mut() {
                let name = c["name"].as_str().unwrap_or_default().to_string();
                if let Some(d) = e.defaults.containers.get(&name) {
                    *c = merge(d, c);
                }
                if let Some(o) = e.overrides.containers.get(&name) {
                    *c = merge(c, o);
                }
            }
        }
    }
    spec
}

fn pod_view(
    e: &CustomWorkload,
    pod: &PodSource,
    at: &str,
    object: &Value,
    head: &dyn Fn(Value, Value) -> Value,
) -> Option<View> {
    let mut map: Vec<(String, String)> = vec![
        ("/metadata".to_string(), "/metadata".to_string()),
        (
            "/spec/template/metadata".to_string(),
            "/metadata".to_string(),
        ),
        (VIEW_POD_SPEC.to_string(), at.to_string()),
        (String::new(), at.to_string()),
    ];
    let mut spec = Map::new();
    if let Some(p) = &pod.security_context {
        let p = resolve(at, p);
        if let Some(sc) = object.pointer(&p) {
            spec.insert("securityContext".into(), sc.clone());
        }
        map.push((format!("{VIEW_POD_SPEC}/securityContext"), p));
    }
    let mut containers = Vec::new();
    let mut judge_resources = false;
    for c in &pod.containers {
        let c_at =
            c.at.as_deref()
                .map_or_else(|| at.to_string(), |p| resolve(at, p));
        for (c_at, _) in matches(object, &c_at) {
            if let Some(flag) = &c.enabled {
                if object.pointer(&resolve(&c_at, flag)) != Some(&Value::Bool(true)) {
                    continue;
                }
            }
            let i = containers.len();
            let base = format!("{VIEW_POD_SPEC}/containers/{i}");
            let mut ctr = Map::new();
            ctr.insert("name".into(), json!(c.name));
            map.push((base.clone(), c_at.clone()));
            let fields = [
                ("image", &c.image),
                ("resources", &c.resources),
                ("securityContext", &c.security_context),
                ("env", &c.env),
            ];
            for (field, source) in fields {
                let Some(p) = source else { continue };
                let p = resolve(&c_at, p);
                if let Some(v) = object.pointer(&p) {
                    ctr.insert(field.into(), v.clone());
                }
                map.push((format!("{base}/{field}"), p));
            }
            judge_resources |= c.resources.is_some();
            containers.push(Value::Object(ctr));
        }
    }
    let lists = [
        ("containers", &pod.container_lists),
        ("initContainers", &pod.init_container_lists),
    ];
    let mut inits = Vec::new();
    for (field, lists) in lists {
        for l in lists.iter() {
            for (lp, list) in matches(object, &resolve(at, l)) {
                for (j, c) in list.as_array().into_iter().flatten().enumerate() {
                    let out = if field == "containers" {
                        &mut containers
                    } else {
                        &mut inits
                    };
                    map.push((
                        format!("{VIEW_POD_SPEC}/{field}/{}", out.len()),
                        format!("{lp}/{j}"),
                    ));
                    out.push(c.clone());
                    judge_resources = true;
                }
            }
        }
    }
    if containers.is_empty() && inits.is_empty() {
        return None;
    }
    spec.insert("containers".into(), Value::Array(containers));
    if !inits.is_empty() {
        spec.insert("initContainers".into(), Value::Array(inits));
    }
    let spec = with_operator_settings(Value::Object(spec), e);
    Some(View {
        object: head(json!({}), spec),
        info: Value::Null,
        map: sorted(map),
        judge_pod_security: pod.judge_pod_security,
        judge_resources,
        template: false,
    })
}

/// Longest prefixes first, so the most specific mapping wins.
fn sorted(mut map: Vec<(String, String)>) -> Vec<(String, String)> {
    map.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    map
}

#[cfg(test)]
mod tests;
