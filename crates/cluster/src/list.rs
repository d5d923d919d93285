//! Paginated lists of one resource, as the objects the linter judges.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use policy_core::Object;
use serde_json::Value;

use crate::Error;

/// One resource's objects and how many requests it took.
#[derive(Debug, Default)]
#[non_exhaustive]
pub struct Page {
    /// The objects, with `apiVersion` and `kind` set and `managedFields` dropped.
    pub items: Vec<Value>,
    /// List requests made.
    pub requests: usize,
}

/// Every object of `ar` (in `namespace`, or in all), `page_size` per request, following the
/// API server's continue tokens to the end.
pub async fn list_all(
    client: &kube::Client,
    ar: &ApiResource,
    namespace: Option<&str>,
    page_size: u32,
) -> Result<Page, Error> {
    let api: Api<DynamicObject> = match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, ar),
        None => Api::all_with(client.clone(), ar),
    };
    let mut page = Page::default();
    let mut token: Option<String> = None;
    loop {
        let mut params = ListParams::default().limit(page_size.max(1));
        if let Some(t) = &token {
            params = params.continue_token(t);
        }
        let list = api.list(&params).await.map_err(|source| Error::Api {
            what: format!(
                "listing {} {}{}",
                ar.api_version,
                ar.kind,
                namespace.map(|n| format!(" in {n}")).unwrap_or_default()
            ),
            source,
        })?;
        page.requests += 1;
        for o in list.items {
            if let Ok(v) = serde_json::to_value(&o) {
                page.items.push(normalize(v, ar));
            }
        }
        match list.metadata.continue_ {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(page)
}

/// List items carry no `apiVersion`/`kind`; `managedFields` is bookkeeping no rule reads.
fn normalize(mut v: Value, ar: &ApiResource) -> Value {
    if let Some(m) = v.as_object_mut() {
        m.insert("apiVersion".into(), Value::String(ar.api_version.clone()));
        m.insert("kind".into(), Value::String(ar.kind.clone()));
        if let Some(meta) = m.get_mut("metadata").and_then(Value::as_object_mut) {
            meta.remove("managedFields");
        }
    }
    v
}

/// The linter's object for a live one: its `file` names it the way `kubectl` does
/// (`cluster:deployment.apps/shop/odoo`), so every output format shows which object it is.
pub fn to_object(v: Value) -> Object {
    let file = live_name(&v);
    Object::from_value(v, &file)
}

/// `cluster:<resource>[.<group>]/[<namespace>/]<name>` for a live object.
pub fn live_name(v: &Value) -> String {
    let kind = v["kind"].as_str().unwrap_or_default().to_ascii_lowercase();
    let group = v["apiVersion"]
        .as_str()
        .and_then(|a| a.rsplit_once('/'))
        .map(|(g, _)| g)
        .unwrap_or_default();
    let meta = &v["metadata"];
    let name = meta["name"].as_str().unwrap_or_default();
    let resource = if group.is_empty() {
        kind
    } else {
        format!("{kind}.{group}")
    };
    match meta["namespace"].as_str() {
        Some(ns) if !ns.is_empty() => format!("cluster:{resource}/{ns}/{name}"),
        _ => format!("cluster:{resource}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn live_objects_are_named_like_kubectl_names_them() {
        let d = json!({"apiVersion": "apps/v1", "kind": "Deployment",
                       "metadata": {"name": "odoo", "namespace": "shop"}});
        assert_eq!(live_name(&d), "cluster:deployment.apps/shop/odoo");
        let ns = json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}});
        assert_eq!(live_name(&ns), "cluster:namespace/shop");
    }

    #[test]
    fn list_items_get_their_type_back_and_lose_managed_fields() {
        let ar = ApiResource {
            group: "apps".into(),
            version: "v1".into(),
            api_version: "apps/v1".into(),
            kind: "Deployment".into(),
            plural: "deployments".into(),
        };
        let v = normalize(
            json!({"metadata": {"name": "a", "managedFields": [{"manager": "kubectl"}]}}),
            &ar,
        );
        assert_eq!(v["kind"], "Deployment");
        assert_eq!(v["apiVersion"], "apps/v1");
        assert!(v["metadata"].get("managedFields").is_none());
        let o = to_object(v);
        assert_eq!(o.reference.kind, "Deployment");
        assert_eq!(&*o.file, "cluster:deployment.apps/a");
    }
}
