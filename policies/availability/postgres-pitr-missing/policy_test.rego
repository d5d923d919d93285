# Rego unit tests of postgres-pitr-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.postgres_pitr_missing_test

import rego.v1

cluster(api, kind, spec, env) := {
	"object": {"apiVersion": api, "kind": kind, "metadata": {"name": "erp-db", "namespace": "acme-prod"}, "spec": spec},
	"environment": {"name": env, "tier": "dedicated", "source": "pattern"},
}

cnpg(spec) := cluster("postgresql.cnpg.io/v1", "Cluster", spec, "production")

crunchy(spec) := cluster("postgres-operator.crunchydata.com/v1beta1", "PostgresCluster", spec, "production")

plugin := {"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": true, "parameters": {"barmanObjectName": "erp-store"}}

paths(inp) := sort([v.path | some v in vs]) if {
	vs := data.plumbline.rules.postgres_pitr_missing.violation with input as inp
}

test_cnpg_without_archiver_is_a_violation_at_spec if {
	vs := data.plumbline.rules.postgres_pitr_missing.violation with input as cnpg({"instances": 3})
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, `Cluster "erp-db" in production archives no WAL`)
	v.details == {"operator": "cloudnative-pg", "environment": "production"}
}

test_snapshots_alone_are_reported_at_backup if {
	paths(cnpg({"instances": 3, "backup": {"volumeSnapshot": {"className": "csi-snap"}}})) == ["/spec/backup"]
}

test_archivers_pass if {
	paths(cnpg({"instances": 3, "plugins": [plugin]})) == []
	paths(cnpg({"instances": 3, "backup": {"barmanObjectStore": {"destinationPath": "s3://erp/db"}}})) == []
}

test_disabled_or_non_archiving_plugin_does_not_count if {
	paths(cnpg({"instances": 3, "plugins": [object.union(plugin, {"enabled": false})]})) == ["/spec"]
	paths(cnpg({"instances": 3, "plugins": [{"name": "barman-cloud.cloudnative-pg.io"}]})) == ["/spec"]
}

test_standby_and_other_environments_pass if {
	paths(cnpg({"instances": 3, "replica": {"enabled": true, "source": "erp-db-primary"}})) == []
	paths(cluster("postgresql.cnpg.io/v1", "Cluster", {"instances": 3}, "staging")) == []
	paths(crunchy({"instances": [{"name": "pgha1"}], "standby": {"enabled": true, "repoName": "repo1"}})) == []
}

test_crunchy_without_pgbackrest if {
	vs := data.plumbline.rules.postgres_pitr_missing.violation with input as crunchy({"instances": [{"name": "pgha1"}], "backups": {"snapshots": {}}})
	count(vs) == 1
	some v in vs
	v.path == "/spec/backups"
	contains(v.msg, `PostgresCluster "erp-db" in production has no spec.backups.pgbackrest`)
	paths(crunchy({"instances": [{"name": "pgha1"}]})) == ["/spec"]
	paths(crunchy({"backups": {"pgbackrest": {"repos": [{"name": "repo1", "volume": {}}]}}})) == []
}

test_environments_come_from_params if {
	count(data.plumbline.rules.postgres_pitr_missing.violation) == 1 with input as cluster("postgresql.cnpg.io/v1", "Cluster", {"instances": 3}, "staging")
		with data.plumbline.params.availability.environments as ["production", "staging"]
}
