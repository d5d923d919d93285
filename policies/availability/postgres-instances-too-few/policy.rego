package plumbline.rules.postgres_instances_too_few

import rego.v1

import data.plumbline.lib.postgres

# A production (params.availability.environments) PostgreSQL cluster run by an operator with
# fewer than params.availability.minReplicas (default 2) instances: without a standby to fail
# over to, every node drain, eviction or crash of the primary stops the database.
# - CloudNativePG (postgresql.cnpg.io Cluster): spec.instances, default 1;
# - Crunchy PGO (postgres-operator.crunchydata.com PostgresCluster): the sum of
#   spec.instances[].replicas, each default 1;
# - Zalando postgres-operator (acid.zalan.do postgresql): spec.numberOfInstances (required by
#   the CRD).
# Standby (replica) clusters that follow a primary cluster elsewhere are not judged
# (policies/lib/postgres.rego).

environment := object.get(object.get(input, "environment", {}), "name", "")

params := object.get(data.plumbline.params, "availability", {})

governed if environment in object.get(params, "environments", ["production"])

min_instances := m if {
	m := object.get(params, "minReplicas", 2)
	is_number(m)
} else := 2

group := regex.replace(object.get(input.object, "apiVersion", ""), "/[^/]*$", "")

name := object.get(object.get(input.object, "metadata", {}), "name", "")

spec := s if {
	s := input.object.spec
	is_object(s)
} else := {}

# [count, path, field name] of the object's PostgreSQL instances.
instances contains [n, "/spec/instances", "spec.instances"] if {
	input.object.kind == "Cluster"
	group == "postgresql.cnpg.io"
	n := spec.instances
	is_number(n)
}

instances contains [1, "/spec", "spec.instances (unset, default 1)"] if {
	input.object.kind == "Cluster"
	group == "postgresql.cnpg.io"
	is_object(input.object.spec)
	not "instances" in object.keys(spec)
}

instances contains [n, "/spec/instances", "the instance sets' replicas"] if {
	input.object.kind == "PostgresCluster"
	group == "postgres-operator.crunchydata.com"
	sets := spec.instances
	is_array(sets)
	count(sets) > 0
	n := sum([set_replicas(s) | some s in sets])
}

set_replicas(s) := r if {
	r := s.replicas
	is_number(r)
}

set_replicas(s) := 1 if not is_number(object.get(s, "replicas", null))

instances contains [n, "/spec/numberOfInstances", "spec.numberOfInstances"] if {
	input.object.kind == "postgresql"
	group == "acid.zalan.do"
	n := spec.numberOfInstances
	is_number(n)
}

violation contains v if {
	governed
	not postgres.standby(input.object)
	some [n, p, field] in instances
	n > 0
	n < min_instances
	v := {
		"msg": sprintf("%s %q runs %v PostgreSQL instance(s) in %s (%s): no standby to fail over to when the primary's node is drained or fails; run at least %v", [input.object.kind, name, n, environment, field, min_instances]),
		"path": p,
		"details": {"instances": n, "environment": environment},
	}
}
