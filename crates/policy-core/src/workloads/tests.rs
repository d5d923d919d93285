use super::*;
use serde_json::json;

fn table() -> WorkloadTable {
    WorkloadTable::new(&WorkloadsConfig::default(), "").unwrap()
}

#[test]
fn builtin_table_parses_and_covers_the_operators() {
    let t = parse_builtin().unwrap();
    for (group, kind) in [
        ("postgresql.cnpg.io", "Cluster"),
        ("postgresql.cnpg.io", "Pooler"),
        ("postgres-operator.crunchydata.com", "PostgresCluster"),
        ("acid.zalan.do", "postgresql"),
        ("redis.redis.opstreelabs.in", "Redis"),
        ("redis.redis.opstreelabs.in", "RedisCluster"),
        ("databases.spotahome.com", "RedisFailover"),
        ("elasticsearch.k8s.elastic.co", "Elasticsearch"),
        ("kibana.k8s.elastic.co", "Kibana"),
        ("odoo.abugharbia.com", "OdooDeployment"),
    ] {
        assert!(
            t.iter().any(|e| e.group == group && e.kind == kind),
            "{group}/{kind} missing"
        );
    }
}

#[test]
fn cnpg_cluster_fields_map_back_to_the_resource() {
    let cluster = json!({
        "apiVersion": "postgresql.cnpg.io/v1", "kind": "Cluster",
        "metadata": {"name": "pg", "namespace": "erp"},
        "spec": {"instances": 3, "imageName": "ghcr.io/cloudnative-pg/postgresql:16",
                 "resources": {"limits": {"memory": "1Gi"}}}
    });
    let views = table().views(&cluster);
    assert_eq!(views.len(), 1);
    let v = &views[0];
    let c = &v.object["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(c["image"], "ghcr.io/cloudnative-pg/postgresql:16");
    assert_eq!(c["securityContext"]["allowPrivilegeEscalation"], false);
    assert_eq!(
        v.resource_pointer("/spec/template/spec/containers/0/image"),
        "/spec/imageName"
    );
    assert_eq!(
        v.resource_pointer("/spec/template/spec/containers/0/resources/limits/cpu"),
        "/spec/resources/limits/cpu"
    );
    assert_eq!(
        v.resource_pointer("/spec/template/spec/containers/0"),
        "/spec"
    );
    assert_eq!(v.resource_pointer("/metadata/labels"), "/metadata/labels");
    assert!(v.judge_pod_security && v.judge_resources && !v.template);
}

#[test]
fn eck_node_sets_are_one_view_each() {
    let es = json!({
        "apiVersion": "elasticsearch.k8s.elastic.co/v1", "kind": "Elasticsearch",
        "metadata": {"name": "logs"},
        "spec": {"version": "8.15.0", "nodeSets": [
            {"name": "master", "count": 3, "podTemplate": {"spec": {"containers": [
                {"name": "elasticsearch", "securityContext": {"privileged": true}}]}}},
            {"name": "data", "count": 2, "podTemplate": {"metadata": {"labels": {"a": "b"}},
                "spec": {"initContainers": [{"name": "sysctl", "image": "busybox"}]}}}
        ]}
    });
    let views = table().views(&es);
    let templates: Vec<_> = views.iter().filter(|v| v.template).collect();
    assert_eq!(templates.len(), 2);
    assert_eq!(
        templates[1].resource_pointer("/spec/template/spec/initContainers/0/image"),
        "/spec/nodeSets/1/podTemplate/spec/initContainers/0/image"
    );
    assert_eq!(
        templates[1].resource_pointer("/spec/template/metadata/labels"),
        "/spec/nodeSets/1/podTemplate/metadata/labels"
    );
}

#[test]
fn disabled_and_absent_containers_are_left_out() {
    let redis = json!({
        "apiVersion": "redis.redis.opstreelabs.in/v1beta2", "kind": "Redis",
        "metadata": {"name": "r"},
        "spec": {"kubernetesConfig": {"image": "quay.io/opstree/redis:v7.0.15"},
                 "redisExporter": {"enabled": false, "image": "quay.io/opstree/redis-exporter:latest"}}
    });
    let views = table().views(&redis);
    assert_eq!(views.len(), 1);
    let cs = views[0].object["spec"]["template"]["spec"]["containers"]
        .as_array()
        .unwrap();
    assert_eq!(cs.len(), 1, "{cs:?}");
    assert_eq!(cs[0]["image"], "quay.io/opstree/redis:v7.0.15");
}

#[test]
fn unknown_kinds_and_versions_have_no_views() {
    let t = table();
    assert!(t
        .views(&json!({"apiVersion": "example.com/v1", "kind": "Cluster", "spec": {}}))
        .is_empty());
    assert!(t.entry("postgresql.cnpg.io/v9", "Cluster").is_none());
}

#[test]
fn configured_entries_replace_builtin_ones_and_bad_pointers_are_named() {
    let cfg: WorkloadsConfig = serde_json::from_value(json!({"customResources": [
        {"group": "postgresql.cnpg.io", "kind": "Cluster", "resource": "clusters",
         "pods": [{"containers": [{"name": "pg", "image": "imageName"}]}]}
    ]}))
    .unwrap();
    let t = WorkloadTable::new(&cfg, "plumbline.yaml").unwrap();
    let e = t.entry("postgresql.cnpg.io/v1", "Cluster").unwrap();
    assert_eq!(e.pods[0].containers[0].name, "pg");
    let bad: WorkloadsConfig = serde_json::from_value(json!({"customResources": [
            {"group": "example.com", "kind": "App", "resource": "apps", "podTemplates": ["spec/template"]}
        ]}))
        .unwrap();
    let err = WorkloadTable::new(&bad, "plumbline.yaml")
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "workloads.customResources[0] (example.com/App): podTemplates `spec/template`"
        ),
        "{err}"
    );
}
