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

# CloudNativePG: spec.replica.enabled: true, or a distributed topology (1.24+) in which
# spec.replica.self names another cluster than spec.replica.primary.
standby(obj) if {
	cnpg(obj)
	obj.spec.replica.enabled == true
}

standby(obj) if {
	cnpg(obj)
	r := obj.spec.replica
	object.get(r, "enabled", null) != false
	is_string(r.primary)
	is_string(r.self)
	r.primary != r.self
}

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
