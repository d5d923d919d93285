//! The AdmissionReview the load benchmark sends (and `examples/decide_profile.rs` profiles): a
//! realistic production Deployment.

use serde_json::json;

const DIGEST: &str = "sha256:4b1d0c3f1e7f7d5e1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

/// The Deployment's images when signatures are off: digest-pinned, on a registry never contacted.
pub(crate) fn unsigned_images() -> [String; 2] {
    [
        format!("registry.example.com/shop/web:1.4.2@{DIGEST}"),
        format!("registry.example.com/shop/exporter:0.9.1@{DIGEST}"),
    ]
}

/// A realistic production Deployment: two containers, probes, resources, restricted security
/// context, digest-pinned images, tenancy and change-control metadata.
pub(crate) fn deployment_review(uid: &str, images: [&str; 2]) -> Vec<u8> {
    let container = |name: &str, image: &str, port: u16| {
        json!({
            "name": name, "image": image,
            "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
            "env": [{"name": "LOG_LEVEL", "value": "info"},
                    {"name": "DB_PASSWORD", "valueFrom": {"secretKeyRef": {"name": "shop-db", "key": "password"}}}],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "1", "memory": "512Mi"}},
            "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
            "livenessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 10},
            "securityContext": {"allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
                                "runAsNonRoot": true, "runAsUser": 10001,
                                "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
            "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]
        })
    };
    let deployment = json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {
            "name": "web", "namespace": "shop-prod",
            "labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop",
                       "plumbline.dev/tenant": "shop"},
            "annotations": {"change.plumbline.dev/ticket": "CHG-1234", "owner": "team-shop@example.com"}
        },
        "spec": {
            "replicas": 3, "revisionHistoryLimit": 5,
            "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "template": {
                "metadata": {"labels": {"app.kubernetes.io/name": "web", "app.kubernetes.io/part-of": "shop",
                                        "plumbline.dev/tenant": "shop"}},
                "spec": {
                    "serviceAccountName": "web", "automountServiceAccountToken": false,
                    "securityContext": {"runAsNonRoot": true, "fsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
                    "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [{
                        "weight": 100, "podAffinityTerm": {"topologyKey": "kubernetes.io/hostname",
                            "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}}]}},
                    "topologySpreadConstraints": [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                        "whenUnsatisfiable": "ScheduleAnyway", "labelSelector": {"matchLabels": {"app.kubernetes.io/name": "web"}}}],
                    "containers": [
                        container("web", images[0], 8080),
                        container("metrics", images[1], 9100),
                    ],
                    "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}}]
                }
            }
        }
    });
    let review = json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "resource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "requestKind": {"group": "apps", "version": "v1", "kind": "Deployment"},
            "requestResource": {"group": "apps", "version": "v1", "resource": "deployments"},
            "name": "web", "namespace": "shop-prod", "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:ci:deployer", "uid": "5d1f",
                         "groups": ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"]},
            "object": deployment, "oldObject": null, "dryRun": false,
            "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions", "fieldManager": "kubectl-client-side-apply"}
        }
    });
    serde_json::to_vec(&review).expect("a JSON value serialises")
}
