# Rego unit tests of postgres-instances-too-few, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.postgres_instances_too_few_test

import rego.v1

cluster(api, kind, spec, env) := {
	"object": {"apiVersion": api, "kind": kind, "metadata": {"name": "erp-db", "namespace": "acme-prod"}, "spec": spec},
	"environment": {"name": env, "tier": "dedicated", "source": "pattern"},
}

cnpg(spec) := cluster("postgresql.cnpg.io/v1", "Cluster", spec, "production")

crunchy(spec) := cluster("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", spec, "production")

zalando(spec) := cluster("acid.zalan.do/v1", "postgresql", spec, "production")

paths(inp) := sort([v.path | some v in vs]) if {
	vs := data.plumbline.rules.postgres_instances_too_few.violation with input as inp
}

test_single_cnpg_instance_is_a_violation_at_instances if {
	vs := data.plumbline.rules.postgres_instances_too_few.violation with input as cnpg({"instances": 1, "storage": {"size": "50Gi"}})
	count(vs) == 1
	some v in vs
	v.path == "/spec/instances"
	contains(v.msg, `Cluster "erp-db" runs 1 PostgreSQL instance(s) in production (spec.instances)`)
	v.details == {"instances": 1, "environment": "production"}
}

test_unset_cnpg_instances_is_one_at_spec if {
	vs := data.plumbline.rules.postgres_instances_too_few.violation with input as cnpg({"storage": {"size": "50Gi"}})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, "spec.instances (unset, default 1)")
}

test_enough_instances_staging_and_standby_pass if {
	paths(cnpg({"instances": 2})) == []
	paths(cluster("postgresql.cnpg.io/v1", "Cluster", {"instances": 1}, "staging")) == []
	paths(cnpg({"instances": 1, "replica": {"enabled": true, "source": "erp-db-primary"}})) == []
	paths(cnpg({"instances": 1, "replica": {"primary": "erp-db-eu", "self": "erp-db-us"}})) == []

	# A distributed topology in which this cluster is the primary is judged.
	paths(cnpg({"instances": 1, "replica": {"primary": "erp-db-eu", "self": "erp-db-eu"}})) == ["/spec/instances"]
}

test_crunchy_sums_the_instance_sets if {
	paths(crunchy({"instances": [{"name": "pgha1"}]})) == ["/spec/instances"]
	paths(crunchy({"instances": [{"name": "pgha1"}, {"name": "pgha2", "replicas": 1}]})) == []
	paths(crunchy({"instances": [{"name": "pgha1", "replicas": 1}], "standby": {"enabled": true}})) == []
}

test_zalando_zero_is_stopped_on_purpose if {
	paths(zalando({"numberOfInstances": 1})) == ["/spec/numberOfInstances"]
	paths(zalando({"numberOfInstances": 0})) == []
	paths(zalando({"numberOfInstances": 1, "standby": {"s3_wal_path": "s3://erp/wal"}})) == []
}

test_other_cluster_kinds_are_not_postgresql if {
	paths(cluster("cluster.x-k8s.io/v1beta1", "Cluster", {"instances": 1}, "production")) == []
}

test_minimum_and_environments_come_from_params if {
	vs := data.plumbline.rules.postgres_instances_too_few.violation with input as cnpg({"instances": 2})
		with data.plumbline.params.availability.minReplicas as 3
	some v in vs
	contains(v.msg, "run at least 3")
	count(data.plumbline.rules.postgres_instances_too_few.violation) == 1 with input as cluster("postgresql.cnpg.io/v1", "Cluster", {"instances": 1}, "staging")
		with data.plumbline.params.availability.environments as ["staging"]
}
