//! Writing reports to the cluster: server-side apply, field manager `plumbline`, so a rerun
//! replaces the previous results and no other writer's fields are touched.

use kube::api::{Api, ApiResource, DynamicObject, Patch, PatchParams};
use serde_json::Value;

use crate::reports::REPORT_NAME;
use crate::Error;

/// The field manager of every write.
pub const FIELD_MANAGER: &str = "plumbline";

fn resource(kind: &str) -> ApiResource {
    let plural = if kind == "ClusterReport" {
        "clusterreports"
    } else {
        "reports"
    };
    ApiResource {
        group: "openreports.io".into(),
        version: "v1alpha1".into(),
        api_version: "openreports.io/v1alpha1".into(),
        kind: kind.into(),
        plural: plural.into(),
    }
}

/// Apply every report (as built by [`crate::reports::build`]). Stops at the first failure, which
/// names the report (a missing CRD shows here as a 404 on the first one).
pub async fn apply_reports(client: &kube::Client, reports: &[Value]) -> Result<usize, Error> {
    let params = PatchParams::apply(FIELD_MANAGER).force();
    let mut written = 0;
    for r in reports {
        let kind = r["kind"].as_str().unwrap_or("Report");
        let ar = resource(kind);
        let ns = r["metadata"]["namespace"].as_str();
        let api: Api<DynamicObject> = match ns {
            Some(ns) => Api::namespaced_with(client.clone(), ns, &ar),
            None => Api::all_with(client.clone(), &ar),
        };
        api.patch(REPORT_NAME, &params, &Patch::Apply(r))
            .await
            .map_err(|source| Error::Api {
                what: format!(
                    "writing {kind} {}{REPORT_NAME}",
                    ns.map(|n| format!("{n}/")).unwrap_or_default()
                ),
                source,
            })?;
        written += 1;
    }
    Ok(written)
}
