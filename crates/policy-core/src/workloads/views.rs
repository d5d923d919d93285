//! Building the views of a custom resource: its pod templates, and the pods its operator builds
//! from fields, each shaped like a Deployment with a map back to the resource's own pointers.

use serde_json::{json, Map, Value};

use super::{CustomWorkload, PodSource, View, VIEW_POD_SPEC};

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

/// The views of `object`, an instance of the custom workload `e`.
pub(super) fn views_of(e: &CustomWorkload, object: &Value) -> Vec<View> {
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

/// The view of the pod an operator builds from the fields of the custom resource at `at`: its
/// pod security context, its containers field by field, and its lists of whole containers. None
/// when no container is there.
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
    let (mut containers, mut judge_resources) = field_containers(pod, at, object, &mut map);
    let mut inits = Vec::new();
    if add_listed_containers(pod, at, object, [&mut containers, &mut inits], &mut map) {
        judge_resources = true;
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

/// The containers the operator builds from fields (`pods[].containers`), each present where its
/// `at` matches and its `enabled` flag (if any) is true, with their pointers added to `map`; and
/// whether any of them names its resources.
fn field_containers(
    pod: &PodSource,
    at: &str,
    object: &Value,
    map: &mut Vec<(String, String)>,
) -> (Vec<Value>, bool) {
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
    (containers, judge_resources)
}

/// Add the whole containers of the pod's container lists to `containers` and its init container
/// lists to `inits` (`[containers, inits]`), with their pointers to `map`; whether any was added.
fn add_listed_containers(
    pod: &PodSource,
    at: &str,
    object: &Value,
    [containers, inits]: [&mut Vec<Value>; 2],
    map: &mut Vec<(String, String)>,
) -> bool {
    let mut added = false;
    let lists = [
        ("containers", &pod.container_lists),
        ("initContainers", &pod.init_container_lists),
    ];
    for (field, lists) in lists {
        for l in lists.iter() {
            for (lp, list) in matches(object, &resolve(at, l)) {
                for (j, c) in list.as_array().into_iter().flatten().enumerate() {
                    let out = if field == "containers" {
                        &mut *containers
                    } else {
                        &mut *inits
                    };
                    map.push((
                        format!("{VIEW_POD_SPEC}/{field}/{}", out.len()),
                        format!("{lp}/{j}"),
                    ));
                    out.push(c.clone());
                    added = true;
                }
            }
        }
    }
    added
}

/// Longest prefixes first, so the most specific mapping wins.
fn sorted(mut map: Vec<(String, String)>) -> Vec<(String, String)> {
    map.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
    map
}
