package plumbline.rules.postgres_backup_missing

import rego.v1

import data.plumbline.lib.postgres

# A production (params.availability.environments) PostgreSQL cluster without a scheduled base
# backup, or whose backups are kept for less than params.dataLayer.minBackupRetentionDays:
# - CloudNativePG (postgresql.cnpg.io Cluster): no ScheduledBackup in its namespace whose
#   spec.cluster.name names it and that is not suspended (an inventory lookup: silent when the
#   inventory is unknown); retention from spec.backup.retentionPolicy (in-tree Barman Cloud) or
#   from the retentionPolicy of the Barman Cloud plugin's ObjectStore (inventory);
# - Crunchy PGO (postgres-operator.crunchydata.com PostgresCluster): no pgBackRest repository
#   with a full, differential or incremental schedule; retention from
#   spec.backups.pgbackrest.global repoN-retention-full when repoN-retention-full-type is time.
# Standby clusters are not judged (policies/lib/postgres.rego).

environment := object.get(object.get(input, "environment", {}), "name", "")

params := object.get(data.plumbline.params, "availability", {})

governed if environment in object.get(params, "environments", ["production"])

min_days := object.get(object.get(data.plumbline.params, "dataLayer", {}), "minBackupRetentionDays", 7)

name := object.get(object.get(input.object, "metadata", {}), "name", "")

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

spec_path := "/spec" if is_object(object.get(input.object, "spec", null))

spec_path := "" if not is_object(object.get(input.object, "spec", null))

# --- CloudNativePG ---------------------------------------------------------------------------

cnpg if {
	postgres.cnpg(input.object)
	not postgres.standby(input.object)
}

namespace := object.get(object.get(input.object, "metadata", {}), "namespace", "")

schedules := object.get(object.get(object.get(input.inventory, "scheduledBackups", {}), namespace, {}), name, [])

active := [b.name | some b in schedules; b.suspend != true]

suspended := [b.name | some b in schedules; b.suspend == true]

cnpg_path := "/spec/backup" if is_object(object.get(spec, "backup", null))

cnpg_path := spec_path if not is_object(object.get(spec, "backup", null))

violation contains v if {
	governed
	cnpg
	input.inventory.known == true
	count(active) == 0
	count(suspended) == 0
	v := {
		"msg": sprintf("Cluster %q in %s has no ScheduledBackup: no base backup is taken on a schedule", [name, environment]),
		"path": cnpg_path,
		"details": {"operator": "cloudnative-pg", "environment": environment, "scheduledBackups": []},
	}
}

violation contains v if {
	governed
	cnpg
	input.inventory.known == true
	count(active) == 0
	count(suspended) > 0
	v := {
		"msg": sprintf("Cluster %q in %s has only suspended ScheduledBackups (%s): no base backup is taken", [name, environment, concat(", ", sort(suspended))]),
		"path": cnpg_path,
		"details": {"operator": "cloudnative-pg", "environment": environment, "scheduledBackups": sort(suspended)},
	}
}

# CloudNativePG retention policies: a number and d (days), w (weeks) or m (months, counted as 30
# days), as the CRD's pattern ^[1-9][0-9]*[dwm]$ allows.
retention_days(p) := n * {"d": 1, "w": 7, "m": 30}[unit] if {
	is_string(p)
	regex.match(`^[1-9][0-9]*[dwm]$`, p)
	unit := substring(p, count(p) - 1, 1)
	n := to_number(substring(p, 0, count(p) - 1))
}

violation contains v if {
	governed
	cnpg
	min_days > 0
	p := spec.backup.retentionPolicy
	days := retention_days(p)
	days < min_days
	v := {
		"msg": sprintf("Cluster %q in %s keeps backups for %s (%v days), less than the %v days required", [name, environment, p, days, min_days]),
		"path": "/spec/backup/retentionPolicy",
		"details": {"operator": "cloudnative-pg", "environment": environment, "retentionDays": days, "minRetentionDays": min_days},
	}
}

stores := object.get(object.get(input.inventory, "objectStores", {}), namespace, {})

violation contains v if {
	governed
	cnpg
	min_days > 0
	some i, plugin in spec.plugins
	plugin.name == "barman-cloud.cloudnative-pg.io"
	object.get(plugin, "enabled", true) != false
	store := plugin.parameters.barmanObjectName
	is_string(store)
	p := stores[store].retentionPolicy
	days := retention_days(p)
	days < min_days
	v := {
		"msg": sprintf("Cluster %q in %s backs up to ObjectStore %q, which keeps backups for %s (%v days), less than the %v days required", [name, environment, store, p, days, min_days]),
		"path": sprintf("/spec/plugins/%d/parameters/barmanObjectName", [i]),
		"details": {"operator": "cloudnative-pg", "environment": environment, "objectStore": store, "retentionDays": days, "minRetentionDays": min_days},
	}
}

# --- Crunchy PGO -----------------------------------------------------------------------------

crunchy if {
	postgres.crunchy(input.object)
	not postgres.standby(input.object)
}

pgbackrest := p if {
	p := object.get(object.get(spec, "backups", {}), "pgbackrest", null)
	is_object(p)
}

repos := [r | some r in object.get(pgbackrest, "repos", []); is_object(r)]

scheduled_repos := [r.name |
	some r in repos
	s := object.get(r, "schedules", {})
	is_object(s)
	count([k | some k in ["full", "differential", "incremental"]; is_string(object.get(s, k, null)); object.get(s, k, "") != ""]) > 0
]

crunchy_path := "/spec/backups/pgbackrest/repos" if is_array(object.get(pgbackrest, "repos", null))

crunchy_path := "/spec/backups/pgbackrest" if {
	is_object(pgbackrest)
	not is_array(object.get(pgbackrest, "repos", null))
}

crunchy_path := "/spec/backups" if {
	not is_object(pgbackrest)
	is_object(object.get(spec, "backups", null))
}

crunchy_path := spec_path if not is_object(object.get(spec, "backups", null))

violation contains v if {
	governed
	crunchy
	count(scheduled_repos) == 0
	v := {
		"msg": sprintf("PostgresCluster %q in %s takes no scheduled backup: %s; add schedules (full, differential or incremental) to a repository", [name, environment, crunchy_missing]),
		"path": crunchy_path,
		"details": {"operator": "crunchy-pgo", "environment": environment},
	}
}

crunchy_missing := "no pgBackRest repository has a backup schedule" if {
	is_object(pgbackrest)
} else := "there is no spec.backups.pgbackrest"

global := g if {
	g := pgbackrest.global
	is_object(g)
} else := {}

violation contains v if {
	governed
	crunchy
	min_days > 0
	some repo in scheduled_repos
	object.get(global, sprintf("%s-retention-full-type", [repo]), "count") == "time"
	key := sprintf("%s-retention-full", [repo])
	days := retention_number(object.get(global, key, null))
	days < min_days
	v := {
		"msg": sprintf("PostgresCluster %q in %s keeps %s's full backups for %v days, less than the %v days required", [name, environment, repo, days, min_days]),
		"path": sprintf("/spec/backups/pgbackrest/global/%s", [key]),
		"details": {"operator": "crunchy-pgo", "environment": environment, "repo": repo, "retentionDays": days, "minRetentionDays": min_days},
	}
}

# pgBackRest options are strings in the CRD ("14"); a bare number is read too.
retention_number(raw) := raw if is_number(raw)

retention_number(raw) := to_number(raw) if {
	is_string(raw)
	regex.match(`^[0-9]+$`, raw)
}
