# PostgreSQL operators' clusters: which operator a resource belongs to, and whether it is a
# standby (replica) cluster that follows a primary cluster elsewhere. The availability rules
# (postgres-instances-too-few, postgres-pitr-missing) judge primary clusters only: a standby
# cluster's availability and archive are its primary's until it is promoted.
package plumbline.lib.postgres

import rego.v1

group(obj) := regex.replace(object.get(obj, "apiVersion", ""), "/[^/]*$", "")

# CloudNativePG postgresql.cnpg.io Cluster.
cnpg(obj) if {
	obj.kind == "Cluster"
	group(obj) == "postgresql.cnpg.io"
}

# Crunchy PGO postgres-operator.crunchydata.com PostgresCluster.
crunchy(obj) if {
	obj.kind == "PostgresCluster"
	group(obj) == "postgres-operator.crunchydata.com"
}

# Zalando postgres-operator acid.zalan.do postgresql.
zalando(obj) if {
	obj.kind == "postgresql"
	group(obj) == "acid.zalan.do"
}

# CloudNativePG, as its Cluster.IsReplica: with a spec.replica stanza, `enabled` decides when set;
# otherwise (the distributed topology of 1.24+) the cluster is a replica unless spec.replica.self
# (default: the Cluster's own name) is spec.replica.primary.
standby(obj) if {
	cnpg(obj)
	obj.spec.replica.enabled == true
}

standby(obj) if {
	cnpg(obj)
	r := obj.spec.replica
	is_object(r)
	not is_boolean(object.get(r, "enabled", null))
	replica_self(obj, r) != object.get(r, "primary", "")
}

replica_self(obj, r) := r.self if {
	is_string(r.self)
	r.self != ""
} else := object.get(object.get(obj, "metadata", {}), "name", "")

# Crunchy PGO: spec.standby.enabled: true.
standby(obj) if {
	crunchy(obj)
	obj.spec.standby.enabled == true
}

# Zalando: a spec.standby section (standby_host, s3_wal_path or gs_wal_path).
standby(obj) if {
	zalando(obj)
	is_object(obj.spec.standby)
}
