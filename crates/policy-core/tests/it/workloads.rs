//! Custom resources of the workloads table (crates/policy-core/src/workloads.rs) judged through
//! the linter: findings of the workload rules at the resource's own lines.

#[test]
fn linted_custom_resources_are_judged_at_their_own_lines() {
    let text = "\
apiVersion: postgresql.cnpg.io/v1
kind: Cluster
metadata:
  name: pg
  namespace: erp
spec:
  instances: 3
  imageName: ghcr.io/cloudnative-pg/postgresql:latest
  resources:
    requests: {cpu: 500m, memory: 1Gi}
    limits: {memory: 1Gi}
---
apiVersion: postgresql.cnpg.io/v1
kind: Pooler
metadata:
  name: pg-rw
  namespace: erp
spec:
  cluster: {name: pg}
  template:
    spec:
      containers:
        - name: pgbouncer
        - name: debug
          image: busybox:1.36
          securityContext:
            privileged: true
";
    let linter = policy_core::default_linter().unwrap();
    let report = linter.lint_sources(&[policy_core::Source::new("db.yaml", text)]);
    let at = |rule: &str| -> Vec<(String, u32, String)> {
        report
            .findings
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| (f.object.kind.clone(), f.line, f.path.clone()))
            .collect()
    };
    assert_eq!(
        at("image-tag-latest"),
        vec![("Cluster".to_string(), 8, "/spec/imageName".to_string())]
    );
    assert_eq!(
        at("pss-privileged"),
        vec![(
            "Pooler".to_string(),
            27,
            "/spec/template/spec/containers/1/securityContext/privileged".to_string()
        )]
    );
    // The Cluster declares its resources; the operator completes pgbouncer's image and security
    // context; neither is reported.
    assert!(at("container-limits-missing")
        .iter()
        .all(|(kind, ..)| kind == "Pooler"));
    assert!(at("image-reference-invalid").is_empty());
    assert!(at("service-account-token-automount").is_empty());
    assert!(report.problems.is_empty(), "{:?}", report.problems);
}
