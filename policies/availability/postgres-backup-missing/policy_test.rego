# Rego unit tests of postgres-backup-missing, run by `plumbline test policies/` (and `opa test`).
package plumbline.rules.postgres_backup_missing_test

import rego.v1

cnpg(spec) := {
	"apiVersion": "postgresql.cnpg.io/v1",
	"kind": "Cluster",
	"metadata": {"name": "erp-db", "namespace": "acme-prod"},
	"spec": spec,
}

crunchy(backups) := {
	"apiVersion": "postgres-operator.crunchydata.com/v1beta1",
	"kind": "PostgresCluster",
	"metadata": {"name": "hippo", "namespace": "acme-prod"},
	"spec": {"postgresVersion": 16, "backups": backups},
}

inventory(schedules, stores) := {
	"known": true,
	"scheduledBackups": {"acme-prod": schedules},
	"objectStores": {"acme-prod": stores},
}

prod(obj, inv) := {"object": obj, "environment": {"name": "production"}, "inventory": inv}

test_cnpg_without_schedule_is_reported_at_spec if {
	vs := data.plumbline.rules.postgres_backup_missing.violation with input as prod(cnpg({"instances": 3}), inventory({}, {}))
	count(vs) == 1
	some v in vs
	v.path == "/spec"
	contains(v.msg, "no ScheduledBackup")
}

test_cnpg_schedule_for_the_cluster_passes_and_suspended_does_not if {
	running := {"erp-db": [{"name": "daily", "schedule": "0 0 2 * * *", "suspend": false, "method": "plugin"}]}
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(cnpg({"instances": 3}), inventory(running, {}))
	paused := {"erp-db": [{"name": "daily", "schedule": "0 0 2 * * *", "suspend": true, "method": "plugin"}]}
	vs := data.plumbline.rules.postgres_backup_missing.violation with input as prod(cnpg({"instances": 3}), inventory(paused, {}))
	some v in vs
	contains(v.msg, "only suspended")
	v.details.scheduledBackups == ["daily"]
}

test_unknown_inventory_or_other_environment_reports_nothing if {
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(cnpg({"instances": 3}), {"known": false})
	staging := {"object": cnpg({"instances": 1}), "environment": {"name": "staging"}, "inventory": inventory({}, {})}
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as staging
}

test_cnpg_retention_in_weeks_and_months_against_the_minimum if {
	sched := {"erp-db": [{"name": "daily", "schedule": "0 0 2 * * *", "suspend": false, "method": "barmanObjectStore"}]}
	short := cnpg({"backup": {"retentionPolicy": "6d"}})
	vs := data.plumbline.rules.postgres_backup_missing.violation with input as prod(short, inventory(sched, {}))
	some v in vs
	v.path == "/spec/backup/retentionPolicy"
	v.details.retentionDays == 6
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(cnpg({"backup": {"retentionPolicy": "1w"}}), inventory(sched, {}))
	count(data.plumbline.rules.postgres_backup_missing.violation) == 1 with input as prod(cnpg({"backup": {"retentionPolicy": "1m"}}), inventory(sched, {}))
		with data.plumbline.params.dataLayer.minBackupRetentionDays as 31
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(short, inventory(sched, {}))
		with data.plumbline.params.dataLayer.minBackupRetentionDays as 0
}

test_cnpg_plugin_object_store_retention if {
	sched := {"erp-db": [{"name": "daily", "schedule": "0 0 2 * * *", "suspend": false, "method": "plugin"}]}
	plugin := cnpg({"plugins": [{"name": "barman-cloud.cloudnative-pg.io", "isWALArchiver": true, "parameters": {"barmanObjectName": "store"}}]})
	vs := data.plumbline.rules.postgres_backup_missing.violation with input as prod(plugin, inventory(sched, {"store": {"retentionPolicy": "2d"}}))
	some v in vs
	v.path == "/spec/plugins/0/parameters/barmanObjectName"
	v.details.objectStore == "store"
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(plugin, inventory(sched, {"store": {"retentionPolicy": "30d"}}))
}

test_crunchy_schedules_and_time_retention if {
	none := crunchy({"pgbackrest": {"repos": [{"name": "repo1", "volume": {}}]}})
	vs := data.plumbline.rules.postgres_backup_missing.violation with input as prod(none, {"known": false})
	some v in vs
	v.path == "/spec/backups/pgbackrest/repos"
	contains(v.msg, "no pgBackRest repository has a backup schedule")
	short := crunchy({"pgbackrest": {
		"global": {"repo1-retention-full": "3", "repo1-retention-full-type": "time"},
		"repos": [{"name": "repo1", "schedules": {"full": "0 1 * * 0"}}],
	}})
	vs2 := data.plumbline.rules.postgres_backup_missing.violation with input as prod(short, {"known": false})
	some v2 in vs2
	v2.path == "/spec/backups/pgbackrest/global/repo1-retention-full"
	counted := crunchy({"pgbackrest": {
		"global": {"repo1-retention-full": "3"},
		"repos": [{"name": "repo1", "schedules": {"full": "0 1 * * 0"}}],
	}})
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(counted, {"known": false})
}

test_cnpg_replica_by_topology_defaults_self_to_the_cluster_name if {
	follower := cnpg({"replica": {"primary": "erp-db-eu", "source": "erp-db-eu"}})
	count(data.plumbline.rules.postgres_backup_missing.violation) == 0 with input as prod(follower, inventory({}, {}))
	leader := cnpg({"replica": {"primary": "erp-db", "source": "erp-db-eu"}})
	count(data.plumbline.rules.postgres_backup_missing.violation) == 1 with input as prod(leader, inventory({}, {}))
	demoted := cnpg({"replica": {"enabled": false, "primary": "erp-db-eu", "source": "erp-db-eu"}})
	count(data.plumbline.rules.postgres_backup_missing.violation) == 1 with input as prod(demoted, inventory({}, {}))
}
