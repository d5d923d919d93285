package plumbline.rules.postgres_pitr_missing

import rego.v1

import data.plumbline.lib.postgres

# A production (params.availability.environments) PostgreSQL cluster whose operator can archive
# WAL continuously, configured without it: the database can only be restored to a base backup or
# snapshot, never to the moment before a bad migration or a dropped table.
# - CloudNativePG (postgresql.cnpg.io Cluster): neither spec.backup.barmanObjectStore (the in-tree
#   Barman Cloud archiver, deprecated since 1.26) nor a spec.plugins entry with
#   isWALArchiver: true (the Barman Cloud plugin) that is not disabled;
# - Crunchy PGO (postgres-operator.crunchydata.com PostgresCluster): no spec.backups.pgbackrest
#   (allowed since PGO 5.7, which then runs without pgBackRest and its WAL archive).
# Standby (replica) clusters restore their primary's WAL and are not judged
# (policies/lib/postgres.rego).

environment := object.get(object.get(input, "environment", {}), "name", "")

params := object.get(data.plumbline.params, "availability", {})

governed if environment in object.get(params, "environments", ["production"])

name := object.get(object.get(input.object, "metadata", {}), "name", "")

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

cnpg if {
	postgres.cnpg(input.object)
	not postgres.standby(input.object)
}

cnpg_archiver if is_object(object.get(object.get(spec, "backup", {}), "barmanObjectStore", null))

cnpg_archiver if {
	some p in spec.plugins
	p.isWALArchiver == true
	object.get(p, "enabled", true) != false
}

backup_path := "/spec/backup" if is_object(object.get(spec, "backup", null))

backup_path := "/spec" if {
	is_object(input.object.spec)
	not is_object(object.get(spec, "backup", null))
}

backup_path := "" if not is_object(object.get(input.object, "spec", null))

violation contains v if {
	governed
	cnpg
	not cnpg_archiver
	v := {
		"msg": sprintf("Cluster %q in %s archives no WAL (no spec.backup.barmanObjectStore, no spec.plugins entry with isWALArchiver: true): it cannot be recovered to a point in time, only to its last base backup or snapshot; archive WAL with the Barman Cloud plugin", [name, environment]),
		"path": backup_path,
		"details": {"operator": "cloudnative-pg", "environment": environment},
	}
}

crunchy if {
	postgres.crunchy(input.object)
	not postgres.standby(input.object)
}

violation contains v if {
	governed
	crunchy
	not is_object(object.get(object.get(spec, "backups", {}), "pgbackrest", null))
	v := {
		"msg": sprintf("PostgresCluster %q in %s has no spec.backups.pgbackrest: without pgBackRest the operator archives no WAL and there is neither a backup nor point-in-time recovery; configure a pgBackRest repository", [name, environment]),
		"path": crunchy_path,
		"details": {"operator": "crunchy-pgo", "environment": environment},
	}
}

crunchy_path := "/spec/backups" if is_object(object.get(spec, "backups", null))

crunchy_path := "/spec" if {
	is_object(input.object.spec)
	not is_object(object.get(spec, "backups", null))
}

crunchy_path := "" if not is_object(object.get(input.object, "spec", null))
